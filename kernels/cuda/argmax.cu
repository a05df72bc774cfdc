#include "argmax.cuh"

#include "launch.h"

#include <cmath>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ bool better(float v, int64_t i, float bv, int64_t bi)
{
    return v > bv || (v == bv && i < bi);
}

// One block per row.
__global__ void argmax_kernel(const float* x, int64_t n, int32_t* out)
{
    __shared__ float s_val[32];
    __shared__ int64_t s_idx[32];
    const float* xr = x + int64_t(blockIdx.x) * n;
    float bv = -INFINITY;
    int64_t bi = n;   // "none yet": loses every tie
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        if (better(xr[i], i, bv, bi))
            bv = xr[i], bi = i;
    for (int off = 16; off > 0; off >>= 1) {
        const float ov = __shfl_xor_sync(kFullMask, bv, off);
        const int64_t oi = __shfl_xor_sync(kFullMask, bi, off);
        if (better(ov, oi, bv, bi))
            bv = ov, bi = oi;
    }
    const int lane = int(threadIdx.x) % kWarp, warp = int(threadIdx.x) / kWarp;
    if (lane == 0) {
        s_val[warp] = bv;
        s_idx[warp] = bi;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < int(blockDim.x) / kWarp; ++w)
            if (better(s_val[w], s_idx[w], bv, bi))
                bv = s_val[w], bi = s_idx[w];
        out[blockIdx.x] = int32_t(bi < n ? bi : 0);   // all NaN / -inf: index 0
    }
}

__global__ void softmax_kernel(float* x, int64_t n)
{
    __shared__ float scratch[32];
    float* xr = x + int64_t(blockIdx.x) * n;
    float m = -INFINITY;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        m = fmaxf(m, xr[i]);
    m = warp_max(m);
    __shared__ float s_max[32];
    if (threadIdx.x % kWarp == 0)
        s_max[threadIdx.x / kWarp] = m;
    __syncthreads();
    m = -INFINITY;
    for (int w = 0; w < int(blockDim.x) / kWarp; ++w)
        m = fmaxf(m, s_max[w]);
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
        const float e = xr[i] == -INFINITY ? 0.0f : expf(xr[i] - m);
        xr[i] = e;
        sum += e;
    }
    sum = block_sum(sum, scratch);
    const float inv = 1.0f / sum;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        xr[i] *= inv;
}

}   // namespace

GpuStatus argmax_rows(const float* x, int64_t n_rows, int64_t n, int32_t* out, Stream s)
{
    if (n_rows <= 0 || n <= 0)
        return gpu_error("argmax_rows: empty shape");
    return launch(argmax_kernel, dim3(unsigned(n_rows)), dim3(kThreads), 0, s, x, n, out);
}

GpuStatus softmax_rows(float* x, int64_t n_rows, int64_t n, Stream s)
{
    if (n_rows <= 0 || n <= 0)
        return gpu_error("softmax_rows: empty shape");
    return launch(softmax_kernel, dim3(unsigned(n_rows)), dim3(kThreads), 0, s, x, n);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
