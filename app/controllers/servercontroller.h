#pragma once
// `App.server`: the local OpenAI-compatible server inside the window (Settings → Local server).
// It listens only while the user has turned it on (AppSettings::serverEnabled), on loopback
// unless "allow other computers" is on, which needs an API key (kept in the keychain through
// KeyStore). Any change of the settings or the key takes effect at once (the server restarts).
// Requests use the window's model through AppServerEngine (app/server/appserverengine.*).
// GUI thread only. Without Qt HttpServer at build time it never runs and says why.
#include <QObject>
#include <QString>
#include <QStringList>
#include <QtQml/qqmlregistration.h>

#include <memory>

class AppSettings;
class KeyStore;
class LocalBackend;
class ApiKey;

namespace causerie::server {
class AppServerEngine;
class OpenAiServer;
}   // namespace causerie::server

class ServerController : public QObject {
    Q_OBJECT
    QML_NAMED_ELEMENT(LocalServer)
    QML_UNCREATABLE("App.server")
    Q_PROPERTY(bool available READ available CONSTANT)   // built with the server
    Q_PROPERTY(bool running READ running NOTIFY statusChanged)
    Q_PROPERTY(QString url READ url NOTIFY statusChanged)   // "http://127.0.0.1:8080/v1" while running, else ""
    // Why the server is not running although turned on (a port in use, no key), else "".
    Q_PROPERTY(QString lastError READ lastError NOTIFY statusChanged)
    Q_PROPERTY(int requestCount READ requestCount NOTIFY requestsChanged)   // generations served since the app started
    Q_PROPERTY(int activeRequests READ activeRequests NOTIFY requestsChanged)
    Q_PROPERTY(QString apiKey READ apiKey NOTIFY apiKeyChanged)   // "" when none
    Q_PROPERTY(bool keySessionOnly READ keySessionOnly NOTIFY apiKeyChanged)
public:
    // `keys`: where the key is kept (null: a KeyStore of its own, on the OS keychain).
    ServerController(LocalBackend* local, AppSettings* settings, KeyStore* keys = nullptr, QObject* parent = nullptr);
    ~ServerController() override;   // stops the server (its requests are cancelled)

    // The key's name in the keychain (beside the endpoints' ids).
    static constexpr auto kKeyId = "local-server";
    // Port 0 in the settings tries these in turn.
    static constexpr quint16 kFirstPort = 8080;
    static constexpr int kPortTries = 10;

    bool available() const;
    bool running() const { return m_server != nullptr; }
    QString url() const;
    QString lastError() const { return m_lastError; }
    int requestCount() const { return m_requestCount; }
    int activeRequests() const { return m_activeRequests; }
    QString apiKey() const;
    bool keySessionOnly() const;

    Q_INVOKABLE void setApiKey(const QString& key);
    Q_INVOKABLE void generateApiKey();

    // Tests: the ports tried when the settings' port is 0 (automatic).
    void setAutomaticPorts(quint16 first, int tries);

Q_SIGNALS:
    void statusChanged();
    void requestsChanged();
    void apiKeyChanged();

private:
    struct Config;
    void apply();
    void stop();
    void start(const Config& config);
    Config wanted() const;
    void setError(const QString& error);

    LocalBackend* m_local;
    AppSettings* m_settings;
    std::unique_ptr<KeyStore> m_ownKeys;
    KeyStore* m_keys;
    std::unique_ptr<ApiKey> m_key;
    bool m_keyLoaded = false;
    std::unique_ptr<causerie::server::AppServerEngine> m_engine;
    std::unique_ptr<causerie::server::OpenAiServer> m_server;   // while running
    std::unique_ptr<Config> m_running;                          // what m_server was started with
    QString m_lastError;
    int m_requestCount = 0;
    int m_activeRequests = 0;
    quint16 m_firstPort = kFirstPort;
    int m_portTries = kPortTries;
};
