// AVX2+FMA+F16C attention of one head (see attention_cpu.h). Compiled with those flags for this
// file only and entered only after cpu_features() found them. F16 cache: like llama.cpp's SIMD
// path, the V update is one fused multiply-add before the F16 rounding (the scalar version
// rounds the product first), and Q.K is summed in 4 x 8 lanes. Q8_0 cache: bit-identical to
// the scalar attention_head_q8_0, 8 positions at a time (attention_q8_simd.h).
#include "attention_cpu.h"

#include "dequant_ref.h"

#include <cmath>

#ifndef __AVX2__
namespace causerie::kernels::avx2 {
void attention_head(const AttentionShape&, const float*, const uint16_t*, const uint16_t*, int64_t, float*, float*) {}
void attention_head_q8_0(const AttentionShape&, const float*, const uint8_t*, const uint8_t*, int64_t, float*, float*)
{
}
}   // namespace causerie::kernels::avx2
#else
#include "attention_q8_simd.h"

#include <immintrin.h>

namespace causerie::kernels::avx2 {
namespace {

inline float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline __m256 load_h8(const uint16_t* p)
{
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline void store_h8(uint16_t* p, __m256 v)
{
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

inline float dot_q_k(const float* q16, const uint16_t* k, int64_t hd)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= hd; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q16 + i), load_h8(k + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q16 + i + 8), load_h8(k + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(q16 + i + 16), load_h8(k + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(q16 + i + 24), load_h8(k + i + 24), a3);
    }
    for (; i + 8 <= hd; i += 8)
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q16 + i), load_h8(k + i), a0);
    float dot = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < hd; ++i)
        dot += q16[i] * _cvtsh_ss(k[i]);
    return dot;
}

// The Q8_0 cache, 8 positions a step (see attention_q8_simd.h).
struct Q8Ops {
    static constexpr int64_t P = 8;
    using V = __m256;
    using I = __m256i;
    static V zero() { return _mm256_setzero_ps(); }
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    static V fmadd(const float* q, V c, V part) { return _mm256_fmadd_ps(_mm256_broadcast_ss(q), c, part); }
    static void store(float* out, V x) { _mm256_storeu_ps(out, x); }
    static void codes(const uint8_t* const* rows, int64_t off, I t[8]) { transpose_codes8(rows, off, t); }
    static V code(I t, int byte)
    {
        const I top = byte == 3 ? t : _mm256_slli_epi32(t, 24 - 8 * byte);
        return _mm256_cvtepi32_ps(_mm256_srai_epi32(top, 24));
    }
    static V scales(const uint8_t* const* rows, int64_t off) { return _mm256_cvtph_ps(scales8(rows, off)); }
    static void update(float* a, const uint8_t* codes, float rescale, float dw)
    {
        const V c = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes))));
        _mm256_storeu_ps(a, add(mul(_mm256_loadu_ps(a), _mm256_set1_ps(rescale)), mul(c, _mm256_set1_ps(dw))));
    }
    static void scale(const float* a, float inv, float* out)
    {
        _mm256_storeu_ps(out, mul(_mm256_loadu_ps(a), _mm256_set1_ps(inv)));
    }
};

}   // namespace

void attention_head_q8_0(const AttentionShape& s, const float* q, const uint8_t* k, const uint8_t* v, int64_t n_kv,
                         float* out, float* scratch)
{
    attention_q8_0_simd<Q8Ops>(s, q, k, v, n_kv, out, scratch);
}

void attention_head(const AttentionShape& s, const float* q, const uint16_t* k, const uint16_t* v, int64_t n_kv,
                    float* out, float* scratch)
{
    const int64_t hd = s.head_dim, vd = s.value_dim;
    const int64_t vd8 = vd & ~int64_t(7);
    float* q16 = scratch;
    auto* acc = reinterpret_cast<uint16_t*>(scratch + hd);   // F16 running sum of p * v
    for (int64_t i = 0; i < hd; ++i)
        q16[i] = _cvtsh_ss(_cvtss_sh(q[i], _MM_FROUND_TO_NEAREST_INT));
    for (int64_t i = 0; i < vd; ++i)
        acc[i] = 0;
    float max = -INFINITY;
    float sum = 0.0f;
    for (int64_t j = 0; j < n_kv; ++j) {
        const float dot = dot_q_k(q16, k + j * s.k_stride, hd);
        const float score = s.softcap != 0.0f ? s.softcap * std::tanh(dot * (s.scale / s.softcap)) : dot * s.scale;
        float rescale = 1.0f;
        float w = 1.0f;
        if (score > max) {
            rescale = __builtin_expf(max - score);
            max = score;
            const __m256 r = _mm256_set1_ps(rescale);
            for (int64_t i = 0; i < vd8; i += 8)
                store_h8(acc + i, _mm256_mul_ps(load_h8(acc + i), r));
            for (int64_t i = vd8; i < vd; ++i)
                acc[i] = _cvtss_sh(_cvtsh_ss(acc[i]) * rescale, _MM_FROUND_TO_NEAREST_INT);
        } else {
            w = __builtin_expf(score - max);
        }
        const uint16_t* vj = v + j * s.v_stride;
        const __m256 wv = _mm256_set1_ps(w);
        for (int64_t i = 0; i < vd8; i += 8)
            store_h8(acc + i, _mm256_fmadd_ps(load_h8(vj + i), wv, load_h8(acc + i)));
        for (int64_t i = vd8; i < vd; ++i)
            acc[i] = _cvtss_sh(__builtin_fmaf(_cvtsh_ss(vj[i]), w, _cvtsh_ss(acc[i])), _MM_FROUND_TO_NEAREST_INT);
        sum = sum * rescale + w;
    }
    const float inv = 1.0f / sum;
    const __m256 vinv = _mm256_set1_ps(inv);
    for (int64_t i = 0; i < vd8; i += 8)
        _mm256_storeu_ps(out + i, _mm256_mul_ps(load_h8(acc + i), vinv));
    for (int64_t i = vd8; i < vd; ++i)
        out[i] = _cvtsh_ss(acc[i]) * inv;
}

}   // namespace causerie::kernels::avx2
#endif   // __AVX2__
