#pragma once
// SIMD dot products for the low-bit weight types (Q2_K, Q3_K, IQ4_NL, IQ4_XS), runtime-dispatched
// from matmul_cpu.cpp; same contract as avx2::matmul there (activations already converted to
// vec_dot_type(type), rows at any alignment, y[t*ldy + r]). On the original layout: the engine
// runs the repacked kernels (repack_cpu.h) for these types wherever repack_available() says so;
// these are for the rest (rows too long for the 256-bit kernels' scratch, callers that do not
// repack).
//
// Results are bit-identical to vec_dot_ref: block sums are exact integers, then the reference's
// float operations run in its order (scalar per block), whatever the number of tokens.
#include "quant_types.h"

#include <cstddef>
#include <cstdint>

namespace causerie::kernels {

// AVX2 + FMA + F16C (matmul_lowbit_avx2.cpp); only called when cpu_features().avx2.
namespace lowbit_avx2 {
bool supports(TensorType type);
void matmul(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const void* x_conv,
            size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy);
}   // namespace lowbit_avx2

// The same source built with AVX-512 VNNI/VL/BW (matmul_lowbit_avx512.cpp): vpdpwssd for the
// scale products, 32 vector registers; only called when cpu_features().avx512_vnni.
namespace lowbit_avx512 {
bool supports(TensorType type);
void matmul(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const void* x_conv,
            size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy);
}   // namespace lowbit_avx512

}   // namespace causerie::kernels
