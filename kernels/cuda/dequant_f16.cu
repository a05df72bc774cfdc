#include "dequant_f16.cuh"

#include "dequant.cuh"
#include "launch.h"
#include "matvec.cuh"

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

// Packed Q4_0 / Q4_K (matvec.cuh) to F16, with dequant_elem's expressions. grid as above.
__global__ void dequant_packed_q4_0_kernel(const uint8_t* w, int64_t rows, int64_t cols, uint16_t* dst)
{
    const int64_t e = int64_t(blockIdx.y) * blockDim.x + threadIdx.x;
    const int64_t r = blockIdx.x;
    if (e >= cols)
        return;
    const int64_t nb = cols / 32, b = e / 32;
    const int j = int(e % 32);
    const uint8_t byte = w[size_t(r * nb + b) * 16 + size_t(j % 16)];
    const int q = j < 16 ? (byte & 0x0F) : (byte >> 4);
    const float d = half_bits_to_float(load_u16(w + size_t(rows * nb) * 16 + size_t(r * nb + b) * 2));
    dst[r * cols + e] = float_to_half_bits(float(q - 8) * d);
}

__global__ void dequant_packed_q4_k_kernel(const uint8_t* w, int64_t rows, int64_t cols, uint16_t* dst)
{
    const int64_t e = int64_t(blockIdx.y) * blockDim.x + threadIdx.x;
    const int64_t r = blockIdx.x;
    if (e >= cols)
        return;
    const int64_t nsb = cols / 256, nu = 4 * nsb, sb = e / 256;
    const int i = int(e % 256), j = i / 64, k = i % 64, l = k % 32;
    const int64_t u = 4 * sb + j;
    const uint8_t byte = w[size_t(r * nsb) * 128 + size_t(packed_chunk_offset(u, l / 16, nu, 2)) + size_t(l % 16)];
    const int q = k < 32 ? (byte & 0x0F) : (byte >> 4);
    const uint8_t* meta = w + size_t(rows * nsb) * 128 + size_t(r * nu + 4 * sb) * 4;
    const uint32_t word = uint32_t(load_i32_a4(meta + 4 * j));
    const int sc = int(word >> (k < 32 ? 0 : 6)) & 63;
    const int m = int(word >> (k < 32 ? 12 : 18)) & 63;
    const uint16_t d = uint16_t(meta[3] | meta[7] << 8), dmin = uint16_t(meta[11] | meta[15] << 8);
    const float ds = __fmul_rn(half_bits_to_float(d), float(sc));
    const float ms = __fmul_rn(half_bits_to_float(dmin), float(m));
    dst[r * cols + e] = float_to_half_bits(__fsub_rn(__fmul_rn(ds, float(q)), ms));
}

__global__ void dequant_packed_q8_0_kernel(const uint8_t* w, int64_t rows, int64_t cols, uint16_t* dst)
{
    const int64_t e = int64_t(blockIdx.y) * blockDim.x + threadIdx.x;
    const int64_t r = blockIdx.x;
    if (e >= cols)
        return;
    const int64_t nb = cols / 32, b = e / 32;
    const int j = int(e % 32);
    const auto q = int8_t(w[size_t(r * nb) * 32 + size_t(packed_chunk_offset(b, j / 16, nb, 2)) + size_t(j % 16)]);
    const float d = half_bits_to_float(load_u16(w + size_t(rows * nb) * 32 + size_t(r * nb + b) * 2));
    dst[r * cols + e] = float_to_half_bits(float(q) * d);
}

__global__ void dequant_packed_q6_k_kernel(const uint8_t* w, int64_t rows, int64_t cols, uint16_t* dst)
{
    const int64_t e = int64_t(blockIdx.y) * blockDim.x + threadIdx.x;
    const int64_t r = blockIdx.x;
    if (e >= cols)
        return;
    const int64_t nsb = cols / 256, nu = 4 * nsb, sb = e / 256;
    const int i = int(e % 256), k = i % 64, g = k / 16, l = k % 16;   // g: the unit's 16-element group
    const int64_t u = 4 * sb + i / 64;
    const uint8_t* codes = w + size_t(r * nsb) * 192;
    const uint8_t lo_byte = codes[packed_chunk_offset(u, g % 2, nu, 3) + l];
    const uint8_t hi_byte = codes[packed_chunk_offset(u, 2, nu, 3) + l];
    const int q = ((g < 2 ? lo_byte & 0x0F : lo_byte >> 4) | ((hi_byte >> (2 * g)) & 3) << 4) - 32;
    const auto sc = int8_t(w[size_t(rows * nsb) * 192 + size_t(r * nu + u) * 4 + size_t(g)]);
    const float d = half_bits_to_float(load_u16(w + size_t(rows * nsb) * 208 + size_t(r * nsb + sb) * 2));
    dst[r * cols + e] = float_to_half_bits(__fmul_rn(__fmul_rn(d, float(sc)), float(q)));
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

GpuStatus dequantize_packed_to_f16(TensorType type, const void* w, int64_t rows, int64_t cols, uint16_t* dst, Stream s)
{
    if (!matvec_packs(type))
        return gpu_error("dequantize_packed_to_f16: no packed layout for type " + std::to_string(uint32_t(type)));
    const dim3 grid(unsigned(rows), div_up(cols, kThreads));
    const auto* wb = static_cast<const uint8_t*>(w);
    switch (type) {
    case TensorType::Q4_0: return launch(dequant_packed_q4_0_kernel, grid, dim3(kThreads), 0, s, wb, rows, cols, dst);
    case TensorType::Q8_0: return launch(dequant_packed_q8_0_kernel, grid, dim3(kThreads), 0, s, wb, rows, cols, dst);
    case TensorType::Q4_K: return launch(dequant_packed_q4_k_kernel, grid, dim3(kThreads), 0, s, wb, rows, cols, dst);
    default: return launch(dequant_packed_q6_k_kernel, grid, dim3(kThreads), 0, s, wb, rows, cols, dst);
    }
}

GpuStatus f32_to_f16(const float* x, uint16_t* dst, int64_t n, Stream s)
{
    return launch(f32_to_f16_kernel, dim3(div_up(n, kThreads)), dim3(kThreads), 0, s, x, dst, n);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
