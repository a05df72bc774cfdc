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
};

struct GenerateStats {
    int prompt_tokens = 0;
    int reused_tokens = 0;   // prompt tokens whose K/V were already cached
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
    Result<std::vector<float>> evaluate(const std::vector<int32_t>& prompt);

    // Generated ids of the last generate() call (for tests and the CLI's --json).
    const std::vector<int32_t>& last_generated() const { return m_generated; }
    const std::vector<int32_t>& cached_tokens() const { return m_cached; }
    ComputeBackend& backend() { return *m_backend; }
    void clear() { m_cached.clear(); }

private:
    const Tokenizer& m_tok;
    std::unique_ptr<ComputeBackend> m_backend;
    std::vector<int32_t> m_cached;   // tokens whose K/V are in the cache, in order
    std::vector<int32_t> m_generated;
    std::vector<float> m_logits;
};

}   // namespace causerie
