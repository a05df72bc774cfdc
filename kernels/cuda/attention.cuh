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
};

// q: (n_tokens, n_head*head_dim) F32; k_cache: (n_ctx, n_head_kv*head_dim) F16 bits;
// v_cache: (n_ctx, n_head_kv*value_dim) F16 bits, positions [0, pos0 + n_tokens) filled.
// out: (n_tokens, n_head*value_dim) F32. Token t attends to positions [0, pos0 + t].
// pos_dev (optional): pos0 read from device memory when the kernel runs (CUDA graph replay).
GpuStatus attention(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out, int64_t n_tokens,
                    int64_t pos0, const AttentionShape& shape, Stream s, const int64_t* pos_dev = nullptr);

// Stores rows into the F16 KV cache: cache[(pos0 + t) * dim + i] = x[t * dim + i] rounded to
// F16, x: (n_tokens, dim) F32. pos_dev (optional): the position is read from device memory.
GpuStatus store_kv_f16(const float* x, uint16_t* cache, int64_t n_tokens, int64_t dim, int64_t pos0,
                       const int64_t* pos_dev, Stream s);

// Split-K "flash-decoding": the KV positions of each (token, head) are cut into chunks of
// kSplitChunk scored by separate blocks in parallel (float softmax state and accumulator per
// chunk), then merged. Fills a GPU at batch 1 where attention() runs one block per head, but its
// float accumulation does not reproduce the CPU's F16 accumulator: it agrees with exact
// attention to ~1e-5 relative, and with the CPU backend only to the F16 rounding (~1e-3).
inline constexpr int64_t kSplitChunk = 256;
// Floats of scratch attention_split_k needs.
int64_t attention_split_k_scratch_floats(int64_t n_tokens, int64_t max_kv, const AttentionShape& shape);
// pos_dev (optional): the position is read from device memory when the kernels run; pos0 is
// then an upper bound on it that sizes the grid (chunks past a token's position are empty).
GpuStatus attention_split_k(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out,
                            int64_t n_tokens, int64_t pos0, const AttentionShape& shape, float* scratch,
                            int64_t scratch_floats, Stream s, const int64_t* pos_dev = nullptr);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
