#pragma once
// Activations converted for a matrix-vector product with weights of a given type, as the CPU
// reference does (kernels::vec_dot_type): Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for
// the K-quants, F16/BF16 for half weights, F32 copied. The bytes equal quantize_row_ref's, so
// the integer part of every dot product is exactly the reference's.
#include "device.h"
#include "kernels/cpu/quant_types.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// x: (n_rows, n) F32. dst: n_rows rows of row_bytes(vec_dot_type(weight_type), n) bytes.
// n must be a multiple of the converted type's block size (32, or 256 for Q8_K).
GpuStatus quantize_activations(TensorType weight_type, const float* x, void* dst, int64_t n_rows, int64_t n, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
