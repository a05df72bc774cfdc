// Activation quantization and matrix-vector products from quantized weights, run under the
// CUDA sim, against the CPU reference (kernels::quantize_row_ref, kernels::matmul_ref).
#include "tst_cuda_util.h"

#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/matmul_ref.h"
#include "kernels/cuda/matvec.cuh"
#include "kernels/cuda/quantize.cuh"
#if defined(CAUSERIE_CUDA_SIM)
#include "kernels/cuda/sim/sim_runtime.h"
#endif

#include <QTest>

using namespace cuda_test;
using causerie::kernels::TensorType;

class TestCudaMatvec : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { CUDA_TEST_REQUIRE_DEVICE(); }
    void quantizeIsByteExact_data();
    void quantizeIsByteExact();
    void matvecMatchesReference_data();
    void matvecMatchesReference();
    void oneBlockRowsAreBitExact_data();
    void oneBlockRowsAreBitExact();
    void matvecInReverseSchedule();
    void rejectsBadShapes();
};

namespace {

const TensorType kAllTypes[] = {TensorType::F32,  TensorType::F16,    TensorType::BF16,  TensorType::Q4_0,
                                TensorType::Q4_1, TensorType::Q5_0,   TensorType::Q5_1,  TensorType::Q8_0,
                                TensorType::Q4_K, TensorType::Q5_K,   TensorType::Q6_K,  TensorType::Q2_K,
                                TensorType::Q3_K, TensorType::IQ4_NL, TensorType::IQ4_XS};

bool is_k(TensorType t) { return type_traits(uint32_t(t))->block_size == 256; }

// Runs quantize_activations + matvec on the device, and matmul_ref on the host.
// Returns max |device - ref| / bound, where bound per output is 1e-5 * (1 + sum_k |w_k x_k|):
// the integer part of each block's product is exact and each block's float term is the
// reference's expression, so only the order in which the warp adds the block terms differs
// from the reference's sequential sum; a reordered float sum of m terms is within
// m * 2^-24 * sum|terms|, and 1e-5 covers m <= 160 blocks, more than any shape here.
double max_scaled_error(TensorType type, int64_t rows, int64_t cols, int64_t n_tokens, uint32_t seed, QString* what,
                        bool random_bits = false)
{
    const auto w = random_bits ? random_blocks(type, rows, cols, seed) : quantized_matrix(type, rows, cols, seed);
    const auto x = random_floats(size_t(n_tokens * cols), seed + 1);
    const size_t rb = row_bytes(type, cols);
    std::vector<float> ref(size_t(n_tokens * rows));
    matmul_ref(type, w.data(), rb, rows, cols, x.data(), n_tokens, ref.data(), rows);

    DeviceBuffer dw(w), dx(x);
    DeviceBuffer dxq(row_bytes(vec_dot_type(type), cols) * size_t(n_tokens));
    DeviceBuffer dy(ref.size() * sizeof(float));
    auto st = gpu::quantize_activations(type, dx.as<float>(), dxq.ptr, n_tokens, cols, nullptr);
    if (st.ok())
        st = gpu::matvec(type, dw.ptr, rb, rows, cols, dxq.ptr, n_tokens, dy.as<float>(), rows, nullptr);
    if (!st.ok()) {
        *what = QString::fromStdString(st.error);
        return 1e30;
    }
    const auto y = dy.read<float>();
    std::vector<float> wrow(static_cast<size_t>(cols));
    double worst = 0.0;
    for (int64_t t = 0; t < n_tokens; ++t)
        for (int64_t r = 0; r < rows; ++r) {
            dequantize_row_ref(type, w.data() + size_t(r) * rb, wrow.data(), cols);
            double mag = 0.0;
            for (int64_t k = 0; k < cols; ++k)
                mag += std::fabs(double(wrow[size_t(k)]) * x[size_t(t * cols + k)]);
            const double err = std::fabs(double(y[size_t(t * rows + r)]) - ref[size_t(t * rows + r)]);
            const double scaled = err / (1e-5 * (1.0 + mag));
            if (scaled > worst) {
                worst = scaled;
                *what = QStringLiteral("token %1 row %2: %3 vs %4")
                            .arg(t)
                            .arg(r)
                            .arg(y[size_t(t * rows + r)])
                            .arg(ref[size_t(t * rows + r)]);
            }
        }
    return worst;
}

}   // namespace

void TestCudaMatvec::quantizeIsByteExact_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("n_rows");
    for (TensorType t :
         {TensorType::Q8_0, TensorType::Q4_1, TensorType::Q4_K, TensorType::F16, TensorType::BF16, TensorType::F32}) {
        const char* name = type_traits(uint32_t(t))->name;
        const int base = is_k(t) ? 256 : 32;
        QTest::addRow("%s x%d", name, base) << int(t) << base << 1;
        QTest::addRow("%s x%d, 3 rows", name, 5 * base) << int(t) << 5 * base << 3;   // 5 blocks: not a warp multiple
    }
}

// The device's activation blocks are the reference's, byte for byte: so are the integer sums.
void TestCudaMatvec::quantizeIsByteExact()
{
    QFETCH(int, type);
    QFETCH(int, cols);
    QFETCH(int, n_rows);
    const auto t = TensorType(type);
    auto x = random_floats(size_t(cols * n_rows), 11);
    x[3] = -x[3] * 30.0f;   // a negative extreme: Q8_K's scale takes the sign of the largest
    x[40 % cols] = 0.0f;
    if (cols >= 64)
        std::fill(x.begin() + 32, x.begin() + 64, 0.0f);   // an all-zero block: d = 0
    const TensorType vt = vec_dot_type(t);
    const size_t rb = row_bytes(vt, cols);
    std::vector<uint8_t> ref(rb * size_t(n_rows));
    for (int r = 0; r < n_rows; ++r)
        quantize_row_ref(vt, x.data() + r * cols, ref.data() + size_t(r) * rb, cols);
    DeviceBuffer dx(x), dq(ref.size());
    const auto st = gpu::quantize_activations(t, dx.as<float>(), dq.ptr, n_rows, cols, nullptr);
    QVERIFY2(st.ok(), st.error.c_str());
    QCOMPARE(dq.read<uint8_t>(), ref);
}

void TestCudaMatvec::matvecMatchesReference_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("tokens");
    QTest::addColumn<bool>("random_bits");
    for (TensorType t : kAllTypes) {
        const char* name = type_traits(uint32_t(t))->name;
        if (is_k(t)) {
            QTest::addRow("%s 1x256", name) << int(t) << 1 << 256 << 1 << false;
            QTest::addRow("%s 7x1280 (5 super-blocks)", name) << int(t) << 7 << 1280 << 1 << false;
            QTest::addRow("%s 5x512, 3 tokens", name) << int(t) << 5 << 512 << 3 << false;
            QTest::addRow("%s 3x512, random bits", name) << int(t) << 3 << 512 << 2 << true;
        } else {
            QTest::addRow("%s 1x32", name) << int(t) << 1 << 32 << 1 << false;
            QTest::addRow("%s 9x1088 (34 blocks)", name) << int(t) << 9 << 1088 << 1 << false;
            QTest::addRow("%s 6x96, 3 tokens", name) << int(t) << 6 << 96 << 3 << false;
            QTest::addRow("%s 3x256, random bits", name) << int(t) << 3 << 256 << 2 << true;
        }
    }
}

void TestCudaMatvec::matvecMatchesReference()
{
    QFETCH(int, type);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, tokens);
    QFETCH(bool, random_bits);
    QString what;
    const double e =
        max_scaled_error(TensorType(type), rows, cols, tokens, uint32_t(type * 100 + rows), &what, random_bits);
    QVERIFY2(e <= 1.0, qPrintable(QStringLiteral("error %1 x the bound at %2").arg(e).arg(what)));
}

void TestCudaMatvec::oneBlockRowsAreBitExact_data()
{
    QTest::addColumn<int>("type");
    for (TensorType t : kAllTypes)
        if (t != TensorType::F32 && t != TensorType::F16 && t != TensorType::BF16)
            QTest::newRow(type_traits(uint32_t(t))->name) << int(t);
}

// With a single (super-)block per row there is no cross-block sum to reorder, and each block's
// term is the reference's integer sum and float expression: the result must equal matmul_ref
// bit for bit, for every bit pattern of the codes (1500 random rows, 3 tokens).
void TestCudaMatvec::oneBlockRowsAreBitExact()
{
    QFETCH(int, type);
    const auto t = TensorType(type);
    const int64_t rows = 1500, cols = is_k(t) ? 256 : 32, n_tokens = 3;
    const auto w = random_blocks(t, rows, cols, 77);
    const auto x = random_floats(size_t(n_tokens * cols), 78);
    const size_t rb = row_bytes(t, cols);
    std::vector<float> ref(size_t(n_tokens * rows));
    matmul_ref(t, w.data(), rb, rows, cols, x.data(), n_tokens, ref.data(), rows);
    DeviceBuffer dw(w), dx(x), dxq(row_bytes(vec_dot_type(t), cols) * size_t(n_tokens)), dy(ref.size() * 4);
    QVERIFY(gpu::quantize_activations(t, dx.as<float>(), dxq.ptr, n_tokens, cols, nullptr).ok());
    QVERIFY(gpu::matvec(t, dw.ptr, rb, rows, cols, dxq.ptr, n_tokens, dy.as<float>(), rows, nullptr).ok());
    QCOMPARE(dy.read<float>(), ref);
}

// Threads resumed in the opposite order must give the same answer (no hidden race).
void TestCudaMatvec::matvecInReverseSchedule()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("a GPU has no schedule to reverse");
#else
    causerie::cuda_sim::set_schedule(causerie::cuda_sim::Schedule::Reverse);
    QString what;
    const double e4 = max_scaled_error(TensorType::Q4_K, 3, 768, 2, 5, &what);
    const double e0 = max_scaled_error(TensorType::Q5_1, 3, 160, 2, 6, &what);
    causerie::cuda_sim::set_schedule(causerie::cuda_sim::Schedule::Forward);
    QVERIFY2(e4 <= 1.0 && e0 <= 1.0, qPrintable(what));
#endif
}

void TestCudaMatvec::rejectsBadShapes()
{
    DeviceBuffer buf(4096);
    auto st = gpu::matvec(TensorType::Q4_K, buf.ptr, 144, 1, 100, buf.ptr, 1, buf.as<float>(), 1, nullptr);
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("100") != std::string::npos, st.error.c_str());
    st = gpu::matvec(TensorType::Q8_K, buf.ptr, 292, 1, 256, buf.ptr, 1, buf.as<float>(), 1, nullptr);
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("Q8_K") != std::string::npos, st.error.c_str());
    st = gpu::quantize_activations(TensorType::Q8_0, buf.as<float>(), buf.ptr, 1, 33, nullptr);
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("33") != std::string::npos, st.error.c_str());
}

QTEST_GUILESS_MAIN(TestCudaMatvec)
#include "tst_cuda_matvec.moc"
