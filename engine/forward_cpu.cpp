// The Llama forward pass on the CPU, top to bottom, with the runtime-dispatched kernels
// (AVX2 where the CPU has it, the reference kernels otherwise).
// Numerics follow llama.cpp's CPU backend where it matters for comparing logits:
// - matrix products convert activations to 8-bit blocks (Q8_0/Q8_1/Q8_K) or F16 first, once per
//   op, then split weight rows over the pool (kernels/cpu/matmul_cpu.h);
// - where the CPU has a kernel for it (AVX-512 VNNI: Q4_0, Q8_0, Q4_K, Q6_K), weights are repacked
//   once at start into 16-row interleaved groups (kernels/cpu/repack_cpu.h) and the mapped pages they came
//   from are handed back to the kernel, so memory stays about one copy of the model;
// - the KV cache is F16 and attention follows its CPU flash-attention kernel (see attention()).
#include "backend.h"
#include "kernels/cpu/attention_cpu.h"
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/matmul_cpu.h"
#include "kernels/cpu/matmul_ref.h"
#include "kernels/cpu/ops_ref.h"
#include "kernels/cpu/repack_cpu.h"
#include "thread_pool.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <thread>
#include <unordered_map>
#include <vector>

#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace causerie {
namespace {

using namespace kernels;

constexpr int64_t kMaxBatch = 256;   // tokens per micro-batch of a prefill

// Rows padded to whole repacked groups when the rows of several weights are enumerated together,
// so every thread's range starts on a group boundary of each weight.
int64_t padded_rows(int64_t rows) { return (rows + kRepackRows - 1) / kRepackRows * kRepackRows; }

// One allocation for all repacked weights: anonymous memory asking for transparent huge pages
// (one token over a 14336 x 4096 Q4_0 weight streamed 12 -> 17 GB/s with 2 MiB pages: fewer TLB
// misses). The price: when the kernel has to compact memory to find 2 MiB pages, the first
// allocation of ~600 MB took ~1.5 s here instead of ~0.4 s.
class PackedArena {
public:
    PackedArena() = default;
    PackedArena(const PackedArena&) = delete;
    PackedArena& operator=(const PackedArena&) = delete;
    ~PackedArena() { release(); }

    bool allocate(size_t bytes)
    {
        release();
#if defined(__unix__)
        constexpr size_t huge = size_t(2) << 20;
        m_size = (bytes + huge - 1) / huge * huge;
        void* p = ::mmap(nullptr, m_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            m_size = 0;
            return false;
        }
#ifdef MADV_HUGEPAGE
        ::madvise(p, m_size, MADV_HUGEPAGE);   // advice only: without it the kernels still work
#endif
        m_data = static_cast<uint8_t*>(p);
        return true;
#else
        (void)bytes;
        return false;
#endif
    }

    uint8_t* data() const { return m_data; }

private:
    void release()
    {
#if defined(__unix__)
        if (m_data)
            ::munmap(m_data, m_size);
#endif
        m_data = nullptr;
        m_size = 0;
    }

    uint8_t* m_data = nullptr;
    size_t m_size = 0;
};

// Gives the pages wholly inside [p, p + n) of the model's read-only file mapping back to the
// kernel: they are not read again (the repacked copy is), and if they were, they would be read
// back from the file. Never for memory that is not a file mapping (MADV_DONTNEED would zero it).
void release_mapped_pages(const void* p, size_t n)
{
#if defined(__unix__) && defined(MADV_DONTNEED)
    const auto page = uintptr_t(::sysconf(_SC_PAGESIZE));
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) / page * page;
    if (end > begin)
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
#else
    (void)p;
    (void)n;
#endif
}


class CpuBackend final : public ComputeBackend {
public:
    CpuBackend(const Model& model, int64_t n_ctx, int n_threads)
        : m(model), hp(model.hp), m_n_ctx(n_ctx), m_pool(n_threads)
    {
    }

    Status allocate()
    {
        const int64_t kv_dim = hp.n_head_kv * hp.head_dim;
        const int64_t v_dim = hp.n_head_kv * hp.value_dim;
        const int64_t q_dim = hp.n_head * hp.head_dim;
        const int64_t att_dim = hp.n_head * hp.value_dim;
        try {
            m_k.assign(size_t(hp.n_layer), std::vector<uint16_t>(size_t(m_n_ctx * kv_dim)));
            m_v.assign(size_t(hp.n_layer), std::vector<uint16_t>(size_t(m_n_ctx * v_dim)));
            m_x.resize(size_t(kMaxBatch * hp.n_embd));
            m_xb.resize(size_t(kMaxBatch * hp.n_embd));
            m_q.resize(size_t(kMaxBatch * q_dim));
            m_kb.resize(size_t(kMaxBatch * kv_dim));
            m_vb.resize(size_t(kMaxBatch * v_dim));
            m_att.resize(size_t(kMaxBatch * att_dim));
            m_gate.resize(size_t(kMaxBatch * hp.n_ff));
            m_up.resize(size_t(kMaxBatch * hp.n_ff));
            m_xconv.resize(size_t(kMaxBatch) * max_converted_row_bytes());
        } catch (const std::bad_alloc&) {
            const double kv_mib = double(hp.n_layer) * double(m_n_ctx) * double(kv_dim + v_dim) * 2.0 / 1048576.0;
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
            forward_batch(tokens.data() + start, n, pos + int64_t(start),
                          last_batch ? logits_last : nullptr,
                          all_logits ? all_logits + start * size_t(hp.n_vocab) : nullptr);
        }
        return Ok{};
    }

private:
    // Repacks every weight the dispatched kernels have a repacked layout for (none on CPUs
    // without AVX-512 VNNI or under CAUSERIE_CPU=avx2|scalar). Out of memory is not an error:
    // the weights are then used in place, as without repacking.
    void repack_weights()
    {
        std::vector<const Weight*> todo;
        for (const LayerWeights& L : m.layers)
            for (const Weight* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down})
                todo.push_back(w);
        todo.push_back(&m.output);
        std::vector<std::pair<const Weight*, size_t>> placed;   // weight, offset in the arena
        size_t total = 0;
        for (const Weight* w : todo) {
            if (!repack_available(w->type, w->cols))
                continue;
            placed.emplace_back(w, total);
            total += (repacked_bytes(w->type, w->rows, w->cols) + 4095) / 4096 * 4096;
        }
        if (placed.empty() || !m_packed_arena.allocate(total))
            return;
        // Only a model mapped from a file may have its pages released (see release_mapped_pages):
        // GGUFFile::open always maps the file, from_memory leaves the path empty. A tied output is
        // also the embedding table, read row by row for every token.
        const bool mapped = !m.file.path().empty();
        for (const auto& entry : placed) {
            // Not a structured binding: clang before 16 cannot capture one in the lambda below
            // (the fuzzing configuration builds with clang 14).
            const Weight* w = entry.first;
            const size_t offset = entry.second;
            uint8_t* dst = m_packed_arena.data() + offset;
            const int64_t groups = (w->rows + kRepackRows - 1) / kRepackRows;
            // Runs of ~8 MiB of source rows, released as soon as they are copied: the peak is the
            // repacked copy plus one run, not plus the largest tensor (the 32000-row output).
            const size_t group_src = size_t(kRepackRows) * w->row_bytes;
            const int64_t run = std::max<int64_t>(1, int64_t((size_t(8) << 20) / group_src));
            for (int64_t g0 = 0; g0 < groups; g0 += run) {
                const int64_t g1 = std::min(groups, g0 + run);
                m_pool.parallel_for(g1 - g0, [&](int64_t b, int64_t e) {
                    repack_groups(w->type, w->data, w->row_bytes, w->rows, w->cols, g0 + b, g0 + e, dst);
                });
                if (mapped && w->data != m.tok_embd.data) {
                    const int64_t r1 = std::min(w->rows, g1 * kRepackRows);
                    release_mapped_pages(static_cast<const uint8_t*>(w->data) + size_t(g0 * kRepackRows) * w->row_bytes,
                                         size_t(r1 - g0 * kRepackRows) * w->row_bytes);
                }
            }
            m_packed[w] = dst;
        }
    }

    size_t max_converted_row_bytes() const
    {
        size_t most = converted_row_bytes(m.output.type, m.output.cols);
        for (const LayerWeights& L : m.layers)
            for (const Weight* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down})
                most = std::max(most, converted_row_bytes(w->type, w->cols));
        return most;
    }

    // Converts x (n, cols) for weights of `type` into m_xconv, tokens split over the pool.
    const uint8_t* convert(kernels::TensorType type, const float* x, int64_t n, int64_t cols)
    {
        uint8_t* dst = m_xconv.data();
        if (n == 1)
            convert_activations_cpu(type, x, cols, 0, 1, dst);
        else
            m_pool.parallel_for(n, [&](int64_t b, int64_t e) { convert_activations_cpu(type, x, cols, b, e, dst); });
        return dst;
    }

    struct MatmulOp {
        const Weight* w;
        float* y;   // (n, w->rows)
    };

    // y_i (n, w_i.rows) = x (n, cols) . w_i^T for weights that read the same input (Q/K/V,
    // gate/up): x is converted once when their vec_dot_types agree, and the rows of all of them
    // form one parallel_for, so the threads meet once instead of once per weight.
    void matmuls(const float* x, int64_t n, std::initializer_list<MatmulOp> ops)
    {
        const MatmulOp* first = ops.begin();
        const int64_t cols = first->w->cols;
        bool shared = true;
        int64_t total = 0;
        for (const MatmulOp& op : ops) {
            shared = shared && vec_dot_type(op.w->type) == vec_dot_type(first->w->type) && op.w->cols == cols;
            total += padded_rows(op.w->rows);
        }
        if (!shared) {
            for (const MatmulOp& op : ops)
                matmuls(x, n, {op});
            return;
        }
        const uint8_t* xc = convert(first->w->type, x, n, cols);
        // Rows in chunks of 16 (one repacked group): whole enough for the kernels' tiles, small
        // enough to balance. Each weight's rows start at a multiple of 16 in the enumeration.
        m_pool.parallel_for(total, [&](int64_t b, int64_t e) {
            int64_t offset = 0;
            for (const MatmulOp& op : ops) {
                const Weight& w = *op.w;
                const int64_t rb = std::max(b, offset), re = std::min(e, offset + w.rows);
                if (rb < re) {
                    if (const auto it = m_packed.find(&w); it != m_packed.end())
                        matmul_repacked_cpu(w.type, it->second, w.rows, cols, rb - offset, re - offset, xc, n, op.y,
                                            w.rows);
                    else
                        matmul_converted_cpu(w.type,
                                             static_cast<const char*>(w.data) + size_t(rb - offset) * w.row_bytes,
                                             w.row_bytes, re - rb, cols, xc, n, op.y + (rb - offset), w.rows);
                }
                offset += padded_rows(w.rows);
            }
        }, kRepackRows);
    }

    void matmul(const Weight& w, const float* x, int64_t n, float* y) { matmuls(x, n, {{&w, y}}); }

    const float* norm_weight(const Weight& w) const { return static_cast<const float*>(w.data); }

    void forward_batch(const int32_t* tokens, int64_t n, int64_t pos, float* logits_last, float* all_logits)
    {
        const int64_t d = hp.n_embd;
        const int64_t hd = hp.head_dim;
        const int64_t vd = hp.value_dim;
        const int64_t kv_dim = hp.n_head_kv * hd;
        const int64_t v_dim = hp.n_head_kv * vd;
        const int64_t q_dim = hp.n_head * hd;

        // x (n, d): token embeddings
        for (int64_t t = 0; t < n; ++t)
            dequantize_row_ref(m.tok_embd.type,
                               static_cast<const char*>(m.tok_embd.data) + size_t(tokens[t]) * m.tok_embd.row_bytes,
                               &m_x[size_t(t * d)], d);

        for (int64_t l = 0; l < hp.n_layer; ++l) {
            const LayerWeights& L = m.layers[size_t(l)];

            // Attention block.
            for (int64_t t = 0; t < n; ++t)
                rmsnorm_ref(&m_x[size_t(t * d)], norm_weight(L.attn_norm), &m_xb[size_t(t * d)], d, hp.rms_eps);
            matmuls(m_xb.data(), n, {{&L.wq, m_q.data()},     // (n, n_head*hd)
                                     {&L.wk, m_kb.data()},    // (n, n_head_kv*hd)
                                     {&L.wv, m_vb.data()}});  // (n, n_head_kv*vd)
            for (int64_t t = 0; t < n; ++t) {
                rope_ref(&m_q[size_t(t * q_dim)], hp.n_head, hd, hp.n_rot, pos + t, hp.rope_freq_base,
                         m.rope_freq_factors);
                rope_ref(&m_kb[size_t(t * kv_dim)], hp.n_head_kv, hd, hp.n_rot, pos + t, hp.rope_freq_base,
                         m.rope_freq_factors);
                uint16_t* kc = &m_k[size_t(l)][size_t((pos + t) * kv_dim)];
                uint16_t* vc = &m_v[size_t(l)][size_t((pos + t) * v_dim)];
                for (int64_t i = 0; i < kv_dim; ++i)
                    kc[i] = fp32_to_fp16(m_kb[size_t(t * kv_dim + i)]);
                for (int64_t i = 0; i < v_dim; ++i)
                    vc[i] = fp32_to_fp16(m_vb[size_t(t * v_dim + i)]);
            }
            attention(l, n, pos);
            matmul(L.wo, m_att.data(), n, m_xb.data());  // (n, d)
            for (int64_t t = 0; t < n; ++t)
                add_ref(&m_x[size_t(t * d)], &m_xb[size_t(t * d)], d);

            // Feed-forward block (SwiGLU).
            for (int64_t t = 0; t < n; ++t)
                rmsnorm_ref(&m_x[size_t(t * d)], norm_weight(L.ffn_norm), &m_xb[size_t(t * d)], d, hp.rms_eps);
            matmuls(m_xb.data(), n, {{&L.w_gate, m_gate.data()},   // (n, n_ff)
                                     {&L.w_up, m_up.data()}});     // (n, n_ff)
            for (int64_t t = 0; t < n; ++t)
                swiglu_ref(&m_gate[size_t(t * hp.n_ff)], &m_up[size_t(t * hp.n_ff)], &m_gate[size_t(t * hp.n_ff)],
                           hp.n_ff);
            matmul(L.w_down, m_gate.data(), n, m_xb.data());  // (n, d)
            for (int64_t t = 0; t < n; ++t)
                add_ref(&m_x[size_t(t * d)], &m_xb[size_t(t * d)], d);
        }

        // Output head: only the rows whose logits are wanted.
        if (all_logits) {
            for (int64_t t = 0; t < n; ++t)
                rmsnorm_ref(&m_x[size_t(t * d)], norm_weight(m.output_norm), &m_xb[size_t(t * d)], d, hp.rms_eps);
            matmul(m.output, m_xb.data(), n, all_logits);
            if (logits_last)
                std::copy_n(all_logits + (n - 1) * hp.n_vocab, hp.n_vocab, logits_last);
        } else if (logits_last) {
            rmsnorm_ref(&m_x[size_t((n - 1) * d)], norm_weight(m.output_norm), m_xb.data(), d, hp.rms_eps);
            matmul(m.output, m_xb.data(), 1, logits_last);
        }
    }

    // m_att (n, n_head*vd) = softmax(Q K^T / sqrt(hd), causal) V over cache positions [0, pos+t],
    // computed as llama.cpp's CPU flash attention does (kernels/cpu/attention_cpu.h), so logits
    // agree with it to 1e-4 rather than 3e-2.
    void attention(int64_t l, int64_t n, int64_t pos)
    {
        const int64_t hd = hp.head_dim;
        const int64_t vd = hp.value_dim;
        const int64_t group = hp.n_head / hp.n_head_kv;   // query heads sharing one KV head (GQA)
        AttentionShape shape;
        shape.head_dim = hd;
        shape.value_dim = vd;
        shape.k_stride = hp.n_head_kv * hd;
        shape.v_stride = hp.n_head_kv * vd;
        shape.scale = 1.0f / std::sqrt(float(hd));
        const uint16_t* K = m_k[size_t(l)].data();
        const uint16_t* V = m_v[size_t(l)].data();

        // One work item per (token, head).
        m_pool.parallel_for(n * hp.n_head, [&](int64_t b, int64_t e) {
            std::vector<float> scratch(size_t(attention_scratch_floats(shape)));
            for (int64_t item = b; item < e; ++item) {
                const int64_t t = item / hp.n_head;
                const int64_t h = item % hp.n_head;
                const int64_t kvh = h / group;
                attention_head_cpu(shape, &m_q[size_t(t * hp.n_head * hd + h * hd)], K + kvh * hd, V + kvh * vd,
                                   pos + t + 1, &m_att[size_t(t * hp.n_head * vd + h * vd)], scratch.data());
            }
        });
    }

    const Model& m;
    const HParams& hp;
    int64_t m_n_ctx;
    ThreadPool m_pool;
    std::vector<std::vector<uint16_t>> m_k;   // per layer (n_ctx, n_head_kv*head_dim) F16
    std::vector<std::vector<uint16_t>> m_v;   // per layer (n_ctx, n_head_kv*value_dim) F16
    std::vector<float> m_x;      // (batch, n_embd) residual stream
    std::vector<float> m_xb;     // (batch, n_embd) normed input / block output
    std::vector<float> m_q;      // (batch, n_head*head_dim)
    std::vector<float> m_kb;     // (batch, n_head_kv*head_dim)
    std::vector<float> m_vb;     // (batch, n_head_kv*value_dim)
    std::vector<float> m_att;    // (batch, n_head*value_dim)
    std::vector<float> m_gate;   // (batch, n_ff)
    std::vector<float> m_up;     // (batch, n_ff)
    std::vector<uint8_t> m_xconv;   // (batch, converted row) activations in the weights' vec_dot_type
    PackedArena m_packed_arena;     // repacked weights (kernels/cpu/repack_cpu.h), one mapping
    std::unordered_map<const Weight*, const uint8_t*> m_packed;   // weight -> its repacked copy
};

} // namespace

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
    auto backend = std::make_unique<CpuBackend>(model, n_ctx, n_threads);
    if (auto st = backend->allocate(); !st)
        return st.error();
    return std::unique_ptr<ComputeBackend>(std::move(backend));
}

} // namespace causerie
