#pragma once
// Element-wise ops of the Llama block: SwiGLU and the residual add.
#include "device.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// out = silu(gate) * up, (n) F32; out may equal gate.
GpuStatus swiglu(const float* gate, const float* up, float* out, int64_t n, Stream s);
// y += x, (n) F32.
GpuStatus add_inplace(float* y, const float* x, int64_t n, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
