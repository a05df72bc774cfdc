// The tiled prefill attention kernel (attention_prefill.cu) under the CUDA sim, against
// (1) attention in double over the same F16 cache with Q rounded to F16 as the kernel does:
//     only float rounding separates them, and
// (2) the CPU backend's attention (kernels/cpu attention_head_scalar, F16 V accumulator):
//     what the backend's logits are compared with.
// Shapes cover GQA, odd prompt lengths that leave a partial query tile and a partial key tile,
// a cache prefix (prefill continuing a conversation), head_dim != value_dim, both schedules.
#include "attention_ref.h"
#include "tst_cuda_util.h"

#include "kernels/cpu/attention_cpu.h"
#include "kernels/cuda/attention_prefill.cuh"

#include <QTest>

#include <algorithm>

using namespace cuda_test;

namespace {
using Case = AttentionCase;
}   // namespace

class TestCudaPrefillAttention : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { CUDA_TEST_REQUIRE_DEVICE(); }
    void matchesReference_data();
    void matchesReference();
    void rejectsBadShapes();
};

void TestCudaPrefillAttention::matchesReference_data()
{
    add_attention_columns();
    add_score_columns();
    QTest::newRow("one token, empty cache") << 2 << 2 << 16 << 16 << 1 << 0 << false << 0.0f << 0.0f << 0;
    QTest::newRow("16 tokens: one full query tile") << 2 << 1 << 32 << 32 << 16 << 0 << false << 0.0f << 0.0f << 0;
    QTest::newRow("37 tokens: partial query and key tiles, GQA 4:1")
        << 4 << 1 << 32 << 32 << 37 << 0 << false << 0.0f << 0.0f << 0;
    QTest::newRow("21 tokens after a cache of 50") << 4 << 2 << 16 << 16 << 21 << 50 << false << 0.0f << 0.0f << 0;
    QTest::newRow("head_dim 128 (Mistral), 9 tokens after 31")
        << 2 << 1 << 128 << 128 << 9 << 31 << false << 0.0f << 0.0f << 0;
    QTest::newRow("head_dim 64, value_dim 40, odd") << 3 << 3 << 64 << 40 << 19 << 7 << false << 0.0f << 0.0f << 0;
    QTest::newRow("value_dim 256 (every output slot of a thread)")
        << 1 << 1 << 16 << 256 << 17 << 3 << false << 0.0f << 0.0f << 0;
    QTest::newRow("reverse schedule") << 4 << 2 << 32 << 32 << 23 << 40 << true << 0.0f << 0.0f << 0;
    // Sliding windows whose start falls inside a key tile of 32 and moves from query to query of
    // a query tile (window 20 < 16 queries + 32 keys); a window starting past the first key tile
    // (the loop skips whole tiles); softcap over large scores; Gemma-like scale.
    QTest::newRow("window 20, 40 tokens (start inside key tiles)")
        << 4 << 2 << 32 << 32 << 40 << 0 << false << 0.0f << 0.0f << 20;
    QTest::newRow("window 45, 21 tokens after 100, reverse")
        << 4 << 1 << 64 << 64 << 21 << 100 << true << 0.0f << 0.0f << 45;
    QTest::newRow("window 1") << 2 << 2 << 16 << 16 << 9 << 3 << false << 0.0f << 0.0f << 1;
    QTest::newRow("softcap 10 over large scores (scale 5)")
        << 4 << 2 << 64 << 64 << 19 << 30 << false << 5.0f << 10.0f << 0;
    QTest::newRow("scale 1/12, softcap 50, window 33, value_dim 40")
        << 3 << 1 << 64 << 40 << 19 << 50 << false << 0.083333f << 50.0f << 33;
}

// Every shape runs twice: F32 FMAs, and (when head_dim and value_dim are multiples of 16) the
// tensor-core kernel through wmma (the sim's own wmma here, nvcuda::wmma on a GPU).
// Tolerances, relative to the largest |v| in the cache:
// - FMA kernel against the double result, 2e-5: float scores (hd products, ~hd * 2^-24
//   relative), float exp, float weighted sums of up to ~70 positions; measured at most 3e-7.
// - tensor-core kernel against the double result, 1e-3: the softmax weights are rounded to F16
//   for the P.V product (2^-11 relative each; numerator and denominator use the same rounded
//   weights, so the output moves by at most ~2 * 2^-11 of |v|); measured at most 6e-5.
// - against the CPU backend, 1e-2: its V accumulator is rounded to F16 at every position
//   (2^-11 relative per step), the same bound tst_cuda_attention holds the exact kernel to
//   against the double result; measured at most 7e-4.
void TestCudaPrefillAttention::matchesReference()
{
    Case c = fetch_attention_case();
    fetch_score_options(c);
    QFETCH(bool, reverse);
    const auto [q, K, V, vmax] = random_attention_inputs(c, 11);
    const auto exact = exact_attention(c, q, K, V, true);
    const auto cpu = cpu_attention(c, q, K, V);

    // Output poisoned with NaN: every element must be written.
    DeviceBuffer dq(q), dk(K), dv(V), dout(std::vector<float>(exact.size(), NAN));
    set_sim_schedule(reverse);
    const gpu::AttentionShape shape = gpu_shape(c);
    const bool tc = gpu::attention_prefill_uses_tensor_cores(shape);
    QCOMPARE(tc, c.hd % 16 == 0 && c.vd % 16 == 0);
    for (auto math : {gpu::PrefillMath::Fma, gpu::PrefillMath::Auto}) {
        if (math == gpu::PrefillMath::Auto && !tc)
            continue;   // Auto is the FMA kernel again for this shape
        (void)gpu::copy_to_device(dout.ptr, std::vector<float>(exact.size(), NAN).data(), dout.bytes, nullptr);
        const auto st = gpu::attention_prefill(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dout.as<float>(),
                                               c.n_tokens, c.pos0, shape, nullptr, math);
        QVERIFY2(st.ok(), st.error.c_str());
        const auto out = dout.read<float>();
        double worst_exact = 0, worst_cpu = 0;
        for (size_t i = 0; i < out.size(); ++i) {
            QVERIFY2(std::isfinite(out[i]), qPrintable(QStringLiteral("element %1 not written or not finite").arg(i)));
            worst_exact = std::max(worst_exact, std::fabs(out[i] - exact[i]));
            worst_cpu = std::max(worst_cpu, std::fabs(double(out[i]) - double(cpu[i])));
        }
        const bool on_tc = math == gpu::PrefillMath::Auto;
        qInfo("%s: max |gpu - double| %.3g, max |gpu - cpu| %.3g, max |v| %.3g", on_tc ? "tensor cores" : "FMA",
              worst_exact, worst_cpu, vmax);
        QVERIFY2(worst_exact <= (on_tc ? 1e-3 : 2e-5) * vmax,
                 qPrintable(QStringLiteral("vs double: %1").arg(worst_exact)));
        QVERIFY2(worst_cpu <= 1e-2 * vmax, qPrintable(QStringLiteral("vs CPU: %1").arg(worst_cpu)));
    }
    set_sim_schedule(false);
}

void TestCudaPrefillAttention::rejectsBadShapes()
{
    DeviceBuffer buf(1024);
    auto st = gpu::attention_prefill(buf.as<float>(), buf.as<uint16_t>(), buf.as<uint16_t>(), buf.as<float>(), 1, 0,
                                     {3, 2, 16, 16}, nullptr);   // 3 heads cannot share 2 KV heads
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("n_head 3") != std::string::npos, st.error.c_str());
    QVERIFY(!gpu::attention_prefill_supports({2, 2, 512, 64}));    // head_dim above 256
    QVERIFY(!gpu::attention_prefill_supports({2, 2, 256, 256}));   // 50 KiB of shared memory: over 48 KiB
    QVERIFY(gpu::attention_prefill_supports({32, 8, 128, 128}));   // Mistral 7B
    st = gpu::attention_prefill(buf.as<float>(), buf.as<uint16_t>(), buf.as<uint16_t>(), buf.as<float>(), 0, 0,
                                {2, 2, 16, 16}, nullptr);
    QVERIFY(!st.ok());
    gpu::AttentionShape negative{2, 2, 16, 16};
    negative.window = -3;
    QVERIFY(!gpu::attention_prefill_supports(negative));
    st = gpu::attention_prefill(buf.as<float>(), buf.as<uint16_t>(), buf.as<uint16_t>(), buf.as<float>(), 1, 0,
                                negative, nullptr);
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("window -3") != std::string::npos, st.error.c_str());
}

QTEST_GUILESS_MAIN(TestCudaPrefillAttention)
#include "tst_cuda_prefill_attention.moc"
