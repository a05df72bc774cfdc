#include "engineworker.h"

#include "enginelog.h"

#include "engine/chat_template.h"
#include "engine/context_fit.h"
#include "engine/display_text.h"
#include "engine/kv_state.h"
#include "engine/kv_type.h"
#include "engine/memory.h"
#include "engine/model.h"
#include "engine/session.h"
#include "engine/tokenizer.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QSet>
#include <QThread>

#include <algorithm>

Q_LOGGING_CATEGORY(lcEngine, "causerie.engine", QtInfoMsg)

using namespace causerie;

struct EngineWorker::Loaded {
    std::unique_ptr<Model> model;
    std::unique_ptr<Tokenizer> tok;
    std::unique_ptr<ChatTemplate> tmpl;
    std::unique_ptr<Session> session;
    LocalModelInfo info;
    // Every message text's tokens, from one request to the next: a new turn, or a count while
    // the user types, tokenizes only what is new. Swept after each request.
    PromptCache prompts;
    // The conversation whose tokens `session` holds (0: none), and whether its file holds them.
    qint64 owner = 0;
    bool ownerSaved = true;
    bool fallbackNoted = false;   // the session's move to the CPU (a broken GPU) was reported
    // Other conversations' states (this model's), by conversation id, and those of them whose
    // file does not hold them (no folder, a failed write): written at quit if still held.
    KvSnapshotCache recent{0, 0};
    QSet<qint64> unsaved;
};

// A request ready to run: the prompt's ids and the engine's options.
struct EngineWorker::Prepared {
    std::vector<int32_t> prompt;
    GenerateOptions options;
    int leftOut = 0;   // oldest messages left out to fit the context
};

namespace {

// "Automatic": every core but one. The window renders and lays out text on the GUI thread while
// an answer streams; with every core running an engine thread, the GUI thread preempts one of
// them and the others wait for it at each op's barrier (SmolLM2-135M on 2 cores, measured with
// bench_gui_stall: 40-43 tokens/s with 2 engine threads, 83-95 with 1).
int automaticThreadCount() { return std::max(1, QThread::idealThreadCount() - 1); }

// The conversations switched away from, kept in memory: a quarter of the free RAM, at most
// 2 GiB, at most 8 of them (SmolLM2-135M: 23 KB a token, a 3,000-token conversation 69 MB).
constexpr size_t kRecentMaxCount = 8;
size_t recentByteBudget() { return std::min(size_t(2) << 30, system_available_ram().value_or(0) / 4); }

std::string recentKey(qint64 conversationId) { return std::to_string(conversationId); }

std::vector<ChatTurn> toTurns(const QList<ChatMessage>& history)
{
    std::vector<ChatTurn> turns;
    turns.reserve(size_t(history.size()));
    for (const ChatMessage& m : history)
        turns.push_back({m.role.toStdString(), m.content.toStdString()});
    return turns;
}

BackendError engineError(BackendError::Kind kind, const QString& message, const QString& detail = {})
{
    BackendError e;
    e.kind = kind;
    e.message = message;
    e.detail = detail;
    return e;
}

QString finishReasonFor(const std::string& engine)
{
    if (engine == "context")
        return QStringLiteral("model_length");
    return QString::fromStdString(engine);
}

}   // namespace

EngineWorker::EngineWorker(QObject* parent)
    : QObject(parent)
{
    // The writer's thread has written a file: its size is reported from this thread.
    m_files.setOnWritten([this] {
        QMetaObject::invokeMethod(
            this, [this] { reportCacheSize(); }, Qt::QueuedConnection);
    });
}

EngineWorker::~EngineWorker() = default;

void EngineWorker::loadModel(const LocalModelOptions& options)
{
    saveCache();        // the states made with the old model, before they go
    m_loaded.reset();   // the old model's memory goes before the new one is mapped
    // Written before the file is touched, removed on every way out of this function: a model
    // that crashes the process while loading is not opened again by itself at the next start.
    if (!options.openingMarker.isEmpty()) {
        QFile marker(options.openingMarker);
        if (!marker.open(QIODevice::WriteOnly | QIODevice::Truncate) || marker.write(options.path.toUtf8()) < 0)
            qCWarning(lcEngine) << "could not write" << options.openingMarker << marker.errorString();
    }
    const auto removeMarker = qScopeGuard([&options] {
        if (!options.openingMarker.isEmpty())
            QFile::remove(options.openingMarker);
    });
    auto fail = [&](const std::string& message) {
        qCWarning(lcEngine) << "loading" << options.path << "failed:" << message.c_str();
        Q_EMIT modelLoadFailed(options.path, QString::fromStdString(message));
    };
    auto model = load_model(QFile::encodeName(options.path).toStdString());
    if (!model)
        return fail(model.error().message);
    auto loaded = std::make_unique<Loaded>();
    loaded->model = std::make_unique<Model>(std::move(model).value());
    auto tok = Tokenizer::from_vocab(loaded->model->vocab);
    if (!tok)
        return fail(tok.error().message);
    loaded->tok = std::make_unique<Tokenizer>(std::move(tok).value());
    loaded->tmpl = std::make_unique<ChatTemplate>(
        ChatTemplate::detect(loaded->model->vocab, *loaded->tok, loaded->model->hp.architecture));

    BackendOptions bo;
    bo.n_ctx = options.contextSize;
    bo.n_threads = options.threads > 0 ? options.threads : automaticThreadCount();
    bo.device = options.device.toStdString();
    bo.n_gpu_layers = options.gpuLayers;
    // Q8_0 holds whole blocks of 32 per head: a model with other head sizes keeps F16 (the
    // setting says so).
    const KvType kv = parse_kv_type(options.kvType.toStdString()).value_or(KvType::F16);
    bo.kv_type = kv_type_fits(kv, loaded->model->hp.head_dim, loaded->model->hp.value_dim) ? kv : KvType::F16;
    if (bo.kv_type != kv)
        qCInfo(lcEngine) << "KV cache in F16: the model's heads are not multiples of 32";
    std::string why;
    auto backend = create_backend(*loaded->model, bo, &why);
    if (!backend)
        return fail(backend.error().message);
    loaded->session = std::make_unique<Session>(*loaded->tok, std::move(backend).value());
    // A GPU that breaks mid-session (a sticky CUDA error) hands the session to the CPU, with the
    // same context and threads; the answer goes on there (noteFallback tells the window).
    BackendOptions cpu = bo;
    cpu.device = "cpu";
    cpu.n_ctx = loaded->session->backend().n_ctx();
    loaded->session->set_fallback([model = loaded->model.get(), cpu] { return create_cpu_backend(*model, cpu); });
    loaded->recent.set_limits(recentByteBudget(), kRecentMaxCount);

    const HParams& hp = loaded->model->hp;
    LocalModelInfo& info = loaded->info;
    info.path = options.path;
    // general.name arrives sanitized from the loader; a file name can be just as hostile.
    info.name = QString::fromStdString(
        hp.name.empty()
            ? sanitize_display_text(QFileInfo(options.path).completeBaseName().toStdString(), kMaxDisplayNameChars)
            : hp.name);
    info.architecture = QString::fromStdString(hp.architecture);
    if (hp.n_expert > 0)   // "qwen3moe, 128 experts, 8 per token"
        info.architecture = tr("%1, %2 experts, %3 per token")
                                .arg(info.architecture)
                                .arg(qlonglong(hp.n_expert))
                                .arg(qlonglong(hp.n_expert_used));
    info.quantization = QString::fromStdString(model_quantization(*loaded->model));
    info.chatTemplate = QString::fromLatin1(chat_template_name(loaded->tmpl->kind()));
    info.chatTemplateAssumed = loaded->tmpl->assumed();
    info.thinkingSwitch = loaded->tmpl->has_thinking_switch();
    info.promptOpensThinking = loaded->tmpl->prompt_opens_thinking();
    info.device = QString::fromStdString(loaded->session->backend().device_name());
    info.deviceNote = QString::fromStdString(why);
    info.kvType = QString::fromLatin1(kv_type_name(loaded->session->backend().kv_type()));
    info.deviceAsked = options.device;
    for (const auto& t : loaded->model->file.tensors())
        info.parameters += t.n_elements();
    info.fileSize = qint64(loaded->model->file.file_size());
    info.contextSize = int(loaded->session->backend().n_ctx());
    info.trainedContext = int(hp.n_ctx_train);
    info.layers = int(hp.n_layer);
    m_loaded = std::move(loaded);
    ++m_modelGeneration;
    qCInfo(lcEngine) << "loaded" << info.path << "on" << info.device;
    Q_EMIT modelLoaded(m_loaded->info);
}

void EngineWorker::unloadModel()
{
    saveCache();
    m_loaded.reset();
    Q_EMIT modelUnloaded();
}

void EngineWorker::countTokens(const QString& requestId, const QList<ChatMessage>& history,
                               const CancelFlag& superseded)
{
    if (superseded && superseded->load())
        return;   // a newer count was asked for while this one waited: only the latest is answered
    if (!m_loaded || history.isEmpty() || history.back().role != QLatin1String("user")) {
        Q_EMIT tokensCounted(requestId, 0, m_loaded ? m_loaded->info.contextSize : 0);
        return;
    }
    const auto turns = toTurns(history);
    auto ids = m_loaded->tmpl->apply(*m_loaded->tok, turns, &m_loaded->prompts, nullptr);
    m_loaded->prompts.sweep();
    Q_EMIT tokensCounted(requestId, ids ? int(ids->size()) : 0, m_loaded->info.contextSize);
}

qint64 EngineWorker::textsTokenized() const { return m_loaded ? qint64(m_loaded->prompts.tokenizer_calls()) : 0; }

const Tokenizer& EngineWorker::tokenizer() const { return *m_loaded->tok; }
const ChatTemplate& EngineWorker::chatTemplate() const { return *m_loaded->tmpl; }
int EngineWorker::contextSize() const { return m_loaded->info.contextSize; }

Session& EngineWorker::sessionFor(qint64 owner)
{
    resolveSession(owner);
    return *m_loaded->session;
}

void EngineWorker::forgetSlot(qint64 owner)
{
    if (!m_loaded || owner >= 0)
        return;
    m_loaded->recent.erase(recentKey(owner));
    if (m_loaded->owner == owner)
        m_loaded->owner = 0;   // its tokens stay in the session, owned by no one
}

void EngineWorker::generate(const QString& requestId, const QList<ChatMessage>& history,
                            const GenerationSettings& settings, const CancelFlag& cancel)
{
    if (!m_loaded) {
        Q_EMIT failed(requestId, engineError(BackendError::Configuration,
                                             tr("No local model is open. Open a model file (.gguf) first.")));
        return;
    }
    if (cancel && cancel->load()) {
        GenerationStats stats;
        stats.finishReason = QStringLiteral("cancelled");
        stats.completionTokens = 0;
        stats.model = m_loaded->info.name;
        Q_EMIT finished(requestId, stats);
        return;
    }
    const std::optional<Prepared> request = prepare(requestId, history, settings);
    if (!request)
        return;
    resolveSession(settings.conversationId);
    const auto result = run(requestId, *request, cancel);
    noteFallback();
    report(requestId, *request, result);
    if (result)
        saveSession();   // after the answer is out: the window does not wait for the disk
}

// Puts the conversation's own state into the session, if anything has it. Whatever happens the
// answer is the same: the engine compares the prompt with the session's tokens and computes
// what differs, so a missing or refused state only costs time.
void EngineWorker::resolveSession(qint64 conversationId)
{
    Loaded& l = *m_loaded;
    if (conversationId == l.owner)
        return;
    stashSession();
    l.owner = conversationId;
    l.ownerSaved = true;   // nothing new to save until it answers
    // No conversation (a bare request), or one with nothing saved: the session keeps the tokens
    // it has, and the engine reuses the prefix they share (the template's opening, a system
    // prompt).
    if (conversationId == 0)
        return;
    if (const KvSnapshot* held = l.recent.get(recentKey(conversationId))) {
        (void)restoreInto(conversationId, "memory", *held);
        l.recent.erase(recentKey(conversationId));   // the session holds it now
        l.ownerSaved = !l.unsaved.remove(conversationId);
        return;
    }
    if (conversationId < 0)
        return;   // a server client's state is kept in memory only
    // A state still waiting for the writer is newer than the file, and already in memory.
    const std::shared_ptr<const KvSnapshot> saved = m_files.read(conversationId);
    if (saved && !restoreInto(conversationId, "its file", *saved))
        m_files.remove(conversationId, QStringLiteral("refused by the model"));
    reportCacheSize();   // an unreadable or refused file was deleted
}

std::optional<KvSnapshot> EngineWorker::ownerSnapshot(const char* purpose)
{
    Loaded& l = *m_loaded;
    auto snapshot = take_snapshot(*l.session, *l.model);
    if (!snapshot) {
        qCWarning(lcEngine) << "could not" << purpose << "the state of conversation" << l.owner << ":"
                            << snapshot.error().message.c_str();
        return std::nullopt;
    }
    return std::move(snapshot).value();
}

// The owner's state into the LRU (KvSnapshotCache), and into its file first if not there yet.
void EngineWorker::stashSession()
{
    Loaded& l = *m_loaded;
    if (l.owner == 0 || l.session->cached_tokens().empty())
        return;
    auto snapshot = ownerSnapshot("keep");
    if (!snapshot)
        return;
    // On disk first when it is not yet (the LRU forgets without a word); a copy for the writer.
    if (!l.ownerSaved && l.owner > 0) {
        if (m_files.enabled())
            m_files.enqueue(l.owner, std::make_shared<const KvSnapshot>(*snapshot));
        else
            l.unsaved.insert(l.owner);
    }
    l.recent.put(recentKey(l.owner), std::move(*snapshot));
    reportCacheSize();
}

bool EngineWorker::restoreInto(qint64 conversationId, const char* from, const KvSnapshot& snapshot)
{
    const Status restored = restore_snapshot(*m_loaded->session, *m_loaded->model, snapshot);
    if (!restored) {
        qCWarning(lcEngine) << "conversation" << conversationId << ": the state from" << from
                            << "was refused:" << restored.error().message.c_str();
        return false;
    }
    qCInfo(lcEngine) << "conversation" << conversationId << ":" << snapshot.tokens.size() << "tokens restored from"
                     << from;
    return true;
}

std::optional<EngineWorker::Prepared> EngineWorker::prepare(const QString& requestId, const QList<ChatMessage>& history,
                                                            const GenerationSettings& settings)
{
    const std::vector<ChatTurn> turns = toTurns(history);
    const int nCtx = m_loaded->info.contextSize;
    // Qwen3's switch, per conversation: unset is the template's default (thinking on), which
    // is put back at once for everything else that renders with this template (token counts,
    // the local server's requests).
    m_loaded->tmpl->set_thinking(settings.thinking.value_or(true));
    // A conversation longer than the context keeps going: its oldest exchanges are left out of
    // the prompt (the system prompt and the new question always stay), leaving room for an
    // answer (engine/context_fit.h).
    auto prepared = prepare_prompt(*m_loaded->tmpl, *m_loaded->tok, turns, nCtx, answer_room(nCtx), &m_loaded->prompts);
    m_loaded->tmpl->set_thinking(true);
    m_loaded->prompts.sweep();
    if (!prepared) {
        Q_EMIT failed(requestId, engineError(BackendError::InvalidParameters,
                                             tr("The conversation could not be prepared for the model."),
                                             QString::fromStdString(prepared.error().message)));
        return std::nullopt;
    }
    Prepared out;
    out.leftOut = prepared->fit.left_out;
    if (out.leftOut > 0)
        qCInfo(lcEngine) << "request" << requestId << "left out the" << out.leftOut
                         << "oldest messages to fit the context of" << nCtx << "tokens";
    if (!prepared->fit.fits) {
        Q_EMIT failed(requestId,
                      engineError(BackendError::Configuration,
                                  tr("This message needs %1 tokens but the model's context holds %2. Shorten it, or "
                                     "raise the context size in Settings.")
                                      .arg(prepared->fit.prompt_tokens)
                                      .arg(nCtx)));
        return std::nullopt;
    }
    out.prompt = std::move(prepared->ids);

    GenerateOptions& o = out.options;
    o.sampling.temperature = float(settings.temperature);
    o.sampling.top_p = float(settings.topP);
    o.sampling.top_k = settings.topK;
    o.sampling.min_p = float(settings.minP);
    o.sampling.repeat_penalty = float(settings.repeatPenalty);
    if (settings.seed) {
        o.sampling.seed = *settings.seed;
        o.sampling.random_seed = false;
    }
    o.max_tokens = settings.maxTokens;
    o.context_shift = settings.contextShift;
    for (const QString& s : settings.stop)
        if (!s.isEmpty())
            o.stop.push_back(s.toStdString());
    o.stop_ids = m_loaded->tmpl->end_of_turn_ids(*m_loaded->tok);
    return out;
}

Result<GenerateStats> EngineWorker::run(const QString& requestId, const Prepared& request, const CancelFlag& cancel)
{
    // Text is coalesced here, on the engine thread, so the GUI gets at most ~60 updates/s
    // however fast the model is.
    QByteArray pending;
    QElapsedTimer sinceEmit;
    sinceEmit.start();
    auto flush = [&] {
        if (!pending.isEmpty()) {
            Q_EMIT delta(requestId, QString::fromUtf8(pending));
            pending.clear();
        }
        sinceEmit.restart();
    };
    auto result = m_loaded->session->generate(
        request.prompt, request.options,
        [&](std::string_view text) {
            pending.append(text.data(), qsizetype(text.size()));
            if (sinceEmit.elapsed() >= kDeltaIntervalMs)
                flush();
            return true;
        },
        cancel.get());
    flush();
    return result;
}

// The session moved to the CPU during the answer (the GPU broke): the model's device and note
// change, and the window hears it as the model's details (LocalModelController shows the note).
void EngineWorker::noteFallback()
{
    Loaded& l = *m_loaded;
    const std::string& why = l.session->fallback_reason();
    if (why.empty() || l.fallbackNoted)
        return;
    l.fallbackNoted = true;
    l.info.device = QString::fromStdString(l.session->backend().device_name());
    l.info.deviceNote = QString::fromStdString("the GPU stopped working (" + why + "): running on the CPU");
    qCWarning(lcEngine) << "the GPU stopped working, the model runs on the CPU now:" << why.c_str();
    Q_EMIT modelLoaded(l.info);
}

void EngineWorker::report(const QString& requestId, const Prepared& request, const Result<GenerateStats>& result)
{
    if (!result) {
        Q_EMIT failed(requestId, engineError(BackendError::ServerError, tr("The model stopped with an error."),
                                             QString::fromStdString(result.error().message)));
        return;
    }
    GenerationStats stats;
    stats.promptTokens = result->prompt_tokens;
    stats.cachedTokens = result->reused_tokens;
    stats.completionTokens = result->completion_tokens;
    stats.ttftMs = result->ttft_ms;
    // A speed needs two tokens (one forward pass between them); fewer shows as unknown, not 0.
    stats.tokensPerSecond = result->completion_tokens > 1 ? result->tokens_per_second : -1;
    stats.finishReason = finishReasonFor(result->finish_reason);
    stats.leftOutMessages = request.leftOut;
    stats.model = m_loaded->info.name;
    if (result->finish_reason == "cancelled")   // also what tells that quitting did not wait for the answer
        qCInfo(lcEngine) << "request" << requestId << "cancelled after" << result->completion_tokens << "tokens";
    Q_EMIT finished(requestId, stats);
}

// The owner's state as it stands after an answer, to the writer: the copy out of the session is
// all the engine thread does (the file is written on the writer's thread).
void EngineWorker::saveSession()
{
    Loaded& l = *m_loaded;
    l.ownerSaved = false;
    if (l.owner <= 0 || !m_files.enabled() || l.session->cached_tokens().empty())
        return;
    auto snapshot = ownerSnapshot("save");
    if (!snapshot)
        return;
    m_files.enqueue(l.owner, std::make_shared<const KvSnapshot>(std::move(*snapshot)));
    l.ownerSaved = true;   // queued: a failed write is logged by the writer, not retried
}

void EngineWorker::saveCache()
{
    if (!m_loaded)
        return;
    Loaded& l = *m_loaded;
    // The session's own last: the files' times keep the order of use.
    for (const qint64 id : std::as_const(l.unsaved))
        if (const KvSnapshot* held = l.recent.get(recentKey(id)))
            m_files.enqueue(id, std::make_shared<const KvSnapshot>(*held));
    l.unsaved.clear();
    l.recent.clear();
    if (!l.ownerSaved)
        saveSession();
    reportCacheSize();
}

void EngineWorker::setCacheFolder(const QString& folder)
{
    m_files.setFolder(folder);
    m_files.evictToBudget();   // a budget lowered while the app was closed
    reportCacheSize();
}

void EngineWorker::setCacheBudget(qint64 bytes)
{
    m_files.setBudget(bytes);
    reportCacheSize();
}

void EngineWorker::clearCache()
{
    m_files.clear();
    if (m_loaded) {
        m_loaded->recent.clear();
        m_loaded->unsaved.clear();
        m_loaded->ownerSaved = true;   // written again only after its next answer
    }
    qCInfo(lcEngine) << "cache cleared";
    reportCacheSize();
    Q_EMIT cacheCleared();
}

void EngineWorker::forgetConversation(qint64 conversationId)
{
    if (m_loaded) {
        m_loaded->recent.erase(recentKey(conversationId));
        m_loaded->unsaved.remove(conversationId);
        if (m_loaded->owner == conversationId) {
            m_loaded->owner = 0;   // its tokens stay in the session, owned by no one: never saved
            m_loaded->ownerSaved = true;
        }
    }
    m_files.remove(conversationId);
    reportCacheSize();
}

void EngineWorker::reportCacheSize()
{
    const qint64 size = m_files.size();
    if (size == m_reportedCacheSize)
        return;
    m_reportedCacheSize = size;
    Q_EMIT cacheSizeChanged(size);
}
