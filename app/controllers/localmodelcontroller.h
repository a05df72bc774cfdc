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
    Q_PROPERTY(QVariantMap info READ info NOTIFY changed)   // the details below as a map; empty without a model
    // The open model's details, empty (0) without one.
    Q_PROPERTY(QString path READ path NOTIFY changed)
    Q_PROPERTY(QString name READ name NOTIFY changed)
    Q_PROPERTY(QString architecture READ architecture NOTIFY changed)
    Q_PROPERTY(QString quantization READ quantization NOTIFY changed)
    Q_PROPERTY(QString parameters READ parameters NOTIFY changed)   // "1.24 B"
    Q_PROPERTY(QString fileSize READ fileSize NOTIFY changed)       // "770 MB", in the user's locale
    Q_PROPERTY(int contextSize READ contextSize NOTIFY changed)
    Q_PROPERTY(int trainedContext READ trainedContext NOTIFY changed)
    Q_PROPERTY(QString device READ device NOTIFY changed)
    Q_PROPERTY(QString deviceNote READ deviceNote NOTIFY changed)   // why not (all) on the device asked for
    Q_PROPERTY(QString chatTemplate READ chatTemplate NOTIFY changed)
    // "Template not recognised; using ChatML" when the file's template was absent or unknown and
    // the format was assumed (as causerie-cli info says); empty otherwise.
    Q_PROPERTY(QString chatTemplateNote READ chatTemplateNote NOTIFY changed)
    // The template can turn the model's thinking off (Qwen3): the chat options offer the switch.
    Q_PROPERTY(bool thinkingSwitch READ thinkingSwitch NOTIFY changed)
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
    QString path() const;
    QString name() const;
    QString architecture() const;
    QString quantization() const;
    QString parameters() const;
    QString fileSize() const;
    int contextSize() const;
    int trainedContext() const;
    QString device() const;
    QString deviceNote() const;
    QString chatTemplate() const;
    QString chatTemplateNote() const;
    bool thinkingSwitch() const;
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
    const LocalModelInfo* loadedInfo() const;   // nullptr without a model

    LocalBackend* m_backend;
    AppSettings* m_settings;
    QString m_dataDir;
    QString m_startupNotice;
};
