#include "sessionengine.h"

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
        if (m_current_cancel)
            m_current_cancel->store(true);
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
            // Slots beyond the first only if memory allows: the ones that fit are kept.
            for (int i = 0; i < std::max(1, m_options.slots); ++i) {
                auto backend = create_backend(*m_model, m_options.backend, i == 0 ? &note : nullptr);
                if (!backend && i == 0) {
                    error = backend.error().message;
                    break;
                }
                if (!backend) {
                    note += (note.empty() ? "" : "; ") + std::string("only ") + std::to_string(i) + " of " +
                            std::to_string(m_options.slots) + " KV slots fit: " + backend.error().message;
                    break;
                }
                m_slots.push_back({std::make_unique<Session>(*m_tok, std::move(backend).value()), 0});
            }
        }
    }
    {
        std::lock_guard lock(m_mutex);
        m_state = error.empty() ? EngineState::Ready : EngineState::Failed;
        m_failure = error;
        m_note = note;
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
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
            if (m_stopping)
                return;
            job = std::move(m_queue.front());
            m_queue.pop_front();
            m_running = 1;
            m_current_cancel = job.cancel;
        }
        if (!loaded) {
            GenerationResult r;
            r.finish_reason = "error";
            r.error = failure();
            job.sink->finished(r);
        } else {
            execute(job);
        }
        std::lock_guard lock(m_mutex);
        m_running = 0;
        m_current_cancel.reset();
    }
}

SessionEngine::Slot& SessionEngine::pick_slot(const std::vector<int32_t>& prompt)
{
    // A slot is this conversation's when most of what it holds is reused (a follow-up turn, a
    // regenerated answer); sharing only the template's first tokens does not count, or a new
    // conversation would evict another one's K/V while an empty slot waits.
    Slot* mine = nullptr;
    size_t mine_common = 0;
    Slot* lru = &m_slots.front();
    for (Slot& s : m_slots) {
        const auto& cached = s.session->cached_tokens();
        size_t common = 0;
        while (common < cached.size() && common < prompt.size() && cached[common] == prompt[common])
            ++common;
        if (!cached.empty() && common * 2 >= std::min(cached.size(), prompt.size()) && common > mine_common) {
            mine = &s;
            mine_common = common;
        }
        if (s.last_used < lru->last_used)
            lru = &s;   // never used (0) first, then the oldest
    }
    Slot& chosen = mine ? *mine : *lru;
    chosen.last_used = ++m_clock;
    return chosen;
}

void SessionEngine::execute(Job& job)
{
    GenerationResult r;
    if (job.cancel && job.cancel->load()) {
        r.finish_reason = "cancelled";
        job.sink->finished(r);
        return;
    }
    GenerateOptions options = job.request.options;
    Result<std::vector<int32_t>> prompt = job.request.chat ? m_template->apply(*m_tok, job.request.messages)
                                                           : m_tok->encode(job.request.prompt, m_tok->add_bos());
    if (job.request.chat && prompt)
        options.stop_ids = m_template->end_of_turn_ids(*m_tok);
    if (!prompt || int64_t(prompt->size()) >= m_slots.front().session->backend().n_ctx()) {
        r.finish_reason = "error";
        r.invalid_request = true;
        r.error = !prompt ? prompt.error().message
                          : "the prompt has " + std::to_string(prompt->size()) + " tokens but the context holds " +
                                std::to_string(m_slots.front().session->backend().n_ctx()) +
                                " (start the server with a larger --ctx)";
        if (prompt)
            r.prompt_tokens = int(prompt->size());
        job.sink->finished(r);
        return;
    }
    Slot& slot = pick_slot(*prompt);
    if (options.max_tokens == 0 || int64_t(prompt->size()) + options.max_tokens > slot.session->backend().n_ctx())
        options.max_tokens = std::max<int>(0, int(slot.session->backend().n_ctx() - int64_t(prompt->size())));
    auto stats = slot.session->generate(
        *prompt, options,
        [&](std::string_view text) {
            job.sink->piece(text);
            return true;
        },
        job.cancel.get());
    r.prompt_tokens = int(prompt->size());
    if (!stats) {
        r.finish_reason = "error";
        r.error = stats.error().message;
        slot.session->clear();   // the cache may hold a half-evaluated suffix
    } else {
        r.reused_tokens = stats->reused_tokens;
        r.completion_tokens = stats->completion_tokens;
        r.finish_reason = stats->finish_reason == "context" ? "length" : stats->finish_reason;
    }
    job.sink->finished(r);
}

}   // namespace causerie::server
