#pragma once
// The engine's side of the thread boundary. Lives on LocalBackend's QThread; every slot is
// invoked through a queued connection and every result goes back as a signal. Nothing here is
// touched from the GUI thread except the cancel flags.
//
// One session (one KV cache) serves every conversation. The conversation whose tokens it holds
// is its owner; a request for another one first moves the owner's state into an in-memory LRU,
// then brings the requested one back from that LRU, else from its file in the cache folder,
// else starts it from what the session holds (the engine reuses any common prefix). Each
// answer's final state is copied out of the session and handed to KvCacheWriter, which writes
// the conversation's file on a thread of its own; what only memory holds is queued at quit
// (saveCache) and written before the worker goes.
// The local server's clients own states too, under negative ids (sessionFor): kept in the same
// in-memory LRU, never in files.
#include "chattypes.h"
#include "kvcachewriter.h"
#include "localtypes.h"

#include "engine/result.h"

#include <QElapsedTimer>
#include <QObject>

#include <memory>
#include <optional>

namespace causerie {
struct GenerateStats;
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

    // The folder of the conversations' saved states ("": none) and the bytes they may take.
    void setCacheFolder(const QString& folder);
    void setCacheBudget(qint64 bytes);
    // Forgets every saved state, on disk and in memory (the session's own tokens stay).
    void clearCache();
    // A deleted conversation: its state goes from memory and disk.
    void forgetConversation(qint64 conversationId);
    // Writes the states only memory holds (quit, another model).
    void saveCache();

public:
    // Message texts tokenized since the model was loaded (each text once; tests). Engine thread.
    qint64 textsTokenized() const;

    // For work that is not a chat turn (the local server's requests: app/server/appserverengine.*,
    // posted with LocalBackend::post). Engine thread only; the references are valid while the
    // model stays loaded (until the job returns).
    bool hasModel() const { return m_loaded != nullptr; }
    const causerie::Tokenizer& tokenizer() const;
    const causerie::ChatTemplate& chatTemplate() const;
    int contextSize() const;
    quint64 modelGeneration() const { return m_modelGeneration; }   // changes with each model loaded
    // The session, holding the state kept under `owner` if any is kept: a conversation id (> 0), a
    // server client's slot (< 0, memory only) or 0 (none); the previous owner's state is put aside.
    causerie::Session& sessionFor(qint64 owner);
    // A server client's slot given to another client: its state is dropped from memory.
    void forgetSlot(qint64 owner);

Q_SIGNALS:
    void modelLoaded(const LocalModelInfo& info);
    void modelLoadFailed(const QString& path, const QString& message);
    void modelUnloaded();
    void delta(const QString& requestId, const QString& text);
    void finished(const QString& requestId, const GenerationStats& stats);
    void failed(const QString& requestId, const BackendError& error);
    void tokensCounted(const QString& requestId, int tokens, int contextSize);
    // Bytes of the cache folder, after anything that may have changed them.
    void cacheSizeChanged(qint64 bytes);
    void cacheCleared();

private:
    struct Loaded;
    struct Prepared;

    // generate()'s phases, in order.
    void resolveSession(qint64 conversationId);
    std::optional<Prepared> prepare(const QString& requestId, const QList<ChatMessage>& history,
                                    const GenerationSettings& settings);
    causerie::Result<causerie::GenerateStats> run(const QString& requestId, const Prepared& request,
                                                  const CancelFlag& cancel);
    void report(const QString& requestId, const Prepared& request,
                const causerie::Result<causerie::GenerateStats>& result);

    // The session's state (the owner's conversation), or nothing after a warning saying what it
    // was taken for ("keep", "save").
    std::optional<causerie::KvSnapshot> ownerSnapshot(const char* purpose);
    void stashSession();
    bool restoreInto(qint64 conversationId, const char* from, const causerie::KvSnapshot& snapshot);
    void saveSession();
    void noteFallback();
    void reportCacheSize();

    std::unique_ptr<Loaded> m_loaded;
    quint64 m_modelGeneration = 0;
    KvCacheWriter m_files;
    qint64 m_reportedCacheSize = -1;
};
