// Text embeddings (engine/embedding.h) against llama.cpp's for random 'qwen3' embedding models
// (last and mean pooling, EOS appended), and the pooling types the engine refuses.
#include "engine/embedding.h"
#include "engine/model.h"
#include "engine/test_model.h"
#include "tests/common/model_files.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace causerie;

namespace {

// The spec of the golden files' command line (pooling 3 = last, 1 = mean).
TestModelSpec embed_spec(int64_t pooling)
{
    // 2 layers of 4 heads (2 KV heads): the spec's defaults.
    TestModelSpec spec{.arch = "qwen3", .n_vocab = 512, .n_embd = 256, .n_ff = 512, .head_dim = 128, .seed = 31};
    spec.pooling_type = pooling;
    spec.add_eos = true;
    return spec;
}

// tests/data/tiny-qwen3-embed-*.golden.txt: "sha256 HEX", then per text "text T", "ids N...",
// "vector F...".
struct EmbedGolden {
    QByteArray sha256;
    struct Case {
        std::string text;
        std::vector<int32_t> ids;
        std::vector<float> vector;
    };
    std::vector<Case> cases;
};

EmbedGolden read_golden(const QString& name)
{
    EmbedGolden g;
    QFile f(QStringLiteral(CAUSERIE_TEST_DATA_DIR "/") + name);
    if (!f.open(QIODevice::ReadOnly))
        return g;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith("sha256 ")) {
            g.sha256 = line.mid(7);
        } else if (line.startsWith("text ")) {
            g.cases.push_back({line.mid(5).toStdString(), {}, {}});
        } else if (line.startsWith("ids ") && !g.cases.empty()) {
            for (const QByteArray& w : line.mid(4).split(' '))
                g.cases.back().ids.push_back(w.toInt());
        } else if (line.startsWith("vector ") && !g.cases.empty()) {
            for (const QByteArray& w : line.mid(7).split(' '))
                g.cases.back().vector.push_back(w.toFloat());
        }
    }
    return g;
}

}   // namespace

class TestEmbedding : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesLlamaCpp_data()
    {
        QTest::addColumn<QString>("golden");
        QTest::addColumn<qint64>("pooling");
        QTest::addColumn<int>("threads");
        for (int threads : {1, 2}) {
            QTest::addRow("last-%d", threads)
                << QStringLiteral("tiny-qwen3-embed-last.golden.txt") << qint64(3) << threads;
            QTest::addRow("mean-%d", threads)
                << QStringLiteral("tiny-qwen3-embed-mean.golden.txt") << qint64(1) << threads;
        }
    }
    void matchesLlamaCpp()
    {
        QFETCH(QString, golden);
        QFETCH(qint64, pooling);
        QFETCH(int, threads);
        const EmbedGolden g = read_golden(golden);
        QCOMPARE(g.cases.size(), size_t(3));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("embed.gguf"));
        QVERIFY(write_test_model(path.toStdString(), embed_spec(pooling)));
        QCOMPARE(testing::fileSha256Hex(path), g.sha256);

        auto e = Embedder::open(path.toStdString(), {.n_threads = threads});
        QVERIFY2(e, e.errorString().c_str());
        QCOMPARE(int(e.value()->pooling()), int(pooling));
        QCOMPARE(e.value()->dimension(), int64_t(256));
        for (const auto& c : g.cases) {
            auto ids = e.value()->tokens(c.text);
            QVERIFY(ids);
            QCOMPARE(*ids, c.ids);   // BOS, the text, then EOS as llama.cpp's add_special gives them
            auto v = e.value()->embed(c.text);
            QVERIFY2(v, v.errorString().c_str());
            QCOMPARE(v->size(), c.vector.size());
            float worst = 0.0f;
            for (size_t i = 0; i < v->size(); ++i)
                worst = std::max(worst, std::fabs((*v)[i] - c.vector[i]));
            qInfo("%s, %zu tokens: max abs difference %.2g", QTest::currentDataTag(), c.ids.size(), double(worst));
            // The hidden state goes through the same kernels as the logits (which match to ~1e-4
            // in tst_forward); the golden prints 6 decimals.
            QVERIFY2(worst < 1e-3f, qPrintable(QStringLiteral("max abs difference %1 for '%2'")
                                                   .arg(double(worst))
                                                   .arg(QString::fromStdString(c.text))));
        }
    }
    void poolsMeanAndLast()
    {
        // Two rows of 2: (0, 2) and (3, 4). Last: (3, 4) / 5; mean: (1.5, 3) / sqrt(11.25).
        const std::vector<float> hidden = {0.0f, 2.0f, 3.0f, 4.0f};
        auto last = pool_hidden(hidden, 2, 2, PoolingType::Last);
        QVERIFY(last);
        QCOMPARE(*last, (std::vector<float>{0.6f, 0.8f}));
        auto mean = pool_hidden(hidden, 2, 2, PoolingType::Mean);
        QVERIFY(mean);
        QCOMPARE((*mean)[0], float(1.5 / std::sqrt(11.25)));
        QCOMPARE((*mean)[1], float(3.0 / std::sqrt(11.25)));
        auto cls = pool_hidden(hidden, 2, 2, PoolingType::Cls);
        QVERIFY(!cls);
        QCOMPARE(cls.error().message, std::string("pooling 'cls' is not supported (mean and last are)"));
        QVERIFY(!pool_hidden(hidden, 0, 2, PoolingType::Last));   // no row
    }
    void refusesWhatItCannotPool_data()
    {
        QTest::addColumn<qint64>("pooling");
        QTest::addColumn<QString>("message");
        QTest::newRow("no key") << qint64(-1)
                                << QStringLiteral("has no qwen3.pooling_type: it is not an embedding model");
        QTest::newRow("none") << qint64(0) << QStringLiteral("qwen3.pooling_type is 0 (none)");
        QTest::newRow("cls") << qint64(2) << QStringLiteral("qwen3.pooling_type is 2 (cls): first-token pooling");
        QTest::newRow("rank") << qint64(4) << QStringLiteral("qwen3.pooling_type is 4 (rank): this is a reranker");
        QTest::newRow("unknown") << qint64(9) << QStringLiteral("qwen3.pooling_type has the unknown value 9");
    }
    void refusesWhatItCannotPool()
    {
        QFETCH(qint64, pooling);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("embed.gguf"));
        TestModelSpec spec = embed_spec(pooling);
        spec.n_embd = 64;
        spec.head_dim = 0;
        spec.n_ff = 128;
        QVERIFY(write_test_model(path.toStdString(), spec));
        auto e = Embedder::open(path.toStdString(), {.n_threads = 1});
        QVERIFY(!e);
        QVERIFY2(QString::fromStdString(e.error().message).contains(message), e.error().message.c_str());
        // The pooling a file declares reads back as written, whatever the embedder makes of it.
        auto model = load_model(path.toStdString());
        QVERIFY(model);
        auto info = read_pooling(*model);
        QVERIFY(info);
        QCOMPARE(info->present, pooling >= 0);
        if (pooling >= 0)
            QCOMPARE(qint64(info->value), pooling);
    }
    void cutsLongTextsKeepingEos()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("embed.gguf"));
        TestModelSpec spec = embed_spec(3);
        spec.n_embd = 64;
        spec.head_dim = 0;
        spec.n_ff = 128;
        QVERIFY(write_test_model(path.toStdString(), spec));
        auto e = Embedder::open(path.toStdString(), {.n_threads = 1, .n_ctx = 16});
        QVERIFY2(e, e.errorString().c_str());
        std::string text;
        for (int i = 0; i < 40; ++i)
            text += "the cat sat ";
        auto ids = e.value()->tokens(text);
        QVERIFY(ids);
        QCOMPARE(ids->size(), size_t(16));
        QCOMPARE(ids->front(), 1);   // BOS
        QCOMPARE(ids->back(), 2);    // EOS kept last
        auto v = e.value()->embed(text);
        QVERIFY2(v, v.errorString().c_str());
        double norm = 0;
        for (float x : *v)
            norm += double(x) * x;
        QVERIFY(std::fabs(norm - 1.0) < 1e-5);
        QCOMPARE(*e.value()->tokens(""), (std::vector<int32_t>{1, 2}));   // an empty text is still BOS EOS
        auto none = e.value()->embed_tokens({});
        QVERIFY(!none);
        QCOMPARE(none.error().message, std::string("nothing to embed: the text gives no token"));
    }
};

QTEST_APPLESS_MAIN(TestEmbedding)
#include "tst_embedding.moc"
