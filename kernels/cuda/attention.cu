#include "attention.cuh"

#include "launch.h"

#include <cmath>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 128;
constexpr int kTile = 128;          // KV positions whose scores are computed in parallel
constexpr int kDimsPerThread = 4;   // value_dim <= kThreads * kDimsPerThread

__device__ __forceinline__ float round_f16(float x) { return half_bits_to_float(float_to_half_bits(x)); }

// grid (n_head, n_tokens), block kThreads; dynamic shared: head_dim + kTile floats.
// Scores of a tile of positions are computed in parallel (one position per thread, summed over
// head_dim in order, as the reference); then every thread runs the reference's sequential
// online-softmax recurrence over the tile for its own output dimensions. The recurrence is
// inherently ordered (the F16 accumulator is rounded at every step), so this kernel trades the
// split-K parallelism of flash-decoding for bit-exact agreement with the CPU.
__global__ void attention_kernel(const float* q, const uint16_t* K, const uint16_t* V, float* out, int64_t pos0,
                                 const int64_t* pos_dev, int64_t n_head, int64_t n_head_kv, int64_t hd, int64_t vd,
                                 float scale)
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
    const int64_t kv_dim = n_head_kv * hd;
    const int64_t v_dim = n_head_kv * vd;
    const int tid = int(threadIdx.x);

    for (int64_t i = tid; i < hd; i += blockDim.x)
        q16[i] = round_f16(q[(t * n_head + h) * hd + i]);

    uint16_t acc[kDimsPerThread] = {0, 0, 0, 0};
    float max = -INFINITY;
    float sum = 0.0f;
    for (int64_t j0 = 0; j0 < n_kv; j0 += kTile) {
        __syncthreads();   // q16 written / the previous tile's scores consumed
        const int64_t jn = n_kv - j0 < kTile ? n_kv - j0 : kTile;
        for (int64_t j = tid; j < jn; j += blockDim.x) {
            const uint16_t* k = K + (j0 + j) * kv_dim + kvh * hd;
            float sc = 0.0f;
            for (int64_t i = 0; i < hd; ++i)
                sc = __fadd_rn(sc, __fmul_rn(q16[i], half_bits_to_float(k[i])));
            scores[j] = sc * scale;
        }
        __syncthreads();
        for (int64_t j = 0; j < jn; ++j) {
            const float sc = scores[j];
            float rescale = 1.0f;
            float w = 1.0f;
            if (sc > max) {
                rescale = expf(max - sc);
                max = sc;
                for (int k = 0; k < kDimsPerThread; ++k)
                    acc[k] = float_to_half_bits(half_bits_to_float(acc[k]) * rescale);
            } else {
                w = expf(sc - max);
            }
            const uint16_t* v = V + (j0 + j) * v_dim + kvh * vd;
            for (int k = 0; k < kDimsPerThread; ++k) {
                const int64_t d = tid + int64_t(k) * blockDim.x;
                if (d < vd)
                    acc[k] = float_to_half_bits(
                        __fadd_rn(half_bits_to_float(acc[k]), __fmul_rn(half_bits_to_float(v[d]), w)));
            }
            sum = __fadd_rn(__fmul_rn(sum, rescale), w);
        }
    }
    const float inv = 1.0f / sum;
    for (int k = 0; k < kDimsPerThread; ++k) {
        const int64_t d = tid + int64_t(k) * blockDim.x;
        if (d < vd)
            out[(t * n_head + h) * vd + d] = half_bits_to_float(acc[k]) * inv;
    }
}

// Phase 1 of split-K. grid (n_head, n_tokens, n_splits), block kThreads; dynamic shared:
// head_dim + kTile floats. Block (h, t, c) covers positions [c*kSplitChunk, ...) up to the
// token's causal limit and writes its chunk's max m, sum l = sum exp(s - m) and
// acc = sum exp(s - m) v (float) to part[((t*n_head + h)*n_splits + c) * (vd + 2)].
__global__ void split_k_partial_kernel(const float* q, const uint16_t* K, const uint16_t* V, float* part, int64_t pos0,
                                       const int64_t* pos_dev, int64_t n_head, int64_t n_head_kv, int64_t hd,
                                       int64_t vd, float scale, int64_t n_splits)
{
    if (pos_dev)
        pos0 = *pos_dev;
    CAUSERIE_DYNAMIC_SHARED(float, smem);
    __shared__ float red[32];
    float* qs = smem;       // (hd)
    float* p = smem + hd;   // (kTile) scores, then weights
    const int64_t h = blockIdx.x, t = blockIdx.y, c = blockIdx.z;
    const int64_t kvh = h / (n_head / n_head_kv);
    const int64_t n_kv = pos0 + t + 1;
    const int64_t kv_dim = n_head_kv * hd, v_dim = n_head_kv * vd;
    const int64_t j_begin = c * kSplitChunk;
    const int64_t j_end = j_begin + kSplitChunk < n_kv ? j_begin + kSplitChunk : n_kv;
    const int tid = int(threadIdx.x);
    float* dst = part + ((t * n_head + h) * n_splits + c) * (vd + 2);
    if (j_begin >= j_end) {   // past this token's causal limit: an empty chunk (uniform per block)
        if (tid == 0) {
            dst[vd] = -INFINITY;
            dst[vd + 1] = 0.0f;
        }
        for (int64_t d = tid; d < vd; d += blockDim.x)
            dst[d] = 0.0f;
        return;
    }
    for (int64_t i = tid; i < hd; i += blockDim.x)
        qs[i] = round_f16(q[(t * n_head + h) * hd + i]);   // Q in F16 for Q.K, as the CPU (and llama.cpp)
    float acc[kDimsPerThread] = {0.0f, 0.0f, 0.0f, 0.0f};
    float m = -INFINITY, l = 0.0f;
    for (int64_t j0 = j_begin; j0 < j_end; j0 += kTile) {
        __syncthreads();
        const int64_t jn = j_end - j0 < kTile ? j_end - j0 : kTile;
        float local_max = -INFINITY;
        for (int64_t j = tid; j < jn; j += blockDim.x) {
            const uint16_t* k = K + (j0 + j) * kv_dim + kvh * hd;
            float sc = 0.0f;
            for (int64_t i = 0; i < hd; ++i)
                sc += qs[i] * half_bits_to_float(k[i]);
            p[j] = sc * scale;
            local_max = fmaxf(local_max, p[j]);
        }
        // Tile maximum across the block.
        local_max = warp_max(local_max);
        if (tid % kWarp == 0)
            red[tid / kWarp] = local_max;
        __syncthreads();
        float tile_max = -INFINITY;
        for (int w = 0; w < int(blockDim.x) / kWarp; ++w)
            tile_max = fmaxf(tile_max, red[w]);
        const float m_new = fmaxf(m, tile_max);
        const float rescale = expf(m - m_new);   // 0 on the first tile (m = -inf)
        __syncthreads();                         // every thread has read red[] and p[] scores are complete
        for (int64_t j = tid; j < jn; j += blockDim.x)
            p[j] = expf(p[j] - m_new);
        __syncthreads();
        float tile_sum = 0.0f;
        for (int64_t j = 0; j < jn; ++j)
            tile_sum += p[j];
        l = l * rescale + tile_sum;
        for (int k = 0; k < kDimsPerThread; ++k) {
            const int64_t d = tid + int64_t(k) * blockDim.x;
            if (d >= vd)
                continue;
            float a = acc[k] * rescale;
            for (int64_t j = 0; j < jn; ++j)
                a += p[j] * half_bits_to_float(V[(j0 + j) * v_dim + kvh * vd + d]);
            acc[k] = a;
        }
        m = m_new;
    }
    for (int k = 0; k < kDimsPerThread; ++k) {
        const int64_t d = tid + int64_t(k) * blockDim.x;
        if (d < vd)
            dst[d] = acc[k];
    }
    if (tid == 0) {
        dst[vd] = m;
        dst[vd + 1] = l;
    }
}

// Phase 2: out = sum_c exp(m_c - M) acc_c / sum_c exp(m_c - M) l_c. grid (n_head, n_tokens).
__global__ void split_k_merge_kernel(const float* part, float* out, int64_t n_head, int64_t vd, int64_t n_splits)
{
    const int64_t h = blockIdx.x, t = blockIdx.y;
    const float* src = part + (t * n_head + h) * n_splits * (vd + 2);
    float M = -INFINITY;
    for (int64_t c = 0; c < n_splits; ++c)
        M = fmaxf(M, src[c * (vd + 2) + vd]);
    float L = 0.0f;
    for (int64_t c = 0; c < n_splits; ++c) {
        const float mc = src[c * (vd + 2) + vd];
        if (mc != -INFINITY)
            L += expf(mc - M) * src[c * (vd + 2) + vd + 1];
    }
    for (int64_t d = threadIdx.x; d < vd; d += blockDim.x) {
        float a = 0.0f;
        for (int64_t c = 0; c < n_splits; ++c) {
            const float mc = src[c * (vd + 2) + vd];
            if (mc != -INFINITY)
                a += expf(mc - M) * src[c * (vd + 2) + d];
        }
        out[(t * n_head + h) * vd + d] = a / L;
    }
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
           n_tokens <= 65535 && pos0 >= 0;
}

GpuStatus shape_error(const AttentionShape& sh, int64_t n_tokens)
{
    return gpu_error("attention: unsupported shape (n_head " + std::to_string(sh.n_head) + ", n_head_kv " +
                     std::to_string(sh.n_head_kv) + ", head_dim " + std::to_string(sh.head_dim) + ", value_dim " +
                     std::to_string(sh.value_dim) + ", " + std::to_string(n_tokens) + " tokens)");
}

}   // namespace

int64_t attention_split_k_scratch_floats(int64_t n_tokens, int64_t max_kv, const AttentionShape& sh)
{
    const int64_t n_splits = (max_kv + kSplitChunk - 1) / kSplitChunk;
    return n_tokens * sh.n_head * n_splits * (sh.value_dim + 2);
}

GpuStatus attention_split_k(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out,
                            int64_t n_tokens, int64_t pos0, const AttentionShape& sh, float* scratch,
                            int64_t scratch_floats, Stream s, const int64_t* pos_dev)
{
    if (!shape_ok(sh, n_tokens, pos0))
        return shape_error(sh, n_tokens);
    const int64_t max_kv = pos0 + n_tokens;
    const int64_t n_splits = (max_kv + kSplitChunk - 1) / kSplitChunk;
    if (scratch_floats < attention_split_k_scratch_floats(n_tokens, max_kv, sh))
        return gpu_error("attention_split_k: scratch of " + std::to_string(scratch_floats) + " floats is too small");
    if (n_splits > 65535)
        return gpu_error("attention_split_k: context of " + std::to_string(max_kv) + " positions is too long");
    const float scale = 1.0f / std::sqrt(float(sh.head_dim));
    const size_t smem = size_t(sh.head_dim + kTile) * sizeof(float);
    CAUSERIE_GPU_TRY(launch(split_k_partial_kernel, dim3(unsigned(sh.n_head), unsigned(n_tokens), unsigned(n_splits)),
                            dim3(kThreads), smem, s, q, k_cache, v_cache, scratch, pos0, pos_dev, sh.n_head,
                            sh.n_head_kv, sh.head_dim, sh.value_dim, scale, n_splits));
    return launch(split_k_merge_kernel, dim3(unsigned(sh.n_head), unsigned(n_tokens)), dim3(kThreads), 0, s, scratch,
                  out, sh.n_head, sh.value_dim, n_splits);
}

GpuStatus attention(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out, int64_t n_tokens,
                    int64_t pos0, const AttentionShape& sh, Stream s, const int64_t* pos_dev)
{
    if (!shape_ok(sh, n_tokens, pos0))
        return shape_error(sh, n_tokens);
    const float scale = 1.0f / std::sqrt(float(sh.head_dim));
    const size_t smem = size_t(sh.head_dim + kTile) * sizeof(float);
    return launch(attention_kernel, dim3(unsigned(sh.n_head), unsigned(n_tokens)), dim3(kThreads), smem, s, q, k_cache,
                  v_cache, out, pos0, pos_dev, sh.n_head, sh.n_head_kv, sh.head_dim, sh.value_dim, scale);
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
