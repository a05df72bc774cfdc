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
    void q8CacheMatchesCpu_data();
    void q8CacheMatchesCpu();
    void gqaTilesLoadKvOncePerGroup();
    void gqaSharedAccessesAreConflictFree();
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
    const bool gqa = gpu::attention_prefill_shares_gqa_tiles(shape);
    QCOMPARE(gqa, tc && c.hd <= 128 && c.vd <= 128);
    for (auto math : {gpu::PrefillMath::Fma, gpu::PrefillMath::TensorCoresPerHead, gpu::PrefillMath::Auto}) {
        if (math != gpu::PrefillMath::Fma && !tc)
            continue;   // the FMA kernel again for this shape
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
        const bool on_tc = math != gpu::PrefillMath::Fma;
        qInfo("%s: max |gpu - double| %.3g, max |gpu - cpu| %.3g, max |v| %.3g",
              !on_tc                                  ? "FMA"
              : math == gpu::PrefillMath::Auto && gqa ? "tensor cores, GQA tiles"
                                                      : "tensor cores, per head",
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

void TestCudaPrefillAttention::q8CacheMatchesCpu_data()
{
    add_attention_columns();
    add_score_columns();
    QTest::newRow("GQA 4, hd 128 (7B layout), 37 tokens after 20")
        << 8 << 2 << 128 << 128 << 37 << 20 << false << 0.0f << 0.0f << 0;
    QTest::newRow("rows of 34 bytes (one head of 32), 21 tokens")
        << 1 << 1 << 32 << 32 << 21 << 5 << false << 0.0f << 0.0f << 0;
    QTest::newRow("GQA 6 (two slices), value_dim 96, reverse")
        << 6 << 1 << 64 << 96 << 19 << 40 << true << 0.0f << 0.0f << 0;
    QTest::newRow("window 20 inside key tiles, softcap 10 (scale 5)")
        << 4 << 2 << 64 << 64 << 33 << 9 << false << 5.0f << 10.0f << 20;
}

// A Q8_0 cache on the GQA kernel against the CPU's attention_head_q8_0 (float accumulators over
// the exact dequantized values): the tensor-core products take K and V rounded to F16 (2^-12
// relative) and the weights rounded to F16 (2^-11), both well inside 1e-3 of max|v|.
void TestCudaPrefillAttention::q8CacheMatchesCpu()
{
    Case c = fetch_attention_case();
    fetch_score_options(c);
    QFETCH(bool, reverse);
    const Q8Inputs in = random_q8_inputs(c, 51);
    const std::vector<float> ref = cpu_attention_q8(c, in);
    const gpu::AttentionShape shape = gpu_shape(c);
    QVERIFY(gpu::attention_prefill_q8_0_supports(shape));
    DeviceBuffer dq(in.q), dk(in.K), dv(in.V), dout(std::vector<float>(ref.size(), NAN));
    set_sim_schedule(reverse);
    const auto st = gpu::attention_prefill_q8_0(dq.as<float>(), dk.as<uint8_t>(), dv.as<uint8_t>(), dout.as<float>(),
                                                c.n_tokens, c.pos0, shape, nullptr);
    set_sim_schedule(false);
    QVERIFY2(st.ok(), st.error.c_str());
    const auto out = dout.read<float>();
    double worst = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        QVERIFY2(std::isfinite(out[i]), qPrintable(QStringLiteral("element %1 not written or not finite").arg(i)));
        worst = std::max(worst, std::fabs(double(out[i]) - double(ref[i])) / in.vmax);
    }
    qInfo("Q8_0 cache: max |gpu - cpu| %.3g of max|v|", worst);
    QVERIFY2(worst <= 1e-3, qPrintable(QStringLiteral("vs CPU: %1 of max|v|").arg(worst)));
    QVERIFY(!gpu::attention_prefill_q8_0_supports({4, 2, 48, 32}));     // not whole blocks
    QVERIFY(!gpu::attention_prefill_q8_0_supports({4, 2, 256, 256}));   // above the GQA kernel's 128
    QVERIFY(!gpu::attention_prefill_q8_0(dq.as<float>(), dk.as<uint8_t>(), dv.as<uint8_t>(), dout.as<float>(),
                                         c.n_tokens, c.pos0, {4, 2, 48, 32}, nullptr)
                 .ok());
}

// The counters of issue 18 for prefill attention, a 7B layer (32 query heads, 8 KV heads, 128
// dims) over a 64-token prompt: the per-head kernels stage the K/V rows [0, end of the query
// tile) once per query head (32 x 160 rows x 512 bytes, 2-byte loads); the GQA kernel once per
// KV head (8 x 160 rows), with 16-byte loads, plus the queries once (64 x 32 x 128 floats).
void TestCudaPrefillAttention::gqaTilesLoadKvOncePerGroup()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("load counting exists only under the sim");
#else
    namespace simrt = causerie::cuda_sim;
    const Case c{32, 8, 128, 128, 64, 0};
    const auto [q, K, V, vmax] = random_attention_inputs(c, 61);
    DeviceBuffer dq(q), dk(K), dv(V), dout(size_t(c.n_tokens * c.n_head * c.vd) * 4);
    const gpu::AttentionShape shape = gpu_shape(c);
    QVERIFY(gpu::attention_prefill_shares_gqa_tiles(shape));
    auto count = [&](gpu::PrefillMath math) {
        simrt::set_counting(true);
        simrt::reset_counters();
        const auto st = gpu::attention_prefill(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dout.as<float>(),
                                               c.n_tokens, c.pos0, shape, nullptr, math);
        simrt::set_counting(false);
        if (!st.ok())
            qWarning("%s", st.error.c_str());
        return simrt::counters().kernels["attention_prefill"];
    };
    const uint64_t kv_rows = 16 + 32 + 48 + 64;   // the 4 query tiles' key ranges
    const simrt::KernelCounts per_head = count(gpu::PrefillMath::TensorCoresPerHead);
    QCOMPARE(per_head.loads.bytes, kv_rows * 32 * (128 + 128) * 2);
    const simrt::KernelCounts gqa = count(gpu::PrefillMath::Auto);
    const uint64_t q_bytes = 64 * 32 * 128 * 4;
    QCOMPARE(gqa.loads.bytes, kv_rows * 8 * (128 + 128) * 2 + q_bytes);
    QCOMPARE(gqa.loads.lane_accesses * 16, gqa.loads.bytes);   // 16-byte loads only
    QCOMPARE(gqa.loads.sectors * 32, gqa.loads.bytes);         // whole sectors
    qInfo("per prompt token: per-head kernel %.0f bytes of K/V, GQA kernel %.0f of K/V + %.0f of Q",
          double(per_head.loads.bytes) / 64, double(kv_rows * 8 * 512) / 64, double(q_bytes) / 64);
#endif
}

// Every shared-memory request of the GQA kernel (the staging stores, the wmma tile loads and
// stores, the softmax's and the P.V epilogue's accesses) takes the bank wavefronts of a
// conflict-free one under the sim's model (sim_runtime.h): the padded rows of gqa_layout().
// A 7B layer over a 64-token prompt, and over 40 tokens after 24 cached (partial tiles).
void TestCudaPrefillAttention::gqaSharedAccessesAreConflictFree()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("bank counting exists only under the sim");
#else
    namespace simrt = causerie::cuda_sim;
    for (const Case c : {Case{32, 8, 128, 128, 64, 0}, Case{32, 8, 128, 128, 40, 24}}) {
        const auto [q, K, V, vmax] = random_attention_inputs(c, 62);
        DeviceBuffer dq(q), dk(K), dv(V), dout(size_t(c.n_tokens * c.n_head * c.vd) * 4);
        simrt::set_counting(true);
        simrt::reset_counters();
        const auto st = gpu::attention_prefill(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dout.as<float>(),
                                               c.n_tokens, c.pos0, gpu_shape(c), nullptr, gpu::PrefillMath::Auto);
        simrt::set_counting(false);
        QVERIFY2(st.ok(), st.error.c_str());
        const simrt::SharedCounts sh = simrt::counters().kernels["attention_prefill"].shared;
        QVERIFY(sh.requests > 1000);
        QCOMPARE(sh.wavefronts, sh.ideal_wavefronts);
    }
#endif
}

QTEST_GUILESS_MAIN(TestCudaPrefillAttention)
#include "tst_cuda_prefill_attention.moc"
