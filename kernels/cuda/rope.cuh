#pragma once
// Rotary position embedding in both pair layouts, as kernels::rope_ref and rope_neox_ref:
// GGUF "normal" (pairs x[2i], x[2i+1]) and NeoX (pairs x[i], x[i + n_rot/2]: Qwen2/3).
#include "device.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// x: (n_tokens, n_heads, head_dim) F32 in place; token t is at position pos0 + t.
// pos_dev (optional): pos0 read from device memory when the kernel runs instead (a CUDA graph
// replayed at later positions); pos0 is then ignored.
// freq_factors (optional, device, n_rot/2 floats): pair i's angle divided by freq_factors[i].
GpuStatus rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
               float freq_base, Stream s, const int64_t* pos_dev = nullptr, const float* freq_factors = nullptr);
// The same in the NeoX layout.
GpuStatus rope_neox(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos0,
                    float freq_base, Stream s, const int64_t* pos_dev = nullptr, const float* freq_factors = nullptr);

// RoPE of queries and keys and the KV store of a decode step in one launch: q (n_tokens,
// n_head, head_dim) rotated in place; k (n_tokens, n_head_kv, head_dim) rotated and v (n_tokens,
// n_head_kv, value_dim) stored as F16 into the caches' rows pos0 .. pos0 + n_tokens - 1 (rows of
// n_head_kv * head_dim / value_dim). The same values as rope / rope_neox then store_kv_f16.
// q8_0: the caches hold Q8_0 blocks instead (rows of n_head_kv * head_dim / 32 blocks of 34
// bytes; head_dim and value_dim multiples of 32), each block quantize_row_ref's, from the rotated
// float keys (not rounded to F16 first, as the CPU backend stores them).
// freq_scale multiplies every angle (linear scaling: gemma3's global layers) and mscale cos and
// sin (phi3's LongRoPE attn_factor), as rope_ref's arguments; q_scale (not 0) multiplies every
// query value after the rotation (phi3's and gemma's query_pre_attn_scalar, as the CPU layer).
struct RopeKvShape {
    int64_t n_head, n_head_kv, head_dim, value_dim, n_rot;
    bool neox;
    bool q8_0 = false;
    float freq_scale = 1.0f;
    float mscale = 1.0f;
    float q_scale = 0.0f;
};
GpuStatus rope_store_kv(float* q, const float* k, const float* v, int64_t n_tokens, const RopeKvShape& sh, int64_t pos0,
                        float freq_base, void* k_cache, void* v_cache, Stream s, const int64_t* pos_dev = nullptr,
                        const float* freq_factors = nullptr);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
