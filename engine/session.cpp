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

Result<std::vector<float>> Session::evaluate(const std::vector<int32_t>& prompt, bool context_shift,
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
    const auto t0 = Clock::now();
    GenerateStats stats;
    stats.prompt_tokens = int(prompt.size());
    auto logits = evaluate(prompt, options.context_shift, &stats);
    if (!logits)
        return logits.error();
    stats.prefill_ms = ms_since(t0);

    Sampler sampler(options.sampling);
    StreamDecoder decoder(m_tok);
    m_generated.clear();
    std::vector<int32_t> history = prompt;
    std::string pending;   // decoded text not yet emitted (may start a stop string)
    bool stopped_by_caller = false;
    bool matched_stop = false;
    const auto t_decode = Clock::now();

    auto emit = [&](size_t n) {
        if (n == 0)
            return true;
        const bool go_on = on_text(std::string_view(pending).substr(0, n));
        pending.erase(0, n);
        return go_on;
    };

    // When the backend selects the best logits itself, `top` holds them instead of `logits`.
    TopLogits top;
    std::vector<int32_t> window;
    bool have_top = false;

    for (;;) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            stats.finish_reason = "cancelled";
            break;
        }
        const int32_t id =
            have_top ? sampler.sample_top(top.ids, top.logits, window, top.gathered) : sampler.sample(*logits, history);
        if (m_generated.empty())
            stats.ttft_ms = ms_since(t0);
        if (id == m_tok.eos_id() ||
            std::find(options.stop_ids.begin(), options.stop_ids.end(), id) != options.stop_ids.end()) {
            stats.finish_reason = "stop";
            break;
        }
        m_generated.push_back(id);
        history.push_back(id);
        pending += decoder.push(id);

        for (const std::string& s : options.stop) {
            const size_t at = s.empty() ? std::string::npos : pending.find(s);
            if (at != std::string::npos) {
                pending.resize(at);
                matched_stop = true;
            }
        }
        if (matched_stop) {
            emit(pending.size());
            stats.finish_reason = "stop";
            break;
        }
        if (!emit(pending.size() - held_back(pending, options.stop))) {
            stopped_by_caller = true;
            stats.finish_reason = "cancelled";
            break;
        }
        if (options.max_tokens > 0 && int(m_generated.size()) >= options.max_tokens) {
            stats.finish_reason = "length";
            break;
        }
        if (int64_t(m_cached.size()) >= m_backend->n_ctx()) {
            stats.finish_reason = "context";
            break;
        }
        const int32_t one[1] = {id};
        const int k = options.backend_top_k && m_backend->max_top_k() > 0 ? sampler.top_needed(history, &window) : 0;
        have_top = k > 0 && k <= m_backend->max_top_k() && int(window.size()) <= m_backend->max_top_k();
        if (have_top) {
            if (auto st = m_backend->eval_top_k(one, int64_t(m_cached.size()), k, window, &top); !st)
                return st.error();
        } else if (auto st = m_backend->eval(one, int64_t(m_cached.size()), logits->data()); !st) {
            return st.error();
        }
        m_cached.push_back(id);
    }
    if (!stopped_by_caller && !matched_stop) {
        // EOS, length, context or cancel: whatever text is held back is final now.
        pending += decoder.flush();
        emit(pending.size());
    }
    stats.completion_tokens = int(m_generated.size());
    stats.decode_ms = ms_since(t_decode);
    if (stats.completion_tokens > 0 && stats.decode_ms > 0)
        stats.tokens_per_second = stats.completion_tokens * 1000.0 / stats.decode_ms;
    return stats;
}

}   // namespace causerie
