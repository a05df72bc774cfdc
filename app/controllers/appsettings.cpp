#include "appsettings.h"

#include <QJsonObject>

namespace {
constexpr int kMaxRecent = 8;
}

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
void AppSettings::setTemperature(double v) { set("sampling/temperature", qBound(0.0, v, 2.0)); }
double AppSettings::topP() const { return m_settings.value("sampling/topP", 0.95).toDouble(); }
void AppSettings::setTopP(double v) { set("sampling/topP", qBound(0.01, v, 1.0)); }
int AppSettings::topK() const { return m_settings.value("sampling/topK", 40).toInt(); }
void AppSettings::setTopK(int v) { set("sampling/topK", qMax(0, v)); }
double AppSettings::minP() const { return m_settings.value("sampling/minP", 0.05).toDouble(); }
void AppSettings::setMinP(double v) { set("sampling/minP", qBound(0.0, v, 1.0)); }
double AppSettings::repeatPenalty() const { return m_settings.value("sampling/repeatPenalty", 1.1).toDouble(); }
void AppSettings::setRepeatPenalty(double v) { set("sampling/repeatPenalty", qBound(1.0, v, 2.0)); }
int AppSettings::maxTokens() const { return m_settings.value("sampling/maxTokens", 0).toInt(); }
void AppSettings::setMaxTokens(int v) { set("sampling/maxTokens", qMax(0, v)); }
int AppSettings::seed() const { return m_settings.value("sampling/seed", -1).toInt(); }
void AppSettings::setSeed(int v) { set("sampling/seed", qMax(-1, v)); }
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

GenerationSettings AppSettings::generation() const
{
    return generation(QJsonObject());
}

GenerationSettings AppSettings::generation(const QJsonObject& o) const
{
    GenerationSettings s;
    s.temperature = o.value(QLatin1String("temperature")).toDouble(temperature());
    s.topP = o.value(QLatin1String("topP")).toDouble(topP());
    s.topK = o.value(QLatin1String("topK")).toInt(topK());
    s.minP = o.value(QLatin1String("minP")).toDouble(minP());
    s.repeatPenalty = o.value(QLatin1String("repeatPenalty")).toDouble(repeatPenalty());
    s.maxTokens = o.value(QLatin1String("maxTokens")).toInt(maxTokens());
    const int sd = o.value(QLatin1String("seed")).toInt(seed());
    if (sd >= 0)
        s.seed = quint64(sd);
    return s;
}
