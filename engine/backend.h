#pragma once
// A compute backend runs the model's forward pass on one device and owns its KV cache.
// Session (prefix reuse, sampling) is device-agnostic and talks to this interface only.
#include "kv_type.h"
#include "model.h"
#include "result.h"
#include "sampler.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace causerie {

// The k best logits of one token, for samplers that only look at the top k (see eval_top_k).
struct TopLogits {
    std::vector<int32_t> ids;      // k ids (fewer if fewer logits are not NaN), logit descending,
                                   // the lower id first on ties; NaN never
    std::vector<float> logits;     // their logits
    std::vector<float> gathered;   // the logits of the `gather` ids, in the order asked
};

struct BackendOptions {
    int64_t n_ctx = 0;             // 0: min(model's training context, 4096)
    int n_threads = 0;             // 0: all hardware threads
    std::string device = "auto";   // auto | cpu (| cuda, cuda-sim when built)
    int n_gpu_layers = -1;         // layers offloaded to the GPU: -1 as many as fit, 0 none (CPU)
    int gpu_device = -1;           // CUDA device index: -1 the usable one with the most free memory
    // Free RAM the memory check believes in; 0: the system's MemAvailable (memory.h). Tests
    // pretend a small machine with it instead of allocating gigabytes.
    size_t free_ram_bytes = 0;
    // The KV cache's element type (kv_type.h): Q8_0 takes about half of F16's memory. Models whose
    // head sizes are not multiples of 32 refuse Q8_0 with the reason.
    KvType kv_type = KvType::F16;
};

// Host memory the CPU backend allocates besides the mapped weights (forward_cpu.cpp counts what
// its allocate() takes), checked against free RAM before anything is allocated.
struct CpuMemoryPlan {
    size_t kv_bytes_per_token = 0;   // n_layer * n_head_kv * (head_dim + value_dim) F16 halves
    size_t scratch_bytes = 0;        // one micro-batch of activations + the session's logit rows
};
CpuMemoryPlan plan_cpu_memory(const Model& model, KvType kv_type = KvType::F16);

class ComputeBackend;

// One sequence's part of a batched evaluation (ComputeBackend::eval_batch): `tokens` at
// positions [pos, pos + n) of `backend`'s KV cache, as eval(tokens, pos, logits_last) would run.
struct BatchItem {
    ComputeBackend* backend;
    std::span<const int32_t> tokens;
    int64_t pos = 0;
    float* logits_last = nullptr;   // n_vocab floats for the last token (may be null)
};

class ComputeBackend {
public:
    virtual ~ComputeBackend() = default;

    virtual std::string device_name() const = 0;   // "CPU (2 threads)"
    virtual int64_t n_ctx() const = 0;
    virtual int64_t n_vocab() const = 0;

    // Runs `tokens` at positions [pos, pos + n) and stores their K/V in the cache; positions
    // before `pos` must already be in the cache (Session guarantees it).
    // logits_last: n_vocab floats for the last token. all_logits (optional): n x n_vocab.
    virtual Status eval(std::span<const int32_t> tokens, int64_t pos, float* logits_last,
                        float* all_logits = nullptr) = 0;

    // Like eval(), but gives the final hidden state of every token instead of logits: the residual
    // stream after the last layer, normed by output_norm, before the output head (what embedding
    // models pool, embedding.h). hidden: (n, n_embd) floats. The default refuses (a device that
    // only gives logits).
    virtual Status eval_hidden(std::span<const int32_t> tokens, int64_t pos, float* hidden);

    // Like eval(), but returns only the k best logits of the last token, plus the logits of the
    // `gather` ids (e.g. the tokens a repetition penalty will change; the sampler can then rank
    // exactly by asking for k + gather.size()). A GPU backend selects on the device and copies
    // k values instead of n_vocab. The default runs eval() and selects on the CPU. k >= 1.
    virtual Status eval_top_k(std::span<const int32_t> tokens, int64_t pos, int k, std::span<const int32_t> gather,
                              TopLogits* out);
    // The largest k (with up to that many `gather` ids) for which eval_top_k() is worth calling
    // instead of eval(); 0: never (the session then reads whole rows, as on the CPU).
    virtual int max_top_k() const { return 0; }

    // Sampling on the device (a GPU): like eval() of one token, then the next token chosen on the
    // device as Sampler::sample() would choose it from that token's logits, with `step` from
    // Sampler::device_step(history, max_sample_k(), max_sample_window()); only the id crosses to
    // the host (one wait per token). The id stays on the device as the next step's input.
    // Top-k 0 or above max_sample_k() (with a temperature): the whole row's candidates, which the
    // device may leave to the host (more than it gathers, NaN): *next is then -1 and the token's
    // logits are copied to `logits` (n_vocab floats; an error when null), for Sampler::sample()
    // after Sampler::return_draw(step). The default refuses (max_sample_k() 0: the session samples
    // on the host).
    virtual Status eval_sample(int32_t token, int64_t pos, const SampleStep& step, int32_t* next,
                               float* logits = nullptr);
    virtual int max_sample_k() const { return 0; }
    virtual int max_sample_window() const { return 0; }

    // Why the device can no longer be used (a GPU's sticky error: every later call would fail
    // too), for the user; empty while it works. The session then moves to the CPU (Session::
    // set_fallback).
    virtual std::string device_lost() const { return {}; }

    // The KV cache outside the device (kv_state.h saves and restores it through these).
    // Layout of the rows of positions [0, n), one F16 layout for every backend: layer by layer,
    // n rows of K (n_head_kv*head_dim halves each) then n rows of V (n_head_kv*value_dim halves).
    // kv_bytes(n) is its size; the defaults refuse (a backend without a cache to copy).
    virtual size_t kv_bytes(int64_t n) const;
    // The type of the cache's rows (and of read_kv's layout): F16 unless asked otherwise.
    virtual KvType kv_type() const { return KvType::F16; }
    // Copies rows [0, n) out into `out` (kv_bytes(n) bytes). The cache is unchanged.
    virtual Status read_kv(int64_t n, uint8_t* out);
    // Overwrites rows [0, n) with `in` (kv_bytes(n) bytes, read_kv's layout); later rows are
    // left as they are (the caller's token count says which rows are meaningful).
    virtual Status write_kv(int64_t n, const uint8_t* in);
    // Context shift: removes rows [p, p + d) and moves rows [p + d, p + d + keep) down to
    // [p, p + keep), re-rotating their keys by -d positions (RoPE rotations compose, so a key
    // computed at position q becomes the key at q - d, up to F16 rounding). Values move as they are.
    virtual Status shift_kv(int64_t p, int64_t d, int64_t keep);

    // Another sequence on this backend's device and weights: its own KV cache (n_ctx rows),
    // the weights, threads and scratch shared. The sequences of one backend are used from one
    // thread at a time (they share the scratch). The default refuses (the caller then makes a
    // separate backend; the CUDA backend does, and eval_batch then runs its sequences in turn).
    virtual Result<std::unique_ptr<ComputeBackend>> make_sequence();

    // Evaluates every item as its backend's eval() would, each backend at most once. On the CPU,
    // when the items are this backend and sequences made from it (make_sequence), they run as
    // one forward pass: the weight products on all their rows together (each weight read from
    // memory once per step instead of once per sequence), RoPE, K/V and attention per sequence.
    // Same logits as eval() one by one (the CPU products are bit-identical whatever the rows).
    // The default, and any other mix, runs the items one after the other.
    virtual Status eval_batch(std::span<const BatchItem> items);
};

// The CPU selection eval_top_k() promises, on a full row (the default's and the tests' oracle).
void select_top_logits(const float* logits, int64_t n_vocab, int k, std::span<const int32_t> gather, TopLogits* out);

// The model must outlive the backend (weights are used in place from the mmap).
Result<std::unique_ptr<ComputeBackend>> create_cpu_backend(const Model& model, const BackendOptions& options);

// Picks a device as options.device says. `why` receives a sentence for the user when the
// choice differs from what was asked (e.g. "no CUDA driver: running on the CPU").
Result<std::unique_ptr<ComputeBackend>> create_backend(const Model& model, const BackendOptions& options,
                                                       std::string* why = nullptr);

}   // namespace causerie
