// HTML to text in one forward pass over the string: tags dropped (block tags become paragraph
// breaks, h1–h6 start sections), script/style/template skipped, comments skipped, entities
// decoded. <head> itself may be left open (HTML5), so only its title is skipped. No DOM, no recursion: the cost is
// linear in the input whatever its nesting.
#include "extract.h"

#include <QHash>
#include <QSet>

namespace causerie::documents {

namespace {

bool isBlockTag(const QString& name)
{
    static const QSet<QString> blocks = {
        QStringLiteral("p"),          QStringLiteral("div"),     QStringLiteral("li"),
        QStringLiteral("ul"),         QStringLiteral("ol"),      QStringLiteral("tr"),
        QStringLiteral("table"),      QStringLiteral("section"), QStringLiteral("article"),
        QStringLiteral("header"),     QStringLiteral("footer"),  QStringLiteral("blockquote"),
        QStringLiteral("pre"),        QStringLiteral("hr"),      QStringLiteral("dd"),
        QStringLiteral("dt"),         QStringLiteral("dl"),      QStringLiteral("nav"),
        QStringLiteral("aside"),      QStringLiteral("main"),    QStringLiteral("figure"),
        QStringLiteral("figcaption"), QStringLiteral("form"),    QStringLiteral("body"),
        QStringLiteral("title"),      QStringLiteral("caption"), QStringLiteral("address"),
        QStringLiteral("details"),    QStringLiteral("summary"),
    };
    return blocks.contains(name);
}

QString decodeEntity(const QString& name)
{
    static const QHash<QString, QString> named = {
        {QStringLiteral("amp"), QStringLiteral("&")},    {QStringLiteral("lt"), QStringLiteral("<")},
        {QStringLiteral("gt"), QStringLiteral(">")},     {QStringLiteral("quot"), QStringLiteral("\"")},
        {QStringLiteral("apos"), QStringLiteral("'")},   {QStringLiteral("nbsp"), QStringLiteral(" ")},
        {QStringLiteral("copy"), QStringLiteral("©")},   {QStringLiteral("reg"), QStringLiteral("®")},
        {QStringLiteral("hellip"), QStringLiteral("…")}, {QStringLiteral("mdash"), QStringLiteral("—")},
        {QStringLiteral("ndash"), QStringLiteral("–")},  {QStringLiteral("lsquo"), QStringLiteral("‘")},
        {QStringLiteral("rsquo"), QStringLiteral("’")},  {QStringLiteral("ldquo"), QStringLiteral("“")},
        {QStringLiteral("rdquo"), QStringLiteral("”")},  {QStringLiteral("laquo"), QStringLiteral("«")},
        {QStringLiteral("raquo"), QStringLiteral("»")},  {QStringLiteral("eacute"), QStringLiteral("é")},
        {QStringLiteral("egrave"), QStringLiteral("è")}, {QStringLiteral("agrave"), QStringLiteral("à")},
        {QStringLiteral("ccedil"), QStringLiteral("ç")}, {QStringLiteral("euro"), QStringLiteral("€")},
        {QStringLiteral("deg"), QStringLiteral("°")},    {QStringLiteral("times"), QStringLiteral("×")},
        {QStringLiteral("middot"), QStringLiteral("·")}, {QStringLiteral("bull"), QStringLiteral("•")},
        {QStringLiteral("trade"), QStringLiteral("™")},  {QStringLiteral("ecirc"), QStringLiteral("ê")},
    };
    if (name.startsWith(QLatin1Char('#'))) {
        bool ok = false;
        const uint cp = name.startsWith(QLatin1String("#x"), Qt::CaseInsensitive) ? name.mid(2).toUInt(&ok, 16)
                                                                                  : name.mid(1).toUInt(&ok, 10);
        if (!ok || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return QString(QChar(0xFFFD));
        const char32_t c = cp;
        return QString::fromUcs4(&c, 1);
    }
    return named.value(name);
}

class HtmlStripper {
public:
    explicit HtmlStripper(const QString& html)
        : m_in(html)
    {
        m_doc.format = Format::Html;
    }

    ExtractedDocument run()
    {
        const qsizetype n = m_in.size();
        qsizetype i = 0;
        while (i < n) {
            const QChar c = m_in.at(i);
            if (c == QLatin1Char('<'))
                i = tag(i);
            else if (c == QLatin1Char('&'))
                i = entity(i);
            else {
                text(c);
                ++i;
            }
        }
        flush();
        return std::move(m_doc);
    }

private:
    // Returns the position after the markup starting at `i` ('<').
    qsizetype tag(qsizetype i)
    {
        const qsizetype n = m_in.size();
        if (m_in.mid(i, 4) == QLatin1String("<!--")) {
            const qsizetype end = m_in.indexOf(QLatin1String("-->"), i + 4);
            return end < 0 ? n : end + 3;
        }
        qsizetype j = i + 1;
        const bool closing = j < n && m_in.at(j) == QLatin1Char('/');
        if (closing)
            ++j;
        if (j >= n || !(m_in.at(j).isLetter() || m_in.at(j) == QLatin1Char('!') || m_in.at(j) == QLatin1Char('?'))) {
            text(QLatin1Char('<'));   // a lone '<' in text
            return i + 1;
        }
        const qsizetype nameStart = j;
        while (j < n &&
               (m_in.at(j).isLetterOrNumber() || m_in.at(j) == QLatin1Char('-') || m_in.at(j) == QLatin1Char(':')))
            ++j;
        const QString name = m_in.mid(nameStart, j - nameStart).toLower();
        // The end of the tag, quotes respected.
        QChar quote;
        while (j < n) {
            const QChar d = m_in.at(j);
            if (!quote.isNull()) {
                if (d == quote)
                    quote = QChar();
            } else if (d == QLatin1Char('"') || d == QLatin1Char('\'')) {
                quote = d;
            } else if (d == QLatin1Char('>')) {
                break;
            }
            ++j;
        }
        const qsizetype after = j < n ? j + 1 : n;
        if (!closing && (name == QLatin1String("script") || name == QLatin1String("style") ||
                         name == QLatin1String("template") || name == QLatin1String("title"))) {
            // Raw text up to the matching close tag, as a browser reads it (the title is shown
            // by the window, not in the page).
            const qsizetype end = m_in.indexOf(QLatin1String("</") + name, after, Qt::CaseInsensitive);
            if (end < 0)
                return n;
            const qsizetype close = m_in.indexOf(QLatin1Char('>'), end);
            return close < 0 ? n : close + 1;
        }
        element(name, closing);
        return after;
    }

    qsizetype entity(qsizetype i)
    {
        // The ';' is looked for in the next 31 characters only: a search to the end would make
        // a page of '&' without ';' quadratic.
        const qsizetype found = QStringView(m_in).mid(i + 1, 31).indexOf(QLatin1Char(';'));
        const qsizetype semi = found < 0 ? -1 : i + 1 + found;
        if (semi > i + 1) {
            const QString decoded = decodeEntity(m_in.mid(i + 1, semi - i - 1));
            if (!decoded.isEmpty()) {
                for (QChar c : decoded)
                    text(c);
                return semi + 1;
            }
        }
        text(QLatin1Char('&'));
        return i + 1;
    }

    void element(const QString& name, bool closing)
    {
        const bool heading = name.size() == 2 && name.at(0) == QLatin1Char('h') && name.at(1) >= QLatin1Char('1') &&
                             name.at(1) <= QLatin1Char('6');
        if (heading) {
            if (!closing) {
                flush();
                m_inHeading = true;
                m_heading.clear();
            } else if (m_inHeading) {
                m_inHeading = false;
                m_section.heading = m_heading.simplified();
            }
            return;
        }
        if (name == QLatin1String("pre"))
            m_pre = std::max(0, m_pre + (closing ? -1 : 1));
        if (name == QLatin1String("br"))
            newline(1);
        else if (isBlockTag(name))
            newline(2);
        else if (name == QLatin1String("td") || name == QLatin1String("th"))
            text(QLatin1Char(' '));
    }

    void text(QChar c)
    {
        if (m_inHeading) {
            m_heading += c;
            return;
        }
        QString& out = m_section.text;
        if (c.isSpace() && m_pre == 0) {
            if (!out.isEmpty() && !out.back().isSpace())
                out += QLatin1Char(' ');
            return;
        }
        out += c;
    }

    void newline(int count)
    {
        if (m_inHeading) {
            m_heading += QLatin1Char(' ');
            return;
        }
        QString& out = m_section.text;
        while (!out.isEmpty() && out.back() == QLatin1Char(' '))
            out.chop(1);
        if (out.isEmpty())
            return;
        int have = 0;
        for (qsizetype k = out.size() - 1; k >= 0 && out.at(k) == QLatin1Char('\n'); --k)
            ++have;
        for (; have < count; ++have)
            out += QLatin1Char('\n');
    }

    void flush()
    {
        if (m_inHeading) {
            m_section.heading = m_heading.simplified();
            m_inHeading = false;
        }
        m_section.text = m_section.text.trimmed();
        if (!m_section.text.isEmpty() || !m_section.heading.isEmpty())
            m_doc.sections.append(m_section);
        m_section = Section();
    }

    const QString& m_in;
    ExtractedDocument m_doc;
    Section m_section;
    QString m_heading;
    bool m_inHeading = false;
    int m_pre = 0;   // depth of <pre>: whitespace kept inside
};

}   // namespace

ExtractedDocument htmlToSections(const QString& html) { return HtmlStripper(html).run(); }

}   // namespace causerie::documents
