// Q4_0 / Q4_1 / Q5_0 / Q5_1 / Q8_0 / IQ4_NL / Q4_K / Q5_K / Q6_K / Q2_K / Q3_K / IQ4_XS products on the
// repacked layout (repack_cpu.h)
// with 256-bit registers, for CPUs with AVX2 but without AVX-512. The layout is the AVX-512 one: a 64-byte vector of a
// block holds 4 elements of 16 rows, so its lower 32 bytes are 4 elements of rows 0..7 and its upper 32 bytes of
// rows 8..15. A tile works on one or both of those 8-row halves: the 8 i32 lanes of its accumulators are 8 outputs,
// with no horizontal sums.
//
// Built three times from this source (the instruction set per file, see kernels/CMakeLists.txt):
// - avx2r::      AVX2+FMA+F16C: vpmaddubsw (u8 x s8 -> i16 pairs) summed in i16, then vpmaddwd;
// - avx2r_vnni:: + AVX-VNNI (VEX vpdpbusd on 256 bits: Alder Lake and later, Zen 5);
// - avx2r_evex:: + AVX-512 VNNI/VL used on 256-bit registers only (the same products with the
//   EVEX encoding: runs where the CPU has AVX-512 VNNI, which is where the VNNI form is tested).
// Entered only after cpu_features() said the CPU has the instruction set, so the binary still
// runs on any x86-64. No std templates here (see matmul_avx2.cpp).
//
// Every output is the exact integer of each block (u8 codes times s8 activation codes, the
// offset of unsigned codes corrected exactly through the activation block sums) followed by the
// reference's float operations in the reference's order, so results are bit-identical to
// vec_dot_ref, for any number of tokens and on every build of this file.
#include "repack_cpu.h"

#include "quant_blocks_ref.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>

#ifndef CAUSERIE_REPACK_NS
#define CAUSERIE_REPACK_NS avx2r
#endif

#if !defined(__AVX2__) || !defined(__F16C__) || (defined(CAUSERIE_REPACK_VEX_VNNI) && !defined(__AVXVNNI__)) ||        \
    (defined(CAUSERIE_REPACK_EVEX_VNNI) && (!defined(__AVX512VNNI__) || !defined(__AVX512VL__)))
// Not an x86-64 build, or a compiler without the instruction set: never dispatched to.
namespace causerie::kernels::CAUSERIE_REPACK_NS {
bool supports_repacked(TensorType) { return false; }
void matmul_repacked(TensorType, const uint8_t*, int64_t, int64_t, int64_t, int64_t, const uint8_t*, size_t, int64_t,
                     float*, int64_t)
{
}
}   // namespace causerie::kernels::CAUSERIE_REPACK_NS
#else
#include <immintrin.h>

namespace causerie::kernels::CAUSERIE_REPACK_NS {
namespace {

using namespace blocks;

#include "repack_kernel_common.h"

#if defined(CAUSERIE_REPACK_VEX_VNNI) || defined(CAUSERIE_REPACK_EVEX_VNNI)
#define CAUSERIE_REPACK_HAS_VNNI 1
#endif

// acc + sum over groups of 4 of u8 x s8 products (exact, no saturation).
inline __m256i dpbusd(__m256i acc, __m256i u, __m256i s)
{
#if defined(CAUSERIE_REPACK_VEX_VNNI)
    return _mm256_dpbusd_avx_epi32(acc, u, s);
#elif defined(CAUSERIE_REPACK_EVEX_VNNI)
    return _mm256_dpbusd_epi32(acc, u, s);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

inline __m256i bcast4(const uint8_t* p) { return _mm256_set1_epi32(load_i32(p)); }
inline __m256i load32(const uint8_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }

// 8 fp16 scales (16 bytes) as floats.
inline __m256 scales8(const uint8_t* p) { return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(p))); }

// Kinds (repack_kernel_common.h): IQ4_NL is Q4_0's nibbles looked up in the grid as unsigned codes
// v + 128, then Q8_0's.

// k_iq4nl_values (Signed) or + 128 (in [1, 241]) in each 128-bit lane, for vpshufb by 4-bit code.
template <bool Signed>
inline __m256i iq4_table()
{
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k_iq4nl_values));
    return _mm256_broadcastsi128_si256(Signed ? v : _mm_xor_si128(v, _mm_set1_epi8(char(0x80))));
}

constexpr bool is_q5(int k) { return k == kQ5_0 || k == kQ5_1; }
constexpr bool with_min(int k) { return k == kQ4_1 || k == kQ5_1; }

// Bit 4 of the codes of nibble vector k from a vector of Q5 high bits (repack_cpu.h): the bit
// at 2k (low nibbles, s = 4 - 2k) or 2k + 1 (high nibbles, s = 3 - 2k) shifted to bit 4. A 16-bit
// shift by |s| <= 4 brings into bit 4 of each byte only bits of that same byte.
inline __m256i q5_bit4(__m256i hb, int s)
{
    const __m256i v = s >= 0 ? _mm256_slli_epi16(hb, s) : _mm256_srli_epi16(hb, -s);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

// The activations of a call, prepared once per call in tiles of 4 tokens so that a tile kernel
// walks one pointer: per tile and block, 4 x 32 activation codes, then 4 floats d_x, then 4
// prepared 32-bit values: Q4_0 -8 * sum(y), Q8_0 -128 * sum(y) (VNNI builds, unsigned codes; the
// plain build uses signed codes and ignores it), Q4_1 the bits of the float s_x. Tokens past the
// end of the last tile are zeros (never stored).
constexpr int kTileTokens = 4;
constexpr int64_t kMaxBlocks = kRepackAvx2MaxCols / QK;

// Q8_0 on the plain build: the activation codes are prepared split, y = 16 * yh + yl with yl =
// y & 15 in [0, 15] and yh = y >> 4 in [-8, 7] (32 bytes each), so the stored unsigned weight
// codes u = q + 128 go straight into vpmaddubsw with no sign trick: u * yl pairs are <= 7650 and
// non-negative (8 of them <= 61200: exact in an i16 lane biased by -32768), u * yh pairs are
// within +-4080 (8 of them exact in i16). Other kinds (and VNNI builds) keep the 32 codes.
#ifdef CAUSERIE_REPACK_HAS_VNNI
constexpr bool split_q8(int) { return false; }
#else
constexpr bool split_q8(int k) { return k == kQ8_0 || k == kIQ4_NL; }
#endif
constexpr size_t x_code_bytes(int k) { return split_q8(k) ? 64 : 32; }
// Per tile of 4 tokens and block: 4 x the codes, 4 floats d_x, 4 prepared 32-bit values.
constexpr size_t x_block_bytes(int k) { return kTileTokens * (x_code_bytes(k) + 4 + 4); }   // 160 or 288

// Integer dot of one block for 8 rows: c = the 8 code vectors of a half (c[k]: elements
// [4k, 4k+4) for k < 4, [16 + 4(k-4), +4) for k >= 4, see repack_cpu.h), y = the 32 activation
// codes, seed = the exact offset correction.
template <int K>
inline __m256i block_dot(const __m256i* c, const uint8_t* y, __m256i seed)
{
#ifdef CAUSERIE_REPACK_HAS_VNNI
    // two chains of four (exact integers: the split does not change the sum)
    __m256i s0 = seed, s1 = _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int k = 0; k < 4; k += 2) {
        s0 = dpbusd(s0, c[k], bcast4(y + 4 * k));
        s1 = dpbusd(s1, c[k + 1], bcast4(y + 4 * k + 4));
        s0 = dpbusd(s0, c[k + 4], bcast4(y + 16 + 4 * k));
        s1 = dpbusd(s1, c[k + 5], bcast4(y + 16 + 4 * k + 4));
    }
    return _mm256_add_epi32(s0, s1);
#else
    if constexpr (K == kQ8_0 || K == kIQ4_NL) {
        // c holds u = q + 128 (IQ4_NL: v + 128), y the split codes (yl: 32 bytes, then yh); the seed holds
        // -128 * sum(y) + 65536 (the lo lanes' bias: two i16 lanes of -32768 per i32)
        __m256i lo = _mm256_set1_epi16(-32768), hi = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k) {
            const int e = k < 4 ? 4 * k : 16 + 4 * (k - 4);
            lo = _mm256_add_epi16(lo, _mm256_maddubs_epi16(c[k], bcast4(y + e)));
            hi = _mm256_add_epi16(hi, _mm256_maddubs_epi16(c[k], bcast4(y + 32 + e)));
        }
        return _mm256_add_epi32(_mm256_add_epi32(seed, _mm256_madd_epi16(lo, _mm256_set1_epi16(1))),
                                _mm256_madd_epi16(hi, _mm256_set1_epi16(16)));
    } else if constexpr (is_q5(K)) {
        // 5-bit codes (<= 31) x |y| <= 128: a pair is <= 7936, 4 pairs <= 31744: exact in i16
        __m256i a = _mm256_maddubs_epi16(c[0], bcast4(y));
        __m256i b = _mm256_maddubs_epi16(c[4], bcast4(y + 16));
        for (int k = 1; k < 4; ++k) {
            a = _mm256_add_epi16(a, _mm256_maddubs_epi16(c[k], bcast4(y + 4 * k)));
            b = _mm256_add_epi16(b, _mm256_maddubs_epi16(c[k + 4], bcast4(y + 16 + 4 * k)));
        }
        const __m256i one = _mm256_set1_epi16(1);
        return _mm256_add_epi32(_mm256_add_epi32(seed, _mm256_madd_epi16(a, one)), _mm256_madd_epi16(b, one));
    } else {
        // nibbles (<= 15) x |y| <= 127: a pair is <= 3810, 8 pairs <= 30480: the i16 sums are exact
        __m256i a = _mm256_maddubs_epi16(c[0], bcast4(y));
        __m256i b = _mm256_maddubs_epi16(c[4], bcast4(y + 16));
        for (int k = 1; k < 4; ++k) {
            a = _mm256_add_epi16(a, _mm256_maddubs_epi16(c[k], bcast4(y + 4 * k)));
            b = _mm256_add_epi16(b, _mm256_maddubs_epi16(c[k + 4], bcast4(y + 16 + 4 * k)));
        }
        return _mm256_add_epi32(seed, _mm256_madd_epi16(_mm256_add_epi16(a, b), _mm256_set1_epi16(1)));
    }
#endif
}

constexpr int kMaxTile = 8;   // out[][16]: up to 8 tokens

// NH halves (8 rows each, from half h0) x NT tokens of one group g. Q4_0 / Q5_0: float(sumi) *
// d_w * d_x; Q8_0: float(sumi) * (d_w * d_x); Q4_1 / Q5_1: (d_w * d_x) * float(sumi) + m_w * s_x
// (matmul_ref.cpp).
template <int NH, int NT, int K>
void tile(const uint8_t* g, int h0, int64_t nb, const uint8_t* xt, float (*out)[16])
{
    constexpr bool kNib = K != kQ8_0;
    constexpr size_t cbytes = is_q5(K) ? 320 : kNib ? 256 : 512;
    constexpr size_t hbytes = with_min(K) ? 256 : 128;   // fp16 d (and m) of the 4 blocks
    constexpr size_t rbytes = hbytes + kRepackQ0RecordBlocks * cbytes;
    __m256 acc[NH][NT];
    for (int h = 0; h < NH; ++h)
        for (int t = 0; t < NT; ++t)
            acc[h][t] = _mm256_setzero_ps();
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i grid = iq4_table<false>();
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* rec = g + size_t(i / kRepackQ0RecordBlocks) * rbytes;
        const int j = int(i % kRepackQ0RecordBlocks);
        if constexpr (NT == 1)
            prefetch_record_part(rec + rbytes, rbytes, j, kRepackQ0RecordBlocks);
#pragma GCC unroll 2
        for (int hh = 0; hh < NH; ++hh) {
            const int h = h0 + hh;
            const uint8_t* p = rec + hbytes + size_t(j) * cbytes + 32 * size_t(h);
            __m256i c[8];
            if constexpr (is_q5(K)) {
                const __m256i hb = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 256));
#pragma GCC unroll 4
                for (int k = 0; k < 4; ++k) {
                    const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 64 * k));
                    c[k] = _mm256_or_si256(_mm256_and_si256(v, low4), q5_bit4(hb, 4 - 2 * k));
                    c[k + 4] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), low4), q5_bit4(hb, 3 - 2 * k));
                }
            } else if constexpr (kNib) {
#pragma GCC unroll 8
                for (int k = 0; k < 4; ++k) {
                    const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 64 * k));
                    c[k] = _mm256_and_si256(v, low4);
                    c[k + 4] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
                    if constexpr (K == kIQ4_NL) {
                        c[k] = _mm256_shuffle_epi8(grid, c[k]);
                        c[k + 4] = _mm256_shuffle_epi8(grid, c[k + 4]);
                    }
                }
            } else {
                // vector k of the record holds elements [4k, 4k+4); block_dot's order wants
                // elements [4k, +4) in c[k] for k < 4 and [16 + 4(k-4), +4) in c[k] for k >= 4:
                // the same thing. Codes are q + 128, used as they are.
#pragma GCC unroll 8
                for (int k = 0; k < 8; ++k)
                    c[k] = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 64 * k));
            }
            const __m256 dw = scales8(rec + 32 * size_t(j) + 16 * size_t(h));
            __m256 mw = _mm256_setzero_ps();
            if constexpr (with_min(K))
                mw = scales8(rec + 128 + 32 * size_t(j) + 16 * size_t(h));
#pragma GCC unroll 8
            for (int t = 0; t < NT; ++t) {
                constexpr size_t cb = x_code_bytes(K);
                const uint8_t* xi = xt + size_t(i) * x_block_bytes(K);
                const uint8_t* y = xi + cb * t;
                const float* xd = reinterpret_cast<const float*>(xi + cb * kTileTokens);
                __m256i seed = _mm256_setzero_si256();
                if constexpr (!with_min(K))
                    seed = _mm256_set1_epi32(load_i32(xi + (cb + 4) * kTileTokens + 4 * t));
                const __m256i dot = block_dot<K>(c, y, seed);
                const __m256 f = _mm256_cvtepi32_ps(dot);
                const __m256 dx = _mm256_broadcast_ss(xd + t);
                if constexpr (K == kQ4_0 || K == kQ5_0) {
                    acc[hh][t] = _mm256_add_ps(acc[hh][t], _mm256_mul_ps(_mm256_mul_ps(f, dw), dx));
                } else if constexpr (K == kQ8_0 || K == kIQ4_NL) {   // IQ4_NL: (d_w * d_x) * float(sumi)
                    acc[hh][t] = _mm256_add_ps(acc[hh][t], _mm256_mul_ps(f, _mm256_mul_ps(dw, dx)));
                } else {
                    const __m256 sx = _mm256_broadcast_ss(xd + kTileTokens + t);
                    acc[hh][t] = _mm256_add_ps(
                        acc[hh][t], _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(dw, dx), f), _mm256_mul_ps(mw, sx)));
                }
            }
        }
    }
    for (int h = 0; h < NH; ++h)
        for (int t = 0; t < NT; ++t)
            _mm256_storeu_ps(out[t] + 8 * h, acc[h][t]);
}

#ifndef CAUSERIE_REPACK_HAS_VNNI
// Pins v in a register at this point: without it GCC reassociates a chain of i16 adds into a
// tree whose leaves (every product of the block) are live at once, and spills them.
inline void pin(__m256i& v) { asm("" : "+x"(v)); }

// The plain AVX2 form of tile(), code vector outside and tokens inside: each decoded code vector
// meets the NT tokens' broadcast activations at once and its products go to per-token i16 sums,
// so the registers hold NH x NT i16 sums (two chains for Q5 and the split Q8_0 / IQ4_NL codes)
// and NH x NT float sums but only two code vectors, not the block's eight (16 YMM: 8 rows x 4
// tokens without spills). Chains and bounds as block_dot's; the float operations are tile()'s.
template <int NH, int NT, int K>
void tile_i16(const uint8_t* g, int h0, int64_t nb, const uint8_t* xt, float (*out)[16])
{
    constexpr bool kSplit = split_q8(K);
    constexpr bool kTwo = kSplit || is_q5(K);   // a second i16 chain per output vector
    constexpr size_t cbytes = is_q5(K) ? 320 : K != kQ8_0 ? 256 : 512;
    constexpr size_t hbytes = with_min(K) ? 256 : 128;
    constexpr size_t rbytes = hbytes + kRepackQ0RecordBlocks * cbytes;
    constexpr size_t cb = x_code_bytes(K);
    __m256 acc[NH][NT] = {};
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* rec = g + size_t(i / kRepackQ0RecordBlocks) * rbytes;
        const int j = int(i % kRepackQ0RecordBlocks);
        if constexpr (NT == 1)
            prefetch_record_part(rec + rbytes, rbytes, j, kRepackQ0RecordBlocks);
        const uint8_t* xi = xt + size_t(i) * x_block_bytes(K);
        __m256i a[NH][NT], b[NH][NT];
        // the products of code vector c (elements e..e+3 of each row) with every token
        const auto step = [&](int hh, __m256i c, int e, bool first, bool second_chain) __attribute__((always_inline))
        {
#pragma GCC unroll 8
            for (int t = 0; t < NT; ++t) {
                const __m256i p = _mm256_maddubs_epi16(c, bcast4(xi + cb * t + e));
                if constexpr (kSplit) {
                    const __m256i q = _mm256_maddubs_epi16(c, bcast4(xi + cb * t + 32 + e));
                    a[hh][t] = first ? _mm256_add_epi16(p, _mm256_set1_epi16(-32768)) : _mm256_add_epi16(a[hh][t], p);
                    b[hh][t] = first ? q : _mm256_add_epi16(b[hh][t], q);
                    pin(a[hh][t]);
                    pin(b[hh][t]);
                } else if (second_chain) {
                    b[hh][t] = first ? p : _mm256_add_epi16(b[hh][t], p);
                    pin(b[hh][t]);
                } else {
                    a[hh][t] = first ? p : _mm256_add_epi16(a[hh][t], p);
                    pin(a[hh][t]);
                }
            }
        };
#pragma GCC unroll 2
        for (int hh = 0; hh < NH; ++hh) {
            const uint8_t* p = rec + hbytes + size_t(j) * cbytes + 32 * size_t(h0 + hh);
            if constexpr (kSplit) {
                // codes u = q + 128 (IQ4_NL: looked up, v + 128), vector k = elements of block_dot's c[k]
#pragma GCC unroll 4
                for (int k = 0; k < 4; ++k) {
                    __m256i c0, c1;
                    if constexpr (K == kIQ4_NL) {
                        const __m256i grid = iq4_table<false>(), low4 = _mm256_set1_epi8(0x0F);
                        const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 64 * k));
                        c0 = _mm256_shuffle_epi8(grid, _mm256_and_si256(v, low4));
                        c1 = _mm256_shuffle_epi8(grid, _mm256_and_si256(_mm256_srli_epi16(v, 4), low4));
                    } else {
                        c0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 64 * k));
                        c1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 256 + 64 * k));
                    }
                    step(hh, c0, 4 * k, k == 0, false);
                    step(hh, c1, 16 + 4 * k, false, false);
                }
            } else {
                const __m256i low4 = _mm256_set1_epi8(0x0F);
#pragma GCC unroll 4
                for (int k = 0; k < 4; ++k) {
                    const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 64 * k));
                    __m256i c0 = _mm256_and_si256(v, low4);
                    __m256i c1 = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
                    if constexpr (is_q5(K)) {
                        const __m256i hb = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 256));
                        c0 = _mm256_or_si256(c0, q5_bit4(hb, 4 - 2 * k));
                        c1 = _mm256_or_si256(c1, q5_bit4(hb, 3 - 2 * k));
                    }
                    step(hh, c0, 4 * k, k == 0, false);
                    step(hh, c1, 16 + 4 * k, k == 0 && kTwo, kTwo);
                }
            }
        }
        const float* xd = reinterpret_cast<const float*>(xi + cb * kTileTokens);
        const __m256i one = _mm256_set1_epi16(1);
#pragma GCC unroll 2
        for (int hh = 0; hh < NH; ++hh) {
            const int h = h0 + hh;
            const __m256 dw = scales8(rec + 32 * size_t(j) + 16 * size_t(h));
#pragma GCC unroll 8
            for (int t = 0; t < NT; ++t) {
                __m256i dot = _mm256_madd_epi16(a[hh][t], one);
                if constexpr (kSplit)
                    dot = _mm256_add_epi32(dot, _mm256_madd_epi16(b[hh][t], _mm256_set1_epi16(16)));
                else if constexpr (kTwo)
                    dot = _mm256_add_epi32(dot, _mm256_madd_epi16(b[hh][t], one));
                if constexpr (!with_min(K))
                    dot = _mm256_add_epi32(dot, _mm256_set1_epi32(load_i32(xi + (cb + 4) * kTileTokens + 4 * t)));
                const __m256 f = _mm256_cvtepi32_ps(dot);
                const __m256 dx = _mm256_broadcast_ss(xd + t);
                if constexpr (K == kQ4_0 || K == kQ5_0) {
                    acc[hh][t] = _mm256_add_ps(acc[hh][t], _mm256_mul_ps(_mm256_mul_ps(f, dw), dx));
                } else if constexpr (K == kQ8_0 || K == kIQ4_NL) {
                    acc[hh][t] = _mm256_add_ps(acc[hh][t], _mm256_mul_ps(f, _mm256_mul_ps(dw, dx)));
                } else {
                    const __m256 mw = scales8(rec + 128 + 32 * size_t(j) + 16 * size_t(h));
                    const __m256 sx = _mm256_broadcast_ss(xd + kTileTokens + t);
                    acc[hh][t] = _mm256_add_ps(
                        acc[hh][t], _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(dw, dx), f), _mm256_mul_ps(mw, sx)));
                }
            }
        }
    }
#pragma GCC unroll 8
    for (int h = 0; h < NH; ++h)
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t)
            _mm256_storeu_ps(out[t] + 8 * h, acc[h][t]);
}
#define CAUSERIE_REPACK_TILE tile_i16
#else
#define CAUSERIE_REPACK_TILE tile
#endif

using TileFn = void (*)(const uint8_t*, int, int64_t, const uint8_t*, float (*)[16]);

// Tiles: one token (generation) takes both halves in one pass over the records (each record is
// streamed once); batches take 8 rows x 4 tokens (plain AVX2: 16 registers) or 16 rows x 4
// tokens (EVEX: 32 registers). VEX VNNI has 16 registers, as plain AVX2.
#ifdef CAUSERIE_REPACK_EVEX_VNNI
constexpr int kBatchHalves = 2;
#else
constexpr int kBatchHalves = 1;
#endif
constexpr int kBatchTokens = kTileTokens;
// Q3_K batches on the plain build: 8 tokens (two prepared 4-token tiles) per tile, so each
// decoded code vector (2 planes and a shift each) serves 8 tokens: 24 % faster than 4 on the
// Zen 4 of docs/benchmarks-cpu.md, where Q2_K and IQ4_XS (cheaper decoding, more registers)
// gained nothing from 8.
#ifdef CAUSERIE_REPACK_HAS_VNNI
constexpr int lowbit_batch(int) { return kBatchTokens; }
#else
constexpr int lowbit_batch(int kk) { return kk == kQ3K ? 2 * kTileTokens : kBatchTokens; }
#endif

template <int K>
TileFn tile_for(int nt)
{
    switch (nt) {
    case 1: return CAUSERIE_REPACK_TILE<2, 1, K>;
    case 2: return CAUSERIE_REPACK_TILE<kBatchHalves, 2, K>;
    case 3: return CAUSERIE_REPACK_TILE<kBatchHalves, 3, K>;
    default: return CAUSERIE_REPACK_TILE<kBatchHalves, 4, K>;
    }
}

template <int K>
void run(const uint8_t* packed, int64_t cols, int64_t row_begin, int64_t row_end, int64_t rows, const uint8_t* xb,
         size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy)
{
    constexpr size_t cbytes = is_q5(K) ? 320 : K != kQ8_0 ? 256 : 512;
    constexpr size_t hbytes = with_min(K) ? 256 : 128;
    constexpr int32_t off = K == kQ4_0 ? 8 : K == kQ5_0 ? 16 : K == kQ8_0 || K == kIQ4_NL ? 128 : 0;
    constexpr size_t kXBlock = x_block_bytes(K);
    constexpr size_t cb = x_code_bytes(K);
    const int64_t nb = cols / QK;
    const size_t gbytes =
        size_t((nb + kRepackQ0RecordBlocks - 1) / kRepackQ0RecordBlocks) * (hbytes + kRepackQ0RecordBlocks * cbytes);
    row_end = min_i64(row_end, rows);
    // The prepared activations (kXBlock bytes per tile of 4 tokens and block), in per-thread
    // scratch that grows to the largest call and stays; without memory for it, one tile at a time
    // on the stack (repack_available: nb <= kMaxBlocks).
    alignas(64) uint8_t stack[kMaxBlocks * kXBlock];
    const int64_t tiles = (n_tokens + kTileTokens - 1) / kTileTokens;
    uint8_t* xt_all = static_cast<uint8_t*>(t_scratch.get(size_t(tiles * nb) * kXBlock));
    int64_t slice = n_tokens;
    if (!xt_all) {
        xt_all = stack;
        slice = kTileTokens;
    }
    const size_t xbytes = with_min(K) ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
    const size_t xq = with_min(K) ? offsetof(BlockQ8_1, qs) : offsetof(BlockQ8_0, qs);
    const int64_t panel = panel_groups(gbytes) * kRepackRows;
    const TileFn batch_fn = tile_for<K>(kBatchTokens);
    for (int64_t s0 = 0; s0 < n_tokens; s0 += slice) {
        const int64_t s1 = min_i64(n_tokens, s0 + slice);
        for (int64_t t0 = s0; t0 < s1; t0 += kTileTokens) {
            uint8_t* xt = xt_all + size_t((t0 - s0) / kTileTokens * nb) * kXBlock;
            for (int t = 0; t < kTileTokens; ++t) {
                const uint8_t* xr = t0 + t < s1 ? xb + size_t(t0 + t) * x_row_bytes : nullptr;
                for (int64_t i = 0; i < nb; ++i) {
                    uint8_t* dst = xt + size_t(i) * kXBlock;
                    float d = 0.0f;
                    int32_t side = 0;
                    if (xr) {
                        const uint8_t* bx = xr + size_t(i) * xbytes;
                        if constexpr (split_q8(K)) {
                            const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bx + xq));
                            const __m256i yl = _mm256_and_si256(v, _mm256_set1_epi8(0x0F));
                            // yh = (y - yl) / 16: the high nibble, sign-extended from 4 bits
                            const __m256i h = _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F));
                            const __m256i yh =
                                _mm256_sub_epi8(_mm256_xor_si256(h, _mm256_set1_epi8(8)), _mm256_set1_epi8(8));
                            _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + cb * t), yl);
                            _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + cb * t + 32), yh);
                        } else {
                            std::memcpy(dst + cb * t, bx + xq, 32);
                        }
                        d = half(bx);
                        if constexpr (with_min(K)) {
                            const float sx = half(bx + offsetof(BlockQ8_1, s));
                            std::memcpy(&side, &sx, 4);
                        } else if constexpr (off != 0) {
                            const __m256i v = _mm256_madd_epi16(
                                _mm256_maddubs_epi16(_mm256_set1_epi8(1),
                                                     _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bx + xq))),
                                _mm256_set1_epi16(1));
                            __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
                            s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
                            s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
                            side = -off * _mm_cvtsi128_si32(s);
                            if constexpr (split_q8(K))
                                side += 65536;
                        }
                    } else {
                        std::memset(dst + cb * t, 0, cb);
                    }
                    std::memcpy(dst + cb * kTileTokens + 4 * t, &d, 4);
                    std::memcpy(dst + (cb + 4) * kTileTokens + 4 * t, &side, 4);
                }
            }
        }
        for (int64_t p0 = row_begin; p0 < row_end; p0 += panel) {
            const int64_t p1 = min_i64(row_end, p0 + panel);
            for (int64_t t0 = s0; t0 < s1; t0 += kBatchTokens) {
                const int nt = int(min_i64(kBatchTokens, s1 - t0));
                const uint8_t* xt = xt_all + size_t((t0 - s0) / kTileTokens * nb) * kXBlock;
                const TileFn fn = nt == kBatchTokens ? batch_fn : tile_for<K>(nt);
                const int64_t hstep = nt == 1 ? 2 : kBatchHalves;
                for (int64_t r0 = p0; r0 < p1; r0 += kRepackRows) {
                    const uint8_t* g = packed + size_t(r0 / kRepackRows) * gbytes;
                    const int64_t grows = min_i64(kRepackRows, p1 - r0);
                    for (int64_t h = 0; h < 2 && 8 * h < grows; h += hstep) {
                        alignas(32) float out[kMaxTile][16];
                        fn(g, int(h), nb, xt, out);
                        const int64_t first = 8 * h;
                        const int64_t n = min_i64(8 * hstep, grows - first);
                        for (int t = 0; t < nt; ++t)
                            std::memcpy(y + (t0 + t) * ldy + r0 + first, out[t], size_t(n) * sizeof(float));
                    }
                }
            }
        }
    }
}

// ---- K-quants: 256-element super-blocks against Q8_K --------------------------------------------
// Prepared per tile of 4 tokens and super-block (kXSuper bytes): 4 x 256 activation codes, 4
// floats d_x, then 16 prepared 32-bit values per token. Q4_K: the 8 sub-block sums of the
// activation codes as 4 i16 pairs (sub-blocks 2p, 2p+1), for vpmaddwd with the mins. Q6_K: per
// 16-element group j the offset of the unsigned codes (u = q + 32): plain build -16 * bsum_j in
// both halves of an i16 pair (vpmaddwd with the scale pair gives sc_j * -32 * bsum_j exactly:
// |16 * bsum| <= 32512), VNNI builds -32 * bsum_j as one i32 (seed of the group's vpdpbusd chain).

constexpr size_t kXSuper = kTileTokens * (QK_K + 4 + 64);   // 1296 bytes
constexpr size_t kXSuperD = kTileTokens * QK_K;
constexpr size_t kXSuperSide = kXSuperD + 4 * kTileTokens;

// Scales of sub-block (or group) s of 8 rows as i32 (u8: Q4_K, i8: Q6_K), and the same value in
// both i16 halves of each lane (for vpmaddwd against sums of i16 product pairs).
template <bool Signed>
inline __m256i scales_i32(const uint8_t* p)
{
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return Signed ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
}
inline __m256i pair16(__m256i v32)
{
    return _mm256_or_si256(_mm256_and_si256(v32, _mm256_set1_epi32(0xFFFF)), _mm256_slli_epi32(v32, 16));
}

// Q5_K code vector k (elements [4k, 4k+4)) of sub-block s for rows 8h..8h+7 from the packed
// layout (repack_cpu.h): the nibble with bit 4 from the high-bit vector of (s / 2, k / 4).
inline __m256i q5k_code(const uint8_t* b, int h, int s, int k)
{
    const __m256i q = load32(b + 320 + 512 * (s / 2) + 64 * k + 32 * h);
    const __m256i nib = _mm256_and_si256(s % 2 ? _mm256_srli_epi16(q, 4) : q, _mm256_set1_epi8(0x0F));
    const __m256i hb = load32(b + kRepackQ4KSuper + 64 * (2 * (s / 2) + k / 4) + 32 * h);
    return _mm256_or_si256(nib, q5_bit4(hb, 4 - 2 * (k % 4) - s % 2));
}

// Q6_K code vector k (elements [4k, 4k+4)) of sub-block s for rows 8h..8h+7. Packed (repack_cpu.h):
// the nibbles (shifted down for an odd sub-block) with bits 4-5 from the plane vector of
// (s % 2, k / 4), its field k % 4 moved up by a 16-bit shift (within each byte for the bits
// kept); else a panel decoded to bytes (kRepackKBytesSuper per super-block).
template <bool Packed>
inline __m256i q6_code(const uint8_t* b, int h, int s, int k)
{
    if constexpr (!Packed) {
        return load32(b + 320 + 512 * s + 64 * k + 32 * h);
    } else {
        const __m256i q = load32(b + 320 + 512 * (s / 2) + 64 * k + 32 * h);
        const __m256i pl = load32(b + kRepackQ6KPlanes + 256 * (s / 2) + 64 * (2 * (s % 2) + k / 4) + 32 * h);
        const int sh = 4 - 2 * (k % 4);
        const __m256i hs = sh > 0 ? _mm256_slli_epi16(pl, sh) : sh < 0 ? _mm256_srli_epi16(pl, -sh) : pl;
        // the sub-block loop is not unrolled (unrolled, the byte tiles ran slower): a shift by count
        const __m256i nib = _mm256_srl_epi16(q, _mm_cvtsi32_si128(4 * (s % 2)));
        return _mm256_or_si256(_mm256_and_si256(nib, _mm256_set1_epi8(0x0F)),
                               _mm256_and_si256(hs, _mm256_set1_epi8(0x30)));
    }
}

#ifndef CAUSERIE_REPACK_HAS_VNNI
// Plain AVX2 steps of the K-quant tiles: 32 elements of 8 rows (half h) for NT tokens, 16 at a
// time, so that 4 code vectors, the NT sums and the scale stay in the 16 registers.
// The products of 4 code vectors with a token's 16 activation codes at y, as two i16 pair sums
// (vectors 0 + 1, 2 + 3), each exact within the bound its caller states.
inline void maddubs16(const __m256i* c, const uint8_t* y, __m256i* p)
{
    p[0] = _mm256_add_epi16(_mm256_maddubs_epi16(c[0], bcast4(y)), _mm256_maddubs_epi16(c[1], bcast4(y + 4)));
    p[1] = _mm256_add_epi16(_mm256_maddubs_epi16(c[2], bcast4(y + 8)), _mm256_maddubs_epi16(c[3], bcast4(y + 12)));
}

// Q4_K / Q5_K, sub-block s: nibbles x |y| <= 127 in vpmaddubsw, 8 pair sums <= 30480 exact in
// i16 (the two halves summed before one vpmaddwd); Q5_K codes <= 31: 4 pair sums <= 31744, each
// half widened by its own vpmaddwd.
template <int NT, bool Q5, bool Bytes>
inline void plain_step_q4_k(const uint8_t* b, int h, int s, const uint8_t* xi, __m256i* sumi)
{
    const __m256i sc16 = pair16(scales_i32<false>(b + 64 + 16 * s + 8 * h));
    const uint8_t* v = b + 320 + 512 * (s / 2) + 32 * h;
    const uint8_t* hp = b + kRepackQ4KSuper + 64 * 2 * (s / 2) + 32 * h;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256i part[NT];
#pragma GCC unroll 2
    for (int half = 0; half < 2; ++half) {
        __m256i c[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            if constexpr (Bytes) {   // a panel decoded to bytes: sub-block s, vector k at 320 + 512 s + 64 k
                c[k] = load32(b + 320 + 512 * s + 64 * (4 * half + k) + 32 * h);
                continue;
            }
            c[k] = _mm256_and_si256(_mm256_srli_epi16(load32(v + 64 * (4 * half + k)), 4 * (s % 2)), low4);
            if constexpr (Q5)
                c[k] = _mm256_or_si256(c[k], q5_bit4(load32(hp + 64 * half), 4 - 2 * k - s % 2));
        }
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) {
            const uint8_t* y = xi + QK_K * size_t(t) + 32 * s + 16 * half;
            __m256i pp[2];
            maddubs16(c, y, pp);
            const __m256i p = _mm256_add_epi16(pp[0], pp[1]);
            if (Q5)
                sumi[t] = _mm256_add_epi32(sumi[t], _mm256_madd_epi16(p, sc16));
            else if (half == 0)
                part[t] = p;
            else
                sumi[t] = _mm256_add_epi32(sumi[t], _mm256_madd_epi16(_mm256_add_epi16(part[t], p), sc16));
        }
    }
}

// Q6_K, sub-block s (groups 2s, 2s + 1): each i16 lane of the 4 vpmaddubsw sums 8 products u y
// of one row (elements e % 4 in {0, 1} of the group in the low lane, {2, 3} in the high one) and
// the side pair adds -32 times the sum of those 8 y (q6_side_pairs), so the lane ends at
// sum q y over 8 elements, |.| <= 8 * 32 * 127 = 32512: the wrapping i16 sums end exact, and one
// vpmaddwd with the scale pair gives sc_j * (sum u y - 32 bsum_j).
template <int NT, bool Packed>
inline void plain_step_q6_k(const uint8_t* b, int h, int s, const uint8_t* xi, const uint8_t* xs, __m256i* sumi)
{
#pragma GCC unroll 2
    for (int half = 0; half < 2; ++half) {
        const int j = 2 * s + half;
        const __m256i sc16 = pair16(scales_i32<true>(b + 64 + 16 * j + 8 * h));
        __m256i c[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k)
            c[k] = q6_code<Packed>(b, h, s, 4 * half + k);
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) {
            const uint8_t* y = xi + QK_K * size_t(t) + 32 * s + 16 * half;
            __m256i a[2];
            maddubs16(c, y, a);
            const __m256i p = _mm256_add_epi16(_mm256_add_epi16(a[0], a[1]), bcast4(xs + 64 * t + 4 * j));
            sumi[t] = _mm256_add_epi32(sumi[t], _mm256_madd_epi16(p, sc16));
        }
    }
}

// The plain build's Q6_K side values of one token's super-block (codes y): per 16-element group j
// the i16 pair (-32 sum of y[16j + e] for e % 4 in {0, 1}, the same for {2, 3}), each within
// 8 * 127 * 32 = 32512.
inline void q6_side_pairs(const int8_t* y, int32_t side[16])
{
    for (int j = 0; j < 16; ++j) {
        int lo = 0, hi = 0;
        for (int e = 0; e < 16; ++e)
            (e % 4 < 2 ? lo : hi) += y[16 * j + e];
        side[j] = int32_t(uint32_t(uint16_t(-32 * lo)) | uint32_t(uint16_t(-32 * hi)) << 16);
    }
}
#endif

// Q4_K / Q5_K: d * sumi - dmin * summ per super-block with d = d_w * d_x, dmin = dmin_w * d_x,
// sumi = sum_s sc_s * dot_s, summ = sum_s m_s * ysum_s (matmul_ref.cpp's dot_k_with_mins).
// Bytes (Q4_K / Q5_K batches): a panel decoded to bytes (kRepackKBytesSuper per super-block).
template <int NH, int NT, bool Q5, bool Bytes = false>
void tile_q4_k(const uint8_t* g, int h0, int64_t nb, const uint8_t* xt, float (*out)[16])
{
    constexpr size_t kSuper = Bytes ? kRepackKBytesSuper : Q5 ? kRepackQ5KSuper : kRepackQ4KSuper;
    __m256 acc[NH][NT];
    for (int h = 0; h < NH; ++h)
        for (int t = 0; t < NT; ++t)
            acc[h][t] = _mm256_setzero_ps();
    [[maybe_unused]] const __m256i low4 = _mm256_set1_epi8(0x0F);
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* b = g + size_t(i) * kSuper;
        const uint8_t* xi = xt + size_t(i) * kXSuper;
        const float* xd = reinterpret_cast<const float*>(xi + kXSuperD);
        const uint8_t* xs = xi + kXSuperSide;
#pragma GCC unroll 2
        for (int hh = 0; hh < NH; ++hh) {
            const int h = h0 + hh;
            __m256i sumi[NT];
            for (int t = 0; t < NT; ++t)
                sumi[t] = _mm256_setzero_si256();
            for (int sb = 0; sb < 8; ++sb) {
                if constexpr (NT == 1)
                    if (hh == 0)
                        prefetch_record_part(b + kSuper, kSuper, sb, 8);
#ifdef CAUSERIE_REPACK_HAS_VNNI
                const uint8_t* v = b + 320 + 512 * (sb / 2) + 32 * h;
                __m256i c[8];
#pragma GCC unroll 8
                for (int k = 0; k < 8; ++k) {
                    const __m256i q = load32(Bytes ? b + 320 + 512 * sb + 64 * k + 32 * h : v + 64 * k);
                    c[k] = Bytes ? q : _mm256_and_si256(sb % 2 ? _mm256_srli_epi16(q, 4) : q, low4);
                }
                if constexpr (Q5 && !Bytes) {
                    const uint8_t* hp = b + kRepackQ4KSuper + 64 * 2 * (sb / 2) + 32 * h;
                    const __m256i hb0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(hp));
                    const __m256i hb1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(hp + 64));
#pragma GCC unroll 8
                    for (int k = 0; k < 8; ++k)
                        c[k] = _mm256_or_si256(c[k], q5_bit4(k < 4 ? hb0 : hb1, 4 - 2 * (k % 4) - sb % 2));
                }
                const __m256i sc = scales_i32<false>(b + 64 + 16 * sb + 8 * h);
#pragma GCC unroll 4
                for (int t = 0; t < NT; ++t) {
                    const uint8_t* y = xi + QK_K * size_t(t) + 32 * sb;
                    __m256i d0 = _mm256_setzero_si256(), d1 = _mm256_setzero_si256();
#pragma GCC unroll 8
                    for (int k = 0; k < 8; k += 2) {
                        d0 = dpbusd(d0, c[k], bcast4(y + 4 * k));
                        d1 = dpbusd(d1, c[k + 1], bcast4(y + 4 * k + 4));
                    }
                    sumi[t] = _mm256_add_epi32(sumi[t], _mm256_mullo_epi32(_mm256_add_epi32(d0, d1), sc));
                }
#else
                plain_step_q4_k<NT, Q5, Bytes>(b, h, sb, xi, sumi);
#endif
            }
            const __m256 dw = scales8(b + 16 * h);
            const __m256 dmw = scales8(b + 32 + 16 * h);
            __m256i summ[NT];
            for (int t = 0; t < NT; ++t)
                summ[t] = _mm256_setzero_si256();
            for (int pp = 0; pp < 4; ++pp) {   // the mins, loaded once for all tokens
                const __m256i m =
                    _mm256_cvtepu8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(b + 192 + 32 * pp + 16 * h)));
                for (int t = 0; t < NT; ++t)
                    summ[t] = _mm256_add_epi32(summ[t], _mm256_madd_epi16(m, bcast4(xs + 64 * t + 4 * pp)));
            }
            for (int t = 0; t < NT; ++t) {
                const __m256 dx = _mm256_broadcast_ss(xd + t);
                const __m256 d = _mm256_mul_ps(dw, dx);
                const __m256 dmin = _mm256_mul_ps(dmw, dx);
                acc[hh][t] = _mm256_add_ps(acc[hh][t], _mm256_sub_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(sumi[t])),
                                                                     _mm256_mul_ps(dmin, _mm256_cvtepi32_ps(summ[t]))));
            }
        }
    }
    for (int h = 0; h < NH; ++h)
        for (int t = 0; t < NT; ++t)
            _mm256_storeu_ps(out[t] + 8 * h, acc[h][t]);
}

// Q6_K: (d_w * d_x) * sumi per super-block, sumi = sum over 16-element groups j of
// sc_j * (sum u y - 32 bsum_j) (matmul_ref.cpp's dot_q6_k_q8_k). Packed: the 6-bit layout in
// memory (one token streams it); else a panel decoded to bytes.
template <int NH, int NT, bool Packed>
void tile_q6_k(const uint8_t* g, int h0, int64_t nb, const uint8_t* xt, float (*out)[16])
{
    constexpr size_t kSuper = Packed ? kRepackQ6KSuper : kRepackKBytesSuper;
    __m256 acc[NH][NT];
    for (int h = 0; h < NH; ++h)
        for (int t = 0; t < NT; ++t)
            acc[h][t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* b = g + size_t(i) * kSuper;
        const uint8_t* xi = xt + size_t(i) * kXSuper;
        const float* xd = reinterpret_cast<const float*>(xi + kXSuperD);
        const uint8_t* xs = xi + kXSuperSide;
#pragma GCC unroll 2
        for (int hh = 0; hh < NH; ++hh) {
            const int h = h0 + hh;
            __m256i sumi[NT];
            for (int t = 0; t < NT; ++t)
                sumi[t] = _mm256_setzero_si256();
            for (int sb = 0; sb < 8; ++sb) {
                if constexpr (NT == 1)
                    if (hh == 0)
                        prefetch_record_part(b + kSuper, kSuper, sb, 8);
#ifdef CAUSERIE_REPACK_HAS_VNNI
                __m256i c[8];
#pragma GCC unroll 8
                for (int k = 0; k < 8; ++k)
                    c[k] = q6_code<Packed>(b, h, sb, k);
                const int j = 2 * sb;
                const __m256i sca = scales_i32<true>(b + 64 + 16 * j + 8 * h);
                const __m256i scb = scales_i32<true>(b + 64 + 16 * (j + 1) + 8 * h);
#pragma GCC unroll 4
                for (int t = 0; t < NT; ++t) {
                    const uint8_t* y = xi + QK_K * size_t(t) + 32 * sb;
                    const uint8_t* side = xs + 64 * t + 4 * j;
                    __m256i da = _mm256_set1_epi32(load_i32(side));
                    __m256i db = _mm256_set1_epi32(load_i32(side + 4));
                    for (int k = 0; k < 4; ++k) {
                        da = dpbusd(da, c[k], bcast4(y + 4 * k));
                        db = dpbusd(db, c[k + 4], bcast4(y + 16 + 4 * k));
                    }
                    sumi[t] = _mm256_add_epi32(
                        sumi[t], _mm256_add_epi32(_mm256_mullo_epi32(da, sca), _mm256_mullo_epi32(db, scb)));
                }
#else
                plain_step_q6_k<NT, Packed>(b, h, sb, xi, xs, sumi);
#endif
            }
            const __m256 dw = scales8(b + 16 * h);
            for (int t = 0; t < NT; ++t)
                acc[hh][t] = _mm256_add_ps(acc[hh][t], _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_broadcast_ss(xd + t)),
                                                                     _mm256_cvtepi32_ps(sumi[t])));
        }
    }
    for (int h = 0; h < NH; ++h)
        for (int t = 0; t < NT; ++t)
            _mm256_storeu_ps(out[t] + 8 * h, acc[h][t]);
}

// Q2_K / Q3_K / IQ4_XS (LB: kQ2K, kQ3K, kIQ4XS), as the AVX-512 tile_lowbit per 8-row half: per step s of
// 32 elements, 8 code vectors c[k] = elements [4k, 4k+4) of the step, two 16-element dots (Q2_K,
// Q3_K: sub-blocks 2s, 2s+1) or one 32-element dot (IQ4_XS) times the scale. VNNI builds: Q3_K
// codes u = q + 4 and IQ4_XS v + 128 with the seeds of the prepared side values. Plain build:
// 2/3-bit codes x |y| <= 127 in vpmaddubsw (4 pairs <= 7112, exact in i16) then vpmaddwd with
// the scale pair (Q3_K's offset through -2 bsum_j in both i16 halves); IQ4_XS with the sign trick,
// |v| x sign(v) y (a pair <= 32258, exact), each vector widened by vpmaddwd with the scale.
#ifdef CAUSERIE_REPACK_HAS_VNNI
constexpr bool kSignedIQ4 = false;
#else
constexpr bool kSignedIQ4 = true;
#endif

// Byte offset of token t's data (unit bytes per token) in the prepared super-blocks of a tile
// of up to 8 tokens: tokens 4..7 are in the next 4-token tile, ts bytes further (plain AVX2
// Q3_K tiles take 8 tokens, see lowbit_batch).
constexpr size_t tok_off(int t, size_t ts, size_t unit)
{
    return size_t(t / kTileTokens) * ts + unit * size_t(t % kTileTokens);
}

// Bit `from` of each byte moved to bit `to` (within the byte), the others cleared.
inline __m256i bit_to(__m256i v, int from, int to)
{
    const __m256i m = from >= to ? _mm256_srli_epi16(v, from - to) : _mm256_slli_epi16(v, to - from);
    return _mm256_and_si256(m, _mm256_set1_epi8(char(1 << to)));
}

template <int LB>
inline void lowbit_codes(const uint8_t* b, int h, int s, __m256i grid, __m256i* c)
{
    if constexpr (LB == kIQ4XS) {
        const uint8_t* v = b + 192 + 256 * s + 32 * h;
        const __m256i low4 = _mm256_set1_epi8(0x0F);
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            const __m256i q = load32(v + 64 * k);
            c[k] = _mm256_shuffle_epi8(grid, _mm256_and_si256(q, low4));
            c[k + 4] = _mm256_shuffle_epi8(grid, _mm256_and_si256(_mm256_srli_epi16(q, 4), low4));
        }
    } else {
        const uint8_t* v = b + 320 + 256 * (s / 2) + 32 * h;
        const int j0 = 2 * (s % 2);
        const __m256i three = _mm256_set1_epi8(3);
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            const __m256i q = load32(v + 64 * k);
            c[k] = _mm256_and_si256(_mm256_srli_epi16(q, 2 * j0), three);
            c[k + 4] = _mm256_and_si256(_mm256_srli_epi16(q, 2 * j0 + 2), three);
        }
        if constexpr (LB == kQ3K) {
            const uint8_t* hp = b + 1344 + 128 * (s / 2) + 32 * h;
            const __m256i h0 = load32(hp), h1 = load32(hp + 64);
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const __m256i hv = k < 2 ? h0 : h1;
                c[k] = _mm256_or_si256(c[k], bit_to(hv, 4 * (k % 2) + j0, 2));
                c[k + 4] = _mm256_or_si256(c[k + 4], bit_to(hv, 4 * (k % 2) + j0 + 1, 2));
            }
        }
    }
}

#ifndef CAUSERIE_REPACK_HAS_VNNI
// Plain AVX2, one step of 32 elements of 8 rows (half h) for NT tokens, taken 16 elements (one
// scale) at a time so that 4 code vectors, the NT sums and the scale fit the 16 registers.
// Q2_K / Q3_K: the codes of sub-block 2s + half, c[k] = its elements [4k, 4k+4).
template <int LB>
inline void lowbit_codes_half(const uint8_t* b, int h, int s, int half, __m256i* c)
{
    const uint8_t* v = b + 320 + 256 * (s / 2) + 32 * h;
    const int j = 2 * (s % 2) + half;
    const __m256i three = _mm256_set1_epi8(3);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k)
        c[k] = _mm256_and_si256(_mm256_srli_epi16(load32(v + 64 * k), 2 * j), three);
    if constexpr (LB == kQ3K) {
        const uint8_t* hp = b + 1344 + 128 * (s / 2) + 32 * h;
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k)
            c[k] = _mm256_or_si256(c[k], bit_to(load32(hp + 64 * (k / 2)), 4 * (k % 2) + j, 2));
    }
}

// Byte 2r + O of 16 broadcast bytes (row r's Q2_K scale byte of sub-block 2s + O) in both i16
// halves of row r's i32 lane, zero-extended.
template <int O>
inline __m256i q2_pair_ctrl()
{
    return _mm256_setr_epi8(O, -1, O, -1, 2 + O, -1, 2 + O, -1, 4 + O, -1, 4 + O, -1, 6 + O, -1, 6 + O, -1, 8 + O, -1,
                            8 + O, -1, 10 + O, -1, 10 + O, -1, 12 + O, -1, 12 + O, -1, 14 + O, -1, 14 + O, -1);
}

// Q2_K / Q3_K: per 16 elements 4 vpmaddubsw summed in i16 (Q2_K: 4 pairs <= 3048; Q3_K: 4 pairs
// of u = q + 4 <= 7112, plus its offset -2 bsum in both halves, |.| <= 4064: exact), then one
// vpmaddwd with the scale pair (sc (p_lo + p_hi) = sc (sum u y - 4 bsum) for Q3_K).
template <int NT, int LB>
inline void plain_step_2bit(const uint8_t* b, int h, int s, const uint8_t* xi, const uint8_t* xs, size_t ts,
                            __m256i* sumi)
{
    __m256i sc16[2];
    if constexpr (LB == kQ2K) {
        const __m256i raw =
            _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(b + 64 + 32 * s + 16 * h)));
        sc16[0] = _mm256_and_si256(_mm256_shuffle_epi8(raw, q2_pair_ctrl<0>()), _mm256_set1_epi16(0x0F));
        sc16[1] = _mm256_and_si256(_mm256_shuffle_epi8(raw, q2_pair_ctrl<1>()), _mm256_set1_epi16(0x0F));
    } else {
        sc16[0] = pair16(scales_i32<true>(b + 64 + 32 * s + 8 * h));
        sc16[1] = pair16(scales_i32<true>(b + 80 + 32 * s + 8 * h));
    }
#pragma GCC unroll 2
    for (int half = 0; half < 2; ++half) {
        __m256i c[4];
        lowbit_codes_half<LB>(b, h, s, half, c);
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) {
            const uint8_t* y = xi + tok_off(t, ts, QK_K) + 32 * s + 16 * half;
            __m256i pp[2];
            maddubs16(c, y, pp);
            __m256i p = _mm256_add_epi16(pp[0], pp[1]);
            if constexpr (LB == kQ3K)
                p = _mm256_add_epi16(p, bcast4(xs + tok_off(t, ts, 64) + 8 * s + 4 * half));
            sumi[t] = _mm256_add_epi32(sumi[t], _mm256_madd_epi16(p, sc16[half]));
        }
    }
}

// IQ4_XS: the sign trick, |v| x sign(v) y (a pair <= 32258, exact), two code vectors (one load)
// at a time, each widened by vpmaddwd with the sub-block's scale pair.
template <int NT>
inline void plain_step_iq4_xs(const uint8_t* b, int h, int s, __m256i grid, const uint8_t* xi, size_t ts, __m256i* sumi)
{
    const __m256i sc16 = pair16(scales_i32<true>(b + 64 + 16 * s + 8 * h));
    const uint8_t* v = b + 192 + 256 * s + 32 * h;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
        const __m256i q = load32(v + 64 * k);
        const __m256i vl = _mm256_shuffle_epi8(grid, _mm256_and_si256(q, low4));
        const __m256i vh = _mm256_shuffle_epi8(grid, _mm256_and_si256(_mm256_srli_epi16(q, 4), low4));
        const __m256i ml = _mm256_abs_epi8(vl), mh = _mm256_abs_epi8(vh);
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t) {
            const uint8_t* y = xi + tok_off(t, ts, QK_K) + 32 * s;
            const __m256i pl = _mm256_maddubs_epi16(ml, _mm256_sign_epi8(bcast4(y + 4 * k), vl));
            const __m256i ph = _mm256_maddubs_epi16(mh, _mm256_sign_epi8(bcast4(y + 16 + 4 * k), vh));
            sumi[t] =
                _mm256_add_epi32(sumi[t], _mm256_add_epi32(_mm256_madd_epi16(pl, sc16), _mm256_madd_epi16(ph, sc16)));
        }
    }
}
#endif

template <int NH, int NT, int LB>
void tile_lowbit(const uint8_t* g, int h0, int64_t nb, const uint8_t* xt, float (*out)[16])
{
    constexpr size_t kSuper = k_super(LB);
    __m256 acc[NH][NT];
    for (int h = 0; h < NH; ++h)
        for (int t = 0; t < NT; ++t)
            acc[h][t] = _mm256_setzero_ps();
    const __m256i grid = iq4_table<kSignedIQ4>();
    const size_t ts = size_t(nb) * kXSuper;   // to the next 4-token tile (NT > 4)
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* b = g + size_t(i) * kSuper;
        const uint8_t* xi = xt + size_t(i) * kXSuper;
        const float* xd = reinterpret_cast<const float*>(xi + kXSuperD);
        const uint8_t* xs = xi + kXSuperSide;
#pragma GCC unroll 2
        for (int hh = 0; hh < NH; ++hh) {
            const int h = h0 + hh;
            __m256i sumi[NT];
            for (int t = 0; t < NT; ++t)
                sumi[t] = _mm256_setzero_si256();
            for (int sb = 0; sb < 8; ++sb) {
                if constexpr (NT == 1)
                    if (hh == 0)
                        prefetch_record_part(b + kSuper, kSuper, sb, 8);
#ifdef CAUSERIE_REPACK_HAS_VNNI
                __m256i c[8];
                lowbit_codes<LB>(b, h, sb, grid, c);
                __m256i sca, scb = _mm256_setzero_si256();
                if constexpr (LB == kQ2K) {   // the pair's bytes (scale | min << 4) as i32 lanes
                    const __m256i w = _mm256_cvtepu8_epi16(
                        _mm_load_si128(reinterpret_cast<const __m128i*>(b + 64 + 32 * sb + 16 * h)));
                    sca = _mm256_and_si256(w, _mm256_set1_epi32(0x0F));
                    scb = _mm256_and_si256(_mm256_srli_epi32(w, 16), _mm256_set1_epi32(0x0F));
                } else if constexpr (LB == kQ3K) {
                    sca = scales_i32<true>(b + 64 + 32 * sb + 8 * h);
                    scb = scales_i32<true>(b + 80 + 32 * sb + 8 * h);
                } else {
                    sca = scales_i32<true>(b + 64 + 16 * sb + 8 * h);
                }
#pragma GCC unroll 4
                for (int t = 0; t < NT; ++t) {
                    const uint8_t* y = xi + QK_K * size_t(t) + 32 * sb;
                    const uint8_t* side = xs + 64 * t;
                    __m256i da = LB == kQ2K   ? _mm256_setzero_si256()
                                 : LB == kQ3K ? _mm256_set1_epi32(load_i32(side + 8 * sb))
                                              : _mm256_set1_epi32(load_i32(side + 4 * sb));
                    __m256i db = LB == kQ3K ? _mm256_set1_epi32(load_i32(side + 8 * sb + 4)) : _mm256_setzero_si256();
                    for (int k = 0; k < 4; ++k) {
                        da = dpbusd(da, c[k], bcast4(y + 4 * k));
                        db = dpbusd(db, c[k + 4], bcast4(y + 16 + 4 * k));
                    }
                    if constexpr (LB == kIQ4XS)
                        sumi[t] = _mm256_add_epi32(sumi[t], _mm256_mullo_epi32(_mm256_add_epi32(da, db), sca));
                    else
                        sumi[t] = _mm256_add_epi32(
                            sumi[t], _mm256_add_epi32(_mm256_mullo_epi32(da, sca), _mm256_mullo_epi32(db, scb)));
                }
#else
                if constexpr (LB == kIQ4XS)
                    plain_step_iq4_xs<NT>(b, h, sb, grid, xi, ts, sumi);
                else
                    plain_step_2bit<NT, LB>(b, h, sb, xi, xs, ts, sumi);
#endif
            }
            const __m256 dw = scales8(b + 16 * h);
            if constexpr (LB == kQ2K) {
                const __m256 dmw = scales8(b + 32 + 16 * h);
                __m256i summ[NT];
                for (int t = 0; t < NT; ++t)
                    summ[t] = _mm256_setzero_si256();
                for (int p = 0; p < 8; ++p) {   // mins of sub-blocks 2p, 2p+1 as i16 pairs
                    const __m256i m =
                        _mm256_srli_epi16(_mm256_cvtepu8_epi16(_mm_load_si128(
                                              reinterpret_cast<const __m128i*>(b + 64 + 32 * p + 16 * h))),
                                          4);
                    for (int t = 0; t < NT; ++t)
                        summ[t] =
                            _mm256_add_epi32(summ[t], _mm256_madd_epi16(m, bcast4(xs + tok_off(t, ts, 64) + 4 * p)));
                }
                for (int t = 0; t < NT; ++t) {
                    const __m256 dx = _mm256_broadcast_ss(xd + tok_off(t, ts / 4, 1));
                    acc[hh][t] = _mm256_add_ps(
                        acc[hh][t], _mm256_sub_ps(_mm256_mul_ps(_mm256_mul_ps(dw, dx), _mm256_cvtepi32_ps(sumi[t])),
                                                  _mm256_mul_ps(_mm256_mul_ps(dmw, dx), _mm256_cvtepi32_ps(summ[t]))));
                }
            } else {
                for (int t = 0; t < NT; ++t)
                    acc[hh][t] = _mm256_add_ps(
                        acc[hh][t], _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_broadcast_ss(xd + tok_off(t, ts / 4, 1))),
                                                  _mm256_cvtepi32_ps(sumi[t])));
            }
        }
    }
    for (int h = 0; h < NH; ++h)
        for (int t = 0; t < NT; ++t)
            _mm256_storeu_ps(out[t] + 8 * h, acc[h][t]);
}

// KK: 0 Q4_K, 1 Q5_K, 2 Q6_K, 3 Q2_K, 4 Q3_K, 5 IQ4_XS.
template <int KK>
TileFn tile_k_for(int nt)
{
    constexpr bool Q6 = KK == 2, Q5 = KK == 1;
    if constexpr (is_lowbit_k(KK)) {
        switch (nt) {
        case 1: return tile_lowbit<2, 1, KK>;
        case 2: return tile_lowbit<kBatchHalves, 2, KK>;
        case 3: return tile_lowbit<kBatchHalves, 3, KK>;
        default:
            if constexpr (lowbit_batch(KK) > 4)   // 5..8: tokens past nt are zeros (their tile is padded)
                if (nt > 4)
                    return tile_lowbit<kBatchHalves, lowbit_batch(KK), KK>;
            return tile_lowbit<kBatchHalves, 4, KK>;
        }
    }
    switch (nt) {
    case 1: return Q6 ? tile_q6_k<2, 1, true> : tile_q4_k<2, 1, Q5>;
    case 2: return Q6 ? tile_q6_k<kBatchHalves, 2, true> : tile_q4_k<kBatchHalves, 2, Q5>;
    case 3: return Q6 ? tile_q6_k<kBatchHalves, 3, true> : tile_q4_k<kBatchHalves, 3, Q5>;
    default: return Q6 ? tile_q6_k<kBatchHalves, 4, true> : tile_q4_k<kBatchHalves, 4, Q5>;
    }
}

// Q4_K / Q5_K / Q6_K tiles on a panel decoded to bytes (Q5 kept apart for the plain build's
// i16 bounds; with VNNI both are the same code).
template <int KK>
TileFn tile_bytes_for(int nt)
{
    constexpr bool Q6 = KK == kQ6K, Q5 = KK == kQ5K;
    switch (nt) {
    case 1: return Q6 ? tile_q6_k<2, 1, false> : tile_q4_k<2, 1, Q5, true>;
    case 2: return Q6 ? tile_q6_k<kBatchHalves, 2, false> : tile_q4_k<kBatchHalves, 2, Q5, true>;
    case 3: return Q6 ? tile_q6_k<kBatchHalves, 3, false> : tile_q4_k<kBatchHalves, 3, Q5, true>;
    default: return Q6 ? tile_q6_k<kBatchHalves, 4, false> : tile_q4_k<kBatchHalves, 4, Q5, true>;
    }
}

thread_local Scratch t_k_panel;   // a panel of Q4_K / Q5_K / Q6_K groups decoded to bytes

// Q4_K code vector k of sub-block s for rows 8h..8h+7: its nibble of the shared code vector.
inline __m256i q4k_code(const uint8_t* b, int h, int s, int k)
{
    const __m256i q = load32(b + 320 + 512 * (s / 2) + 64 * k + 32 * h);
    return _mm256_and_si256(s % 2 ? _mm256_srli_epi16(q, 4) : q, _mm256_set1_epi8(0x0F));
}

// Sub-block s of a packed Q4_K / Q5_K / Q6_K record as bytes (decode_k_groups).
template <int KK>
void decode_k_sub_block(const uint8_t* b, int s, uint8_t* out)
{
    for (int h = 0; h < 2; ++h)
#pragma GCC unroll 8
        for (int k = 0; k < 8; ++k)
            _mm256_store_si256(reinterpret_cast<__m256i*>(out + 64 * k + 32 * h), KK == kQ6K ? q6_code<true>(b, h, s, k)
                                                                                  : KK == kQ5K ? q5k_code(b, h, s, k)
                                                                                               : q4k_code(b, h, s, k));
}

template <int KK>
void run_k(const uint8_t* packed, int64_t cols, int64_t row_begin, int64_t row_end, int64_t rows, const uint8_t* xb,
           size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy)
{
    const int64_t nb = cols / QK_K;
    const size_t gbytes = size_t(nb) * k_super(KK);
    row_end = min_i64(row_end, rows);
    // As run(): prepared tiles in per-thread scratch, else one tile at a time on the stack.
    alignas(64) uint8_t stack[kMaxBlocks / 8 * kXSuper];
    const int64_t tiles = (n_tokens + kTileTokens - 1) / kTileTokens;
    uint8_t* xt_all = static_cast<uint8_t*>(t_scratch.get(size_t(tiles * nb) * kXSuper));
    int64_t slice = n_tokens;
    if (!xt_all) {
        xt_all = stack;
        slice = kTileTokens;
    }
    // Q4_K / Q5_K / Q6_K batches: each panel of row groups decoded to bytes once (in L2) for all its
    // tiles of tokens; one token (or no memory for it) reads the packed codes.
    const size_t dbytes = size_t(nb) * kRepackKBytesSuper;
    uint8_t* dec = nullptr;
    if (k_batch_bytes(KK) && n_tokens > 1)
        dec = static_cast<uint8_t*>(t_k_panel.get(size_t(panel_groups(dbytes)) * dbytes));
    const size_t gstride = dec ? dbytes : gbytes;
    const int64_t panel = panel_groups(gstride) * kRepackRows;
    for (int64_t s0 = 0; s0 < n_tokens; s0 += slice) {
        const int64_t s1 = min_i64(n_tokens, s0 + slice);
        for (int64_t t0 = s0; t0 < s1; t0 += kTileTokens) {
            uint8_t* xt = xt_all + size_t((t0 - s0) / kTileTokens * nb) * kXSuper;
            for (int t = 0; t < kTileTokens; ++t) {
                const uint8_t* xr = t0 + t < s1 ? xb + size_t(t0 + t) * x_row_bytes : nullptr;
                for (int64_t i = 0; i < nb; ++i) {
                    uint8_t* dst = xt + size_t(i) * kXSuper;
                    int32_t side[16] = {};
                    float d = 0.0f;
                    if (xr) {
                        const uint8_t* bx = xr + size_t(i) * sizeof(BlockQ8_K);
                        std::memcpy(dst + QK_K * t, bx + offsetof(BlockQ8_K, qs), QK_K);
                        std::memcpy(&d, bx, 4);
                        int16_t bs[16];
                        std::memcpy(bs, bx + offsetof(BlockQ8_K, bsums), sizeof bs);
#ifdef CAUSERIE_REPACK_HAS_VNNI
                        k_side_values(KK, bs, false, side);
#else
                        k_side_values(KK, bs, true, side);
                        if (KK == kQ6K)
                            q6_side_pairs(reinterpret_cast<const int8_t*>(bx + offsetof(BlockQ8_K, qs)), side);
#endif
                    } else {
                        std::memset(dst + QK_K * t, 0, QK_K);
                    }
                    std::memcpy(dst + kXSuperD + 4 * t, &d, 4);
                    std::memcpy(dst + kXSuperSide + 64 * t, side, sizeof side);
                }
            }
        }
        for (int64_t p0 = row_begin; p0 < row_end; p0 += panel) {
            const int64_t p1 = min_i64(row_end, p0 + panel);
            const uint8_t* base = packed + size_t(p0 / kRepackRows) * gbytes;
            if (dec) {
                decode_k_groups(packed, k_super(KK), nb, p0 / kRepackRows, (p1 + kRepackRows - 1) / kRepackRows, dec,
                                decode_k_sub_block<KK>);
                base = dec;
            }
            const int batch = is_lowbit_k(KK) ? lowbit_batch(KK) : kBatchTokens;
            for (int64_t t0 = s0; t0 < s1; t0 += batch) {
                const int nt = int(min_i64(batch, s1 - t0));
                const uint8_t* xt = xt_all + size_t((t0 - s0) / kTileTokens * nb) * kXSuper;
                const TileFn fn = dec ? tile_bytes_for<KK>(nt) : tile_k_for<KK>(nt);
                const int64_t hstep = nt == 1 ? 2 : kBatchHalves;
                for (int64_t r0 = p0; r0 < p1; r0 += kRepackRows) {
                    const uint8_t* g = base + size_t((r0 - p0) / kRepackRows) * gstride;
                    const int64_t grows = min_i64(kRepackRows, p1 - r0);
                    for (int64_t h = 0; h < 2 && 8 * h < grows; h += hstep) {
                        alignas(32) float out[kMaxTile][16];
                        fn(g, int(h), nb, xt, out);
                        const int64_t first = 8 * h;
                        const int64_t n = min_i64(8 * hstep, grows - first);
                        for (int t = 0; t < nt; ++t)
                            std::memcpy(y + (t0 + t) * ldy + r0 + first, out[t], size_t(n) * sizeof(float));
                    }
                }
            }
        }
    }
}

}   // namespace

bool supports_repacked(TensorType type) { return repack_kind(type).family >= 0; }

void matmul_repacked(TensorType type, const uint8_t* packed, int64_t cols, int64_t row_begin, int64_t row_end,
                     int64_t rows, const uint8_t* x_conv, size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy)
{
    run_repacked(type, packed, cols, row_begin, row_end, rows, x_conv, x_row_bytes, n_tokens, y, ldy);
}

}   // namespace causerie::kernels::CAUSERIE_REPACK_NS
#endif
