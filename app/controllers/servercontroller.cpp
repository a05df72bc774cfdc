#include "servercontroller.h"

#include "apikey.h"
#include "appsettings.h"
#include "keystore.h"
#include "localbackend.h"

#ifdef CAUSERIE_HAVE_SERVER
#include "appserverengine.h"
#include "openaiserver.h"
#else
namespace causerie::server {   // never made: complete types for the unique_ptrs
class AppServerEngine {};
class OpenAiServer {};
}   // namespace causerie::server
#endif

#include <QHostAddress>
#include <QLoggingCategory>
#include <QRandomGenerator>

Q_LOGGING_CATEGORY(lcLocalServer, "causerie.localserver", QtInfoMsg)

struct ServerController::Config {
    bool enabled = false;
    int port = 0;
    bool allowOthers = false;
    QString key;
    QStringList origins;
    bool operator==(const Config&) const = default;
};

ServerController::ServerController(LocalBackend* local, AppSettings* settings, KeyStore* keys, QObject* parent)
    : QObject(parent)
    , m_local(local)
    , m_settings(settings)
    , m_ownKeys(keys ? nullptr : std::make_unique<KeyStore>())
    , m_keys(keys ? keys : m_ownKeys.get())
    , m_key(std::make_unique<ApiKey>())
{
#ifdef CAUSERIE_HAVE_SERVER
    m_engine = std::make_unique<causerie::server::AppServerEngine>(local);
#endif
    connect(m_settings, &AppSettings::changed, this, &ServerController::apply);
    connect(m_keys, &KeyStore::persistenceChanged, this, &ServerController::apiKeyChanged);
    connect(m_keys, &KeyStore::keyRead, this, [this](const QString& id, const ApiKey& key) {
        if (id != QLatin1String(kKeyId) || m_keyLoaded)
            return;   // a key set meanwhile is newer than the one read
        *m_key = key;
        m_keyLoaded = true;
        Q_EMIT apiKeyChanged();
        apply();
    });
    m_keys->readKey(QLatin1String(kKeyId));   // the server starts (if on) once the key is known
}

ServerController::~ServerController()
{
    m_server.reset();   // cancels its requests
    m_engine.reset();   // before the LocalBackend it posts to
}

bool ServerController::available() const
{
#ifdef CAUSERIE_HAVE_SERVER
    return true;
#else
    return false;
#endif
}

QString ServerController::url() const
{
#ifdef CAUSERIE_HAVE_SERVER
    if (m_server)
        return m_server->baseUrl();
#endif
    return {};
}

QString ServerController::apiKey() const { return m_key->reveal(); }

bool ServerController::keySessionOnly() const { return m_keys->persistence() == KeyStore::SessionOnly; }

void ServerController::setApiKey(const QString& key)
{
    const QString trimmed = key.trimmed();
    if (m_keyLoaded && trimmed == m_key->reveal())
        return;
    *m_key = ApiKey(trimmed);
    m_keyLoaded = true;
    if (trimmed.isEmpty())
        m_keys->removeKey(QLatin1String(kKeyId));
    else
        m_keys->writeKey(QLatin1String(kKeyId), *m_key);
    Q_EMIT apiKeyChanged();
    apply();
}

void ServerController::generateApiKey()
{
    // 32 random bytes from the system's generator, URL-safe: 43 characters after the prefix.
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(bytes.data()), bytes.size() / 4);
    setApiKey(QStringLiteral("causerie-") +
              QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
}

void ServerController::setAutomaticPorts(quint16 first, int tries)
{
    m_firstPort = first;
    m_portTries = std::max(1, tries);
}

ServerController::Config ServerController::wanted() const
{
    Config c;
    c.enabled = m_settings->serverEnabled();
    c.port = m_settings->serverPort();
    c.allowOthers = m_settings->serverAllowOthers();
    c.key = m_key->reveal();
    c.origins = m_settings->serverAllowedOrigins();
    return c;
}

void ServerController::setError(const QString& error)
{
    if (!error.isEmpty())
        qCWarning(lcLocalServer).noquote() << error;
    m_lastError = error;
}

void ServerController::apply()
{
    const Config c = wanted();
    if (c.enabled && !m_keyLoaded)
        return;   // the key is on its way from the keychain: apply() again when it comes
    if (m_running && *m_running == c && (m_server || !c.enabled))
        return;   // nothing that matters changed (another setting did)
    stop();
    m_running = std::make_unique<Config>(c);
    if (c.enabled)
        start(c);
    else
        setError({});
    Q_EMIT statusChanged();
}

void ServerController::stop()
{
    if (!m_server)
        return;
    qCInfo(lcLocalServer) << "stopped";
    m_server.reset();
    m_activeRequests = 0;
    Q_EMIT requestsChanged();
}

void ServerController::start(const Config& c)
{
#ifdef CAUSERIE_HAVE_SERVER
    using namespace causerie::server;
    // The same rule as `causerie-cli serve`: beyond this computer only with a key.
    if (c.allowOthers && c.key.isEmpty())
        return setError(tr("Other computers can use the server only with an API key: set or generate one."));
    ServerConfig config;
    config.address = QHostAddress(c.allowOthers ? QHostAddress::Any : QHostAddress::LocalHost);
    config.apiKey = c.key;
    config.allowedOrigins = c.origins;
    const int tries = c.port > 0 ? 1 : m_portTries;
    QString error;
    for (int i = 0; i < tries; ++i) {
        config.port = c.port > 0 ? quint16(c.port) : quint16(m_firstPort + i);
        auto server = std::make_unique<OpenAiServer>(*m_engine, config);
        if (!server->start(&error))
            continue;
        connect(server.get(), &OpenAiServer::activeRequestsChanged, this, [this](int n) {
            if (n > m_activeRequests)
                m_requestCount += n - m_activeRequests;
            m_activeRequests = n;
            Q_EMIT requestsChanged();
        });
        m_server = std::move(server);
        qCInfo(lcLocalServer).noquote() << "listening at" << m_server->baseUrl();
        return setError({});
    }
    if (tries > 1)
        error = tr("Ports %1 to %2 are all in use: choose another port.").arg(m_firstPort).arg(m_firstPort + tries - 1);
    setError(error);
#else
    (void)c;
    setError(tr("This build of Causerie has no local server (Qt HttpServer was missing when it was built)."));
#endif
}
