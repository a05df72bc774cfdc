#include "rope_neox.cuh"

#include "launch.h"

#include <cmath>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

// grid (n_heads, n_tokens), one thread per pair; the angle built as gpu::rope builds it (the
// reference's repeated float multiplication), only the two values of a pair differ.
__global__ void rope_neox_kernel(float* x, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
                                 const int64_t* pos_dev, float theta_scale, const float* freq_factors)
{
    if (pos_dev)
        pos0 = *pos_dev;
    const int64_t h = blockIdx.x;
    const int64_t t = blockIdx.y;
    const int64_t half = n_rot / 2;
    float* v = x + (t * n_heads + h) * head_dim;
    for (int64_t p = threadIdx.x; p < half; p += blockDim.x) {
        float theta = float(pos0 + t);
        for (int64_t k = 0; k < p; ++k)
            theta *= theta_scale;
        if (freq_factors)
            theta = __fdiv_rn(theta, freq_factors[p]);
        const float c = cosf(theta);
        const float sn = sinf(theta);
        const float a = v[p];
        const float b = v[p + half];
        v[p] = __fsub_rn(__fmul_rn(a, c), __fmul_rn(b, sn));
        v[p + half] = __fadd_rn(__fmul_rn(a, sn), __fmul_rn(b, c));
    }
}

}   // namespace

GpuStatus rope_neox(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
                    float freq_base, Stream s, const int64_t* pos_dev, const float* freq_factors)
{
    if (n_rot % 2 || n_rot > head_dim || n_tokens <= 0 || n_tokens > 65535)
        return gpu_error("rope_neox: bad shape (n_rot " + std::to_string(n_rot) + ", head_dim " +
                         std::to_string(head_dim) + ", " + std::to_string(n_tokens) + " tokens)");
    const float theta_scale = std::pow(freq_base, -2.0f / float(n_rot));   // as rope_neox_ref
    return launch(rope_neox_kernel, dim3(unsigned(n_heads), unsigned(n_tokens)), dim3(64), 0, s, x, n_heads, head_dim,
                  n_rot, pos0, pos_dev, theta_scale, freq_factors);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
