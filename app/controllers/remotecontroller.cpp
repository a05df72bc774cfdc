#include "remotecontroller.h"

#include "endpointpolicy.h"
#include "endpointstore.h"
#include "keystore.h"
#include "remotebackend.h"

RemoteController::RemoteController(QSettings* settings, QObject* parent)
    : QObject(parent)
    , m_endpoints(std::make_unique<EndpointStore>(settings))
    , m_keys(std::make_unique<KeyStore>())
{
    m_endpoints->setKeyStore(m_keys.get());   // an endpoint moved to another server forgets its key
    connect(m_endpoints.get(), &EndpointStore::endpointsChanged, this, &RemoteController::endpointsChanged);
    connect(m_keys.get(), &KeyStore::persistenceChanged, this, &RemoteController::keysChanged);
    connect(m_keys.get(), &KeyStore::keyRead, this, [this](const QString& endpointId, const ApiKey& key) {
        if (RemoteBackend* b = m_backends.value(endpointId))
            b->setApiKey(key);
        Q_EMIT keyArrived();
    });
    m_keys->checkAvailability();
}

RemoteController::~RemoteController() = default;

QVariantList RemoteController::endpoints() const
{
    QVariantList out;
    for (const RemoteEndpoint& e : m_endpoints->endpoints())
        out.append(QVariantMap{{QStringLiteral("id"), e.id},
                               {QStringLiteral("name"), e.name},
                               {QStringLiteral("baseUrl"), e.baseUrl},
                               {QStringLiteral("allowInsecureHttp"), e.allowInsecureHttp}});
    return out;
}

QStringList RemoteController::modelIds() const
{
    QStringList ids;
    for (const QVariant& m : m_models)
        ids.append(m.toMap().value(QStringLiteral("id")).toString());
    return ids;
}

bool RemoteController::keysSessionOnly() const { return m_keys->persistence() == KeyStore::SessionOnly; }

RemoteEndpoint RemoteController::endpoint(const QString& id) const { return m_endpoints->endpoint(id); }

RemoteBackend* RemoteController::backend(const QString& endpointId)
{
    if (RemoteBackend* b = m_backends.value(endpointId))
        return b;
    const RemoteEndpoint ep = m_endpoints->endpoint(endpointId);
    if (ep.id.isEmpty())
        return nullptr;
    auto* b = new RemoteBackend(nullptr, this);
    b->setEndpoint(ep);
    m_backends.insert(endpointId, b);
    m_keys->readKey(endpointId);   // → keyRead sets it
    connect(b, &RemoteBackend::modelsListed, this,
            [this, endpointId](const QString& id, const QList<RemoteModelInfo>& models) {
                QHash<QString, int>& lengths = m_contextLengths[endpointId];
                lengths.clear();
                for (const RemoteModelInfo& m : models) {
                    if (m.contextLength > 0)
                        lengths.insert(m.id, m.contextLength);
                }
                if (id != m_modelsRequest)
                    return;
                m_models.clear();
                for (const RemoteModelInfo& m : models)
                    m_models.append(
                        QVariantMap{{QStringLiteral("id"), m.id}, {QStringLiteral("contextLength"), m.contextLength}});
                m_modelsError.clear();
                Q_EMIT modelsChanged();
            });
    connect(b, &RemoteBackend::modelsFailed, this, [this](const QString& id, const BackendError& e) {
        if (id != m_modelsRequest)
            return;
        m_models.clear();
        m_modelsError = e.message;
        Q_EMIT modelsChanged();
    });
    return b;
}

void RemoteController::clearModels() { m_models.clear(); }

int RemoteController::contextLength(const QString& endpointId, const QString& model) const
{
    return m_contextLengths.value(endpointId).value(model, -1);
}

void RemoteController::refreshModels(const QString& endpointId)
{
    if (RemoteBackend* b = backend(endpointId))
        m_modelsRequest = b->listModels();
}

QString RemoteController::save(const QString& id, const QString& name, const QString& baseUrl, const QString& apiKey,
                               bool allowInsecureHttp)
{
    const QString saved = m_endpoints->save({id, name, baseUrl, allowInsecureHttp});
    if (saved.isEmpty()) {
        Q_EMIT errorOccurred(m_endpoints->errorString());
        return {};
    }
    if (!apiKey.isEmpty())
        m_keys->writeKey(saved, ApiKey(apiKey));
    if (RemoteBackend* b = m_backends.value(saved)) {
        b->setEndpoint(m_endpoints->endpoint(saved));
        if (!apiKey.isEmpty())
            b->setApiKey(ApiKey(apiKey));
    }
    return saved;
}

bool RemoteController::originChanges(const QString& id, const QString& baseUrl) const
{
    const RemoteEndpoint e = m_endpoints->endpoint(id);
    return !e.id.isEmpty() && !sameOrigin(e.baseUrl, baseUrl);
}

void RemoteController::remove(const QString& id)
{
    m_endpoints->remove(id);
    m_keys->removeKey(id);
    delete m_backends.take(id);
}
