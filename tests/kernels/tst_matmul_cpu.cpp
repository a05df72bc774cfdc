// The optimized (runtime-dispatched) matrix products against the reference ones, which stay the
// oracle (tst_matmul checks those against independently decoded values).
//
// Weight blocks are random bytes with sane fp16 scales, so every code value occurs (including
// Q8_0's -128, which the SIMD sign trick must handle); shapes are odd (1, 3, 7, 33 rows; 1..9
// tokens; padded, unaligned rows; ldy > rows).
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/matmul_cpu.h"
#include "kernels/cpu/matmul_ref.h"
#include "kernels/cpu/quant_types.h"
#include "kernels/cpu/quantize_ref.h"
#include "kernels/cpu/repack_cpu.h"
#include "../common/extreme_code_rows.h"
#include "../common/data_columns.h"

#include <QtTest>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

using namespace causerie::kernels;

namespace {

const TensorType k_types[] = {
    TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0,
    TensorType::Q5_1, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K,
};

// Types whose SIMD kernel sums exact integer block products and then repeats the reference's
// float operations in the same order: their results must be bit-identical.
bool exact_type(TensorType t) { return t == TensorType::Q4_K || t == TensorType::Q5_K || t == TensorType::Q6_K; }

const char* name_of(TensorType t) { return type_traits(uint32_t(t))->name; }

const TensorType k_repacked_types[] = {
    TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1, TensorType::Q8_0,   TensorType::Q4_K,
    TensorType::Q5_K, TensorType::Q6_K, TensorType::Q2_K, TensorType::Q3_K, TensorType::IQ4_NL, TensorType::IQ4_XS,
};

// Whether this dispatch path (CPU and CAUSERIE_CPU cap) is meant to have a repacked kernel for t:
// the 512-bit AVX-512 VNNI kernels and the 256-bit ones (plain AVX2, or with 256-bit VNNI) have
// the same types.
bool repack_expected(TensorType t)
{
    const CpuFeatures& f = cpu_features();
    const bool repacked = t != TensorType::F32 && t != TensorType::F16 && t != TensorType::BF16;
    return (f.avx512_vnni || f.avx2) && repacked;
}

// A failure message naming the output cell: got g where e was wanted.
QString cell_mismatch(TensorType t, int64_t row, int64_t token, float g, float e)
{
    return QStringLiteral("%1 row %2 token %3: %4 vs %5")
        .arg(QLatin1String(name_of(t)))
        .arg(row)
        .arg(token)
        .arg(g)
        .arg(e);
}

void put_half(uint8_t* p, float v)
{
    const uint16_t h = fp32_to_fp16(v);
    std::memcpy(p, &h, 2);
}

// One row of `cols` elements of `type`: random code bytes, scales in a realistic range.
void random_row(TensorType type, int64_t cols, std::mt19937& rng, uint8_t* out)
{
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_real_distribution<float> scale(0.001f, 0.05f);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const TypeTraits* tr = type_traits(uint32_t(type));
    const size_t nbytes = row_bytes(type, cols);
    if (type == TensorType::F32 || type == TensorType::F16 || type == TensorType::BF16) {
        std::vector<float> v(static_cast<size_t>(cols));
        for (auto& f : v)
            f = normal(rng);
        quantize_row_ref(type, v.data(), out, cols);
        return;
    }
    for (size_t i = 0; i < nbytes; ++i)
        out[i] = uint8_t(byte(rng));
    for (int64_t b = 0; b < cols / tr->block_size; ++b) {
        uint8_t* blk = out + size_t(b) * tr->block_bytes;
        switch (type) {
        case TensorType::Q6_K: put_half(blk + 208, scale(rng)); break;
        case TensorType::Q3_K: put_half(blk + 108, scale(rng)); break;
        case TensorType::Q2_K:   // d, dmin at the end of the block
            put_half(blk + 80, scale(rng));
            put_half(blk + 82, scale(rng));
            break;
        case TensorType::Q4_1:
        case TensorType::Q5_1:
        case TensorType::Q4_K:
        case TensorType::Q5_K:
            put_half(blk, scale(rng));
            put_half(blk + 2, scale(rng));
            break;
        default: put_half(blk, scale(rng)); break;
        }
    }
}

// `rows` rows of random_row, one after the other.
std::vector<uint8_t> random_rows(TensorType type, int64_t rows, int64_t cols, std::mt19937& rng)
{
    const size_t rb = row_bytes(type, cols);
    std::vector<uint8_t> w(rb * size_t(rows));
    for (int64_t r = 0; r < rows; ++r)
        random_row(type, cols, rng, w.data() + rb * size_t(r));
    return w;
}

}   // namespace

class TestMatmulCpu : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void conversionIsByteIdentical_data();
    void conversionIsByteIdentical();
    void conversionEdgeCases();
    void againstReference_data();
    void againstReference();
    void batchEqualsOneTokenAtATime();
    void repackedEqualsReference_data();
    void repackedEqualsReference();
    void repackedRowRanges();
    void repackedExtremeCodes_data();
    void repackedExtremeCodes();
    void unpackedRowsEqualOriginal();
};

void TestMatmulCpu::initTestCase()
{
    qInfo("CPU kernels: %s", cpu_features_summary().c_str());
    if (cpu_features().avx2) {
        for (TensorType t : {TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q8_0, TensorType::Q4_K,
                             TensorType::Q5_K, TensorType::Q6_K, TensorType::F16, TensorType::BF16})
            QVERIFY2(matmul_cpu_is_simd(t), name_of(t));
    }
}

void TestMatmulCpu::conversionIsByteIdentical_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("cols");
    for (TensorType t : {TensorType::Q4_0, TensorType::Q4_1, TensorType::Q4_K, TensorType::F16, TensorType::F32})
        for (int cols : {256, 768})
            QTest::addRow("%s %d", name_of(t), cols) << int(t) << cols;
    QTest::addRow("F16 37") << int(TensorType::F16) << 37;
}

// convert_activations_cpu promises the bytes of quantize_row_ref (so the dot products see the
// same codes and the comparisons below isolate the dot products).
void TestMatmulCpu::conversionIsByteIdentical()
{
    QFETCH(int, type);
    QFETCH(int, cols);
    const auto t = TensorType(type);
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 3.0f);
    const int tokens = 3;
    std::vector<float> x(size_t(tokens * cols));
    for (auto& v : x)
        v = normal(rng);
    const size_t stride = converted_row_bytes(t, cols);
    std::vector<uint8_t> got(stride * tokens, 0xAA), want(stride * tokens, 0x55);
    convert_activations_cpu(t, x.data(), cols, 0, tokens, got.data());
    for (int i = 0; i < tokens; ++i) {
        if (vec_dot_type(t) == TensorType::F32)
            std::memcpy(want.data() + stride * i, x.data() + i * cols, stride);
        else
            quantize_row_ref(vec_dot_type(t), x.data() + i * cols, want.data() + stride * i, cols);
    }
    QVERIFY(got == want);
}

// Rounding ties (x * id exactly k + 0.5: Q8_0/Q8_1 round half away from zero, Q8_K half to
// even), all-zero blocks, a NaN, an infinity and tiny (subnormal) blocks.
void TestMatmulCpu::conversionEdgeCases()
{
    const int cols = 512;
    std::vector<float> x(static_cast<size_t>(cols));
    // block 0 (and Q8_K block 0): amax 127 -> d = 1 (Q8_0), iscale = -1 (Q8_K): ties everywhere
    for (int j = 0; j < 256; ++j)
        x[size_t(j)] = j == 0 ? -127.0f : float((j % 20) - 10) + 0.5f;
    for (int j = 256; j < 288; ++j)
        x[size_t(j)] = 0.0f;
    for (int j = 288; j < 320; ++j)
        x[size_t(j)] = j == 300 ? NAN : float(j - 300);
    for (int j = 320; j < 352; ++j)
        x[size_t(j)] = j == 321 ? INFINITY : 1.0f;
    for (int j = 352; j < 512; ++j)
        x[size_t(j)] = 1e-42f * float(j - 400);
    for (TensorType t : {TensorType::Q8_0, TensorType::Q4_1, TensorType::Q4_K}) {
        const size_t stride = converted_row_bytes(t, cols);
        std::vector<uint8_t> got(stride), want(stride);
        convert_activations_cpu(t, x.data(), cols, 0, 1, got.data());
        quantize_row_ref(vec_dot_type(t), x.data(), want.data(), cols);
        QVERIFY2(got == want, name_of(t));
    }
}

void TestMatmulCpu::againstReference_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("blocks");
    QTest::addColumn<int>("tokens");
    for (TensorType t : k_types) {
        for (int rows : {1, 7, 33})
            for (int tokens : {1, 3, 6})
                QTest::addRow("%s %dx%d", name_of(t), rows, tokens) << int(t) << rows << (rows == 7 ? 3 : 1) << tokens;
    }
    for (TensorType t : {TensorType::Q4_0, TensorType::Q5_0, TensorType::Q8_0, TensorType::Q4_K})
        QTest::addRow("%s 5x37 (token blocks)", name_of(t)) << int(t) << 5 << 1 << 37;
    QTest::addRow("F16 odd cols") << int(TensorType::F16) << 5 << -37 << 5;
    // the prompt tiles with rows and tokens left over, and a scalar tail of columns
    QTest::addRow("F16 tiles 7x9 odd cols") << int(TensorType::F16) << 7 << -45 << 9;
    QTest::addRow("BF16 odd cols") << int(TensorType::BF16) << 5 << -37 << 5;
    QTest::addRow("BF16 tiles 9x13 odd cols") << int(TensorType::BF16) << 9 << -45 << 13;
    QTest::addRow("BF16 tiles 13x30 4100 cols") << int(TensorType::BF16) << 13 << -4100 << 30;
    // rows so long that a token block holds only 6 (AVX-512) or 9 (AVX2) tokens: several blocks, tokens left over
    QTest::addRow("F16 5x15 100004 cols (token blocks)") << int(TensorType::F16) << 5 << -100004 << 15;
    QTest::addRow("F32 odd cols") << int(TensorType::F32) << 5 << -45 << 2;
}

void TestMatmulCpu::againstReference()
{
    QFETCH(int, type);
    QFETCH(int, rows);
    QFETCH(int, blocks);
    QFETCH(int, tokens);
    const auto t = TensorType(type);
    const TypeTraits* tr = type_traits(uint32_t(t));
    // negative "blocks": that many columns of a float type (not a multiple of the SIMD width)
    const int64_t unit = tr->block_size == 1 ? 32 : tr->block_size;
    const int64_t cols = blocks < 0 ? -blocks : blocks * unit * (tr->block_size == 256 ? 1 : 4);
    const size_t rb = row_bytes(t, cols);
    const size_t stride = rb + 3;   // odd padding: rows at unaligned addresses
    const int64_t ldy = rows + 2;
    std::mt19937 rng(uint32_t(1000 + type * 7 + rows));
    std::vector<uint8_t> w(stride * size_t(rows) + 1);
    uint8_t* w0 = w.data() + 1;
    for (int r = 0; r < rows; ++r)
        random_row(t, cols, rng, w0 + stride * size_t(r));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(size_t(cols * tokens));
    for (auto& v : x)
        v = normal(rng);

    std::vector<float> got(size_t(ldy * tokens), -7.0f), want(size_t(ldy * tokens), -7.0f);
    matmul_cpu(t, w0, stride, rows, cols, x.data(), tokens, got.data(), ldy);
    matmul_ref(t, w0, stride, rows, cols, x.data(), tokens, want.data(), ldy);

    // Magnitude for the tolerance: sum_k |w_k x_k| over decoded values (plus |m_w s_x| for
    // Q4_1/Q5_1), which bounds every partial sum either kernel forms.
    std::vector<float> wd(static_cast<size_t>(cols)), xd(static_cast<size_t>(cols));
    for (int tk = 0; tk < tokens; ++tk) {
        std::vector<uint8_t> xc(converted_row_bytes(t, cols));
        convert_activations_cpu(t, &x[size_t(tk * cols)], cols, 0, 1, xc.data());
        if (vec_dot_type(t) == TensorType::F32)
            std::memcpy(xd.data(), xc.data(), size_t(cols) * 4);
        else
            dequantize_row_ref(vec_dot_type(t), xc.data(), xd.data(), cols);
        for (int r = 0; r < rows; ++r) {
            dequantize_row_ref(t, w0 + stride * size_t(r), wd.data(), cols);
            double mag = 0;
            for (int64_t k = 0; k < cols; ++k) {
                double off = 0;   // Q4_1/Q5_1: the block min, added after the d_w d_x sum(q y) part
                if (t == TensorType::Q4_1 || t == TensorType::Q5_1) {
                    uint16_t m16;
                    std::memcpy(&m16, w0 + stride * size_t(r) + size_t(k / 32) * tr->block_bytes + 2, 2);
                    off = std::fabs(double(fp16_to_fp32(m16)));
                }
                mag += (std::fabs(double(wd[size_t(k)])) + 2 * off) * std::fabs(double(xd[size_t(k)]));
            }
            const float g = got[size_t(tk * ldy + r)];
            const float e = want[size_t(tk * ldy + r)];
            if (exact_type(t)) {   // bit-identical, not QCOMPARE's fuzzy float comparison
                QVERIFY2(g == e, qPrintable(cell_mismatch(t, r, tk, g, e)));
                continue;
            }
            // Both kernels add the same exact per-block (per-element for float types) products;
            // only the order of at most `cols` float additions differs (8 SIMD lanes, FMA), each
            // erring by at most 2^-24 of the running magnitude: (cols + 16) * 2^-23 * mag covers
            // both sides plus the scale products.
            const double tol = double(cols + 16) * std::ldexp(1.0, -23) * mag;
            QVERIFY2(std::fabs(double(g) - double(e)) <= tol,
                     qPrintable(cell_mismatch(t, r, tk, g, e) + QStringLiteral(" (tol %1)").arg(tol)));
        }
        // ldy padding untouched
        for (int64_t r = rows; r < ldy; ++r)
            QCOMPARE(got[size_t(tk * ldy + r)], -7.0f);
    }
}

// The promise forward_cpu relies on for decode == prefill: an output does not depend on how
// many tokens were multiplied together.
void TestMatmulCpu::batchEqualsOneTokenAtATime()
{
    const auto check = [](TensorType t, int64_t cols, int rows) {
        const int tokens = 37;   // > 32: crosses the kernels' token blocking
        const size_t rb = row_bytes(t, cols);
        std::mt19937 rng(3);
        std::vector<uint8_t> w(rb * size_t(rows));
        for (int r = 0; r < rows; ++r)
            random_row(t, cols, rng, w.data() + rb * size_t(r));
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> x(size_t(cols * tokens));
        for (auto& v : x)
            v = normal(rng);
        std::vector<float> batch(size_t(rows * tokens)), single(size_t(rows * tokens));
        matmul_cpu(t, w.data(), rb, rows, cols, x.data(), tokens, batch.data(), rows);
        for (int tk = 0; tk < tokens; ++tk)
            matmul_cpu(t, w.data(), rb, rows, cols, &x[size_t(tk * cols)], 1, &single[size_t(tk * rows)], rows);
        return batch == single;
    };
    for (TensorType t : k_types)
        QVERIFY2(check(t, type_traits(uint32_t(t))->block_size == 256 ? 512 : 96, 5), name_of(t));
    // F16 / BF16 prompt tiles (4 rows x 3 tokens on AVX2, 4 x 6 on AVX-512) and the AVX2 generation
    // tiles (8 rows x 1 token) with rows left over and a scalar tail of 4 columns past the vector lanes
    QVERIFY(check(TensorType::F16, 100, 9));
    QVERIFY(check(TensorType::F16, 100, 17));
    QVERIFY(check(TensorType::F16, 4100, 13));
    QVERIFY(check(TensorType::BF16, 100, 9));
    QVERIFY(check(TensorType::BF16, 4100, 13));
    // several token blocks (a block of 100004 columns holds 6 tokens on AVX-512, 9 on AVX2)
    QVERIFY(check(TensorType::F16, 100004, 5));
}

namespace {

// 64-byte aligned scratch for a repacked copy (the kernels use aligned loads).
struct AlignedBuffer {
    explicit AlignedBuffer(size_t n)
        : bytes(n + 64)
    {
    }
    uint8_t* data()
    {
        const auto p = reinterpret_cast<uintptr_t>(bytes.data());
        return bytes.data() + ((64 - p % 64) % 64);
    }
    std::vector<uint8_t> bytes;
};

}   // namespace

void TestMatmulCpu::repackedEqualsReference_data()
{
    causerie::testing::addColumns<int>({"type", "rows", "cols", "tokens"});
    for (TensorType t : {TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1, TensorType::Q8_0,
                         TensorType::IQ4_NL}) {
        // rows: below, at and past one group of 16 and its 8-row halves; tokens: 1, partial
        // tiles, a full tile of 4 and of 8, past them, and many tiles
        for (int rows : {1, 7, 9, 16, 17, 50})
            for (int tokens : {1, 3, 4, 5, 8, 9, 37})
                QTest::addRow("%s %dx%d", name_of(t), rows, tokens) << int(t) << rows << 96 << tokens;
        QTest::addRow("%s one block", name_of(t)) << int(t) << 19 << 32 << 2;
        QTest::addRow("%s 4096 cols", name_of(t)) << int(t) << 33 << 4096 << 10;
        // more block scales than the stack scratch holds (heap scratch), 18 groups
        QTest::addRow("%s 4096 cols x 130 tokens", name_of(t)) << int(t) << 290 << 4096 << 130;
    }
    // K-quants: tiles of up to 6 tokens (512-bit) or 4 (256-bit)
    for (TensorType t : {TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::Q2_K, TensorType::Q3_K,
                         TensorType::IQ4_XS}) {
        for (int rows : {1, 9, 16, 17, 50})
            for (int tokens : {1, 3, 4, 5, 6, 7, 37})
                QTest::addRow("%s %dx%d", name_of(t), rows, tokens) << int(t) << rows << 512 << tokens;
        QTest::addRow("%s one super-block", name_of(t)) << int(t) << 9 << 256 << 3;
        // plain AVX2 Q3_K tiles take 8 tokens (two prepared 4-token tiles): one full, then 8 + 4
        QTest::addRow("%s 17x8", name_of(t)) << int(t) << 17 << 512 << 8;
        QTest::addRow("%s 17x12", name_of(t)) << int(t) << 17 << 512 << 12;
        // heap scratch, and rows over several panels (a panel is 1-2 groups at this width)
        QTest::addRow("%s 14336 cols", name_of(t)) << int(t) << 50 << 14336 << 33;
    }
}

// Repacked kernels are bit-identical to vec_dot_ref for every (row, token), so any number of
// tokens gives the same outputs (decode == prefill).
void TestMatmulCpu::repackedEqualsReference()
{
    QFETCH(int, type);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, tokens);
    const auto t = TensorType(type);
    QCOMPARE(repack_available(t, cols), repack_expected(t));
    if (!repack_available(t, cols)) {
        // The original layout's kernels run instead (covered by againstReference).
        QSKIP("no repacked kernel for this type on this CPU / dispatch cap");
    }
    const size_t rb = row_bytes(t, cols);
    const size_t stride = rb + 5;   // unaligned source rows
    std::mt19937 rng(uint32_t(77 + type + rows * 3 + tokens));
    std::vector<uint8_t> w(stride * size_t(rows));
    for (int r = 0; r < rows; ++r)
        random_row(t, cols, rng, w.data() + stride * size_t(r));
    const int64_t groups = (rows + kRepackRows - 1) / kRepackRows;
    AlignedBuffer packed(repacked_bytes(t, rows, cols));
    std::memset(packed.data(), 0xCD, repacked_bytes(t, rows, cols));   // every byte must be written
    repack_groups(t, w.data(), stride, rows, cols, 0, groups, packed.data());

    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(size_t(cols) * size_t(tokens));
    for (auto& v : x)
        v = normal(rng);
    const size_t xs = converted_row_bytes(t, cols);
    std::vector<uint8_t> xc(xs * size_t(tokens));
    convert_activations_cpu(t, x.data(), cols, 0, tokens, xc.data());

    const int64_t ldy = rows + 3;
    std::vector<float> got(size_t(ldy * tokens), -7.0f);
    matmul_repacked_cpu(t, packed.data(), rows, cols, 0, rows, xc.data(), tokens, got.data(), ldy);
    for (int tk = 0; tk < tokens; ++tk) {
        for (int r = 0; r < rows; ++r) {
            const float e = vec_dot_ref(t, w.data() + stride * size_t(r), xc.data() + xs * size_t(tk), cols);
            const float g = got[size_t(tk * ldy + r)];
            QVERIFY2(g == e, qPrintable(cell_mismatch(t, r, tk, g, e)));
        }
        for (int64_t r = rows; r < ldy; ++r)   // padding rows of the last group are not stored
            QCOMPARE(got[size_t(tk * ldy + r)], -7.0f);
    }
}

// Threads call the kernel on ranges of whole groups (and a partial last one): each range writes
// exactly its rows, with the same values as one call over all rows.
void TestMatmulCpu::repackedRowRanges()
{
    int checked = 0;
    for (TensorType t : k_repacked_types) {
        const int64_t cols = 512, rows = 45, tokens = 4;
        QCOMPARE(repack_available(t, cols), repack_expected(t));
        if (!repack_available(t, cols))
            continue;   // no repacked kernel for this type on this CPU / cap (see repackedEqualsReference)
        ++checked;
        const size_t rb = row_bytes(t, cols);
        std::mt19937 rng(5);
        const std::vector<uint8_t> w = random_rows(t, rows, cols, rng);
        AlignedBuffer packed(repacked_bytes(t, rows, cols));
        // groups written in two separate calls, as two threads would
        repack_groups(t, w.data(), rb, rows, cols, 0, 1, packed.data());
        repack_groups(t, w.data(), rb, rows, cols, 1, 3, packed.data());
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> x(size_t(cols * tokens));
        for (auto& v : x)
            v = normal(rng);
        std::vector<uint8_t> xc(converted_row_bytes(t, cols) * size_t(tokens));
        convert_activations_cpu(t, x.data(), cols, 0, tokens, xc.data());
        std::vector<float> whole(size_t(rows * tokens), -1.0f), parts(size_t(rows * tokens), -1.0f);
        matmul_repacked_cpu(t, packed.data(), rows, cols, 0, rows, xc.data(), tokens, whole.data(), rows);
        matmul_repacked_cpu(t, packed.data(), rows, cols, 32, rows, xc.data(), tokens, parts.data(), rows);
        for (int64_t tk = 0; tk < tokens; ++tk)
            for (int64_t r = 0; r < 32; ++r)
                QCOMPARE(parts[size_t(tk * rows + r)], -1.0f);   // outside the range: untouched
        matmul_repacked_cpu(t, packed.data(), rows, cols, 0, 16, xc.data(), tokens, parts.data(), rows);
        matmul_repacked_cpu(t, packed.data(), rows, cols, 16, 32, xc.data(), tokens, parts.data(), rows);
        QVERIFY2(parts == whole, name_of(t));
    }
    if (checked == 0)
        QSKIP("no repacked kernel on this CPU / dispatch cap");
}

void TestMatmulCpu::repackedExtremeCodes_data()
{
    // The largest products the tiles see (the plain AVX2 IQ4 pair sums reach 2 * 127 * 127).
    // Q5_K / Q6_K: the batch tiles on bytes, generation on the packed codes; the plain AVX2 Q6_K
    // i16 lanes reach 8 * 31 * 127 with the offset folded in.
    causerie::testing::addExtremeCodeRows({TensorType::Q2_K, TensorType::Q3_K, TensorType::IQ4_NL, TensorType::IQ4_XS,
                                           TensorType::Q5_K, TensorType::Q6_K});
}

void TestMatmulCpu::repackedExtremeCodes()
{
    QFETCH(int, type);
    QFETCH(int, fill);
    QFETCH(float, x);
    const auto t = TensorType(type);
    const int64_t cols = 1024, rows = 20, tokens = 7;
    if (!repack_available(t, cols))
        QSKIP("no repacked kernel for this type on this CPU / dispatch cap");
    const TypeTraits* tr = type_traits(uint32_t(t));
    const size_t rb = row_bytes(t, cols);
    std::vector<uint8_t> w(rb * size_t(rows), uint8_t(fill));
    const std::vector<int> halves = t == TensorType::Q2_K   ? std::vector<int>{80, 82}
                                    : t == TensorType::Q3_K ? std::vector<int>{108}
                                    : t == TensorType::Q5_K ? std::vector<int>{0, 2}
                                    : t == TensorType::Q6_K ? std::vector<int>{208}
                                                            : std::vector<int>{0};
    for (int64_t b = 0; b < rows * cols / tr->block_size; ++b)
        for (int off : halves)
            put_half(w.data() + size_t(b) * tr->block_bytes + size_t(off), 0.02f);
    AlignedBuffer packed(repacked_bytes(t, rows, cols));
    repack_groups(t, w.data(), rb, rows, cols, 0, (rows + kRepackRows - 1) / kRepackRows, packed.data());
    const std::vector<float> xv(size_t(cols * tokens), x);
    const size_t xs = converted_row_bytes(t, cols);
    std::vector<uint8_t> xc(xs * size_t(tokens));
    convert_activations_cpu(t, xv.data(), cols, 0, tokens, xc.data());
    std::vector<float> got(size_t(rows * tokens));
    matmul_repacked_cpu(t, packed.data(), rows, cols, 0, rows, xc.data(), tokens, got.data(), rows);
    for (int64_t tk = 0; tk < tokens; ++tk)
        for (int64_t r = 0; r < rows; ++r) {
            const float e = vec_dot_ref(t, w.data() + rb * size_t(r), xc.data() + xs * size_t(tk), cols);
            const float g = got[size_t(tk * rows + r)];
            QVERIFY2(g == e, qPrintable(cell_mismatch(t, r, tk, g, e)));
        }
    // and the reference value is the large one (all codes equal: |y| = |sum of weights| * |x|)
    std::vector<float> dec(static_cast<size_t>(cols));
    dequantize_row_ref(t, w.data(), dec.data(), cols);
    double expect = 0;
    for (float v : dec)
        expect += double(v) * double(x);
    const bool zero_scales = t == TensorType::Q2_K || t == TensorType::Q5_K || t == TensorType::Q6_K;
    if (zero_scales && fill == 0x00)   // scales (and mins) 0: an exact zero
        QCOMPARE(expect, 0.0);
    else
        QVERIFY(std::fabs(expect) > 1.0);
    QVERIFY2(std::fabs(double(got[0]) - expect) <= 1e-2 * std::fabs(expect),
             qPrintable(QStringLiteral("%1 vs %2").arg(double(got[0])).arg(expect)));
}

// unpack_row gives back every row's bytes from the repacked copy (the tied embedding is read that
// way once its file pages are dropped); the other types say they cannot. The layout does not
// depend on the CPU, so every dispatch path checks it.
void TestMatmulCpu::unpackedRowsEqualOriginal()
{
    const int64_t cols = 640, rows = 37;   // 20 blocks: a record of 4 blocks left partly unused; a partial group
    int checked = 0;
    for (TensorType t : k_repacked_types) {
        const bool expected =
            t == TensorType::Q4_0 || t == TensorType::Q4_1 || t == TensorType::Q8_0 || t == TensorType::IQ4_NL;
        QCOMPARE(unpack_available(t), expected);
        if (!expected)
            continue;
        ++checked;
        const size_t rb = row_bytes(t, cols);
        std::mt19937 rng(11);
        const std::vector<uint8_t> w = random_rows(t, rows, cols, rng);
        AlignedBuffer packed(repacked_bytes(t, rows, cols));
        repack_groups(t, w.data(), rb, rows, cols, 0, (rows + kRepackRows - 1) / kRepackRows, packed.data());
        std::vector<uint8_t> row(rb);
        for (int64_t r = 0; r < rows; ++r) {
            std::fill(row.begin(), row.end(), uint8_t(0xCD));
            unpack_row(t, packed.data(), cols, r, row.data());
            QVERIFY2(std::equal(row.begin(), row.end(), w.begin() + std::ptrdiff_t(rb * size_t(r))),
                     qPrintable(QStringLiteral("%1 row %2").arg(QLatin1String(name_of(t))).arg(r)));
        }
    }
    QCOMPARE(checked, 4);
}

QTEST_GUILESS_MAIN(TestMatmulCpu)
#include "tst_matmul_cpu.moc"
