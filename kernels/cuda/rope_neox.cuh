#pragma once
// Rotary position embedding, NeoX layout (pairs x[i], x[i + n_rot/2]: Qwen2/3), as
// kernels::rope_neox_ref.
#include "device.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// x: (n_tokens, n_heads, head_dim) F32 in place; token t is at position pos0 + t (read from
// pos_dev when given, as gpu::rope does); freq_factors (optional, device, n_rot/2 floats).
GpuStatus rope_neox(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
                    float freq_base, Stream s, const int64_t* pos_dev = nullptr, const float* freq_factors = nullptr);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
