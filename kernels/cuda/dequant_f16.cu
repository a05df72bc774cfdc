#include "dequant_f16.cuh"

#include "dequant.cuh"
#include "launch.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 256;

// grid (rows, ceil(cols / 256)): rows on x, which has no 65535 limit (vocabularies reach 131072)
template <TensorType T>
__global__ void dequant_f16_kernel(const uint8_t* w, size_t row_bytes, int64_t cols, uint16_t* dst)
{
    const int64_t e = int64_t(blockIdx.y) * blockDim.x + threadIdx.x;
    const int64_t r = blockIdx.x;
    if (e < cols)
        dst[r * cols + e] = float_to_half_bits(dequant_elem<T>(w + size_t(r) * row_bytes, e));
}

__global__ void f32_to_f16_kernel(const float* x, uint16_t* dst, int64_t n)
{
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n)
        dst[i] = float_to_half_bits(x[i]);
}

}   // namespace

GpuStatus dequantize_to_f16(TensorType type, const void* w, size_t row_bytes, int64_t rows, int64_t cols, uint16_t* dst,
                            Stream s)
{
    return dispatch_weight_type(type, "dequantize_to_f16", [&]<TensorType T>() {
        return launch(dequant_f16_kernel<T>, dim3(unsigned(rows), div_up(cols, kThreads)), dim3(kThreads), 0, s,
                      static_cast<const uint8_t*>(w), row_bytes, cols, dst);
    });
}

GpuStatus f32_to_f16(const float* x, uint16_t* dst, int64_t n, Stream s)
{
    return launch(f32_to_f16_kernel, dim3(div_up(n, kThreads)), dim3(kThreads), 0, s, x, dst, n);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
