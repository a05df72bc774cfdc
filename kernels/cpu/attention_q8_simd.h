#pragma once
// The SIMD attention over a Q8_0 KV cache (attention_cpu.h attention_head_q8_0_cpu), shared by
// the AVX2 and AVX-512 translation units. Included only by them: everything here has internal
// linkage, so each unit keeps its own copy compiled for its own instruction set (an inline
// function merged across them could run AVX-512 code on an AVX2-only CPU).
//
// Bit-identical to attention_head_q8_0 (the scalar oracle), by doing the same float operations in
// the same order per element:
// - Q.K is vectorized across positions, not along the head: lane l sums position j0 + l's block
//   products in i order, as the scalar loop does. Each product q16 * code is exact in float (11
//   significant bits times 8), so fma(q16, code, part) rounds once like the scalar part + q16 * code.
//   The block sums are then added in block order: dot + d * part, a product and a sum.
// - The online softmax runs position by position in scalar code, as in the oracle.
// - The V update is vectorized along the value: acc * rescale + code * (d * w), two products and
//   a sum. acc * 1 == acc exactly, so doing the multiply also when the maximum did not grow
//   changes nothing.
// No std:: templates here (they would be merged across units like an inline function).
#include "attention_cpu.h"
#include "dequant_ref.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

namespace causerie::kernels {
namespace {   // NOLINT(cert-dcl59-cpp, google-build-namespaces): one copy per instruction set, see above

constexpr int64_t kQ8Block = 34;   // bytes of a Q8_0 block: F16 scale + 32 codes

inline uint16_t load_u16(const uint8_t* p)
{
    uint16_t h;
    std::memcpy(&h, p, 2);
    return h;
}

// The 32 codes of one block of 8 rows, transposed: t[d] holds, in lane l, the d-th 4 codes
// (bytes 4d..4d+3) of rows[l].
inline void transpose_codes8(const uint8_t* const* rows, int64_t off, __m256i t[8])
{
    __m256i r[8];
    for (int l = 0; l < 8; ++l)
        r[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[l] + off));
    const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    // u0: dwords 0 | 4 of rows 0-3, u1: 1 | 5, u2: 2 | 6, u3: 3 | 7; u4..u7 the same for rows 4-7
    const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
    const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
    t[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
    t[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
    t[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
    t[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
    t[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
    t[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
    t[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
    t[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

// F16 scales of one block of 8 rows, as 8 halves.
inline __m128i scales8(const uint8_t* const* rows, int64_t off)
{
    return _mm_setr_epi16(short(load_u16(rows[0] + off)), short(load_u16(rows[1] + off)),
                          short(load_u16(rows[2] + off)), short(load_u16(rows[3] + off)),
                          short(load_u16(rows[4] + off)), short(load_u16(rows[5] + off)),
                          short(load_u16(rows[6] + off)), short(load_u16(rows[7] + off)));
}

// What an instruction set provides (Ops, P = lanes = positions a step): V / I its float and
// int vectors; zero, add, mul, fmadd(broadcast q, codes, part), store; codes(rows, off, t[8]) the
// 32 codes at byte `off` of each row, transposed as transpose_codes8 does; code(t, byte) byte
// `byte` of each dword of t as floats; scales(rows, off) the F16 scales at `off`;
// update(acc, codes, rescale, dw): P accumulators = acc * rescale + code * dw; scale(acc, inv, out).

// Q.K of P positions, blocks taken NB at once: their sums are independent chains until added
// in block order.
template <class Ops, int NB>
void q8_blocks(const float* q16, const uint8_t* const* rows, int64_t b, typename Ops::V& dot)
{
    typename Ops::V part[NB];
    typename Ops::I t[NB][8];
    for (int n = 0; n < NB; ++n) {
        part[n] = Ops::zero();
        Ops::codes(rows, (b + n) * kQ8Block + 2, t[n]);
    }
    for (int d = 0; d < 8; ++d)
        for (int byte = 0; byte < 4; ++byte)
            for (int n = 0; n < NB; ++n)
                part[n] = Ops::fmadd(q16 + (b + n) * 32 + 4 * d + byte, Ops::code(t[n][d], byte), part[n]);
    for (int n = 0; n < NB; ++n)
        dot = Ops::add(dot, Ops::mul(Ops::scales(rows, (b + n) * kQ8Block), part[n]));
}

// rows: P rows, those past the last position repeating it (their results are not used).
template <class Ops>
void attention_q8_0_simd(const AttentionShape& s, const float* q, const uint8_t* k, const uint8_t* v, int64_t n_kv,
                         float* out, float* scratch)
{
    constexpr int64_t P = Ops::P;
    const int64_t hd = s.head_dim, vd = s.value_dim, n_blocks = hd / 32;
    float* q16 = scratch;
    float* acc = scratch + hd;
    for (int64_t i = 0; i < hd; ++i)
        q16[i] = fp16_to_fp32(fp32_to_fp16(q[i]));
    for (int64_t i = 0; i < vd; ++i)
        acc[i] = 0.0f;
    float max = -INFINITY;
    float sum = 0.0f;
    float dots[P];
    const uint8_t* rows[P];
    for (int64_t j0 = 0; j0 < n_kv; j0 += P) {
        const int64_t n = n_kv - j0 < P ? n_kv - j0 : P;
        for (int64_t l = 0; l < P; ++l)
            rows[l] = k + (j0 + (l < n ? l : n - 1)) * s.k_stride;
        typename Ops::V dot = Ops::zero();
        int64_t b = 0;
        for (; b + 2 <= n_blocks; b += 2)
            q8_blocks<Ops, 2>(q16, rows, b, dot);
        if (b < n_blocks)
            q8_blocks<Ops, 1>(q16, rows, b, dot);
        Ops::store(dots, dot);
        for (int64_t l = 0; l < n; ++l) {
            const float score =
                s.softcap != 0.0f ? s.softcap * __builtin_tanhf(dots[l] * (s.scale / s.softcap)) : dots[l] * s.scale;
            float rescale = 1.0f;
            float w = 1.0f;
            if (score > max) {
                rescale = __builtin_expf(max - score);
                max = score;
            } else {
                w = __builtin_expf(score - max);
            }
            const uint8_t* vj = v + (j0 + l) * s.v_stride;
            for (int64_t vb = 0; vb < vd / 32; ++vb) {
                const float dw = fp16_to_fp32(load_u16(vj + vb * kQ8Block)) * w;
                for (int64_t i = 0; i < 32; i += P)
                    Ops::update(acc + vb * 32 + i, vj + vb * kQ8Block + 2 + i, rescale, dw);
            }
            sum = sum * rescale + w;
        }
    }
    const float inv = 1.0f / sum;
    for (int64_t i = 0; i < vd; i += P)
        Ops::scale(acc + i, inv, out + i);
}

}   // namespace
}   // namespace causerie::kernels
