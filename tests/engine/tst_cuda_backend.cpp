// The CUDA backend run end to end under the CUDA sim (`cuda-sim` device) against the CPU
// backend: the tiny Mistral model, random models of every weight type, partial offload,
// the memory plan and its CPU fallback, the prefill GEMM path.
//
// The CPU backend is pinned to its scalar kernels (CAUSERIE_CPU=scalar, set before its first
// use, unless the environment already sets it): those are the reference arithmetic the CUDA
// kernels reproduce, so for quantized weights the logits must be *identical*. (The AVX2 kernels
// sum in another order; on the random models here a reordered sum can flip an 8-bit activation
// code and move logits by ~1e-2 relative, which says nothing about either implementation. The
// CLI check in the report compares with the default CPU path on the real tiny model: identical
// to 6 decimals.) hostLayersMatchCpu holds on every dispatch: both sides run the CPU's layer.
#include "counting_backend.h"
#include "engine/backend.h"
#include "engine/backend_cuda.h"
#include "engine/batch.h"
#include "engine/model.h"
#include "engine/session.h"
#include "engine/sim_counts.h"
#include "engine/test_model.h"
#include "engine/tokenizer.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/sim/sim_runtime.h"
#include "kernels/cuda/topk.cuh"
#include "tests/common/data_columns.h"

#include <QFile>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace causerie;
using causerie::testing::addTypedColumns;
using kernels::TensorType;

namespace {

const std::string kTiny = CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf";

struct Diff {
    float max_diff = 0.0f;
    float max_abs = 0.0f;
};

Diff compare(const std::vector<float>& a, const std::vector<float>& b)
{
    Diff d;
    for (size_t i = 0; i < a.size(); ++i) {
        d.max_diff = std::max(d.max_diff, std::fabs(a[i] - b[i]));
        d.max_abs = std::max(d.max_abs, std::fabs(b[i]));
    }
    return d;
}

// All logits of `tokens` evaluated as one prefill, then again token by token on a second
// backend of the same kind (decode path), concatenated: prefill rows then decode rows.
std::vector<float> run(ComputeBackend& prefill, ComputeBackend& decode, const std::vector<int32_t>& tokens)
{
    const size_t nv = size_t(prefill.n_vocab());
    std::vector<float> out(2 * tokens.size() * nv);
    std::vector<float> last(nv);
    if (!prefill.eval(tokens, 0, last.data(), out.data()).ok())
        return {};
    for (size_t t = 0; t < tokens.size(); ++t)
        if (!decode.eval(std::span(&tokens[t], 1), int64_t(t), out.data() + (tokens.size() + t) * nv).ok())
            return {};
    return out;
}

std::unique_ptr<ComputeBackend> sim_backend(const Model& model, int64_t n_ctx, CudaBackendOptions co = {})
{
    BackendOptions o;
    o.n_ctx = n_ctx;
    auto b = create_cuda_sim_backend(model, o, co);
    if (!b)
        qWarning("%s", b.error().message.c_str());
    return b ? std::move(b).value() : nullptr;
}

std::unique_ptr<ComputeBackend> cpu_backend(const Model& model, int64_t n_ctx)
{
    BackendOptions o;
    o.n_ctx = n_ctx;
    o.n_threads = 2;
    auto b = create_cpu_backend(model, o);
    return b ? std::move(b).value() : nullptr;
}

// run() on two sim backends with options co and on two CPU backends (64 positions): the sim's
// logits and the CPU's; both empty when a backend could not be created.
struct SimAndCpu {
    std::vector<float> sim, cpu;
};

SimAndCpu run_sim_and_cpu(const Model& model, const CudaBackendOptions& co, const std::vector<int32_t>& ids)
{
    auto s1 = sim_backend(model, 64, co), s2 = sim_backend(model, 64, co);
    auto c1 = cpu_backend(model, 64), c2 = cpu_backend(model, 64);
    if (!(s1 && s2 && c1 && c2))
        return {};
    return {run(*s1, *s2, ids), run(*c1, *c2, ids)};
}

// compare() of the prefill rows and of the decode rows of two run() outputs.
struct PrefillDecodeDiff {
    Diff prefill, decode;
};

PrefillDecodeDiff compare_halves(const std::vector<float>& a, const std::vector<float>& b)
{
    const auto half = std::ptrdiff_t(a.size() / 2);
    return {compare({a.begin(), a.begin() + half}, {b.begin(), b.begin() + half}),
            compare({a.begin() + half, a.end()}, {b.begin() + half, b.end()})};
}

}   // namespace

class TestCudaBackend : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // ctest's tst_cuda_backend_host_* entries set another dispatch and run hostLayersMatchCpu only.
    void initTestCase()
    {
        if (!qEnvironmentVariableIsSet("CAUSERIE_CPU"))
            qputenv("CAUSERIE_CPU", "scalar");
    }
    void cleanup()
    {
        kernels::gpu::sim_set_memory_limit(0);
        kernels::gpu::sim_set_reported_free(0);
        kernels::gpu::sim_set_device_count(1);
        kernels::gpu::sim_fail_captures(false);
    }
    void tinyModelMatchesCpu();
    void everyTypeMatchesCpu_data();
    void everyTypeMatchesCpu();
    void lowbitModelsMatchCpu_data();
    void lowbitModelsMatchCpu();
    void partialOffloadMatchesCpu();
    void hostLayersMatchCpu();
    void memoryPlan();
    void memoryPlanCountsKvType();
    void memoryPlanCountsExperts();
    void notEnoughMemoryFallsBackToCpu();
    void outOfMemoryRetriesWithFewerLayers();
    void gemmPrefillPath();
    void packedWeightsOnEveryPath_data();
    void packedWeightsOnEveryPath();
    void splitKDecode();
    void tiledPrefillAttention();
    void graphDecodeReplays();
    void topKOnDevice();
    void sessionSamplesFromDeviceTopK();
    void chooseDevice();
    void deviceAndLayerOptions();
    void evalRejectsBadInput();
    void otherArchitecturesMatchCpu_data();
    void otherArchitecturesMatchCpu();
    void flashDecodeKeepsLaunchesPerLayer();
    void q8KvCacheMatchesCpu();
    void int8GemmPrefillMatchesCpu_data();
    void int8GemmPrefillMatchesCpu();
    void f16CopiesServeLaterPrefills();
    void sessionSamplesOnDevice_data();
    void sessionSamplesOnDevice();
    void stickyErrorMovesSessionToCpu();
    void stickyErrorMovesBatchToCpu();
    void decodeCopiesFromPinnedMemory();
    void graphKernelsWarmedBeforeCapture();
};

// Q8_0 weights: the same arithmetic in the same order, so the same logits, prefill and decode.
void TestCudaBackend::tinyModelMatchesCpu()
{
    auto model = load_model(kTiny);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    BackendOptions o{.n_ctx = 64, .device = "cuda-sim"};
    std::string why;
    auto sim = create_backend(*model, o, &why);
    QVERIFY(sim.ok());
    QVERIFY2(why.find("2 of 2 layers on GPU") != std::string::npos, why.c_str());
    QVERIFY2((*sim)->device_name().find("CUDA sim") != std::string::npos, (*sim)->device_name().c_str());
    auto sim2 = sim_backend(*model, 64);
    auto cpu = cpu_backend(*model, 64), cpu2 = cpu_backend(*model, 64);
    QVERIFY(sim2 && cpu && cpu2);
    const std::vector<int32_t> ids = {1, 22557, 1526, 28808};   // "Hello world!" with BOS
    const auto a = run(**sim, *sim2, ids);
    const auto b = run(*cpu, *cpu2, ids);
    QVERIFY(!a.empty() && !b.empty());
    QCOMPARE(a, b);
    QVERIFY(compare(a, b).max_abs > 1.0f);
    // llama.cpp's top token for this prompt (tests/data/tiny-mistral-q8_0.golden.txt).
    const size_t nv = size_t(model->hp.n_vocab);
    const float* last = a.data() + 3 * nv;
    QCOMPARE(int(std::max_element(last, last + nv) - last), 27883);
    QVERIFY(std::fabs(last[27883] - 4.5319f) < 1e-3f);
}

void TestCudaBackend::everyTypeMatchesCpu_data()
{
    addTypedColumns<int, bool>("type", "tied");
    QTest::addColumn<bool>("ropeFactors");   // rope_freqs.weight, as Llama 3.1+ files carry
    for (auto t : {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q8_0, TensorType::Q4_0,
                   TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1, TensorType::Q4_K, TensorType::Q5_K,
                   TensorType::Q6_K})   // Q2_K, Q3_K, IQ4_*: lowbitModelsMatchCpu (write_test_model lacks them)
        QTest::newRow(kernels::type_traits(uint32_t(t))->name) << int(t) << false << false;
    QTest::newRow("Q4_K tied output") << int(TensorType::Q4_K) << true << false;
    QTest::newRow("Q4_1 tied output") << int(TensorType::Q4_1) << true << false;
    QTest::newRow("F16 tied output") << int(TensorType::F16) << true << false;
    QTest::newRow("Q4_0 with Llama 3 RoPE factors") << int(TensorType::Q4_0) << true << true;
}

// Prefill and decode logits of a random 2-layer model against the CPU backend. Quantized weights:
// identical (integer block sums, the reference's float expressions and block order).
// F32/F16/BF16 rows are summed as a warp tree, not in element order: a last-bit difference
// that the F16 KV cache and the next layer's activation rounding can grow; measured at most
// 2.4e-4 (F32), 5.1e-4 (F16), 3.6e-3 (BF16) of the largest logit, held to 1e-2.
void TestCudaBackend::everyTypeMatchesCpu()
{
    QFETCH(int, type);
    QFETCH(bool, tied);
    QFETCH(bool, ropeFactors);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec;
    spec.type = TensorType(type);
    spec.tied_output = tied;
    if (ropeFactors)   // head_dim 64; a short "original context" so that most pairs are scaled
        spec.rope_freq_factors = llama3_rope_freq_factors(64, spec.rope_freq_base, 8.0f, 1.0f, 4.0f, 32.0f);
    spec.n_embd = 256;
    spec.n_ff = 256;   // the smallest K-quant shapes: the sim's fibers make every row cost
    spec.n_head = 4;
    spec.n_head_kv = 2;
    spec.n_layer = 2;
    spec.seed = 11;
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    std::vector<int32_t> tokens;
    for (int i = 0; i < 9; ++i)
        tokens.push_back(int32_t((i * 37 + 5) % model->hp.n_vocab));
    auto s1 = sim_backend(*model, 32), s2 = sim_backend(*model, 32);
    auto c1 = cpu_backend(*model, 32), c2 = cpu_backend(*model, 32);
    QVERIFY(s1 && s2 && c1 && c2);
    const auto a = run(*s1, *s2, tokens);
    const auto b = run(*c1, *c2, tokens);
    QVERIFY(!a.empty() && !b.empty());
    const Diff d = compare(a, b);
    QVERIFY2(d.max_abs > 1e-2f, "logits are trivially small: the comparison would prove nothing");
    const auto t = TensorType(type);
    if (t == TensorType::F32 || t == TensorType::F16 || t == TensorType::BF16)
        QVERIFY2(d.max_diff <= 1e-2f * d.max_abs,
                 qPrintable(QStringLiteral("max |sim - cpu| = %1 (max |logit| %2)").arg(d.max_diff).arg(d.max_abs)));
    else
        QCOMPARE(a, b);
}

void TestCudaBackend::lowbitModelsMatchCpu_data()
{
    QTest::addColumn<QString>("stem");
    for (const char* stem : {"q2_k", "q3_k_m", "iq4_nl", "iq4_xs"})
        QTest::newRow(stem) << QString::fromLatin1(stem);
}

// The llama-quantize files of tst_forward's low-bit goldens (Q2_K, Q3_K, IQ4_NL, IQ4_XS weights
// with Q4_K/Q5_K/Q6_K mixed in): the sim's prefill and decode logits of the golden prompt equal
// the CPU's bit for bit, and so do 16 greedy tokens after it.
void TestCudaBackend::lowbitModelsMatchCpu()
{
    QFETCH(QString, stem);
    const QString base = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-lowbit-%1").arg(stem);
    auto model = load_model((base + QStringLiteral(".gguf")).toStdString());
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    // The golden file's prompt and greedy tokens ("ids ...", "greedy ...").
    QFile f(base + QStringLiteral(".golden.txt"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    std::vector<int32_t> ids, greedy;
    for (const QByteArray& line : f.readAll().split('\n')) {
        const QList<QByteArray> w = line.split(' ');
        for (qsizetype i = 1; i < w.size() && (w[0] == "ids" || w[0] == "greedy"); ++i)
            (w[0] == "ids" ? ids : greedy).push_back(w[i].toInt());
    }
    const SimAndCpu r = run_sim_and_cpu(*model, {}, ids);
    QVERIFY(!r.sim.empty() && !r.cpu.empty());
    QVERIFY2(compare(r.sim, r.cpu).max_abs > 1e-2f, "logits are trivially small");
    QCOMPARE(r.sim, r.cpu);

    // 16 greedy tokens after the golden prompt: the sim's are the CPU backend's (on the
    // dispatch this test runs, scalar by default; tst_forward holds the CPU's to llama.cpp's).
    QCOMPARE(greedy.size(), size_t(16));
    auto sim = sim_backend(*model, 64);
    auto cpu = cpu_backend(*model, 64);
    QVERIFY(sim && cpu);
    std::vector<float> ls(size_t(model->hp.n_vocab)), lc(ls.size());
    QVERIFY(sim->eval(ids, 0, ls.data()).ok());
    QVERIFY(cpu->eval(ids, 0, lc.data()).ok());
    int64_t pos = int64_t(ids.size());
    for (size_t step = 0; step < greedy.size(); ++step) {
        const int32_t next = int32_t(std::max_element(ls.begin(), ls.end()) - ls.begin());
        QCOMPARE(next, int32_t(std::max_element(lc.begin(), lc.end()) - lc.begin()));
        QVERIFY(sim->eval(std::span(&next, 1), pos, ls.data()).ok());
        QVERIFY(cpu->eval(std::span(&next, 1), pos++, lc.data()).ok());
    }
}

// Layer 0 on the "GPU", layer 1 on the CPU inside the CUDA backend: still the CPU's logits.
void TestCudaBackend::partialOffloadMatchesCpu()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    CudaBackendOptions co;
    co.max_layers = 1;
    auto s1 = sim_backend(*model, 64, co), s2 = sim_backend(*model, 64, co);
    auto c1 = cpu_backend(*model, 64), c2 = cpu_backend(*model, 64);
    QVERIFY(s1 && s2 && c1 && c2);
    QVERIFY2(s1->device_name().find("1/2 layers") != std::string::npos, s1->device_name().c_str());
    const std::vector<int32_t> ids = {1, 22557, 1526, 28808, 12, 900};
    QCOMPARE(run(*s1, *s2, ids), run(*c1, *c2, ids));
}

// Every layer through the CUDA backend's host path (max_layers 0: only the embeddings and the
// head on the device) against the CPU backend: both run the layers of layer_cpu.h, so the logits
// must be identical on whatever dispatch the process has -- scalar here, AVX2 and AVX-512 in the
// ctest entries tst_cuda_backend_host_avx2 / _native (unlike the tests above, where the device
// layers' reference arithmetic meets the CPU's, this one holds on every path). Q4_K weights: the
// head on the device is the reference arithmetic, which the K-quant kernels of every CPU path
// reproduce bit for bit (AVX2 Q8_0 sums 8 lanes at a time: 5e-7 apart). 70 tokens: the prefill
// is two of the host side's micro-batches (kCudaMaxBatch = 64), the decode reads a cache it
// wrote itself.
void TestCudaBackend::hostLayersMatchCpu()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    const TestModelSpec spec{
        .n_embd = 256, .n_layer = 3, .n_head = 8, .n_head_kv = 2, .n_ff = 512, .type = TensorType::Q4_K, .seed = 13};
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    CudaBackendOptions co;
    co.max_layers = 0;
    auto s1 = sim_backend(*model, 80, co), s2 = sim_backend(*model, 80, co);
    auto c1 = cpu_backend(*model, 80), c2 = cpu_backend(*model, 80);
    QVERIFY(s1 && s2 && c1 && c2);
    QVERIFY2(s1->device_name().find("0/3 layers") != std::string::npos, s1->device_name().c_str());
    std::vector<int32_t> tokens;
    for (int i = 0; i < 70; ++i)
        tokens.push_back(int32_t((i * 53 + 7) % model->hp.n_vocab));
    const auto a = run(*s1, *s2, tokens);
    const auto b = run(*c1, *c2, tokens);
    QVERIFY(!a.empty() && !b.empty());
    const Diff d = compare(a, b);
    QVERIFY2(d.max_abs > 1e-2f, "logits are trivially small: the comparison would prove nothing");
    QVERIFY2(a == b,
             qPrintable(QStringLiteral("max |sim - cpu| = %1 (max |logit| %2)").arg(d.max_diff).arg(d.max_abs)));
}

// The tiny model's numbers worked out by hand: n_embd 64, 4 heads of 16, 2 KV heads, n_ff 192,
// Q8_0 (34 bytes per 32 weights).
void TestCudaBackend::memoryPlan()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    // wq, wo: 64 rows x 68 bytes; wk, wv: 32 x 68; gate, up: 192 x 68; down: 64 x 204; two F32
    // norms of 256 bytes: 52736 bytes. KV cache: 64 positions x 2 KV heads x (16 + 16) x 2 bytes.
    const size_t layer = 2 * 64 * 68 + 2 * 32 * 68 + 2 * 192 * 68 + 64 * 204 + 2 * 256 + 64 * 2 * 32 * 2;
    const auto all = plan_cuda_memory(*model, 64, size_t(1) << 40, false);
    QCOMPARE(all.layer_bytes, layer);
    QCOMPARE(all.n_layer_gpu, int64_t(2));
    QCOMPARE(all.needed_all, all.fixed_bytes + 2 * layer);
    QVERIFY(all.fixed_bytes > kCudaReserveBytes);
    const auto one = plan_cuda_memory(*model, 64, all.needed_all - 1, false);
    QCOMPARE(one.n_layer_gpu, int64_t(1));
    QVERIFY2(one.summary.find("1 of 2 layers on GPU") != std::string::npos, one.summary.c_str());
    QVERIFY2(one.summary.find("GPU has ") == 0, one.summary.c_str());
    const auto none = plan_cuda_memory(*model, 64, all.fixed_bytes + layer - 1, false);
    QCOMPARE(none.n_layer_gpu, int64_t(0));
    QCOMPARE(format_bytes(size_t(5.1 * 1073741824.0)), std::string("5.1 GiB"));
    QCOMPARE(format_bytes(size_t(340) << 20), std::string("340 MiB"));
}

// The plan counts the KV cache in the type asked for: Q8_0's 17/32 of F16's bytes let more layers
// fit in the same free memory, and the backend places that many. Worked out by hand: Q8_0 weights,
// n_embd 128, 4 heads of 32, 2 KV heads, n_ff 256, 8 layers, 256 positions.
void TestCudaBackend::memoryPlanCountsKvType()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    const TestModelSpec spec{.n_embd = 128, .n_layer = 8, .n_ff = 256, .type = TensorType::Q8_0, .seed = 5};
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    // wq, wo: 128 rows x 136 bytes; wk, wv: 64 x 136; gate, up: 256 x 136; down: 128 x 272; two
    // F32 norms of 512 bytes.
    const size_t weights = 2 * 128 * 136 + 2 * 64 * 136 + 2 * 256 * 136 + 128 * 272 + 2 * 512;
    const size_t kv_f16 = 256 * 2 * (2 * 32 * 2);   // K and V: 2 KV heads of 32 values, 2 bytes each
    const size_t kv_q8 = 256 * 2 * (2 * 34);        // K and V: 2 heads of one 34-byte block each
    const auto f16 = plan_cuda_memory(*model, 256, size_t(1) << 40, false, KvType::F16);
    const auto q8 = plan_cuda_memory(*model, 256, size_t(1) << 40, false, KvType::Q8_0);
    QCOMPARE(f16.layer_bytes, weights + kv_f16);
    QCOMPARE(q8.layer_bytes, weights + kv_q8);
    QCOMPARE(q8.fixed_bytes, f16.fixed_bytes);
    QCOMPARE(plan_cuda_memory(*model, 256, size_t(1) << 40, false).layer_bytes, f16.layer_bytes);   // default F16
    // Free memory for every layer with a Q8_0 cache: (8 x 192,512) / 223,232 = 6.9, so 6 with F16.
    const size_t free_bytes = q8.fixed_bytes + 8 * q8.layer_bytes;
    QCOMPARE(plan_cuda_memory(*model, 256, free_bytes, false, KvType::Q8_0).n_layer_gpu, int64_t(8));
    QCOMPARE(plan_cuda_memory(*model, 256, free_bytes, false, KvType::F16).n_layer_gpu, int64_t(6));
    QCOMPARE(plan_cuda_memory(*model, 256, free_bytes - 1, false, KvType::Q8_0).n_layer_gpu, int64_t(7));

    // The backend places what the plan says for its own cache type.
    kernels::gpu::sim_set_reported_free(free_bytes);
    for (auto [type, placed] : {std::pair{KvType::Q8_0, "8/8 layers"}, {KvType::F16, "6/8 layers"}}) {
        BackendOptions o{.n_ctx = 256, .n_threads = 2, .device = "cuda-sim"};
        o.kv_type = type;
        std::string why;
        auto b = create_backend(*model, o, &why);
        QVERIFY2(b.ok(), b.ok() ? "" : b.error().message.c_str());
        QVERIFY2((*b)->device_name().find(placed) != std::string::npos, (*b)->device_name().c_str());
        QCOMPARE((*b)->kv_type(), type);
    }
}

// A mixture of experts: every expert and the router are in a layer's bytes, and the slots that
// hold the chosen experts' matrices (moe_gather) in the fixed part. Worked out by hand: Q8_0
// weights, n_embd 128, 4 heads of 32, 2 KV heads, 4 experts of n_ff 256, 2 per token.
void TestCudaBackend::memoryPlanCountsExperts()
{
    QTemporaryDir dir;
    const std::string dense_path = dir.filePath(QStringLiteral("dense.gguf")).toStdString();
    const std::string moe_path = dir.filePath(QStringLiteral("moe.gguf")).toStdString();
    TestModelSpec spec{.n_embd = 128, .n_layer = 2, .n_ff = 256, .type = TensorType::Q8_0, .seed = 5};
    QVERIFY(write_test_model(dense_path, spec).ok());
    spec.n_expert = 4;
    spec.n_expert_used = 2;
    QVERIFY(write_test_model(moe_path, spec).ok());
    auto dense = load_model(dense_path);
    auto moe = load_model(moe_path);
    QVERIFY(dense.ok() && moe.ok());
    // wq, wo: 128 rows x 136 bytes; wk, wv: 64 x 136; two F32 norms of 512 bytes; then the dense
    // feed-forward (gate, up: 256 x 136, down: 128 x 272) or the router (4 x 128 F32) and four
    // experts of that size.
    const size_t attention = 2 * 128 * 136 + 2 * 64 * 136 + 2 * 512;
    const size_t ffn = 2 * 256 * 136 + 128 * 272;
    const size_t kv = 64 * 2 * (2 * 32 * 2);
    const auto d = plan_cuda_memory(*dense, 64, size_t(1) << 40, false);
    const auto m = plan_cuda_memory(*moe, 64, size_t(1) << 40, false);
    QCOMPARE(d.layer_bytes, attention + ffn + kv);
    QCOMPARE(m.layer_bytes, attention + 4 * 128 * 4 + 4 * ffn + kv);
    // Slots: 2 chosen experts x 3 kinds x the largest expert matrix (down: 128 x 272), at least.
    QVERIFY2(m.fixed_bytes >= d.fixed_bytes + 3 * 2 * 128 * 272,
             qPrintable(QStringLiteral("%1 vs %2").arg(m.fixed_bytes).arg(d.fixed_bytes)));
}

// A device too small for one layer: `cuda-sim` falls back to the CPU and says why; one that
// holds one layer runs half the model on each side.
void TestCudaBackend::notEnoughMemoryFallsBackToCpu()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    const auto plan = plan_cuda_memory(*model, 64, 0, false);
    BackendOptions o{.n_ctx = 64, .device = "cuda-sim"};

    kernels::gpu::sim_set_memory_limit(plan.fixed_bytes + plan.layer_bytes / 2);
    std::string why;
    auto b = create_backend(*model, o, &why);
    QVERIFY(b.ok());
    QVERIFY2((*b)->device_name().rfind("CPU", 0) == 0, (*b)->device_name().c_str());
    QVERIFY2(why.find("GPU has") != std::string::npos && why.find("running on the CPU") != std::string::npos,
             why.c_str());

    kernels::gpu::sim_set_memory_limit(plan.fixed_bytes + plan.layer_bytes + plan.layer_bytes / 2);
    b = create_backend(*model, o, &why);
    QVERIFY(b.ok());
    QVERIFY2((*b)->device_name().find("1/2 layers") != std::string::npos, (*b)->device_name().c_str());
    QVERIFY2(why.find("1 of 2 layers on GPU") != std::string::npos, why.c_str());
    std::vector<float> logits(size_t(model->hp.n_vocab));
    QVERIFY((*b)->eval(std::vector<int32_t>{1, 22557}, 0, logits.data()).ok());
}

// The device reports plenty of free memory but allocations fail beyond 1.5 layers (another
// program took the rest): the backend retries with fewer layers; below one layer it gives up
// and create_backend() runs on the CPU, saying why. Nothing leaks between attempts.
void TestCudaBackend::outOfMemoryRetriesWithFewerLayers()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    const auto plan = plan_cuda_memory(*model, 64, 0, false);
    const size_t allocated_fixed = plan.fixed_bytes - kCudaReserveBytes;   // the reserve is never allocated
    kernels::gpu::sim_set_reported_free(size_t(1) << 40);
    BackendOptions o{.n_ctx = 64, .device = "cuda-sim"};

    kernels::gpu::sim_set_memory_limit(allocated_fixed + plan.layer_bytes + plan.layer_bytes / 2);
    std::string why;
    auto b = create_backend(*model, o, &why);
    QVERIFY(b.ok());
    QVERIFY2((*b)->device_name().find("1/2 layers") != std::string::npos, (*b)->device_name().c_str());
    QVERIFY2(why.find("1 of 2 layers on GPU") != std::string::npos, why.c_str());
    b = make_error("release");   // frees the device memory
    QCOMPARE(kernels::gpu::sim_bytes_in_use(), size_t(0));

    // The plan counts what the backend allocates, the sampler's scratch included (the wide
    // path's 177,440 bytes at 32000 logits, 144,672 more than the tree's). Within 1 KiB: the plan
    // counts the sampling parameters as 64 bytes and not the 4-byte placeholders of the buffers
    // only a mixture of experts uses (measured: 20 bytes apart).
    kernels::gpu::sim_set_memory_limit(size_t(1) << 40);
    b = create_backend(*model, o, &why);
    QVERIFY(b.ok());
    const auto in_use = int64_t(kernels::gpu::sim_bytes_in_use());
    QVERIFY2(
        std::abs(in_use - int64_t(plan.needed_all - kCudaReserveBytes)) < 1024,
        qPrintable(QStringLiteral("%1 allocated, %2 planned").arg(in_use).arg(plan.needed_all - kCudaReserveBytes)));
    b = make_error("release");

    kernels::gpu::sim_set_memory_limit(allocated_fixed + plan.layer_bytes / 2);
    b = create_backend(*model, o, &why);
    QVERIFY(b.ok());
    QVERIFY2((*b)->device_name().rfind("CPU", 0) == 0, (*b)->device_name().c_str());
    QVERIFY2(why.find("out of memory") != std::string::npos && why.find("running on the CPU") != std::string::npos,
             why.c_str());
    QCOMPARE(kernels::gpu::sim_bytes_in_use(), size_t(0));
}

// Prefill through dequantize -> F16 -> GEMM (cuBLAS on a GPU, a loop under the sim). Activations
// are rounded to F16 (11-bit mantissa) instead of 8-bit blocks with a per-32 scale, so the
// logits move (measured 1.3e-2 of the largest logit; held to 3e-2); decode (matvec) stays exact.
void TestCudaBackend::gemmPrefillPath()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    CudaBackendOptions co;
    co.gemm_min_batch = 2;
    const auto [a, b] = run_sim_and_cpu(*model, co, {1, 22557, 1526, 28808});
    QVERIFY(!a.empty() && !b.empty());
    const auto [prefill, decode] = compare_halves(a, b);
    QVERIFY2(prefill.max_diff <= 3e-2f * prefill.max_abs,
             qPrintable(QStringLiteral("prefill %1").arg(prefill.max_diff)));
    QVERIFY2(prefill.max_diff > 0.0f, "the GEMM path must actually have run (it rounds differently)");
    QCOMPARE(decode.max_diff, 0.0f);
}

void TestCudaBackend::packedWeightsOnEveryPath_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("file");   // a llama-quantize file instead (types write_test_model lacks)
    for (TensorType t : {TensorType::Q4_0, TensorType::Q4_K, TensorType::Q8_0, TensorType::Q6_K, TensorType::Q4_1,
                         TensorType::Q5_0, TensorType::Q5_1, TensorType::Q5_K})
        QTest::newRow(kernels::type_traits(uint32_t(t))->name) << int(t) << QString();
    for (const char* stem : {"q2_k", "q3_k_m", "iq4_nl", "iq4_xs"})
        QTest::newRow(stem) << 0 << QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-lowbit-%1.gguf").arg(stem);
}

// Quantized matrices are uploaded in the packed decode layout (kernels/cuda/matvec.cuh). The
// prefill GEMM reads them through dequantize_packed_to_f16 (within gemmPrefillPath's bound, and
// it must differ: the path ran), and decode replayed from CUDA graphs -- shared activation
// quantization for Q/K/V and gate/up, residual adds in the product's epilogue -- stays exact.
void TestCudaBackend::packedWeightsOnEveryPath()
{
    QFETCH(int, type);
    QFETCH(QString, file);
    QTemporaryDir dir;
    std::string path = file.toStdString();
    if (file.isEmpty()) {
        path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
        TestModelSpec spec{.n_embd = 256, .n_layer = 2, .n_head = 4, .n_head_kv = 2, .n_ff = 512, .seed = 21};
        spec.type = TensorType(type);
        QVERIFY(write_test_model(path, spec).ok());
    }
    auto model = load_model(path);
    QVERIFY(model.ok());
    CudaBackendOptions co;
    co.gemm_min_batch = 2;
    co.graphs = CudaBackendOptions::Graphs::On;
    const auto [a, b] = run_sim_and_cpu(*model, co, {1, 7, 30, 11, 5});
    QVERIFY(!a.empty() && !b.empty());
    const auto [prefill, decode] = compare_halves(a, b);
    QVERIFY2(decode.max_abs > 1e-2f, "logits are trivially small: the comparison would prove nothing");
    QVERIFY2(prefill.max_diff > 0.0f, "the GEMM path must actually have run (it rounds differently)");
    // The F16 GEMM rounds the activations to F16 where the CPU quantizes them: the Q2_K file's 2-bit
    // weights make that the largest difference (measured 3.0e-2 of the largest logit; the packed and
    // the file's layout dequantize to the same halves, tst_cuda_matvec), held to 5e-2 for the files.
    const float bound = file.isEmpty() ? 3e-2f : 5e-2f;
    QVERIFY2(prefill.max_diff <= bound * prefill.max_abs,
             qPrintable(QStringLiteral("prefill %1 of %2").arg(prefill.max_diff).arg(prefill.max_abs)));
    QCOMPARE(decode.max_diff, 0.0f);
}

// Decode attention by split-K flash-decoding keeps float accumulators where the CPU rounds its
// V accumulator to F16 at every step (2^-11 relative per step); this random-weight model
// amplifies that (the repository's llama.cpp comparison saw 3.5e-2 from the same cause):
// measured 1.5e-2 of the largest logit, held to 3e-2. Prefill (exact kernel) stays identical;
// tst_cuda_attention checks split-K itself against attention in double.
void TestCudaBackend::splitKDecode()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    CudaBackendOptions co;
    co.attention = CudaBackendOptions::Attention::SplitK;
    const auto [a, b] = run_sim_and_cpu(*model, co, {1, 22557, 1526, 28808, 12, 900, 4});
    QVERIFY(!a.empty() && !b.empty());
    const size_t half = a.size() / 2;
    QVERIFY(std::equal(a.begin(), a.begin() + std::ptrdiff_t(half), b.begin()));
    const Diff decode = compare_halves(a, b).decode;
    QVERIFY2(decode.max_diff > 0.0f, "the split-K path must actually have run (it rounds differently)");
    QVERIFY2(decode.max_diff <= 3e-2f * decode.max_abs, qPrintable(QStringLiteral("decode %1").arg(decode.max_diff)));
}

// Prefill attention through the tiled flash-attention kernel (forced: under the sim the exact
// kernel is the default). Its float softmax/accumulator differs from the CPU's F16 V
// accumulator by ~1e-3 of |v| per attention output (tst_cuda_prefill_attention); through two
// layers and the head of this random-weight model that moved the logits by 1.5e-2 of the
// largest one (measured), held to 3e-2 like the split-K decode above. Decode (one token: exact kernel) stays
// identical; a prefill that continues a cached prefix (positions 4..6 over keys 0..6) too is
// within the same bound.
void TestCudaBackend::tiledPrefillAttention()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    CudaBackendOptions co;
    co.prefill_attention = CudaBackendOptions::PrefillAttention::Tiled;
    const std::vector<int32_t> ids = {1, 22557, 1526, 28808, 12, 900, 4};
    const auto [a, b] = run_sim_and_cpu(*model, co, ids);
    QVERIFY(!a.empty() && !b.empty());
    const size_t half = a.size() / 2;
    const Diff prefill = compare_halves(a, b).prefill;
    double sum_diff = 0;
    for (size_t i = 0; i < half; ++i)
        sum_diff += std::fabs(double(a[i]) - double(b[i]));
    qInfo("tiled prefill: max |sim - cpu| %.9g (mean %.3g) of max |logit| %g", double(prefill.max_diff),
          sum_diff / double(half), double(prefill.max_abs));
    QVERIFY2(prefill.max_diff > 0.0f, "the tiled kernel must actually have run (it rounds differently)");
    QVERIFY2(prefill.max_diff <= 3e-2f * prefill.max_abs,
             qPrintable(QStringLiteral("prefill %1").arg(prefill.max_diff)));
    QVERIFY(std::equal(a.begin() + std::ptrdiff_t(half), a.end(), b.begin() + std::ptrdiff_t(half)));

    // A cached prefix of 4 tokens, then 3 more in one batch (queries at 4..6).
    const size_t nv = size_t(model->hp.n_vocab);
    std::vector<float> got(3 * nv), want(3 * nv), last(nv);
    auto s3 = sim_backend(*model, 64, co);
    auto c3 = cpu_backend(*model, 64);
    QVERIFY(s3->eval(std::span(ids.data(), 4), 0, last.data()).ok());
    QVERIFY(s3->eval(std::span(ids.data() + 4, 3), 4, last.data(), got.data()).ok());
    QVERIFY(c3->eval(std::span(ids.data(), 4), 0, last.data()).ok());
    QVERIFY(c3->eval(std::span(ids.data() + 4, 3), 4, last.data(), want.data()).ok());
    const Diff cont = compare(got, want);
    QVERIFY2(cont.max_diff <= 3e-2f * cont.max_abs, qPrintable(QStringLiteral("continued %1").arg(cont.max_diff)));
}

// Decode steps replayed from CUDA graphs (forced on: the sim's default is off) against plain
// steps: the same kernels with the same arguments, the position read from device memory, so the
// logits must be identical at every position, including positions later than the one the graph
// was captured at. A random model with a 512-token vocabulary keeps 260 positions cheap. With
// split-K attention the context crosses the first bucket (256 positions), so a second graph is
// captured there (split-K's grid sized for the bucket, chunks past the position empty); the
// exact kernel is checked over a short context (one bucket) to keep the sim's run time down.
void TestCudaBackend::graphDecodeReplays()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec;
    spec.type = TensorType::Q8_0;
    spec.n_ctx = 600;
    spec.seed = 5;
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    const size_t nv = size_t(model->hp.n_vocab);
    for (auto attention : {CudaBackendOptions::Attention::Exact, CudaBackendOptions::Attention::SplitK}) {
        const bool split = attention == CudaBackendOptions::Attention::SplitK;
        const int64_t n_prompt = split ? 250 : 20;
        CudaBackendOptions plain_opts, graph_opts;
        plain_opts.attention = graph_opts.attention = attention;
        plain_opts.graphs = CudaBackendOptions::Graphs::Off;
        graph_opts.graphs = CudaBackendOptions::Graphs::On;
        auto plain = sim_backend(*model, 600, plain_opts), graphed = sim_backend(*model, 600, graph_opts);
        QVERIFY(plain && graphed);
        std::vector<int32_t> prompt;
        for (int i = 0; i < n_prompt; ++i)
            prompt.push_back(int32_t((i * 37 + 11) % int(nv)));
        std::vector<float> a(nv), b(nv);
        QVERIFY(plain->eval(prompt, 0, a.data()).ok());   // prefill: never a graph (more than one token)
        QVERIFY(graphed->eval(prompt, 0, b.data()).ok());
        QCOMPARE(a, b);
        const int captured_before = kernels::gpu::sim_graphs_captured();
        for (int64_t pos = n_prompt; pos < n_prompt + 12; ++pos) {   // split: 250..255 in bucket 256, 256..261 in 512
            const int32_t tok = int32_t(std::max_element(a.begin(), a.end()) - a.begin());
            QVERIFY(plain->eval(std::span(&tok, 1), pos, a.data()).ok());
            QVERIFY(graphed->eval(std::span(&tok, 1), pos, b.data()).ok());
            QVERIFY2(a == b, qPrintable(QStringLiteral("position %1 differs").arg(pos)));
        }
        QCOMPARE(kernels::gpu::sim_graphs_captured() - captured_before, split ? 2 : 1);
        // eval_top_k on the graph path leaves the logits on the device: same selection.
        TopLogits got, want;
        QVERIFY(graphed->eval_top_k(std::vector<int32_t>{7}, n_prompt + 12, 40, {}, &got).ok());
        QVERIFY(plain->eval(std::vector<int32_t>{7}, n_prompt + 12, a.data()).ok());
        select_top_logits(a.data(), int64_t(nv), 40, {}, &want);
        QCOMPARE(got.ids, want.ids);
        QCOMPARE(got.logits, want.logits);
    }

    // A capture that fails (instantiation refused): the step runs as plain launches, graphs are
    // off from then on, and device_name() says why.
    kernels::gpu::sim_fail_captures(true);
    CudaBackendOptions on;
    on.graphs = CudaBackendOptions::Graphs::On;
    auto failing = sim_backend(*model, 64, on), plain = sim_backend(*model, 64);
    QVERIFY(failing && plain);
    std::vector<float> a(nv), b(nv);
    QVERIFY(plain->eval(std::vector<int32_t>{1, 2, 3}, 0, a.data()).ok());
    QVERIFY(failing->eval(std::vector<int32_t>{1, 2, 3}, 0, b.data()).ok());
    for (int64_t pos = 3; pos < 5; ++pos) {
        QVERIFY(plain->eval(std::vector<int32_t>{9}, pos, a.data()).ok());
        QVERIFY(failing->eval(std::vector<int32_t>{9}, pos, b.data()).ok());
        QCOMPARE(a, b);
    }
    QVERIFY2(failing->device_name().find("CUDA graphs off") != std::string::npos, failing->device_name().c_str());
}

// eval_top_k selects on the device; under the sim the logits are the CPU's exactly, so the
// selection (ids, logits, gathered logits) must equal the CPU selection of the CPU's full row.
// k beyond the device kernel's 128 takes the default full-row path, with the same contract.
void TestCudaBackend::topKOnDevice()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    auto sim = sim_backend(*model, 64);
    auto cpu = cpu_backend(*model, 64);
    QVERIFY(sim && cpu);
    const std::vector<int32_t> ids = {1, 22557, 1526, 28808};
    const std::vector<int32_t> gather = {28808, 1526, 1, 31999};
    std::vector<float> row(size_t(model->hp.n_vocab));
    QVERIFY(cpu->eval(ids, 0, row.data()).ok());
    for (int k : {1, 40, 128, 300}) {
        auto b = sim_backend(*model, 64);
        TopLogits got, want;
        auto st = b->eval_top_k(ids, 0, k, gather, &got);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        select_top_logits(row.data(), model->hp.n_vocab, k, gather, &want);
        QCOMPARE(got.ids.size(), size_t(k));
        QCOMPARE(got.ids, want.ids);
        QCOMPARE(got.logits, want.logits);
        QCOMPARE(got.gathered, want.gathered);
        QCOMPARE(got.ids.front(), 27883);   // llama.cpp's top token for this prompt (golden file)
    }
    // Decode continues from the cache that eval_top_k filled: the next step agrees too.
    TopLogits step, want;
    QVERIFY(sim->eval_top_k(ids, 0, 40, {}, &step).ok());
    QVERIFY(sim->eval_top_k(std::vector<int32_t>{27883}, 4, 40, {}, &step).ok());
    QVERIFY(cpu->eval(std::vector<int32_t>{27883}, 4, row.data()).ok());
    select_top_logits(row.data(), model->hp.n_vocab, 40, {}, &want);
    QCOMPARE(step.ids, want.ids);
    TopLogits bad;
    auto st = sim->eval_top_k(std::vector<int32_t>{5}, 5, 40, std::vector<int32_t>{32000}, &bad);
    QVERIFY(!st.ok());
    QVERIFY2(st.error().message.find("32000") != std::string::npos, st.error().message.c_str());
}

// Session + sampler with the backend selecting the candidates on the device: the same tokens,
// draw for draw, as reading whole rows, with a temperature, top-k and a repetition penalty.
void TestCudaBackend::sessionSamplesFromDeviceTopK()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    auto tok = Tokenizer::from_vocab(model->vocab);
    QVERIFY(tok.ok());
    std::vector<std::vector<int32_t>> outputs;
    for (bool device_top_k : {true, false}) {
        auto inner = sim_backend(*model, 128);
        QVERIFY(inner);
        QVERIFY(inner->max_top_k() >= 40);
        auto* counting = new CountingBackend(std::move(inner));
        Session session(*tok, std::unique_ptr<ComputeBackend>(counting));
        GenerateOptions go;
        go.sampling.temperature = 1.1f;
        go.sampling.top_k = 30;
        go.sampling.top_p = 0.95f;
        go.sampling.repeat_penalty = 1.5f;
        go.sampling.random_seed = false;
        go.sampling.seed = 42;
        go.max_tokens = 20;
        go.backend_top_k = device_top_k;
        auto prompt = tok->encode("Hello world!", true);
        QVERIFY(prompt.ok());
        auto st = session.generate(*prompt, go, [](std::string_view) { return true; });
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        QCOMPARE(st->completion_tokens, 20);
        outputs.push_back(session.last_generated());
        if (device_top_k) {
            QCOMPARE(counting->rows, 1);    // the prompt only
            QCOMPARE(counting->tops, 19);   // every decode step after it
        } else {
            QCOMPARE(counting->tops, 0);
        }
    }
    QCOMPARE(outputs[0], outputs[1]);
}

// The choice among devices, on made-up probe results.
void TestCudaBackend::chooseDevice()
{
    const size_t GiB = size_t(1) << 30;
    const std::vector<CudaDeviceCandidate> devs = {
        {0, "RTX 3060", 10 * GiB, 12 * GiB, 8, 6},
        {1, "GTX 1080 Ti", 11 * GiB, 11 * GiB, 6, 1},   // the most free memory, but too old
        {2, "RTX 4090", 20 * GiB, 24 * GiB, 8, 9},
        {3, "RTX 4090", 20 * GiB, 24 * GiB, 8, 9},   // tie with 2: the lower index wins
    };
    QCOMPARE(*choose_cuda_device(devs, -1), 2);
    QCOMPARE(*choose_cuda_device(devs, 0), 0);
    QCOMPARE(*choose_cuda_device(devs, 3), 3);
    auto old = choose_cuda_device(devs, 1);
    QVERIFY(!old.ok());
    QVERIFY2(old.error().message.find("GTX 1080 Ti") != std::string::npos &&
                 old.error().message.find("compute 6.1") != std::string::npos,
             old.error().message.c_str());
    auto absent = choose_cuda_device(devs, 7);
    QVERIFY(!absent.ok());
    QVERIFY2(absent.error().message.find("no CUDA device 7") != std::string::npos &&
                 absent.error().message.find("2: RTX 4090, 20.0 GiB free of 24.0 GiB, compute 8.9") !=
                     std::string::npos,
             absent.error().message.c_str());
    QVERIFY(!choose_cuda_device({devs[1]}, -1).ok());   // only a too-old device
    QVERIFY(!choose_cuda_device({}, -1).ok());
}

// BackendOptions::gpu_device and n_gpu_layers through create_backend, with the sim pretending
// to have 3 devices.
void TestCudaBackend::deviceAndLayerOptions()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    kernels::gpu::sim_set_device_count(3);
    BackendOptions o{.n_ctx = 16, .device = "cuda-sim", .gpu_device = 2};
    std::string why;
    auto b = create_backend(*model, o, &why);
    QVERIFY(b.ok());
    QVERIFY2((*b)->device_name().find("CUDA sim #2") != std::string::npos, (*b)->device_name().c_str());
    QVERIFY2(why.find("on GPU 2") != std::string::npos, why.c_str());
    std::vector<float> logits(size_t(model->hp.n_vocab));
    QVERIFY((*b)->eval(std::vector<int32_t>{1, 22557}, 0, logits.data()).ok());

    o.gpu_device = 5;   // absent: an error naming the devices, not a silent CPU fallback
    b = create_backend(*model, o, &why);
    QVERIFY(!b.ok());
    QVERIFY2(b.error().message.find("no CUDA device 5") != std::string::npos &&
                 b.error().message.find("CUDA sim #1") != std::string::npos,
             b.error().message.c_str());
    kernels::gpu::sim_set_device_count(1);

    o.gpu_device = -1;
    o.n_gpu_layers = 1;
    b = create_backend(*model, o, &why);
    QVERIFY(b.ok());
    QVERIFY2((*b)->device_name().find("1/2 layers") != std::string::npos, (*b)->device_name().c_str());
    o.n_gpu_layers = 0;
    b = create_backend(*model, o, &why);
    QVERIFY(b.ok());
    QVERIFY2((*b)->device_name().rfind("CPU", 0) == 0, (*b)->device_name().c_str());
    QVERIFY2(why.find("0 GPU layers") != std::string::npos, why.c_str());
}

void TestCudaBackend::evalRejectsBadInput()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    auto b = sim_backend(*model, 8);
    QVERIFY(b);
    std::vector<float> logits(size_t(model->hp.n_vocab));
    auto st = b->eval(std::vector<int32_t>{1, 32000}, 0, logits.data());
    QVERIFY(!st.ok());
    QVERIFY(st.error().message.find("32000") != std::string::npos);
    QVERIFY(!b->eval(std::vector<int32_t>(9, 1), 0, logits.data()).ok());
    QVERIFY(!b->eval(std::vector<int32_t>{}, 0, logits.data()).ok());
    QVERIFY(b->eval(std::vector<int32_t>{1}, 7, logits.data()).ok());

    // Sampling over the whole vocabulary (top-k 0) needs a row for what it may leave to the host;
    // with one, this step (nothing cut: 32000 candidates) leaves it there: -1 and the token's logits.
    SampleStep wide;
    wide.temperature = 1.0f;
    wide.draw = 0.5;
    int32_t next = -5;
    st = b->eval_sample(1, 0, wide, &next);
    QVERIFY(!st.ok());
    QVERIFY2(st.error().message.find("whole vocabulary") != std::string::npos, st.error().message.c_str());
    QCOMPARE(next, -5);
    std::vector<float> want(logits.size()), row(logits.size(), -1.0f);
    QVERIFY(b->eval(std::vector<int32_t>{1}, 0, want.data()).ok());
    QVERIFY(b->eval_sample(1, 0, wide, &next, row.data()).ok());
    QCOMPARE(next, -1);
    QCOMPARE(row, want);
}

QTEST_GUILESS_MAIN(TestCudaBackend)
void TestCudaBackend::otherArchitecturesMatchCpu_data()
{
    QTest::addColumn<QString>("arch");
    for (const char* arch :
         {"qwen2", "qwen3", "phi3", "gemma2", "gemma3", "mixtral" /* 'llama' with experts */, "qwen3moe"})
        QTest::newRow(arch) << QString::fromLatin1(arch);
}

// Every architecture's steps on the device: qwen2 (biases), qwen3 (Q/K norms, key_length !=
// n_embd/n_head), phi3 (fused Q/K/V and gate/up, a partial rotation with LongRoPE's long factors
// and cos/sin scale, queries scaled after RoPE), gemma2 (scaled embeddings, post-block norms,
// GeGLU, attention and final soft-caps) and gemma3 (Q/K norms, local and global RoPE bases, a
// linear scale on the global layer). The gemmas' layer 0 slides over 8 positions, which 4 + 16
// tokens cross. 16 greedy tokens are the CPU backend's, with logits within 1e-2 at every step
// (the decode graph replayed); a prefill of the whole sequence gives the decode steps' logits
// within 1e-4. Mixtures of experts (Mixtral, qwen3moe: 4 experts, 2 per token) are routed on the
// device, in the decode graph too.
void TestCudaBackend::otherArchitecturesMatchCpu()
{
    QFETCH(QString, arch);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec;
    spec.arch = arch.toStdString();
    spec.type = kernels::TensorType::Q8_0;
    if (arch.startsWith(QLatin1String("qwen3")) || arch == QLatin1String("gemma3"))
        spec.head_dim = 32;                // 4 heads of 32 over n_embd 64
    if (arch == QLatin1String("phi3")) {   // LongRoPE over half of each head of 16; n_ctx 32 takes the long factors
        spec.n_rot = 8;
        spec.rope_factors_short = longrope_test_factors(4, false);
        spec.rope_factors_long = longrope_test_factors(4, true);
        spec.n_ctx_orig = 16;
        spec.rope_attn_factor = 1.19f;
    }
    if (arch.startsWith(QLatin1String("gemma"))) {
        spec.n_swa = 8;
        spec.swa_pattern = 2;   // layer 0 slides, layer 1 attends to all
    }
    if (arch == QLatin1String("gemma2")) {   // caps low enough to bite on these small scores and logits
        spec.attn_softcap = 1.5f;
        spec.final_softcap = 5.0f;
    }
    if (arch == QLatin1String("gemma3")) {
        spec.rope_freq_base = 1e6f;
        spec.rope_freq_base_swa = 1e4f;
        spec.rope_scaling_factor = 8.0f;
    }
    const bool experts = arch == QLatin1String("mixtral") || arch == QLatin1String("qwen3moe");
    if (experts) {   // 4 experts, 2 per token
        spec.arch = arch == QLatin1String("mixtral") ? "llama" : "qwen3moe";
        spec.n_expert = 4;
        spec.n_expert_used = 2;
        spec.n_ff_exp = arch == QLatin1String("qwen3moe") ? 64 : 0;
    }
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    BackendOptions o{.n_ctx = 32, .device = "cuda-sim"};
    std::string why;
    auto sim = create_backend(*model, o, &why);
    QVERIFY(sim.ok());
    QVERIFY2(why.find("2 of 2 layers on GPU") != std::string::npos, why.c_str());
    CudaBackendOptions graphs;
    graphs.graphs = CudaBackendOptions::Graphs::On;   // the decode steps replay captured graphs
    auto decode = sim_backend(*model, 32, graphs);
    QVERIFY(decode);
    o.device = "cpu";
    auto cpu = create_backend(*model, o, nullptr);
    QVERIFY(cpu.ok());
    const size_t nv = size_t(model->hp.n_vocab);
    std::vector<int32_t> a = {1, 300, 301, 17}, b = a;
    std::vector<float> la(nv), lb(nv);
    std::vector<float> steps;   // (16, n_vocab) the sim's logits at positions 3 .. 18
    QVERIFY(decode->eval(a, 0, la.data()).ok());
    QVERIFY((*cpu)->eval(b, 0, lb.data()).ok());
    float max_diff = 0, max_abs = 0;
    for (int i = 0; i < 16; ++i) {
        for (size_t v = 0; v < nv; ++v) {
            max_diff = std::max(max_diff, std::fabs(la[v] - lb[v]));
            max_abs = std::max(max_abs, std::fabs(lb[v]));
        }
        steps.insert(steps.end(), la.begin(), la.end());
        a.push_back(int32_t(std::max_element(la.begin(), la.end()) - la.begin()));
        b.push_back(int32_t(std::max_element(lb.begin(), lb.end()) - lb.begin()));
        QVERIFY(decode->eval(std::span(&a.back(), 1), int64_t(a.size() - 1), la.data()).ok());
        QVERIFY((*cpu)->eval(std::span(&b.back(), 1), int64_t(b.size() - 1), lb.data()).ok());
    }
    QCOMPARE(a, b);
    qInfo("max |sim - cpu| logit over 16 steps: %g (max |logit| %g)", double(max_diff), double(max_abs));
    QVERIFY2(max_abs > 0.1f, "logits are trivially small: the comparison would prove nothing");
    QVERIFY2(max_diff < 1e-2f, qPrintable(QStringLiteral("max |sim - cpu| = %1").arg(max_diff)));
    QVERIFY2(decode->device_name().find("graphs off") == std::string::npos, decode->device_name().c_str());

    // Decode equals prefill: positions 3 .. 18 of one 19-token prefill.
    auto prefill = sim_backend(*model, 32);
    QVERIFY(prefill);
    std::vector<float> all(19 * nv);
    QVERIFY(prefill->eval(std::span(a.data(), 19), 0, nullptr, all.data()).ok());
    const Diff d = compare({all.begin() + std::ptrdiff_t(3 * nv), all.end()}, steps);
    qInfo("max |prefill - decode| logit: %g", double(d.max_diff));
    QVERIFY2(d.max_diff <= 1e-4f, qPrintable(QStringLiteral("max |prefill - decode| = %1").arg(d.max_diff)));
}

// Flash-decoding merges its chunks in the last block to finish, not in a launch of its own: a
// decode step makes as many launches as with the exact kernel, at 6 positions (one chunk) as at
// 300 (three), so a layer stays at 10 launches at any context (docs/gpu-model.md).
void TestCudaBackend::flashDecodeKeepsLaunchesPerLayer()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec;
    spec.type = TensorType::Q8_0;   // packed weights: the fused 10-launch layer
    spec.n_ctx = 400;
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    std::vector<int32_t> prompt(300);
    for (size_t i = 0; i < prompt.size(); ++i)
        prompt[i] = int32_t((i * 37 + 11) % size_t(model->hp.n_vocab));
    std::vector<float> logits(size_t(model->hp.n_vocab));
    uint64_t launches[2][2] = {};   // [flash-decoding][position 300]
    for (auto attention : {CudaBackendOptions::Attention::Exact, CudaBackendOptions::Attention::SplitK}) {
        CudaBackendOptions co;
        co.attention = attention;
        auto b = sim_backend(*model, 400, co);
        QVERIFY(b);
        QVERIFY(b->eval(prompt, 0, logits.data()).ok());
        for (int64_t pos : {int64_t(5), int64_t(300)}) {
            const int32_t tok = 7;
            sim_reset_counts();
            QVERIFY(b->eval(std::span(&tok, 1), pos, logits.data()).ok());
            launches[attention == CudaBackendOptions::Attention::SplitK][pos == 300] = sim_counts().launches;
            uint64_t attention_launches = 0;
            for (const SimKernelCounts& k : sim_counts().kernels)
                if (k.kernel == "attention")
                    attention_launches = k.launches;
            QCOMPARE(attention_launches, uint64_t(model->hp.n_layer));   // one per layer, merge included
        }
    }
    QCOMPARE(launches[1][1], launches[0][1]);
    QCOMPARE(launches[1][0], launches[0][1]);
    QCOMPARE(launches[0][0], launches[0][1]);
}

// A Q8_0 KV cache on the device (rope_store_kv quantizing, attention_q8_0 reading) gives the CPU
// backend's Q8_0-cache logits exactly (the same quantizer and attention arithmetic; CPU pinned to
// its scalar kernels), prefill and decode (graph replay included), with every layer on the device
// and with one on the host; the cache takes 17/32 of F16's bytes on both.
void TestCudaBackend::q8KvCacheMatchesCpu()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec;
    spec.type = TensorType::Q8_0;
    spec.n_embd = 128;   // 4 heads of 32
    spec.n_ff = 256;
    spec.seed = 7;
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    BackendOptions o;
    o.n_ctx = 64;
    o.n_threads = 2;
    o.kv_type = KvType::Q8_0;
    auto cpu_a = create_cpu_backend(*model, o), cpu_b = create_cpu_backend(*model, o);
    QVERIFY(cpu_a.ok() && cpu_b.ok());
    const std::vector<int32_t> tokens = {1, 200, 31, 77, 400, 12, 9, 250, 3};
    const std::vector<float> want = run(**cpu_a, **cpu_b, tokens);
    QVERIFY(!want.empty());
    // Every layer on the device (plain launches, then decode replayed from CUDA graphs), one on the host.
    for (auto [max_layers, graphs] : {std::pair{int64_t(-1), false}, {int64_t(-1), true}, {int64_t(1), false}}) {
        CudaBackendOptions co;
        co.max_layers = max_layers;
        co.graphs = graphs ? CudaBackendOptions::Graphs::On : CudaBackendOptions::Graphs::Off;
        auto a = create_cuda_sim_backend(*model, o, co), b = create_cuda_sim_backend(*model, o, co);
        QVERIFY2(a.ok() && b.ok(), a.ok() ? "" : a.error().message.c_str());
        QCOMPARE((*a)->kv_type(), KvType::Q8_0);
        QCOMPARE((*a)->kv_bytes(10), (*cpu_a)->kv_bytes(10));
        QCOMPARE((*a)->kv_bytes(10) * 32, size_t(10 * model->hp.n_layer * 2 * model->hp.n_head_kv * 32) * 2 * 17);
        QCOMPARE(run(**a, **b, tokens), want);
        // The rows read out are the CPU's, byte for byte.
        std::vector<uint8_t> rows_sim((*b)->kv_bytes(9)), rows_cpu(rows_sim.size());
        QVERIFY((*b)->read_kv(9, rows_sim.data()).ok() && (*cpu_b)->read_kv(9, rows_cpu.data()).ok());
        QCOMPARE(rows_sim, rows_cpu);
    }
}

void TestCudaBackend::int8GemmPrefillMatchesCpu_data()
{
    addTypedColumns<int, bool>("type", "q4km");
    QTest::newRow("Q4_0") << int(TensorType::Q4_0) << false;
    QTest::newRow("Q8_0") << int(TensorType::Q8_0) << false;
    QTest::newRow("Q4_K_M (Q4_K, Q6_K)") << int(TensorType::Q4_K) << true;
}

// A long prompt's prefill goes through the int8 tensor-core GEMM (kernels/cuda/mmq.cuh) for every
// packed matrix -- 80 tokens: two token tiles, the second partial -- and gives the CPU's logits
// for every prompt position bit for bit (each block's integer sum is exact and folded with the
// reference's expression), then the same greedy continuation.
void TestCudaBackend::int8GemmPrefillMatchesCpu()
{
    QFETCH(int, type);
    QFETCH(bool, q4km);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec{.n_embd = 256, .n_layer = 2, .n_head = 4, .n_head_kv = 2, .n_ff = 512, .seed = 23};
    spec.type = TensorType(type);
    spec.mix = q4km ? TestModelMix::Q4_K_M : spec.mix;
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY(model.ok());
    if (q4km)
        QVERIFY(model->output.type == TensorType::Q6_K);   // the head is Q6_K: both packed K types run
    std::vector<int32_t> a;
    for (int i = 0; i < 80; ++i)
        a.push_back(int32_t((i * 53 + 3) % model->hp.n_vocab));
    std::vector<int32_t> b = a;
    auto sim = sim_backend(*model, 96), cpu = cpu_backend(*model, 96);
    QVERIFY(sim && cpu);
    const size_t nv = size_t(model->hp.n_vocab);
    std::vector<float> all_a(a.size() * nv), all_b(all_a.size()), la(nv), lb(nv);
    sim_reset_counts();
    sim_set_counting(true);
    const bool ok = sim->eval(a, 0, la.data(), all_a.data()).ok();
    sim_set_counting(false);
    QVERIFY(ok);
    QVERIFY(cpu->eval(b, 0, lb.data(), all_b.data()).ok());
    uint64_t mmq_launches = 0, matvec_launches = 0;
    for (const SimKernelCounts& k : sim_counts().kernels) {
        if (k.kernel == "mmq")
            mmq_launches = k.launches;
        if (k.kernel == "matvec")
            matvec_launches = k.launches;
    }
    QCOMPARE(mmq_launches, uint64_t(2 * 7 + 1));   // Q, K, V, O, gate, up, down per layer; the head
    QCOMPARE(matvec_launches, uint64_t(0));
    QVERIFY2(compare(all_a, all_b).max_abs > 1e-2f, "logits are trivially small: the comparison would prove nothing");
    QCOMPARE(all_a, all_b);
    for (int i = 0; i < 4; ++i) {
        a.push_back(int32_t(std::max_element(la.begin(), la.end()) - la.begin()));
        b.push_back(int32_t(std::max_element(lb.begin(), lb.end()) - lb.begin()));
        QVERIFY(sim->eval(std::span(&a.back(), 1), int64_t(a.size() - 1), la.data()).ok());
        QVERIFY(cpu->eval(std::span(&b.back(), 1), int64_t(b.size() - 1), lb.data()).ok());
        QCOMPARE(la, lb);
    }
    QCOMPARE(a, b);
}

// Types without a packed layout keep dequantize + F16 GEMM for prefill: the first prefill makes
// each matrix's F16 copy (memory allows under the sim), later ones only convert the activations;
// the logits do not change.
void TestCudaBackend::f16CopiesServeLaterPrefills()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec{.n_embd = 256, .n_layer = 2, .n_head = 4, .n_head_kv = 2, .n_ff = 256, .seed = 29};
    spec.type = TensorType::Q5_K;
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY(model.ok());
    CudaBackendOptions co;
    co.gemm_min_batch = 2;
    auto sim = sim_backend(*model, 32, co);
    QVERIFY(sim);
    const std::vector<int32_t> ids{1, 9, 4, 17, 3};
    std::vector<float> first(size_t(model->hp.n_vocab)), second(first.size());
    uint64_t dequant_launches[2] = {};
    for (int run = 0; run < 2; ++run) {
        sim_reset_counts();
        sim_set_counting(true);
        const bool ok = sim->eval(ids, 0, (run == 0 ? first : second).data()).ok();
        sim_set_counting(false);
        QVERIFY(ok);
        for (const SimKernelCounts& k : sim_counts().kernels)
            if (k.kernel == "dequant_f16")
                dequant_launches[run] = k.launches;
    }
    QCOMPARE(dequant_launches[0] - dequant_launches[1], uint64_t(2 * 7));   // Q, K, V, O, gate, up, down
    QVERIFY(dequant_launches[1] > 0);                                       // the activations' conversion remains
    QCOMPARE(second, first);
}

// Session::generate with the CUDA backend sampling on the device (eval_sample) against the CPU
// backend sampling on the host, same seed and settings: the same tokens, plain launches and
// graphs, and one wait for the device per token (the prompt's logits, then each token's id).
// Top-k 0 or above 128 samples the whole vocabulary (5 launches); a row with more than 2048
// candidates is left to the host (a second wait, for its logits), which draws what the device
// would have drawn. host: 0 no row left to the host, 1 every row, -1 some but not all.
void TestCudaBackend::sessionSamplesOnDevice_data()
{
    addTypedColumns<float, int, float, float, float, bool, int>("temperature", "topK", "topP", "minP", "penalty",
                                                                "graphs", "host");
    for (bool graphs : {false, true}) {
        const char* g = graphs ? "graphs" : "plain";
        QTest::addRow("app defaults, %s", g) << 0.7f << 40 << 0.95f << 0.05f << 1.1f << graphs << 0;
        QTest::addRow("greedy, %s", g) << 0.0f << 40 << 0.95f << 0.05f << 1.1f << graphs << 0;
        QTest::addRow("hot, top-k 128, penalty 1.5, %s", g) << 1.5f << 128 << 1.0f << 0.0f << 1.5f << graphs << 0;
    }
    QTest::newRow("top-k 1") << 1.0f << 1 << 0.95f << 0.05f << 1.1f << false << 0;
    QTest::newRow("top-p 0.5, min-p 0.2") << 1.2f << 64 << 0.5f << 0.2f << 1.0f << false << 0;
    // The tiny model's rows are flat (thousands of logits within 3 of the best): min-p 0.2 keeps
    // ~100 candidates, the app's 0.05 thousands; top-p 0.9 alone would keep most of the row.
    QTest::newRow("top-k 0, min-p 0.2, graphs") << 0.7f << 0 << 0.95f << 0.2f << 1.1f << true << 0;
    QTest::newRow("top-k 0, top-p 0.9, min-p 0.07, graphs") << 0.7f << 0 << 0.9f << 0.07f << 1.1f << true << -1;
    // 32000 candidates every row: each one sampled on the host from its copied logits.
    QTest::newRow("top-k 0, nothing cut: the host") << 1.0f << 0 << 1.0f << 0.0f << 1.1f << false << 1;
    QTest::newRow("top-k 1000, min-p 0.05") << 1.0f << 1000 << 1.0f << 0.05f << 1.0f << false << 0;
}

void TestCudaBackend::sessionSamplesOnDevice()
{
    QFETCH(float, temperature);
    QFETCH(int, topK);
    QFETCH(float, topP);
    QFETCH(float, minP);
    QFETCH(float, penalty);
    QFETCH(bool, graphs);
    QFETCH(int, host);
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    auto tok = Tokenizer::from_vocab(model->vocab);
    QVERIFY(tok.ok());
    CudaBackendOptions co;
    co.graphs = graphs ? CudaBackendOptions::Graphs::On : CudaBackendOptions::Graphs::Off;
    auto sim = sim_backend(*model, 128, co);
    auto cpu = cpu_backend(*model, 128);
    QVERIFY(sim && cpu);
    QCOMPARE(sim->max_sample_k(), 128);
    GenerateOptions go;
    go.sampling.temperature = temperature;
    go.sampling.top_k = topK;
    go.sampling.top_p = topP;
    go.sampling.min_p = minP;
    go.sampling.repeat_penalty = penalty;
    go.sampling.random_seed = false;
    go.sampling.seed = 7;
    go.max_tokens = 16;
    auto prompt = tok->encode("Hello world! Hello world!", true);
    QVERIFY(prompt.ok());
    Session on_cpu(*tok, std::move(cpu)), on_sim(*tok, std::move(sim));
    auto want = on_cpu.generate(*prompt, go, [](std::string_view) { return true; });
    QVERIFY(want.ok());
    cuda_sim::reset_counters();
    auto got = on_sim.generate(*prompt, go, [](std::string_view) { return true; });
    QVERIFY2(got.ok(), got.ok() ? "" : got.error().message.c_str());
    QCOMPARE(on_sim.last_generated(), on_cpu.last_generated());
    QCOMPARE(got->finish_reason, want->finish_reason);
    QCOMPARE(want->host_sampled, 0);
    // Decode steps: every token but the last when the length stopped it, every one on an EOS.
    const int made = got->completion_tokens;
    QVERIFY(made > 0);
    const int decoded = got->finish_reason == "length" ? made - 1 : made;
    QVERIFY(decoded > 1);
    if (host == 0)
        QCOMPARE(got->host_sampled, 0);
    else if (host == 1)
        QCOMPARE(got->host_sampled, decoded);
    else
        QVERIFY2(got->host_sampled > 0 && got->host_sampled < decoded, qPrintable(QString::number(got->host_sampled)));
    const cuda_sim::Counters c = cuda_sim::counters();
    QCOMPARE(c.host_syncs, uint64_t(1 + decoded + got->host_sampled));
    const bool wide = temperature > 0.0f && (topK < 1 || topK > 128);
    QCOMPARE(c.kernels.count("sample") ? c.kernels.at("sample").launches : 0,
             uint64_t((wide ? 5 : 2) * decoded));   // 32000: the tree's 2 levels, or the wide path's 5 passes
}

// A sticky device error (the sim's injected illegal address) in the middle of a generation:
// the backend refuses from then on with the reason, the session moves to the CPU backend its
// fallback makes and goes on there, with the very tokens a CPU session would have chosen
// (the device's unused draw is given back to the sampler). Also during the prefill, and
// without a fallback (the error, with its reason, reaches the caller).
void TestCudaBackend::stickyErrorMovesSessionToCpu()
{
    const auto clear = qScopeGuard([] { kernels::gpu::sim_clear_sticky_error(); });
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    auto tok = Tokenizer::from_vocab(model->vocab);
    QVERIFY(tok.ok());
    GenerateOptions go;
    go.sampling.random_seed = false;
    go.sampling.seed = 3;
    go.max_tokens = 12;
    auto prompt = tok->encode("Hello world!", true);
    QVERIFY(prompt.ok());
    Session reference(*tok, cpu_backend(*model, 64));
    QVERIFY(reference.generate(*prompt, go, [](std::string_view) { return true; }).ok());
    const std::vector<int32_t> want = reference.last_generated();
    QCOMPARE(int(want.size()), 12);

    // How many launches a whole generation makes, to break the device half-way through it.
    uint64_t total = 0;
    {
        Session s(*tok, sim_backend(*model, 64));
        const uint64_t before = cuda_sim::launches();
        QVERIFY(s.generate(*prompt, go, [](std::string_view) { return true; }).ok());
        total = cuda_sim::launches() - before;
    }
    for (uint64_t after : {total / 2, uint64_t(2)}) {   // mid-decode; during the prefill
        Session s(*tok, sim_backend(*model, 64));
        s.set_fallback([&model] { return Result<std::unique_ptr<ComputeBackend>>(cpu_backend(*model, 64)); });
        std::string text;
        kernels::gpu::sim_inject_sticky_error(after);
        auto r = s.generate(*prompt, go, [&](std::string_view t) {
            text += t;
            return true;
        });
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(s.last_generated(), want);
        QVERIFY2(s.fallback_reason().find("illegal memory access") != std::string::npos, s.fallback_reason().c_str());
        QVERIFY2(s.backend().device_name().rfind("CPU", 0) == 0, s.backend().device_name().c_str());
        QVERIFY(!text.empty());
        // The session lives on: the next turn runs on the CPU.
        QVERIFY(s.generate(*prompt, go, [](std::string_view) { return true; }).ok());
        QCOMPARE(s.last_generated(), want);
        kernels::gpu::sim_clear_sticky_error();
    }

    // No fallback: the error says why, and the broken backend refuses every later call.
    auto broken = sim_backend(*model, 64);
    QVERIFY(broken);
    QVERIFY(broken->device_lost().empty());
    kernels::gpu::sim_inject_sticky_error(0);
    std::vector<float> row(size_t(model->hp.n_vocab));
    auto st = broken->eval(*prompt, 0, row.data());
    QVERIFY(!st.ok());
    QVERIFY2(st.error().message.find("illegal memory access") != std::string::npos, st.error().message.c_str());
    QVERIFY2(broken->device_lost().find("illegal memory access") != std::string::npos, broken->device_lost().c_str());
    kernels::gpu::sim_clear_sticky_error();   // even once the device works again: the context was lost
    st = broken->eval(*prompt, 0, row.data());
    QVERIFY(!st.ok());
    QVERIFY2(st.error().message.find("can no longer be used") != std::string::npos, st.error().message.c_str());
    Session without(*tok, std::move(broken));
    auto r = without.generate(*prompt, go, [](std::string_view) { return true; });
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.find("illegal memory access") != std::string::npos, r.error().message.c_str());
}

// Batched decoding (`serve --parallel`: one sim backend a slot, decode_step) with a sticky
// device error injected mid-batch: every generation moves to the CPU with its tokens so far and
// ends with the very tokens and text a CPU session gives alone; the fallback's backend is made
// once, the other sessions get sequences of it (decoded together again); each session's reason
// is the device's. Without fallbacks the step fails with the reason.
void TestCudaBackend::stickyErrorMovesBatchToCpu()
{
    const auto clear = qScopeGuard([] { kernels::gpu::sim_clear_sticky_error(); });
    // A small random Q8_0 model (512 ids: the sim's output head stays cheap), same logits as the CPU's.
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    QVERIFY(write_test_model(path, {.type = TensorType::Q8_0, .seed = 9}).ok());
    auto model = load_model(path);
    QVERIFY(model.ok());
    auto tok = Tokenizer::from_vocab(model->vocab);
    QVERIFY(tok.ok());
    const std::vector<std::string> texts = {"Hello world!", "Once upon a time", "The cat sat on the mat and"};
    std::vector<std::vector<int32_t>> prompts;
    std::vector<GenerateOptions> options(texts.size());
    std::vector<std::vector<int32_t>> want(texts.size());
    std::vector<std::string> want_text(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
        auto p = tok->encode(texts[i], true);
        QVERIFY(p.ok());
        prompts.push_back(*p);
        options[i].sampling.random_seed = false;
        options[i].sampling.seed = 5 + i;
        options[i].max_tokens = 6 + 2 * int(i);   // they end at different steps
        Session alone(*tok, cpu_backend(*model, 64));
        QVERIFY(alone
                    .generate(prompts[i], options[i],
                              [&](std::string_view t) {
                                  want_text[i] += t;
                                  return true;
                              })
                    .ok());
        want[i] = alone.last_generated();
        QCOMPARE(int(want[i].size()), options[i].max_tokens);
    }

    // The batch: prefill each, then decode together; `break_after` launches into the decode (0:
    // never) the device is lost. Returns how many launches the decode made.
    int made = 0;
    struct Batch {
        SharedFallback fallback;   // one per batch: the first session to fall back owns its backend
        std::vector<std::unique_ptr<Session>> sessions;
        std::vector<std::string> text;
        std::vector<std::unique_ptr<Generation>> gens;
    };
    auto make_cpu = [&] {
        ++made;
        return Result<std::unique_ptr<ComputeBackend>>(cpu_backend(*model, 64));
    };
    auto run_batch = [&](Batch& b, bool with_fallback, uint64_t break_after, Status* status) {
        b.text.assign(texts.size(), {});
        for (size_t i = 0; i < texts.size(); ++i) {
            b.sessions.push_back(std::make_unique<Session>(*tok, sim_backend(*model, 64)));
            if (with_fallback)
                b.sessions.back()->set_fallback(b.fallback.maker());
            b.gens.push_back(std::make_unique<Generation>(*b.sessions.back(), options[i], [&b, i](std::string_view t) {
                b.text[i] += t;
                return true;
            }));
            if (auto st = b.gens.back()->start(prompts[i]); !st)
                return (*status = st, uint64_t(0));
        }
        std::vector<Generation*> running;
        for (auto& g : b.gens)
            running.push_back(g.get());
        const uint64_t before = cuda_sim::launches();
        if (break_after > 0)
            kernels::gpu::sim_inject_sticky_error(break_after);
        while (!running.empty()) {
            if (auto st = decode_step(running); !st)
                return (*status = st, cuda_sim::launches() - before);
            std::erase_if(running, [](Generation* g) { return g->done(); });
        }
        *status = Ok{};
        return cuda_sim::launches() - before;
    };
    Status st = Ok{};
    uint64_t total = 0;
    {
        Batch b{SharedFallback(make_cpu)};
        total = run_batch(b, true, 0, &st);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        QCOMPARE(made, 0);
        for (size_t i = 0; i < texts.size(); ++i)
            QCOMPARE(b.sessions[i]->last_generated(), want[i]);   // the sim's tokens are the CPU's
    }
    QVERIFY(total > 20);
    {
        const uint64_t after = total / 2;   // step 4 of 10: three generations going
        made = 0;
        Batch b{SharedFallback(make_cpu)};
        const uint64_t launched = run_batch(b, true, after, &st);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        QCOMPARE(launched, after);   // nothing launched on the device after the loss
        QCOMPARE(made, 1);           // one CPU backend, the other sessions its sequences
        for (size_t i = 0; i < texts.size(); ++i) {
            QCOMPARE(b.gens[i]->finish().completion_tokens, options[i].max_tokens);
            QCOMPARE(b.sessions[i]->last_generated(), want[i]);
            QCOMPARE(QString::fromStdString(b.text[i]), QString::fromStdString(want_text[i]));
            const std::string& why = b.sessions[i]->fallback_reason();
            QVERIFY2(why.find("illegal memory access") != std::string::npos, why.c_str());
            QVERIFY2(b.sessions[i]->backend().device_name().rfind("CPU", 0) == 0,
                     b.sessions[i]->backend().device_name().c_str());
        }
        kernels::gpu::sim_clear_sticky_error();
    }

    // No fallback: the step fails with the device's reason.
    Batch b{SharedFallback(make_cpu)};
    run_batch(b, false, total / 2, &st);
    QVERIFY(!st.ok());
    QVERIFY2(st.error().message.find("illegal memory access") != std::string::npos, st.error().message.c_str());
}

// Every host-to-device copy of a decode step (token, position, sampling settings and window,
// eval_top_k's ids) comes from pinned memory; the weights' upload may come from the mapping.
void TestCudaBackend::decodeCopiesFromPinnedMemory()
{
    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    for (auto graphs : {CudaBackendOptions::Graphs::Off, CudaBackendOptions::Graphs::On}) {
        CudaBackendOptions co;
        co.graphs = graphs;
        auto sim = sim_backend(*model, 64, co);
        QVERIFY(sim);
        cuda_sim::reset_counters();
        std::vector<float> row(size_t(model->hp.n_vocab));
        QVERIFY(sim->eval(std::vector<int32_t>{1, 22557, 1526}, 0, row.data()).ok());
        QVERIFY(sim->eval(std::vector<int32_t>{28808}, 3, row.data()).ok());
        TopLogits top;
        QVERIFY(sim->eval_top_k(std::vector<int32_t>{5}, 4, 40, std::vector<int32_t>{9, 1}, &top).ok());
        SampleStep step;
        step.temperature = 0.8f;
        step.top_k = 40;
        step.window = {1, 5, 9};
        step.draw = 0.5;
        int32_t next = -1, again = -1;
        QVERIFY(sim->eval_sample(7, 5, step, &next).ok());
        QVERIFY(next >= 0 && next < model->hp.n_vocab);
        QVERIFY(sim->eval_sample(next, 6, step, &again).ok());   // its id is already on the device
        const cuda_sim::Counters c = cuda_sim::counters();
        QVERIFY(c.copies_to_device >= 8);
        QCOMPARE(c.pageable_copies_to_device, uint64_t(0));
    }
}

// A graph's first step runs its kernels plainly before capturing them: under the sim a capture
// that records a kernel never launched before fails (lazy module loading on a GPU), so a
// backend that skipped the warm-up would turn its graphs off. The sim's rule itself first.
void TestCudaBackend::graphKernelsWarmedBeforeCapture()
{
    kernels::gpu::sim_forget_warm_kernels();
    kernels::gpu::Stream s = nullptr;
    QVERIFY(kernels::gpu::stream_create(&s).ok());
    void* p = nullptr;
    QVERIFY(kernels::gpu::device_malloc(&p, 4096).ok());
    QVERIFY(kernels::gpu::capture_begin(s).ok());
    kernels::gpu::Graph g = nullptr;
    const auto st = kernels::gpu::gather_floats(static_cast<float*>(p), static_cast<int32_t*>(p), 4,
                                                static_cast<float*>(p) + 16, s);
    QVERIFY(st.ok());
    const auto ended = kernels::gpu::capture_end(s, &g);
    QVERIFY(!ended.ok());
    QVERIFY2(ended.error.find("first launched during a capture") != std::string::npos, ended.error.c_str());
    kernels::gpu::device_free(p);

    auto model = load_model(kTiny);
    QVERIFY(model.ok());
    CudaBackendOptions co;
    co.graphs = CudaBackendOptions::Graphs::On;
    auto graphed = sim_backend(*model, 64, co), plain = sim_backend(*model, 64);
    QVERIFY(graphed && plain);
    kernels::gpu::sim_forget_warm_kernels();
    const int captured = kernels::gpu::sim_graphs_captured();
    SampleStep step;   // greedy
    int32_t a = -1, b = -1;
    for (int64_t pos = 0; pos < 3; ++pos) {   // the first decode step ever: graph warm-up, capture
        const int32_t tok = pos == 0 ? 1 : a;
        QVERIFY(graphed->eval_sample(tok, pos, step, &a).ok());
        QVERIFY(plain->eval_sample(pos == 0 ? 1 : b, pos, step, &b).ok());
        QCOMPARE(a, b);
    }
    QVERIFY2(graphed->device_name().find("CUDA graphs off") == std::string::npos, graphed->device_name().c_str());
    QCOMPARE(kernels::gpu::sim_graphs_captured() - captured, 1);
}

#include "tst_cuda_backend.moc"
