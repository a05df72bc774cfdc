// The Llama forward pass on the CPU, top to bottom: embeddings -> every layer (layer_cpu.h, the
// same layer the CUDA backend runs for the layers left on the host) -> output head, with the
// runtime-dispatched kernels (AVX-512 VNNI / AVX2 where the CPU has them, the reference kernels
// otherwise).
// Numerics follow llama.cpp's CPU backend where it matters for comparing logits:
// - matrix products convert activations to 8-bit blocks (Q8_0/Q8_1/Q8_K) or F16 first, once per
//   op, then split weight rows over the pool (kernels/cpu/matmul_cpu.h);
// - where the CPU has a kernel for it (AVX-512 VNNI or AVX2: Q4_0, Q4_1, Q8_0, Q4_K, Q6_K), weights are repacked
//   once at start into 16-row interleaved groups (kernels/cpu/repack_cpu.h) and the mapped pages they came
//   from are handed back to the kernel, so memory stays about one copy of the model;
// - the KV cache is F16 and attention follows its CPU flash-attention kernel (CpuLayer::attention).
#include "backend.h"
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/ops_ref.h"
#include "kv_rows.h"
#include "layer_cpu.h"
#include "memory.h"
#include "thread_pool.h"

#include <algorithm>
#include <cstdint>
#include <new>
#include <optional>
#include <thread>
#include <vector>

namespace causerie {
namespace {

using namespace kernels;

constexpr int64_t kMaxBatch = 256;   // tokens per micro-batch of a prefill

class CpuBackend final : public ComputeBackend {
public:
    // ram_for_repack: bytes the repacked weight copy may take (it is skipped beyond).
    CpuBackend(const Model& model, int64_t n_ctx, int n_threads, size_t ram_for_repack)
        : m(model)
        , hp(model.hp)
        , m_n_ctx(n_ctx)
        , m_pool(n_threads)
        , m_ram_for_repack(ram_for_repack)
        , m_matmul(m_pool)
        , m_layer(model, m_pool, m_matmul, m_scratch)
    {
    }

    Status allocate()
    {
        try {
            m_cache.reserve(size_t(hp.n_layer));
            for (int64_t l = 0; l < hp.n_layer; ++l)
                m_cache.emplace_back(hp, m_n_ctx);
            m_x.resize(size_t(kMaxBatch * hp.n_embd));
            m_scratch.allocate(hp, kMaxBatch);
            m_matmul.reserve(m, kMaxBatch);
        } catch (const std::bad_alloc&) {
            const double kv_mib =
                double(hp.n_layer) * double(m_n_ctx) * double(CpuKvCache::bytes_per_token(hp)) / 1048576.0;
            return make_error("not enough memory for a context of " + std::to_string(m_n_ctx) +
                              " tokens (the KV cache alone needs " + std::to_string(int64_t(kv_mib)) +
                              " MiB); choose a smaller context size");
        }
        repack_weights();
        return Ok{};
    }

    std::string device_name() const override
    {
        return "CPU (" + std::to_string(m_pool.size()) + (m_pool.size() == 1 ? " thread)" : " threads)");
    }
    int64_t n_ctx() const override { return m_n_ctx; }
    int64_t n_vocab() const override { return hp.n_vocab; }

    Status eval(std::span<const int32_t> tokens, int64_t pos, float* logits_last, float* all_logits) override
    {
        if (tokens.empty())
            return make_error("nothing to evaluate");
        if (pos < 0 || pos + int64_t(tokens.size()) > m_n_ctx)
            return make_error("the conversation needs " + std::to_string(pos + int64_t(tokens.size())) +
                              " tokens but the context holds " + std::to_string(m_n_ctx));
        for (int32_t id : tokens)
            if (id < 0 || id >= hp.n_vocab)
                return make_error("token id " + std::to_string(id) + " is outside the vocabulary (" +
                                  std::to_string(hp.n_vocab) + ")");
        for (size_t start = 0; start < tokens.size(); start += kMaxBatch) {
            const int64_t n = std::min<int64_t>(kMaxBatch, int64_t(tokens.size() - start));
            const bool last_batch = start + size_t(n) == tokens.size();
            forward_batch(tokens.data() + start, n, pos + int64_t(start), last_batch ? logits_last : nullptr,
                          all_logits ? all_logits + start * size_t(hp.n_vocab) : nullptr);
        }
        return Ok{};
    }

    size_t kv_bytes(int64_t n) const override { return size_t(hp.n_layer) * kv_layer_bytes(hp, n); }

    Status read_kv(int64_t n, uint8_t* out) override
    {
        if (n < 0 || n > m_n_ctx)
            return make_error("KV rows [0, " + std::to_string(n) + ") are outside the context of " +
                              std::to_string(m_n_ctx));
        for (int64_t l = 0; l < hp.n_layer; ++l)
            copy_kv_out(m_cache[size_t(l)], hp, n, out + size_t(l) * kv_layer_bytes(hp, n));
        return Ok{};
    }

    Status write_kv(int64_t n, const uint8_t* in) override
    {
        if (n < 0 || n > m_n_ctx)
            return make_error("KV rows [0, " + std::to_string(n) + ") are outside the context of " +
                              std::to_string(m_n_ctx));
        for (int64_t l = 0; l < hp.n_layer; ++l)
            copy_kv_in(m_cache[size_t(l)], hp, n, in + size_t(l) * kv_layer_bytes(hp, n));
        return Ok{};
    }

    Status shift_kv(int64_t p, int64_t d, int64_t keep) override
    {
        if (p < 0 || d < 1 || keep < 0 || p + d + keep > m_n_ctx)
            return make_error("cannot shift KV rows: p " + std::to_string(p) + ", d " + std::to_string(d) + ", keep " +
                              std::to_string(keep) + " in a context of " + std::to_string(m_n_ctx));
        if (auto st = kv_shift_supported(m); !st)
            return st;
        // One layer per work item: layers are independent, rows within one are moved in order.
        m_pool.parallel_for(hp.n_layer, [&](int64_t b, int64_t e) {
            for (int64_t l = b; l < e; ++l)
                shift_kv_rows(m_cache[size_t(l)], m, m_n_ctx, p, d, keep);
        });
        return Ok{};
    }

private:
    // Every layer's weights and the head, repacked where the CPU has a kernel for it (see
    // CpuMatmul::repack; out of memory is not an error).
    void repack_weights()
    {
        std::vector<const Weight*> weights;
        for (const LayerWeights& L : m.layers)
            for (const Weight* w : layer_matrices(L))
                weights.push_back(w);
        weights.push_back(&m.output);
        // The copy is about the size of the weights it replaces (whose pages are released as it
        // is written), but it is written before they go: without room for it, run unpacked.
        m_matmul.repack(m, weights, m_ram_for_repack);
    }

    void forward_batch(const int32_t* tokens, int64_t n, int64_t pos, float* logits_last, float* all_logits)
    {
        const int64_t d = hp.n_embd;

        // x (n, d): token embeddings
        for (int64_t t = 0; t < n; ++t)
            dequantize_row_ref(m.tok_embd.type,
                               static_cast<const char*>(m.tok_embd.data) + size_t(tokens[t]) * m.tok_embd.row_bytes,
                               &m_x[size_t(t * d)], d);
        if (hp.embd_scale != 0.0f)   // gemma: embeddings times sqrt(n_embd)
            for (int64_t i = 0; i < n * d; ++i)
                m_x[size_t(i)] *= hp.embd_scale;

        // The layers (layer_cpu.h), each reading and updating x in place.
        for (int64_t l = 0; l < hp.n_layer; ++l)
            m_layer.forward(l, m_cache[size_t(l)], m_x.data(), n, pos);

        // Output head: only the rows whose logits are wanted (xb: the layers' scratch, free now).
        float* xb = m_scratch.xb.data();   // (n, d)
        const float* output_norm = static_cast<const float*>(m.output_norm.data);
        if (all_logits) {
            for (int64_t t = 0; t < n; ++t)
                rmsnorm_ref(&m_x[size_t(t * d)], output_norm, &xb[t * d], d, hp.rms_eps);
            m_matmul.run(m.output, xb, n, all_logits);
            if (hp.final_softcap != 0.0f)   // gemma2
                softcap_ref(all_logits, n * hp.n_vocab, hp.final_softcap);
            if (logits_last)
                std::copy_n(all_logits + (n - 1) * hp.n_vocab, hp.n_vocab, logits_last);
        } else if (logits_last) {
            rmsnorm_ref(&m_x[size_t((n - 1) * d)], output_norm, xb, d, hp.rms_eps);
            m_matmul.run(m.output, xb, 1, logits_last);
            if (hp.final_softcap != 0.0f)
                softcap_ref(logits_last, hp.n_vocab, hp.final_softcap);
        }
    }

    const Model& m;
    const HParams& hp;
    int64_t m_n_ctx;
    ThreadPool m_pool;
    size_t m_ram_for_repack;
    CpuMatmul m_matmul;                // every layer's products and the head's
    std::vector<CpuKvCache> m_cache;   // per layer: (n_ctx, n_head_kv*head_dim) K, (n_ctx, n_head_kv*value_dim) V, F16
    std::vector<float> m_x;            // (batch, n_embd) residual stream
    CpuLayerScratch m_scratch;         // (batch, ...) the layers' activations, shared by all of them
    CpuLayer m_layer;                  // runs layer l on the buffers above
};

}   // namespace

CpuMemoryPlan plan_cpu_memory(const Model& model)
{
    const HParams& hp = model.hp;
    const size_t B = size_t(kMaxBatch);
    CpuMemoryPlan p;
    p.kv_bytes_per_token = size_t(hp.n_layer) * CpuKvCache::bytes_per_token(hp);
    // As allocate(): m_x, m_scratch, the matmul's converted activations; then the session's
    // logits and the eval_top_k row (n_vocab floats each).
    p.scratch_bytes = B * size_t(hp.n_embd) * 4 + CpuLayerScratch::bytes(hp, kMaxBatch) +
                      B * max_converted_row_bytes(model) + 2 * size_t(hp.n_vocab) * 4;
    return p;
}

Result<std::unique_ptr<ComputeBackend>> create_cpu_backend(const Model& model, const BackendOptions& options)
{
    int64_t n_ctx = options.n_ctx;
    if (n_ctx <= 0)
        n_ctx = std::min<int64_t>(model.hp.n_ctx_train > 0 ? model.hp.n_ctx_train : 4096, 4096);
    if (n_ctx > (int64_t(1) << 20))
        return make_error("context size " + std::to_string(n_ctx) + " is too large (at most 1048576)");
    int n_threads = options.n_threads;
    if (n_threads <= 0)
        n_threads = int(std::max(1u, std::thread::hardware_concurrency()));
    // Sizes come from metadata: check them against free RAM before allocating anything.
    const CpuMemoryPlan plan = plan_cpu_memory(model);
    size_t ram_for_repack = SIZE_MAX;
    if (const std::optional<size_t> ram = free_ram(options.free_ram_bytes)) {
        if (auto st = check_context_fits(n_ctx, plan.scratch_bytes, plan.kv_bytes_per_token, *ram,
                                         "the KV cache and scratch buffers");
            !st)
            return st.error();
        ram_for_repack = usable_of_free(*ram) - (plan.scratch_bytes + size_t(n_ctx) * plan.kv_bytes_per_token);
    }
    auto backend = std::make_unique<CpuBackend>(model, n_ctx, n_threads, ram_for_repack);
    if (auto st = backend->allocate(); !st)
        return st.error();
    return std::unique_ptr<ComputeBackend>(std::move(backend));
}

}   // namespace causerie
