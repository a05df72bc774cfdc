#pragma once
// Optimized matrix products, runtime-dispatched (AVX2+FMA+F16C where the CPU has it, the
// reference dot products otherwise). Same semantics as matmul_ref: activations are converted to
// vec_dot_type(type) first; each output is one weight row dotted with one converted token.
//
// The conversion is a separate step so a caller running rows on several threads converts the
// activations once per op, not once per thread. Every output (row r, token t) is computed by the
// same sequence of operations whatever n_tokens is, so a prefill of many tokens gives bit-identical
// results to decoding them one at a time.
#include "quant_types.h"

#include <cstddef>
#include <cstdint>

namespace causerie::kernels {

// Bytes of one activation row of `cols` elements converted for weights of `weight_type`
// (for F32 weights: the floats themselves).
size_t converted_row_bytes(TensorType weight_type, int64_t cols);

// Converts tokens [t_begin, t_end) of x (n, cols) floats into x_conv, whose rows are
// converted_row_bytes(weight_type, cols) apart. Byte-identical to quantize_row_ref.
void convert_activations_cpu(TensorType weight_type, const float* x, int64_t cols, int64_t t_begin, int64_t t_end,
                             void* x_conv);

// y[t*ldy + r] = W[r] . x_conv[t] for r in [0, rows), t in [0, n_tokens). W as in matmul_ref
// (row r at (const char*)w + r*w_row_bytes, any alignment); callers split rows over threads by
// offsetting w and y.
void matmul_converted_cpu(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols,
                          const void* x_conv, int64_t n_tokens, float* y, int64_t ldy);

// convert_activations_cpu + matmul_converted_cpu on the calling thread; drop-in for matmul_ref.
void matmul_cpu(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const float* x,
                int64_t n_tokens, float* y, int64_t ldy);

// True when `type` has a SIMD kernel on this CPU (otherwise the reference dot products run).
bool matmul_cpu_is_simd(TensorType type);

// Internal: the SIMD translation units; avx2:: only called when cpu_features().avx2, avx2_vnni::
// (the same source built with AVX-512 VNNI/VL/BW) only when cpu_features().avx512_vnni.
namespace avx2 {
bool supports(TensorType type);
bool convert(TensorType weight_type, const float* x, int64_t cols, void* out);   // one row; false if unsupported
void matmul(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const void* x_conv,
            size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy);
}   // namespace avx2
namespace avx2_vnni {
bool supports(TensorType type);
bool convert(TensorType weight_type, const float* x, int64_t cols, void* out);
void matmul(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const void* x_conv,
            size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy);
}   // namespace avx2_vnni

}   // namespace causerie::kernels
