#include "endpointstore.h"

#include "endpointpolicy.h"
#include "keystore.h"
#include "remotelog.h"

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
                         m_settings->value(QStringLiteral("baseUrl")).toString(),
                         m_settings->value(QStringLiteral("allowInsecureHttp"), false).toBool()};
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
    m_error = baseUrlProblem(endpoint.baseUrl);
    if (!m_error.isEmpty())
        return {};
    if (endpoint.name.trimmed().isEmpty())
        endpoint.name = QUrl(endpoint.baseUrl).host();
    if (endpoint.id.isEmpty())
        endpoint.id = QUuid::createUuid().toString(QUuid::WithoutBraces);

    QList<RemoteEndpoint> list = endpoints();
    bool replaced = false;
    bool moved = false;
    for (RemoteEndpoint& e : list) {
        if (e.id == endpoint.id) {
            moved = !sameOrigin(e.baseUrl, endpoint.baseUrl);
            e = endpoint;
            replaced = true;
        }
    }
    if (!replaced)
        list.append(endpoint);
    write(list);
    if (moved) {
        qCInfo(lcRemote).noquote() << "endpoint" << endpoint.id << "moved to" << redactedUrlText(endpoint.baseUrl)
                                   << "- its API key is forgotten";
        if (m_keys)
            m_keys->removeKey(endpoint.id);
        Q_EMIT keyForgotten(endpoint.id);
    }
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
        if (list[i].allowInsecureHttp)
            m_settings->setValue(QStringLiteral("allowInsecureHttp"), true);
    }
    m_settings->endArray();
    m_settings->sync();
    Q_EMIT endpointsChanged();
}
