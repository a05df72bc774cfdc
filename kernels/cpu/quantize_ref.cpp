#include "quantize_ref.h"

#include "dequant_ref.h"
#include "quant_blocks_ref.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <type_traits>
#include <cstring>

namespace causerie::kernels {
namespace {

using namespace blocks;

// float -> integer code, clamped to [lo, hi]; NaN gives 0. Without the guard a NaN or inf
// input would be an undefined float->int conversion; with it bad activations give a NaN/inf
// scale (visible in the output) instead of a crash.
int clamp_code(float v, int lo, int hi)
{
    if (!(v == v))
        return 0;
    if (v <= float(lo))
        return lo;
    if (v >= float(hi))
        return hi;
    return int(v);
}

// ggml's nearest_int: round half to even via the 1.5 * 2^23 trick (exact for |v| < 2^22,
// which holds for every in-range code; larger values are clamped by the callers' ranges).
int nearest_int(float v)
{
    if (!(std::fabs(v) < 4194303.f))
        return clamp_code(v, -4194303, 4194303);
    const float shifted = v + 12582912.f;
    int32_t i;
    std::memcpy(&i, &shifted, sizeof i);
    return (i & 0x007FFFFF) - 0x00400000;
}

// Smallest half >= v (v >= 0): scales are rounded up so that the coded range still covers
// the block's values and nothing is clipped.
uint16_t fp16_at_least(float v)
{
    uint16_t h = fp32_to_fp16(v);
    if (fp16_to_fp32(h) < v && h < 0x7C00u)
        ++h;
    return h;
}

// ---- activation formats: byte-exact with ggml's quantize_row_*_ref ------------------------

// Q8_0 / Q8_1: d = amax / 127, codes rounded half away from zero. Q8_1 also carries
// s = d * sum(q), so a Q4_1/Q5_1 dot can apply the weight's min in one product.
template <class Block>
void quantize_q8(const float* x, void* dst, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, x += QK) {
        float amax = 0.0f;
        for (int j = 0; j < QK; ++j)
            amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        Block b;
        b.d = fp32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < QK; ++j) {
            b.qs[j] = int8_t(clamp_code(std::round(x[j] * id), -128, 127));
            sum += b.qs[j];
        }
        if constexpr (std::is_same_v<Block, BlockQ8_1>)
            b.s = fp32_to_fp16(float(sum) * d);
        store_block(dst, i, b);
    }
}

void quantize_q8_k(const float* x, void* dst, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, x += QK_K) {
        // Signed value of largest magnitude (first one on ties), as ggml.
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK_K; ++j) {
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        BlockQ8_K b;
        std::memset(&b, 0, sizeof b);
        if (amax != 0.0f) {
            // -127/max: the largest magnitude maps to -127 and d comes out with the sign of -max;
            // ggml does this so that codes stay in [-127, 127] for its SIMD kernels.
            const float iscale = -127.0f / max;
            for (int j = 0; j < QK_K; ++j)
                b.qs[j] = int8_t(std::clamp(nearest_int(iscale * x[j]), -128, 127));
            for (int s = 0; s < QK_K / 16; ++s) {
                int sum = 0;
                for (int l = 0; l < 16; ++l)
                    sum += b.qs[16 * s + l];
                b.bsums[s] = int16_t(sum);
            }
            b.d = 1.0f / iscale;
        }
        store_block(dst, i, b);
    }
}

// ---- legacy weight formats: same rounding as ggml's reference quantizers -----------------

// Q4_0 / Q5_0: x ~ d * (q - Half) with q in [0, 2 Half - 1]. The largest magnitude gets code 0
// (-Half * d), so d has the sign of -max.
template <class Block, int Half>
void quantize_symmetric(const float* x, void* dst, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, x += QK) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK; ++j) {
            if (amax < std::fabs(x[j])) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        const float d = max / -float(Half);
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int q[QK];
        for (int j = 0; j < QK; ++j)
            q[j] = clamp_code(x[j] * id + (float(Half) + 0.5f), 0, 2 * Half - 1);   // truncation of v + 0.5 = rounding
        Block b;
        b.d = fp32_to_fp16(d);
        if constexpr (std::is_same_v<Block, BlockQ5_0>)
            pack_high_bits(q, b.qh);
        pack_nibbles(q, b.qs);
        store_block(dst, i, b);
    }
}

// Q4_1 / Q5_1: x ~ d * q + m with m = block min, q in [0, qmax].
template <class Block>
void quantize_with_min(const float* x, void* dst, int64_t nb, int qmax)
{
    for (int64_t i = 0; i < nb; ++i, x += QK) {
        float min = FLT_MAX, max = -FLT_MAX;
        for (int j = 0; j < QK; ++j) {
            min = std::min(min, x[j]);
            max = std::max(max, x[j]);
        }
        const float d = (max - min) / float(qmax);
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int q[QK];
        for (int j = 0; j < QK; ++j)
            q[j] = clamp_code((x[j] - min) * id + 0.5f, 0, qmax);
        Block b;
        b.d = fp32_to_fp16(d);
        b.m = fp32_to_fp16(min);
        if constexpr (sizeof(Block) == sizeof(BlockQ5_1))
            pack_high_bits(q, b.qh);
        pack_nibbles(q, b.qs);
        store_block(dst, i, b);
    }
}

// ---- K-quant weight formats: a simple min/max fit, not ggml's iterative search ------------
// Sub-block s (32 values) is coded as x ~ (d*sc[s]) * q - dmin*m[s], with 6-bit sc and m.
// The offset -dmin*m[s] is rounded down to at most the sub-block minimum (clamped to <= 0,
// the format cannot shift up) and the step rounded up, so every value lies inside the coded
// range and the error is at most half a step plus rounding (see tst_quantize for the bound).
void fit_k_with_mins(const float* x, int qmax, uint16_t& d16, uint16_t& dmin16, int sc[8], int m[8], int q[QK_K])
{
    float lo[8], hi[8];
    float max_neg = 0.0f;
    for (int s = 0; s < 8; ++s) {
        lo[s] = 0.0f;
        hi[s] = 0.0f;
        for (int l = 0; l < 32; ++l) {
            lo[s] = std::min(lo[s], x[32 * s + l]);
            hi[s] = std::max(hi[s], x[32 * s + l]);
        }
        max_neg = std::max(max_neg, -lo[s]);
    }
    dmin16 = fp16_at_least(max_neg / 63.0f);
    const float dmin = fp16_to_fp32(dmin16);
    float low[8], need[8];
    float max_need = 0.0f;
    for (int s = 0; s < 8; ++s) {
        m[s] = dmin > 0.0f ? clamp_code(std::ceil(-lo[s] / dmin), 0, 63) : 0;
        low[s] = -(dmin * float(m[s]));
        need[s] = std::max(0.0f, (hi[s] - low[s]) / float(qmax));
        max_need = std::max(max_need, need[s]);
    }
    d16 = fp16_at_least(max_need / 63.0f);
    const float d = fp16_to_fp32(d16);
    for (int s = 0; s < 8; ++s) {
        sc[s] = d > 0.0f ? clamp_code(std::ceil(need[s] / d), 0, 63) : 0;
        const float step = d * float(sc[s]);
        for (int l = 0; l < 32; ++l) {
            const float v = x[32 * s + l];
            q[32 * s + l] = step > 0.0f ? std::clamp(nearest_int((v - low[s]) / step), 0, qmax) : 0;
        }
    }
}

// Q4_K / Q5_K: codes in [0, qmax], the fifth bit of Q5_K's stored apart.
template <class Block>
void quantize_k_with_mins(const float* x, void* dst, int64_t nb, int qmax)
{
    for (int64_t i = 0; i < nb; ++i, x += QK_K) {
        Block b;
        int sc[8], m[8], q[QK_K];
        fit_k_with_mins(x, qmax, b.d, b.dmin, sc, m, q);
        pack_scales_k4(sc, m, b.scales);
        pack_q4_k_codes(q, b.qs);
        if constexpr (std::is_same_v<Block, BlockQ5_K>)
            pack_q5_k_high_bits(q, b.qh);
        store_block(dst, i, b);
    }
}

// Q6_K: 16 sub-blocks of 16, x ~ (d*sc[s]) * q with int8 sc and q in [-32, 31]. Symmetric fit
// using [-31, 31] so that both signs have the same reach; sc rounded up, so nothing clips.
void quantize_q6_k(const float* x, void* dst, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, x += QK_K) {
        float scale[16];
        float max_scale = 0.0f;
        for (int s = 0; s < 16; ++s) {
            float amax = 0.0f;
            for (int l = 0; l < 16; ++l)
                amax = std::max(amax, std::fabs(x[16 * s + l]));
            scale[s] = amax / 31.0f;
            max_scale = std::max(max_scale, scale[s]);
        }
        BlockQ6_K b;
        b.d = fp16_at_least(max_scale / 127.0f);
        const float d = fp16_to_fp32(b.d);
        int q[QK_K];
        for (int s = 0; s < 16; ++s) {
            const int sc = d > 0.0f ? clamp_code(std::ceil(scale[s] / d), 0, 127) : 0;
            b.scales[s] = int8_t(sc);
            const float step = d * float(sc);
            for (int l = 0; l < 16; ++l)
                q[16 * s + l] = step > 0.0f ? std::clamp(nearest_int(x[16 * s + l] / step), -32, 31) : 0;
        }
        pack_q6_k_codes(q, b);
        store_block(dst, i, b);
    }
}

}   // namespace

void quantize_row_ref(TensorType type, const float* src, void* dst, int64_t n)
{
    auto* out = static_cast<uint8_t*>(dst);
    switch (type) {
    case TensorType::F32: std::memcpy(dst, src, size_t(n) * sizeof(float)); return;
    case TensorType::F16:
        for (int64_t i = 0; i < n; ++i) {
            const uint16_t h = fp32_to_fp16(src[i]);
            std::memcpy(out + 2 * i, &h, 2);
        }
        return;
    case TensorType::BF16:
        for (int64_t i = 0; i < n; ++i) {
            const uint16_t h = fp32_to_bf16(src[i]);
            std::memcpy(out + 2 * i, &h, 2);
        }
        return;
    case TensorType::Q4_0: quantize_symmetric<BlockQ4_0, 8>(src, dst, n / QK); return;
    case TensorType::Q4_1: quantize_with_min<BlockQ4_1>(src, dst, n / QK, 15); return;
    case TensorType::Q5_0: quantize_symmetric<BlockQ5_0, 16>(src, dst, n / QK); return;
    case TensorType::Q5_1: quantize_with_min<BlockQ5_1>(src, dst, n / QK, 31); return;
    case TensorType::Q8_0: quantize_q8<BlockQ8_0>(src, dst, n / QK); return;
    case TensorType::Q8_1: quantize_q8<BlockQ8_1>(src, dst, n / QK); return;
    case TensorType::Q4_K: quantize_k_with_mins<BlockQ4_K>(src, dst, n / QK_K, 15); return;
    case TensorType::Q5_K: quantize_k_with_mins<BlockQ5_K>(src, dst, n / QK_K, 31); return;
    case TensorType::Q6_K: quantize_q6_k(src, dst, n / QK_K); return;
    case TensorType::Q8_K: quantize_q8_k(src, dst, n / QK_K); return;
    case TensorType::Q2_K:
    case TensorType::Q3_K:
    case TensorType::IQ4_NL:
    case TensorType::IQ4_XS: break;
    }
    // No quantizer (weights of these types come from llama.cpp's files): all-zero blocks are valid and decode to zeros.
    std::memset(dst, 0, row_bytes(type, n));
}

bool has_quantizer_ref(TensorType type)
{
    switch (type) {
    case TensorType::Q2_K:
    case TensorType::Q3_K:
    case TensorType::IQ4_NL:
    case TensorType::IQ4_XS: return false;
    default: return type_traits(uint32_t(type)) != nullptr;
    }
}

}   // namespace causerie::kernels
