#pragma once
// Matrix-vector products straight from quantized weights (decode; also batched over a few
// tokens): y[t*ldy + r] = W[r] . x_t, one warp per weight row, integer dot products with dp4a
// against activations converted by quantize_activations().
#include "device.h"
#include "kernels/cpu/quant_types.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// w: `rows` rows of `cols` elements of `type`, w_row_bytes apart (device).
// xq: n_tokens rows from quantize_activations(type, ..., cols), contiguous.
// Types: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS.
GpuStatus matvec(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const void* xq,
                 int64_t n_tokens, float* y, int64_t ldy, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
