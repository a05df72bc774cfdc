#include "matvec.cuh"

#include "dequant.cuh"
#include "kernels/cpu/matmul_ref.h"
#include "launch.h"

// Each weight block's contribution is computed with the reference's float expression (see
// kernels/cpu/matmul_ref.cpp) from an exact integer sum, with __fmul_rn/__fadd_rn so nvcc cannot
// fuse it differently, and the blocks are added in the reference's order: for quantized weights
// the result equals matmul_ref bit for bit. F32/F16/BF16 rows are summed as a tree.

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kRowsPerBlock = 4;    // warps per thread block, one row each
constexpr int kOnes = 0x01010101;   // dp4a(kOnes, x) = sum of x's four bytes

__device__ __forceinline__ float load_f32(const uint8_t* p) { return __int_as_float(load_i32_a2(p)); }
__device__ __forceinline__ float load_half(const uint8_t* p) { return half_bits_to_float(load_u16(p)); }

// Bits 0..3 of b to bit 4 of bytes 0..3 (the 5th bit of four Q5 codes).
__device__ __forceinline__ int spread4(unsigned b)
{
    return int((b & 1u) << 4 | (b & 2u) << 11 | (b & 4u) << 18 | (b & 8u) << 25);
}

// ---- legacy 32-element blocks: one lane per block ------------------------------------------

// Four 4-bit codes (bytes of `codes`, each < 16) -> their four IQ4 grid values, packed as bytes.
__device__ __forceinline__ int iq4_pack4(int codes)
{
    return int(uint32_t(uint8_t(iq4_value(codes))) | uint32_t(uint8_t(iq4_value(codes >> 8))) << 8 |
               uint32_t(uint8_t(iq4_value(codes >> 16))) << 16 | uint32_t(uint8_t(iq4_value(codes >> 24))) << 24);
}

template <TensorType T>
__device__ __forceinline__ float legacy_block_dot(const uint8_t* wb, const uint8_t* xb)
{
    if constexpr (T == TensorType::IQ4_NL) {
        // Grid values against Q8_0: (d_w d_x) sum(v y), as dot_iq4_nl_q8_0.
        int sumi = 0;
        for (int i = 0; i < 4; ++i) {
            const int v = load_i32_a2(wb + 2 + 4 * i);
            sumi = __dp4a(iq4_pack4(v & 0x0F0F0F0F), load_i32_a2(xb + 2 + 4 * i), sumi);
            sumi = __dp4a(iq4_pack4((v >> 4) & 0x0F0F0F0F), load_i32_a2(xb + 18 + 4 * i), sumi);
        }
        return __fmul_rn(__fmul_rn(load_half(wb), load_half(xb)), float(sumi));
    } else if constexpr (T == TensorType::Q8_0) {
        int sumi = 0;
        for (int i = 0; i < 8; ++i)
            sumi = __dp4a(load_i32_a2(wb + 2 + 4 * i), load_i32_a2(xb + 2 + 4 * i), sumi);
        return __fmul_rn(float(sumi), __fmul_rn(load_half(wb), load_half(xb)));
    } else {
        // Q4_0 / Q5_0 against Q8_0 (qs at 2), Q4_1 / Q5_1 against Q8_1 (qs at 4).
        constexpr bool kMin = T == TensorType::Q4_1 || T == TensorType::Q5_1;
        constexpr bool kHigh = T == TensorType::Q5_0 || T == TensorType::Q5_1;
        constexpr int kQh = kMin ? 4 : 2;                       // offset of qh (Q5 types)
        constexpr int kQs = (kMin ? 4 : 2) + (kHigh ? 4 : 0);   // offset of the nibbles
        const uint8_t* xq = xb + (kMin ? 4 : 2);
        const unsigned qh = kHigh ? unsigned(load_i32_a2(wb + kQh)) : 0u;
        int sum_qy = 0, sum_y = 0;
        for (int i = 0; i < 4; ++i) {
            const int v = load_i32_a2(wb + kQs + 4 * i);
            int lo = v & 0x0F0F0F0F;
            int hi = (v >> 4) & 0x0F0F0F0F;
            if constexpr (kHigh) {
                lo |= spread4(qh >> (4 * i));
                hi |= spread4(qh >> (16 + 4 * i));
            }
            // Q8_1 blocks (36 bytes) are 4-byte aligned, Q8_0 blocks (34 bytes) only 2.
            const int x_lo = kMin ? load_i32_a4(xq + 4 * i) : load_i32_a2(xq + 4 * i);
            const int x_hi = kMin ? load_i32_a4(xq + 16 + 4 * i) : load_i32_a2(xq + 16 + 4 * i);
            sum_qy = __dp4a(hi, x_hi, __dp4a(lo, x_lo, sum_qy));
            if constexpr (!kMin)
                sum_y = __dp4a(kOnes, x_hi, __dp4a(kOnes, x_lo, sum_y));
        }
        if constexpr (kMin) {
            // (d_w d_x) sum(q y) + m_w s_x, s_x = d_x sum(y) stored by Q8_1.
            return __fadd_rn(__fmul_rn(__fmul_rn(load_half(wb), load_half(xb)), float(sum_qy)),
                             __fmul_rn(load_half(wb + 2), load_half(xb + 2)));
        } else {
            const int sumi = sum_qy - (kHigh ? 16 : 8) * sum_y;   // codes carry an offset of 8 / 16
            return __fmul_rn(__fmul_rn(float(sumi), load_half(wb)), load_half(xb));
        }
    }
}

// Block terms are added in block order, as the reference's sequential loop does: lane k holds
// block b0 + k's term and every lane adds the 32 terms in turn (broadcast by shuffles), so the
// row's sum is bit-identical to matmul_ref's. Cost: 32 shuffles per 32 blocks (1024 weights),
// small beside the loads of a memory-bound product; it buys logits that match the CPU
// reference exactly instead of by "up to a requantization flip".
template <TensorType T>
__device__ __forceinline__ float legacy_row_dot(const uint8_t* w, const uint8_t* x, int64_t cols, int lane)
{
    constexpr int kWBytes = (T == TensorType::Q4_0 || T == TensorType::IQ4_NL) ? 18
                            : T == TensorType::Q4_1                            ? 20
                            : T == TensorType::Q5_0                            ? 22
                            : T == TensorType::Q5_1                            ? 24
                                                                               : 34;
    constexpr int kXBytes = (T == TensorType::Q4_1 || T == TensorType::Q5_1) ? 36 : 34;
    const int64_t nb = cols / 32;
    float acc = 0.0f;   // the same in every lane
    for (int64_t b0 = 0; b0 < nb; b0 += kWarp) {
        const int64_t b = b0 + lane;
        const float term = b < nb ? legacy_block_dot<T>(w + b * kWBytes, x + b * kXBytes) : 0.0f;
        const int count = nb - b0 < kWarp ? int(nb - b0) : kWarp;
        for (int k = 0; k < count; ++k)
            acc += __shfl_sync(kFullMask, term, k);
    }
    return acc;
}

// ---- K-quants: eight lanes per 256-element super-block, one 32-element sub-block each ------

// Integer parts of one sub-block: *sumi = scale-weighted q.y, *summ = min-weighted sum(y).
template <TensorType T>
__device__ __forceinline__ void k_sub_dot(const uint8_t* wb, const uint8_t* xb, int sub, int* sumi, int* summ)
{
    const uint8_t* xq = xb + 4 + 32 * sub;
    // Bsums (i16) of the sub-block's two 16-element halves.
    const int bsum0 = int(int16_t(load_u16(xb + 260 + 4 * sub)));
    const int bsum1 = int(int16_t(load_u16(xb + 262 + 4 * sub)));
    if constexpr (T == TensorType::Q2_K || T == TensorType::Q3_K) {
        // Sub-block sub = 4n + j: 2-bit codes at bits 2j of qs[32n + l] (qs at 16 / 32); Q3_K's
        // third bit is bit sub of hmask[l], clear meaning -4: dot(q + 4) - 4 sum(y).
        const int n = sub / 4, j = sub % 4;
        const uint8_t* qs = wb + (T == TensorType::Q2_K ? 16 : 32) + 32 * n;
        int part[2] = {0, 0};
        for (int i = 0; i < 8; ++i) {
            int q = (load_i32_a2(qs + 4 * i) >> (2 * j)) & 0x03030303;
            if constexpr (T == TensorType::Q3_K)
                q |= ((load_i32_a2(wb + 4 * i) >> sub) & 0x01010101) << 2;
            part[i / 4] = __dp4a(q, load_i32_a4(xq + 4 * i), part[i / 4]);
        }
        if constexpr (T == TensorType::Q2_K) {
            const int s0 = wb[2 * sub], s1 = wb[2 * sub + 1];
            *sumi = (s0 & 0x0F) * part[0] + (s1 & 0x0F) * part[1];
            *summ = (s0 >> 4) * bsum0 + (s1 >> 4) * bsum1;
        } else {
            *sumi = q3_k_scale(wb + 96, 2 * sub) * (part[0] - 4 * bsum0) +
                    q3_k_scale(wb + 96, 2 * sub + 1) * (part[1] - 4 * bsum1);
            *summ = 0;
        }
    } else if constexpr (T == TensorType::IQ4_XS) {
        // Sub-block sub: codes in qs[16 sub ..] (qs at 8), low nibbles first; one scale.
        const uint8_t* qs = wb + 8 + 16 * sub;
        int dot = 0;
        for (int i = 0; i < 4; ++i) {
            const int v = load_i32_a2(qs + 4 * i);
            dot = __dp4a(iq4_pack4(v & 0x0F0F0F0F), load_i32_a4(xq + 4 * i), dot);
            dot = __dp4a(iq4_pack4((v >> 4) & 0x0F0F0F0F), load_i32_a4(xq + 16 + 4 * i), dot);
        }
        *sumi = iq4_xs_scale(wb, sub) * dot;
        *summ = 0;
    } else if constexpr (T == TensorType::Q6_K) {
        const int c = sub / 4, k = sub % 4;
        const uint8_t* ql = wb + 64 * c + 32 * (k & 1);
        const uint8_t* qh = wb + 128 + 32 * c;
        int part[2] = {0, 0};
        for (int i = 0; i < 8; ++i) {
            const int lo = (load_i32_a2(ql + 4 * i) >> (k < 2 ? 0 : 4)) & 0x0F0F0F0F;
            const int hi = ((load_i32_a2(qh + 4 * i) >> (2 * k)) & 0x03030303) << 4;
            const int xi = load_i32_a2(xq + 4 * i);
            part[i / 4] += __dp4a(lo | hi, xi, 0) - 32 * __dp4a(kOnes, xi, 0);   // codes carry +32
        }
        const auto* scales = reinterpret_cast<const int8_t*>(wb + 192);
        *sumi = scales[2 * sub] * part[0] + scales[2 * sub + 1] * part[1];
        *summ = 0;
    } else {
        constexpr int kQs = T == TensorType::Q4_K ? 16 : 48;
        const uint8_t* qs = wb + kQs + 32 * (sub / 2);
        const int shift = 4 * (sub & 1);
        int dot = 0;
        // 144- and 176-byte blocks and 292-byte Q8_K blocks keep 4-byte alignment: word loads.
        for (int i = 0; i < 8; ++i) {
            int q = (load_i32_a4(qs + 4 * i) >> shift) & 0x0F0F0F0F;
            if constexpr (T == TensorType::Q5_K)
                q |= ((load_i32_a4(wb + 16 + 4 * i) >> sub) & 0x01010101) << 4;
            dot = __dp4a(q, load_i32_a4(xq + 4 * i), dot);
        }
        int sc, m;
        k4_scale_min(wb + 4, sub, &sc, &m);
        *sumi = sc * dot;
        *summ = m * (bsum0 + bsum1);
    }
}

template <TensorType T>
__device__ __forceinline__ float k_row_dot(const uint8_t* w, const uint8_t* x, int64_t cols, int lane)
{
    constexpr int kWBytes = T == TensorType::Q4_K     ? 144
                            : T == TensorType::Q5_K   ? 176
                            : T == TensorType::Q2_K   ? 84
                            : T == TensorType::Q3_K   ? 110
                            : T == TensorType::IQ4_XS ? 136
                                                      : 210;
    const int64_t nsb = cols / 256;
    const int sub = lane % 8;
    float acc = 0.0f;
    // Every lane runs every iteration (the shuffles need the whole warp); lanes past the end
    // contribute zeros.
    for (int64_t base = 0; base < nsb; base += 4) {
        const int64_t sb = base + lane / 8;
        int sumi = 0, summ = 0;
        if (sb < nsb)
            k_sub_dot<T>(w + sb * kWBytes, x + sb * 292, sub, &sumi, &summ);
        for (int off = 1; off < 8; off <<= 1) {
            sumi += __shfl_xor_sync(kFullMask, sumi, off);
            summ += __shfl_xor_sync(kFullMask, summ, off);
        }
        float term = 0.0f;
        if (sb < nsb && sub == 0) {
            const uint8_t* wb = w + sb * kWBytes;
            const float xd = load_f32(x + sb * 292);
            if constexpr (T == TensorType::Q6_K || T == TensorType::Q3_K || T == TensorType::IQ4_XS) {
                constexpr int kD = T == TensorType::Q6_K ? 208 : T == TensorType::Q3_K ? 108 : 0;
                term = __fmul_rn(__fmul_rn(load_half(wb + kD), xd), float(sumi));
            } else {
                constexpr int kD = T == TensorType::Q2_K ? 80 : 0;   // dmin follows d
                const float d = __fmul_rn(load_half(wb + kD), xd);
                const float dmin = __fmul_rn(load_half(wb + kD + 2), xd);
                term = __fsub_rn(__fmul_rn(d, float(sumi)), __fmul_rn(dmin, float(summ)));
            }
        }
        // Super-block terms in order, as the reference adds them (see legacy_row_dot).
        for (int k = 0; k < 4 && base + k < nsb; ++k)
            acc += __shfl_sync(kFullMask, term, 8 * k);
    }
    return acc;   // the same in every lane
}

// ---- float weights: lanes stride over elements ----------------------------------------------
// The reference adds every product in element order; reproducing that would cost a shuffle per
// weight, so these rows are summed as a tree and differ from the reference in the last bits.

template <TensorType T>
__device__ __forceinline__ float float_row_dot(const uint8_t* w, const uint8_t* x, int64_t cols, int lane)
{
    float acc = 0.0f;
    for (int64_t i = lane; i < cols; i += kWarp) {
        if constexpr (T == TensorType::F32)
            acc += load_f32(w + 4 * i) * load_f32(x + 4 * i);
        else if constexpr (T == TensorType::F16)
            acc += load_half(w + 2 * i) * load_half(x + 2 * i);
        else
            acc += bf16_bits_to_float(load_u16(w + 2 * i)) * bf16_bits_to_float(load_u16(x + 2 * i));
    }
    return acc;
}

// block (32, kRowsPerBlock); grid (ceil(rows / kRowsPerBlock), n_tokens).
template <TensorType T>
__global__ void matvec_kernel(const uint8_t* w, size_t w_row_bytes, int64_t rows, int64_t cols, const uint8_t* xq,
                              size_t x_row_bytes, float* y, int64_t ldy)
{
    const int64_t row = int64_t(blockIdx.x) * blockDim.y + threadIdx.y;
    const int64_t t = blockIdx.y;
    if (row >= rows)
        return;   // whole warps leave together
    const int lane = int(threadIdx.x);
    const uint8_t* wr = w + size_t(row) * w_row_bytes;
    const uint8_t* xr = xq + size_t(t) * x_row_bytes;
    float acc;
    if constexpr (T == TensorType::Q4_K || T == TensorType::Q5_K || T == TensorType::Q6_K || T == TensorType::Q2_K ||
                  T == TensorType::Q3_K || T == TensorType::IQ4_XS)
        acc = k_row_dot<T>(wr, xr, cols, lane);
    else if constexpr (T == TensorType::F32 || T == TensorType::F16 || T == TensorType::BF16)
        acc = warp_sum(float_row_dot<T>(wr, xr, cols, lane));   // per-element order: a tree (see there)
    else
        acc = legacy_row_dot<T>(wr, xr, cols, lane);
    if (lane == 0)
        y[t * ldy + row] = acc;
}

}   // namespace

GpuStatus matvec(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const void* xq,
                 int64_t n_tokens, float* y, int64_t ldy, Stream s)
{
    const TypeTraits* tt = type_traits(uint32_t(type));
    if (!tt || cols % tt->block_size)
        return gpu_error("matvec: row length " + std::to_string(cols) + " does not fit the blocks of type " +
                         std::to_string(uint32_t(type)));
    if (n_tokens <= 0 || n_tokens > 65535 || rows <= 0)
        return gpu_error("matvec: bad shape (" + std::to_string(rows) + " rows, " + std::to_string(n_tokens) +
                         " tokens)");
    const size_t x_row_bytes = row_bytes(vec_dot_type(type), cols);
    return dispatch_weight_type(type, "matvec", [&]<TensorType T>() {
        return launch(matvec_kernel<T>, dim3(div_up(rows, kRowsPerBlock), unsigned(n_tokens)), dim3(32, kRowsPerBlock),
                      0, s, static_cast<const uint8_t*>(w), w_row_bytes, rows, cols, static_cast<const uint8_t*>(xq),
                      x_row_bytes, y, ldy);
    });
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
