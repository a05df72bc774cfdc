#pragma once
// A Session owns one backend (and so one KV cache). generate() compares the new prompt with the
// tokens already in the cache and prefills only the new suffix, so a chat turn costs the new
// message, not the whole history.
#include "backend.h"
#include "sampler.h"
#include "tokenizer.h"

#include <atomic>
#include <chrono>
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
    // Let a backend that can (a GPU) choose the next token itself (ComputeBackend::eval_sample):
    // only the id crosses to the host. Same tokens either way; off only to test that.
    bool backend_sampling = true;
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
    double tokens_per_second = 0;   // (completion tokens - 1) / decode time: forward passes a second
    int host_sampled = 0;           // tokens the device's sampler left to the host (their row copied back)
    std::string finish_reason;      // stop | length | context | cancelled
};

class Generation;

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

    // Where to go when the device breaks (ComputeBackend::device_lost(), a GPU's sticky error):
    // `make` returns a backend for the same model (the CPU). A generation or evaluation that
    // fails so moves the session to it and carries on there (the tokens so far evaluated again);
    // fallback_reason() then says why. Without one, the error is returned as it is.
    using BackendMaker = std::function<Result<std::unique_ptr<ComputeBackend>>()>;
    void set_fallback(BackendMaker make) { m_fallback = std::move(make); }
    const std::string& fallback_reason() const { return m_fallback_reason; }
    void clear() { m_cached.clear(); }
    // After the backend's rows [0, n) were written from outside (restore_snapshot, kv_state.h):
    // `tokens` (n of them) are what those rows hold. Error (session cleared) when n exceeds the context.
    Status set_cached_tokens(std::vector<int32_t> tokens);
    // Fewest rows a context shift keeps after the removed span: below that, a match is more likely
    // a coincidence (a template's few tokens) than the conversation going on, and the exact
    // re-prefill costs little anyway.
    static constexpr size_t kMinShiftKeep = 16;

private:
    friend class Generation;
    // Tries a context shift for `prompt` whose common prefix with the cache is `common` tokens;
    // returns the prompt tokens now covered by the cache (common when there was none).
    size_t shift_for(const std::vector<int32_t>& prompt, size_t common, GenerateStats* stats);
    // After `failed`: true when the device was lost (`lost`, else the backend's device_lost())
    // and the session now runs on the fallback.
    bool fall_back(const Status& failed, const std::string& lost = {});
    Result<std::vector<float>> evaluate_once(const std::vector<int32_t>& prompt, bool context_shift,
                                             GenerateStats* stats);

    const Tokenizer& m_tok;
    std::unique_ptr<ComputeBackend> m_backend;
    std::vector<int32_t> m_cached;   // tokens whose K/V are in the cache, in order
    std::vector<int32_t> m_generated;
    BackendMaker m_fallback;
    std::string m_fallback_reason;
};

// One request's decoding on a session, one token at a time, so that several sessions' requests
// can be decoded together (eval_batch, backend.h). Session::generate is start(), then advance()
// and decode() until advance() says it is done, then finish(); a batch replaces decode() by one
// eval_batch() of every generation's pending() item, then accepted() on each.
// The session and the callbacks must outlive it; one generation per session at a time.
class Generation {
public:
    Generation(Session& session, GenerateOptions options, std::function<bool(std::string_view)> on_text,
               const std::atomic<bool>* cancel = nullptr);

    // Prefills the prompt (reusing the session's cache) and keeps its last logits.
    Status start(const std::vector<int32_t>& prompt);
    // Samples the next token from the current logits, streams its text and checks the stop
    // conditions. True: the token waits to be evaluated (decode() or pending()); false: the
    // generation is over (finish() gives why).
    bool advance();
    // Evaluates the token advance() chose, alone (with the backend's top-k selection if it has one).
    Status decode();
    // The same evaluation as an item of eval_batch() (full logits into this generation's row);
    // call accepted() once it ran.
    BatchItem pending();
    void accepted();
    // Flushes the text held back and returns the statistics (finish_reason set by advance()).
    GenerateStats finish();

    bool done() const { return m_done; }
    // The reason the session's backend gives for its device being lost (empty: it works).
    std::string device_lost() const { return m_session.m_backend->device_lost(); }
    // The evaluation of the token advance() chose failed (decode(), or a batch's eval_batch): on a
    // lost device (`lost`, else the backend's own device_lost()) the session's fallback takes over
    // and everything so far is evaluated there (accepted() is then not called); otherwise `failed`.
    Status recover(const Status& failed, const std::string& lost = {});

private:
    using Clock = std::chrono::steady_clock;
    bool stop_with(const char* reason);   // records why it ended; returns false (advance's answer)

    Session& m_session;
    const GenerateOptions m_options;
    std::function<bool(std::string_view)> m_on_text;
    const std::atomic<bool>* m_cancel;
    Clock::time_point m_t0, m_t_decode;
    GenerateStats m_stats;
    Sampler m_sampler;
    StreamDecoder m_decoder;
    std::vector<int32_t> m_history;   // prompt + generated
    std::string m_pending;            // decoded text not yet emitted (may start a stop string)
    std::vector<float> m_logits;      // (n_vocab) after the last evaluated token
    TopLogits m_top;                  // instead of m_logits when the backend selected them
    std::vector<int32_t> m_window;    // ids the repetition penalty changes (top-k path)
    bool m_have_top = false;
    SampleStep m_step;            // the device's draw (eval_sample path)
    int32_t m_device_next = -1;   // the token the device chose
    bool m_have_device = false;
    int32_t m_next = -1;   // the token advance() chose, to be evaluated
    bool m_done = false;
    bool m_stopped_by_caller = false;
    bool m_matched_stop = false;
};

}   // namespace causerie
