#include "elementwise.cuh"

#include "launch.h"

#include <string>

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

__global__ void geglu_kernel(const float* gate, const float* up, float* out, int64_t n)
{
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f, kA = 0.044715f;
    const float g = gate[i];
    float act;
    if (g <= -10.0f) {
        act = 0.0f;
    } else if (g >= 10.0f) {
        act = g;
    } else {   // geglu_ref's expression, operation by operation
        const float x = half_bits_to_float(float_to_half_bits(g));
        const float inner = __fmul_rn(__fmul_rn(kSqrt2OverPi, x), __fadd_rn(1.0f, __fmul_rn(__fmul_rn(kA, x), x)));
        act = half_bits_to_float(float_to_half_bits(__fmul_rn(__fmul_rn(0.5f, x), __fadd_rn(1.0f, tanhf(inner)))));
    }
    out[i] = __fmul_rn(act, up[i]);
}

__global__ void softcap_kernel(float* x, int64_t n, float cap)
{
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] = __fmul_rn(tanhf(__fmul_rn(x[i], 1.0f / cap)), cap);
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

GpuStatus geglu(const float* gate, const float* up, float* out, int64_t n, Stream s)
{
    return launch(geglu_kernel, dim3(div_up(n, kThreads)), dim3(kThreads), 0, s, gate, up, out, n);
}

GpuStatus softcap(float* x, int64_t n, float cap, Stream s)
{
    if (!(cap > 0.0f))
        return gpu_error("softcap: the cap must be positive, not " + std::to_string(cap));
    return launch(softcap_kernel, dim3(div_up(n, kThreads)), dim3(kThreads), 0, s, x, n, cap);
}

GpuStatus add_inplace(float* y, const float* x, int64_t n, Stream s)
{
    return launch(add_kernel, dim3(div_up(n, kThreads)), dim3(kThreads), 0, s, y, x, n);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
