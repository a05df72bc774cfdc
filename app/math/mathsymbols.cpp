// The symbol tables of the TeX-math typesetter and its two elementary boxes.
#include "mathparser.h"

namespace math::detail {

const QHash<QString, Symbol>& symbols()
{
    static const QHash<QString, Symbol> table = [] {
        QHash<QString, Symbol> t;
        auto add = [&](const char* names, char32_t ch, Cls cls) {
            for (const QString& n : QString::fromLatin1(names).split(QLatin1Char(' ')))
                t.insert(n, {ch, cls});
        };
        // Greek: lowercase italic (Math-Italic), capitals upright (Main).
        add("alpha", 0x3B1, Ord), add("beta", 0x3B2, Ord), add("gamma", 0x3B3, Ord), add("delta", 0x3B4, Ord);
        add("epsilon", 0x3F5, Ord), add("varepsilon", 0x3B5, Ord), add("zeta", 0x3B6, Ord), add("eta", 0x3B7, Ord);
        add("theta", 0x3B8, Ord), add("vartheta", 0x3D1, Ord), add("iota", 0x3B9, Ord), add("kappa", 0x3BA, Ord);
        add("lambda", 0x3BB, Ord), add("mu", 0x3BC, Ord), add("nu", 0x3BD, Ord), add("xi", 0x3BE, Ord);
        add("pi", 0x3C0, Ord), add("varpi", 0x3D6, Ord), add("rho", 0x3C1, Ord), add("varrho", 0x3F1, Ord);
        add("sigma", 0x3C3, Ord), add("varsigma", 0x3C2, Ord), add("tau", 0x3C4, Ord), add("upsilon", 0x3C5, Ord);
        add("phi", 0x3D5, Ord), add("varphi", 0x3C6, Ord), add("chi", 0x3C7, Ord), add("psi", 0x3C8, Ord);
        add("omega", 0x3C9, Ord);
        add("Gamma", 0x393, Ord), add("Delta", 0x394, Ord), add("Theta", 0x398, Ord), add("Lambda", 0x39B, Ord);
        add("Xi", 0x39E, Ord), add("Pi", 0x3A0, Ord), add("Sigma", 0x3A3, Ord), add("Upsilon", 0x3A5, Ord);
        add("Phi", 0x3A6, Ord), add("Psi", 0x3A8, Ord), add("Omega", 0x3A9, Ord);
        // Binary operators.
        add("pm", 0xB1, Bin), add("mp", 0x2213, Bin), add("times", 0xD7, Bin), add("div", 0xF7, Bin);
        add("cdot", 0x22C5, Bin), add("ast", 0x2217, Bin), add("star", 0x22C6, Bin), add("circ", 0x2218, Bin);
        add("bullet", 0x2219, Bin), add("cap", 0x2229, Bin), add("cup", 0x222A, Bin), add("wedge land", 0x2227, Bin);
        add("vee lor", 0x2228, Bin), add("setminus", 0x2216, Bin), add("oplus", 0x2295, Bin);
        add("otimes", 0x2297, Bin), add("odot", 0x2299, Bin), add("ominus", 0x2296, Bin), add("wr", 0x2240, Bin);
        add("bmod", 0x0, Bin);   // replaced below (a word)
        // Relations and arrows.
        add("le leq", 0x2264, Rel), add("ge geq", 0x2265, Rel), add("ne neq", 0x2260, Rel);
        add("approx", 0x2248, Rel), add("equiv", 0x2261, Rel), add("sim", 0x223C, Rel), add("simeq", 0x2243, Rel);
        add("cong", 0x2245, Rel), add("propto", 0x221D, Rel), add("ll", 0x226A, Rel), add("gg", 0x226B, Rel);
        add("subset", 0x2282, Rel), add("supset", 0x2283, Rel), add("subseteq", 0x2286, Rel);
        add("supseteq", 0x2287, Rel), add("in", 0x2208, Rel), add("notin", 0x2209, Rel), add("ni", 0x220B, Rel);
        add("perp", 0x22A5, Rel), add("parallel", 0x2225, Rel), add("mid", 0x2223, Rel), add("vdash", 0x22A2, Rel);
        add("models", 0x22A8, Rel), add("prec", 0x227A, Rel), add("succ", 0x227B, Rel), add("doteq", 0x2250, Rel);
        add("asymp", 0x224D, Rel), add("leqslant", 0x2A7D, Rel), add("geqslant", 0x2A7E, Rel);
        add("to rightarrow", 0x2192, Rel), add("leftarrow gets", 0x2190, Rel), add("leftrightarrow", 0x2194, Rel);
        add("Rightarrow", 0x21D2, Rel), add("Leftarrow", 0x21D0, Rel), add("Leftrightarrow", 0x21D4, Rel);
        add("implies Longrightarrow", 0x27F9, Rel), add("impliedby Longleftarrow", 0x27F8, Rel);
        add("iff Longleftrightarrow", 0x27FA, Rel), add("mapsto", 0x21A6, Rel), add("longrightarrow", 0x27F6, Rel);
        add("longleftarrow", 0x27F5, Rel), add("longmapsto", 0x27FC, Rel), add("uparrow", 0x2191, Rel);
        add("downarrow", 0x2193, Rel), add("hookrightarrow", 0x21AA, Rel), add("rightleftharpoons", 0x21CC, Rel);
        // Ordinary symbols.
        add("infty", 0x221E, Ord), add("partial", 0x2202, Ord), add("nabla", 0x2207, Ord), add("forall", 0x2200, Ord);
        add("exists", 0x2203, Ord), add("nexists", 0x2204, Ord), add("emptyset varnothing", 0x2205, Ord);
        add("hbar", 0x210F, Ord), add("ell", 0x2113, Ord), add("Re", 0x211C, Ord), add("Im", 0x2111, Ord);
        add("aleph", 0x2135, Ord), add("prime", 0x2032, Ord), add("angle", 0x2220, Ord), add("triangle", 0x25B3, Ord);
        add("neg lnot", 0xAC, Ord), add("top", 0x22A4, Ord), add("bot", 0x22A5, Ord), add("ldots dots", 0x2026, Inner);
        add("cdots", 0x22EF, Inner), add("vdots", 0x22EE, Ord), add("ddots", 0x22F1, Inner), add("deg", 0x0, Ord);
        add("degree", 0xB0, Ord), add("checkmark", 0x2713, Ord), add("square", 0x25A1, Ord), add("Box", 0x25A1, Ord);
        add("backslash", 0x5C, Ord), add("surd", 0x221A, Ord), add("flat", 0x266D, Ord), add("sharp", 0x266F, Ord);
        add("dagger", 0x2020, Bin), add("ddagger", 0x2021, Bin), add("colon", 0x3A, Punct);
        add("lvert vert", 0x7C, Ord), add("lVert Vert", 0x2016, Ord), add("|", 0x2016, Ord);
        add("langle", 0x27E8, Open), add("rangle", 0x27E9, Close), add("lfloor", 0x230A, Open);
        add("rfloor", 0x230B, Close), add("lceil", 0x2308, Open), add("rceil", 0x2309, Close);
        add("lbrace {", 0x7B, Open), add("rbrace }", 0x7D, Close), add("lbrack", 0x5B, Open),
            add("rbrack", 0x5D, Close);
        add("rvert", 0x7C, Close), add("rVert", 0x2016, Close);
        add("$", 0x24, Ord), add("%", 0x25, Ord), add("&", 0x26, Ord), add("#", 0x23, Ord), add("_", 0x5F, Ord);
        t.remove(QStringLiteral("bmod"));
        t.remove(QStringLiteral("deg"));
        return t;
    }();
    return table;
}

// Big operators: the character, and whether scripts become limits in display style.
const QHash<QString, std::pair<char32_t, bool>>& bigOperators()
{
    static const QHash<QString, std::pair<char32_t, bool>> t = {
        {QStringLiteral("sum"), {0x2211, true}},       {QStringLiteral("prod"), {0x220F, true}},
        {QStringLiteral("coprod"), {0x2210, true}},    {QStringLiteral("int"), {0x222B, false}},
        {QStringLiteral("iint"), {0x222C, false}},     {QStringLiteral("iiint"), {0x222D, false}},
        {QStringLiteral("oint"), {0x222E, false}},     {QStringLiteral("bigcup"), {0x22C3, true}},
        {QStringLiteral("bigcap"), {0x22C2, true}},    {QStringLiteral("bigoplus"), {0x2A01, true}},
        {QStringLiteral("bigotimes"), {0x2A02, true}}, {QStringLiteral("bigvee"), {0x22C1, true}},
        {QStringLiteral("bigwedge"), {0x22C0, true}},  {QStringLiteral("bigodot"), {0x2A00, true}},
    };
    return t;
}

// Operator names written upright; true: limits in display style.
const QHash<QString, bool>& namedOperators()
{
    static const QHash<QString, bool> t = [] {
        QHash<QString, bool> h;
        for (const char* n :
             {"sin",  "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
              "coth", "log", "ln",  "lg",  "exp", "dim", "ker",    "deg",    "arg",    "hom",  "mod"})
            h.insert(QString::fromLatin1(n), false);
        for (const char* n :
             {"lim", "liminf", "limsup", "max", "min", "sup", "inf", "det", "gcd", "Pr", "argmax", "argmin"})
            h.insert(QString::fromLatin1(n), true);
        return h;
    }();
    return t;
}

Box glyphBoxFrom(const GlyphMetrics& m, double scale)
{
    Box b;
    b.width = m.width * scale;
    b.height = m.height * scale;
    b.depth = m.depth * scale;
    Item it;
    it.kind = Item::Glyph;
    it.font = m.font;
    it.glyph = m.glyph;
    it.size = scale;
    b.items.append(it);
    return b;
}

Box spaceBox(double width)
{
    Box b;
    b.width = width;
    return b;
}

}   // namespace math::detail
