#include "sessionengine.h"

#include "engine/batch.h"

#include <algorithm>

namespace causerie::server {

std::string model_id_from_path(const std::string& path)
{
    std::string name = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    const std::string ext = ".gguf";
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
        name.resize(name.size() - ext.size());
    return name;
}

SessionEngine::SessionEngine(SessionEngineOptions options)
    : m_options(std::move(options))
    , m_model_id(model_id_from_path(m_options.model_path))
    , m_thread([this] { run(); })
{
}

SessionEngine::~SessionEngine()
{
    std::deque<Job> dropped;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        dropped.swap(m_queue);
    }
    m_wake.notify_all();
    m_thread.join();
    for (Job& job : dropped) {
        GenerationResult r;
        r.finish_reason = "cancelled";
        job.sink->finished(r);
    }
}

EngineState SessionEngine::state() const
{
    std::lock_guard lock(m_mutex);
    return m_state;
}

std::string SessionEngine::failure() const
{
    std::lock_guard lock(m_mutex);
    return m_failure;
}

std::string SessionEngine::backend_note() const
{
    std::lock_guard lock(m_mutex);
    return m_note;
}

EngineState SessionEngine::wait_loaded()
{
    std::unique_lock lock(m_mutex);
    m_wake.wait(lock, [&] { return m_state != EngineState::Loading || m_stopping; });
    return m_state;
}

bool SessionEngine::submit(GenerationRequest request, std::shared_ptr<GenerationSink> sink,
                           std::shared_ptr<std::atomic<bool>> cancel)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping || int(m_queue.size()) + m_running >= m_options.max_queue)
            return false;
        m_queue.push_back({std::move(request), std::move(sink), std::move(cancel)});
    }
    m_wake.notify_all();
    return true;
}

bool SessionEngine::load()
{
    std::string error;
    std::string note;
    auto model = load_model(m_options.model_path);
    if (!model) {
        error = model.error().message;
    } else {
        m_model = std::make_unique<Model>(std::move(model).value());
        auto tok = Tokenizer::from_vocab(m_model->vocab);
        if (!tok) {
            error = tok.error().message;
        } else {
            m_tok = std::make_unique<Tokenizer>(std::move(tok).value());
            m_template = ChatTemplate::detect(m_model->vocab, *m_tok);
            // Slots beyond the first only if memory allows: the ones that fit are kept. They
            // are sequences of the first slot's backend (its weights and threads), or their own
            // backends on a device that cannot share (make_sequence refuses).
            for (int i = 0; i < std::max(1, m_options.slots); ++i) {
                Result<std::unique_ptr<ComputeBackend>> backend =
                    i == 0 ? create_backend(*m_model, m_options.backend, &note)
                           : m_slots.front().session->backend().make_sequence();
                if (!backend && i > 0)
                    backend = create_backend(*m_model, m_options.backend);
                if (!backend && i == 0) {
                    error = backend.error().message;
                    break;
                }
                if (!backend) {
                    note += (note.empty() ? "" : "; ") + std::string("only ") + std::to_string(i) + " of " +
                            std::to_string(m_options.slots) + " KV slots fit: " + backend.error().message;
                    break;
                }
                m_slots.push_back({std::make_unique<Session>(*m_tok, std::move(backend).value()), 0, false});
            }
            // A GPU lost mid-answer (a sticky error) moves every slot to the CPU, as sequences of
            // one CPU backend (engine/batch.h): the answers go on there (note_fallback says so).
            if (!m_slots.empty()) {
                BackendOptions cpu = m_options.backend;
                cpu.device = "cpu";
                cpu.n_ctx = m_slots.front().session->backend().n_ctx();
                const SharedFallback fallback([model = m_model.get(), cpu] { return create_cpu_backend(*model, cpu); });
                for (Slot& slot : m_slots)
                    slot.session->set_fallback(fallback.maker());
            }
        }
    }
    {
        std::lock_guard lock(m_mutex);
        m_state = error.empty() ? EngineState::Ready : EngineState::Failed;
        m_failure = error;
        m_note = note;
        m_free_slots = int(m_slots.size());
    }
    if (m_options.on_loaded)
        m_options.on_loaded(error.empty() ? EngineState::Ready : EngineState::Failed, error.empty() ? note : error);
    return error.empty();
}

void SessionEngine::run()
{
    const bool loaded = load();
    m_wake.notify_all();
    for (;;) {
        std::vector<Job> jobs;
        {
            std::unique_lock lock(m_mutex);
            // Without a model every job is answered with the failure; with one, jobs start while
            // a slot is free, the others wait for a running request to end.
            m_wake.wait(lock, [&] {
                return m_stopping || !m_active.empty() || (!m_queue.empty() && (!loaded || m_free_slots > 0));
            });
            if (m_stopping)
                break;
            while (!m_queue.empty() && (!loaded || m_free_slots > 0)) {
                jobs.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
                if (loaded) {
                    --m_free_slots;
                    ++m_running;
                }
            }
        }
        for (Job& job : jobs) {
            if (!loaded) {
                GenerationResult r;
                r.finish_reason = "error";
                r.error = failure();
                job.sink->finished(r);
            } else if (auto running = start(job)) {
                m_active.push_back(std::move(running));
            } else {
                std::lock_guard lock(m_mutex);
                ++m_free_slots;
                --m_running;
            }
        }
        note_fallback();   // a prefill may have moved its slot to the CPU
        if (m_active.empty())
            continue;
        // One token of every running request, together.
        std::vector<Generation*> generations;
        for (const auto& r : m_active)
            generations.push_back(r->generation.get());
        if (auto st = decode_step(generations); !st) {
            for (const auto& r : m_active) {
                r->result.finish_reason = "error";
                r->result.error = st.error().message;
            }
        }
        note_fallback();
        const auto ended = std::stable_partition(m_active.begin(), m_active.end(), [](const auto& r) {
            return r->result.finish_reason.empty() && !r->generation->done();
        });
        for (auto it = ended; it != m_active.end(); ++it)
            finish(**it);
        const int n_ended = int(m_active.end() - ended);
        m_active.erase(ended, m_active.end());
        if (n_ended > 0) {
            std::lock_guard lock(m_mutex);
            m_free_slots += n_ended;
            m_running -= n_ended;
        }
    }
    // Stopping: what runs ends as cancelled.
    for (const auto& r : m_active) {
        GenerationResult result = r->result;
        result.finish_reason = "cancelled";
        r->job.sink->finished(result);
    }
    m_active.clear();
}

SessionEngine::Slot& SessionEngine::pick_slot(const std::vector<int32_t>& prompt)
{
    // A slot is this conversation's when most of what it holds is reused (a follow-up turn, a
    // regenerated answer); sharing only the template's first tokens does not count, or a new
    // conversation would evict another one's K/V while an empty slot waits.
    Slot* mine = nullptr;
    size_t mine_common = 0;
    Slot* lru = nullptr;
    for (Slot& s : m_slots) {
        if (s.busy)
            continue;
        const auto& cached = s.session->cached_tokens();
        size_t common = 0;
        while (common < cached.size() && common < prompt.size() && cached[common] == prompt[common])
            ++common;
        if (!cached.empty() && common * 2 >= std::min(cached.size(), prompt.size()) && common > mine_common) {
            mine = &s;
            mine_common = common;
        }
        if (!lru || s.last_used < lru->last_used)
            lru = &s;   // never used (0) first, then the oldest
    }
    // run() starts a job only when a slot is free, so there is one.
    Slot& chosen = mine ? *mine : *lru;
    chosen.last_used = ++m_clock;
    return chosen;
}

std::unique_ptr<SessionEngine::Running> SessionEngine::start(Job& job)
{
    GenerationResult r;
    if (job.cancel && job.cancel->load()) {
        r.finish_reason = "cancelled";
        job.sink->finished(r);
        return nullptr;
    }
    GenerateOptions options = job.request.options;
    Result<std::vector<int32_t>> prompt = job.request.chat ? m_template->apply(*m_tok, job.request.messages)
                                                           : m_tok->encode(job.request.prompt, m_tok->add_bos());
    if (job.request.chat && prompt)
        options.stop_ids = m_template->end_of_turn_ids(*m_tok);
    const int64_t n_ctx = m_slots.front().session->backend().n_ctx();
    if (!prompt || int64_t(prompt->size()) >= n_ctx) {
        r.finish_reason = "error";
        r.invalid_request = true;
        r.error = !prompt ? prompt.error().message
                          : "the prompt has " + std::to_string(prompt->size()) + " tokens but the context holds " +
                                std::to_string(n_ctx) + " (start the server with a larger --ctx)";
        if (prompt)
            r.prompt_tokens = int(prompt->size());
        job.sink->finished(r);
        return nullptr;
    }
    Slot& slot = pick_slot(*prompt);
    if (options.max_tokens == 0 || int64_t(prompt->size()) + options.max_tokens > n_ctx)
        options.max_tokens = std::max<int>(0, int(n_ctx - int64_t(prompt->size())));
    auto running = std::make_unique<Running>();
    running->job = std::move(job);
    running->slot = &slot;
    running->result.prompt_tokens = int(prompt->size());
    GenerationSink* sink = running->job.sink.get();
    running->generation = std::make_unique<Generation>(
        *slot.session, std::move(options),
        [sink](std::string_view text) {
            sink->piece(text);
            return true;
        },
        running->job.cancel.get());
    if (auto st = running->generation->start(*prompt); !st) {
        r.prompt_tokens = int(prompt->size());
        r.finish_reason = "error";
        r.error = st.error().message;
        slot.session->clear();   // the cache may hold a half-evaluated suffix
        running->job.sink->finished(r);
        return nullptr;
    }
    slot.busy = true;
    return running;
}

void SessionEngine::note_fallback()
{
    if (m_fallback_noted)
        return;
    for (const Slot& slot : m_slots) {
        const std::string& why = slot.session->fallback_reason();
        if (why.empty())
            continue;
        m_fallback_noted = true;
        const std::string note = "the GPU stopped working (" + why + "): running on the CPU";
        {
            std::lock_guard lock(m_mutex);
            m_note = note;
        }
        if (m_options.on_note)
            m_options.on_note(note);
        return;
    }
}

void SessionEngine::finish(Running& running)
{
    GenerationResult& r = running.result;
    const GenerateStats stats = running.generation->finish();
    if (r.finish_reason == "error") {
        running.slot->session->clear();   // a failed step may have left rows half written
    } else {
        r.reused_tokens = stats.reused_tokens;
        r.completion_tokens = stats.completion_tokens;
        r.finish_reason = stats.finish_reason == "context" ? "length" : stats.finish_reason;
    }
    running.slot->busy = false;
    running.job.sink->finished(r);
}

}   // namespace causerie::server
