#pragma once
// A Session owns one backend (and so one KV cache). generate() compares the new prompt with the
// tokens already in the cache and prefills only the new suffix, so a chat turn costs the new
// message, not the whole history.
#include "backend.h"
#include "sampler.h"
#include "tokenizer.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace causerie {

struct GenerateOptions {
    SamplingParams sampling;
    int max_tokens = 0;              // 0: until the context is full
    std::vector<std::string> stop;   // stop strings; the matched text is not emitted
    std::vector<int32_t> stop_ids;   // end-of-turn ids besides EOS
    // Let a backend that can (a GPU) select the sampler's candidates itself and copy k logits
    // instead of the whole row. Same tokens either way; off only to test that.
    bool backend_top_k = true;
    // When the prompt is the cached tokens with one span left out (prepare_prompt, context_fit.h,
    // drops the oldest exchanges once a conversation outgrows the context) followed by new
    // tokens, remove that span's rows from the KV cache and move the later rows down, re-rotating
    // their keys, instead of prefilling everything after the span again. The kept rows were
    // computed while the dropped tokens were still there (docs/resume.md says what that costs);
    // false: the exact, slower re-prefill.
    bool context_shift = true;
};

struct GenerateStats {
    int prompt_tokens = 0;
    int reused_tokens = 0;    // prompt tokens whose K/V were already cached (kept by a context shift included)
    int shifted_tokens = 0;   // cache rows a context shift removed (0: no shift)
    int completion_tokens = 0;
    double prefill_ms = 0;
    double ttft_ms = 0;   // request start to first token
    double decode_ms = 0;
    double tokens_per_second = 0;   // completion tokens / decode time
    std::string finish_reason;      // stop | length | context | cancelled
};

class Session {
public:
    Session(const Tokenizer& tok, std::unique_ptr<ComputeBackend> backend);

    // Streams final text through on_text; returning false from on_text stops like cancel.
    // `cancel` is checked between tokens.
    Result<GenerateStats> generate(const std::vector<int32_t>& prompt, const GenerateOptions& options,
                                   const std::function<bool(std::string_view)>& on_text,
                                   const std::atomic<bool>* cancel = nullptr);

    // Evaluates the prompt (reusing the cache) and returns the logits after its last token.
    // context_shift: as GenerateOptions::context_shift (off here: exact logits by default).
    Result<std::vector<float>> evaluate(const std::vector<int32_t>& prompt, bool context_shift = false,
                                        GenerateStats* stats = nullptr);

    // Generated ids of the last generate() call (for tests and the CLI's --json).
    const std::vector<int32_t>& last_generated() const { return m_generated; }
    const std::vector<int32_t>& cached_tokens() const { return m_cached; }
    ComputeBackend& backend() { return *m_backend; }
    void clear() { m_cached.clear(); }
    // After the backend's rows [0, n) were written from outside (restore_snapshot, kv_state.h):
    // `tokens` (n of them) are what those rows hold. Error (session cleared) when n exceeds the context.
    Status set_cached_tokens(std::vector<int32_t> tokens);
    // Fewest rows a context shift keeps after the removed span: below that, a match is more likely
    // a coincidence (a template's few tokens) than the conversation going on, and the exact
    // re-prefill costs little anyway.
    static constexpr size_t kMinShiftKeep = 16;

private:
    // Tries a context shift for `prompt` whose common prefix with the cache is `common` tokens;
    // returns the prompt tokens now covered by the cache (common when there was none).
    size_t shift_for(const std::vector<int32_t>& prompt, size_t common, GenerateStats* stats);

    const Tokenizer& m_tok;
    std::unique_ptr<ComputeBackend> m_backend;
    std::vector<int32_t> m_cached;   // tokens whose K/V are in the cache, in order
    std::vector<int32_t> m_generated;
    std::vector<float> m_logits;
};

}   // namespace causerie
