// The CUDA backend on a real GPU against the CPU backend, end to end (label `gpu`,
// scripts/gpu-check.sh): a prompt long enough for the dequantize + GEMM prefill (>= 32 tokens
// per micro-batch) and the tiled prefill attention, then a greedy answer through
// Session::generate, which on a GPU replays each decode step from a CUDA graph and samples on
// the device. Skipped, with the reason, when no usable GPU exists (this machine).
// The GPU rounds differently (F16 GEMM operands, its own expf), so logits are compared within a
// tolerance and each token the GPU chose must be the CPU's best, or within that tolerance of it,
// with the CPU fed the GPU's tokens (the same history on both sides).
#include "engine/backend.h"
#include "engine/model.h"
#include "engine/session.h"
#include "engine/test_model.h"
#include "engine/tokenizer.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace causerie;
using kernels::TensorType;

class TestCudaGpuEval : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gpuMatchesCpu_data();
    void gpuMatchesCpu();
};

void TestCudaGpuEval::gpuMatchesCpu_data()
{
    QTest::addColumn<int>("type");
    QTest::newRow("Q4_0") << int(TensorType::Q4_0);
    QTest::newRow("Q4_K") << int(TensorType::Q4_K);
    QTest::newRow("Q8_0") << int(TensorType::Q8_0);
}

void TestCudaGpuEval::gpuMatchesCpu()
{
    QFETCH(int, type);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec{
        .n_embd = 256, .n_layer = 3, .n_head = 8, .n_head_kv = 2, .n_ff = 512, .n_ctx = 1024, .seed = 11};
    spec.type = TensorType(type);
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    auto tok = Tokenizer::from_vocab(model->vocab);
    QVERIFY(tok.ok());

    BackendOptions o;
    o.n_ctx = 1024;
    o.device = "cuda";
    std::string why;
    auto gpu = create_backend(*model, o, &why);
    QVERIFY2(gpu.ok(), gpu.ok() ? "" : gpu.error().message.c_str());
    if ((*gpu)->device_name().rfind("CPU", 0) == 0)
        QSKIP(qPrintable(QStringLiteral("no usable CUDA device: %1").arg(QString::fromStdString(why))));
    o.device = "cpu";
    auto cpu = create_backend(*model, o, nullptr);
    QVERIFY(cpu.ok());
    QVERIFY((*gpu)->max_sample_k() > 0);

    // 300 tokens: micro-batches of 64 through the GEMM path and the tiled attention.
    std::vector<int32_t> prompt;
    for (int i = 0; i < 300; ++i)
        prompt.push_back(int32_t((i * 131 + 7) % model->hp.n_vocab));
    const size_t nv = size_t(model->hp.n_vocab);
    std::vector<float> lg(nv), lc(nv);
    QVERIFY((*gpu)->eval(prompt, 0, lg.data()).ok());
    QVERIFY((*cpu)->eval(prompt, 0, lc.data()).ok());
    float max_abs = 0, max_diff = 0;
    for (size_t v = 0; v < nv; ++v) {
        max_abs = std::max(max_abs, std::fabs(lc[v]));
        max_diff = std::max(max_diff, std::fabs(lg[v] - lc[v]));
    }
    qInfo("prefill: max |gpu - cpu| %g of max |logit| %g", double(max_diff), double(max_abs));
    const float tol = 3e-2f * std::max(max_abs, 1.0f);   // the GEMM path's F16 rounding (tst_cuda_backend)
    QVERIFY2(max_diff <= tol, qPrintable(QStringLiteral("prefill differs by %1").arg(max_diff)));

    // A greedy answer on the GPU (graphs, device sampling); each token checked against the CPU.
    Session session(*tok, std::move(gpu).value());
    GenerateOptions go;
    go.sampling.temperature = 0.0f;
    go.max_tokens = 48;
    auto r = session.generate(prompt, go, [](std::string_view) { return true; });
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    const std::vector<int32_t>& answer = session.last_generated();
    QVERIFY(!answer.empty());
    QVERIFY2(session.fallback_reason().empty(), session.fallback_reason().c_str());
    int64_t pos = int64_t(prompt.size());
    for (size_t i = 0; i < answer.size(); ++i) {
        const float best = *std::max_element(lc.begin(), lc.end());
        QVERIFY2(lc[size_t(answer[i])] >= best - tol,
                 qPrintable(QStringLiteral("token %1: the GPU chose %2 (CPU logit %3, best %4)")
                                .arg(i)
                                .arg(answer[i])
                                .arg(lc[size_t(answer[i])])
                                .arg(best)));
        QVERIFY((*cpu)->eval(std::span(&answer[i], 1), pos++, lc.data()).ok());
    }
}

QTEST_GUILESS_MAIN(TestCudaGpuEval)
#include "tst_cuda_gpu_eval.moc"
