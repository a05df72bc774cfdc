#include "attention_cpu.h"

#include "cpu_features.h"
#include "dequant_ref.h"
#include "quant_blocks_ref.h"

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

int64_t attention_q8_0_scratch_floats(const AttentionShape& s) { return s.head_dim + s.value_dim; }

void attention_head_q8_0(const AttentionShape& s, const float* q, const uint8_t* k, const uint8_t* v, int64_t n_kv,
                         float* out, float* scratch)
{
    const int64_t hd = s.head_dim, vd = s.value_dim;
    float* q16 = scratch;
    float* acc = scratch + hd;   // float running sum of p * v
    for (int64_t i = 0; i < hd; ++i)
        q16[i] = fp16_to_fp32(fp32_to_fp16(q[i]));
    std::fill(acc, acc + vd, 0.0f);
    float max = -INFINITY;
    float sum = 0.0f;
    for (int64_t j = 0; j < n_kv; ++j) {
        const auto* kb = reinterpret_cast<const blocks::BlockQ8_0*>(k + j * s.k_stride);
        float dot = 0.0f;
        for (int64_t b = 0; b < hd / blocks::QK; ++b) {
            float part = 0.0f;
            for (int i = 0; i < blocks::QK; ++i)
                part += q16[b * blocks::QK + i] * float(kb[b].qs[i]);
            dot += fp16_to_fp32(kb[b].d) * part;
        }
        const float score = s.softcap != 0.0f ? s.softcap * std::tanh(dot * (s.scale / s.softcap)) : dot * s.scale;
        float rescale = 1.0f;
        float w = 1.0f;
        if (score > max) {
            rescale = std::exp(max - score);
            max = score;
            for (int64_t i = 0; i < vd; ++i)
                acc[i] *= rescale;
        } else {
            w = std::exp(score - max);
        }
        const auto* vb = reinterpret_cast<const blocks::BlockQ8_0*>(v + j * s.v_stride);
        for (int64_t b = 0; b < vd / blocks::QK; ++b) {
            const float dw = fp16_to_fp32(vb[b].d) * w;
            for (int i = 0; i < blocks::QK; ++i)
                acc[b * blocks::QK + i] += float(vb[b].qs[i]) * dw;
        }
        sum = sum * rescale + w;
    }
    const float inv = 1.0f / sum;
    for (int64_t i = 0; i < vd; ++i)
        out[i] = acc[i] * inv;
}

void attention_head_q8_0_cpu(const AttentionShape& s, const float* q, const uint8_t* k, const uint8_t* v, int64_t n_kv,
                             float* out, float* scratch)
{
    const CpuFeatures& f = cpu_features();
    if (f.avx512)
        avx512::attention_head_q8_0(s, q, k, v, n_kv, out, scratch);
    else if (f.avx2)
        avx2::attention_head_q8_0(s, q, k, v, n_kv, out, scratch);
    else
        attention_head_q8_0(s, q, k, v, n_kv, out, scratch);
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
