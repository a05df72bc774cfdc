#pragma once
// Device-side: one warp quantizes one block of activations into the packed layout of matvec.cuh,
// with the reference quantizer's arithmetic (quantize_row_ref's Q8_0 and Q8_K). Shared by
// quantize.cu (from F32 rows) and rmsnorm.cu (RMSNorm fused with the quantization that follows).
// Included only by .cu files.
#include "common.cuh"
#include "matvec.cuh"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// std::round then clamp_code of quantize_ref.cpp: NaN -> 0, saturate to [-128, 127].
__device__ __forceinline__ int packed_round_clamp_q8(float v)
{
    const float r = roundf(v);
    if (!(r == r))
        return 0;
    return r <= -128.0f ? -128 : r >= 127.0f ? 127 : int(r);
}

// v: element `lane` of 32-element block ib of a row of n elements (nb blocks); out: the row's
// packed bytes (codes in chunks, then {F16 d, int16 sum} per block, then F16 d sum per block).
__device__ __forceinline__ void quantize_packed_q8_0_block(float v, uint8_t* out, int64_t ib, int64_t nb, int64_t n,
                                                           int lane)
{
    const float amax = warp_max(fabsf(v));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const int q = packed_round_clamp_q8(v * id);
    out[packed_chunk_offset(ib, lane / 16, nb, 2) + lane % 16] = uint8_t(int8_t(q));
    const int sum = warp_sum_int(q);
    if (lane == 0) {
        const uint32_t ds = uint32_t(float_to_half_bits(d)) | uint32_t(uint16_t(int16_t(sum))) << 16;
        *reinterpret_cast<uint32_t*>(out + size_t(n) + 4 * size_t(ib)) = ds;
        // Q8_1's s (Q4_1 / Q5_1 weights), as quantize_activations stores it.
        *reinterpret_cast<uint16_t*>(out + size_t(n) + size_t(n) / 8 + 2 * size_t(ib)) =
            float_to_half_bits(float(sum) * d);
    }
}

// vals: elements 8 lane .. 8 lane + 7 of super-block ib (256 elements) of a row of n elements
// (nb super-blocks); out: the row's packed bytes (codes in chunks, int16 sum per 32, float d
// per 256).
__device__ __forceinline__ void quantize_packed_q8_k_block(const float vals[8], uint8_t* out, int64_t ib, int64_t nb,
                                                           int64_t n, int lane)
{
    // Largest magnitude, its first index and its signed value, as the reference's scan picks it.
    float amax = 0.0f, vmax = 0.0f;
    int idx = 0x7fffffff;
    for (int j = 0; j < 8; ++j) {
        const float a = fabsf(vals[j]);
        if (a > amax) {
            amax = a;
            vmax = vals[j];
            idx = 8 * lane + j;
        }
    }
    for (int off = 16; off > 0; off >>= 1) {
        const float oa = __shfl_xor_sync(kFullMask, amax, off);
        const float ov = __shfl_xor_sync(kFullMask, vmax, off);
        const int oi = __shfl_xor_sync(kFullMask, idx, off);
        if (oa > amax || (oa == amax && oi < idx)) {
            amax = oa;
            vmax = ov;
            idx = oi;
        }
    }
    const int64_t nu = 4 * nb;
    const int64_t u = 4 * ib + lane / 8;   // the lane's 8 elements are in one 16-byte chunk
    uint8_t* chunk = out + packed_chunk_offset(u, (lane % 8) / 2, nu, 4) + 8 * (lane % 2);
    const float iscale = amax != 0.0f ? -127.0f / vmax : 0.0f;
    int sum = 0;
    for (int j = 0; j < 8; ++j) {
        int q = 0;
        if (amax != 0.0f) {
            q = int(rintf(iscale * vals[j]));   // round half to even, as nearest_int
            q = q < -128 ? -128 : q > 127 ? 127 : q;
        }
        chunk[j] = uint8_t(int8_t(q));
        sum += q;
    }
    sum += __shfl_xor_sync(kFullMask, sum, 1);
    sum += __shfl_xor_sync(kFullMask, sum, 2);
    uint8_t* sums = out + size_t(n);
    if (lane % 4 == 0)
        *reinterpret_cast<int16_t*>(sums + 2 * (8 * ib + lane / 4)) = int16_t(sum);
    if (lane == 0)
        *reinterpret_cast<float*>(sums + size_t(n) / 16 + 4 * size_t(ib)) = amax != 0.0f ? 1.0f / iscale : 0.0f;
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
