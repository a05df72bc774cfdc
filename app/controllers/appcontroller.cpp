#include "appcontroller.h"

#include "conversationstore.h"
#include "database.h"
#include "embeddingchoice.h"
#include "endpointstore.h"
#include "kvcachecontroller.h"
#include "localbackend.h"
#include "messagelistmodel.h"
#include "remotebackend.h"

#include <QClipboard>
#include <QDir>
#include <QGuiApplication>
#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcApp, "causerie.app", QtInfoMsg)

using namespace causerie::storage;

namespace {

// How a conversation names its backend in the store: "local" (or empty) or "remote:<endpoint id>".
constexpr auto kRemotePrefix = QLatin1String("remote:");

QString endpointIdOf(const QString& backend)
{
    return backend.startsWith(kRemotePrefix) ? backend.mid(kRemotePrefix.size()) : QString();
}

}   // namespace

AppController::AppController(const QString& dataDir, QObject* parent)
    : QObject(parent)
    , m_dataDir(dataDir)
    , m_settings(std::make_unique<AppSettings>(QDir(dataDir).filePath(QStringLiteral("settings.ini"))))
    , m_local(std::make_unique<LocalBackend>())
    , m_kvCache(std::make_unique<KvCacheController>(m_local.get(), m_settings.get(), dataDir))
    , m_model(std::make_unique<LocalModelController>(m_local.get(), m_settings.get(), dataDir))
    , m_remote(std::make_unique<RemoteController>(&m_settings->raw()))
    , m_server(std::make_unique<ServerController>(m_local.get(), m_settings.get()))
    , m_readAloud(std::make_unique<ReadAloud>(makeQtSpeechEngine, [this] { return m_settings->language(); }))
    , m_announcer(std::make_unique<Announcer>())
{
    connect(m_model.get(), &LocalModelController::changed, this, [this] {
        Q_EMIT modelChanged();
        Q_EMIT conversationBackendChanged();
    });
    connect(m_model.get(), &LocalModelController::loaded, this, [this] { updateContextUsage(); });
    connect(m_model.get(), &LocalModelController::errorOccurred, this, &AppController::errorOccurred);
    connect(m_remote.get(), &RemoteController::keyArrived, this, &AppController::conversationBackendChanged);
    connect(m_remote.get(), &RemoteController::errorOccurred, this, &AppController::errorOccurred);
    connect(m_local.get(), &LocalBackend::tokensCounted, this, [this](const QString& id, int tokens, int) {
        if (id != m_countRequest)
            return;
        m_contextUsed = tokens;
        Q_EMIT contextChanged();
    });

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
    m_messages = std::make_unique<MessageListModel>(m_store.get());
    m_announcer->watch(m_messages.get());
    m_chat = std::make_unique<ChatController>(
        m_store.get(), m_messages.get(), [this](const Conversation& c) { return backendFor(c); },
        [this](const Conversation& c) { return resolveTurnSettings(*m_settings, c); });
    DocumentsController::Hooks documentHooks;
    documentHooks.isRemote = [](const Conversation& c) { return !endpointIdOf(c.backend).isEmpty(); };
    documentHooks.openConversationIsRemote = [this] { return conversationRemote(); };
    documentHooks.contextSize = [this] { return contextSize(); };
    documentHooks.remoteContextSize = [this](const Conversation& c) {
        return std::max(0, m_remote->contextLength(endpointIdOf(c.backend), c.model));
    };
    documentHooks.openConversationRemoteContextSize = [this] {
        return std::max(0, m_remote->contextLength(conversationEndpointId(), conversationModel()));
    };
    const QString documentIndex = QDir(dataDir).filePath(QStringLiteral("documents.db"));
    m_documents = std::make_unique<DocumentsController>(m_store.get(), documentIndex, m_local.get(), documentHooks,
                                                        std::make_unique<LibrariesController>(dataDir, documentIndex));
    m_chat->setDocuments(m_documents.get());
    // The embedding model of Settings → Libraries, applied when it changes or its key arrives.
    if (LibrariesController* libraries = m_documents->libraries()) {
        auto applyEmbedding = [this, libraries, hadKey = std::make_shared<bool>(false)] {
            const EmbeddingChoice c = embeddingChoice(*m_settings, *m_remote);
            libraries->setEmbedder(c.factory, c.modelId, c.hasKey != *hadKey);
            *hadKey = c.hasKey;
        };
        connect(m_settings.get(), &AppSettings::changed, libraries, applyEmbedding);
        connect(m_remote.get(), &RemoteController::keyArrived, libraries, applyEmbedding);
        connect(m_remote.get(), &RemoteController::endpointsChanged, libraries, applyEmbedding);
        applyEmbedding();
    }
    connect(this, &AppController::conversationBackendChanged, m_documents.get(), &DocumentsController::chipsChanged);
    // A model list fetched may tell the remote model's context: the chips' budget note follows.
    connect(m_remote.get(), &RemoteController::modelsChanged, m_documents.get(), &DocumentsController::chipsChanged);
    m_conversations = std::make_unique<ConversationsController>(m_store.get(), m_chat.get());
    connect(m_conversations.get(), &ConversationsController::errorOccurred, this, &AppController::errorOccurred);
    // A new conversation in a folder starts with the folder's documents as chips.
    connect(m_conversations.get(), &ConversationsController::chatCreatedInFolder, m_documents.get(),
            [documents = m_documents.get()](qint64, qint64 folderId) { documents->addFolderChips(folderId); });
    // An undo gets the conversation back; its next answer is then computed cold once.
    connect(m_conversations.get(), &ConversationsController::removed, m_kvCache.get(),
            &KvCacheController::forgetConversation);
    m_options =
        std::make_unique<ConversationOptions>(m_store.get(), m_settings.get(), [this] { return ensureConversation(); });
    connect(m_options.get(), &ConversationOptions::errorOccurred, this, &AppController::errorOccurred);
    connect(m_chat.get(), &ChatController::conversationIdChanged, this, &AppController::onConversationChanged);
    connect(m_chat.get(), &ChatController::generatingChanged, this, [this] { updateContextUsage(); });
}

AppController::~AppController() { shutdown(); }

bool AppController::isOpen() const { return m_store != nullptr; }

QObject* AppController::messages() const { return m_messages.get(); }

void AppController::shutdown()
{
    if (m_chat)
        m_chat->shutdown();
}

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
    m_remote->clearModels();
    Q_EMIT conversationBackendChanged();
    updateContextUsage();
}

// ---- the open conversation's backend ----

ChatBackend* AppController::backendFor(const Conversation& c)
{
    const QString endpointId = endpointIdOf(c.backend);
    if (endpointId.isEmpty())
        return m_local.get();
    RemoteBackend* b = m_remote->backend(endpointId);
    if (b)
        b->setModel(c.model);
    return b;
}

QString AppController::conversationEndpointId() const
{
    if (!m_chat || !m_chat->conversationId())
        return {};
    auto c = m_store->conversation(m_chat->conversationId());
    return c ? endpointIdOf(c->backend) : QString();
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
    const QString endpointId = conversationEndpointId();
    if (endpointId.isEmpty())
        return m_local->isReady();
    return !conversationModel().isEmpty() && !m_remote->endpoint(endpointId).id.isEmpty();
}

QString AppController::backendLabel() const
{
    const QString endpointId = conversationEndpointId();
    if (endpointId.isEmpty())
        return m_local->isReady() ? tr("Local · %1").arg(m_local->modelInfo().name) : tr("Local · no model");
    const RemoteEndpoint ep = m_remote->endpoint(endpointId);
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
    else if (const QString endpointId = endpointIdOf(backend); !endpointId.isEmpty())
        if (const RemoteEndpoint ep = m_remote->endpoint(endpointId); !ep.name.isEmpty())
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

void AppController::setConversationBackend(const QString& endpointId, const QString& model)
{
    if (!m_chat)
        return;
    const QString backend = endpointId.isEmpty() ? QStringLiteral("local") : kRemotePrefix + endpointId;
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

// ---- context usage ----

int AppController::contextSize() const
{
    if (conversationRemote())
        return 0;
    return m_local->modelInfo().contextSize;
}

void AppController::updateContextUsage(const QString& draft)
{
    if (!m_store || !m_local->isReady() || conversationRemote()) {
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
