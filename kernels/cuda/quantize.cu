#include "quantize.cuh"

#include "kernels/cpu/matmul_ref.h"
#include "launch.h"
#include "matvec.cuh"
#include "quantize_blocks.cuh"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kWarpsPerBlock = 4;

// std::round then clamp_code of quantize_ref.cpp: NaN -> 0, saturate to [-128, 127].
__device__ __forceinline__ int round_clamp_q8(float v)
{
    const float r = roundf(v);
    if (!(r == r))
        return 0;
    return r <= -128.0f ? -128 : r >= 127.0f ? 127 : int(r);
}

__device__ __forceinline__ void store_half(uint8_t* p, float f)
{
    const uint16_t h = float_to_half_bits(f);
    p[0] = uint8_t(h);
    p[1] = uint8_t(h >> 8);
}

// Q8_0 (34 bytes: d, qs[32]) or Q8_1 (36 bytes: d, s = d*sum(qs), qs[32]).
// block (32, 4): one warp per 32-element block; grid (ceil(nb / 4), n_rows).
template <bool kWithSum>
__global__ void quantize_q8_32_kernel(const float* x, uint8_t* dst, int64_t n, int64_t nb, size_t row_bytes)
{
    const int64_t ib = int64_t(blockIdx.x) * blockDim.y + threadIdx.y;
    const int64_t row = blockIdx.y;
    if (ib >= nb)
        return;   // the whole warp leaves together (ib depends on threadIdx.y only)
    const int lane = int(threadIdx.x);
    const float v = x[row * n + ib * 32 + lane];
    const float amax = warp_max(fabsf(v));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const int q = round_clamp_q8(v * id);
    uint8_t* blk = dst + size_t(row) * row_bytes + size_t(ib) * (kWithSum ? 36 : 34);
    blk[(kWithSum ? 4 : 2) + lane] = uint8_t(int8_t(q));
    if constexpr (kWithSum) {
        const int sum = warp_sum_int(q);
        if (lane == 0) {
            store_half(blk, d);
            store_half(blk + 2, float(sum) * d);
        }
    } else if (lane == 0) {
        store_half(blk, d);
    }
}

// Q8_K (292 bytes: float d, qs[256], int16 bsums[16]). block (32, 4): one warp per 256
// elements, lane l owns elements 8l .. 8l+7 (half of a 16-element bsum group).
__global__ void quantize_q8_k_kernel(const float* x, uint8_t* dst, int64_t n, int64_t nb, size_t row_bytes)
{
    const int64_t ib = int64_t(blockIdx.x) * blockDim.y + threadIdx.y;
    const int64_t row = blockIdx.y;
    if (ib >= nb)
        return;
    const int lane = int(threadIdx.x);
    const float* xb = x + row * n + ib * 256;
    // Largest magnitude and its first index, as the reference's sequential scan picks it.
    float amax = 0.0f;
    int idx = 0x7fffffff;
    for (int j = 0; j < 8; ++j) {
        const float a = fabsf(xb[8 * lane + j]);
        if (a > amax) {
            amax = a;
            idx = 8 * lane + j;
        }
    }
    for (int off = 16; off > 0; off >>= 1) {
        const float oa = __shfl_xor_sync(kFullMask, amax, off);
        const int oi = __shfl_xor_sync(kFullMask, idx, off);
        if (oa > amax || (oa == amax && oi < idx)) {
            amax = oa;
            idx = oi;
        }
    }
    uint8_t* blk = dst + size_t(row) * row_bytes + size_t(ib) * 292;
    int sum = 0;
    if (amax != 0.0f) {
        const float iscale = -127.0f / xb[idx];
        for (int j = 0; j < 8; ++j) {
            int q = int(rintf(iscale * xb[8 * lane + j]));   // round half to even, as nearest_int
            q = q < -128 ? -128 : q > 127 ? 127 : q;
            blk[4 + 8 * lane + j] = uint8_t(int8_t(q));
            sum += q;
        }
        if (lane == 0) {
            const float d = 1.0f / iscale;
            memcpy(blk, &d, 4);
        }
    } else {
        for (int j = 0; j < 8; ++j)
            blk[4 + 8 * lane + j] = 0;
        if (lane == 0)
            for (int j = 0; j < 4; ++j)
                blk[j] = 0;
    }
    sum += __shfl_xor_sync(kFullMask, sum, 1);
    if ((lane & 1) == 0) {
        const int16_t s16 = int16_t(sum);
        blk[260 + lane] = uint8_t(uint16_t(s16));
        blk[260 + lane + 1] = uint8_t(uint16_t(s16) >> 8);
    }
}

// Packed activations (matvec.cuh; the blocks themselves in quantize_blocks.cuh).
// block (32, 4): one warp per block (Q8_0) or super-block (Q8_K); grid (ceil(nb / 4), n_rows).
template <bool kK>
__global__ void quantize_packed_kernel(const float* x, uint8_t* dst, int64_t n, int64_t nb, size_t row_bytes)
{
    const int64_t ib = int64_t(blockIdx.x) * blockDim.y + threadIdx.y;
    const int64_t row = blockIdx.y;
    if (ib >= nb)
        return;   // the whole warp leaves together
    const int lane = int(threadIdx.x);
    uint8_t* out = dst + size_t(row) * row_bytes;
    if constexpr (kK) {
        float vals[8];
        for (int j = 0; j < 8; ++j)
            vals[j] = x[row * n + ib * 256 + 8 * lane + j];
        quantize_packed_q8_k_block(vals, out, ib, nb, n, lane);
    } else {
        quantize_packed_q8_0_block(x[row * n + ib * 32 + lane], out, ib, nb, n, lane);
    }
}

// F16 / BF16 / F32 activations, one thread per element. grid (ceil(n / 256), n_rows).
template <TensorType T>
__global__ void convert_kernel(const float* x, uint8_t* dst, int64_t n, size_t row_bytes)
{
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    const int64_t row = blockIdx.y;
    if (i >= n)
        return;
    const float v = x[row * n + i];
    uint8_t* out = dst + size_t(row) * row_bytes;
    if constexpr (T == TensorType::F32) {
        memcpy(out + 4 * i, &v, 4);
    } else {
        uint16_t h;
        if constexpr (T == TensorType::F16) {
            h = float_to_half_bits(v);
        } else {
            // fp32_to_bf16 of dequant_ref.cpp: round to nearest even, NaN kept NaN and quiet.
            const uint32_t b = uint32_t(__float_as_int(v));
            h = (b & 0x7FFFFFFFu) > 0x7F800000u ? uint16_t((b >> 16) | 0x40u)
                                                : uint16_t((b + 0x7FFFu + ((b >> 16) & 1u)) >> 16);
        }
        out[2 * i] = uint8_t(h);
        out[2 * i + 1] = uint8_t(h >> 8);
    }
}

}   // namespace

GpuStatus quantize_activations(TensorType weight_type, const float* x, void* dst_v, int64_t n_rows, int64_t n, Stream s)
{
    auto* dst = static_cast<uint8_t*>(dst_v);
    const TensorType vt = vec_dot_type(weight_type);
    if (n_rows <= 0 || n_rows > 65535)
        return gpu_error("quantize_activations: " + std::to_string(n_rows) + " rows (1 to 65535 per call)");
    const size_t rb = row_bytes(vt, n);
    const dim3 warps(32, kWarpsPerBlock);
    switch (vt) {
    case TensorType::Q8_0:
    case TensorType::Q8_1: {
        if (n % 32)
            return gpu_error("quantize_activations: row length " + std::to_string(n) + " is not a multiple of 32");
        const int64_t nb = n / 32;
        const dim3 grid(div_up(nb, kWarpsPerBlock), unsigned(n_rows));
        return vt == TensorType::Q8_0 ? launch(quantize_q8_32_kernel<false>, grid, warps, 0, s, x, dst, n, nb, rb)
                                      : launch(quantize_q8_32_kernel<true>, grid, warps, 0, s, x, dst, n, nb, rb);
    }
    case TensorType::Q8_K: {
        if (n % 256)
            return gpu_error("quantize_activations: row length " + std::to_string(n) + " is not a multiple of 256");
        const int64_t nb = n / 256;
        return launch(quantize_q8_k_kernel, dim3(div_up(nb, kWarpsPerBlock), unsigned(n_rows)), warps, 0, s, x, dst, n,
                      nb, rb);
    }
    case TensorType::F16:
        return launch(convert_kernel<TensorType::F16>, dim3(div_up(n, 256), unsigned(n_rows)), dim3(256), 0, s, x, dst,
                      n, rb);
    case TensorType::BF16:
        return launch(convert_kernel<TensorType::BF16>, dim3(div_up(n, 256), unsigned(n_rows)), dim3(256), 0, s, x, dst,
                      n, rb);
    case TensorType::F32:
        return launch(convert_kernel<TensorType::F32>, dim3(div_up(n, 256), unsigned(n_rows)), dim3(256), 0, s, x, dst,
                      n, rb);
    default:
        return gpu_error("quantize_activations: no GPU kernel for weights of type " +
                         std::to_string(uint32_t(weight_type)));
    }
}

size_t packed_activation_row_bytes(TensorType weight_type, int64_t cols)
{
    const size_t n = size_t(cols);
    const bool k = vec_dot_type(weight_type) == TensorType::Q8_K;
    const size_t bytes = k ? n + n / 16 + n / 64 : n + n / 8 + n / 16;
    return (bytes + 15) / 16 * 16;
}

GpuStatus quantize_activations_packed(TensorType weight_type, const float* x, void* dst_v, int64_t n_rows, int64_t n,
                                      Stream s)
{
    auto* dst = static_cast<uint8_t*>(dst_v);
    if (!matvec_packs(weight_type))
        return gpu_error("quantize_activations_packed: no packed layout for weights of type " +
                         std::to_string(uint32_t(weight_type)));
    if (n_rows <= 0 || n_rows > 65535)
        return gpu_error("quantize_activations_packed: " + std::to_string(n_rows) + " rows (1 to 65535 per call)");
    const bool k = vec_dot_type(weight_type) == TensorType::Q8_K;
    const int64_t block = k ? 256 : 32;
    if (n <= 0 || n % block)
        return gpu_error("quantize_activations_packed: row length " + std::to_string(n) + " is not a multiple of " +
                         std::to_string(block));
    const size_t rb = packed_activation_row_bytes(weight_type, n);
    const int64_t nb = n / block;
    const dim3 grid(div_up(nb, kWarpsPerBlock), unsigned(n_rows)), warps(32, kWarpsPerBlock);
    return k ? launch(quantize_packed_kernel<true>, grid, warps, 0, s, x, dst, n, nb, rb)
             : launch(quantize_packed_kernel<false>, grid, warps, 0, s, x, dst, n, nb, rb);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
