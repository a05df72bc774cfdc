// AVX2 dot products for Q2_K, Q3_K, IQ4_XS (against Q8_K activations) and IQ4_NL (against Q8_0).
// Compiled with -mavx2 -mfma -mf16c -ffp-contract=off (this file only) and entered only after
// cpu_features() said yes. Nothing here has external linkage but the lowbit_avx2:: entry points.
//
// Each weight block is decoded once into 8-bit codes and 16-bit scales, then multiplied with up to
// kTile tokens: maddubs (u8 weight codes x s8 activations -> exact i16 pair sums), then madd with
// the sub-block scales (-> i32). Codes are made unsigned where the format is signed: Q3_K's
// [-4, 3] as q + 4 (the 4 * sum(y) term comes back from Q8_K's bsums), IQ4's grid values by
// moving their sign onto the activation (|v| * sign(v)·y). Activations never hold -128, so no
// pair sum saturates (2 * 127 * 127 < 2^15).
//
// The float part is the reference's, per block and in its order (matmul_ref.cpp), so results are
// bit-identical to vec_dot_ref.
#include "matmul_lowbit.h"

#include "quant_blocks_ref.h"

#include <cstdlib>
#include <cstring>

#ifndef CAUSERIE_LOWBIT_NS
#define CAUSERIE_LOWBIT_NS lowbit_avx2
#endif

#ifndef __AVX2__
// Not an x86-64 build (or no per-file flags): cpu_features() never reports AVX2 there.
namespace causerie::kernels::CAUSERIE_LOWBIT_NS {
bool supports(TensorType) { return false; }
void matmul(TensorType, const void*, size_t, int64_t, int64_t, const void*, size_t, int64_t, float*, int64_t) {}
}   // namespace causerie::kernels::CAUSERIE_LOWBIT_NS
#else
#include <immintrin.h>

namespace causerie::kernels::CAUSERIE_LOWBIT_NS {
namespace {

using namespace blocks;

constexpr int kTile = 4;   // tokens sharing one decoded weight block

#include "kernel_common.h"

inline float load_f32(const uint8_t* p)
{
    float f;
    std::memcpy(&f, p, 4);
    return f;
}

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

inline int hsum_i32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

// acc + pairwise i16 products summed into i32 (VNNI: one vpdpwssd).
inline __m256i madd_add(__m256i acc, __m256i a, __m256i b)
{
#ifdef CAUSERIE_LOWBIT_VNNI
    return _mm256_dpwssd_epi32(acc, a, b);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}

// Shuffle control picking byte 2v eight times, then byte 2v + 1 eight times: the scales of the
// two 16-element sub-blocks of one 32-element vector, spread over its 16 pair-sum lanes.
inline __m128i pair_ctrl(int v)
{
    return _mm_add_epi8(_mm_set_epi64x(0x0101010101010101LL, 0), _mm_set1_epi8(char(2 * v)));
}

// 16 packed bytes -> 32 grid values: element j < 16 from the low nibble of byte j, j >= 16 from
// the high nibble of byte j - 16, each mapped through k_iq4nl_values.
inline __m256i iq4_values(const uint8_t* qs, __m256i table)
{
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m256i nib = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), _mm256_set1_epi8(0x0F));
    return _mm256_shuffle_epi8(table, nib);
}

inline __m256i iq4_table()
{
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(k_iq4nl_values)));
}

// ---- Q2_K / Q3_K: 8 vectors of 32 u8 codes, each with its two sub-block scales as i16 lanes.
struct DecodedK {
    __m256i q[8];
    __m256i sc[8];
    __m256i corr;   // Q2_K: the 16 mins; Q3_K: the 16 scales (for the -4 offset)
    float d;
    float dmin;
};

inline void decode_q2_k(const uint8_t* b, DecodedK& k)
{
    const __m128i sc_bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const __m128i lo = _mm_and_si128(sc_bytes, _mm_set1_epi8(0x0F));
    k.corr = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sc_bytes, 4), _mm_set1_epi8(0x0F)));
    const __m256i three = _mm256_set1_epi8(3);
    for (int n = 0; n < 2; ++n) {
        const __m256i raw = load256(b + 16 + 32 * n);
        for (int j = 0; j < 4; ++j)
            k.q[4 * n + j] = _mm256_and_si256(_mm256_srli_epi16(raw, 2 * j), three);
    }
    for (int v = 0; v < 8; ++v)
        k.sc[v] = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(lo, pair_ctrl(v)));
    k.d = half(b + 80);
    k.dmin = half(b + 82);
}

inline void decode_q3_k(const uint8_t* b, DecodedK& k)
{
    const __m256i hm = load256(b);
    const __m256i three = _mm256_set1_epi8(3);
    const __m256i one = _mm256_set1_epi8(1);
    for (int n = 0; n < 2; ++n) {
        const __m256i raw = load256(b + 32 + 32 * n);
        for (int j = 0; j < 4; ++j) {
            const int v = 4 * n + j;
            const __m256i low = _mm256_and_si256(_mm256_srli_epi16(raw, 2 * j), three);
            const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(hm, v), one);
            k.q[v] = _mm256_or_si256(low, _mm256_slli_epi16(hb, 2));   // code + 4, in [0, 7]
        }
    }
    int sc[16];
    unpack_scales_q3_k(b + 96, sc);
    alignas(16) int8_t s8[16];
    for (int i = 0; i < 16; ++i)
        s8[i] = int8_t(sc[i]);
    const __m128i s = _mm_load_si128(reinterpret_cast<const __m128i*>(s8));
    k.corr = _mm256_cvtepi8_epi16(s);
    for (int v = 0; v < 8; ++v)
        k.sc[v] = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(s, pair_ctrl(v)));
    k.d = half(b + 108);
}

// sum_v scale-weighted sums of codes x activations: sum_s sc_s * sum_{l in s} q y, exactly.
inline int dot_decoded(const DecodedK& k, const uint8_t* yq)
{
    __m256i acc = _mm256_setzero_si256();
    for (int v = 0; v < 8; ++v)
        acc = madd_add(acc, _mm256_maddubs_epi16(k.q[v], load256(yq + 32 * v)), k.sc[v]);
    return hsum_i32(acc);
}

// Q8_K block: d (f32) at 0, qs at 4, bsums (16 x i16) at 260.
void tile_q2_k(const uint8_t* w, const uint8_t* const* x, int nt, int64_t nb, float* out)
{
    float sumf[kTile] = {};
    DecodedK k;
    for (int64_t i = 0; i < nb; ++i) {
        decode_q2_k(w + i * 84, k);
        for (int t = 0; t < nt; ++t) {
            const uint8_t* xb = x[t] + i * 292;
            const int sumi = dot_decoded(k, xb + 4);
            const int summ = hsum_i32(_mm256_madd_epi16(load256(xb + 260), k.corr));
            const float yd = load_f32(xb);
            const float d = k.d * yd;
            const float dmin = k.dmin * yd;
            sumf[t] += d * float(sumi) - dmin * float(summ);
        }
    }
    for (int t = 0; t < nt; ++t)
        out[t] = sumf[t];
}

void tile_q3_k(const uint8_t* w, const uint8_t* const* x, int nt, int64_t nb, float* out)
{
    float sumf[kTile] = {};
    DecodedK k;
    for (int64_t i = 0; i < nb; ++i) {
        decode_q3_k(w + i * 110, k);
        for (int t = 0; t < nt; ++t) {
            const uint8_t* xb = x[t] + i * 292;
            const int offset = 4 * hsum_i32(_mm256_madd_epi16(load256(xb + 260), k.corr));
            const int sumi = dot_decoded(k, xb + 4) - offset;
            sumf[t] += (k.d * load_f32(xb)) * float(sumi);
        }
    }
    for (int t = 0; t < nt; ++t)
        out[t] = sumf[t];
}

// ---- IQ4_XS: 8 sub-blocks of 32 grid values, one scale each.
void tile_iq4_xs(const uint8_t* w, const uint8_t* const* x, int nt, int64_t nb, float* out)
{
    float sumf[kTile] = {};
    const __m256i table = iq4_table();
    __m256i mag[8], val[8], sc[8];
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* b = w + i * 136;
        BlockIQ4_XS hdr;
        std::memcpy(&hdr, b, 8);   // d, scales_h, scales_l
        for (int ib = 0; ib < 8; ++ib) {
            val[ib] = iq4_values(b + 8 + 16 * ib, table);
            mag[ib] = _mm256_sign_epi8(val[ib], val[ib]);   // |v| (no grid value is -128 or 0)
            sc[ib] = _mm256_set1_epi16(short(iq4_xs_scale(hdr, ib)));
        }
        const float d = half(b);
        for (int t = 0; t < nt; ++t) {
            const uint8_t* xb = x[t] + i * 292;
            __m256i acc = _mm256_setzero_si256();
            for (int ib = 0; ib < 8; ++ib) {
                const __m256i ys = _mm256_sign_epi8(load256(xb + 4 + 32 * ib), val[ib]);
                acc = madd_add(acc, _mm256_maddubs_epi16(mag[ib], ys), sc[ib]);
            }
            sumf[t] += (d * load_f32(xb)) * float(hsum_i32(acc));
        }
    }
    for (int t = 0; t < nt; ++t)
        out[t] = sumf[t];
}

// ---- IQ4_NL against Q8_0 (d fp16 at 0, 32 codes at 2): four blocks at a time, their four exact
// sums reduced together, scaled as one vector (the same IEEE products as the reference's scalar
// ones), then added to the total one block at a time, in order.
void tile_iq4_nl(const uint8_t* w, const uint8_t* const* x, int nt, int64_t nb, float* out)
{
    float sumf[kTile] = {};
    const __m256i table = iq4_table();
    const __m256i ones = _mm256_set1_epi16(1);
    int64_t i = 0;
    for (; i + 4 <= nb; i += 4) {
        __m256i mag[4], val[4];
        float dw[4];
        for (int j = 0; j < 4; ++j) {
            const uint8_t* b = w + (i + j) * 18;
            val[j] = iq4_values(b + 2, table);
            mag[j] = _mm256_sign_epi8(val[j], val[j]);
            dw[j] = half(b);
        }
        for (int t = 0; t < nt; ++t) {
            __m256i s[4];
            float dd[4];
            for (int j = 0; j < 4; ++j) {
                const uint8_t* xb = x[t] + (i + j) * 34;
                const __m256i ys = _mm256_sign_epi8(load256(xb + 2), val[j]);
                s[j] = _mm256_madd_epi16(_mm256_maddubs_epi16(mag[j], ys), ones);
                dd[j] = dw[j] * half(xb);
            }
            const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
            const __m128i sums = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
            alignas(16) float p[4];
            _mm_store_ps(p, _mm_mul_ps(_mm_loadu_ps(dd), _mm_cvtepi32_ps(sums)));
            sumf[t] += p[0];
            sumf[t] += p[1];
            sumf[t] += p[2];
            sumf[t] += p[3];
        }
    }
    for (; i < nb; ++i) {
        const uint8_t* b = w + i * 18;
        const __m256i val = iq4_values(b + 2, table);
        const __m256i mag = _mm256_sign_epi8(val, val);
        const float dw = half(b);
        for (int t = 0; t < nt; ++t) {
            const uint8_t* xb = x[t] + i * 34;
            const __m256i ys = _mm256_sign_epi8(load256(xb + 2), val);
            const int sumi = hsum_i32(_mm256_madd_epi16(_mm256_maddubs_epi16(mag, ys), ones));
            sumf[t] += (dw * half(xb)) * float(sumi);
        }
    }
    for (int t = 0; t < nt; ++t)
        out[t] = sumf[t];
}

using TileFn = void (*)(const uint8_t*, const uint8_t* const*, int, int64_t, float*);

TileFn tile_for(TensorType type)
{
    switch (type) {
    case TensorType::Q2_K: return tile_q2_k;
    case TensorType::Q3_K: return tile_q3_k;
    case TensorType::IQ4_NL: return tile_iq4_nl;
    case TensorType::IQ4_XS: return tile_iq4_xs;
    default: return nullptr;
    }
}

}   // namespace

bool supports(TensorType type) { return tile_for(type) != nullptr; }

void matmul(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const void* x_conv,
            size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy)
{
    const TileFn tile = tile_for(type);
    const int64_t nb = cols / type_traits(uint32_t(type))->block_size;
    const auto* wb = static_cast<const uint8_t*>(w);
    const auto* xb = static_cast<const uint8_t*>(x_conv);
    // kTile tokens per decoded block
    rows_by_token_tiles<kTile>(
        wb, w_row_bytes, rows, xb, x_row_bytes, n_tokens, y, ldy,
        [&](const uint8_t* wr, const uint8_t* const* xp, int nt, float* out) { tile(wr, xp, nt, nb, out); });
}

}   // namespace causerie::kernels::CAUSERIE_LOWBIT_NS
#endif   // __AVX2__
