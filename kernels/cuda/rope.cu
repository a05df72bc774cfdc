#include "rope.cuh"

#include "launch.h"
#include "quantize_blocks.cuh"

#include <cmath>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

// Pair p of a head at `src` (half = n_rot / 2 pairs) rotated to position `pos`: where its two
// values are (i0, i1) and what they become (r0, r1).
struct RotatedPair {
    int64_t i0, i1;
    float r0, r1;
};

template <bool Neox>
__device__ __forceinline__ RotatedPair rotate_pair(const float* src, int64_t p, int64_t half, int64_t pos,
                                                   float theta_scale, const float* freq_factors,
                                                   float freq_scale = 1.0f, float mscale = 1.0f)
{
    float theta = float(pos);
    for (int64_t k = 0; k < p; ++k)
        theta *= theta_scale;
    if (freq_factors)
        theta = __fdiv_rn(theta, freq_factors[p]);   // IEEE division, as the host reference
    theta = __fmul_rn(freq_scale, theta);
    const float c = __fmul_rn(cosf(theta), mscale);
    const float sn = __fmul_rn(sinf(theta), mscale);
    const int64_t i0 = Neox ? p : 2 * p;
    const int64_t i1 = Neox ? p + half : 2 * p + 1;
    const float a = src[i0];
    const float b = src[i1];
    return {i0, i1, __fsub_rn(__fmul_rn(a, c), __fmul_rn(b, sn)), __fadd_rn(__fmul_rn(a, sn), __fmul_rn(b, c))};
}

// grid (n_heads, n_tokens), one thread per pair. The angle is built by the same repeated
// float multiplication as the reference (theta_i = pos * scale^i, i multiplications), not
// powf, so the angles are bit-identical; only cosf/sinf may differ from the host's by an ulp.
// The two layouts differ only in where a pair's values are: x[2p], x[2p+1] (GGUF "normal") or
// x[p], x[p + n_rot/2] (NeoX).
template <bool Neox>
__global__ void rope_kernel(float* x, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
                            const int64_t* pos_dev, float theta_scale, const float* freq_factors)
{
    if (pos_dev)
        pos0 = *pos_dev;
    const int64_t h = blockIdx.x;
    const int64_t t = blockIdx.y;
    const int64_t half = n_rot / 2;
    float* v = x + (t * n_heads + h) * head_dim;
    for (int64_t p = threadIdx.x; p < half; p += blockDim.x) {
        const RotatedPair r = rotate_pair<Neox>(v, p, half, pos0 + t, theta_scale, freq_factors);
        v[r.i0] = r.r0;
        v[r.i1] = r.r1;
    }
}

// n values of src into n / 32 Q8_0 blocks at dst, a thread a block, with quantize_row_ref's
// arithmetic (amax / 127, codes rounded half away from zero and saturated).
__device__ __forceinline__ void store_q8_0_blocks(const float* src, uint8_t* dst, int64_t n)
{
    for (int64_t b = threadIdx.x; b < n / 32; b += blockDim.x) {
        const float* x = src + b * 32;
        float amax = 0.0f;
        for (int j = 0; j < 32; ++j)
            amax = fmaxf(amax, fabsf(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        uint8_t* block = dst + b * 34;
        const uint16_t dh = float_to_half_bits(d);
        block[0] = uint8_t(dh & 0xffu);
        block[1] = uint8_t(dh >> 8);
        for (int j = 0; j < 32; ++j)
            block[2 + j] = uint8_t(int8_t(packed_round_clamp_q8(x[j] * id)));
    }
}

// rope_store_kv: grid (n_head + 2 n_head_kv, n_tokens), 64 threads. Blocks [0, n_head) rotate a
// query head in place (rope_kernel's arithmetic); the next n_head_kv rotate a key head into the
// F16 cache (dimensions past n_rot copied); the last n_head_kv store a value head.
template <bool Neox>
__global__ void rope_store_kv_kernel(float* q, const float* k, const float* v, RopeKvShape sh, int64_t pos0,
                                     const int64_t* pos_dev, float theta_scale, const float* freq_factors,
                                     void* k_store, void* v_store)
{
    auto* k_cache = static_cast<uint16_t*>(k_store);
    auto* v_cache = static_cast<uint16_t*>(v_store);
    if (pos_dev)
        pos0 = *pos_dev;
    const int64_t h = blockIdx.x;
    const int64_t t = blockIdx.y;
    const int64_t half = sh.n_rot / 2;
    if (h >= sh.n_head + sh.n_head_kv) {   // a value head: F16, as store_kv_f16
        const int64_t vh = h - sh.n_head - sh.n_head_kv;
        const float* src = v + (t * sh.n_head_kv + vh) * sh.value_dim;
        if (sh.q8_0) {
            const int64_t row = sh.n_head_kv * sh.value_dim / 32 * 34;
            store_q8_0_blocks(src, static_cast<uint8_t*>(v_store) + (pos0 + t) * row + vh * sh.value_dim / 32 * 34,
                              sh.value_dim);
            return;
        }
        uint16_t* dst = v_cache + (pos0 + t) * sh.n_head_kv * sh.value_dim + vh * sh.value_dim;
        for (int64_t i = threadIdx.x; i < sh.value_dim; i += blockDim.x)
            dst[i] = float_to_half_bits(src[i]);
        return;
    }
    const bool is_q = h < sh.n_head;
    const int64_t kh = h - sh.n_head;
    const float* src = is_q ? q + (t * sh.n_head + h) * sh.head_dim : k + (t * sh.n_head_kv + kh) * sh.head_dim;
    float* q_out = q + (t * sh.n_head + h) * sh.head_dim;
    uint16_t* k_out = k_cache + (pos0 + t) * sh.n_head_kv * sh.head_dim + kh * sh.head_dim;
    CAUSERIE_DYNAMIC_SHARED(float, rotated);   // (head_dim) a Q8_0 key head before its quantization
    for (int64_t p = threadIdx.x; p < half; p += blockDim.x) {
        const RotatedPair r =
            rotate_pair<Neox>(src, p, half, pos0 + t, theta_scale, freq_factors, sh.freq_scale, sh.mscale);
        if (is_q) {
            q_out[r.i0] = sh.q_scale != 0.0f ? __fmul_rn(r.r0, sh.q_scale) : r.r0;
            q_out[r.i1] = sh.q_scale != 0.0f ? __fmul_rn(r.r1, sh.q_scale) : r.r1;
        } else if (sh.q8_0) {
            rotated[r.i0] = r.r0;
            rotated[r.i1] = r.r1;
        } else {
            k_out[r.i0] = float_to_half_bits(r.r0);
            k_out[r.i1] = float_to_half_bits(r.r1);
        }
    }
    if (is_q) {
        if (sh.q_scale != 0.0f)   // the dimensions past n_rot (phi3's partial rotation)
            for (int64_t i = sh.n_rot + threadIdx.x; i < sh.head_dim; i += blockDim.x)
                q_out[i] = __fmul_rn(q_out[i], sh.q_scale);
        return;
    }
    if (!sh.q8_0) {
        for (int64_t i = sh.n_rot + threadIdx.x; i < sh.head_dim; i += blockDim.x)
            k_out[i] = float_to_half_bits(src[i]);
        return;
    }
    for (int64_t i = sh.n_rot + threadIdx.x; i < sh.head_dim; i += blockDim.x)
        rotated[i] = src[i];
    __syncthreads();   // uniform: every thread of a key head's block gets here
    const int64_t row = sh.n_head_kv * sh.head_dim / 32 * 34;
    store_q8_0_blocks(rotated, static_cast<uint8_t*>(k_store) + (pos0 + t) * row + kh * sh.head_dim / 32 * 34,
                      sh.head_dim);
}

template <bool Neox>
GpuStatus launch_rope(const char* name, float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, int64_t n_rot,
                      int64_t pos0, float freq_base, Stream s, const int64_t* pos_dev, const float* freq_factors)
{
    if (n_rot % 2 || n_rot > head_dim || n_tokens <= 0 || n_tokens > 65535)
        return gpu_error(std::string(name) + ": bad shape (n_rot " + std::to_string(n_rot) + ", head_dim " +
                         std::to_string(head_dim) + ", " + std::to_string(n_tokens) + " tokens)");
    // Computed on the host with the same expression as rope_ref / rope_neox_ref.
    const float theta_scale = std::pow(freq_base, -2.0f / float(n_rot));
    return launch(rope_kernel<Neox>, dim3(unsigned(n_heads), unsigned(n_tokens)), dim3(64), 0, s, x, n_heads, head_dim,
                  n_rot, pos0, pos_dev, theta_scale, freq_factors);
}

}   // namespace

GpuStatus rope_store_kv(float* q, const float* k, const float* v, int64_t n_tokens, const RopeKvShape& sh, int64_t pos0,
                        float freq_base, void* k_cache, void* v_cache, Stream s, const int64_t* pos_dev,
                        const float* freq_factors)
{
    if (sh.n_rot % 2 || sh.n_rot > sh.head_dim || sh.n_head <= 0 || sh.n_head_kv <= 0 || sh.value_dim <= 0 ||
        n_tokens <= 0 || n_tokens > 65535 || pos0 < 0 || (sh.q8_0 && (sh.head_dim % 32 || sh.value_dim % 32)))
        return gpu_error("rope_store_kv: bad shape (n_rot " + std::to_string(sh.n_rot) + ", head_dim " +
                         std::to_string(sh.head_dim) + ", " + std::to_string(n_tokens) + " tokens)");
    const float theta_scale = std::pow(freq_base, -2.0f / float(sh.n_rot));
    const dim3 grid(unsigned(sh.n_head + 2 * sh.n_head_kv), unsigned(n_tokens));
    const size_t smem = sh.q8_0 ? size_t(sh.head_dim) * sizeof(float) : 0;
    return sh.neox ? launch(rope_store_kv_kernel<true>, grid, dim3(64), smem, s, q, k, v, sh, pos0, pos_dev,
                            theta_scale, freq_factors, k_cache, v_cache)
                   : launch(rope_store_kv_kernel<false>, grid, dim3(64), smem, s, q, k, v, sh, pos0, pos_dev,
                            theta_scale, freq_factors, k_cache, v_cache);
}

GpuStatus rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
               float freq_base, Stream s, const int64_t* pos_dev, const float* freq_factors)
{
    return launch_rope<false>("rope", x, n_tokens, n_heads, head_dim, n_rot, pos0, freq_base, s, pos_dev, freq_factors);
}

GpuStatus rope_neox(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
                    float freq_base, Stream s, const int64_t* pos_dev, const float* freq_factors)
{
    return launch_rope<true>("rope_neox", x, n_tokens, n_heads, head_dim, n_rot, pos0, freq_base, s, pos_dev,
                             freq_factors);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
