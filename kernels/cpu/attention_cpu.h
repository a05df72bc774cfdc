#pragma once
// Attention of one query head over an F16 KV cache, with the numerics of llama.cpp's CPU flash
// attention (so logits compare to 1e-4 rather than 3e-2): Q rounded to F16 for Q.K, one pass with
// a running maximum, and the weighted sum of V kept in an F16 accumulator that is rescaled
// whenever the maximum grows. Runtime-dispatched: AVX2+F16C where available, scalar otherwise.
#include <cstdint>

namespace causerie::kernels {

struct AttentionShape {
    int64_t head_dim;    // elements of a query/key head
    int64_t value_dim;   // elements of a value head
    int64_t k_stride;    // halves between the keys of consecutive positions
    int64_t v_stride;    // halves between the values of consecutive positions
    float scale;         // usually 1/sqrt(head_dim)
    // Gemma 2's soft-capping, as ggml applies it: score = softcap * tanh(q.k * (scale / softcap)).
    // 0: none.
    float softcap = 0.0f;
};

// Scratch the caller provides (so nothing is allocated per head): floats, at least this many.
int64_t attention_scratch_floats(const AttentionShape& s);

// out (value_dim) = sum_j softmax_j(scale * q.k_j) v_j over positions j in [0, n_kv).
// q: (head_dim) floats; k/v: position j at k + j*k_stride / v + j*v_stride (IEEE halves).
void attention_head_cpu(const AttentionShape& s, const float* q, const uint16_t* k, const uint16_t* v, int64_t n_kv,
                        float* out, float* scratch);

// The scalar version (the fallback, and the oracle for the SIMD one): products and sums in float,
// the V accumulator rounded to F16 after every multiply and every add.
void attention_head_scalar(const AttentionShape& s, const float* q, const uint16_t* k, const uint16_t* v, int64_t n_kv,
                           float* out, float* scratch);

namespace avx2 {
void attention_head(const AttentionShape& s, const float* q, const uint16_t* k, const uint16_t* v, int64_t n_kv,
                    float* out, float* scratch);
}   // namespace avx2

}   // namespace causerie::kernels
