#pragma once
// Matrix-vector products straight from quantized weights (decode; also batched over a few
// tokens): y[t*ldy + r] = W[r] . x_t, one warp per weight row, integer dot products with dp4a
// against activations converted by quantize_activations().
#include "device.h"
#include "kernels/cpu/quant_types.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// w: `rows` rows of `cols` elements of `type`, w_row_bytes apart (device).
// xq: n_tokens rows from quantize_activations(type, ..., cols), contiguous.
// Types: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS.
GpuStatus matvec(TensorType type, const void* w, size_t w_row_bytes, int64_t rows, int64_t cols, const void* xq,
                 int64_t n_tokens, float* y, int64_t ldy, Stream s);

// ---- packed decode layout -------------------------------------------------------------------
// Weights of every quantized type are repacked once at upload so that a warp reads them, and the
// activations they meet, with 16-byte loads on consecutive addresses (every 32-byte sector a
// load touches is used whole). The integer sums and the float expression of every block are
// the reference's, and block terms are added in block order: results equal matmul_ref bit for
// bit, like matvec() on the GGUF bytes.
//
// A row is cut into units, one per lane and step: a 32-element block for the legacy types
// (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL), 64 elements (a quarter super-block) for the K-quants
// and IQ4_XS. A unit's codes are 16-byte chunks; the chunks of 32 consecutive units (a group)
// are stored chunk-major -- chunk q of every unit of the group, then chunk q + 1 -- so chunk q
// of a step's 32 lanes is 512 contiguous bytes (packed_chunk_offset).
//
// A packed matrix (the same size as in GGUF) is a sequence of planes, each rows x (its bytes per
// row), in this order (PackedShape): codes (16 x chunks per unit), high bits (`hib` bytes per
// unit), a word (4 bytes per unit), a half (2 bytes per unit), then per 256-element super-block
// `sb_words` bytes of words and `sb_half` bytes of F16. Element 16k + b of a unit (group k, byte
// b = 4w + i) has its code in
//   4-bit types: nibble k / c (0 low, 1 high) of byte b of chunk k % c (c = chunks; Q6_K: c = 2,
//     its low 4 bits);
//   Q8_0: byte b of chunk k;    Q2_K, Q3_K: bits 2k of byte b of chunk 0;
//   Q6_K: bits 2k of byte b of chunk 2 are its bits 4..5;
//   Q5_0, Q5_1, Q5_K (bit 4), Q3_K (bit 2): bit 8i + 4(k % 2) + w of high-bit word k / 2.
// Codes are stored without the reference's offsets (Q4_0 +8, Q5_0 +16, Q3_K +4, Q6_K +32) and
// IQ4 codes as grid indices. Per type:
//   Q4_0, IQ4_NL: codes (1 chunk), half = F16 d.       Q4_1: codes, word = d | m << 16.
//   Q5_0: codes, hib (4), half = d.                    Q5_1: codes, hib (4), word = d | m << 16.
//   Q8_0: codes (2 chunks), half = d.
//   Q4_K: codes (2), word: bits 0-23 the 6-bit scales and mins of its two sub-blocks (sc0, sc1,
//     m0, m1), bits 24-31 byte j of the super-block's (d | dmin << 16) (unit j of 4).
//   Q5_K: as Q4_K with hib (8) between codes and word.
//   Q6_K: codes (3), word = its four int8 scales, sb_half = d.
//   Q2_K: codes (1), word = its four GGUF scale bytes (scale | min << 4), sb_words = d | dmin << 16.
//   Q3_K: codes (1), hib (8), sb_words = 12 bytes: the 16 scales + 32 (6 bits each, unit j's four
//     at bits 24j of the 96-bit little-endian value), sb_half = d.
//   IQ4_XS: codes (2), half: bits 0-11 the two 6-bit scales (+32) of its sub-blocks, bits 12-15
//     nibble j of the super-block's F16 d.
// Activations (quantize_activations_packed), one row per token, packed_activation_row_bytes apart:
//   for the legacy types, the reference's Q8_0 blocks (Q8_1's codes and d are the same): int8 codes
//   (two chunks per block), then per block {F16 d, int16 sum of the codes}, then per block Q8_1's F16
//   s = d sum; for the others, the reference's Q8_K blocks: int8 codes (four chunks per 64 elements),
//   then an int16 sum per 32 elements, then the float d per 256.
bool matvec_packs(TensorType type);   // every quantized type (not F32, F16, BF16)

struct PackedShape {
    int unit;       // elements per unit (32 or 64)
    int chunks;     // 16-byte code chunks per unit
    int hib;        // bytes of high bits per unit (0, 4 or 8)
    int word;       // bytes of the per-unit word (0 or 4)
    int half;       // bytes of the per-unit half (0 or 2)
    int sb_words;   // bytes of words per super-block (0, 4 or 12)
    int sb_half;    // bytes of F16 per super-block (0 or 2)
};
constexpr PackedShape packed_shape(TensorType t)
{
    switch (t) {
    case TensorType::Q4_0:
    case TensorType::IQ4_NL: return {32, 1, 0, 0, 2, 0, 0};
    case TensorType::Q4_1: return {32, 1, 0, 4, 0, 0, 0};
    case TensorType::Q5_0: return {32, 1, 4, 0, 2, 0, 0};
    case TensorType::Q5_1: return {32, 1, 4, 4, 0, 0, 0};
    case TensorType::Q8_0: return {32, 2, 0, 0, 2, 0, 0};
    case TensorType::Q4_K: return {64, 2, 0, 4, 0, 0, 0};
    case TensorType::Q5_K: return {64, 2, 8, 4, 0, 0, 0};
    case TensorType::Q6_K: return {64, 3, 0, 4, 0, 0, 2};
    case TensorType::Q2_K: return {64, 1, 0, 4, 0, 4, 0};
    case TensorType::Q3_K: return {64, 1, 8, 0, 0, 12, 2};
    case TensorType::IQ4_XS: return {64, 2, 0, 0, 2, 0, 0};
    default: return {0, 0, 0, 0, 0, 0, 0};
    }
}

// Byte offset of chunk q (of `chunks` per unit) of `unit` in a row of n_units units. constexpr:
// device code calls it too (nvcc --expt-relaxed-constexpr).
constexpr int64_t packed_chunk_offset(int64_t unit, int q, int64_t n_units, int chunks)
{
    const int64_t g = unit / 32, i = unit % 32;
    const int64_t c = n_units - 32 * g < 32 ? n_units - 32 * g : 32;
    return g * 32 * 16 * chunks + (q * c + i) * 16;
}

// Long rows, one token: a row pair is split over S warps of one block (matvec_packed_split), warp s
// taking the contiguous units [s L, (s + 1) L), L = packed_split_units. The warps after the first
// leave their block terms in shared memory and the first adds them after its own, in block order:
// the same additions in the same order as one warp, so the results stay bit-identical. S = 4 from
// 384 16-byte code chunks per row (nu x chunks: ffn_down of a 7B model, 14336 columns, has 448 in
// Q4_0 / Q4_K), 2 from 192, else 1: a warp keeps >= 96 chunks (1.5 KB of codes a row) to pay
// for the exchange. Several tokens (the multi-token variant) stay one warp per row pair.
constexpr int matvec_packed_split(TensorType type, int64_t cols)
{
    const PackedShape s = packed_shape(type);
    const int64_t chunks = s.unit ? cols / s.unit * s.chunks : 0;
    return chunks >= 384 ? 4 : chunks >= 192 ? 2 : 1;
}
// Units per warp of a row of nu units split over `split` warps: a multiple of 32 (whole steps).
constexpr int64_t packed_split_units(int64_t nu, int split) { return ((nu + split - 1) / split + 31) / 32 * 32; }

// Host side: `rows` GGUF rows of `cols` elements (src_row_bytes apart) to the packed layout in
// dst (rows * row_bytes(type, cols) bytes). type must be one matvec_packs() accepts.
void pack_weights(TensorType type, const void* src, size_t src_row_bytes, int64_t rows, int64_t cols, void* dst);

// Bytes of one token's packed activations (a multiple of 16).
size_t packed_activation_row_bytes(TensorType weight_type, int64_t cols);

// x: (n_rows, n) F32 to packed activations for weights of `weight_type`.
GpuStatus quantize_activations_packed(TensorType weight_type, const float* x, void* dst, int64_t n_rows, int64_t n,
                                      Stream s);

// y[t*ldy + r] = W[r] . x_t from packed weights and packed activations (16-byte aligned); for
// n_tokens > 1 (a small batch) a warp reads its rows' weights once for up to 8 tokens, each
// token's result the same as alone;
// accumulate: y[t*ldy + r] += W[r] . x_t instead (a residual add in the product's epilogue, the
// same float addition as add_inplace).
GpuStatus matvec_packed(TensorType type, const void* w, int64_t rows, int64_t cols, const void* xq, int64_t n_tokens,
                        float* y, int64_t ldy, Stream s, bool accumulate = false);

// Several packed products in one launch, all reading the same activations xq (their types share
// a vec_dot_type) and of the same row length. Store / Accumulate: part k writes (or adds to)
// y_k[t*ldy_k + r] = W_k[r] . x_t (Q, K and V in one launch). SwiGLU: two parts of the same rows
// (gate, up); y_0[t*ldy_0 + r] = silu(gate_r . x_t) * (up_r . x_t), swiglu()'s expression.
enum class PackedEpilogue { Store, Accumulate, SwiGLU };
inline constexpr int kMaxPackedParts = 3;
struct PackedPart {
    TensorType type;
    const void* w;
    int64_t rows;
    float* y;
    int64_t ldy;
};
struct PackedMatvec {   // a launch's parts (internal to matvec.cu, passed to the kernel by value)
    PackedPart parts[kMaxPackedParts];
    int64_t first_block[kMaxPackedParts];
    int n_parts;
    PackedEpilogue epilogue;
    int split;   // warps per row pair (matvec_packed_split)
};
GpuStatus matvec_packed_parts(const PackedPart* parts, int n_parts, int64_t cols, const void* xq, int64_t n_tokens,
                              PackedEpilogue epilogue, Stream s);

// Packed weights to F16 (rows, cols) for the prefill GEMM, values as dequantize_to_f16's.
GpuStatus dequantize_packed_to_f16(TensorType type, const void* w, int64_t rows, int64_t cols, uint16_t* dst, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
