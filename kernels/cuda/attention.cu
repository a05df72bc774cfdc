#include "attention.cuh"

#include "attention_score.cuh"
#include "launch.h"

#include <cmath>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 128;
constexpr int kTile = 128;          // KV positions whose scores are computed in parallel
constexpr int kDimsPerThread = 4;   // value_dim <= kThreads * kDimsPerThread

__device__ __forceinline__ float round_f16(float x) { return half_bits_to_float(float_to_half_bits(x)); }

// The cache types of the exact kernel: where a head's row is, a score, and the V accumulator
// with the CPU backend's arithmetic for that type (kernels/cpu/attention_cpu.h).
struct F16Cache {   // attention_head_scalar: F16 accumulator rounded at every step
    using Elem = uint16_t;
    using Acc = uint16_t;
    __device__ static int64_t bytes(int64_t n) { return n; }   // Elems of n values
    __device__ static float score(const float* q16, const uint16_t* k, int64_t hd)
    {
        float sc = 0.0f;
        for (int64_t i = 0; i < hd; ++i)
            sc = __fadd_rn(sc, __fmul_rn(q16[i], half_bits_to_float(k[i])));
        return sc;
    }
    __device__ static Acc rescaled(Acc a, float r) { return float_to_half_bits(half_bits_to_float(a) * r); }
    __device__ static Acc added(Acc a, const uint16_t* v, int64_t d, float w)
    {
        return float_to_half_bits(__fadd_rn(half_bits_to_float(a), __fmul_rn(half_bits_to_float(v[d]), w)));
    }
    __device__ static float value(Acc a) { return half_bits_to_float(a); }
};

struct Q8Cache {   // attention_head_q8_0: block dot products in order, float accumulator
    using Elem = uint8_t;
    using Acc = float;
    __device__ static int64_t bytes(int64_t n) { return n / 32 * 34; }
    __device__ static float score(const float* q16, const uint8_t* k, int64_t hd)
    {
        float sc = 0.0f;
        for (int64_t b = 0; b < hd / 32; ++b) {
            float part = 0.0f;
            for (int i = 0; i < 32; ++i)
                part = __fadd_rn(part, __fmul_rn(q16[b * 32 + i], float(int8_t(k[b * 34 + 2 + i]))));
            sc = __fadd_rn(sc, __fmul_rn(half_bits_to_float(load_u16(k + b * 34)), part));
        }
        return sc;
    }
    __device__ static Acc rescaled(Acc a, float r) { return __fmul_rn(a, r); }
    __device__ static Acc added(Acc a, const uint8_t* v, int64_t d, float w)
    {
        const float dw = __fmul_rn(half_bits_to_float(load_u16(v + d / 32 * 34)), w);
        return __fadd_rn(a, __fmul_rn(float(int8_t(v[d / 32 * 34 + 2 + d % 32])), dw));
    }
    __device__ static float value(Acc a) { return a; }
};

// grid (n_head, n_tokens), block kThreads; dynamic shared: head_dim + kTile floats.
// Scores of a tile of positions are computed in parallel (one position per thread, summed over
// head_dim in order, as the reference); then every thread runs the reference's sequential
// online-softmax recurrence over the tile for its own output dimensions. The recurrence is
// inherently ordered (the F16 accumulator is rounded at every step), so this kernel trades the
// split-K parallelism of flash-decoding for bit-exact agreement with the CPU.
template <class Cache>
__global__ void attention_kernel(const float* q, const typename Cache::Elem* K, const typename Cache::Elem* V,
                                 float* out, int64_t pos0, const int64_t* pos_dev, int64_t n_head, int64_t n_head_kv,
                                 int64_t hd, int64_t vd, float scale, float softcap, int64_t window)
{
    if (pos_dev)
        pos0 = *pos_dev;
    CAUSERIE_DYNAMIC_SHARED(float, smem);
    float* q16 = smem;           // (hd)
    float* scores = smem + hd;   // (kTile)
    const int64_t h = blockIdx.x;
    const int64_t t = blockIdx.y;
    const int64_t kvh = h / (n_head / n_head_kv);
    const int64_t n_kv = pos0 + t + 1;
    const int64_t first = first_visible(pos0 + t, window);   // the CPU's loop starts there too
    const int64_t k_row = Cache::bytes(n_head_kv * hd), v_row = Cache::bytes(n_head_kv * vd);
    const int tid = int(threadIdx.x);

    for (int64_t i = tid; i < hd; i += blockDim.x)
        q16[i] = round_f16(q[(t * n_head + h) * hd + i]);

    typename Cache::Acc acc[kDimsPerThread] = {};
    float max = -INFINITY;
    float sum = 0.0f;
    for (int64_t j0 = first; j0 < n_kv; j0 += kTile) {
        __syncthreads();   // q16 written / the previous tile's scores consumed
        const int64_t jn = n_kv - j0 < kTile ? n_kv - j0 : kTile;
        for (int64_t j = tid; j < jn; j += blockDim.x)
            scores[j] =
                attention_score(Cache::score(q16, K + (j0 + j) * k_row + Cache::bytes(kvh * hd), hd), scale, softcap);
        __syncthreads();
        for (int64_t j = 0; j < jn; ++j) {
            const float sc = scores[j];
            float rescale = 1.0f;
            float w = 1.0f;
            if (sc > max) {
                rescale = expf(max - sc);
                max = sc;
                for (int k = 0; k < kDimsPerThread; ++k)
                    acc[k] = Cache::rescaled(acc[k], rescale);
            } else {
                w = expf(sc - max);
            }
            const typename Cache::Elem* v = V + (j0 + j) * v_row + Cache::bytes(kvh * vd);
            for (int k = 0; k < kDimsPerThread; ++k) {
                const int64_t d = tid + int64_t(k) * blockDim.x;
                if (d < vd)
                    acc[k] = Cache::added(acc[k], v, d, w);
            }
            sum = __fadd_rn(__fmul_rn(sum, rescale), w);
        }
    }
    const float inv = 1.0f / sum;
    for (int k = 0; k < kDimsPerThread; ++k) {
        const int64_t d = tid + int64_t(k) * blockDim.x;
        if (d < vd)
            out[(t * n_head + h) * vd + d] = Cache::value(acc[k]) * inv;
    }
}

// Flash-decoding. grid (n_head_kv * slices, n_splits, n_tokens), block kThreads; dynamic shared
// memory: flash_shared_floats(). Block (x, c, t) serves the query heads [h0, h0 + gn) of one KV
// head (its whole GQA group, or a slice of kGroup heads of a larger one) over the positions
// [c * kSplitChunk, ...) (c counted from the chunk holding the first position token t sees: 0
// without a window) within token t's visible range: every K and V row of the chunk is read once
// for all of them, with 16-byte loads (8 halves a lane, lanes on adjacent bytes of a row).
//   scores: R lanes (hd / 8 rounded up to a power of two) per K row, their partial sums added by
//           xor shuffles; softmax of the chunk in float (max, exp, sum) per head, one warp a head;
//   P.V:    vd / 8 lanes per V row, each row slot summing its positions, then the slots summed.
// With one chunk in the grid the block writes out = acc / l. Otherwise it writes its chunk's
// (acc, m, l) to `part`, and the last block of (x, t) to finish (a ticket counter in `tickets`,
// reset to 0 by that block for the next launch) merges the chunks that hold positions:
//   out = sum_c exp(m_c - M) acc_c / sum_c exp(m_c - M) l_c.
// Chunks past the position (a graph's grid is sized for its bucket) write nothing and only take
// a ticket, so the result does not depend on the grid's size: one chunk merged is exactly
// acc / l (exp(0) = 1).
constexpr int kGroup = 8;   // query heads per block

__device__ __forceinline__ void unpack_halves(const Words4& w, float* f)
{
    const int words[4] = {w.x, w.y, w.z, w.w};
    for (int i = 0; i < 4; ++i) {
        f[2 * i] = half_bits_to_float(uint16_t(uint32_t(words[i]) & 0xffffu));
        f[2 * i + 1] = half_bits_to_float(uint16_t(uint32_t(words[i]) >> 16));
    }
}

__global__ void flash_decode_kernel(const float* q, const uint16_t* K, const uint16_t* V, float* out, float* part,
                                    unsigned* tickets, int64_t pos0, const int64_t* pos_dev, int64_t n_head,
                                    int64_t n_head_kv, int64_t hd, int64_t vd, float scale, float softcap,
                                    int64_t window)
{
    if (pos_dev)
        pos0 = *pos_dev;
    CAUSERIE_DYNAMIC_SHARED(float, smem);
    __shared__ float head_m[kGroup], head_l[kGroup];
    __shared__ int is_last;
    const int64_t group = n_head / n_head_kv;
    const int64_t slices = (group + kGroup - 1) / kGroup;
    const int64_t kvh = blockIdx.x / slices;
    const int64_t h0 = kvh * group + (blockIdx.x % slices) * kGroup;
    const int gn = int(kvh * group + group - h0 < kGroup ? kvh * group + group - h0 : kGroup);
    const int64_t c = blockIdx.y, n_splits = gridDim.y, t = blockIdx.z;
    const int64_t n_kv = pos0 + t + 1;
    const int64_t first = first_visible(pos0 + t, window);
    const int64_t c_first = first / kSplitChunk;                   // chunks are aligned on position 0
    const int64_t used = (n_kv - 1) / kSplitChunk - c_first + 1;   // chunks holding visible positions
    const int64_t j0 = (c_first + c) * kSplitChunk;
    const int64_t jn = n_kv - j0 < kSplitChunk ? n_kv - j0 : kSplitChunk;   // <= lo: an empty chunk
    const int64_t lo = first > j0 ? first - j0 : 0;                         // the window's start in the chunk
    const int64_t kv_dim = n_head_kv * hd, v_dim = n_head_kv * vd;
    const int64_t row = t * n_head + h0;   // q / out row of the block's first head
    const int tid = int(threadIdx.x);
    float* qs = smem;                        // (kGroup, hd): Q rounded to F16
    float* p = qs + kGroup * hd;             // (kGroup, kSplitChunk): scores, then exp(s - m)
    float* red = p + kGroup * kSplitChunk;   // (kThreads * 8): the row slots' partial P.V

    if (jn > lo) {   // uniform per block
        for (int64_t i = tid; i < gn * hd; i += blockDim.x)
            qs[i] = round_f16(q[row * hd + i]);   // Q in F16 for Q.K, as the CPU (and llama.cpp)
        __syncthreads();
        const int pieces = int(hd / 8);
        int R = 1;
        while (R < pieces)
            R *= 2;
        const int slot = tid / R, piece = tid % R;
        const int rows_per_pass = kThreads / R;
        for (int64_t jb = lo; jb < jn; jb += rows_per_pass) {   // the same trip count for all: shuffles below
            const int64_t j = jb + slot;
            const bool live = j < jn && piece < pieces;
            float kf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            if (live)
                unpack_halves(load_i32x4_a16(K + (j0 + j) * kv_dim + kvh * hd + piece * 8), kf);
            for (int g = 0; g < kGroup; ++g) {
                if (g >= gn)
                    break;
                float s = 0.0f;
                if (live)
                    for (int i = 0; i < 8; ++i)
                        s += qs[g * hd + piece * 8 + i] * kf[i];
                for (int off = R / 2; off > 0; off >>= 1)
                    s += __shfl_xor_sync(kFullMask, s, off);
                if (piece == 0 && j < jn)
                    p[g * kSplitChunk + j] = attention_score(s, scale, softcap);
            }
        }
        __syncthreads();
        const int warp = tid / kWarp, lane = tid % kWarp;
        for (int g = warp; g < gn; g += kThreads / kWarp) {
            float mx = -INFINITY;
            for (int64_t j = lo + lane; j < jn; j += kWarp)
                mx = fmaxf(mx, p[g * kSplitChunk + j]);
            mx = warp_max(mx);
            float l = 0.0f;
            for (int64_t j = lo + lane; j < jn; j += kWarp) {
                const float e = expf(p[g * kSplitChunk + j] - mx);
                p[g * kSplitChunk + j] = e;
                l += e;
            }
            l = warp_sum(l);
            if (lane == 0) {
                head_m[g] = mx;
                head_l[g] = l;
            }
        }
        __syncthreads();
        const int vpieces = int(vd / 8);
        const int vrows = kThreads / vpieces;
        const int vslot = tid / vpieces, vpiece = tid % vpieces;
        float acc[kGroup][8] = {};
        if (vslot < vrows)
            for (int64_t j = lo + vslot; j < jn; j += vrows) {
                float vf[8];
                unpack_halves(load_i32x4_a16(V + (j0 + j) * v_dim + kvh * vd + vpiece * 8), vf);
                for (int g = 0; g < kGroup; ++g) {
                    if (g >= gn)
                        break;
                    const float w = p[g * kSplitChunk + j];
                    for (int i = 0; i < 8; ++i)
                        acc[g][i] += w * vf[i];
                }
            }
        for (int g = 0; g < gn; ++g) {
            if (vslot < vrows)
                for (int i = 0; i < 8; ++i)
                    red[vslot * vd + vpiece * 8 + i] = acc[g][i];
            __syncthreads();
            for (int64_t d = tid; d < vd; d += blockDim.x) {
                float a = 0.0f;
                for (int r = 0; r < vrows; ++r)
                    a += red[r * vd + d];
                if (n_splits == 1)
                    out[(row + g) * vd + d] = a / head_l[g];
                else
                    part[((row + g) * n_splits + c) * (vd + 2) + d] = a;
            }
            __syncthreads();
        }
        if (n_splits > 1 && tid < gn) {
            part[((row + tid) * n_splits + c) * (vd + 2) + vd] = head_m[tid];
            part[((row + tid) * n_splits + c) * (vd + 2) + vd + 1] = head_l[tid];
        }
    }
    if (n_splits == 1)
        return;
    // The last block of (x, t) to get here merges: the others' partials are visible to it once
    // they fenced before taking their tickets.
    __threadfence();
    __syncthreads();
    if (tid == 0) {
        unsigned* ticket = tickets + t * gridDim.x + blockIdx.x;
        is_last = atomicAdd(ticket, 1u) == unsigned(n_splits - 1);
        if (is_last)
            *ticket = 0;   // ready for the next launch (graph replay)
    }
    __syncthreads();
    if (!is_last)
        return;
    const volatile float* src = part;   // written by other blocks: not from this SM's L1
    if (tid < gn) {
        const volatile float* s = src + (row + tid) * n_splits * (vd + 2);
        float M = -INFINITY;
        for (int64_t k = 0; k < used; ++k)
            M = fmaxf(M, s[k * (vd + 2) + vd]);
        float L = 0.0f;
        for (int64_t k = 0; k < used; ++k)
            L += expf(s[k * (vd + 2) + vd] - M) * s[k * (vd + 2) + vd + 1];
        head_m[tid] = M;
        head_l[tid] = L;
    }
    __syncthreads();
    for (int64_t e = tid; e < gn * vd; e += blockDim.x) {
        const int64_t g = e / vd, d = e % vd;
        const volatile float* s = src + (row + g) * n_splits * (vd + 2);
        float a = 0.0f;
        for (int64_t k = 0; k < used; ++k)
            a += expf(s[k * (vd + 2) + vd] - head_m[g]) * s[k * (vd + 2) + d];
        out[(row + g) * vd + d] = a / head_l[g];
    }
}

// Chunks in the grid for contexts up to max_kv positions: all of them, or with a window the
// most a window of positions can touch (it need not start on a chunk's edge).
int64_t flash_splits(int64_t max_kv, const AttentionShape& sh)
{
    const int64_t all = (max_kv + kSplitChunk - 1) / kSplitChunk;
    const int64_t in_window = (sh.window - 1 + kSplitChunk - 1) / kSplitChunk + 1;
    return sh.window > 0 && in_window < all ? in_window : all;
}

int64_t flash_slices(const AttentionShape& sh) { return (sh.n_head / sh.n_head_kv + kGroup - 1) / kGroup; }

size_t flash_shared_bytes(const AttentionShape& sh)
{
    return size_t(kGroup * sh.head_dim + kGroup * kSplitChunk + kThreads * 8) * sizeof(float);
}

// Ticket words at the start of the scratch (rounded up to 4 floats: the partials stay 16-byte aligned).
int64_t ticket_floats(int64_t n_tokens, const AttentionShape& sh)
{
    return (n_tokens * sh.n_head_kv * flash_slices(sh) + 3) / 4 * 4;
}

// cache[(pos + t) * dim + i] = F16(x[t * dim + i]); grid over n = n_tokens * dim elements.
__global__ void store_kv_kernel(const float* x, uint16_t* cache, int64_t n, int64_t dim, int64_t pos0,
                                const int64_t* pos_dev)
{
    const int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e < n)
        cache[((pos_dev ? *pos_dev : pos0) + e / dim) * dim + e % dim] = float_to_half_bits(x[e]);
}

bool shape_ok(const AttentionShape& sh, int64_t n_tokens, int64_t pos0)
{
    return sh.n_head > 0 && sh.n_head_kv > 0 && sh.n_head % sh.n_head_kv == 0 && sh.head_dim > 0 &&
           sh.head_dim <= 1024 && sh.value_dim > 0 && sh.value_dim <= kThreads * kDimsPerThread && n_tokens > 0 &&
           n_tokens <= 65535 && pos0 >= 0 && score_params_ok(sh);
}

GpuStatus shape_error(const AttentionShape& sh, int64_t n_tokens)
{
    return gpu_error("attention: unsupported shape (" + attention_shape_text(sh) + ", " + std::to_string(n_tokens) +
                     " tokens)");
}

}   // namespace

float attention_scale(const AttentionShape& sh)
{
    return sh.scale != 0.0f ? sh.scale : 1.0f / std::sqrt(float(sh.head_dim));
}

bool attention_split_k_supports(const AttentionShape& sh)
{
    return sh.head_dim % 8 == 0 && sh.head_dim <= 256 && sh.value_dim % 8 == 0 && sh.value_dim <= 512;
}

int64_t attention_split_k_scratch_floats(int64_t n_tokens, int64_t max_kv, const AttentionShape& sh)
{
    const int64_t n_splits = flash_splits(max_kv, sh);
    return ticket_floats(n_tokens, sh) + n_tokens * sh.n_head * n_splits * (sh.value_dim + 2);
}

GpuStatus attention_split_k(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out,
                            int64_t n_tokens, int64_t pos0, const AttentionShape& sh, float* scratch,
                            int64_t scratch_floats, Stream s, const int64_t* pos_dev)
{
    if (!shape_ok(sh, n_tokens, pos0))
        return shape_error(sh, n_tokens);
    if (!attention_split_k_supports(sh))
        return gpu_error("attention_split_k: head_dim " + std::to_string(sh.head_dim) + " / value_dim " +
                         std::to_string(sh.value_dim) + " unsupported (multiples of 8, at most 256 / 512)");
    const int64_t max_kv = pos0 + n_tokens;
    const int64_t n_splits = flash_splits(max_kv, sh);
    if (scratch_floats < attention_split_k_scratch_floats(n_tokens, max_kv, sh))
        return gpu_error("attention_split_k: scratch of " + std::to_string(scratch_floats) + " floats is too small");
    if (n_splits > 65535)
        return gpu_error("attention_split_k: context of " + std::to_string(max_kv) + " positions is too long");
    const float scale = attention_scale(sh);
    auto* tickets = reinterpret_cast<unsigned*>(scratch);
    float* part = scratch + ticket_floats(n_tokens, sh);
    return launch(flash_decode_kernel,
                  dim3(unsigned(sh.n_head_kv * flash_slices(sh)), unsigned(n_splits), unsigned(n_tokens)),
                  dim3(kThreads), flash_shared_bytes(sh), s, q, k_cache, v_cache, out, part, tickets, pos0, pos_dev,
                  sh.n_head, sh.n_head_kv, sh.head_dim, sh.value_dim, scale, sh.softcap, sh.window);
}

GpuStatus attention(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out, int64_t n_tokens,
                    int64_t pos0, const AttentionShape& sh, Stream s, const int64_t* pos_dev)
{
    if (!shape_ok(sh, n_tokens, pos0))
        return shape_error(sh, n_tokens);
    const float scale = attention_scale(sh);
    const size_t smem = size_t(sh.head_dim + kTile) * sizeof(float);
    return launch(attention_kernel<F16Cache>, dim3(unsigned(sh.n_head), unsigned(n_tokens)), dim3(kThreads), smem, s, q,
                  k_cache, v_cache, out, pos0, pos_dev, sh.n_head, sh.n_head_kv, sh.head_dim, sh.value_dim, scale,
                  sh.softcap, sh.window);
}

GpuStatus attention_q8_0(const float* q, const uint8_t* k_cache, const uint8_t* v_cache, float* out, int64_t n_tokens,
                         int64_t pos0, const AttentionShape& sh, Stream s, const int64_t* pos_dev)
{
    if (!shape_ok(sh, n_tokens, pos0) || sh.head_dim % 32 || sh.value_dim % 32)
        return shape_error(sh, n_tokens);
    const float scale = attention_scale(sh);
    const size_t smem = size_t(sh.head_dim + kTile) * sizeof(float);
    return launch(attention_kernel<Q8Cache>, dim3(unsigned(sh.n_head), unsigned(n_tokens)), dim3(kThreads), smem, s, q,
                  k_cache, v_cache, out, pos0, pos_dev, sh.n_head, sh.n_head_kv, sh.head_dim, sh.value_dim, scale,
                  sh.softcap, sh.window);
}

GpuStatus store_kv_f16(const float* x, uint16_t* cache, int64_t n_tokens, int64_t dim, int64_t pos0,
                       const int64_t* pos_dev, Stream s)
{
    if (n_tokens <= 0 || dim <= 0 || pos0 < 0 || n_tokens * dim > int64_t(65535) * 256 * 256)
        return gpu_error("store_kv_f16: bad shape (" + std::to_string(n_tokens) + " tokens of " + std::to_string(dim) +
                         " at position " + std::to_string(pos0) + ")");
    return launch(store_kv_kernel, dim3(div_up(n_tokens * dim, 256)), dim3(256), 0, s, x, cache, n_tokens * dim, dim,
                  pos0, pos_dev);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
