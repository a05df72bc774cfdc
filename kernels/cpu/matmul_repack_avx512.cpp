// Q4_0 / Q4_1 / Q5_0 / Q5_1 / Q8_0 / IQ4_NL / Q4_K / Q5_K / Q6_K / Q2_K / Q3_K / IQ4_XS products on the
// repacked layout (repack_cpu.h)
// with 512-bit AVX-512 VNNI (the K-quants further down follow the same scheme per 32-element sub-block).
// Compiled with -mavx512f/bw/vl/vnni (this file only) and entered only when
// cpu_features().avx512_vnni, so the binary still runs on any x86-64. No std templates here (see
// matmul_avx2.cpp: the linker could pick an AVX-512 instantiation for a scalar caller).
//
// One tile = 16 rows (one group) x NT tokens (NT <= 8). Per 32-element block the group's codes
// are 8 vectors of u8 (Q4_0: 4 loads, split into nibbles), and each token adds
// 8 vpdpbusd (weights u8 x 4 broadcast activation bytes) into one i32 per row. Unsigned weight
// codes u = q + off (off 8 for Q4_0, 128 for Q8_0) are corrected exactly through the token's
// -off * sum(y) of the block, which seeds the accumulator. The exact integer then goes through
// the reference's float operations in the reference's order, so every output equals
// vec_dot_ref's bit for bit, for any NT.
#include "repack_cpu.h"

#include "quant_blocks_ref.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>

#if !defined(__AVX512VNNI__) || !defined(__AVX512BW__) || !defined(__AVX512VL__)
namespace causerie::kernels::avx512 {
bool supports_repacked(TensorType) { return false; }
void matmul_repacked(TensorType, const uint8_t*, int64_t, int64_t, int64_t, int64_t, const uint8_t*, size_t, int64_t,
                     float*, int64_t)
{
}
}   // namespace causerie::kernels::avx512
#else
// GCC 12 reports its own _mm512_undefined_ps() inside the conversion intrinsics as
// maybe-uninitialized (a false positive: the masked form with a full mask ignores it).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace causerie::kernels::avx512 {
namespace {

using namespace blocks;

#include "repack_kernel_common.h"

constexpr int kMaxTile = 8;           // tokens per tile: 8 code + 8 accumulator vectors
constexpr int64_t kScratch = 16384;   // per-token block scales that fit the stack scratch

inline float as_float(int32_t bits)
{
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

constexpr int64_t kPrefetchRecords = 1;   // records ahead (see prefetch_record_part)

// K: a Kind (repack_kernel_common.h); IQ4_NL is Q4_0's nibbles looked up in the grid, then Q8_0's
// unsigned codes.

// k_iq4nl_values + 128 (in [1, 241]: unsigned for vpdpbusd, the offset corrected like Q8_0's) in
// each 128-bit lane, for vpshufb by 4-bit code.
inline __m512i iq4_table_u8()
{
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k_iq4nl_values));
    // (the masked form: GCC 12 warns about the unmasked one's undefined source)
    return _mm512_mask_broadcast_i32x4(_mm512_setzero_si512(), 0xFFFF, _mm_xor_si128(v, _mm_set1_epi8(char(0x80))));
}

// Bit 4 of the codes of nibble vector k from a vector of Q5 high bits (repack_cpu.h): the bit
// at 2k (low nibbles, s = 4 - 2k) or 2k + 1 (high nibbles, s = 3 - 2k) shifted to bit 4. A 16-bit
// shift by |s| <= 4 brings into bit 4 of each byte only bits of that same byte.
inline __m512i q5_bit4(__m512i hb, int s)
{
    const __m512i v = s >= 0 ? _mm512_slli_epi16(hb, unsigned(s)) : _mm512_srli_epi16(hb, unsigned(-s));
    return _mm512_and_si512(v, _mm512_set1_epi8(0x10));
}

// Q4_0 / Q5_0: float(sumi) * d_w * d_x; Q8_0: float(sumi) * (d_w * d_x); Q4_1 / Q5_1 (codes as
// Q4_0's / Q5_0's, against Q8_1): (d_w * d_x) * float(sumi) + m_w * s_x, with s_x's bits in xc
// (matmul_ref.cpp's orders).
template <int NT, int K>
void tile(const uint8_t* g, int64_t nb, const uint8_t* const* x, const float* const* xd, const int32_t* const* xc,
          float (*out)[16])
{
    constexpr bool Q4 = K != kQ8_0;   // nibble codes (and Q5's high bits)
    constexpr bool IQ = K == kIQ4_NL;
    constexpr bool Q5 = K == kQ5_0 || K == kQ5_1;
    constexpr bool Q41 = K == kQ4_1 || K == kQ5_1;
    constexpr size_t cbytes = Q5 ? 320 : Q4 ? 256 : 512;
    constexpr size_t sbytes = Q41 ? 64 : 32;
    constexpr size_t xbytes = Q41 ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
    constexpr size_t xq = Q41 ? offsetof(BlockQ8_1, qs) : offsetof(BlockQ8_0, qs);
    constexpr size_t rbytes = kRepackQ0RecordBlocks * (sbytes + cbytes);
    __m512 acc[NT];
    for (int t = 0; t < NT; ++t)
        acc[t] = _mm512_setzero_ps();
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i grid = iq4_table_u8();
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* rec = g + size_t(i / kRepackQ0RecordBlocks) * rbytes;
        const int j = int(i % kRepackQ0RecordBlocks);
        const uint8_t* p = rec + sbytes * kRepackQ0RecordBlocks + size_t(j) * cbytes;
        if constexpr (NT == 1)
            prefetch_record_part(rec + rbytes, rbytes, j, kRepackQ0RecordBlocks);
        __m512i c[8];
        if constexpr (Q5) {
            const __m512i hb = _mm512_load_si512(p + 256);
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const __m512i v = _mm512_load_si512(p + 64 * k);
                c[k] = _mm512_or_si512(_mm512_and_si512(v, low4), q5_bit4(hb, 4 - 2 * k));
                c[k + 4] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(v, 4), low4), q5_bit4(hb, 3 - 2 * k));
            }
        } else if constexpr (Q4) {
#pragma GCC unroll 8
            for (int k = 0; k < 4; ++k) {
                const __m512i v = _mm512_load_si512(p + 64 * k);
                c[k] = _mm512_and_si512(v, low4);
                c[k + 4] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
                if constexpr (IQ) {
                    c[k] = _mm512_shuffle_epi8(grid, c[k]);
                    c[k + 4] = _mm512_shuffle_epi8(grid, c[k + 4]);
                }
            }
        } else {
#pragma GCC unroll 8
            for (int k = 0; k < 8; ++k)
                c[k] = _mm512_load_si512(p + 64 * k);
        }
        const __m512 dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(rec + 32 * j)));
        __m512 mw = _mm512_setzero_ps();
        if constexpr (Q41)
            mw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(rec + 128 + 32 * j)));
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) {
            const uint8_t* y = x[t] + size_t(i) * xbytes + xq;
            // two chains of 4 (exact integers: the split does not change the sum)
            __m512i s0 = Q41 ? _mm512_setzero_si512() : _mm512_set1_epi32(xc[t][i]);
            __m512i s1 = _mm512_setzero_si512();
#pragma GCC unroll 8
            for (int k = 0; k < 8; k += 2) {
                s0 = _mm512_dpbusd_epi32(s0, c[k], _mm512_set1_epi32(load_i32(y + 4 * k)));
                s1 = _mm512_dpbusd_epi32(s1, c[k + 1], _mm512_set1_epi32(load_i32(y + 4 * k + 4)));
            }
            const __m512 f = _mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1));
            const __m512 dx = _mm512_set1_ps(xd[t][i]);
            if constexpr (Q41)
                acc[t] = _mm512_add_ps(acc[t], _mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(dw, dx), f),
                                                             _mm512_mul_ps(mw, _mm512_set1_ps(as_float(xc[t][i])))));
            else if constexpr (Q4 && !IQ)
                acc[t] = _mm512_add_ps(acc[t], _mm512_mul_ps(_mm512_mul_ps(f, dw), dx));
            else   // Q8_0; IQ4_NL's (d_w * d_x) * float(sumi) is the same product
                acc[t] = _mm512_add_ps(acc[t], _mm512_mul_ps(f, _mm512_mul_ps(dw, dx)));
        }
    }
    for (int t = 0; t < NT; ++t)
        _mm512_storeu_ps(out[t], acc[t]);
}

using TileFn = void (*)(const uint8_t*, int64_t, const uint8_t* const*, const float* const*, const int32_t* const*,
                        float (*)[16]);

template <int K>
TileFn tile_for(int nt)
{
    switch (nt) {
    case 1: return tile<1, K>;
    case 2: return tile<2, K>;
    case 3: return tile<3, K>;
    case 4: return tile<4, K>;
    case 5: return tile<5, K>;
    case 6: return tile<6, K>;
    case 7: return tile<7, K>;
    default: return tile<8, K>;
    }
}

// The walk both families share: row groups of [row_begin, row_end) panel by panel (a panel stays
// in cache across the slice's token tiles), tokens [s0, s1) in tiles of at most MaxTile. Per
// token: its activation row in xb, nb block scales in xd_all and side_stride prepared integers
// in side_all (both indexed from s0). A tile's 16 outputs per token are copied to y (ldy floats
// per token), the last group's to its real rows only.
template <int MaxTile>
void walk_tiles(TileFn (*tile)(int), const uint8_t* packed, size_t gbytes, int64_t nb, const uint8_t* xb,
                size_t x_row_bytes, const float* xd_all, const int32_t* side_all, int64_t side_stride, int64_t s0,
                int64_t s1, int64_t row_begin, int64_t row_end, int64_t panel, float* y, int64_t ldy)
{
    for (int64_t p0 = row_begin; p0 < row_end; p0 += panel) {
        const int64_t p1 = min_i64(row_end, p0 + panel);
        for (int64_t t0 = s0; t0 < s1; t0 += MaxTile) {
            const int nt = int(min_i64(MaxTile, s1 - t0));
            const uint8_t* xp[MaxTile];
            const float* xdp[MaxTile];
            const int32_t* sp[MaxTile];
            for (int t = 0; t < nt; ++t) {
                xp[t] = xb + size_t(t0 + t) * x_row_bytes;
                xdp[t] = xd_all + (t0 + t - s0) * nb;
                sp[t] = side_all + (t0 + t - s0) * side_stride;
            }
            const TileFn fn = tile(nt);
            for (int64_t r0 = p0; r0 < p1; r0 += kRepackRows) {
                alignas(64) float out[MaxTile][16];
                fn(packed + size_t(r0 / kRepackRows) * gbytes, nb, xp, xdp, sp, out);
                const int nrows = int(min_i64(kRepackRows, p1 - r0));
                for (int t = 0; t < nt; ++t)
                    std::memcpy(y + (t0 + t) * ldy + r0, out[t], size_t(nrows) * sizeof(float));
            }
        }
    }
}

// -off * sum of the 32 codes of a Q8_0 block (the correction for unsigned weight codes).
inline int32_t block_correction(const uint8_t* y, int32_t off)
{
    const __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(1),
                                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y)));
    __m128i v = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x4E));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0xB1));
    return -off * _mm_cvtsi128_si32(v);
}

template <int K>
void run(const uint8_t* packed, int64_t cols, int64_t row_begin, int64_t row_end, int64_t rows, const uint8_t* xb,
         size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy)
{
    constexpr bool Q41 = K == kQ4_1 || K == kQ5_1;
    constexpr int32_t off = K == kQ4_0 ? 8 : K == kQ5_0 ? 16 : 128;
    constexpr size_t cbytes = K == kQ5_0 || K == kQ5_1 ? 320 : K != kQ8_0 ? 256 : 512;
    constexpr size_t sbytes = Q41 ? 64 : 32;
    constexpr size_t xbytes = Q41 ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
    const int64_t nb = cols / QK;
    const size_t gbytes = size_t((nb + kRepackQ0RecordBlocks - 1) / kRepackQ0RecordBlocks) *
                          size_t(kRepackQ0RecordBlocks) * (sbytes + cbytes);
    row_end = min_i64(row_end, rows);
    // Block scales (float) and offset corrections (i32) of every token, computed once per call.
    // Without memory for them, the call runs in slices of 32 tokens on stack scratch.
    alignas(64) float xd_stack[32 * 512];
    alignas(64) int32_t xc_stack[32 * 512];
    float* xd_all = xd_stack;
    int32_t* xc_all = xc_stack;
    int64_t slice = n_tokens;
    if (n_tokens * nb > 32 * 512) {
        auto* heap = static_cast<uint8_t*>(t_scratch.get(size_t(n_tokens * nb) * 8));
        if (heap) {
            xd_all = reinterpret_cast<float*>(heap);
            xc_all = reinterpret_cast<int32_t*>(heap + size_t(n_tokens * nb) * 4);
        } else {
            slice = (32 * 512) / nb;   // repack_available: nb <= 16384, so at least 1
        }
    }
    const int64_t panel = panel_groups(gbytes) * kRepackRows;
    for (int64_t s0 = 0; s0 < n_tokens; s0 += slice) {
        const int64_t s1 = min_i64(n_tokens, s0 + slice);
        for (int64_t t = s0; t < s1; ++t) {
            const uint8_t* xr = xb + size_t(t) * x_row_bytes;
            float* xd = xd_all + (t - s0) * nb;
            int32_t* xc = xc_all + (t - s0) * nb;
            for (int64_t i = 0; i < nb; ++i) {
                const uint8_t* bx = xr + size_t(i) * xbytes;
                xd[i] = half(bx);
                if constexpr (Q41) {
                    const float sx = half(bx + offsetof(BlockQ8_1, s));
                    std::memcpy(&xc[i], &sx, 4);
                } else {
                    xc[i] = block_correction(bx + 2, off);
                }
            }
        }
        walk_tiles<kMaxTile>(&tile_for<K>, packed, gbytes, nb, xb, x_row_bytes, xd_all, xc_all, nb, s0, s1, row_begin,
                             row_end, panel, y, ldy);
    }
}

// ---- K-quants: 256-element super-blocks against Q8_K ------------------------------------------
// Per token and super-block the kernels read the Q8_K scale d (xd) and 16 prepared integers (xs):
// Q4_K: the 8 sub-block sums of the activation codes as 4 pairs of i16 (for vpdpwssd with the
// mins); Q6_K: -32 * bsums[j] (the offset of its unsigned 6-bit codes, per 16 elements).

constexpr size_t kQ8KBytes = sizeof(BlockQ8_K);
constexpr size_t kQ8KQs = offsetof(BlockQ8_K, qs);
constexpr size_t kQ8KBsums = offsetof(BlockQ8_K, bsums);
constexpr int kMaxTileK = 6;   // 6 i32 + 6 float accumulators + 8 code vectors fit the 32 registers

inline __m512i bcast4(const uint8_t* p) { return _mm512_set1_epi32(load_i32(p)); }

// Q4_K / Q5_K: d * sumi - dmin * summ per super-block with d = d_w * d_x, dmin = dmin_w * d_x,
// sumi = sum_s sc_s * dot_s, summ = sum_s m_s * ysum_s (matmul_ref.cpp's dot_k_with_mins).
// Bytes (Q4_K / Q5_K batches): a panel decoded to bytes (kRepackKBytesSuper per super-block).
template <int NT, bool Q5, bool Bytes = false>
void tile_q4_k(const uint8_t* g, int64_t nb, const uint8_t* const* x, const float* const* xd, const int32_t* const* xs,
               float (*out)[16])
{
    constexpr size_t kSuper = Bytes ? kRepackKBytesSuper : Q5 ? kRepackQ5KSuper : kRepackQ4KSuper;
    __m512 acc[NT];
    for (int t = 0; t < NT; ++t)
        acc[t] = _mm512_setzero_ps();
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* b = g + size_t(i) * kSuper;
        const uint8_t* codes = b + 320;
        __m512i sumi[NT];
        for (int t = 0; t < NT; ++t)
            sumi[t] = _mm512_setzero_si512();
        for (int s = 0; s < 8; ++s) {
            const uint8_t* v = codes + 512 * (s / 2);
            if constexpr (NT == 1)
                prefetch_record_part(b + kPrefetchRecords * kSuper, kSuper, s);
            __m512i c[8];
#pragma GCC unroll 8
            for (int k = 0; k < 8; ++k) {
                const __m512i q = _mm512_load_si512(Bytes ? b + 320 + 512 * s + 64 * k : v + 64 * k);
                c[k] = Bytes ? q : _mm512_and_si512(s % 2 ? _mm512_srli_epi16(q, 4) : q, low4);
            }
            if constexpr (Q5 && !Bytes) {
                const uint8_t* h = b + kRepackQ4KSuper + 64 * 2 * (s / 2);
                const __m512i h0 = _mm512_load_si512(h), h1 = _mm512_load_si512(h + 64);
#pragma GCC unroll 8
                for (int k = 0; k < 8; ++k)
                    c[k] = _mm512_or_si512(c[k], q5_bit4(k < 4 ? h0 : h1, 4 - 2 * (k % 4) - s % 2));
            }
            const __m512i sc = _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(b + 64 + 16 * s)));
#pragma GCC unroll 6
            for (int t = 0; t < NT; ++t) {
                const uint8_t* y = x[t] + size_t(i) * kQ8KBytes + kQ8KQs + 32 * s;
                __m512i d0 = _mm512_setzero_si512(), d1 = _mm512_setzero_si512();
#pragma GCC unroll 8
                for (int k = 0; k < 8; k += 2) {
                    d0 = _mm512_dpbusd_epi32(d0, c[k], bcast4(y + 4 * k));
                    d1 = _mm512_dpbusd_epi32(d1, c[k + 1], bcast4(y + 4 * k + 4));
                }
                sumi[t] = _mm512_add_epi32(sumi[t], _mm512_mullo_epi32(_mm512_add_epi32(d0, d1), sc));
            }
        }
        const __m512 dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(b)));
        const __m512 dmw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(b + 32)));
        for (int t = 0; t < NT; ++t) {
            __m512i summ = _mm512_setzero_si512();
            for (int p = 0; p < 4; ++p) {
                const __m256i m8 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 192 + 32 * p));
                const __m512i m = _mm512_cvtepu8_epi16(m8);
                summ = _mm512_dpwssd_epi32(summ, m, _mm512_set1_epi32(xs[t][16 * i + p]));
            }
            const __m512 dx = _mm512_set1_ps(xd[t][i]);
            const __m512 d = _mm512_mul_ps(dw, dx);
            const __m512 dmin = _mm512_mul_ps(dmw, dx);
            acc[t] = _mm512_add_ps(acc[t], _mm512_sub_ps(_mm512_mul_ps(d, _mm512_cvtepi32_ps(sumi[t])),
                                                         _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(summ))));
        }
    }
    for (int t = 0; t < NT; ++t)
        _mm512_storeu_ps(out[t], acc[t]);
}

// Q6_K codes u = q + 32 of sub-block s of the 16 rows (c[k]: elements [4k, 4k+4)) from the packed
// layout (repack_cpu.h): the nibbles (shifted down for an odd sub-block) with bits 4-5 from the
// plane vector of (s % 2, k / 4), its field k % 4 moved up by a 16-bit shift (within each byte
// for the bits kept).
inline void q6_codes(const uint8_t* b, int s, __m512i* c)
{
    const uint8_t* nib = b + 320 + 512 * (s / 2);
    const uint8_t* pl = b + kRepackQ6KPlanes + 256 * (s / 2) + 128 * (s % 2);
    const __m512i h0 = _mm512_load_si512(pl), h1 = _mm512_load_si512(pl + 64);
    const __m512i low4 = _mm512_set1_epi8(0x0F), bits45 = _mm512_set1_epi8(0x30);
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
        const __m512i q = _mm512_load_si512(nib + 64 * k);
        const __m512i h = k < 4 ? h0 : h1;
        const int sh = 4 - 2 * (k % 4);
        const __m512i hs = sh > 0   ? _mm512_slli_epi16(h, unsigned(sh))
                           : sh < 0 ? _mm512_srli_epi16(h, unsigned(-sh))
                                    : h;
        // the callers' sub-block loops are not unrolled: a shift by count
        c[k] = _mm512_or_si512(_mm512_and_si512(_mm512_srl_epi16(q, _mm_cvtsi32_si128(4 * (s % 2))), low4),
                               _mm512_and_si512(hs, bits45));
    }
}

// Q6_K: (d_w * d_x) * sumi per super-block, sumi = sum over 16-element groups j of
// sc_j * (sum u y - 32 bsum_j) (matmul_ref.cpp's dot_q6_k_q8_k). Packed: the 6-bit layout in
// memory (one token streams it); else the panel decoded to bytes (kRepackKBytesSuper).
template <int NT, bool Packed>
void tile_q6_k(const uint8_t* g, int64_t nb, const uint8_t* const* x, const float* const* xd, const int32_t* const* xs,
               float (*out)[16])
{
    constexpr size_t kSuper = Packed ? kRepackQ6KSuper : kRepackKBytesSuper;
    __m512 acc[NT];
    for (int t = 0; t < NT; ++t)
        acc[t] = _mm512_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* b = g + size_t(i) * kSuper;
        __m512i sumi[NT];
        for (int t = 0; t < NT; ++t)
            sumi[t] = _mm512_setzero_si512();
        for (int s = 0; s < 8; ++s) {
            if constexpr (NT == 1)
                prefetch_record_part(b + kPrefetchRecords * kSuper, kSuper, s);
            __m512i c[8];
            if constexpr (Packed) {
                q6_codes(b, s, c);
            } else {
#pragma GCC unroll 8
                for (int k = 0; k < 8; ++k)
                    c[k] = _mm512_load_si512(b + 320 + 512 * s + 64 * k);
            }
            const int j = 2 * s;   // first 16-element group of this sub-block
            const __m512i sca = _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(b + 64 + 16 * j)));
            const __m512i scb =
                _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(b + 64 + 16 * (j + 1))));
#pragma GCC unroll 6
            for (int t = 0; t < NT; ++t) {
                const uint8_t* y = x[t] + size_t(i) * kQ8KBytes + kQ8KQs + 32 * s;
                __m512i da = _mm512_set1_epi32(xs[t][16 * i + j]);
                __m512i db = _mm512_set1_epi32(xs[t][16 * i + j + 1]);
#pragma GCC unroll 8
                for (int k = 0; k < 4; ++k) {
                    da = _mm512_dpbusd_epi32(da, c[k], bcast4(y + 4 * k));
                    db = _mm512_dpbusd_epi32(db, c[k + 4], bcast4(y + 16 + 4 * k));
                }
                sumi[t] = _mm512_add_epi32(sumi[t],
                                           _mm512_add_epi32(_mm512_mullo_epi32(da, sca), _mm512_mullo_epi32(db, scb)));
            }
        }
        const __m512 dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(b)));
        for (int t = 0; t < NT; ++t)
            acc[t] = _mm512_add_ps(
                acc[t], _mm512_mul_ps(_mm512_mul_ps(dw, _mm512_set1_ps(xd[t][i])), _mm512_cvtepi32_ps(sumi[t])));
    }
    for (int t = 0; t < NT; ++t)
        _mm512_storeu_ps(out[t], acc[t]);
}

// The 8 code vectors of sub-block s of a packed Q5_K record (as tile_q4_k computes them).
inline void q5k_codes(const uint8_t* b, int s, __m512i* c)
{
    const uint8_t* v = b + 320 + 512 * (s / 2);
    const uint8_t* h = b + kRepackQ4KSuper + 64 * 2 * (s / 2);
    const __m512i h0 = _mm512_load_si512(h), h1 = _mm512_load_si512(h + 64);
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
        const __m512i q = _mm512_load_si512(v + 64 * k);
        c[k] = _mm512_or_si512(_mm512_and_si512(s % 2 ? _mm512_srli_epi16(q, 4) : q, _mm512_set1_epi8(0x0F)),
                               q5_bit4(k < 4 ? h0 : h1, 4 - 2 * (k % 4) - s % 2));
    }
}

// Sub-block s of a packed Q4_K / Q5_K / Q6_K record as bytes (decode_k_groups); Q4_K: the
// nibbles of the shared code vectors (shifted down for an odd sub-block).
template <int KK>
void decode_k_sub_block(const uint8_t* b, int s, uint8_t* out)
{
    __m512i c[8];
    if (KK == kQ6K) {
        q6_codes(b, s, c);
    } else if (KK == kQ5K) {
        q5k_codes(b, s, c);
    } else {
        for (int k = 0; k < 8; ++k)
            c[k] = _mm512_and_si512(_mm512_srli_epi16(_mm512_load_si512(b + 320 + 512 * (s / 2) + 64 * k), 4 * (s % 2)),
                                    _mm512_set1_epi8(0x0F));
    }
    for (int k = 0; k < 8; ++k)
        _mm512_store_si512(out + 64 * k, c[k]);
}

// Q2_K / Q3_K / IQ4_XS (LB: kQ2K, kQ3K, kIQ4XS), per super-block and step s of 32 elements: 8 code vectors
// c[k] = elements [4k, 4k+4) of the step for the 16 rows, each token's two 16-element dots (Q2_K,
// Q3_K: sub-blocks 2s, 2s+1) or one 32-element dot (IQ4_XS: sub-block s) times its scale. Q3_K's
// codes are u = q + 4 and IQ4_XS's v + 128, both corrected by a seed in xs (-4 bsum_j, -128
// (bsum_2s + bsum_2s+1)). Then Q2_K: d * sumi - dmin * summ with the mins (as Q4_K); Q3_K, IQ4_XS:
// (d_w * d_x) * sumi (matmul_ref.cpp's dot_q2_k_q8_k, dot_q3_k_q8_k, dot_iq4_xs_q8_k).

// Bit `from` of each byte moved to bit `to` (|from - to| <= 7 stays within the byte), others cleared.
inline __m512i bit_to(__m512i v, int from, int to)
{
    const __m512i m =
        from >= to ? _mm512_srli_epi16(v, unsigned(from - to)) : _mm512_slli_epi16(v, unsigned(to - from));
    return _mm512_and_si512(m, _mm512_set1_epi8(char(1 << to)));
}

template <int LB>
inline void lowbit_codes(const uint8_t* b, int s, __m512i grid, __m512i* c)
{
    if constexpr (LB == kIQ4XS) {
        const uint8_t* v = b + 192 + 256 * s;
        const __m512i low4 = _mm512_set1_epi8(0x0F);
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            const __m512i q = _mm512_load_si512(v + 64 * k);
            c[k] = _mm512_shuffle_epi8(grid, _mm512_and_si512(q, low4));
            c[k + 4] = _mm512_shuffle_epi8(grid, _mm512_and_si512(_mm512_srli_epi16(q, 4), low4));
        }
    } else {
        // sub-blocks 2s, 2s+1: planes 4G..4G+3 (G = s / 2) at shifts j0 = 2 (s % 2) and j0 + 1
        const uint8_t* v = b + 320 + 256 * (s / 2);
        const int j0 = 2 * (s % 2);
        const __m512i three = _mm512_set1_epi8(3);
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            const __m512i q = _mm512_load_si512(v + 64 * k);
            c[k] = _mm512_and_si512(_mm512_srli_epi16(q, unsigned(2 * j0)), three);
            c[k + 4] = _mm512_and_si512(_mm512_srli_epi16(q, unsigned(2 * j0 + 2)), three);
        }
        if constexpr (LB == kQ3K) {
            // plane m = 4G + k: high bits at vector 2G + k / 2, bit 4 (k % 2) + j
            const uint8_t* h = b + 1344 + 128 * (s / 2);
            const __m512i h0 = _mm512_load_si512(h), h1 = _mm512_load_si512(h + 64);
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const __m512i hv = k < 2 ? h0 : h1;
                c[k] = _mm512_or_si512(c[k], bit_to(hv, 4 * (k % 2) + j0, 2));
                c[k + 4] = _mm512_or_si512(c[k + 4], bit_to(hv, 4 * (k % 2) + j0 + 1, 2));
            }
        }
    }
}

// vpshufb control giving each i32 lane (within its 128-bit lane: bytes 4j..4j+3) the i16 at its
// byte O in both halves (O = 0: the zero-extended first scale byte of a Q2_K pair, O = 2: the second).
constexpr int32_t pick16(int j, int o)
{
    return (4 * j + o) | (4 * j + o + 1) << 8 | (4 * j + o) << 16 | (4 * j + o + 1) << 24;
}
template <int O>
inline __m512i q2_pick_ctrl()
{
    return _mm512_setr_epi32(pick16(0, O), pick16(1, O), pick16(2, O), pick16(3, O), pick16(0, O), pick16(1, O),
                             pick16(2, O), pick16(3, O), pick16(0, O), pick16(1, O), pick16(2, O), pick16(3, O),
                             pick16(0, O), pick16(1, O), pick16(2, O), pick16(3, O));
}

template <int NT, int LB>
void tile_lowbit(const uint8_t* g, int64_t nb, const uint8_t* const* x, const float* const* xd,
                 const int32_t* const* xs, float (*out)[16])
{
    constexpr size_t kSuper = k_super(LB);
    __m512 acc[NT];
    for (int t = 0; t < NT; ++t)
        acc[t] = _mm512_setzero_ps();
    const __m512i grid = iq4_table_u8();
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* b = g + size_t(i) * kSuper;
        __m512i sumi[NT];
        for (int t = 0; t < NT; ++t)
            sumi[t] = _mm512_setzero_si512();
        for (int s = 0; s < 8; ++s) {
            if constexpr (NT == 1)
                prefetch_record_part(b + kPrefetchRecords * kSuper, kSuper, s);
            __m512i c[8];
            lowbit_codes<LB>(b, s, grid, c);
            if constexpr (LB == kQ2K) {
                // the scale folded into the codes: row r's scale in both i16 halves of its lane
                // (the pair's bytes, scale | min << 4, zero-extended, picked by vpshufb), then
                // vpmullw: (q_lo + 256 q_hi) sc = q_lo sc + 256 q_hi sc with q sc <= 45, so each
                // byte becomes its code times the scale, and one vpdpbusd chain gives sumi
                const __m512i w =
                    _mm512_cvtepu8_epi16(_mm256_load_si256(reinterpret_cast<const __m256i*>(b + 64 + 32 * s)));
                const __m512i low = _mm512_set1_epi16(0x0F);
                const __m512i sca = _mm512_and_si512(_mm512_shuffle_epi8(w, q2_pick_ctrl<0>()), low);
                const __m512i scb = _mm512_and_si512(_mm512_shuffle_epi8(w, q2_pick_ctrl<2>()), low);
#pragma GCC unroll 4
                for (int k = 0; k < 4; ++k) {
                    c[k] = _mm512_mullo_epi16(c[k], sca);
                    c[k + 4] = _mm512_mullo_epi16(c[k + 4], scb);
                }
#pragma GCC unroll 6
                for (int t = 0; t < NT; ++t) {
                    const uint8_t* y = x[t] + size_t(i) * kQ8KBytes + kQ8KQs + 32 * s;
                    __m512i da = sumi[t], db = _mm512_setzero_si512();
#pragma GCC unroll 8
                    for (int k = 0; k < 4; ++k) {
                        da = _mm512_dpbusd_epi32(da, c[k], bcast4(y + 4 * k));
                        db = _mm512_dpbusd_epi32(db, c[k + 4], bcast4(y + 16 + 4 * k));
                    }
                    sumi[t] = _mm512_add_epi32(da, db);
                }
            } else if constexpr (LB == kQ3K) {
                // the two 16-element dots and their seeds are within +-22352 (codes u = q + 4 <= 7,
                // seed -4 bsum): vpdpwssd against the scale in the low i16 half only (high half
                // zero) is sc * dot exactly
                const __m512i lo16 = _mm512_set1_epi32(0xFFFF);
                const __m512i sca = _mm512_and_si512(
                    _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(b + 64 + 32 * s))), lo16);
                const __m512i scb = _mm512_and_si512(
                    _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(b + 80 + 32 * s))), lo16);
#pragma GCC unroll 6
                for (int t = 0; t < NT; ++t) {
                    const uint8_t* y = x[t] + size_t(i) * kQ8KBytes + kQ8KQs + 32 * s;
                    const int32_t* side = xs[t] + 16 * i;
                    __m512i da = _mm512_set1_epi32(side[2 * s]);
                    __m512i db = _mm512_set1_epi32(side[2 * s + 1]);
#pragma GCC unroll 8
                    for (int k = 0; k < 4; ++k) {
                        da = _mm512_dpbusd_epi32(da, c[k], bcast4(y + 4 * k));
                        db = _mm512_dpbusd_epi32(db, c[k + 4], bcast4(y + 16 + 4 * k));
                    }
                    sumi[t] = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(sumi[t], da, sca), db, scb);
                }
            } else {
                const __m512i sca =
                    _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(b + 64 + 16 * s)));
#pragma GCC unroll 6
                for (int t = 0; t < NT; ++t) {
                    const uint8_t* y = x[t] + size_t(i) * kQ8KBytes + kQ8KQs + 32 * s;
                    __m512i da = _mm512_set1_epi32(xs[t][16 * i + s]);
                    __m512i db = _mm512_setzero_si512();
#pragma GCC unroll 8
                    for (int k = 0; k < 4; ++k) {
                        da = _mm512_dpbusd_epi32(da, c[k], bcast4(y + 4 * k));
                        db = _mm512_dpbusd_epi32(db, c[k + 4], bcast4(y + 16 + 4 * k));
                    }
                    sumi[t] = _mm512_add_epi32(sumi[t], _mm512_mullo_epi32(_mm512_add_epi32(da, db), sca));
                }
            }
        }
        const __m512 dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(b)));
        if constexpr (LB == kQ2K) {
            const __m512 dmw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(b + 32)));
            for (int t = 0; t < NT; ++t) {
                __m512i summ = _mm512_setzero_si512();
                for (int p = 0; p < 8; ++p) {   // mins of sub-blocks 2p, 2p+1 as i16 pairs
                    const __m512i m = _mm512_srli_epi16(
                        _mm512_cvtepu8_epi16(_mm256_load_si256(reinterpret_cast<const __m256i*>(b + 64 + 32 * p))), 4);
                    summ = _mm512_dpwssd_epi32(summ, m, _mm512_set1_epi32(xs[t][16 * i + p]));
                }
                const __m512 dx = _mm512_set1_ps(xd[t][i]);
                acc[t] = _mm512_add_ps(acc[t],
                                       _mm512_sub_ps(_mm512_mul_ps(_mm512_mul_ps(dw, dx), _mm512_cvtepi32_ps(sumi[t])),
                                                     _mm512_mul_ps(_mm512_mul_ps(dmw, dx), _mm512_cvtepi32_ps(summ))));
            }
        } else {
            for (int t = 0; t < NT; ++t)
                acc[t] = _mm512_add_ps(
                    acc[t], _mm512_mul_ps(_mm512_mul_ps(dw, _mm512_set1_ps(xd[t][i])), _mm512_cvtepi32_ps(sumi[t])));
        }
    }
    for (int t = 0; t < NT; ++t)
        _mm512_storeu_ps(out[t], acc[t]);
}

using TileKFn = TileFn;   // the same signature: xs in place of the Q4_0/Q8_0 corrections

// KK: 0 Q4_K, 1 Q5_K, 2 Q6_K, 3 Q2_K, 4 Q3_K, 5 IQ4_XS.
template <int KK>
TileKFn tile_k_for(int nt)
{
    constexpr bool Q5 = KK == 1;
    if constexpr (is_lowbit_k(KK)) {
        switch (nt) {
        case 1: return tile_lowbit<1, KK>;
        case 2: return tile_lowbit<2, KK>;
        case 3: return tile_lowbit<3, KK>;
        case 4: return tile_lowbit<4, KK>;
        case 5: return tile_lowbit<5, KK>;
        default: return tile_lowbit<6, KK>;
        }
    }
    switch (nt) {
    case 1: return KK == 2 ? tile_q6_k<1, true> : tile_q4_k<1, Q5>;
    case 2: return KK == 2 ? tile_q6_k<2, true> : tile_q4_k<2, Q5>;
    case 3: return KK == 2 ? tile_q6_k<3, true> : tile_q4_k<3, Q5>;
    case 4: return KK == 2 ? tile_q6_k<4, true> : tile_q4_k<4, Q5>;
    case 5: return KK == 2 ? tile_q6_k<5, true> : tile_q4_k<5, Q5>;
    default: return KK == 2 ? tile_q6_k<6, true> : tile_q4_k<6, Q5>;
    }
}

// Q4_K / Q5_K / Q6_K tiles on a panel decoded to bytes (one tile_q4_k for Q4_K and Q5_K: bytes
// are bytes).
template <int KK>
TileKFn tile_bytes_for(int nt)
{
    constexpr bool Q6 = KK == kQ6K;
    switch (nt) {
    case 1: return Q6 ? tile_q6_k<1, false> : tile_q4_k<1, true, true>;
    case 2: return Q6 ? tile_q6_k<2, false> : tile_q4_k<2, true, true>;
    case 3: return Q6 ? tile_q6_k<3, false> : tile_q4_k<3, true, true>;
    case 4: return Q6 ? tile_q6_k<4, false> : tile_q4_k<4, true, true>;
    case 5: return Q6 ? tile_q6_k<5, false> : tile_q4_k<5, true, true>;
    default: return Q6 ? tile_q6_k<6, false> : tile_q4_k<6, true, true>;
    }
}

thread_local Scratch t_k_panel;   // a panel of Q4_K / Q5_K / Q6_K groups decoded to bytes

// Q4_K / Q5_K / Q6_K batches: each panel of row groups decoded to bytes once (in L2), then walked by
// every tile of tokens; without memory for it, the tiles read the packed codes.
template <int KK>
void walk_decoded(const uint8_t* packed, size_t gbytes, int64_t nb, const uint8_t* xb, size_t x_row_bytes,
                  const float* xd_all, const int32_t* side_all, int64_t s0, int64_t s1, int64_t row_begin,
                  int64_t row_end, float* y, int64_t ldy)
{
    const size_t dbytes = size_t(nb) * kRepackKBytesSuper;
    const int64_t panel = panel_groups(dbytes) * kRepackRows;
    auto* dec = static_cast<uint8_t*>(t_k_panel.get(size_t(panel / kRepackRows) * dbytes));
    if (!dec) {
        walk_tiles<kMaxTileK>(&tile_k_for<KK>, packed, gbytes, nb, xb, x_row_bytes, xd_all, side_all, nb * 16, s0, s1,
                              row_begin, row_end, panel_groups(gbytes) * kRepackRows, y, ldy);
        return;
    }
    for (int64_t p0 = row_begin; p0 < row_end; p0 += panel) {
        const int64_t p1 = min_i64(row_end, p0 + panel);
        decode_k_groups(packed, k_super(KK), nb, p0 / kRepackRows, (p1 + kRepackRows - 1) / kRepackRows, dec,
                        decode_k_sub_block<KK>);
        walk_tiles<kMaxTileK>(&tile_bytes_for<KK>, dec, dbytes, nb, xb, x_row_bytes, xd_all, side_all, nb * 16, s0, s1,
                              0, p1 - p0, p1 - p0, y + p0, ldy);
    }
}

template <int KK>
void run_k(const uint8_t* packed, int64_t cols, int64_t row_begin, int64_t row_end, int64_t rows, const uint8_t* xb,
           size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy)
{
    const int64_t nb = cols / QK_K;
    const size_t gbytes = size_t(nb) * k_super(KK);
    row_end = min_i64(row_end, rows);
    // Per token and super-block: d (float) and 16 prepared integers (see above), computed once
    // per call; without memory for them, slices of tokens on stack scratch.
    alignas(64) float xd_stack[kScratch / 16];
    alignas(64) int32_t xs_stack[kScratch];
    float* xd_all = xd_stack;
    int32_t* xs_all = xs_stack;
    int64_t slice = n_tokens;
    if (n_tokens * nb * 16 > kScratch) {
        auto* heap = static_cast<uint8_t*>(t_scratch.get(size_t(n_tokens * nb) * 17 * 4));
        if (heap) {
            xd_all = reinterpret_cast<float*>(heap);
            xs_all = reinterpret_cast<int32_t*>(heap + size_t(n_tokens * nb) * 4);
        } else {
            slice = kScratch / (16 * nb);   // repack_available: nb <= 1024, so at least 1
        }
    }
    const int64_t panel = panel_groups(gbytes) * kRepackRows;
    for (int64_t s0 = 0; s0 < n_tokens; s0 += slice) {
        const int64_t s1 = min_i64(n_tokens, s0 + slice);
        for (int64_t t = s0; t < s1; ++t) {
            const uint8_t* xr = xb + size_t(t) * x_row_bytes;
            float* xd = xd_all + (t - s0) * nb;
            int32_t* xs = xs_all + (t - s0) * nb * 16;
            for (int64_t i = 0; i < nb; ++i) {
                const uint8_t* bx = xr + size_t(i) * kQ8KBytes;
                std::memcpy(&xd[i], bx, 4);
                int16_t bs[16];
                std::memcpy(bs, bx + kQ8KBsums, sizeof bs);
                k_side_values(KK, bs, false, xs + 16 * i);
            }
        }
        if (k_batch_bytes(KK) && s1 - s0 > 1)
            walk_decoded<KK>(packed, gbytes, nb, xb, x_row_bytes, xd_all, xs_all, s0, s1, row_begin, row_end, y, ldy);
        else
            walk_tiles<kMaxTileK>(&tile_k_for<KK>, packed, gbytes, nb, xb, x_row_bytes, xd_all, xs_all, nb * 16, s0, s1,
                                  row_begin, row_end, panel, y, ldy);
    }
}

}   // namespace

bool supports_repacked(TensorType type) { return repack_kind(type).family >= 0; }

void matmul_repacked(TensorType type, const uint8_t* packed, int64_t cols, int64_t row_begin, int64_t row_end,
                     int64_t rows, const uint8_t* x_conv, size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy)
{
    run_repacked(type, packed, cols, row_begin, row_end, rows, x_conv, x_row_bytes, n_tokens, y, ldy);
}

}   // namespace causerie::kernels::avx512
#endif
