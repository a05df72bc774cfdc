// Reference quantizers: activation formats byte-exact against gguf-py / ggml's reference
// rounding (tests/data/quant/quant_vectors.txt), weight formats by their reconstruction error.
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/quant_types.h"
#include "kernels/cpu/quantize_ref.h"
#include "quant_vectors.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace causerie::kernels;

namespace {

std::vector<uint8_t> encode(TensorType type, const std::vector<float>& x)
{
    std::vector<uint8_t> out(row_bytes(type, int64_t(x.size())), 0xAB);
    quantize_row_ref(type, x.data(), out.data(), int64_t(x.size()));
    return out;
}

std::vector<float> round_trip(TensorType type, const std::vector<float>& x)
{
    const auto q = encode(type, x);
    std::vector<float> y(x.size());
    dequantize_row_ref(type, q.data(), y.data(), int64_t(x.size()));
    return y;
}

// Largest allowed |x - decode(encode(x))| for element i of row x, per format.
// "step" is the spacing of the block's code grid; rounding to the nearest code costs at most
// step/2. fp16 scales add a relative error of at most 2^-11 per unit of code.
double error_bound(TensorType type, const std::vector<float>& x, size_t i)
{
    auto block_of = [&](size_t bs) {
        const size_t b0 = i / bs * bs;
        return std::vector<float>(x.begin() + long(b0), x.begin() + long(b0 + bs));
    };
    auto amax_of = [](const std::vector<float>& b) {
        double a = 0;
        for (float v : b)
            a = std::max(a, double(std::fabs(v)));
        return a;
    };
    const double h = std::ldexp(1.0, -11);   // fp16 relative rounding
    switch (type) {
    case TensorType::F32: return 0.0;
    case TensorType::F16:
        // 11 significant bits: half a unit is <= |x| 2^-11; in the subnormal range 2^-25.
        return std::fabs(x[i]) * h + std::ldexp(1.0, -25);
    case TensorType::BF16: return std::fabs(x[i]) * std::ldexp(1.0, -8);   // 8 significant bits: half a unit
    case TensorType::Q8_0: {
        // step d = amax/127; codes up to 127 carry the fp16 error of d.
        const double d = amax_of(block_of(32)) / 127;
        return d / 2 + 127 * d * h + 1e-12;
    }
    case TensorType::Q4_0:
    case TensorType::Q5_0: {
        // d = max/-(2^(b-1)): the largest magnitude is code 0 exactly, but the opposite end
        // clips at 2^(b-1)-1, one full step short, so the bound is a whole step there.
        const double levels = type == TensorType::Q4_0 ? 8 : 16;
        const double d = amax_of(block_of(32)) / levels;
        return d + levels * d * h + 1e-12;
    }
    case TensorType::Q4_1:
    case TensorType::Q5_1: {
        const auto b = block_of(32);
        const auto [lo, hi] = std::minmax_element(b.begin(), b.end());
        const double d = (double(*hi) - *lo) / (type == TensorType::Q4_1 ? 15 : 31);
        return d / 2 + 31 * d * h + std::fabs(*lo) * h + 1e-12;   // + fp16 rounding of the min
    }
    case TensorType::Q4_K:
    case TensorType::Q5_K: {
        // Coded range per sub-block covers [min(0, lo), hi] with an offset rounded down by at
        // most one dmin (<= R/63) and a step rounded up by at most one d (<= step/63), where R
        // is the super-block's range including 0: step <= R (1 + 1/63)^2 / qmax. 1.05 covers
        // those factors plus fp16 rounding of d and dmin (rounded up, at most 2^-10 each).
        const auto b = block_of(256);
        double lo = 0, hi = 0;
        for (float v : b) {
            lo = std::min(lo, double(v));
            hi = std::max(hi, double(v));
        }
        const double qmax = type == TensorType::Q4_K ? 15 : 31;
        return 0.5 * (hi - lo) / qmax * 1.05 + 1e-12;
    }
    case TensorType::Q6_K: {
        // Symmetric codes in [-31, 31] per sub-block of 16, scale rounded up by at most one d
        // (= max scale / 127), so step <= amax/31 * (1 + 1/127) over the super-block.
        const double a = amax_of(block_of(256));
        return 0.5 * a / 31 * 1.02 + 1e-12;
    }
    default: return -1;
    }
}

const TensorType k_weight_types[] = {
    TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0,
    TensorType::Q5_1, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K,
};

std::vector<float> random_row(std::mt19937& rng, size_t n, float scale)
{
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> x(n);
    for (float& v : x)
        v = dist(rng);
    return x;
}

}   // namespace

class TestQuantize : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void againstGgufPy_data();
    void againstGgufPy();
    void handQ8_0();
    void roundTripError_data();
    void roundTripError();
    void allZeroRowsDecodeToZero();
    void q8kBsumsMatchCodes();
    void nanInputDoesNotCrash();
};

void TestQuantize::againstGgufPy_data()
{
    QString error;
    const int count = quant_test::add_vector_rows("quantize", &error);
    QVERIFY2(count >= 0, qPrintable(error));
    QCOMPARE(count, 10);   // Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q8_1 Q8_K (x2) F16 BF16
}

void TestQuantize::againstGgufPy()
{
    const auto v = quant_test::current_vector();
    TensorType type{};
    QVERIFY(quant_test::type_from_name(v.type_name, &type));
    QCOMPARE(int64_t(v.floats.size()), v.n);
    QCOMPARE(v.bytes.size(), row_bytes(type, v.n));
    // Activation rows must be encoded exactly as llama.cpp does, or logits drift from it.
    const auto got = encode(type, v.floats);
    for (size_t i = 0; i < got.size(); ++i) {
        if (got[i] != v.bytes[i])
            QFAIL(qPrintable(QStringLiteral("byte %1: got 0x%2, expected 0x%3")
                                 .arg(i)
                                 .arg(got[i], 2, 16, QLatin1Char('0'))
                                 .arg(v.bytes[i], 2, 16, QLatin1Char('0'))));
    }
}

void TestQuantize::handQ8_0()
{
    // amax = 127 gives d = 1 exactly, so codes are round-half-away-from-zero of the inputs.
    std::vector<float> x(32, 0.0f);
    x[0] = 127.0f;
    x[1] = 2.5f;
    x[2] = -2.5f;
    x[3] = 0.49f;
    x[4] = -126.5f;
    x[5] = 3.0f;
    const auto q = encode(TensorType::Q8_0, x);
    QCOMPARE(q.size(), size_t(34));
    QCOMPARE(int(q[0]), 0x00);   // d = 1.0 = 0x3C00, little-endian
    QCOMPARE(int(q[1]), 0x3C);
    QCOMPARE(int(int8_t(q[2])), 127);
    QCOMPARE(int(int8_t(q[3])), 3);
    QCOMPARE(int(int8_t(q[4])), -3);
    QCOMPARE(int(int8_t(q[5])), 0);
    QCOMPARE(int(int8_t(q[6])), -127);
    QCOMPARE(int(int8_t(q[7])), 3);
    QCOMPARE(int(int8_t(q[33])), 0);
}

void TestQuantize::roundTripError_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("shape");
    const QString shapes[] = {QStringLiteral("random"),        QStringLiteral("mixed-scales"),
                              QStringLiteral("one-huge"),      QStringLiteral("negative-only"),
                              QStringLiteral("positive-only"), QStringLiteral("constant")};
    for (TensorType t : k_weight_types)
        for (const QString& s : shapes)
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(type_traits(uint32_t(t))->name), s)))
                << int(t) << s;
}

void TestQuantize::roundTripError()
{
    QFETCH(int, type);
    QFETCH(QString, shape);
    const auto t = static_cast<TensorType>(type);
    std::mt19937 rng(1234);
    const size_t n = 512;   // two K super-blocks, sixteen legacy blocks
    std::vector<float> x = random_row(rng, n, 1.0f);
    if (shape == QLatin1String("mixed-scales")) {
        for (size_t i = 0; i < n; ++i)   // sub-blocks whose magnitudes differ by up to 1e4
            x[i] *= std::pow(10.0f, float((i / 32) % 5) - 2.0f);
    } else if (shape == QLatin1String("one-huge")) {
        x[77] = 1000.0f;
        x[300] = -3000.0f;
    } else if (shape == QLatin1String("negative-only")) {
        for (float& v : x)
            v = -std::fabs(v) - 0.5f;
    } else if (shape == QLatin1String("positive-only")) {
        for (float& v : x)
            v = std::fabs(v) + 2.0f;
    } else if (shape == QLatin1String("constant")) {
        std::fill(x.begin(), x.end(), -0.75f);
    }
    const auto y = round_trip(t, x);
    double worst_ratio = 0;
    for (size_t i = 0; i < n; ++i) {
        const double err = std::fabs(double(y[i]) - double(x[i]));
        const double bound = error_bound(t, x, i);
        if (!(err <= bound))
            QFAIL(qPrintable(QStringLiteral("element %1: x=%2 decoded %3, error %4 > bound %5")
                                 .arg(i)
                                 .arg(double(x[i]))
                                 .arg(double(y[i]))
                                 .arg(err)
                                 .arg(bound)));
        if (bound > 0)
            worst_ratio = std::max(worst_ratio, err / bound);
    }
    // Guard against a bound so loose that it says nothing: the worst element of a random row
    // uses a fair share of it (F32 is exact and has bound 0).
    if (t != TensorType::F32 && shape == QLatin1String("random"))
        QVERIFY2(worst_ratio > 0.2, qPrintable(QString::number(worst_ratio)));
}

void TestQuantize::allZeroRowsDecodeToZero()
{
    const std::vector<float> x(512, 0.0f);
    for (TensorType t : k_weight_types) {
        const auto y = round_trip(t, x);
        for (float v : y)
            QCOMPARE(v, 0.0f);
    }
    for (TensorType t : {TensorType::Q8_1, TensorType::Q8_K}) {
        const auto y = round_trip(t, x);
        for (float v : y)
            QCOMPARE(v, 0.0f);
    }
}

void TestQuantize::q8kBsumsMatchCodes()
{
    // bsums[j] must be the sum of codes 16j..16j+15 (the K-quant dots use them for the min term).
    std::mt19937 rng(7);
    const auto x = random_row(rng, 256, 3.0f);
    const auto q = encode(TensorType::Q8_K, x);
    QCOMPARE(q.size(), size_t(292));
    for (int j = 0; j < 16; ++j) {
        int sum = 0;
        for (int l = 0; l < 16; ++l)
            sum += int8_t(q[4 + 16 * j + l]);
        int16_t bsum;
        std::memcpy(&bsum, &q[4 + 256 + 2 * j], 2);
        QCOMPARE(int(bsum), sum);
    }
}

void TestQuantize::nanInputDoesNotCrash()
{
    // A NaN activation (from a broken model) must not be undefined behaviour in the float->int
    // conversion: its code becomes 0 and the rest of the block is coded as if it were absent.
    std::vector<float> x(256, 1.0f);
    x[3] = NAN;
    x[4] = 127.0f;
    const auto q8 = encode(TensorType::Q8_0, x);
    QCOMPARE(int(int8_t(q8[2 + 3])), 0);
    QCOMPARE(int(int8_t(q8[2 + 4])), 127);
    QCOMPARE(int(int8_t(q8[2 + 0])), 1);
    const auto qk = encode(TensorType::Q8_K, x);
    QCOMPARE(int(int8_t(qk[4 + 3])), 0);
    QCOMPARE(int(int8_t(qk[4 + 4])), -127);
    for (TensorType t : k_weight_types)
        (void)encode(t, x);   // must simply return (run under the sanitizers in CI)
}

QTEST_GUILESS_MAIN(TestQuantize)
#include "tst_quantize.moc"
