#pragma once
// The user's preferences, kept in settings.ini inside the data folder (never any key: those are
// in the OS keychain). Every property notifies, so QML binds to it directly.
#include "chattypes.h"

#include <QtQml/qqmlregistration.h>
#include <QObject>
#include <QRect>
#include <QSettings>
#include <QStringList>

class AppSettings : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("App.settings")
    Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY changed)
    Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY changed)
    Q_PROPERTY(int topK READ topK WRITE setTopK NOTIFY changed)
    Q_PROPERTY(double minP READ minP WRITE setMinP NOTIFY changed)
    Q_PROPERTY(double repeatPenalty READ repeatPenalty WRITE setRepeatPenalty NOTIFY changed)
    Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY changed)
    Q_PROPERTY(int seed READ seed WRITE setSeed NOTIFY changed)   // -1: random
    Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY changed)
    Q_PROPERTY(int contextSize READ contextSize WRITE setContextSize NOTIFY changed)   // 0: model's, ≤ 4096
    Q_PROPERTY(QString device READ device WRITE setDevice NOTIFY changed)              // auto | cpu | cuda
    Q_PROPERTY(int gpuLayers READ gpuLayers WRITE setGpuLayers NOTIFY changed)         // -1: as many as fit
    Q_PROPERTY(int threads READ threads WRITE setThreads NOTIFY changed)   // 0: automatic (all cores but one)
    // The local engine's KV cache: "f16" or "q8_0" (half the memory; engine/kv_type.h).
    Q_PROPERTY(QString kvType READ kvType WRITE setKvType NOTIFY changed)
    // Disk kept for saved conversation states (the data folder's cache/), MiB; 0: none kept.
    Q_PROPERTY(int cacheBudgetMiB READ cacheBudgetMiB WRITE setCacheBudgetMiB NOTIFY changed)
    // Local engine: context shift when old exchanges are left out (GenerationSettings::contextShift).
    Q_PROPERTY(bool contextShift READ contextShift WRITE setContextShift NOTIFY changed)
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY changed)            // system | light | dark
    Q_PROPERTY(QString language READ language WRITE setLanguage NOTIFY changed)   // "" (system) | en | fr
    Q_PROPERTY(QStringList recentModels READ recentModels NOTIFY changed)
    // The local OpenAI-compatible server (ServerController): off unless turned on; port 0:
    // 8080 or the next free one; other computers only with a key; CORS origins, none by default.
    Q_PROPERTY(bool serverEnabled READ serverEnabled WRITE setServerEnabled NOTIFY changed)
    Q_PROPERTY(int serverPort READ serverPort WRITE setServerPort NOTIFY changed)
    Q_PROPERTY(bool serverAllowOthers READ serverAllowOthers WRITE setServerAllowOthers NOTIFY changed)
    Q_PROPERTY(QStringList serverAllowedOrigins READ serverAllowedOrigins WRITE setServerAllowedOrigins NOTIFY changed)
    // The embedding model for hybrid retrieval (Settings → Libraries): "none", "local" (a GGUF
    // embedding model, embeddingModelFile) or "remote" (/v1/embeddings of the endpoint
    // embeddingEndpoint, model embeddingRemoteModel: only where the user chose).
    Q_PROPERTY(QString embeddingSource READ embeddingSource WRITE setEmbeddingSource NOTIFY changed)
    Q_PROPERTY(QString embeddingModelFile READ embeddingModelFile WRITE setEmbeddingModelFile NOTIFY changed)
    Q_PROPERTY(QString embeddingEndpoint READ embeddingEndpoint WRITE setEmbeddingEndpoint NOTIFY changed)
    Q_PROPERTY(QString embeddingRemoteModel READ embeddingRemoteModel WRITE setEmbeddingRemoteModel NOTIFY changed)
    // The window as the user left it: restored at the next start.
    Q_PROPERTY(QRect windowGeometry READ windowGeometry WRITE setWindowGeometry NOTIFY changed)   // empty: default
    Q_PROPERTY(int sidebarWidth READ sidebarWidth WRITE setSidebarWidth NOTIFY changed)           // px, bounded
    Q_PROPERTY(qint64 lastConversation READ lastConversation WRITE setLastConversation NOTIFY changed)   // 0: none
public:
    explicit AppSettings(const QString& file, QObject* parent = nullptr);

    double temperature() const;
    void setTemperature(double v);
    double topP() const;
    void setTopP(double v);
    int topK() const;
    void setTopK(int v);
    double minP() const;
    void setMinP(double v);
    double repeatPenalty() const;
    void setRepeatPenalty(double v);
    int maxTokens() const;
    void setMaxTokens(int v);
    int seed() const;
    void setSeed(int v);
    QString systemPrompt() const;
    void setSystemPrompt(const QString& v);
    int contextSize() const;
    void setContextSize(int v);
    QString device() const;
    void setDevice(const QString& v);
    int gpuLayers() const;
    void setGpuLayers(int v);
    int threads() const;
    void setThreads(int v);
    QString kvType() const;
    void setKvType(const QString& v);
    bool contextShift() const;
    void setContextShift(bool on);
    int cacheBudgetMiB() const;
    void setCacheBudgetMiB(int v);
    qint64 cacheBudgetBytes() const { return qint64(cacheBudgetMiB()) << 20; }
    static constexpr int kDefaultCacheBudgetMiB = 2048;
    static constexpr int kMaxCacheBudgetMiB = 1 << 20;   // 1 TiB
    QString theme() const;
    void setTheme(const QString& v);
    QString language() const;
    void setLanguage(const QString& v);
    QStringList recentModels() const;
    void addRecentModel(const QString& path);   // most recent first, at most 8
    bool serverEnabled() const;
    void setServerEnabled(bool on);
    int serverPort() const;
    void setServerPort(int v);
    bool serverAllowOthers() const;
    void setServerAllowOthers(bool on);
    QStringList serverAllowedOrigins() const;
    void setServerAllowedOrigins(const QStringList& v);   // trimmed, empty ones dropped
    QString embeddingSource() const;                      // anything else read back is "none"
    void setEmbeddingSource(const QString& v);
    QString embeddingModelFile() const;
    void setEmbeddingModelFile(const QString& v);
    QString embeddingEndpoint() const;
    void setEmbeddingEndpoint(const QString& v);
    QString embeddingRemoteModel() const;
    void setEmbeddingRemoteModel(const QString& v);
    QRect windowGeometry() const;   // null when never saved or not plausible (too small, too large)
    void setWindowGeometry(const QRect& r);
    int sidebarWidth() const;
    void setSidebarWidth(int px);
    static constexpr int kDefaultSidebarWidth = 280;
    static constexpr int kMinSidebarWidth = 200;
    static constexpr int kMaxSidebarWidth = 600;
    qint64 lastConversation() const;
    void setLastConversation(qint64 id);

    // The app-wide defaults as a request's settings.
    GenerationSettings generation() const;
    // Per-conversation overrides (keys as the properties above) applied on top of the defaults.
    GenerationSettings generation(const QJsonObject& overrides) const;

    QSettings& raw() { return m_settings; }

Q_SIGNALS:
    void changed();

private:
    void set(const char* key, const QVariant& value);

    QSettings m_settings;
};
