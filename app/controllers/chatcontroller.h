#pragma once
// One chat turn, GUI thread only (docs/architecture.md, "One chat turn"): the user message and an empty
// assistant message (status streaming) are committed before the backend starts; deltas go to
// the in-memory MessageListModel at once and to SQLite at least every 500 ms; the end of the
// request marks the message done / error / cancelled with its statistics. Stop keeps the
// partial answer. Edit and regenerate add siblings, so earlier branches stay.
#include "chattypes.h"
#include "thinktagsplitter.h"
#include "storagetypes.h"

#include <QtQml/qqmlregistration.h>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

class ChatBackend;

// What a request needs besides the history: sampling settings and the system prompt.
struct TurnSettings {
    GenerationSettings generation;
    QString systemPrompt;   // empty: none
};

namespace causerie::storage {
class ConversationStore;
class MessageListModel;
}   // namespace causerie::storage

// What documents add to a turn (docs/documents.md): text for the system message (whole
// attachments) and before the question (retrieved passages), images per message (remote
// backends only), and the sources the answer cites, stored with it.
struct DocumentTurn {
    QString systemText;
    QString questionText;
    QHash<qint64, QList<ChatImage>> images;   // by message id
    QList<causerie::storage::MessageSource> sources;
};

// Implemented by DocumentsController. Everything that reads or writes a document's text runs off
// the GUI thread, one step after the other in the order asked.
class TurnDocuments {
public:
    virtual ~TurnDocuments() = default;
    // The composer's ready chips leave it at once and become the message's attachments, after the
    // files of `copyFrom` (an edited message keeps the files of the one it replaces; 0: none).
    virtual void attachPending(qint64 userMessageId, qint64 copyFrom = 0) = 0;
    // What the documents add to the turn answering `question` (`path`: the message ids from the
    // root to it), the sources stored under `answerId`. `done` runs later on the GUI thread, never
    // inside this call, after the attachments asked for before are stored.
    virtual void planTurn(const causerie::storage::Conversation& conversation, const QList<qint64>& path,
                          qint64 answerId, const QString& question, std::function<void(const DocumentTurn&)> done) = 0;
};

class ChatController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("App.chat")
    Q_PROPERTY(qint64 conversationId READ conversationId NOTIFY conversationIdChanged)
    Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
    Q_PROPERTY(QString lastError READ lastError NOTIFY lastErrorChanged)
    Q_PROPERTY(double lastTokensPerSecond READ lastTokensPerSecond NOTIFY lastStatsChanged)
public:
    // Which backend serves a conversation (its `backend` and `model` fields); nullptr = none
    // configured. Settings for a request: app defaults merged with the conversation's own.
    using BackendResolver = std::function<ChatBackend*(const causerie::storage::Conversation&)>;
    using SettingsResolver = std::function<TurnSettings(const causerie::storage::Conversation&)>;

    // The store flushes a streaming message at least this often.
    static constexpr int kFlushIntervalMs = 500;

    ChatController(causerie::storage::ConversationStore* store, causerie::storage::MessageListModel* messages,
                   BackendResolver backends, SettingsResolver settings, QObject* parent = nullptr);
    ~ChatController() override;

    qint64 conversationId() const { return m_conversationId; }
    // From the answer's creation: while the documents are planned, then while the backend answers.
    bool generating() const { return m_planning || !m_requestId.isEmpty(); }
    QString lastError() const { return m_lastError; }
    double lastTokensPerSecond() const { return m_lastTokensPerSecond; }

    // 0 = no conversation open (the next send() creates one).
    Q_INVOKABLE void openConversation(qint64 id);
    Q_INVOKABLE void newConversation() { openConversation(0); }
    // Returns false (and sets lastError) when nothing was sent.
    Q_INVOKABLE bool send(const QString& text);
    Q_INVOKABLE void stop();
    // A new answer to the same question, beside the old one.
    Q_INVOKABLE bool regenerate(qint64 assistantMessageId);
    // A new version of a user message (a new branch), then its answer.
    Q_INVOKABLE bool editMessage(qint64 userMessageId, const QString& text);
    // Moves to the previous (-1) or next (+1) sibling of a message.
    Q_INVOKABLE void showSibling(qint64 messageId, int direction);
    // On quit: cancel and store the partial answer now (nothing is lost).
    void shutdown();
    void setDocuments(TurnDocuments* documents) { m_documents = documents; }

Q_SIGNALS:
    void conversationIdChanged();
    void generatingChanged();
    void lastErrorChanged();
    void lastStatsChanged();

private:
    // Appends the user's `text` under `parentId` with the composer's files (and those of
    // `filesFrom`, the message it edits), then answers it.
    bool askUnder(qint64 conversationId, qint64 parentId, const QString& text, qint64 filesFrom = 0);
    bool startAnswer(qint64 conversationId, qint64 parentId);
    void addDocuments(QList<ChatMessage>& history, const DocumentTurn& turn,
                      const QList<causerie::storage::Message>& path, qint64 answerId);
    // Hands the finished history to the backend chosen in startAnswer.
    void launch(const QList<ChatMessage>& history, const GenerationSettings& generation);
    void onDelta(const QString& requestId, const QString& text);
    void onReasoningDelta(const QString& requestId, const QString& text);
    void onFinished(const QString& requestId, const GenerationStats& stats);
    void onFailed(const QString& requestId, const BackendError& error);
    void flush();
    void flushReasoning();
    void appendAnswer(const QString& text);
    void appendReasoning(const QString& text);
    // Adds `text` to `streamed` (the answer or its reasoning), shows it at once and has it
    // flushed to the store within kFlushIntervalMs.
    void appendStreamed(QString& streamed, bool& dirty, const QString& text,
                        bool (causerie::storage::MessageListModel::*show)(qint64, const QString&));
    void placeInlineThinking(const ThinkTagSplitter::Out& out);
    void endRequest();
    void setError(const QString& message);
    QString backendKey(const causerie::storage::Conversation& c) const;

    causerie::storage::ConversationStore* m_store;
    causerie::storage::MessageListModel* m_messages;
    BackendResolver m_backends;
    SettingsResolver m_settings;
    TurnDocuments* m_documents = nullptr;

    qint64 m_conversationId = 0;
    QPointer<ChatBackend> m_backend;   // serving the request in flight
    QString m_requestId;
    bool m_planning = false;             // the answer waits for its documents (TurnDocuments::planTurn)
    quint64 m_planSerial = 0;            // a plan's result is taken only if it is the latest one
    qint64 m_answerId = 0;               // the assistant message being written
    QString m_answer;                    // its text so far
    bool m_dirty = false;                // text not yet flushed to the store
    QString m_reasoning;                 // its thinking so far (reasoning models)
    ThinkTagSplitter m_inlineThinking;   // "<think>…</think>" written in the answer text itself
    bool m_reasoningDirty = false;       // thinking not yet flushed to the store
    QTimer m_flushTimer;
    QString m_model;
    QString m_backendName;
    QString m_lastError;
    double m_lastTokensPerSecond = -1;
};
