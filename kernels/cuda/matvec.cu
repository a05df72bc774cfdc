#include "matvec.cuh"

#include "dequant.cuh"
#include "matvec_packed.cuh"
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

CAUSERIE_LOAD_INLINE __device__ __forceinline__ float load_f32(const uint8_t* p)
{
    return __int_as_float(load_i32_a2(p));
}
CAUSERIE_LOAD_INLINE __device__ __forceinline__ float load_half(const uint8_t* p)
{
    return half_bits_to_float(load_u16(p));
}

// Bits 0..3 of b to bit 4 of bytes 0..3 (the 5th bit of four Q5 codes).
__device__ __forceinline__ int spread4(unsigned b)
{
    return int((b & 1u) << 4 | (b & 2u) << 11 | (b & 4u) << 18 | (b & 8u) << 25);
}

// ---- legacy 32-element blocks: one lane per block ------------------------------------------

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
__device__ __forceinline__ float widen(uint32_t bits)
{
    if constexpr (T == TensorType::F32)
        return __int_as_float(int(bits));
    else if constexpr (T == TensorType::F16)
        return half_bits_to_float(uint16_t(bits));
    else
        return bf16_bits_to_float(uint16_t(bits));
}

// Rows 16-byte aligned with whole 16-byte words (every F16 / BF16 row of a multiple of 8 elements,
// F32 of 4): a lane reads 16 bytes of w and of x per load, a warp 512 contiguous bytes of each.
// Otherwise a lane takes elements lane, lane + 32, ... with 2-byte loads.
template <TensorType T>
__device__ __forceinline__ float float_row_dot(const uint8_t* w, const uint8_t* x, int64_t cols, int lane)
{
    constexpr int kBytes = T == TensorType::F32 ? 4 : 2;
    constexpr int kPerLoad = 16 / kBytes;
    float acc = 0.0f;
    if ((reinterpret_cast<uintptr_t>(w) | reinterpret_cast<uintptr_t>(x)) % 16 == 0 && cols % kPerLoad == 0) {
        for (int64_t i = kPerLoad * lane; i < cols; i += kPerLoad * kWarp) {
            const Words4 a = load_i32x4_a16(w + kBytes * i), b = load_i32x4_a16(x + kBytes * i);
            for (int k = 0; k < 4; ++k) {
                const auto wa = uint32_t(word_of(a, k)), xb = uint32_t(word_of(b, k));
                if constexpr (kBytes == 4) {
                    acc += widen<T>(wa) * widen<T>(xb);
                } else {
                    acc += widen<T>(wa & 0xFFFF) * widen<T>(xb & 0xFFFF);
                    acc += widen<T>(wa >> 16) * widen<T>(xb >> 16);
                }
            }
        }
        return acc;
    }
    for (int64_t i = lane; i < cols; i += kWarp) {
        if constexpr (kBytes == 4)
            acc += load_f32(w + 4 * i) * load_f32(x + 4 * i);
        else
            acc += widen<T>(load_u16(w + 2 * i)) * widen<T>(load_u16(x + 2 * i));
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

// Each warp computes kSlots rows at once -- two rows of one matrix, or a gate row and its up
// row -- so the activation loads, half the bytes a warp reads, serve both. A slot is a matrix
// (all slots of one type and height) and a row; every slot's sum is its own, in block order.
// Several tokens (up to kMaxTokens, the multi-token variant for small batches) share a step's
// weight loads: each token's sums are computed exactly as alone.
constexpr int kSlots = 2;
constexpr int kMaxTokens = 8;
struct Slots {
    const uint8_t* w[kSlots];
    int64_t row[kSlots];
};

// One token's activations for a unit: its int8 codes by 16-element group, and (legacy) the block's
// {F16 d, int16 sum} and Q8_1's s, or (Q4_K, Q5_K) the int16 sums of its two 32-element halves.
struct PackedX {
    Words4 g[4];
    int ds;
    int s;
};

template <TensorType T>
__device__ __forceinline__ PackedX load_packed_x(const uint8_t* xr, int64_t u, int64_t nu, int64_t cols)
{
    constexpr PackedShape sh = packed_shape(T);
    constexpr int kGroups = sh.unit / 16;
    PackedX x{};
    for (int k = 0; k < kGroups; ++k)
        x.g[k] = load_i32x4_a16(xr + packed_chunk_offset(u, k, nu, kGroups));
    if constexpr (sh.unit == 32 || T == TensorType::Q4_K || T == TensorType::Q5_K)
        x.ds = load_i32_a4(xr + cols + 4 * u);
    if constexpr (T == TensorType::Q4_1 || T == TensorType::Q5_1)
        x.s = load_u16(xr + cols + cols / 8 + 2 * u);
    return x;
}

template <TensorType T>
__device__ __forceinline__ int group_dot(const PackedUnit& p, const Words4& x, int k)
{
    int dot = 0;
    for (int w = 0; w < 4; ++w)
        dot = __dp4a(unit_code_word<T>(p, k, w), word_of(x, w), dot);
    return dot;
}

__device__ __forceinline__ int group_sum(const Words4& x)
{
    return __dp4a(kOnes, x.w, __dp4a(kOnes, x.z, __dp4a(kOnes, x.y, __dp4a(kOnes, x.x, 0))));
}

// A unit's integer parts against one token, as the reference's: *sumi (scale-weighted for the
// K-quants, offsets removed) and *summ (the mins' term: Q4_K, Q5_K, Q2_K). sc3: Q3_K's scales.
template <TensorType T>
__device__ __forceinline__ void unit_sums(const PackedUnit& p, const PackedX& x, int sc3, int* sumi, int* summ)
{
    constexpr PackedShape sh = packed_shape(T);
    *summ = 0;
    if constexpr (sh.unit == 32) {
        const int dot = group_dot<T>(p, x.g[0], 0) + group_dot<T>(p, x.g[1], 1);
        constexpr int kOffset = T == TensorType::Q4_0 ? 8 : T == TensorType::Q5_0 ? 16 : 0;
        *sumi = dot - kOffset * (x.ds >> 16);   // codes carry an offset; the block's sum is int16
    } else if constexpr (T == TensorType::Q4_K || T == TensorType::Q5_K || T == TensorType::IQ4_XS) {
        // Two 32-element sub-blocks: groups 0-1 and 2-3.
        const int lo = group_dot<T>(p, x.g[0], 0) + group_dot<T>(p, x.g[1], 1);
        const int hi = group_dot<T>(p, x.g[2], 2) + group_dot<T>(p, x.g[3], 3);
        if constexpr (T == TensorType::IQ4_XS) {
            *sumi = ((p.half & 63) - 32) * lo + (((p.half >> 6) & 63) - 32) * hi;
        } else {
            const int w = p.word;
            *sumi = (w & 63) * lo + ((w >> 6) & 63) * hi;
            *summ = ((w >> 12) & 63) * int(int16_t(x.ds & 0xFFFF)) + ((w >> 18) & 63) * (x.ds >> 16);
        }
    } else {   // Q2_K, Q3_K, Q6_K: a scale per 16-element group
        int si = 0, sm = 0;
        for (int k = 0; k < 4; ++k) {
            const int dot = group_dot<T>(p, x.g[k], k);
            if constexpr (T == TensorType::Q2_K) {
                const int b = (p.word >> (8 * k)) & 0xFF;
                si += (b & 15) * dot;
                sm += (b >> 4) * group_sum(x.g[k]);
            } else if constexpr (T == TensorType::Q3_K) {
                si += (((sc3 >> (6 * k)) & 63) - 32) * (dot - 4 * group_sum(x.g[k]));
            } else {
                si += int(int8_t(p.word >> (8 * k))) * (dot - 32 * group_sum(x.g[k]));
            }
        }
        *sumi = si;
        *summ = sm;
    }
}

// Q3_K: the four 6-bit scales (+32) of lane's unit, from its super-block's 12 bytes, read as three
// words by three of the four lanes of the super-block and shared by shuffles (every lane calls).
__device__ __forceinline__ int gather_q3_k_scales(const PackedRow& r, int64_t u, bool valid, int lane)
{
    const int j = lane & 3, base = lane & ~3;
    const int v = valid && j < 3 ? load_i32_a4(r.sb_words + 12 * (u / 4) + 4 * j) : 0;
    const uint32_t w0 = uint32_t(__shfl_sync(kFullMask, v, base));
    const uint32_t w1 = uint32_t(__shfl_sync(kFullMask, v, base + 1));
    const uint32_t w2 = uint32_t(__shfl_sync(kFullMask, v, base + 2));
    const uint32_t s = j == 0 ? w0 : j == 1 ? (w0 >> 24 | w1 << 8) : j == 2 ? (w1 >> 16 | w2 << 16) : w2 >> 8;
    return int(s & 0xFFFFFF);
}

// The weight block's float scales as F16 bits (d, or d | dmin << 16, or d | m << 16), valid in
// the block's first lane (every lane calls: the K-quants gather bytes of four lanes).
template <TensorType T>
__device__ __forceinline__ uint32_t block_scale_bits(const PackedUnit& p, const PackedRow& r, int64_t u, bool valid,
                                                     int lane)
{
    constexpr PackedShape sh = packed_shape(T);
    const int base = lane & ~3;
    if constexpr (sh.unit == 32) {
        return uint32_t(sh.half ? p.half : p.word);
    } else if constexpr (T == TensorType::Q4_K || T == TensorType::Q5_K) {
        uint32_t dm = 0;   // byte 3 of the super-block's four words
        for (int j = 0; j < 4; ++j)
            dm |= (uint32_t(__shfl_sync(kFullMask, p.word, base + j)) >> 24) << (8 * j);
        return dm;
    } else if constexpr (T == TensorType::IQ4_XS) {
        uint32_t d = 0;   // bits 12-15 of the four halves
        for (int j = 0; j < 4; ++j)
            d |= ((uint32_t(__shfl_sync(kFullMask, p.half, base + j)) >> 12) & 15u) << (4 * j);
        return d;
    } else if constexpr (T == TensorType::Q2_K) {
        return valid && (lane & 3) == 0 ? uint32_t(load_i32_a4(r.sb_words + 4 * (u / 4))) : 0u;
    } else {   // Q3_K, Q6_K
        return valid && (lane & 3) == 0 ? uint32_t(load_u16(r.sb_half + 2 * (u / 4))) : 0u;
    }
}

// A block's term with the reference's float expression (matmul_ref.cpp). wd: block_scale_bits;
// x_d: Q8_K's d (the K-quants).
template <TensorType T>
__device__ __forceinline__ float block_term(int sumi, int summ, uint32_t wd, const PackedX& x, float x_d)
{
    const float w0 = half_bits_to_float(uint16_t(wd & 0xFFFF)), w1 = half_bits_to_float(uint16_t(wd >> 16));
    const float dx = half_bits_to_float(uint16_t(x.ds & 0xFFFF));
    if constexpr (T == TensorType::Q4_0 || T == TensorType::Q5_0)
        return __fmul_rn(__fmul_rn(float(sumi), w0), dx);
    else if constexpr (T == TensorType::Q8_0)
        return __fmul_rn(float(sumi), __fmul_rn(w0, dx));
    else if constexpr (T == TensorType::IQ4_NL)
        return __fmul_rn(__fmul_rn(w0, dx), float(sumi));
    else if constexpr (T == TensorType::Q4_1 || T == TensorType::Q5_1)   // (d_w d_x) sum(q y) + m_w s_x
        return __fadd_rn(__fmul_rn(__fmul_rn(w0, dx), float(sumi)), __fmul_rn(w1, half_bits_to_float(uint16_t(x.s))));
    else if constexpr (T == TensorType::Q4_K || T == TensorType::Q5_K || T == TensorType::Q2_K)
        return __fsub_rn(__fmul_rn(__fmul_rn(w0, x_d), float(sumi)), __fmul_rn(__fmul_rn(w1, x_d), float(summ)));
    else   // Q3_K, Q6_K, IQ4_XS
        return __fmul_rn(__fmul_rn(w0, x_d), float(sumi));
}

// The slots' row dot products for nt <= kTok tokens (rows xr + j * xrb) from packed weights of
// type T: per step a unit per lane, the slots' weight loads once for every token.
// Units [begin, end) of the rows only: a warp's range of a split row (begin a multiple of 32 and
// of a block's units). sink: where a range after a split row's first puts its block terms
// (sink[i * sink_stride + b - begin / kLanes] for slot i and block b, one token) instead of
// adding them; null: the terms are added to acc in block order.
struct UnitRange {
    int64_t begin, end;
    float* sink;
    int64_t sink_stride;
};

template <TensorType T, int kTok>
__device__ __forceinline__ void packed_dot(const Slots& sl, int64_t rows, int64_t cols, const uint8_t* xr, size_t xrb,
                                           int nt, int lane, float (&acc)[kTok][kSlots], const UnitRange& ur)
{
    constexpr PackedShape sh = packed_shape(T);
    const int64_t ub = ur.begin, ue = ur.end;
    constexpr int kLanes = sh.unit == 64 ? 4 : 1;   // lanes per reference block
    const int64_t nu = cols / sh.unit;
    PackedRow r[kSlots];
    for (int i = 0; i < kSlots; ++i)
        r[i] = packed_row<T>(sl.w[i], rows, sl.row[i], nu);
    for (int j = 0; j < kTok; ++j)
        for (int i = 0; i < kSlots; ++i)
            acc[j][i] = 0.0f;   // the same in every lane
    const bool lead = lane % kLanes == 0;
    for (int64_t u0 = ub; u0 < ue; u0 += kWarp) {
        const int64_t u = u0 + lane;
        const bool valid = u < ue;
        PackedUnit p[kSlots] = {};
        int sc3[kSlots] = {};
        uint32_t wd[kSlots];
        for (int i = 0; i < kSlots; ++i) {
            if (valid)
                p[i] = load_packed_unit<T>(r[i], u, nu);
            if constexpr (T == TensorType::Q3_K)
                sc3[i] = gather_q3_k_scales(r[i], u, valid, lane);
            wd[i] = block_scale_bits<T>(p[i], r[i], u, valid, lane);
        }
        for (int j = 0; j < kTok && j < nt; ++j) {
            const uint8_t* xt = xr + size_t(j) * xrb;
            PackedX x{};
            int sumi[kSlots] = {}, summ[kSlots] = {};
            if (valid) {
                x = load_packed_x<T>(xt, u, nu, cols);
                for (int i = 0; i < kSlots; ++i)
                    unit_sums<T>(p[i], x, sc3[i], &sumi[i], &summ[i]);
            }
            float x_d = 0.0f;
            if constexpr (kLanes == 4)
                x_d = valid && lead ? __int_as_float(load_i32_a4(xt + cols + cols / 16 + 4 * (u / 4))) : 0.0f;
            float term[kSlots] = {};
            for (int i = 0; i < kSlots; ++i) {
                for (int off = 1; off < kLanes; off <<= 1) {   // the block's lanes
                    sumi[i] += __shfl_xor_sync(kFullMask, sumi[i], off);
                    summ[i] += __shfl_xor_sync(kFullMask, summ[i], off);
                }
                if (valid && lead)
                    term[i] = block_term<T>(sumi[i], summ[i], wd[i], x, x_d);
            }
            if (ur.sink) {   // the terms for the split row's first warp (one token: kTok == 1)
                for (int i = 0; i < kSlots; ++i)
                    if (valid && lead)
                        ur.sink[i * ur.sink_stride + (u - ub) / kLanes] = term[i];
                continue;
            }
            for (int k = 0; k < kWarp / kLanes && u0 + kLanes * k < ue; ++k)   // blocks in order
                for (int i = 0; i < kSlots; ++i)
                    acc[j][i] += __shfl_sync(kFullMask, term[i], kLanes * k);
        }
    }
}

// packed_dot for a runtime type (uniform per warp).
template <int kTok>
__device__ __forceinline__ void packed_dot_any(TensorType type, const Slots& sl, int64_t rows, int64_t cols,
                                               const uint8_t* xr, size_t xrb, int nt, int lane,
                                               float (&acc)[kTok][kSlots], const UnitRange& ur)
{
    switch (type) {
    case TensorType::Q4_0: packed_dot<TensorType::Q4_0>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    case TensorType::Q4_1: packed_dot<TensorType::Q4_1>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    case TensorType::Q5_0: packed_dot<TensorType::Q5_0>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    case TensorType::Q5_1: packed_dot<TensorType::Q5_1>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    case TensorType::Q8_0: packed_dot<TensorType::Q8_0>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    case TensorType::IQ4_NL: packed_dot<TensorType::IQ4_NL>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    case TensorType::Q2_K: packed_dot<TensorType::Q2_K>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    case TensorType::Q3_K: packed_dot<TensorType::Q3_K>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    case TensorType::Q4_K: packed_dot<TensorType::Q4_K>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    case TensorType::Q5_K: packed_dot<TensorType::Q5_K>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    case TensorType::IQ4_XS: packed_dot<TensorType::IQ4_XS>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    default: packed_dot<TensorType::Q6_K>(sl, rows, cols, xr, xrb, nt, lane, acc, ur); break;
    }
}

// block (32, kRowsPerBlock); grid (sum over parts of ceil(rows / (kRowsPerBlock / S kSlots)),
// ceil(n_tokens / kTok)), S = mv.split warps per row pair: the blocks of part k follow those of
// part k - 1, so one launch serves Q, K and V (every part reads the same activations); S warps
// take kSlots consecutive rows (the last row twice when the count is odd) for kTok tokens.
// SwiGLU: parts 0 and 1 (gate, up) have the same rows; the warps take one row of each (their
// types equal: matvec_packed_parts checks) and write silu(gate . x) * (up . x) to part 0's y,
// with swiglu()'s expression. S > 1 (one token only): warp s of a pair computes units
// [s L, (s + 1) L) (packed_split_units), warps s > 0 put their block terms in dynamic shared
// memory (kRowsPerBlock / S pairs x kSlots x the blocks after the first L units, floats) and warp
// 0 adds them after its own, in block order.
template <int kTok>
__global__ void matvec_packed_kernel(PackedMatvec mv, int64_t cols, const uint8_t* xq, size_t x_row_bytes,
                                     int64_t n_tokens)
{
    int k = 0;
    while (k + 1 < mv.n_parts && int64_t(blockIdx.x) >= mv.first_block[k + 1])
        ++k;
    const PackedPart& part = mv.parts[k];
    const bool swiglu = mv.epilogue == PackedEpilogue::SwiGLU;
    const int split = mv.split, piece = int(threadIdx.y) % split, pair = int(threadIdx.y) / split;
    const int64_t warp_index = (int64_t(blockIdx.x) - mv.first_block[k]) * (blockDim.y / split) + pair;
    const int64_t row = swiglu ? warp_index : warp_index * kSlots;
    const int64_t t0 = int64_t(blockIdx.y) * kTok;
    const int nt = n_tokens - t0 < kTok ? int(n_tokens - t0) : kTok;
    const bool active = row < part.rows;
    if (!active && split == 1)
        return;   // whole warps leave together (a split block's warps all reach its barrier)
    const int lane = int(threadIdx.x);
    Slots sl;
    for (int i = 0; i < kSlots; ++i) {
        sl.w[i] = static_cast<const uint8_t*>(swiglu ? mv.parts[i].w : part.w);
        sl.row[i] = swiglu ? row : (row + i < part.rows ? row + i : part.rows - 1);
    }
    const PackedShape sh = packed_shape(part.type);
    const int64_t nu = cols / sh.unit, len = packed_split_units(nu, split);
    const int lanes = sh.unit == 64 ? 4 : 1;   // units per block
    const int64_t stride = nu > len ? (nu - len) / lanes : 0;
    CAUSERIE_DYNAMIC_SHARED(float, smem);
    float* terms = smem + int64_t(pair) * kSlots * stride;   // this pair's blocks after its first len units
    const int64_t ub = piece * len, ue = ub + len < nu ? ub + len : nu;
    const UnitRange ur{ub, ue, piece > 0 && stride > 0 ? terms + (ub - len) / lanes : nullptr, stride};
    float acc[kTok][kSlots];
    if (active)
        packed_dot_any<kTok>(part.type, sl, part.rows, cols, xq + size_t(t0) * x_row_bytes, x_row_bytes, nt, lane, acc,
                             ur);
    if (split > 1) {
        __syncthreads();   // every piece's terms are in shared memory
        if (piece > 0 || !active)
            return;
        for (int64_t b = 0; b < stride; ++b)   // the later pieces' blocks, in order (a broadcast read)
            for (int i = 0; i < kSlots; ++i)
                acc[0][i] += terms[i * stride + b];
#if defined(CAUSERIE_CUDA_SIM)   // the exchange, for the sim's counters: written once, read once
        if (lane == 0)
            ::causerie::cuda_sim::count_shared(size_t(2 * kSlots * stride) * sizeof(float));
#endif
    }
    if (lane != 0)
        return;
    for (int j = 0; j < nt; ++j) {
        float* y = part.y + (t0 + j) * part.ldy;
        if (swiglu) {
            y[row] = __fmul_rn(acc[j][0] / (1.0f + expf(-acc[j][0])), acc[j][1]);
            continue;
        }
        for (int i = 0; i < kSlots && row + i < part.rows; ++i)
            y[row + i] = mv.epilogue == PackedEpilogue::Accumulate ? y[row + i] + acc[j][i] : acc[j][i];
    }
}

}   // namespace

namespace {

// Bytes per row of each plane of a packed matrix (matvec.cuh), in order.
void packed_planes(const PackedShape& sh, int64_t cols, size_t plane[6])
{
    const int64_t nu = cols / sh.unit, nsb = sh.unit == 64 ? nu / 4 : 0;
    const size_t p[6] = {
        size_t(nu) * 16 * size_t(sh.chunks), size_t(nu * sh.hib),     size_t(nu * sh.word), size_t(nu * sh.half),
        size_t(nsb * sh.sb_words),           size_t(nsb * sh.sb_half)};
    std::copy(p, p + 6, plane);
}

// Element idx (group k = idx / 16, byte b = idx % 16) of unit u: its code (no offset) into the
// unit's chunks and high-bit words, as matvec.cuh lays them out.
void put_code(TensorType t, const PackedShape& sh, uint8_t* codes, uint8_t* hib, int64_t u, int64_t nu, int idx,
              int code)
{
    const int k = idx / 16, b = idx % 16, w = b / 4, i = b % 4;
    auto byte = [&](int q) -> uint8_t& { return codes[packed_chunk_offset(u, q, nu, sh.chunks) + b]; };
    auto high_bit = [&](int bit) {
        if ((code >> bit) & 1)
            hib[4 * (k / 2) + i] = uint8_t(hib[4 * (k / 2) + i] | 1u << (4 * (k % 2) + w));
    };
    if (t == TensorType::Q8_0) {
        byte(k) = uint8_t(code);
    } else if (t == TensorType::Q2_K || t == TensorType::Q3_K) {
        byte(0) = uint8_t(byte(0) | (code & 3) << (2 * k));
        if (t == TensorType::Q3_K)
            high_bit(2);
    } else {
        const int c = t == TensorType::Q6_K ? 2 : sh.chunks;
        byte(k % c) = uint8_t(byte(k % c) | (code & 15) << (4 * (k / c)));
        if (t == TensorType::Q6_K)
            byte(2) = uint8_t(byte(2) | ((code >> 4) & 3) << (2 * k));
        if (sh.hib)
            high_bit(4);
    }
}

// A block's codes without the reference's offsets (IQ4: grid indices), in element order.
void block_codes(TensorType t, const uint8_t* blk, int* q)
{
    using namespace blocks;
    switch (t) {
    case TensorType::Q4_0:
    case TensorType::IQ4_NL: unpack_nibbles(blk + 2, q); break;
    case TensorType::Q4_1: unpack_nibbles(blk + 4, q); break;
    case TensorType::Q5_0:
    case TensorType::Q5_1: {   // qh after d (and m), then the nibbles
        const int qh = t == TensorType::Q5_0 ? 2 : 4;
        unpack_nibbles(blk + qh + 4, q);
        add_high_bits(blk + qh, q);
        break;
    }
    case TensorType::Q8_0:
        for (int e = 0; e < QK; ++e)
            q[e] = int8_t(blk[2 + e]);
        break;
    case TensorType::Q4_K: unpack_q4_k_codes(blk + 16, q); break;
    case TensorType::Q5_K:
        unpack_q4_k_codes(blk + 48, q);
        add_q5_k_high_bits(blk + 16, q);
        break;
    case TensorType::Q6_K:
    case TensorType::Q3_K: {   // signed codes: stored with their offset
        if (t == TensorType::Q6_K)
            unpack_q6_k_codes(load_block<BlockQ6_K>(blk, 0), q);
        else
            unpack_q3_k_codes(load_block<BlockQ3_K>(blk, 0), q);
        const int offset = t == TensorType::Q6_K ? 32 : 4;
        for (int e = 0; e < QK_K; ++e)
            q[e] += offset;
        break;
    }
    case TensorType::Q2_K: unpack_q2_k_codes(blk + 16, q); break;
    default:   // IQ4_XS
        for (int ib = 0; ib < QK_K / QK; ++ib)
            unpack_nibbles(blk + 8 + 16 * ib, q + QK * ib);
        break;
    }
}

uint32_t read_u32(const uint8_t* p)
{
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// The per-unit word / half and per-super-block bytes of block `blk` (units u .. u + units - 1 of
// the row, super-block sb): see matvec.cuh.
void put_block_meta(TensorType t, const uint8_t* blk, int64_t u, int64_t sb, uint8_t* word, uint8_t* half,
                    uint8_t* sb_words, uint8_t* sb_half)
{
    using namespace blocks;
    switch (t) {
    case TensorType::Q4_0:
    case TensorType::Q5_0:
    case TensorType::Q8_0:
    case TensorType::IQ4_NL: std::memcpy(half + 2 * u, blk, 2); break;
    case TensorType::Q4_1:
    case TensorType::Q5_1: std::memcpy(word + 4 * u, blk, 4); break;
    case TensorType::Q4_K:
    case TensorType::Q5_K: {
        int sc[8], m[8];
        unpack_scales_k4(blk + 4, sc, m);
        const uint32_t dm = read_u32(blk);
        for (int j = 0; j < 4; ++j) {
            const uint32_t v = uint32_t(sc[2 * j]) | uint32_t(sc[2 * j + 1]) << 6 | uint32_t(m[2 * j]) << 12 |
                               uint32_t(m[2 * j + 1]) << 18 | ((dm >> (8 * j)) & 0xFFu) << 24;
            std::memcpy(word + 4 * (u + j), &v, 4);
        }
        break;
    }
    case TensorType::Q6_K:
        std::memcpy(word + 4 * u, blk + 192, 16);
        std::memcpy(sb_half + 2 * sb, blk + 208, 2);
        break;
    case TensorType::Q2_K:
        std::memcpy(word + 4 * u, blk, 16);
        std::memcpy(sb_words + 4 * sb, blk + 80, 4);
        break;
    case TensorType::Q3_K: {
        int sc[16];
        unpack_scales_q3_k(blk + 96, sc);
        uint8_t* s = sb_words + 12 * sb;
        for (int i = 0; i < 16; ++i)
            for (int bit = 0; bit < 6; ++bit)
                if (((sc[i] + 32) >> bit) & 1)
                    s[(6 * i + bit) / 8] = uint8_t(s[(6 * i + bit) / 8] | 1u << ((6 * i + bit) % 8));
        std::memcpy(sb_half + 2 * sb, blk + 108, 2);
        break;
    }
    default: {   // IQ4_XS
        const auto b = load_block<BlockIQ4_XS>(blk, 0);
        for (int j = 0; j < 4; ++j) {
            const auto v = uint16_t((iq4_xs_scale(b, 2 * j) + 32) | (iq4_xs_scale(b, 2 * j + 1) + 32) << 6 |
                                    ((b.d >> (4 * j)) & 15) << 12);
            std::memcpy(half + 2 * (u + j), &v, 2);
        }
        break;
    }
    }
}

}   // namespace

bool matvec_packs(TensorType type) { return packed_shape(type).unit != 0; }

void pack_weights(TensorType type, const void* src_v, size_t src_row_bytes, int64_t rows, int64_t cols, void* dst_v)
{
    const PackedShape sh = packed_shape(type);
    const TypeTraits* tt = type_traits(uint32_t(type));
    if (!sh.unit || !tt)
        return;
    const auto* src = static_cast<const uint8_t*>(src_v);
    auto* dst = static_cast<uint8_t*>(dst_v);
    size_t plane[6];
    packed_planes(sh, cols, plane);
    uint8_t* base[6];
    size_t total = 0;
    for (int i = 0; i < 6; ++i) {
        base[i] = dst + total;
        total += size_t(rows) * plane[i];
    }
    std::memset(dst, 0, total);
    const int64_t block = tt->block_size, nblocks = cols / block, units = block / sh.unit, nu = cols / sh.unit;
    int q[blocks::QK_K];
    for (int64_t r = 0; r < rows; ++r) {
        uint8_t* row[6];
        for (int i = 0; i < 6; ++i)
            row[i] = base[i] + size_t(r) * plane[i];
        for (int64_t b = 0; b < nblocks; ++b) {
            const uint8_t* blk = src + size_t(r) * src_row_bytes + size_t(b) * tt->block_bytes;
            block_codes(type, blk, q);
            for (int64_t j = 0; j < units; ++j) {
                const int64_t u = b * units + j;
                for (int idx = 0; idx < sh.unit; ++idx)
                    put_code(type, sh, row[0], row[1] + size_t(u) * size_t(sh.hib), u, nu, idx, q[j * sh.unit + idx]);
            }
            put_block_meta(type, blk, b * units, b, row[2], row[3], row[4], row[5]);
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
    mv.split = 1;
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
        if (epilogue == PackedEpilogue::SwiGLU && p.type != parts[0].type)
            return gpu_error("matvec_packed: SwiGLU needs gate and up of one type");
        if (n_tokens == 1)
            mv.split = std::max(mv.split, matvec_packed_split(p.type, cols));
    }
    if (n_tokens <= 0 || n_tokens > 65535)
        return gpu_error("matvec_packed: bad shape (" + std::to_string(n_tokens) + " tokens)");
    for (int k = 0; k < n_parts; ++k) {   // row pairs (SwiGLU: rows of part 0) per block: kRowsPerBlock / S
        mv.first_block[k] = blocks;
        if (epilogue != PackedEpilogue::SwiGLU)
            blocks += div_up(parts[k].rows, kRowsPerBlock / mv.split * kSlots);
        else if (k == 0)
            blocks += div_up(parts[k].rows, kRowsPerBlock / mv.split);
    }
    // Split rows: the later pieces' block terms, per pair and slot (every part has the same units).
    const PackedShape sh = packed_shape(parts[0].type);
    const int64_t nu = cols / sh.unit, len = packed_split_units(nu, mv.split);
    const size_t smem = mv.split > 1 && nu > len ? size_t(kRowsPerBlock / mv.split) * kSlots *
                                                       size_t((nu - len) / (sh.unit == 64 ? 4 : 1)) * sizeof(float)
                                                 : 0;
    if (epilogue == PackedEpilogue::SwiGLU)
        mv.n_parts = 1;   // every block computes part 0's rows; part 1 is read beside it
    const size_t xrb = packed_activation_row_bytes(parts[0].type, cols);
    const auto* x = static_cast<const uint8_t*>(xq);
    // One token: a warp per row pair and token. More (a small batch): a warp reads its rows' weights
    // once for up to kMaxTokens tokens.
    if (n_tokens == 1)
        return launch(matvec_packed_kernel<1>, dim3(unsigned(blocks), 1), dim3(32, kRowsPerBlock), smem, s, mv, cols, x,
                      xrb, n_tokens);
    return launch(matvec_packed_kernel<kMaxTokens>, dim3(unsigned(blocks), div_up(n_tokens, kMaxTokens)),
                  dim3(32, kRowsPerBlock), 0, s, mv, cols, x, xrb, n_tokens);
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
