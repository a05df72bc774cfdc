#include "rmsnorm.cuh"

#include "launch.h"
#include "kernels/cpu/matmul_ref.h"
#include "quantize_blocks.cuh"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 256;

// The sum of squares in FP32 "float-float" arithmetic (a sum kept as an unevaluated hi + lo pair:
// each square split exactly by an FMA, pairs added with TwoSum), about 44 bits of precision
// without FP64, which consumer GPUs run at 1/64 rate. Its rounding to float then almost always
// equals the reference's double sum, so the scale and every output are bit-identical to it; a
// plain float sum would differ by an ulp, and the F16 rounding of activations and of the KV
// cache downstream turns such ulps into 2^-11 jumps that show in the logits.
struct FloatFloat {
    float hi, lo;
};

__device__ __forceinline__ FloatFloat ff_add(FloatFloat a, FloatFloat b)
{
    const float s = __fadd_rn(a.hi, b.hi);
    const float bv = __fsub_rn(s, a.hi);
    const float err = __fadd_rn(__fsub_rn(a.hi, __fsub_rn(s, bv)), __fsub_rn(b.hi, bv));
    const float lo = __fadd_rn(__fadd_rn(a.lo, b.lo), err);
    const float hi = __fadd_rn(s, lo);
    return {hi, __fsub_rn(lo, __fsub_rn(hi, s))};
}

__device__ __forceinline__ FloatFloat ff_square(float v)
{
    const float p = __fmul_rn(v, v);
    return {p, fmaf(v, v, -p)};   // the exact error of the product
}

// Block-wide float-float sum (every thread gets it); scratch: 64 floats of shared memory.
__device__ __forceinline__ FloatFloat block_sum_ff(FloatFloat v, float* scratch)
{
    const int lane = int(threadIdx.x) % kWarp, warp = int(threadIdx.x) / kWarp;
    for (int off = 16; off > 0; off >>= 1)
        v = ff_add(v, {__shfl_xor_sync(kFullMask, v.hi, off), __shfl_xor_sync(kFullMask, v.lo, off)});
    if (lane == 0) {
        scratch[warp] = v.hi;
        scratch[32 + warp] = v.lo;
    }
    __syncthreads();
    v = lane < int(blockDim.x) / kWarp ? FloatFloat{scratch[lane], scratch[32 + lane]} : FloatFloat{0.0f, 0.0f};
    for (int off = 16; off > 0; off >>= 1)
        v = ff_add(v, {__shfl_xor_sync(kFullMask, v.hi, off), __shfl_xor_sync(kFullMask, v.lo, off)});
    return v;
}

// 1 / sqrt(mean(x^2) + eps) of a row, the mean rounded once from the float-float sum.
__device__ __forceinline__ float rms_scale(const float* xr, int64_t n, float eps, float* scratch)
{
    FloatFloat sum{0.0f, 0.0f};
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        sum = ff_add(sum, ff_square(xr[i]));
    sum = block_sum_ff(sum, scratch);
    const float nf = float(n);
    const float q1 = __fdiv_rn(sum.hi, nf);
    const float r = fmaf(-q1, nf, sum.hi);   // exact remainder of hi / n
    const float mean = __fadd_rn(q1, __fdiv_rn(__fadd_rn(r, sum.lo), nf));
    return 1.0f / sqrtf(mean + eps);
}

// One block per row.
__global__ void rmsnorm_kernel(const float* x, const float* w, float* y, int64_t n, float eps)
{
    __shared__ float scratch[64];
    const float* xr = x + int64_t(blockIdx.x) * n;
    float* yr = y + int64_t(blockIdx.x) * n;
    const float scale = rms_scale(xr, n, eps, scratch);
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        yr[i] = __fmul_rn(xr[i], scale) * w[i];
}

__global__ void rmsnorm_add_kernel(const float* y, const float* w, float* x, int64_t n, float eps)
{
    __shared__ float scratch[64];
    const float* yr = y + int64_t(blockIdx.x) * n;
    float* xr = x + int64_t(blockIdx.x) * n;
    const float scale = rms_scale(yr, n, eps, scratch);
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
        xr[i] = __fadd_rn(xr[i], __fmul_rn(__fmul_rn(yr[i], scale), w[i]));
}

// rmsnorm_kernel, then the row quantized for packed weights (quantize_blocks.cuh) from the
// normalized values in registers: each warp takes blocks (Q8_0) or super-blocks (Q8_K) in turn.
template <bool kK>
__global__ void rmsnorm_quantize_kernel(const float* x, const float* w, float* y, uint8_t* xq, size_t xq_row_bytes,
                                        int64_t n, float eps)
{
    __shared__ float scratch[64];
    const float* xr = x + int64_t(blockIdx.x) * n;
    float* yr = y + int64_t(blockIdx.x) * n;
    uint8_t* out = xq + size_t(blockIdx.x) * xq_row_bytes;
    const float scale = rms_scale(xr, n, eps, scratch);
    const int lane = int(threadIdx.x) % kWarp, warp = int(threadIdx.x) / kWarp, n_warps = int(blockDim.x) / kWarp;
    constexpr int64_t kBlock = kK ? 256 : 32;
    const int64_t nb = n / kBlock;
    for (int64_t ib = warp; ib < nb; ib += n_warps) {   // whole warps: ib depends on the warp only
        if constexpr (kK) {
            float vals[8];
            for (int j = 0; j < 8; ++j) {
                const int64_t i = ib * 256 + 8 * lane + j;
                vals[j] = __fmul_rn(xr[i], scale) * w[i];
                yr[i] = vals[j];
            }
            quantize_packed_q8_k_block(vals, out, ib, nb, n, lane);
        } else {
            const int64_t i = ib * 32 + lane;
            const float v = __fmul_rn(xr[i], scale) * w[i];
            yr[i] = v;
            quantize_packed_q8_0_block(v, out, ib, nb, n, lane);
        }
    }
}

}   // namespace

GpuStatus rmsnorm(const float* x, const float* w, float* y, int64_t n_rows, int64_t n, float eps, Stream s)
{
    if (n_rows <= 0 || n <= 0)
        return gpu_error("rmsnorm: empty shape");
    return launch(rmsnorm_kernel, dim3(unsigned(n_rows)), dim3(kThreads), 0, s, x, w, y, n, eps);
}

GpuStatus rmsnorm_add(const float* y, const float* w, float* x, int64_t n_rows, int64_t n, float eps, Stream s)
{
    if (n_rows <= 0 || n <= 0)
        return gpu_error("rmsnorm_add: empty shape");
    return launch(rmsnorm_add_kernel, dim3(unsigned(n_rows)), dim3(kThreads), 0, s, y, w, x, n, eps);
}

GpuStatus rmsnorm_quantize_packed(const float* x, const float* w, float* y, void* xq, TensorType weight_type,
                                  int64_t n_rows, int64_t n, float eps, Stream s)
{
    if (!matvec_packs(weight_type))
        return gpu_error("rmsnorm_quantize_packed: no packed layout for weights of type " +
                         std::to_string(uint32_t(weight_type)));
    const bool k = vec_dot_type(weight_type) == TensorType::Q8_K;
    if (n_rows <= 0 || n_rows > 65535 || n <= 0 || n % (k ? 256 : 32))
        return gpu_error("rmsnorm_quantize_packed: bad shape (" + std::to_string(n_rows) + " rows of " +
                         std::to_string(n) + ")");
    const size_t rb = packed_activation_row_bytes(weight_type, n);
    auto* q = static_cast<uint8_t*>(xq);
    return k ? launch(rmsnorm_quantize_kernel<true>, dim3(unsigned(n_rows)), dim3(kThreads), 0, s, x, w, y, q, rb, n,
                      eps)
             : launch(rmsnorm_quantize_kernel<false>, dim3(unsigned(n_rows)), dim3(kThreads), 0, s, x, w, y, q, rb, n,
                      eps);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
