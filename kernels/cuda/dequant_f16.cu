#include "dequant_f16.cuh"

#include "dequant.cuh"
#include "launch.h"
#include "matvec_packed.cuh"

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

// Packed weights (matvec.cuh) to F16, with dequant_elem's expressions. grid as above.
template <TensorType T>
__global__ void dequant_packed_kernel(const uint8_t* w, int64_t rows, int64_t cols, uint16_t* dst)
{
    const int64_t e = int64_t(blockIdx.y) * blockDim.x + threadIdx.x;
    const int64_t r = blockIdx.x;
    if (e >= cols)
        return;
    constexpr PackedShape sh = packed_shape(T);
    const int64_t nu = cols / sh.unit, u = e / sh.unit, u4 = u - u % 4;
    const int idx = int(e % sh.unit), k = idx / 16, wi = (idx % 16) / 4, i = idx % 4;
    const PackedRow pr = packed_row<T>(w, rows, r, nu);
    int cw[3] = {}, h[2] = {};
    for (int q = 0; q < sh.chunks; ++q)
        cw[q] = load_i32_a4(pr.codes + packed_chunk_offset(u, q, nu, sh.chunks) + 4 * wi);
    if constexpr (sh.hib > 0)
        h[k / 2] = load_i32_a4(pr.hib + sh.hib * u + 4 * (k / 2));
    const int q = int(int8_t(uint32_t(packed_code_word<T>(cw, h, k, wi)) >> (8 * i)));   // IQ4: the grid value
    auto half_at = [](const uint8_t* p) { return half_bits_to_float(load_u16(p)); };
    float v;
    if constexpr (T == TensorType::Q4_0 || T == TensorType::Q5_0 || T == TensorType::Q8_0) {
        constexpr int kOffset = T == TensorType::Q4_0 ? 8 : T == TensorType::Q5_0 ? 16 : 0;
        v = float(q - kOffset) * half_at(pr.half + 2 * u);
    } else if constexpr (T == TensorType::IQ4_NL) {
        v = __fmul_rn(half_at(pr.half + 2 * u), float(q));
    } else if constexpr (T == TensorType::Q4_1 || T == TensorType::Q5_1) {
        v = __fadd_rn(__fmul_rn(float(q), half_at(pr.word + 4 * u)), half_at(pr.word + 4 * u + 2));
    } else if constexpr (T == TensorType::Q4_K || T == TensorType::Q5_K) {
        const uint32_t word = uint32_t(load_i32_a4(pr.word + 4 * u));
        const int sc = int(word >> (k < 2 ? 0 : 6)) & 63, m = int(word >> (k < 2 ? 12 : 18)) & 63;
        const uint8_t* meta = pr.word + 4 * u4;   // d, dmin: byte 3 of the super-block's four words
        const float ds = __fmul_rn(half_bits_to_float(uint16_t(meta[3] | meta[7] << 8)), float(sc));
        const float ms = __fmul_rn(half_bits_to_float(uint16_t(meta[11] | meta[15] << 8)), float(m));
        v = __fsub_rn(__fmul_rn(ds, float(q)), ms);
    } else if constexpr (T == TensorType::Q6_K) {
        const float d = half_at(pr.sb_half + 2 * (u / 4));
        v = __fmul_rn(__fmul_rn(d, float(int8_t(pr.word[4 * u + k]))), float(q - 32));
    } else if constexpr (T == TensorType::Q2_K) {
        const int sc = pr.word[4 * u + k];
        const uint8_t* dm = pr.sb_words + 4 * (u / 4);
        const float dl = __fmul_rn(half_at(dm), float(sc & 0x0F));
        const float ml = __fmul_rn(half_at(dm + 2), float(sc >> 4));
        v = __fsub_rn(__fmul_rn(dl, float(q)), ml);
    } else if constexpr (T == TensorType::Q3_K) {
        const uint8_t* s = pr.sb_words + 12 * (u / 4);
        const int bit = 24 * int(u % 4) + 6 * k;   // 6 bits, within two bytes
        const int sc = ((s[bit / 8] | (bit / 8 + 1 < 12 ? s[bit / 8 + 1] : 0) << 8) >> (bit % 8) & 63) - 32;
        v = __fmul_rn(__fmul_rn(half_at(pr.sb_half + 2 * (u / 4)), float(sc)), float(q - 4));
    } else {   // IQ4_XS
        const int hv = load_u16(pr.half + 2 * u);
        int d = 0;
        for (int j = 0; j < 4; ++j)
            d |= ((load_u16(pr.half + 2 * (u4 + j)) >> 12) & 15) << (4 * j);
        const int ls = ((hv >> (k < 2 ? 0 : 6)) & 63) - 32;
        v = __fmul_rn(__fmul_rn(half_bits_to_float(uint16_t(d)), float(ls)), float(q));
    }
    dst[r * cols + e] = float_to_half_bits(v);
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
    const auto* wb = static_cast<const uint8_t*>(w);
    return dispatch_weight_type(type, "dequantize_packed_to_f16", [&]<TensorType T>() {
        if constexpr (packed_shape(T).unit == 0)
            return gpu_error("dequantize_packed_to_f16: no packed layout");
        else
            return launch(dequant_packed_kernel<T>, dim3(unsigned(rows), div_up(cols, kThreads)), dim3(kThreads), 0, s,
                          wb, rows, cols, dst);
    });
}

GpuStatus f32_to_f16(const float* x, uint16_t* dst, int64_t n, Stream s)
{
    return launch(f32_to_f16_kernel, dim3(div_up(n, kThreads)), dim3(kThreads), 0, s, x, dst, n);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
