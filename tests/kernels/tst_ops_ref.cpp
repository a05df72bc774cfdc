// Reference element-wise ops (kernels/cpu/ops_ref.h) against values worked out independently:
// NeoX RoPE from the rotation formula in double precision, and against the normal layout on the
// same values interleaved.
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/ops_ref.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace causerie::kernels;

class TestOpsRef : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Pair i is (x[i], x[i + n_rot/2]), rotated by pos * base^(-2i/n_rot); dims >= n_rot untouched.
    void ropeNeoxRotatesHalfPairs_data()
    {
        QTest::addColumn<int>("n_rot");
        QTest::addColumn<int>("pos");
        QTest::newRow("all dims, pos 3") << 8 << 3;
        QTest::newRow("half the dims, pos 17") << 4 << 17;
        QTest::newRow("pos 0 is the identity") << 8 << 0;
    }
    void ropeNeoxRotatesHalfPairs()
    {
        QFETCH(int, n_rot);
        QFETCH(int, pos);
        const int head_dim = 8, heads = 2;
        std::vector<float> x(size_t(heads * head_dim));
        for (size_t i = 0; i < x.size(); ++i)
            x[i] = 0.25f * float(i) - 1.5f;
        std::vector<float> got = x;
        rope_neox_ref(got.data(), heads, head_dim, n_rot, pos, 10000.0f);
        const int half = n_rot / 2;
        for (int h = 0; h < heads; ++h) {
            const float* in = &x[size_t(h * head_dim)];
            const float* out = &got[size_t(h * head_dim)];
            for (int i = 0; i < half; ++i) {
                const double angle = pos * std::pow(10000.0, -2.0 * i / n_rot);
                const double a = in[i], b = in[i + half];
                QVERIFY(std::fabs(out[i] - (a * std::cos(angle) - b * std::sin(angle))) < 1e-5);
                QVERIFY(std::fabs(out[i + half] - (a * std::sin(angle) + b * std::cos(angle))) < 1e-5);
            }
            for (int i = n_rot; i < head_dim; ++i)
                QCOMPARE(out[i], in[i]);
        }
        if (pos == 0)
            QCOMPARE(got, x);
        else
            QVERIFY(got != x);
    }

    // The same rotation as the normal layout once the halves are interleaved, frequency factors
    // (which divide each pair's angle) included: bit for bit, the angles being computed alike.
    void ropeNeoxIsNormalRopeOnInterleavedValues()
    {
        const int head_dim = 16, n_rot = 12, half = n_rot / 2;
        const std::vector<float> factors = {1.0f, 1.0f, 2.0f, 3.0f, 8.0f, 8.0f};
        std::vector<float> x(head_dim), inter(head_dim);
        for (int i = 0; i < head_dim; ++i)
            x[size_t(i)] = std::sin(0.7f * float(i) + 0.3f);
        for (int i = 0; i < half; ++i) {
            inter[size_t(2 * i)] = x[size_t(i)];
            inter[size_t(2 * i + 1)] = x[size_t(i + half)];
        }
        for (int i = n_rot; i < head_dim; ++i)
            inter[size_t(i)] = x[size_t(i)];
        rope_neox_ref(x.data(), 1, head_dim, n_rot, 41, 500000.0f, factors.data());
        rope_ref(inter.data(), 1, head_dim, n_rot, 41, 500000.0f, factors.data());
        for (int i = 0; i < half; ++i) {
            QCOMPARE(x[size_t(i)], inter[size_t(2 * i)]);
            QCOMPARE(x[size_t(i + half)], inter[size_t(2 * i + 1)]);
        }
        for (int i = n_rot; i < head_dim; ++i)
            QCOMPARE(x[size_t(i)], inter[size_t(i)]);
    }

    // mscale (LongRoPE's attn_factor) multiplies cos and sin: the rotated values scale by it, the
    // untouched dims do not.
    void ropeMscaleScalesRotatedDims()
    {
        const int head_dim = 8, n_rot = 6;
        std::vector<float> x(head_dim);
        for (int i = 0; i < head_dim; ++i)
            x[size_t(i)] = 0.5f + 0.125f * float(i);
        for (const bool neox : {false, true}) {
            std::vector<float> plain = x, scaled = x;
            (neox ? rope_neox_ref : rope_ref)(plain.data(), 1, head_dim, n_rot, 9, 10000.0f, nullptr, 1.0f, 1.0f);
            (neox ? rope_neox_ref : rope_ref)(scaled.data(), 1, head_dim, n_rot, 9, 10000.0f, nullptr, 1.25f, 1.0f);
            for (int i = 0; i < n_rot; ++i)
                QVERIFY(std::fabs(scaled[size_t(i)] - 1.25f * plain[size_t(i)]) < 1e-6f);
            for (int i = n_rot; i < head_dim; ++i)
                QCOMPARE(scaled[size_t(i)], x[size_t(i)]);
        }
    }

    // GELU (tanh form) of the gate times up, within F16 rounding of the exact value; the ends as
    // ggml's table leaves them.
    void gegluMatchesFormula()
    {
        const std::vector<float> gate = {-12.0f, -3.0f, -0.5f, 0.0f, 0.25f, 1.0f, 2.5f, 9.5f, 11.0f};
        const std::vector<float> up = {2.0f, 1.0f, -1.5f, 3.0f, 1.0f, 0.5f, -2.0f, 1.0f, 0.5f};
        std::vector<float> out(gate.size());
        geglu_ref(gate.data(), up.data(), out.data(), int64_t(gate.size()));
        for (size_t i = 0; i < gate.size(); ++i) {
            const double x = gate[i];
            double want = 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
            if (x <= -10.0)
                want = 0.0;
            else if (x >= 10.0)
                want = x;
            want *= up[i];
            QVERIFY2(std::fabs(out[i] - want) <= 2e-3 * std::fabs(want) + 1e-6,
                     qPrintable(QStringLiteral("gelu(%1) * %2 = %3, want %4").arg(x).arg(up[i]).arg(out[i]).arg(want)));
        }
        QCOMPARE(out[0], 0.0f);
        QCOMPARE(out[8], 11.0f * 0.5f);
    }

    // Between -10 and 10 geglu_ref reads its table: equal, bit for bit, to the expression of
    // gelu_tanh_f16 for every half there (gate rounded to F16 first), times up.
    void gegluTableMatchesExpressionForEveryHalf()
    {
        constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f, kA = 0.044715f;
        std::vector<float> gate, up;
        for (uint32_t h = 0; h < 65536; ++h) {
            const float x = fp16_to_fp32(uint16_t(h));
            if (x > -10.0f && x < 10.0f) {
                gate.push_back(x);
                up.push_back(h % 2 ? 1.0f : -0.75f);
            }
        }
        QCOMPARE(gate.size(), size_t(2 * 0x4900));   // 10 is 0x4900: codes 0 .. 0x48FF of either sign
        std::vector<float> out(gate.size());
        geglu_ref(gate.data(), up.data(), out.data(), int64_t(gate.size()));
        int differing = 0;
        for (size_t i = 0; i < gate.size(); ++i) {
            const float x = gate[i];
            const float act =
                fp16_to_fp32(fp32_to_fp16(0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kA * x * x)))));
            const float entry = gelu_tanh_f16(fp32_to_fp16(x)), want = act * up[i];
            if (std::memcmp(&entry, &act, 4) != 0 || std::memcmp(&out[i], &want, 4) != 0)
                ++differing;
        }
        QCOMPARE(differing, 0);
        // a gate between halves is rounded to the nearest one first
        const float between = fp16_to_fp32(0x3C00) + 0x1p-12f, one = 1.0f;   // 1 + 1/4096 rounds to 1
        float got = 0;
        geglu_ref(&between, &one, &got, 1);
        QCOMPARE(got, gelu_tanh_f16(0x3C00));
    }

    // The dispatched GeGLU (AVX2 on x86-64 with it; ctest also runs this with CAUSERIE_CPU=scalar)
    // equals geglu_ref bit for bit: every half, the ties between neighbouring halves and the
    // floats next to them (round to nearest even), the -10 / 10 cut-offs, infinities, float and
    // half subnormals, random gates over [-12, 12]; an odd count, so the tail runs too.
    void gegluDispatchedMatchesReferenceExactly()
    {
        std::vector<float> gate = {10.0f,
                                   -10.0f,
                                   std::nextafter(10.0f, 0.0f),
                                   std::nextafter(-10.0f, 0.0f),
                                   0x1p-25f,
                                   -0x1p-25f,
                                   0x1.8p-25f,
                                   0x1p-149f,
                                   -0.0f,
                                   INFINITY,
                                   -INFINITY};
        for (uint32_t h = 0; h < 0x7C00; ++h)
            for (uint32_t sign : {0u, 0x8000u}) {
                const float a = fp16_to_fp32(uint16_t(sign | h)), b = fp16_to_fp32(uint16_t(sign | (h + 1)));
                const float tie = float((double(a) + double(b)) / 2);   // exact: halves have 11 bits
                gate.insert(gate.end(), {a, tie, std::nextafter(tie, a), std::nextafter(tie, b)});
            }
        std::mt19937 rng(19);
        std::uniform_real_distribution<float> uniform(-12.0f, 12.0f);
        for (int i = 0; i < 100001; ++i)
            gate.push_back(uniform(rng));
        if (gate.size() % 2 == 0)
            gate.push_back(3.0f);
        std::vector<float> up(gate.size()), got(gate.size(), -1.0f), want(gate.size(), -2.0f);
        for (size_t i = 0; i < up.size(); ++i)
            up[i] = uniform(rng);
        geglu_ref(gate.data(), up.data(), want.data(), int64_t(gate.size()));
        geglu_cpu(gate.data(), up.data(), got.data(), int64_t(gate.size()));
        int differing = 0;
        for (size_t i = 0; i < gate.size(); ++i)
            if (std::memcmp(&got[i], &want[i], 4) != 0 && differing++ < 5)
                qWarning("gate %.9g up %.9g: %.9g vs reference %.9g", gate[i], up[i], got[i], want[i]);
        QCOMPARE(differing, 0);
        QCOMPARE(want[0], 10.0f * up[0]);   // real values: above the cut-off the gate itself
        QCOMPARE(want[1], 0.0f * up[1]);
    }

    // The dispatched RMSNorm equals rmsnorm_ref bit for bit (ctest also runs this with
    // CAUSERIE_CPU=scalar), out of place and in place, at lengths with and without a tail.
    void rmsnormDispatchedMatchesReferenceExactly()
    {
        std::mt19937 rng(7);
        std::normal_distribution<float> normal(0.0f, 3.0f);
        for (int64_t n : {1, 7, 8, 64, 256, 640, 1003}) {
            std::vector<float> x(static_cast<size_t>(n)), w(static_cast<size_t>(n));
            for (size_t i = 0; i < x.size(); ++i) {
                x[i] = normal(rng) * (i % 17 == 0 ? 1000.0f : 1.0f);   // mixed magnitudes
                w[i] = 1.0f + normal(rng);
            }
            std::vector<float> want(x.size(), -2.0f), got(x.size(), -1.0f), in_place = x;
            rmsnorm_ref(x.data(), w.data(), want.data(), n, 1e-6f);
            rmsnorm_cpu(x.data(), w.data(), got.data(), n, 1e-6f);
            rmsnorm_cpu(in_place.data(), w.data(), in_place.data(), n, 1e-6f);
            QVERIFY2(std::memcmp(got.data(), want.data(), x.size() * 4) == 0, qPrintable(QString::number(n)));
            QVERIFY2(std::memcmp(in_place.data(), want.data(), x.size() * 4) == 0, qPrintable(QString::number(n)));
            double ms = 0;   // real values: mean square of y / w is 1
            for (size_t i = 0; i < x.size(); ++i)
                ms += double(want[i] / w[i]) * double(want[i] / w[i]);
            QVERIFY(std::fabs(ms / double(n) - 1.0) < 1e-3);
        }
    }

    void softcapMatchesFormula()
    {
        std::vector<float> x = {-100.0f, -5.0f, 0.0f, 1.0f, 29.0f, 1000.0f};
        const std::vector<float> in = x;
        softcap_ref(x.data(), int64_t(x.size()), 30.0f);
        for (size_t i = 0; i < x.size(); ++i) {
            QVERIFY(std::fabs(x[i] - 30.0 * std::tanh(in[i] / 30.0)) < 1e-5);
            QVERIFY(std::fabs(x[i]) < 30.0f + 1e-4f);
        }
        QCOMPARE(x[2], 0.0f);
    }
};

QTEST_GUILESS_MAIN(TestOpsRef)
#include "tst_ops_ref.moc"
