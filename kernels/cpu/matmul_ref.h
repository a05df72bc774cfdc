#pragma once
// Reference matrix products straight from weight rows of any supported type.
// Semantics follow ggml's CPU backend so logits can be compared with llama.cpp: activations
// are first converted to vec_dot_type(type) (8-bit blocks for quantized weights, F16 for F16
// weights), then each output is a dot product of one weight row with that converted row.
#include "quant_types.h"

#include <cstddef>
#include <cstdint>

namespace causerie::kernels {

// Q8_0 for Q4_0/Q5_0/Q8_0/IQ4_NL, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants and IQ4_XS, F16 for F16,
// BF16 for BF16, F32 for F32.
TensorType vec_dot_type(TensorType weight_type);

// Dot product of one weight row (n elements of `type`) with n activations already
// converted to vec_dot_type(type).
float vec_dot_ref(TensorType type, const void* w_row, const void* x_conv, int64_t n);

// y[t, r] = sum_k W[r, k] * x[t, k] for r in [0, rows), t in [0, n_tokens).
// W: rows of `cols` elements, row r at (const char*)w + r*w_row_bytes.
// x: n_tokens x cols floats; y[t*ldy + r] (ldy >= rows, so callers can split rows into ranges
// by offsetting w and y).
void matmul_ref(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const float* x,
                int64_t n_tokens, float* y, int64_t ldy);

}   // namespace causerie::kernels
