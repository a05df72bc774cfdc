#pragma once
// Prefill products on int8 tensor cores straight from the packed quantized weights (matvec.cuh's
// layout) and the packed activations (quantize_activations_packed: the reference's Q8_0 / Q8_K
// codes with their integer sums): y[t*ldy + r] = W[r] . x_t for a micro-batch of tokens.
// A block computes a tile of kMmqRows rows x kMmqTokens tokens. Per step of kMmqTileK elements it
// stages the tile's weight codes (unpacked to int8: Q4_0 q - 8, Q8_0 q, Q4_K the 4-bit code,
// Q6_K q - 32) and activation codes in shared memory, 16-byte panels (16 elements of 64 rows, no
// bank conflicts on the fragment loads), with their scales; each warp multiplies its 16 rows by
// the 64 tokens with `mma.sync` m16n8k32 int8 (int32 accumulate; Q6_K m16n8k16, a scale per 16
// elements), one 32-element block at a time, and folds each block's exact int32 sums, still in
// the fragment's registers, into float with the reference's expression, in block order. So the result equals matmul_ref
// (and matvec_packed) bit for bit, like the decode kernels: the "q8_1" activations are the CPU's own Q8_0 / Q8_K.
#include "device.h"
#include "kernels/cpu/quant_types.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

inline constexpr int64_t kMmqRows = 64;
inline constexpr int64_t kMmqTokens = 64;
inline constexpr int64_t kMmqTileK = 128;

// The packed types (matvec_packs): Q4_0, Q8_0, Q4_K, Q6_K.
bool mmq_supports(TensorType type);

// w: packed weights (pack_weights), rows x cols; xq: n_tokens rows of packed activations
// (packed_activation_row_bytes apart); y: (n_tokens, ldy) F32. accumulate: y += W x (a residual
// add in the epilogue, add_inplace's expression).
GpuStatus mmq_packed(TensorType type, const void* w, int64_t rows, int64_t cols, const void* xq, int64_t n_tokens,
                     float* y, int64_t ldy, Stream s, bool accumulate = false);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
