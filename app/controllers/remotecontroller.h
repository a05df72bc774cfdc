#pragma once
// The remote endpoints (names, URLs, keys in the keychain) and the chat backends that reach
// them, one per endpoint, made when first needed; a server's model list for the model box.
// GUI thread only.
#include <QHash>
#include <QObject>
#include <QStringList>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <memory>

class EndpointStore;
class KeyStore;
class QSettings;
class RemoteBackend;
struct RemoteEndpoint;

class RemoteController : public QObject {
    Q_OBJECT
    QML_NAMED_ELEMENT(Remote)
    QML_UNCREATABLE("App.remote")
    Q_PROPERTY(QVariantList endpoints READ endpoints NOTIFY endpointsChanged)
    // The last list asked for with refreshModels: [{id, contextLength}], or why it failed.
    Q_PROPERTY(QVariantList models READ models NOTIFY modelsChanged)
    Q_PROPERTY(QStringList modelIds READ modelIds NOTIFY modelsChanged)   // the ids of `models`
    Q_PROPERTY(QString modelsError READ modelsError NOTIFY modelsChanged)
    Q_PROPERTY(bool keysSessionOnly READ keysSessionOnly NOTIFY keysChanged)
public:
    explicit RemoteController(QSettings* settings, QObject* parent = nullptr);
    ~RemoteController() override;

    QVariantList endpoints() const;
    QVariantList models() const { return m_models; }
    QStringList modelIds() const;
    QString modelsError() const { return m_modelsError; }
    bool keysSessionOnly() const;

    RemoteEndpoint endpoint(const QString& id) const;   // id empty when there is none
    // The backend of endpoint `id` (a child of this), nullptr when there is no such endpoint.
    RemoteBackend* backend(const QString& endpointId);
    void clearModels();
    // The model's context length as the endpoint's /v1/models last said it (fetched by
    // refreshModels, this session); -1 when it was not fetched or does not say.
    int contextLength(const QString& endpointId, const QString& model) const;

    Q_INVOKABLE void refreshModels(const QString& endpointId);
    // allowInsecureHttp: the key may go over plain http:// to a host that is not this computer.
    // Returns the endpoint's id, or "" (errorOccurred says why).
    Q_INVOKABLE QString save(const QString& id, const QString& name, const QString& baseUrl, const QString& apiKey,
                             bool allowInsecureHttp = false);
    // true when saving endpoint `id` with `baseUrl` would move it to another scheme, host or
    // port, which forgets its key (the settings page says so before the user saves).
    Q_INVOKABLE bool originChanges(const QString& id, const QString& baseUrl) const;
    Q_INVOKABLE void remove(const QString& id);

Q_SIGNALS:
    void endpointsChanged();
    void modelsChanged();
    void keysChanged();
    void keyArrived();   // a backend got its key: it may be ready now
    void errorOccurred(const QString& message);

private:
    std::unique_ptr<EndpointStore> m_endpoints;
    std::unique_ptr<KeyStore> m_keys;
    QHash<QString, RemoteBackend*> m_backends;   // endpoint id → backend (children of this)
    QVariantList m_models;
    QString m_modelsError;
    QString m_modelsRequest;
    QHash<QString, QHash<QString, int>> m_contextLengths;   // endpoint id → model id → tokens
};
