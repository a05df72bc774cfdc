#pragma once
// The named remote endpoints the user configured (api.mistral.ai, a Mistral Compute
// deployment, a local vLLM or llama.cpp server...), kept in QSettings under "remote/".
// Holds no secrets: API keys are in KeyStore, keyed by the endpoint id. A key belongs to the
// endpoint's origin (scheme, host, port): saving the endpoint with another origin forgets
// its key, so a key never follows an address change to another server (issue #20).
#include <QList>
#include <QObject>
#include <QString>

class KeyStore;
class QSettings;

struct RemoteEndpoint {
    QString id;        // stable, generated; the KeyStore key
    QString name;      // shown in the UI
    QString baseUrl;   // e.g. "https://api.mistral.ai"
    // The user allowed sending the key over plain http:// to a host that is not this
    // computer (off by default; loopback hosts and key-less endpoints never need it).
    bool allowInsecureHttp = false;

    friend bool operator==(const RemoteEndpoint&, const RemoteEndpoint&) = default;
};
Q_DECLARE_METATYPE(RemoteEndpoint)

class EndpointStore : public QObject {
    Q_OBJECT
public:
    static constexpr const char* kDefaultBaseUrl = "https://api.mistral.ai";
    static constexpr const char* kDefaultId = "mistral";

    // settings is not owned and must outlive the store; nullptr = the application's QSettings.
    explicit EndpointStore(QSettings* settings = nullptr, QObject* parent = nullptr);
    ~EndpointStore() override;

    // Never empty: with nothing saved, the single default endpoint (Mistral API).
    QList<RemoteEndpoint> endpoints() const;
    // Empty id when unknown.
    RemoteEndpoint endpoint(const QString& id) const;

    // Where the keys of endpoints that move to another origin are removed (not owned;
    // nullptr = only keyForgotten() is emitted).
    void setKeyStore(KeyStore* keys) { m_keys = keys; }

    // Adds (empty id → a new id is generated) or replaces the endpoint with the same id.
    // Returns the id, or an empty string with errorString() set when the URL is not usable
    // (see baseUrlProblem(): also when it carries credentials, a query or a fragment).
    // Replacing an endpoint by one with another scheme, host or port removes its key from
    // the KeyStore and emits keyForgotten() before returning.
    QString save(RemoteEndpoint endpoint);
    bool remove(const QString& id);
    QString errorString() const { return m_error; }

Q_SIGNALS:
    void endpointsChanged();
    void keyForgotten(const QString& id);

private:
    void write(const QList<RemoteEndpoint>& list);

    QSettings* m_settings;
    KeyStore* m_keys = nullptr;
    bool m_ownsSettings = false;
    QString m_error;
};
