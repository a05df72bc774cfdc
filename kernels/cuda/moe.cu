#include "moe.cuh"

#include "launch.h"

#include <algorithm>
#include <string>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 256;

// One thread per token: n_expert is small (8 to 256), and the selection is k passes over it.
__global__ void moe_route_kernel(float* logits, int64_t n_tokens, int64_t n_expert, int64_t n_used, bool normalize,
                                 int32_t* ids, float* weights)
{
    const int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (t >= n_tokens)
        return;
    float* p = logits + t * n_expert;
    int32_t* id = ids + t * n_used;
    float* w = weights + t * n_used;
    float top = p[0];
    for (int64_t e = 1; e < n_expert; ++e)
        top = p[e] > top ? p[e] : top;
    double sum = 0.0;
    for (int64_t e = 0; e < n_expert; ++e) {
        p[e] = expf(__fsub_rn(p[e], top));
        sum += double(p[e]);
    }
    const float inv = float(1.0 / sum);
    for (int64_t e = 0; e < n_expert; ++e)
        p[e] = __fmul_rn(p[e], inv);
    double chosen_sum = 0.0;
    for (int64_t i = 0; i < n_used; ++i) {
        int32_t best = -1;
        for (int64_t e = 0; e < n_expert; ++e) {
            bool taken = false;
            for (int64_t j = 0; j < i; ++j)
                taken = taken || id[j] == int32_t(e);
            if (!taken && (best < 0 || p[e] > p[best]))   // strictly greater: ties go to the lower expert
                best = int32_t(e);
        }
        id[i] = best;
        chosen_sum += double(p[best]);
    }
    const float norm = fmaxf(float(chosen_sum), 6.103515625e-5f);
    for (int64_t i = 0; i < n_used; ++i)
        w[i] = normalize ? __fdiv_rn(p[id[i]], norm) : p[id[i]];
}

// grid (blocks, n_used): slot blockIdx.y gets its expert's words, grid-stride.
template <class Word>
__global__ void moe_gather_kernel(const Word* experts, int64_t expert_words, int64_t n_expert, const int32_t* ids,
                                  Word* slots)
{
    const int32_t e = ids[blockIdx.y];
    if (e < 0 || e >= n_expert)
        return;
    const Word* src = experts + int64_t(e) * expert_words;
    Word* dst = slots + int64_t(blockIdx.y) * expert_words;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < expert_words;
         i += int64_t(gridDim.x) * blockDim.x)
        dst[i] = src[i];
}

__global__ void moe_combine_kernel(const float* y, const float* weights, int64_t n_used, int64_t n, float* x)
{
    const int64_t j = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (j >= n)
        return;
    float o = __fmul_rn(y[j], weights[0]);
    for (int64_t i = 1; i < n_used; ++i)
        o = __fadd_rn(o, __fmul_rn(y[i * n + j], weights[i]));
    x[j] = __fadd_rn(x[j], o);
}

}   // namespace

GpuStatus moe_route(float* logits, int64_t n_tokens, int64_t n_expert, int64_t n_used, bool normalize, int32_t* ids,
                    float* weights, Stream s)
{
    if (n_tokens <= 0 || n_expert <= 0 || n_used <= 0 || n_used > n_expert)
        return gpu_error("moe_route: bad shape (" + std::to_string(n_tokens) + " tokens, " + std::to_string(n_used) +
                         " of " + std::to_string(n_expert) + " experts)");
    return launch(moe_route_kernel, dim3(div_up(n_tokens, 32)), dim3(32), 0, s, logits, n_tokens, n_expert, n_used,
                  normalize, ids, weights);
}

GpuStatus moe_gather(const void* experts, size_t expert_bytes, int64_t n_expert, const int32_t* ids, int64_t n_used,
                     void* slots, Stream s)
{
    if (expert_bytes == 0 || n_expert <= 0 || n_used <= 0 || n_used > 65535)
        return gpu_error("moe_gather: bad shape (" + std::to_string(n_used) + " of " + std::to_string(n_expert) +
                         " experts of " + std::to_string(expert_bytes) + " bytes)");
    // Whole words when the matrices allow it (device allocations are 256-byte aligned).
    const auto grid = [&](size_t word) {
        return dim3(std::min<unsigned>(div_up(int64_t(expert_bytes / word), kThreads), 1024u), unsigned(n_used));
    };
    if (expert_bytes % 4 == 0)
        return launch(moe_gather_kernel<uint32_t>, grid(4), dim3(kThreads), 0, s, static_cast<const uint32_t*>(experts),
                      int64_t(expert_bytes / 4), n_expert, ids, static_cast<uint32_t*>(slots));
    return launch(moe_gather_kernel<uint8_t>, grid(1), dim3(kThreads), 0, s, static_cast<const uint8_t*>(experts),
                  int64_t(expert_bytes), n_expert, ids, static_cast<uint8_t*>(slots));
}

GpuStatus moe_combine(const float* y, const float* weights, int64_t n_used, int64_t n, float* x, Stream s)
{
    if (n_used <= 0 || n <= 0)
        return gpu_error("moe_combine: bad shape");
    return launch(moe_combine_kernel, dim3(div_up(n, kThreads)), dim3(kThreads), 0, s, y, weights, n_used, n, x);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
