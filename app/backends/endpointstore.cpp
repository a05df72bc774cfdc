#include "endpointstore.h"

#include "remoteprotocol.h"

#include <QCoreApplication>
#include <QSettings>
#include <QUuid>

EndpointStore::EndpointStore(QSettings* settings, QObject* parent)
    : QObject(parent)
    , m_settings(settings)
{
    if (!m_settings) {
        m_settings = new QSettings();
        m_ownsSettings = true;
    }
}

EndpointStore::~EndpointStore()
{
    if (m_ownsSettings)
        delete m_settings;
}

QList<RemoteEndpoint> EndpointStore::endpoints() const
{
    QList<RemoteEndpoint> list;
    const int n = m_settings->beginReadArray(QStringLiteral("remote/endpoints"));
    for (int i = 0; i < n; ++i) {
        m_settings->setArrayIndex(i);
        RemoteEndpoint e{m_settings->value(QStringLiteral("id")).toString(),
                         m_settings->value(QStringLiteral("name")).toString(),
                         m_settings->value(QStringLiteral("baseUrl")).toString()};
        if (!e.id.isEmpty())
            list.append(e);
    }
    m_settings->endArray();
    if (list.isEmpty())
        list.append({QLatin1String(kDefaultId), QStringLiteral("Mistral AI"), QLatin1String(kDefaultBaseUrl)});
    return list;
}

RemoteEndpoint EndpointStore::endpoint(const QString& id) const
{
    for (const RemoteEndpoint& e : endpoints()) {
        if (e.id == id)
            return e;
    }
    return {};
}

QString EndpointStore::save(RemoteEndpoint endpoint)
{
    m_error.clear();
    endpoint.baseUrl = endpoint.baseUrl.trimmed();
    if (!remoteApiUrl(endpoint.baseUrl, QStringLiteral("models")).isValid()) {
        m_error = tr("\"%1\" is not a usable address: it must start with http:// or https:// and name a "
                     "server.").arg(endpoint.baseUrl);
        return {};
    }
    if (endpoint.name.trimmed().isEmpty())
        endpoint.name = QUrl(endpoint.baseUrl).host();
    if (endpoint.id.isEmpty())
        endpoint.id = QUuid::createUuid().toString(QUuid::WithoutBraces);

    QList<RemoteEndpoint> list = endpoints();
    bool replaced = false;
    for (RemoteEndpoint& e : list) {
        if (e.id == endpoint.id) {
            e = endpoint;
            replaced = true;
        }
    }
    if (!replaced)
        list.append(endpoint);
    write(list);
    return endpoint.id;
}

bool EndpointStore::remove(const QString& id)
{
    QList<RemoteEndpoint> list = endpoints();
    const qsizetype removed = list.removeIf([&](const RemoteEndpoint& e) { return e.id == id; });
    if (removed == 0)
        return false;
    write(list);
    return true;
}

void EndpointStore::write(const QList<RemoteEndpoint>& list)
{
    m_settings->remove(QStringLiteral("remote/endpoints"));
    m_settings->beginWriteArray(QStringLiteral("remote/endpoints"), int(list.size()));
    for (int i = 0; i < list.size(); ++i) {
        m_settings->setArrayIndex(i);
        m_settings->setValue(QStringLiteral("id"), list[i].id);
        m_settings->setValue(QStringLiteral("name"), list[i].name);
        m_settings->setValue(QStringLiteral("baseUrl"), list[i].baseUrl);
    }
    m_settings->endArray();
    m_settings->sync();
    Q_EMIT endpointsChanged();
}
