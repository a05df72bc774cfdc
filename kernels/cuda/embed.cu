#include "embed.cuh"

#include "dequant.cuh"
#include "launch.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 256;

// grid (ceil(n_embd / 256), n_tokens): one thread per output element.
template <TensorType T>
__global__ void embed_kernel(const uint8_t* table, size_t row_bytes, const int32_t* ids, int64_t n_embd, float* out,
                             float scale)
{
    const int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    const int64_t t = blockIdx.y;
    if (e >= n_embd)
        return;
    out[t * n_embd + e] = __fmul_rn(dequant_elem<T>(table + size_t(ids[t]) * row_bytes, e), scale);
}

}   // namespace

GpuStatus embed_rows(TensorType type, const void* table, size_t row_bytes, const int32_t* ids, int64_t n_tokens,
                     int64_t n_embd, float* out, Stream s, float scale)
{
    return dispatch_weight_type(type, "embed_rows", [&]<TensorType T>() {
        return launch(embed_kernel<T>, dim3(div_up(n_embd, kThreads), unsigned(n_tokens)), dim3(kThreads), 0, s,
                      static_cast<const uint8_t*>(table), row_bytes, ids, n_embd, out, scale);
    });
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
