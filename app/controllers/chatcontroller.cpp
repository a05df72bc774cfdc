#include "chatcontroller.h"

#include "chatbackend.h"
#include "conversationstore.h"
#include "messagelistmodel.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcChat, "causerie.chat", QtInfoMsg)

using namespace causerie::storage;

namespace {

QString titleFrom(const QString& text)
{
    QString t = text.simplified();
    if (t.size() > 60)
        t = t.left(57).trimmed() + QStringLiteral("…");
    return t;
}

causerie::storage::MessageStats toStored(const ::GenerationStats& s, const QString& model, const QString& backend)
{
    causerie::storage::MessageStats out;
    out.model = s.model.isEmpty() ? model : s.model;
    out.backend = backend;
    if (s.promptTokens >= 0)
        out.promptTokens = s.promptTokens;
    if (s.cachedTokens >= 0)
        out.cachedTokens = s.cachedTokens;
    if (s.completionTokens >= 0)
        out.completionTokens = s.completionTokens;
    if (s.ttftMs >= 0)
        out.ttftMs = s.ttftMs;
    if (s.tokensPerSecond >= 0)
        out.tokensPerSecond = s.tokensPerSecond;
    out.finishReason = s.finishReason;
    return out;
}

}   // namespace

ChatController::ChatController(ConversationStore* store, MessageListModel* messages, BackendResolver backends,
                               SettingsResolver settings, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_messages(messages)
    , m_backends(std::move(backends))
    , m_settings(std::move(settings))
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(kFlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &ChatController::flush);
}

ChatController::~ChatController() { shutdown(); }

void ChatController::setError(const QString& message)
{
    m_lastError = message;
    Q_EMIT lastErrorChanged();
}

QString ChatController::backendKey(const Conversation& c) const
{
    return c.backend.isEmpty() ? QStringLiteral("local") : c.backend;
}

void ChatController::openConversation(qint64 id)
{
    if (id == m_conversationId)
        return;
    // A request keeps running into its own message; switching view does not stop it.
    m_conversationId = id;
    m_messages->setConversationId(id);
    Q_EMIT conversationIdChanged();
}

bool ChatController::send(const QString& text)
{
    if (text.trimmed().isEmpty())
        return false;
    if (generating()) {
        setError(tr("Wait for the answer to finish, or stop it, before sending."));
        return false;
    }
    qint64 conv = m_conversationId;
    qint64 parent = 0;
    if (conv == 0) {
        NewConversation nc;
        nc.title = titleFrom(text);
        auto created = m_store->createConversation(nc);
        if (!created) {
            setError(created.errorString());
            return false;
        }
        conv = *created;
        openConversation(conv);
    } else {
        auto c = m_store->conversation(conv);
        if (!c) {
            setError(c.errorString());
            return false;
        }
        parent = c->activeLeafId;
        if (c->title.isEmpty())
            (void)m_store->renameConversation(conv, titleFrom(text));
    }
    return askUnder(conv, parent, text);
}

bool ChatController::askUnder(qint64 conversationId, qint64 parentId, const QString& text, qint64 filesFrom)
{
    NewMessage user;
    user.conversationId = conversationId;
    user.parentId = parentId;
    user.role = MessageRole::User;
    user.content = text;
    auto userId = m_store->appendMessage(user);
    if (!userId) {
        setError(userId.errorString());
        return false;
    }
    if (m_documents)
        m_documents->attachPending(*userId, filesFrom);
    return startAnswer(conversationId, *userId);
}

bool ChatController::regenerate(qint64 assistantMessageId)
{
    if (generating())
        return false;
    auto m = m_store->message(assistantMessageId);
    if (!m || m->role != MessageRole::Assistant || m->parentId == 0)
        return false;
    return startAnswer(m->conversationId, m->parentId);
}

bool ChatController::editMessage(qint64 userMessageId, const QString& text)
{
    if (generating() || text.trimmed().isEmpty())
        return false;
    auto m = m_store->message(userMessageId);
    if (!m || m->role != MessageRole::User)
        return false;
    // The new version goes with the files of the old one, and with any chips added meanwhile.
    return askUnder(m->conversationId, m->parentId, text, userMessageId);
}

void ChatController::showSibling(qint64 messageId, int direction)
{
    auto sibs = m_store->siblings(messageId);
    if (!sibs)
        return;
    const int i = sibs->indexOf(messageId);
    const int j = i + (direction < 0 ? -1 : 1);
    if (i < 0 || j < 0 || j >= sibs->size())
        return;
    if (auto st = m_store->switchBranch(sibs->at(j)); !st)
        setError(st.errorString());
}

bool ChatController::startAnswer(qint64 conversationId, qint64 parentId)
{
    auto conv = m_store->conversation(conversationId);
    if (!conv) {
        setError(conv.errorString());
        return false;
    }
    ChatBackend* backend = m_backends(*conv);
    const TurnSettings turn = m_settings(*conv);

    NewMessage answer;
    answer.conversationId = conversationId;
    answer.parentId = parentId;
    answer.role = MessageRole::Assistant;
    answer.status = MessageStatus::Streaming;
    answer.stats.backend = backendKey(*conv);
    answer.stats.model = conv->model;
    auto answerId = m_store->appendMessage(answer);   // committed before generation starts
    if (!answerId) {
        setError(answerId.errorString());
        return false;
    }
    if (!backend || !backend->isReady()) {
        const QString why = tr("No model is ready for this conversation. Open a local model or choose a remote "
                               "endpoint in Settings.");
        (void)m_store->setStatus(*answerId, MessageStatus::Error, why);
        setError(why);
        return false;
    }

    // The history is the active path up to the question (the new empty answer excluded).
    auto path = m_store->activePath(conversationId);
    if (!path) {
        (void)m_store->setStatus(*answerId, MessageStatus::Error, path.errorString());
        setError(path.errorString());
        return false;
    }
    QList<ChatMessage> history;
    if (!turn.systemPrompt.trimmed().isEmpty())
        history.append({QStringLiteral("system"), turn.systemPrompt, {}});
    QString question;
    for (const Message& m : std::as_const(*path)) {
        if (m.id == *answerId)
            break;
        if (m.role == MessageRole::Assistant && m.content.isEmpty())
            continue;   // a failed answer adds nothing to the context
        history.append({roleName(m.role), m.content, {}});
        if (m.role == MessageRole::User)
            question = m.content;
    }

    m_backend = backend;
    m_answerId = *answerId;
    m_answer.clear();
    m_dirty = false;
    m_reasoning.clear();
    m_reasoningDirty = false;
    m_inlineThinking = ThinkTagSplitter(backend->promptOpensThinking());
    m_model = conv->model;
    m_backendName = backendKey(*conv);
    GenerationSettings generation = turn.generation;
    generation.conversationId = conversationId;
    if (!m_documents) {
        launch(history, generation);
        return true;
    }
    // The documents are read and searched off the GUI thread; the answer (already in the store,
    // streaming) waits for them. Meanwhile a send is refused as during any answer, Stop cancels,
    // and switching conversations lets the turn go on into its own message.
    QList<qint64> ids;
    for (const Message& m : std::as_const(*path)) {
        if (m.id != *answerId)
            ids.append(m.id);
    }
    m_planning = true;
    const quint64 serial = ++m_planSerial;
    Q_EMIT generatingChanged();
    QPointer<ChatController> self(this);
    m_documents->planTurn(*conv, ids, *answerId, question,
                          [self, serial, history, messages = *path, answer = *answerId,
                           generation](const DocumentTurn& documents) mutable {
                              if (!self || !self->m_planning || serial != self->m_planSerial)
                                  return;   // stopped, or a later turn
                              self->m_planning = false;
                              self->addDocuments(history, documents, messages, answer);
                              self->launch(history, generation);
                          });
    return true;
}

void ChatController::launch(const QList<ChatMessage>& history, const GenerationSettings& generation)
{
    ChatBackend* backend = m_backend;
    if (!backend || !backend->isReady()) {
        const QString why = tr("No model is ready for this conversation. Open a local model or choose a remote "
                               "endpoint in Settings.");
        (void)m_store->setStatus(m_answerId, MessageStatus::Error, why);
        setError(why);
        endRequest();
        return;
    }
    connect(backend, &ChatBackend::delta, this, &ChatController::onDelta, Qt::UniqueConnection);
    connect(backend, &ChatBackend::reasoningDelta, this, &ChatController::onReasoningDelta, Qt::UniqueConnection);
    connect(backend, &ChatBackend::finished, this, &ChatController::onFinished, Qt::UniqueConnection);
    connect(backend, &ChatBackend::failed, this, &ChatController::onFailed, Qt::UniqueConnection);
    m_requestId = backend->startChat(history, generation);
    if (!m_lastError.isEmpty())
        setError({});
    Q_EMIT generatingChanged();
    qCDebug(lcChat) << "request" << m_requestId << "answer" << m_answerId;
}

void ChatController::addDocuments(QList<ChatMessage>& history, const DocumentTurn& turn, const QList<Message>& path,
                                  qint64 answerId)
{
    // Whole documents join the system message: the same text every turn, so the local engine's
    // KV cache keeps them. Passages change with each question: they go before it.
    if (!turn.systemText.isEmpty()) {
        if (!history.isEmpty() && history.first().role == QLatin1String("system"))
            history.first().content += QStringLiteral("\n\n") + turn.systemText;
        else
            history.prepend({QStringLiteral("system"), turn.systemText, {}});
    }
    if (!turn.questionText.isEmpty()) {
        for (qsizetype i = history.size() - 1; i >= 0; --i) {
            if (history[i].role == QLatin1String("user")) {
                history[i].content = turn.questionText + QStringLiteral("\n\nQuestion: ") + history[i].content;
                break;
            }
        }
    }
    if (!turn.images.isEmpty()) {
        // History and path are in the same order; the history may lack failed answers.
        qsizetype h = history.isEmpty() || history.first().role != QLatin1String("system") ? 0 : 1;
        for (const Message& m : path) {
            if (m.id == answerId || h >= history.size())
                break;
            if (m.role == MessageRole::Assistant && m.content.isEmpty())
                continue;
            history[h].images = turn.images.value(m.id);
            ++h;
        }
    }
    Q_UNUSED(answerId)   // the sources are stored under it by TurnDocuments, off this thread
}

// Whatever the backend, a model that writes its thinking inline ("<think>…</think>" at the
// start of the answer: local models, servers passing raw output on) gets it shown apart.
void ChatController::onDelta(const QString& requestId, const QString& text)
{
    if (requestId != m_requestId)
        return;
    placeInlineThinking(m_inlineThinking.feed(text));
}

void ChatController::onReasoningDelta(const QString& requestId, const QString& text)
{
    if (requestId != m_requestId)
        return;
    appendReasoning(text);
}

void ChatController::placeInlineThinking(const ThinkTagSplitter::Out& out)
{
    if (!out.thinking.isEmpty())
        appendReasoning(out.thinking);
    if (!out.text.isEmpty())
        appendAnswer(out.text);
}

void ChatController::appendAnswer(const QString& text)
{
    appendStreamed(m_answer, m_dirty, text, &MessageListModel::setStreamingText);
}

void ChatController::appendReasoning(const QString& text)
{
    appendStreamed(m_reasoning, m_reasoningDirty, text, &MessageListModel::setStreamingReasoning);
}

void ChatController::appendStreamed(QString& streamed, bool& dirty, const QString& text,
                                    bool (MessageListModel::*show)(qint64, const QString&))
{
    streamed += text;
    dirty = true;
    (m_messages->*show)(m_answerId, streamed);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void ChatController::flushReasoning()
{
    if (!m_reasoningDirty || m_answerId == 0)
        return;
    if (auto st = m_store->setReasoning(m_answerId, m_reasoning); !st)
        setError(st.errorString());
    m_reasoningDirty = false;
}

void ChatController::flush()
{
    if (m_answerId == 0)
        return;
    flushReasoning();
    if (m_dirty) {
        if (auto st = m_store->updateStreamingText(m_answerId, m_answer); !st)
            setError(st.errorString());
        m_dirty = false;
    }
}

void ChatController::onFinished(const QString& requestId, const ::GenerationStats& stats)
{
    if (requestId != m_requestId)
        return;
    // The text and statistics are stored the same way for every ending; a stopped answer is then
    // marked cancelled so the UI can say so (its partial text is kept). The thinking goes first:
    // finishing reloads the row from the store.
    placeInlineThinking(m_inlineThinking.finish());
    flushReasoning();
    StoreStatus st = m_store->finishMessage(m_answerId, m_answer, toStored(stats, m_model, m_backendName));
    if (st && stats.finishReason == QLatin1String("cancelled"))
        st = m_store->setStatus(m_answerId, MessageStatus::Cancelled);
    if (!st)
        setError(st.errorString());
    m_lastTokensPerSecond = stats.tokensPerSecond;
    Q_EMIT lastStatsChanged();
    endRequest();
}

void ChatController::onFailed(const QString& requestId, const BackendError& error)
{
    if (requestId != m_requestId)
        return;
    placeInlineThinking(m_inlineThinking.finish());
    flush();   // the partial answer stays
    QString text = error.message;
    if (!error.detail.isEmpty())
        text += QStringLiteral("\n") + error.detail;
    if (auto st = m_store->setStatus(m_answerId, MessageStatus::Error, text); !st)
        qCWarning(lcChat) << "could not mark the answer as failed:" << st.errorString();
    setError(error.message);
    endRequest();
}

void ChatController::endRequest()
{
    m_flushTimer.stop();
    m_planning = false;
    m_requestId.clear();
    m_answerId = 0;
    m_answer.clear();
    m_dirty = false;
    m_reasoning.clear();
    m_reasoningDirty = false;
    m_backend.clear();
    Q_EMIT generatingChanged();
}

void ChatController::stop()
{
    if (m_planning) {
        // Nothing was asked of the backend yet: the empty answer is marked cancelled at once.
        if (auto st = m_store->setStatus(m_answerId, MessageStatus::Cancelled); !st)
            setError(st.errorString());
        endRequest();
        return;
    }
    if (generating() && m_backend)
        m_backend->cancel(m_requestId);
}

void ChatController::shutdown()
{
    if (!generating())
        return;
    if (m_backend && !m_requestId.isEmpty())
        m_backend->cancel(m_requestId);
    placeInlineThinking(m_inlineThinking.finish());
    flush();
    if (auto st = m_store->setStatus(m_answerId, MessageStatus::Cancelled); !st)
        qCWarning(lcChat) << "could not mark the answer as cancelled:" << st.errorString();
    endRequest();
}
