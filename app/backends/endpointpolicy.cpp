#include "endpointpolicy.h"

#include "remotelog.h"

#include <QCoreApplication>
#include <QHostAddress>

namespace {
// Translation context "EndpointPolicy" for lupdate; the messages are free functions' output.
class EndpointPolicy {
    Q_DECLARE_TR_FUNCTIONS(EndpointPolicy)
};

int effectivePort(const QUrl& url) { return url.port(url.scheme() == QLatin1String("https") ? 443 : 80); }
}   // namespace

QString baseUrlProblem(const QString& base)
{
    const QString trimmed = base.trimmed();
    const QString shown = redactedUrlText(trimmed);
    const QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return EndpointPolicy::tr("\"%1\" is not a usable address: it must start with http:// or https:// and name a "
                                  "server.")
            .arg(shown);
    if (!url.userInfo().isEmpty())
        return EndpointPolicy::tr("The address \"%1\" carries a user name or password (user:password@). Causerie sends "
                                  "credentials only as the API key: remove them from the address and enter the key in "
                                  "the API key field.")
            .arg(shown);
    if (url.hasQuery() || url.hasFragment())
        return EndpointPolicy::tr("The address \"%1\" has a query string or a fragment (such as ?api-key=...). An "
                                  "address must not carry a key or parameters: remove everything from \"?\" or \"#\" "
                                  "on, and enter the key in the API key field.")
            .arg(shown);
    return {};
}

bool isLoopbackHost(const QString& host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    if (address.isNull())
        return false;   // a name: it could resolve anywhere
    bool mapped = false;
    const quint32 v4 = address.toIPv4Address(&mapped);   // also ::ffff:127.x.y.z
    if (mapped)
        return (v4 >> 24) == 127;
    return address == QHostAddress::LocalHostIPv6;
}

bool sameOrigin(const QUrl& a, const QUrl& b)
{
    return a.scheme().compare(b.scheme(), Qt::CaseInsensitive) == 0 &&
           a.host().compare(b.host(), Qt::CaseInsensitive) == 0 && effectivePort(a) == effectivePort(b);
}

bool sameOrigin(const QString& baseA, const QString& baseB)
{
    return sameOrigin(QUrl(baseA.trimmed()), QUrl(baseB.trimmed()));
}

QString insecureKeyProblem(const QUrl& url, bool hasKey, bool allowInsecureHttp, const QString& endpointName)
{
    if (!hasKey || allowInsecureHttp || url.scheme() != QLatin1String("http") || isLoopbackHost(url.host()))
        return {};
    const QString origin = redactedUrl(url.adjusted(QUrl::RemovePath));
    if (endpointName.isEmpty())
        return EndpointPolicy::tr("Nothing was sent: the address %1 uses http://, so the API key would travel "
                                  "unencrypted to %2, which is not this computer.")
            .arg(origin, url.host());
    return EndpointPolicy::tr("Nothing was sent to \"%1\": its address %2 uses http://, so the API key would travel "
                              "unencrypted to %3, which is not this computer.")
        .arg(endpointName, origin, url.host());
}
