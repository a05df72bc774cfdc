#pragma once
// Element-wise ops of the transformer blocks: SwiGLU, GeGLU (gemma), the residual add and
// soft-capping (gemma2's final logits).
#include "device.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// out = silu(gate) * up, (n) F32; out may equal gate.
GpuStatus swiglu(const float* gate, const float* up, float* out, int64_t n, Stream s);
// out = gelu_tanh(gate) * up as kernels::geglu_ref computes it (the activation rounded through
// F16, as ggml's table-driven GELU; exact below -10 and above 10), (n) F32; out may equal gate.
GpuStatus geglu(const float* gate, const float* up, float* out, int64_t n, Stream s);
// x = cap * tanh(x / cap) in place, (n) F32, as kernels::softcap_ref; cap > 0.
GpuStatus softcap(float* x, int64_t n, float cap, Stream s);
// y += x, (n) F32.
GpuStatus add_inplace(float* y, const float* x, int64_t n, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
