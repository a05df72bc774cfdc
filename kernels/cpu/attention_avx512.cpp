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

    // Lane l: byte `byte` (0..3) of each dword in t, sign-extended, as a float.
    static __m512 code(__m512i t, int byte)
    {
        const __m512i top = byte == 3 ? t : _mm512_slli_epi32(t, unsigned(24 - 8 * byte));
        return _mm512_cvtepi32_ps(_mm512_srai_epi32(top, 24));
    }

    // NB blocks at once: their sums are independent chains until added in block order.
    template <int NB>
    static void blocks(const float* q16, const uint8_t* const* rows, int64_t b, __m512& dot)
    {
        __m512 part[NB];
        __m512i t[NB][8];
        for (int n = 0; n < NB; ++n) {
            part[n] = _mm512_setzero_ps();
            __m256i lo[8], hi[8];
            transpose_codes8(rows, (b + n) * kQ8Block + 2, lo);
            transpose_codes8(rows + 8, (b + n) * kQ8Block + 2, hi);
            for (int d = 0; d < 8; ++d)
                t[n][d] = _mm512_inserti64x4(_mm512_castsi256_si512(lo[d]), hi[d], 1);
        }
        for (int d = 0; d < 8; ++d)
            for (int byte = 0; byte < 4; ++byte)
                for (int n = 0; n < NB; ++n)
                    part[n] =
                        _mm512_fmadd_ps(_mm512_set1_ps(q16[(b + n) * 32 + 4 * d + byte]), code(t[n][d], byte), part[n]);
        for (int n = 0; n < NB; ++n) {
            const int64_t off = (b + n) * kQ8Block;
            const __m512 d = _mm512_cvtph_ps(
                _mm256_inserti128_si256(_mm256_castsi128_si256(scales8(rows, off)), scales8(rows + 8, off), 1));
            dot = _mm512_add_ps(dot, _mm512_mul_ps(d, part[n]));
        }
    }

    static void dots(const float* q16, const uint8_t* const* rows, int64_t n_blocks, float* out)
    {
        __m512 dot = _mm512_setzero_ps();
        int64_t b = 0;
        for (; b + 2 <= n_blocks; b += 2)
            blocks<2>(q16, rows, b, dot);
        if (b < n_blocks)
            blocks<1>(q16, rows, b, dot);
        _mm512_storeu_ps(out, dot);
    }

    static void accumulate(float* acc, const uint8_t* v, int64_t vd, float rescale, float w)
    {
        const __m512 r = _mm512_set1_ps(rescale);
        for (int64_t b = 0; b < vd / 32; ++b) {
            const uint8_t* blk = v + b * kQ8Block;
            const __m512 dw = _mm512_set1_ps(_cvtsh_ss(load_u16(blk)) * w);
            for (int64_t i = 0; i < 32; i += 16) {
                const __m512 c = _mm512_cvtepi32_ps(
                    _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 2 + i))));
                float* a = acc + b * 32 + i;
                _mm512_storeu_ps(a, _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(a), r), _mm512_mul_ps(c, dw)));
            }
        }
    }

    static void finish(const float* acc, int64_t vd, float inv, float* out)
    {
        const __m512 s = _mm512_set1_ps(inv);
        for (int64_t i = 0; i < vd; i += 16)
            _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_loadu_ps(acc + i), s));
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
