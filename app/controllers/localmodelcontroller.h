#pragma once
// The local model: opening one (a file, the last one used at start), its state and details for
// the window. GUI thread only; LocalBackend does the loading on the engine thread.
#include <QObject>
#include <QUrl>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

class AppSettings;
class LocalBackend;
struct LocalModelInfo;

class LocalModelController : public QObject {
    Q_OBJECT
    QML_NAMED_ELEMENT(LocalModel)
    QML_UNCREATABLE("App.model")
    Q_PROPERTY(State state READ state NOTIFY changed)
    Q_PROPERTY(QVariantMap info READ info NOTIFY changed)   // empty without a model
    Q_PROPERTY(QString error READ error NOTIFY changed)
    // Said once at start when something did not go as usual (a model that crashed the last start).
    Q_PROPERTY(QString startupNotice READ startupNotice NOTIFY startupNoticeChanged)
public:
    enum class State { None, Loading, Ready, Failed };
    Q_ENUM(State)

    LocalModelController(LocalBackend* backend, AppSettings* settings, const QString& dataDir,
                         QObject* parent = nullptr);

    State state() const;
    QVariantMap info() const;
    QString error() const;
    QString startupNotice() const { return m_startupNotice; }
    // The file that holds a model's path while it loads (see LocalModelOptions::openingMarker).
    static QString openingMarkerPath(const QString& dataDir);

    Q_INVOKABLE void open(const QUrl& file);
    Q_INVOKABLE void openPath(const QString& path);
    // At start: `asked` (the command line) if given, else the last model used, else `fallback`
    // when no model was ever used. When the last start died while opening a model, nothing is
    // opened by itself until the user opens one: startupNotice (and errorOccurred) say why.
    void openStartup(const QString& asked, const QString& fallback);

Q_SIGNALS:
    void changed();
    void loaded();
    void loadFailed(const QString& path, const QString& message);
    // The model opened, but not (entirely) on the GPU the settings asked for; `reason` says why
    // ("GPU has 5.1 GiB free, model needs 7.2 GiB: 18 of 32 layers on GPU").
    void gpuFallback(const QString& model, const QString& reason);
    void startupNoticeChanged();
    void errorOccurred(const QString& message);

private:
    LocalBackend* m_backend;
    AppSettings* m_settings;
    QString m_dataDir;
    QString m_startupNotice;
};
