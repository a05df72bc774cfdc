#include "rmsnorm.cuh"

#include "launch.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 256;

// Block-wide sum in double (every thread gets it); scratch: 32 doubles of shared memory.
__device__ __forceinline__ double block_sum_double(double v, double* scratch)
{
    const int lane = int(threadIdx.x) % kWarp, warp = int(threadIdx.x) / kWarp;
    for (int off = 16; off > 0; off >>= 1)
        v += __shfl_xor_sync(kFullMask, v, off);
    if (lane == 0)
        scratch[warp] = v;
    __syncthreads();
    v = lane < int(blockDim.x) / kWarp ? scratch[lane] : 0.0;
    for (int off = 16; off > 0; off >>= 1)
        v += __shfl_xor_sync(kFullMask, v, off);
    return v;
}

// One block per row. The sum of squares is kept in double like the reference's: its rounding
// to float then almost always equals the reference's, so the scale and every output are
// bit-identical. A float sum would differ by an ulp, and the F16 rounding of activations and of
// the KV cache downstream turns such ulps into 2^-11 jumps that show in the logits.
// (Doubles are slow on consumer GPUs, but this is n_embd multiply-adds per token.)
__global__ void rmsnorm_kernel(const float* x, const float* w, float* y, int64_t n, float eps)
{
    __shared__ double scratch[32];
    const float* xr = x + int64_t(blockIdx.x) * n;
    float* yr = y + int64_t(blockIdx.x) * n;
    double sum = 0.0;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        sum += double(xr[i]) * double(xr[i]);
    sum = block_sum_double(sum, scratch);
    const float mean = float(sum / double(n));
    const float scale = 1.0f / sqrtf(mean + eps);
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        yr[i] = __fmul_rn(xr[i], scale) * w[i];
}

}   // namespace

GpuStatus rmsnorm(const float* x, const float* w, float* y, int64_t n_rows, int64_t n, float eps, Stream s)
{
    if (n_rows <= 0 || n <= 0)
        return gpu_error("rmsnorm: empty shape");
    return launch(rmsnorm_kernel, dim3(unsigned(n_rows)), dim3(kThreads), 0, s, x, w, y, n, eps);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
