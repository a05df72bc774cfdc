#pragma once
// Attention over an F16 KV cache for decode and prefill (causal), with the numerics of the CPU
// backend (engine/forward_cpu.cpp, itself llama.cpp's CPU flash attention): Q rounded to F16,
// scores summed in order over head_dim, one pass with a running maximum, and the weighted sum
// of V kept in an F16 accumulator rescaled whenever the maximum grows.
#include "device.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

struct AttentionShape {
    int64_t n_head = 0;
    int64_t n_head_kv = 0;   // divides n_head (grouped-query attention)
    int64_t head_dim = 0;    // of Q and K, at most 1024
    int64_t value_dim = 0;   // of V, at most 512
    // Scores: scale * q.k, 0 meaning 1/sqrt(head_dim) (Gemma: 1/sqrt(query_pre_attn_scalar); a
    // model whose Q is prescaled passes 1).
    float scale = 0.0f;
    // Gemma 2's soft-capping, as the CPU backend (kernels/cpu/attention_cpu.h) and ggml apply it:
    // score = softcap * tanh(q.k * (scale / softcap)). 0: none.
    float softcap = 0.0f;
    // Sliding window: the token at position p attends only to positions [max(0, p + 1 - window), p]
    // (engine/layer_cpu.cpp CpuLayer::attention). 0: the whole causal context.
    int64_t window = 0;
};

// The scale a shape's scores use (scale, or 1/sqrt(head_dim) when it is 0).
float attention_scale(const AttentionShape& shape);

// Every kernel below honours scale, softcap and window; "token t attends to [0, pos0 + t]" below
// means [max(0, pos0 + t + 1 - window), pos0 + t] when a window is set.

// q: (n_tokens, n_head*head_dim) F32; k_cache: (n_ctx, n_head_kv*head_dim) F16 bits;
// v_cache: (n_ctx, n_head_kv*value_dim) F16 bits, positions [0, pos0 + n_tokens) filled.
// out: (n_tokens, n_head*value_dim) F32. Token t attends to positions [0, pos0 + t].
// pos_dev (optional): pos0 read from device memory when the kernel runs (CUDA graph replay).
GpuStatus attention(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out, int64_t n_tokens,
                    int64_t pos0, const AttentionShape& shape, Stream s, const int64_t* pos_dev = nullptr);

// The same over a Q8_0 KV cache (rows of n_head_kv * head_dim / 32 blocks of 34 bytes: an F16
// scale, 32 int8 codes; head_dim and value_dim multiples of 32) with the CPU backend's numerics
// for it (kernels/cpu/attention_cpu.h attention_head_q8_0: Q in F16, block dot products in order,
// running maximum, float V accumulator): bit-identical under the sim.
GpuStatus attention_q8_0(const float* q, const uint8_t* k_cache, const uint8_t* v_cache, float* out, int64_t n_tokens,
                         int64_t pos0, const AttentionShape& shape, Stream s, const int64_t* pos_dev = nullptr);

// Stores rows into the F16 KV cache: cache[(pos0 + t) * dim + i] = x[t * dim + i] rounded to
// F16, x: (n_tokens, dim) F32. pos_dev (optional): the position is read from device memory.
GpuStatus store_kv_f16(const float* x, uint16_t* cache, int64_t n_tokens, int64_t dim, int64_t pos0,
                       const int64_t* pos_dev, Stream s);

// Flash-decoding (decode, and any batch): one block per KV head serving its whole GQA group
// (up to 8 query heads; larger groups in slices of 8), so each K/V row is read once for the
// group, with 16-byte loads; the positions are cut into chunks of kSplitChunk from position 0,
// one block each, and the last block of a head group to finish merges the chunks (one launch,
// cost proportional to the context; with a sliding window, the chunks wholly before it are not in
// the grid, so the cost follows the window). Float softmax state and accumulators: agrees with exact
// attention to ~1e-5 relative and with the CPU backend's F16 accumulator only to its rounding
// (~1e-3), see tests/kernels/tst_cuda_attention.cpp.
inline constexpr int64_t kSplitChunk = 128;
// head_dim a multiple of 8 up to 256, value_dim a multiple of 8 up to 512 (K/V rows 16-byte aligned).
bool attention_split_k_supports(const AttentionShape& shape);
// Floats of scratch attention_split_k needs: the merge's tickets, then the chunks' partials.
int64_t attention_split_k_scratch_floats(int64_t n_tokens, int64_t max_kv, const AttentionShape& shape);
// scratch: zeroed once before its first use (the tickets); every launch leaves the tickets at 0.
// pos_dev (optional): the position is read from device memory when the kernel runs; pos0 is
// then an upper bound on it that sizes the grid (chunks past a token's position are empty and
// do not change the result).
GpuStatus attention_split_k(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out,
                            int64_t n_tokens, int64_t pos0, const AttentionShape& shape, float* scratch,
                            int64_t scratch_floats, Stream s, const int64_t* pos_dev = nullptr);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
