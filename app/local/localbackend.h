#pragma once
// ChatBackend over the in-process engine. The engine runs in an EngineWorker on a dedicated
// QThread; this object (GUI thread) only posts queued calls and relays signals, so the GUI
// never waits on the engine. cancel() sets a flag the engine reads between tokens.
#include "chatbackend.h"
#include "localtypes.h"

#include <QHash>
#include <QThread>

class EngineWorker;

class LocalBackend : public ChatBackend {
    Q_OBJECT
public:
    enum class ModelState { None, Loading, Ready, Failed };
    Q_ENUM(ModelState)

    explicit LocalBackend(QObject* parent = nullptr);
    ~LocalBackend() override;   // cancels what runs and joins the engine thread

    void loadModel(const LocalModelOptions& options);
    void unloadModel();
    ModelState modelState() const { return m_state; }
    const LocalModelInfo& modelInfo() const { return m_info; }
    QString lastError() const { return m_lastError; }

    QString startChat(const QList<ChatMessage>& history, const GenerationSettings& settings) override;
    void cancel(const QString& requestId) override;
    bool isReady() const override { return m_state == ModelState::Ready; }
    QString displayName() const override;

    // Asks how many tokens `history` takes (answered by tokensCounted with the same id). Only
    // the latest request is answered: one still waiting when a newer one comes is dropped.
    QString countTokens(const QList<ChatMessage>& history);

Q_SIGNALS:
    void modelStateChanged(LocalBackend::ModelState state);
    void modelLoaded(const LocalModelInfo& info);
    void modelLoadFailed(const QString& path, const QString& message);
    void tokensCounted(const QString& requestId, int tokens, int contextSize);

private:
    void setState(ModelState state);

    QThread m_thread;
    EngineWorker* m_worker;   // lives on m_thread, deleted when it finishes
    QHash<QString, CancelFlag> m_running;
    CancelFlag m_countSuperseded;   // set when a newer count is asked for
    ModelState m_state = ModelState::None;
    LocalModelInfo m_info;
    QString m_lastError;
};
