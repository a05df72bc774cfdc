// The int8 tensor-core GEMM of the prefill (kernels/cuda/mmq.cuh), run under the CUDA sim, against
// the CPU reference (kernels::matmul_ref) and the packed decode kernel (matvec_packed).
#include "tst_cuda_util.h"

#include "kernels/cpu/matmul_ref.h"
#include "kernels/cuda/matvec.cuh"
#include "kernels/cuda/mmq.cuh"
#include "kernels/cuda/quantize.cuh"
#if defined(CAUSERIE_CUDA_SIM)
#include "kernels/cuda/sim/sim_runtime.h"
#endif

#include <QTest>

using namespace cuda_test;
using causerie::kernels::TensorType;

class TestCudaMmq : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { CUDA_TEST_REQUIRE_DEVICE(); }
    void mmqIsBitExact_data();
    void mmqIsBitExact();
    void mmqAccumulatesInItsEpilogue();
    void mmqRejectsBadInput();
    void mmqCountsTensorCoreWork();
    void mmqSharedAccessesAreConflictFree_data();
    void mmqSharedAccessesAreConflictFree();
};

namespace {

// Packs w, quantizes x (n_tokens rows) into packed activations, runs mmq_packed (or matvec_packed).
gpu::GpuStatus run_mmq(TensorType t, const std::vector<uint8_t>& w, int64_t rows, int64_t cols,
                       const std::vector<float>& x, int64_t n_tokens, std::vector<float>* y, bool matvec = false,
                       bool accumulate = false)
{
    std::vector<uint8_t> packed(w.size());
    gpu::pack_weights(t, w.data(), row_bytes(t, cols), rows, cols, packed.data());
    DeviceBuffer dw(packed), dx(x), dxq(gpu::packed_activation_row_bytes(t, cols) * size_t(n_tokens));
    DeviceBuffer dy(size_t(n_tokens * rows) * 4);
    auto st = accumulate ? gpu::copy_to_device(dy.ptr, y->data(), y->size() * 4, nullptr) : gpu::GpuStatus{};
    if (st.ok())
        st = gpu::quantize_activations_packed(t, dx.as<float>(), dxq.ptr, n_tokens, cols, nullptr);
    if (st.ok())
        st = matvec
                 ? gpu::matvec_packed(t, dw.ptr, rows, cols, dxq.ptr, n_tokens, dy.as<float>(), rows, nullptr)
                 : gpu::mmq_packed(t, dw.ptr, rows, cols, dxq.ptr, n_tokens, dy.as<float>(), rows, nullptr, accumulate);
    if (st.ok())
        *y = dy.read<float>();
    return st;
}

#if defined(CAUSERIE_CUDA_SIM)
// The sim resumes lanes 31 .. 0 while in scope (when `on`): a race the forward order hides shows.
struct ReverseSchedule {
    explicit ReverseSchedule(bool on)
    {
        if (on)
            causerie::cuda_sim::set_schedule(causerie::cuda_sim::Schedule::Reverse);
    }
    ~ReverseSchedule() { causerie::cuda_sim::set_schedule(causerie::cuda_sim::Schedule::Forward); }
};

// run_mmq on a quantized rows x cols matrix (seed) and random tokens (seed + 1) while the sim
// counts; *c: the counters.
gpu::GpuStatus counted_mmq(TensorType t, int64_t rows, int64_t cols, int64_t tokens, uint32_t seed,
                           causerie::cuda_sim::Counters* c)
{
    namespace simrt = causerie::cuda_sim;
    const auto w = quantized_matrix(t, rows, cols, seed);
    const auto x = random_floats(size_t(tokens * cols), seed + 1);
    std::vector<float> y;
    simrt::set_counting(true);
    simrt::reset_counters();
    const auto st = run_mmq(t, w, rows, cols, x, tokens, &y);
    simrt::set_counting(false);
    *c = simrt::counters();
    return st;
}
#endif

}   // namespace

// Odd shapes: rows and tokens not multiples of the 64 x 64 tile, row lengths not a multiple of the
// 128-element step (Q4_0, Q8_0), a single row and token; random bit patterns; the reverse schedule.
struct MmqCase {
    const char* name;
    TensorType type;
    int64_t rows, cols, tokens;
    bool random_bits, reverse;
};
constexpr MmqCase kCases[] = {
    {"Q4_0 1x32, 1 token", TensorType::Q4_0, 1, 32, 1, false, false},
    {"Q4_0 70x1088, 67 tokens", TensorType::Q4_0, 70, 1088, 67, false, false},
    {"Q4_0 64x256, 64 tokens, random bits", TensorType::Q4_0, 64, 256, 64, true, false},
    {"Q4_0 33x160, 5 tokens, reverse", TensorType::Q4_0, 33, 160, 5, false, true},
    {"Q8_0 65x160, 3 tokens", TensorType::Q8_0, 65, 160, 3, false, false},
    {"Q8_0 17x544, 70 tokens, random bits", TensorType::Q8_0, 17, 544, 70, true, false},
    {"Q4_K 70x512, 65 tokens", TensorType::Q4_K, 70, 512, 65, false, false},
    {"Q4_K 9x768, 4 tokens, random bits", TensorType::Q4_K, 9, 768, 4, true, false},
    {"Q4_K 20x256, 3 tokens, reverse", TensorType::Q4_K, 20, 256, 3, false, true},
    {"Q6_K 67x768, 70 tokens", TensorType::Q6_K, 67, 768, 70, false, false},
    {"Q6_K 5x512, 9 tokens, random bits", TensorType::Q6_K, 5, 512, 9, true, false},
    {"Q6_K 20x256, 3 tokens, reverse", TensorType::Q6_K, 20, 256, 3, false, true},
};

void TestCudaMmq::mmqIsBitExact_data()
{
    QTest::addColumn<int>("index");
    for (size_t i = 0; i < std::size(kCases); ++i)
        QTest::newRow(kCases[i].name) << int(i);
}

// Each block's integer sum is exact on the tensor cores and folded into float with the reference's
// expression in block order, so the product equals matmul_ref bit for bit (tolerance 0), like the
// packed decode kernel. The activations are the reference's own Q8_0 / Q8_K blocks (with their
// integer sums: "q8_1" in spirit), so there is no activation-quantization difference to allow for.
void TestCudaMmq::mmqIsBitExact()
{
    QFETCH(int, index);
    const auto [name, t, rows, cols, tokens, random_bits, reverse] = kCases[index];
    const auto w = random_bits ? random_blocks(t, rows, cols, 41) : quantized_matrix(t, rows, cols, 41);
    const auto x = random_floats(size_t(tokens * cols), 42);
    std::vector<float> ref(size_t(tokens * rows)), y, mv;
    matmul_ref(t, w.data(), row_bytes(t, cols), rows, cols, x.data(), tokens, ref.data(), rows);
    gpu::GpuStatus st;
    {
#if defined(CAUSERIE_CUDA_SIM)
        ReverseSchedule order(reverse);
#else
        if (reverse)
            QSKIP("a GPU has no schedule to reverse");
#endif
        st = run_mmq(t, w, rows, cols, x, tokens, &y);
        if (st.ok())
            st = run_mmq(t, w, rows, cols, x, tokens, &mv, true);
    }
    QVERIFY2(st.ok(), st.error.c_str());
    QCOMPARE(y.size(), ref.size());
    for (size_t i = 0; i < y.size(); ++i)
        if (y[i] != ref[i])
            QFAIL(qPrintable(QStringLiteral("token %1 row %2: %3 vs %4")
                                 .arg(i / size_t(rows))
                                 .arg(i % size_t(rows))
                                 .arg(double(y[i]), 0, 'g', 9)
                                 .arg(double(ref[i]), 0, 'g', 9)));
    QCOMPARE(y, mv);
}

// accumulate: y += W x in the epilogue, add_inplace's float addition.
void TestCudaMmq::mmqAccumulatesInItsEpilogue()
{
    const auto t = TensorType::Q4_K;
    const int64_t rows = 66, cols = 512, tokens = 66;
    const auto w = quantized_matrix(t, rows, cols, 7);
    const auto x = random_floats(size_t(tokens * cols), 8);
    std::vector<float> ref(size_t(tokens * rows));
    matmul_ref(t, w.data(), row_bytes(t, cols), rows, cols, x.data(), tokens, ref.data(), rows);
    std::vector<float> y = random_floats(ref.size(), 9), want = y;
    for (size_t i = 0; i < want.size(); ++i)
        want[i] += ref[i];
    const auto st = run_mmq(t, w, rows, cols, x, tokens, &y, false, true);
    QVERIFY2(st.ok(), st.error.c_str());
    QCOMPARE(y, want);
}

void TestCudaMmq::mmqRejectsBadInput()
{
    DeviceBuffer buf(8192);
    auto st = gpu::mmq_packed(TensorType::Q5_K, buf.ptr, 1, 256, buf.ptr, 1, buf.as<float>(), 1, nullptr);
    CUDA_VERIFY_REJECTED(st, "no int8 tensor-core path");
    st = gpu::mmq_packed(TensorType::Q4_K, buf.ptr, 1, 300, buf.ptr, 1, buf.as<float>(), 1, nullptr);
    CUDA_VERIFY_REJECTED(st, "row length 300");
    st = gpu::mmq_packed(TensorType::Q4_0, buf.ptr, 1, 20, buf.ptr, 1, buf.as<float>(), 1, nullptr);
    CUDA_VERIFY_REJECTED(st, "row length 20");
    for (auto [rows, tokens, ldy] : {std::tuple{0, 1, 1}, {4, 0, 4}, {4, 2, 3}}) {
        st = gpu::mmq_packed(TensorType::Q8_0, buf.ptr, rows, 32, buf.ptr, tokens, buf.as<float>(), ldy, nullptr);
        CUDA_VERIFY_REJECTED(st, "bad shape");
    }
    QVERIFY(gpu::mmq_supports(TensorType::Q4_0) && gpu::mmq_supports(TensorType::Q6_K));
    QVERIFY(!gpu::mmq_supports(TensorType::Q5_0) && !gpu::mmq_supports(TensorType::F16));
}

// The counters the roofline model prices (docs/gpu-model.md): every tile does 2 x 64 x 64 x cols
// int8 operations (padded rows and tokens included), the bytes loaded are the hand count below,
// and the loads mostly fill the 32-byte sectors they touch: the 16-byte code chunks do (lanes on
// consecutive chunks); the 2-byte weight scales (8 bytes per row and step, rows apart) and the
// 4-byte activation {d, sum} (16 bytes per token and step) do not, which brings Q4_0 to 0.83.
void TestCudaMmq::mmqCountsTensorCoreWork()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("the counters are the sim's");
#else
    const int64_t rows = 100, cols = 512, tokens = 70;   // 2 x 2 tiles of 64 x 64
    causerie::cuda_sim::Counters c;
    const auto st = counted_mmq(TensorType::Q4_0, rows, cols, tokens, 3, &c);
    QVERIFY2(st.ok(), st.error.c_str());
    QCOMPARE(c.mma_int8_ops, 2.0 * 128 * 128 * 512);
    QVERIFY(c.kernels.count("mmq") == 1);
    const auto& loads = c.kernels.at("mmq").loads;
    // Weights: each of the 2 token tiles reads every row's codes (16 bytes per block) and scales
    // (2 bytes per block); activations: each of the 2 row tiles reads every token's codes
    // (32 bytes per block) and {d, sum} (4 bytes per block).
    const double nb = cols / 32;
    QCOMPARE(double(loads.bytes), 2 * rows * nb * 18 + 2 * tokens * nb * 36);
    QVERIFY2(double(loads.bytes) / (32.0 * double(loads.sectors)) > 0.8,
             qPrintable(QString::number(double(loads.bytes) / (32.0 * double(loads.sectors)))));
    QVERIFY(c.shared_bytes > 0);
#endif
}

void TestCudaMmq::mmqSharedAccessesAreConflictFree_data()
{
    QTest::addColumn<int>("type");
    for (auto t : {TensorType::Q4_0, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q6_K})
        QTest::newRow(t == TensorType::Q4_0   ? "Q4_0"
                      : t == TensorType::Q8_0 ? "Q8_0"
                      : t == TensorType::Q4_K ? "Q4_K"
                                              : "Q6_K")
            << int(t);
}

// Every shared-memory request of the kernel (staging stores, fragment and scale loads) takes the
// bank wavefronts of a conflict-free one (sim_runtime.h's model: one per phase), for every type.
// The stores are 16 bytes (4 phases); the fragment loads 4 bytes, lanes on 128 contiguous bytes.
void TestCudaMmq::mmqSharedAccessesAreConflictFree()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("the counters are the sim's");
#else
    QFETCH(int, type);
    causerie::cuda_sim::Counters c;
    const auto st = counted_mmq(TensorType(type), 70, 512, 67, 5, &c);
    QVERIFY2(st.ok(), st.error.c_str());
    const causerie::cuda_sim::SharedCounts sh = c.kernels.at("mmq").shared;
    QVERIFY(sh.requests > 1000);
    QCOMPARE(sh.wavefronts, sh.ideal_wavefronts);
    // The fragment loads dominate: 4-byte, one wavefront each; the 16-byte stores take 4.
    const double per_request = double(sh.wavefronts) / double(sh.requests);
    QVERIFY2(per_request >= 1.0 && per_request < 1.5, qPrintable(QString::number(per_request)));
#endif
}

QTEST_GUILESS_MAIN(TestCudaMmq)
#include "tst_cuda_mmq.moc"
