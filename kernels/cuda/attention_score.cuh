#pragma once
// What every attention kernel shares (.cu files only): the score of a query-key dot product
// and the first position a token sees, with the CPU backend's expressions
// (kernels/cpu/attention_cpu.cpp, engine/layer_cpu.cpp CpuLayer::attention), so that the exact
// kernels stay bit-identical to it under the sim.
#include "attention.cuh"
#include "common.cuh"

#include <string>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// scale * dot, or Gemma 2's softcap * tanh(dot * (scale / softcap)) when softcap is not 0.
__device__ __forceinline__ float attention_score(float dot, float scale, float softcap)
{
    return softcap != 0.0f ? softcap * tanhf(dot * (scale / softcap)) : dot * scale;
}

// The first position the token at position p attends to: max(0, p + 1 - window), 0 without a window.
__host__ __device__ __forceinline__ int64_t first_visible(int64_t p, int64_t window)
{
    return window > 0 && p + 1 - window > 0 ? p + 1 - window : 0;
}

// Whether the scale, softcap and window of a shape are usable (not negative, finite).
inline bool score_params_ok(const AttentionShape& sh)
{
    return sh.scale >= 0.0f && sh.scale < 1e30f && sh.softcap >= 0.0f && sh.softcap < 1e30f && sh.window >= 0;
}

// "n_head 32, n_head_kv 8, head_dim 128, value_dim 128, scale 0, softcap 0, window 0": for errors.
inline std::string attention_shape_text(const AttentionShape& sh)
{
    return "n_head " + std::to_string(sh.n_head) + ", n_head_kv " + std::to_string(sh.n_head_kv) + ", head_dim " +
           std::to_string(sh.head_dim) + ", value_dim " + std::to_string(sh.value_dim) + ", scale " +
           std::to_string(sh.scale) + ", softcap " + std::to_string(sh.softcap) + ", window " +
           std::to_string(sh.window);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
