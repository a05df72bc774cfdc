#pragma once
// What every attention kernel shares (.cu files only): the score of a query-key dot product
// and the first position a token sees, with the CPU backend's expressions
// (kernels/cpu/attention_cpu.cpp, engine/layer_cpu.cpp CpuLayer::attention), so that the exact
// kernels stay bit-identical to it under the sim.
#include "attention.cuh"
#include "common.cuh"

#include <string>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// scale * dot, or Gemma 2's softcap * tanh(dot * (scale / softcap)) when softcap is not 0.
__device__ __forceinline__ float attention_score(float dot, float scale, float softcap)
{
    return softcap != 0.0f ? softcap * tanhf(dot * (scale / softcap)) : dot * scale;
}

// The first position the token at position p attends to: max(0, p + 1 - window), 0 without a window.
__host__ __device__ __forceinline__ int64_t first_visible(int64_t p, int64_t window)
{
    return window > 0 && p + 1 - window > 0 ? p + 1 - window : 0;
}

// Whether the scale, softcap and window of a shape are usable (not negative, finite).
inline bool score_params_ok(const AttentionShape& sh)
{
    return sh.scale >= 0.0f && sh.scale < 1e30f && sh.softcap >= 0.0f && sh.softcap < 1e30f && sh.window >= 0;
}

// Q8_0 cache rows into shared memory with 16-byte loads. A head's slice of a row is
// head_bytes = dim / 32 * 34 bytes at a 2-byte aligned address (34-byte blocks): the kernels
// copy the 16-byte aligned words that cover it, unchanged (the cache's byte layout is the CPU's
// and the snapshots'), so the slice starts (address % 16) bytes into its staged row. Only a word
// that would reach past the end of its row (a row length not a multiple of 16: the last row
// of the cache could end the allocation) is copied 2 bytes at a time. Loads: consecutive threads
// on consecutive words of a row; the words' extra bytes (at most 15 on each side) lie in
// sectors the slice touches anyway, so DRAM traffic is that of the slice's sectors (a 7B slice,
// 136 bytes, is read as 144 in 5 sectors: 0.9 of the bytes moved are read, 0.85 are used).
inline constexpr int64_t kQ8StageRows = 32;   // rows staged at a time

// Bytes a staged row takes in shared memory (16-byte words).
__host__ __device__ constexpr int64_t q8_stage_stride(int64_t head_bytes) { return (head_bytes + 30) / 16 * 16; }

// Offset of the slice inside its staged row.
__device__ __forceinline__ int64_t q8_stage_offset(const uint8_t* base, int64_t row, int64_t row_bytes,
                                                   int64_t head_off)
{
    return int64_t((reinterpret_cast<uintptr_t>(base) + uint64_t(row * row_bytes + head_off)) % 16);
}

// Stages the slices [head_off, head_off + head_bytes) of rows [r0, r0 + rows) of `base` (rows of
// row_bytes) into dst (rows of q8_stage_stride(head_bytes) bytes); threads tid, tid + nt, ...
__device__ __forceinline__ void stage_q8_rows(unsigned char* dst, const uint8_t* base, int64_t row_bytes,
                                              int64_t head_off, int64_t head_bytes, int64_t r0, int64_t rows, int tid,
                                              int nt)
{
    // A power of two of lanes per row (idle past its words): a warp's load covers whole rows, so
    // no 32-byte sector is split between two load instructions.
    const int64_t stride = q8_stage_stride(head_bytes), words = stride / 16;
    int64_t slots = 1;
    while (slots < words)
        slots *= 2;
    for (int64_t e = tid; e < rows * slots; e += nt) {
        const int64_t r = e / slots, w = e % slots;
        const uint8_t* slice = base + (r0 + r) * row_bytes + head_off;
        const int64_t off = q8_stage_offset(base, r0 + r, row_bytes, head_off);
        if (16 * w >= off + head_bytes)
            continue;   // past the slice (its row needs fewer words)
        const uint8_t* word = slice - off + 16 * w;
        const uint8_t* row_end = base + (r0 + r + 1) * row_bytes;
        unsigned char* out = dst + r * stride + 16 * w;
        if (word + 16 <= row_end) {
            const Words4 v = load_i32x4_a16(word);
            std::memcpy(out, &v, 16);
        } else {
            for (int64_t b = 0; word + b < row_end; b += 2) {
                const uint16_t h = load_u16(word + b);
                std::memcpy(out + b, &h, 2);
            }
        }
    }
}

// Eight dequantized values [8 * piece, 8 * piece + 8) of a staged Q8_0 slice: d * code, exact in float.
__device__ __forceinline__ void q8_piece(const unsigned char* slice, int64_t piece, float* f)
{
    const unsigned char* blk = slice + piece / 4 * 34;
    uint16_t d;
    std::memcpy(&d, blk, 2);
    const float df = half_bits_to_float(d);
    for (int i = 0; i < 8; ++i)
        f[i] = df * float(int8_t(blk[2 + piece % 4 * 8 + i]));
}

// "n_head 32, n_head_kv 8, head_dim 128, value_dim 128, scale 0, softcap 0, window 0": for errors.
inline std::string attention_shape_text(const AttentionShape& sh)
{
    return "n_head " + std::to_string(sh.n_head) + ", n_head_kv " + std::to_string(sh.n_head_kv) + ", head_dim " +
           std::to_string(sh.head_dim) + ", value_dim " + std::to_string(sh.value_dim) + ", scale " +
           std::to_string(sh.scale) + ", softcap " + std::to_string(sh.softcap) + ", window " +
           std::to_string(sh.window);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
