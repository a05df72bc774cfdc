// Hybrid retrieval: chunk vectors in the index (per embedding model, int8), the embedding job
// (resumable, re-embeds for another model), BM25 + vector candidates fused by reciprocal rank,
// and the real engine's embedder on a random 'qwen3' embedding model so the whole path runs.
#include "concepts_embedder.h"
#include "docindex.h"
#include "indexfixture.h"
#include "embedder.h"
#include "engine/test_model.h"
#include "libraryindexer.h"
#include "promptcontext.h"

#include "../../common/random_unit_vectors.h"

#include <QTemporaryDir>
#include <QSignalSpy>
#include <QtTest>

using namespace causerie::documents;
using docfixtures::record;

namespace {

// The same sources in the same order, with the same scores.
void compareRankings(const QList<Source>& got, const QList<Source>& expected)
{
    QCOMPARE(got.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        QCOMPARE(got.at(i).file, expected.at(i).file);
        QCOMPARE(got.at(i).score, expected.at(i).score);
    }
}

}   // namespace

class TestHybridSearch : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() { docfixtures::openFreshIndex(m_dir, m_index); }

    void fusionIsReciprocalRank()
    {
        // Chunk 10 is 1st of one ranking and 3rd of the other; 40 is 1st of the second alone.
        const auto fused = fuseRankings({{{10, 9.0}, {20, 8.0}, {30, 7.0}}, {{40, 0.9}, {50, 0.8}, {10, 0.7}}}, 10);
        QCOMPARE(fused.size(), 5);
        QCOMPARE(fused[0].first, 10);   // in both lists
        QCOMPARE(fused[0].second, 1.0 / 61 + 1.0 / 63);
        QCOMPARE(fused[1].first, 40);
        QCOMPARE(fused[1].second, 1.0 / 61);
        QCOMPARE(fused[2].first, 20);   // 1/62, tied with 50: the lower id first
        QCOMPARE(fused[3].first, 50);
        QCOMPARE(fused[4].first, 30);
        QCOMPARE(fuseRankings({{{1, 1.0}, {2, 0.5}}}, 1).size(), 1);
    }

    void int8VectorsKeepTheOrder()
    {
        VectorTable t;
        t.dim = 4;
        const QList<QVector<float>> rows = {{1, 0, 0, 0}, {0.6f, 0.8f, 0, 0}, {0, 0, 1, 0}, {0.8f, 0.6f, 0, 0}};
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const QuantizedVector q = quantizeVector(rows[i]);
            t.append(100 + i, 1, q.scale, q.data.constData());
        }
        const auto best = nearestChunks(t, {1, 0, 0, 0}, 3);
        QCOMPARE(best.size(), 3);
        QCOMPARE(best[0].first, 100);
        QCOMPARE(best[1].first, 103);
        QCOMPARE(best[2].first, 101);
        QVERIFY(qAbs(best[0].second - 1.0) < 0.01);   // int8: within 1/127 of the float dot
        QVERIFY(qAbs(best[1].second - 0.8) < 0.01);
        QVERIFY(nearestChunks(t, {1, 0, 0}, 3).isEmpty());   // another dimension finds nothing
    }

    // 100 dimensions: the AVX2 scan's 32-wide steps and its tail both run (and the reference
    // under CAUSERIE_CPU=scalar, the ctest entry tst_hybridsearch_scalar).
    void int8ScanMatchesTheFloatDot()
    {
        causerie::testing::RandomUnitVectors unit(5, 100);
        VectorTable t;
        t.dim = 100;
        QList<QVector<float>> rows;
        for (int i = 0; i < 50; ++i) {
            rows.append(unit());
            const QuantizedVector q = quantizeVector(rows.last());
            t.append(i, 1, q.scale, q.data.constData());
        }
        const QVector<float> query = unit();
        const auto best = nearestChunks(t, query, 50);
        QCOMPARE(best.size(), 50);
        for (qsizetype i = 0; i < best.size(); ++i) {
            double exact = 0;
            for (int d = 0; d < 100; ++d)
                exact += double(query[d]) * rows[best[i].first][d];
            // int8 rounding: each factor within half a step (max/254) of its value.
            QVERIFY2(qAbs(best[i].second - exact) < 0.02, qPrintable(QString::number(best[i].second - exact)));
            if (i > 0)
                QVERIFY(best[i - 1].second >= best[i].second);
        }
    }

    void questionWithoutSharedWordsIsFoundOnlyWithVectors()
    {
        putThreeDocuments();
        ConceptsEmbedder embedder;
        const EmbedReport report = embedPending(*m_index, embedder);
        QVERIFY2(report.error.isEmpty(), qPrintable(report.error));
        QCOMPARE(report.embedded, 3);
        QCOMPARE(m_index->vectorCount(embedder.modelId()), 3);

        const QString question = QStringLiteral("Which automobile did she buy?");
        auto bm25 = m_index->search(question, {QStringLiteral("lib")});
        QVERIFY(bm25.ok());
        QVERIFY(bm25->isEmpty());   // no word of the passage in the question

        auto hybrid = m_index->search(question, {QStringLiteral("lib")}, hybridOptions(embedder, question));
        QVERIFY2(hybrid.ok(), qPrintable(hybrid.errorString()));
        QVERIFY(!hybrid->isEmpty());
        QCOMPARE(hybrid->at(0).file, QStringLiteral("/d/garage.txt"));
        QCOMPARE(hybrid->at(0).score, 1.0 / 61);   // first of the vector ranking, absent from BM25
        // Deterministic: the same question gives the same sources in the same order.
        auto again = m_index->search(question, {QStringLiteral("lib")}, hybridOptions(embedder, question));
        QVERIFY(again.ok());
        compareRankings(*again, *hybrid);
    }

    void bothRankingsAgreeingComeFirst()
    {
        putThreeDocuments();
        ConceptsEmbedder embedder;
        QVERIFY(embedPending(*m_index, embedder).error.isEmpty());
        // "puppy" matches the kennel passage by BM25 and (dog concept) by vector.
        const QString question = QStringLiteral("puppy");
        auto r = m_index->search(question, {QStringLiteral("lib")}, hybridOptions(embedder, question));
        QVERIFY(r.ok());
        QCOMPARE(r->at(0).file, QStringLiteral("/d/kennel.txt"));
        QCOMPARE(r->at(0).score, 2.0 / 61);
    }

    void withoutVectorsTheBm25AnswerStays()
    {
        putThreeDocuments();
        ConceptsEmbedder embedder;
        const QString question = QStringLiteral("puppy kennel");
        auto plain = m_index->search(question, {QStringLiteral("lib")});
        QVERIFY(plain.ok());
        QVERIFY(!plain->isEmpty());
        // A model with no vector stored yet: exactly the BM25 sources and scores.
        auto hybrid = m_index->search(question, {QStringLiteral("lib")}, hybridOptions(embedder, question));
        QVERIFY(hybrid.ok());
        compareRankings(*hybrid, *plain);
    }

    void vectorsKeepToTheLibrariesSearched()
    {
        putThreeDocuments();
        QVERIFY(m_index->putFile(record(QStringLiteral("/e/cars.txt"), QStringLiteral("e")), QStringLiteral("other"),
                                 QStringLiteral("text"), chunks(QStringLiteral("A car, a vehicle, a motor car."))));
        ConceptsEmbedder embedder;
        QVERIFY(embedPending(*m_index, embedder).error.isEmpty());
        const QString question = QStringLiteral("automobile");
        auto r = m_index->search(question, {QStringLiteral("lib")}, hybridOptions(embedder, question));
        QVERIFY(r.ok());
        for (const Source& s : r.value())
            QVERIFY2(!s.file.startsWith(QLatin1String("/e/")), qPrintable(s.file));
        r = m_index->search(question, {QStringLiteral("other")}, hybridOptions(embedder, question));
        QVERIFY(r.ok());
        QCOMPARE(r->size(), 1);
        QCOMPARE(r->at(0).file, QStringLiteral("/e/cars.txt"));
    }

    void anotherModelEmbedsAgain()
    {
        putThreeDocuments();
        ConceptsEmbedder a(QStringLiteral("concepts-a"));
        QCOMPARE(embedPending(*m_index, a).embedded, 3);
        QCOMPARE(embedPending(*m_index, a).embedded, 0);   // nothing left
        QCOMPARE(a.calls, 1);
        ConceptsEmbedder b(QStringLiteral("concepts-b"));
        QCOMPARE(m_index->chunksWithoutVectorCount(b.modelId()), 3);
        QCOMPARE(embedPending(*m_index, b).embedded, 3);
        QCOMPARE(m_index->vectorCount(b.modelId()), 3);
        QCOMPARE(m_index->vectorCount(a.modelId()), 0);   // the other model's vectors are gone
    }

    void aQuitResumesWhereItStopped()
    {
        putThreeDocuments();
        ConceptsEmbedder embedder;
        EmbedCallbacks cb;
        int batches = 0;
        cb.cancelled = [&] { return batches >= 1; };
        cb.progress = [&](qint64 done, qint64 total) {
            ++batches;
            QCOMPARE(done, 1);
            QCOMPARE(total, 3);
        };
        const EmbedReport first = embedPending(*m_index, embedder, cb, 1);
        QVERIFY(first.cancelled);
        QCOMPARE(first.embedded, 1);
        QCOMPARE(m_index->chunksWithoutVectorCount(embedder.modelId()), 2);
        const EmbedReport rest = embedPending(*m_index, embedder, {}, 1);
        QCOMPARE(rest.embedded, 2);
        QCOMPARE(embedder.texts, 3);   // each chunk embedded once
    }

    // The app's path: LibraryIndexer indexes a folder, then embeds on its thread; another model
    // embeds again; a model that cannot be made says why.
    void indexerEmbedsInTheBackground()
    {
        const QString folder = m_dir->filePath(QStringLiteral("lib"));
        QVERIFY(QDir().mkpath(folder));
        for (const char* name : {"a.txt", "b.txt"}) {
            QFile f(QDir(folder).filePath(QLatin1String(name)));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray("The car is in the garage of ") + name);
        }
        const QString dbPath = m_dir->filePath(QStringLiteral("documents.db"));
        LibraryIndexer indexer(dbPath);
        QSignalSpy finished(&indexer, &LibraryIndexer::embeddingFinished);
        QSignalSpy progress(&indexer, &LibraryIndexer::embeddingProgress);
        const auto factory = [](const QString& id) {
            return EmbedderFactory([id]() -> DocResult<std::unique_ptr<TextEmbedder>> {
                return std::unique_ptr<TextEmbedder>(std::make_unique<ConceptsEmbedder>(id));
            });
        };
        indexer.setEmbedder(factory(QStringLiteral("one")), QStringLiteral("one"));
        QVERIFY(finished.wait(10000));   // nothing indexed yet: nothing to embed
        QCOMPARE(finished.last().at(1).toLongLong(), 0);
        indexer.indexFolder(QStringLiteral("library:x"), folder);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 10000);
        QCOMPARE(finished.last().at(0).toString(), QStringLiteral("one"));
        QCOMPARE(finished.last().at(1).toLongLong(), 2);   // embedded this run
        QCOMPARE(finished.last().at(2).toLongLong(), 2);   // vectors of the model
        QCOMPARE(finished.last().at(3).toString(), QString());
        QCOMPARE(progress.last().at(1).toLongLong(), 2);
        QCOMPARE(m_index->vectorCount(QStringLiteral("one")), 2);   // seen by the GUI's connection
        // ... and searched by it: the indexer's vectors are read once the file changed.
        SearchOptions o;
        o.embedModel = QStringLiteral("one");
        o.queryVector = ConceptsEmbedder::vector(QStringLiteral("automobile"));
        auto found = m_index->search(QStringLiteral("automobile"), {QStringLiteral("library:x")}, o);
        QVERIFY(found.ok());
        QCOMPARE(found->size(), 2);   // "car" in both files, no word in common

        indexer.setEmbedder(factory(QStringLiteral("two")), QStringLiteral("two"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 10000);
        QCOMPARE(finished.last().at(1).toLongLong(), 2);
        QCOMPARE(m_index->vectorCount(QStringLiteral("two")), 2);
        QCOMPARE(m_index->vectorCount(QStringLiteral("one")), 0);
        found = m_index->search(QStringLiteral("automobile"), {QStringLiteral("library:x")}, o);
        QVERIFY(found.ok());
        QVERIFY(found->isEmpty());   // model one's vectors are gone: BM25 alone, which finds nothing

        indexer.setEmbedder(
            []() -> DocResult<std::unique_ptr<TextEmbedder>> { return DocError{QStringLiteral("no such model")}; },
            QStringLiteral("three"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 4, 10000);
        QCOMPARE(finished.last().at(3).toString(), QStringLiteral("no such model"));
        QCOMPARE(m_index->vectorCount(QStringLiteral("two")), 2);   // nothing lost
    }

    // What a chat turn gets (planContext, shared with chat --doc): with the embedder, the passage
    // that shares no word with the question; an embedder that fails leaves BM25 alone.
    void turnGetsThePassageFoundByVectors()
    {
        putThreeDocuments();
        ConceptsEmbedder embedder;
        QVERIFY(embedPending(*m_index, embedder).error.isEmpty());
        ContextRequest request;
        request.question = QStringLiteral("Which automobile did she buy?");
        request.index = m_index.get();
        request.libraries = {QStringLiteral("lib")};
        request.librariesTicked = true;
        ContextPlan plan = planContext(request, estimateTokens);
        QCOMPARE(plan.mode, ContextPlan::None);   // words alone find nothing
        request.embedder = &embedder;
        plan = planContext(request, estimateTokens);
        QCOMPARE(plan.mode, ContextPlan::Retrieved);
        QCOMPARE(plan.sources.value(0).file, QStringLiteral("garage.txt"));
        QVERIFY(plan.questionText.contains(QLatin1String("Her new car is a red vehicle.")));

        FunctionEmbedder broken(embedder.modelId(), [](const QStringList&) -> DocResult<QList<QVector<float>>> {
            return DocError{QStringLiteral("offline")};
        });
        request.embedder = &broken;
        request.question = QStringLiteral("puppy");
        plan = planContext(request, estimateTokens);
        QCOMPARE(plan.mode, ContextPlan::Retrieved);
        QCOMPARE(plan.sources.value(0).file, QStringLiteral("kennel.txt"));
    }

    void wrongDimensionIsRefused()
    {
        putThreeDocuments();
        ConceptsEmbedder embedder;
        QVERIFY(embedPending(*m_index, embedder).error.isEmpty());
        const QString model = embedder.modelId();
        // A stored model's vectors have 8 dimensions: one of 5 is refused, nothing written.
        const qint64 id = m_index->chunksWithoutVector(QStringLiteral("x"), 1).value(0).id;
        auto put = m_index->putVectors(model, {{id, QVector<float>(5, 0.2f)}});
        QVERIFY(!put);
        QCOMPARE(put.error().message, QStringLiteral("The embedding model %1 gave a vector of 5 dimensions where its "
                                                     "vectors have 8: refused.")
                                          .arg(model));
        // Within one batch too, and a non-finite or empty vector.
        put = m_index->putVectors(QStringLiteral("y"), {{id, QVector<float>(4, 0.5f)}, {id + 1, QVector<float>(3)}});
        QVERIFY(!put);
        QVERIFY(put.error().message.contains(QLatin1String("3 dimensions where its vectors have 4")));
        QCOMPARE(m_index->vectorCount(QStringLiteral("y")), 0);
        put = m_index->putVectors(QStringLiteral("y"), {{id, QVector<float>{1.0f, float(qQNaN())}}});
        QVERIFY(!put);
        QVERIFY(put.error().message.contains(QLatin1String("not finite")));
        QVERIFY(!m_index->putVectors(QStringLiteral("y"), {{id, QVector<float>()}}));
        // A question embedded with another dimension than the index's vectors.
        SearchOptions o;
        o.embedModel = model;
        o.queryVector = QVector<float>(5, 0.1f);
        auto r = m_index->search(QStringLiteral("car"), {QStringLiteral("lib")}, o);
        QVERIFY(!r);
        QCOMPARE(r.error().message,
                 QStringLiteral("The question's vector has 5 dimensions but the index's vectors of %1 have 8: refused.")
                     .arg(model));
        // An embedder that answers with a wrong count stops the job with a message.
        ConceptsEmbedder liar(QStringLiteral("liar"));
        liar.dropLast = true;
        const EmbedReport report = embedPending(*m_index, liar);
        QCOMPARE(report.error, QStringLiteral("The embedding model liar gave 2 vectors for 3 texts."));
        QCOMPARE(m_index->vectorCount(QStringLiteral("liar")), 0);
    }

    void realEngineRunsTheWholePath()
    {
        // A random 'qwen3' embedding model (last pooling, EOS appended): its vectors mean nothing,
        // but a passage's own text is its own nearest neighbour.
        causerie::TestModelSpec spec{
            .n_vocab = 512, .n_embd = 64, .n_layer = 1, .n_head = 4, .n_head_kv = 2, .n_ff = 128};
        spec.arch = "qwen3";
        spec.pooling_type = 3;
        spec.add_eos = true;
        const QString path = m_dir->filePath(QStringLiteral("embed.gguf"));
        QVERIFY(causerie::write_test_model(path.toStdString(), spec));
        auto embedder = LocalTextEmbedder::open(path, 1);
        QVERIFY2(embedder, qPrintable(embedder.errorString()));
        QCOMPARE(embedder.value()->dimension(), 64);
        QVERIFY(embedder.value()->modelId().startsWith(QLatin1String("gguf:embed.gguf:")));
        putThreeDocuments();
        const EmbedReport report = embedPending(*m_index, *embedder.value());
        QVERIFY2(report.error.isEmpty(), qPrintable(report.error));
        QCOMPARE(m_index->vectorCount(embedder.value()->modelId()), 3);
        const QString question = kKennel;
        auto v = embedder.value()->embed({question});
        QVERIFY(v);
        SearchOptions o;
        o.embedModel = embedder.value()->modelId();
        o.queryVector = v.value().at(0);
        auto r = m_index->search(question, {QStringLiteral("lib")}, o);
        QVERIFY2(r.ok(), qPrintable(r.errorString()));
        QCOMPARE(r->at(0).file, QStringLiteral("/d/kennel.txt"));
        QCOMPARE(r->at(0).score, 2.0 / 61);   // first of both rankings
        // A model file that is not an embedding model is refused with its reason.
        spec.pooling_type = -1;
        const QString chat = m_dir->filePath(QStringLiteral("chat.gguf"));
        QVERIFY(causerie::write_test_model(chat.toStdString(), spec));
        auto refused = LocalTextEmbedder::open(chat, 1);
        QVERIFY(!refused);
        QVERIFY2(refused.error().message.contains(QLatin1String("it is not an embedding model")),
                 qPrintable(refused.error().message));
    }

private:
    static inline const QString kKennel = QStringLiteral("The puppy sleeps in the kennel near the barn.");

    static QList<Chunk> chunks(const QString& text)
    {
        ExtractedDocument doc;
        doc.sections.append({0, QString(), text});
        return chunkDocument(doc);
    }

    void putThreeDocuments()
    {
        const QString lib = QStringLiteral("lib");
        QVERIFY(m_index->putFile(record(QStringLiteral("/d/garage.txt"), QStringLiteral("g")), lib,
                                 QStringLiteral("text"), chunks(QStringLiteral("Her new car is a red vehicle."))));
        QVERIFY(m_index->putFile(record(QStringLiteral("/d/kennel.txt"), QStringLiteral("k")), lib,
                                 QStringLiteral("text"), chunks(kKennel)));
        QVERIFY(m_index->putFile(record(QStringLiteral("/d/bank.txt"), QStringLiteral("b")), lib,
                                 QStringLiteral("text"), chunks(QStringLiteral("Payment in cash at the bank."))));
    }

    static SearchOptions hybridOptions(ConceptsEmbedder& embedder, const QString& question)
    {
        SearchOptions o;
        o.embedModel = embedder.modelId();
        o.queryVector = embedder.embed({question}).value().at(0);
        return o;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<DocIndex> m_index;
};

QTEST_GUILESS_MAIN(TestHybridSearch)
#include "tst_hybridsearch.moc"
