// The dispatched (SIMD) matrix products for Q2_K, Q3_K, IQ4_NL and IQ4_XS against the reference
// dot products (the oracle; tst_matmul checks those against gguf-py-verified decoders). The
// SIMD kernels sum exact integers per block and repeat the reference's float operations in its
// order, so every output must be bit-identical.
//
// Registered three times (cpu.cmake): as is (AVX-512 VNNI on a machine that has it) and with
// CAUSERIE_CPU=avx2 and =scalar, so each dispatch path runs on one machine.
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/matmul_cpu.h"
#include "kernels/cpu/matmul_ref.h"
#include "kernels/cpu/quant_types.h"
#include "../common/extreme_code_rows.h"
#include "../common/data_columns.h"

#include <QtTest>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

using namespace causerie::kernels;

namespace {

const TensorType k_types[] = {TensorType::Q2_K, TensorType::Q3_K, TensorType::IQ4_NL, TensorType::IQ4_XS};

const char* name_of(TensorType t) { return type_traits(uint32_t(t))->name; }

void put_half(uint8_t* p, float v)
{
    const uint16_t h = fp32_to_fp16(v);
    std::memcpy(p, &h, 2);
}

// Byte offsets of the fp16 scale fields of one block.
std::vector<int> half_fields(TensorType t)
{
    switch (t) {
    case TensorType::Q2_K: return {80, 82};
    case TensorType::Q3_K: return {108};
    default: return {0};   // IQ4_NL, IQ4_XS
    }
}

// One row: every code byte `fill` (or random when fill < 0), scales of a realistic size
// (Q2_K's d and dmin non-negative, as its quantizer writes them).
void make_row(TensorType t, int64_t cols, std::mt19937& rng, int fill, uint8_t* out)
{
    const TypeTraits* tr = type_traits(uint32_t(t));
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_real_distribution<float> mag(0.001f, 0.05f);
    for (size_t i = 0; i < row_bytes(t, cols); ++i)
        out[i] = uint8_t(fill < 0 ? byte(rng) : fill);
    for (int64_t b = 0; b < cols / tr->block_size; ++b)
        for (int off : half_fields(t)) {
            const float sign = (t == TensorType::Q2_K || byte(rng) < 128) ? 1.0f : -1.0f;
            put_half(out + size_t(b) * tr->block_bytes + size_t(off), sign * mag(rng));
        }
}

struct Problem {
    std::vector<uint8_t> w;        // rows x stride
    std::vector<uint8_t> x_conv;   // tokens x converted_row_bytes
    size_t stride = 0;
};

Problem make_problem(TensorType t, int rows, int64_t cols, int tokens, int row_pad, int fill, float x_const,
                     uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Problem p;
    p.stride = row_bytes(t, cols) + size_t(row_pad);
    p.w.assign(p.stride * size_t(rows) + 1, 0);   // +1: rows start at an odd address below
    for (int r = 0; r < rows; ++r)
        make_row(t, cols, rng, fill, p.w.data() + 1 + size_t(r) * p.stride);
    std::vector<float> x(size_t(tokens) * size_t(cols));
    for (float& v : x)
        v = x_const != 0.0f ? x_const : normal(rng) * 3.0f;
    p.x_conv.resize(converted_row_bytes(t, cols) * size_t(tokens));
    convert_activations_cpu(t, x.data(), cols, 0, tokens, p.x_conv.data());
    return p;
}

QString compare_to_reference(TensorType t, const Problem& p, int rows, int64_t cols, int tokens, int ldy)
{
    const float sentinel = -777.0f;
    std::vector<float> y(size_t(tokens) * size_t(ldy), sentinel);
    const uint8_t* w = p.w.data() + 1;
    matmul_converted_cpu(t, w, p.stride, rows, cols, p.x_conv.data(), tokens, y.data(), ldy);
    const size_t xs = converted_row_bytes(t, cols);
    for (int k = 0; k < tokens; ++k) {
        for (int r = 0; r < rows; ++r) {
            const float want = vec_dot_ref(t, w + size_t(r) * p.stride, p.x_conv.data() + size_t(k) * xs, cols);
            const float got = y[size_t(k) * size_t(ldy) + size_t(r)];
            if (std::memcmp(&want, &got, 4) != 0)
                return QStringLiteral("%1 row %2 token %3: %4, reference %5")
                    .arg(QLatin1String(name_of(t)))
                    .arg(r)
                    .arg(k)
                    .arg(double(got), 0, 'g', 9)
                    .arg(double(want), 0, 'g', 9);
        }
        for (int r = rows; r < ldy; ++r)
            if (y[size_t(k) * size_t(ldy) + size_t(r)] != sentinel)
                return QStringLiteral("output %1 past the rows was written").arg(r);
    }
    return {};
}

}   // namespace

class TestMatmulLowbit : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void againstReference_data();
    void againstReference();
    void extremeCodesDoNotSaturate_data();
    void extremeCodesDoNotSaturate();
    void batchEqualsOneTokenAtATime();
};

void TestMatmulLowbit::initTestCase()
{
    qInfo("dispatch: %s", cpu_features_summary().c_str());
    // Where the CPU has AVX2, these types must run the SIMD kernels: otherwise this test would
    // compare the reference with itself.
    for (TensorType t : k_types)
        QCOMPARE(matmul_cpu_is_simd(t), cpu_features().avx2);
}

void TestMatmulLowbit::againstReference_data()
{
    causerie::testing::addColumns<int>({"type", "rows", "blocks", "tokens", "ldy", "row_pad"});
    for (TensorType t : k_types) {
        const QLatin1String n(name_of(t));
        QTest::addRow("%s 1 block 1 token", n.data()) << int(t) << 1 << 1 << 1 << 1 << 0;
        QTest::addRow("%s 3 blocks 5 tokens", n.data()) << int(t) << 7 << 3 << 5 << 9 << 3;
        QTest::addRow("%s 7 blocks 9 tokens odd rows", n.data()) << int(t) << 33 << 7 << 9 << 40 << 1;
        QTest::addRow("%s 16 blocks 37 tokens", n.data()) << int(t) << 5 << 16 << 37 << 5 << 0;
    }
}

void TestMatmulLowbit::againstReference()
{
    QFETCH(int, type);
    QFETCH(int, rows);
    QFETCH(int, blocks);
    QFETCH(int, tokens);
    QFETCH(int, ldy);
    QFETCH(int, row_pad);
    const auto t = static_cast<TensorType>(type);
    const int64_t cols = blocks * type_traits(uint32_t(t))->block_size;
    const Problem p = make_problem(t, rows, cols, tokens, row_pad, -1, 0.0f, uint32_t(type * 100 + blocks));
    const QString problem = compare_to_reference(t, p, rows, cols, tokens, ldy);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestMatmulLowbit::extremeCodesDoNotSaturate_data() { causerie::testing::addExtremeCodeRows(k_types); }

void TestMatmulLowbit::extremeCodesDoNotSaturate()
{
    QFETCH(int, type);
    QFETCH(int, fill);
    QFETCH(float, x);
    const auto t = static_cast<TensorType>(type);
    const int64_t cols = 4 * type_traits(uint32_t(t))->block_size + (t == TensorType::IQ4_NL ? 32 : 0);
    const Problem p = make_problem(t, 3, cols, 2, 0, fill, x, 5);
    const QString problem = compare_to_reference(t, p, 3, cols, 2, 3);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    // And the value is the large one it should be (not a saturated or wrapped sum): all codes
    // equal, so |y| = |sum of decoded weights| * 127 * d_x, far from 0.
    std::vector<float> y(2 * 3);
    matmul_converted_cpu(t, p.w.data() + 1, p.stride, 3, cols, p.x_conv.data(), 2, y.data(), 3);
    std::vector<float> dec(static_cast<size_t>(cols));
    dequantize_row_ref(t, p.w.data() + 1, dec.data(), cols);
    double expect = 0;
    for (float v : dec)
        expect += double(v) * double(x);
    QVERIFY2(std::fabs(double(y[0]) - expect) <= 1e-2 * std::fabs(expect) + 1e-6,
             qPrintable(QStringLiteral("%1 vs %2").arg(double(y[0])).arg(expect)));
}

void TestMatmulLowbit::batchEqualsOneTokenAtATime()
{
    // A prompt of many tokens gives the same bits as decoding the tokens one at a time.
    for (TensorType t : k_types) {
        const int rows = 6, tokens = 37;
        const int64_t cols = 3 * type_traits(uint32_t(t))->block_size;
        const Problem p = make_problem(t, rows, cols, tokens, 0, -1, 0.0f, 77);
        std::vector<float> batch(size_t(tokens) * rows), one(size_t(tokens) * rows);
        matmul_converted_cpu(t, p.w.data() + 1, p.stride, rows, cols, p.x_conv.data(), tokens, batch.data(), rows);
        const size_t xs = converted_row_bytes(t, cols);
        for (int k = 0; k < tokens; ++k)
            matmul_converted_cpu(t, p.w.data() + 1, p.stride, rows, cols, p.x_conv.data() + size_t(k) * xs, 1,
                                 one.data() + size_t(k) * rows, rows);
        QVERIFY2(std::memcmp(batch.data(), one.data(), batch.size() * sizeof(float)) == 0, name_of(t));
    }
}

QTEST_GUILESS_MAIN(TestMatmulLowbit)
#include "tst_matmul_lowbit.moc"
