#include "safemarkdown.h"
#include "mathlayout.h"
#include "mathmarkup.h"

#include <QCoreApplication>
#include <QHash>
#include <QList>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>

namespace {

// A code span found in a paragraph: [open, end) in the paragraph's text, backticks included.
struct Span {
    int open;
    int end;
};

// Maximal runs of backticks, (position, length), in order.
struct Runs {
    QList<int> pos;
    QList<int> len;
    QHash<int, QList<int>> byLength;   // length → indices into pos/len, ascending
};

Runs backtickRuns(const QString& text)
{
    Runs r;
    for (int i = 0; i < text.size();) {
        if (text.at(i) != QLatin1Char('`')) {
            ++i;
            continue;
        }
        int j = i;
        while (j < text.size() && text.at(j) == QLatin1Char('`'))
            ++j;
        r.byLength[j - i].append(int(r.pos.size()));
        r.pos.append(i);
        r.len.append(j - i);
        i = j;
    }
    return r;
}

bool isAsciiPunct(QChar c) { return c.unicode() < 128 && c.isPrint() && !c.isLetterOrNumber() && !c.isSpace(); }

// Autolinks kept as they are. Deliberately narrower than CommonMark's: no backtick, "!", "[",
// "<" or space inside, so whether or not Qt's parser agrees it is an autolink, it can hide no
// code span, image or tag.
const QRegularExpression& autolink()
{
    static const QRegularExpression re(
        QStringLiteral("<(?:[A-Za-z][A-Za-z0-9+.\\-]{1,31}:[A-Za-z0-9\\-._~:/?#@$&'*+,;=%]*"
                       "|[A-Za-z0-9.+_\\-]+@[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)*)>"));
    return re;
}

// Matched on a bounded window: a match over the whole text would cost its length at every "<"
// (quadratic on a line of tags). A longer autolink is escaped like any other "<".
int autolinkLength(const QString& text, int at)
{
    constexpr qsizetype kLongest = 2048;
    const QStringView window = QStringView(text).mid(at, std::min(kLongest, text.size() - at));
    const QRegularExpressionMatch m =
        autolink().match(window, 0, QRegularExpression::NormalMatch, QRegularExpression::AnchorAtOffsetMatchOption);
    return m.hasMatch() ? int(m.capturedLength()) : 0;
}

// Code spans of one paragraph, paired as CommonMark does: left to right, an opening run matches
// the next run of the same length; an escaped backtick opens nothing; an autolink that starts
// first hides its characters.
QList<Span> codeSpans(const QString& text)
{
    const Runs runs = backtickRuns(text);
    QList<Span> spans;
    int runIndex = 0;
    for (int p = 0; p < text.size();) {
        const QChar c = text.at(p);
        if (c == QLatin1Char('\\')) {
            p += 2;
            continue;
        }
        if (c == QLatin1Char('<')) {
            p += std::max(1, autolinkLength(text, p));
            continue;
        }
        if (c != QLatin1Char('`')) {
            ++p;
            continue;
        }
        while (runIndex < runs.pos.size() && runs.pos[runIndex] + runs.len[runIndex] <= p)
            ++runIndex;
        // After an escaped backtick the opener is what is left of the run.
        const int runEnd = runs.pos[runIndex] + runs.len[runIndex];
        const int length = runEnd - p;
        const QList<int> same = runs.byLength.value(length);
        const auto next = std::upper_bound(same.begin(), same.end(), runIndex);
        if (next == same.end()) {
            p = runEnd;   // no closer: literal backticks
            continue;
        }
        const int closeEnd = runs.pos[*next] + runs.len[*next];
        spans.append({p, closeEnd});
        p = closeEnd;
    }
    return spans;
}

// "[Foo  Bar]" and "[foo bar]" are the same reference.
QString normalizedLabel(const QString& label) { return label.simplified().toCaseFolded(); }

// [label]: destination, one line each (a definition spread over lines is not found; the image
// using it then loses its "!", which is safe).
QHash<QString, QString> referenceDefinitions(const QStringList& lines)
{
    static const QRegularExpression def(QStringLiteral("^ {0,3}\\[((?:[^\\]\\\\]|\\\\.)+)\\]:[ \\t]*(<[^<>]*>|\\S+)"));
    QHash<QString, QString> refs;
    for (const QString& line : lines) {
        const QRegularExpressionMatch m = def.match(line);
        if (!m.hasMatch())
            continue;
        QString dest = m.captured(2);
        if (dest.startsWith(QLatin1Char('<')))
            dest = dest.mid(1, dest.size() - 2);
        refs.insert(normalizedLabel(m.captured(1)), dest);   // the first definition wins, as in CommonMark
    }
    return refs;
}

QString unescaped(const QString& s)
{
    QString out;
    out.reserve(s.size());
    for (int i = 0; i < s.size(); ++i) {
        if (s.at(i) == QLatin1Char('\\') && i + 1 < s.size() && isAsciiPunct(s.at(i + 1)))
            ++i;
        out.append(s.at(i));
    }
    return out;
}

// Text that Markdown shows exactly as it is: every ASCII punctuation escaped.
QString literal(const QString& s)
{
    QString out;
    out.reserve(s.size() * 2);
    for (QChar c : s) {
        if (c == QLatin1Char('\n') || c == QLatin1Char('\r'))
            c = QLatin1Char(' ');
        if (isAsciiPunct(c))
            out.append(QLatin1Char('\\'));
        out.append(c);
    }
    return out;
}

// A link destination that cannot end early or open anything: no space, angle bracket or
// backtick; parentheses and backslashes escaped.
QString destination(const QString& url)
{
    QString out;
    for (QChar c : url) {
        if (c.unicode() <= 0x20 || c == QLatin1Char('<') || c == QLatin1Char('>') || c == QLatin1Char('`')) {
            out += QStringLiteral("%%1").arg(c.unicode() & 0xff, 2, 16, QLatin1Char('0')).toUpper();
            continue;
        }
        if (c == QLatin1Char('(') || c == QLatin1Char(')') || c == QLatin1Char('\\'))
            out.append(QLatin1Char('\\'));
        out.append(c);
    }
    return out;
}

QString imageAsLink(const QString& alt, const QString& url)
{
    const QString shownAlt = unescaped(alt).simplified();
    const QString text = shownAlt.isEmpty()
                             ? QCoreApplication::translate("SafeMarkdown", "image: %1").arg(url)
                             : QCoreApplication::translate("SafeMarkdown", "image: %1 — %2").arg(shownAlt, url);
    return QLatin1Char('[') + literal(text) + QStringLiteral("](") + destination(url) + QLatin1Char(')');
}

// One line of a paragraph, with the code spans that lie wholly inside it.
class LineEscaper {
public:
    LineEscaper(const QString& line, QList<Span> spans, const QHash<QString, QString>& refs, int* formulas)
        : m_line(line)
        , m_spans(std::move(spans))
        , m_refs(refs)
        , m_formulas(formulas)
    {
    }

    QString run()
    {
        QString out;
        out.reserve(m_line.size() + 16);
        for (int p = 0; p < m_line.size();) {
            if (const Span* s = spanAt(p)) {
                out += m_line.mid(s->open, s->end - s->open);
                p = s->end;
                continue;
            }
            const QChar c = m_line.at(p);
            if (const int end = formula(p, &out); end > p) {
                p = end;
            } else if (c == QLatin1Char('\\')) {
                out += m_line.mid(p, 2);
                p += 2;
            } else if (c == QLatin1Char('<')) {
                const int n = autolinkLength(m_line, p);
                out += n > 0 ? m_line.mid(p, n) : QStringLiteral("\\<");
                p += std::max(n, 1);
            } else if (c == QLatin1Char('!') && p + 1 < m_line.size() && m_line.at(p + 1) == QLatin1Char('[')) {
                QString link;
                if (const int end = image(p, &link); end > p) {
                    out += link;
                    p = end;
                } else {
                    out += QStringLiteral("\\!");
                    ++p;
                }
            } else {
                out += c;
                ++p;
            }
        }
        return out;
    }

private:
    // Spans are in order and do not overlap: binary search, so a line of thousands of code
    // spans costs no more than one per character.
    const Span* spanCovering(int p) const
    {
        const auto after =
            std::upper_bound(m_spans.begin(), m_spans.end(), p, [](int pos, const Span& s) { return pos < s.open; });
        if (after == m_spans.begin())
            return nullptr;
        const Span* s = &*(after - 1);
        return p < s->end ? s : nullptr;
    }
    const Span* spanAt(int p) const
    {
        const Span* s = spanCovering(p);
        return s && s->open == p ? s : nullptr;
    }

    // The math span starting at `at` ($…$, $$…$$, \(…\), \[…\], within the line): its end, with its
    // image tag (or, when it does not lay out, its source as text) appended to `out`; or -1.
    // A single $ follows the usual rules, so that prices stay prose: no space after the opening
    // one, none before the closing one, and no digit right after it ("$5 and $10" is no math).
    int formula(int at, QString* out) const
    {
        if (*m_formulas >= kMaxFormulas)
            return -1;
        const QChar c = m_line.at(at);
        const QChar next = at + 1 < m_line.size() ? m_line.at(at + 1) : QChar();
        QLatin1String close;
        bool display = false;
        int from = at + 2;
        if (c == QLatin1Char('$') && next == QLatin1Char('$')) {
            close = QLatin1String("$$");
            display = true;
        } else if (c == QLatin1Char('$')) {
            if (next.isNull() || next.isSpace())
                return -1;
            close = QLatin1String("$");
            from = at + 1;
        } else if (c == QLatin1Char('\\') && (next == QLatin1Char('(') || next == QLatin1Char('['))) {
            close = next == QLatin1Char('(') ? QLatin1String("\\)") : QLatin1String("\\]");
            display = next == QLatin1Char('[');
        } else {
            return -1;
        }
        // A formula is at most math::kMaxSourceChars long: the search for its end is bounded, so
        // a line of unmatched dollars costs no more than linear time (each opener looks that far).
        const int last = int(std::min<qsizetype>(m_line.size(), from + math::kMaxSourceChars + 2));
        int q = from;
        for (; q < last; ++q) {
            if (QStringView(m_line).mid(q).startsWith(close)) {
                if (close.size() > 1 ||
                    (!m_line.at(q - 1).isSpace() && (q + 1 >= m_line.size() || !m_line.at(q + 1).isDigit())))
                    break;
            }
            if (m_line.at(q) == QLatin1Char('\\'))
                ++q;   // an escaped character: \$ is no closing dollar
        }
        if (q >= last || QStringView(m_line).mid(from, q - from).trimmed().isEmpty())
            return -1;
        const int end = q + int(close.size());
        // Code spans win: a span that would hide a piece of code is no math.
        const auto span =
            std::upper_bound(m_spans.begin(), m_spans.end(), at, [](int pos, const Span& s) { return pos < s.end; });
        if (span != m_spans.end() && span->open < end)
            return -1;
        ++*m_formulas;
        const QString tag = math::imageTag(m_line.mid(from, q - from), display);
        *out += tag.isEmpty() ? literal(m_line.mid(at, end - at)) : tag;
        return end;
    }

    // The image starting at `at` ("!["): its end, with `link` set; or -1.
    int image(int at, QString* link) const
    {
        const int altStart = at + 2;
        int close = -1;
        int depth = 1;
        for (int p = altStart; p < m_line.size();) {
            if (const Span* s = spanCovering(p)) {
                p = s->end;
                continue;
            }
            const QChar c = m_line.at(p);
            if (c == QLatin1Char('\\')) {
                p += 2;
                continue;
            }
            if (c == QLatin1Char('['))
                ++depth;
            else if (c == QLatin1Char(']') && --depth == 0) {
                close = p;
                break;
            }
            ++p;
        }
        if (close < 0)
            return -1;
        const QString alt = m_line.mid(altStart, close - altStart);
        QString url;
        int end = inlineDestination(close + 1, &url);
        if (end < 0) {
            QString label = alt;
            end = close + 1;
            if (close + 2 < m_line.size() && m_line.at(close + 1) == QLatin1Char('[')) {
                const int labelEnd = m_line.indexOf(QLatin1Char(']'), close + 2);
                if (labelEnd < 0)
                    return -1;
                if (labelEnd > close + 2)
                    label = m_line.mid(close + 2, labelEnd - close - 2);
                end = labelEnd + 1;
            }
            const auto found = m_refs.constFind(normalizedLabel(label));
            if (found == m_refs.constEnd())
                return -1;
            url = *found;
        }
        // The whole image is replaced: it must not cut a code span in two.
        if (const Span* s = spanCovering(end - 1); s && s->end > end)
            return -1;
        *link = imageAsLink(alt, unescaped(url));
        return end;
    }

    // "(dest "title")" from `at`: the end after ")", with `url` set; or -1.
    int inlineDestination(int at, QString* url) const
    {
        const QString& s = m_line;
        int p = at;
        if (p >= s.size() || s.at(p) != QLatin1Char('('))
            return -1;
        ++p;
        auto skipSpace = [&] {
            while (p < s.size() && (s.at(p) == QLatin1Char(' ') || s.at(p) == QLatin1Char('\t')))
                ++p;
        };
        skipSpace();
        const int destStart = p;
        if (p < s.size() && s.at(p) == QLatin1Char('<')) {
            ++p;
            while (p < s.size() && s.at(p) != QLatin1Char('>') && s.at(p) != QLatin1Char('<'))
                p += s.at(p) == QLatin1Char('\\') ? 2 : 1;
            if (p >= s.size() || s.at(p) != QLatin1Char('>'))
                return -1;
            *url = s.mid(destStart + 1, p - destStart - 1);
            ++p;
        } else {
            int parens = 0;
            while (p < s.size()) {
                const QChar c = s.at(p);
                if (c == QLatin1Char('\\')) {
                    p += 2;
                    continue;
                }
                if (c.unicode() <= 0x20)
                    break;
                if (c == QLatin1Char('('))
                    ++parens;
                else if (c == QLatin1Char(')') && parens-- == 0)
                    break;
                ++p;
            }
            *url = s.mid(destStart, std::min<int>(p, int(s.size())) - destStart);
        }
        skipSpace();
        if (p < s.size() &&
            (s.at(p) == QLatin1Char('"') || s.at(p) == QLatin1Char('\'') || s.at(p) == QLatin1Char('('))) {
            const QChar closer = s.at(p) == QLatin1Char('(') ? QLatin1Char(')') : s.at(p);
            ++p;
            while (p < s.size() && s.at(p) != closer)
                p += s.at(p) == QLatin1Char('\\') ? 2 : 1;
            if (p >= s.size())
                return -1;
            ++p;
            skipSpace();
        }
        if (p >= s.size() || s.at(p) != QLatin1Char(')'))
            return -1;
        return p + 1;
    }

    const QString& m_line;
    QList<Span> m_spans;
    const QHash<QString, QString>& m_refs;
    int* m_formulas;   // made into images so far, in the whole text
};

// Columns of leading white space (a tab goes to the next multiple of 4).
int indentColumns(const QString& line)
{
    int col = 0;
    for (QChar c : line) {
        if (c == QLatin1Char(' '))
            ++col;
        else if (c == QLatin1Char('\t'))
            col += 4 - col % 4;
        else
            break;
    }
    return col;
}

bool isListItem(const QString& trimmed)
{
    static const QRegularExpression re(QStringLiteral("^(?:[-*+]|\\d{1,9}[.)])(?:\\s|$)"));
    return re.match(trimmed).hasMatch();
}

// Lines of one paragraph (no blank line, no code line) escaped together: code spans can run
// over lines. Where one does, Qt's parser may see the lines as one paragraph or (a heading,
// a quote, a list item in between) as several and pair the backticks differently; such lines
// keep nothing verbatim. So do lines with a "|", which a table splits into cells before it
// looks for code spans.
QStringList escapeParagraph(const QStringList& lines, const QHash<QString, QString>& refs, int* formulas)
{
    const QString text = lines.join(QLatin1Char('\n'));
    QList<int> lineStart;
    for (int i = 0, at = 0; i < lines.size(); at += int(lines[i].size()) + 1, ++i)
        lineStart.append(at);
    auto lineOf = [&](int pos) {
        return int(std::upper_bound(lineStart.begin(), lineStart.end(), pos) - lineStart.begin()) - 1;
    };

    QList<bool> unsafe(lines.size(), false);
    QList<QList<Span>> perLine(lines.size());
    for (const Span& s : codeSpans(text)) {
        const int first = lineOf(s.open);
        const int last = lineOf(s.end - 1);
        if (first != last) {
            for (int l = first; l <= last; ++l)
                unsafe[l] = true;
            continue;
        }
        perLine[first].append({s.open - lineStart[first], s.end - lineStart[first]});
    }
    QStringList out;
    for (int l = 0; l < lines.size(); ++l) {
        const bool keepSpans = !unsafe[l] && !lines[l].contains(QLatin1Char('|'));
        out.append(LineEscaper(lines[l], keepSpans ? perLine[l] : QList<Span>(), refs, formulas).run());
    }
    return out;
}

}   // namespace

QString safeMarkdown(const QString& markdown)
{
    const QStringList lines = markdown.split(QLatin1Char('\n'));
    const QHash<QString, QString> refs = referenceDefinitions(lines);
    QStringList out;
    QStringList paragraph;
    int formulas = 0;
    auto flush = [&] {
        if (!paragraph.isEmpty())
            out += escapeParagraph(paragraph, refs, &formulas);
        paragraph.clear();
    };
    // An indented line is code (left as it is) only where Qt's parser surely sees code: after a
    // blank line or more code, and never in a list, whose items continue at any indentation
    // until a line at column 0 follows a blank one. Elsewhere it is escaped like prose.
    bool afterBlank = true;
    bool inCode = false;
    bool inList = false;
    for (const QString& line : lines) {
        if (line.trimmed().isEmpty()) {
            flush();
            out.append(line);
            afterBlank = true;
            continue;
        }
        const int indent = indentColumns(line);
        if (indent == 0 && afterBlank && !isListItem(line))
            inList = false;
        if (indent < 4 && isListItem(line.trimmed()))
            inList = true;
        const bool code = indent >= 4 && !inList && (afterBlank || inCode) && paragraph.isEmpty();
        inCode = code;
        afterBlank = false;
        if (code) {
            out.append(line);
            continue;
        }
        paragraph.append(line);
    }
    flush();
    return out.join(QLatin1Char('\n'));
}

bool tooCostlyAsMarkdown(const QString& markdown)
{
    // Paragraphs end at blank lines; a list item, heading, quote or table row is a paragraph of
    // its own for Qt. The count errs high: every character that may start a piece counts.
    int count = 0;
    for (QStringView line : QStringView(markdown).split(QLatin1Char('\n'))) {
        const QStringView t = line.trimmed();
        if (t.isEmpty() || isListItem(t.toString()) || t.startsWith(QLatin1Char('#')) ||
            t.startsWith(QLatin1Char('>')) || t.contains(QLatin1Char('|')))
            count = 0;
        count += int(line.count(QLatin1String("://"))) + int(line.count(QLatin1String("www.")));
        for (QChar c : line)
            if (c == QLatin1Char('*') || c == QLatin1Char('_') || c == QLatin1Char('~') || c == QLatin1Char('`') ||
                c == QLatin1Char('[') || c == QLatin1Char('<') || c == QLatin1Char('>') || c == QLatin1Char('&') ||
                c == QLatin1Char('\\') || c == QLatin1Char('!') || c == QLatin1Char('@') || c == QLatin1Char('$'))
                ++count;
        if (count > kMaxMarkupPerParagraph)
            return true;
    }
    return false;
}
