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
// tail: the mass (exp(logit - max)) of the entries after the m that the host's first softmax
// also sums (the whole-vocabulary path; 0 otherwise), added after them as the host adds them.
__device__ int32_t draw_sorted(const SampleParams& P, float* l, float* p, const int32_t* id, int m, double tail = 0.0)
{
    auto softmax = [&] {
        const float max = l[0];
        double sum = 0.0;
        for (int i = 0; i < m; ++i) {
            p[i] = expf(l[i] - max);
            sum += p[i];
        }
        sum += tail;
        tail = 0.0;   // later softmaxes see the cut list only
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

// The whole-vocabulary path (sample_logits_wide). Scratch: per block its partial tail mass
// (double) and maximum, the penalized row, the NaN count, the histogram, the control words and
// the candidates.
namespace wide {

constexpr int kBins = kSampleWideBins;
constexpr float kPerUnit = float(kSampleWidePerUnit);
constexpr int kCap = kSampleWideCap;
static_assert(kCap == kChunk, "the draw sorts the candidates in one block");

struct Control {
    uint32_t count;   // candidates gathered so far
    int32_t bin;      // the last bin of the candidates
    int32_t m;        // candidates (bins 0..bin), or -1: the host samples
    int32_t keep;     // of them, the ones the draw sees (top-k)
    int32_t whole;    // 1: the host's first softmax sums the whole row (top-k off)
};
static_assert(sizeof(Control) <= 32, "sample_wide_scratch_bytes counts 32 bytes of control words");

struct Scratch {
    double* tail;     // [blocks]
    float* max;       // [blocks]
    float* row;       // [n]: the penalized logits
    uint32_t* nan;    // [blocks]
    uint32_t* hist;   // [kBins]
    Control* ctl;
    uint32_t* keys;   // [kCap]
    int32_t* ids;     // [kCap]
};

inline Scratch carve(void* scratch, int64_t n, int64_t blocks)
{
    auto* b = static_cast<char*>(scratch);
    Scratch w{};
    w.tail = reinterpret_cast<double*>(b);
    b += blocks * 8;
    w.max = reinterpret_cast<float*>(b);
    b += blocks * 4;
    w.row = reinterpret_cast<float*>(b);
    b += n * 4;
    w.nan = reinterpret_cast<uint32_t*>(b);
    b += blocks * 4;
    w.hist = reinterpret_cast<uint32_t*>(b);
    b += int64_t(kBins) * 4;
    w.ctl = reinterpret_cast<Control*>(b);
    b += 32;
    w.keys = reinterpret_cast<uint32_t*>(b);
    b += int64_t(kCap) * 4;
    w.ids = reinterpret_cast<int32_t*>(b);
    return w;
}

// The bin of a penalized logit l below the row's maximum mx: monotone in l (so the bins up to
// any b hold a prefix of the sorted row); -inf, and everything kBins / kPerUnit below, in the last.
__device__ __forceinline__ int bin_of(float l, float mx)
{
    const float d = (mx - l) * kPerUnit;
    return d < float(kBins - 1) ? int(d) : kBins - 1;
}

// Pass 1: the penalized row, each block's maximum and NaN count; the histogram zeroed.
__global__ void __launch_bounds__(kThreads)
    max_kernel(const float* logits, int64_t n, const SampleParams* params, const int32_t* window, Scratch w)
{
    __shared__ float s_max[kThreads];
    __shared__ uint32_t s_nan[kThreads];
    const int tid = int(threadIdx.x), nt = int(blockDim.x);
    const int64_t base = int64_t(blockIdx.x) * kChunk;
    const int64_t count = n - base < kChunk ? n - base : kChunk;
    for (int i = tid; i < kBins; i += nt)
        if (i % int(gridDim.x) == int(blockIdx.x))
            w.hist[i] = 0;
    if (blockIdx.x == 0 && tid == 0)
        w.ctl->count = 0;
    for (int i = tid; i < count; i += nt)
        w.row[base + i] = logits[base + i];
    __syncthreads();
    const float penalty = params->repeat_penalty;
    for (int k = tid; k < params->n_window; k += nt) {
        const int64_t at = int64_t(window[k]) - base;
        if (at >= 0 && at < count)
            w.row[base + at] = penalized(w.row[base + at], penalty);
    }
    __syncthreads();
    float mx = -INFINITY;
    uint32_t nans = 0;
    for (int i = tid; i < count; i += nt) {
        const float v = w.row[base + i];
        nans += v != v;
        mx = v > mx ? v : mx;
    }
    s_max[tid] = mx;
    s_nan[tid] = nans;
    __syncthreads();
    if (tid == 0) {
        for (int i = 1; i < nt; ++i) {
            mx = s_max[i] > mx ? s_max[i] : mx;
            nans += s_nan[i];
        }
        w.max[blockIdx.x] = mx;
        w.nan[blockIdx.x] = nans;
    }
}

__device__ __forceinline__ float row_max(const Scratch& w, int blocks)
{
    float mx = -INFINITY;
    for (int b = 0; b < blocks; ++b)
        mx = w.max[b] > mx ? w.max[b] : mx;
    return mx;
}

// Pass 2: the histogram of the bins.
__global__ void __launch_bounds__(kThreads) hist_kernel(int64_t n, Scratch w)
{
    const float mx = row_max(w, int(gridDim.x));
    const int64_t base = int64_t(blockIdx.x) * kChunk;
    const int64_t count = n - base < kChunk ? n - base : kChunk;
    for (int i = int(threadIdx.x); i < count; i += int(blockDim.x))
        atomicAdd(&w.hist[bin_of(w.row[base + i], mx)], 1u);
}

// Pass 3 (one block): where the candidates end. A bin b spans exp(-(b+1)/kPerUnit) to
// exp(-b/kPerUnit) of mass per entry, so top-p is safe where a lower bound of the mass up to b
// reaches top_p (with a margin above float rounding) of an upper bound of the total. Each thread
// sums a slice of kSlice bins; thread 0 then walks the slices and, in the one that decides, its bins.
constexpr int kSlice = kBins / kThreads;
static_assert(kBins % kThreads == 0, "the bins split evenly into slices");

__global__ void __launch_bounds__(kThreads) cut_kernel(int64_t n, const SampleParams* params, Scratch w, int blocks)
{
    __shared__ uint32_t s_hist[kBins];
    __shared__ uint32_t s_cnt[kThreads];
    __shared__ double s_up[kThreads];
    __shared__ double s_lo[kThreads];
    const int tid = int(threadIdx.x);
    const auto upper_of = [](int b) { return exp(-double(b) / kPerUnit); };
    const auto lower_of = [](int b) { return exp(-double(b + 1) / kPerUnit); };
    uint32_t cnt = 0;
    double up = 0.0, lo = 0.0;
    for (int b = tid * kSlice; b < (tid + 1) * kSlice; ++b) {
        const uint32_t h = w.hist[b];
        s_hist[b] = h;
        cnt += h;
        if (h) {
            up += double(h) * upper_of(b);
            lo += double(h) * lower_of(b);
        }
    }
    s_cnt[tid] = cnt;
    s_up[tid] = up;
    s_lo[tid] = lo;
    __syncthreads();
    if (tid != 0)
        return;
    const SampleParams P = *params;
    Control* c = w.ctl;
    uint32_t nans = 0;
    for (int b = 0; b < blocks; ++b)
        nans += w.nan[b];
    const int64_t k = P.top_k > 0 && P.top_k < n ? P.top_k : n;
    // The bin of the k-th entry, and an upper bound of the top k's mass.
    int bin_k = kBins - 1;
    double upper = 0.0;
    int64_t seen = 0;
    for (int t = 0; t < kThreads; ++t) {
        if (seen + s_cnt[t] < k) {
            seen += s_cnt[t];
            upper += s_up[t];
            continue;
        }
        for (int b = t * kSlice;; ++b) {
            seen += s_hist[b];
            upper += double(s_hist[b]) * upper_of(b);
            if (seen >= k) {
                bin_k = b;
                break;
            }
        }
        break;
    }
    int bin = bin_k;
    if (P.min_p > 0.0f) {
        // p >= p[0] * min_p needs exp(l - max) >= min_p (up to rounding: 0.01 of a unit).
        const double d = -log(double(P.min_p)) + 0.01;
        const int b = d * kPerUnit < double(kBins - 1) ? int(d * kPerUnit) : kBins - 1;
        bin = b < bin ? b : bin;
    }
    if (P.top_p < 1.0f) {
        const double want = (double(P.top_p) + 1e-5) * upper;
        double lower = 0.0;
        for (int t = 0; t < kThreads && t * kSlice < bin; ++t) {
            if (lower + s_lo[t] < want && (t + 1) * kSlice <= bin) {
                lower += s_lo[t];
                continue;
            }
            for (int b = t * kSlice; b < (t + 1) * kSlice && b < bin; ++b) {
                lower += double(s_hist[b]) * lower_of(b);
                if (lower >= want) {
                    bin = b;
                    break;
                }
            }
            break;
        }
    }
    int64_t m = 0;
    for (int t = 0; t < kThreads && t * kSlice <= bin; ++t)
        if ((t + 1) * kSlice <= bin + 1)
            m += s_cnt[t];
        else
            for (int b = t * kSlice; b <= bin; ++b)
                m += s_hist[b];
    const bool partial_tail = bin < bin_k && k < n && P.top_p < 1.0f;
    c->bin = bin;
    c->m = nans != 0 || m > kCap || partial_tail ? -1 : int32_t(m);
    c->keep = int32_t(k < m ? k : m);
    c->whole = k == n;
}

// Pass 4: the candidates (any order) and each block's exact mass of the rest.
__global__ void __launch_bounds__(kThreads) gather_kernel(int64_t n, Scratch w)
{
    __shared__ double s_sum[kThreads];
    const int tid = int(threadIdx.x), nt = int(blockDim.x);
    const float mx = row_max(w, int(gridDim.x));
    const int64_t base = int64_t(blockIdx.x) * kChunk;
    const int64_t count = n - base < kChunk ? n - base : kChunk;
    const int bin = w.ctl->bin;
    const bool take = w.ctl->m >= 0;
    double sum = 0.0;
    for (int i = tid; i < count; i += nt) {
        const float v = w.row[base + i];
        if (bin_of(v, mx) > bin) {
            sum += double(expf(v - mx));
        } else if (take) {
            const uint32_t at = atomicAdd(&w.ctl->count, 1u);
            w.keys[at] = order_key(v);
            w.ids[at] = int32_t(base + i);
        }
    }
    s_sum[tid] = sum;
    __syncthreads();
    if (tid == 0) {
        for (int i = 1; i < nt; ++i)
            sum += s_sum[i];
        w.tail[blockIdx.x] = sum;
    }
}

// Pass 5 (one block): the candidates sorted, then the draw.
__global__ void __launch_bounds__(kThreads)
    draw_kernel(const SampleParams* params, Scratch w, int blocks, int32_t* out_id, int32_t* feed)
{
    __shared__ uint32_t s_key[kChunk];
    __shared__ int32_t s_id[kChunk];
    __shared__ float s_l[kChunk];
    __shared__ float s_p[kChunk];
    const int tid = int(threadIdx.x), nt = int(blockDim.x);
    const int m = w.ctl->m;
    if (m < 0) {
        if (tid == 0)
            out_id[0] = -1;
        return;
    }
    for (int i = tid; i < kChunk; i += nt) {
        s_key[i] = i < m ? w.keys[i] : 0u;
        s_id[i] = i < m ? w.ids[i] : INT32_MAX;
    }
    bitonic_sort_best_first(s_key, s_id, kChunk);
    if (tid != 0)
        return;
    const SampleParams P = *params;
    const int keep = w.ctl->keep;
    double tail = 0.0;   // the host sums the rest after the candidates only with the whole row
    if (w.ctl->whole)
        for (int b = 0; b < blocks; ++b)
            tail += w.tail[b];
    for (int i = 0; i < keep; ++i)
        s_l[i] = key_value(s_key[i]);
    const int32_t chosen = keep > 0 ? draw_sorted(P, s_l, s_p, s_id, keep, tail) : 0;
    out_id[0] = chosen;
    if (feed)
        feed[0] = chosen;
}

}   // namespace wide
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

GpuStatus sample_logits_wide(const float* logits, int64_t n_vocab, const SampleParams* params, const int32_t* window,
                             void* scratch, int32_t* out_id, int32_t* feed, Stream s)
{
    if (n_vocab <= 0 || n_vocab > INT32_MAX)
        return gpu_error("sample_logits_wide: bad vocabulary size " + std::to_string(n_vocab));
    if (!scratch)
        return gpu_error("sample_logits_wide: no scratch for " + std::to_string(n_vocab) + " logits");
    const int64_t blocks = sample::level_blocks(n_vocab);
    const sample::wide::Scratch w = sample::wide::carve(scratch, n_vocab, blocks);
    const dim3 grid{unsigned(blocks)}, block{unsigned(sample::kThreads)};
    CAUSERIE_GPU_TRY(launch(sample::wide::max_kernel, grid, block, 0, s, logits, n_vocab, params, window, w));
    CAUSERIE_GPU_TRY(launch(sample::wide::hist_kernel, grid, block, 0, s, n_vocab, w));
    CAUSERIE_GPU_TRY(launch(sample::wide::cut_kernel, dim3(1), block, 0, s, n_vocab, params, w, int(blocks)));
    CAUSERIE_GPU_TRY(launch(sample::wide::gather_kernel, grid, block, 0, s, n_vocab, w));
    return launch(sample::wide::draw_kernel, dim3(1), block, 0, s, params, w, int(blocks), out_id, feed);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
