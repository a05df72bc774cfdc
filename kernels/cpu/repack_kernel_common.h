#pragma once
// What the repacked kernel translation units share (matmul_repack_avx512.cpp and the three builds
// of matmul_repack_avx2.cpp), on top of kernel_common.h. Included, like it, INSIDE each one's
// anonymous namespace, after <immintrin.h>. Needs repack_cpu.h and quant_blocks_ref.h (blocks::)
// in scope.

#include "kernel_common.h"

// The kernels of each family: run<K> (32-element blocks) and run_k<KK> (256-element super-blocks).
enum Kind { kQ4_0 = 0, kQ4_1 = 1, kQ8_0 = 2, kQ5_0 = 3, kQ5_1 = 4, kIQ4_NL = 5 };
enum KindK { kQ4K = 0, kQ5K = 1, kQ6K = 2, kQ2K = 3, kQ3K = 4, kIQ4XS = 5 };
constexpr bool is_lowbit_k(int kk) { return kk >= kQ2K; }

// Bytes of one super-block record of 16 rows (repack_cpu.h).
constexpr size_t k_super(int kk)
{
    return kk == kQ4K   ? kRepackQ4KSuper
           : kk == kQ5K ? kRepackQ5KSuper
           : kk == kQ6K ? kRepackQ6KSuper
           : kk == kQ2K ? kRepackQ2KSuper
           : kk == kQ3K ? kRepackQ3KSuper
                        : kRepackIQ4XSSuper;
}

// Family (0: run<kind>, 1: run_k<kind>, -1: no repacked kernel) and kind of a weight type.
struct RepackKind {
    int family;
    int kind;
};
constexpr RepackKind repack_kind(TensorType type)
{
    switch (type) {
    case TensorType::Q4_0: return {0, kQ4_0};
    case TensorType::Q4_1: return {0, kQ4_1};
    case TensorType::Q5_0: return {0, kQ5_0};
    case TensorType::Q5_1: return {0, kQ5_1};
    case TensorType::Q8_0: return {0, kQ8_0};
    case TensorType::IQ4_NL: return {0, kIQ4_NL};
    case TensorType::Q4_K: return {1, kQ4K};
    case TensorType::Q5_K: return {1, kQ5K};
    case TensorType::Q6_K: return {1, kQ6K};
    case TensorType::Q2_K: return {1, kQ2K};
    case TensorType::Q3_K: return {1, kQ3K};
    case TensorType::IQ4_XS: return {1, kIQ4XS};
    default: return {-1, 0};
    }
}

// The 16 prepared 32-bit values of one token's Q8_K super-block (bsums bs) for kind kk:
// Q4_K / Q5_K: the 8 sub-block sums as 4 i16 pairs (sub-blocks 2j, 2j+1; |sum| <= 32 * 128), for
// the mins; Q2_K: the 16 bsums as 8 i16 pairs (2j, 2j+1), for its mins; the offsets of unsigned
// codes per 16 elements (Q6_K u = q + 32: -32 bs_j; Q3_K u = q + 4: -4 bs_j) or per 32 (IQ4_XS
// v + 128: -128 (bs_2j + bs_2j+1)) as one i32 when `pairs` is false, or as an i16 pair (v, v)
// holding half of it for vpmaddwd against a scale pair when true (|v| <= 16 * 2032; IQ4_XS then
// has no offset: the plain AVX2 tiles use its signed values).
inline void k_side_values(int kk, const int16_t bs[16], bool pairs, int32_t side[16])
{
    const auto pair = [](int lo, int hi) { return int32_t(uint32_t(uint16_t(lo)) | uint32_t(uint16_t(hi)) << 16); };
    for (int j = 0; j < 16; ++j) {
        int32_t v = 0;
        if ((kk == kQ4K || kk == kQ5K) && j < 4)
            v = pair(bs[4 * j] + bs[4 * j + 1], bs[4 * j + 2] + bs[4 * j + 3]);
        else if (kk == kQ2K && j < 8)
            v = pair(bs[2 * j], bs[2 * j + 1]);
        else if (kk == kQ6K)
            v = pairs ? pair(-16 * bs[j], -16 * bs[j]) : -32 * bs[j];
        else if (kk == kQ3K)
            v = pairs ? pair(-2 * bs[j], -2 * bs[j]) : -4 * bs[j];
        else if (kk == kIQ4XS && j < 8 && !pairs)
            v = -128 * (bs[2 * j] + bs[2 * j + 1]);
        side[j] = v;
    }
}

// Whether prompt batches of kind kk run on panels decoded to bytes (decode_k_groups): Q4_K, Q5_K
// and Q6_K, whose codes cost a shift and mask (more for Q5_K, Q6_K) per vector and token tile.
constexpr bool k_batch_bytes(int kk) { return kk == kQ4K || kk == kQ5K || kk == kQ6K; }

// Groups [g0, g1) of a packed Q4_K / Q5_K / Q6_K weight (records of rec_bytes, nb per group) decoded to
// bytes at dst (kRepackKBytesSuper per super-block): the record's first 320 bytes (scales, mins),
// then codes(record, s, out) writes sub-block s's 512 code bytes (vector k at out + 64 k).
template <class Codes>
void decode_k_groups(const uint8_t* packed, size_t rec_bytes, int64_t nb, int64_t g0, int64_t g1, uint8_t* dst,
                     Codes codes)
{
    for (int64_t i = g0 * nb; i < g1 * nb; ++i, dst += kRepackKBytesSuper) {
        const uint8_t* b = packed + size_t(i) * rec_bytes;
        std::memcpy(dst, b, 320);
        for (int s = 0; s < 8; ++s)
            codes(b, s, dst + 320 + 512 * s);
    }
}

// The kernels each unit defines further down (same contract as matmul_repacked), and the entry
// point that picks one by weight type.
template <int K>
void run(const uint8_t* packed, int64_t cols, int64_t row_begin, int64_t row_end, int64_t rows, const uint8_t* xb,
         size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy);
template <int KK>
void run_k(const uint8_t* packed, int64_t cols, int64_t row_begin, int64_t row_end, int64_t rows, const uint8_t* xb,
           size_t x_row_bytes, int64_t n_tokens, float* y, int64_t ldy);

inline void run_repacked(TensorType type, const uint8_t* packed, int64_t cols, int64_t row_begin, int64_t row_end,
                         int64_t rows, const uint8_t* x_conv, size_t x_row_bytes, int64_t n_tokens, float* y,
                         int64_t ldy)
{
    using Run =
        void (*)(const uint8_t*, int64_t, int64_t, int64_t, int64_t, const uint8_t*, size_t, int64_t, float*, int64_t);
    // indexed by Kind and KindK
    static constexpr Run blocks[] = {run<0>, run<1>, run<2>, run<3>, run<4>, run<5>};
    static constexpr Run supers[] = {run_k<0>, run_k<1>, run_k<2>, run_k<3>, run_k<4>, run_k<5>};
    const RepackKind k = repack_kind(type);
    if (k.family >= 0)
        (k.family == 0 ? blocks : supers)[k.kind](packed, cols, row_begin, row_end, rows, x_conv, x_row_bytes, n_tokens,
                                                  y, ldy);
}
