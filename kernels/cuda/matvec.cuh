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
// Weights of some types are repacked once at upload so that a warp reads them, and the
// activations they meet, with 16-byte loads on consecutive addresses (every 32-byte sector a
// load touches is used whole). The integer sums and the float expression of every block are
// the reference's, and block terms are added in block order: results equal matmul_ref bit for
// bit, like matvec() on the GGUF bytes.
//
// A row is cut into units, one per lane and step (Q4_0, Q8_0: one 32-element block; Q4_K, Q6_K:
// 64 elements, a quarter super-block). A unit's bytes are 16-byte chunks; the chunks of 32
// consecutive units (a group) are stored chunk-major -- chunk q of every unit of the group, then
// chunk q + 1 -- so chunk q of a step's 32 lanes is 512 contiguous bytes (packed_chunk_offset).
//
// Q4_0 weights (rows x nb blocks, same size as GGUF): codes, rows x nb x 16 bytes (the block's
//   qs as in the file, one chunk per unit), then rows x nb F16 scales.
// Q4_K weights (rows x nsb super-blocks, 144 bytes each as in GGUF): codes, rows x nsb x 128 bytes
//   (unit j of a super-block: qs[32j .. 32j+32), two chunks), then rows x nsb x 4 words, one per
//   unit: bits 0-23 the 6-bit scales and mins of its two sub-blocks (sc0, sc1, m0, m1), bits 24-31
//   byte j of the super-block's (d | dmin << 16) as F16 bits.
// Q8_0 weights (34 bytes per block as in GGUF): codes, rows x nb x 32 bytes (two chunks per block),
//   then rows x nb F16 scales.
// Q6_K weights (210 bytes per super-block as in GGUF): codes, rows x nsb x 192 bytes, three chunks
//   per unit of 64 six-bit codes c (+32) -- chunk 0 byte l: low nibbles of c[l], c[32+l]; chunk 1:
//   of c[16+l], c[48+l]; chunk 2: the high 2 bits of c[l], c[16+l], c[32+l], c[48+l] at bits 0, 2,
//   4, 6 -- then rows x nsb x 16 int8 scales (four per unit), then rows x nsb F16 d.
// Activations (quantize_activations_packed), one row per token, packed_activation_row_bytes apart:
//   for Q4_0 and Q8_0, the reference's Q8_0 blocks: int8 codes (two chunks per block), then per block
//   {F16 d, int16 sum of the codes}; for Q4_K and Q6_K, the reference's Q8_K blocks: int8 codes (four
//   chunks per 64 elements), then an int16 sum per 32 elements, then the float d per 256.
bool matvec_packs(TensorType type);   // Q4_0, Q8_0, Q4_K, Q6_K

// Byte offset of chunk q (of `chunks` per unit) of `unit` in a row of n_units units. constexpr:
// device code calls it too (nvcc --expt-relaxed-constexpr).
constexpr int64_t packed_chunk_offset(int64_t unit, int q, int64_t n_units, int chunks)
{
    const int64_t g = unit / 32, i = unit % 32;
    const int64_t c = n_units - 32 * g < 32 ? n_units - 32 * g : 32;
    return g * 32 * 16 * chunks + (q * c + i) * 16;
}

// Host side: `rows` GGUF rows of `cols` elements (src_row_bytes apart) to the packed layout in
// dst (rows * row_bytes(type, cols) bytes). type must be one matvec_packs() accepts.
void pack_weights(TensorType type, const void* src, size_t src_row_bytes, int64_t rows, int64_t cols, void* dst);

// Bytes of one token's packed activations (a multiple of 16).
size_t packed_activation_row_bytes(TensorType weight_type, int64_t cols);

// x: (n_rows, n) F32 to packed activations for weights of `weight_type`.
GpuStatus quantize_activations_packed(TensorType weight_type, const float* x, void* dst, int64_t n_rows, int64_t n,
                                      Stream s);

// y[t*ldy + r] = W[r] . x_t from packed weights and packed activations (16-byte aligned);
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
};
GpuStatus matvec_packed_parts(const PackedPart* parts, int n_parts, int64_t cols, const void* xq, int64_t n_tokens,
                              PackedEpilogue epilogue, Stream s);

// Packed weights to F16 (rows, cols) for the prefill GEMM, values as dequantize_to_f16's.
GpuStatus dequantize_packed_to_f16(TensorType type, const void* w, int64_t rows, int64_t cols, uint16_t* dst, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
