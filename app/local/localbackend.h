#pragma once
// ChatBackend over the in-process engine. The engine runs in an EngineWorker on a dedicated
// QThread; this object (GUI thread) only posts queued calls and relays signals, so the GUI
// never waits on the engine. cancel() sets a flag the engine reads between tokens.
// Each conversation's KV state (GenerationSettings::conversationId) is kept by the worker, in
// memory and in the cache folder, so going back to a conversation does not prefill it again.
#include "chatbackend.h"
#include "localtypes.h"

#include <QHash>
#include <QThread>

#include <functional>

class EngineWorker;

class LocalBackend : public ChatBackend {
    Q_OBJECT
public:
    enum class ModelState { None, Loading, Ready, Failed };
    Q_ENUM(ModelState)

    explicit LocalBackend(QObject* parent = nullptr);
    ~LocalBackend() override;   // cancels what runs, saves the cache, joins the engine thread

    void loadModel(const LocalModelOptions& options);
    void unloadModel();
    ModelState modelState() const { return m_state; }
    const LocalModelInfo& modelInfo() const { return m_info; }
    QString lastError() const { return m_lastError; }

    QString startChat(const QList<ChatMessage>& history, const GenerationSettings& settings) override;
    void cancel(const QString& requestId) override;
    bool isReady() const override { return m_state == ModelState::Ready; }
    bool promptOpensThinking() const override { return m_info.promptOpensThinking; }
    QString displayName() const override;

    // Asks how many tokens `history` takes (answered by tokensCounted with the same id). Only
    // the latest request is answered: one still waiting when a newer one comes is dropped.
    QString countTokens(const QList<ChatMessage>& history);

    // Where the conversations' KV states are saved ("": nowhere, the default) and how many
    // bytes they may take there (least recently used files go first).
    void setCacheFolder(const QString& folder);
    void setCacheBudget(qint64 bytes);
    // Deletes every saved state; cacheCleared() follows.
    void clearCache();
    // A deleted conversation: its saved state goes too.
    void forgetConversation(qint64 conversationId);
    qint64 cacheSize() const { return m_cacheSize; }   // bytes in the cache folder, as last reported

    // Work that is not a chat turn (the local server's requests: app/server/appserverengine.*):
    // `job` runs on the engine thread, in the one queue of the engine's work, but after every
    // chat turn asked for before it starts (the window's chat goes first). GUI thread.
    void post(std::function<void(EngineWorker&)> job);

Q_SIGNALS:
    void modelStateChanged(LocalBackend::ModelState state);
    void modelLoaded(const LocalModelInfo& info);
    void modelLoadFailed(const QString& path, const QString& message);
    void tokensCounted(const QString& requestId, int tokens, int contextSize);
    void cacheSizeChanged(qint64 bytes);
    void cacheCleared();

private:
    void setState(ModelState state);

    QThread m_thread;
    EngineWorker* m_worker;   // lives on m_thread, deleted when it finishes
    QHash<QString, CancelFlag> m_running;
    CancelFlag m_countSuperseded;   // set when a newer count is asked for
    // Chat turns posted to the engine thread that have not started yet (post() waits for them).
    std::shared_ptr<std::atomic<int>> m_chatsWaiting = std::make_shared<std::atomic<int>>(0);
    ModelState m_state = ModelState::None;
    LocalModelInfo m_info;
    QString m_lastError;
    qint64 m_cacheSize = 0;
};
