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

// The load helpers are always inlined under the sim too (the host compiler may otherwise keep one
// out-of-line copy): record_load tells load instructions apart by their place in the kernel.
#if defined(CAUSERIE_CUDA_SIM)
#define CAUSERIE_LOAD_INLINE __attribute__((always_inline))
#else
#define CAUSERIE_LOAD_INLINE
#endif

// 16-bit little-endian loads: GGUF blocks are only 2-byte aligned (Q4_0 is 18 bytes), so wider
// loads are assembled from 16-bit ones.
CAUSERIE_LOAD_INLINE __device__ __forceinline__ uint16_t load_u16(const void* p)
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
CAUSERIE_LOAD_INLINE __device__ __forceinline__ int load_i32_a2(const void* p)
{
    const auto* b = static_cast<const uint8_t*>(p);
    return int(uint32_t(load_u16(b)) | uint32_t(load_u16(b + 2)) << 16);
}

// Four ints at a 16-byte aligned address / two at an 8-byte aligned one: the vector loads the
// packed decode layouts are built for (matvec.cuh), one LDG.128 / LDG.64 per lane.
struct alignas(8) Words2 {
    int x, y;
};
struct alignas(16) Words4 {
    int x, y, z, w;
};

// sizeof(V) bytes at an address aligned to them: a GPU faults on a misaligned one; so does the
// sim (the launch returns an error).
template <class V>
CAUSERIE_LOAD_INLINE __device__ __forceinline__ V load_aligned(const void* p)
{
#if defined(CAUSERIE_CUDA_SIM)
    if (reinterpret_cast<uintptr_t>(p) % sizeof(V) != 0)
        ::causerie::cuda_sim::report_fault(sizeof(V) == 16  ? "misaligned 16-byte load"
                                           : sizeof(V) == 8 ? "misaligned 8-byte load"
                                                            : "misaligned 4-byte load");
    ::causerie::cuda_sim::record_load(p, sizeof(V));
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
#else
    return *static_cast<const V*>(p);
#endif
}

// 4 bytes at a 4-byte aligned address (K-quant blocks of 144/176 bytes, Q8_1/Q8_K activations).
CAUSERIE_LOAD_INLINE __device__ __forceinline__ int load_i32_a4(const void* p) { return load_aligned<int>(p); }
CAUSERIE_LOAD_INLINE __device__ __forceinline__ Words2 load_i32x2_a8(const void* p) { return load_aligned<Words2>(p); }
CAUSERIE_LOAD_INLINE __device__ __forceinline__ Words4 load_i32x4_a16(const void* p) { return load_aligned<Words4>(p); }

// Shared-memory accesses of the tiled kernels (mmq.cu, attention_prefill.cu): one plain load or
// store of sizeof(T) bytes (1 to 16, at an address aligned to them) on a GPU; under the sim each
// lane's access is also reported, so the sim counts the bank wavefronts of every warp-wide
// request (sim_runtime.h, SharedCounts). Always inlined under the sim, like the load helpers.
template <class T>
CAUSERIE_LOAD_INLINE __device__ __forceinline__ T load_shared(const T* p)
{
#if defined(CAUSERIE_CUDA_SIM)
    ::causerie::cuda_sim::record_shared(p, sizeof(T));
    T v;
    std::memcpy(&v, p, sizeof(T));   // a misaligned access is reported, not undefined behaviour here
    return v;
#else
    return *p;
#endif
}
template <class T>
CAUSERIE_LOAD_INLINE __device__ __forceinline__ void store_shared(T* p, const T& v)
{
#if defined(CAUSERIE_CUDA_SIM)
    ::causerie::cuda_sim::record_shared(p, sizeof(T));
    std::memcpy(static_cast<void*>(p), &v, sizeof(T));
#else
    *p = v;
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
