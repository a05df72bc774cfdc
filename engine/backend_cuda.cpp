// The Llama forward pass (with the steps of qwen2/3, phi3 and gemma2/3) on a CUDA device (or the
// CUDA sim: this file is compiled once per flavour, see kernels/cuda/flavor.h), top to bottom
// like forward_cpu.cpp:
//   embed -> [layers 0 .. n_gpu) on the device -> [n_gpu .. n_layer) on the CPU -> head on the device.
// The layers on the CPU are the CPU backend's own (layer_cpu.h), with its kernels and a thread pool.
// Numerics follow the CPU backend: activations quantized to the same 8-bit blocks before every
// product, F16 KV cache, the same attention recurrence; so logits agree with --device cpu up to
// the order of float sums (see tests/engine/tst_cuda_backend.cpp for the tolerance).
#include "backend_cuda.h"

#include "kernels/cpu/matmul_ref.h"
#include "kernels/cuda/argmax.cuh"
#include "kernels/cuda/attention.cuh"
#include "kernels/cuda/attention_prefill.cuh"
#include "kernels/cuda/dequant_f16.cuh"
#include "kernels/cuda/mmq.cuh"
#include "kernels/cuda/device.h"
#include "kernels/cuda/elementwise.cuh"
#include "kernels/cuda/embed.cuh"
#include "kernels/cuda/matvec.cuh"
#include "kernels/cuda/moe.cuh"
#include "kernels/cuda/quantize.cuh"
#include "kernels/cuda/rmsnorm.cuh"
#include "kernels/cuda/rope.cuh"
#include "kernels/cuda/sample.cuh"
#include "kernels/cuda/bias_add.cuh"
#include "kernels/cuda/topk.cuh"
#include "kv_rows.h"
#include "layer_cpu.h"
#include "thread_pool.h"

#if !defined(CAUSERIE_CUDA_SIM)
#include "kernels/cuda/device_probe.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace causerie {
namespace {

namespace gpu = kernels::gpu;
using kernels::TensorType;

#if defined(CAUSERIE_CUDA_SIM)
constexpr bool kSim = true;
#else
constexpr bool kSim = false;
#endif

// Turns a device status into an engine error, keeping its file:line chain.
#define GPU_TRY(expr)                                                                                                  \
    do {                                                                                                               \
        if (auto st_ = (expr); !st_.ok())                                                                              \
            return make_error(st_.at(__FILE__, __LINE__).error);                                                       \
    } while (0)

// A device allocation owned by the backend.
struct DeviceMem {
    void* ptr = nullptr;
    DeviceMem() = default;
    DeviceMem(const DeviceMem&) = delete;
    DeviceMem& operator=(const DeviceMem&) = delete;
    ~DeviceMem() { gpu::device_free(ptr); }
    template <class T>
    T* as() const
    {
        return static_cast<T*>(ptr);
    }
};

// A weight resident on the device: the file's bytes, or for the matrices of the types
// matvec_packs() accepts the packed decode layout of kernels/cuda/matvec.cuh (same size).
struct DevWeight {
    const Weight* host = nullptr;
    DeviceMem mem;
    bool packed = false;
    // Prefill's F16 GEMM path (types without a packed layout; packed ones only in batches below the
    // int8 GEMM's minimum): the weight in F16, made on first use when the device has room for it
    // beside the reserve, so later prefills skip the dequantize.
    mutable DeviceMem f16;
    mutable bool f16_tried = false;
};

// One kind (gate, up or down) of a layer's experts: their n_expert matrices one after the other,
// expert e at e * bytes, each packed like a DevWeight when its type packs (moe_gather copies
// the chosen ones into slots that the products read).
struct DevExperts {
    const Weight* host = nullptr;   // expert 0's view (every expert has its shape and type)
    DeviceMem mem;
    size_t bytes = 0;   // of one expert
    bool packed = false;
};

// A slot of chosen-expert bytes seen as a DevWeight of the experts' shape; it does not own them.
struct SlotWeight {
    DevWeight w;
    SlotWeight(const DevExperts& kind, void* slot)
    {
        w.host = kind.host;
        w.mem.ptr = slot;
        w.packed = kind.packed;
    }
    SlotWeight(const SlotWeight&) = delete;
    SlotWeight& operator=(const SlotWeight&) = delete;
    ~SlotWeight() { w.mem.ptr = nullptr; }
};

struct DevLayer {
    DevWeight attn_norm, wq, wk, wv, wo, ffn_norm, w_gate, w_up, w_down;
    DevWeight bq, bk, bv, q_norm, k_norm;      // qwen2's biases, qwen3's and gemma3's Q/K norms: when present
    DevWeight attn_post_norm, ffn_post_norm;   // gemma's norms of each block's output: when present
    DevWeight router;                          // mixture of experts: ffn_gate_inp (n_expert, n_embd)
    DevExperts gate_exps, up_exps,
        down_exps;       // mixture of experts: (n_expert) x (n_ff_exp, n_embd) / (n_embd, n_ff_exp)
    DeviceMem k_cache;   // (n_ctx, n_head_kv*head_dim) F16
    DeviceMem v_cache;   // (n_ctx, n_head_kv*value_dim) F16
};

size_t weight_bytes(const Weight& w) { return size_t(w.rows) * w.row_bytes; }

// Host memory of the layers that stay on the CPU, as allocate() takes it (HostLayers): their KV
// cache (per token) and, when there is at least one, the residual stream, the layers' scratch
// and the converted activations of a micro-batch.
CpuMemoryPlan plan_host_layers(const Model& model, int64_t n_host, KvType kv_type)
{
    const HParams& hp = model.hp;
    const size_t B = size_t(kCudaMaxBatch);
    CpuMemoryPlan p;
    if (n_host <= 0)
        return p;
    p.kv_bytes_per_token = size_t(n_host) * CpuKvCache::bytes_per_token(hp, kv_type);
    p.scratch_bytes =
        B * size_t(hp.n_embd) * 4 + CpuLayerScratch::bytes(hp, kCudaMaxBatch) + B * converted_bytes_per_token(model);
    return p;
}

constexpr int64_t kMaxGather = kCudaMaxGather;
static_assert(kCudaMaxTopK == gpu::kTopKMax, "backend_cuda.h and topk.cuh disagree on the largest k");

// The layers that did not fit on the device, run by the CPU backend's layer (layer_cpu.h) on host
// buffers: the residual stream is copied from the device before them and back after them.
struct HostLayers {
    ThreadPool pool;
    CpuMatmul matmul{pool};
    std::vector<CpuKvCache> cache;   // per host layer, (n_ctx, ...) K and V of the backend's KvType
    std::vector<float> x;            // (B, n_embd) residual stream
    CpuLayerScratch scratch;         // (B, ...) the layers' activations
    CpuLayer layer;

    // Throws std::bad_alloc.
    HostLayers(const Model& model, int n_threads, int64_t n_host, int64_t n_ctx, int64_t batch, KvType kv_type)
        : pool(n_threads)
        , layer(model, pool, matmul, scratch)
    {
        cache.reserve(size_t(n_host));
        for (int64_t i = 0; i < n_host; ++i)
            cache.emplace_back(model.hp, n_ctx, kv_type);
        x.resize(size_t(batch * model.hp.n_embd));
        scratch.allocate(model.hp, batch);
        matmul.reserve(model, batch);
    }
};

class CudaBackend final : public ComputeBackend {
public:
    CudaBackend(const Model& model, int device_index, int64_t n_ctx, int64_t n_gpu, int n_threads,
                int64_t gemm_min_batch, const CudaBackendOptions& options, KvType kv_type)
        : m(model)
        , hp(model.hp)
        , m_device_index(device_index)
        , m_n_ctx(n_ctx)
        , m_n_gpu(n_gpu)
        , m_n_threads(n_threads)
        , m_gemm_min_batch(gemm_min_batch)
        , m_kv_type(kv_type)
        , m_mmq_min_batch(options.mmq_min_batch >= 0 ? options.mmq_min_batch : kCudaMmqMinBatch)
        , m_attention(options.attention)
        , m_prefill_attention(options.prefill_attention)
        , m_graphs_enabled(options.graphs == CudaBackendOptions::Graphs::On ||
                           (options.graphs == CudaBackendOptions::Graphs::Auto && !kSim))
    {
    }

    ~CudaBackend() override
    {
        for (auto& [bucket, graph] : m_graphs)
            gpu::graph_destroy(graph);
        gpu::stream_destroy(m_stream);
        gpu::host_free_pinned(m_pinned);
    }

    // Uploads weights and allocates caches and scratch; an out-of-memory error says so in
    // *oom so the caller can retry with fewer layers.
    Status allocate(bool* oom)
    {
        *oom = false;
        auto fail = [&](const gpu::GpuStatus& st) {
            *oom = st.out_of_memory;
            return make_error(st.at(__FILE__, __LINE__).error);
        };
        gpu::DeviceInfo info;
        if (auto st = gpu::device_init(m_device_index, &info); !st)
            return fail(st);
        m_device_name = info.name;
        if (auto st = gpu::stream_create(&m_stream); !st)
            return fail(st);

        std::vector<uint8_t> packed;   // host staging of a packed matrix
        // w's bytes to dst: packed (pack_weights) when `pack`, else the file's.
        auto put = [&](void* dst, const Weight& w, bool pack) -> gpu::GpuStatus {
            if (!pack) {
                CAUSERIE_GPU_TRY(gpu::copy_to_device(dst, w.data, weight_bytes(w), m_stream));
                return {};
            }
            try {
                packed.resize(weight_bytes(w));
            } catch (const std::bad_alloc&) {
                return gpu::gpu_error("not enough host memory to repack a weight", true);
            }
            gpu::pack_weights(w.type, w.data, w.row_bytes, w.rows, w.cols, packed.data());
            CAUSERIE_GPU_TRY(gpu::copy_to_device(dst, packed.data(), weight_bytes(w), m_stream));
            CAUSERIE_GPU_TRY(gpu::stream_sync(m_stream));   // `packed` is reused next
            return {};
        };
        auto upload = [&](DevWeight& dw, const Weight& w, bool pack = false) -> gpu::GpuStatus {
            dw.host = &w;
            dw.packed = pack && gpu::matvec_packs(w.type);
            CAUSERIE_GPU_TRY(gpu::device_malloc(&dw.mem.ptr, weight_bytes(w)));
            return put(dw.mem.ptr, w, dw.packed);
        };
        auto upload_experts = [&](DevExperts& de, const std::vector<Weight>& ws) -> gpu::GpuStatus {
            de.host = &ws.front();
            de.bytes = weight_bytes(ws.front());
            de.packed = gpu::matvec_packs(de.host->type);
            CAUSERIE_GPU_TRY(gpu::device_malloc(&de.mem.ptr, de.bytes * ws.size()));
            for (size_t e = 0; e < ws.size(); ++e)
                CAUSERIE_GPU_TRY(put(static_cast<uint8_t*>(de.mem.ptr) + e * de.bytes, ws[e], de.packed));
            return {};
        };
        auto alloc = [&](DeviceMem& mem, size_t bytes) {
            return gpu::device_malloc(&mem.ptr, std::max<size_t>(bytes, 4));
        };

        const int64_t kv_dim = hp.n_head_kv * hp.head_dim;
        const int64_t v_dim = hp.n_head_kv * hp.value_dim;
        const int64_t q_dim = hp.n_head * hp.head_dim;
        const int64_t att_dim = hp.n_head * hp.value_dim;
        const size_t B = size_t(kCudaMaxBatch);
        if (auto st = upload(m_tok_embd, m.tok_embd); !st)
            return fail(st);
        if (auto st = upload(m_output_norm, m.output_norm); !st)
            return fail(st);
        // Llama 3.1's factors, or phi3's LongRoPE short or long ones as the context size chooses.
        if (const float* factors = m.rope_factors(m_n_ctx)) {
            const size_t bytes = size_t(hp.n_rot / 2) * sizeof(float);
            if (auto st = gpu::device_malloc(&m_rope_factors.ptr, bytes); !st)
                return fail(st);
            if (auto st = gpu::copy_to_device(m_rope_factors.ptr, factors, bytes, m_stream); !st)
                return fail(st);
        }
        // A tied head is tok_embd, which embed_rows reads in the file's layout: the head's matvec
        // gets its own packed copy (plan_cuda_memory counts it) when its type packs.
        if (!m.tied_output || gpu::matvec_packs(m.tok_embd.type))
            if (auto st = upload(m_output, m.tied_output ? m.tok_embd : m.output, true); !st)
                return fail(st);
        m_layers = std::vector<DevLayer>(size_t(m_n_gpu));
        for (int64_t l = 0; l < m_n_gpu; ++l) {
            const LayerWeights& L = m.layers[size_t(l)];
            DevLayer& D = m_layers[size_t(l)];
            for (auto [dw, w] : {std::pair{&D.attn_norm, &L.attn_norm},
                                 {&D.wq, &L.wq},
                                 {&D.wk, &L.wk},
                                 {&D.wv, &L.wv},
                                 {&D.wo, &L.wo},
                                 {&D.ffn_norm, &L.ffn_norm},
                                 {&D.w_gate, &L.w_gate},
                                 {&D.w_up, &L.w_up},
                                 {&D.w_down, &L.w_down}})
                if (w->data)   // (a mixture of experts has no dense feed-forward)
                    if (auto st = upload(*dw, *w, w != &L.attn_norm && w != &L.ffn_norm); !st)
                        return fail(st);
            if (hp.n_expert > 0) {
                if (auto st = upload(D.router, L.ffn_gate_inp, true); !st)
                    return fail(st);
                for (auto [de, ws] :
                     {std::pair{&D.gate_exps, &L.gate_exps}, {&D.up_exps, &L.up_exps}, {&D.down_exps, &L.down_exps}}) {
                    if (auto st = upload_experts(*de, *ws); !st)
                        return fail(st);
                    m_slot_bytes = std::max(m_slot_bytes, de->bytes);
                }
            }
            for (auto [dw, w] : {std::pair{&D.bq, &L.bq},
                                 {&D.bk, &L.bk},
                                 {&D.bv, &L.bv},
                                 {&D.q_norm, &L.q_norm},
                                 {&D.k_norm, &L.k_norm},
                                 {&D.attn_post_norm, &L.attn_post_norm},
                                 {&D.ffn_post_norm, &L.ffn_post_norm}})
                if (w->data)
                    if (auto st = upload(*dw, *w); !st)
                        return fail(st);
            // Zeroed like the CPU backend's cache, so reading a position that was never written
            // (a caller breaking eval's contract) is deterministic rather than garbage.
            for (auto [mem, bytes] : {std::pair{&D.k_cache, size_t(m_n_ctx) * kv_row_bytes(m_kv_type, kv_dim)},
                                      {&D.v_cache, size_t(m_n_ctx) * kv_row_bytes(m_kv_type, v_dim)}}) {
                if (auto st = alloc(*mem, bytes); !st)
                    return fail(st);
                if (auto st = gpu::memset_device(mem->ptr, 0, bytes, m_stream); !st)
                    return fail(st);
            }
        }
        size_t max_conv = 0, max_weight_elems = 0;
        for_each_matrix([&](const Weight& w) {
            max_conv = std::max(max_conv, kernels::row_bytes(kernels::vec_dot_type(w.type), w.cols));
            if (gpu::matvec_packs(w.type))
                max_conv = std::max(max_conv, gpu::packed_activation_row_bytes(w.type, w.cols));
            max_weight_elems = std::max(max_weight_elems, size_t(w.rows * w.cols));
        });
        for (auto [mem, bytes] : {std::pair{&m_x, B * size_t(hp.n_embd) * 4},
                                  {&m_xb, B * size_t(hp.n_embd) * 4},
                                  {&m_q, B * size_t(q_dim) * 4},
                                  {&m_kb, B * size_t(kv_dim) * 4},
                                  {&m_vb, B * size_t(v_dim) * 4},
                                  {&m_att, B * size_t(att_dim) * 4},
                                  {&m_gate, B * size_t(hp.n_ff) * 4},
                                  {&m_up, B * size_t(hp.n_ff) * 4},
                                  {&m_xq, B * max_conv},
                                  {&m_logits, B * size_t(hp.n_vocab) * 4},
                                  {&m_ids, B * 4},
                                  {&m_step, sizeof(int64_t)},
                                  {&m_topk_ids, size_t(gpu::kTopKMax) * 4},
                                  {&m_topk_vals, size_t(gpu::kTopKMax) * 4},
                                  {&m_gather_ids, size_t(kMaxGather) * 4},
                                  {&m_gather_vals, size_t(kMaxGather) * 4},
                                  {&m_sample_params, sizeof(gpu::SampleParams)},
                                  {&m_sample_window, size_t(gpu::kSampleMaxWindow) * 4},
                                  {&m_sample_scratch, size_t(std::max(gpu::sample_scratch_bytes(hp.n_vocab),
                                                                      gpu::sample_wide_scratch_bytes(hp.n_vocab)))},
                                  {&m_sample_out, 4},
                                  {&m_router, B * size_t(hp.n_expert) * 4},
                                  {&m_moe_ids, B * size_t(hp.n_expert_used) * 4},
                                  {&m_moe_w, B * size_t(hp.n_expert_used) * 4},
                                  {&m_moe_gate, size_t(hp.n_expert_used * hp.n_ff_exp) * 4},
                                  {&m_moe_up, size_t(hp.n_expert_used * hp.n_ff_exp) * 4},
                                  {&m_moe_out, size_t(hp.n_expert_used * hp.n_embd) * 4},
                                  {&m_slots[0], size_t(hp.n_expert_used) * m_slot_bytes},
                                  {&m_slots[1], size_t(hp.n_expert_used) * m_slot_bytes},
                                  {&m_slots[2], size_t(hp.n_expert_used) * m_slot_bytes}})
            if (auto st = alloc(*mem, bytes); !st)
                return fail(st);
        if (auto st = gpu::host_alloc_pinned(&m_pinned, kPinnedBytes); !st)
            return fail(st);
        m_split_floats = gpu::attention_split_k_scratch_floats(1, m_n_ctx, attention_shape());
        if (auto st = alloc(m_split, size_t(m_split_floats) * 4); !st)
            return fail(st);
        if (auto st = gpu::memset_device(m_split.ptr, 0, size_t(m_split_floats) * 4, m_stream); !st)
            return fail(st);   // the merge's tickets start at 0 (attention_split_k)
        if (m_gemm_min_batch <= kCudaMaxBatch) {
            if (auto st = alloc(m_w16, max_weight_elems * 2); !st)
                return fail(st);
            size_t max_cols = 0;
            for_each_matrix([&](const Weight& w) { max_cols = std::max(max_cols, size_t(w.cols)); });
            if (auto st = alloc(m_x16, B * max_cols * 2); !st)
                return fail(st);
        }
        // Layers that stay on the CPU keep their KV cache and scratch in host memory (HostLayers).
        const int64_t n_host = hp.n_layer - m_n_gpu;
        try {
            if (n_host > 0)
                m_host = std::make_unique<HostLayers>(m, m_n_threads, n_host, m_n_ctx, kCudaMaxBatch, m_kv_type);
        } catch (const std::bad_alloc&) {
            return make_error("not enough host memory for the KV cache of the " + std::to_string(n_host) +
                              " layers that stay on the CPU; choose a smaller context size");
        }
        if (auto st = gpu::stream_sync(m_stream); !st)
            return fail(st);
        // Last, once the device side has fit: repacking is not undone by a retry with fewer layers.
        if (m_host) {
            std::vector<const Weight*> weights;
            for (int64_t l = m_n_gpu; l < hp.n_layer; ++l)
                for (const Weight* w : layer_matrices(m.layers[size_t(l)]))
                    weights.push_back(w);
            m_host->matmul.repack(m, weights);
        }
        return Ok{};
    }

    std::string device_name() const override
    {
        return m_device_name + " (" + std::to_string(m_n_gpu) + "/" + std::to_string(hp.n_layer) + " layers on GPU" +
               (m_graph_note.empty() ? "" : "; CUDA graphs off: " + m_graph_note) + ")";
    }
    int64_t n_ctx() const override { return m_n_ctx; }
    int64_t n_vocab() const override { return hp.n_vocab; }

    Status eval(std::span<const int32_t> tokens, int64_t pos, float* logits_last, float* all_logits) override
    {
        if (!m_lost.empty())
            return lost_error();
        return noting_loss(eval_batches(tokens, pos, logits_last, all_logits, false));
    }

    std::string device_lost() const override { return m_lost; }

    // Top-k on the device: the last token's logits stay in m_logits, topk_rows() picks k of them
    // and only k ids + k values (+ the gathered ones) cross to the host.
    int max_top_k() const override { return int(std::min(kCudaMaxTopK, kMaxGather)); }

    Status eval_top_k(std::span<const int32_t> tokens, int64_t pos, int k, std::span<const int32_t> gather,
                      TopLogits* out) override
    {
        if (k < 1 || k > gpu::kTopKMax || gather.size() > size_t(kMaxGather))
            return ComputeBackend::eval_top_k(tokens, pos, k, gather, out);
        if (!m_lost.empty())
            return lost_error();
        return noting_loss(device_top_k(tokens, pos, k, gather, out));
    }

    // Sampling on the device (sample.cuh): the decode step, then the selection and the draw on
    // its logits; only the chosen id is copied to the host (the one wait of the step), and it
    // stays in m_ids for the next step's embedding. Top-k 1..kSampleMaxK (or greedy): the tree of
    // block sorts; top-k 0 or above: the whole-vocabulary path, which answers -1 for a row with
    // too many candidates (or NaN), whose logits are then copied to `logits` for the host's
    // sampler. With graphs, sampling is part of the step's graph: its settings and window are
    // read from device memory.
    int max_sample_k() const override { return gpu::kSampleMaxK; }
    int max_sample_window() const override { return gpu::kSampleMaxWindow; }

    Status eval_sample(int32_t token, int64_t pos, const SampleStep& step, int32_t* next,
                       float* logits = nullptr) override
    {
        if (!m_lost.empty())
            return lost_error();
        Status st = device_sample(token, pos, step, next, logits);
        if (!st)
            m_fed = -1;   // the sampler may have written m_ids[0] before the failure
        return noting_loss(std::move(st));
    }

    // How a step samples (part of its graph's key): not at all, by the tree, over the whole row.
    enum class Sampling { None = 0, Tree = 1, Wide = 2 };

    Status device_sample(int32_t token, int64_t pos, const SampleStep& step, int32_t* next, float* logits)
    {
        const bool greedy = step.temperature <= 0.0f;
        const Sampling how =
            !greedy && (step.top_k < 1 || step.top_k > gpu::kSampleMaxK) ? Sampling::Wide : Sampling::Tree;
        if (step.window.size() > size_t(gpu::kSampleMaxWindow))
            return make_error("device sampling takes a penalty window of at most " +
                              std::to_string(gpu::kSampleMaxWindow) + " ids, not " +
                              std::to_string(step.window.size()));
        for (int32_t id : step.window)
            if (id < 0 || id >= hp.n_vocab)
                return make_error("token id " + std::to_string(id) + " is outside the vocabulary (" +
                                  std::to_string(hp.n_vocab) + ")");
        if (how == Sampling::Wide && !logits)
            return make_error("device sampling over the whole vocabulary needs a row for the logits it may "
                              "leave to the host");
        const int32_t one[1] = {token};
        if (auto st = check_eval(one, pos, m_n_ctx, hp.n_vocab); !st)
            return st;
        GPU_TRY(gpu::device_init(m_device_index, nullptr));
        gpu::SampleParams p;
        p.draw = step.draw;
        p.temperature = step.temperature;
        p.top_k = greedy ? 1 : std::max(step.top_k, 0);
        p.top_p = step.top_p;
        p.min_p = step.min_p;
        p.repeat_penalty = step.repeat_penalty;
        p.n_window = int32_t(step.window.size());
        GPU_TRY(stage(m_sample_params.ptr, kPinnedParams, &p, sizeof p));
        if (!step.window.empty())
            GPU_TRY(stage(m_sample_window.ptr, kPinnedWindow, step.window.data(), step.window.size() * 4));
        if (m_graphs_enabled && m_n_gpu == hp.n_layer) {
            if (auto st = decode_with_graph(token, pos, nullptr, how); !st)
                return st;
        } else {
            if (auto st = forward_batch(one, 1, pos, nullptr, nullptr, true); !st)
                return st;
            if (auto st = sample_on_device(how); !st)
                return st;
        }
        GPU_TRY(gpu::copy_to_host(next, m_sample_out.ptr, 4, m_stream));
        m_fed = *next;   // the sampler wrote it to m_ids[0] too (-1: nothing written)
        if (*next < 0)   // the whole-vocabulary path left the row to the host: a second wait
            GPU_TRY(gpu::copy_to_host(logits, m_logits.ptr, size_t(hp.n_vocab) * 4, m_stream));
        return Ok{};
    }

    // The launches of sampling on the head's logits (captured in the sampling graph).
    Status sample_on_device(Sampling how)
    {
        const auto sample = how == Sampling::Wide ? gpu::sample_logits_wide : gpu::sample_logits;
        GPU_TRY(sample(m_logits.as<float>(), hp.n_vocab, m_sample_params.as<gpu::SampleParams>(),
                       m_sample_window.as<int32_t>(), m_sample_scratch.ptr, m_sample_out.as<int32_t>(),
                       m_ids.as<int32_t>(), m_stream));
        return Ok{};
    }

    Status device_top_k(std::span<const int32_t> tokens, int64_t pos, int k, std::span<const int32_t> gather,
                        TopLogits* out)
    {
        for (int32_t id : gather)
            if (id < 0 || id >= hp.n_vocab)
                return make_error("token id " + std::to_string(id) + " is outside the vocabulary (" +
                                  std::to_string(hp.n_vocab) + ")");
        if (auto st = eval_batches(tokens, pos, nullptr, nullptr, true); !st)
            return st;
        const float* logits = m_logits.as<float>();
        GPU_TRY(gpu::topk_rows(logits, 1, hp.n_vocab, k, m_topk_ids.as<int32_t>(), m_topk_vals.as<float>(), m_stream));
        if (!gather.empty()) {
            GPU_TRY(stage(m_gather_ids.ptr, kPinnedGather, gather.data(), gather.size() * 4));
            GPU_TRY(gpu::gather_floats(logits, m_gather_ids.as<int32_t>(), int64_t(gather.size()),
                                       m_gather_vals.as<float>(), m_stream));
        }
        out->ids.resize(size_t(k));
        out->logits.resize(size_t(k));
        out->gathered.resize(gather.size());
        GPU_TRY(gpu::copy_to_host(out->ids.data(), m_topk_ids.ptr, size_t(k) * 4, m_stream));
        GPU_TRY(gpu::copy_to_host(out->logits.data(), m_topk_vals.ptr, size_t(k) * 4, m_stream));
        if (!gather.empty())
            GPU_TRY(gpu::copy_to_host(out->gathered.data(), m_gather_vals.ptr, gather.size() * 4, m_stream));
        GPU_TRY(gpu::stream_sync(m_stream));
        // Fewer than k logits that are not NaN: the kernel pads with id -1.
        const auto valid = size_t(std::find(out->ids.begin(), out->ids.end(), -1) - out->ids.begin());
        out->ids.resize(valid);
        out->logits.resize(valid);
        return Ok{};
    }

    // The KV rows cross between device and host memory with plain copies: device layers by
    // copy_to_host / copy_to_device, the host layers as the CPU backend does (kv_rows.h).
    size_t kv_bytes(int64_t n) const override { return size_t(hp.n_layer) * kv_layer_bytes(hp, n, m_kv_type); }
    KvType kv_type() const override { return m_kv_type; }

    Status read_kv(int64_t n, uint8_t* out) override { return copy_kv(n, out, nullptr); }
    Status write_kv(int64_t n, const uint8_t* in) override { return copy_kv(n, nullptr, in); }

    // Rows [0, n) of every layer out to `out` (read_kv) or in from `in` (write_kv).
    Status copy_kv(int64_t n, uint8_t* out, const uint8_t* in)
    {
        if (auto st = check_kv_rows(n, m_n_ctx); !st || n == 0)
            return st;
        GPU_TRY(gpu::device_init(m_device_index, nullptr));
        const size_t k_bytes = size_t(n) * kv_row_bytes(m_kv_type, kv_k_dim(hp));
        const size_t v_bytes = size_t(n) * kv_row_bytes(m_kv_type, kv_v_dim(hp));
        for (int64_t l = 0; l < hp.n_layer; ++l) {
            const size_t at = size_t(l) * kv_layer_bytes(hp, n, m_kv_type);
            if (l >= m_n_gpu) {
                CpuKvCache& cache = m_host->cache[size_t(l - m_n_gpu)];
                if (out)
                    copy_kv_out(cache, hp, n, out + at);
                else
                    copy_kv_in(cache, hp, n, in + at);
                continue;
            }
            DevLayer& D = m_layers[size_t(l)];
            if (out) {
                GPU_TRY(gpu::copy_to_host(out + at, D.k_cache.ptr, k_bytes, m_stream));
                GPU_TRY(gpu::copy_to_host(out + at + k_bytes, D.v_cache.ptr, v_bytes, m_stream));
            } else {
                GPU_TRY(gpu::copy_to_device(D.k_cache.ptr, in + at, k_bytes, m_stream));
                GPU_TRY(gpu::copy_to_device(D.v_cache.ptr, in + at + k_bytes, v_bytes, m_stream));
            }
        }
        if (in)
            GPU_TRY(gpu::stream_sync(m_stream));   // `in` may be freed when this returns
        return Ok{};
    }

    // Device layers: the kept rows go through host memory, where the CPU rotates the keys
    // (kernels/cpu/rope_shift.h), and come back moved down. One copy each way of the kept rows
    // per layer: a shift is rare (once per turn at most) and costs far less than the prefill
    // it replaces; a device kernel would save the PCIe round trip.
    Status shift_kv(int64_t p, int64_t d, int64_t keep) override
    {
        if (auto st = check_kv_shift(m, m_n_ctx, p, d, keep); !st || keep == 0)
            return st;
        GPU_TRY(gpu::device_init(m_device_index, nullptr));
        const int64_t kd = kv_k_dim(hp);
        const size_t k_row = kv_row_bytes(m_kv_type, kd), v_row = kv_row_bytes(m_kv_type, kv_v_dim(hp));
        std::vector<uint8_t> rows;
        try {
            rows.resize(size_t(keep) * std::max(k_row, v_row));
        } catch (const std::bad_alloc&) {
            return make_error("not enough memory to shift the KV cache");
        }
        const kernels::RopeShape rope = kv_rope_shape(m, m_n_ctx);
        for (int64_t l = 0; l < hp.n_layer; ++l) {
            if (l >= m_n_gpu) {
                shift_kv_rows(m_host->cache[size_t(l - m_n_gpu)], m, m_n_ctx, p, d, keep);
                continue;
            }
            DevLayer& D = m_layers[size_t(l)];
            auto* k = static_cast<uint8_t*>(D.k_cache.ptr);
            auto* v = static_cast<uint8_t*>(D.v_cache.ptr);
            GPU_TRY(gpu::copy_to_host(rows.data(), k + size_t(p + d) * k_row, size_t(keep) * k_row, m_stream));
            if (m_kv_type == KvType::Q8_0)
                rope_shift_q8_0_rows(rows.data(), keep, kd, rope, -d);
            else
                kernels::rope_shift_f16_ref(reinterpret_cast<uint16_t*>(rows.data()), keep, kd, rope, -d);
            GPU_TRY(gpu::copy_to_device(k + size_t(p) * k_row, rows.data(), size_t(keep) * k_row, m_stream));
            GPU_TRY(gpu::stream_sync(m_stream));   // `rows` is reused next
            GPU_TRY(gpu::copy_to_host(rows.data(), v + size_t(p + d) * v_row, size_t(keep) * v_row, m_stream));
            GPU_TRY(gpu::copy_to_device(v + size_t(p) * v_row, rows.data(), size_t(keep) * v_row, m_stream));
            GPU_TRY(gpu::stream_sync(m_stream));
        }
        return Ok{};
    }

private:
    // Up to kCudaMaxBatch tokens per forward pass. head_on_device: the last token's logits are
    // left in m_logits (nothing copied) for a device-side selection.
    Status eval_batches(std::span<const int32_t> tokens, int64_t pos, float* logits_last, float* all_logits,
                        bool head_on_device)
    {
        if (auto st = check_eval(tokens, pos, m_n_ctx, hp.n_vocab); !st)
            return st;
        // The CUDA device is per OS thread: eval may run on another thread than the constructor.
        GPU_TRY(gpu::device_init(m_device_index, nullptr));
        for (size_t start = 0; start < tokens.size(); start += kCudaMaxBatch) {
            const int64_t n = std::min<int64_t>(kCudaMaxBatch, int64_t(tokens.size() - start));
            const bool last_batch = start + size_t(n) == tokens.size();
            if (auto st = forward_batch(
                    tokens.data() + start, n, pos + int64_t(start), last_batch ? logits_last : nullptr,
                    all_logits ? all_logits + start * size_t(hp.n_vocab) : nullptr, last_batch && head_on_device);
                !st)
                return st;
        }
        return Ok{};
    }

    template <class F>
    void for_each_matrix(F&& f) const
    {
        f(m.output);
        for (const LayerWeights& L : m.layers)
            for (const Weight* w : layer_matrices(L))
                f(*w);
    }

    // Layer l's attention as the CPU layer computes it: scores scaled by 1 when the queries were
    // scaled after RoPE (phi3, gemma), soft-capped (gemma2), over the layer's window when it
    // slides (gemma). l < 0: the shape without a window (the largest scratch).
    gpu::AttentionShape attention_shape(int64_t l = -1) const
    {
        gpu::AttentionShape shape{hp.n_head, hp.n_head_kv, hp.head_dim, hp.value_dim};
        shape.scale = hp.q_prescale != 0.0f ? 1.0f : 0.0f;
        shape.softcap = hp.attn_softcap;
        shape.window = l >= 0 && slides(l) ? hp.n_swa : 0;
        return shape;
    }

    // What m_xq holds: the activations of the last product, so that the next one reading the
    // same input (K and V after Q, up after gate) skips its quantization when the form is the same.
    struct XqForm {
        bool packed = false;
        TensorType type = TensorType::F32;   // the vec_dot_type (Q4_K and Q6_K share packed Q8_K)
        int64_t cols = -1, n = -1;
        bool operator==(const XqForm&) const = default;
    };

    // How the product of w with a batch of n tokens runs: the int8 tensor-core GEMM (packed Q4_0,
    // Q8_0, Q4_K and Q6_K weights, mmq.cuh), dequantize + F16 GEMM (other types, a prefill batch),
    // or the matvec (one token, or a small batch reading each weight once per 8 tokens).
    enum class Path { Matvec, Mmq, Gemm };
    Path path(const DevWeight& w, int64_t n) const
    {
        if (w.packed && n >= m_mmq_min_batch && gpu::mmq_supports(w.host->type))
            return Path::Mmq;
        return n >= m_gemm_min_batch ? Path::Gemm : Path::Matvec;
    }

    // y (n, w.rows) = x (n, w.cols) . w^T on the device. same_input: x is unchanged since the
    // previous matmul (its quantized activations are reused when they have the right form).
    // accumulate: y += x . w^T (the residual add; in the product's epilogue for packed weights).
    Status matmul(const DevWeight& w, const float* x, int64_t n, float* y, bool same_input = false,
                  bool accumulate = false)
    {
        const Weight& h = *w.host;
        if (path(w, n) == Path::Mmq) {   // the residual add in the GEMM's epilogue
            if (auto st = quantize_input(w, x, n, same_input); !st)
                return st;
            GPU_TRY(gpu::mmq_packed(h.type, w.mem.ptr, h.rows, h.cols, m_xq.ptr, n, y, h.rows, m_stream, accumulate));
            return Ok{};
        }
        if (n >= m_gemm_min_batch || (accumulate && !w.packed)) {
            float* out = accumulate ? m_xb.as<float>() : y;   // (x is never m_xb when accumulating)
            if (n >= m_gemm_min_batch) {
                // Prefill: weights in F16 (cached, or dequantized into scratch) and one tensor-core
                // GEMM (cuBLAS; a loop under sim).
                const void* w16 = cached_f16(w);
                if (!w16) {
                    if (auto st = dequantize_f16(w, m_w16.as<uint16_t>()); !st)
                        return st;
                    w16 = m_w16.ptr;
                }
                GPU_TRY(gpu::f32_to_f16(x, m_x16.as<uint16_t>(), n * h.cols, m_stream));
                GPU_TRY(gpu::gemm_f16(m_stream, h.rows, n, h.cols, w16, m_x16.ptr, out, h.rows));
                m_xq_form = {};
            } else if (auto st = matmul(w, x, n, out, same_input); !st) {
                return st;
            }
            if (accumulate)
                GPU_TRY(gpu::add_inplace(y, out, n * h.rows, m_stream));
            return Ok{};
        }
        if (auto st = quantize_input(w, x, n, same_input); !st)
            return st;
        if (w.packed)
            GPU_TRY(
                gpu::matvec_packed(h.type, w.mem.ptr, h.rows, h.cols, m_xq.ptr, n, y, h.rows, m_stream, accumulate));
        else
            GPU_TRY(gpu::matvec(h.type, w.mem.ptr, h.row_bytes, h.rows, h.cols, m_xq.ptr, n, y, h.rows, m_stream));
        return Ok{};
    }

    // w's values in F16 (rows, cols) at dst.
    Status dequantize_f16(const DevWeight& w, uint16_t* dst)
    {
        const Weight& h = *w.host;
        if (w.packed)
            GPU_TRY(gpu::dequantize_packed_to_f16(h.type, w.mem.ptr, h.rows, h.cols, dst, m_stream));
        else
            GPU_TRY(gpu::dequantize_to_f16(h.type, w.mem.ptr, h.row_bytes, h.rows, h.cols, dst, m_stream));
        return Ok{};
    }

    // w's F16 copy for the GEMM path, made on the first call when the device has room for it and
    // kCudaReserveBytes more; nullptr when it has not (the caller dequantizes into scratch).
    const void* cached_f16(const DevWeight& w)
    {
        if (w.f16.ptr || w.f16_tried)
            return w.f16.ptr;
        w.f16_tried = true;
        const size_t bytes = size_t(w.host->rows * w.host->cols) * 2;
        size_t free = 0, total = 0;
        if (!gpu::mem_info(&free, &total).ok() || free < bytes + kCudaReserveBytes ||
            !gpu::device_malloc(&w.f16.ptr, bytes).ok()) {
            w.f16.ptr = nullptr;
            return nullptr;
        }
        if (!dequantize_f16(w, w.f16.as<uint16_t>())) {
            gpu::device_free(w.f16.ptr);
            w.f16.ptr = nullptr;
            return nullptr;
        }
        return w.f16.ptr;
    }

    // x (n, w.cols) quantized into m_xq for w's matvec, unless same_input and m_xq holds it already.
    Status quantize_input(const DevWeight& w, const float* x, int64_t n, bool same_input)
    {
        const Weight& h = *w.host;
        const XqForm form{w.packed, kernels::vec_dot_type(h.type), h.cols, n};
        if (same_input && form == m_xq_form)
            return Ok{};
        if (w.packed)
            GPU_TRY(gpu::quantize_activations_packed(h.type, x, m_xq.ptr, n, h.cols, m_stream));
        else
            GPU_TRY(gpu::quantize_activations(h.type, x, m_xq.ptr, n, h.cols, m_stream));
        m_xq_form = form;
        return Ok{};
    }

    // Whether the products of one input with these matrices can run as one packed launch
    // (matvec_packed_parts): all packed, reading the same activations, and not a GEMM batch.
    bool one_launch(std::initializer_list<const DevWeight*> ws, int64_t n) const
    {
        const Weight& first = *(*ws.begin())->host;
        for (const DevWeight* w : ws)
            if (!w->packed || path(*w, n) != Path::Matvec ||
                kernels::vec_dot_type(w->host->type) != kernels::vec_dot_type(first.type) ||
                w->host->cols != first.cols)
                return false;
        return true;
    }

    // ys[k] (n, ws[k].rows) = x . ws[k]^T in one launch (one_launch() holds); SwiGLU: ys[0] =
    // silu(x . ws[0]^T) * (x . ws[1]^T).
    // same_input: as matmul's.
    Status matmul_parts(std::initializer_list<const DevWeight*> ws, std::initializer_list<float*> ys, const float* x,
                        int64_t n, gpu::PackedEpilogue epilogue, bool same_input = false)
    {
        const DevWeight& first = **ws.begin();
        if (auto st = quantize_input(first, x, n, same_input); !st)
            return st;
        std::vector<gpu::PackedPart> parts;
        auto y = ys.begin();
        for (const DevWeight* w : ws) {
            float* out = y != ys.end() ? *y++ : nullptr;
            parts.push_back({w->host->type, w->mem.ptr, w->host->rows, out, w->host->rows});
        }
        GPU_TRY(gpu::matvec_packed_parts(parts.data(), int(parts.size()), first.host->cols, m_xq.ptr, n, epilogue,
                                         m_stream));
        return Ok{};
    }

    // xb = rmsnorm(x) * norm; when `next` (packed) reads it quantized (matvec or int8 GEMM), quantized
    // for it into m_xq in the same launch (matmul(next, xb, n, .., true) then skips its own).
    Status norm(const float* x, const DevWeight& norm_w, float* xb, int64_t n, const DevWeight& next)
    {
        const int64_t d = hp.n_embd;
        if (!next.packed || path(next, n) == Path::Gemm || next.host->cols != d) {
            GPU_TRY(gpu::rmsnorm(x, norm_w.mem.as<float>(), xb, n, d, hp.rms_eps, m_stream));
            m_xq_form = {};   // xb is new: whatever m_xq holds is not its quantization
            return Ok{};
        }
        GPU_TRY(gpu::rmsnorm_quantize_packed(x, norm_w.mem.as<float>(), xb, m_xq.ptr, next.host->type, n, d, hp.rms_eps,
                                             m_stream));
        m_xq_form = {true, kernels::vec_dot_type(next.host->type), d, n};
        return Ok{};
    }

    // pos_dev (CUDA graph capture): the kernels read the position from device memory, and `pos`
    // is only the largest position of the context bucket (it sizes split-K's grid and decides
    // between the attention kernels, so that choice is the same for the whole bucket).
    Status gpu_layer(int64_t l, int64_t n, int64_t pos, const int64_t* pos_dev = nullptr)
    {
        const DevLayer& L = m_layers[size_t(l)];
        const int64_t kv_dim = hp.n_head_kv * hp.head_dim;
        const int64_t v_dim = hp.n_head_kv * hp.value_dim;
        float* x = m_x.as<float>();
        float* xb = m_xb.as<float>();

        // Attention block: RMSNorm and the activations' quantization in one launch, Q/K/V in one.
        if (auto st = norm(x, L.attn_norm, xb, n, L.wq); !st)
            return st;
        if (one_launch({&L.wq, &L.wk, &L.wv}, n)) {
            if (auto st = matmul_parts({&L.wq, &L.wk, &L.wv}, {m_q.as<float>(), m_kb.as<float>(), m_vb.as<float>()}, xb,
                                       n, gpu::PackedEpilogue::Store, true);
                !st)
                return st;
        } else {
            if (auto st = matmul(L.wq, xb, n, m_q.as<float>(), true); !st)   // (n, n_head*hd)
                return st;
            if (auto st = matmul(L.wk, xb, n, m_kb.as<float>(), true); !st)   // (n, n_head_kv*hd)
                return st;
            if (auto st = matmul(L.wv, xb, n, m_vb.as<float>(), true); !st)   // (n, n_head_kv*vd)
                return st;
        }
        // qwen2: Q/K/V biases; qwen3: RMSNorm of every query and key head (rows of head_dim).
        if (L.bq.host)
            GPU_TRY(gpu::bias_add(m_q.as<float>(), L.bq.mem.as<float>(), n, hp.n_head * hp.head_dim, m_stream));
        if (L.bk.host)
            GPU_TRY(gpu::bias_add(m_kb.as<float>(), L.bk.mem.as<float>(), n, kv_dim, m_stream));
        if (L.bv.host)
            GPU_TRY(gpu::bias_add(m_vb.as<float>(), L.bv.mem.as<float>(), n, v_dim, m_stream));
        if (L.q_norm.host) {
            GPU_TRY(gpu::rmsnorm(m_q.as<float>(), L.q_norm.mem.as<float>(), m_q.as<float>(), n * hp.n_head, hp.head_dim,
                                 hp.rms_eps, m_stream));
            GPU_TRY(gpu::rmsnorm(m_kb.as<float>(), L.k_norm.mem.as<float>(), m_kb.as<float>(), n * hp.n_head_kv,
                                 hp.head_dim, hp.rms_eps, m_stream));
        }
        // RoPE of Q and K and the K/V store into the F16 cache: one launch.
        // A sliding layer (gemma) has its own base and no linear scaling; queries are scaled after
        // RoPE when the model says so (phi3, gemma), as the CPU layer does.
        const float* factors = m_rope_factors.as<float>();
        const bool q8 = m_kv_type == KvType::Q8_0;
        const bool sliding = slides(l);
        gpu::RopeKvShape rope{hp.n_head, hp.n_head_kv, hp.head_dim, hp.value_dim, hp.n_rot, hp.rope_neox, q8};
        rope.freq_scale = sliding ? 1.0f : hp.rope_freq_scale;
        rope.mscale = hp.rope_attn_factor;
        rope.q_scale = hp.q_prescale;
        GPU_TRY(gpu::rope_store_kv(m_q.as<float>(), m_kb.as<float>(), m_vb.as<float>(), n, rope, pos,
                                   sliding ? hp.rope_freq_base_swa : hp.rope_freq_base, L.k_cache.ptr, L.v_cache.ptr,
                                   m_stream, pos_dev, factors));
        using A = CudaBackendOptions::Attention;
        const bool split = n == 1 &&
                           (q8 ? gpu::attention_split_k_q8_0_supports(attention_shape(l))
                               : gpu::attention_split_k_supports(attention_shape(l))) &&
                           (m_attention == A::SplitK || (m_attention == A::Auto && !kSim));
        using P = CudaBackendOptions::PrefillAttention;
        const bool tiled = n > 1 &&
                           (q8 ? gpu::attention_prefill_q8_0_supports(attention_shape(l))
                               : gpu::attention_prefill_supports(attention_shape(l))) &&
                           (m_prefill_attention == P::Tiled || (m_prefill_attention == P::Auto && !kSim));
        const auto* k8 = static_cast<const uint8_t*>(L.k_cache.ptr);
        const auto* v8 = static_cast<const uint8_t*>(L.v_cache.ptr);
        if (q8 && split)   // a Q8_0 cache: flash-decoding over its rows, staged with 16-byte loads
            GPU_TRY(gpu::attention_split_k_q8_0(m_q.as<float>(), k8, v8, m_att.as<float>(), 1, pos, attention_shape(l),
                                                m_split.as<float>(), m_split_floats, m_stream, pos_dev));
        else if (q8 && tiled)   // a Q8_0 cache: the tiled prefill kernel, rows staged with 16-byte loads
            GPU_TRY(gpu::attention_prefill_q8_0(m_q.as<float>(), k8, v8, m_att.as<float>(), n, pos, attention_shape(l),
                                                m_stream));
        else if (q8)   // the CPU's numerics for a Q8_0 cache, one position at a time
            GPU_TRY(gpu::attention_q8_0(m_q.as<float>(), k8, v8, m_att.as<float>(), n, pos, attention_shape(l),
                                        m_stream, pos_dev));
        else if (tiled)
            GPU_TRY(gpu::attention_prefill(m_q.as<float>(), L.k_cache.as<uint16_t>(), L.v_cache.as<uint16_t>(),
                                           m_att.as<float>(), n, pos, attention_shape(l), m_stream));
        else if (split)
            GPU_TRY(gpu::attention_split_k(m_q.as<float>(), L.k_cache.as<uint16_t>(), L.v_cache.as<uint16_t>(),
                                           m_att.as<float>(), 1, pos, attention_shape(l), m_split.as<float>(),
                                           m_split_floats, m_stream, pos_dev));
        else
            GPU_TRY(gpu::attention(m_q.as<float>(), L.k_cache.as<uint16_t>(), L.v_cache.as<uint16_t>(),
                                   m_att.as<float>(), n, pos, attention_shape(l), m_stream, pos_dev));
        if (auto st = add_block_output(L.wo, m_att.as<float>(), n, L.attn_post_norm); !st)   // x += (n, d)
            return st;

        // Feed-forward block (SwiGLU; GeGLU for gemma; the chosen experts' SwiGLUs).
        if (hp.n_expert > 0) {
            if (auto st = norm(x, L.ffn_norm, xb, n, L.router); !st)
                return st;
            return experts_block(L, n);
        }
        if (auto st = norm(x, L.ffn_norm, xb, n, L.w_gate); !st)
            return st;
        if (auto st = gated_ffn(L.w_gate, L.w_up, xb, n, m_gate.as<float>(), m_up.as<float>(), true); !st)
            return st;
        return add_block_output(L.w_down, m_gate.as<float>(), n, L.ffn_post_norm);   // x += (n, n_ff) . w_down^T
    }

    // x += in (n, w.cols) . w^T, the block's output normed by post_norm first when the model has
    // one (gemma), otherwise added in the product's epilogue.
    Status add_block_output(const DevWeight& w, const float* in, int64_t n, const DevWeight& post_norm)
    {
        if (!post_norm.host)
            return matmul(w, in, n, m_x.as<float>(), false, true);
        if (auto st = matmul(w, in, n, m_xb.as<float>()); !st)   // (n, d)
            return st;
        GPU_TRY(gpu::rmsnorm_add(m_xb.as<float>(), post_norm.mem.as<float>(), m_x.as<float>(), n, hp.n_embd, hp.rms_eps,
                                 m_stream));
        m_xq_form = {};   // (xb changed under whatever m_xq quantized)
        return Ok{};
    }

    // gate (n, rows) = act(x . w_gate^T) * (x . w_up^T), act SiLU (GELU-tanh for gemma): SwiGLU in
    // the packed product's epilogue when the two weights are alike, else both products (up: the
    // second's output) and the activation. same_input: as matmul's.
    Status gated_ffn(const DevWeight& w_gate, const DevWeight& w_up, const float* x, int64_t n, float* gate, float* up,
                     bool same_input)
    {
        const bool parts = one_launch({&w_gate, &w_up}, n);
        if (parts && !hp.ffn_gelu && w_gate.host->rows == w_up.host->rows && w_gate.host->type == w_up.host->type)
            return matmul_parts({&w_gate, &w_up}, {gate}, x, n, gpu::PackedEpilogue::SwiGLU, same_input);
        if (parts) {
            if (auto st = matmul_parts({&w_gate, &w_up}, {gate, up}, x, n, gpu::PackedEpilogue::Store, same_input); !st)
                return st;
        } else {
            if (auto st = matmul(w_gate, x, n, gate, same_input); !st)
                return st;
            if (auto st = matmul(w_up, x, n, up, true); !st)
                return st;
        }
        GPU_TRY((hp.ffn_gelu ? gpu::geglu : gpu::swiglu)(gate, up, gate, n * w_gate.host->rows, m_stream));
        return Ok{};
    }

    // x += the mixture of experts of xb's n normed rows (CpuLayer::experts_block's numerics), the
    // routing decided on the device (moe.cuh): the router's logits, then the chosen experts' ids
    // and weights in m_moe_ids / m_moe_w; per token, its experts copied into the slots and their
    // SwiGLUs run there, summed weighted into its row of x. Nothing waits for the host, so a
    // decode step is captured whole. (Copying the experts costs their bytes twice more than
    // reading them in place would; a matvec reading the expert id from device memory would not.)
    Status experts_block(const DevLayer& L, int64_t n)
    {
        const int64_t d = hp.n_embd, ff = hp.n_ff_exp, k = hp.n_expert_used;
        if (auto st = matmul(L.router, m_xb.as<float>(), n, m_router.as<float>(), true); !st)   // (n, n_expert)
            return st;
        GPU_TRY(gpu::moe_route(m_router.as<float>(), n, hp.n_expert, k, hp.expert_weights_norm, m_moe_ids.as<int32_t>(),
                               m_moe_w.as<float>(), m_stream));
        const DevExperts* kinds[3] = {&L.gate_exps, &L.up_exps, &L.down_exps};
        auto slot = [&](int kind, int64_t i) {
            return static_cast<uint8_t*>(m_slots[kind].ptr) + size_t(i) * kinds[kind]->bytes;
        };
        for (int64_t t = 0; t < n; ++t) {
            for (int kind = 0; kind < 3; ++kind)
                GPU_TRY(gpu::moe_gather(kinds[kind]->mem.ptr, kinds[kind]->bytes, hp.n_expert,
                                        m_moe_ids.as<int32_t>() + t * k, k, m_slots[kind].ptr, m_stream));
            const float* row = m_xb.as<float>() + t * d;
            for (int64_t i = 0; i < k; ++i) {   // gate_i (ff) = silu(row . gate^T) * (row . up^T)
                const SlotWeight g(L.gate_exps, slot(0, i)), u(L.up_exps, slot(1, i));
                float* gate = m_moe_gate.as<float>() + i * ff;
                const bool same = i > 0;   // the row quantized for the first expert serves the others
                if (auto st = gated_ffn(g.w, u.w, row, 1, gate, m_moe_up.as<float>() + i * ff, same); !st)
                    return st;
            }
            for (int64_t i = 0; i < k; ++i) {   // out_i (d) = gate_i . down^T
                const SlotWeight dn(L.down_exps, slot(2, i));
                if (auto st = matmul(dn.w, m_moe_gate.as<float>() + i * ff, 1, m_moe_out.as<float>() + i * d); !st)
                    return st;
            }
            GPU_TRY(gpu::moe_combine(m_moe_out.as<float>(), m_moe_w.as<float>() + t * k, k, d, m_x.as<float>() + t * d,
                                     m_stream));
        }
        return Ok{};
    }

    // Whether layer l attends through a sliding window (gemma's local layers).
    bool slides(int64_t l) const { return !hp.layer_swa.empty() && hp.layer_swa[size_t(l)]; }

    Status forward_batch(const int32_t* tokens, int64_t n, int64_t pos, float* logits_last, float* all_logits,
                         bool head_on_device = false)
    {
        if (n == 1 && m_graphs_enabled && m_n_gpu == hp.n_layer && !all_logits)
            return decode_with_graph(tokens[0], pos, logits_last, Sampling::None);
        const int64_t d = hp.n_embd;
        if (auto st = feed_tokens(tokens, n); !st)
            return st;
        if (auto st = embed(n); !st)   // x (n, d)
            return st;
        for (int64_t l = 0; l < m_n_gpu; ++l)
            if (auto st = gpu_layer(l, n, pos); !st)
                return st;
        if (m_host) {
            float* hx = m_host->x.data();
            GPU_TRY(gpu::copy_to_host(hx, m_x.ptr, size_t(n * d) * 4, m_stream));
            for (int64_t l = m_n_gpu; l < hp.n_layer; ++l)
                m_host->layer.forward(l, m_host->cache[size_t(l - m_n_gpu)], hx, n, pos);
            GPU_TRY(gpu::copy_to_device(m_x.ptr, hx, size_t(n * d) * 4, m_stream));
        }

        // Output head: only the rows whose logits are wanted.
        const DevWeight& out = head();
        float* x = m_x.as<float>();
        float* xb = m_xb.as<float>();
        float* logits = m_logits.as<float>();
        const size_t nv = size_t(hp.n_vocab);
        if (all_logits) {
            GPU_TRY(gpu::rmsnorm(x, m_output_norm.mem.as<float>(), xb, n, d, hp.rms_eps, m_stream));
            if (auto st = matmul_head(out, xb, n, logits); !st)
                return st;
            GPU_TRY(gpu::copy_to_host(all_logits, logits, size_t(n) * nv * 4, m_stream));
            if (logits_last)
                std::copy_n(all_logits + (n - 1) * int64_t(nv), nv, logits_last);
        } else if (logits_last || head_on_device) {
            GPU_TRY(gpu::rmsnorm(x + (n - 1) * d, m_output_norm.mem.as<float>(), xb, 1, d, hp.rms_eps, m_stream));
            if (auto st = matmul_head(out, xb, 1, logits); !st)
                return st;
            if (logits_last)
                GPU_TRY(gpu::copy_to_host(logits_last, logits, nv * 4, m_stream));
        } else {
            GPU_TRY(gpu::stream_sync(m_stream));
        }
        return Ok{};
    }

    // The context bucket of a decode step at `pos`: the smallest power of two >= pos + 1 (at
    // least one flash-decoding chunk, at most n_ctx) -- log2(n_ctx / 128) + 1 graphs per backend at most.
    int64_t graph_bucket(int64_t pos) const
    {
        int64_t b = gpu::kSplitChunk;
        while (b < pos + 1)
            b *= 2;
        return std::min(b, m_n_ctx);
    }

    // One decode step (every layer on the GPU) as a CUDA graph: the token id (unless the device
    // sampled it into m_ids) and position are copied to device memory, then the graph of the
    // bucket (and of its way of sampling) is replayed. The captured launches read the position from
    // m_step, so one graph serves every position of its bucket; on a GPU this removes ~15 launch
    // overheads per layer from each token. A graph's first step runs its launches plainly and
    // only then captures them: every kernel has run once before a capture (a module loaded
    // lazily during a capture fails it on a GPU), and that plain run is the step itself.
    // sample (not None): the step ends with sample_on_device(sample) and nothing is waited for here.
    Status decode_with_graph(int32_t token, int64_t pos, float* logits_last, Sampling sample)
    {
        const int32_t one[1] = {token};
        if (auto st = feed_tokens(one, 1); !st)
            return st;
        GPU_TRY(stage(m_step.ptr, kPinnedStep, &pos, sizeof pos));
        const int64_t bucket = graph_bucket(pos);
        const int64_t key = bucket * 3 + int64_t(sample);
        auto it = m_graphs.find(key);
        if (it == m_graphs.end()) {
            if (auto st = record_decode_step(bucket - 1, sample); !st)   // the warm-up is this step
                return st;
            GPU_TRY(gpu::capture_begin(m_stream));
            Status recorded = record_decode_step(bucket - 1, sample);
            gpu::Graph graph = nullptr;
            const gpu::GpuStatus ended = gpu::capture_end(m_stream, &graph);   // always: leaves capture mode
            if (!recorded || !ended) {
                // Nothing recorded has run, and the step is done. A driver that cannot capture
                // must not stop generation: the plain launches compute the same logits, so carry
                // on without graphs and say why in device_name().
                gpu::graph_destroy(graph);
                m_graphs_enabled = false;
                m_graph_note = !recorded ? recorded.error().message : ended.at(__FILE__, __LINE__).error;
            } else {
                m_graphs.emplace(key, graph);
            }
        } else {
            GPU_TRY(gpu::graph_launch(it->second, m_stream));
        }
        if (logits_last)
            GPU_TRY(gpu::copy_to_host(logits_last, m_logits.ptr, size_t(hp.n_vocab) * 4, m_stream));
        else if (sample == Sampling::None)
            GPU_TRY(gpu::stream_sync(m_stream));
        return Ok{};
    }

    // The launches of one decode step, position from m_step; max_pos: the bucket's last position;
    // sample (not None): then the device's choice of the next token (sample_on_device).
    Status record_decode_step(int64_t max_pos, Sampling sample)
    {
        const int64_t d = hp.n_embd;
        const int64_t* pos_dev = m_step.as<int64_t>();
        if (auto st = embed(1); !st)
            return st;
        for (int64_t l = 0; l < m_n_gpu; ++l)
            if (auto st = gpu_layer(l, 1, max_pos, pos_dev); !st)
                return st;
        GPU_TRY(
            gpu::rmsnorm(m_x.as<float>(), m_output_norm.mem.as<float>(), m_xb.as<float>(), 1, d, hp.rms_eps, m_stream));
        if (auto st = matmul_head(head(), m_xb.as<float>(), 1, m_logits.as<float>()); !st)
            return st;
        return sample == Sampling::None ? Ok{} : sample_on_device(sample);
    }

    // The step's input ids into m_ids through pinned memory; nothing to copy when the device's
    // sampler already put that one token there.
    Status feed_tokens(const int32_t* tokens, int64_t n)
    {
        if (n == 1 && tokens[0] == m_fed && m_fed >= 0)
            return Ok{};
        m_fed = -1;
        GPU_TRY(stage(m_ids.ptr, kPinnedTokens, tokens, size_t(n) * 4));
        return Ok{};
    }

    // A host-to-device copy of a small input through its slot of the pinned buffer. Every step
    // ends with a wait for the device (the token, the logits or a sync), so a slot is free again
    // when the next step writes it.
    gpu::GpuStatus stage(void* dst, size_t slot, const void* src, size_t bytes)
    {
        std::memcpy(static_cast<uint8_t*>(m_pinned) + slot, src, bytes);
        return gpu::copy_to_device(dst, static_cast<uint8_t*>(m_pinned) + slot, bytes, m_stream);
    }

    // After a failure: a sticky device error (gpu::device_lost) makes the backend refuse every
    // later call with the reason, and the session moves to the CPU (Session::set_fallback).
    Status noting_loss(Status st)
    {
        if (!st && m_lost.empty())
            m_lost = gpu::device_lost();
        return st;
    }
    Status lost_error() const { return make_error("the GPU can no longer be used (" + m_lost + ")"); }

    // The head's matrix on the device: m_output (a packed copy of tok_embd when tied and packable).
    const DevWeight& head() const { return m.tied_output && !m_output.host ? m_tok_embd : m_output; }

    // y (n, n_vocab): the head's product, soft-capped (gemma2) as the CPU backend's logits are.
    Status matmul_head(const DevWeight& out, const float* x, int64_t n, float* y)
    {
        // The tied head is tok_embd, whose DevWeight::host points at model.tok_embd.
        if (auto st = matmul(out, x, n, y); !st)
            return st;
        if (hp.final_softcap != 0.0f)
            GPU_TRY(gpu::softcap(y, n * hp.n_vocab, hp.final_softcap, m_stream));
        return Ok{};
    }

    // x (n, n_embd) = the embeddings of m_ids' n tokens, times embd_scale (gemma) when it is set.
    Status embed(int64_t n)
    {
        GPU_TRY(gpu::embed_rows(m.tok_embd.type, m_tok_embd.mem.ptr, m.tok_embd.row_bytes, m_ids.as<int32_t>(), n,
                                hp.n_embd, m_x.as<float>(), m_stream, hp.embd_scale != 0.0f ? hp.embd_scale : 1.0f));
        return Ok{};
    }

    const Model& m;
    const HParams& hp;
    int m_device_index;
    int64_t m_n_ctx;
    int64_t m_n_gpu;
    int m_n_threads;   // of the pool running the host layers
    int64_t m_gemm_min_batch;
    KvType m_kv_type;   // of the device layers' caches and the host layers'
    int64_t m_mmq_min_batch;
    CudaBackendOptions::Attention m_attention;
    CudaBackendOptions::PrefillAttention m_prefill_attention;
    bool m_graphs_enabled;
    std::string m_graph_note;                 // why graphs were turned off after a failed capture
    std::map<int64_t, gpu::Graph> m_graphs;   // decode-step graph per bucket and Sampling: bucket * 3 + how
    int64_t m_split_floats = 0;
    std::string m_device_name;
    gpu::Stream m_stream = nullptr;
    std::string m_lost;   // the sticky error that broke the device (device_lost)
    int32_t m_fed = -1;   // the token the device's sampler left in m_ids[0] (-1: none)

    // Pinned host memory for the small copies of every step (stage()), one slot each.
    static constexpr size_t kPinnedTokens = 0;                                           // kCudaMaxBatch ids
    static constexpr size_t kPinnedStep = kPinnedTokens + kCudaMaxBatch * 4;             // the position
    static constexpr size_t kPinnedParams = kPinnedStep + 64;                            // gpu::SampleParams
    static constexpr size_t kPinnedWindow = kPinnedParams + 64;                          // the penalty window
    static constexpr size_t kPinnedGather = kPinnedWindow + gpu::kSampleMaxWindow * 4;   // eval_top_k's ids
    static constexpr size_t kPinnedBytes = kPinnedGather + kMaxGather * 4;
    static_assert(sizeof(gpu::SampleParams) <= 64);
    void* m_pinned = nullptr;

    DevWeight m_tok_embd;             // (n_vocab, n_embd)
    DevWeight m_output_norm;          // (n_embd) F32
    DeviceMem m_rope_factors;         // (n_rot/2) F32, only when the model has rope_freqs
    DevWeight m_output;               // (n_vocab, n_embd); when tied, tok_embd packed (or unused)
    std::vector<DevLayer> m_layers;   // the first m_n_gpu layers

    // Device scratch for one micro-batch of B = kCudaMaxBatch tokens.
    DeviceMem m_x;                           // (B, n_embd) residual stream
    DeviceMem m_xb;                          // (B, n_embd)
    DeviceMem m_q;                           // (B, n_head*head_dim)
    DeviceMem m_kb;                          // (B, n_head_kv*head_dim)
    DeviceMem m_vb;                          // (B, n_head_kv*value_dim)
    DeviceMem m_att;                         // (B, n_head*value_dim)
    DeviceMem m_gate;                        // (B, n_ff)
    DeviceMem m_up;                          // (B, n_ff)
    DeviceMem m_xq;                          // B rows of quantized activations (largest vec_dot_type row)
    DeviceMem m_logits;                      // (B, n_vocab)
    DeviceMem m_ids;                         // (B) int32
    DeviceMem m_step;                        // (1) int64: the decode position, read by graph-captured kernels
    DeviceMem m_topk_ids, m_topk_vals;       // (kTopKMax) int32 / F32: eval_top_k's selection
    DeviceMem m_gather_ids, m_gather_vals;   // (kMaxGather) int32 / F32: eval_top_k's gathered logits
    DeviceMem m_sample_params;               // gpu::SampleParams of the step (eval_sample)
    DeviceMem m_sample_window;               // (kSampleMaxWindow) int32: the penalty's ids
    DeviceMem m_sample_scratch;              // the selection tree's candidate lists, or the wide path's row and bins
    DeviceMem m_sample_out;                  // (1) int32: the chosen token
    DeviceMem m_w16;                         // GEMM path: the largest weight in F16
    DeviceMem m_x16;                         // GEMM path: (B, largest cols) F16
    DeviceMem m_split;                       // flash-decoding: tickets, then (n_head, n_ctx / 128, value_dim + 2)
    // Mixture of experts only (4 bytes otherwise).
    DeviceMem m_router;               // (B, n_expert) router logits, then probabilities
    DeviceMem m_moe_ids, m_moe_w;     // (B, n_expert_used) int32 / F32: each token's experts and weights
    DeviceMem m_moe_gate, m_moe_up;   // (n_expert_used, n_ff_exp) one token's experts' hidden rows
    DeviceMem m_moe_out;              // (n_expert_used, n_embd) their outputs
    DeviceMem m_slots[3];             // (n_expert_used) x one expert's bytes: chosen gate, up, down
    size_t m_slot_bytes = 0;          // the largest expert matrix

    XqForm m_xq_form;   // what m_xq holds (matmul)

    std::unique_ptr<HostLayers> m_host;   // layers [m_n_gpu, n_layer); nullptr when every layer is on the GPU
};

}   // namespace

#if defined(CAUSERIE_CUDA_SIM)
#define CAUSERIE_CREATE_FN create_cuda_sim_backend
#define CAUSERIE_LIST_FN list_cuda_sim_devices
#else
#define CAUSERIE_CREATE_FN create_cuda_backend
#define CAUSERIE_LIST_FN list_cuda_devices
#endif

// The devices this flavour can run on: the probe's list on a GPU machine, the sim's pretend
// devices under the sim.
Result<std::vector<CudaDeviceCandidate>> CAUSERIE_LIST_FN()
{
    std::vector<CudaDeviceCandidate> out;
#if defined(CAUSERIE_CUDA_SIM)
    for (int i = 0; i < gpu::sim_device_count(); ++i) {
        gpu::DeviceInfo info;
        if (auto st = gpu::device_init(i, &info); !st)
            return make_error(st.at(__FILE__, __LINE__).error);
        out.push_back({i, info.name, info.free_bytes, info.total_bytes, info.compute_major, info.compute_minor, 0.0});
    }
#else
    const auto probe = kernels::cuda::probe_devices();
    if (!probe.usable)
        return make_error(probe.reason);
    out = probe.devices;
#endif
    return out;
}

Result<std::unique_ptr<ComputeBackend>> CAUSERIE_CREATE_FN(const Model& model, const BackendOptions& options,
                                                           const CudaBackendOptions& cuda_options, std::string* summary)
{
    // The device layer is the Llama block with qwen2's biases, qwen3's and gemma3's Q/K norms,
    // NeoX RoPE, phi3's partial rotation and LongRoPE factors, and gemma's scaled embeddings,
    // post-block norms, GeGLU, soft-caps, query scale and sliding windows (layer_cpu.h lists
    // them), and mixtures of experts (Mixtral's 'llama' files, qwen3moe) routed on the device.
    // Other architectures have no device layer: create_backend runs them on the CPU.
    const std::string& arch = model.hp.architecture;
    if (arch != "llama" && arch != "qwen2" && arch != "qwen3" && arch != "qwen3moe" && arch != "phi3" &&
        arch != "gemma2" && arch != "gemma3")
        return make_error("the GPU backend does not run '" + arch + "' models yet");
    if (!kv_type_fits(options.kv_type, model.hp.head_dim, model.hp.value_dim))
        return make_error(std::string("a ") + kv_type_name(options.kv_type) +
                          " KV cache needs head sizes that are multiples of 32 (this model's: " +
                          std::to_string(model.hp.head_dim) + " and " + std::to_string(model.hp.value_dim) + ")");
    int64_t n_ctx = options.n_ctx;
    if (n_ctx <= 0)
        n_ctx = std::min<int64_t>(model.hp.n_ctx_train > 0 ? model.hp.n_ctx_train : 4096, 4096);
    if (n_ctx > (int64_t(1) << 20))
        return make_error("context size " + std::to_string(n_ctx) + " is too large (at most 1048576)");
    int n_threads = options.n_threads;   // for the layers that stay on the CPU
    if (n_threads <= 0)
        n_threads = int(std::max(1u, std::thread::hardware_concurrency()));
    const int64_t gemm_min = cuda_options.gemm_min_batch >= 0 ? cuda_options.gemm_min_batch : kSim ? INT64_MAX : 32;
    auto devices = CAUSERIE_LIST_FN();
    if (!devices)
        return devices.error();
    auto index = choose_cuda_device(*devices, options.gpu_device);
    if (!index)
        return index.error();
    gpu::DeviceInfo info;
    if (auto st = gpu::device_init(*index, &info); !st)
        return make_error(st.at(__FILE__, __LINE__).error);
    // Under the sim, device memory is host memory: it cannot hold more than the RAM there is.
    const std::optional<size_t> ram = free_ram(options.free_ram_bytes);
    const size_t free_device = kSim && ram ? std::min(info.free_bytes, usable_of_free(*ram)) : info.free_bytes;
    CudaMemoryPlan plan = plan_cuda_memory(model, n_ctx, free_device, gemm_min <= kCudaMaxBatch, options.kv_type);
    int64_t n_gpu = plan.n_layer_gpu;
    if (cuda_options.max_layers >= 0)
        n_gpu = std::min(n_gpu, cuda_options.max_layers);
    if (options.n_gpu_layers >= 0)
        n_gpu = std::min<int64_t>(n_gpu, options.n_gpu_layers);
    // max_layers 0 (tests): every layer on the host side, only the embeddings and the head on the
    // device -- the CUDA backend's host path against the CPU backend, layer for layer.
    const int64_t min_gpu = cuda_options.max_layers == 0 ? 0 : 1;
    if (n_gpu == 0 && plan.n_layer_gpu > 0 && min_gpu > 0)
        return make_error("no layers were asked to run on the GPU");
    // Free memory is an estimate (other programs, fragmentation): on out-of-memory, retry with
    // fewer layers, each attempt dropping an eighth of them.
    std::string last_error = plan.summary;
    while (n_gpu >= min_gpu) {
        // The layers left to the CPU keep their KV cache in RAM: checked like the CPU backend's.
        if (ram) {
            const size_t on_device = kSim ? plan.fixed_bytes + size_t(n_gpu) * plan.layer_bytes : 0;
            const int64_t n_host = model.hp.n_layer - n_gpu;
            const CpuMemoryPlan host = plan_host_layers(model, n_host, options.kv_type);
            if (auto st = check_context_fits(
                    n_ctx, host.scratch_bytes, host.kv_bytes_per_token, *ram > on_device ? *ram - on_device : 0,
                    "the KV cache and buffers of the " + std::to_string(n_host) + " layers that stay on the CPU");
                !st)
                return st.error();
        }
        auto backend = std::make_unique<CudaBackend>(model, *index, n_ctx, n_gpu, n_threads, gemm_min, cuda_options,
                                                     options.kv_type);
        bool oom = false;
        auto st = backend->allocate(&oom);
        if (st) {
            if (summary)
                *summary = plan.summary.substr(0, plan.summary.rfind(':')) + ": " + std::to_string(n_gpu) + " of " +
                           std::to_string(model.hp.n_layer) + " layers on GPU " + std::to_string(*index) + " (" +
                           info.name + ")";
            return std::unique_ptr<ComputeBackend>(std::move(backend));
        }
        last_error = st.error().message;
        if (!oom || n_gpu == 0)
            return make_error(last_error);
        backend.reset();   // frees everything before the next attempt
        n_gpu -= std::max<int64_t>(1, n_gpu / 8);
    }
    return make_error(plan.n_layer_gpu == 0 ? plan.summary
                                            : "the GPU ran out of memory even with 1 layer (" + last_error + ")");
}

}   // namespace causerie
