#include "dequant_ref.h"

#include "quant_blocks_ref.h"

#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>

namespace causerie::kernels {

// ---- half and bfloat16 -----------------------------------------------------------------
// IEEE half: 1 sign, 5 exponent (bias 15), 10 mantissa bits. Exponent 0 = zero/subnormal
// (value m * 2^-24), exponent 31 = inf/NaN.

float fp16_to_fp32(uint16_t h)
{
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1Fu;
    const uint32_t mant = h & 0x3FFu;
    if (exp == 0) {
        // m * 2^-24 is exact in float for m < 1024.
        const float mag = float(mant) * 0x1p-24f;
        return std::bit_cast<float>(std::bit_cast<uint32_t>(mag) | sign);
    }
    if (exp == 31)
        return std::bit_cast<float>(sign | 0x7F800000u | mant << 13);   // inf, or NaN with payload
    return std::bit_cast<float>(sign | (exp + 112) << 23 | mant << 13);
}

uint16_t fp32_to_fp16(float f)
{
    const uint32_t x = std::bit_cast<uint32_t>(f);
    const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
    const uint32_t abs = x & 0x7FFFFFFFu;
    if (abs > 0x7F800000u)
        return uint16_t(sign | 0x7E00u);   // NaN -> quiet NaN
    if (abs >= 0x477FF000u)
        return uint16_t(sign | 0x7C00u);   // >= 65520 rounds to inf (65504 is the largest half)
    const uint32_t exp = abs >> 23;
    if (exp < 113) {
        // Below 2^-14: subnormal half, code = round_even(value / 2^-24) = (m * 2^(exp-126)).
        const uint32_t shift = 126 - exp;
        if (shift > 24)
            return sign;   // < 2^-25 (or exactly 2^-25, a tie that goes to even 0)
        const uint32_t m = (abs & 0x7FFFFFu) | 0x800000u;
        uint32_t code = m >> shift;
        const uint32_t rem = m & ((1u << shift) - 1);
        const uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (code & 1u)))
            ++code;   // may carry into the smallest normal, which is the right encoding
        return uint16_t(sign | code);
    }
    uint32_t code = (exp - 112) << 10 | (abs & 0x7FFFFFu) >> 13;
    const uint32_t rem = abs & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (code & 1u)))
        ++code;   // a carry into the exponent is correct rounding; inf was excluded above
    return uint16_t(sign | code);
}

float bf16_to_fp32(uint16_t h) { return std::bit_cast<float>(uint32_t(h) << 16); }

uint16_t fp32_to_bf16(float f)
{
    const uint32_t x = std::bit_cast<uint32_t>(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u)
        return uint16_t((x >> 16) | 0x40u);   // keep sign and top payload, force quiet
    return uint16_t((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

// ---- per-type rows ---------------------------------------------------------------------
namespace {

using namespace blocks;

// Each of nb blocks decoded by decode(block, out), which writes the block's `PerBlock` values.
template <class Block, int PerBlock, class Decode>
void dequant_blocks(const void* src, float* y, int64_t nb, Decode decode)
{
    for (int64_t i = 0; i < nb; ++i)
        decode(load_block<Block>(src, i), y + i * PerBlock);
}

// Q4_0 / Q5_0: x = (q - Offset) * d.
template <class Block, int Offset>
void dequant_symmetric(const void* src, float* y, int64_t nb)
{
    dequant_blocks<Block, QK>(src, y, nb, [](const Block& b, float* out) {
        const float d = fp16_to_fp32(b.d);
        int q[QK];
        unpack_nibbles(b.qs, q);
        if constexpr (std::is_same_v<Block, BlockQ5_0>)
            add_high_bits(b.qh, q);
        for (int j = 0; j < QK; ++j)
            out[j] = float(q[j] - Offset) * d;
    });
}

// Q4_1 / Q5_1: x = q * d + m.
template <class Block>
void dequant_with_min(const void* src, float* y, int64_t nb)
{
    dequant_blocks<Block, QK>(src, y, nb, [](const Block& b, float* out) {
        const float d = fp16_to_fp32(b.d);
        const float m = fp16_to_fp32(b.m);
        int q[QK];
        unpack_nibbles(b.qs, q);
        if constexpr (std::is_same_v<Block, BlockQ5_1>)
            add_high_bits(b.qh, q);
        for (int j = 0; j < QK; ++j)
            out[j] = float(q[j]) * d + m;
    });
}

// Q8_0 / Q8_1 (whose sum field decoding ignores): x = q * d.
template <class Block>
void dequant_q8(const void* src, float* y, int64_t nb)
{
    dequant_blocks<Block, QK>(src, y, nb, [](const Block& b, float* out) {
        const float d = fp16_to_fp32(b.d);
        for (int j = 0; j < QK; ++j)
            out[j] = float(b.qs[j]) * d;
    });
}

// Q4_K and Q5_K: x = (d * sc[s]) * q - dmin * m[s] for sub-block s = e / 32, as ggml computes it.
void dequant_k_with_mins(const uint16_t d16, const uint16_t dmin16, const uint8_t scales[12], const int q[QK_K],
                         float* y)
{
    const float d = fp16_to_fp32(d16);
    const float dmin = fp16_to_fp32(dmin16);
    int sc[8], m[8];
    unpack_scales_k4(scales, sc, m);
    for (int s = 0; s < 8; ++s) {
        const float ds = d * float(sc[s]);
        const float ms = dmin * float(m[s]);
        for (int l = 0; l < 32; ++l)
            y[32 * s + l] = ds * float(q[32 * s + l]) - ms;
    }
}

template <class Block>
void dequant_q4_k_q5_k(const void* src, float* y, int64_t nb)
{
    dequant_blocks<Block, QK_K>(src, y, nb, [](const Block& b, float* out) {
        int q[QK_K];
        unpack_q4_k_codes(b.qs, q);
        if constexpr (std::is_same_v<Block, BlockQ5_K>)
            add_q5_k_high_bits(b.qh, q);
        dequant_k_with_mins(b.d, b.dmin, b.scales, q, out);
    });
}

void dequant_q6_k(const void* src, float* y, int64_t nb)
{
    dequant_blocks<BlockQ6_K, QK_K>(src, y, nb, [](const BlockQ6_K& b, float* out) {
        const float d = fp16_to_fp32(b.d);
        int q[QK_K];
        unpack_q6_k_codes(b, q);
        for (int e = 0; e < QK_K; ++e)
            out[e] = d * float(b.scales[e / 16]) * float(q[e]);
    });
}

// Q2_K: x = (d * sc) * q - dmin * m per 16 elements, as ggml computes it.
void dequant_q2_k(const void* src, float* y, int64_t nb)
{
    dequant_blocks<BlockQ2_K, QK_K>(src, y, nb, [](const BlockQ2_K& b, float* out) {
        const float d = fp16_to_fp32(b.d);
        const float dmin = fp16_to_fp32(b.dmin);
        int q[QK_K];
        unpack_q2_k_codes(b.qs, q);
        for (int s = 0; s < QK_K / 16; ++s) {
            const float dl = d * float(b.scales[s] & 0x0F);
            const float ml = dmin * float(b.scales[s] >> 4);
            for (int l = 0; l < 16; ++l)
                out[16 * s + l] = dl * float(q[16 * s + l]) - ml;
        }
    });
}

void dequant_q3_k(const void* src, float* y, int64_t nb)
{
    dequant_blocks<BlockQ3_K, QK_K>(src, y, nb, [](const BlockQ3_K& b, float* out) {
        const float d = fp16_to_fp32(b.d);
        int q[QK_K], sc[16];
        unpack_q3_k_codes(b, q);
        unpack_scales_q3_k(b.scales, sc);
        for (int s = 0; s < QK_K / 16; ++s) {
            const float dl = d * float(sc[s]);
            for (int l = 0; l < 16; ++l)
                out[16 * s + l] = dl * float(q[16 * s + l]);
        }
    });
}

void dequant_iq4_nl(const void* src, float* y, int64_t nb)
{
    dequant_blocks<BlockIQ4_NL, QK>(src, y, nb, [](const BlockIQ4_NL& b, float* out) {
        const float d = fp16_to_fp32(b.d);
        int v[QK];
        unpack_iq4_values(b.qs, v);
        for (int j = 0; j < QK; ++j)
            out[j] = d * float(v[j]);
    });
}

void dequant_iq4_xs(const void* src, float* y, int64_t nb)
{
    dequant_blocks<BlockIQ4_XS, QK_K>(src, y, nb, [](const BlockIQ4_XS& b, float* out) {
        const float d = fp16_to_fp32(b.d);
        for (int ib = 0; ib < QK_K / QK; ++ib) {
            const float dl = d * float(iq4_xs_scale(b, ib));
            int v[QK];
            unpack_iq4_values(b.qs + 16 * ib, v);
            for (int j = 0; j < QK; ++j)
                out[QK * ib + j] = dl * float(v[j]);
        }
    });
}

void dequant_q8_k(const void* src, float* y, int64_t nb)
{
    dequant_blocks<BlockQ8_K, QK_K>(src, y, nb, [](const BlockQ8_K& b, float* out) {
        for (int e = 0; e < QK_K; ++e)
            out[e] = b.d * float(b.qs[e]);
    });
}

// F16 / BF16: each 2-byte value through Convert.
template <float (*Convert)(uint16_t)>
void dequant_halves(const uint8_t* p, float* y, int64_t n)
{
    for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        y[i] = Convert(h);
    }
}

}   // namespace

void dequantize_row_ref(TensorType type, const void* src, float* dst, int64_t n)
{
    const auto* p = static_cast<const uint8_t*>(src);
    switch (type) {
    case TensorType::F32: std::memcpy(dst, src, size_t(n) * sizeof(float)); return;
    case TensorType::F16: dequant_halves<fp16_to_fp32>(p, dst, n); return;
    case TensorType::BF16: dequant_halves<bf16_to_fp32>(p, dst, n); return;
    case TensorType::Q4_0: dequant_symmetric<BlockQ4_0, 8>(src, dst, n / QK); return;
    case TensorType::Q4_1: dequant_with_min<BlockQ4_1>(src, dst, n / QK); return;
    case TensorType::Q5_0: dequant_symmetric<BlockQ5_0, 16>(src, dst, n / QK); return;
    case TensorType::Q5_1: dequant_with_min<BlockQ5_1>(src, dst, n / QK); return;
    case TensorType::Q8_0: dequant_q8<BlockQ8_0>(src, dst, n / QK); return;
    case TensorType::Q8_1: dequant_q8<BlockQ8_1>(src, dst, n / QK); return;
    case TensorType::Q4_K: dequant_q4_k_q5_k<BlockQ4_K>(src, dst, n / QK_K); return;
    case TensorType::Q5_K: dequant_q4_k_q5_k<BlockQ5_K>(src, dst, n / QK_K); return;
    case TensorType::Q6_K: dequant_q6_k(src, dst, n / QK_K); return;
    case TensorType::Q8_K: dequant_q8_k(src, dst, n / QK_K); return;
    case TensorType::Q2_K: dequant_q2_k(src, dst, n / QK_K); return;
    case TensorType::Q3_K: dequant_q3_k(src, dst, n / QK_K); return;
    case TensorType::IQ4_NL: dequant_iq4_nl(src, dst, n / QK); return;
    case TensorType::IQ4_XS: dequant_iq4_xs(src, dst, n / QK_K); return;
    }
    // A type number outside the enum (callers check type_traits() first): NaN makes a missed
    // check visible in any result instead of silently producing plausible numbers.
    for (int64_t i = 0; i < n; ++i)
        dst[i] = std::numeric_limits<float>::quiet_NaN();
}

}   // namespace causerie::kernels
