#pragma once
// Embedding lookup: out (n_tokens, n_embd) F32 = dequantized rows ids[t] of a weight table.
#include "device.h"
#include "kernels/cpu/quant_types.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// table: device rows of n_embd elements of `type`, row_bytes apart. ids: device int32 (n_tokens),
// already checked to be < the table's rows by the caller. scale: every value multiplied by it
// after its dequantization (gemma's sqrt(n_embd)); 1: the rows as they are.
GpuStatus embed_rows(TensorType type, const void* table, size_t row_bytes, const int32_t* ids, int64_t n_tokens,
                     int64_t n_embd, float* out, Stream s, float scale = 1.0f);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
