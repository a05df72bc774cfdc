#pragma once
// RMSNorm of rows: y = x / sqrt(mean(x^2) + eps) * w.
#include "device.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// x, y: (n_rows, n) F32 (y may equal x); w: (n) F32.
GpuStatus rmsnorm(const float* x, const float* w, float* y, int64_t n_rows, int64_t n, float eps, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
