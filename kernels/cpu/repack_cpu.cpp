#include "repack_cpu.h"

#include "cpu_features.h"
#include "matmul_cpu.h"
#include "quant_blocks_ref.h"

#include <cstddef>
#include <cstring>

namespace causerie::kernels {
namespace {

using namespace blocks;

// Code bytes of one block of 16 rows, scale bytes of one block (fp16 d, and m for Q4_1), and
// bytes of one record of 4 blocks (see repack_cpu.h).
bool is_q5(TensorType type) { return type == TensorType::Q5_0 || type == TensorType::Q5_1; }

size_t group_block_code_bytes(TensorType type)
{
    return type == TensorType::Q8_0 ? 16 * QK : is_q5(type) ? 16 * QK / 2 + 64 : 16 * QK / 2;
}

size_t group_block_scale_bytes(TensorType type)
{
    return type == TensorType::Q4_1 || type == TensorType::Q5_1 ? 64 : 32;
}

size_t q0_record_bytes(TensorType type)
{
    return size_t(kRepackQ0RecordBlocks) * (group_block_scale_bytes(type) + group_block_code_bytes(type));
}

bool is_k(TensorType type)
{
    return type == TensorType::Q4_K || type == TensorType::Q5_K || type == TensorType::Q6_K ||
           type == TensorType::Q2_K || type == TensorType::Q3_K || type == TensorType::IQ4_XS;
}

size_t k_super_bytes(TensorType type)
{
    switch (type) {
    case TensorType::Q6_K: return kRepackQ6KSuper;
    case TensorType::Q5_K: return kRepackQ5KSuper;
    case TensorType::Q2_K: return kRepackQ2KSuper;
    case TensorType::Q3_K: return kRepackQ3KSuper;
    case TensorType::IQ4_XS: return kRepackIQ4XSSuper;
    default: return kRepackQ4KSuper;
    }
}

size_t group_bytes(TensorType type, int64_t cols)
{
    if (is_k(type))
        return size_t(cols / QK_K) * k_super_bytes(type);
    const int64_t records = (cols / QK + kRepackQ0RecordBlocks - 1) / kRepackQ0RecordBlocks;
    return size_t(records) * q0_record_bytes(type);
}

}   // namespace

RepackedKernelFn* repacked_kernel(TensorType type)
{
    // The widest kernel this CPU (and the CAUSERIE_CPU cap) allows that has the type: 512-bit
    // AVX-512 VNNI, then 256-bit VNNI (EVEX on AVX-512 CPUs, VEX AVX-VNNI on Alder Lake and
    // later), then plain AVX2.
    const CpuFeatures& f = cpu_features();
    if (f.avx512_vnni && avx512::supports_repacked(type))
        return avx512::matmul_repacked;
    if (f.avx512_vnni_256 && avx2r_evex::supports_repacked(type))
        return avx2r_evex::matmul_repacked;
    if (f.avx_vnni && avx2r_vnni::supports_repacked(type))
        return avx2r_vnni::matmul_repacked;
    if (f.avx2 && avx2r::supports_repacked(type))
        return avx2r::matmul_repacked;
    return nullptr;
}

bool repack_available(TensorType type, int64_t cols)
{
    // The kernels keep per-token block scales of up to 16384 blocks (1024 super-blocks of K-quants,
    // 16 integers each) on the stack.
    RepackedKernelFn* const kernel = repacked_kernel(type);
    if (!kernel || cols <= 0)
        return false;
    if (kernel != avx512::matmul_repacked && cols > kRepackAvx2MaxCols)
        return false;
    return is_k(type) ? cols % QK_K == 0 && cols / QK_K <= 1024 : cols % QK == 0 && cols / QK <= 16384;
}

size_t repacked_bytes(TensorType type, int64_t rows, int64_t cols)
{
    const int64_t groups = (rows + kRepackRows - 1) / kRepackRows;
    return size_t(groups) * group_bytes(type, cols);
}

namespace {

// One super-block of row r (0..15) of a group into its record (layouts in repack_cpu.h). Q5_K:
// the Q4_K record, then the high bits (qh bit p of byte l is element 32p + l's bit 4).
template <class Block>
void repack_q4_k(const uint8_t* blk, int64_t r, uint8_t* rec)
{
    Block b;
    std::memcpy(&b, blk, sizeof b);
    std::memcpy(rec + 2 * r, &b.d, 2);
    std::memcpy(rec + 32 + 2 * r, &b.dmin, 2);
    int sc[8], m[8];
    unpack_scales_k4(b.scales, sc, m);
    for (int s = 0; s < 8; ++s) {
        rec[64 + 16 * s + r] = uint8_t(sc[s]);
        rec[192 + 32 * (s / 2) + 2 * r + (s % 2)] = uint8_t(m[s]);
    }
    for (int p = 0; p < 4; ++p)
        for (int k = 0; k < 8; ++k)
            std::memcpy(rec + 320 + 512 * p + 64 * k + 4 * r, b.qs + 32 * p + 4 * k, 4);
    if constexpr (sizeof(Block) == sizeof(BlockQ5_K)) {
        for (int p = 0; p < 4; ++p)
            for (int k = 0; k < 8; ++k)
                for (int e = 0; e < 4; ++e) {
                    const int l = 4 * k + e;   // element of sub-blocks 2p (low nibble) and 2p + 1
                    const int lo = (b.qh[l] >> (2 * p)) & 1, hi = (b.qh[l] >> (2 * p + 1)) & 1;
                    rec[kRepackQ4KSuper + 64 * (2 * p + k / 4) + 4 * r + e] |=
                        uint8_t((lo << (2 * (k % 4))) | (hi << (2 * (k % 4) + 1)));
                }
    }
}

void repack_q6_k(const uint8_t* blk, int64_t r, uint8_t* rec)
{
    BlockQ6_K b;
    std::memcpy(&b, blk, sizeof b);
    std::memcpy(rec + 2 * r, &b.d, 2);
    for (int j = 0; j < 16; ++j)
        rec[64 + 16 * j + r] = uint8_t(b.scales[j]);
    int q[QK_K];
    unpack_q6_k_codes(b, q);
    for (int e = 0; e < QK_K; ++e) {   // element e: sub-block s = e / 32, vector k = (e % 32) / 4, byte e % 4
        const int u = q[e] + 32, s = e / 32, k = (e % 32) / 4;
        const size_t at = size_t(4 * r + e % 4);
        rec[320 + 512 * (s / 2) + 64 * k + at] |= uint8_t((u & 15) << (4 * (s % 2)));
        rec[kRepackQ6KPlanes + 256 * (s / 2) + 64 * (2 * (s % 2) + k / 4) + at] |= uint8_t((u >> 4) << (2 * (k % 4)));
    }
}

// Q2_K / Q3_K: the 2-bit plane (repack_cpu.h) of 256 codes u (Q2_K: q; Q3_K: q + 4, whose bit 2
// goes to the high-bit plane at `high`, or nullptr).
void put_2bit_planes(const int u[QK_K], int64_t r, uint8_t* planes, uint8_t* high)
{
    for (int m = 0; m < 16; ++m)
        for (int j = 0; j < 4; ++j)
            for (int e = 0; e < 4; ++e) {
                const int el = 16 * (4 * (m / 4) + j) + 4 * (m % 4) + e;
                planes[64 * m + 4 * r + e] |= uint8_t((u[el] & 3) << (2 * j));
                if (high)
                    high[64 * (m / 2) + 4 * r + e] |= uint8_t(((u[el] >> 2) & 1) << (4 * (m % 2) + j));
            }
}

void repack_q2_k(const uint8_t* blk, int64_t r, uint8_t* rec)
{
    BlockQ2_K b;
    std::memcpy(&b, blk, sizeof b);
    std::memcpy(rec + 2 * r, &b.d, 2);
    std::memcpy(rec + 32 + 2 * r, &b.dmin, 2);
    for (int s = 0; s < 16; ++s)
        rec[64 + 32 * (s / 2) + 2 * r + s % 2] = b.scales[s];
    int q[QK_K];
    unpack_q2_k_codes(b.qs, q);
    put_2bit_planes(q, r, rec + 320, nullptr);
}

void repack_q3_k(const uint8_t* blk, int64_t r, uint8_t* rec)
{
    BlockQ3_K b;
    std::memcpy(&b, blk, sizeof b);
    std::memcpy(rec + 2 * r, &b.d, 2);
    int sc[16];
    unpack_scales_q3_k(b.scales, sc);
    for (int s = 0; s < 16; ++s)
        rec[64 + 16 * s + r] = uint8_t(int8_t(sc[s]));
    int q[QK_K];
    unpack_q3_k_codes(b, q);
    for (int& v : q)
        v += 4;
    put_2bit_planes(q, r, rec + 320, rec + 1344);
}

void repack_iq4_xs(const uint8_t* blk, int64_t r, uint8_t* rec)
{
    BlockIQ4_XS b;
    std::memcpy(&b, blk, sizeof b);
    std::memcpy(rec + 2 * r, &b.d, 2);
    for (int ib = 0; ib < 8; ++ib) {
        rec[64 + 16 * ib + r] = uint8_t(int8_t(iq4_xs_scale(b, ib)));
        for (int k = 0; k < 4; ++k)
            std::memcpy(rec + 192 + 256 * ib + 64 * k + 4 * r, b.qs + 16 * ib + 4 * k, 4);
    }
}

void repack_groups_k(TensorType type, const uint8_t* wb, size_t w_row_bytes, int64_t rows, int64_t cols,
                     int64_t group_begin, int64_t group_end, uint8_t* packed)
{
    const int64_t nb = cols / QK_K;
    const size_t rec_bytes = k_super_bytes(type);
    const size_t wblock = type_traits(uint32_t(type))->block_bytes;
    void (*one)(const uint8_t*, int64_t, uint8_t*) = type == TensorType::Q6_K     ? repack_q6_k
                                                     : type == TensorType::Q5_K   ? repack_q4_k<BlockQ5_K>
                                                     : type == TensorType::Q2_K   ? repack_q2_k
                                                     : type == TensorType::Q3_K   ? repack_q3_k
                                                     : type == TensorType::IQ4_XS ? repack_iq4_xs
                                                                                  : repack_q4_k<BlockQ4_K>;
    const size_t gbytes = size_t(nb) * rec_bytes;
    for (int64_t g = group_begin; g < group_end; ++g) {
        uint8_t* base = packed + size_t(g) * gbytes;
        std::memset(base, 0, gbytes);   // padding rows: zero scales (their outputs are never stored)
        for (int64_t r = 0; r < kRepackRows && g * kRepackRows + r < rows; ++r) {
            const uint8_t* src = wb + size_t(g * kRepackRows + r) * w_row_bytes;
            for (int64_t i = 0; i < nb; ++i)
                one(src + size_t(i) * wblock, r, base + size_t(i) * rec_bytes);
        }
    }
}

}   // namespace

void repack_groups(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, int64_t group_begin,
                   int64_t group_end, void* packed)
{
    if (is_k(type)) {
        repack_groups_k(type, static_cast<const uint8_t*>(w), w_row_bytes, rows, cols, group_begin, group_end,
                        static_cast<uint8_t*>(packed));
        return;
    }
    const int64_t nb = cols / QK;
    const size_t gbytes = group_bytes(type, cols);
    const size_t cbytes = group_block_code_bytes(type);
    const size_t sbytes = group_block_scale_bytes(type);
    const bool q8 = type == TensorType::Q8_0;
    const bool with_min = type == TensorType::Q4_1 || type == TensorType::Q5_1;
    const bool q5 = is_q5(type);
    const size_t wblock = type == TensorType::Q4_1   ? sizeof(BlockQ4_1)   // IQ4_NL: as Q4_0
                          : type == TensorType::Q5_0 ? sizeof(BlockQ5_0)
                          : type == TensorType::Q5_1 ? sizeof(BlockQ5_1)
                          : q8                       ? sizeof(BlockQ8_0)
                                                     : sizeof(BlockQ4_0);
    // offsets of the codes (and Q5's high bits) in a block: after d (and m), (and qh)
    const size_t qh = with_min ? 4 : 2;
    const size_t qs = qh + (q5 ? 4 : 0);
    const auto* wb = static_cast<const uint8_t*>(w);
    for (int64_t g = group_begin; g < group_end; ++g) {
        uint8_t* base = static_cast<uint8_t*>(packed) + size_t(g) * gbytes;
        std::memset(base, 0, gbytes);   // padding rows: zero scales (their outputs are never stored)
        for (int64_t r = 0; r < kRepackRows; ++r) {
            const int64_t row = g * kRepackRows + r;
            if (row >= rows)
                break;
            const uint8_t* src = wb + size_t(row) * w_row_bytes;
            for (int64_t i = 0; i < nb; ++i) {
                const uint8_t* blk = src + size_t(i) * wblock;
                uint8_t* rec = base + size_t(i / kRepackQ0RecordBlocks) * q0_record_bytes(type);
                const size_t j = size_t(i % kRepackQ0RecordBlocks);
                std::memcpy(rec + j * 32 + size_t(r) * 2, blk, 2);
                if (with_min)   // the mins after the 4 blocks' scales
                    std::memcpy(rec + 32 * kRepackQ0RecordBlocks + j * 32 + size_t(r) * 2, blk + 2, 2);
                uint8_t* dst = rec + sbytes * kRepackQ0RecordBlocks + j * cbytes + size_t(r) * 4;
                if (!q8) {
                    for (int k = 0; k < 4; ++k)
                        std::memcpy(dst + 64 * k, blk + qs + 4 * k, 4);
                    if (q5) {   // high bits of elements 4k + e (bit 2k) and 16 + 4k + e (bit 2k + 1)
                        uint32_t h;
                        std::memcpy(&h, blk + qh, 4);
                        for (int e = 0; e < 4; ++e) {
                            uint8_t v = 0;
                            for (int k = 0; k < 4; ++k)
                                v |= uint8_t(((h >> (4 * k + e)) & 1) << (2 * k) | ((h >> (16 + 4 * k + e)) & 1)
                                                                                       << (2 * k + 1));
                            dst[256 + e] = v;
                        }
                    }
                } else {
                    for (int k = 0; k < 8; ++k)
                        for (int b = 0; b < 4; ++b)
                            dst[64 * k + b] = uint8_t(blk[qs + 4 * k + b] ^ 0x80);   // q + 128
                }
            }
        }
    }
}

void matmul_repacked_cpu(TensorType type, const void* packed, int64_t rows, int64_t cols, int64_t row_begin,
                         int64_t row_end, const void* x_conv, int64_t n_tokens, float* y, int64_t ldy)
{
    repacked_kernel(type)(type, static_cast<const uint8_t*>(packed), cols, row_begin, row_end, rows,
                          static_cast<const uint8_t*>(x_conv), converted_row_bytes(type, cols), n_tokens, y, ldy);
}

bool unpack_available(TensorType type)
{
    return type == TensorType::Q4_0 || type == TensorType::Q4_1 || type == TensorType::Q8_0 ||
           type == TensorType::IQ4_NL;
}

// The inverse of repack_groups for the 32-element types without high bits (layout in repack_cpu.h).
void unpack_row(TensorType type, const void* packed, int64_t cols, int64_t row, void* out)
{
    const int64_t nb = cols / QK;
    const bool q8 = type == TensorType::Q8_0;
    const bool with_min = type == TensorType::Q4_1;
    const size_t cbytes = group_block_code_bytes(type);
    const size_t sbytes = group_block_scale_bytes(type);
    const size_t wblock = with_min ? sizeof(BlockQ4_1) : q8 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);
    const size_t qs = with_min ? 4 : 2;   // the codes after d (and m)
    const int64_t r = row % kRepackRows;
    const uint8_t* base = static_cast<const uint8_t*>(packed) + size_t(row / kRepackRows) * group_bytes(type, cols);
    auto* dst = static_cast<uint8_t*>(out);
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* rec = base + size_t(i / kRepackQ0RecordBlocks) * q0_record_bytes(type);
        const size_t j = size_t(i % kRepackQ0RecordBlocks);
        uint8_t* blk = dst + size_t(i) * wblock;
        std::memcpy(blk, rec + j * 32 + size_t(r) * 2, 2);
        if (with_min)
            std::memcpy(blk + 2, rec + 32 * kRepackQ0RecordBlocks + j * 32 + size_t(r) * 2, 2);
        const uint8_t* src = rec + sbytes * kRepackQ0RecordBlocks + j * cbytes + size_t(r) * 4;
        if (!q8) {
            for (int k = 0; k < 4; ++k)
                std::memcpy(blk + qs + 4 * k, src + 64 * k, 4);
        } else {
            for (int k = 0; k < 8; ++k)
                for (int b = 0; b < 4; ++b)
                    blk[qs + 4 * k + b] = uint8_t(src[64 * k + b] ^ 0x80);
        }
    }
}

}   // namespace causerie::kernels
