#pragma once
// Device-side reading of the packed decode layout of matvec.cuh: where a matrix's planes are, a
// unit's loads, and its codes decoded four at a time. Shared by matvec.cu (the products) and
// dequant_f16.cu (packed weights to F16). Included only by .cu files.
#include "common.cuh"
#include "dequant.cuh"
#include "matvec.cuh"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// Four 4-bit codes (bytes of `codes`, each < 16) -> their four IQ4 grid values, packed as bytes.
__device__ __forceinline__ int iq4_pack4(int codes)
{
    return int(uint32_t(uint8_t(iq4_value(codes))) | uint32_t(uint8_t(iq4_value(codes >> 8))) << 8 |
               uint32_t(uint8_t(iq4_value(codes >> 16))) << 16 | uint32_t(uint8_t(iq4_value(codes >> 24))) << 24);
}

// One row's planes in a packed matrix of `rows` rows of nu units (PackedShape's order).
struct PackedRow {
    const uint8_t* codes;
    const uint8_t* hib;
    const uint8_t* word;
    const uint8_t* half;
    const uint8_t* sb_words;
    const uint8_t* sb_half;
};

template <TensorType T>
__device__ __forceinline__ PackedRow packed_row(const uint8_t* w, int64_t rows, int64_t row, int64_t nu)
{
    constexpr PackedShape s = packed_shape(T);
    const int64_t nsb = s.unit == 64 ? nu / 4 : 0;
    const size_t plane[6] = {size_t(nu) * 16 * s.chunks, size_t(nu) * s.hib,       size_t(nu) * s.word,
                             size_t(nu) * s.half,        size_t(nsb) * s.sb_words, size_t(nsb) * s.sb_half};
    const uint8_t* p[6];
    size_t base = 0;
    for (int i = 0; i < 6; ++i) {
        p[i] = w + base + size_t(row) * plane[i];
        base += size_t(rows) * plane[i];
    }
    return {p[0], p[1], p[2], p[3], p[4], p[5]};
}

// Word w (bytes 4w .. 4w + 3, elements 16k + 4w ..) of group k of a unit as four int8 values for
// dp4a: cw[q] is word w of chunk q, h the unit's high-bit words. Codes carry no offset (matvec.cuh).
template <TensorType T>
__device__ __forceinline__ int packed_code_word(const int* cw, const int* h, int k, int w)
{
    constexpr PackedShape s = packed_shape(T);
    if constexpr (T == TensorType::Q8_0) {
        return cw[k];
    } else if constexpr (T == TensorType::Q2_K || T == TensorType::Q3_K) {
        int q = (cw[0] >> (2 * k)) & 0x03030303;
        if constexpr (T == TensorType::Q3_K)
            q |= ((h[k / 2] >> (4 * (k % 2) + w)) & 0x01010101) << 2;
        return q;
    } else {
        constexpr int c = T == TensorType::Q6_K ? 2 : s.chunks;
        int q = (cw[k % c] >> (4 * (k / c))) & 0x0F0F0F0F;
        if constexpr (T == TensorType::Q6_K)
            q |= ((cw[2] >> (2 * k)) & 0x03030303) << 4;
        if constexpr (s.hib > 0)
            q |= ((h[k / 2] >> (4 * (k % 2) + w)) & 0x01010101) << 4;
        if constexpr (T == TensorType::IQ4_NL || T == TensorType::IQ4_XS)
            q = iq4_pack4(q);
        return q;
    }
}

__device__ __forceinline__ int word_of(const Words4& v, int w)
{
    return w == 0 ? v.x : w == 1 ? v.y : w == 2 ? v.z : v.w;
}

// A unit's weight bytes, loaded by its lane.
struct PackedUnit {
    Words4 c[3];
    int h[2];
    int word;
    int half;
};

template <TensorType T>
__device__ __forceinline__ PackedUnit load_packed_unit(const PackedRow& r, int64_t u, int64_t nu)
{
    constexpr PackedShape s = packed_shape(T);
    PackedUnit p{};
    for (int q = 0; q < s.chunks; ++q)
        p.c[q] = load_i32x4_a16(r.codes + packed_chunk_offset(u, q, nu, s.chunks));
    if constexpr (s.hib == 8) {
        const Words2 h = load_i32x2_a8(r.hib + 8 * u);
        p.h[0] = h.x;
        p.h[1] = h.y;
    } else if constexpr (s.hib == 4) {
        p.h[0] = load_i32_a4(r.hib + 4 * u);
    }
    if constexpr (s.word)
        p.word = load_i32_a4(r.word + 4 * u);
    if constexpr (s.half)
        p.half = load_u16(r.half + 2 * u);
    return p;
}

// Word w of group k of a loaded unit.
template <TensorType T>
__device__ __forceinline__ int unit_code_word(const PackedUnit& p, int k, int w)
{
    const int cw[3] = {word_of(p.c[0], w), word_of(p.c[1], w), word_of(p.c[2], w)};
    return packed_code_word<T>(cw, p.h, k, w);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
