#pragma once
// Reference element-wise and normalization ops of the Llama block, on raw float rows.
// Numerics follow ggml's CPU backend (sums in double, the same RoPE angle recurrence) so the
// engine's logits can be compared with llama.cpp's to 1e-2.
#include <cstdint>

namespace causerie::kernels {

// y = x / sqrt(mean(x^2) + eps) * w          x, y, w: (n)
void rmsnorm_ref(const float* x, const float* w, float* y, int64_t n, float eps);
// Its 1 / sqrt(mean(x^2) + eps): the squares summed in double, in order (a sequential sum that
// no vector order reproduces bit for bit, so every path calls this).
float rmsnorm_scale(const float* x, int64_t n, float eps);
// rmsnorm_ref, runtime-dispatched (the products by scale and w 8 at a time with AVX2), bit-identical.
void rmsnorm_cpu(const float* x, const float* w, float* y, int64_t n, float eps);

// Rotates pairs (x[2i], x[2i+1]) for 2i < n_rot by pos * base^(-2i/n_rot): the GGUF/ggml
// "normal" RoPE layout (converters permute HF's half-split Q/K rows into this one).
// x: (n_heads, head_dim) for one token; dims >= n_rot are left as they are.
// freq_factors (n_rot/2, may be null = all 1): pair i's angle is divided by freq_factors[i]
// (Llama 3's "rope_freqs", as ggml applies it).
// mscale multiplies cos and sin (ggml's attn_factor: Phi-3's LongRoPE rope.scaling.attn_factor).
// freq_scale multiplies every angle after the factor (linear RoPE scaling: Gemma 3's global layers).
void rope_ref(float* x, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos, float freq_base,
              const float* freq_factors = nullptr, float mscale = 1.0f, float freq_scale = 1.0f);

// The same rotation for the NeoX layout (Qwen2/3, Phi-3, Gemma): pair i is (x[i], x[i + n_rot/2])
// for i < n_rot/2, with pair i's angle as above.
void rope_neox_ref(float* x, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos, float freq_base,
                   const float* freq_factors = nullptr, float mscale = 1.0f, float freq_scale = 1.0f);

// In place: x = softmax(x) over n values; -INFINITY entries get probability 0.
void softmax_ref(float* x, int64_t n);

// out = silu(gate) * up                       (n)
void swiglu_ref(const float* gate, const float* up, float* out, int64_t n);

// out = gelu_tanh(gate) * up as ggml's CPU backend computes it: gate rounded to F16, GELU
// (tanh approximation) of that value rounded to F16 (its lookup table), 0 below -10, gate
// itself above 10.                             (n)
void geglu_ref(const float* gate, const float* up, float* out, int64_t n);
// The GELU (tanh approximation) of a half, rounded to F16: geglu_ref's table entry for it
// (geglu_ref reads a table of all 65536, made once).
float gelu_tanh_f16(uint16_t h);
// That table: entry h is gelu_tanh_f16(h), for all 65536 halves (made on the first call).
const float* gelu_tanh_f16_table();
// geglu_ref, runtime-dispatched (AVX2+F16C 8 at a time, scalar otherwise), bit-identical to it.
void geglu_cpu(const float* gate, const float* up, float* out, int64_t n);
namespace avx2 {
void geglu(const float* gate, const float* up, float* out, int64_t n);
void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps);
}   // namespace avx2

// x = cap * tanh(x / cap)                      (n), soft-capping (Gemma 2)
void softcap_ref(float* x, int64_t n, float cap);

// y += x                                      (n)
void add_ref(float* y, const float* x, int64_t n);

}   // namespace causerie::kernels
