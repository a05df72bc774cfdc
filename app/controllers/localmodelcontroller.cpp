#include "localmodelcontroller.h"

#include "appsettings.h"
#include "devicetext.h"
#include "localbackend.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLocale>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcLocalModel, "causerie.app.model", QtInfoMsg)

LocalModelController::LocalModelController(LocalBackend* backend, AppSettings* settings, const QString& dataDir,
                                           QObject* parent)
    : QObject(parent)
    , m_backend(backend)
    , m_settings(settings)
    , m_dataDir(dataDir)
{
    connect(m_backend, &LocalBackend::modelStateChanged, this, &LocalModelController::changed);
    connect(m_backend, &LocalBackend::modelLoaded, this, [this](const LocalModelInfo& info) {
        m_settings->addRecentModel(info.path);
        // Asked for the GPU by name and did not get all of it: say so at once. With "auto" the
        // note stays in the model's details and the status line (a machine without an NVIDIA
        // GPU would otherwise be told so at every start).
        if (info.deviceAsked == QLatin1String("cuda") && !info.deviceNote.isEmpty())
            Q_EMIT gpuFallback(info.name, DeviceText::note(info.deviceNote));
        Q_EMIT loaded();
    });
    connect(m_backend, &LocalBackend::modelLoadFailed, this, &LocalModelController::loadFailed);
}

LocalModelController::State LocalModelController::state() const
{
    switch (m_backend->modelState()) {
    case LocalBackend::ModelState::None: return State::None;
    case LocalBackend::ModelState::Loading: return State::Loading;
    case LocalBackend::ModelState::Ready: return State::Ready;
    case LocalBackend::ModelState::Failed: return State::Failed;
    }
    return State::None;
}

const LocalModelInfo* LocalModelController::loadedInfo() const
{
    const LocalModelInfo& i = m_backend->modelInfo();
    return i.path.isEmpty() ? nullptr : &i;
}

QVariantMap LocalModelController::info() const
{
    const LocalModelInfo* i = loadedInfo();
    if (!i)
        return {};
    return {
        {QStringLiteral("path"), i->path},
        {QStringLiteral("name"), i->name},
        {QStringLiteral("architecture"), i->architecture},
        {QStringLiteral("quantization"), i->quantization},
        {QStringLiteral("parameters"), parameters()},
        {QStringLiteral("fileSize"), fileSize()},
        {QStringLiteral("contextSize"), i->contextSize},
        {QStringLiteral("trainedContext"), i->trainedContext},
        {QStringLiteral("layers"), i->layers},
        {QStringLiteral("device"), device()},
        {QStringLiteral("deviceNote"), deviceNote()},
        {QStringLiteral("chatTemplate"), i->chatTemplate},
        {QStringLiteral("chatTemplateNote"), chatTemplateNote()},
        {QStringLiteral("thinkingSwitch"), i->thinkingSwitch},
    };
}

QString LocalModelController::path() const { return loadedInfo() ? loadedInfo()->path : QString(); }
QString LocalModelController::name() const { return loadedInfo() ? loadedInfo()->name : QString(); }
QString LocalModelController::architecture() const { return loadedInfo() ? loadedInfo()->architecture : QString(); }
QString LocalModelController::quantization() const { return loadedInfo() ? loadedInfo()->quantization : QString(); }

QString LocalModelController::parameters() const
{
    const LocalModelInfo* i = loadedInfo();
    return i ? QLocale().toString(double(i->parameters) / 1e9, 'f', 2) + QStringLiteral(" B") : QString();
}

QString LocalModelController::fileSize() const
{
    return loadedInfo() ? QLocale().formattedDataSize(loadedInfo()->fileSize) : QString();
}

int LocalModelController::contextSize() const { return loadedInfo() ? loadedInfo()->contextSize : 0; }
int LocalModelController::trainedContext() const { return loadedInfo() ? loadedInfo()->trainedContext : 0; }
// In the app's language (the engine writes English).
QString LocalModelController::device() const
{
    return loadedInfo() ? DeviceText::device(loadedInfo()->device) : QString();
}
QString LocalModelController::deviceNote() const
{
    return loadedInfo() ? DeviceText::note(loadedInfo()->deviceNote) : QString();
}
QString LocalModelController::chatTemplate() const { return loadedInfo() ? loadedInfo()->chatTemplate : QString(); }

QString LocalModelController::chatTemplateNote() const
{
    const LocalModelInfo* i = loadedInfo();
    if (!i || !i->chatTemplateAssumed)
        return {};
    // The engine's names (chat_template_name) as people write them.
    static const QHash<QString, QString> names{
        {QStringLiteral("chatml"), QStringLiteral("ChatML")},
        {QStringLiteral("qwen3"), QStringLiteral("Qwen3")},
        {QStringLiteral("llama3"), QStringLiteral("Llama 3")},
        {QStringLiteral("gemma"), QStringLiteral("Gemma")},
        {QStringLiteral("phi3"), QStringLiteral("Phi-3")},
        {QStringLiteral("deepseek-r1"), QStringLiteral("DeepSeek-R1")},
        {QStringLiteral("mistral-v1"), QStringLiteral("Mistral v1")},
        {QStringLiteral("mistral-v3"), QStringLiteral("Mistral v3")},
        {QStringLiteral("mistral-v3-tekken"), QStringLiteral("Mistral v3 (Tekken)")},
        {QStringLiteral("mistral-v7"), QStringLiteral("Mistral v7")},
    };
    return tr("Template not recognised; using %1").arg(names.value(i->chatTemplate, i->chatTemplate));
}

bool LocalModelController::thinkingSwitch() const { return loadedInfo() && loadedInfo()->thinkingSwitch; }

QString LocalModelController::error() const { return m_backend->lastError(); }

void LocalModelController::open(const QUrl& file)
{
    openPath(file.isLocalFile() ? file.toLocalFile() : file.toString());
}

void LocalModelController::openPath(const QString& path)
{
    LocalModelOptions o;
    o.path = QFileInfo(path).absoluteFilePath();
    o.contextSize = m_settings->contextSize();
    o.threads = m_settings->threads();
    o.device = m_settings->device();
    o.gpuLayers = m_settings->gpuLayers();
    o.kvType = m_settings->kvType();
    o.openingMarker = openingMarkerPath(m_dataDir);
    m_backend->loadModel(o);
}

QString LocalModelController::openingMarkerPath(const QString& dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("opening-model"));
}

void LocalModelController::openStartup(const QString& asked, const QString& fallback)
{
    if (!asked.isEmpty()) {
        openPath(asked);
        return;
    }
    // The engine thread writes this file before it opens a model and removes it once the model
    // is open or has failed: still here, the process died opening it (a crash, the OOM killer).
    // Opening it again by itself could crash every start; the user decides.
    QFile marker(openingMarkerPath(m_dataDir));
    if (marker.exists()) {
        const QString model = marker.open(QIODevice::ReadOnly) ? QString::fromUtf8(marker.read(4096)) : QString();
        m_startupNotice =
            model.isEmpty()
                ? tr("Causerie closed while opening a model last time; it was not reopened. Open it again from the "
                     "model menu.")
                : tr("Causerie closed while opening %1 last time; it was not reopened. Open it again from the model "
                     "menu.")
                      .arg(QFileInfo(model).fileName());
        qCWarning(lcLocalModel).noquote() << m_startupNotice;
        Q_EMIT startupNoticeChanged();
        Q_EMIT errorOccurred(m_startupNotice);
        return;
    }
    const QStringList recent = m_settings->recentModels();
    if (!recent.isEmpty() && QFileInfo::exists(recent.constFirst()))
        openPath(recent.constFirst());
    else if (recent.isEmpty() && !fallback.isEmpty() && QFileInfo::exists(fallback))
        openPath(fallback);
}
