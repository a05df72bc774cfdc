#pragma once
// Tiled causal attention for prefill, flash-attention style: one block per (head, tile of
// kPrefillQueries queries), K/V tiles of kPrefillKeys positions staged in shared memory, the
// softmax kept online in float (running max and sum per query), the output accumulated in float.
// The products run on tensor cores (wmma) when the head sizes allow; the sim runs the same
// code through its own wmma (sim/wmma_sim.h).
// Unlike attention() (attention.cuh), which reproduces the CPU's F16 accumulator one position
// at a time, this kernel reads every K/V tile once per query tile instead of once per query,
// which is what makes long prompts fast on a GPU. It agrees with exact attention to float
// rounding, and with the CPU backend to that backend's F16 accumulator rounding (~1e-3).
#include "attention.cuh"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

inline constexpr int64_t kPrefillQueries = 16;   // queries per block
inline constexpr int64_t kPrefillKeys = 32;      // KV positions per shared-memory tile

// Same layout and contract as attention(): q (n_tokens, n_head*head_dim) F32, caches F16 bits
// with positions [0, pos0 + n_tokens) filled, out (n_tokens, n_head*value_dim) F32; token t
// (at position pos0 + t) attends to positions [0, pos0 + t] (or its sliding window, with the
// shape's scale and softcap: attention.cuh); key tiles wholly before a query tile's window are
// skipped. head_dim and value_dim at most 256.
// Auto: the products Q K^T and P V on tensor cores (wmma 16x16x16, F16 in, F32 accumulate)
// when head_dim and value_dim are multiples of 16, F32 FMAs otherwise; Fma: always F32 FMAs.
enum class PrefillMath { Auto, Fma };
GpuStatus attention_prefill(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out,
                            int64_t n_tokens, int64_t pos0, const AttentionShape& shape, Stream s,
                            PrefillMath math = PrefillMath::Auto);
bool attention_prefill_uses_tensor_cores(const AttentionShape& shape);

// Whether attention_prefill() takes this shape (the backend falls back to attention() if not).
bool attention_prefill_supports(const AttentionShape& shape);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
