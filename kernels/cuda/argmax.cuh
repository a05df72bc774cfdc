#pragma once
// Greedy sampling and probabilities on the device: argmax and softmax of logit rows.
#include "device.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// out[r] = index of the largest x[r, :] (the first one on ties; NaN never wins). x: (n_rows, n).
GpuStatus argmax_rows(const float* x, int64_t n_rows, int64_t n, int32_t* out, Stream s);
// In place, x[r, :] = softmax(x[r, :]); -INFINITY gets probability 0 (as softmax_ref).
GpuStatus softmax_rows(float* x, int64_t n_rows, int64_t n, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
