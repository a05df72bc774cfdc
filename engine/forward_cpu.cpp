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
#include <memory>
#include <new>
#include <optional>
#include <thread>
#include <vector>

namespace causerie {
namespace {

using namespace kernels;

constexpr int64_t kMaxBatch = 256;   // rows per micro-batch (a prefill's tokens, a step's sequences)

class CpuBackend;

// Rows of one micro-batch that belong to one sequence: tokens at positions [pos, pos + n).
struct CpuPart {
    CpuBackend* seq;
    const int32_t* tokens;
    int64_t n;
    int64_t pos;
    float* logits_last;   // n_vocab floats for the part's last row, or null
    float* all_logits;    // (n, n_vocab), or null (single-part micro-batches only)
    float* hidden;        // (n, n_embd) the rows normed by output_norm (eval_hidden), or null
};

// What the sequences of one CPU backend share (make_sequence): the weights (repacked once), the
// threads and the activations of one micro-batch. Used by one thread at a time.
class CpuShared {
public:
    // ram_for_repack: bytes the repacked weight copy may take (it is skipped beyond).
    CpuShared(const Model& model, int n_threads, size_t ram_for_repack)
        : m(model)
        , hp(model.hp)
        , m_pool(n_threads)
        , m_ram_for_repack(ram_for_repack)
        , m_matmul(m_pool)
        , m_layer(model, m_pool, m_matmul, m_scratch)
    {
    }

    void allocate()   // throws std::bad_alloc
    {
        m_x.resize(size_t(kMaxBatch * hp.n_embd));
        m_scratch.allocate(hp, kMaxBatch);
        m_matmul.reserve(m, kMaxBatch);
    }

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

    ThreadPool& pool() { return m_pool; }

    // One micro-batch (at most kMaxBatch rows in all): the parts' rows one after the other.
    void forward_batch(std::span<const CpuPart> parts);

private:
    void output_head(std::span<const CpuPart> parts, int64_t n);

    const Model& m;
    const HParams& hp;
    ThreadPool m_pool;
    size_t m_ram_for_repack;
    CpuMatmul m_matmul;                   // every layer's products and the head's
    std::vector<float> m_x;               // (batch, n_embd) residual stream
    CpuLayerScratch m_scratch;            // (batch, ...) the layers' activations, shared by all of them
    CpuLayer m_layer;                     // runs layer l on the buffers above
    std::vector<CpuSegment> m_segments;   // (parts) one layer's view of the parts
    std::vector<float> m_logits;          // (parts, n_vocab) a batched step's logits before they are handed out
};

// One sequence: its KV cache over the shared weights.
class CpuBackend final : public ComputeBackend {
public:
    // free_ram_pretend: BackendOptions::free_ram_bytes, for make_sequence's memory check.
    CpuBackend(std::shared_ptr<CpuShared> shared, const Model& model, int64_t n_ctx, size_t free_ram_pretend,
               KvType kv_type)
        : m(model)
        , hp(model.hp)
        , m_shared(std::move(shared))
        , m_n_ctx(n_ctx)
        , m_free_ram_pretend(free_ram_pretend)
        , m_kv_type(kv_type)
    {
    }

    // The KV cache; throws std::bad_alloc.
    void allocate()
    {
        m_cache.reserve(size_t(hp.n_layer));
        for (int64_t l = 0; l < hp.n_layer; ++l)
            m_cache.emplace_back(hp, m_n_ctx, m_kv_type);
    }

    std::string device_name() const override
    {
        const int n = m_shared->pool().size();
        return "CPU (" + std::to_string(n) + (n == 1 ? " thread)" : " threads)");
    }
    int64_t n_ctx() const override { return m_n_ctx; }
    int64_t n_vocab() const override { return hp.n_vocab; }
    std::vector<CpuKvCache>& cache() { return m_cache; }

    Status eval(std::span<const int32_t> tokens, int64_t pos, float* logits_last, float* all_logits) override
    {
        if (auto st = check(tokens, pos); !st)
            return st;
        for (size_t start = 0; start < tokens.size(); start += kMaxBatch) {
            const int64_t n = std::min<int64_t>(kMaxBatch, int64_t(tokens.size() - start));
            const bool last_batch = start + size_t(n) == tokens.size();
            const CpuPart part{this,
                               tokens.data() + start,
                               n,
                               pos + int64_t(start),
                               last_batch ? logits_last : nullptr,
                               all_logits ? all_logits + start * size_t(hp.n_vocab) : nullptr,
                               nullptr};
            m_shared->forward_batch(std::span(&part, 1));
        }
        return Ok{};
    }

    Status eval_hidden(std::span<const int32_t> tokens, int64_t pos, float* hidden) override
    {
        if (auto st = check(tokens, pos); !st)
            return st;
        for (size_t start = 0; start < tokens.size(); start += kMaxBatch) {
            const int64_t n = std::min<int64_t>(kMaxBatch, int64_t(tokens.size() - start));
            const CpuPart part{this,
                               tokens.data() + start,
                               n,
                               pos + int64_t(start),
                               nullptr,
                               nullptr,
                               hidden + start * size_t(hp.n_embd)};
            m_shared->forward_batch(std::span(&part, 1));
        }
        return Ok{};
    }

    Result<std::unique_ptr<ComputeBackend>> make_sequence() override
    {
        if (const std::optional<size_t> ram = free_ram(m_free_ram_pretend))
            if (auto st = check_context_fits(m_n_ctx, 0, plan_cpu_memory(m, m_kv_type).kv_bytes_per_token, *ram,
                                             "the KV cache of another sequence");
                !st)
                return st.error();
        auto seq = std::make_unique<CpuBackend>(m_shared, m, m_n_ctx, m_free_ram_pretend, m_kv_type);
        try {
            seq->allocate();
        } catch (const std::bad_alloc&) {
            return make_error("not enough memory for the KV cache of another sequence of " + std::to_string(m_n_ctx) +
                              " tokens; choose a smaller context size");
        }
        return std::unique_ptr<ComputeBackend>(std::move(seq));
    }

    Status eval_batch(std::span<const BatchItem> items) override
    {
        // Together only when every item is a sequence of this backend's weights, each once.
        std::vector<CpuBackend*> seqs;
        for (const BatchItem& item : items) {
            auto* seq = dynamic_cast<CpuBackend*>(item.backend);
            if (!seq || seq->m_shared != m_shared || std::find(seqs.begin(), seqs.end(), seq) != seqs.end())
                return ComputeBackend::eval_batch(items);
            seqs.push_back(seq);
        }
        for (size_t i = 0; i < items.size(); ++i)
            if (auto st = seqs[i]->check(items[i].tokens, items[i].pos); !st)
                return st;
        // Rows packed in item order, kMaxBatch per pass; an item longer than what is left of a
        // pass goes on in the next one (its logits come with its last row).
        std::vector<CpuPart> parts;
        int64_t rows = 0;
        for (size_t i = 0; i < items.size(); ++i) {
            const BatchItem& item = items[i];
            const int64_t total = int64_t(item.tokens.size());
            for (int64_t done = 0; done < total;) {
                const int64_t n = std::min(total - done, kMaxBatch - rows);
                parts.push_back({seqs[i], item.tokens.data() + done, n, item.pos + done,
                                 done + n == total ? item.logits_last : nullptr, nullptr, nullptr});
                rows += n;
                done += n;
                if (rows == kMaxBatch) {
                    m_shared->forward_batch(parts);
                    parts.clear();
                    rows = 0;
                }
            }
        }
        if (!parts.empty())
            m_shared->forward_batch(parts);
        return Ok{};
    }

    size_t kv_bytes(int64_t n) const override { return size_t(hp.n_layer) * kv_layer_bytes(hp, n, m_kv_type); }
    KvType kv_type() const override { return m_kv_type; }

    Status read_kv(int64_t n, uint8_t* out) override
    {
        if (auto st = check_kv_rows(n, m_n_ctx); !st)
            return st;
        for (int64_t l = 0; l < hp.n_layer; ++l)
            copy_kv_out(m_cache[size_t(l)], hp, n, out + size_t(l) * kv_layer_bytes(hp, n, m_kv_type));
        return Ok{};
    }

    Status write_kv(int64_t n, const uint8_t* in) override
    {
        if (auto st = check_kv_rows(n, m_n_ctx); !st)
            return st;
        for (int64_t l = 0; l < hp.n_layer; ++l)
            copy_kv_in(m_cache[size_t(l)], hp, n, in + size_t(l) * kv_layer_bytes(hp, n, m_kv_type));
        return Ok{};
    }

    Status shift_kv(int64_t p, int64_t d, int64_t keep) override
    {
        if (auto st = check_kv_shift(m, m_n_ctx, p, d, keep); !st)
            return st;
        // One layer per work item: layers are independent, rows within one are moved in order.
        m_shared->pool().parallel_for(hp.n_layer, [&](int64_t b, int64_t e) {
            for (int64_t l = b; l < e; ++l)
                shift_kv_rows(m_cache[size_t(l)], m, m_n_ctx, p, d, keep);
        });
        return Ok{};
    }

private:
    Status check(std::span<const int32_t> tokens, int64_t pos) const
    {
        return check_eval(tokens, pos, m_n_ctx, hp.n_vocab);
    }

    const Model& m;
    const HParams& hp;
    std::shared_ptr<CpuShared> m_shared;
    int64_t m_n_ctx;
    size_t m_free_ram_pretend;
    KvType m_kv_type;
    std::vector<CpuKvCache>
        m_cache;   // per layer: (n_ctx, n_head_kv*head_dim) K, (n_ctx, n_head_kv*value_dim) V, m_kv_type
};

void CpuShared::forward_batch(std::span<const CpuPart> parts)
{
    const int64_t d = hp.n_embd;

    // x (n, d): token embeddings, the parts' rows one after the other
    int64_t n = 0;
    for (const CpuPart& part : parts)
        for (int64_t t = 0; t < part.n; ++t, ++n)
            m_matmul.dequantize_row(m.tok_embd, part.tokens[t], &m_x[size_t(n * d)]);
    if (hp.embd_scale != 0.0f)   // gemma: embeddings times sqrt(n_embd)
        for (int64_t i = 0; i < n * d; ++i)
            m_x[size_t(i)] *= hp.embd_scale;

    // The layers (layer_cpu.h), each reading and updating x in place, each part on its own cache.
    // One part that wants no hidden rows nor every row's logits reads only its last row after the
    // last layer: that layer's feed-forward runs on that row alone (none if no logits are wanted,
    // as for a long prompt's earlier micro-batches); its other rows are not needed by anything.
    // Row n - 1 gets the same values as in a full run (the products do not depend on n).
    const bool last_row_only = parts.size() == 1 && !parts[0].hidden && !parts[0].all_logits;
    const int64_t last_ffn_first = !last_row_only ? 0 : parts[0].logits_last ? n - 1 : n;
    m_segments.resize(parts.size());
    for (int64_t l = 0; l < hp.n_layer; ++l) {
        int64_t row = 0;
        for (size_t i = 0; i < parts.size(); ++i) {
            m_segments[i] = {&parts[i].seq->cache()[size_t(l)], row, parts[i].n, parts[i].pos};
            row += parts[i].n;
        }
        m_layer.forward(l, m_segments, m_x.data(), n, l == hp.n_layer - 1 ? last_ffn_first : 0);
    }
    output_head(parts, n);
}

// Only the rows whose logits are wanted (xb: the layers' scratch, free now).
void CpuShared::output_head(std::span<const CpuPart> parts, int64_t n)
{
    const int64_t d = hp.n_embd;
    float* xb = m_scratch.xb.data();   // (n, d)
    const float* output_norm = static_cast<const float*>(m.output_norm.data);
    int64_t first = 0;   // the part's first row
    for (const CpuPart& part : parts) {
        if (part.hidden)
            for (int64_t t = 0; t < part.n; ++t)
                rmsnorm_ref(&m_x[size_t((first + t) * d)], output_norm, &part.hidden[t * d], d, hp.rms_eps);
        first += part.n;
    }
    if (parts.size() == 1 && parts[0].all_logits) {
        float* all_logits = parts[0].all_logits;
        for (int64_t t = 0; t < n; ++t)
            rmsnorm_ref(&m_x[size_t(t * d)], output_norm, &xb[t * d], d, hp.rms_eps);
        m_matmul.run(m.output, xb, n, all_logits);
        if (hp.final_softcap != 0.0f)   // gemma2
            softcap_ref(all_logits, n * hp.n_vocab, hp.final_softcap);
        if (parts[0].logits_last)
            std::copy_n(all_logits + (n - 1) * hp.n_vocab, hp.n_vocab, parts[0].logits_last);
        return;
    }
    // The last row of every part that wants logits, normed into xb row by row.
    int64_t wanted = 0, row = 0;
    for (const CpuPart& part : parts) {
        row += part.n;
        if (part.logits_last)
            rmsnorm_ref(&m_x[size_t((row - 1) * d)], output_norm, &xb[wanted++ * d], d, hp.rms_eps);
    }
    if (wanted == 0)
        return;
    if (wanted == 1) {   // straight into the caller's row
        float* out = nullptr;
        for (const CpuPart& part : parts)
            out = part.logits_last ? part.logits_last : out;
        m_matmul.run(m.output, xb, 1, out);
        if (hp.final_softcap != 0.0f)
            softcap_ref(out, hp.n_vocab, hp.final_softcap);
        return;
    }
    if (m_logits.size() < size_t(wanted * hp.n_vocab))
        m_logits.resize(size_t(wanted * hp.n_vocab));
    m_matmul.run(m.output, xb, wanted, m_logits.data());
    if (hp.final_softcap != 0.0f)
        softcap_ref(m_logits.data(), wanted * hp.n_vocab, hp.final_softcap);
    int64_t i = 0;
    for (const CpuPart& part : parts)
        if (part.logits_last)
            std::copy_n(&m_logits[size_t(i++ * hp.n_vocab)], hp.n_vocab, part.logits_last);
}

}   // namespace

CpuMemoryPlan plan_cpu_memory(const Model& model, KvType kv_type)
{
    const HParams& hp = model.hp;
    const size_t B = size_t(kMaxBatch);
    CpuMemoryPlan p;
    p.kv_bytes_per_token = size_t(hp.n_layer) * CpuKvCache::bytes_per_token(hp, kv_type);
    // As allocate(): m_x, m_scratch, the matmul's converted activations; then the session's
    // logits and the eval_top_k row (n_vocab floats each).
    p.scratch_bytes = B * size_t(hp.n_embd) * 4 + CpuLayerScratch::bytes(hp, kMaxBatch) +
                      B * converted_bytes_per_token(model) + 2 * size_t(hp.n_vocab) * 4;
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
    if (!kv_type_fits(options.kv_type, model.hp.head_dim, model.hp.value_dim))
        return make_error(std::string("a ") + kv_type_name(options.kv_type) +
                          " KV cache needs head sizes that are multiples of 32 (this model's: " +
                          std::to_string(model.hp.head_dim) + " and " + std::to_string(model.hp.value_dim) + ")");
    const CpuMemoryPlan plan = plan_cpu_memory(model, options.kv_type);
    size_t ram_for_repack = SIZE_MAX;
    if (const std::optional<size_t> ram = free_ram(options.free_ram_bytes)) {
        if (auto st = check_context_fits(n_ctx, plan.scratch_bytes, plan.kv_bytes_per_token, *ram,
                                         "the KV cache and scratch buffers");
            !st)
            return st.error();
        ram_for_repack = usable_of_free(*ram) - (plan.scratch_bytes + size_t(n_ctx) * plan.kv_bytes_per_token);
    }
    auto shared = std::make_shared<CpuShared>(model, n_threads, ram_for_repack);
    auto backend = std::make_unique<CpuBackend>(shared, model, n_ctx, options.free_ram_bytes, options.kv_type);
    try {
        backend->allocate();
        shared->allocate();
    } catch (const std::bad_alloc&) {
        const double kv_mib = double(model.hp.n_layer) * double(n_ctx) *
                              double(CpuKvCache::bytes_per_token(model.hp, options.kv_type)) / 1048576.0;
        return make_error("not enough memory for a context of " + std::to_string(n_ctx) +
                          " tokens (the KV cache alone needs " + std::to_string(int64_t(kv_mib)) +
                          " MiB); choose a smaller context size");
    }
    shared->repack_weights();
    return std::unique_ptr<ComputeBackend>(std::move(backend));
}

}   // namespace causerie
