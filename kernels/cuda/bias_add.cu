#include "bias_add.cuh"

#include "launch.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 256;

__global__ void bias_add_kernel(float* y, const float* b, int64_t total, int64_t n)
{
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < total)
        y[i] += b[i % n];
}

}   // namespace

GpuStatus bias_add(float* y, const float* b, int64_t n_rows, int64_t n, Stream s)
{
    if (n_rows <= 0 || n <= 0)
        return gpu_error("bias_add: bad shape (" + std::to_string(n_rows) + " rows of " + std::to_string(n) + ")");
    const int64_t total = n_rows * n;
    return launch(bias_add_kernel, dim3(div_up(total, kThreads)), dim3(kThreads), 0, s, y, b, total, n);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
