// The parser's reading and its core layout: lists and atom spacing, groups, scripts and
// limits, characters and the command dispatch (mathparser.h).
#include "mathparser.h"

#include <QStringList>

#include <algorithm>
#include <cmath>

namespace math::detail {

Box Parser::formula(Mode mode)
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

void Parser::count(const Box& b)
{
    m_items += int(b.items.size());
    if (m_items > kMaxItems)
        fail(QStringLiteral("formula too large"));
    if (b.width > kMaxExtent || b.height > kMaxExtent || b.depth > kMaxExtent)
        fail(QStringLiteral("formula too large"));
}

Atom Parser::countedAtom(const Box& b, Cls cls)
{
    count(b);
    Atom a;
    a.box = b;
    a.cls = cls;
    return a;
}

void Parser::skipSpaces()
{
    while (m_p < m_s.size() && m_s.at(m_p).isSpace())
        ++m_p;
}

QString Parser::peekCommand(int* end) const
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

QString Parser::readCommand()
{
    int end = 0;
    const QString name = peekCommand(&end);
    if (name.isEmpty())
        fail(QStringLiteral("a lone backslash"));
    m_p = end;
    return name;
}

char32_t Parser::readChar()
{
    char32_t c = m_s.at(m_p).unicode();
    if (m_s.at(m_p).isHighSurrogate() && m_p + 1 < m_s.size() && m_s.at(m_p + 1).isLowSurrogate()) {
        c = QChar::surrogateToUcs4(m_s.at(m_p), m_s.at(m_p + 1));
        ++m_p;
    }
    ++m_p;
    return c;
}

void Parser::expect(QChar c)
{
    skipSpaces();
    if (peek() != c)
        fail(atEnd() ? QStringLiteral("missing \"%1\"").arg(c) : QStringLiteral("expected \"%1\"").arg(c));
    ++m_p;
}

bool Parser::listEnds()
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

Box Parser::list(Style st)
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

Box Parser::join(QList<Atom>& atoms, Style st)
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
        const bool leftOk = prev >= 0 && atoms[prev].cls != Bin && atoms[prev].cls != Op && atoms[prev].cls != Rel &&
                            atoms[prev].cls != Open && atoms[prev].cls != Punct;
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

Box Parser::argument(Style st)
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

QString Parser::rawGroup()
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

Atom Parser::atomWithScripts(Style st)
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

Atom Parser::scripts(Atom a, const Box* sup, const Box* sub, Style st)
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

Atom Parser::limits(Atom a, const Box* sup, const Box* sub, Style st)
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

Box Parser::glyph(char32_t ch, Font font, Style st)
{
    const GlyphMetrics m = MathFonts::instance().metrics(ch, font);
    if (m.glyph == 0)
        fail(QStringLiteral("no glyph for \"%1\"").arg(QString::fromUcs4(&ch, 1)), std::max(0, m_p - 1));
    Box b = glyphBoxFrom(m, st.scale());
    count(b);
    return b;
}

Font Parser::variantFont(char32_t ch) const
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

Atom Parser::charAtom(char32_t ch, Cls cls, Style st)
{
    Atom a;
    a.cls = cls;
    a.isChar = true;
    a.box = glyph(ch, variantFont(ch), st);
    return a;
}

Atom Parser::primary(Style st)
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

Atom Parser::spaceAtom(double em, Style st)
{
    Atom a;
    a.isSpace = true;
    a.box = spaceBox(em * st.scale());
    return a;
}

Atom Parser::command(Style st)
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
    if (name == QLatin1String("phantom") || name == QLatin1String("hphantom") || name == QLatin1String("vphantom")) {
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

}   // namespace math::detail
