#pragma once
// Top-k of logit rows on the device, so that sampling copies k candidates to the host instead of
// a whole row of n_vocab floats.
#include "device.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

inline constexpr int kTopKMax = 128;

// For each row r of x (n_rows, n): the k largest values, sorted by value descending, equal
// values by lower index first; NaN is never selected. ids/values: (n_rows, k). A row with fewer
// than k non-NaN values is padded with id -1 and value -INFINITY. 1 <= k <= kTopKMax.
GpuStatus topk_rows(const float* x, int64_t n_rows, int64_t n, int k, int32_t* ids, float* values, Stream s);

// out[i] = x[ids[i]] for i < n_ids: a few logits (ids already checked by the caller).
GpuStatus gather_floats(const float* x, const int32_t* ids, int64_t n_ids, float* out, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
