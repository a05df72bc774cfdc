// AVX2+F16C element-wise ops (see ops_ref.h), bit-identical to their reference kernels. Compiled
// with those flags for this file only and entered only after cpu_features() found them.
#include "ops_ref.h"

#ifndef __AVX2__
namespace causerie::kernels::avx2 {
void geglu(const float*, const float*, float*, int64_t) {}
void rmsnorm(const float*, const float*, float*, int64_t, float) {}
}   // namespace causerie::kernels::avx2
#else
#include <immintrin.h>

namespace causerie::kernels::avx2 {

// geglu_ref 8 at a time: vcvtps2ph rounds to nearest even as fp32_to_fp16 does (subnormal
// halves included), so the gathered table entries are geglu_ref's; the -10 / 10 cut-offs and
// the one multiply by up as there. (Only a NaN gate may index another NaN entry: NaN either way.)
void geglu(const float* gate, const float* up, float* out, int64_t n)
{
    const float* table = gelu_tanh_f16_table();
    const __m256 lo = _mm256_set1_ps(-10.0f), hi = _mm256_set1_ps(10.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256i h = _mm256_cvtepu16_epi32(_mm256_cvtps_ph(g, _MM_FROUND_TO_NEAREST_INT));
        __m256 act = _mm256_i32gather_ps(table, h, 4);
        act = _mm256_blendv_ps(act, g, _mm256_cmp_ps(g, hi, _CMP_GE_OQ));
        act = _mm256_andnot_ps(_mm256_cmp_ps(g, lo, _CMP_LE_OQ), act);
        _mm256_storeu_ps(out + i, _mm256_mul_ps(act, _mm256_loadu_ps(up + i)));
    }
    if (i < n)
        geglu_ref(gate + i, up + i, out + i, n - i);
}

// rmsnorm_ref: the same scale (rmsnorm_scale), then (x * scale) * w 8 at a time, two roundings
// per element as there. y may be x.
void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps)
{
    const float scale = rmsnorm_scale(x, n, eps);
    const __m256 sv = _mm256_set1_ps(scale);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), sv), _mm256_loadu_ps(w + i)));
    for (; i < n; ++i)
        y[i] = (x[i] * scale) * w[i];
}

}   // namespace causerie::kernels::avx2
#endif   // __AVX2__
