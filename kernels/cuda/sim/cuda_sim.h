#pragma once
// The CUDA dialect our kernels use, for the host compiler: included by kernels/cuda/common.cuh
// instead of <cuda_runtime.h> when CAUSERIE_CUDA_SIM is defined. Only what the kernels need is
// here; anything else fails to compile, which is the point (a kernel cannot quietly use a
// feature the sim does not model).
#include "sim_runtime.h"

#include "kernels/cpu/dequant_ref.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
// Per block: the blocks of a grid run one at a time on the launching OS thread, and all fibers
// of a block run on that thread, so a function-local thread_local is exactly one block's copy.
// Its contents carry over between blocks like uninitialised shared memory does.
#define __shared__ static thread_local

#define threadIdx (::causerie::cuda_sim::current().thread_idx)
#define blockIdx (::causerie::cuda_sim::current().block_idx)
#define blockDim (::causerie::cuda_sim::current().block_dim)
#define gridDim (::causerie::cuda_sim::current().grid_dim)
#define warpSize 32

using dim3 = ::causerie::cuda_sim::dim3;

inline void __syncthreads() { ::causerie::cuda_sim::sync_threads(); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { ::causerie::cuda_sim::sync_warp(mask); }

namespace causerie::cuda_sim::detail {
template <class T>
uint64_t to_bits(T v)
{
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "shuffles move values of up to 8 bytes");
    uint64_t b = 0;
    std::memcpy(&b, &v, sizeof(T));
    return b;
}
template <class T>
T from_bits(uint64_t b)
{
    T v;
    std::memcpy(&v, &b, sizeof(T));
    return v;
}
inline int lane_id()
{
    return int(current().thread_idx.x + current().thread_idx.y * current().block_dim.x +
               current().thread_idx.z * current().block_dim.x * current().block_dim.y) %
           32;
}
}   // namespace causerie::cuda_sim::detail

// Sources outside the caller's `width`-lane segment give the caller's own value, as on a GPU.
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32)
{
    using namespace causerie::cuda_sim::detail;
    const int lane = lane_id();
    const int src = lane ^ lane_mask;
    const int seg = lane / width * width;
    const int s = (src >= seg && src < seg + width) ? src : lane;
    return from_bits<T>(causerie::cuda_sim::shuffle(mask, to_bits(v), s));
}
template <class T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32)
{
    using namespace causerie::cuda_sim::detail;
    const int lane = lane_id();
    const int s = (lane % width) + int(delta) < width ? lane + int(delta) : lane;
    return from_bits<T>(causerie::cuda_sim::shuffle(mask, to_bits(v), s));
}
template <class T>
T __shfl_sync(unsigned mask, T v, int src_lane, int width = 32)
{
    using namespace causerie::cuda_sim::detail;
    const int lane = lane_id();
    const int s = lane / width * width + ((src_lane % width) + width) % width;
    return from_bits<T>(causerie::cuda_sim::shuffle(mask, to_bits(v), s));
}

// Four signed bytes of a times those of b, plus c.
inline int __dp4a(int a, int b, int c)
{
    for (int i = 0; i < 4; ++i)
        c += int(int8_t(uint32_t(a) >> (8 * i))) * int(int8_t(uint32_t(b) >> (8 * i)));
    return c;
}

// Global atomics and fences: blocks run one at a time and a block's fibers switch only at sync
// points, so a plain read-modify-write is atomic here and every write is already visible.
inline unsigned atomicAdd(unsigned* p, unsigned v)
{
    const unsigned old = *p;
    *p = old + v;
    return old;
}
inline void __threadfence() {}

// Half precision: IEEE binary16 bits, converted with the reference (round to nearest even,
// as __float2half_rn).
struct __half {
    uint16_t bits;
};
inline __half __float2half_rn(float f) { return __half{causerie::kernels::fp32_to_fp16(f)}; }
inline __half __float2half(float f) { return __float2half_rn(f); }
inline float __half2float(__half h) { return causerie::kernels::fp16_to_fp32(h.bits); }
inline unsigned short __half_as_ushort(__half h) { return h.bits; }
inline __half __ushort_as_half(unsigned short u) { return __half{u}; }

// IEEE operations that nvcc must not fuse into an FMA; on the host there is no fusing to stop.
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __int_as_float(int i)
{
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}
inline int __float_as_int(float f)
{
    int i;
    std::memcpy(&i, &f, 4);
    return i;
}
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }

// Warp matrix (tensor-core) tiles, after __half above.
#include "wmma_sim.h"
