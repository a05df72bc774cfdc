#include "matmul_cpu.h"

#include "cpu_features.h"
#include "matmul_lowbit.h"
#include "matmul_ref.h"
#include "quantize_ref.h"

#include <cstring>
#include <vector>

namespace causerie::kernels {

size_t converted_row_bytes(TensorType weight_type, int64_t cols)
{
    const TensorType xt = vec_dot_type(weight_type);
    return xt == TensorType::F32 ? size_t(cols) * sizeof(float) : row_bytes(xt, cols);
}

bool matmul_cpu_is_simd(TensorType type)
{
    return cpu_features().avx2 && (avx2::supports(type) || lowbit_avx2::supports(type));
}

void convert_activations_cpu(TensorType weight_type, const float* x, int64_t cols, int64_t t_begin, int64_t t_end,
                             void* x_conv)
{
    const TensorType xt = vec_dot_type(weight_type);
    const size_t stride = converted_row_bytes(weight_type, cols);
    const bool simd = cpu_features().avx2;
    for (int64_t t = t_begin; t < t_end; ++t) {
        const float* src = x + t * cols;
        void* dst = static_cast<uint8_t*>(x_conv) + size_t(t) * stride;
        if (xt == TensorType::F32)
            std::memcpy(dst, src, stride);
        else if (!simd || !avx2::convert(weight_type, src, cols, dst))
            quantize_row_ref(xt, src, dst, cols);
    }
}

void matmul_converted_cpu(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols,
                          const void* x_conv, int64_t n_tokens, float* y, int64_t ldy)
{
    const size_t stride = converted_row_bytes(type, cols);
    if (cpu_features().avx2 && lowbit_avx2::supports(type)) {   // Q2_K, Q3_K, IQ4_NL, IQ4_XS
        if (cpu_features().avx512_vnni)
            lowbit_avx512::matmul(type, w, w_row_bytes, rows, cols, x_conv, stride, n_tokens, y, ldy);
        else
            lowbit_avx2::matmul(type, w, w_row_bytes, rows, cols, x_conv, stride, n_tokens, y, ldy);
        return;
    }
    if (matmul_cpu_is_simd(type)) {
        if (cpu_features().avx512_vnni)
            avx2_vnni::matmul(type, w, w_row_bytes, rows, cols, x_conv, stride, n_tokens, y, ldy);
        else
            avx2::matmul(type, w, w_row_bytes, rows, cols, x_conv, stride, n_tokens, y, ldy);
        return;
    }
    const auto* wb = static_cast<const uint8_t*>(w);
    const auto* xb = static_cast<const uint8_t*>(x_conv);
    for (int64_t t = 0; t < n_tokens; ++t)
        for (int64_t r = 0; r < rows; ++r)
            y[t * ldy + r] = vec_dot_ref(type, wb + size_t(r) * w_row_bytes, xb + size_t(t) * stride, cols);
}

void matmul_cpu(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const float* x,
                int64_t n_tokens, float* y, int64_t ldy)
{
    std::vector<uint8_t> conv(converted_row_bytes(type, cols) * size_t(n_tokens));
    convert_activations_cpu(type, x, cols, 0, n_tokens, conv.data());
    matmul_converted_cpu(type, w, w_row_bytes, rows, cols, conv.data(), n_tokens, y, ldy);
}

}   // namespace causerie::kernels
