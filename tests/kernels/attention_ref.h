#pragma once
// References for the CUDA attention tests: the CPU backend's own scalar attention (the
// arithmetic the exact kernels reproduce) and softmax(q.k / sqrt(hd)) . v in double.
// Layouts: q (n_tokens, n_head, hd) floats; K (positions, n_head_kv, hd) and V (positions,
// n_head_kv, vd) F16; out (n_tokens, n_head, vd). Token t sees positions [first(t), pos0 + t],
// first(t) = max(0, pos0 + t + 1 - window) with a window, else 0; scores scale * q.k (scale 0:
// 1/sqrt(hd)), or softcap * tanh(q.k * scale / softcap) with a softcap (the GPU AttentionShape's
// fields, kernels/cuda/attention.cuh).
#include "tst_cuda_util.h"

#include "kernels/cpu/attention_cpu.h"
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cuda/attention.cuh"
#if defined(CAUSERIE_CUDA_SIM)
#include "kernels/cuda/sim/sim_runtime.h"
#endif

#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace cuda_test {

struct AttentionCase {
    int64_t n_head, n_head_kv, hd, vd, n_tokens, pos0;
    float scale = 0.0f;
    float softcap = 0.0f;
    int64_t window = 0;
    float scale_or_default() const { return scale != 0.0f ? scale : 1.0f / std::sqrt(float(hd)); }
    int64_t first(int64_t t) const { return window > 0 ? std::max<int64_t>(0, pos0 + t + 1 - window) : 0; }
};

// The GPU kernels' shape of a case.
inline causerie::kernels::gpu::AttentionShape gpu_shape(const AttentionCase& c)
{
    causerie::kernels::gpu::AttentionShape sh{c.n_head, c.n_head_kv, c.hd, c.vd};
    sh.scale = c.scale;
    sh.softcap = c.softcap;
    sh.window = c.window;
    return sh;
}

// The CPU kernels' shape of a case (strides in elements of an F16 cache, or bytes of a Q8_0 one).
inline causerie::kernels::AttentionShape cpu_shape(const AttentionCase& c, int64_t k_stride, int64_t v_stride)
{
    causerie::kernels::AttentionShape sh{c.hd, c.vd, k_stride, v_stride, c.scale_or_default()};
    sh.softcap = c.softcap;
    return sh;
}

// The columns of the score options (scale, softcap, window) and the case of a row with them.
inline void add_score_columns()
{
    QTest::addColumn<float>("scale");
    QTest::addColumn<float>("softcap");
    QTest::addColumn<int>("window");
}

inline void fetch_score_options(AttentionCase& c)
{
    QFETCH(float, scale);
    QFETCH(float, softcap);
    QFETCH(int, window);
    c.scale = scale;
    c.softcap = softcap;
    c.window = window;
}

// The columns of the kernels' shape tables (one row: one case and the sim's block schedule),
// and the case of the current row.
inline void add_attention_columns()
{
    for (const char* column : {"n_head", "n_head_kv", "hd", "vd", "n_tokens", "pos0"})
        QTest::addColumn<int>(column);
    QTest::addColumn<bool>("reverse");
}

inline AttentionCase fetch_attention_case()
{
    QFETCH(int, n_head);
    QFETCH(int, n_head_kv);
    QFETCH(int, hd);
    QFETCH(int, vd);
    QFETCH(int, n_tokens);
    QFETCH(int, pos0);
    return {n_head, n_head_kv, hd, vd, n_tokens, pos0};
}

// Blocks run in reverse order under the sim (a GPU's order is its own).
inline void set_sim_schedule(bool reverse)
{
#if defined(CAUSERIE_CUDA_SIM)
    causerie::cuda_sim::set_schedule(reverse ? causerie::cuda_sim::Schedule::Reverse
                                             : causerie::cuda_sim::Schedule::Forward);
#else
    Q_UNUSED(reverse);
#endif
}

// Random inputs of a case, from seeds seed, seed + 1 and seed + 2: q (floats), K and V (F16),
// and the largest |v| the tolerances are relative to.
struct AttentionInputs {
    std::vector<float> q;
    std::vector<uint16_t> K, V;
    double vmax = 0;
};

inline AttentionInputs random_attention_inputs(const AttentionCase& c, uint32_t seed)
{
    const int64_t n_ctx = c.pos0 + c.n_tokens;
    AttentionInputs in;
    in.q = random_floats(size_t(c.n_tokens * c.n_head * c.hd), seed, 1.0f);
    const auto kf = random_floats(size_t(n_ctx * c.n_head_kv * c.hd), seed + 1, 1.0f);
    const auto vf = random_floats(size_t(n_ctx * c.n_head_kv * c.vd), seed + 2, 1.0f);
    in.K.resize(kf.size());
    in.V.resize(vf.size());
    std::transform(kf.begin(), kf.end(), in.K.begin(), causerie::kernels::fp32_to_fp16);
    std::transform(vf.begin(), vf.end(), in.V.begin(), causerie::kernels::fp32_to_fp16);
    for (float v : vf)
        in.vmax = std::max(in.vmax, double(std::fabs(v)));
    return in;
}

inline float round_f16(float x) { return causerie::kernels::fp16_to_fp32(causerie::kernels::fp32_to_fp16(x)); }

// The CPU backend's attention (F16 query, running max, F16 V accumulator), scalar path.
inline std::vector<float> cpu_attention(const AttentionCase& c, const std::vector<float>& q,
                                        const std::vector<uint16_t>& K, const std::vector<uint16_t>& V)
{
    std::vector<float> out(static_cast<size_t>(c.n_tokens * c.n_head * c.vd));
    const int64_t group = c.n_head / c.n_head_kv;
    const auto sh = cpu_shape(c, c.n_head_kv * c.hd, c.n_head_kv * c.vd);
    std::vector<float> scratch(static_cast<size_t>(causerie::kernels::attention_scratch_floats(sh)));
    for (int64_t t = 0; t < c.n_tokens; ++t)
        for (int64_t h = 0; h < c.n_head; ++h) {
            const int64_t kvh = h / group, first = c.first(t);
            causerie::kernels::attention_head_scalar(
                sh, &q[size_t((t * c.n_head + h) * c.hd)], K.data() + first * sh.k_stride + kvh * c.hd,
                V.data() + first * sh.v_stride + kvh * c.vd, c.pos0 + t + 1 - first,
                &out[size_t((t * c.n_head + h) * c.vd)], scratch.data());
        }
    return out;
}

// In double, from the same F16 cache; round_q: the query rounded to F16 first (as the kernels
// that multiply in F16 do), else used as given.
inline std::vector<double> exact_attention(const AttentionCase& c, const std::vector<float>& q,
                                           const std::vector<uint16_t>& K, const std::vector<uint16_t>& V, bool round_q)
{
    using causerie::kernels::fp16_to_fp32;
    std::vector<double> out(static_cast<size_t>(c.n_tokens * c.n_head * c.vd));
    const int64_t group = c.n_head / c.n_head_kv, kv_dim = c.n_head_kv * c.hd, v_dim = c.n_head_kv * c.vd;
    for (int64_t t = 0; t < c.n_tokens; ++t)
        for (int64_t h = 0; h < c.n_head; ++h) {
            const int64_t kvh = h / group, n_kv = c.pos0 + t + 1, first = c.first(t);
            std::vector<double> p(static_cast<size_t>(n_kv), -INFINITY);
            for (int64_t j = first; j < n_kv; ++j) {
                double s = 0;
                for (int64_t i = 0; i < c.hd; ++i) {
                    const float qi = q[size_t((t * c.n_head + h) * c.hd + i)];
                    s += double(round_q ? round_f16(qi) : qi) * fp16_to_fp32(K[size_t(j * kv_dim + kvh * c.hd + i)]);
                }
                const double scale = c.scale != 0.0f ? double(c.scale) : 1.0 / std::sqrt(double(c.hd));
                p[size_t(j)] = c.softcap != 0.0f ? c.softcap * std::tanh(s * scale / c.softcap) : s * scale;
            }
            const double m = *std::max_element(p.begin(), p.end());
            double z = 0;
            for (auto& x : p)
                z += (x = std::exp(x - m));
            for (int64_t i = 0; i < c.vd; ++i) {
                double a = 0;
                for (int64_t j = 0; j < n_kv; ++j)
                    a += p[size_t(j)] * fp16_to_fp32(V[size_t(j * v_dim + kvh * c.vd + i)]);
                out[size_t((t * c.n_head + h) * c.vd + i)] = a / z;
            }
        }
    return out;
}

}   // namespace cuda_test
