// Device choice for a model (create_backend in backend.h, the CUDA device list and choice in
// backend_cuda.h): `auto` prefers CUDA when a device is usable and the model (or some
// of its layers) fits, and otherwise runs on the CPU and says why; the program never fails to
// start because of CUDA. `cuda-sim` runs the CUDA backend on the CPU through the sim harness.
#include "backend.h"
#include "backend_cuda.h"

#include "kernels/cpu/matmul_ref.h"
#include "layer_cpu.h"                  // layer_matrices
#include "kernels/cuda/attention.cuh"   // kSplitChunk: a constant, no GPU code
#include "kernels/cuda/sample.cuh"      // sample_device_bytes: constants, no GPU code

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#ifdef CAUSERIE_HAVE_CUDA
#include "kernels/cuda/device_probe.h"
#endif

namespace causerie {

// Mirrors CudaBackend::allocate() in backend_cuda.cpp: what it allocates, this counts.
CudaMemoryPlan plan_cuda_memory(const Model& model, int64_t n_ctx, size_t free_bytes, bool gemm, KvType kv_type,
                                size_t reserve_bytes)
{
    const HParams& hp = model.hp;
    auto bytes = [](const Weight& w) { return size_t(w.rows) * w.row_bytes; };
    CudaMemoryPlan p;
    p.n_layer = hp.n_layer;
    p.free_bytes = free_bytes;
    // K and V of every position in the cache's type (Q8_0: 17/32 of F16's bytes, more layers fit)
    const size_t kv = size_t(n_ctx) * (kv_row_bytes(kv_type, hp.n_head_kv * hp.head_dim) +
                                       kv_row_bytes(kv_type, hp.n_head_kv * hp.value_dim));
    size_t expert_bytes = 0;   // the largest expert matrix: the backend's slots hold k of each kind
    for (const LayerWeights& L : model.layers) {
        size_t w = 0;
        for (const Weight* t : layer_matrices(L))   // a mixture of experts: the router and every expert
            w += bytes(*t);
        for (const Weight* t : {&L.attn_norm, &L.ffn_norm, &L.bq, &L.bk, &L.bv, &L.q_norm, &L.k_norm, &L.attn_post_norm,
                                &L.ffn_post_norm})
            if (t->data)
                w += bytes(*t);
        for (const std::vector<Weight>* experts : {&L.gate_exps, &L.up_exps, &L.down_exps})
            for (const Weight& e : *experts)
                expert_bytes = std::max(expert_bytes, bytes(e));
        p.layer_bytes = std::max(p.layer_bytes, w + kv);
    }
    size_t max_conv = 0, max_elems = 0, max_cols = 0;
    auto scan = [&](const Weight& w) {
        max_conv = std::max(max_conv, kernels::row_bytes(kernels::vec_dot_type(w.type), w.cols));
        // packed_activation_row_bytes (kernels/cuda/quantize.cu) for the packed decode layout
        const size_t n = size_t(w.cols);
        if (kernels::type_traits(uint32_t(w.type))->block_size > 1)
            max_conv =
                std::max(max_conv, ((kernels::vec_dot_type(w.type) == kernels::TensorType::Q8_K ? n + n / 16 + n / 64
                                                                                                : n + n / 8 + n / 16) +
                                    15) /
                                       16 * 16);
        max_elems = std::max(max_elems, size_t(w.rows * w.cols));
        max_cols = std::max(max_cols, size_t(w.cols));
    };
    scan(model.output);
    for (const LayerWeights& L : model.layers)
        for (const Weight* w : layer_matrices(L))
            scan(*w);
    const size_t B = size_t(kCudaMaxBatch);
    const size_t floats = B * size_t(2 * hp.n_embd + hp.n_head * (hp.head_dim + hp.value_dim) +
                                     hp.n_head_kv * (hp.head_dim + hp.value_dim) + 2 * hp.n_ff + hp.n_vocab);
    const int64_t chunk = kernels::gpu::kSplitChunk;
    const size_t split_k = size_t(hp.n_head) * size_t((n_ctx + chunk - 1) / chunk) * size_t(hp.value_dim + 2) * 4;
    const size_t top_k = size_t(2 * kCudaMaxTopK + 2 * kCudaMaxGather) * 4;        // eval_top_k's ids and values
    const size_t sample = size_t(kernels::gpu::sample_device_bytes(hp.n_vocab));   // eval_sample's buffers
    // A mixture of experts: the chosen experts' gate, up and down matrices copied into slots
    // (moe_gather), the router's logits, the chosen ids and weights, the experts' activations.
    const size_t k = size_t(hp.n_expert_used);
    const size_t moe = hp.n_expert > 0 ? 3 * k * expert_bytes + B * (size_t(hp.n_expert) + 2 * k) * 4 +
                                             k * size_t(2 * hp.n_ff_exp + hp.n_embd) * 4
                                       : 0;
    size_t scratch =
        floats * 4 + B * max_conv + B * 4 + sizeof(int64_t) + split_k + top_k + sample + moe;   // + the decode position
    if (gemm)
        scratch += max_elems * 2 + B * max_cols * 2;
    // A tied head of a type with a packed decode layout (every quantized type) gets its own packed copy.
    const bool head_copy = !model.tied_output || kernels::type_traits(uint32_t(model.tok_embd.type))->block_size > 1;
    p.fixed_bytes = bytes(model.tok_embd) + bytes(model.output_norm) +
                    (head_copy ? bytes(model.tied_output ? model.tok_embd : model.output) : 0) + scratch +
                    reserve_bytes;
    p.needed_all = p.fixed_bytes + size_t(hp.n_layer) * p.layer_bytes;
    if (free_bytes >= p.needed_all)
        p.n_layer_gpu = hp.n_layer;
    else if (free_bytes > p.fixed_bytes && p.layer_bytes > 0)
        p.n_layer_gpu = std::min<int64_t>(hp.n_layer, int64_t((free_bytes - p.fixed_bytes) / p.layer_bytes));
    p.summary = "GPU has " + format_bytes(free_bytes) + " free, model needs " + format_bytes(p.needed_all) + ": ";
    p.summary += p.n_layer_gpu > 0
                     ? std::to_string(p.n_layer_gpu) + " of " + std::to_string(hp.n_layer) + " layers on GPU"
                     : "not even one layer fits";
    return p;
}

std::string describe_cuda_devices(const std::vector<CudaDeviceCandidate>& devices)
{
    std::string out;
    for (const CudaDeviceCandidate& d : devices) {
        if (!out.empty())
            out += "\n";
        out += std::to_string(d.index) + ": " + d.name + ", " + format_bytes(d.free_bytes) + " free of " +
               format_bytes(d.total_bytes) + ", compute " + std::to_string(d.compute_major) + "." +
               std::to_string(d.compute_minor);
    }
    return out;
}

Result<std::vector<CudaDeviceCandidate>> list_devices_for(const std::string& device)
{
    if (device == "cuda-sim") {
#ifdef CAUSERIE_HAVE_CUDA_SIM
        return list_cuda_sim_devices();
#else
        return make_error("device 'cuda-sim' is not in this build (configure with -DCAUSERIE_CUDA_SIM=ON)");
#endif
    }
    if (device == "cuda" || device == "auto") {
#ifdef CAUSERIE_HAVE_CUDA
        return list_cuda_devices();
#else
        return make_error("this build of Causerie has no GPU backend");
#endif
    }
    return make_error("device '" + device + "' is not a CUDA device");
}

Result<int> choose_cuda_device(const std::vector<CudaDeviceCandidate>& devices, int requested)
{
    auto usable = [](const CudaDeviceCandidate& d) { return d.compute_major >= kCudaMinComputeMajor; };
    if (devices.empty())
        return make_error("no CUDA device was found");
    if (requested >= 0) {
        for (const CudaDeviceCandidate& d : devices) {
            if (d.index != requested)
                continue;
            if (!usable(d))
                return make_error("CUDA device " + std::to_string(requested) + " (" + d.name + ", compute " +
                                  std::to_string(d.compute_major) + "." + std::to_string(d.compute_minor) +
                                  ") is older than this build supports (compute " +
                                  std::to_string(kCudaMinComputeMajor) + ".0 or newer)");
            return d.index;
        }
        return make_error("there is no CUDA device " + std::to_string(requested) + "; the devices are:\n" +
                          describe_cuda_devices(devices));
    }
    const CudaDeviceCandidate* best = nullptr;
    for (const CudaDeviceCandidate& d : devices)
        if (usable(d) &&
            (!best || d.free_bytes > best->free_bytes || (d.free_bytes == best->free_bytes && d.index < best->index)))
            best = &d;
    if (!best)
        return make_error("no CUDA device is recent enough for this build (compute " +
                          std::to_string(kCudaMinComputeMajor) + ".0 or newer); the devices are:\n" +
                          describe_cuda_devices(devices));
    return best->index;
}

namespace {

// The CPU, with `why` set to the reason the GPU was not used.
Result<std::unique_ptr<ComputeBackend>> cpu_because(const Model& model, const BackendOptions& options,
                                                    const std::string& reason, std::string* why)
{
    if (why)
        *why = reason + ": running on the CPU";
    return create_cpu_backend(model, options);
}

#if defined(CAUSERIE_HAVE_CUDA) || defined(CAUSERIE_HAVE_CUDA_SIM)
// A device asked for by number (`asked` >= 0) must be one of `device`'s: no silent fallback.
Status check_asked_device(const std::string& device, int asked)
{
    if (asked < 0)
        return Ok{};
    auto devices = list_devices_for(device);
    if (!devices)
        return devices.error();
    if (auto index = choose_cuda_device(*devices, asked); !index)
        return index.error();
    return Ok{};
}

using GpuBackendFactory = Result<std::unique_ptr<ComputeBackend>> (*)(const Model&, const BackendOptions&,
                                                                      const CudaBackendOptions&, std::string*);

// The backend `create` makes, with its summary in `why`; when it cannot be made, the CPU with
// the reason.
Result<std::unique_ptr<ComputeBackend>> gpu_or_cpu(GpuBackendFactory create, const Model& model,
                                                   const BackendOptions& options, std::string* why)
{
    std::string summary;
    auto b = create(model, options, {}, &summary);
    if (!b)
        return cpu_because(model, options, b.error().message, why);
    if (why)
        *why = summary;
    return b;
}
#endif

}   // namespace

Result<std::unique_ptr<ComputeBackend>> create_backend(const Model& model, const BackendOptions& options,
                                                       std::string* why)
{
    const std::string& device = options.device;
    if (device == "cpu")
        return create_cpu_backend(model, options);
    if (options.n_gpu_layers == 0 && (device == "auto" || device == "cuda" || device == "cuda-sim"))
        return cpu_because(model, options, "0 GPU layers were asked for", why);
    if (device == "cuda-sim") {
#ifdef CAUSERIE_HAVE_CUDA_SIM
        if (auto st = check_asked_device(device, options.gpu_device); !st)
            return st.error();
        return gpu_or_cpu(create_cuda_sim_backend, model, options, why);
#else
        return make_error("device 'cuda-sim' is not in this build (configure with -DCAUSERIE_CUDA_SIM=ON)");
#endif
    }
    if (device == "auto" || device == "cuda") {
#ifdef CAUSERIE_HAVE_CUDA
        const auto probe = kernels::cuda::probe_devices();
        if (!probe.usable && options.gpu_device < 0)
            return cpu_because(model, options, probe.reason, why);
        if (!probe.usable)   // a device asked for by number: no silent fallback
            return make_error("CUDA device " + std::to_string(options.gpu_device) + " was asked for, but " +
                              probe.reason);
        if (auto st = check_asked_device(device, options.gpu_device); !st)
            return st.error();
        return gpu_or_cpu(create_cuda_backend, model, options, why);
#else
        if (options.gpu_device >= 0)
            return make_error("CUDA device " + std::to_string(options.gpu_device) +
                              " was asked for, but this build of Causerie has no GPU backend");
        return cpu_because(model, options, "this build of Causerie has no GPU backend", why);
#endif
    }
    return make_error("unknown device '" + device + "' (expected auto, cpu, cuda or cuda-sim)");
}

}   // namespace causerie
