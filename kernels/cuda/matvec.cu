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

// ---- packed layout (matvec.cuh): 16-byte loads, a unit per lane -------------------------------

__device__ __forceinline__ int lo_nibbles(int v) { return v & 0x0F0F0F0F; }
__device__ __forceinline__ int hi_nibbles(int v) { return (v >> 4) & 0x0F0F0F0F; }

// Each warp computes kSlots rows at once -- two rows of one matrix, or a gate row and its up
// row -- so the activation loads, half the bytes a warp reads, serve both. A slot is a matrix
// (all slots of one type and height) and a row; every slot's sum is its own, in block order.
constexpr int kSlots = 2;
struct Slots {
    const uint8_t* w[kSlots];
    int64_t row[kSlots];
};

// Q4_0 against Q8_0, one 32-element block per lane: per slot a 16-byte load of codes and a 2-byte
// scale; shared, 2 x 16 bytes of activation codes and 4 of scale and sum.
__device__ __forceinline__ void packed_dot_q4_0(const Slots& sl, int64_t rows, int64_t nb, const uint8_t* xr, int lane,
                                                float (&acc)[kSlots])
{
    const uint8_t* xds = xr + size_t(nb) * 32;
    for (int i = 0; i < kSlots; ++i)
        acc[i] = 0.0f;   // the same in every lane
    for (int64_t b0 = 0; b0 < nb; b0 += kWarp) {
        const int64_t b = b0 + lane;
        const int count = nb - b0 < kWarp ? int(nb - b0) : kWarp;
        float term[kSlots] = {};
        if (b < nb) {
            const Words4 xl = load_i32x4_a16(xr + packed_chunk_offset(b, 0, nb, 2));
            const Words4 xh = load_i32x4_a16(xr + packed_chunk_offset(b, 1, nb, 2));
            const int ds = load_i32_a4(xds + 4 * b);
            const float dx = half_bits_to_float(uint16_t(ds & 0xFFFF));
            for (int i = 0; i < kSlots; ++i) {
                const uint8_t* codes = sl.w[i] + size_t(sl.row[i]) * size_t(nb) * 16;
                const uint8_t* scales = sl.w[i] + size_t(rows) * size_t(nb) * 16 + size_t(sl.row[i]) * size_t(nb) * 2;
                const Words4 q = load_i32x4_a16(codes + 16 * b);
                int sum_qy = __dp4a(lo_nibbles(q.x), xl.x, 0);
                sum_qy = __dp4a(lo_nibbles(q.y), xl.y, sum_qy);
                sum_qy = __dp4a(lo_nibbles(q.z), xl.z, sum_qy);
                sum_qy = __dp4a(lo_nibbles(q.w), xl.w, sum_qy);
                sum_qy = __dp4a(hi_nibbles(q.x), xh.x, sum_qy);
                sum_qy = __dp4a(hi_nibbles(q.y), xh.y, sum_qy);
                sum_qy = __dp4a(hi_nibbles(q.z), xh.z, sum_qy);
                sum_qy = __dp4a(hi_nibbles(q.w), xh.w, sum_qy);
                const int sumi = sum_qy - 8 * (ds >> 16);   // codes carry an offset of 8; the sum is int16
                term[i] = __fmul_rn(__fmul_rn(float(sumi), load_half(scales + 2 * b)), dx);
            }
        }
        for (int k = 0; k < count; ++k)   // block order, as legacy_row_dot
            for (int i = 0; i < kSlots; ++i)
                acc[i] += __shfl_sync(kFullMask, term[i], k);
    }
}

// Q8_0 against Q8_0, one block per lane: per slot 2 x 16 bytes of codes and a 2-byte scale.
__device__ __forceinline__ void packed_dot_q8_0(const Slots& sl, int64_t rows, int64_t nb, const uint8_t* xr, int lane,
                                                float (&acc)[kSlots])
{
    const uint8_t* xds = xr + size_t(nb) * 32;
    for (int i = 0; i < kSlots; ++i)
        acc[i] = 0.0f;
    for (int64_t b0 = 0; b0 < nb; b0 += kWarp) {
        const int64_t b = b0 + lane;
        const int count = nb - b0 < kWarp ? int(nb - b0) : kWarp;
        float term[kSlots] = {};
        if (b < nb) {
            const Words4 xl = load_i32x4_a16(xr + packed_chunk_offset(b, 0, nb, 2));
            const Words4 xh = load_i32x4_a16(xr + packed_chunk_offset(b, 1, nb, 2));
            const int ds = load_i32_a4(xds + 4 * b);
            const float dx = half_bits_to_float(uint16_t(ds & 0xFFFF));
            for (int i = 0; i < kSlots; ++i) {
                const uint8_t* codes = sl.w[i] + size_t(sl.row[i]) * size_t(nb) * 32;
                const uint8_t* scales = sl.w[i] + size_t(rows) * size_t(nb) * 32 + size_t(sl.row[i]) * size_t(nb) * 2;
                const Words4 q0 = load_i32x4_a16(codes + packed_chunk_offset(b, 0, nb, 2));
                const Words4 q1 = load_i32x4_a16(codes + packed_chunk_offset(b, 1, nb, 2));
                int sumi = __dp4a(q0.x, xl.x, 0);
                sumi = __dp4a(q0.y, xl.y, sumi);
                sumi = __dp4a(q0.z, xl.z, sumi);
                sumi = __dp4a(q0.w, xl.w, sumi);
                sumi = __dp4a(q1.x, xh.x, sumi);
                sumi = __dp4a(q1.y, xh.y, sumi);
                sumi = __dp4a(q1.z, xh.z, sumi);
                sumi = __dp4a(q1.w, xh.w, sumi);
                term[i] = __fmul_rn(float(sumi), __fmul_rn(load_half(scales + 2 * b), dx));
            }
        }
        for (int k = 0; k < count; ++k)
            for (int i = 0; i < kSlots; ++i)
                acc[i] += __shfl_sync(kFullMask, term[i], k);
    }
}

// Q4_K against Q8_K, a quarter super-block (two sub-blocks) per lane: per slot 2 x 16 bytes of
// codes and a 4-byte word of scales (and a byte of d/dmin); shared, 4 x 16 bytes of activation
// codes, 4 of sums and (one lane of four) 4 of d. The four lanes of a super-block combine their
// integer sums with shuffles.
__device__ __forceinline__ void packed_dot_q4_k(const Slots& sl, int64_t rows, int64_t nsb, const uint8_t* xr, int lane,
                                                float (&acc)[kSlots])
{
    const int64_t nu = 4 * nsb;
    const uint8_t* xsums = xr + size_t(nsb) * 256;
    const uint8_t* xd = xsums + size_t(nsb) * 16;
    for (int i = 0; i < kSlots; ++i)
        acc[i] = 0.0f;
    for (int64_t u0 = 0; u0 < nu; u0 += kWarp) {
        const int64_t u = u0 + lane;
        int sumi[kSlots] = {}, summ[kSlots] = {}, word[kSlots] = {};
        if (u < nu) {
            const Words4 x0 = load_i32x4_a16(xr + packed_chunk_offset(u, 0, nu, 4));
            const Words4 x1 = load_i32x4_a16(xr + packed_chunk_offset(u, 1, nu, 4));
            const Words4 x2 = load_i32x4_a16(xr + packed_chunk_offset(u, 2, nu, 4));
            const Words4 x3 = load_i32x4_a16(xr + packed_chunk_offset(u, 3, nu, 4));
            const int sums = load_i32_a4(xsums + 4 * u);
            for (int i = 0; i < kSlots; ++i) {
                const uint8_t* codes = sl.w[i] + size_t(sl.row[i]) * size_t(nsb) * 128;
                const uint8_t* meta = sl.w[i] + size_t(rows) * size_t(nsb) * 128 + size_t(sl.row[i]) * size_t(nsb) * 16;
                const Words4 a = load_i32x4_a16(codes + packed_chunk_offset(u, 0, nu, 2));
                const Words4 b = load_i32x4_a16(codes + packed_chunk_offset(u, 1, nu, 2));
                word[i] = load_i32_a4(meta + 4 * u);
                // Sub-block 2j: low nibbles against elements 0..31 of the unit; 2j+1: high, 32..63.
                int dot0 = __dp4a(lo_nibbles(a.x), x0.x, 0);
                dot0 = __dp4a(lo_nibbles(a.y), x0.y, dot0);
                dot0 = __dp4a(lo_nibbles(a.z), x0.z, dot0);
                dot0 = __dp4a(lo_nibbles(a.w), x0.w, dot0);
                dot0 = __dp4a(lo_nibbles(b.x), x1.x, dot0);
                dot0 = __dp4a(lo_nibbles(b.y), x1.y, dot0);
                dot0 = __dp4a(lo_nibbles(b.z), x1.z, dot0);
                dot0 = __dp4a(lo_nibbles(b.w), x1.w, dot0);
                int dot1 = __dp4a(hi_nibbles(a.x), x2.x, 0);
                dot1 = __dp4a(hi_nibbles(a.y), x2.y, dot1);
                dot1 = __dp4a(hi_nibbles(a.z), x2.z, dot1);
                dot1 = __dp4a(hi_nibbles(a.w), x2.w, dot1);
                dot1 = __dp4a(hi_nibbles(b.x), x3.x, dot1);
                dot1 = __dp4a(hi_nibbles(b.y), x3.y, dot1);
                dot1 = __dp4a(hi_nibbles(b.z), x3.z, dot1);
                dot1 = __dp4a(hi_nibbles(b.w), x3.w, dot1);
                const int w = word[i];
                const int sc0 = w & 63, sc1 = (w >> 6) & 63, m0 = (w >> 12) & 63, m1 = (w >> 18) & 63;
                sumi[i] = sc0 * dot0 + sc1 * dot1;
                summ[i] = m0 * int(int16_t(sums & 0xFFFF)) + m1 * (sums >> 16);
            }
        }
        const float x_d = u < nu && (lane & 3) == 0 ? __int_as_float(load_i32_a4(xd + 4 * (u / 4))) : 0.0f;
        float term[kSlots] = {};
        for (int i = 0; i < kSlots; ++i) {
            // The super-block's d and dmin: byte 3 of its four units' words.
            const int base = lane & ~3;
            const uint32_t dm = (uint32_t(__shfl_sync(kFullMask, word[i], base)) >> 24) |
                                (uint32_t(__shfl_sync(kFullMask, word[i], base + 1)) >> 24) << 8 |
                                (uint32_t(__shfl_sync(kFullMask, word[i], base + 2)) >> 24) << 16 |
                                (uint32_t(__shfl_sync(kFullMask, word[i], base + 3)) >> 24) << 24;
            for (int off = 1; off < 4; off <<= 1) {
                sumi[i] += __shfl_xor_sync(kFullMask, sumi[i], off);
                summ[i] += __shfl_xor_sync(kFullMask, summ[i], off);
            }
            if (u < nu && (lane & 3) == 0) {
                const float d = __fmul_rn(half_bits_to_float(uint16_t(dm & 0xFFFF)), x_d);
                const float dmin = __fmul_rn(half_bits_to_float(uint16_t(dm >> 16)), x_d);
                term[i] = __fsub_rn(__fmul_rn(d, float(sumi[i])), __fmul_rn(dmin, float(summ[i])));
            }
        }
        for (int k = 0; k < 8 && u0 + 4 * k < nu; ++k)   // super-blocks in order
            for (int i = 0; i < kSlots; ++i)
                acc[i] += __shfl_sync(kFullMask, term[i], 4 * k);
    }
}

// 16 six-bit codes (low nibbles in `lo`, high pairs at bit `shift` of `hi`) against 16 int8
// activations, less the codes' offset of 32: the reference's part of one 16-element scale group.
__device__ __forceinline__ int q6_part(const int lo[4], const Words4& hi, int shift, const Words4& x)
{
    const int h[4] = {hi.x, hi.y, hi.z, hi.w};
    const int xs[4] = {x.x, x.y, x.z, x.w};
    int dot = 0, sum = 0;
    for (int k = 0; k < 4; ++k) {
        dot = __dp4a(lo[k] | ((h[k] >> shift) & 0x03030303) << 4, xs[k], dot);
        sum = __dp4a(kOnes, xs[k], sum);
    }
    return dot - 32 * sum;
}

// Q6_K against Q8_K, a quarter super-block per lane: per slot 3 x 16 bytes of codes, 4 of scales
// and (one lane of four) 2 of d; shared, 4 x 16 bytes of activation codes and 4 of d.
__device__ __forceinline__ void packed_dot_q6_k(const Slots& sl, int64_t rows, int64_t nsb, const uint8_t* xr, int lane,
                                                float (&acc)[kSlots])
{
    const int64_t nu = 4 * nsb;
    const uint8_t* xd = xr + size_t(nsb) * 256 + size_t(nsb) * 16;
    for (int i = 0; i < kSlots; ++i)
        acc[i] = 0.0f;
    for (int64_t u0 = 0; u0 < nu; u0 += kWarp) {
        const int64_t u = u0 + lane;
        int sumi[kSlots] = {};
        if (u < nu) {
            const Words4 x0 = load_i32x4_a16(xr + packed_chunk_offset(u, 0, nu, 4));
            const Words4 x1 = load_i32x4_a16(xr + packed_chunk_offset(u, 1, nu, 4));
            const Words4 x2 = load_i32x4_a16(xr + packed_chunk_offset(u, 2, nu, 4));
            const Words4 x3 = load_i32x4_a16(xr + packed_chunk_offset(u, 3, nu, 4));
            for (int i = 0; i < kSlots; ++i) {
                const uint8_t* codes = sl.w[i] + size_t(sl.row[i]) * size_t(nsb) * 192;
                const uint8_t* scales =
                    sl.w[i] + size_t(rows) * size_t(nsb) * 192 + size_t(sl.row[i]) * size_t(nsb) * 16;
                const Words4 a = load_i32x4_a16(codes + packed_chunk_offset(u, 0, nu, 3));
                const Words4 b = load_i32x4_a16(codes + packed_chunk_offset(u, 1, nu, 3));
                const Words4 c = load_i32x4_a16(codes + packed_chunk_offset(u, 2, nu, 3));
                const int sc = load_i32_a4(scales + 4 * u);   // four int8 scales, one per 16 elements
                const int a_lo[4] = {lo_nibbles(a.x), lo_nibbles(a.y), lo_nibbles(a.z), lo_nibbles(a.w)};
                const int b_lo[4] = {lo_nibbles(b.x), lo_nibbles(b.y), lo_nibbles(b.z), lo_nibbles(b.w)};
                const int a_hi[4] = {hi_nibbles(a.x), hi_nibbles(a.y), hi_nibbles(a.z), hi_nibbles(a.w)};
                const int b_hi[4] = {hi_nibbles(b.x), hi_nibbles(b.y), hi_nibbles(b.z), hi_nibbles(b.w)};
                sumi[i] = int(int8_t(sc)) * q6_part(a_lo, c, 0, x0) + int(int8_t(sc >> 8)) * q6_part(b_lo, c, 2, x1) +
                          int(int8_t(sc >> 16)) * q6_part(a_hi, c, 4, x2) + (sc >> 24) * q6_part(b_hi, c, 6, x3);
            }
        }
        const bool lead = u < nu && (lane & 3) == 0;
        const float x_d = lead ? __int_as_float(load_i32_a4(xd + 4 * (u / 4))) : 0.0f;
        float term[kSlots] = {};
        for (int i = 0; i < kSlots; ++i) {
            for (int off = 1; off < 4; off <<= 1)
                sumi[i] += __shfl_xor_sync(kFullMask, sumi[i], off);
            if (lead) {
                const uint8_t* dplane =
                    sl.w[i] + size_t(rows) * size_t(nsb) * 208 + size_t(sl.row[i]) * size_t(nsb) * 2;
                term[i] = __fmul_rn(__fmul_rn(load_half(dplane + 2 * (u / 4)), x_d), float(sumi[i]));
            }
        }
        for (int k = 0; k < 8 && u0 + 4 * k < nu; ++k)
            for (int i = 0; i < kSlots; ++i)
                acc[i] += __shfl_sync(kFullMask, term[i], 4 * k);
    }
}

// The slots' row dot products for a packed matrix type (uniform per warp).
__device__ __forceinline__ void packed_dot(TensorType type, const Slots& sl, int64_t rows, int64_t cols,
                                           const uint8_t* xr, int lane, float (&acc)[kSlots])
{
    switch (type) {
    case TensorType::Q4_0: packed_dot_q4_0(sl, rows, cols / 32, xr, lane, acc); break;
    case TensorType::Q8_0: packed_dot_q8_0(sl, rows, cols / 32, xr, lane, acc); break;
    case TensorType::Q4_K: packed_dot_q4_k(sl, rows, cols / 256, xr, lane, acc); break;
    default: packed_dot_q6_k(sl, rows, cols / 256, xr, lane, acc); break;
    }
}

// block (32, kRowsPerBlock); grid (sum over parts of ceil(rows / (kRowsPerBlock kSlots)),
// n_tokens): the blocks of part k follow those of part k - 1, so one launch serves Q, K and V
// (every part reads the same activations); a warp takes kSlots consecutive rows (the last row
// twice when the count is odd). SwiGLU: parts 0 and 1 (gate, up) have the same rows; a warp
// takes one row of each (their types equal: matvec_packed_parts checks) and writes silu(gate . x)
// * (up . x) to part 0's y, with swiglu()'s expression.
__global__ void matvec_packed_kernel(PackedMatvec mv, int64_t cols, const uint8_t* xq, size_t x_row_bytes)
{
    int k = 0;
    while (k + 1 < mv.n_parts && int64_t(blockIdx.x) >= mv.first_block[k + 1])
        ++k;
    const PackedPart& part = mv.parts[k];
    const bool swiglu = mv.epilogue == PackedEpilogue::SwiGLU;
    const int64_t warp_index = (int64_t(blockIdx.x) - mv.first_block[k]) * blockDim.y + threadIdx.y;
    const int64_t row = swiglu ? warp_index : warp_index * kSlots;
    const int64_t t = blockIdx.y;
    if (row >= part.rows)
        return;   // whole warps leave together
    const int lane = int(threadIdx.x);
    const uint8_t* xr = xq + size_t(t) * x_row_bytes;
    Slots sl;
    for (int i = 0; i < kSlots; ++i) {
        sl.w[i] = static_cast<const uint8_t*>(swiglu ? mv.parts[i].w : part.w);
        sl.row[i] = swiglu ? row : (row + i < part.rows ? row + i : part.rows - 1);
    }
    float acc[kSlots];
    packed_dot(part.type, sl, part.rows, cols, xr, lane, acc);
    if (lane != 0)
        return;
    float* y = part.y + t * part.ldy;
    if (swiglu) {
        y[row] = __fmul_rn(acc[0] / (1.0f + expf(-acc[0])), acc[1]);
        return;
    }
    for (int i = 0; i < kSlots && row + i < part.rows; ++i)
        y[row + i] = mv.epilogue == PackedEpilogue::Accumulate ? y[row + i] + acc[i] : acc[i];
}

}   // namespace

namespace {
// k4_scale_min on the host (pack_weights).
void host_k4_scale_min(const uint8_t* s, int sub, int* sc, int* m)
{
    if (sub < 4) {
        *sc = s[sub] & 63;
        *m = s[sub + 4] & 63;
    } else {
        *sc = (s[sub + 4] & 0x0F) | (s[sub - 4] >> 6) << 4;
        *m = (s[sub + 4] >> 4) | (s[sub] >> 6) << 4;
    }
}
}   // namespace

bool matvec_packs(TensorType type)
{
    return type == TensorType::Q4_0 || type == TensorType::Q8_0 || type == TensorType::Q4_K || type == TensorType::Q6_K;
}

void pack_weights(TensorType type, const void* src_v, size_t src_row_bytes, int64_t rows, int64_t cols, void* dst_v)
{
    const auto* src = static_cast<const uint8_t*>(src_v);
    auto* dst = static_cast<uint8_t*>(dst_v);
    if (type == TensorType::Q4_0) {
        const int64_t nb = cols / 32;
        uint8_t* codes = dst;
        uint8_t* scales = dst + size_t(rows) * size_t(nb) * 16;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t b = 0; b < nb; ++b) {
                const uint8_t* blk = src + size_t(r) * src_row_bytes + size_t(b) * 18;
                std::memcpy(codes + size_t(r * nb + b) * 16, blk + 2, 16);
                std::memcpy(scales + size_t(r * nb + b) * 2, blk, 2);
            }
    } else if (type == TensorType::Q4_K) {
        const int64_t nsb = cols / 256, nu = 4 * nsb;
        uint8_t* codes = dst;
        uint8_t* meta = dst + size_t(rows) * size_t(nsb) * 128;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t sb = 0; sb < nsb; ++sb) {
                const uint8_t* blk = src + size_t(r) * src_row_bytes + size_t(sb) * 144;
                uint32_t dm;
                std::memcpy(&dm, blk, 4);   // d, dmin (F16, little-endian)
                for (int j = 0; j < 4; ++j) {
                    const int64_t u = 4 * sb + j;
                    uint8_t* row_codes = codes + size_t(r) * size_t(nsb) * 128;
                    for (int q = 0; q < 2; ++q)
                        std::memcpy(row_codes + packed_chunk_offset(u, q, nu, 2), blk + 16 + 32 * j + 16 * q, 16);
                    int sc0, m0, sc1, m1;
                    host_k4_scale_min(blk + 4, 2 * j, &sc0, &m0);
                    host_k4_scale_min(blk + 4, 2 * j + 1, &sc1, &m1);
                    const uint32_t word = uint32_t(sc0) | uint32_t(sc1) << 6 | uint32_t(m0) << 12 | uint32_t(m1) << 18 |
                                          ((dm >> (8 * j)) & 0xFFu) << 24;
                    std::memcpy(meta + size_t(r * nu + u) * 4, &word, 4);
                }
            }
    } else if (type == TensorType::Q8_0) {
        const int64_t nb = cols / 32;
        uint8_t* scales = dst + size_t(rows) * size_t(nb) * 32;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t b = 0; b < nb; ++b) {
                const uint8_t* blk = src + size_t(r) * src_row_bytes + size_t(b) * 34;
                uint8_t* row_codes = dst + size_t(r) * size_t(nb) * 32;
                for (int q = 0; q < 2; ++q)
                    std::memcpy(row_codes + packed_chunk_offset(b, q, nb, 2), blk + 2 + 16 * q, 16);
                std::memcpy(scales + size_t(r * nb + b) * 2, blk, 2);
            }
    } else if (type == TensorType::Q6_K) {
        const int64_t nsb = cols / 256, nu = 4 * nsb;
        uint8_t* scales = dst + size_t(rows) * size_t(nsb) * 192;
        uint8_t* dplane = dst + size_t(rows) * size_t(nsb) * 208;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t sb = 0; sb < nsb; ++sb) {
                blocks::BlockQ6_K blk;
                std::memcpy(&blk, src + size_t(r) * src_row_bytes + size_t(sb) * 210, 210);
                int q[256];
                blocks::unpack_q6_k_codes(blk, q);   // -32 .. 31
                uint8_t* row_codes = dst + size_t(r) * size_t(nsb) * 192;
                for (int j = 0; j < 4; ++j) {
                    const int64_t u = 4 * sb + j;
                    const int* e = q + 64 * j;   // the unit's 64 codes, +32 below
                    uint8_t* a = row_codes + packed_chunk_offset(u, 0, nu, 3);
                    uint8_t* b = row_codes + packed_chunk_offset(u, 1, nu, 3);
                    uint8_t* c = row_codes + packed_chunk_offset(u, 2, nu, 3);
                    for (int l = 0; l < 16; ++l) {
                        const int e0 = e[l] + 32, e1 = e[16 + l] + 32, e2 = e[32 + l] + 32, e3 = e[48 + l] + 32;
                        a[l] = uint8_t((e0 & 15) | (e2 & 15) << 4);
                        b[l] = uint8_t((e1 & 15) | (e3 & 15) << 4);
                        c[l] = uint8_t((e0 >> 4) | (e1 >> 4) << 2 | (e2 >> 4) << 4 | (e3 >> 4) << 6);
                    }
                    std::memcpy(scales + size_t(r * nu + u) * 4, blk.scales + 4 * j, 4);
                }
                std::memcpy(dplane + size_t(r * nsb + sb) * 2, &blk.d, 2);
            }
    }
}

GpuStatus matvec_packed(TensorType type, const void* w, int64_t rows, int64_t cols, const void* xq, int64_t n_tokens,
                        float* y, int64_t ldy, Stream s, bool accumulate)
{
    const PackedPart part{type, w, rows, y, ldy};
    return matvec_packed_parts(&part, 1, cols, xq, n_tokens,
                               accumulate ? PackedEpilogue::Accumulate : PackedEpilogue::Store, s);
}

GpuStatus matvec_packed_parts(const PackedPart* parts, int n_parts, int64_t cols, const void* xq, int64_t n_tokens,
                              PackedEpilogue epilogue, Stream s)
{
    if (n_parts < 1 || n_parts > kMaxPackedParts || (epilogue == PackedEpilogue::SwiGLU && n_parts != 2))
        return gpu_error("matvec_packed: " + std::to_string(n_parts) + " matrices in one launch");
    PackedMatvec mv{};
    mv.n_parts = n_parts;
    mv.epilogue = epilogue;
    int64_t blocks = 0;
    const TensorType act = vec_dot_type(parts[0].type);
    for (int k = 0; k < n_parts; ++k) {
        const PackedPart& p = parts[k];
        if (!matvec_packs(p.type))
            return gpu_error("matvec_packed: no packed layout for type " + std::to_string(uint32_t(p.type)));
        if (vec_dot_type(p.type) != act)
            return gpu_error("matvec_packed: matrices of one launch must read the same activations");
        const int64_t block = type_traits(uint32_t(p.type))->block_size;
        if (cols <= 0 || cols % block)
            return gpu_error("matvec_packed: row length " + std::to_string(cols) + " does not fit the blocks of type " +
                             std::to_string(uint32_t(p.type)));
        if (p.rows <= 0 || (epilogue == PackedEpilogue::SwiGLU && p.rows != parts[0].rows))
            return gpu_error("matvec_packed: bad shape (" + std::to_string(p.rows) + " rows)");
        mv.parts[k] = p;
        mv.first_block[k] = blocks;
        if (epilogue == PackedEpilogue::SwiGLU && p.type != parts[0].type)
            return gpu_error("matvec_packed: SwiGLU needs gate and up of one type");
        if (epilogue != PackedEpilogue::SwiGLU)
            blocks += div_up(p.rows, kRowsPerBlock * kSlots);
        else if (k == 0)
            blocks += div_up(p.rows, kRowsPerBlock);
    }
    if (n_tokens <= 0 || n_tokens > 65535)
        return gpu_error("matvec_packed: bad shape (" + std::to_string(n_tokens) + " tokens)");
    if (epilogue == PackedEpilogue::SwiGLU)
        mv.n_parts = 1;   // every block computes part 0's rows; part 1 is read beside it
    const size_t xrb = packed_activation_row_bytes(parts[0].type, cols);
    return launch(matvec_packed_kernel, dim3(unsigned(blocks), unsigned(n_tokens)), dim3(32, kRowsPerBlock), 0, s, mv,
                  cols, static_cast<const uint8_t*>(xq), xrb);
}

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
