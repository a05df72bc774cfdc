#pragma once
// The engine's side of the thread boundary. Lives on LocalBackend's QThread; every slot is
// invoked through a queued connection and every result goes back as a signal. Nothing here is
// touched from the GUI thread except the cancel flags.
#include "chattypes.h"
#include "localtypes.h"

#include <QElapsedTimer>
#include <QObject>

#include <memory>

namespace causerie {
struct Model;
class Tokenizer;
class Session;
class ChatTemplate;
}   // namespace causerie

class EngineWorker : public QObject {
    Q_OBJECT
public:
    explicit EngineWorker(QObject* parent = nullptr);
    ~EngineWorker() override;

    // Deltas are coalesced to at most one signal per this many ms (60 Hz).
    static constexpr int kDeltaIntervalMs = 16;

public Q_SLOTS:
    void loadModel(const LocalModelOptions& options);
    void unloadModel();
    void generate(const QString& requestId, const QList<ChatMessage>& history, const GenerationSettings& settings,
                  const CancelFlag& cancel);
    // Tokens the conversation takes with the model's chat template (for "context used").
    // Skipped, with no answer, when `superseded` is set by then (a newer count was asked for).
    void countTokens(const QString& requestId, const QList<ChatMessage>& history, const CancelFlag& superseded = {});

public:
    // Message texts tokenized since the model was loaded (each text once; tests). Engine thread.
    qint64 textsTokenized() const;

Q_SIGNALS:
    void modelLoaded(const LocalModelInfo& info);
    void modelLoadFailed(const QString& path, const QString& message);
    void modelUnloaded();
    void delta(const QString& requestId, const QString& text);
    void finished(const QString& requestId, const GenerationStats& stats);
    void failed(const QString& requestId, const BackendError& error);
    void tokensCounted(const QString& requestId, int tokens, int contextSize);

private:
    struct Loaded;
    std::unique_ptr<Loaded> m_loaded;
};
