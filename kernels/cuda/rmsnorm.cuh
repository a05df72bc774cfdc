#pragma once
// RMSNorm of rows: y = x / sqrt(mean(x^2) + eps) * w.
#include "device.h"
#include "kernels/cpu/quant_types.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// x, y: (n_rows, n) F32 (y may equal x); w: (n) F32.
GpuStatus rmsnorm(const float* x, const float* w, float* y, int64_t n_rows, int64_t n, float eps, Stream s);

// x += rmsnorm(y) * w, (n_rows, n) F32 (gemma's post-block norms before the residual add): the
// values of rmsnorm then add_inplace, in one launch. y and x must not overlap.
GpuStatus rmsnorm_add(const float* y, const float* w, float* x, int64_t n_rows, int64_t n, float eps, Stream s);

// rmsnorm (y may not equal x), and in the same launch y quantized into xq for packed weights of
// weight_type: the bytes of quantize_activations_packed(weight_type, y, xq, n_rows, n).
GpuStatus rmsnorm_quantize_packed(const float* x, const float* w, float* y, void* xq, TensorType weight_type,
                                  int64_t n_rows, int64_t n, float eps, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
