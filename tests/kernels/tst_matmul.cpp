// Reference dot products / matmul against the plain dot product of dequantized weights with
// the activations after their own conversion round trip (quantize to vec_dot_type, decode).
// The decoders are checked independently in tst_dequant, the activation encoders in
// tst_quantize, so this pins down the integer-block dot products and their scaling.
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/matmul_ref.h"
#include "kernels/cpu/quant_blocks_ref.h"
#include "kernels/cpu/quant_types.h"
#include "kernels/cpu/quantize_ref.h"
#include "../common/data_columns.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace causerie::kernels;

namespace {

void put_half(uint8_t* p, uint16_t h)
{
    p[0] = uint8_t(h & 0xFF);
    p[1] = uint8_t(h >> 8);
}

// One weight row of `cols` elements (`bytes` of type `t` at `w`) times x = 127 everywhere.
float row_times_127(TensorType t, const uint8_t* w, size_t bytes, int64_t cols)
{
    const std::vector<float> x(size_t(cols), 127.0f);
    float y = 0;
    matmul_ref(t, w, bytes, 1, cols, x.data(), 1, &y, 1);
    return y;
}

const TensorType k_types[] = {
    TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q4_0,   TensorType::Q4_1,
    TensorType::Q5_0, TensorType::Q5_1, TensorType::Q8_0, TensorType::Q4_K,   TensorType::Q5_K,
    TensorType::Q6_K, TensorType::Q2_K, TensorType::Q3_K, TensorType::IQ4_NL, TensorType::IQ4_XS,
};

// Types we do not quantize (their weights come from llama.cpp's files).
bool is_lowbit(TensorType t)
{
    return t == TensorType::Q2_K || t == TensorType::Q3_K || t == TensorType::IQ4_NL || t == TensorType::IQ4_XS;
}

// One row of random blocks for a type without a quantizer: any bytes are a valid encoding; the
// fp16 scale fields get finite values of a realistic size (Q2_K's d and dmin non-negative).
void random_lowbit_row(TensorType t, int64_t cols, std::mt19937& rng, uint8_t* dst)
{
    const TypeTraits* tr = type_traits(uint32_t(t));
    const int64_t nb = cols / tr->block_size;
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_real_distribution<float> mag(0.002f, 0.02f);
    for (int64_t b = 0; b < nb; ++b) {
        uint8_t* blk = dst + size_t(b) * tr->block_bytes;
        for (size_t i = 0; i < tr->block_bytes; ++i)
            blk[i] = uint8_t(byte(rng));
        const float sign = byte(rng) < 128 ? -1.0f : 1.0f;
        switch (t) {
        case TensorType::Q2_K:
            put_half(blk + 80, fp32_to_fp16(mag(rng)));
            put_half(blk + 82, fp32_to_fp16(mag(rng)));
            break;
        case TensorType::Q3_K: put_half(blk + 108, fp32_to_fp16(sign * mag(rng))); break;
        default: put_half(blk, fp32_to_fp16(sign * mag(rng) * 0.1f)); break;   // IQ4_NL, IQ4_XS
        }
    }
}

const char* name_of(TensorType t) { return type_traits(uint32_t(t))->name; }

// Allowed |matmul - sum(w_dec * x_dec)| for one output.
// Both sides sum the same exact products of codes; they differ only by float rounding:
// - the kernel sums integer products exactly inside a block, then adds one float term per
//   block (F32/F16/BF16: one per element), each after a couple of scale multiplications;
// - the reference rounds each decoded weight (up to 3 operations: d*sc, *q, -dmin*m) and
//   activation (1), then sums in double.
// Float summation of T terms errs by at most T * 2^-24 * sum|terms|, and each rounding adds
// 2^-24 relative, so tol = (T + 8) * 2^-24 * M, where M = sum_k (|w_k| + 2 |off_k|) |x_k|
// bounds every intermediate: off_k is the weight's additive part (Q4_1/Q5_1 block min,
// K-quant dmin*m), and |d*sc*q| <= |w| + |off|.
double tolerance(TensorType t, const uint8_t* w_row, const float* w_dec, const float* x_dec, int cols)
{
    const TypeTraits* tr = type_traits(uint32_t(t));
    const bool float_type = tr->block_size == 1;
    double magnitude = 0;
    for (int c = 0; c < cols; ++c) {
        double off = 0;
        const uint8_t* blk = w_row + size_t(c / tr->block_size) * tr->block_bytes;
        if (t == TensorType::Q4_1 || t == TensorType::Q5_1) {
            uint16_t m16;
            std::memcpy(&m16, blk + 2, 2);
            off = std::fabs(double(fp16_to_fp32(m16)));
        } else if (t == TensorType::Q4_K || t == TensorType::Q5_K) {
            uint16_t dmin16;
            std::memcpy(&dmin16, blk + 2, 2);
            int sc[8], m[8];
            causerie::kernels::blocks::unpack_scales_k4(blk + 4, sc, m);
            off = std::fabs(double(fp16_to_fp32(dmin16))) * m[(c % 256) / 32];
        } else if (t == TensorType::Q2_K) {
            uint16_t dmin16;
            std::memcpy(&dmin16, blk + 82, 2);
            off = std::fabs(double(fp16_to_fp32(dmin16))) * (blk[(c % 256) / 16] >> 4);
        }
        magnitude += (std::fabs(double(w_dec[c])) + 2 * off) * std::fabs(double(x_dec[c]));
    }
    const double terms = float_type ? cols : double(cols) / double(tr->block_size);
    double tol = (terms + 8) * std::ldexp(1.0, -24) * magnitude;
    if (t == TensorType::Q4_1 || t == TensorType::Q5_1) {
        // As in ggml, the min term uses Q8_1's s = fp16(d_x * sum(codes)), not the exact sum of
        // the decoded activations: each block adds |m_w| * (fp16 rounding of s), at most 2^-11
        // relative (2^-25 absolute if s is a subnormal half).
        for (int b = 0; b < cols / 32; ++b) {
            uint16_t m16;
            std::memcpy(&m16, w_row + size_t(b) * tr->block_bytes + 2, 2);
            double s = 0;
            for (int j = 0; j < 32; ++j)
                s += x_dec[b * 32 + j];
            tol += std::fabs(double(fp16_to_fp32(m16))) * (std::fabs(s) * std::ldexp(1.0, -11) + std::ldexp(1.0, -25));
        }
    }
    return tol;
}

}   // namespace

class TestMatmul : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void vecDotTypes();
    void handQ8_0();
    void handQ4_0();
    void handQ4_1UsesSumField();
    void handQ4_K();
    void againstDequantizedDot_data();
    void againstDequantizedDot();
    void splitRowsMatchWhole();
    void unsupportedTypeGivesNaN();
};

void TestMatmul::vecDotTypes()
{
    QCOMPARE(vec_dot_type(TensorType::F32), TensorType::F32);
    QCOMPARE(vec_dot_type(TensorType::F16), TensorType::F16);
    QCOMPARE(vec_dot_type(TensorType::BF16), TensorType::BF16);
    for (TensorType t : {TensorType::Q4_0, TensorType::Q5_0, TensorType::Q8_0, TensorType::IQ4_NL})
        QCOMPARE(vec_dot_type(t), TensorType::Q8_0);
    for (TensorType t : {TensorType::Q4_1, TensorType::Q5_1})
        QCOMPARE(vec_dot_type(t), TensorType::Q8_1);
    for (TensorType t :
         {TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::Q2_K, TensorType::Q3_K, TensorType::IQ4_XS})
        QCOMPARE(vec_dot_type(t), TensorType::Q8_K);
}

void TestMatmul::handQ8_0()
{
    // One Q8_0 row, d = 1, codes w_j = j - 16. Activations x_j are integers with amax 127,
    // so their Q8_0 form is exact (d = 1, codes = x) and y = sum_j (j-16) x_j exactly:
    // x = {127, -3, -3, ..., -3}: 127*(-16) - 3 * sum_{j=1..31} (j-16) = -2032 - 3*0 = -2032,
    // second token x = {0, 1, 2, ..., 31} with x_0 = 127: 127*(-16) + sum_{j=1..31} j(j-16)
    // = -2032 + (10416 - 16*496) = -2032 + 2480 = 448.
    uint8_t w[34];
    put_half(w, 0x3C00);
    for (int j = 0; j < 32; ++j)
        w[2 + j] = uint8_t(int8_t(j - 16));
    float x[64];
    for (int j = 0; j < 32; ++j) {
        x[j] = j == 0 ? 127.0f : -3.0f;
        x[32 + j] = j == 0 ? 127.0f : float(j);
    }
    float y[2] = {0, 0};
    matmul_ref(TensorType::Q8_0, w, sizeof w, 1, 32, x, 2, y, 1);
    QCOMPARE(y[0], -2032.0f);
    QCOMPARE(y[1], 448.0f);
}

void TestMatmul::handQ4_0()
{
    // d = 0.5 and every nibble 9: each weight is (9-8)*0.5 = 0.5. x = 127 everywhere gives
    // Q8_0 d = 1, codes 127: y = 32 * 0.5 * 127 = 2032.
    uint8_t w[18];
    put_half(w, 0x3800);
    std::memset(w + 2, 0x99, 16);
    QCOMPARE(row_times_127(TensorType::Q4_0, w, sizeof w, 32), 2032.0f);
}

void TestMatmul::handQ4_1UsesSumField()
{
    // d = 1, m = -2, nibbles 3: weights 3*1 - 2 = 1. x = 127: y = 32 * 127 = 4064.
    // The kernel gets there as d_w d_x sum(q y) + m_w * s_x = 3*127*32 - 2*4064: the min
    // term is only right if Q8_1's s = d_x * sum(codes) is used.
    uint8_t w[20];
    put_half(w, 0x3C00);
    put_half(w + 2, 0xC000);
    std::memset(w + 4, 0x33, 16);
    QCOMPARE(row_times_127(TensorType::Q4_1, w, sizeof w, 32), 4064.0f);
}

void TestMatmul::handQ4_K()
{
    // d = dmin = 1, every sc = m = 1 (scale bytes 1,1,1,1, 1,1,1,1, 0x11 x4), nibbles 3:
    // weights 1*1*3 - 1*1 = 2. x = 127: Q8_K takes iscale = -127/127, codes -127, d = -1,
    // so y = 256 * 2 * 127 = 65024 (the min part goes through the bsums).
    uint8_t w[144];
    put_half(w, 0x3C00);
    put_half(w + 2, 0x3C00);
    const uint8_t scales[12] = {1, 1, 1, 1, 1, 1, 1, 1, 0x11, 0x11, 0x11, 0x11};
    std::memcpy(w + 4, scales, 12);
    std::memset(w + 16, 0x33, 128);
    QCOMPARE(row_times_127(TensorType::Q4_K, w, sizeof w, 256), 65024.0f);
}

void TestMatmul::againstDequantizedDot_data()
{
    // row_pad: extra bytes between weight rows (odd: unaligned rows)
    causerie::testing::addColumns<int>({"type", "rows", "cols", "tokens", "ldy", "row_pad"});
    for (TensorType t : k_types) {
        const int bs = int(type_traits(uint32_t(t))->block_size);
        const int one = bs == 256 ? 256 : 32;
        QTest::newRow(qPrintable(QStringLiteral("%1 1 block").arg(QLatin1String(name_of(t)))))
            << int(t) << 4 << one << 1 << 4 << 0;
        QTest::newRow(qPrintable(QStringLiteral("%1 3 blocks x3 tokens ldy").arg(QLatin1String(name_of(t)))))
            << int(t) << 5 << 3 * one << 3 << 8 << 0;
        QTest::newRow(qPrintable(QStringLiteral("%1 768 cols padded rows").arg(QLatin1String(name_of(t)))))
            << int(t) << 7 << 768 << 3 << 9 << 5;
    }
}

void TestMatmul::againstDequantizedDot()
{
    QFETCH(int, type);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, tokens);
    QFETCH(int, ldy);
    QFETCH(int, row_pad);
    const auto t = static_cast<TensorType>(type);
    std::mt19937 rng(uint32_t(type * 1000 + cols + tokens));
    std::normal_distribution<float> dist(0.0f, 1.0f);

    // W: rows x cols, encoded row by row with a stride of row_bytes + row_pad.
    const size_t rb = row_bytes(t, cols);
    const size_t stride = rb + size_t(row_pad);
    std::vector<uint8_t> w(stride * size_t(rows), 0);
    std::vector<float> w_dec(size_t(rows) * size_t(cols));
    std::vector<float> tmp(static_cast<size_t>(cols));
    for (int r = 0; r < rows; ++r) {
        for (float& v : tmp)
            v = dist(rng) * 0.1f;
        if (is_lowbit(t))
            random_lowbit_row(t, cols, rng, w.data() + size_t(r) * stride);
        else
            quantize_row_ref(t, tmp.data(), w.data() + size_t(r) * stride, cols);
        dequantize_row_ref(t, w.data() + size_t(r) * stride, w_dec.data() + size_t(r) * size_t(cols), cols);
    }
    // x: tokens x cols; x_dec is what the kernel actually multiplies by: x after the
    // round trip through vec_dot_type (exact for F32).
    const TensorType xt = vec_dot_type(t);
    std::vector<float> x(size_t(tokens) * size_t(cols));
    for (float& v : x)
        v = dist(rng) * 2.0f;
    std::vector<float> x_dec(x.size());
    std::vector<uint8_t> xq(row_bytes(xt, cols));
    for (int k = 0; k < tokens; ++k) {
        quantize_row_ref(xt, x.data() + size_t(k) * size_t(cols), xq.data(), cols);
        dequantize_row_ref(xt, xq.data(), x_dec.data() + size_t(k) * size_t(cols), cols);
    }

    const float sentinel = -777.0f;
    std::vector<float> y(size_t(tokens) * size_t(ldy), sentinel);
    matmul_ref(t, w.data(), stride, rows, cols, x.data(), tokens, y.data(), ldy);

    for (int k = 0; k < tokens; ++k) {
        for (int r = 0; r < rows; ++r) {
            double expected = 0;
            for (int c = 0; c < cols; ++c)
                expected += double(w_dec[size_t(r) * size_t(cols) + size_t(c)]) *
                            double(x_dec[size_t(k) * size_t(cols) + size_t(c)]);
            const double tol = tolerance(t, w.data() + size_t(r) * stride, &w_dec[size_t(r) * size_t(cols)],
                                         &x_dec[size_t(k) * size_t(cols)], cols);
            const double got = y[size_t(k) * size_t(ldy) + size_t(r)];
            if (!(std::fabs(got - expected) <= tol))
                QFAIL(qPrintable(QStringLiteral("token %1 row %2: got %3, expected %4 (tol %5)")
                                     .arg(k)
                                     .arg(r)
                                     .arg(got, 0, 'g', 9)
                                     .arg(expected, 0, 'g', 9)
                                     .arg(tol)));
        }
        for (int r = rows; r < ldy; ++r)   // columns past `rows` belong to someone else
            QCOMPARE(y[size_t(k) * size_t(ldy) + size_t(r)], sentinel);
    }
}

void TestMatmul::splitRowsMatchWhole()
{
    // Callers split rows into ranges by offsetting w and y with the same ldy: results must be
    // identical to one call over all rows.
    for (TensorType t : {TensorType::Q4_K, TensorType::Q8_0, TensorType::F16}) {
        const int rows = 6, cols = 512, tokens = 3, ldy = rows;
        const size_t rb = row_bytes(t, cols);
        std::mt19937 rng(99);
        std::normal_distribution<float> dist(0.0f, 1.0f);
        std::vector<uint8_t> w(rb * rows);
        std::vector<float> tmp(cols);
        for (int r = 0; r < rows; ++r) {
            for (float& v : tmp)
                v = dist(rng);
            quantize_row_ref(t, tmp.data(), w.data() + size_t(r) * rb, cols);
        }
        std::vector<float> x(size_t(tokens) * cols);
        for (float& v : x)
            v = dist(rng);
        std::vector<float> whole(size_t(tokens) * ldy), split(size_t(tokens) * ldy);
        matmul_ref(t, w.data(), rb, rows, cols, x.data(), tokens, whole.data(), ldy);
        matmul_ref(t, w.data(), rb, 2, cols, x.data(), tokens, split.data(), ldy);
        matmul_ref(t, w.data() + 2 * rb, rb, 4, cols, x.data(), tokens, split.data() + 2, ldy);
        for (size_t i = 0; i < whole.size(); ++i)
            QCOMPARE(split[i], whole[i]);
    }
}

void TestMatmul::unsupportedTypeGivesNaN()
{
    // Q8_K is an activation format with no weight-side dot product: NaN, never a plausible
    // number (loaders refuse it beforehand).
    std::vector<uint8_t> w(292, 0);
    std::vector<float> x(256, 1.0f);
    float y = 0;
    matmul_ref(TensorType::Q8_K, w.data(), w.size(), 1, 256, x.data(), 1, &y, 1);
    QVERIFY(std::isnan(y));
}

QTEST_GUILESS_MAIN(TestMatmul)
#include "tst_matmul.moc"
