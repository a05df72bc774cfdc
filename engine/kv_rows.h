#pragma once
// The KV rows of layers kept in host memory (CpuKvCache, layer_cpu.h) in and out of the layout
// ComputeBackend::read_kv / write_kv promise, and the context shift on them. Shared by the CPU
// backend and by the CUDA backend's host layers.
#include "kernels/cpu/rope_shift.h"
#include "layer_cpu.h"
#include "model.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace causerie {

// Halves per position of one layer: K (n_head_kv*head_dim), V (n_head_kv*value_dim).
inline int64_t kv_k_dim(const HParams& hp) { return hp.n_head_kv * hp.head_dim; }
inline int64_t kv_v_dim(const HParams& hp) { return hp.n_head_kv * hp.value_dim; }
// Bytes of one layer's rows [0, n) in read_kv's layout (K rows then V rows, in the cache's type).
inline size_t kv_layer_bytes(const HParams& hp, int64_t n, KvType type = KvType::F16)
{
    return size_t(n) * (kv_row_bytes(type, kv_k_dim(hp)) + kv_row_bytes(type, kv_v_dim(hp)));
}

// The rotation the model's keys were made with (kernels/cpu/rope_shift.h), for its KV heads,
// in a context of n_ctx positions (which chooses LongRoPE's factors).
kernels::RopeShape kv_rope_shape(const Model& model, int64_t n_ctx);

// Whether a key made at position t can be moved to t - d by one more rotation, exactly as the
// model's RoPE would have made it there: not when the angle or the values are scaled (linear
// scaling, LongRoPE's attention factor) or when layers differ (sliding-window layers with their
// own base). An error names the reason; the session then prefills instead (session.cpp).
Status kv_shift_supported(const Model& model);

// The check every backend's eval makes first: tokens to evaluate, all in the vocabulary of
// n_vocab, at positions [pos, pos + tokens.size()) inside the context.
Status check_eval(std::span<const int32_t> tokens, int64_t pos, int64_t n_ctx, int64_t n_vocab);

// The checks every backend's read_kv / write_kv and shift_kv make before touching a row: rows
// [0, n) inside a context of n_ctx; a shift inside it and supported (kv_shift_supported).
Status check_kv_rows(int64_t n, int64_t n_ctx);
Status check_kv_shift(const Model& model, int64_t n_ctx, int64_t p, int64_t d, int64_t keep);

// One layer: rows [0, n) copied out to / in from `bytes` (kv_layer_bytes(hp, n) of them).
void copy_kv_out(const CpuKvCache& cache, const HParams& hp, int64_t n, uint8_t* bytes);
void copy_kv_in(CpuKvCache& cache, const HParams& hp, int64_t n, const uint8_t* bytes);

// n_rows rows of dim Q8_0 keys (dim a multiple of 32) rotated by delta positions through F16:
// dequantized, rotated as F16 keys are (rope_shift_f16_ref), quantized again.
void rope_shift_q8_0_rows(uint8_t* rows, int64_t n_rows, int64_t dim, const kernels::RopeShape& shape, int64_t delta);

// One layer: rows [p + d, p + d + keep) moved to [p, p + keep), keys rotated by -d (a Q8_0
// cache's keys through F16: dequantized, rotated as F16 keys are, quantized again).
void shift_kv_rows(CpuKvCache& cache, const Model& model, int64_t n_ctx, int64_t p, int64_t d, int64_t keep);

}   // namespace causerie
