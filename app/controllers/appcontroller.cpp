#include "appcontroller.h"

#include "appsettings.h"
#include "conversationoptions.h"
#include "chatcontroller.h"
#include "conversationlistmodel.h"
#include "conversationsections.h"
#include "conversationstore.h"
#include "database.h"
#include "endpointpolicy.h"
#include "endpointstore.h"
#include "keystore.h"
#include "kvcachecontroller.h"
#include "localbackend.h"
#include "messagelistmodel.h"
#include "remotebackend.h"

#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLoggingCategory>
#include <QTimer>
#include <QRegularExpression>
#include <QSaveFile>

Q_LOGGING_CATEGORY(lcApp, "causerie.app", QtInfoMsg)

using namespace causerie::storage;

namespace {

constexpr auto kRemotePrefix = QLatin1String("remote:");

QString fileSizeText(qint64 bytes) { return QLocale().formattedDataSize(bytes); }

}   // namespace

AppController::AppController(const QString& dataDir, QObject* parent)
    : QObject(parent)
    , m_dataDir(dataDir)
    , m_settings(std::make_unique<AppSettings>(QDir(dataDir).filePath(QStringLiteral("settings.ini"))))
    , m_local(std::make_unique<LocalBackend>())
    , m_kvCache(std::make_unique<KvCacheController>(m_local.get(), m_settings.get(), dataDir))
    , m_endpoints(std::make_unique<EndpointStore>(&m_settings->raw()))
    , m_keys(std::make_unique<KeyStore>())
{
    (void)makePrivateFolder(dataDir);   // 0700; an unusable folder is reported below
    auto store = ConversationStore::open(QDir(dataDir).filePath(QStringLiteral("conversations.db")));
    if (!store) {
        m_storeError = store.errorString();
        qCWarning(lcApp) << "conversations not opened:" << m_storeError;
        m_options = std::make_unique<ConversationOptions>(nullptr, m_settings.get(), nullptr);
        return;
    }
    m_store = std::move(store).value();
    if (m_store->recoveredMessages() > 0)
        qCInfo(lcApp) << m_store->recoveredMessages() << "answer(s) interrupted by the last exit were kept";
    m_conversations = std::make_unique<ConversationListModel>(m_store.get());
    m_sections = std::make_unique<ConversationSections>();
    m_sections->setSourceModel(m_conversations.get());
    m_messages = std::make_unique<MessageListModel>(m_store.get());
    m_chat = std::make_unique<ChatController>(
        m_store.get(), m_messages.get(), [this](const Conversation& c) { return backendFor(c); },
        [this](const Conversation& c) { return resolveTurnSettings(*m_settings, c); });
    m_options =
        std::make_unique<ConversationOptions>(m_store.get(), m_settings.get(), [this] { return ensureConversation(); });
    connect(m_options.get(), &ConversationOptions::errorOccurred, this, &AppController::errorOccurred);
    // (The conversation list follows the store by itself.)
    connect(m_chat.get(), &ChatController::conversationIdChanged, this, &AppController::onConversationChanged);
    connect(m_chat.get(), &ChatController::generatingChanged, this, [this] { updateContextUsage(); });
    connect(m_local.get(), &LocalBackend::modelStateChanged, this, [this] {
        Q_EMIT modelChanged();
        Q_EMIT conversationBackendChanged();
    });
    connect(m_local.get(), &LocalBackend::modelLoaded, this, [this](const LocalModelInfo& info) {
        m_settings->addRecentModel(info.path);
        // Asked for the GPU by name and did not get all of it: say so at once. With "auto" the
        // note stays in the model's details and the status line (a machine without an NVIDIA
        // GPU would otherwise be told so at every start).
        if (info.deviceAsked == QLatin1String("cuda") && !info.deviceNote.isEmpty())
            Q_EMIT gpuFallback(info.name, info.deviceNote);
        updateContextUsage();
    });
    connect(m_local.get(), &LocalBackend::modelLoadFailed, this, &AppController::modelLoadFailed);
    connect(m_local.get(), &LocalBackend::tokensCounted, this, [this](const QString& id, int tokens, int) {
        if (id != m_countRequest)
            return;
        m_contextUsed = tokens;
        Q_EMIT contextChanged();
    });
    m_endpoints->setKeyStore(m_keys.get());   // an endpoint moved to another server forgets its key
    connect(m_endpoints.get(), &EndpointStore::endpointsChanged, this, &AppController::endpointsChanged);
    connect(m_keys.get(), &KeyStore::persistenceChanged, this, &AppController::keysChanged);
    connect(m_keys.get(), &KeyStore::keyRead, this, [this](const QString& endpointId, const ApiKey& key) {
        if (RemoteBackend* b = m_remotes.value(endpointId))
            b->setApiKey(key);
        Q_EMIT conversationBackendChanged();
    });
    m_keys->checkAvailability();

    // Deleted conversations are purged for good once their undo window has passed.
    auto* purge = new QTimer(this);
    purge->setInterval(15'000);
    connect(purge, &QTimer::timeout, this, [this] { (void)m_store->purgeDeleted(); });
    purge->start();
}

AppController::~AppController() { shutdown(); }

bool AppController::isOpen() const { return m_store != nullptr; }

QObject* AppController::conversations() const { return m_sections.get(); }

QObject* AppController::messages() const { return m_messages.get(); }

void AppController::shutdown()
{
    if (m_chat)
        m_chat->shutdown();
}

// ---- models ----

int AppController::modelState() const { return int(m_local->modelState()); }

QVariantMap AppController::modelInfo() const
{
    const LocalModelInfo& i = m_local->modelInfo();
    if (i.path.isEmpty())
        return {};
    return {
        {QStringLiteral("path"), i.path},
        {QStringLiteral("name"), i.name},
        {QStringLiteral("architecture"), i.architecture},
        {QStringLiteral("quantization"), i.quantization},
        {QStringLiteral("parameters"), QLocale().toString(double(i.parameters) / 1e9, 'f', 2) + QStringLiteral(" B")},
        {QStringLiteral("fileSize"), fileSizeText(i.fileSize)},
        {QStringLiteral("contextSize"), i.contextSize},
        {QStringLiteral("trainedContext"), i.trainedContext},
        {QStringLiteral("layers"), i.layers},
        {QStringLiteral("device"), i.device},
        {QStringLiteral("deviceNote"), i.deviceNote},
        {QStringLiteral("chatTemplate"), i.chatTemplate},
    };
}

QString AppController::modelError() const { return m_local->lastError(); }

void AppController::openModel(const QUrl& file)
{
    openModelPath(file.isLocalFile() ? file.toLocalFile() : file.toString());
}

void AppController::openModelPath(const QString& path)
{
    LocalModelOptions o;
    o.path = QFileInfo(path).absoluteFilePath();
    o.contextSize = m_settings->contextSize();
    o.threads = m_settings->threads();
    o.device = m_settings->device();
    o.gpuLayers = m_settings->gpuLayers();
    o.openingMarker = openingMarkerPath(m_dataDir);
    m_local->loadModel(o);
}

QString AppController::openingMarkerPath(const QString& dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("opening-model"));
}

void AppController::openStartupModel(const QString& asked, const QString& fallback)
{
    if (!asked.isEmpty()) {
        openModelPath(asked);
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
        qCWarning(lcApp).noquote() << m_startupNotice;
        Q_EMIT startupNoticeChanged();
        Q_EMIT errorOccurred(m_startupNotice);
        return;
    }
    const QStringList recent = m_settings->recentModels();
    if (!recent.isEmpty() && QFileInfo::exists(recent.constFirst()))
        openModelPath(recent.constFirst());
    else if (recent.isEmpty() && !fallback.isEmpty() && QFileInfo::exists(fallback))
        openModelPath(fallback);
}

// ---- conversations ----

void AppController::newChat()
{
    if (m_chat)
        m_chat->newConversation();
}

void AppController::openConversation(qint64 id)
{
    if (m_chat)
        m_chat->openConversation(id);
}

void AppController::onConversationChanged()
{
    m_options->setConversationId(m_chat->conversationId());
    m_remoteModels.clear();
    Q_EMIT conversationBackendChanged();
    updateContextUsage();
}

void AppController::renameConversation(qint64 id, const QString& title)
{
    if (title.trimmed().isEmpty())
        return;
    if (auto st = m_store->renameConversation(id, title.trimmed()); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void AppController::setPinned(qint64 id, bool pinned)
{
    if (auto st = m_store->setPinned(id, pinned); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void AppController::deleteConversation(qint64 id)
{
    if (auto st = m_store->deleteConversation(id); !st) {
        Q_EMIT errorOccurred(st.errorString());
        return;
    }
    if (m_chat->conversationId() == id)
        m_chat->newConversation();
    m_kvCache->forgetConversation(id);   // an undo gets the conversation back, answered cold once
    m_pendingDelete = id;
    Q_EMIT pendingDeleteChanged();
}

void AppController::undoDelete()
{
    if (!m_pendingDelete)
        return;
    if (auto st = m_store->undoDelete(m_pendingDelete); !st)
        Q_EMIT errorOccurred(st.errorString());
    m_pendingDelete = 0;
    Q_EMIT pendingDeleteChanged();
}

QVariantList AppController::search(const QString& text)
{
    QVariantList out;
    if (!m_store || text.trimmed().isEmpty())
        return out;
    auto hits = m_store->search(text, 50);
    if (!hits) {
        Q_EMIT errorOccurred(hits.errorString());
        return out;
    }
    for (const SearchHit& h : std::as_const(*hits))
        out.append(QVariantMap{{QStringLiteral("conversationId"), h.conversationId},
                               {QStringLiteral("messageId"), h.messageId},
                               {QStringLiteral("title"), h.conversationTitle},
                               {QStringLiteral("snippetHtml"), h.snippetHtml()}});
    return out;
}

QString AppController::exportMarkdown(qint64 id)
{
    auto md = m_store->exportMarkdown(id);
    return md ? *md : QString();
}

bool AppController::exportConversation(qint64 id, const QUrl& file)
{
    if (!m_store)
        return false;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    if (path.isEmpty()) {
        Q_EMIT errorOccurred(tr("No file was chosen to export to."));
        return false;
    }
    const bool json = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    QByteArray bytes;
    if (json) {
        auto out = m_store->exportJson(id);
        if (!out) {
            Q_EMIT errorOccurred(out.errorString());
            return false;
        }
        bytes = *out;
    } else {
        auto out = m_store->exportMarkdown(id);
        if (!out) {
            Q_EMIT errorOccurred(out.errorString());
            return false;
        }
        bytes = out->toUtf8();
    }
    // Written beside the target and renamed over it at the end: a full disk or a crash leaves
    // the previous file as it was.
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        Q_EMIT errorOccurred(tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), f.errorString()));
        return false;
    }
    qCInfo(lcApp) << "exported conversation" << id << "to" << path << (json ? "(JSON)" : "(Markdown)");
    return true;
}

QString AppController::exportFileName(qint64 id, const QString& suffix) const
{
    QString name;
    if (m_store) {
        if (auto c = m_store->conversation(id))
            name = c->title;
    }
    // Characters Windows, macOS or Linux refuse in a file name, and control characters.
    static const QRegularExpression bad(QStringLiteral("[\\\\/:*?\"<>|\\x{0000}-\\x{001f}]"));
    name.replace(bad, QStringLiteral(" "));
    name = name.simplified().left(80).trimmed();
    while (name.startsWith(QLatin1Char('.')))
        name.remove(0, 1);
    if (name.isEmpty())
        name = tr("Conversation");
    return name + QLatin1Char('.') + suffix;
}

bool AppController::importConversation(const QString& path)
{
    if (!m_store)
        return false;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        Q_EMIT errorOccurred(tr("Cannot read %1: %2").arg(path, f.errorString()));
        return false;
    }
    auto id = m_store->importJson(f.readAll());
    if (!id) {
        Q_EMIT errorOccurred(id.errorString());
        return false;
    }
    m_chat->openConversation(*id);
    return true;
}

// ---- backends ----

ChatBackend* AppController::backendFor(const Conversation& c)
{
    if (c.backend.startsWith(kRemotePrefix)) {
        RemoteBackend* b = remoteBackend(c.backend.mid(kRemotePrefix.size()));
        if (b)
            b->setModel(c.model);
        return b;
    }
    return m_local.get();
}

RemoteBackend* AppController::remoteBackend(const QString& endpointId)
{
    if (RemoteBackend* b = m_remotes.value(endpointId))
        return b;
    const RemoteEndpoint ep = m_endpoints->endpoint(endpointId);
    if (ep.id.isEmpty())
        return nullptr;
    auto* b = new RemoteBackend(nullptr, this);
    b->setEndpoint(ep);
    m_remotes.insert(endpointId, b);
    m_keys->readKey(endpointId);   // → keyRead sets it
    connect(b, &RemoteBackend::modelsListed, this, [this](const QString& id, const QList<RemoteModelInfo>& models) {
        if (id != m_modelsRequest)
            return;
        m_remoteModels.clear();
        for (const RemoteModelInfo& m : models)
            m_remoteModels.append(
                QVariantMap{{QStringLiteral("id"), m.id}, {QStringLiteral("contextLength"), m.contextLength}});
        m_remoteModelsError.clear();
        Q_EMIT remoteModelsChanged();
    });
    connect(b, &RemoteBackend::modelsFailed, this, [this](const QString& id, const BackendError& e) {
        if (id != m_modelsRequest)
            return;
        m_remoteModels.clear();
        m_remoteModelsError = e.message;
        Q_EMIT remoteModelsChanged();
    });
    return b;
}

QString AppController::conversationBackend() const
{
    if (!m_chat || !m_chat->conversationId())
        return QStringLiteral("local");
    auto c = m_store->conversation(m_chat->conversationId());
    return c && !c->backend.isEmpty() ? c->backend : QStringLiteral("local");
}

QString AppController::conversationModel() const
{
    if (!m_chat || !m_chat->conversationId())
        return {};
    auto c = m_store->conversation(m_chat->conversationId());
    return c ? c->model : QString();
}

bool AppController::backendReady() const
{
    const QString b = conversationBackend();
    if (!b.startsWith(kRemotePrefix))
        return m_local->isReady();
    return !conversationModel().isEmpty() && !m_endpoints->endpoint(b.mid(kRemotePrefix.size())).id.isEmpty();
}

QString AppController::backendLabel() const
{
    const QString b = conversationBackend();
    if (!b.startsWith(kRemotePrefix))
        return m_local->isReady() ? tr("Local · %1").arg(m_local->modelInfo().name) : tr("Local · no model");
    const RemoteEndpoint ep = m_endpoints->endpoint(b.mid(kRemotePrefix.size()));
    return tr("%1 · %2").arg(ep.name.isEmpty() ? tr("Remote") : ep.name,
                             conversationModel().isEmpty() ? tr("no model chosen") : conversationModel());
}

QString AppController::conversationOrigin() const
{
    if (!m_chat || !m_chat->conversationId())
        return {};
    auto c = m_store->conversation(m_chat->conversationId());
    if (!c)
        return {};
    const QJsonObject origin = c->settings.value(QLatin1String("imported_from")).toObject();
    const QString backend = origin.value(QLatin1String("backend")).toString();
    const QString model = origin.value(QLatin1String("model")).toString();
    if (backend.isEmpty() && model.isEmpty())
        return {};
    // An endpoint of this machine with the same id (an export made here) lends its name.
    QString where = tr("a remote endpoint");
    if (backend.isEmpty() || backend == QLatin1String("local"))
        where = tr("Local model");
    else if (backend.startsWith(kRemotePrefix))
        if (const RemoteEndpoint ep = m_endpoints->endpoint(backend.mid(kRemotePrefix.size())); !ep.name.isEmpty())
            where = ep.name;
    return model.isEmpty() ? tr("was: %1").arg(where) : tr("was: %1 · %2").arg(where, model);
}

qint64 AppController::ensureConversation(const QString& backend, const QString& model)
{
    if (!m_chat)
        return 0;
    if (const qint64 id = m_chat->conversationId())
        return id;
    NewConversation nc;
    nc.backend = backend;
    nc.model = model;
    auto created = m_store->createConversation(nc);
    if (!created) {
        Q_EMIT errorOccurred(created.errorString());
        return 0;
    }
    m_chat->openConversation(*created);
    return *created;
}

void AppController::setConversationBackend(const QString& backend, const QString& model)
{
    if (!m_chat)
        return;
    qint64 id = m_chat->conversationId();
    if (!id) {
        if (!ensureConversation(backend, model))
            return;
    } else {
        auto c = m_store->conversation(id);
        if (!c)
            return;
        // Switching keeps the history: the next request sends it to the new backend.
        if (auto st = m_store->setConversationOptions(id, backend, model, c->systemPrompt, c->settings); !st)
            Q_EMIT errorOccurred(st.errorString());
    }
    Q_EMIT conversationBackendChanged();
    updateContextUsage();
}

void AppController::refreshRemoteModels(const QString& endpointId)
{
    RemoteBackend* b = remoteBackend(endpointId);
    if (!b)
        return;
    m_modelsRequest = b->listModels();
}

QVariantList AppController::endpoints() const
{
    QVariantList out;
    for (const RemoteEndpoint& e : m_endpoints->endpoints())
        out.append(QVariantMap{{QStringLiteral("id"), e.id},
                               {QStringLiteral("name"), e.name},
                               {QStringLiteral("baseUrl"), e.baseUrl},
                               {QStringLiteral("allowInsecureHttp"), e.allowInsecureHttp}});
    return out;
}

QString AppController::saveEndpoint(const QString& id, const QString& name, const QString& baseUrl,
                                    const QString& apiKey, bool allowInsecureHttp)
{
    const QString saved = m_endpoints->save({id, name, baseUrl, allowInsecureHttp});
    if (saved.isEmpty()) {
        Q_EMIT errorOccurred(m_endpoints->errorString());
        return {};
    }
    if (!apiKey.isEmpty())
        m_keys->writeKey(saved, ApiKey(apiKey));
    if (RemoteBackend* b = m_remotes.value(saved)) {
        b->setEndpoint(m_endpoints->endpoint(saved));
        if (!apiKey.isEmpty())
            b->setApiKey(ApiKey(apiKey));
    }
    return saved;
}

bool AppController::endpointOriginChanges(const QString& id, const QString& baseUrl) const
{
    const RemoteEndpoint e = m_endpoints->endpoint(id);
    return !e.id.isEmpty() && !sameOrigin(e.baseUrl, baseUrl);
}

void AppController::removeEndpoint(const QString& id)
{
    m_endpoints->remove(id);
    m_keys->removeKey(id);
    delete m_remotes.take(id);
}

bool AppController::keysSessionOnly() const { return m_keys->persistence() == KeyStore::SessionOnly; }

int AppController::contextSize() const
{
    if (conversationBackend().startsWith(kRemotePrefix))
        return 0;
    return m_local->modelInfo().contextSize;
}

void AppController::updateContextUsage(const QString& draft)
{
    if (!m_store || !m_local->isReady() || conversationBackend().startsWith(kRemotePrefix)) {
        if (m_contextUsed != 0) {
            m_contextUsed = 0;
            Q_EMIT contextChanged();
        }
        return;
    }
    QList<ChatMessage> history;
    Conversation conv;
    if (m_chat->conversationId())
        if (auto c = m_store->conversation(m_chat->conversationId()))
            conv = *c;
    const QString system = resolveTurnSettings(*m_settings, conv).systemPrompt;
    if (!system.trimmed().isEmpty())
        history.append({QStringLiteral("system"), system});
    if (m_chat->conversationId()) {
        if (auto path = m_store->activePath(m_chat->conversationId()))
            for (const Message& m : std::as_const(*path))
                history.append({roleName(m.role), m.content});
    }
    if (history.isEmpty() || history.last().role != QLatin1String("user"))
        history.append({QStringLiteral("user"), draft});
    m_countRequest = m_local->countTokens(history);
}

void AppController::copyText(const QString& text)
{
    if (auto* cb = QGuiApplication::clipboard())
        cb->setText(text);
}
