// The runtime-dispatched attention kernel against the scalar one (its oracle), and both against
// cases whose answer is known without running either.
#include "kernels/cpu/attention_cpu.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/quantize_ref.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace causerie::kernels;

namespace {

struct Case {
    AttentionShape shape;
    std::vector<float> q;
    std::vector<uint16_t> k, v;
};

// n_kv positions, keys/values of n_heads heads interleaved per position (as in the KV cache);
// the head under test is head 1 (offset hd / vd), so strides and offsets are exercised.
Case make_case(int64_t hd, int64_t vd, int64_t n_kv, uint32_t seed)
{
    const int n_heads = 3;
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Case c;
    c.shape = {hd, vd, n_heads * hd, n_heads * vd, 1.0f / std::sqrt(float(hd))};
    c.q.resize(size_t(hd));
    for (auto& x : c.q)
        x = 2.0f * normal(rng);
    c.k.resize(size_t(n_kv * n_heads * hd));
    c.v.resize(size_t(n_kv * n_heads * vd));
    for (auto& x : c.k)
        x = fp32_to_fp16(normal(rng));
    for (auto& x : c.v)
        x = fp32_to_fp16(normal(rng));
    return c;
}

}   // namespace

class TestAttentionCpu : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { qInfo("CPU kernels: %s", cpu_features_summary().c_str()); }
    void onePositionReturnsItsValue();
    void equalKeysAverageValues();
    void dispatchedMatchesScalar_data();
    void dispatchedMatchesScalar();
    void softcapMatchesDirectSum();
    void q8CacheMatchesDequantizedReference_data();
    void q8CacheMatchesDequantizedReference();
    void q8DispatchedMatchesScalarExactly_data();
    void q8DispatchedMatchesScalarExactly();
};

// softmax over one position is 1: the output is that position's value, exactly (an F16 value
// times 1 added to 0 is exact in F16, and 1/1 = 1).
void TestAttentionCpu::onePositionReturnsItsValue()
{
    for (int64_t hd : {8, 40, 128}) {
        Case c = make_case(hd, hd, 1, 5);
        std::vector<float> out(static_cast<size_t>(hd)),
            scratch(static_cast<size_t>(attention_scratch_floats(c.shape)));
        for (auto fn : {attention_head_cpu, attention_head_scalar}) {
            fn(c.shape, c.q.data(), c.k.data() + hd, c.v.data() + hd, 1, out.data(), scratch.data());
            for (int64_t i = 0; i < hd; ++i)
                QCOMPARE(out[size_t(i)], fp16_to_fp32(c.v[size_t(hd + i)]));
        }
    }
}

// Identical keys give equal weights 1, 1, 1, 1: the output is the mean of the values. Values are
// small integers, so the F16 accumulator holds their sums exactly and the mean is exact.
void TestAttentionCpu::equalKeysAverageValues()
{
    const int64_t hd = 24, n_kv = 4;
    Case c = make_case(hd, hd, n_kv, 9);
    for (int64_t j = 0; j < n_kv; ++j)
        for (int64_t i = 0; i < c.shape.k_stride; ++i) {
            c.k[size_t(j * c.shape.k_stride + i)] = c.k[size_t(i)];
            c.v[size_t(j * c.shape.v_stride + i)] = fp32_to_fp16(float((i * 7 + j * 3) % 11) - 5.0f);
        }
    std::vector<float> out(static_cast<size_t>(hd)), scratch(static_cast<size_t>(attention_scratch_floats(c.shape)));
    for (auto fn : {attention_head_cpu, attention_head_scalar}) {
        fn(c.shape, c.q.data(), c.k.data() + hd, c.v.data() + hd, n_kv, out.data(), scratch.data());
        for (int64_t i = 0; i < hd; ++i) {
            float mean = 0;
            for (int64_t j = 0; j < n_kv; ++j)
                mean += float(((hd + i) * 7 + j * 3) % 11) - 5.0f;
            QCOMPARE(out[size_t(i)], mean / float(n_kv));
        }
    }
}

void TestAttentionCpu::dispatchedMatchesScalar_data()
{
    QTest::addColumn<int>("hd");
    QTest::addColumn<int>("vd");
    QTest::addColumn<int>("n_kv");
    for (int hd : {8, 40, 100, 128})
        for (int n_kv : {1, 7, 61, 300})
            QTest::addRow("hd %d, n_kv %d", hd, n_kv) << hd << hd << n_kv;
    QTest::addRow("hd 64 vd 37") << 64 << 37 << 19;
    QTest::addRow("hd 64, n_kv 61, soft-capped") << 64 << -64 << 61;   // vd < 0: vd = hd, softcap 1
}

void TestAttentionCpu::dispatchedMatchesScalar()
{
    QFETCH(int, hd);
    QFETCH(int, vd);
    QFETCH(int, n_kv);
    const bool capped = vd < 0;
    vd = std::abs(vd);
    Case c = make_case(hd, vd, n_kv, uint32_t(hd * 1000 + n_kv));
    if (capped)
        c.shape.softcap = 1.0f;
    std::vector<float> got(static_cast<size_t>(vd)), want(static_cast<size_t>(vd)),
        scratch(static_cast<size_t>(attention_scratch_floats(c.shape)));
    attention_head_cpu(c.shape, c.q.data(), c.k.data() + hd, c.v.data() + vd, n_kv, got.data(), scratch.data());
    attention_head_scalar(c.shape, c.q.data(), c.k.data() + hd, c.v.data() + vd, n_kv, want.data(), scratch.data());
    // The two differ in Q.K summation order (about 1e-7 relative on a score) and in fusing the V
    // multiply-add before the F16 rounding, which can move the accumulator by one F16 step
    // (2^-11 of its size, and it never exceeds sum_j w_j * max|v|) at a position; the output
    // divides by sum_j w_j, so a flip moves it by at most 2^-11 * max|v|. Flips are independent
    // roundings of either sign, so n_kv of them add up like a random walk: 4 sqrt(n_kv) steps is a
    // 4-sigma bound (the worst case, n_kv steps, would hide real bugs at n_kv = 300). A wrong
    // position or weight errs by O(max|v|): the random q (scale 2) makes the softmax peaky.
    float vmax = 0;
    for (int64_t j = 0; j < n_kv; ++j)
        for (int64_t i = 0; i < vd; ++i)
            vmax = std::max(vmax, std::fabs(fp16_to_fp32(c.v[size_t(j * c.shape.v_stride + vd + i)])));
    const double tol = 4.0 * std::sqrt(double(n_kv)) * std::ldexp(1.0, -11) * vmax;
    double worst = 0;
    for (int i = 0; i < vd; ++i)
        worst = std::max(worst, std::fabs(double(got[size_t(i)]) - double(want[size_t(i)])));
    qInfo("max |simd - scalar| = %g (tol %g)", worst, tol);
    for (int i = 0; i < vd; ++i)
        QVERIFY2(std::fabs(double(got[size_t(i)]) - double(want[size_t(i)])) <= tol,
                 qPrintable(QStringLiteral("element %1: %2 vs %3 (tol %4)")
                                .arg(i)
                                .arg(got[size_t(i)])
                                .arg(want[size_t(i)])
                                .arg(tol)));
}

// Gemma 2's soft-capping: the output is the softmax of cap * tanh(scale * q.k / cap) over the
// positions, weighting V -- here computed directly in double over the F16-rounded q (the kernel
// rounds q to F16 as ggml does) and compared within the F16 accumulator's error.
void TestAttentionCpu::softcapMatchesDirectSum()
{
    const int64_t hd = 32, n_kv = 23;
    Case c = make_case(hd, hd, n_kv, 77);
    c.shape.softcap = 0.5f;
    std::vector<float> got(static_cast<size_t>(hd)), plain(static_cast<size_t>(hd)),
        scratch(static_cast<size_t>(attention_scratch_floats(c.shape)));
    attention_head_cpu(c.shape, c.q.data(), c.k.data(), c.v.data(), n_kv, got.data(), scratch.data());
    std::vector<double> w(static_cast<size_t>(n_kv));
    double total = 0;
    for (int64_t j = 0; j < n_kv; ++j) {
        double dot = 0;
        for (int64_t i = 0; i < hd; ++i)
            dot += double(fp16_to_fp32(fp32_to_fp16(c.q[size_t(i)]))) *
                   fp16_to_fp32(c.k[size_t(j * c.shape.k_stride + i)]);
        w[size_t(j)] = std::exp(0.5 * std::tanh(dot * c.shape.scale / 0.5));
        total += w[size_t(j)];
    }
    for (int64_t i = 0; i < hd; ++i) {
        double want = 0;
        for (int64_t j = 0; j < n_kv; ++j)
            want += w[size_t(j)] / total * fp16_to_fp32(c.v[size_t(j * c.shape.v_stride + i)]);
        QVERIFY2(std::fabs(got[size_t(i)] - want) < 5e-3,
                 qPrintable(QStringLiteral("element %1: %2, direct %3").arg(i).arg(got[size_t(i)]).arg(want)));
    }
    c.shape.softcap = 0.0f;   // without the cap the (peaky) weights differ clearly
    attention_head_cpu(c.shape, c.q.data(), c.k.data(), c.v.data(), n_kv, plain.data(), scratch.data());
    double diff = 0;
    for (int64_t i = 0; i < hd; ++i)
        diff = std::max(diff, double(std::fabs(plain[size_t(i)] - got[size_t(i)])));
    QVERIFY2(diff > 0.05, qPrintable(QStringLiteral("capped and uncapped differ by %1 only").arg(diff)));
}

void TestAttentionCpu::q8CacheMatchesDequantizedReference_data()
{
    QTest::addColumn<int>("hd");
    QTest::addColumn<int>("vd");
    QTest::addColumn<int>("n_kv");
    QTest::addColumn<bool>("dispatched");   // attention_head_q8_0_cpu rather than the scalar oracle
    for (bool dispatched : {false, true}) {
        const char* path = dispatched ? "dispatched" : "scalar";
        QTest::addRow("%s, one position", path) << 64 << 64 << 1 << dispatched;
        QTest::addRow("%s, hd 128, 300 positions", path) << 128 << 128 << 300 << dispatched;
        QTest::addRow("%s, hd 256, value_dim 64, 37 positions", path) << 256 << 64 << 37 << dispatched;
    }
}

namespace {

// Random Q8_0 keys and values of 3 heads a position (head 1 under test, strides in bytes).
struct Q8Case {
    AttentionShape shape;
    std::vector<float> q;
    std::vector<uint8_t> k, v;
};

Q8Case make_q8_case(int64_t hd, int64_t vd, int64_t n_kv, float q_scale, uint32_t seed)
{
    const int64_t n_heads = 3;
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Q8Case c;
    const int64_t k_row = n_heads * hd / 32 * 34, v_row = n_heads * vd / 32 * 34;
    c.shape = {hd, vd, k_row, v_row, 1.0f / std::sqrt(float(hd))};
    c.q.resize(size_t(hd));
    for (auto& x : c.q)
        x = q_scale * normal(rng);
    std::vector<float> kf(size_t(n_heads * hd)), vf(size_t(n_heads * vd));
    c.k.resize(size_t(n_kv * k_row));
    c.v.resize(size_t(n_kv * v_row));
    for (int64_t j = 0; j < n_kv; ++j) {
        for (auto* xs : {&kf, &vf})
            for (auto& x : *xs)
                x = normal(rng);
        quantize_row_ref(TensorType::Q8_0, kf.data(), &c.k[size_t(j * k_row)], n_heads * hd);
        quantize_row_ref(TensorType::Q8_0, vf.data(), &c.v[size_t(j * v_row)], n_heads * vd);
    }
    return c;
}

}   // namespace

void TestAttentionCpu::q8DispatchedMatchesScalarExactly_data()
{
    QTest::addColumn<int>("hd");
    QTest::addColumn<int>("vd");
    QTest::addColumn<int>("n_kv");
    QTest::addColumn<float>("q_scale");   // large: peaky softmax, the maximum moves often
    QTest::addColumn<float>("softcap");
    // Head sizes of 1, 2, 3, 4 and 8 blocks (the SIMD code takes blocks in pairs); position
    // counts below, at and around its steps of 8 and 16.
    for (int hd : {32, 64, 96, 128, 256})
        for (int n_kv : {1, 7, 8, 9, 16, 17, 33, 300})
            QTest::addRow("hd %d, n_kv %d", hd, n_kv) << hd << hd << n_kv << 1.0f << 0.0f;
    QTest::addRow("hd 256, value_dim 64") << 256 << 64 << 45 << 1.0f << 0.0f;
    QTest::addRow("hd 64, value_dim 160") << 64 << 160 << 45 << 1.0f << 0.0f;
    QTest::addRow("peaky softmax") << 64 << 64 << 200 << 30.0f << 0.0f;
    QTest::addRow("soft-capped") << 128 << 128 << 61 << 4.0f << 0.5f;
}

// The SIMD paths keep the oracle's float operations in their order (attention_q8_simd.h): equal
// bit for bit, whatever the dispatch (ctest also runs this with CAUSERIE_CPU=avx2 and scalar).
void TestAttentionCpu::q8DispatchedMatchesScalarExactly()
{
    QFETCH(int, hd);
    QFETCH(int, vd);
    QFETCH(int, n_kv);
    QFETCH(float, q_scale);
    QFETCH(float, softcap);
    Q8Case c = make_q8_case(hd, vd, n_kv, q_scale, uint32_t(hd * 7919 + n_kv * 31 + vd));
    c.shape.softcap = softcap;
    std::vector<float> got(size_t(vd), -1.0f), want(size_t(vd), -2.0f),
        scratch(size_t(attention_q8_0_scratch_floats(c.shape)));
    const uint8_t* k = c.k.data() + hd / 32 * 34;
    const uint8_t* v = c.v.data() + vd / 32 * 34;
    attention_head_q8_0(c.shape, c.q.data(), k, v, n_kv, want.data(), scratch.data());
    std::fill(scratch.begin(), scratch.end(), 123.0f);   // nothing carried over from the first call
    attention_head_q8_0_cpu(c.shape, c.q.data(), k, v, n_kv, got.data(), scratch.data());
    for (int i = 0; i < vd; ++i)
        QVERIFY2(std::memcmp(&got[size_t(i)], &want[size_t(i)], sizeof(float)) == 0,
                 qPrintable(QStringLiteral("element %1: %2 vs scalar %3")
                                .arg(i)
                                .arg(got[size_t(i)], 0, 'g', 9)
                                .arg(want[size_t(i)], 0, 'g', 9)));
    float norm = 0;   // a real output, not zeros on both sides
    for (float x : want)
        norm = std::max(norm, std::fabs(x));
    QVERIFY(norm > 0.01f);
}

// A Q8_0 cache (3 heads a position, head 1 under test, strides in bytes) against attention in
// double over the dequantized cache (d * code) and the F16-rounded query: the kernel computes
// the same values in float (block dot products in order, float V accumulator), so only float
// rounding differs: 1e-5 of max|v| (a few hundred float additions at 2^-24 relative).
void TestAttentionCpu::q8CacheMatchesDequantizedReference()
{
    QFETCH(int, hd);
    QFETCH(int, vd);
    QFETCH(int, n_kv);
    const int n_heads = 3;
    std::mt19937 rng(uint32_t(hd + n_kv));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> q(static_cast<size_t>(hd)), kf(static_cast<size_t>(n_kv * n_heads * hd)),
        vf(static_cast<size_t>(n_kv * n_heads * vd));
    for (auto* xs : {&q, &kf, &vf})
        for (auto& x : *xs)
            x = normal(rng);
    const size_t k_row = size_t(n_heads * hd / 32 * 34), v_row = size_t(n_heads * vd / 32 * 34);
    std::vector<uint8_t> k(size_t(n_kv) * k_row), v(size_t(n_kv) * v_row);
    std::vector<float> kd(kf.size()), vdq(vf.size());   // what the cache holds, dequantized
    for (int j = 0; j < n_kv; ++j) {
        quantize_row_ref(TensorType::Q8_0, &kf[size_t(j * n_heads * hd)], &k[size_t(j) * k_row], n_heads * hd);
        quantize_row_ref(TensorType::Q8_0, &vf[size_t(j * n_heads * vd)], &v[size_t(j) * v_row], n_heads * vd);
        dequantize_row_ref(TensorType::Q8_0, &k[size_t(j) * k_row], &kd[size_t(j * n_heads * hd)], n_heads * hd);
        dequantize_row_ref(TensorType::Q8_0, &v[size_t(j) * v_row], &vdq[size_t(j * n_heads * vd)], n_heads * vd);
    }
    const AttentionShape shape{hd, vd, int64_t(k_row), int64_t(v_row), 1.0f / std::sqrt(float(hd))};
    std::vector<float> got(static_cast<size_t>(vd)), scratch(static_cast<size_t>(attention_q8_0_scratch_floats(shape)));
    QFETCH(bool, dispatched);
    (dispatched ? attention_head_q8_0_cpu : attention_head_q8_0)(
        shape, q.data(), k.data() + hd / 32 * 34, v.data() + vd / 32 * 34, n_kv, got.data(), scratch.data());
    std::vector<double> w(static_cast<size_t>(n_kv));
    double total = 0, m = -INFINITY, vmax = 0;
    for (int j = 0; j < n_kv; ++j) {
        double dot = 0;
        for (int i = 0; i < hd; ++i)
            dot += double(fp16_to_fp32(fp32_to_fp16(q[size_t(i)]))) * kd[size_t(j * n_heads * hd + hd + i)];
        w[size_t(j)] = dot * shape.scale;
        m = std::max(m, w[size_t(j)]);
    }
    for (auto& x : w)
        total += (x = std::exp(x - m));
    for (float x : vdq)
        vmax = std::max(vmax, double(std::fabs(x)));
    double worst = 0;
    for (int i = 0; i < vd; ++i) {
        double want = 0;
        for (int j = 0; j < n_kv; ++j)
            want += w[size_t(j)] / total * vdq[size_t(j * n_heads * vd + vd + i)];
        worst = std::max(worst, std::fabs(got[size_t(i)] - want) / vmax);
    }
    QVERIFY2(worst <= 1e-5, qPrintable(QStringLiteral("%1 of max|v|").arg(worst)));
    if (n_kv == 1)   // one position: its dequantized value, to float rounding of p * v / p
        for (int i = 0; i < vd; ++i)
            QCOMPARE(got[size_t(i)], vdq[size_t(vd + i)]);
}

QTEST_GUILESS_MAIN(TestAttentionCpu)
#include "tst_attention_cpu.moc"
