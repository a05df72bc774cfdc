// Activation quantization and matrix-vector products from quantized weights, run under the
// CUDA sim, against the CPU reference (kernels::quantize_row_ref, kernels::matmul_ref).
#include "tst_cuda_util.h"

#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/matmul_ref.h"
#include "kernels/cuda/dequant_f16.cuh"
#include "kernels/cuda/matvec.cuh"
#include "kernels/cuda/quantize.cuh"
#include "kernels/cuda/rmsnorm.cuh"
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
    void packedMatvecIsBitExact_data();
    void packedMatvecIsBitExact();
    void packedActivationsHoldTheReferenceBlocks_data();
    void packedActivationsHoldTheReferenceBlocks();
    void packedDequantMatchesUnpacked();
    void packedMatvecLoadsAreCoalesced_data();
    void packedMatvecLoadsAreCoalesced();
    void floatMatvecReads16Bytes();
    void packedSplitRowsUseSeveralWarps_data();
    void packedSplitRowsUseSeveralWarps();
    void packedSplitPartsShareOneLaunch();
    void packedBatchReadsWeightsOnce_data();
    void packedBatchReadsWeightsOnce();
    void packedRejectsBadInput();
    void packedPartsShareOneLaunch();
    void packedSwigluAndResidualEpilogues_data();
    void packedSwigluAndResidualEpilogues();
    void rmsnormFusedWithQuantization();
};

namespace {

const TensorType kAllTypes[] = {TensorType::F32,  TensorType::F16,    TensorType::BF16,  TensorType::Q4_0,
                                TensorType::Q4_1, TensorType::Q5_0,   TensorType::Q5_1,  TensorType::Q8_0,
                                TensorType::Q4_K, TensorType::Q5_K,   TensorType::Q6_K,  TensorType::Q2_K,
                                TensorType::Q3_K, TensorType::IQ4_NL, TensorType::IQ4_XS};

bool is_k(TensorType t) { return type_traits(uint32_t(t))->block_size == 256; }

// The activations of a quantizer test's data row (type, cols, n_rows): cols * n_rows random floats.
struct ActivationRows {
    TensorType t;
    int cols, n_rows;
    std::vector<float> x;
};

ActivationRows fetch_activation_rows(uint32_t seed)
{
    QFETCH(int, type);
    QFETCH(int, cols);
    QFETCH(int, n_rows);
    return {TensorType(type), cols, n_rows, random_floats(size_t(cols * n_rows), seed)};
}

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
    addTypedColumns<int, int, int>("type", "cols", "n_rows");
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
    auto [t, cols, n_rows, x] = fetch_activation_rows(11);
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
    addTypedColumns<int, int, int, int, bool>("type", "rows", "cols", "tokens", "random_bits");
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
    CUDA_VERIFY_REJECTED(st, "100");
    st = gpu::matvec(TensorType::Q8_K, buf.ptr, 292, 1, 256, buf.ptr, 1, buf.as<float>(), 1, nullptr);
    CUDA_VERIFY_REJECTED(st, "Q8_K");
    st = gpu::quantize_activations(TensorType::Q8_0, buf.as<float>(), buf.ptr, 1, 33, nullptr);
    CUDA_VERIFY_REJECTED(st, "33");
}

namespace {

// pack_weights + quantize_activations_packed + matvec_packed on the device.
gpu::GpuStatus run_packed(TensorType t, const std::vector<uint8_t>& w, int64_t rows, int64_t cols,
                          const std::vector<float>& x, int64_t n_tokens, std::vector<float>* y)
{
    std::vector<uint8_t> packed(w.size());
    gpu::pack_weights(t, w.data(), row_bytes(t, cols), rows, cols, packed.data());
    DeviceBuffer dw(packed), dx(x), dxq(gpu::packed_activation_row_bytes(t, cols) * size_t(n_tokens)),
        dy(size_t(n_tokens * rows) * 4);
    auto st = gpu::quantize_activations_packed(t, dx.as<float>(), dxq.ptr, n_tokens, cols, nullptr);
    if (st.ok())
        st = gpu::matvec_packed(t, dw.ptr, rows, cols, dxq.ptr, n_tokens, dy.as<float>(), rows, nullptr);
    if (st.ok())
        *y = dy.read<float>();
    return st;
}

}   // namespace

void TestCudaMatvec::packedMatvecIsBitExact_data()
{
    addTypedColumns<int, int, int, int, bool, bool>("type", "rows", "cols", "tokens", "random_bits", "reverse");
    QTest::newRow("Q4_0 1x32") << int(TensorType::Q4_0) << 1 << 32 << 1 << false << false;
    QTest::newRow("Q4_0 9x1088 (34 blocks: a group and 2)")
        << int(TensorType::Q4_0) << 9 << 1088 << 1 << false << false;
    QTest::newRow("Q4_0 5x2048, 3 tokens") << int(TensorType::Q4_0) << 5 << 2048 << 3 << false << false;
    QTest::newRow("Q4_0 6x320, random bits") << int(TensorType::Q4_0) << 6 << 320 << 2 << true << false;
    QTest::newRow("Q4_0 5x1088, reverse schedule") << int(TensorType::Q4_0) << 5 << 1088 << 2 << false << true;
    QTest::newRow("Q4_K 1x256") << int(TensorType::Q4_K) << 1 << 256 << 1 << false << false;
    QTest::newRow("Q4_K 7x1280 (20 units)") << int(TensorType::Q4_K) << 7 << 1280 << 1 << false << false;
    QTest::newRow("Q4_K 5x2560 (40 units), 3 tokens") << int(TensorType::Q4_K) << 5 << 2560 << 3 << false << false;
    QTest::newRow("Q4_K 3x4352, random bits") << int(TensorType::Q4_K) << 3 << 4352 << 2 << true << false;
    QTest::newRow("Q4_K 3x2560, reverse schedule") << int(TensorType::Q4_K) << 3 << 2560 << 2 << false << true;
    QTest::newRow("Q8_0 1x32") << int(TensorType::Q8_0) << 1 << 32 << 1 << false << false;
    QTest::newRow("Q8_0 9x1088, 2 tokens") << int(TensorType::Q8_0) << 9 << 1088 << 2 << false << false;
    QTest::newRow("Q8_0 4x2112, random bits") << int(TensorType::Q8_0) << 4 << 2112 << 2 << true << false;
    QTest::newRow("Q6_K 1x256") << int(TensorType::Q6_K) << 1 << 256 << 1 << false << false;
    QTest::newRow("Q6_K 7x1280, 3 tokens") << int(TensorType::Q6_K) << 7 << 1280 << 3 << false << false;
    QTest::newRow("Q6_K 3x4352, random bits") << int(TensorType::Q6_K) << 3 << 4352 << 2 << true << false;
    QTest::newRow("Q6_K 3x2560, reverse schedule") << int(TensorType::Q6_K) << 3 << 2560 << 2 << false << true;
    // The other types: a lone block, a group and a tail with several tokens, random bits (extreme
    // scales and codes), and the multi-token variant (8 tokens per weight read, then 3) reversed.
    for (TensorType t : {TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1, TensorType::IQ4_NL, TensorType::Q2_K,
                         TensorType::Q3_K, TensorType::Q5_K, TensorType::IQ4_XS}) {
        const char* name = type_traits(uint32_t(t))->name;
        const int base = is_k(t) ? 256 : 32;
        QTest::addRow("%s 1x%d", name, base) << int(t) << 1 << base << 1 << false << false;
        QTest::addRow("%s 7x%d, 3 tokens", name, 40 * base) << int(t) << 7 << 40 * base << 3 << false << false;
        QTest::addRow("%s 4x%d, random bits", name, 17 * base) << int(t) << 4 << 17 * base << 2 << true << false;
        QTest::addRow("%s 3x%d, 11 tokens, reverse", name, 34 * base)
            << int(t) << 3 << 34 * base << 11 << false << true;
        const int units = is_k(t) ? 97 * 256 : 388 * 32;   // 388 units: one token, split 4
        QTest::addRow("%s 3x%d, split 4", name, units) << int(t) << 3 << units << 1 << true << false;
    }
    // One token on long rows: a row pair over S warps (matvec_packed_split), still exact. Q4_0
    // 14336 (ffn_down, 448 units): S = 4, 128 units a warp, 5 rows (a duplicated last row); 6176
    // (193 units): S = 2, 128 + 65, 5 rows (2 pairs per block, the second block half idle); Q4_K
    // 14336: S = 4, 64 units a warp; Q6_K 4352: S = 2, 64 + 4; Q8_0 12320: S = 4, 128 x 3 + 1,
    // reversed. The other types (in the loop above): 388 units, S = 4, 128 x 3 + 4.
    const struct {
        TensorType t;
        int rows, cols;
        bool random_bits, reverse;
    } split[] = {{TensorType::Q4_0, 5, 14336, false, false},
                 {TensorType::Q4_0, 5, 6176, true, false},
                 {TensorType::Q4_K, 3, 14336, true, false},
                 {TensorType::Q6_K, 3, 4352, true, false},
                 {TensorType::Q8_0, 7, 12320, false, true}};
    for (const auto& c : split)
        QTest::addRow("%s %dx%d, split %d%s", type_traits(uint32_t(c.t))->name, c.rows, c.cols,
                      gpu::matvec_packed_split(c.t, c.cols), c.reverse ? ", reverse" : "")
            << int(c.t) << c.rows << c.cols << 1 << c.random_bits << c.reverse;
    QTest::newRow("Q4_K 5x512, 31 tokens") << int(TensorType::Q4_K) << 5 << 512 << 31 << false << false;
    QTest::newRow("Q4_0 4x1088, 16 tokens") << int(TensorType::Q4_0) << 4 << 1088 << 16 << false << false;
}

// The packed layout changes where the bytes are, not the arithmetic: each block's integer sum and
// float expression are the reference's and blocks are added in order, so the result equals
// matmul_ref bit for bit (and the GGUF-layout matvec), tails of partial groups included.
void TestCudaMatvec::packedMatvecIsBitExact()
{
    QFETCH(int, type);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, tokens);
    QFETCH(bool, random_bits);
    QFETCH(bool, reverse);
    const auto t = TensorType(type);
    const auto w = random_bits ? random_blocks(t, rows, cols, 31) : quantized_matrix(t, rows, cols, 31);
    const auto x = random_floats(size_t(tokens * cols), 32);
    std::vector<float> ref(size_t(tokens * rows));
    matmul_ref(t, w.data(), row_bytes(t, cols), rows, cols, x.data(), tokens, ref.data(), rows);
#if defined(CAUSERIE_CUDA_SIM)
    if (reverse)
        causerie::cuda_sim::set_schedule(causerie::cuda_sim::Schedule::Reverse);
#else
    if (reverse)
        QSKIP("a GPU has no schedule to reverse");
#endif
    std::vector<float> y;
    const auto st = run_packed(t, w, rows, cols, x, tokens, &y);
#if defined(CAUSERIE_CUDA_SIM)
    causerie::cuda_sim::set_schedule(causerie::cuda_sim::Schedule::Forward);
#endif
    QVERIFY2(st.ok(), st.error.c_str());
    QCOMPARE(y, ref);
}

void TestCudaMatvec::packedActivationsHoldTheReferenceBlocks_data()
{
    addTypedColumns<int, int, int>("type", "cols", "n_rows");
    QTest::newRow("Q4_0 x1088, 2 rows") << int(TensorType::Q4_0) << 1088 << 2;
    QTest::newRow("Q4_K x2560, 2 rows") << int(TensorType::Q4_K) << 2560 << 2;
    QTest::newRow("Q4_1 x1088, 2 rows") << int(TensorType::Q4_1) << 1088 << 2;
}

// Every code, scale and sum of the packed activations is the reference quantizer's (Q8_0 for Q4_0,
// Q8_K for Q4_K), read back through the layout of matvec.cuh.
void TestCudaMatvec::packedActivationsHoldTheReferenceBlocks()
{
    auto [t, cols, n_rows, x] = fetch_activation_rows(13);
    x[5] = -x[5] * 40.0f;                                // a negative extreme
    std::fill(x.begin() + 256, x.begin() + 512, 0.0f);   // all-zero blocks: d = 0
    const TensorType vt = vec_dot_type(t);
    const size_t rb = row_bytes(vt, cols), prb = gpu::packed_activation_row_bytes(t, cols);
    QCOMPARE(prb % 16, size_t(0));
    DeviceBuffer dx(x), dq(prb * size_t(n_rows));
    const auto st = gpu::quantize_activations_packed(t, dx.as<float>(), dq.ptr, n_rows, cols, nullptr);
    QVERIFY2(st.ok(), st.error.c_str());
    const auto got = dq.read<uint8_t>();
    std::vector<uint8_t> ref(rb);
    for (int r = 0; r < n_rows; ++r) {
        quantize_row_ref(vt, x.data() + r * cols, ref.data(), cols);
        const uint8_t* p = got.data() + size_t(r) * prb;
        if (vt == TensorType::Q8_1) {   // Q8_1's codes and d are Q8_0's; its s follows the sums
            const int64_t nb = cols / 32;
            for (int64_t b = 0; b < nb; ++b) {
                const uint8_t* blk = ref.data() + b * 36;
                for (int e = 0; e < 32; ++e)
                    QCOMPARE(p[gpu::packed_chunk_offset(b, e / 16, nb, 2) + e % 16], blk[4 + e]);
                QCOMPARE(std::memcmp(p + cols + 4 * b, blk, 2), 0);                  // d
                QCOMPARE(std::memcmp(p + cols + cols / 8 + 2 * b, blk + 2, 2), 0);   // s
            }
        } else if (t == TensorType::Q4_0) {
            const int64_t nb = cols / 32;
            for (int64_t b = 0; b < nb; ++b) {
                const uint8_t* blk = ref.data() + b * 34;
                int sum = 0;
                for (int e = 0; e < 32; ++e) {
                    const uint8_t code = p[gpu::packed_chunk_offset(b, e / 16, nb, 2) + e % 16];
                    QCOMPARE(code, blk[2 + e]);
                    sum += int8_t(blk[2 + e]);
                }
                QCOMPARE(uint16_t(p[cols + 4 * b] | p[cols + 4 * b + 1] << 8), uint16_t(blk[0] | blk[1] << 8));
                QCOMPARE(int(int16_t(uint16_t(p[cols + 4 * b + 2] | p[cols + 4 * b + 3] << 8))), sum);
            }
        } else {
            const int64_t nsb = cols / 256, nu = 4 * nsb;
            for (int64_t sb = 0; sb < nsb; ++sb) {
                const uint8_t* blk = ref.data() + sb * 292;
                for (int e = 0; e < 256; ++e) {
                    const int64_t u = 4 * sb + e / 64;
                    QCOMPARE(p[gpu::packed_chunk_offset(u, (e % 64) / 16, nu, 4) + e % 16], blk[4 + e]);
                }
                QCOMPARE(std::memcmp(p + cols + cols / 16 + 4 * sb, blk, 4), 0);   // d
                for (int h = 0; h < 8; ++h) {   // int16 sum per 32 = the two 16-element bsums
                    int16_t sum, b0, b1;
                    std::memcpy(&sum, p + cols + 2 * (8 * sb + h), 2);
                    std::memcpy(&b0, blk + 260 + 4 * h, 2);
                    std::memcpy(&b1, blk + 262 + 4 * h, 2);
                    QCOMPARE(int(sum), int(b0) + int(b1));
                }
            }
        }
    }
}

// The prefill GEMM reads packed weights through dequantize_packed_to_f16: the same halves as
// dequantize_to_f16 of the GGUF bytes.
void TestCudaMatvec::packedDequantMatchesUnpacked()
{
    for (TensorType t : kAllTypes) {
        if (!gpu::matvec_packs(t))
            continue;
        const int64_t rows = 5, cols = is_k(t) ? 2560 : 1088;
        const auto w = random_blocks(t, rows, cols, 41);
        std::vector<uint8_t> packed(w.size());
        gpu::pack_weights(t, w.data(), row_bytes(t, cols), rows, cols, packed.data());
        DeviceBuffer dw(w), dp(packed), d16(size_t(rows * cols) * 2), p16(size_t(rows * cols) * 2);
        QVERIFY(gpu::dequantize_to_f16(t, dw.ptr, row_bytes(t, cols), rows, cols, d16.as<uint16_t>(), nullptr).ok());
        QVERIFY(gpu::dequantize_packed_to_f16(t, dp.ptr, rows, cols, p16.as<uint16_t>(), nullptr).ok());
        QCOMPARE(p16.read<uint16_t>(), d16.read<uint16_t>());
    }
}

void TestCudaMatvec::packedMatvecLoadsAreCoalesced_data()
{
    addTypedColumns<int, double, double>("type", "efficiency", "per_lane");
    // Per lane and step, a warp computing two rows: the activation loads once, the weight loads
    // per row. Q4_0: 2 x 16 + 4 bytes in 3 loads, then per row 16 + 2 in 2. Q8_0: 36 in 3, then
    // 2 x 16 + 2 in 3 per row. Q4_K: 4 x 16 + 4 in 5 and x's d (4 bytes) in a quarter of the
    // lanes, then 2 x 16 + 4 in 3 per row. Q6_K: 4 x 16 in 4 and x's d, then per row 3 x 16 + 4
    // in 4 and the weights' d (2 bytes in a quarter of the lanes: 8 lanes fill half a sector, 2 x
    // 16 of the step's 5472 sector bytes unused).
    QTest::newRow("Q4_0") << int(TensorType::Q4_0) << 1.0 << 72.0 / 7.0;
    QTest::newRow("Q8_0") << int(TensorType::Q8_0) << 1.0 << 104.0 / 9.0;
    QTest::newRow("Q4_K") << int(TensorType::Q4_K) << 1.0 << 141.0 / 11.25;
    QTest::newRow("Q6_K") << int(TensorType::Q6_K) << 5440.0 / 5472.0 << 170.0 / 12.75;
    // IQ4_NL: Q4_0's loads. Q4_1: 2 x 16 + 4 + 2 (Q8_1's s) in 4, then per row 16 + 4 in 2. Q5_0:
    // 36 in 3, then 16 + 4 (high bits) + 2 in 3. Q5_1: 38 in 4, then 16 + 4 + 4 in 3. Q5_K: Q4_K's
    // and 8 bytes of high bits per row. Q2_K: 4 x 16 and x's d, then 16 + 4 and d | dmin (4 bytes
    // in a quarter of the lanes: 8 lanes, one sector). IQ4_XS: 4 x 16 and x's d, then 2 x 16 + 2.
    // Q3_K: 4 x 16 and x's d, then 16 + 8, the super-block's 12 bytes of scales as 3 words in three
    // lanes of four (96 bytes, 3 sectors) and d as Q6_K's: 2 x 16 of the step's 3872 sector bytes unused.
    QTest::newRow("IQ4_NL") << int(TensorType::IQ4_NL) << 1.0 << 72.0 / 7.0;
    QTest::newRow("Q4_1") << int(TensorType::Q4_1) << 1.0 << 78.0 / 8.0;
    QTest::newRow("Q5_0") << int(TensorType::Q5_0) << 1.0 << 80.0 / 9.0;
    QTest::newRow("Q5_1") << int(TensorType::Q5_1) << 1.0 << 86.0 / 10.0;
    QTest::newRow("Q5_K") << int(TensorType::Q5_K) << 1.0 << 157.0 / 13.25;
    QTest::newRow("Q2_K") << int(TensorType::Q2_K) << 1.0 << 107.0 / 8.75;
    QTest::newRow("IQ4_XS") << int(TensorType::IQ4_XS) << 1.0 << 133.0 / 10.25;
    QTest::newRow("Q3_K") << int(TensorType::Q3_K) << 3840.0 / 3872.0 << 120.0 / 10.25;
}

namespace {
std::vector<uint8_t> packed_copy(TensorType t, const std::vector<uint8_t>& w, int64_t rows, int64_t cols);

// Shared-memory bytes of a one-token launch whose row pairs are split over `split` warps: the
// later warps' block terms, written once and read once, per pair and slot (2 rows).
double split_shared_bytes(TensorType t, int64_t rows, int64_t cols, int split)
{
    const auto sh = gpu::packed_shape(t);
    const int64_t nu = cols / sh.unit, len = gpu::packed_split_units(nu, split);
    return double((rows + 1) / 2 * 2 * 2 * (nu - len) / (sh.unit == 64 ? 4 : 1) * 4);
}

#if defined(CAUSERIE_CUDA_SIM)
// A one-token packed product of w (rows x cols) on x, counted: its status, y and the counts of
// matvec.cu's kernels.
struct CountedRun {
    gpu::GpuStatus st;
    std::vector<float> y;
    causerie::cuda_sim::KernelCounts k;
};
CountedRun counted_packed_run(TensorType t, const std::vector<uint8_t>& w, int64_t rows, int64_t cols,
                              const std::vector<float>& x)
{
    namespace simrt = causerie::cuda_sim;
    DeviceBuffer dw(packed_copy(t, w, rows, cols)), dx(x), dxq(gpu::packed_activation_row_bytes(t, cols)),
        dy(size_t(rows) * 4);
    CountedRun r{gpu::quantize_activations_packed(t, dx.as<float>(), dxq.ptr, 1, cols, nullptr), {}, {}};
    if (!r.st.ok())
        return r;
    simrt::set_counting(true);
    simrt::reset_counters();
    r.st = gpu::matvec_packed(t, dw.ptr, rows, cols, dxq.ptr, 1, dy.as<float>(), rows, nullptr);
    simrt::set_counting(false);
    r.y = dy.read<float>();
    r.k = simrt::counters().kernels["matvec"];
    return r;
}

// The loads' hand-counted sector efficiency and bytes per lane, and issue 18's targets. Every
// weight and activation byte is read once per row: the loads cover at least the weights.
void verify_load_counts(const causerie::cuda_sim::AccessCounts& c, size_t weight_bytes, double efficiency,
                        double per_lane)
{
    QVERIFY(c.bytes >= uint64_t(weight_bytes));
    const double got_efficiency = double(c.bytes) / (double(c.sectors) * 32.0);
    const double got_per_lane = double(c.bytes) / double(c.lane_accesses);
    QVERIFY2(std::fabs(got_efficiency - efficiency) < 1e-9, qPrintable(QString::number(got_efficiency)));
    QVERIFY2(std::fabs(got_per_lane - per_lane) < 1e-9, qPrintable(QString::number(got_per_lane)));
    QVERIFY(got_efficiency >= 0.9 && got_per_lane >= 8.0);
}
#endif
}   // namespace

// The counters of issue 18 on a 4096-wide row (a 7B model's n_embd): every sector a matvec load
// touches is used whole (>= 0.9 asked; the layout gives 1) and a lane moves >= 8 bytes per load.
void TestCudaMatvec::packedMatvecLoadsAreCoalesced()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("load counting exists only under the sim");
#else
    QFETCH(int, type);
    QFETCH(double, efficiency);
    QFETCH(double, per_lane);
    const auto t = TensorType(type);
    const int64_t rows = 8, cols = 4096;
    const auto w = quantized_matrix(t, rows, cols, 51);
    const auto x = random_floats(size_t(cols), 52);
    const CountedRun r = counted_packed_run(t, w, rows, cols, x);
    QVERIFY2(r.st.ok(), r.st.error.c_str());
    verify_load_counts(r.k.loads, w.size(), efficiency, per_lane);
#endif
}

// F32 / F16 / BF16 rows (not packed: already contiguous) with 16-byte loads: one row per warp,
// 512 contiguous bytes of weights and of activations per load instruction.
void TestCudaMatvec::floatMatvecReads16Bytes()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("load counting exists only under the sim");
#else
    namespace simrt = causerie::cuda_sim;
    for (TensorType t : {TensorType::F32, TensorType::F16, TensorType::BF16}) {
        const int64_t rows = 4, cols = 4096;
        const auto w = quantized_matrix(t, rows, cols, 55);
        const auto x = random_floats(size_t(cols), 56);
        DeviceBuffer dw(w), dx(x), dxq(row_bytes(t, cols)), dy(size_t(rows) * 4);
        QVERIFY(gpu::quantize_activations(t, dx.as<float>(), dxq.ptr, 1, cols, nullptr).ok());
        simrt::set_counting(true);
        simrt::reset_counters();
        const auto st =
            gpu::matvec(t, dw.ptr, row_bytes(t, cols), rows, cols, dxq.ptr, 1, dy.as<float>(), rows, nullptr);
        simrt::set_counting(false);
        QVERIFY2(st.ok(), st.error.c_str());
        const simrt::AccessCounts c = simrt::counters().kernels["matvec"].loads;
        QCOMPARE(c.bytes, uint64_t(w.size()) + uint64_t(rows) * row_bytes(t, cols));
        QCOMPARE(c.sectors * 32, c.bytes);
        QCOMPARE(c.bytes, 16 * c.lane_accesses);
    }
#endif
}

void TestCudaMatvec::packedSplitRowsUseSeveralWarps_data()
{
    addTypedColumns<int, int, int, double, double>("type", "cols", "split", "efficiency", "per_lane");
    // The loads of packedMatvecLoadsAreCoalesced, cut into whole steps of 32 units per warp.
    QTest::newRow("Q4_0 14336 (ffn_down)") << int(TensorType::Q4_0) << 14336 << 4 << 1.0 << 72.0 / 7.0;
    QTest::newRow("Q4_0 8192") << int(TensorType::Q4_0) << 8192 << 2 << 1.0 << 72.0 / 7.0;
    QTest::newRow("Q4_K 14336 (ffn_down)") << int(TensorType::Q4_K) << 14336 << 4 << 1.0 << 141.0 / 11.25;
    QTest::newRow("Q6_K 14336 (ffn_down)") << int(TensorType::Q6_K) << 14336 << 4 << 5440.0 / 5472.0 << 170.0 / 12.75;
}

// Long rows, one token: the launch splits each row pair over S warps (S = 4 for a 7B model's
// ffn_down), seen in the shared-memory traffic of the terms exchange (its size depends on S);
// the loads stay coalesced as with one warp (issue 18: >= 0.9 of every sector used, >= 8 bytes per
// lane), and the rows equal matmul_ref bit for bit.
void TestCudaMatvec::packedSplitRowsUseSeveralWarps()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("load counting exists only under the sim");
#else
    namespace simrt = causerie::cuda_sim;
    QFETCH(int, type);
    QFETCH(int, cols);
    QFETCH(int, split);
    QFETCH(double, efficiency);
    QFETCH(double, per_lane);
    const auto t = TensorType(type);
    const int64_t rows = 8;
    QCOMPARE(gpu::matvec_packed_split(t, cols), split);
    const auto w = quantized_matrix(t, rows, cols, 57);
    const auto x = random_floats(size_t(cols), 58);
    std::vector<float> ref(static_cast<size_t>(rows));
    matmul_ref(t, w.data(), row_bytes(t, cols), rows, cols, x.data(), 1, ref.data(), rows);
    const CountedRun r = counted_packed_run(t, w, rows, cols, x);
    QVERIFY2(r.st.ok(), r.st.error.c_str());
    QCOMPARE(r.y, ref);
    QCOMPARE(r.k.launches, uint64_t(1));
    QCOMPARE(r.k.shared_bytes, split_shared_bytes(t, rows, cols, split));
    QVERIFY(r.k.shared_bytes != split_shared_bytes(t, rows, cols, split / 2));   // S tells them apart
    verify_load_counts(r.k.loads, w.size(), efficiency, per_lane);
#endif
}

void TestCudaMatvec::packedBatchReadsWeightsOnce_data()
{
    QTest::addColumn<int>("type");
    QTest::newRow("Q4_0") << int(TensorType::Q4_0);
    QTest::newRow("Q4_K") << int(TensorType::Q4_K);
    QTest::newRow("Q3_K") << int(TensorType::Q3_K);
}

// The multi-token variant: a batch of 8 tokens reads each weight byte once, as one token does,
// and only the activations once per token (8 rows: 4 warps of two rows, each reading x). So the
// global load bytes per token fall from W + X (one token) to W / 8 + X, and the results are those
// of the tokens one at a time, bit for bit.
void TestCudaMatvec::packedBatchReadsWeightsOnce()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("load counting exists only under the sim");
#else
    namespace simrt = causerie::cuda_sim;
    QFETCH(int, type);
    const auto t = TensorType(type);
    const int64_t rows = 8, cols = 4096, batch = 8;
    const auto w = quantized_matrix(t, rows, cols, 81);
    const auto x = random_floats(size_t(cols * batch), 82);
    const size_t xrb = gpu::packed_activation_row_bytes(t, cols);
    DeviceBuffer dw(packed_copy(t, w, rows, cols)), dx(x), dxq(xrb * size_t(batch)), dy(size_t(rows * batch) * 4);
    QVERIFY(gpu::quantize_activations_packed(t, dx.as<float>(), dxq.ptr, batch, cols, nullptr).ok());
    auto count = [&](int64_t n, std::vector<float>* y) {
        simrt::set_counting(true);
        simrt::reset_counters();
        const auto st = gpu::matvec_packed(t, dw.ptr, rows, cols, dxq.ptr, n, dy.as<float>(), rows, nullptr);
        simrt::set_counting(false);
        *y = dy.read<float>();
        return st.ok() ? simrt::counters().kernels["matvec"].loads : simrt::AccessCounts{};
    };
    std::vector<float> y8, y1;
    const simrt::AccessCounts c8 = count(batch, &y8);
    std::vector<float> one_by_one;
    simrt::AccessCounts c1{};
    for (int64_t j = 0; j < batch; ++j) {
        std::vector<float> y;
        simrt::set_counting(true);
        simrt::reset_counters();
        const auto st = gpu::matvec_packed(t, dw.ptr, rows, cols, static_cast<uint8_t*>(dxq.ptr) + size_t(j) * xrb, 1,
                                           dy.as<float>(), rows, nullptr);
        simrt::set_counting(false);
        QVERIFY2(st.ok(), st.error.c_str());
        if (j == 0)
            c1 = simrt::counters().kernels["matvec"].loads;
        y = dy.read<float>();
        one_by_one.insert(one_by_one.end(), y.begin(), y.begin() + rows);
    }
    QCOMPARE(y8, one_by_one);
    const uint64_t weight = w.size(), x_bytes = c1.bytes - weight;   // one token: W + X
    QVERIFY(c1.bytes > weight);
    QCOMPARE(c8.bytes, weight + uint64_t(batch) * x_bytes);
    const double e8 = double(c8.bytes) / double(c8.sectors * 32), e1 = double(c1.bytes) / double(c1.sectors * 32);
    QVERIFY2(e8 >= e1 && e8 >= 0.9, qPrintable(QStringLiteral("%1 vs %2").arg(e8).arg(e1)));   // coalesced as well
    qInfo("%s: global load bytes per token, batch of 8: %.0f, one token: %.0f (weights %.0f)",
          type_traits(uint32_t(t))->name, double(c8.bytes) / double(batch), double(c1.bytes), double(weight));
#endif
}

void TestCudaMatvec::packedRejectsBadInput()
{
    DeviceBuffer buf(8192);
    auto st = gpu::matvec_packed(TensorType::F16, buf.ptr, 1, 256, buf.ptr, 1, buf.as<float>(), 1, nullptr);
    CUDA_VERIFY_REJECTED(st, "no packed layout");
    st = gpu::matvec_packed(TensorType::Q4_K, buf.ptr, 1, 300, buf.ptr, 1, buf.as<float>(), 1, nullptr);
    CUDA_VERIFY_REJECTED(st, "300");
    st = gpu::quantize_activations_packed(TensorType::Q4_0, buf.as<float>(), buf.ptr, 1, 48, nullptr);
    CUDA_VERIFY_REJECTED(st, "48");
    st = gpu::quantize_activations_packed(TensorType::BF16, buf.as<float>(), buf.ptr, 1, 256, nullptr);
    QVERIFY(!st.ok());
    st = gpu::dequantize_packed_to_f16(TensorType::F32, buf.ptr, 1, 32, buf.as<uint16_t>(), nullptr);
    QVERIFY(!st.ok());
    st = gpu::matvec_packed(TensorType::Q3_K, buf.ptr, 1, 256, buf.ptr, 0, buf.as<float>(), 1, nullptr);
    CUDA_VERIFY_REJECTED(st, "0 tokens");
#if defined(CAUSERIE_CUDA_SIM)
    // Activations not 16-byte aligned: the launch fails as a GPU's would, no crash.
    st = gpu::matvec_packed(TensorType::Q4_0, buf.ptr, 1, 32, static_cast<uint8_t*>(buf.ptr) + 8, 1,
                            buf.as<float>() + 1024, 1, nullptr);
    CUDA_VERIFY_REJECTED(st, "misaligned");
#endif
}

namespace {

// A packed copy of quantized_matrix(t, rows, cols, seed) on the device, and matmul_ref's y for x.
std::vector<uint8_t> packed_copy(TensorType t, const std::vector<uint8_t>& w, int64_t rows, int64_t cols)
{
    std::vector<uint8_t> packed(w.size());
    gpu::pack_weights(t, w.data(), row_bytes(t, cols), rows, cols, packed.data());
    return packed;
}

struct PackedCase {
    std::vector<uint8_t> w;
    std::vector<float> ref;
    DeviceBuffer dev;
    PackedCase(TensorType t, int64_t rows, int64_t cols, const std::vector<float>& x, int64_t n_tokens, uint32_t seed)
        : w(quantized_matrix(t, rows, cols, seed))
        , ref(size_t(rows * n_tokens))
        , dev(packed_copy(t, w, rows, cols))
    {
        matmul_ref(t, w.data(), row_bytes(t, cols), rows, cols, x.data(), n_tokens, ref.data(), rows);
    }
};

}   // namespace

// Q and K (Q4_K) and V (Q6_K, as Q4_K_M files have it) in one launch: each part's rows equal its
// own matmul_ref, bit for bit, and one kernel ran.
void TestCudaMatvec::packedPartsShareOneLaunch()
{
    const int64_t cols = 512, n_tokens = 2;
    const auto x = random_floats(size_t(cols * n_tokens), 61);
    PackedCase q(TensorType::Q4_K, 9, cols, x, n_tokens, 62), k(TensorType::Q4_K, 3, cols, x, n_tokens, 63),
        v(TensorType::Q6_K, 5, cols, x, n_tokens, 64);
    DeviceBuffer dx(x), dxq(gpu::packed_activation_row_bytes(TensorType::Q4_K, cols) * size_t(n_tokens));
    DeviceBuffer yq(q.ref.size() * 4), yk(k.ref.size() * 4), yv(v.ref.size() * 4);
    QVERIFY(gpu::quantize_activations_packed(TensorType::Q6_K, dx.as<float>(), dxq.ptr, n_tokens, cols, nullptr).ok());
    const gpu::PackedPart parts[] = {{TensorType::Q4_K, q.dev.ptr, 9, yq.as<float>(), 9},
                                     {TensorType::Q4_K, k.dev.ptr, 3, yk.as<float>(), 3},
                                     {TensorType::Q6_K, v.dev.ptr, 5, yv.as<float>(), 5}};
#if defined(CAUSERIE_CUDA_SIM)
    causerie::cuda_sim::reset_counters();
#endif
    const auto st = gpu::matvec_packed_parts(parts, 3, cols, dxq.ptr, n_tokens, gpu::PackedEpilogue::Store, nullptr);
    QVERIFY2(st.ok(), st.error.c_str());
#if defined(CAUSERIE_CUDA_SIM)
    QCOMPARE(causerie::cuda_sim::counters().launches, uint64_t(1));
#endif
    QCOMPARE(yq.read<float>(), q.ref);
    QCOMPARE(yk.read<float>(), k.ref);
    QCOMPARE(yv.read<float>(), v.ref);
}

void TestCudaMatvec::packedSwigluAndResidualEpilogues_data()
{
    addTypedColumns<int, int, int>("rows", "cols", "tokens");
    QTest::newRow("7x1088, 2 tokens") << 7 << 1088 << 2;
    QTest::newRow("5x14336 (ffn_down), one token: split 4") << 5 << 14336 << 1;
}

// SwiGLU: silu(gate . x) * (up . x) with swiglu()'s expression on the reference's products;
// Accumulate: y + W x with add_inplace's addition. Both exact, on rows split over warps too.
void TestCudaMatvec::packedSwigluAndResidualEpilogues()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, tokens);
    const int64_t n_tokens = tokens;
    const auto x = random_floats(size_t(cols * n_tokens), 71);
    PackedCase gate(TensorType::Q4_0, rows, cols, x, n_tokens, 72), up(TensorType::Q4_0, rows, cols, x, n_tokens, 73);
    DeviceBuffer dx(x), dxq(gpu::packed_activation_row_bytes(TensorType::Q4_0, cols) * size_t(n_tokens));
    QVERIFY(gpu::quantize_activations_packed(TensorType::Q4_0, dx.as<float>(), dxq.ptr, n_tokens, cols, nullptr).ok());
    DeviceBuffer y(size_t(rows * n_tokens) * 4);
    const gpu::PackedPart parts[] = {{TensorType::Q4_0, gate.dev.ptr, rows, y.as<float>(), rows},
                                     {TensorType::Q4_0, up.dev.ptr, rows, nullptr, 0}};
    auto st = gpu::matvec_packed_parts(parts, 2, cols, dxq.ptr, n_tokens, gpu::PackedEpilogue::SwiGLU, nullptr);
    QVERIFY2(st.ok(), st.error.c_str());
    std::vector<float> want(gate.ref.size());
    for (size_t i = 0; i < want.size(); ++i) {
        const float g = gate.ref[i];
        want[i] = g / (1.0f + std::exp(-g)) * up.ref[i];
    }
    const auto got = y.read<float>();
    for (size_t i = 0; i < want.size(); ++i)
        QVERIFY2(same_or_ulps(got[i], want[i]),
                 qPrintable(QStringLiteral("%1: %2 vs %3").arg(i).arg(got[i]).arg(want[i])));

    const auto base = random_floats(size_t(rows * n_tokens), 74);
    DeviceBuffer acc(base);
    st = gpu::matvec_packed(TensorType::Q4_0, gate.dev.ptr, rows, cols, dxq.ptr, n_tokens, acc.as<float>(), rows,
                            nullptr, true);
    QVERIFY2(st.ok(), st.error.c_str());
    std::vector<float> sum(base.size());
    for (size_t i = 0; i < sum.size(); ++i)
        sum[i] = base[i] + gate.ref[i];
    QCOMPARE(acc.read<float>(), sum);

    // Parts that read different activations, a SwiGLU pair of different heights or types: errors.
    const gpu::PackedPart mixed[] = {{TensorType::Q4_0, gate.dev.ptr, rows, y.as<float>(), rows},
                                     {TensorType::Q4_K, up.dev.ptr, rows, y.as<float>(), rows}};
    st = gpu::matvec_packed_parts(mixed, 2, 1024, dxq.ptr, 1, gpu::PackedEpilogue::Store, nullptr);
    CUDA_VERIFY_REJECTED(st, "same activations");
    const gpu::PackedPart uneven[] = {{TensorType::Q4_0, gate.dev.ptr, rows, y.as<float>(), rows},
                                      {TensorType::Q4_0, up.dev.ptr, rows - 1, nullptr, 0}};
    st = gpu::matvec_packed_parts(uneven, 2, cols, dxq.ptr, 1, gpu::PackedEpilogue::SwiGLU, nullptr);
    QVERIFY(!st.ok());
    const gpu::PackedPart two_types[] = {{TensorType::Q4_0, gate.dev.ptr, rows, y.as<float>(), rows},
                                         {TensorType::Q8_0, up.dev.ptr, rows, nullptr, 0}};
    st = gpu::matvec_packed_parts(two_types, 2, cols, dxq.ptr, 1, gpu::PackedEpilogue::SwiGLU, nullptr);
    QVERIFY(!st.ok());
    st = gpu::matvec_packed_parts(parts, 4, cols, dxq.ptr, 1, gpu::PackedEpilogue::Store, nullptr);
    QVERIFY(!st.ok());
}

// Split rows (one token) in one launch of several parts: parts of different types take the
// largest split of theirs (Q2_K 8192 alone would be one warp, Q6_K four: both run at four),
// each part as the reference, exactly.
void TestCudaMatvec::packedSplitPartsShareOneLaunch()
{
    const int64_t cols = 8192;
    const auto x = random_floats(size_t(cols), 91);
    QCOMPARE(gpu::matvec_packed_split(TensorType::Q2_K, cols), 1);
    QCOMPARE(gpu::matvec_packed_split(TensorType::Q6_K, cols), 4);
    PackedCase a(TensorType::Q2_K, 7, cols, x, 1, 92), b(TensorType::Q6_K, 5, cols, x, 1, 93);
    DeviceBuffer dx(x), dxq(gpu::packed_activation_row_bytes(TensorType::Q6_K, cols)), ya(7 * 4), yb(5 * 4);
    QVERIFY(gpu::quantize_activations_packed(TensorType::Q6_K, dx.as<float>(), dxq.ptr, 1, cols, nullptr).ok());
    const gpu::PackedPart parts[] = {{TensorType::Q2_K, a.dev.ptr, 7, ya.as<float>(), 7},
                                     {TensorType::Q6_K, b.dev.ptr, 5, yb.as<float>(), 5}};
#if defined(CAUSERIE_CUDA_SIM)
    causerie::cuda_sim::set_counting(true);
    causerie::cuda_sim::reset_counters();
#endif
    auto st = gpu::matvec_packed_parts(parts, 2, cols, dxq.ptr, 1, gpu::PackedEpilogue::Store, nullptr);
#if defined(CAUSERIE_CUDA_SIM)
    causerie::cuda_sim::set_counting(false);
    QCOMPARE(causerie::cuda_sim::counters().kernels["matvec"].shared_bytes,
             split_shared_bytes(TensorType::Q2_K, 7, cols, 4) + split_shared_bytes(TensorType::Q6_K, 5, cols, 4));
#endif
    QVERIFY2(st.ok(), st.error.c_str());
    QCOMPARE(ya.read<float>(), a.ref);
    QCOMPARE(yb.read<float>(), b.ref);
}

// RMSNorm fused with the packed quantization: the normalized rows of rmsnorm() and the bytes of
// quantize_activations_packed() on them, for both activation forms (more blocks than warps).
void TestCudaMatvec::rmsnormFusedWithQuantization()
{
    for (TensorType t : {TensorType::Q4_0, TensorType::Q6_K}) {
        const int64_t rows = 2, n = 2560;
        auto x = random_floats(size_t(rows * n), 91, 3.0f);
        std::fill(x.begin() + 512, x.begin() + 768, 0.0f);   // zero blocks: d = 0
        const auto w = random_floats(size_t(n), 92);
        const size_t prb = gpu::packed_activation_row_bytes(t, n);
        const std::vector<uint8_t> zeros(prb * rows, 0);   // a row's padding to 16 bytes is not written
        DeviceBuffer dx(x), dw(w), y1(x.size() * 4), y2(x.size() * 4), q1(zeros), q2(zeros);
        QVERIFY(gpu::rmsnorm(dx.as<float>(), dw.as<float>(), y1.as<float>(), rows, n, 1e-5f, nullptr).ok());
        QVERIFY(gpu::quantize_activations_packed(t, y1.as<float>(), q1.ptr, rows, n, nullptr).ok());
        const auto st = gpu::rmsnorm_quantize_packed(dx.as<float>(), dw.as<float>(), y2.as<float>(), q2.ptr, t, rows, n,
                                                     1e-5f, nullptr);
        QVERIFY2(st.ok(), st.error.c_str());
        QCOMPARE(y2.read<float>(), y1.read<float>());
        const auto a = q2.read<uint8_t>(), b = q1.read<uint8_t>();
        for (size_t i = 0; i < a.size(); ++i)
            QVERIFY2(a[i] == b[i], qPrintable(QStringLiteral("%1 byte %2 of %3: %4 vs %5")
                                                  .arg(type_traits(uint32_t(t))->name)
                                                  .arg(i)
                                                  .arg(a.size())
                                                  .arg(a[i])
                                                  .arg(b[i])));
    }
    DeviceBuffer buf(4096);
    QVERIFY(!gpu::rmsnorm_quantize_packed(buf.as<float>(), buf.as<float>(), buf.as<float>(), buf.ptr, TensorType::Q4_K,
                                          1, 300, 1e-5f, nullptr)
                 .ok());
    QVERIFY(!gpu::rmsnorm_quantize_packed(buf.as<float>(), buf.as<float>(), buf.as<float>(), buf.ptr, TensorType::F16,
                                          1, 256, 1e-5f, nullptr)
                 .ok());
}

QTEST_GUILESS_MAIN(TestCudaMatvec)
#include "tst_cuda_matvec.moc"
