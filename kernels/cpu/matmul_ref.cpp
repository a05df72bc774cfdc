#include "matmul_ref.h"

#include "dequant_ref.h"
#include "quant_blocks_ref.h"
#include "quantize_ref.h"

#include <cstring>
#include <limits>
#include <vector>

namespace causerie::kernels {
namespace {

using namespace blocks;

// Each quantized dot is an exact integer sum per block, scaled in float the way ggml's scalar
// (generic) kernels do; only the float accumulation order across blocks may differ from
// ggml's SIMD paths.

// sum_i block_dot(w block i, x block i) over nb blocks, accumulated in block order.
template <class BlockW, class BlockX, class BlockDot>
float dot_blocks(const void* w, const void* x, int64_t nb, BlockDot block_dot)
{
    float sumf = 0.0f;
    for (int64_t i = 0; i < nb; ++i)
        sumf += block_dot(load_block<BlockW>(w, i), load_block<BlockX>(x, i));
    return sumf;
}

// sum_j (q[j] - offset) * y[j] over n codes: exact in int for every block size here.
template <class Code>
int dot_codes(const Code* q, const int8_t* y, int n, int offset = 0)
{
    int sumi = 0;
    for (int j = 0; j < n; ++j)
        sumi += (q[j] - offset) * y[j];
    return sumi;
}

// sum_s scale(s) * (16 codes of sub-block s . y) over the 16 sub-blocks of a super-block.
template <class Scale>
int dot_sub16(const int q[QK_K], const int8_t y[QK_K], Scale scale)
{
    int sumi = 0;
    for (int s = 0; s < QK_K / 16; ++s)
        sumi += scale(s) * dot_codes(q + 16 * s, y + 16 * s, 16);
    return sumi;
}

float dot_q4_0_q8_0(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<BlockQ4_0, BlockQ8_0>(w, x, nb, [](const BlockQ4_0& bw, const BlockQ8_0& bx) {
        int q[QK];
        unpack_nibbles(bw.qs, q);
        return float(dot_codes(q, bx.qs, QK, 8)) * fp16_to_fp32(bw.d) * fp16_to_fp32(bx.d);
    });
}

float dot_q5_0_q8_0(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<BlockQ5_0, BlockQ8_0>(w, x, nb, [](const BlockQ5_0& bw, const BlockQ8_0& bx) {
        int q[QK];
        unpack_nibbles(bw.qs, q);
        add_high_bits(bw.qh, q);
        return float(dot_codes(q, bx.qs, QK, 16)) * fp16_to_fp32(bw.d) * fp16_to_fp32(bx.d);
    });
}

float dot_q8_0_q8_0(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<BlockQ8_0, BlockQ8_0>(w, x, nb, [](const BlockQ8_0& bw, const BlockQ8_0& bx) {
        return float(dot_codes(bw.qs, bx.qs, QK)) * (fp16_to_fp32(bw.d) * fp16_to_fp32(bx.d));
    });
}

// Q4_1 / Q5_1 weights: sum_j (d_w q_j + m_w) * d_x y_j = d_w d_x sum(q y) + m_w * (d_x sum y),
// and Q8_1 stores s = d_x * sum(y), so the min term needs no second pass.
template <class Block>
float dot_with_min_q8_1(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<Block, BlockQ8_1>(w, x, nb, [](const Block& bw, const BlockQ8_1& bx) {
        int q[QK];
        unpack_nibbles(bw.qs, q);
        if constexpr (sizeof(Block) == sizeof(BlockQ5_1))
            add_high_bits(bw.qh, q);
        return (fp16_to_fp32(bw.d) * fp16_to_fp32(bx.d)) * float(dot_codes(q, bx.qs, QK)) +
               fp16_to_fp32(bw.m) * fp16_to_fp32(bx.s);
    });
}

// Q4_K / Q5_K weights: sum_s sum_l ((d sc_s) q - dmin m_s) * d_x y
//   = d d_x sum_s sc_s sum_l q y  -  dmin d_x sum_s m_s sum_l y,
// where sum_l y over a 32-element sub-block is two of Q8_K's 16-element bsums.
// Integer ranges: |sc q y| <= 63 * 31 * 128 per element, 256 elements: < 2^27, fits int.
float dot_k_with_mins(const uint16_t d16, const uint16_t dmin16, const uint8_t scales[12], const int q[QK_K],
                      const BlockQ8_K& bx)
{
    int sc[8], m[8];
    unpack_scales_k4(scales, sc, m);
    int sumi = 0;
    for (int s = 0; s < 8; ++s)
        sumi += sc[s] * dot_codes(q + 32 * s, bx.qs + 32 * s, 32);
    int summ = 0;
    for (int j = 0; j < QK_K / 16; ++j)
        summ += bx.bsums[j] * m[j / 2];
    const float d = fp16_to_fp32(d16) * bx.d;
    const float dmin = fp16_to_fp32(dmin16) * bx.d;
    return d * float(sumi) - dmin * float(summ);
}

float dot_q4_k_q8_k(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<BlockQ4_K, BlockQ8_K>(w, x, nb, [](const BlockQ4_K& bw, const BlockQ8_K& bx) {
        int q[QK_K];
        unpack_q4_k_codes(bw.qs, q);
        return dot_k_with_mins(bw.d, bw.dmin, bw.scales, q, bx);
    });
}

float dot_q5_k_q8_k(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<BlockQ5_K, BlockQ8_K>(w, x, nb, [](const BlockQ5_K& bw, const BlockQ8_K& bx) {
        int q[QK_K];
        unpack_q4_k_codes(bw.qs, q);
        add_q5_k_high_bits(bw.qh, q);
        return dot_k_with_mins(bw.d, bw.dmin, bw.scales, q, bx);
    });
}

// Q6_K: codes are signed (-32 already applied), so there is no min term.
// |sc q y| <= 128 * 32 * 128 per element, 256 elements: 2^27, fits int.
float dot_q6_k_q8_k(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<BlockQ6_K, BlockQ8_K>(w, x, nb, [](const BlockQ6_K& bw, const BlockQ8_K& bx) {
        int q[QK_K];
        unpack_q6_k_codes(bw, q);
        const int sumi = dot_sub16(q, bx.qs, [&](int s) { return int(bw.scales[s]); });
        return (fp16_to_fp32(bw.d) * bx.d) * float(sumi);
    });
}

// Q2_K: sum_s ((d sc_s) q - dmin m_s) d_x y over 16-element sub-blocks s
//   = d d_x sum_s sc_s sum q y  -  dmin d_x sum_s m_s bsums_s.
// |sc q y| <= 15 * 3 * 128 per element, 256 elements: < 2^21.
float dot_q2_k_q8_k(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<BlockQ2_K, BlockQ8_K>(w, x, nb, [](const BlockQ2_K& bw, const BlockQ8_K& bx) {
        int q[QK_K];
        unpack_q2_k_codes(bw.qs, q);
        const int sumi = dot_sub16(q, bx.qs, [&](int s) { return bw.scales[s] & 0x0F; });
        int summ = 0;
        for (int s = 0; s < QK_K / 16; ++s)
            summ += (bw.scales[s] >> 4) * bx.bsums[s];
        const float d = fp16_to_fp32(bw.d) * bx.d;
        const float dmin = fp16_to_fp32(bw.dmin) * bx.d;
        return d * float(sumi) - dmin * float(summ);
    });
}

// Q3_K: signed codes [-4, 3] and signed scales [-32, 31]; |sc q y| <= 32 * 4 * 128 per element.
float dot_q3_k_q8_k(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<BlockQ3_K, BlockQ8_K>(w, x, nb, [](const BlockQ3_K& bw, const BlockQ8_K& bx) {
        int q[QK_K], sc[16];
        unpack_q3_k_codes(bw, q);
        unpack_scales_q3_k(bw.scales, sc);
        const int sumi = dot_sub16(q, bx.qs, [&](int s) { return sc[s]; });
        return (fp16_to_fp32(bw.d) * bx.d) * float(sumi);
    });
}

// IQ4_NL: grid values in [-127, 113] times Q8_0 codes, 32 per block.
float dot_iq4_nl_q8_0(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<BlockIQ4_NL, BlockQ8_0>(w, x, nb, [](const BlockIQ4_NL& bw, const BlockQ8_0& bx) {
        int v[QK];
        unpack_iq4_values(bw.qs, v);
        return (fp16_to_fp32(bw.d) * fp16_to_fp32(bx.d)) * float(dot_codes(v, bx.qs, QK));
    });
}

// IQ4_XS: one exact integer sum per super-block, sum_ib (ls_ib - 32) sum v y;
// |ls v y| <= 32 * 127 * 128 per element, 256 elements: < 2^30.
float dot_iq4_xs_q8_k(const void* w, const void* x, int64_t nb)
{
    return dot_blocks<BlockIQ4_XS, BlockQ8_K>(w, x, nb, [](const BlockIQ4_XS& bw, const BlockQ8_K& bx) {
        int sumi = 0;
        for (int ib = 0; ib < QK_K / QK; ++ib) {
            int v[QK];
            unpack_iq4_values(bw.qs + 16 * ib, v);
            sumi += iq4_xs_scale(bw, ib) * dot_codes(v, bx.qs + QK * ib, QK);
        }
        return (fp16_to_fp32(bw.d) * bx.d) * float(sumi);
    });
}

// F16 / BF16: both sides widened to float, products accumulated in float (as ggml's SIMD
// path; its scalar tail uses double, a difference far below the fp16 rounding of x).
template <float (*widen)(uint16_t)>
float dot_half(const void* w, const void* x, int64_t n)
{
    const auto* pw = static_cast<const uint8_t*>(w);
    const auto* px = static_cast<const uint8_t*>(x);
    float sumf = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
        uint16_t a, b;
        std::memcpy(&a, pw + 2 * i, 2);
        std::memcpy(&b, px + 2 * i, 2);
        sumf += widen(a) * widen(b);
    }
    return sumf;
}

float dot_f32(const void* w, const void* x, int64_t n)
{
    const auto* pw = static_cast<const uint8_t*>(w);
    const auto* px = static_cast<const float*>(x);
    float sumf = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
        float a;
        std::memcpy(&a, pw + 4 * i, 4);   // weight rows may sit at any offset of a mapped file
        sumf += a * px[i];
    }
    return sumf;
}

}   // namespace

TensorType vec_dot_type(TensorType weight_type)
{
    switch (weight_type) {
    case TensorType::F32: return TensorType::F32;
    case TensorType::F16: return TensorType::F16;
    case TensorType::BF16: return TensorType::BF16;
    case TensorType::Q4_0:
    case TensorType::Q5_0:
    case TensorType::IQ4_NL:
    case TensorType::Q8_0: return TensorType::Q8_0;
    case TensorType::Q4_1:
    case TensorType::Q5_1:
    case TensorType::Q8_1: return TensorType::Q8_1;
    case TensorType::Q2_K:
    case TensorType::Q3_K:
    case TensorType::Q4_K:
    case TensorType::Q5_K:
    case TensorType::Q6_K:
    case TensorType::IQ4_XS:
    case TensorType::Q8_K: return TensorType::Q8_K;
    }
    return TensorType::F32;
}

float vec_dot_ref(TensorType type, const void* w_row, const void* x_conv, int64_t n)
{
    switch (type) {
    case TensorType::F32: return dot_f32(w_row, x_conv, n);
    case TensorType::F16: return dot_half<fp16_to_fp32>(w_row, x_conv, n);
    case TensorType::BF16: return dot_half<bf16_to_fp32>(w_row, x_conv, n);
    case TensorType::Q4_0: return dot_q4_0_q8_0(w_row, x_conv, n / QK);
    case TensorType::Q4_1: return dot_with_min_q8_1<BlockQ4_1>(w_row, x_conv, n / QK);
    case TensorType::Q5_0: return dot_q5_0_q8_0(w_row, x_conv, n / QK);
    case TensorType::Q5_1: return dot_with_min_q8_1<BlockQ5_1>(w_row, x_conv, n / QK);
    case TensorType::Q8_0: return dot_q8_0_q8_0(w_row, x_conv, n / QK);
    case TensorType::Q4_K: return dot_q4_k_q8_k(w_row, x_conv, n / QK_K);
    case TensorType::Q5_K: return dot_q5_k_q8_k(w_row, x_conv, n / QK_K);
    case TensorType::Q6_K: return dot_q6_k_q8_k(w_row, x_conv, n / QK_K);
    case TensorType::Q2_K: return dot_q2_k_q8_k(w_row, x_conv, n / QK_K);
    case TensorType::Q3_K: return dot_q3_k_q8_k(w_row, x_conv, n / QK_K);
    case TensorType::IQ4_NL: return dot_iq4_nl_q8_0(w_row, x_conv, n / QK);
    case TensorType::IQ4_XS: return dot_iq4_xs_q8_k(w_row, x_conv, n / QK_K);
    case TensorType::Q8_1:
    case TensorType::Q8_K: break;
    }
    // No weight-side kernel (type_traits()->supported is false): NaN, never a plausible number.
    return std::numeric_limits<float>::quiet_NaN();
}

void matmul_ref(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const float* x,
                int64_t n_tokens, float* y, int64_t ldy)
{
    const TensorType xt = vec_dot_type(type);
    std::vector<uint8_t> x_conv(xt == TensorType::F32 ? 0 : row_bytes(xt, cols));
    const auto* wb = static_cast<const uint8_t*>(w);
    for (int64_t t = 0; t < n_tokens; ++t) {
        const float* xt_row = x + t * cols;
        const void* xc = xt_row;
        if (xt != TensorType::F32) {
            quantize_row_ref(xt, xt_row, x_conv.data(), cols);   // once per token, reused by all rows
            xc = x_conv.data();
        }
        for (int64_t r = 0; r < rows; ++r)
            y[t * ldy + r] = vec_dot_ref(type, wb + size_t(r) * w_row_bytes, xc, cols);
    }
}

}   // namespace causerie::kernels
