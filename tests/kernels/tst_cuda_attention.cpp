// Attention over an F16 KV cache under the CUDA sim, against (1) the CPU backend's algorithm
// (CpuLayer::attention in engine/layer_cpu.cpp, restated below as the oracle: it is the numerics the
// kernel promises to reproduce) and (2) textbook softmax attention in double, which checks that
// oracle and kernel compute attention at all.
#include "attention_ref.h"
#include "tst_cuda_util.h"

#include "kernels/cpu/dequant_ref.h"
#include "kernels/cuda/attention.cuh"

#include <QTest>

#include <algorithm>

using namespace cuda_test;

namespace {
using Case = AttentionCase;
}   // namespace

class TestCudaAttention : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { CUDA_TEST_REQUIRE_DEVICE(); }
    void matchesCpuAttention_data();
    void matchesCpuAttention();
    void splitKMatchesTextbook_data();
    void splitKMatchesTextbook();
    void rejectsBadShapes();
};

void TestCudaAttention::matchesCpuAttention_data()
{
    add_attention_columns();
    QTest::newRow("decode, first position") << 4 << 2 << 16 << 16 << 1 << 0 << false;
    QTest::newRow("decode at 200 (two score tiles), GQA 4:1") << 4 << 1 << 32 << 32 << 1 << 200 << false;
    QTest::newRow("prefill 6 tokens, causal") << 2 << 2 << 16 << 16 << 6 << 0 << false;
    QTest::newRow("prefill 3 tokens after 130 (tile edge)") << 2 << 1 << 24 << 24 << 3 << 126 << false;
    QTest::newRow("head_dim 128, value_dim 200 (odd, several dims per thread)")
        << 2 << 1 << 128 << 200 << 2 << 9 << false;
    QTest::newRow("reverse schedule") << 4 << 2 << 16 << 16 << 2 << 140 << true;
}

// Exact against the CPU algorithm: same expressions in the same order (sim only; a GPU's expf
// differs by an ulp). Against the textbook in double: 1e-2 relative to the largest |v|, the
// F16 accumulator's rounding (2^-11 per step, a few hundred steps) with margin.
void TestCudaAttention::matchesCpuAttention()
{
    const Case c = fetch_attention_case();
    QFETCH(bool, reverse);
    const auto [q, K, V, vmax] = random_attention_inputs(c, 1);

    const std::vector<float> ref = cpu_attention(c, q, K, V);
    const std::vector<double> exact = exact_attention(c, q, K, V, false);

    DeviceBuffer dq(q), dk(K), dv(V), dout(ref.size() * 4);
    set_sim_schedule(reverse);
    const auto st = gpu::attention(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dout.as<float>(), c.n_tokens,
                                   c.pos0, {c.n_head, c.n_head_kv, c.hd, c.vd}, nullptr);
    set_sim_schedule(false);
    QVERIFY2(st.ok(), st.error.c_str());
    const auto out = dout.read<float>();
#if defined(CAUSERIE_CUDA_SIM)
    QCOMPARE(out, ref);
#endif
    // (On a GPU expf differs by ulps and the F16 accumulator can round the other way at a
    // step, so only the comparison with the textbook result below applies there.)
    for (size_t i = 0; i < out.size(); ++i)
        QVERIFY2(std::fabs(out[i] - exact[i]) <= 1e-2 * vmax,
                 qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(out[i]).arg(exact[i])));
}

void TestCudaAttention::splitKMatchesTextbook_data()
{
    QTest::addColumn<int>("n_tokens");
    QTest::addColumn<int>("pos0");
    QTest::addColumn<int>("vd");
    QTest::newRow("decode, first position") << 1 << 0 << 16;
    QTest::newRow("decode at 299 (2 chunks)") << 1 << 299 << 16;
    QTest::newRow("decode at 700 (3 chunks), value_dim 200") << 1 << 700 << 200;
    QTest::newRow("prefill 4 tokens across the chunk edge at 256") << 4 << 253 << 24;
}

// Float softmax state and accumulators per chunk, merged: against attention in double (with Q
// unrounded), within 1e-3 of the largest |v|: Q is rounded to F16 for Q.K as on the CPU, which
// moves scores by up to 2^-11 relative; float sums of up to 700 terms add ~n * 2^-24.
void TestCudaAttention::splitKMatchesTextbook()
{
    QFETCH(int, n_tokens);
    QFETCH(int, pos0);
    QFETCH(int, vd);
    const Case c{4, 2, 32, vd, n_tokens, pos0};
    const int64_t n_ctx = pos0 + n_tokens;
    const auto [q, K, V, vmax] = random_attention_inputs(c, 4);
    const std::vector<double> exact = exact_attention(c, q, K, V, false);
    const gpu::AttentionShape shape{c.n_head, c.n_head_kv, c.hd, vd};
    const int64_t scratch = gpu::attention_split_k_scratch_floats(n_tokens, n_ctx, shape);
    DeviceBuffer dq(q), dk(K), dv(V), dout(exact.size() * 4), dscratch(size_t(scratch) * 4);
    auto st = gpu::attention_split_k(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dout.as<float>(), n_tokens,
                                     pos0, shape, dscratch.as<float>(), scratch, nullptr);
    QVERIFY2(st.ok(), st.error.c_str());
    const auto out = dout.read<float>();
    for (size_t i = 0; i < out.size(); ++i)
        QVERIFY2(std::fabs(out[i] - exact[i]) <= 1e-3 * vmax,
                 qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(out[i]).arg(exact[i])));
    st = gpu::attention_split_k(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dout.as<float>(), n_tokens, pos0,
                                shape, dscratch.as<float>(), scratch - 1, nullptr);
    QVERIFY(!st.ok());
}

void TestCudaAttention::rejectsBadShapes()
{
    DeviceBuffer buf(1024);
    auto st = gpu::attention(buf.as<float>(), buf.as<uint16_t>(), buf.as<uint16_t>(), buf.as<float>(), 1, 0,
                             {3, 2, 16, 16}, nullptr);   // 3 heads cannot share 2 KV heads
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("n_head 3") != std::string::npos, st.error.c_str());
    st = gpu::attention(buf.as<float>(), buf.as<uint16_t>(), buf.as<uint16_t>(), buf.as<float>(), 1, 0,
                        {2, 2, 16, 1024}, nullptr);   // value_dim above the kernel's 512
    QVERIFY(!st.ok());
}

QTEST_GUILESS_MAIN(TestCudaAttention)
#include "tst_cuda_attention.moc"
