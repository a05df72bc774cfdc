#pragma once
// Reference quantizers. Used for (1) activations before a quantized dot product, as
// llama.cpp's CPU backend does (Q8_0, Q8_1, Q8_K), and (2) the test-model writer, which needs
// valid blocks of every supported weight type (not the best possible rounding).
// n is a multiple of the type's block size; dst holds row_bytes(type, n) bytes.
#include "quant_types.h"

#include <cstdint>

namespace causerie::kernels {

void quantize_row_ref(TensorType type, const float* src, void* dst, int64_t n);

// False for types whose weights we only read (Q2_K, Q3_K, IQ4_NL, IQ4_XS: made by llama.cpp's
// quantizer); quantize_row_ref writes all-zero blocks for those.
bool has_quantizer_ref(TensorType type);

}   // namespace causerie::kernels
