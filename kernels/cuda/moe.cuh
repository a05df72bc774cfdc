#pragma once
// Mixture-of-experts steps on the device (Mixtral's 'llama' files, qwen3moe), the routing decided
// there: the chosen experts' ids and weights stay in device memory, the launches that follow read
// them from there (no wait for the host per layer; a CUDA graph replays them for any routing).
// Numerics of CpuLayer::experts_block (engine/layer_cpu.cpp).
#include "device.h"

#include <cstddef>
#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// logits: (n_tokens, n_expert) F32 router logits, overwritten by their softmax (the sum in
// double). ids: (n_tokens, n_used) the n_used most probable experts, most probable first (ties:
// the lower expert); weights: (n_tokens, n_used) their probabilities, divided by the sum of the
// chosen ones (clamped below at F16's smallest normal) when normalize.
GpuStatus moe_route(float* logits, int64_t n_tokens, int64_t n_expert, int64_t n_used, bool normalize, int32_t* ids,
                    float* weights, Stream s);

// Slot i (n_used slots of expert_bytes at `slots`) = the bytes of expert ids[i] (experts: n_expert
// matrices of expert_bytes one after the other, packed or not): the products that follow read
// the chosen experts at fixed addresses. ids are checked on the device (an id outside
// [0, n_expert) copies nothing).
GpuStatus moe_gather(const void* experts, size_t expert_bytes, int64_t n_expert, const int32_t* ids, int64_t n_used,
                     void* slots, Stream s);

// x (n) += sum over i = 0 .. n_used - 1 of weights[i] * y[i] (y: (n_used, n) F32), the sum formed
// first in that order, then added: the CPU layer's arithmetic.
GpuStatus moe_combine(const float* y, const float* weights, int64_t n_used, int64_t n, float* x, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
