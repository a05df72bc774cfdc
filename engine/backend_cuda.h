#pragma once
// The CUDA backend: the Llama forward pass through the kernels of kernels/cuda/, with as many
// layers on the GPU as its free memory allows and the rest on the CPU in the same pass.
// Built for real (nvcc, CAUSERIE_HAVE_CUDA) and against the CUDA sim (CAUSERIE_HAVE_CUDA_SIM,
// the `cuda-sim` device), from the same backend_cuda.cpp.
#include "backend.h"
#include "kernels/cuda/device_probe.h"
#include "memory.h"
#include "model.h"
#include "result.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace causerie {

// One CUDA device as the probe saw it (kernels/cuda/device_probe.h on a GPU machine, the sim's
// pretend devices under cuda-sim, with no bandwidth: 0).
using CudaDeviceCandidate = kernels::cuda::CudaDeviceInfo;

// The oldest architecture the kernels are built for (sm_80, Ampere): older devices are listed
// but never chosen.
inline constexpr int kCudaMinComputeMajor = 8;

// Pure (device.cpp), tested with made-up devices. `requested` -1: the usable device with the
// most free memory (the lower index on ties); otherwise that index, with an error naming the
// devices there are when it does not exist or is too old.
Result<int> choose_cuda_device(const std::vector<CudaDeviceCandidate>& devices, int requested);

// The devices `device` ("cuda" or "cuda-sim") chooses among, in every build (for reports such
// as the benchmark); an error says why there are none (no driver, not in this build).
Result<std::vector<CudaDeviceCandidate>> list_devices_for(const std::string& device);

// "0: NVIDIA GeForce RTX 4090, 22.1 GiB free of 24.0 GiB, compute 8.9", one line per device.
std::string describe_cuda_devices(const std::vector<CudaDeviceCandidate>& devices);

// Device memory needed for a model, and how many layers fit in `free_bytes`.
struct CudaMemoryPlan {
    int64_t n_layer = 0;       // the model's
    int64_t n_layer_gpu = 0;   // how many (the first ones) go on the GPU; 0: use the CPU
    size_t layer_bytes = 0;    // weights + KV cache of the largest layer
    size_t fixed_bytes = 0;    // embeddings, output head, scratch buffers, runtime reserve
    size_t needed_all = 0;     // fixed_bytes + every layer
    size_t free_bytes = 0;     // what the device reported
    std::string summary;       // "GPU has 5.1 GiB free, model needs 7.2 GiB: 18 of 32 layers on GPU"
};

// Tokens per micro-batch of a prefill on the GPU (scratch buffers are sized for it): the int8
// GEMM reads each weight once per micro-batch.
inline constexpr int64_t kCudaMaxBatch = 512;
// Batches of at least this many tokens multiply packed weights with the int8 tensor-core GEMM
// (kernels/cuda/mmq.cuh, bit-identical to the matvec), fewer with the packed matvec.
inline constexpr int64_t kCudaMmqMinBatch = 16;
// Logits eval_top_k gathers on the device (a repetition penalty's window) and the most it
// selects (kernels/cuda/topk.cuh kTopKMax); beyond these it takes the full-row path.
inline constexpr int64_t kCudaMaxGather = 256;
inline constexpr int64_t kCudaMaxTopK = 128;
// Device memory kept free for the CUDA context, cuBLAS workspace and fragmentation.
inline constexpr size_t kCudaReserveBytes = size_t(320) << 20;

// Pure arithmetic (device.cpp): no GPU needed. `gemm` adds the F16 scratch of the prefill GEMM path;
// the KV cache is counted in `kv_type` (BackendOptions::kv_type).
CudaMemoryPlan plan_cuda_memory(const Model& model, int64_t n_ctx, size_t free_bytes, bool gemm,
                                KvType kv_type = KvType::F16, size_t reserve_bytes = kCudaReserveBytes);

// format_bytes ("1.5 GiB") is in memory.h.

// Options beyond BackendOptions, for tests and benchmarks.
struct CudaBackendOptions {
    int64_t max_layers = -1;       // cap on GPU layers (-1: as many as fit; 0, for tests: every
                                   // layer on the host side, embeddings and head on the device)
    int64_t gemm_min_batch = -1;   // prefill batches at least this large use dequantize+GEMM
                                   // (-1: 32 on a GPU, never under the sim, where matvec is exact)
                                   // for the types without a packed layout
    int64_t mmq_min_batch = -1;    // batches at least this large use the int8 GEMM for packed
                                   // weights (-1: kCudaMmqMinBatch, on a GPU and under the sim)
    // Decode attention: the CPU's exact recurrence (one block per head), or split-K
    // flash-decoding (attention_split_k: a block per KV head and chunk of 128 positions, float
    // accumulators, merged in the same launch). Auto: flash-decoding on a GPU at every position
    // (when the head sizes allow it), exact under the sim.
    enum class Attention { Auto, Exact, SplitK } attention = Attention::Auto;
    // Prefill attention (batches of more than one token): the exact kernel above, or the tiled
    // flash-attention kernel (attention_prefill.cuh: float softmax, reads each K/V tile once per
    // 16 queries). Auto: tiled on a GPU when the shape allows, exact under the sim.
    enum class PrefillAttention { Auto, Exact, Tiled } prefill_attention = PrefillAttention::Auto;
    // Decode steps replayed from a CUDA graph captured once per context bucket (powers of two
    // from 128 positions), when every layer is on the GPU. Auto: on a GPU, off under the sim
    // (where launch overhead does not exist; tests force it on to check replay = plain step).
    enum class Graphs { Auto, Off, On } graphs = Graphs::Auto;
};

// Errors (nothing fits, allocation failed even with fewer layers, no device) are returned with
// the reason; create_backend() then falls back to the CPU and tells the user why.
// The device is options.gpu_device, or choose_cuda_device()'s pick when it is -1; at most
// options.n_gpu_layers layers (when >= 0) go on it. list_cuda_*devices(): what the choice sees.
#if defined(CAUSERIE_HAVE_CUDA)
Result<std::vector<CudaDeviceCandidate>> list_cuda_devices();
Result<std::unique_ptr<ComputeBackend>> create_cuda_backend(const Model& model, const BackendOptions& options,
                                                            const CudaBackendOptions& cuda_options = {},
                                                            std::string* summary = nullptr);
#endif
#if defined(CAUSERIE_HAVE_CUDA_SIM)
Result<std::vector<CudaDeviceCandidate>> list_cuda_sim_devices();
Result<std::unique_ptr<ComputeBackend>> create_cuda_sim_backend(const Model& model, const BackendOptions& options,
                                                                const CudaBackendOptions& cuda_options = {},
                                                                std::string* summary = nullptr);
#endif

}   // namespace causerie
