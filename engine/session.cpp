#include "session.h"

#include <algorithm>
#include <chrono>

namespace causerie {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Length of the longest suffix of `text` that is a proper prefix of some stop string: that much
// must be held back, since the next token may complete the stop string.
size_t held_back(std::string_view text, const std::vector<std::string>& stops)
{
    size_t hold = 0;
    for (const std::string& s : stops)
        for (size_t k = std::min(s.size() - 1, text.size()); k > hold; --k)
            if (text.substr(text.size() - k) == std::string_view(s).substr(0, k)) {
                hold = k;
                break;
            }
    return hold;
}

}   // namespace

Session::Session(const Tokenizer& tok, std::unique_ptr<ComputeBackend> backend)
    : m_tok(tok)
    , m_backend(std::move(backend))
{
}

Status Session::set_cached_tokens(std::vector<int32_t> tokens)
{
    if (int64_t(tokens.size()) > m_backend->n_ctx()) {
        m_cached.clear();
        return make_error(std::to_string(tokens.size()) + " cached tokens do not fit a context of " +
                          std::to_string(m_backend->n_ctx()));
    }
    m_cached = std::move(tokens);
    return Ok{};
}

size_t Session::shift_for(const std::vector<int32_t>& prompt, size_t common, GenerateStats* stats)
{
    // The prompt must go on after `common` with a run of the cache that starts later, at
    // common + d: the tokens [common, common + d) were left out. The longest such run wins; at
    // least the last prompt token is always evaluated (for its logits).
    const size_t n = m_cached.size();
    if (common >= n || common + 1 >= prompt.size())
        return common;
    const size_t limit = prompt.size() - 1 - common;   // most prompt tokens a shift may cover
    size_t best_d = 0, best_keep = 0;
    for (size_t d = 1; common + d < n; ++d) {
        if (m_cached[common + d] != prompt[common])
            continue;
        size_t keep = 0;
        while (keep < limit && common + d + keep < n && m_cached[common + d + keep] == prompt[common + keep])
            ++keep;
        if (keep > best_keep) {
            best_keep = keep;
            best_d = d;
        }
    }
    if (best_keep < kMinShiftKeep)
        return common;
    if (auto st = m_backend->shift_kv(int64_t(common), int64_t(best_d), int64_t(best_keep)); !st) {
        // Rows before `common` are never touched by a shift: fall back to prefilling the rest.
        m_cached.resize(common);
        return common;
    }
    m_cached.erase(m_cached.begin() + std::ptrdiff_t(common), m_cached.begin() + std::ptrdiff_t(common + best_d));
    m_cached.resize(common + best_keep);
    if (stats)
        stats->shifted_tokens = int(best_d);
    return common + best_keep;
}

bool Session::fall_back(const Status& failed, const std::string& lost)
{
    if (failed || !m_fallback)
        return false;
    const std::string why = lost.empty() ? m_backend->device_lost() : lost;
    if (why.empty())
        return false;
    auto replacement = m_fallback();
    if (!replacement)
        return false;
    m_backend = std::move(replacement).value();
    m_cached.clear();   // the rows were on the lost device
    m_fallback_reason = why;
    return true;
}

Result<std::vector<float>> Session::evaluate(const std::vector<int32_t>& prompt, bool context_shift,
                                             GenerateStats* stats)
{
    auto logits = evaluate_once(prompt, context_shift, stats);
    if (!logits && fall_back(Status(logits.error())))
        return evaluate_once(prompt, context_shift, stats);
    return logits;
}

Result<std::vector<float>> Session::evaluate_once(const std::vector<int32_t>& prompt, bool context_shift,
                                                  GenerateStats* stats)
{
    if (prompt.empty())
        return make_error("the prompt is empty");
    if (int64_t(prompt.size()) > m_backend->n_ctx())
        return make_error("the prompt has " + std::to_string(prompt.size()) + " tokens but the context holds " +
                          std::to_string(m_backend->n_ctx()) + "; start a new conversation or raise the context size");
    // Reuse the longest common prefix (or, after a shift, the prefix and the kept run), but
    // always evaluate at least the last prompt token to get its logits.
    size_t common = 0;
    while (common < m_cached.size() && common < prompt.size() && m_cached[common] == prompt[common])
        ++common;
    if (context_shift)
        common = shift_for(prompt, common, stats);
    common = std::min(common, prompt.size() - 1);
    m_cached.resize(common);
    if (stats)
        stats->reused_tokens = int(common);
    std::vector<float> logits(size_t(m_backend->n_vocab()));
    const std::span<const int32_t> suffix(prompt.data() + common, prompt.size() - common);
    if (auto st = m_backend->eval(suffix, int64_t(common), logits.data()); !st) {
        return st.error();
    }
    m_cached = prompt;
    return logits;
}

Result<GenerateStats> Session::generate(const std::vector<int32_t>& prompt, const GenerateOptions& options,
                                        const std::function<bool(std::string_view)>& on_text,
                                        const std::atomic<bool>* cancel)
{
    Generation g(*this, options, on_text, cancel);
    if (auto st = g.start(prompt); !st)
        return st.error();
    while (g.advance())
        if (auto st = g.decode(); !st)
            return st.error();
    return g.finish();
}

Generation::Generation(Session& session, GenerateOptions options, std::function<bool(std::string_view)> on_text,
                       const std::atomic<bool>* cancel)
    : m_session(session)
    , m_options(std::move(options))
    , m_on_text(std::move(on_text))
    , m_cancel(cancel)
    , m_sampler(m_options.sampling)
    , m_decoder(session.m_tok)
{
}

Status Generation::start(const std::vector<int32_t>& prompt)
{
    m_t0 = Clock::now();
    m_stats.prompt_tokens = int(prompt.size());
    auto logits = m_session.evaluate(prompt, m_options.context_shift, &m_stats);
    if (!logits)
        return logits.error();
    m_logits = std::move(logits).value();
    m_stats.prefill_ms = ms_since(m_t0);
    m_session.m_generated.clear();
    m_history = prompt;
    m_t_decode = Clock::now();
    return Ok{};
}

bool Generation::stop_with(const char* reason)
{
    m_stats.finish_reason = reason;
    m_done = true;
    return false;
}

bool Generation::advance()
{
    if (m_done)
        return false;
    if (m_cancel && m_cancel->load(std::memory_order_relaxed))
        return stop_with("cancelled");
    const int32_t id = m_have_device ? m_device_next
                       : m_have_top  ? m_sampler.sample_top(m_top.ids, m_top.logits, m_window, m_top.gathered)
                                     : m_sampler.sample(m_logits, m_history);
    m_have_device = false;
    std::vector<int32_t>& generated = m_session.m_generated;
    if (generated.empty())
        m_stats.ttft_ms = ms_since(m_t0);
    if (id == m_session.m_tok.eos_id() ||
        std::find(m_options.stop_ids.begin(), m_options.stop_ids.end(), id) != m_options.stop_ids.end())
        return stop_with("stop");
    generated.push_back(id);
    m_history.push_back(id);
    m_pending += m_decoder.push(id);

    auto emit = [&](size_t n) {
        if (n == 0)
            return true;
        const bool go_on = m_on_text(std::string_view(m_pending).substr(0, n));
        m_pending.erase(0, n);
        return go_on;
    };
    for (const std::string& s : m_options.stop) {
        const size_t at = s.empty() ? std::string::npos : m_pending.find(s);
        if (at != std::string::npos) {
            m_pending.resize(at);
            m_matched_stop = true;
        }
    }
    if (m_matched_stop) {
        emit(m_pending.size());
        return stop_with("stop");
    }
    if (!emit(m_pending.size() - held_back(m_pending, m_options.stop))) {
        m_stopped_by_caller = true;
        return stop_with("cancelled");
    }
    if (m_options.max_tokens > 0 && int(generated.size()) >= m_options.max_tokens)
        return stop_with("length");
    if (int64_t(m_session.m_cached.size()) >= m_session.m_backend->n_ctx())
        return stop_with("context");
    m_next = id;
    return true;
}

Status Generation::decode()
{
    ComputeBackend& backend = *m_session.m_backend;
    const int32_t one[1] = {m_next};
    const int64_t pos = int64_t(m_session.m_cached.size());
    m_have_top = false;
    if (m_options.backend_sampling && backend.max_sample_k() > 0 &&
        m_sampler.device_step(m_history, backend.max_sample_k(), backend.max_sample_window(), &m_step)) {
        if (auto st = backend.eval_sample(m_next, pos, m_step, &m_device_next, m_logits.data()); !st) {
            m_sampler.return_draw(m_step);
            return recover(st);
        }
        // -1: the device left this row to the host (eval_sample copied it to m_logits), which
        // samples it with the draw the device was given.
        m_have_device = m_device_next >= 0;
        if (!m_have_device) {
            m_sampler.return_draw(m_step);
            ++m_stats.host_sampled;
        }
        accepted();
        return Ok{};
    }
    const int k = m_options.backend_top_k && backend.max_top_k() > 0 ? m_sampler.top_needed(m_history, &m_window) : 0;
    m_have_top = k > 0 && k <= backend.max_top_k() && int(m_window.size()) <= backend.max_top_k();
    if (m_have_top) {
        if (auto st = backend.eval_top_k(one, pos, k, m_window, &m_top); !st)
            return recover(st);
    } else if (auto st = backend.eval(one, pos, m_logits.data()); !st) {
        return recover(st);
    }
    accepted();
    return Ok{};
}

Status Generation::recover(const Status& failed, const std::string& lost)
{
    if (!m_session.fall_back(failed, lost))
        return failed;
    // On the fallback backend: everything so far (the prompt, the tokens generated and the one
    // just chosen) evaluated again, for the logits the next token is sampled from.
    m_have_top = m_have_device = false;
    auto logits = m_session.evaluate_once(m_history, false, nullptr);
    if (!logits)
        return logits.error();
    m_logits = std::move(logits).value();
    return Ok{};
}

BatchItem Generation::pending()
{
    m_have_top = false;
    m_have_device = false;
    return {m_session.m_backend.get(), std::span<const int32_t>(&m_next, 1), int64_t(m_session.m_cached.size()),
            m_logits.data()};
}

void Generation::accepted() { m_session.m_cached.push_back(m_next); }

GenerateStats Generation::finish()
{
    if (!m_stopped_by_caller && !m_matched_stop) {
        // EOS, length, context or cancel: whatever text is held back is final now.
        m_pending += m_decoder.flush();
        if (!m_pending.empty())
            m_on_text(m_pending);
        m_pending.clear();
    }
    m_stats.completion_tokens = int(m_session.m_generated.size());
    m_stats.decode_ms = ms_since(m_t_decode);
    // The first token comes from the prompt's logits and the last one is never evaluated, so the
    // span holds completion_tokens - 1 forward passes: counting those gives bench's tg figure
    // (and llama.cpp's), where counting every token read 1/N high.
    if (m_stats.completion_tokens > 1 && m_stats.decode_ms > 0)
        m_stats.tokens_per_second = (m_stats.completion_tokens - 1) * 1000.0 / m_stats.decode_ms;
    return m_stats;
}

}   // namespace causerie
