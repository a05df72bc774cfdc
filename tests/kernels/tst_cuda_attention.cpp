// Attention over an F16 KV cache under the CUDA sim, against (1) the CPU backend's algorithm
// (CpuLayer::attention in engine/layer_cpu.cpp, restated below as the oracle: it is the numerics the
// kernel promises to reproduce) and (2) textbook softmax attention in double, which checks that
// oracle and kernel compute attention at all.
#include "attention_ref.h"
#include "tst_cuda_util.h"

#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/ops_ref.h"
#include "kernels/cpu/quantize_ref.h"
#include "kernels/cuda/attention.cuh"
#include "kernels/cuda/rope.cuh"

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
    void flashDecodeMatchesTextbook_data();
    void flashDecodeMatchesTextbook();
    void flashDecodeGridSizeDoesNotChangeResult();
    void flashDecodeReadsKvOnceWithWideLoads();
    void flashDecodeRejectsBadInput();
    void rejectsBadShapes();
    void rejectsBadScoreOptions();
    void q8CacheMatchesCpu_data();
    void q8CacheMatchesCpu();
    void ropeStoresQ8CacheAsCpu();
};

void TestCudaAttention::matchesCpuAttention_data()
{
    add_attention_columns();
    add_score_columns();
    QTest::newRow("decode, first position") << 4 << 2 << 16 << 16 << 1 << 0 << false << 0.0f << 0.0f << 0;
    QTest::newRow("decode at 200 (two score tiles), GQA 4:1")
        << 4 << 1 << 32 << 32 << 1 << 200 << false << 0.0f << 0.0f << 0;
    QTest::newRow("prefill 6 tokens, causal") << 2 << 2 << 16 << 16 << 6 << 0 << false << 0.0f << 0.0f << 0;
    QTest::newRow("prefill 3 tokens after 130 (tile edge)")
        << 2 << 1 << 24 << 24 << 3 << 126 << false << 0.0f << 0.0f << 0;
    QTest::newRow("head_dim 128, value_dim 200 (odd, several dims per thread)")
        << 2 << 1 << 128 << 200 << 2 << 9 << false << 0.0f << 0.0f << 0;
    QTest::newRow("reverse schedule") << 4 << 2 << 16 << 16 << 2 << 140 << true << 0.0f << 0.0f << 0;
    // Scale, softcap, window (Gemma 2, Mistral's sliding window): the window's start falls inside a
    // score tile of 128 positions; scores up to ~+-40 before the cap.
    QTest::newRow("window 100 at 300 (starts inside a tile)")
        << 4 << 2 << 32 << 32 << 1 << 300 << false << 0.0f << 0.0f << 100;
    QTest::newRow("prefill 5 tokens, window 3 (shorter than the batch)")
        << 2 << 1 << 16 << 16 << 5 << 2 << false << 0.0f << 0.0f << 3;
    QTest::newRow("softcap 10 over large scores (scale 5)")
        << 4 << 2 << 64 << 64 << 3 << 150 << false << 5.0f << 10.0f << 0;
    QTest::newRow("scale 0.1, softcap 50, window 130, reverse")
        << 4 << 1 << 32 << 48 << 2 << 260 << true << 0.1f << 50.0f << 130;
}

// Exact against the CPU algorithm: same expressions in the same order (sim only; a GPU's expf
// differs by an ulp). Against the textbook in double: 1e-2 relative to the largest |v|, the
// F16 accumulator's rounding (2^-11 per step, a few hundred steps) with margin.
void TestCudaAttention::matchesCpuAttention()
{
    Case c = fetch_attention_case();
    fetch_score_options(c);
    QFETCH(bool, reverse);
    const auto [q, K, V, vmax] = random_attention_inputs(c, 1);

    const std::vector<float> ref = cpu_attention(c, q, K, V);
    const std::vector<double> exact = exact_attention(c, q, K, V, false);

    DeviceBuffer dq(q), dk(K), dv(V), dout(ref.size() * 4);
    set_sim_schedule(reverse);
    const auto st = gpu::attention(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dout.as<float>(), c.n_tokens,
                                   c.pos0, gpu_shape(c), nullptr);
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

void TestCudaAttention::flashDecodeMatchesTextbook_data()
{
    add_attention_columns();
    add_score_columns();
    // GQA ratios of the models the GPU runs (1, 4, 8; 12 is served in two slices of 8), head
    // sizes 64/128/256, contexts 1 and 2, the chunk edge (128) +-1, long contexts, prefill rows.
    QTest::newRow("context 1, GQA 4, hd 128") << 8 << 2 << 128 << 128 << 1 << 0 << false << 0.0f << 0.0f << 0;
    QTest::newRow("context 2, GQA 1, hd 64") << 4 << 4 << 64 << 64 << 1 << 1 << false << 0.0f << 0.0f << 0;
    QTest::newRow("context 127 (chunk - 1), GQA 8") << 8 << 1 << 64 << 64 << 1 << 126 << false << 0.0f << 0.0f << 0;
    QTest::newRow("context 128 (one full chunk), GQA 4")
        << 8 << 2 << 128 << 128 << 1 << 127 << false << 0.0f << 0.0f << 0;
    QTest::newRow("context 129 (chunk + 1), GQA 8, hd 256")
        << 8 << 1 << 256 << 256 << 1 << 128 << false << 0.0f << 0.0f << 0;
    QTest::newRow("context 1000, GQA 4, hd 128") << 8 << 2 << 128 << 128 << 1 << 999 << false << 0.0f << 0.0f << 0;
    QTest::newRow("context 1000, reverse schedule") << 8 << 2 << 128 << 128 << 1 << 999 << true << 0.0f << 0.0f << 0;
    QTest::newRow("context 2049, GQA 1, hd 256") << 2 << 2 << 256 << 256 << 1 << 2048 << false << 0.0f << 0.0f << 0;
    QTest::newRow("GQA 12 (two slices), hd 64") << 12 << 1 << 64 << 64 << 1 << 300 << false << 0.0f << 0.0f << 0;
    QTest::newRow("hd 128, value_dim 200") << 4 << 1 << 128 << 200 << 1 << 260 << false << 0.0f << 0.0f << 0;
    QTest::newRow("prefill 4 tokens across the chunk edge")
        << 8 << 2 << 64 << 64 << 4 << 126 << false << 0.0f << 0.0f << 0;
    // The window's start inside a chunk (first position 700: 60 into chunk 5; grid 4 chunks, not 8),
    // on a chunk's edge (first 640), a window of 1, a batch whose tokens start in different chunks;
    // softcap over large scores; Gemma-like scale.
    QTest::newRow("window 300 at 999 (start inside a chunk), GQA 4")
        << 8 << 2 << 128 << 128 << 1 << 999 << false << 0.0f << 0.0f << 300;
    QTest::newRow("window 360 at 999 (start on a chunk edge), reverse")
        << 8 << 2 << 64 << 64 << 1 << 999 << true << 0.0f << 0.0f << 360;
    QTest::newRow("window 1") << 4 << 1 << 64 << 64 << 1 << 500 << false << 0.0f << 0.0f << 1;
    QTest::newRow("window 129, 4 tokens across a chunk edge")
        << 8 << 2 << 64 << 64 << 4 << 380 << false << 0.0f << 0.0f << 129;
    QTest::newRow("softcap 30 over large scores (scale 5)")
        << 8 << 2 << 128 << 128 << 1 << 300 << false << 5.0f << 30.0f << 0;
    QTest::newRow("scale 1/16, softcap 50, window 200")
        << 8 << 1 << 256 << 256 << 1 << 700 << false << 0.0625f << 50.0f << 200;
}

// Float softmax state and accumulators per chunk of 128 positions, merged. Against attention in
// double from the same F16-rounded query only float rounding differs (sums of up to 128 terms in
// an order of their own, up to 17 chunks merged, expf within an ulp or two): 1e-6 of max|v|
// (measured 7e-8 at most). Against the exact kernel (the CPU backend's attention: on the sim the
// same numbers), which rounds its V accumulator to F16 at every step (2^-11 relative a step):
// 2e-3 of max|v| (measured 4.1e-4 at most, at 2049 positions).
void TestCudaAttention::flashDecodeMatchesTextbook()
{
    Case c = fetch_attention_case();
    fetch_score_options(c);
    QFETCH(bool, reverse);
    const auto [q, K, V, vmax] = random_attention_inputs(c, 4);
    const std::vector<double> exact = exact_attention(c, q, K, V, true);
    const gpu::AttentionShape shape = gpu_shape(c);
    QVERIFY(gpu::attention_split_k_supports(shape));
    const int64_t scratch = gpu::attention_split_k_scratch_floats(c.n_tokens, c.pos0 + c.n_tokens, shape);
    DeviceBuffer dq(q), dk(K), dv(V), dout(exact.size() * 4), dref(exact.size() * 4),
        dscratch(std::vector<float>(size_t(scratch), 0.0f));
    set_sim_schedule(reverse);
    auto st = gpu::attention_split_k(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dout.as<float>(), c.n_tokens,
                                     c.pos0, shape, dscratch.as<float>(), scratch, nullptr);
    set_sim_schedule(false);
    QVERIFY2(st.ok(), st.error.c_str());
    st = gpu::attention(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dref.as<float>(), c.n_tokens, c.pos0,
                        shape, nullptr);
    QVERIFY2(st.ok(), st.error.c_str());
    const auto out = dout.read<float>();
    const auto ref = dref.read<float>();
    double worst = 0, worst_ref = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        worst = std::max(worst, std::fabs(out[i] - exact[i]) / vmax);
        worst_ref = std::max(worst_ref, double(std::fabs(out[i] - ref[i])) / vmax);
    }
    QVERIFY2(worst <= 1e-6, qPrintable(QStringLiteral("textbook: %1 of max|v|").arg(worst)));
    QVERIFY2(worst_ref <= 2e-3, qPrintable(QStringLiteral("exact kernel: %1 of max|v|").arg(worst_ref)));
    // The tickets are back at 0: the next launch (a graph replay) merges again.
    const auto words = dscratch.read<uint32_t>();
    QVERIFY(std::all_of(words.begin(), words.begin() + 4, [](uint32_t w) { return w == 0; }));
}

// A CUDA graph sizes the grid for its context bucket and reads the position from device memory:
// the chunks past the position are empty, and the result is the plain launch's, bit for bit.
// With a sliding window the chunks are counted from the window's first one: the same holds.
void TestCudaAttention::flashDecodeGridSizeDoesNotChangeResult()
{
    const auto [q, K, V, vmax] = random_attention_inputs({8, 2, 64, 64, 1, 511}, 9);
    gpu::AttentionShape shape{8, 2, 64, 64};
    const int64_t scratch = gpu::attention_split_k_scratch_floats(1, 512, shape);
    const size_t n_out = size_t(shape.n_head * shape.value_dim);
    DeviceBuffer dq(q), dk(K), dv(V), da(n_out * 4), db(n_out * 4), dpos(std::vector<int64_t>{0}),
        dscratch(std::vector<float>(size_t(scratch), 0.0f));
    for (const auto& [window, pos] : std::vector<std::pair<int64_t, int64_t>>{
             {0, 0}, {0, 5}, {0, 200}, {60, 5}, {60, 200}, {100, 200}, {128, 383}, {100, 511}}) {
        shape.window = window;
        (void)gpu::copy_to_device(dpos.ptr, &pos, sizeof pos, nullptr);
        auto st = gpu::attention_split_k(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), da.as<float>(), 1, pos,
                                         shape, dscratch.as<float>(), scratch, nullptr);
        QVERIFY2(st.ok(), st.error.c_str());
        st = gpu::attention_split_k(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), db.as<float>(), 1, 511, shape,
                                    dscratch.as<float>(), scratch, nullptr, dpos.as<int64_t>());
        QVERIFY2(st.ok(), st.error.c_str());
        QCOMPARE(db.read<float>(), da.read<float>());
    }
}

// The counters of issue 18 for decode attention: the K and V rows of the context are read once
// for the whole GQA group (bytes = context x KV heads x (hd + vd) x 2, not x 4 query heads), by
// 16-byte loads whose sectors are used whole (a row of 128 halves is 16 lanes on 256 bytes).
void TestCudaAttention::flashDecodeReadsKvOnceWithWideLoads()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("load counting exists only under the sim");
#else
    namespace simrt = causerie::cuda_sim;
    const Case c{32, 8, 128, 128, 1, 999};   // a 7B model's attention at 1000 positions
    const auto [q, K, V, vmax] = random_attention_inputs(c, 21);
    const gpu::AttentionShape shape{c.n_head, c.n_head_kv, c.hd, c.vd};
    const int64_t scratch = gpu::attention_split_k_scratch_floats(1, 1000, shape);
    DeviceBuffer dq(q), dk(K), dv(V), dout(size_t(c.n_head * c.vd) * 4),
        dscratch(std::vector<float>(size_t(scratch), 0.0f));
    simrt::set_counting(true);
    simrt::reset_counters();
    const auto st = gpu::attention_split_k(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dout.as<float>(), 1,
                                           c.pos0, shape, dscratch.as<float>(), scratch, nullptr);
    simrt::set_counting(false);
    QVERIFY2(st.ok(), st.error.c_str());
    const simrt::KernelCounts k = simrt::counters().kernels["attention"];
    QCOMPARE(k.launches, uint64_t(1));   // the merge is in the same launch
    QCOMPARE(k.loads.bytes, uint64_t(1000 * 8 * (128 + 128) * 2));
    QCOMPARE(k.loads.lane_accesses, k.loads.bytes / 16);
    QCOMPARE(k.loads.sectors * 32, k.loads.bytes);   // sector efficiency 1.0

    // A sliding window of 300: only the window's rows are read (the cost follows the window, not
    // the context), in a grid of 4 chunks rather than 8 (the first one starts 60 positions in).
    gpu::AttentionShape windowed = shape;
    windowed.window = 300;
    simrt::set_counting(true);
    simrt::reset_counters();
    const auto st2 = gpu::attention_split_k(dq.as<float>(), dk.as<uint16_t>(), dv.as<uint16_t>(), dout.as<float>(), 1,
                                            c.pos0, windowed, dscratch.as<float>(), scratch, nullptr);
    simrt::set_counting(false);
    QVERIFY2(st2.ok(), st2.error.c_str());
    const simrt::KernelCounts w = simrt::counters().kernels["attention"];
    QCOMPARE(w.loads.bytes, uint64_t(300 * 8 * (128 + 128) * 2));
    QCOMPARE(w.loads.sectors * 32, w.loads.bytes);
    QVERIFY(gpu::attention_split_k_scratch_floats(1, 1000, windowed) < scratch);
#endif
}

void TestCudaAttention::flashDecodeRejectsBadInput()
{
    DeviceBuffer buf(1 << 16);
    const gpu::AttentionShape odd{4, 2, 20, 16};   // head_dim not a multiple of 8
    QVERIFY(!gpu::attention_split_k_supports(odd));
    auto st = gpu::attention_split_k(buf.as<float>(), buf.as<uint16_t>(), buf.as<uint16_t>(), buf.as<float>(), 1, 0,
                                     odd, buf.as<float>(), 1 << 12, nullptr);
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("head_dim 20") != std::string::npos, st.error.c_str());
    const gpu::AttentionShape shape{4, 2, 32, 16};
    const int64_t need = gpu::attention_split_k_scratch_floats(1, 300, shape);
    st = gpu::attention_split_k(buf.as<float>(), buf.as<uint16_t>(), buf.as<uint16_t>(), buf.as<float>(), 1, 299, shape,
                                buf.as<float>(), need - 1, nullptr);
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("too small") != std::string::npos, st.error.c_str());
}

void TestCudaAttention::rejectsBadScoreOptions()
{
    DeviceBuffer buf(1 << 16);
    for (int bad = 0; bad < 3; ++bad) {
        gpu::AttentionShape sh{4, 2, 32, 32};   // a negative window, a negative softcap, a NaN scale
        if (bad == 0)
            sh.window = -1;
        else if (bad == 1)
            sh.softcap = -5.0f;
        else
            sh.scale = NAN;
        auto st =
            gpu::attention(buf.as<float>(), buf.as<uint16_t>(), buf.as<uint16_t>(), buf.as<float>(), 1, 0, sh, nullptr);
        QVERIFY(!st.ok());
        QVERIFY2(st.error.find("window") != std::string::npos, st.error.c_str());
        st = gpu::attention_q8_0(buf.as<float>(), buf.as<uint8_t>(), buf.as<uint8_t>(), buf.as<float>(), 1, 0, sh,
                                 nullptr);
        QVERIFY(!st.ok());
        st = gpu::attention_split_k(buf.as<float>(), buf.as<uint16_t>(), buf.as<uint16_t>(), buf.as<float>(), 1, 0, sh,
                                    buf.as<float>(), 1 << 12, nullptr);
        QVERIFY(!st.ok());
    }
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

void TestCudaAttention::q8CacheMatchesCpu_data()
{
    add_attention_columns();
    add_score_columns();
    QTest::newRow("decode, first position, GQA 2") << 4 << 2 << 32 << 32 << 1 << 0 << false << 0.0f << 0.0f << 0;
    QTest::newRow("decode at 200 (two tiles), GQA 4, hd 128")
        << 8 << 2 << 128 << 128 << 1 << 200 << false << 0.0f << 0.0f << 0;
    QTest::newRow("prefill 5 tokens after 126, hd 64") << 4 << 4 << 64 << 64 << 5 << 126 << false << 0.0f << 0.0f << 0;
    QTest::newRow("reverse schedule, value_dim 96") << 8 << 1 << 64 << 96 << 2 << 140 << true << 0.0f << 0.0f << 0;
    QTest::newRow("window 100 at 300, softcap 20 (scale 3)")
        << 8 << 2 << 64 << 64 << 1 << 300 << false << 3.0f << 20.0f << 100;
    QTest::newRow("prefill 6 tokens, window 4, reverse") << 4 << 1 << 32 << 32 << 6 << 130 << true << 0.0f << 0.0f << 4;
}

// A Q8_0 cache: attention_q8_0 against the CPU backend's attention_head_q8_0, exactly under the
// sim (the same expressions in the same order); on a GPU expf may differ by an ulp.
void TestCudaAttention::q8CacheMatchesCpu()
{
    Case c = fetch_attention_case();
    fetch_score_options(c);
    QFETCH(bool, reverse);
    const int64_t n_kv = c.pos0 + c.n_tokens;
    const auto q = random_floats(size_t(c.n_tokens * c.n_head * c.hd), 31, 1.0f);
    const auto kf = random_floats(size_t(n_kv * c.n_head_kv * c.hd), 32, 1.0f);
    const auto vf = random_floats(size_t(n_kv * c.n_head_kv * c.vd), 33, 1.0f);
    const int64_t k_row = c.n_head_kv * c.hd / 32 * 34, v_row = c.n_head_kv * c.vd / 32 * 34;
    std::vector<uint8_t> K(size_t(n_kv * k_row)), V(size_t(n_kv * v_row));
    for (int64_t j = 0; j < n_kv; ++j) {
        quantize_row_ref(TensorType::Q8_0, &kf[size_t(j * c.n_head_kv * c.hd)], &K[size_t(j * k_row)],
                         c.n_head_kv * c.hd);
        quantize_row_ref(TensorType::Q8_0, &vf[size_t(j * c.n_head_kv * c.vd)], &V[size_t(j * v_row)],
                         c.n_head_kv * c.vd);
    }
    const causerie::kernels::AttentionShape sh = cpu_shape(c, k_row, v_row);
    std::vector<float> ref(size_t(c.n_tokens * c.n_head * c.vd));
    std::vector<float> scratch(size_t(causerie::kernels::attention_q8_0_scratch_floats(sh)));
    const int64_t group = c.n_head / c.n_head_kv;
    for (int64_t t = 0; t < c.n_tokens; ++t)
        for (int64_t h = 0; h < c.n_head; ++h)
            causerie::kernels::attention_head_q8_0(
                sh, &q[size_t((t * c.n_head + h) * c.hd)], K.data() + c.first(t) * k_row + h / group * c.hd / 32 * 34,
                V.data() + c.first(t) * v_row + h / group * c.vd / 32 * 34, c.pos0 + t + 1 - c.first(t),
                &ref[size_t((t * c.n_head + h) * c.vd)], scratch.data());
    DeviceBuffer dq(q), dk(K), dv(V), dout(ref.size() * 4);
    set_sim_schedule(reverse);
    const auto st = gpu::attention_q8_0(dq.as<float>(), dk.as<uint8_t>(), dv.as<uint8_t>(), dout.as<float>(),
                                        c.n_tokens, c.pos0, gpu_shape(c), nullptr);
    set_sim_schedule(false);
    QVERIFY2(st.ok(), st.error.c_str());
    const auto out = dout.read<float>();
#if defined(CAUSERIE_CUDA_SIM)
    QCOMPARE(out, ref);
#else
    for (size_t i = 0; i < out.size(); ++i)
        QVERIFY(std::fabs(out[i] - ref[i]) <= 1e-5f * (1.0f + std::fabs(ref[i])));
#endif
    const auto bad = gpu::attention_q8_0(dq.as<float>(), dk.as<uint8_t>(), dv.as<uint8_t>(), dout.as<float>(), 1, 0,
                                         {4, 2, 48, 32}, nullptr);   // 48 is not whole blocks
    QVERIFY(!bad.ok());
}

// rope_store_kv with q8_0: the rotated keys and the values quantized as the CPU backend stores
// them (rope_ref, then quantize_row_ref from the float rows): the same bytes.
void TestCudaAttention::ropeStoresQ8CacheAsCpu()
{
    const int64_t n_head = 4, n_kv_head = 2, hd = 64, vd = 32, n_tokens = 3, pos0 = 5;
    auto q = random_floats(size_t(n_tokens * n_head * hd), 41, 1.0f);
    auto k = random_floats(size_t(n_tokens * n_kv_head * hd), 42, 1.0f);
    const auto v = random_floats(size_t(n_tokens * n_kv_head * vd), 43, 1.0f);
    const int64_t k_row = n_kv_head * hd / 32 * 34, v_row = n_kv_head * vd / 32 * 34;
    DeviceBuffer dq(q), dk(k), dv(v), dkc(size_t((pos0 + n_tokens) * k_row)), dvc(size_t((pos0 + n_tokens) * v_row));
    gpu::RopeKvShape sh{n_head, n_kv_head, hd, vd, hd, false};
    sh.q8_0 = true;
    const auto st = gpu::rope_store_kv(dq.as<float>(), dk.as<float>(), dv.as<float>(), n_tokens, sh, pos0, 10000.0f,
                                       dkc.ptr, dvc.ptr, nullptr);
    QVERIFY2(st.ok(), st.error.c_str());
    const auto kc = dkc.read<uint8_t>(), vc = dvc.read<uint8_t>();
    std::vector<uint8_t> want_k(static_cast<size_t>(k_row)), want_v(static_cast<size_t>(v_row));
    for (int64_t t = 0; t < n_tokens; ++t) {
        rope_ref(&k[size_t(t * n_kv_head * hd)], n_kv_head, hd, hd, pos0 + t, 10000.0f);
        quantize_row_ref(TensorType::Q8_0, &k[size_t(t * n_kv_head * hd)], want_k.data(), n_kv_head * hd);
        quantize_row_ref(TensorType::Q8_0, &v[size_t(t * n_kv_head * vd)], want_v.data(), n_kv_head * vd);
#if defined(CAUSERIE_CUDA_SIM)   // (on a GPU cosf/sinf may move a code by one)
        QVERIFY(std::equal(want_k.begin(), want_k.end(), kc.begin() + (pos0 + t) * k_row));
#endif
        QVERIFY(std::equal(want_v.begin(), want_v.end(), vc.begin() + (pos0 + t) * v_row));
    }
    sh.head_dim = 48;   // not whole blocks
    sh.n_rot = 48;
    QVERIFY(!gpu::rope_store_kv(dq.as<float>(), dk.as<float>(), dv.as<float>(), 1, sh, 0, 10000.0f, dkc.ptr, dvc.ptr,
                                nullptr)
                 .ok());
}

QTEST_GUILESS_MAIN(TestCudaAttention)
#include "tst_cuda_attention.moc"
