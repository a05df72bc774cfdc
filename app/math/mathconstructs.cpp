// The parser's constructs: fractions, delimiters, radicals, accents, text, styles,
// operators, \boxed and the environments (matrices, cases, aligned) (mathparser.h).
#include "mathparser.h"

#include <QStringList>

#include <algorithm>
#include <cmath>

namespace math::detail {

Atom Parser::fraction(Style st, int kind, bool rule)
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
    return countedAtom(out, Inner);
}

Box Parser::delimiter(char32_t ch, double total, Style st)
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

char32_t Parser::delimiterChar()
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
        if (it == symbols().constEnd() || (it->cls != Open && it->cls != Close && it->ch != 0x7C && it->ch != 0x2016 &&
                                           it->ch != 0x5C && it->ch != 0x2191 && it->ch != 0x2193))
            fail(QStringLiteral("not a delimiter: \\%1").arg(name), at);
        return it->ch;
    }
    const char32_t c = readChar();
    if (QStringLiteral("()[]|./<>").contains(QChar(char16_t(c))))
        return c == '<' ? 0x27E8 : c == '>' ? 0x27E9 : c;
    fail(QStringLiteral("not a delimiter"), m_p - 1);
}

double Parser::delimiterSize(double height, double depth, double scale)
{
    const double delta = std::max(height - kAxisHeight * scale, depth + kAxisHeight * scale);
    return std::max(2 * delta * 0.901, 2 * delta - 0.5 * scale);
}

Atom Parser::leftRight(Style st)
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
    return countedAtom(out, Inner);
}

Atom Parser::bigDelimiter(Style st, double size, Cls cls)
{
    Atom a;
    a.cls = cls;
    a.box = delimiter(delimiterChar(), size, st);
    return a;
}

Atom Parser::radical(Style st)
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
    return countedAtom(out);
}

Atom Parser::accent(Style st, const QString& name)
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

Atom Parser::underline(Style st)
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

Atom Parser::text(Style st, Font font)
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

Atom Parser::styled(Style st, Variant v)
{
    const Variant saved = m_variant;
    m_variant = v;
    Atom a;
    a.box = argument(st);
    m_variant = saved;
    return a;
}

Atom Parser::operatorName(Style st, const QString& name, bool withLimits)
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

Atom Parser::bigOperator(Style st, char32_t ch, bool withLimits)
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

Atom Parser::over(Style st, bool above)
{
    const Box script = argument(st.sup());
    Atom a;
    a.box = argument(st);
    a.largeOp = true;
    a.cls = Rel;
    return limits(a, above ? &script : nullptr, above ? nullptr : &script, st);
}

Atom Parser::boxed(Style st)
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

}   // namespace math::detail
