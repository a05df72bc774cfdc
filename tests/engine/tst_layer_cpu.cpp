// CpuMatmul's load-time work (engine/layer_cpu.h): the weights repacked on the pool, and a tied
// embedding read back from the head's repacked copy once its file pages are handed back.
#include "engine/backend.h"
#include "engine/layer_cpu.h"
#include "engine/model.h"
#include "engine/test_model.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/repack_cpu.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <iterator>
#include <vector>

using namespace causerie;
using kernels::TensorType;

namespace {

// Every 2-D weight of the model, the head included (what CpuShared::repack_weights hands over).
std::vector<const Weight*> all_matrices(const Model& m)
{
    std::vector<const Weight*> out;
    for (const LayerWeights& L : m.layers)
        for (const Weight* w : layer_matrices(L))
            out.push_back(w);
    out.push_back(&m.output);
    return out;
}

std::vector<uint8_t> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}   // namespace

class TestLayerCpu : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void repackOnThePoolIsByteIdentical_data();
    void repackOnThePoolIsByteIdentical();
    void tiedEmbeddingFromRepackedCopy_data();
    void tiedEmbeddingFromRepackedCopy();
};

void TestLayerCpu::repackOnThePoolIsByteIdentical_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<bool>("mix");
    QTest::newRow("Q4_0") << int(TensorType::Q4_0) << false;
    QTest::newRow("Q8_0") << int(TensorType::Q8_0) << false;
    QTest::newRow("Q5_1") << int(TensorType::Q5_1) << false;
    QTest::newRow("Q4_K_M mixture") << -1 << true;   // Q4_K with Q6_K layers and head
}

// The same bytes whatever the number of threads that wrote them (groups are independent).
void TestLayerCpu::repackOnThePoolIsByteIdentical()
{
    QFETCH(int, type);
    QFETCH(bool, mix);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec{.n_embd = 256, .n_ff = 512, .seed = 3};
    if (mix)
        spec.mix = TestModelMix::Q4_K_M;
    else
        spec.type = TensorType(type);
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY(model.ok());
    const std::vector<const Weight*> weights = all_matrices(*model);
    if (!kernels::repack_available(weights.back()->type, weights.back()->cols))
        QSKIP("no repacked layout on this CPU / dispatch cap (CAUSERIE_CPU)");

    ThreadPool one(1), three(3);
    CpuMatmul alone(one), pooled(three);
    alone.repack(*model, weights);   // hands the mapped pages back: the second reads them from the file again
    pooled.repack(*model, weights);
    int compared = 0;
    for (const Weight* w : weights) {
        const uint8_t* a = alone.packed(*w);
        const uint8_t* b = pooled.packed(*w);
        QCOMPARE(a != nullptr, kernels::repack_available(w->type, w->cols));
        QCOMPARE(b != nullptr, a != nullptr);
        if (!a)
            continue;
        const size_t n = kernels::repacked_bytes(w->type, w->rows, w->cols);
        QVERIFY2(std::equal(a, a + n, b), w->name);
        ++compared;
    }
    QVERIFY(compared >= 2 * 7);   // every layer's matrices at least
}

void TestLayerCpu::tiedEmbeddingFromRepackedCopy_data()
{
    QTest::addColumn<int>("type");
    QTest::newRow("Q8_0") << int(TensorType::Q8_0);   // Gemma 3 270M's and SmolLM2's tied table
    QTest::newRow("Q4_0") << int(TensorType::Q4_0);
    QTest::newRow("Q4_1") << int(TensorType::Q4_1);
    QTest::newRow("Q6_K") << int(TensorType::Q6_K);   // not read back: rows faulted in from the file again
}

// A model mapped from its file hands the tied table's pages back and reads its rows from the
// head's copy; the same bytes from memory keep reading the original rows. Both give the rows of
// dequantize_row_ref and the same logits, bit for bit.
void TestLayerCpu::tiedEmbeddingFromRepackedCopy()
{
    QFETCH(int, type);
    const auto t = TensorType(type);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec{.n_embd = 256, .n_ff = 512, .seed = 9, .tied_output = true};
    spec.type = t;
    QVERIFY(write_test_model(path, spec).ok());
    auto mapped = load_model(path);
    QVERIFY(mapped.ok());
    QVERIFY(mapped->tied_output);
    if (!kernels::repack_available(t, mapped->output.cols))
        QSKIP("no repacked layout on this CPU / dispatch cap (CAUSERIE_CPU)");
    const std::vector<uint8_t> bytes = read_file(path);
    auto file = GGUFFile::from_memory(bytes.data(), bytes.size());
    QVERIFY(file.ok());
    auto in_memory = load_model_from_gguf(std::move(file).value());
    QVERIFY(in_memory.ok());

    // The rows, straight from CpuMatmul.
    ThreadPool pool(2);
    CpuMatmul matmul(pool);
    matmul.repack(*mapped, all_matrices(*mapped));
    const Weight& e = mapped->tok_embd;
    std::vector<float> got(size_t(e.cols)), want(size_t(e.cols));
    for (int64_t r = 0; r < e.rows; ++r) {
        matmul.dequantize_row(e, r, got.data());
        kernels::dequantize_row_ref(e.type,
                                    static_cast<const uint8_t*>(in_memory->tok_embd.data) + size_t(r) * e.row_bytes,
                                    want.data(), e.cols);
        QVERIFY2(got == want, qPrintable(QStringLiteral("row %1").arg(r)));
    }

    // The whole forward pass.
    const std::vector<int32_t> tokens = {1, 17, 300, 5, 511, 42, 42, 7};
    std::vector<std::vector<float>> logits;
    for (const Model* m : {&*mapped, &*in_memory}) {
        BackendOptions opts;
        opts.n_ctx = 16;
        opts.n_threads = 2;
        auto backend = create_cpu_backend(*m, opts);
        QVERIFY(backend.ok());
        logits.emplace_back(size_t(m->hp.n_vocab));
        QVERIFY((*backend)->eval(tokens, 0, logits.back().data()).ok());
    }
    QCOMPARE(logits[0], logits[1]);
}

QTEST_GUILESS_MAIN(TestLayerCpu)
#include "tst_layer_cpu.moc"
