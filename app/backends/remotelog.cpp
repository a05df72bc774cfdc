#include "remotelog.h"

#include <QRegularExpression>

Q_LOGGING_CATEGORY(lcRemote, "causerie.remote")

namespace {
// For what Qt cannot read as a URL with a host: cut by hand what could be user info, a query
// or a fragment.
QString cutByHand(QString s)
{
    const qsizetype end = s.indexOf(QRegularExpression(QStringLiteral("[?#]")));
    if (end >= 0)
        s.truncate(end);
    const qsizetype schemeEnd = s.indexOf(QLatin1String("://"));
    const qsizetype authorityStart = schemeEnd >= 0 ? schemeEnd + 3 : 0;
    qsizetype authorityEnd = s.indexOf(QLatin1Char('/'), authorityStart);
    if (authorityEnd < 0)
        authorityEnd = s.size();
    const qsizetype at = s.left(authorityEnd).lastIndexOf(QLatin1Char('@'));
    if (at >= authorityStart)
        s.remove(authorityStart, at + 1 - authorityStart);
    return s;
}
}   // namespace

QString redactedUrl(const QUrl& url)
{
    if (!url.isValid() || url.host().isEmpty())
        return cutByHand(url.toString());
    return url.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment);
}

QString redactedUrlText(const QString& text)
{
    const QUrl url(text, QUrl::TolerantMode);
    if (url.isValid() && !url.host().isEmpty())
        return redactedUrl(url);
    return cutByHand(text);
}

QString withRedactedUrls(QString text)
{
    static const QRegularExpression url(QStringLiteral("https?://[^\\s\"'<>]+"),
                                        QRegularExpression::CaseInsensitiveOption);
    qsizetype from = 0;
    QRegularExpressionMatch m;
    while ((m = url.match(text, from)).hasMatch()) {
        const QString redacted = redactedUrlText(m.captured());
        text.replace(m.capturedStart(), m.capturedLength(), redacted);
        from = m.capturedStart() + redacted.size();
    }
    return text;
}
