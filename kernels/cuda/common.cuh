#pragma once
// Device-side helpers shared by the kernels (.cu files only): the CUDA dialect (real or sim),
// warp reductions, unaligned-safe loads and half conversions.
#include "flavor.h"

#if defined(CAUSERIE_CUDA_SIM)
#include "sim/cuda_sim.h"
#else
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <mma.h>
#endif

#include "kernels/cpu/quant_blocks_ref.h"   // block layouts: the device reads the GGUF bytes as they are

#include <cstdint>
#include <cstring>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

inline constexpr int kWarp = 32;
inline constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float warp_sum(float v)
{
    for (int off = 16; off > 0; off >>= 1)
        v += __shfl_xor_sync(kFullMask, v, off);
    return v;
}

__device__ __forceinline__ float warp_max(float v)
{
    for (int off = 16; off > 0; off >>= 1)
        v = fmaxf(v, __shfl_xor_sync(kFullMask, v, off));
    return v;
}

__device__ __forceinline__ int warp_sum_int(int v)
{
    for (int off = 16; off > 0; off >>= 1)
        v += __shfl_xor_sync(kFullMask, v, off);
    return v;
}

// Sum over a block of blockDim.x threads (a multiple of 32, at most 1024); every thread gets
// the result. `scratch` is 32 floats of shared memory.
__device__ __forceinline__ float block_sum(float v, float* scratch)
{
    const int lane = int(threadIdx.x) % kWarp;
    const int warp = int(threadIdx.x) / kWarp;
    const int n_warps = int(blockDim.x) / kWarp;
    v = warp_sum(v);
    __syncthreads();   // scratch may still be read by a previous call
    if (lane == 0)
        scratch[warp] = v;
    __syncthreads();
    v = lane < n_warps ? scratch[lane] : 0.0f;
    return warp_sum(v);
}

// 16-bit little-endian loads: GGUF blocks are only 2-byte aligned (Q4_0 is 18 bytes), so wider
// loads are assembled from 16-bit ones.
__device__ __forceinline__ uint16_t load_u16(const void* p)
{
#if defined(CAUSERIE_CUDA_SIM)
    ::causerie::cuda_sim::record_load(p, 2);
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
#else
    return *static_cast<const uint16_t*>(p);
#endif
}

// 4 bytes at a 2-byte aligned address, as an int (4 packed int8 / nibble bytes).
__device__ __forceinline__ int load_i32_a2(const void* p)
{
    const auto* b = static_cast<const uint8_t*>(p);
    return int(uint32_t(load_u16(b)) | uint32_t(load_u16(b + 2)) << 16);
}

// 4 bytes at a 4-byte aligned address (K-quant blocks of 144/176 bytes, Q8_1/Q8_K activations).
// A GPU faults on a misaligned one; so does the sim (the launch returns an error).
__device__ __forceinline__ int load_i32_a4(const void* p)
{
#if defined(CAUSERIE_CUDA_SIM)
    if (reinterpret_cast<uintptr_t>(p) % 4 != 0)
        ::causerie::cuda_sim::report_fault("misaligned 4-byte load");
    ::causerie::cuda_sim::record_load(p, 4);
    int v;
    std::memcpy(&v, p, 4);
    return v;
#else
    return *static_cast<const int*>(p);
#endif
}

// 8 bytes at an 8-byte aligned address, as two ints (packed decode layouts, matvec.cuh).
struct Words2 {
    int x, y;
};
__device__ __forceinline__ Words2 load_i32x2_a8(const void* p)
{
#if defined(CAUSERIE_CUDA_SIM)
    if (reinterpret_cast<uintptr_t>(p) % 8 != 0)
        ::causerie::cuda_sim::report_fault("misaligned 8-byte load");
    ::causerie::cuda_sim::record_load(p, 8);
    Words2 v;
    std::memcpy(&v, p, 8);
    return v;
#else
    const int2 v = *static_cast<const int2*>(p);
    return {v.x, v.y};
#endif
}

// 16 bytes at a 16-byte aligned address, as four ints: one vector load per lane (LDG.128), what
// the packed decode layouts are built for (matvec.cuh). A misaligned one faults, as on a GPU.
struct Words4 {
    int x, y, z, w;
};
__device__ __forceinline__ Words4 load_i32x4_a16(const void* p)
{
#if defined(CAUSERIE_CUDA_SIM)
    if (reinterpret_cast<uintptr_t>(p) % 16 != 0)
        ::causerie::cuda_sim::report_fault("misaligned 16-byte load");
    ::causerie::cuda_sim::record_load(p, 16);
    Words4 v;
    std::memcpy(&v, p, 16);
    return v;
#else
    const int4 v = *static_cast<const int4*>(p);
    return {v.x, v.y, v.z, v.w};
#endif
}

__device__ __forceinline__ float half_bits_to_float(uint16_t h) { return __half2float(__ushort_as_half(h)); }

__device__ __forceinline__ uint16_t float_to_half_bits(float f) { return __half_as_ushort(__float2half_rn(f)); }

__device__ __forceinline__ float bf16_bits_to_float(uint16_t h) { return __int_as_float(int(uint32_t(h) << 16)); }

inline unsigned div_up(int64_t a, int64_t b) { return unsigned((a + b - 1) / b); }

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu

// Dynamic shared memory (the `smem` bytes of launch()) as a T*.
#if defined(CAUSERIE_CUDA_SIM)
#define CAUSERIE_DYNAMIC_SHARED(T, name) T* name = static_cast<T*>(::causerie::cuda_sim::dynamic_shared_memory())
#else
#define CAUSERIE_DYNAMIC_SHARED(T, name)                                                                               \
    extern __shared__ __align__(128) unsigned char causerie_smem_[];                                                   \
    T* name = reinterpret_cast<T*>(causerie_smem_)
#endif
