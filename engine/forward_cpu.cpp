// The Llama forward pass on the CPU, top to bottom, with the reference kernels.
// Numerics follow llama.cpp's CPU backend where it matters for comparing logits:
// - matrix products convert activations to 8-bit blocks (Q8_0/Q8_1/Q8_K) or F16 first
//   (kernels::matmul_ref);
// - the KV cache is F16 and attention follows its CPU flash-attention kernel (see attention()).
#include "backend.h"
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/matmul_ref.h"
#include "kernels/cpu/ops_ref.h"
#include "thread_pool.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <thread>
#include <vector>

namespace causerie {
namespace {

using namespace kernels;

constexpr int64_t kMaxBatch = 256;   // tokens per micro-batch of a prefill

inline float round_f16(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

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
        } catch (const std::bad_alloc&) {
            const double kv_mib = double(hp.n_layer) * double(m_n_ctx) * double(kv_dim + v_dim) * 2.0 / 1048576.0;
            return make_error("not enough memory for a context of " + std::to_string(m_n_ctx) +
                              " tokens (the KV cache alone needs " + std::to_string(int64_t(kv_mib)) +
                              " MiB); choose a smaller context size");
        }
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
    // y (n, w.rows) = x (n, w.cols) . w^T, rows split over the pool.
    void matmul(const Weight& w, const float* x, int64_t n, float* y)
    {
        m_pool.parallel_for(w.rows, [&](int64_t b, int64_t e) {
            matmul_ref(w.type, static_cast<const char*>(w.data) + size_t(b) * w.row_bytes, w.row_bytes, e - b,
                       w.cols, x, n, y + b, w.rows);
        });
    }

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
            matmul(L.wq, m_xb.data(), n, m_q.data());    // (n, n_head*hd)
            matmul(L.wk, m_xb.data(), n, m_kb.data());   // (n, n_head_kv*hd)
            matmul(L.wv, m_xb.data(), n, m_vb.data());   // (n, n_head_kv*vd)
            for (int64_t t = 0; t < n; ++t) {
                rope_ref(&m_q[size_t(t * q_dim)], hp.n_head, hd, hp.n_rot, pos + t, hp.rope_freq_base);
                rope_ref(&m_kb[size_t(t * kv_dim)], hp.n_head_kv, hd, hp.n_rot, pos + t, hp.rope_freq_base);
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
            matmul(L.w_gate, m_xb.data(), n, m_gate.data());  // (n, n_ff)
            matmul(L.w_up, m_xb.data(), n, m_up.data());      // (n, n_ff)
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

    // m_att (n, n_head*vd) = softmax(Q K^T / sqrt(hd), causal) V over cache positions [0, pos+t].
    // Computed as llama.cpp's CPU flash attention does, so logits agree with it to 1e-4 rather
    // than 3e-2: Q rounded to F16 for Q.K, one pass with a running maximum, and the weighted sum
    // of V kept in an F16 accumulator that is rescaled whenever the maximum grows.
    void attention(int64_t l, int64_t n, int64_t pos)
    {
        const int64_t hd = hp.head_dim;
        const int64_t vd = hp.value_dim;
        const int64_t group = hp.n_head / hp.n_head_kv;   // query heads sharing one KV head (GQA)
        const int64_t kv_dim = hp.n_head_kv * hd;
        const int64_t v_dim = hp.n_head_kv * vd;
        const float scale = 1.0f / std::sqrt(float(hd));
        const uint16_t* K = m_k[size_t(l)].data();
        const uint16_t* V = m_v[size_t(l)].data();

        // One work item per (token, head).
        m_pool.parallel_for(n * hp.n_head, [&](int64_t b, int64_t e) {
            std::vector<float> q16(static_cast<size_t>(hd));
            std::vector<uint16_t> acc(static_cast<size_t>(vd));   // F16 running sum of p * v
            for (int64_t item = b; item < e; ++item) {
                const int64_t t = item / hp.n_head;
                const int64_t h = item % hp.n_head;
                const int64_t kvh = h / group;
                const int64_t n_kv = pos + t + 1;
                const float* q = &m_q[size_t(t * hp.n_head * hd + h * hd)];
                for (int64_t i = 0; i < hd; ++i)
                    q16[size_t(i)] = round_f16(q[i]);
                std::fill(acc.begin(), acc.end(), uint16_t(0));
                float max = -INFINITY;   // running maximum of the scores
                float sum = 0.0f;        // running sum of exp(score - max)
                for (int64_t j = 0; j < n_kv; ++j) {
                    const uint16_t* k = K + j * kv_dim + kvh * hd;
                    float s = 0.0f;
                    for (int64_t i = 0; i < hd; ++i)
                        s += q16[size_t(i)] * fp16_to_fp32(k[i]);
                    s *= scale;
                    float rescale = 1.0f;   // applied to what was accumulated so far
                    float w = 1.0f;         // weight of this position
                    if (s > max) {
                        rescale = std::exp(max - s);
                        max = s;
                        for (auto& a : acc)
                            a = fp32_to_fp16(fp16_to_fp32(a) * rescale);
                    } else {
                        w = std::exp(s - max);
                    }
                    const uint16_t* v = V + j * v_dim + kvh * vd;
                    for (int64_t i = 0; i < vd; ++i)
                        acc[size_t(i)] = fp32_to_fp16(fp16_to_fp32(acc[size_t(i)]) + fp16_to_fp32(v[i]) * w);
                    sum = sum * rescale + w;
                }
                float* out = &m_att[size_t(t * hp.n_head * vd + h * vd)];
                const float inv = 1.0f / sum;
                for (int64_t i = 0; i < vd; ++i)
                    out[i] = fp16_to_fp32(acc[size_t(i)]) * inv;
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
