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

// The same attention over a Q8_0 KV cache (blocks of 32: an F16 scale d and 32 int8 codes q, a
// value being d * q). k_stride / v_stride are then in bytes; head_dim and value_dim multiples of
// 32. Q rounded to F16 as above; score = sum over blocks of d_k * (sum_i q_i * code_i), in order;
// online softmax with a running maximum; the V accumulator in float (as llama.cpp's CPU flash
// attention keeps it for a quantized V). Scalar: the reference the CUDA kernels reproduce.
void attention_head_q8_0(const AttentionShape& s, const float* q, const uint8_t* k, const uint8_t* v, int64_t n_kv,
                         float* out, float* scratch);
// Scratch attention_head_q8_0 and attention_head_q8_0_cpu need, in floats.
int64_t attention_q8_0_scratch_floats(const AttentionShape& s);

// attention_head_q8_0, runtime-dispatched (AVX-512 16 positions a step, AVX2 8, scalar
// otherwise), bit-identical to it on every path: see attention_q8_simd.h for how.
void attention_head_q8_0_cpu(const AttentionShape& s, const float* q, const uint8_t* k, const uint8_t* v, int64_t n_kv,
                             float* out, float* scratch);

namespace avx2 {
void attention_head(const AttentionShape& s, const float* q, const uint16_t* k, const uint16_t* v, int64_t n_kv,
                    float* out, float* scratch);
void attention_head_q8_0(const AttentionShape& s, const float* q, const uint8_t* k, const uint8_t* v, int64_t n_kv,
                         float* out, float* scratch);
}   // namespace avx2
namespace avx512 {
void attention_head_q8_0(const AttentionShape& s, const float* q, const uint8_t* k, const uint8_t* v, int64_t n_kv,
                         float* out, float* scratch);
}   // namespace avx512

}   // namespace causerie::kernels
