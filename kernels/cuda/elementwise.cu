#include "elementwise.cuh"

#include "launch.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 256;

__global__ void swiglu_kernel(const float* gate, const float* up, float* out, int64_t n)
{
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) {
        const float g = gate[i];
        out[i] = __fmul_rn(g / (1.0f + expf(-g)), up[i]);
    }
}

__global__ void add_kernel(float* y, const float* x, int64_t n)
{
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n)
        y[i] += x[i];
}

}   // namespace

GpuStatus swiglu(const float* gate, const float* up, float* out, int64_t n, Stream s)
{
    return launch(swiglu_kernel, dim3(div_up(n, kThreads)), dim3(kThreads), 0, s, gate, up, out, n);
}

GpuStatus add_inplace(float* y, const float* x, int64_t n, Stream s)
{
    return launch(add_kernel, dim3(div_up(n, kThreads)), dim3(kThreads), 0, s, y, x, n);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
