// Reference element-wise ops (kernels/cpu/ops_ref.h) against values worked out independently:
// NeoX RoPE from the rotation formula in double precision, and against the normal layout on the
// same values interleaved.
#include "kernels/cpu/ops_ref.h"

#include <QtTest>

#include <cmath>
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
            (neox ? rope_neox_ref : rope_ref)(plain.data(), 1, head_dim, n_rot, 9, 10000.0f, nullptr, 1.0f);
            (neox ? rope_neox_ref : rope_ref)(scaled.data(), 1, head_dim, n_rot, 9, 10000.0f, nullptr, 1.25f);
            for (int i = 0; i < n_rot; ++i)
                QVERIFY(std::fabs(scaled[size_t(i)] - 1.25f * plain[size_t(i)]) < 1e-6f);
            for (int i = n_rot; i < head_dim; ++i)
                QCOMPARE(scaled[size_t(i)], x[size_t(i)]);
        }
    }
};

QTEST_GUILESS_MAIN(TestOpsRef)
#include "tst_ops_ref.moc"
