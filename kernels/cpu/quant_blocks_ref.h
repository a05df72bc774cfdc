#pragma once
// ggml block layouts and their (un)packing, shared by the reference dequantizers, quantizers
// and dot products so that each bit layout is written down exactly once.
//
// Blocks are read and written through memcpy: weight rows come from an mmapped file at any
// offset, so a block is not assumed to be aligned. All multi-byte fields are little-endian
// (GGUF is little-endian and so is every host we build for).
//
// "unpacked" forms hold the integer codes already shifted to their signed range where the
// format has an implicit offset (Q4_0: nibble - 8), so a dot product is a plain integer sum.
#include <cstdint>
#include <cstring>

namespace causerie::kernels::blocks {

inline constexpr int QK = 32;      // elements per legacy block (Q4_0 .. Q8_1)
inline constexpr int QK_K = 256;   // elements per K-quant super-block

// Byte layouts (offsets in bytes). fp16 fields are raw IEEE half bits.
struct BlockQ4_0 {
    uint16_t d;
    uint8_t qs[QK / 2];
};   // 18
struct BlockQ4_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qs[QK / 2];
};   // 20
struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4];
    uint8_t qs[QK / 2];
};   // 22
struct BlockQ5_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qh[4];
    uint8_t qs[QK / 2];
};   // 24
struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[QK];
};   // 34
struct BlockQ8_1 {
    uint16_t d;
    uint16_t s;
    int8_t qs[QK];
};   // 36, s = d*sum(qs)
struct BlockQ4_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qs[QK_K / 2];
};   // 144
struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qh[QK_K / 8];
    uint8_t qs[QK_K / 2];
};   // 176
struct BlockQ6_K {
    uint8_t ql[QK_K / 2];
    uint8_t qh[QK_K / 4];
    int8_t scales[QK_K / 16];
    uint16_t d;
};   // 210
struct BlockQ8_K {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];
};   // 292
struct BlockQ2_K {
    uint8_t scales[QK_K / 16];   // per 16 elements: low nibble scale, high nibble min
    uint8_t qs[QK_K / 4];
    uint16_t d;
    uint16_t dmin;
};   // 84
struct BlockQ3_K {
    uint8_t hmask[QK_K / 8];
    uint8_t qs[QK_K / 4];
    uint8_t scales[12];   // 16 6-bit scales, see unpack_scales_q3_k
    uint16_t d;
};   // 110
struct BlockIQ4_NL {
    uint16_t d;
    uint8_t qs[QK / 2];
};   // 18
struct BlockIQ4_XS {
    uint16_t d;
    uint16_t scales_h;             // high 2 bits of the 8 sub-block scales, 2 bits each
    uint8_t scales_l[QK_K / 64];   // low 4 bits, two per byte (sub-block 2i low nibble)
    uint8_t qs[QK_K / 2];
};   // 136

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22 && sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ4_K) == 144 && sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210 && sizeof(BlockQ8_K) == 292);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockIQ4_NL) == 18 && sizeof(BlockIQ4_XS) == 136);

// The 16 code points of IQ4_NL / IQ4_XS (GGUF's non-linear 4-bit grid, denser near zero):
// a 4-bit code c stands for the integer k_iq4nl_values[c], times the block scale.
inline constexpr int8_t k_iq4nl_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

template <class Block>
inline Block load_block(const void* src, int64_t index)
{
    Block b;
    std::memcpy(&b, static_cast<const uint8_t*>(src) + index * int64_t(sizeof(Block)), sizeof(Block));
    return b;
}

template <class Block>
inline void store_block(void* dst, int64_t index, const Block& b)
{
    std::memcpy(static_cast<uint8_t*>(dst) + index * int64_t(sizeof(Block)), &b, sizeof(Block));
}

// ---- legacy 32-element blocks: element j < 16 in the low nibble of qs[j], j >= 16 in the
// high nibble of qs[j - 16]; the 5th bit of element j is bit j of the 32-bit qh.

inline void unpack_nibbles(const uint8_t qs[QK / 2], int q[QK])
{
    for (int j = 0; j < QK / 2; ++j) {
        q[j] = qs[j] & 0x0F;
        q[j + QK / 2] = qs[j] >> 4;
    }
}

inline uint32_t load_qh(const uint8_t qh[4])
{
    return uint32_t(qh[0]) | uint32_t(qh[1]) << 8 | uint32_t(qh[2]) << 16 | uint32_t(qh[3]) << 24;
}

inline void add_high_bits(const uint8_t qh[4], int q[QK])
{
    const uint32_t h = load_qh(qh);
    for (int j = 0; j < QK; ++j)
        q[j] |= int((h >> j) & 1u) << 4;
}

// q[j] in [0, 15] (Q4) or [0, 31] (Q5) -> nibbles + high bits.
inline void pack_nibbles(const int q[QK], uint8_t qs[QK / 2])
{
    for (int j = 0; j < QK / 2; ++j)
        qs[j] = uint8_t((q[j] & 0x0F) | (q[j + QK / 2] & 0x0F) << 4);
}

inline void pack_high_bits(const int q[QK], uint8_t qh[4])
{
    uint32_t h = 0;
    for (int j = 0; j < QK; ++j)
        h |= uint32_t((q[j] >> 4) & 1) << j;
    for (int i = 0; i < 4; ++i)
        qh[i] = uint8_t(h >> (8 * i));
}

// ---- K-quants: 8 sub-blocks of 32 with 6-bit scales and mins packed into 12 bytes:
//   bytes 0..3 : sc[0..3] (low 6 bits), top 2 bits = sc[4..7] >> 4
//   bytes 4..7 : m[0..3]  (low 6 bits), top 2 bits = m[4..7]  >> 4
//   bytes 8..11: low nibble sc[4..7] & 15, high nibble m[4..7] & 15

inline void unpack_scales_k4(const uint8_t s[12], int sc[8], int m[8])
{
    for (int j = 0; j < 4; ++j) {
        sc[j] = s[j] & 63;
        m[j] = s[j + 4] & 63;
    }
    for (int j = 4; j < 8; ++j) {
        sc[j] = (s[j + 4] & 0x0F) | (s[j - 4] >> 6) << 4;
        m[j] = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
    }
}

inline void pack_scales_k4(const int sc[8], const int m[8], uint8_t s[12])
{
    for (int j = 0; j < 4; ++j) {
        s[j] = uint8_t((sc[j] & 63) | (sc[j + 4] >> 4) << 6);
        s[j + 4] = uint8_t((m[j] & 63) | (m[j + 4] >> 4) << 6);
        s[j + 8] = uint8_t((sc[j + 4] & 0x0F) | (m[j + 4] & 0x0F) << 4);
    }
}

// Q4_K / Q5_K codes: sub-block pair p (elements 64p .. 64p+63) shares qs[32p .. 32p+31]:
// the first 32 elements in the low nibbles, the next 32 in the high nibbles. Q5_K's 5th bit
// of element 64p + l is bit 2p of qh[l], of element 64p + 32 + l bit 2p+1 of qh[l].
inline void unpack_q4_k_codes(const uint8_t qs[QK_K / 2], int q[QK_K])
{
    for (int p = 0; p < QK_K / 64; ++p) {
        for (int l = 0; l < 32; ++l) {
            q[64 * p + l] = qs[32 * p + l] & 0x0F;
            q[64 * p + 32 + l] = qs[32 * p + l] >> 4;
        }
    }
}

inline void add_q5_k_high_bits(const uint8_t qh[QK_K / 8], int q[QK_K])
{
    for (int p = 0; p < QK_K / 64; ++p) {
        for (int l = 0; l < 32; ++l) {
            q[64 * p + l] |= ((qh[l] >> (2 * p)) & 1) << 4;
            q[64 * p + 32 + l] |= ((qh[l] >> (2 * p + 1)) & 1) << 4;
        }
    }
}

inline void pack_q4_k_codes(const int q[QK_K], uint8_t qs[QK_K / 2])
{
    for (int p = 0; p < QK_K / 64; ++p)
        for (int l = 0; l < 32; ++l)
            qs[32 * p + l] = uint8_t((q[64 * p + l] & 0x0F) | (q[64 * p + 32 + l] & 0x0F) << 4);
}

inline void pack_q5_k_high_bits(const int q[QK_K], uint8_t qh[QK_K / 8])
{
    for (int l = 0; l < 32; ++l) {
        int h = 0;
        for (int p = 0; p < QK_K / 64; ++p) {
            h |= ((q[64 * p + l] >> 4) & 1) << (2 * p);
            h |= ((q[64 * p + 32 + l] >> 4) & 1) << (2 * p + 1);
        }
        qh[l] = uint8_t(h);
    }
}

// Q6_K: two halves of 128 elements; half c uses ql[64c .. 64c+63], qh[32c .. 32c+31].
// Element 128c + 32k + l (k = 0..3, l = 0..31): low 4 bits from ql[64c + l + 32*(k&1)]
// (low nibble for k < 2, high nibble for k >= 2), high 2 bits = bits 2k..2k+1 of qh[32c + l].
// Codes are 0..63 with an implicit -32; scale s of element e is scales[e / 16].
inline void unpack_q6_k_codes(const BlockQ6_K& b, int q[QK_K])
{
    for (int c = 0; c < 2; ++c) {
        for (int k = 0; k < 4; ++k) {
            for (int l = 0; l < 32; ++l) {
                const uint8_t lo_byte = b.ql[64 * c + l + 32 * (k & 1)];
                const int lo = k < 2 ? (lo_byte & 0x0F) : (lo_byte >> 4);
                const int hi = (b.qh[32 * c + l] >> (2 * k)) & 3;
                q[128 * c + 32 * k + l] = (lo | hi << 4) - 32;
            }
        }
    }
}

// q in [-32, 31].
inline void pack_q6_k_codes(const int q[QK_K], BlockQ6_K& b)
{
    std::memset(b.ql, 0, sizeof(b.ql));
    std::memset(b.qh, 0, sizeof(b.qh));
    for (int c = 0; c < 2; ++c) {
        for (int k = 0; k < 4; ++k) {
            for (int l = 0; l < 32; ++l) {
                const int u = q[128 * c + 32 * k + l] + 32;
                uint8_t& lo_byte = b.ql[64 * c + l + 32 * (k & 1)];
                lo_byte = uint8_t(lo_byte | (u & 0x0F) << (k < 2 ? 0 : 4));
                b.qh[32 * c + l] = uint8_t(b.qh[32 * c + l] | ((u >> 4) & 3) << (2 * k));
            }
        }
    }
}

// ---- 2- and 3-bit K-quants: element 128n + 32j + l (n = 0..1, j = 0..3, l = 0..31) has its
// low 2 bits at bits 2j..2j+1 of qs[32n + l]; its scale is that of sub-block e / 16.
inline void unpack_q2_k_codes(const uint8_t qs[QK_K / 4], int q[QK_K])
{
    for (int n = 0; n < 2; ++n)
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l)
                q[128 * n + 32 * j + l] = (qs[32 * n + l] >> (2 * j)) & 3;
}

// Q3_K: the third bit of element 128n + 32j + l is bit 4n + j of hmask[l]; a clear bit means
// "minus 4", so codes are in [-4, 3].
inline void unpack_q3_k_codes(const BlockQ3_K& b, int q[QK_K])
{
    unpack_q2_k_codes(b.qs, q);
    for (int n = 0; n < 2; ++n)
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l)
                if (((b.hmask[l] >> (4 * n + j)) & 1) == 0)
                    q[128 * n + 32 * j + l] -= 4;
}

// Q3_K's 16 scales, 6 bits each with an implicit -32 (result in [-32, 31]): low 4 bits of scale
// s in scales[s] (s < 8, low nibble) or scales[s - 8] (high nibble); high 2 bits at bits
// 2*(s/4)..+1 of scales[8 + s%4].
inline void unpack_scales_q3_k(const uint8_t s[12], int sc[16])
{
    for (int i = 0; i < 16; ++i) {
        const int lo = i < 8 ? (s[i] & 0x0F) : (s[i - 8] >> 4);
        const int hi = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
        sc[i] = (lo | hi << 4) - 32;
    }
}

// IQ4_NL / IQ4_XS: 32 codes in 16 bytes (as Q4_0's nibbles), mapped through k_iq4nl_values.
inline void unpack_iq4_values(const uint8_t qs[QK / 2], int v[QK])
{
    for (int j = 0; j < QK / 2; ++j) {
        v[j] = k_iq4nl_values[qs[j] & 0x0F];
        v[j + QK / 2] = k_iq4nl_values[qs[j] >> 4];
    }
}

// IQ4_XS sub-block ib (elements 32ib .. 32ib+31, codes in qs[16ib ..]): 6-bit scale minus 32.
inline int iq4_xs_scale(const BlockIQ4_XS& b, int ib)
{
    const int lo = (b.scales_l[ib / 2] >> (4 * (ib % 2))) & 0x0F;
    const int hi = (b.scales_h >> (2 * ib)) & 3;
    return (lo | hi << 4) - 32;
}

}   // namespace causerie::kernels::blocks
