#include "rope.cuh"

#include "launch.h"

#include <cmath>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

// grid (n_heads, n_tokens), one thread per pair. The angle is built by the same repeated
// float multiplication as the reference (theta_i = pos * scale^i, i multiplications), not
// powf, so the angles are bit-identical; only cosf/sinf may differ from the host's by an ulp.
// The two layouts differ only in where a pair's values are: x[2p], x[2p+1] (GGUF "normal") or
// x[p], x[p + n_rot/2] (NeoX).
template <bool Neox>
__global__ void rope_kernel(float* x, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
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
            theta = __fdiv_rn(theta, freq_factors[p]);   // IEEE division, as the host reference
        const float c = cosf(theta);
        const float sn = sinf(theta);
        const int64_t i0 = Neox ? p : 2 * p;
        const int64_t i1 = Neox ? p + half : 2 * p + 1;
        const float a = v[i0];
        const float b = v[i1];
        v[i0] = __fsub_rn(__fmul_rn(a, c), __fmul_rn(b, sn));
        v[i1] = __fadd_rn(__fmul_rn(a, sn), __fmul_rn(b, c));
    }
}

template <bool Neox>
GpuStatus launch_rope(const char* name, float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, int64_t n_rot,
                      int64_t pos0, float freq_base, Stream s, const int64_t* pos_dev, const float* freq_factors)
{
    if (n_rot % 2 || n_rot > head_dim || n_tokens <= 0 || n_tokens > 65535)
        return gpu_error(std::string(name) + ": bad shape (n_rot " + std::to_string(n_rot) + ", head_dim " +
                         std::to_string(head_dim) + ", " + std::to_string(n_tokens) + " tokens)");
    // Computed on the host with the same expression as rope_ref / rope_neox_ref.
    const float theta_scale = std::pow(freq_base, -2.0f / float(n_rot));
    return launch(rope_kernel<Neox>, dim3(unsigned(n_heads), unsigned(n_tokens)), dim3(64), 0, s, x, n_heads, head_dim,
                  n_rot, pos0, pos_dev, theta_scale, freq_factors);
}

}   // namespace

GpuStatus rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
               float freq_base, Stream s, const int64_t* pos_dev, const float* freq_factors)
{
    return launch_rope<false>("rope", x, n_tokens, n_heads, head_dim, n_rot, pos0, freq_base, s, pos_dev, freq_factors);
}

GpuStatus rope_neox(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
                    float freq_base, Stream s, const int64_t* pos_dev, const float* freq_factors)
{
    return launch_rope<true>("rope_neox", x, n_tokens, n_heads, head_dim, n_rot, pos0, freq_base, s, pos_dev,
                             freq_factors);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
