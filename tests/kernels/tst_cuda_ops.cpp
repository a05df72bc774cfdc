// The small ops of the transformer blocks run under the CUDA sim against the CPU reference
// (kernels/cpu/ops_ref.h, dequant_ref.h): RMSNorm (and gemma's post-block form), RoPE, SwiGLU,
// GeGLU, soft-capping, residual add, embedding lookup (scaled or not), dequantization to F16, argmax and softmax. Where
// the kernel evaluates the reference's float expression in the same order, the sim must agree exactly (the host
// compiler computes both); on a GPU expf/cosf/sinf may differ by an ulp, which these sim tests do not cover.
#include "tst_cuda_util.h"

#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/ops_ref.h"
#include "kernels/cuda/argmax.cuh"
#include "kernels/cuda/attention.cuh"
#include "kernels/cuda/dequant_f16.cuh"
#include "kernels/cuda/elementwise.cuh"
#include "kernels/cuda/embed.cuh"
#include "kernels/cuda/moe.cuh"
#include "kernels/cuda/rmsnorm.cuh"
#include "kernels/cuda/bias_add.cuh"
#include "kernels/cuda/rope.cuh"

#include <QTest>

#include <algorithm>
#include <numeric>

using namespace cuda_test;
using causerie::kernels::TensorType;

namespace {
const TensorType kTypes[] = {TensorType::F32,  TensorType::F16,    TensorType::BF16,  TensorType::Q4_0,
                             TensorType::Q4_1, TensorType::Q5_0,   TensorType::Q5_1,  TensorType::Q8_0,
                             TensorType::Q4_K, TensorType::Q5_K,   TensorType::Q6_K,  TensorType::Q2_K,
                             TensorType::Q3_K, TensorType::IQ4_NL, TensorType::IQ4_XS};
bool is_k(TensorType t) { return type_traits(uint32_t(t))->block_size == 256; }
}   // namespace

class TestCudaOps : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { CUDA_TEST_REQUIRE_DEVICE(); }
    void rmsnorm_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("n");
        QTest::newRow("1x64") << 1 << 64;
        QTest::newRow("3x100 (odd)") << 3 << 100;
        QTest::newRow("2x1000") << 2 << 1000;
        QTest::newRow("1x7 (fewer than a warp)") << 1 << 7;
    }
    // The reference sums squares in double, the kernel in float across 256 threads: the mean
    // differs by at most ~n * 2^-24 relative, the output by far less than 1e-5 relative.
    void rmsnorm()
    {
        QFETCH(int, rows);
        QFETCH(int, n);
        const auto x = random_floats(size_t(rows * n), 3, 2.0f);
        const auto w = random_floats(size_t(n), 4);
        std::vector<float> ref(x.size());
        for (int r = 0; r < rows; ++r)
            rmsnorm_ref(x.data() + r * n, w.data(), ref.data() + r * n, n, 1e-5f);
        DeviceBuffer dx(x), dw(w), dy(x.size() * 4);
        const auto st = gpu::rmsnorm(dx.as<float>(), dw.as<float>(), dy.as<float>(), rows, n, 1e-5f, nullptr);
        QVERIFY2(st.ok(), st.error.c_str());
        const auto y = dy.read<float>();
        for (size_t i = 0; i < y.size(); ++i)
            QVERIFY2(std::fabs(y[i] - ref[i]) <= 1e-5f * std::fabs(ref[i]) + 1e-7f,
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(y[i]).arg(ref[i])));
    }
    void rope_data()
    {
        QTest::addColumn<bool>("neox");   // NeoX pairs (x[i], x[i + n_rot/2]) for Qwen2/3, else (x[2i], x[2i+1])
        QTest::addColumn<int>("tokens");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("head_dim");
        QTest::addColumn<int>("n_rot");
        QTest::addColumn<int>("pos0");
        QTest::addColumn<bool>("factors");   // Llama 3.1 rope_freqs: each pair's angle divided by its factor
        for (bool neox : {false, true}) {
            const char* layout = neox ? "neox" : "normal";
            QTest::addRow("%s, 1 token, 4x16, pos 0", layout) << neox << 1 << 4 << 16 << 16 << 0 << false;
            QTest::addRow("%s, 3 tokens, 3x64, pos 5", layout) << neox << 3 << 3 << 64 << 64 << 5 << false;
            QTest::addRow("%s, 2 tokens, 2x128, partial n_rot 96, pos 1000", layout)
                << neox << 2 << 2 << 128 << 96 << 1000 << false;
            QTest::addRow("%s, 1 token, 1x10 (odd pairs), pos 31", layout) << neox << 1 << 1 << 10 << 10 << 31 << false;
            QTest::addRow("%s, 3 tokens, 2x128, factors, pos 700", layout)
                << neox << 3 << 2 << 128 << 128 << 700 << true;
            QTest::addRow("%s, 2 tokens, 2x64, partial n_rot 32, factors, pos 9", layout)
                << neox << 2 << 2 << 64 << 32 << 9 << true;
        }
    }
    // Each layout against its reference (rope_ref, rope_neox_ref): same angles, same expressions,
    // so exact under the sim.
    void rope()
    {
        QFETCH(bool, neox);
        QFETCH(int, tokens);
        QFETCH(int, heads);
        QFETCH(int, head_dim);
        QFETCH(int, n_rot);
        QFETCH(int, pos0);
        QFETCH(bool, factors);
        const uint32_t seed = neox ? 19 : 9;
        auto x = random_floats(size_t(tokens * heads * head_dim), seed);
        // Factors between 0.5 and 8, as Llama 3.1's (1 to 8) and beyond on both sides.
        std::vector<float> f;
        for (float r : random_floats(size_t(n_rot / 2), seed + 1))
            f.push_back(std::exp2(std::fmin(2.0f * std::fabs(r), 4.0f) - 1.0f));
        DeviceBuffer dx(x);
        DeviceBuffer df(factors ? f : std::vector<float>{1.0f});
        const float* dev_factors = factors ? df.as<float>() : nullptr;
        const auto gpu_rope = neox ? gpu::rope_neox : gpu::rope;
        const auto st =
            gpu_rope(dx.as<float>(), tokens, heads, head_dim, n_rot, pos0, 10000.0f, nullptr, nullptr, dev_factors);
        QVERIFY2(st.ok(), st.error.c_str());
        const auto before = x;
        const auto rope_host = neox ? rope_neox_ref : rope_ref;
        for (int t = 0; t < tokens; ++t)
            rope_host(x.data() + t * heads * head_dim, heads, head_dim, n_rot, pos0 + t, 10000.0f,
                      factors ? f.data() : nullptr, 1.0f, 1.0f);
        const auto got = dx.read<float>();
        for (size_t i = 0; i < x.size(); ++i)
            QVERIFY2(same_or_ulps(got[i], x[i]),
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(got[i]).arg(x[i])));
        if (pos0 + tokens > 1)
            QVERIFY(x != before);   // the comparison above is not between two unrotated copies
    }
    // One bias row added to every row (qwen2's Q/K/V biases), against add_ref row by row; and a bad
    // shape is an error, not a launch.
    void biasAdd()
    {
        const int rows = 5, n = 300;
        auto y = random_floats(size_t(rows * n), 21);
        const auto b = random_floats(size_t(n), 22);
        DeviceBuffer dy(y);
        DeviceBuffer db(b);
        const auto st = gpu::bias_add(dy.as<float>(), db.as<float>(), rows, n, nullptr);
        QVERIFY2(st.ok(), st.error.c_str());
        for (int r = 0; r < rows; ++r)
            add_ref(y.data() + r * n, b.data(), n);
        QCOMPARE(dy.read<float>(), y);
        QVERIFY(!gpu::bias_add(dy.as<float>(), db.as<float>(), 0, n, nullptr).ok());
    }
    void ropeStoreKvMatchesSeparateKernels_data()
    {
        QTest::addColumn<bool>("neox");
        QTest::addColumn<int>("n_rot");
        QTest::addColumn<bool>("from_device");
        QTest::addColumn<bool>("factors");
        QTest::newRow("normal, full rotation") << false << 32 << false << false;
        QTest::newRow("normal, partial rotation, position on the device") << false << 16 << true << false;
        QTest::newRow("neox, factors, position on the device") << true << 32 << true << true;
    }
    // The fused decode step (RoPE of Q and K, K and V into the F16 cache) writes exactly what rope /
    // rope_neox then store_kv_f16 write: the same queries, the same cache bytes, other rows untouched.
    void ropeStoreKvMatchesSeparateKernels()
    {
        QFETCH(bool, neox);
        QFETCH(int, n_rot);
        QFETCH(bool, from_device);
        QFETCH(bool, factors);
        const gpu::RopeKvShape sh{6, 2, 32, 24, n_rot, neox};
        const int64_t tokens = 3, pos0 = 5, n_ctx = 12, kv_dim = 2 * 32, v_dim = 2 * 24;
        const auto q = random_floats(size_t(tokens * 6 * 32), 81);
        const auto k = random_floats(size_t(tokens * kv_dim), 82);
        const auto v = random_floats(size_t(tokens * v_dim), 83);
        std::vector<float> f;
        for (float r : random_floats(size_t(n_rot / 2), 84))
            f.push_back(1.0f + std::fabs(r));
        const std::vector<uint16_t> k0(size_t(n_ctx * kv_dim), 0x1234), v0(size_t(n_ctx * v_dim), 0x4321);
        const std::vector<int64_t> pos{pos0};
        DeviceBuffer df(f), dpos(pos);
        const float* dev_factors = factors ? df.as<float>() : nullptr;
        const int64_t* pos_dev = from_device ? dpos.as<int64_t>() : nullptr;
        // Separate kernels.
        DeviceBuffer q1(q), k1(k), v1(v), kc1(k0), vc1(v0);
        const auto gpu_rope = neox ? gpu::rope_neox : gpu::rope;
        QVERIFY(gpu_rope(q1.as<float>(), tokens, 6, 32, n_rot, pos0, 10000.0f, nullptr, pos_dev, dev_factors).ok());
        QVERIFY(gpu_rope(k1.as<float>(), tokens, 2, 32, n_rot, pos0, 10000.0f, nullptr, pos_dev, dev_factors).ok());
        QVERIFY(gpu::store_kv_f16(k1.as<float>(), kc1.as<uint16_t>(), tokens, kv_dim, pos0, nullptr, nullptr).ok());
        QVERIFY(gpu::store_kv_f16(v1.as<float>(), vc1.as<uint16_t>(), tokens, v_dim, pos0, nullptr, nullptr).ok());
        // Fused, positions past the rows it writes left as they were.
        DeviceBuffer q2(q), k2(k), v2(v), kc2(k0), vc2(v0);
        const auto st =
            gpu::rope_store_kv(q2.as<float>(), k2.as<float>(), v2.as<float>(), tokens, sh, from_device ? 0 : pos0,
                               10000.0f, kc2.as<uint16_t>(), vc2.as<uint16_t>(), nullptr, pos_dev, dev_factors);
        QVERIFY2(st.ok(), st.error.c_str());
        QCOMPARE(q2.read<float>(), q1.read<float>());
        QCOMPARE(kc2.read<uint16_t>(), kc1.read<uint16_t>());
        QCOMPARE(vc2.read<uint16_t>(), vc1.read<uint16_t>());
        QVERIFY(kc2.read<uint16_t>() != k0);
        QCOMPARE(k2.read<float>(), k);   // the keys' F32 rows are read, not rotated in place
        const gpu::RopeKvShape odd{6, 2, 32, 24, 33, neox};
        QVERIFY(!gpu::rope_store_kv(q2.as<float>(), k2.as<float>(), v2.as<float>(), tokens, odd, pos0, 10000.0f,
                                    kc2.as<uint16_t>(), vc2.as<uint16_t>(), nullptr)
                     .ok());
    }
    void swigluAndAdd_data()
    {
        QTest::addColumn<int>("n");
        QTest::newRow("1") << 1;
        QTest::newRow("255") << 255;
        QTest::newRow("1000") << 1000;
    }
    void swigluAndAdd()
    {
        QFETCH(int, n);
        const auto g = random_floats(size_t(n), 1, 3.0f);
        const auto u = random_floats(size_t(n), 2);
        std::vector<float> ref(static_cast<size_t>(n));
        swiglu_ref(g.data(), u.data(), ref.data(), n);
        DeviceBuffer dg(g), du(u), dout(size_t(n) * 4);
        QVERIFY(gpu::swiglu(dg.as<float>(), du.as<float>(), dout.as<float>(), n, nullptr).ok());
        const auto out = dout.read<float>();
        for (size_t i = 0; i < ref.size(); ++i)
            QVERIFY2(same_or_ulps(out[i], ref[i]),
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(out[i]).arg(ref[i])));
        // In place (out == gate), as the backend uses it: the same values.
        QVERIFY(gpu::swiglu(dg.as<float>(), du.as<float>(), dg.as<float>(), n, nullptr).ok());
        QCOMPARE(dg.read<float>(), out);

        std::vector<float> sum = g;
        add_ref(sum.data(), u.data(), n);
        DeviceBuffer dy(g);
        QVERIFY(gpu::add_inplace(dy.as<float>(), du.as<float>(), n, nullptr).ok());
        QCOMPARE(dy.read<float>(), sum);
    }
    // GeGLU (gemma) against geglu_ref: the same F16 round trips, so exact under the sim; inputs
    // past +-10 take the reference's shortcuts.
    void gegluAndSoftcap()
    {
        const int n = 1000;
        auto g = random_floats(size_t(n), 41, 6.0f);
        g[0] = -12.0f, g[1] = 11.0f, g[2] = -10.0f, g[3] = 10.0f, g[4] = 0.0f;
        const auto u = random_floats(size_t(n), 42);
        std::vector<float> ref(static_cast<size_t>(n));
        geglu_ref(g.data(), u.data(), ref.data(), n);
        DeviceBuffer dg(g), du(u);
        QVERIFY(gpu::geglu(dg.as<float>(), du.as<float>(), dg.as<float>(), n, nullptr).ok());   // in place
        const auto out = dg.read<float>();
        for (size_t i = 0; i < ref.size(); ++i)
            QVERIFY2(same_or_ulps(out[i], ref[i]),
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(out[i]).arg(ref[i])));
        QCOMPARE(out[0], 0.0f);
        QCOMPARE(out[1], 11.0f * u[1]);

        // Soft-capping at 30 (gemma2's final logits): logits of +-100 squashed below the cap.
        auto x = random_floats(size_t(n), 43, 40.0f);
        x[0] = 100.0f, x[1] = -100.0f;
        std::vector<float> capped = x;
        softcap_ref(capped.data(), n, 30.0f);
        DeviceBuffer dx(x);
        QVERIFY(gpu::softcap(dx.as<float>(), n, 30.0f, nullptr).ok());
        const auto y = dx.read<float>();
        for (size_t i = 0; i < y.size(); ++i)
            QVERIFY2(same_or_ulps(y[i], capped[i]),
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(y[i]).arg(capped[i])));
        QVERIFY(y[0] < 30.0f && y[0] > 29.0f && y[1] > -30.0f);
        const auto bad = gpu::softcap(dx.as<float>(), n, 0.0f, nullptr);
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error.find("the cap must be positive") != std::string::npos, bad.error.c_str());
    }
    // x += rmsnorm(y) * w (gemma's post-block norms) against rmsnorm_ref then add_ref, with
    // rmsnorm's tolerance (the sum of squares in float-float, the reference's in double).
    void rmsnormAdd()
    {
        const int rows = 3, n = 320;
        const auto y = random_floats(size_t(rows * n), 44, 3.0f);
        const auto w = random_floats(size_t(n), 45);
        auto x = random_floats(size_t(rows * n), 46);
        DeviceBuffer dy(y), dw(w), dx(x);
        const auto st = gpu::rmsnorm_add(dy.as<float>(), dw.as<float>(), dx.as<float>(), rows, n, 1e-6f, nullptr);
        QVERIFY2(st.ok(), st.error.c_str());
        std::vector<float> normed(static_cast<size_t>(n));
        for (int r = 0; r < rows; ++r) {
            rmsnorm_ref(y.data() + r * n, w.data(), normed.data(), n, 1e-6f);
            add_ref(x.data() + r * n, normed.data(), n);
        }
        const auto got = dx.read<float>();
        for (size_t i = 0; i < got.size(); ++i)
            QVERIFY2(std::fabs(got[i] - x[i]) <= 1e-5f * std::fabs(x[i]) + 1e-6f,
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(got[i]).arg(x[i])));
        QVERIFY(!gpu::rmsnorm_add(dy.as<float>(), dw.as<float>(), dx.as<float>(), 0, n, 1e-6f, nullptr).ok());
    }
    // The fused RoPE + KV store with phi3's and gemma's extras (a linear frequency scale, LongRoPE's
    // cos/sin scale, queries scaled after the rotation, a partial rotation) against rope_neox_ref
    // then the query scale, as the CPU layer does them.
    void ropeStoreKvScales()
    {
        gpu::RopeKvShape sh{4, 2, 32, 32, 24, true};
        sh.freq_scale = 0.125f;
        sh.mscale = 1.19f;
        sh.q_scale = 0.17677669f;
        const int64_t tokens = 2, pos0 = 7, n_ctx = 10, kv_dim = 64;
        const auto q = random_floats(size_t(tokens * 4 * 32), 47);
        const auto k = random_floats(size_t(tokens * kv_dim), 48);
        const auto v = random_floats(size_t(tokens * kv_dim), 49);
        std::vector<float> f;
        for (float r : random_floats(12, 50))
            f.push_back(1.0f + std::fabs(r));
        DeviceBuffer dq(q), dk(k), dv(v), df(f), kc(size_t(n_ctx * kv_dim) * 2), vc(size_t(n_ctx * kv_dim) * 2);
        const auto st = gpu::rope_store_kv(dq.as<float>(), dk.as<float>(), dv.as<float>(), tokens, sh, pos0, 500.0f,
                                           kc.ptr, vc.ptr, nullptr, nullptr, df.as<float>());
        QVERIFY2(st.ok(), st.error.c_str());
        std::vector<float> rq = q, rk = k;
        for (int64_t t = 0; t < tokens; ++t) {
            rope_neox_ref(&rq[size_t(t * 128)], 4, 32, 24, pos0 + t, 500.0f, f.data(), sh.mscale, sh.freq_scale);
            rope_neox_ref(&rk[size_t(t * kv_dim)], 2, 32, 24, pos0 + t, 500.0f, f.data(), sh.mscale, sh.freq_scale);
        }
        for (float& e : rq)
            e *= sh.q_scale;
        const auto got_q = dq.read<float>();
        for (size_t i = 0; i < rq.size(); ++i)
            QVERIFY2(same_or_ulps(got_q[i], rq[i]),
                     qPrintable(QStringLiteral("q %1: %2 vs %3").arg(i).arg(got_q[i]).arg(rq[i])));
        const auto got_k = kc.read<uint16_t>();
        for (int64_t i = 0; i < tokens * kv_dim; ++i)   // the rotated keys rounded to F16 (an ulp apart at most)
            QVERIFY2(std::abs(int(got_k[size_t(pos0 * kv_dim + i)]) - int(fp32_to_fp16(rk[size_t(i)]))) <= 1,
                     qPrintable(QStringLiteral("k %1: %2 vs %3")
                                    .arg(i)
                                    .arg(got_k[size_t(pos0 * kv_dim + i)])
                                    .arg(fp32_to_fp16(rk[size_t(i)]))));
    }
    // Routing as CpuLayer::experts_block does it, written out here: softmax (double sum), the k
    // largest (ties: the lower expert), renormalized or not; then the gather of the chosen
    // experts' bytes and the weighted sum in slot order.
    void moeRouteGatherCombine()
    {
        const int64_t n = 3, n_exp = 6, k = 2;
        auto logits = random_floats(size_t(n * n_exp), 51, 2.0f);
        logits[size_t(1 * n_exp + 2)] = 90.0f, logits[size_t(1 * n_exp + 4)] = 90.0f;   // a tie at the top: 2 first
        for (bool normalize : {true, false}) {
            DeviceBuffer dl(logits), dids(size_t(n * k) * 4), dw(size_t(n * k) * 4);
            const auto st =
                gpu::moe_route(dl.as<float>(), n, n_exp, k, normalize, dids.as<int32_t>(), dw.as<float>(), nullptr);
            QVERIFY2(st.ok(), st.error.c_str());
            const auto ids = dids.read<int32_t>();
            const auto w = dw.read<float>();
            for (int64_t t = 0; t < n; ++t) {
                std::vector<float> p(logits.begin() + t * n_exp, logits.begin() + (t + 1) * n_exp);
                const float top = *std::max_element(p.begin(), p.end());
                double sum = 0;
                for (float& e : p) {
                    e = std::exp(e - top);
                    sum += double(e);
                }
                const float inv = float(1.0 / sum);
                for (float& e : p)
                    e *= inv;
                std::vector<int32_t> order(static_cast<size_t>(n_exp));
                std::iota(order.begin(), order.end(), 0);
                std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return p[a] > p[b]; });
                const float norm = std::max(float(double(p[order[0]]) + double(p[order[1]])), 6.103515625e-5f);
                for (int64_t i = 0; i < k; ++i) {
                    QCOMPARE(ids[size_t(t * k + i)], order[size_t(i)]);
                    const float want = normalize ? p[order[size_t(i)]] / norm : p[order[size_t(i)]];
                    QVERIFY(same_or_ulps(w[size_t(t * k + i)], want));
                }
            }
            QCOMPARE(ids[2], 2);   // the tie
            QCOMPARE(ids[3], 4);
        }
        QVERIFY(!gpu::moe_route(nullptr, 1, 4, 5, true, nullptr, nullptr, nullptr).ok());   // k > n_expert

        // Gather: slots 0 and 1 get experts 3 and 1 (6 bytes each: the byte-wise copy, and 8: words).
        for (size_t bytes : {size_t(6), size_t(8)}) {
            std::vector<uint8_t> experts(4 * bytes);
            for (size_t i = 0; i < experts.size(); ++i)
                experts[i] = uint8_t(i * 7 + 1);
            const std::vector<int32_t> chosen = {3, 1};
            DeviceBuffer de(experts), dc(chosen), slots(2 * bytes);
            QVERIFY(gpu::moe_gather(de.ptr, bytes, 4, dc.as<int32_t>(), 2, slots.ptr, nullptr).ok());
            std::vector<uint8_t> want(experts.begin() + std::ptrdiff_t(3 * bytes),
                                      experts.begin() + std::ptrdiff_t(4 * bytes));
            want.insert(want.end(), experts.begin() + std::ptrdiff_t(bytes),
                        experts.begin() + std::ptrdiff_t(2 * bytes));
            QCOMPARE(slots.read<uint8_t>(), want);
        }

        // Combine: x += (y0 * w0 + y1 * w1), in that order.
        const int64_t d = 300;
        const auto y = random_floats(size_t(2 * d), 52);
        auto x = random_floats(size_t(d), 53);
        const std::vector<float> wts = {0.7f, 0.3f};
        DeviceBuffer dy(y), dx(x), dwts(wts);
        QVERIFY(gpu::moe_combine(dy.as<float>(), dwts.as<float>(), 2, d, dx.as<float>(), nullptr).ok());
        for (int64_t j = 0; j < d; ++j) {
            float o = y[size_t(j)] * wts[0];
            o += y[size_t(d + j)] * wts[1];
            x[size_t(j)] += o;
        }
        QCOMPARE(dx.read<float>(), x);
    }
    void embedRows_data()
    {
        QTest::addColumn<int>("type");
        for (TensorType t : kTypes)
            QTest::newRow(type_traits(uint32_t(t))->name) << int(t);
    }
    // Rows are dequantized with the reference's float expressions: exact.
    void embedRows()
    {
        QFETCH(int, type);
        const auto t = TensorType(type);
        const int64_t n_embd = is_k(t) ? 512 : 96, n_vocab = 11;
        const auto table = quantized_matrix(t, n_vocab, n_embd, 21);
        const size_t rb = row_bytes(t, n_embd);
        const std::vector<int32_t> ids = {3, 0, 10, 3, 7};
        std::vector<float> ref(ids.size() * size_t(n_embd));
        for (size_t i = 0; i < ids.size(); ++i)
            dequantize_row_ref(t, table.data() + size_t(ids[i]) * rb, ref.data() + i * size_t(n_embd), n_embd);
        DeviceBuffer dt(table), di(ids), dout(ref.size() * 4);
        const auto st =
            gpu::embed_rows(t, dt.ptr, rb, di.as<int32_t>(), int64_t(ids.size()), n_embd, dout.as<float>(), nullptr);
        QVERIFY2(st.ok(), st.error.c_str());
        QCOMPARE(dout.read<float>(), ref);
        // Scaled (gemma's sqrt(n_embd)): each value times the scale, as the CPU backend does it.
        const float scale = std::sqrt(float(n_embd));
        for (float& e : ref)
            e *= scale;
        QVERIFY(gpu::embed_rows(t, dt.ptr, rb, di.as<int32_t>(), int64_t(ids.size()), n_embd, dout.as<float>(), nullptr,
                                scale)
                    .ok());
        QCOMPARE(dout.read<float>(), ref);
    }
    void dequantizeToF16_data() { embedRows_data(); }
    void dequantizeToF16()
    {
        QFETCH(int, type);
        const auto t = TensorType(type);
        const int64_t rows = 5, cols = is_k(t) ? 768 : 288;
        const auto w = quantized_matrix(t, rows, cols, 31);
        const size_t rb = row_bytes(t, cols);
        std::vector<uint16_t> ref(size_t(rows * cols));
        std::vector<float> row(static_cast<size_t>(cols));
        for (int64_t r = 0; r < rows; ++r) {
            dequantize_row_ref(t, w.data() + size_t(r) * rb, row.data(), cols);
            for (int64_t i = 0; i < cols; ++i)
                ref[size_t(r * cols + i)] = fp32_to_fp16(row[size_t(i)]);
        }
        DeviceBuffer dw(w), dout(ref.size() * 2);
        const auto st = gpu::dequantize_to_f16(t, dw.ptr, rb, rows, cols, dout.as<uint16_t>(), nullptr);
        QVERIFY2(st.ok(), st.error.c_str());
        QCOMPARE(dout.read<uint16_t>(), ref);
    }
    void argmaxRows()
    {
        const int64_t n = 1000;
        std::vector<float> x = random_floats(size_t(4 * n), 5);
        x[size_t(0 * n + 999)] = 50.0f;                                  // last element
        x[size_t(1 * n + 17)] = 60.0f, x[size_t(1 * n + 900)] = 60.0f;   // tie: first wins
        x[size_t(2 * n + 0)] = NAN, x[size_t(2 * n + 500)] = 70.0f;      // NaN never wins
        for (int64_t i = 0; i < n; ++i)
            x[size_t(3 * n + i)] = -INFINITY;   // nothing finite: 0
        DeviceBuffer dx(x), dout(4 * sizeof(int32_t));
        QVERIFY(gpu::argmax_rows(dx.as<float>(), 4, n, dout.as<int32_t>(), nullptr).ok());
        QCOMPARE(dout.read<int32_t>(), (std::vector<int32_t>{999, 17, 500, 0}));
    }
    // softmax_ref sums in double, the kernel in float: probabilities agree to 1e-6 relative.
    void softmaxRows()
    {
        const int64_t n = 777;
        std::vector<float> x = random_floats(size_t(2 * n), 8, 4.0f);
        x[5] = -INFINITY;
        std::vector<float> ref = x;
        softmax_ref(ref.data(), n);
        softmax_ref(ref.data() + n, n);
        DeviceBuffer dx(x);
        QVERIFY(gpu::softmax_rows(dx.as<float>(), 2, n, nullptr).ok());
        const auto y = dx.read<float>();
        QCOMPARE(y[5], 0.0f);
        for (size_t i = 0; i < y.size(); ++i)
            QVERIFY2(std::fabs(y[i] - ref[i]) <= 1e-6f * ref[i] + 1e-12f,
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(y[i]).arg(ref[i])));
    }
};

QTEST_GUILESS_MAIN(TestCudaOps)
#include "tst_cuda_ops.moc"
