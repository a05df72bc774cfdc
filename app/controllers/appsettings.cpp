#include "appsettings.h"

#include <QJsonObject>
#include <QUrl>

#include <algorithm>

namespace {
constexpr int kMaxRecent = 8;

// The accepted range of each sampling value, for the app's defaults and for a conversation's own
// values alike (a hand-edited settings.ini or conversation row cannot reach the engine out of range).
double boundTemperature(double v) { return qBound(0.0, v, 2.0); }
double boundTopP(double v) { return qBound(0.01, v, 1.0); }
int boundTopK(int v) { return qMax(0, v); }
double boundMinP(double v) { return qBound(0.0, v, 1.0); }
double boundRepeatPenalty(double v) { return qBound(1.0, v, 2.0); }
int boundMaxTokens(int v) { return qMax(0, v); }
int boundSeed(int v) { return qMax(-1, v); }
int boundCacheBudget(int v) { return qBound(0, v, AppSettings::kMaxCacheBudgetMiB); }
}   // namespace

AppSettings::AppSettings(const QString& file, QObject* parent)
    : QObject(parent)
    , m_settings(file, QSettings::IniFormat)
{
}

void AppSettings::set(const char* key, const QVariant& value)
{
    if (m_settings.value(QLatin1String(key)) == value)
        return;
    m_settings.setValue(QLatin1String(key), value);
    Q_EMIT changed();
}

double AppSettings::temperature() const { return m_settings.value("sampling/temperature", 0.7).toDouble(); }
void AppSettings::setTemperature(double v) { set("sampling/temperature", boundTemperature(v)); }
double AppSettings::topP() const { return m_settings.value("sampling/topP", 0.95).toDouble(); }
void AppSettings::setTopP(double v) { set("sampling/topP", boundTopP(v)); }
int AppSettings::topK() const { return m_settings.value("sampling/topK", 40).toInt(); }
void AppSettings::setTopK(int v) { set("sampling/topK", boundTopK(v)); }
double AppSettings::minP() const { return m_settings.value("sampling/minP", 0.05).toDouble(); }
void AppSettings::setMinP(double v) { set("sampling/minP", boundMinP(v)); }
double AppSettings::repeatPenalty() const { return m_settings.value("sampling/repeatPenalty", 1.1).toDouble(); }
void AppSettings::setRepeatPenalty(double v) { set("sampling/repeatPenalty", boundRepeatPenalty(v)); }
int AppSettings::maxTokens() const { return m_settings.value("sampling/maxTokens", 0).toInt(); }
void AppSettings::setMaxTokens(int v) { set("sampling/maxTokens", boundMaxTokens(v)); }
int AppSettings::seed() const { return m_settings.value("sampling/seed", -1).toInt(); }
void AppSettings::setSeed(int v) { set("sampling/seed", boundSeed(v)); }
QString AppSettings::systemPrompt() const { return m_settings.value("chat/systemPrompt").toString(); }
void AppSettings::setSystemPrompt(const QString& v) { set("chat/systemPrompt", v); }
int AppSettings::contextSize() const { return m_settings.value("engine/contextSize", 0).toInt(); }
void AppSettings::setContextSize(int v) { set("engine/contextSize", qBound(0, v, 1 << 20)); }
QString AppSettings::device() const { return m_settings.value("engine/device", QStringLiteral("auto")).toString(); }
void AppSettings::setDevice(const QString& v) { set("engine/device", v); }
int AppSettings::gpuLayers() const { return m_settings.value("engine/gpuLayers", -1).toInt(); }
void AppSettings::setGpuLayers(int v) { set("engine/gpuLayers", qMax(-1, v)); }
int AppSettings::threads() const { return m_settings.value("engine/threads", 0).toInt(); }
void AppSettings::setThreads(int v) { set("engine/threads", qMax(0, v)); }
// Anything but "q8_0" (a hand-edited settings.ini included) reads as the default, F16.
QString AppSettings::kvType() const
{
    return m_settings.value("engine/kvType").toString() == QLatin1String("q8_0") ? QStringLiteral("q8_0")
                                                                                 : QStringLiteral("f16");
}
void AppSettings::setKvType(const QString& v)
{
    set("engine/kvType", v == QLatin1String("q8_0") ? QStringLiteral("q8_0") : QStringLiteral("f16"));
}
// Bounded when read back too: a hand-edited settings.ini cannot ask for a negative budget.
bool AppSettings::contextShift() const { return m_settings.value("engine/contextShift", true).toBool(); }
void AppSettings::setContextShift(bool on) { set("engine/contextShift", on); }

int AppSettings::cacheBudgetMiB() const
{
    return boundCacheBudget(m_settings.value("engine/cacheBudgetMiB", kDefaultCacheBudgetMiB).toInt());
}
void AppSettings::setCacheBudgetMiB(int v) { set("engine/cacheBudgetMiB", boundCacheBudget(v)); }
QString AppSettings::theme() const { return m_settings.value("ui/theme", QStringLiteral("system")).toString(); }
void AppSettings::setTheme(const QString& v) { set("ui/theme", v); }
QString AppSettings::language() const { return m_settings.value("ui/language").toString(); }
void AppSettings::setLanguage(const QString& v) { set("ui/language", v); }
QStringList AppSettings::recentModels() const { return m_settings.value("models/recent").toStringList(); }

void AppSettings::addRecentModel(const QString& path)
{
    QStringList list = recentModels();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent)
        list.removeLast();
    set("models/recent", list);
}

bool AppSettings::serverEnabled() const { return m_settings.value("server/enabled", false).toBool(); }
void AppSettings::setServerEnabled(bool on) { set("server/enabled", on); }
int AppSettings::serverPort() const { return qBound(0, m_settings.value("server/port", 0).toInt(), 65535); }
void AppSettings::setServerPort(int v) { set("server/port", qBound(0, v, 65535)); }
bool AppSettings::serverAllowOthers() const { return m_settings.value("server/allowOthers", false).toBool(); }
void AppSettings::setServerAllowOthers(bool on) { set("server/allowOthers", on); }
QStringList AppSettings::serverAllowedOrigins() const
{
    return m_settings.value("server/allowedOrigins").toStringList();
}

void AppSettings::setServerAllowedOrigins(const QStringList& v)
{
    QStringList origins;
    for (const QString& o : v) {
        QString t = o.trimmed();
        while (t.endsWith(QLatin1Char('/')))   // a browser's Origin never ends with one
            t.chop(1);
        if (!t.isEmpty() && !origins.contains(t))
            origins.append(t);
    }
    set("server/allowedOrigins", origins);
}

QString AppSettings::embeddingSource() const
{
    const QString v = m_settings.value("embedding/source").toString();
    return v == QLatin1String("local") || v == QLatin1String("remote") ? v : QStringLiteral("none");
}
void AppSettings::setEmbeddingSource(const QString& v)
{
    set("embedding/source", v == QLatin1String("local") || v == QLatin1String("remote") ? v : QStringLiteral("none"));
}
QString AppSettings::embeddingModelFile() const { return m_settings.value("embedding/modelFile").toString(); }
void AppSettings::setEmbeddingModelFile(const QString& v)
{
    // A file dialog's URL ("file:///home/…") is kept as the local path it names.
    set("embedding/modelFile", v.startsWith(QLatin1String("file:")) ? QUrl(v).toLocalFile() : v);
}
QString AppSettings::embeddingEndpoint() const { return m_settings.value("embedding/endpoint").toString(); }
void AppSettings::setEmbeddingEndpoint(const QString& v) { set("embedding/endpoint", v); }
QString AppSettings::embeddingRemoteModel() const { return m_settings.value("embedding/remoteModel").toString(); }
void AppSettings::setEmbeddingRemoteModel(const QString& v) { set("embedding/remoteModel", v.trimmed()); }

// A saved geometry is used only if a window of that size is usable (at least the window's
// minimum, at most 16k per side); where it lies on the screens is left to the window system.
QRect AppSettings::windowGeometry() const
{
    const QRect r = m_settings.value("ui/windowGeometry").toRect();
    const bool plausible = r.width() >= 320 && r.height() >= 240 && r.width() <= 16384 && r.height() <= 16384;
    return plausible ? r : QRect();
}
void AppSettings::setWindowGeometry(const QRect& r)
{
    if (r != windowGeometry())
        set("ui/windowGeometry", r);
}
int AppSettings::sidebarWidth() const
{
    const int w = m_settings.value("ui/sidebarWidth", kDefaultSidebarWidth).toInt();
    return std::clamp(w, kMinSidebarWidth, kMaxSidebarWidth);
}
void AppSettings::setSidebarWidth(int px)
{
    px = std::clamp(px, kMinSidebarWidth, kMaxSidebarWidth);
    if (px != sidebarWidth())
        set("ui/sidebarWidth", px);
}
qint64 AppSettings::lastConversation() const
{
    return std::max<qint64>(0, m_settings.value("ui/lastConversation").toLongLong());
}
void AppSettings::setLastConversation(qint64 id)
{
    if (std::max<qint64>(0, id) != lastConversation())
        set("ui/lastConversation", std::max<qint64>(0, id));
}

GenerationSettings AppSettings::generation() const { return generation(QJsonObject()); }

GenerationSettings AppSettings::generation(const QJsonObject& o) const
{
    GenerationSettings s;
    s.temperature = boundTemperature(o.value(QLatin1String("temperature")).toDouble(temperature()));
    s.topP = boundTopP(o.value(QLatin1String("topP")).toDouble(topP()));
    s.topK = boundTopK(o.value(QLatin1String("topK")).toInt(topK()));
    s.minP = boundMinP(o.value(QLatin1String("minP")).toDouble(minP()));
    s.repeatPenalty = boundRepeatPenalty(o.value(QLatin1String("repeatPenalty")).toDouble(repeatPenalty()));
    s.maxTokens = boundMaxTokens(o.value(QLatin1String("maxTokens")).toInt(maxTokens()));
    const int sd = boundSeed(o.value(QLatin1String("seed")).toInt(seed()));
    if (sd >= 0)
        s.seed = quint64(sd);
    s.contextShift = contextShift();
    return s;
}
