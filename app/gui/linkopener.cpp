#include "linkopener.h"

#include "networkguard.h"

#include <QDesktopServices>

LinkOpener::LinkOpener(QObject* parent)
    : QObject(parent)
    , m_opener([](const QUrl& url) { return QDesktopServices::openUrl(url); })
{
}

bool LinkOpener::isOpenable(const QUrl& url)
{
    if (!url.isValid() || url.isRelative())
        return false;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("mailto"))
        return !url.path().isEmpty();
    return (scheme == QLatin1String("http") || scheme == QLatin1String("https")) && !url.host().isEmpty();
}

QVariantMap LinkOpener::check(const QString& link) const
{
    const QUrl url(link.trimmed());
    return {{QStringLiteral("openable"), isOpenable(url)},
            {QStringLiteral("target"), url.isValid() ? QString::fromLatin1(url.toEncoded()) : link},
            {QStringLiteral("scheme"), url.scheme().toLower()}};
}

bool LinkOpener::open(const QString& link)
{
    const QUrl url(link.trimmed());
    if (!isOpenable(url)) {
        qCWarning(lcNetworkGuard) << "refused to open a link with scheme" << url.scheme();
        return false;
    }
    return m_opener(url);
}
