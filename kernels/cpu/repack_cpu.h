#pragma once
// Weights repacked at load time for the AVX-512 VNNI kernels and the 256-bit ones
// (matmul_repack_avx2.cpp: each 64-byte vector read as two 8-row halves, with vpmaddubsw or
// 256-bit vpdpbusd), both for Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, Q2_K, Q3_K, IQ4_NL
// and IQ4_XS: 16 rows
// interleaved per 32-element block (or 256-element super-block), so one 512-bit vpdpbusd
// multiplies 4 elements of 16 rows (one i32 lane per row) by the same 4 activation bytes (an
// embedded broadcast), and the 16 rows' block scales are one vector.
// On the original layout each row needs its own horizontal sum; here the 16 lanes of the
// accumulator are already the 16 outputs.
//
// Layout of one group of 16 rows (rows past the end of the tensor are zero padding), nb = cols/32,
// in records of 4 blocks (the last one may be partly unused), so that scales and codes stream as
// one sequence:
//   record = 4 x 16 fp16 scales (block-major: block j of the record, rows 0..15; 128 bytes), then
//   the codes of the 4 blocks; within a block, vector k (64 bytes) holds elements [4k, 4k+4) of
//   rows 0..15, row r at bytes [4r, 4r+4).
//   Q4_0: 4 vectors per block, low nibbles = elements [4k, 4k+4), high = [16+4k, 16+4k+4)
//         (the original qs bytes [4k, 4k+4) of each row, unchanged); records of 1152 bytes.
//   Q8_0: 8 vectors per block, codes stored as q + 128 (unsigned for vpdpbusd); 2176 bytes.
//   IQ4_NL: Q4_0's layout (the nibbles are indices into k_iq4nl_values, looked up by vpshufb).
//   Q4_1: as Q4_0, but the record starts with the 4 x 16 fp16 scales d, then 4 x 16 fp16 mins
//         m (same order; 256 bytes), then the codes; records of 1280 bytes.
//   Q5_0 / Q5_1: as Q4_0 / Q4_1, each block's 4 nibble vectors followed by one vector of high
//         bits (64 bytes): its byte 4r + e holds, for each nibble vector k, bit 4 of row r's low
//         nibble element 4k + e at bit 2k and of its high nibble element 16 + 4k + e at bit 2k+1,
//         so shifting it by 4 - 2k (3 - 2k) moves them to bit 4 of the code byte, in place;
//         records of 1408 / 1536 bytes (22 / 24 bytes per block and row, as in the file).
// K-quants (256-element super-blocks, block-major, one record per super-block of 16 rows):
//   Q4_K (kRepackQ4KSuper = 2368 bytes): [0,32) d, [32,64) dmin (fp16, row r at 2r);
//         [64,192) the 8 sub-block scales [s][r] u8; [192,320) the mins as pairs [s/2][r][s%2] u8;
//         [320,2368) codes: for sub-block pair p, vector k (64 bytes at 320 + 512p + 64k), row r's
//         bytes qs[32p + 4k, +4): low nibbles = sub-block 2p elements [4k, 4k+4), high = 2p+1.
//   Q5_K (kRepackQ5KSuper = 2880 bytes): the Q4_K record, then 8 vectors of high bits at
//         [2368, 2880): vector 2p + k / 4 holds, at byte 4r + e, bit 4 of row r's element 4k + e
//         of sub-block 2p at bit 2 (k % 4) and of sub-block 2p + 1 at bit 2 (k % 4) + 1 (as Q5_0).
//   Q6_K (kRepackQ6KSuper = 3392 bytes, 1 % more than in the file): [0,32) d (fp16), [32,64)
//         zero; [64,320) the 16 scales [j][r] i8; codes u = q + 32 in [0, 63] split in two:
//         [320,2368) their low 4 bits as Q4_K's nibbles (sub-block pair p, vector k at
//         320 + 512p + 64k, row r's bytes 4r + e: sub-block 2p's element 4k + e in the low nibble,
//         2p + 1's in the high one); [2368,3392) their bits 4-5 (kRepackQ6KPlanes): for sub-block
//         2p + a, vector k, the plane vector m = 2a + k / 4 at 2368 + 256p + 64m holds them at
//         byte 4r + e, bits 2 (k % 4) and up, so a 16-bit shift by 4 - 2 (k % 4) puts them at bits
//         4-5 of the code byte. Batches decode a panel of groups to bytes first (kRepackKBytes-
//         Super per super-block: the first 320 bytes, then sub-block s, vector k at 320 + 512s +
//         64k as 64 bytes u, laid out as Q8_0's), one token reads the packed codes directly: the
//         byte layout kept in memory made generation stream 31 % more bytes than the file.
//   Q2_K (kRepackQ2KSuper = 1344 bytes, as many as in the file): [0,32) d, [32,64) dmin (fp16);
//         [64,320) the file's scale bytes (scale | min << 4) as pairs [s/2][r][s%2]; [320,1344) 16
//         vectors of 2-bit codes: vector m, byte 4r + e, bits 2j..2j+1 hold row r's element
//         16 (4 (m / 4) + j) + 4 (m % 4) + e (sub-block 4 (m / 4) + j, its element 4 (m % 4) + e).
//   Q3_K (kRepackQ3KSuper = 1856 bytes): [0,32) d, [32,64) zero; [64,320) the 16 scales [s][r] i8
//         (-32 already applied); [320,1344) the low 2 bits of u = q + 4 in [0, 7] as Q2_K's codes;
//         [1344,1856) 8 vectors of bit 2 of u: the code at vector m, bits 2j of Q2_K's layout has
//         it at vector m / 2, same byte, bit 4 (m % 2) + j.
//   IQ4_XS (kRepackIQ4XSSuper = 2240 bytes): [0,32) d, [32,64) zero; [64,192) the 8 sub-block
//         scales [s][r] i8 (-32 applied); [192,2240) codes: sub-block s as a Q4_0 block, vector k at
//         192 + 256 s + 64 k, row r's bytes qs[16 s + 4k, +4).
// Groups follow each other; every group starts 64-byte aligned in a 64-byte aligned buffer.
//
// Results are bit-identical to vec_dot_ref (exact integer block sums, then the reference's float
// operations in its order), whatever the number of tokens.
#include "quant_types.h"

#include <cstddef>
#include <cstdint>

namespace causerie::kernels {

constexpr int64_t kRepackRows = 16;
constexpr int64_t kRepackQ0RecordBlocks = 4;   // Q4_0/Q8_0 blocks per record
constexpr size_t kRepackQ4KSuper = 2368;       // bytes per super-block of a 16-row group
constexpr size_t kRepackQ5KSuper = 2880;
constexpr size_t kRepackQ6KSuper = 3392;
constexpr size_t kRepackQ6KPlanes = 2368;     // offset of Q6_K's bits 4-5
constexpr size_t kRepackKBytesSuper = 4416;   // a Q5_K / Q6_K super-block decoded to bytes
constexpr size_t kRepackQ2KSuper = 1344;
constexpr size_t kRepackQ3KSuper = 1856;
constexpr size_t kRepackIQ4XSSuper = 2240;
// Longest rows the 256-bit kernels take (their fallback scratch for one tile of prepared
// activations is on the stack: 160 bytes per block, 288 for Q8_0 on plain AVX2).
constexpr int64_t kRepackAvx2MaxCols = 32768;

// True when this CPU's dispatch (CAUSERIE_CPU caps included) has a kernel for the repacked layout
// of `type` with rows of `cols` elements. When false, keep using matmul_converted_cpu on the
// original rows.
bool repack_available(TensorType type, int64_t cols);

// Bytes of the repacked copy of a (rows, cols) tensor (rows rounded up to groups of 16).
size_t repacked_bytes(TensorType type, int64_t rows, int64_t cols);

// Writes groups [group_begin, group_end) of the repacked copy of W (row r at
// (const char*)w + r * w_row_bytes) into `packed` (the whole buffer, 64-byte aligned). Groups are
// independent, so callers may split them over threads.
void repack_groups(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, int64_t group_begin,
                   int64_t group_end, void* packed);

// True when unpack_row can give back the rows of `type` from their repacked copy (Q4_0, Q4_1,
// Q8_0, IQ4_NL), so a tied embedding can be read from the head's copy and its file pages dropped.
bool unpack_available(TensorType type);

// Writes row `row` of W as it was before repack_groups (the file's bytes, one row) into `out`,
// from `packed`, the repacked copy of a tensor of `cols` columns. Only when unpack_available(type).
void unpack_row(TensorType type, const void* packed, int64_t cols, int64_t row, void* out);

// y[t*ldy + r] = W[r] . x_conv[t] for r in [row_begin, row_end), t in [0, n_tokens), with
// row_begin a multiple of 16 and y pointing at row 0's output. x_conv as from
// convert_activations_cpu (Q8_0 rows). Only valid when repack_available(type, cols).
void matmul_repacked_cpu(TensorType type, const void* packed, int64_t rows, int64_t cols, int64_t row_begin,
                         int64_t row_end, const void* x_conv, int64_t n_tokens, float* y, int64_t ldy);

// Internal: the translation units with the kernels (matmul_repack_avx512.cpp, and
// matmul_repack_avx2.cpp built as plain AVX2, with VEX AVX-VNNI and with EVEX AVX-512 VNNI on
// 256-bit registers). Each is entered only when cpu_features() has its instruction set.
using RepackedKernelFn = void(TensorType type, const uint8_t* packed, int64_t cols, int64_t row_begin, int64_t row_end,
                              int64_t rows, const uint8_t* x_conv, size_t x_row_bytes, int64_t n_tokens, float* y,
                              int64_t ldy);
// The kernel matmul_repacked_cpu runs for `type` on this CPU and cap, or nullptr.
RepackedKernelFn* repacked_kernel(TensorType type);
namespace avx512 {
bool supports_repacked(TensorType type);
RepackedKernelFn matmul_repacked;
}   // namespace avx512
namespace avx2r {
bool supports_repacked(TensorType type);
RepackedKernelFn matmul_repacked;
}   // namespace avx2r
namespace avx2r_vnni {
bool supports_repacked(TensorType type);
RepackedKernelFn matmul_repacked;
}   // namespace avx2r_vnni
namespace avx2r_evex {
bool supports_repacked(TensorType type);
RepackedKernelFn matmul_repacked;
}   // namespace avx2r_evex

}   // namespace causerie::kernels
