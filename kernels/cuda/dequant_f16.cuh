#pragma once
// Prefill support: a weight matrix dequantized to F16, for the cuBLAS GEMM path
// (device.h gemm_f16), and F32 activations rounded to F16.
#include "device.h"
#include "kernels/cpu/quant_types.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// dst (rows, cols) F16 row-major = the rows of w (row_bytes apart) dequantized, then rounded.
GpuStatus dequantize_to_f16(TensorType type, const void* w, size_t row_bytes, int64_t rows, int64_t cols, uint16_t* dst,
                            Stream s);
// dst (n) F16 = x (n) F32 rounded to nearest even.
GpuStatus f32_to_f16(const float* x, uint16_t* dst, int64_t n, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
