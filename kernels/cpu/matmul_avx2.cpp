// AVX2 + FMA + F16C matrix products and activation quantizers. Compiled with -mavx2 -mfma -mf16c
// (this file only), called only after cpu_features() said yes, so the binary still runs on any
// x86-64. Nothing here has external linkage except the avx2:: entry points: no std templates are
// instantiated with AVX2 code that the linker could pick for a scalar caller.
//
// Integer products: weights and activations are 8-bit codes, multiplied with maddubs (u8 x s8 ->
// s16 pairs) and widened with madd. For signed weight codes the sign of the weight is moved onto
// the activation (|w| * sign(w)·y); activations never hold -128 (their quantizers map the largest
// magnitude to ±127), so no product saturates.
#include "matmul_cpu.h"

#include "dequant_ref.h"
#include "matmul_ref.h"
#include "quant_blocks_ref.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>

// Built twice: as avx2:: (AVX2+FMA+F16C) and, through matmul_avx2_vnni.cpp, as avx2_vnni:: with
// AVX-512 VNNI/VL also enabled (dpbusd replaces maddubs+madd, and 32 vector registers).
#ifndef CAUSERIE_MATMUL_NS
#define CAUSERIE_MATMUL_NS avx2
#endif

#ifndef __AVX2__
// Not an x86-64 build (or no per-file flags): cpu_features() never reports AVX2 there.
namespace causerie::kernels::CAUSERIE_MATMUL_NS {
bool supports(TensorType) { return false; }
bool convert(TensorType, const float*, int64_t, void*) { return false; }
void matmul(TensorType, const void*, size_t, int64_t, int64_t, const void*, size_t, int64_t, float*, int64_t) {}
}   // namespace causerie::kernels::CAUSERIE_MATMUL_NS
#else
#include <immintrin.h>

namespace causerie::kernels::CAUSERIE_MATMUL_NS {
namespace {

using namespace blocks;

#include "kernel_common.h"

inline float half(uint16_t h) { return _cvtsh_ss(h); }

inline uint16_t load_u16(const uint8_t* p)
{
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

inline float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline int hsum_i32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

inline float hmax(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

// 8 x i32 sums of u8 x s8 products over groups of 4 bytes (exact: the pair sums of maddubs
// cannot saturate with |u| <= 128 and |s| <= 127).
inline __m256i dot_u8_s8(__m256i u, __m256i s)
{
#ifdef CAUSERIE_MATMUL_VNNI
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

// acc + pairwise i16 products summed (VNNI: one vpdpwssd).
inline __m256i madd_add(__m256i acc, __m256i a, __m256i b)
{
#ifdef CAUSERIE_MATMUL_VNNI
    return _mm256_dpwssd_epi32(acc, a, b);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}

// Signed weight codes w (|w| <= 128) times activation codes y.
inline __m256i dot_s8_s8(__m256i w, __m256i y) { return dot_u8_s8(_mm256_sign_epi8(w, w), _mm256_sign_epi8(y, w)); }

// 16 packed bytes -> 32 nibbles: element j < 16 from the low nibble of byte j, j >= 16 from the
// high nibble of byte j - 16 (the legacy block layout).
inline __m256i nibbles_32(const uint8_t* qs)
{
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(b, 4), b);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// Bit j of the 32-bit qh -> byte j = 0x10 if set (the 5th bit of a Q5 code).
inline __m256i high_bits_32(const uint8_t* qh)
{
    uint32_t h;
    std::memcpy(&h, qh, 4);
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(int(h)), _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201ULL));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// ---- row kernels: one weight row against NT tokens, out[t] for t < NT -------------------------
// Each token has its own accumulator and sees the same operations whatever NT is.

constexpr int kMaxTokens = 4;

// Q4_0 / Q5_0 / Q8_0 weights against Q8_0 activations: 32-element blocks, 8 float lanes per token.
template <int NT, TensorType T>
void row_q_0(const uint8_t* w, const uint8_t* const* x, int64_t nb, float* out)
{
    constexpr size_t wbytes = T == TensorType::Q4_0   ? sizeof(BlockQ4_0)
                              : T == TensorType::Q5_0 ? sizeof(BlockQ5_0)
                                                      : sizeof(BlockQ8_0);
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t)
        acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* bw = w + size_t(i) * wbytes;
        __m256i q;
        if constexpr (T == TensorType::Q4_0) {
            q = _mm256_sub_epi8(nibbles_32(bw + 2), _mm256_set1_epi8(8));
        } else if constexpr (T == TensorType::Q5_0) {
            q = _mm256_or_si256(nibbles_32(bw + 6), high_bits_32(bw + 2));
            q = _mm256_sub_epi8(q, _mm256_set1_epi8(16));
        } else {
            q = load256(bw + 2);
        }
        const __m256i aq = _mm256_sign_epi8(q, q);
        const float dw = half(load_u16(bw));
        for (int t = 0; t < NT; ++t) {
            const uint8_t* bx = x[t] + size_t(i) * sizeof(BlockQ8_0);
            const __m256i sy = _mm256_sign_epi8(load256(bx + 2), q);
            const __m256 d = _mm256_set1_ps(dw * half(load_u16(bx)));
            acc[t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_u8_s8(aq, sy)), acc[t]);
        }
    }
    for (int t = 0; t < NT; ++t)
        out[t] = hsum(acc[t]);
}

// u8 x s8 products summed in groups of 4 and added to src (8 x i32).
inline __m256i dot_u8_s8_add(__m256i src, __m256i u, __m256i s)
{
#ifdef CAUSERIE_MATMUL_VNNI
    return _mm256_dpbusd_epi32(src, u, s);
#else
    return _mm256_add_epi32(src, dot_u8_s8(u, s));
#endif
}

// The same products for MR weight rows x NT tokens at once: each decoded weight block is used for
// NT tokens and each activation block for MR rows. xd[t][i] is block i's scale of token t as a
// float. Q4_0/Q5_0 codes stay unsigned (nibble, or nibble + 16 for Q5_0) and the offset comes
// back through xc[t][i] = -offset * sum(y codes of the block): sum (u - off) y = sum u y - off sum y,
// so the sign trick is not needed and VNNI's dpbusd adds the correction for free. Every
// (row, token) accumulator gets the same exact integer and then exactly the float operations
// row_q_0 applies, so the results are bit-identical to it whatever MR and NT are.
template <int MR, int NT, TensorType T>
void tile_q_0(const uint8_t* w, size_t w_row_bytes, const uint8_t* const* x, const float* const* xd,
              const int32_t* const* xc, int64_t nb, float* out)
{
    constexpr bool kUnsigned = T != TensorType::Q8_0;
    constexpr size_t wbytes = T == TensorType::Q4_0   ? sizeof(BlockQ4_0)
                              : T == TensorType::Q5_0 ? sizeof(BlockQ5_0)
                                                      : sizeof(BlockQ8_0);
    __m256 acc[MR][NT];
    for (int r = 0; r < MR; ++r)
        for (int t = 0; t < NT; ++t)
            acc[r][t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        __m256i q[MR], aq[MR];
        __m256 dw[MR];
        for (int r = 0; r < MR; ++r) {
            const uint8_t* bw = w + size_t(r) * w_row_bytes + size_t(i) * wbytes;
            if constexpr (T == TensorType::Q4_0) {
                q[r] = nibbles_32(bw + 2);
            } else if constexpr (T == TensorType::Q5_0) {
                q[r] = _mm256_or_si256(nibbles_32(bw + 6), high_bits_32(bw + 2));
            } else {
                q[r] = load256(bw + 2);
                aq[r] = _mm256_sign_epi8(q[r], q[r]);
            }
            dw[r] = _mm256_set1_ps(half(load_u16(bw)));
        }
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            const __m256i y = load256(x[t] + size_t(i) * sizeof(BlockQ8_0) + 2);
            const __m256 dx = _mm256_broadcast_ss(xd[t] + i);
            __m256i corr = _mm256_setzero_si256();
            if constexpr (kUnsigned)
                corr = _mm256_castsi128_si256(_mm_cvtsi32_si128(xc[t][i]));   // lane 0, rest zero
#pragma GCC unroll 2
            for (int r = 0; r < MR; ++r) {
                __m256i dot;
                if constexpr (kUnsigned)
                    dot = dot_u8_s8_add(corr, q[r], y);
                else
                    dot = dot_u8_s8(aq[r], _mm256_sign_epi8(y, q[r]));
                acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(dw[r], dx), _mm256_cvtepi32_ps(dot), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < MR; ++r)
        for (int t = 0; t < NT; ++t)
            out[r * NT + t] = hsum(acc[r][t]);
}

using TileKernel = void (*)(const uint8_t*, size_t, const uint8_t* const*, const float* const*, const int32_t* const*,
                            int64_t, float*);

template <TensorType T, int MR>
constexpr TileKernel tile_for(int nt)
{
    return nt == 1   ? tile_q_0<MR, 1, T>
           : nt == 2 ? tile_q_0<MR, 2, T>
           : nt == 3 ? tile_q_0<MR, 3, T>
                     : tile_q_0<MR, 4, T>;
}

// Q4_1 weights against Q8_1: unsigned codes plus the block min times Q8_1's s = d*sum(y).
template <int NT>
void row_q4_1(const uint8_t* w, const uint8_t* const* x, int64_t nb, float* out)
{
    __m256 acc[NT];
    float mins[NT];
    for (int t = 0; t < NT; ++t) {
        acc[t] = _mm256_setzero_ps();
        mins[t] = 0.0f;
    }
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* bw = w + size_t(i) * sizeof(BlockQ4_1);
        const __m256i q = nibbles_32(bw + 4);
        const float dw = half(load_u16(bw));
        const float mw = half(load_u16(bw + 2));
        for (int t = 0; t < NT; ++t) {
            const uint8_t* bx = x[t] + size_t(i) * sizeof(BlockQ8_1);
            const __m256 d = _mm256_set1_ps(dw * half(load_u16(bx)));
            acc[t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_u8_s8(q, load256(bx + 4))), acc[t]);
            mins[t] += mw * half(load_u16(bx + 2));
        }
    }
    for (int t = 0; t < NT; ++t)
        out[t] = hsum(acc[t]) + mins[t];
}

// Q8_K: float d, 256 codes, 16 bsums (sums of 16 codes).
constexpr size_t kQ8KQs = offsetof(BlockQ8_K, qs);
constexpr size_t kQ8KBsums = offsetof(BlockQ8_K, bsums);

inline float q8k_d(const uint8_t* bx)
{
    float d;
    std::memcpy(&d, bx, 4);
    return d;
}

// Q4_K / Q5_K against Q8_K. The integer sums per super-block are exact, then combined with the
// scales exactly as the reference does, so results equal vec_dot_ref's bit for bit.
template <int NT, bool Q5>
void row_k4(const uint8_t* w, const uint8_t* const* x, int64_t nb, float* out)
{
    constexpr size_t wbytes = Q5 ? sizeof(BlockQ5_K) : sizeof(BlockQ4_K);
    constexpr size_t qs_off = Q5 ? offsetof(BlockQ5_K, qs) : offsetof(BlockQ4_K, qs);
    float sumf[NT];
    for (int t = 0; t < NT; ++t)
        sumf[t] = 0.0f;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* bw = w + size_t(i) * wbytes;
        // Each super-block takes long enough that the hardware prefetcher falls behind on a
        // single stream (measured: tg 5.7 -> see docs/benchmarks-cpu.md); ask for ~2 blocks ahead.
        _mm_prefetch(reinterpret_cast<const char*>(bw + 2 * wbytes), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(bw + 2 * wbytes + 64), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(bw + 2 * wbytes + 128), _MM_HINT_T0);
        // The 6-bit scales and mins as 8 x i16 each, unpacked with 32-bit word operations
        // (layout in quant_blocks_ref.h): bits 6-7 of bytes 0-3 / 4-7 are the top bits of
        // scales / mins 4-7, whose low 4 bits sit in the nibbles of bytes 8-11.
        uint32_t a, b, c;
        std::memcpy(&a, bw + 4, 4);
        std::memcpy(&b, bw + 8, 4);
        std::memcpy(&c, bw + 12, 4);
        const uint32_t sc_lo = a & 0x3F3F3F3Fu, sc_hi = (c & 0x0F0F0F0Fu) | ((a >> 2) & 0x30303030u);
        const uint32_t m_lo = b & 0x3F3F3F3Fu, m_hi = ((c >> 4) & 0x0F0F0F0Fu) | ((b >> 2) & 0x30303030u);
        const __m128i sc8 = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, int(sc_hi), int(sc_lo)));
        const __m128i m8 = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, int(m_hi), int(m_lo)));
        const __m256i sc8x2 = _mm256_broadcastsi128_si256(sc8);
        __m256i qh = _mm256_setzero_si256();
        if constexpr (Q5)
            qh = load256(bw + offsetof(BlockQ5_K, qh));
        __m256i sumi[NT];
        for (int t = 0; t < NT; ++t)
            sumi[t] = _mm256_setzero_si256();
#pragma GCC unroll 4
        for (int p = 0; p < 4; ++p) {
            const __m256i packed = load256(bw + qs_off + 32 * p);
            __m256i lo = _mm256_and_si256(packed, low4);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low4);
            if constexpr (Q5) {
                const __m256i one = _mm256_set1_epi8(1);
                const __m256i hb_lo = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * p), one);
                const __m256i hb_hi = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * p + 1), one);
                lo = _mm256_or_si256(lo, _mm256_slli_epi16(hb_lo, 4));
                hi = _mm256_or_si256(hi, _mm256_slli_epi16(hb_hi, 4));
            }
            // scale 2p (bytes 4p, 4p+1 of sc8) and 2p+1 in every 16-bit lane
            const __m256i sc_lo = _mm256_shuffle_epi8(sc8x2, _mm256_set1_epi16(int16_t((4 * p + 1) << 8 | (4 * p))));
            const __m256i sc_hi =
                _mm256_shuffle_epi8(sc8x2, _mm256_set1_epi16(int16_t((4 * p + 3) << 8 | (4 * p + 2))));
            for (int t = 0; t < NT; ++t) {
                const uint8_t* y = x[t] + size_t(i) * sizeof(BlockQ8_K) + kQ8KQs + 64 * p;
                const __m256i plo = _mm256_maddubs_epi16(lo, load256(y));
                const __m256i phi = _mm256_maddubs_epi16(hi, load256(y + 32));
                sumi[t] = madd_add(madd_add(sumi[t], plo, sc_lo), phi, sc_hi);
            }
        }
        const float d16 = half(load_u16(bw));
        const float dmin16 = half(load_u16(bw + 2));
        for (int t = 0; t < NT; ++t) {
            const uint8_t* bx = x[t] + size_t(i) * sizeof(BlockQ8_K);
            // the 16 bsums pairwise -> 8 sub-block sums (|sum| <= 32 * 127 fits i16), times the mins
            const __m256i bs = load256(bx + kQ8KBsums);
            const __m128i sub = _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
            const __m128i mm = _mm_madd_epi16(sub, m8);
            __m128i r4 = _mm_add_epi32(mm, _mm_shuffle_epi32(mm, 0x4E));
            r4 = _mm_add_epi32(r4, _mm_shuffle_epi32(r4, 0xB1));
            const int summ = _mm_cvtsi128_si32(r4);
            const float dx = q8k_d(bx);
            const float d = d16 * dx;
            const float dmin = dmin16 * dx;
            sumf[t] += d * float(hsum_i32(sumi[t])) - dmin * float(summ);
        }
    }
    for (int t = 0; t < NT; ++t)
        out[t] = sumf[t];
}

// Q6_K against Q8_K: codes u in [0, 63] stand for u - 32, so sum (u-32) y = sum u y - 32 bsum.
// Exact integers per super-block, then the reference's float combination: bit-identical.
template <int NT>
void row_q6_k(const uint8_t* w, const uint8_t* const* x, int64_t nb, float* out)
{
    float sumf[NT];
    for (int t = 0; t < NT; ++t)
        sumf[t] = 0.0f;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i low2 = _mm256_set1_epi8(0x03);
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* bw = w + size_t(i) * sizeof(BlockQ6_K);
        const uint8_t* ql = bw + offsetof(BlockQ6_K, ql);
        const uint8_t* qhp = bw + offsetof(BlockQ6_K, qh);
        const int8_t* scales = reinterpret_cast<const int8_t*>(bw + offsetof(BlockQ6_K, scales));
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(scales)));
        __m256i sumi[NT];
        for (int t = 0; t < NT; ++t)
            sumi[t] = _mm256_setzero_si256();
        for (int c = 0; c < 2; ++c) {
            const __m256i qa = load256(ql + 64 * c);
            const __m256i qb = load256(ql + 64 * c + 32);
            const __m256i qh = load256(qhp + 32 * c);
            __m256i u[4];
            u[0] = _mm256_and_si256(qa, low4);
            u[1] = _mm256_and_si256(qb, low4);
            u[2] = _mm256_and_si256(_mm256_srli_epi16(qa, 4), low4);
            u[3] = _mm256_and_si256(_mm256_srli_epi16(qb, 4), low4);
            for (int k = 0; k < 4; ++k) {
                const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * k), low2);
                u[k] = _mm256_or_si256(u[k], _mm256_slli_epi16(hb, 4));
            }
            for (int k = 0; k < 4; ++k) {
                const int s = 8 * c + 2 * k;   // scale of the first 16 of these 32 elements
                const __m256i sck = _mm256_set_m128i(_mm_set1_epi16(scales[s + 1]), _mm_set1_epi16(scales[s]));
                for (int t = 0; t < NT; ++t) {
                    const uint8_t* y = x[t] + size_t(i) * sizeof(BlockQ8_K) + kQ8KQs + 128 * c + 32 * k;
                    sumi[t] = madd_add(sumi[t], _mm256_maddubs_epi16(u[k], load256(y)), sck);
                }
            }
        }
        const float dw = half(load_u16(bw + offsetof(BlockQ6_K, d)));
        for (int t = 0; t < NT; ++t) {
            const uint8_t* bx = x[t] + size_t(i) * sizeof(BlockQ8_K);
            const int offset = 32 * hsum_i32(_mm256_madd_epi16(load256(bx + kQ8KBsums), sc16));
            sumf[t] += (dw * q8k_d(bx)) * float(hsum_i32(sumi[t]) - offset);
        }
    }
    for (int t = 0; t < NT; ++t)
        out[t] = sumf[t];
}

// F16 (BF16) weights against F16 (BF16) activations: both widened to float (exact), products in
// kF16Lanes lanes (8, or 16 in the AVX-512 build), reduced by hsum_f16, then a scalar tail. Every
// kernel below does exactly these operations per (row, token), so a batch equals one token at a
// time bit for bit.
#ifdef __AVX512F__
// GCC 12 reports its own _mm512_undefined_*() inside these intrinsics as (maybe-)uninitialized
// (a false positive: the masked forms with a full mask ignore it).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
using VecF16 = __m512;
constexpr int64_t kF16Lanes = 16;
inline VecF16 f16_zero() { return _mm512_setzero_ps(); }
inline VecF16 f16_load_half(const uint8_t* p)
{
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline VecF16 f16_load_bf16(const uint8_t* p)
{
    const __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
}
inline VecF16 f16_load_float(const float* p) { return _mm512_loadu_ps(p); }
inline void f16_store_float(float* p, VecF16 v) { _mm512_storeu_ps(p, v); }
inline VecF16 f16_fma(VecF16 a, VecF16 b, VecF16 c) { return _mm512_fmadd_ps(a, b, c); }
inline float hsum_f16(VecF16 v)
{
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    return hsum(_mm256_add_ps(_mm512_castps512_ps256(v), hi));
}
// Prompt tiles of 4 rows x 6 tokens: 24 accumulators + 4 weight vectors of the 32 registers. The
// activations are widened to float once per token block: 512-bit vcvtph2ps is dear enough on
// Zen 4 that converting them in the tile too measured slower (47 against 52 GMAC/s).
constexpr int kF16MR = 4, kF16NT = 6;
constexpr bool kF16HalfTiles = false;
#else
using VecF16 = __m256;
constexpr int64_t kF16Lanes = 8;
inline VecF16 f16_zero() { return _mm256_setzero_ps(); }
inline VecF16 f16_load_half(const uint8_t* p)
{
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline VecF16 f16_load_bf16(const uint8_t* p)
{
    const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}
inline VecF16 f16_load_float(const float* p) { return _mm256_loadu_ps(p); }
inline void f16_store_float(float* p, VecF16 v) { _mm256_storeu_ps(p, v); }
inline VecF16 f16_fma(VecF16 a, VecF16 b, VecF16 c) { return _mm256_fmadd_ps(a, b, c); }
inline float hsum_f16(VecF16 v) { return hsum(v); }
// Prompt tiles of 4 rows x 3 tokens: 12 accumulators + 3 activation vectors + 1 weight vector of
// the 16 registers. Both sides stay halves and are widened in the tile (256-bit vcvtph2ps does not
// take the FMA ports): half the bytes of widened activations, so a token block of 1-2 MiB sits in
// L2 and the tile runs at ~53 GMAC/s against 41 with float activations (4096 x 4096, 128 tokens,
// Zen 4, thread CPU time).
constexpr int kF16MR = 4, kF16NT = 3;
constexpr bool kF16HalfTiles = true;
#endif

// BF = false: fp16 halves, true: bfloat16.
template <bool BF>
inline VecF16 load_halves(const uint8_t* p)
{
    return BF ? f16_load_bf16(p) : f16_load_half(p);
}
template <bool BF>
inline float widen(const uint8_t* p)
{
    return BF ? bf16_to_fp32(load_u16(p)) : half(load_u16(p));
}

// Activation element i of a token row: halves (XH) or floats widened from them (the same value).
template <bool BF, bool XH>
inline VecF16 load_x(const uint8_t* x, int64_t i)
{
    return XH ? load_halves<BF>(x + 2 * i) : f16_load_float(reinterpret_cast<const float*>(x) + i);
}
template <bool BF, bool XH>
inline float x_at(const uint8_t* x, int64_t i)
{
    if constexpr (XH)
        return widen<BF>(x + 2 * i);
    float v;
    std::memcpy(&v, x + 4 * i, 4);
    return v;
}

// MR weight rows x NT tokens: out[t * ld + r] = row r . token t. Per (row, token) one accumulator
// of kF16Lanes lanes, one FMA per vector in column order, hsum_f16, then the scalar tail: the same
// operations whatever MR, NT, XH, so every tiling (and one token at a time) is bit-identical. The
// operand of the inner loop is loaded once per vector and reused (weights when MR <= NT, tokens
// otherwise). MR > 1 with NT = 1 is the AVX2 generation kernel: MR independent FMA chains (one chain
// ran at 4 bytes of weights a cycle, below the memory bandwidth).
template <int MR, int NT, bool BF, bool XH>
void tile_f16(const uint8_t* w, size_t w_row_bytes, const uint8_t* const* x, int64_t n, float* out, int64_t ld)
{
    VecF16 acc[MR][NT];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
        for (int t = 0; t < NT; ++t)
            acc[r][t] = f16_zero();
    const int64_t nv = n & ~(kF16Lanes - 1);
    for (int64_t i = 0; i < nv; i += kF16Lanes) {
        if constexpr (MR <= NT) {
            VecF16 wv[MR];
#pragma GCC unroll 8
            for (int r = 0; r < MR; ++r)
                wv[r] = load_halves<BF>(w + size_t(r) * w_row_bytes + 2 * i);
#pragma GCC unroll 8
            for (int t = 0; t < NT; ++t) {
                const VecF16 xv = load_x<BF, XH>(x[t], i);
#pragma GCC unroll 8
                for (int r = 0; r < MR; ++r)
                    acc[r][t] = f16_fma(wv[r], xv, acc[r][t]);
            }
        } else {
            VecF16 xv[NT];
#pragma GCC unroll 8
            for (int t = 0; t < NT; ++t)
                xv[t] = load_x<BF, XH>(x[t], i);
#pragma GCC unroll 8
            for (int r = 0; r < MR; ++r) {
                const VecF16 wv = load_halves<BF>(w + size_t(r) * w_row_bytes + 2 * i);
#pragma GCC unroll 8
                for (int t = 0; t < NT; ++t)
                    acc[r][t] = f16_fma(wv, xv[t], acc[r][t]);
            }
        }
    }
    for (int r = 0; r < MR; ++r) {
        const uint8_t* wr = w + size_t(r) * w_row_bytes;
        for (int t = 0; t < NT; ++t) {
            float s = hsum_f16(acc[r][t]);
            for (int64_t i = nv; i < n; ++i)
                s += widen<BF>(wr + 2 * i) * x_at<BF, XH>(x[t], i);
            out[t * ld + r] = s;
        }
    }
}

// One row against NT tokens of halves (the row-kernel table's entry; AVX-512 generation).
template <int NT, bool BF = false>
void row_f16(const uint8_t* w, const uint8_t* const* x, int64_t n, float* out)
{
    tile_f16<1, NT, BF, true>(w, 0, x, n, out, 1);
}

// Every row tile (MR rows) over every token tile (NT tokens) of nb tokens whose rows are xp[t];
// rows left over through 1-row tiles, tokens left over through 1-token tiles.
template <int MR, int NT, bool BF, bool XH>
void f16_block(const uint8_t* wb, size_t w_row_bytes, int64_t rows, int64_t n, const uint8_t* const* xp, int64_t nb,
               float* yb, int64_t ldy)
{
    const int64_t full_tokens = nb - nb % NT, full_rows = rows - rows % MR;
    for (int64_t r = 0; r < full_rows; r += MR) {
        const uint8_t* wr = wb + size_t(r) * w_row_bytes;
        for (int64_t t = 0; t < full_tokens; t += NT)
            tile_f16<MR, NT, BF, XH>(wr, w_row_bytes, xp + t, n, yb + t * ldy + r, ldy);
        for (int64_t t = full_tokens; t < nb; ++t)
            tile_f16<MR, 1, BF, XH>(wr, w_row_bytes, xp + t, n, yb + t * ldy + r, ldy);
    }
    for (int64_t r = full_rows; r < rows; ++r) {
        const uint8_t* wr = wb + size_t(r) * w_row_bytes;
        for (int64_t t = 0; t < full_tokens; t += NT)
            tile_f16<1, NT, BF, XH>(wr, w_row_bytes, xp + t, n, yb + t * ldy + r, ldy);
        for (int64_t t = full_tokens; t < nb; ++t)
            tile_f16<1, 1, BF, XH>(wr, w_row_bytes, xp + t, n, yb + t * ldy + r, ldy);
    }
}

// F16 products. Prompts go by blocks of tokens: for each tile of kF16MR rows every tile of kF16NT
// tokens of the block, so a weight tile is read from memory once per block and reused from L1/L2
// by all its tokens. AVX-512: the block (up to 4 MiB) is first widened to float (bigger blocks
// measured faster, as the weights are then read from memory fewer times: 6 tokens per pass for
// 14336 columns at 512 KiB); without scratch memory, row_f16 one row at a time. AVX2: the block
// is the halves themselves, up to 2 MiB (1-2 MiB kept in L2 measured fastest), and one token goes
// through tiles of kF16GenRows rows (the AVX-512 build keeps generation on row_f16: its one chain
// of 16 lanes already reaches the memory bandwidth, and 4-row tiles measured slower there, 7.7-8.0
// t/s against 9.5-9.9).
template <bool BF>
void matmul_f16(const uint8_t* wb, size_t w_row_bytes, int64_t rows, int64_t n, const uint8_t* xb, size_t x_row_bytes,
                int64_t n_tokens, float* y, int64_t ldy)
{
    constexpr int64_t kF16MaxBlock = 64 * kF16NT;
    const uint8_t* xp[kF16MaxBlock];
    if constexpr (kF16HalfTiles) {
        constexpr int64_t kF16BlockBytes = 2048 * 1024;
        constexpr int kF16GenRows = 8;
        if (n_tokens == 1) {
            xp[0] = xb;
            f16_block<kF16GenRows, 1, BF, true>(wb, w_row_bytes, rows, n, xp, 1, y, ldy);
            return;
        }
        const int64_t fit = kF16BlockBytes / int64_t(x_row_bytes) / kF16NT * kF16NT;
        const int64_t block = min_i64(n_tokens, min_i64(kF16MaxBlock, fit > kF16NT ? fit : kF16NT));
        for (int64_t s0 = 0; s0 < n_tokens; s0 += block) {
            const int64_t nb = min_i64(block, n_tokens - s0);
            for (int64_t t = 0; t < nb; ++t)
                xp[t] = xb + size_t(s0 + t) * x_row_bytes;
            f16_block<kF16MR, kF16NT, BF, true>(wb, w_row_bytes, rows, n, xp, nb, y + s0 * ldy, ldy);
        }
        return;
    }
    constexpr int64_t kF16BlockBytes = 4096 * 1024;
    const int64_t stride = (n + 15) & ~int64_t(15);
    const int64_t fit = kF16BlockBytes / (stride * int64_t(sizeof(float))) / kF16NT * kF16NT;
    const int64_t block = min_i64(n_tokens, min_i64(32 * kF16NT, fit > kF16NT ? fit : kF16NT));
    auto* xf_all = static_cast<float*>(t_scratch.get(size_t(block * stride) * sizeof(float)));
    if (!xf_all) {
        for (int64_t t = 0; t < n_tokens; ++t) {
            xp[0] = xb + size_t(t) * x_row_bytes;
            for (int64_t r = 0; r < rows; ++r)
                row_f16<1, BF>(wb + size_t(r) * w_row_bytes, xp, n, y + t * ldy + r);
        }
        return;
    }
    for (int64_t s0 = 0; s0 < n_tokens; s0 += block) {
        const int64_t nb = min_i64(block, n_tokens - s0);
        for (int64_t t = 0; t < nb; ++t) {
            const uint8_t* xr = xb + size_t(s0 + t) * x_row_bytes;
            float* dst = xf_all + t * stride;
            int64_t i = 0;
            for (; i + kF16Lanes <= n; i += kF16Lanes)
                f16_store_float(dst + i, load_halves<BF>(xr + 2 * i));
            for (; i < n; ++i)
                dst[i] = widen<BF>(xr + 2 * i);
            xp[t] = reinterpret_cast<const uint8_t*>(dst);
        }
        f16_block<kF16MR, kF16NT, BF, false>(wb, w_row_bytes, rows, n, xp, nb, y + s0 * ldy, ldy);
    }
}

// F32 weights (rows at any alignment) against F32 activations.
template <int NT>
void row_f32(const uint8_t* w, const uint8_t* const* x, int64_t n, float* out)
{
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t)
        acc[t] = _mm256_setzero_ps();
    const int64_t n8 = n & ~int64_t(7);
    for (int64_t i = 0; i < n8; i += 8) {
        const __m256 wv = _mm256_loadu_ps(reinterpret_cast<const float*>(w + 4 * i));
        for (int t = 0; t < NT; ++t)
            acc[t] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(reinterpret_cast<const float*>(x[t] + 4 * i)), acc[t]);
    }
    for (int t = 0; t < NT; ++t) {
        float s = hsum(acc[t]);
        for (int64_t i = n8; i < n; ++i) {
            float a, b;
            std::memcpy(&a, w + 4 * i, 4);
            std::memcpy(&b, x[t] + 4 * i, 4);
            s += a * b;
        }
        out[t] = s;
    }
}

using RowKernel = void (*)(const uint8_t*, const uint8_t* const*, int64_t, float*);

struct KernelSet {
    RowKernel k[kMaxTokens + 1];   // k[nt] handles nt tokens
    int64_t block;                 // elements per count unit passed as the 3rd argument
};

template <template <int> class K>
constexpr KernelSet make_set(int64_t block)
{
    return KernelSet{{nullptr, K<1>::run, K<2>::run, K<3>::run, K<4>::run}, block};
}

// The row kernel of weight type T for NT tokens.
template <TensorType T>
struct Rows {
    template <int NT>
    struct K {
        static void run(const uint8_t* w, const uint8_t* const* x, int64_t n, float* o)
        {
            constexpr bool q5k = T == TensorType::Q5_K, bf16 = T == TensorType::BF16;
            if constexpr (T == TensorType::Q4_1)
                row_q4_1<NT>(w, x, n, o);
            else if constexpr (T == TensorType::Q4_K || q5k)
                row_k4<NT, q5k>(w, x, n, o);
            else if constexpr (T == TensorType::Q6_K)
                row_q6_k<NT>(w, x, n, o);
            else if constexpr (T == TensorType::F16 || bf16)
                row_f16<NT, bf16>(w, x, n, o);
            else if constexpr (T == TensorType::F32)
                row_f32<NT>(w, x, n, o);
            else   // Q4_0, Q5_0, Q8_0
                row_q_0<NT, T>(w, x, n, o);
        }
    };
};

const KernelSet* kernels_for(TensorType type)
{
    static const KernelSet q4_0 = make_set<Rows<TensorType::Q4_0>::K>(QK);
    static const KernelSet q5_0 = make_set<Rows<TensorType::Q5_0>::K>(QK);
    static const KernelSet q8_0 = make_set<Rows<TensorType::Q8_0>::K>(QK);
    static const KernelSet q4_1 = make_set<Rows<TensorType::Q4_1>::K>(QK);
    static const KernelSet q4_k = make_set<Rows<TensorType::Q4_K>::K>(QK_K);
    static const KernelSet q5_k = make_set<Rows<TensorType::Q5_K>::K>(QK_K);
    static const KernelSet q6_k = make_set<Rows<TensorType::Q6_K>::K>(QK_K);
    static const KernelSet f16 = make_set<Rows<TensorType::F16>::K>(1);
    static const KernelSet bf16 = make_set<Rows<TensorType::BF16>::K>(1);
    static const KernelSet f32 = make_set<Rows<TensorType::F32>::K>(1);
    switch (type) {
    case TensorType::Q4_0: return &q4_0;
    case TensorType::Q5_0: return &q5_0;
    case TensorType::Q8_0: return &q8_0;
    case TensorType::Q4_1: return &q4_1;
    case TensorType::Q4_K: return &q4_k;
    case TensorType::Q5_K: return &q5_k;
    case TensorType::Q6_K: return &q6_k;
    case TensorType::F16: return &f16;
    case TensorType::BF16: return &bf16;
    case TensorType::F32: return &f32;
    default: return nullptr;
    }
}

// ---- activation quantizers, byte-identical to quantize_row_ref ------------------------------

inline __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

// max(|x|) over 8*k floats; NaNs are skipped as std::max(amax, |x|) skips them.
inline float amax_of(const float* x, int n)
{
    __m256 m = _mm256_setzero_ps();
    for (int j = 0; j < n; j += 8)
        m = _mm256_max_ps(abs_ps(_mm256_loadu_ps(x + j)), m);   // operand order: NaN yields m
    return hmax(m);
}

// round half away from zero (std::round), NaN -> 0, clamped to [-128, 127], as i32.
inline __m256i codes_round_away(__m256 v)
{
    v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 frac = _mm256_sub_ps(v, t);   // exact
    const __m256 away = _mm256_cmp_ps(abs_ps(frac), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    const __m256 one = _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(v, _mm256_set1_ps(-0.0f)));
    __m256 r = _mm256_add_ps(t, _mm256_and_ps(away, one));
    r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-128.0f)), _mm256_set1_ps(127.0f));
    return _mm256_cvttps_epi32(r);
}

// 4 x (8 x i32) -> 32 x i8 in element order.
inline __m256i pack_i32_to_i8(__m256i a, __m256i b, __m256i c, __m256i d)
{
    const __m256i ab = _mm256_packs_epi32(a, b);   // lanes interleaved by 128-bit halves
    const __m256i cd = _mm256_packs_epi32(c, d);
    const __m256i abcd = _mm256_packs_epi16(ab, cd);
    return _mm256_permutevar8x32_epi32(abcd, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Codes and fp16 scale of a Q8_0/Q8_1 block; returns the unrounded scale d and, if asked, the
// sum of the codes (Q8_1's s is computed from both, as the reference does).
float quantize_block_32(const float* x, int8_t* qs, uint16_t* d_out, int* sum_out)
{
    const float amax = amax_of(x, 32);
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const __m256 vid = _mm256_set1_ps(id);
    __m256i c[4];
    for (int k = 0; k < 4; ++k)
        c[k] = codes_round_away(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), vid));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs), pack_i32_to_i8(c[0], c[1], c[2], c[3]));
    *d_out = fp32_to_fp16(d);
    if (sum_out) {
        const int sum = hsum_i32(_mm256_add_epi32(_mm256_add_epi32(c[0], c[1]), _mm256_add_epi32(c[2], c[3])));
        *sum_out = sum;
    }
    return d;
}

void quantize_q8_0(const float* x, uint8_t* dst, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, x += QK, dst += sizeof(BlockQ8_0)) {
        BlockQ8_0 b;
        quantize_block_32(x, b.qs, &b.d, nullptr);
        std::memcpy(dst, &b, sizeof b);
    }
}

void quantize_q8_1(const float* x, uint8_t* dst, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, x += QK, dst += sizeof(BlockQ8_1)) {
        BlockQ8_1 b;
        int sum = 0;
        const float d = quantize_block_32(x, b.qs, &b.d, &sum);
        b.s = fp32_to_fp16(float(sum) * d);
        std::memcpy(dst, &b, sizeof b);
    }
}

void quantize_q8_k(const float* x, uint8_t* dst, int64_t nb)
{
    for (int64_t i = 0; i < nb; ++i, x += QK_K, dst += sizeof(BlockQ8_K)) {
        BlockQ8_K b;
        std::memset(&b, 0, sizeof b);
        const float amax = amax_of(x, QK_K);
        if (amax != 0.0f) {
            // the first element of largest magnitude gives the sign, as the reference's scan
            float max = 0.0f;
            const __m256 va = _mm256_set1_ps(amax);
            for (int j = 0; j < QK_K; j += 8) {
                const int mask = _mm256_movemask_ps(_mm256_cmp_ps(abs_ps(_mm256_loadu_ps(x + j)), va, _CMP_EQ_OQ));
                if (mask) {
                    max = x[j + __builtin_ctz(unsigned(mask))];
                    break;
                }
            }
            const float iscale = -127.0f / max;
            const __m256 vs = _mm256_set1_ps(iscale);
            for (int j = 0; j < QK_K; j += 32) {
                __m256i c[4];
                for (int k = 0; k < 4; ++k) {
                    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * k), vs);
                    v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
                    v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);   // half to even
                    v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-128.0f)), _mm256_set1_ps(127.0f));
                    c[k] = _mm256_cvttps_epi32(v);
                }
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(b.qs + j), pack_i32_to_i8(c[0], c[1], c[2], c[3]));
            }
            for (int s = 0; s < QK_K / 16; ++s) {
                const __m256i v =
                    _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs + 16 * s)));
                b.bsums[s] = int16_t(hsum_i32(_mm256_madd_epi16(v, _mm256_set1_epi16(1))));
            }
            b.d = 1.0f / iscale;
        }
        std::memcpy(dst, &b, sizeof b);
    }
}

void convert_f16(const float* x, uint8_t* dst, int64_t n)
{
    const int64_t n8 = n & ~int64_t(7);
    for (int64_t i = 0; i < n8; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (int64_t i = n8; i < n; ++i) {
        const uint16_t h = fp32_to_fp16(x[i]);
        std::memcpy(dst + 2 * i, &h, 2);
    }
}

// Q4_0 / Q5_0 / Q8_0 against Q8_0 in 2-row x 4-token tiles; false if the row is too long for the
// scale scratch (then the one-row kernels run).
template <TensorType T>
bool matmul_q_0(const uint8_t* wb, size_t w_row_bytes, int64_t rows, int64_t nb, const uint8_t* xb, size_t x_row_bytes,
                int64_t n_tokens, float* y, int64_t ldy)
{
    constexpr int64_t kMaxBlocks = 512;    // 16384 columns
    constexpr int64_t kBlockTokens = 32;   // scratch: 2 x 32 x 512 x 4 bytes = 128 KiB of stack
    constexpr int32_t kOffset = T == TensorType::Q4_0 ? 8 : T == TensorType::Q5_0 ? 16 : 0;
    if (nb > kMaxBlocks)
        return false;
    float xd_all[kBlockTokens * kMaxBlocks];
    int32_t xc_all[kBlockTokens * kMaxBlocks];
    // Cache blocking: 32 tokens' converted rows (~140 KB for 4096 columns) stay in L2 while every
    // pair of weight rows of this call's range passes them, and a pair stays in L1 for all 8 groups
    // of 4 tokens. The weights are read n_tokens / 32 times from L3/DRAM.
    for (int64_t s0 = 0; s0 < n_tokens; s0 += kBlockTokens) {
        const int64_t s1 = min_i64(n_tokens, s0 + kBlockTokens);
        for (int64_t t = s0; t < s1; ++t) {
            const uint8_t* xr = xb + size_t(t) * x_row_bytes;
            float* xd = xd_all + (t - s0) * kMaxBlocks;
            int32_t* xc = xc_all + (t - s0) * kMaxBlocks;
            for (int64_t i = 0; i < nb; ++i) {
                const uint8_t* bx = xr + size_t(i) * sizeof(BlockQ8_0);
                xd[i] = half(load_u16(bx));
                if constexpr (kOffset != 0)
                    xc[i] = -kOffset * hsum_i32(dot_u8_s8(_mm256_set1_epi8(1), load256(bx + 2)));
            }
        }
        // Pairs of rows for a batch (4-row tiles measured slower: 36 vs 48 GMAC/s on Zen 4, the
        // 16 accumulators crowd out the rest); one token (generation) takes rows one at a time:
        // measured, pairs of rows were much slower there when the weights stream from the file.
        const int64_t step = n_tokens == 1 ? 1 : 2;
        int mr = 1;
        for (int64_t r = 0; r < rows; r += mr) {
            mr = rows - r >= step ? int(step) : 1;
            for (int64_t t0 = s0; t0 < s1; t0 += kMaxTokens) {
                const int nt = int(min_i64(kMaxTokens, s1 - t0));
                const uint8_t* xp[kMaxTokens];
                const float* xdp[kMaxTokens];
                const int32_t* xcp[kMaxTokens];
                for (int t = 0; t < nt; ++t) {
                    xp[t] = xb + size_t(t0 + t) * x_row_bytes;
                    xdp[t] = xd_all + (t0 + t - s0) * kMaxBlocks;
                    xcp[t] = xc_all + (t0 + t - s0) * kMaxBlocks;
                }
                float out[2 * kMaxTokens];
                const TileKernel k = mr == 2 ? tile_for<T, 2>(nt) : tile_for<T, 1>(nt);
                k(wb + size_t(r) * w_row_bytes, w_row_bytes, xp, xdp, xcp, nb, out);
                for (int rr = 0; rr < mr; ++rr)
                    for (int t = 0; t < nt; ++t)
                        y[(t0 + t) * ldy + r + rr] = out[rr * nt + t];
            }
        }
    }
    return true;
}

}   // namespace

bool supports(TensorType type) { return kernels_for(type) != nullptr; }

bool convert(TensorType weight_type, const float* x, int64_t cols, void* out)
{
    auto* dst = static_cast<uint8_t*>(out);
    switch (vec_dot_type(weight_type)) {
    case TensorType::Q8_0: quantize_q8_0(x, dst, cols / QK); return true;
    case TensorType::Q8_1: quantize_q8_1(x, dst, cols / QK); return true;
    case TensorType::Q8_K: quantize_q8_k(x, dst, cols / QK_K); return true;
    case TensorType::F16: convert_f16(x, dst, cols); return true;
    default: return false;
    }
}

void matmul(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const void* x_conv,
            size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy)
{
    const KernelSet* ks = kernels_for(type);
    const int64_t count = cols / ks->block;
    const auto* wb = static_cast<const uint8_t*>(w);
    const auto* xb = static_cast<const uint8_t*>(x_conv);
    if (((type == TensorType::Q4_0 &&
          matmul_q_0<TensorType::Q4_0>(wb, w_row_bytes, rows, count, xb, x_row_bytes, n_tokens, y, ldy)) ||
         (type == TensorType::Q5_0 &&
          matmul_q_0<TensorType::Q5_0>(wb, w_row_bytes, rows, count, xb, x_row_bytes, n_tokens, y, ldy)) ||
         (type == TensorType::Q8_0 &&
          matmul_q_0<TensorType::Q8_0>(wb, w_row_bytes, rows, count, xb, x_row_bytes, n_tokens, y, ldy))))
        return;
    if (type == TensorType::F16 && (n_tokens > 1 || kF16HalfTiles)) {
        matmul_f16<false>(wb, w_row_bytes, rows, count, xb, x_row_bytes, n_tokens, y, ldy);
        return;
    }
    if (type == TensorType::BF16 && (n_tokens > 1 || kF16HalfTiles)) {
        matmul_f16<true>(wb, w_row_bytes, rows, count, xb, x_row_bytes, n_tokens, y, ldy);
        return;
    }
    rows_by_token_tiles<kMaxTokens>(
        wb, w_row_bytes, rows, xb, x_row_bytes, n_tokens, y, ldy,
        [&](const uint8_t* wr, const uint8_t* const* xp, int nt, float* out) { ks->k[nt](wr, xp, count, out); });
}

}   // namespace causerie::kernels::CAUSERIE_MATMUL_NS
#endif   // __AVX2__
