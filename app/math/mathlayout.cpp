#include "mathlayout.h"

#include <QHash>

#include <algorithm>
#include <cmath>

namespace math {

void Box::add(const Box& b, double x, double y)
{
    items.reserve(items.size() + b.items.size());
    for (Item it : b.items) {
        it.pos += QPointF(x, y);
        it.rect.translate(x, y);
        if (it.kind == Item::Path)
            it.path.translate(x, y);
        items.append(std::move(it));
    }
}

namespace {

// TeX's font parameters (cmsy10/cmex10, as KaTeX uses them), em.
constexpr double kXHeight = 0.431;
constexpr double kNum1 = 0.677, kNum2 = 0.394, kNum3 = 0.444;
constexpr double kDenom1 = 0.686, kDenom2 = 0.345;
constexpr double kSup1 = 0.413, kSup2 = 0.363, kSup3 = 0.289;
constexpr double kSub1 = 0.15, kSub2 = 0.247;
constexpr double kSupDrop = 0.386, kSubDrop = 0.05;
constexpr double kDelim1 = 2.39, kDelim2 = 1.01;
constexpr double kRule = 0.04;   // default rule thickness
constexpr double kBigOp1 = 0.111, kBigOp2 = 0.166, kBigOp3 = 0.2, kBigOp4 = 0.6, kBigOp5 = 0.1;
constexpr double kScriptSpace = 0.05;
constexpr double kNullDelim = 0.12;

struct ParseError {
    QString message;
    int position;
};

// D, T, S, SS and whether cramped (exponents sit lower).
struct Style {
    int level = 1;   // 0 display, 1 text, 2 script, 3 scriptscript
    bool cramped = false;
    double scale() const { return level <= 1 ? 1.0 : level == 2 ? 0.7 : 0.5; }
    bool display() const { return level == 0; }
    Style sup() const { return {level <= 1 ? 2 : 3, cramped}; }
    Style sub() const { return {level <= 1 ? 2 : 3, true}; }
    Style num() const { return {level == 0 ? 1 : level == 1 ? 2 : 3, cramped}; }
    Style den() const { return {num().level, true}; }
    Style cramp() const { return {level, true}; }
};

enum Cls { Ord, Op, Bin, Rel, Open, Close, Punct, Inner };

struct Atom {
    Box box;
    Cls cls = Ord;
    bool isChar = false;    // a single glyph (scripts hug it)
    bool largeOp = false;   // \sum …: may take limits
    bool limits = false;    // scripts above and below
    bool isSpace = false;   // explicit space: no atom spacing around it
    double italic = 0;      // italic correction: a superscript moves right by it, a subscript not
};

// Letters and digits change font with \mathbf and co.
enum class Variant { Normal, Rm, Bf, It, BB, Cal, Frak, Scr, Sf, Tt, BoldSymbol };

struct Symbol {
    char32_t ch;
    Cls cls;
};

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

// TeX's spacing between atoms (The TeXbook, ch. 18), in mu: >0 always, <0 only in D and T.
constexpr int kSpacing[8][8] = {
    // Ord Op  Bin Rel Open Close Punct Inner
    {0, 3, -4, -5, 0, 0, 0, -3},       // Ord
    {3, 3, 0, -5, 0, 0, 0, -3},        // Op
    {-4, -4, 0, 0, -4, 0, 0, -4},      // Bin
    {-5, -5, 0, 0, -5, 0, 0, -5},      // Rel
    {0, 0, 0, 0, 0, 0, 0, 0},          // Open
    {0, 3, -4, -5, 0, 0, 0, -3},       // Close
    {-3, -3, 0, -3, -3, -3, -3, -3},   // Punct
    {-3, 3, -4, -5, -3, 0, -3, -3},    // Inner
};

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

class Parser {
public:
    explicit Parser(const QString& s)
        : m_s(s)
    {
    }

    Box formula(Mode mode)
    {
        Box b = list(Style{mode == Mode::Display ? 0 : 1, false});
        const QString cmd = peekCommand();
        if (cmd == QLatin1String("right") || cmd == QLatin1String("middle"))
            fail(QStringLiteral("\\%1 without \\left").arg(cmd));
        if (cmd == QLatin1String("end"))
            fail(QStringLiteral("\\end without \\begin"));
        if (cmd == QLatin1String("\\") || cmd == QLatin1String("cr"))
            fail(QStringLiteral("a line break outside an environment"));
        if (m_p < m_s.size())
            fail(m_s.at(m_p) == QLatin1Char('}') ? QStringLiteral("unbalanced \"}\"")
                                                 : QStringLiteral("unexpected \"%1\"").arg(m_s.at(m_p)));
        return b;
    }

private:
    [[noreturn]] void fail(const QString& message, int at = -1) { throw ParseError{message, at < 0 ? m_p : at}; }

    // Bounds every recursion.
    struct Depth {
        explicit Depth(Parser* p)
            : parser(p)
        {
            if (++parser->m_depth > kMaxDepth)
                parser->fail(QStringLiteral("nested too deeply"));
        }
        ~Depth() { --parser->m_depth; }
        Parser* parser;
    };

    void count(const Box& b)
    {
        m_items += int(b.items.size());
        if (m_items > kMaxItems)
            fail(QStringLiteral("formula too large"));
        if (b.width > kMaxExtent || b.height > kMaxExtent || b.depth > kMaxExtent)
            fail(QStringLiteral("formula too large"));
    }

    void skipSpaces()
    {
        while (m_p < m_s.size() && m_s.at(m_p).isSpace())
            ++m_p;
    }
    bool atEnd() const { return m_p >= m_s.size(); }
    QChar peek() const { return atEnd() ? QChar() : m_s.at(m_p); }

    // "\name" at m_p: the name (letters, or one other character); m_p moves past it.
    QString peekCommand(int* end = nullptr) const
    {
        if (peek() != QLatin1Char('\\') || m_p + 1 >= m_s.size())
            return {};
        int q = m_p + 1;
        if (m_s.at(q).isLetter() && m_s.at(q).unicode() < 128) {
            while (q < m_s.size() && m_s.at(q).isLetter() && m_s.at(q).unicode() < 128)
                ++q;
        } else {
            ++q;
        }
        if (end)
            *end = q;
        return m_s.mid(m_p + 1, q - m_p - 1);
    }
    QString readCommand()
    {
        int end = 0;
        const QString name = peekCommand(&end);
        if (name.isEmpty())
            fail(QStringLiteral("a lone backslash"));
        m_p = end;
        return name;
    }

    char32_t readChar()
    {
        char32_t c = m_s.at(m_p).unicode();
        if (m_s.at(m_p).isHighSurrogate() && m_p + 1 < m_s.size() && m_s.at(m_p + 1).isLowSurrogate()) {
            c = QChar::surrogateToUcs4(m_s.at(m_p), m_s.at(m_p + 1));
            ++m_p;
        }
        ++m_p;
        return c;
    }

    void expect(QChar c)
    {
        skipSpaces();
        if (peek() != c)
            fail(atEnd() ? QStringLiteral("missing \"%1\"").arg(c) : QStringLiteral("expected \"%1\"").arg(c));
        ++m_p;
    }

    // Whether the list being read ends here (the caller consumes what ends it).
    bool listEnds()
    {
        skipSpaces();
        if (atEnd())
            return true;
        const QChar c = peek();
        if (c == QLatin1Char('}') || c == QLatin1Char('&') || (c == QLatin1Char(']') && m_inOptional > 0))
            return true;
        const QString cmd = peekCommand();
        return cmd == QLatin1String("\\") || cmd == QLatin1String("right") || cmd == QLatin1String("middle") ||
               cmd == QLatin1String("end") || cmd == QLatin1String("cr");
    }

    Box list(Style st)
    {
        Depth guard(this);
        QList<Atom> atoms;
        while (!listEnds()) {
            const QString cmd = peekCommand();
            if (cmd == QLatin1String("displaystyle") || cmd == QLatin1String("textstyle") ||
                cmd == QLatin1String("scriptstyle") || cmd == QLatin1String("scriptscriptstyle")) {
                readCommand();
                st.level = cmd.startsWith(QLatin1String("display"))        ? 0
                           : cmd.startsWith(QLatin1String("text"))         ? 1
                           : cmd.startsWith(QLatin1String("scriptscript")) ? 3
                                                                           : 2;
                continue;
            }
            atoms.append(atomWithScripts(st));
        }
        return join(atoms, st);
    }

    Box join(QList<Atom>& atoms, Style st)
    {
        // A binary operator with nothing to bind on one side is ordinary (a unary minus).
        for (qsizetype i = 0; i < atoms.size(); ++i) {
            if (atoms[i].cls != Bin || atoms[i].isSpace)
                continue;
            qsizetype prev = i - 1;
            while (prev >= 0 && atoms[prev].isSpace)
                --prev;
            qsizetype next = i + 1;
            while (next < atoms.size() && atoms[next].isSpace)
                ++next;
            const bool leftOk = prev >= 0 && atoms[prev].cls != Bin && atoms[prev].cls != Op &&
                                atoms[prev].cls != Rel && atoms[prev].cls != Open && atoms[prev].cls != Punct;
            const bool rightOk =
                next < atoms.size() && atoms[next].cls != Rel && atoms[next].cls != Close && atoms[next].cls != Punct;
            if (!leftOk || !rightOk)
                atoms[i].cls = Ord;
        }
        Box out;
        const Atom* prev = nullptr;
        for (const Atom& a : atoms) {
            if (prev && !prev->isSpace && !a.isSpace) {
                const int mu = kSpacing[prev->cls][a.cls];
                if (mu > 0 || (mu < 0 && st.level <= 1))
                    out.width += std::abs(mu) / 18.0 * st.scale();
            }
            out.add(a.box, out.width, 0);
            out.width += a.box.width;
            out.height = std::max(out.height, a.box.height);
            out.depth = std::max(out.depth, a.box.depth);
            prev = &a;
        }
        count(out);
        return out;
    }

    // A required argument: a group, or one token.
    Box argument(Style st)
    {
        skipSpaces();
        if (atEnd() || peek() == QLatin1Char('}') || peek() == QLatin1Char('&'))
            fail(QStringLiteral("missing argument"));
        if (peek() == QLatin1Char('{')) {
            Depth guard(this);
            ++m_p;
            const int saved = m_inOptional;
            m_inOptional = 0;
            Box b = list(st);
            m_inOptional = saved;
            expect(QLatin1Char('}'));
            return b;
        }
        return primary(st).box;
    }

    // {text} as written, for \text, \operatorname, \begin.
    QString rawGroup()
    {
        skipSpaces();
        if (peek() != QLatin1Char('{'))
            fail(QStringLiteral("expected \"{\""));
        const int start = ++m_p;
        int depth = 1;
        while (!atEnd()) {
            const QChar c = m_s.at(m_p);
            if (c == QLatin1Char('\\')) {
                m_p += 2;
                continue;
            }
            if (c == QLatin1Char('{'))
                ++depth;
            else if (c == QLatin1Char('}') && --depth == 0)
                break;
            ++m_p;
        }
        if (atEnd())
            fail(QStringLiteral("missing \"}\""), start - 1);
        return m_s.mid(start, m_p++ - start);
    }

    Atom atomWithScripts(Style st)
    {
        Atom a = primary(st);
        Box sup, sub;
        bool hasSup = false, hasSub = false;
        for (;;) {
            skipSpaces();
            const QChar c = peek();
            const QString cmd = peekCommand();
            if (cmd == QLatin1String("limits") || cmd == QLatin1String("nolimits")) {
                readCommand();
                if (!a.largeOp)
                    fail(QStringLiteral("\\%1 without an operator").arg(cmd));
                a.limits = cmd == QLatin1String("limits");
                continue;
            }
            if (c == QLatin1Char('\'')) {   // primes: a superscript of ′
                Box primes;
                while (peek() == QLatin1Char('\'')) {
                    ++m_p;
                    Box p = glyph(0x2032, Font::MainRegular, st.sup());
                    primes.add(p, primes.width, 0);
                    primes.width += p.width;
                    primes.height = std::max(primes.height, p.height);
                }
                if (hasSup)
                    fail(QStringLiteral("double superscript"));
                sup = primes;
                hasSup = true;
                continue;
            }
            if (c != QLatin1Char('^') && c != QLatin1Char('_'))
                break;
            const int at = m_p++;
            if (c == QLatin1Char('^')) {
                if (hasSup)
                    fail(QStringLiteral("double superscript"), at);
                sup = argument(st.sup());
                hasSup = true;
            } else {
                if (hasSub)
                    fail(QStringLiteral("double subscript"), at);
                sub = argument(st.sub());
                hasSub = true;
            }
        }
        if (!hasSup && !hasSub)
            return a;
        if (a.largeOp && a.limits)
            return limits(a, hasSup ? &sup : nullptr, hasSub ? &sub : nullptr, st);
        return scripts(a, hasSup ? &sup : nullptr, hasSub ? &sub : nullptr, st);
    }

    // TeX rule 18: scripts beside the nucleus.
    Atom scripts(Atom a, const Box* sup, const Box* sub, Style st)
    {
        const Box& base = a.box;
        const double s = st.scale();
        double u = a.isChar ? 0 : base.height - kSupDrop * st.sup().scale();
        double v = a.isChar ? 0 : base.depth + kSubDrop * st.sub().scale();
        if (sup) {
            const double clr = st.cramped ? kSup3 : st.display() ? kSup1 : kSup2;
            u = std::max({u, clr * s, sup->depth + kXHeight * s / 4});
        }
        if (sub && !sup)
            v = std::max({v, kSub1 * s, sub->height - 0.8 * kXHeight * s});
        if (sub && sup) {
            v = std::max(v, kSub2 * s);
            const double gap = (u - sup->depth) - (sub->height - v);
            if (gap < 4 * kRule * s)
                v += 4 * kRule * s - gap;
            const double psi = 0.8 * kXHeight * s - (u - sup->depth);
            if (psi > 0) {
                u += psi;
                v -= psi;
            }
        }
        Box out = base;
        double extra = 0;
        if (sup) {
            out.add(*sup, base.width + a.italic, -u);
            out.height = std::max(out.height, u + sup->height);
            extra = sup->width + a.italic;
        }
        if (sub) {
            out.add(*sub, base.width, v);
            out.depth = std::max(out.depth, v + sub->depth);
            extra = std::max(extra, sub->width);
        }
        out.width = base.width + extra + kScriptSpace * s;
        a.box = out;
        a.isChar = false;
        return a;
    }

    // TeX rule 13a: limits above and below, centred.
    Atom limits(Atom a, const Box* sup, const Box* sub, Style st)
    {
        const Box& base = a.box;
        const double s = st.scale();
        double width = base.width;
        if (sup)
            width = std::max(width, sup->width);
        if (sub)
            width = std::max(width, sub->width);
        Box out;
        out.width = width;
        out.add(base, (width - base.width) / 2, 0);
        out.height = base.height;
        out.depth = base.depth;
        if (sup) {
            const double shift = base.height + std::max(kBigOp1 * s, kBigOp3 * s - sup->depth) + sup->depth;
            out.add(*sup, (width - sup->width) / 2, -shift);
            out.height = shift + sup->height + kBigOp5 * s;
        }
        if (sub) {
            const double shift = base.depth + std::max(kBigOp2 * s, kBigOp4 * s - sub->height) + sub->height;
            out.add(*sub, (width - sub->width) / 2, shift);
            out.depth = shift + sub->depth + kBigOp5 * s;
        }
        a.box = out;
        a.isChar = false;
        return a;
    }

    Box glyph(char32_t ch, Font font, Style st)
    {
        const GlyphMetrics m = MathFonts::instance().metrics(ch, font);
        if (m.glyph == 0)
            fail(QStringLiteral("no glyph for \"%1\"").arg(QString::fromUcs4(&ch, 1)), std::max(0, m_p - 1));
        Box b = glyphBoxFrom(m, st.scale());
        count(b);
        return b;
    }

    Font variantFont(char32_t ch) const
    {
        const bool letter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        const bool greekLower = ch >= 0x3B1 && ch <= 0x3F5;
        switch (m_variant) {
        case Variant::Normal: return letter || greekLower ? Font::MathItalic : Font::MainRegular;
        case Variant::Rm: return Font::MainRegular;
        case Variant::Bf: return Font::MainBold;
        case Variant::It: return Font::MainItalic;
        case Variant::BB: return letter ? Font::Ams : Font::MainRegular;
        case Variant::Cal: return letter ? Font::Caligraphic : Font::MainRegular;
        case Variant::Frak: return letter ? Font::Fraktur : Font::MainRegular;
        case Variant::Scr: return letter ? Font::Script : Font::MainRegular;
        case Variant::Sf: return Font::SansSerif;
        case Variant::Tt: return Font::Typewriter;
        case Variant::BoldSymbol: return letter || greekLower ? Font::MathBoldItalic : Font::MainBold;
        }
        return Font::MainRegular;
    }

    Atom charAtom(char32_t ch, Cls cls, Style st)
    {
        Atom a;
        a.cls = cls;
        a.isChar = true;
        a.box = glyph(ch, variantFont(ch), st);
        return a;
    }

    Atom primary(Style st)
    {
        Depth guard(this);
        skipSpaces();
        if (atEnd())
            fail(QStringLiteral("missing argument"));
        const QChar c = peek();
        if (c == QLatin1Char('{')) {
            ++m_p;
            Atom a;
            const int saved = m_inOptional;
            m_inOptional = 0;
            a.box = list(st);
            m_inOptional = saved;
            expect(QLatin1Char('}'));
            return a;
        }
        if (c == QLatin1Char('\\'))
            return command(st);
        if (c == QLatin1Char('}'))
            fail(QStringLiteral("unbalanced \"}\""));
        if (c == QLatin1Char('^') || c == QLatin1Char('_'))
            fail(QStringLiteral("\"%1\" without a base").arg(c));
        if (c == QLatin1Char('&') || c == QLatin1Char('#') || c == QLatin1Char('$') || c == QLatin1Char('%'))
            fail(QStringLiteral("unexpected \"%1\"").arg(c));
        const char32_t ch = readChar();
        switch (ch) {
        case '+': return charAtom('+', Bin, st);
        case '-': return charAtom(0x2212, Bin, st);
        case '*': return charAtom(0x2217, Bin, st);
        case '=':
        case '<':
        case '>': return charAtom(ch, Rel, st);
        case ':': return charAtom(':', Rel, st);
        case ',':
        case ';': return charAtom(ch, Punct, st);
        case '(':
        case '[': return charAtom(ch, Open, st);
        case ')':
        case ']':
        case '!':
        case '?': return charAtom(ch, Close, st);
        case '~': {
            Atom a;
            a.isSpace = true;
            a.box = spaceBox(0.333 * st.scale());
            return a;
        }
        default: break;
        }
        if (ch < 0x20 || (ch >= 0x7F && ch < 0xA0))
            fail(QStringLiteral("unexpected control character"), m_p - 1);
        return charAtom(ch, Ord, st);
    }

    Atom fraction(Style st, int kind, bool rule)   // kind: 0 as the style, 1 \dfrac, 2 \tfrac
    {
        if (kind == 1)
            st = Style{0, st.cramped};
        else if (kind == 2)
            st = Style{std::max(1, st.level), st.cramped};
        const Box num = argument(st.num());
        const Box den = argument(st.den());
        const double s = st.scale();
        const double t = kRule * s;
        const double axis = kAxisHeight * s;
        double u = (st.display() ? kNum1 : rule ? kNum2 : kNum3) * s;
        double v = (st.display() ? kDenom1 : kDenom2) * s;
        if (rule) {
            const double phi = st.display() ? 3 * t : t;
            u += std::max(0.0, phi - ((u - num.depth) - (axis + t / 2)));
            v += std::max(0.0, phi - ((axis - t / 2) - (den.height - v)));
        } else {
            const double phi = st.display() ? 7 * t : 3 * t;
            const double gap = (u - num.depth) - (den.height - v);
            if (gap < phi) {
                u += (phi - gap) / 2;
                v += (phi - gap) / 2;
            }
        }
        const double pad = kNullDelim * s;
        const double width = std::max(num.width, den.width) + 2 * pad;
        Box out;
        out.width = width;
        out.add(num, (width - num.width) / 2, -u);
        out.add(den, (width - den.width) / 2, v);
        if (rule) {
            Item bar;
            bar.kind = Item::Rule;
            bar.rect = QRectF(pad, -axis - t / 2, width - 2 * pad, t);
            out.items.append(bar);
        }
        out.height = u + num.height;
        out.depth = v + den.depth;
        count(out);
        Atom a;
        a.box = out;
        a.cls = Inner;
        return a;
    }

    // A delimiter of at least `total` (height + depth), centred on the axis; '.' is none.
    Box delimiter(char32_t ch, double total, Style st)
    {
        const double s = st.scale();
        if (ch == '.')
            return spaceBox(kNullDelim * s);
        const Font sizes[] = {Font::MainRegular, Font::Size1, Font::Size2, Font::Size3, Font::Size4};
        GlyphMetrics chosen;
        double scale = 1;
        for (Font f : sizes) {
            const GlyphMetrics m = MathFonts::instance().metrics(ch, f);
            if (m.glyph == 0)
                continue;
            if (f != Font::MainRegular && m.font != f)
                break;   // not in the Size fonts: stretch the regular one
            chosen = m;
            scale = f == Font::MainRegular ? s : 1.0;
            if ((m.height + m.depth) * scale >= total)
                break;
        }
        if (chosen.glyph == 0)
            fail(QStringLiteral("no delimiter \"%1\"").arg(QString::fromUcs4(&ch, 1)));
        Box b = glyphBoxFrom(chosen, scale);
        const double have = (chosen.height + chosen.depth) * scale;
        if (have < total && have > 0) {   // past Size4: stretched
            const double k = total / have;
            b.items.first().stretch = k;
            b.height *= k;
            b.depth *= k;
            b.items.first().pos.ry() = 0;
        }
        // Centre on the axis.
        const double shift = (b.height - b.depth) / 2 - kAxisHeight * s;
        Box out;
        out.width = b.width;
        out.add(b, 0, shift);
        out.height = b.height - shift;
        out.depth = b.depth + shift;
        count(out);
        return out;
    }

    char32_t delimiterChar()
    {
        skipSpaces();
        if (atEnd())
            fail(QStringLiteral("missing delimiter"));
        if (peek() == QLatin1Char('\\')) {
            const int at = m_p;
            const QString name = readCommand();
            if (name == QLatin1String("{") || name == QLatin1String("lbrace"))
                return '{';
            if (name == QLatin1String("}") || name == QLatin1String("rbrace"))
                return '}';
            const auto it = symbols().constFind(name);
            if (it == symbols().constEnd() ||
                (it->cls != Open && it->cls != Close && it->ch != 0x7C && it->ch != 0x2016 && it->ch != 0x5C &&
                 it->ch != 0x2191 && it->ch != 0x2193))
                fail(QStringLiteral("not a delimiter: \\%1").arg(name), at);
            return it->ch;
        }
        const char32_t c = readChar();
        if (QStringLiteral("()[]|./<>").contains(QChar(char16_t(c))))
            return c == '<' ? 0x27E8 : c == '>' ? 0x27E9 : c;
        fail(QStringLiteral("not a delimiter"), m_p - 1);
    }

    static double delimiterSize(double height, double depth, double scale)
    {
        const double delta = std::max(height - kAxisHeight * scale, depth + kAxisHeight * scale);
        return std::max(2 * delta * 0.901, 2 * delta - 0.5 * scale);
    }

    Atom leftRight(Style st)
    {
        QList<char32_t> delims{delimiterChar()};
        QList<Box> parts;
        for (;;) {
            parts.append(list(st));
            const QString cmd = peekCommand();
            if (cmd == QLatin1String("middle")) {
                readCommand();
                delims.append(delimiterChar());
                continue;
            }
            if (cmd != QLatin1String("right"))
                fail(QStringLiteral("\\left without \\right"));
            readCommand();
            delims.append(delimiterChar());
            break;
        }
        double h = 0, d = 0;
        for (const Box& p : parts) {
            h = std::max(h, p.height);
            d = std::max(d, p.depth);
        }
        const double total = delimiterSize(h, d, st.scale());
        Box out;
        for (qsizetype i = 0; i < delims.size(); ++i) {
            const Box del = delimiter(delims[i], total, st);
            out.add(del, out.width, 0);
            out.width += del.width;
            out.height = std::max({out.height, del.height, h});
            out.depth = std::max({out.depth, del.depth, d});
            if (i < parts.size()) {
                out.add(parts[i], out.width, 0);
                out.width += parts[i].width;
            }
        }
        count(out);
        Atom a;
        a.box = out;
        a.cls = Inner;
        return a;
    }

    Atom bigDelimiter(Style st, double size, Cls cls)
    {
        Atom a;
        a.cls = cls;
        a.box = delimiter(delimiterChar(), size, st);
        return a;
    }

    Atom radical(Style st)
    {
        Box index;
        bool hasIndex = false;
        skipSpaces();
        if (peek() == QLatin1Char('[')) {
            ++m_p;
            ++m_inOptional;
            index = list(Style{3, false});
            --m_inOptional;
            expect(QLatin1Char(']'));
            hasIndex = true;
        }
        const Box body = argument(st.cramp());
        const double s = st.scale();
        const double t = kRule * s;
        const double clearance = t + (st.display() ? kXHeight * s : t) / 4;
        const double top = body.height + clearance + t;   // the bar's top, above the baseline
        const double bottom = std::max(body.depth, 0.0) + 0.02 * s;
        const double total = top + bottom;
        const double tick = std::min(total, 1.0 * s);
        const double signWidth = 0.56 * s + std::min(0.3 * s, 0.04 * total);
        double x0 = 0;
        Box out;
        if (hasIndex) {                                  // as TeX's \root: 5mu, the index raised, -10mu over the sign
            const double raise = bottom - 0.6 * total;   // y of the index's baseline
            out.add(index, 5 / 18.0 * s, raise - index.depth);
            x0 = std::max(0.0, 5 / 18.0 * s + index.width - 10 / 18.0 * s);
            out.height = std::max(out.height, -(raise - index.depth) + index.height);
        }
        Item sign;
        sign.kind = Item::Path;
        sign.pen = 1.3 * t;
        QPainterPath& p = sign.path;
        p.moveTo(x0, bottom - 0.42 * tick);
        p.lineTo(x0 + 0.18 * signWidth, bottom - 0.5 * tick);
        p.lineTo(x0 + 0.5 * signWidth, bottom);
        p.lineTo(x0 + signWidth, -top + t / 2);
        out.items.append(sign);
        const double bodyX = x0 + signWidth + 0.05 * s;
        Item bar;
        bar.kind = Item::Rule;
        bar.rect = QRectF(x0 + signWidth - 0.01 * s, -top, body.width + 0.1 * s + 0.01 * s, t);
        out.items.append(bar);
        out.add(body, bodyX, 0);
        out.width = bodyX + body.width + 0.1 * s;
        out.height = std::max(out.height, top + t);
        out.depth = std::max(bottom, body.depth);
        count(out);
        Atom a;
        a.box = out;
        return a;
    }

    // \hat, \bar, \vec, … drawn as paths over the base.
    Atom accent(Style st, const QString& name)
    {
        Box base = argument(st.cramp());
        const double s = st.scale();
        const double t = kRule * s;
        const bool wide = name.startsWith(QLatin1String("wide")) || name == QLatin1String("overrightarrow") ||
                          name == QLatin1String("overleftarrow");
        const double w = wide ? std::max(base.width, 0.5 * s) : std::min(std::max(base.width, 0.3 * s), 0.5 * s);
        const double x = (base.width - w) / 2 + (wide ? 0 : 0.05 * s);
        const double bottom = -std::max(base.height, kXHeight * s) - 0.08 * s;   // y of the accent's foot
        Item it;
        it.kind = Item::Path;
        it.pen = 1.1 * t;
        QPainterPath& p = it.path;
        double h = 0.12 * s;
        if (name == QLatin1String("hat") || name == QLatin1String("widehat")) {
            p.moveTo(x, bottom);
            p.lineTo(x + w / 2, bottom - h);
            p.lineTo(x + w, bottom);
        } else if (name == QLatin1String("tilde") || name == QLatin1String("widetilde")) {
            h = 0.1 * s;
            p.moveTo(x, bottom - h * 0.2);
            p.cubicTo(x + w * 0.3, bottom - h * 1.4, x + w * 0.7, bottom + h * 0.4, x + w, bottom - h);
        } else if (name == QLatin1String("bar") || name == QLatin1String("overline")) {
            const double lw = name == QLatin1String("bar") ? w : base.width;
            const double lx = name == QLatin1String("bar") ? x : 0;
            p.moveTo(lx, bottom - t);
            p.lineTo(lx + lw, bottom - t);
            h = 2 * t;
        } else if (name == QLatin1String("vec") || name == QLatin1String("overrightarrow") ||
                   name == QLatin1String("overleftarrow")) {
            const bool left = name == QLatin1String("overleftarrow");
            const double y = bottom - 0.06 * s;
            const double tip = left ? x : x + w;
            const double back = left ? 0.1 * s : -0.1 * s;
            p.moveTo(x, y);
            p.lineTo(x + w, y);
            p.moveTo(tip + back, y - 0.07 * s);
            p.lineTo(tip, y);
            p.lineTo(tip + back, y + 0.07 * s);
        } else if (name == QLatin1String("dot") || name == QLatin1String("ddot")) {
            const double r = 0.05 * s;
            if (name == QLatin1String("dot")) {
                p.addEllipse(QPointF(x + w / 2, bottom - r), r, r);
            } else {
                p.addEllipse(QPointF(x + w / 2 - 0.12 * s, bottom - r), r, r);
                p.addEllipse(QPointF(x + w / 2 + 0.12 * s, bottom - r), r, r);
            }
            it.pen = 0.6 * r;
            h = 2 * r;
        }
        base.items.append(it);
        base.height = -bottom + h + 0.02 * s;
        base.width = std::max(base.width, wide ? w : 0.0);
        count(base);
        Atom a;
        a.box = base;
        return a;
    }

    Atom underline(Style st)
    {
        Box base = argument(st);
        const double t = kRule * st.scale();
        Item bar;
        bar.kind = Item::Rule;
        bar.rect = QRectF(0, base.depth + 2 * t, base.width, t);
        base.items.append(bar);
        base.depth += 4 * t;
        Atom a;
        a.box = base;
        return a;
    }

    Atom text(Style st, Font font)
    {
        const int start = m_p;
        const QString raw = rawGroup();
        Atom a;
        for (int i = 0; i < raw.size(); ++i) {
            char32_t ch = raw.at(i).unicode();
            if (ch == '\\') {
                if (i + 1 >= raw.size() || !QStringLiteral("${}_%&# \\").contains(raw.at(i + 1)))
                    fail(QStringLiteral("commands inside \\text are not supported"), start + 1 + i);
                ch = raw.at(++i).unicode();
            } else if (raw.at(i).isHighSurrogate() && i + 1 < raw.size() && raw.at(i + 1).isLowSurrogate()) {
                ch = QChar::surrogateToUcs4(raw.at(i), raw.at(i + 1));
                ++i;
            } else if (ch == '{' || ch == '}') {
                continue;
            }
            if (ch == ' ' || ch == '\t' || ch == '\n') {
                a.box.width += 0.333 * st.scale();
                continue;
            }
            const Box g = glyph(ch, font, st);
            a.box.add(g, a.box.width, 0);
            a.box.width += g.width;
            a.box.height = std::max(a.box.height, g.height);
            a.box.depth = std::max(a.box.depth, g.depth);
        }
        return a;
    }

    Atom styled(Style st, Variant v)
    {
        const Variant saved = m_variant;
        m_variant = v;
        Atom a;
        a.box = argument(st);
        m_variant = saved;
        return a;
    }

    Atom operatorName(Style st, const QString& name, bool withLimits)
    {
        Atom a;
        for (QChar c : name) {
            if (c.isSpace())
                continue;
            const Box g = glyph(c.unicode(), Font::MainRegular, st);
            a.box.add(g, a.box.width, 0);
            a.box.width += g.width;
            a.box.height = std::max(a.box.height, g.height);
            a.box.depth = std::max(a.box.depth, g.depth);
        }
        a.cls = Op;
        a.largeOp = true;
        a.limits = withLimits && st.display();
        return a;
    }

    Atom bigOperator(Style st, char32_t ch, bool withLimits)
    {
        const Font f = st.display() ? Font::Size2 : Font::Size1;
        const GlyphMetrics m = MathFonts::instance().metrics(ch, f);
        if (m.glyph == 0)
            fail(QStringLiteral("no glyph for an operator"));
        // The Size fonts are for text size; a script-style operator is scaled with its style.
        Box g = glyphBoxFrom(m, st.level >= 2 ? st.scale() : 1.0);
        const double shift = (g.height - g.depth) / 2 - kAxisHeight * st.scale();
        Atom a;
        a.box.width = g.width;
        a.box.add(g, 0, shift);
        a.box.height = g.height - shift;
        a.box.depth = g.depth + shift;
        a.cls = Op;
        a.largeOp = true;
        a.limits = withLimits && st.display();
        // The integrals lean right: their superscript starts past the top (KaTeX's Size fonts:
        // 0.44 em in Size2, 0.31 em in Size1), the subscript under the foot.
        if (!withLimits)
            a.italic = (st.display() ? 0.44 : 0.306) * (st.level >= 2 ? st.scale() : 1.0);
        count(a.box);
        return a;
    }

    Atom over(Style st, bool above)   // \overset{a}{b} / \underset{a}{b}
    {
        const Box script = argument(st.sup());
        Atom a;
        a.box = argument(st);
        a.largeOp = true;
        a.cls = Rel;
        return limits(a, above ? &script : nullptr, above ? nullptr : &script, st);
    }

    Atom boxed(Style st)
    {
        const Box body = argument(st);
        const double s = st.scale();
        const double pad = 0.25 * s;
        const double t = kRule * s;
        Box out;
        out.width = body.width + 2 * pad;
        out.height = body.height + pad;
        out.depth = body.depth + pad;
        out.add(body, pad, 0);
        const QRectF frame(0, -out.height, out.width, out.height + out.depth);
        for (const QRectF& r : {QRectF(frame.left(), frame.top(), frame.width(), t),
                                QRectF(frame.left(), frame.bottom() - t, frame.width(), t),
                                QRectF(frame.left(), frame.top(), t, frame.height()),
                                QRectF(frame.right() - t, frame.top(), t, frame.height())}) {
            Item it;
            it.kind = Item::Rule;
            it.rect = r;
            out.items.append(it);
        }
        Atom a;
        a.box = out;
        return a;
    }

    Atom environment(Style st);

    Atom spaceAtom(double em, Style st)
    {
        Atom a;
        a.isSpace = true;
        a.box = spaceBox(em * st.scale());
        return a;
    }

    Atom command(Style st)
    {
        const int at = m_p;
        const QString name = readCommand();
        if (const auto it = symbols().constFind(name); it != symbols().constEnd())
            return charAtom(it->ch, it->cls, st);
        if (const auto it = bigOperators().constFind(name); it != bigOperators().constEnd())
            return bigOperator(st, it->first, it->second);
        if (const auto it = namedOperators().constFind(name); it != namedOperators().constEnd())
            return operatorName(st,
                                name == QLatin1String("argmax")   ? QStringLiteral("arg max")
                                : name == QLatin1String("argmin") ? QStringLiteral("arg min")
                                                                  : name,
                                it.value());
        if (name == QLatin1String("frac") || name == QLatin1String("cfrac"))
            return fraction(st, name == QLatin1String("cfrac") ? 1 : 0, true);
        if (name == QLatin1String("dfrac"))
            return fraction(st, 1, true);
        if (name == QLatin1String("tfrac"))
            return fraction(st, 2, true);
        if (name == QLatin1String("binom") || name == QLatin1String("dbinom") || name == QLatin1String("tbinom")) {
            const int kind = name == QLatin1String("dbinom") ? 1 : name == QLatin1String("tbinom") ? 2 : 0;
            const Style inner = kind == 1 ? Style{0, st.cramped} : kind == 2 ? Style{1, st.cramped} : st;
            Atom f = fraction(st, kind, false);
            const double total = inner.display() ? kDelim1 : kDelim2;
            const Box l = delimiter('(', total * inner.scale(), inner);
            const Box r = delimiter(')', total * inner.scale(), inner);
            Box out;
            out.add(l, 0, 0);
            out.add(f.box, l.width, 0);
            out.add(r, l.width + f.box.width, 0);
            out.width = l.width + f.box.width + r.width;
            out.height = std::max({l.height, r.height, f.box.height});
            out.depth = std::max({l.depth, r.depth, f.box.depth});
            f.box = out;
            return f;
        }
        if (name == QLatin1String("sqrt"))
            return radical(st);
        if (name == QLatin1String("left"))
            return leftRight(st);
        if (name == QLatin1String("right") || name == QLatin1String("middle"))
            fail(QStringLiteral("\\%1 without \\left").arg(name), at);
        static const QHash<QString, std::pair<double, Cls>> bigs = {
            {QStringLiteral("big"), {1.2, Ord}},     {QStringLiteral("Big"), {1.8, Ord}},
            {QStringLiteral("bigg"), {2.4, Ord}},    {QStringLiteral("Bigg"), {3.0, Ord}},
            {QStringLiteral("bigl"), {1.2, Open}},   {QStringLiteral("Bigl"), {1.8, Open}},
            {QStringLiteral("biggl"), {2.4, Open}},  {QStringLiteral("Biggl"), {3.0, Open}},
            {QStringLiteral("bigr"), {1.2, Close}},  {QStringLiteral("Bigr"), {1.8, Close}},
            {QStringLiteral("biggr"), {2.4, Close}}, {QStringLiteral("Biggr"), {3.0, Close}},
            {QStringLiteral("bigm"), {1.2, Rel}},    {QStringLiteral("Bigm"), {1.8, Rel}},
        };
        if (const auto it = bigs.constFind(name); it != bigs.constEnd())
            return bigDelimiter(st, it->first, it->second);
        static const QStringList accents = {QStringLiteral("hat"),          QStringLiteral("widehat"),
                                            QStringLiteral("tilde"),        QStringLiteral("widetilde"),
                                            QStringLiteral("bar"),          QStringLiteral("overline"),
                                            QStringLiteral("vec"),          QStringLiteral("dot"),
                                            QStringLiteral("ddot"),         QStringLiteral("overrightarrow"),
                                            QStringLiteral("overleftarrow")};
        if (accents.contains(name))
            return accent(st, name);
        if (name == QLatin1String("underline"))
            return underline(st);
        if (name == QLatin1String("text") || name == QLatin1String("textrm") || name == QLatin1String("mbox") ||
            name == QLatin1String("textnormal") || name == QLatin1String("textup"))
            return text(st, Font::MainRegular);
        if (name == QLatin1String("textbf"))
            return text(st, Font::MainBold);
        if (name == QLatin1String("textit") || name == QLatin1String("emph"))
            return text(st, Font::MainItalic);
        if (name == QLatin1String("texttt"))
            return text(st, Font::Typewriter);
        if (name == QLatin1String("textsf"))
            return text(st, Font::SansSerif);
        static const QHash<QString, Variant> variants = {
            {QStringLiteral("mathrm"), Variant::Rm},     {QStringLiteral("mathbf"), Variant::Bf},
            {QStringLiteral("mathit"), Variant::It},     {QStringLiteral("mathbb"), Variant::BB},
            {QStringLiteral("mathcal"), Variant::Cal},   {QStringLiteral("mathfrak"), Variant::Frak},
            {QStringLiteral("mathscr"), Variant::Scr},   {QStringLiteral("mathsf"), Variant::Sf},
            {QStringLiteral("mathtt"), Variant::Tt},     {QStringLiteral("boldsymbol"), Variant::BoldSymbol},
            {QStringLiteral("bm"), Variant::BoldSymbol}, {QStringLiteral("mathnormal"), Variant::Normal},
        };
        if (const auto it = variants.constFind(name); it != variants.constEnd())
            return styled(st, *it);
        if (name == QLatin1String("operatorname") || name == QLatin1String("operatornamewithlimits")) {
            bool star = false;
            if (peek() == QLatin1Char('*')) {
                ++m_p;
                star = true;
            }
            const QString opName = rawGroup();
            if (opName.contains(QLatin1Char('\\')))
                fail(QStringLiteral("commands inside \\operatorname are not supported"), at);
            return operatorName(st, opName, star || name == QLatin1String("operatornamewithlimits"));
        }
        if (name == QLatin1String("mathop")) {
            Atom a;
            a.box = argument(st);
            a.cls = Op;
            a.largeOp = true;
            a.limits = st.display();
            return a;
        }
        static const QHash<QString, double> spaces = {
            {QStringLiteral(","), 3 / 18.0},
            {QStringLiteral("thinspace"), 3 / 18.0},
            {QStringLiteral(":"), 4 / 18.0},
            {QStringLiteral(">"), 4 / 18.0},
            {QStringLiteral("medspace"), 4 / 18.0},
            {QStringLiteral(";"), 5 / 18.0},
            {QStringLiteral("thickspace"), 5 / 18.0},
            {QStringLiteral("!"), -3 / 18.0},
            {QStringLiteral("negthinspace"), -3 / 18.0},
            {QStringLiteral("quad"), 1.0},
            {QStringLiteral("qquad"), 2.0},
            {QStringLiteral(" "), 0.333},
            {QStringLiteral("enspace"), 0.5},
        };
        if (const auto it = spaces.constFind(name); it != spaces.constEnd())
            return spaceAtom(*it, st);
        if (name == QLatin1String("overset") || name == QLatin1String("stackrel"))
            return over(st, true);
        if (name == QLatin1String("underset"))
            return over(st, false);
        if (name == QLatin1String("boxed"))
            return boxed(st);
        if (name == QLatin1String("phantom") || name == QLatin1String("hphantom") ||
            name == QLatin1String("vphantom")) {
            Atom a;
            const Box b = argument(st);
            a.box.width = name == QLatin1String("vphantom") ? 0 : b.width;
            a.box.height = name == QLatin1String("hphantom") ? 0 : b.height;
            a.box.depth = name == QLatin1String("hphantom") ? 0 : b.depth;
            return a;
        }
        if (name == QLatin1String("not")) {
            Atom a = primary(st);
            const Box slash = glyph('/', Font::MainRegular, st);
            a.box.add(slash, (a.box.width - slash.width) / 2, 0);
            a.cls = Rel;
            return a;
        }
        if (name == QLatin1String("pmod") || name == QLatin1String("bmod") || name == QLatin1String("mod")) {
            Atom a;
            Box word = operatorName(st, QStringLiteral("mod"), false).box;
            if (name == QLatin1String("pmod")) {
                const Box arg = argument(st);
                QList<Atom> parts(5);
                parts[0] = spaceAtom(1.0, st);
                parts[1] = charAtom('(', Open, st);
                parts[2].box = word;
                parts[2].box.width += 6 / 18.0 * st.scale();
                parts[3].box = arg;
                parts[4] = charAtom(')', Close, st);
                a.box = join(parts, st);
                return a;
            }
            a.box = word;
            a.cls = name == QLatin1String("bmod") ? Bin : Op;
            return a;
        }
        if (name == QLatin1String("color")) {   // the theme's text colour is kept: only read
            rawGroup();
            Atom a;
            a.isSpace = true;
            return a;
        }
        if (name == QLatin1String("textcolor")) {
            rawGroup();
            Atom a;
            a.box = argument(st);
            return a;
        }
        if (name == QLatin1String("begin"))
            return environment(st);
        if (name == QLatin1String("{"))
            return charAtom('{', Open, st);
        if (name == QLatin1String("}"))
            return charAtom('}', Close, st);
        fail(QStringLiteral("unknown command \\%1").arg(name), at);
    }

    const QString& m_s;
    int m_p = 0;
    int m_depth = 0;
    int m_items = 0;
    int m_inOptional = 0;   // inside \sqrt[…]: "]" ends the list
    Variant m_variant = Variant::Normal;
};

Atom Parser::environment(Style st)
{
    const int at = m_p;
    QString env = rawGroup();
    struct Env {
        char32_t left, right;
        QString align;   // per column, repeated: l c r
        double gap;      // em between columns
        int level;       // cells' style
    };
    static const QHash<QString, Env> envs = {
        {QStringLiteral("matrix"), {0, 0, QStringLiteral("c"), 1.0, 1}},
        {QStringLiteral("smallmatrix"), {0, 0, QStringLiteral("c"), 0.5, 2}},
        {QStringLiteral("pmatrix"), {'(', ')', QStringLiteral("c"), 1.0, 1}},
        {QStringLiteral("bmatrix"), {'[', ']', QStringLiteral("c"), 1.0, 1}},
        {QStringLiteral("Bmatrix"), {'{', '}', QStringLiteral("c"), 1.0, 1}},
        {QStringLiteral("vmatrix"), {'|', '|', QStringLiteral("c"), 1.0, 1}},
        {QStringLiteral("Vmatrix"), {0x2016, 0x2016, QStringLiteral("c"), 1.0, 1}},
        {QStringLiteral("cases"), {'{', '.', QStringLiteral("ll"), 1.0, 1}},
        {QStringLiteral("dcases"), {'{', '.', QStringLiteral("ll"), 1.0, 0}},
        {QStringLiteral("aligned"), {0, 0, QStringLiteral("rl"), 0.0, 0}},
        {QStringLiteral("align"), {0, 0, QStringLiteral("rl"), 0.0, 0}},
        {QStringLiteral("align*"), {0, 0, QStringLiteral("rl"), 0.0, 0}},
        {QStringLiteral("alignat"), {0, 0, QStringLiteral("rl"), 0.0, 0}},
        {QStringLiteral("split"), {0, 0, QStringLiteral("rl"), 0.0, 0}},
        {QStringLiteral("gathered"), {0, 0, QStringLiteral("c"), 1.0, 0}},
        {QStringLiteral("gather"), {0, 0, QStringLiteral("c"), 1.0, 0}},
        {QStringLiteral("gather*"), {0, 0, QStringLiteral("c"), 1.0, 0}},
        {QStringLiteral("equation"), {0, 0, QStringLiteral("c"), 1.0, 0}},
        {QStringLiteral("equation*"), {0, 0, QStringLiteral("c"), 1.0, 0}},
        {QStringLiteral("array"), {0, 0, QStringLiteral("c"), 1.0, 1}},
    };
    const auto found = envs.constFind(env);
    if (found == envs.constEnd())
        fail(QStringLiteral("unknown environment \"%1\"").arg(env), at);
    Env e = *found;
    if (env == QLatin1String("array") || env == QLatin1String("alignat")) {
        const QString spec = rawGroup();
        if (env == QLatin1String("array")) {
            e.align.clear();
            for (QChar c : spec)
                if (c == QLatin1Char('l') || c == QLatin1Char('c') || c == QLatin1Char('r'))
                    e.align += c;
            if (e.align.isEmpty())
                e.align = QStringLiteral("c");
        }
    }
    const bool pairs = e.gap == 0.0;   // aligned: r l pairs, a quad between pairs
    Style cell{std::min(std::max(e.level, st.level == 0 ? e.level : std::max(e.level, st.level)), 3), st.cramped};
    if (e.level == 0 && st.level > 0)
        cell.level = st.level;
    // Rows of cells.
    QList<QList<Box>> rows{{}};
    for (;;) {
        rows.last().append(list(cell));
        if (atEnd())
            fail(QStringLiteral("\\begin{%1} without \\end").arg(env), at);
        if (peek() == QLatin1Char('&')) {
            ++m_p;
            if (rows.last().size() > 256)
                fail(QStringLiteral("too many columns"));
            continue;
        }
        if (peek() == QLatin1Char('}'))
            fail(QStringLiteral("unbalanced \"}\""));
        const QString cmd = readCommand();
        if (cmd == QLatin1String("\\") || cmd == QLatin1String("cr")) {
            skipSpaces();
            if (peek() == QLatin1Char('[')) {   // \\[2pt]: the extra space is ignored
                const int close = m_s.indexOf(QLatin1Char(']'), m_p);
                if (close < 0)
                    fail(QStringLiteral("missing \"]\""));
                m_p = close + 1;
            }
            rows.append(QList<Box>());
            continue;
        }
        if (cmd == QLatin1String("end")) {
            const int endAt = m_p;
            if (rawGroup() != env)
                fail(QStringLiteral("\\begin{%1} ended by another \\end").arg(env), endAt);
            break;
        }
        fail(QStringLiteral("\\%1 inside \\begin{%2}").arg(cmd, env));
    }
    // A last empty row (a trailing \\) is dropped.
    if (rows.size() > 1 && rows.last().size() == 1 && rows.last().first().width == 0 &&
        rows.last().first().items.isEmpty())
        rows.removeLast();
    qsizetype columns = 0;
    for (const auto& r : rows)
        columns = std::max(columns, r.size());
    QList<double> colWidth(columns, 0.0);
    for (const auto& r : rows)
        for (qsizetype c = 0; c < r.size(); ++c)
            colWidth[c] = std::max(colWidth[c], r[c].width);
    const double s = cell.scale();
    const double strutH = 0.85 * s, strutD = 0.35 * s;
    double y = 0;   // top of the current row
    QList<double> baselines;
    double total = 0;
    for (const auto& r : rows) {
        double h = strutH, d = strutD;
        for (const Box& b : r) {
            h = std::max(h, b.height);
            d = std::max(d, b.depth);
        }
        baselines.append(y + h);
        y += h + d;
        total = y;
    }
    Box grid;
    QList<double> colX(columns, 0.0);
    double x = 0;
    for (qsizetype c = 0; c < columns; ++c) {
        if (c > 0)
            x += pairs ? (c % 2 == 0 ? 1.0 * s : 0.0) : e.gap * s;
        colX[c] = x;
        x += colWidth[c];
    }
    grid.width = x;
    const double top = total / 2 + kAxisHeight * s;   // the grid is centred on the axis
    for (qsizetype ri = 0; ri < rows.size(); ++ri) {
        for (qsizetype c = 0; c < rows[ri].size(); ++c) {
            const Box& b = rows[ri][c];
            const QChar a = e.align.at(c % e.align.size());
            const double slack = colWidth[c] - b.width;
            const double dx = a == QLatin1Char('l') ? 0 : a == QLatin1Char('r') ? slack : slack / 2;
            grid.add(b, colX[c] + dx, baselines[ri] - top);
        }
    }
    grid.height = top;
    grid.depth = total - top;
    count(grid);
    Atom a;
    a.cls = Inner;
    if (!e.left) {
        a.box = grid;
        return a;
    }
    const double size = delimiterSize(grid.height, grid.depth, st.scale());
    const Box l = delimiter(e.left, size, st);
    const Box r = delimiter(e.right, size, st);
    const double pad = 0.1 * s;
    Box out;
    out.add(l, 0, 0);
    out.add(grid, l.width + pad, 0);
    out.add(r, l.width + grid.width + 2 * pad, 0);
    out.width = l.width + grid.width + 2 * pad + r.width;
    out.height = std::max({l.height, r.height, grid.height});
    out.depth = std::max({l.depth, r.depth, grid.depth});
    count(out);
    a.box = out;
    return a;
}

}   // namespace

Layout layoutFormula(const QString& latex, Mode mode)
{
    Layout out;
    if (latex.size() > kMaxSourceChars) {
        out.error = QStringLiteral("formula too long");
        out.errorPosition = kMaxSourceChars;
        return out;
    }
    if (latex.trimmed().isEmpty()) {
        out.error = QStringLiteral("empty formula");
        out.errorPosition = 0;
        return out;
    }
    if (!MathFonts::instance().available()) {
        out.error = QStringLiteral("the math fonts (fonts-katex) are not installed");
        out.errorPosition = 0;
        return out;
    }
    try {
        Parser p(latex);
        out.box = p.formula(mode);
        out.box.width = std::max(0.0, out.box.width);   // "\\!" alone: a negative space, nothing to draw
    } catch (const ParseError& e) {
        out.box = {};
        out.error = e.message;
        out.errorPosition = std::clamp(e.position, 0, int(latex.size()));
    }
    return out;
}

}   // namespace math
