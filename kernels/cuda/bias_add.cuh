#pragma once
// Adds one bias row to every row (Qwen2's Q/K/V biases after the products), as kernels::add_ref
// applied row by row.
#include "device.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// y: (n_rows, n) F32 in place; b: (n) F32. y[r][i] += b[i].
GpuStatus bias_add(float* y, const float* b, int64_t n_rows, int64_t n, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
