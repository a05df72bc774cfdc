#pragma once
// Reference dequantizers: one per tensor type, plain scalar code that is obviously right.
// n is a multiple of the type's block size.
#include "quant_types.h"

#include <cstdint>

namespace causerie::kernels {

void dequantize_row_ref(TensorType type, const void* src, float* dst, int64_t n);

float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);   // round to nearest even
float bf16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);   // round to nearest even, NaN kept NaN

}   // namespace causerie::kernels
