#include "sample.cuh"

#include "launch.h"
#include "order_key.cuh"

#include <cmath>
#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {
namespace sample {

constexpr int kThreads = 256;
constexpr int kChunk = kSampleChunk;
constexpr int kKeep = kSampleMaxK;
static_assert(sizeof(SampleParams) <= 64, "sample_device_bytes counts 64 bytes of parameters");
static_assert(kChunk % kThreads == 0 && (kChunk & (kChunk - 1)) == 0, "the bitonic sort needs a power of two");

// The float of a key (0.0 for both zeros: nothing downstream tells -0 from +0).
__device__ __forceinline__ float key_value(uint32_t key)
{
    const uint32_t u = (key & 0x80000000u) ? (key & 0x7fffffffu) : ~key;
    return __int_as_float(int(u));
}

// Sampler::penalized.
__device__ __forceinline__ float penalized(float logit, float penalty)
{
    return logit > 0.0f ? logit / penalty : logit * penalty;
}

// Sampler::draw_sorted on the m best candidates (logits l, ids id, sorted), by one thread: the
// same float exponentials, double sums and comparisons in the same order, so the same token.
__device__ int32_t draw_sorted(const SampleParams& P, float* l, float* p, const int32_t* id, int m)
{
    auto softmax = [&] {
        const float max = l[0];
        double sum = 0.0;
        for (int i = 0; i < m; ++i) {
            p[i] = expf(l[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < m; ++i)
            p[i] = float(p[i] / sum);
    };
    if (P.top_p < 1.0f) {
        softmax();
        double cum = 0.0;
        int cut = m;
        for (int i = 0; i < m; ++i) {
            cum += p[i];
            if (cum >= P.top_p) {
                cut = i + 1;
                break;
            }
        }
        m = cut;
    }
    if (P.min_p > 0.0f) {
        softmax();
        const float floor = p[0] * P.min_p;
        int cut = 1;
        while (cut < m && p[cut] >= floor)
            ++cut;
        m = cut;
    }
    for (int i = 0; i < m; ++i)
        l[i] /= P.temperature;
    softmax();
    double cum = 0.0;
    for (int i = 0; i < m; ++i) {
        cum += p[i];
        if (P.draw < cum)
            return id[i];
    }
    return id[m - 1];
}

// One level of the selection tree; a block per kChunk entries of its input, which is the row of
// logits (first level: `in_keys` null; the window's penalty applied as they are read) or the
// candidates a previous level kept. Each block sorts its entries (bitonic, in shared memory) and
// keeps its best kKeep; the last level (one block) then chooses the token.
__global__ void __launch_bounds__(kThreads)
    select_kernel(const float* logits, const uint32_t* in_keys, const int32_t* in_ids, int64_t n,
                  const SampleParams* params, const int32_t* window, uint32_t* out_keys, int32_t* out_ids,
                  int32_t* out_id, int32_t* feed)
{
    __shared__ uint32_t s_key[kChunk];   // a logit's bits, then its order key
    __shared__ int32_t s_id[kChunk];
    __shared__ float s_l[kKeep];
    __shared__ float s_p[kKeep];
    const int tid = int(threadIdx.x), nt = int(blockDim.x);
    const int64_t base = int64_t(blockIdx.x) * kChunk;
    const int64_t count = n - base < kChunk ? n - base : kChunk;

    if (!in_keys) {
        for (int i = tid; i < kChunk; i += nt) {
            s_key[i] = i < count ? uint32_t(load_i32_a4(logits + base + i)) : 0u;
            s_id[i] = i < count ? int32_t(base + i) : INT32_MAX;
        }
        __syncthreads();
        // The window's ids are distinct: one thread changes each.
        const float penalty = params->repeat_penalty;
        for (int w = tid; w < params->n_window; w += nt) {
            const int64_t at = int64_t(window[w]) - base;
            if (at >= 0 && at < count)
                s_key[at] = uint32_t(__float_as_int(penalized(__int_as_float(int(s_key[at])), penalty)));
        }
        __syncthreads();
        for (int i = tid; i < kChunk; i += nt)
            s_key[i] = i < count ? order_key(__int_as_float(int(s_key[i]))) : 0u;
    } else {
        for (int i = tid; i < kChunk; i += nt) {
            s_key[i] = i < count ? uint32_t(load_i32_a4(in_keys + base + i)) : 0u;
            s_id[i] = i < count ? load_i32_a4(in_ids + base + i) : INT32_MAX;
        }
    }

    bitonic_sort_best_first(s_key, s_id, kChunk);

    if (!out_id) {
        for (int i = tid; i < kKeep; i += nt) {
            out_keys[int64_t(blockIdx.x) * kKeep + i] = s_key[i];
            out_ids[int64_t(blockIdx.x) * kKeep + i] = s_id[i];
        }
        return;
    }
    if (tid != 0)
        return;
    const SampleParams P = *params;
    const int k = P.temperature <= 0.0f ? 1 : P.top_k < 1 ? 1 : P.top_k > kKeep ? kKeep : P.top_k;
    int m = 0;   // candidates that are numbers (NaN and padding sort last, with key 0)
    while (m < k && s_key[m] != 0)
        ++m;
    int32_t chosen = 0;
    if (P.temperature <= 0.0f) {
        // Sampler::argmax: the first maximum, and index 0 when the row starts with NaN (nothing
        // compares greater than it there).
        const float first = logits[0];
        chosen = first != first || m == 0 ? 0 : s_id[0];
    } else if (m > 0) {
        for (int i = 0; i < m; ++i)
            s_l[i] = key_value(s_key[i]);
        chosen = draw_sorted(P, s_l, s_p, s_id, m);
    }
    out_id[0] = chosen;
    if (feed)
        feed[0] = chosen;
}

// Blocks of each level for a row of n entries: ceil(n / kChunk), then ceil(blocks * kKeep /
// kChunk), ... down to one.
int64_t level_blocks(int64_t n) { return (n + kChunk - 1) / kChunk; }

}   // namespace sample
}   // namespace

int sample_launches(int64_t n_vocab)
{
    int levels = 1;
    for (int64_t n = n_vocab; sample::level_blocks(n) > 1; n = sample::level_blocks(n) * sample::kKeep)
        ++levels;
    return levels;
}

GpuStatus sample_logits(const float* logits, int64_t n_vocab, const SampleParams* params, const int32_t* window,
                        void* scratch, int32_t* out_id, int32_t* feed, Stream s)
{
    if (n_vocab <= 0 || n_vocab > INT32_MAX)
        return gpu_error("sample_logits: bad vocabulary size " + std::to_string(n_vocab));
    const int64_t blocks0 = sample::level_blocks(n_vocab);
    // Two candidate lists (keys then ids), each as long as the first level's output, used in turn.
    auto* keys = static_cast<uint32_t*>(scratch);
    const int64_t list = blocks0 * sample::kKeep;
    uint32_t* key_lists[2] = {keys, keys + list};
    int32_t* id_lists[2] = {reinterpret_cast<int32_t*>(keys + 2 * list), reinterpret_cast<int32_t*>(keys + 3 * list)};
    if (blocks0 > 1 && !scratch)
        return gpu_error("sample_logits: no scratch for " + std::to_string(n_vocab) + " logits");
    const uint32_t* in_keys = nullptr;
    const int32_t* in_ids = nullptr;
    int64_t n = n_vocab;
    for (int level = 0;; ++level) {
        const int64_t blocks = sample::level_blocks(n);
        const bool last = blocks == 1;
        uint32_t* ok = last ? nullptr : key_lists[level % 2];
        int32_t* oi = last ? nullptr : id_lists[level % 2];
        CAUSERIE_GPU_TRY(launch(sample::select_kernel, dim3(unsigned(blocks)), dim3(sample::kThreads), 0, s, logits,
                                in_keys, in_ids, n, params, window, ok, oi, last ? out_id : nullptr,
                                last ? feed : nullptr));
        if (last)
            return gpu_ok();
        in_keys = ok;
        in_ids = oi;
        n = blocks * sample::kKeep;
    }
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
