#include "appserverengine.h"

#include "engineworker.h"
#include "localbackend.h"
#include "modelcatalog.h"
#include "sessionengine.h"

#include "engine/session.h"
#include "engine/tokenizer.h"

#include <QFile>
#include <QFileInfo>

#include <deque>
#include <mutex>

namespace causerie::server {

// What the GUI thread, the HTTP side and the engine thread share; the jobs posted to the engine
// hold it, so it outlives the AppServerEngine when one is still queued.
struct AppServerEngine::Shared {
    struct Job {
        GenerationRequest request;
        std::shared_ptr<GenerationSink> sink;
        std::shared_ptr<std::atomic<bool>> cancel;
    };
    struct Slot {
        qint64 owner = 0;              // < 0: the engine's key for this slot's state
        std::vector<int32_t> tokens;   // what the state holds, as last left
        uint64_t lastUsed = 0;
    };

    const int maxQueue;

    mutable std::mutex mutex;
    std::deque<Job> queue;
    int running = 0;   // 0 or 1
    bool stopping = false;
    std::shared_ptr<std::atomic<bool>> currentCancel;
    bool currentInterrupted = false;   // cancelled because the window closed or replaced the model
    EngineState state = EngineState::NoModel;
    std::string failure;
    std::string modelId;
    std::vector<std::string> aliases;   // its catalog ids

    // Engine thread only.
    std::vector<Slot> slots;
    quint64 generation = 0;   // EngineWorker::modelGeneration the slots belong to
    uint64_t clock = 0;
    qint64 nextOwner = -1;

    explicit Shared(int maxQueue_)
        : maxQueue(maxQueue_)
    {
    }

    void runNext(EngineWorker& worker);
    void execute(EngineWorker& worker, Job& job);
    Slot& pickSlot(EngineWorker& worker, const std::vector<int32_t>& prompt);
};

namespace {

void finish(GenerationSink& sink, const char* reason, const std::string& error = {}, bool invalid = false)
{
    GenerationResult r;
    r.finish_reason = reason;
    r.error = error;
    r.invalid_request = invalid;
    sink.finished(r);
}

}   // namespace

AppServerEngine::AppServerEngine(LocalBackend* local, int maxQueue)
    : m_local(local)
    , m_shared(std::make_shared<Shared>(std::max(1, maxQueue)))
{
    QObject::connect(local, &LocalBackend::modelStateChanged, &m_context, [this] { onModelState(); });
    onModelState();
}

AppServerEngine::~AppServerEngine()
{
    std::deque<Shared::Job> dropped;
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->stopping = true;
        if (m_shared->currentCancel)
            m_shared->currentCancel->store(true);
        dropped.swap(m_shared->queue);
    }
    for (Shared::Job& job : dropped)
        finish(*job.sink, "cancelled");
}

void AppServerEngine::onModelState()
{
    const LocalBackend::ModelState s = m_local->modelState();
    std::lock_guard lock(m_shared->mutex);
    // The window opens another model (or closes it): the request running stops at its next
    // token, so the load does not wait for it; the client is told why.
    if ((s == LocalBackend::ModelState::Loading || s == LocalBackend::ModelState::None) && m_shared->currentCancel) {
        m_shared->currentCancel->store(true);
        m_shared->currentInterrupted = true;
    }
    switch (s) {
    case LocalBackend::ModelState::None: m_shared->state = EngineState::NoModel; break;
    case LocalBackend::ModelState::Loading: m_shared->state = EngineState::Loading; break;
    case LocalBackend::ModelState::Ready: m_shared->state = EngineState::Ready; break;
    case LocalBackend::ModelState::Failed: m_shared->state = EngineState::Failed; break;
    }
    m_shared->failure = m_local->lastError().toStdString();
    if (s == LocalBackend::ModelState::Ready) {
        m_shared->modelId = model_id_from_path(QFile::encodeName(m_local->modelInfo().path).toStdString());
        m_shared->aliases.clear();
        for (const QString& id : ModelCatalog::catalogIdsForFile(QFileInfo(m_local->modelInfo().path).fileName()))
            if (id.toStdString() != m_shared->modelId)
                m_shared->aliases.push_back(id.toStdString());
    } else if (s == LocalBackend::ModelState::None) {
        m_shared->modelId.clear();
        m_shared->aliases.clear();
    }
}

EngineState AppServerEngine::state() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->state;
}

std::string AppServerEngine::failure() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->failure;
}

std::string AppServerEngine::model_id() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->modelId;
}

std::vector<std::string> AppServerEngine::model_aliases() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->aliases;
}

int AppServerEngine::waiting() const
{
    std::lock_guard lock(m_shared->mutex);
    return int(m_shared->queue.size());
}

bool AppServerEngine::submit(GenerationRequest request, std::shared_ptr<GenerationSink> sink,
                             std::shared_ptr<std::atomic<bool>> cancel)
{
    {
        std::lock_guard lock(m_shared->mutex);
        if (m_shared->stopping || !m_local || int(m_shared->queue.size()) + m_shared->running >= m_shared->maxQueue)
            return false;
        m_shared->queue.push_back({std::move(request), std::move(sink), std::move(cancel)});
    }
    // One engine job per request: each takes the oldest waiting one.
    m_local->post([shared = m_shared](EngineWorker& worker) { shared->runNext(worker); });
    return true;
}

void AppServerEngine::Shared::runNext(EngineWorker& worker)
{
    Job job;
    {
        std::lock_guard lock(mutex);
        if (queue.empty())
            return;   // finished as cancelled when the engine went
        job = std::move(queue.front());
        queue.pop_front();
        running = 1;
        currentCancel = job.cancel;
        currentInterrupted = false;
    }
    execute(worker, job);
    std::lock_guard lock(mutex);
    running = 0;
    currentCancel.reset();
}

AppServerEngine::Shared::Slot& AppServerEngine::Shared::pickSlot(EngineWorker& worker,
                                                                 const std::vector<int32_t>& prompt)
{
    if (generation != worker.modelGeneration()) {   // another model: the old states are gone
        slots.clear();
        generation = worker.modelGeneration();
    }
    // The client's own slot holds mostly a prefix of its prompt (a follow-up turn, a regenerated
    // answer); sharing only the template's first tokens does not count (SessionEngine's rule).
    Slot* mine = nullptr;
    size_t mineCommon = 0;
    for (Slot& s : slots) {
        size_t common = 0;
        while (common < s.tokens.size() && common < prompt.size() && s.tokens[common] == prompt[common])
            ++common;
        if (!s.tokens.empty() && common * 2 >= std::min(s.tokens.size(), prompt.size()) && common > mineCommon) {
            mine = &s;
            mineCommon = common;
        }
    }
    if (!mine && int(slots.size()) < kMaxSlots) {
        slots.push_back({nextOwner--, {}, 0});
        mine = &slots.back();
    }
    if (!mine) {
        mine = &*std::min_element(slots.begin(), slots.end(),
                                  [](const Slot& a, const Slot& b) { return a.lastUsed < b.lastUsed; });
        worker.forgetSlot(mine->owner);   // its state goes; the new client starts from the session's tokens
        mine->tokens.clear();
    }
    mine->lastUsed = ++clock;
    return *mine;
}

void AppServerEngine::Shared::execute(EngineWorker& worker, Job& job)
{
    if (job.cancel && job.cancel->load())
        return finish(*job.sink, "cancelled");
    if (!worker.hasModel())
        return finish(*job.sink, "error", "No model is open in Causerie: open one in its window, then try again.");
    const Tokenizer& tok = worker.tokenizer();
    const ChatTemplate& tmpl = worker.chatTemplate();
    const int64_t nCtx = worker.contextSize();
    GenerateOptions options = job.request.options;
    Result<std::vector<int32_t>> prompt =
        job.request.chat ? tmpl.apply(tok, job.request.messages) : tok.encode(job.request.prompt, tok.add_bos());
    if (job.request.chat && prompt)
        options.stop_ids = tmpl.end_of_turn_ids(tok);
    if (!prompt)
        return finish(*job.sink, "error", prompt.error().message, true);
    if (int64_t(prompt->size()) >= nCtx) {
        GenerationResult r;
        r.finish_reason = "error";
        r.invalid_request = true;
        r.prompt_tokens = int(prompt->size());
        r.error = "the prompt has " + std::to_string(prompt->size()) + " tokens but the context holds " +
                  std::to_string(nCtx) + " (raise the context size in Causerie's Settings → Engine)";
        job.sink->finished(r);
        return;
    }
    Slot& slot = pickSlot(worker, *prompt);
    Session& session = worker.sessionFor(slot.owner);
    if (options.max_tokens == 0 || int64_t(prompt->size()) + options.max_tokens > nCtx)
        options.max_tokens = int(nCtx - int64_t(prompt->size()));
    auto stats = session.generate(
        *prompt, options,
        [&](std::string_view text) {
            job.sink->piece(text);
            return true;
        },
        job.cancel.get());
    GenerationResult r;
    r.prompt_tokens = int(prompt->size());
    if (!stats) {
        r.finish_reason = "error";
        r.error = stats.error().message;
        session.clear();   // the cache may hold a half-evaluated suffix
    } else {
        r.reused_tokens = stats->reused_tokens;
        r.completion_tokens = stats->completion_tokens;
        r.finish_reason = stats->finish_reason == "context" ? "length" : stats->finish_reason;
        std::lock_guard lock(mutex);
        if (r.finish_reason == "cancelled" && currentInterrupted) {
            r.finish_reason = "error";
            r.error = "The model was closed or replaced in Causerie's window; the answer was stopped.";
        }
    }
    slot.tokens = session.cached_tokens();
    job.sink->finished(r);
}

}   // namespace causerie::server
