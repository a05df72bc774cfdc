#include "speechtextconverter.h"

#include <QCoreApplication>
#include <QRegularExpression>

bool SpeechTextConverter::convertLine(QStringView view, QString* spoken)
{
    static const QRegularExpression fenceOpen(QStringLiteral("^\\s*(```+|~~~+)"));
    static const QRegularExpression rule(QStringLiteral("^\\s*([-*_])(\\s*\\1){2,}\\s*$"));
    static const QRegularExpression tableSeparator(
        QStringLiteral("^\\s*\\|?\\s*:?-{3,}:?\\s*(\\|\\s*:?-{3,}:?\\s*)*\\|?\\s*$"));
    static const QRegularExpression heading(QStringLiteral("^\\s{0,3}#{1,6}\\s+"));
    static const QRegularExpression quote(QStringLiteral("^\\s*(>\\s?)+"));
    static const QRegularExpression bullet(QStringLiteral("^\\s*([-*+]|\\d+[.)])\\s+(\\[[ xX]\\]\\s+)?"));
    static const QRegularExpression image(QStringLiteral("!\\[([^\\]]*)\\]\\([^)]*\\)"));
    static const QRegularExpression link(QStringLiteral("\\[([^\\]]+)\\]\\([^)]*\\)"));
    static const QRegularExpression autolink(QStringLiteral("<(https?://[^>]+)>"));
    static const QRegularExpression html(QStringLiteral("</?[A-Za-z][^>]*>"));
    static const QRegularExpression inlineCode(QStringLiteral("`+([^`]+)`+"));
    static const QRegularExpression emphasis(QStringLiteral("(\\*{1,3}|_{2,3}|~~)(?=\\S)(.+?)(?<=\\S)\\1"));
    static const QRegularExpression underscoreEmphasis(QStringLiteral("(?<![\\w])_(?=\\S)(.+?)(?<=\\S)_(?![\\w])"));
    static const QRegularExpression shortEmphasis(
        QStringLiteral("(\\*{1,3}|_{2,3}|~~)(?=\\S)(.{1,%1}?)(?<=\\S)\\1").arg(kMaxEmphasisChars));
    static const QRegularExpression shortUnderscoreEmphasis(
        QStringLiteral("(?<![\\w])_(?=\\S)(.{1,%1}?)(?<=\\S)_(?![\\w])").arg(kMaxEmphasisChars));
    static const QRegularExpression inlineMath(QStringLiteral("\\$([^$\\n]+)\\$|\\\\\\((.+?)\\\\\\)"));
    m_processed += view.size();
    // Code and formulas: only whether this line closes them (one scan, whatever its length).
    if (m_inFence) {
        if (view.trimmed().startsWith(m_fence))
            m_inFence = false;
        return false;
    }
    if (m_inMath) {
        if (view.contains(QLatin1String("$$")) || view.contains(QLatin1String("\\]")))
            m_inMath = false;
        return false;
    }
    QString line = view.toString();
    if (const auto m = fenceOpen.match(line); m.hasMatch()) {
        m_inFence = true;
        m_fence = m.captured(1);
        if (spoken)
            *spoken = QCoreApplication::translate("ReadAloud", "(code block)");
        return true;
    }
    const QString trimmed = line.trimmed();
    if (trimmed.startsWith(QLatin1String("$$")) || trimmed.startsWith(QLatin1String("\\["))) {
        const QString rest = trimmed.mid(2);
        m_inMath = !(rest.contains(QLatin1String("$$")) || rest.contains(QLatin1String("\\]")));
        if (spoken)
            *spoken = QCoreApplication::translate("ReadAloud", "(formula)");
        return true;
    }
    if (!spoken)
        return true;
    if (m_cutAt > 0 && line.size() > m_cutAt)
        line.truncate(line.at(m_cutAt - 1).isHighSurrogate() ? m_cutAt - 1 : m_cutAt);
    if (line.size() > kMaxLineChars) {
        *spoken = QCoreApplication::translate("ReadAloud", "(long line)");
        return true;
    }
    if (rule.match(line).hasMatch() || tableSeparator.match(line).hasMatch())
        return false;
    line.remove(heading).remove(quote).remove(bullet);
    if (line.trimmed().startsWith(QLatin1Char('|'))) {
        QStringList cells = line.trimmed().split(QLatin1Char('|'));
        for (QString& c : cells)
            c = c.trimmed();
        cells.removeAll(QString());
        line = cells.join(QStringLiteral(", ")) + QLatin1Char('.');
    }
    line.replace(image, QStringLiteral("\\1"));
    line.replace(link, QStringLiteral("\\1"));
    line.replace(autolink, QStringLiteral("\\1"));
    line.replace(inlineCode, QStringLiteral("\\1"));
    line.replace(inlineMath, QStringLiteral("\\1\\2"));
    line.remove(html);
    // Nested emphasis (***bold italic***, **a *b* c**) unwraps one level per pass. Each opener
    // looks for its closer up to the line's end: on a long line of openers without closers
    // ("*a *a *a…") that is quadratic (190 ms for 10,000 characters), so past kLongLineChars an
    // emphasis spans at most kMaxEmphasisChars.
    const bool longLine = line.size() > kLongLineChars;
    for (int pass = 0; pass < 3; ++pass) {
        line.replace(longLine ? shortEmphasis : emphasis, QStringLiteral("\\2"));
        line.replace(longLine ? shortUnderscoreEmphasis : underscoreEmphasis, QStringLiteral("\\1"));
    }
    line.replace(QLatin1String("\\*"), QLatin1String("*")).replace(QLatin1String("\\_"), QLatin1String("_"));
    *spoken = line.trimmed();
    return true;
}

QStringList SpeechTextConverter::feed(QStringView lines)
{
    QStringList out;
    QString spoken;
    for (qsizetype from = 0;;) {
        qsizetype end = lines.indexOf(QLatin1Char('\n'), from);
        if (end < 0)
            end = lines.size();
        if (convertLine(lines.mid(from, end - from), &spoken))
            out << spoken;
        if (end == lines.size())
            break;
        from = end + 1;
    }
    return out;
}

QString SpeechTextConverter::tidy(QString text)
{
    // Blank lines were paragraph breaks: keep one, drop runs.
    static const QRegularExpression blanks(QStringLiteral("\\n{3,}"));
    text.replace(blanks, QStringLiteral("\n\n"));
    return text.trimmed();
}
