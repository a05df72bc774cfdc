// AVX-512 attention over a Q8_0 KV cache, 16 positions a step, bit-identical to the scalar
// attention_head_q8_0 (see attention_q8_simd.h). Compiled with AVX-512 F/BW/VL for this file
// only and entered only after cpu_features() found them.
#include "attention_cpu.h"

#ifndef __AVX512F__
namespace causerie::kernels::avx512 {
void attention_head_q8_0(const AttentionShape&, const float*, const uint8_t*, const uint8_t*, int64_t, float*, float*)
{
}
}   // namespace causerie::kernels::avx512
#else
// GCC 12 reports its own _mm512_undefined_*() inside the intrinsics as maybe-uninitialized (a
// false positive: the masked form with a full mask ignores it).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "attention_q8_simd.h"

#include <immintrin.h>

namespace causerie::kernels::avx512 {
namespace {

struct Q8Ops {
    static constexpr int64_t P = 16;
    using V = __m512;
    using I = __m512i;
    static V zero() { return _mm512_setzero_ps(); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    static V fmadd(const float* q, V c, V part) { return _mm512_fmadd_ps(_mm512_set1_ps(*q), c, part); }
    static void store(float* out, V x) { _mm512_storeu_ps(out, x); }
    // Two 8-row transposes, rows 0-7 in the low halves.
    static void codes(const uint8_t* const* rows, int64_t off, I t[8])
    {
        __m256i lo[8], hi[8];
        transpose_codes8(rows, off, lo);
        transpose_codes8(rows + 8, off, hi);
        for (int d = 0; d < 8; ++d)
            t[d] = _mm512_inserti64x4(_mm512_castsi256_si512(lo[d]), hi[d], 1);
    }
    static V code(I t, int byte)
    {
        const I top = byte == 3 ? t : _mm512_slli_epi32(t, unsigned(24 - 8 * byte));
        return _mm512_cvtepi32_ps(_mm512_srai_epi32(top, 24));
    }
    static V scales(const uint8_t* const* rows, int64_t off)
    {
        return _mm512_cvtph_ps(
            _mm256_inserti128_si256(_mm256_castsi128_si256(scales8(rows, off)), scales8(rows + 8, off), 1));
    }
    static void update(float* a, const uint8_t* codes, float rescale, float dw)
    {
        const V c = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes))));
        _mm512_storeu_ps(a, add(mul(_mm512_loadu_ps(a), _mm512_set1_ps(rescale)), mul(c, _mm512_set1_ps(dw))));
    }
    static void scale(const float* a, float inv, float* out)
    {
        _mm512_storeu_ps(out, mul(_mm512_loadu_ps(a), _mm512_set1_ps(inv)));
    }
};

}   // namespace

void attention_head_q8_0(const AttentionShape& s, const float* q, const uint8_t* k, const uint8_t* v, int64_t n_kv,
                         float* out, float* scratch)
{
    attention_q8_0_simd<Q8Ops>(s, q, k, v, n_kv, out, scratch);
}

}   // namespace causerie::kernels::avx512
#endif   // __AVX512F__
