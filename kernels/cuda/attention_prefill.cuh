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
// Auto takes, where head_dim and value_dim are multiples of 16 up to 128, the GQA kernel: one
// block per (KV head, query tile) serving up to 4 query heads of its group, so each K/V tile is
// staged in shared memory once per group slice rather than once per query head (16-byte loads,
// padded bank-conflict-free rows, kernels/cuda/README.md); else the per-head tensor-core kernel.
// TensorCoresPerHead: the per-head tensor-core kernel (where its shared memory allows).
enum class PrefillMath { Auto, Fma, TensorCoresPerHead };
GpuStatus attention_prefill(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out,
                            int64_t n_tokens, int64_t pos0, const AttentionShape& shape, Stream s,
                            PrefillMath math = PrefillMath::Auto);
bool attention_prefill_uses_tensor_cores(const AttentionShape& shape);
// Whether Auto takes the GQA kernel for this shape.
bool attention_prefill_shares_gqa_tiles(const AttentionShape& shape);

// The same over a Q8_0 KV cache (attention_q8_0's layout), on the GQA kernel: head_dim and
// value_dim multiples of 32 up to 128. The K/V rows are staged with 16-byte loads of the aligned
// words covering a head's slice (attention_split_k_q8_0's scheme) and dequantized to F16 in
// shared memory (d * code rounded: 2^-12 relative). Against the CPU's attention_head_q8_0:
// within 1e-2 of max|v| (its float accumulator against the F16 tensor-core products; measured
// in tests/kernels/tst_cuda_prefill_attention.cpp).
bool attention_prefill_q8_0_supports(const AttentionShape& shape);
GpuStatus attention_prefill_q8_0(const float* q, const uint8_t* k_cache, const uint8_t* v_cache, float* out,
                                 int64_t n_tokens, int64_t pos0, const AttentionShape& shape, Stream s);

// Whether attention_prefill() takes this shape (the backend falls back to attention() if not).
bool attention_prefill_supports(const AttentionShape& shape);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
