#pragma once
// The named remote endpoints the user configured (api.mistral.ai, a Mistral Compute
// deployment, a local vLLM or llama.cpp server...), kept in QSettings under "remote/".
// Holds no secrets: API keys are in KeyStore, keyed by the endpoint id.
#include <QList>
#include <QObject>
#include <QString>

class QSettings;

struct RemoteEndpoint {
    QString id;      // stable, generated; the KeyStore key
    QString name;    // shown in the UI
    QString baseUrl; // e.g. "https://api.mistral.ai"

    friend bool operator==(const RemoteEndpoint&, const RemoteEndpoint&) = default;
};
Q_DECLARE_METATYPE(RemoteEndpoint)

class EndpointStore : public QObject
{
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

    // Adds (empty id → a new id is generated) or replaces the endpoint with the same id.
    // Returns the id, or an empty string with errorString() set when the URL is not usable.
    QString save(RemoteEndpoint endpoint);
    bool remove(const QString& id);
    QString errorString() const { return m_error; }

Q_SIGNALS:
    void endpointsChanged();

private:
    void write(const QList<RemoteEndpoint>& list);

    QSettings* m_settings;
    bool m_ownsSettings = false;
    QString m_error;
};
