#include "attention_cpu.h"

#include "cpu_features.h"
#include "dequant_ref.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace causerie::kernels {

int64_t attention_scratch_floats(const AttentionShape& s)
{
    // q rounded to F16 (head_dim floats) + the F16 accumulator (value_dim halves, in floats' room)
    return s.head_dim + (s.value_dim + 1) / 2 + 8;
}

void attention_head_scalar(const AttentionShape& s, const float* q, const uint16_t* k, const uint16_t* v, int64_t n_kv,
                           float* out, float* scratch)
{
    const int64_t hd = s.head_dim, vd = s.value_dim;
    float* q16 = scratch;
    auto* acc = reinterpret_cast<uint16_t*>(scratch + hd);   // F16 running sum of p * v
    for (int64_t i = 0; i < hd; ++i)
        q16[i] = fp16_to_fp32(fp32_to_fp16(q[i]));
    std::fill(acc, acc + vd, uint16_t(0));
    float max = -INFINITY;   // running maximum of the scores
    float sum = 0.0f;        // running sum of exp(score - max)
    for (int64_t j = 0; j < n_kv; ++j) {
        const uint16_t* kj = k + j * s.k_stride;
        float dot = 0.0f;
        for (int64_t i = 0; i < hd; ++i)
            dot += q16[i] * fp16_to_fp32(kj[i]);
        const float score = s.softcap != 0.0f ? s.softcap * std::tanh(dot * (s.scale / s.softcap)) : dot * s.scale;
        float rescale = 1.0f;   // applied to what was accumulated so far
        float w = 1.0f;         // weight of this position
        if (score > max) {
            rescale = std::exp(max - score);
            max = score;
            for (int64_t i = 0; i < vd; ++i)
                acc[i] = fp32_to_fp16(fp16_to_fp32(acc[i]) * rescale);
        } else {
            w = std::exp(score - max);
        }
        const uint16_t* vj = v + j * s.v_stride;
        for (int64_t i = 0; i < vd; ++i)
            acc[i] = fp32_to_fp16(fp16_to_fp32(acc[i]) + fp16_to_fp32(vj[i]) * w);
        sum = sum * rescale + w;
    }
    const float inv = 1.0f / sum;
    for (int64_t i = 0; i < vd; ++i)
        out[i] = fp16_to_fp32(acc[i]) * inv;
}

void attention_head_cpu(const AttentionShape& s, const float* q, const uint16_t* k, const uint16_t* v, int64_t n_kv,
                        float* out, float* scratch)
{
    if (cpu_features().avx2)
        avx2::attention_head(s, q, k, v, n_kv, out, scratch);
    else
        attention_head_scalar(s, q, k, v, n_kv, out, scratch);
}

}   // namespace causerie::kernels
