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

    // Lane l: byte `byte` (0..3) of each dword in t, sign-extended, as a float.
    static __m256 code(__m256i t, int byte)
    {
        const __m256i top = byte == 3 ? t : _mm256_slli_epi32(t, 24 - 8 * byte);
        return _mm256_cvtepi32_ps(_mm256_srai_epi32(top, 24));
    }

    // NB blocks at once: their sums are independent chains until added in block order.
    template <int NB>
    static void blocks(const float* q16, const uint8_t* const* rows, int64_t b, __m256& dot)
    {
        __m256 part[NB];
        __m256i t[NB][8];
        for (int n = 0; n < NB; ++n) {
            part[n] = _mm256_setzero_ps();
            transpose_codes8(rows, (b + n) * kQ8Block + 2, t[n]);
        }
        for (int d = 0; d < 8; ++d)
            for (int byte = 0; byte < 4; ++byte)
                for (int n = 0; n < NB; ++n)
                    part[n] = _mm256_fmadd_ps(_mm256_broadcast_ss(q16 + (b + n) * 32 + 4 * d + byte),
                                              code(t[n][d], byte), part[n]);
        for (int n = 0; n < NB; ++n)
            dot = _mm256_add_ps(dot, _mm256_mul_ps(_mm256_cvtph_ps(scales8(rows, (b + n) * kQ8Block)), part[n]));
    }

    static void dots(const float* q16, const uint8_t* const* rows, int64_t n_blocks, float* out)
    {
        __m256 dot = _mm256_setzero_ps();
        int64_t b = 0;
        for (; b + 2 <= n_blocks; b += 2)
            blocks<2>(q16, rows, b, dot);
        if (b < n_blocks)
            blocks<1>(q16, rows, b, dot);
        _mm256_storeu_ps(out, dot);
    }

    static void accumulate(float* acc, const uint8_t* v, int64_t vd, float rescale, float w)
    {
        const __m256 r = _mm256_set1_ps(rescale);
        for (int64_t b = 0; b < vd / 32; ++b) {
            const uint8_t* blk = v + b * kQ8Block;
            const __m256 dw = _mm256_set1_ps(_cvtsh_ss(load_u16(blk)) * w);
            for (int64_t i = 0; i < 32; i += 8) {
                const __m256 c = _mm256_cvtepi32_ps(
                    _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(blk + 2 + i))));
                float* a = acc + b * 32 + i;
                _mm256_storeu_ps(a, _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(a), r), _mm256_mul_ps(c, dw)));
            }
        }
    }

    static void finish(const float* acc, int64_t vd, float inv, float* out)
    {
        const __m256 s = _mm256_set1_ps(inv);
        for (int64_t i = 0; i < vd; i += 8)
            _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(acc + i), s));
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
