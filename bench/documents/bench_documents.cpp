// bench_documents: what the document features cost on this machine.
//
//   bench_documents [--pages 1000] [--text-mb 10] [--chunks 100000] [--queries 300] [--dim 1024]
//
// 1. `pages` PDF pages written with QPdfWriter (10 files), indexed by LibraryIndexer on its
//    thread while the GUI thread's longest stall is measured (a 4 ms timer on this thread).
// 2. `text-mb` MB of text in 100 KB files, indexed the same way.
// 3. An index of `chunks` chunks (synthetic ~1 KB chunks, Zipf-distributed words), then
//    `queries` queries of 2–8 words (each with at least one word that is not a function word):
//    p50, p95, max per query, wall time and the thread's CPU time.
//    With `dim` > 0 (default 1024, Qwen3-Embedding-0.6B's size): a random unit vector per chunk
//    stored as the index stores any model's (int8), then the same queries ranked hybrid (BM25 +
//    nearest vectors, reciprocal rank fusion) with a random question vector; the first hybrid
//    query, which reads the vectors into memory, is reported apart.
// 4. The evaluation set (tests/data/documents/licenses_eval.json): right chunk in the top 5.
// Generation time is not counted. Output: a Markdown table.
#include "docindex.h"
#include "evalset.h"
#include "libraryindexer.h"
#include "tests/common/random_unit_vectors.h"

#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QGuiApplication>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include <time.h>

using namespace causerie::documents;

namespace {

// A vocabulary of pronounceable made-up words and a Zipf sampler over it: real text has a few
// very common words and a long tail, which is what makes BM25 queries cheap or costly.
class Words {
public:
    explicit Words(int size, uint32_t seed)
        : m_rng(seed)
    {
        static const char* syllables[] = {"ka", "lo",  "mi", "ten", "ra",  "vo",  "shi", "nu", "pel", "dor",
                                          "an", "qui", "se", "tra", "bel", " om", "ri",  "fa", "gu",  "zen"};
        // The head of a natural language is its function words (the 50 most frequent English
        // words are ~40% of a text); they are real words here, so that queries drop them as
        // stop words the way they drop them from real questions.
        for (const char* w :
             {"the",  "of", "and",  "to",   "a",    "in",    "is",  "that", "for", "it",   "as",   "was",   "with",
              "be",   "by", "on",   "not",  "he",   "this",  "are", "or",   "his", "from", "at",   "which", "but",
              "have", "an", "they", "you",  "were", "their", "one", "all",  "we",  "can",  "her",  "has",   "there",
              "been", "if", "more", "when", "will", "would", "who", "so",   "no",  "she",  "other"})
            m_words.push_back(QString::fromLatin1(w));
        std::mt19937 g(seed ^ 0x5eed);
        while (int(m_words.size()) < size) {
            QString w;
            const int n = 1 + int(g() % 3);
            for (int i = 0; i < n; ++i)
                w += QString::fromLatin1(syllables[g() % 20]).remove(QLatin1Char(' '));
            m_words.push_back(w + QString::number(m_words.size() % 97));
        }
        double sum = 0;
        for (int i = 0; i < size; ++i) {
            sum += 1.0 / (i + 1);
            m_cdf.push_back(sum);
        }
        for (double& c : m_cdf)
            c /= sum;
    }

    const QString& next()
    {
        const double u = std::uniform_real_distribution<double>(0, 1)(m_rng);
        const auto it = std::lower_bound(m_cdf.begin(), m_cdf.end(), u);
        return m_words[std::min<size_t>(size_t(it - m_cdf.begin()), m_words.size() - 1)];
    }

    QString sentence()
    {
        const int n = 6 + int(m_rng() % 14);
        QString s;
        for (int i = 0; i < n; ++i) {
            if (i)
                s += QLatin1Char(' ');
            s += next();
        }
        s[0] = s[0].toUpper();
        return s + QLatin1Char('.');
    }

    QString paragraph()
    {
        const int n = 2 + int(m_rng() % 6);
        QString p;
        for (int i = 0; i < n; ++i)
            p += (i ? QStringLiteral(" ") : QString()) + sentence();
        return p;
    }

    std::mt19937& rng() { return m_rng; }
    bool isFunctionWord(const QString& w) const
    {
        return std::find(m_words.begin(), m_words.begin() + 50, w) != m_words.begin() + 50;
    }

private:
    std::mt19937 m_rng;
    std::vector<QString> m_words;
    std::vector<double> m_cdf;
};

double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

double processCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

struct Indexed {
    double seconds = 0;
    double cpuSeconds = 0;   // the whole process (both threads) while indexing
    double stallCpuMs = 0;   // GUI thread CPU time within its longest gap
    int files = 0;
    qint64 chunks = 0;
    double stallMs = 0;   // longest gap between two 4 ms ticks on the GUI thread
};

Indexed indexInBackground(const QString& folder, const QString& dbPath)
{
    Indexed out;
    LibraryIndexer indexer(dbPath);
    QEventLoop loop;
    QElapsedTimer clock;
    qint64 lastTick = 0;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(4);
    double lastTickCpu = threadCpuMs();
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        const double cpu = threadCpuMs();
        if ((now - lastTick) / 1e6 > out.stallMs) {
            out.stallMs = (now - lastTick) / 1e6;
            out.stallCpuMs = cpu - lastTickCpu;
        }
        lastTick = now;
        lastTickCpu = cpu;
    });
    const double cpu0 = processCpuMs();
    QObject::connect(&indexer, &LibraryIndexer::finished, &loop,
                     [&](const QString&, int indexed, int, int, int failed, bool) {
                         out.seconds = clock.nsecsElapsed() / 1e9;
                         out.cpuSeconds = (processCpuMs() - cpu0) / 1e3;
                         out.files = indexed;
                         if (failed)
                             std::fprintf(stderr, "warning: %d files failed\n", failed);
                         loop.quit();
                     });
    QObject::connect(&indexer, &LibraryIndexer::issue, [](const QString&, const QString&, const QString& message) {
        std::fprintf(stderr, "issue: %s\n", qPrintable(message));
    });
    clock.start();
    tick.start();
    indexer.indexFolder(QStringLiteral("bench"), folder);
    loop.exec();
    auto index = DocIndex::open(dbPath);
    out.chunks = index ? index.value()->chunkCount() : -1;
    return out;
}

void row(const char* what, const QString& size, const QString& value, const char* target);

// Percentiles of sorted `v`.
QString percentiles(const std::vector<double>& v)
{
    const auto at = [&](double p) { return v[std::min(v.size() - 1, size_t(p * double(v.size())))]; };
    return QStringLiteral("p50 %1 ms, p95 %2 ms, max %3 ms")
        .arg(at(0.5), 0, 'f', 1)
        .arg(at(0.95), 0, 'f', 1)
        .arg(v.back(), 0, 'f', 1);
}

// Section 3's second half: a vector per chunk, then the queries ranked hybrid.
bool hybridRows(DocIndex& index, const QStringList& queries, int dim)
{
    const QString model = QStringLiteral("bench:random-%1").arg(dim);
    causerie::testing::RandomUnitVectors randomUnitVector(7, dim);
    QElapsedTimer store;
    store.start();
    for (;;) {
        const QList<ChunkText> chunks = index.chunksWithoutVector(model, 1000);
        if (chunks.isEmpty())
            break;
        QList<QPair<qint64, QVector<float>>> rows;
        for (const ChunkText& c : chunks)
            rows.append({c.id, randomUnitVector()});
        if (auto r = index.putVectors(model, rows); !r) {
            std::fprintf(stderr, "%s\n", qPrintable(r.error().message));
            return false;
        }
    }
    row("store a vector per chunk (int8)", QStringLiteral("%1 vectors of %2").arg(index.vectorCount(model)).arg(dim),
        QStringLiteral("%1 s").arg(store.nsecsElapsed() / 1e9, 0, 'f', 1), "-");
    std::vector<double> ms, cpuMs;
    for (qsizetype q = 0; q <= queries.size(); ++q) {
        SearchOptions options;
        options.embedModel = model;
        options.queryVector = randomUnitVector();
        const QString& query = queries[std::min(q, queries.size() - 1)];
        QElapsedTimer t;
        t.start();
        const double cpu0 = threadCpuMs();
        auto r = index.search(query, {QStringLiteral("bench")}, options);
        if (!r) {
            std::fprintf(stderr, "%s\n", qPrintable(r.errorString()));
            return false;
        }
        if (q == 0) {   // reads the vectors into memory
            row("  first hybrid query (loads vectors)",
                QStringLiteral("%1 MB of int8").arg(index.vectorCount(model) * dim / 1e6, 0, 'f', 0),
                QStringLiteral("%1 ms").arg(t.nsecsElapsed() / 1e6, 0, 'f', 0), "-");
            continue;
        }
        ms.push_back(t.nsecsElapsed() / 1e6);
        cpuMs.push_back(threadCpuMs() - cpu0);
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpuMs.begin(), cpuMs.end());
    row("retrieve top 5 (BM25 + vectors, RRF)",
        QStringLiteral("the same %1 queries, dim %2").arg(queries.size()).arg(dim), percentiles(ms), "p95 < 50 ms");
    row("  the same, CPU time of the thread", QStringLiteral("(wall time above: shared machine)"), percentiles(cpuMs),
        "-");
    return true;
}

void row(const char* what, const QString& size, const QString& value, const char* target)
{
    std::printf("| %-34s | %-28s | %-30s | %-16s |\n", what, qPrintable(size), qPrintable(value), target);
}

// The three rows of one background indexing run: its wall time and throughput (`rate`), the
// process's CPU time, and the GUI thread's longest stall meanwhile.
void indexedRows(const char* what, const QString& size, const QString& rate, const Indexed& r)
{
    row(what, size, QStringLiteral("%1 s (%2), %3 chunks").arg(r.seconds, 0, 'f', 2).arg(rate).arg(r.chunks), "< 20 s");
    row("  the same, CPU time (whole process)", QStringLiteral("(wall time above: shared machine)"),
        QStringLiteral("%1 s").arg(r.cpuSeconds, 0, 'f', 2), "-");
    row("  GUI thread longest stall meanwhile", QStringLiteral("4 ms timer"),
        QStringLiteral("%1 ms (GUI CPU in it %2 ms)").arg(r.stallMs, 0, 'f', 1).arg(r.stallCpuMs, 0, 'f', 1),
        "<= 16 ms");
}

}   // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption(
        {QStringLiteral("pages"), QStringLiteral("PDF pages to index"), QStringLiteral("N"), QStringLiteral("1000")});
    parser.addOption(
        {QStringLiteral("text-mb"), QStringLiteral("MB of text to index"), QStringLiteral("N"), QStringLiteral("10")});
    parser.addOption({QStringLiteral("chunks"), QStringLiteral("chunks in the retrieval index"), QStringLiteral("N"),
                      QStringLiteral("100000")});
    parser.addOption(
        {QStringLiteral("queries"), QStringLiteral("queries timed"), QStringLiteral("N"), QStringLiteral("300")});
    parser.addOption({QStringLiteral("dim"), QStringLiteral("vector dimension for hybrid retrieval (0: none)"),
                      QStringLiteral("N"), QStringLiteral("1024")});
    parser.addOption(
        {QStringLiteral("keep"), QStringLiteral("write the indexes to DIR and keep them"), QStringLiteral("DIR")});
    parser.process(app);
    const int pages = parser.value(QStringLiteral("pages")).toInt();
    const int textMb = parser.value(QStringLiteral("text-mb")).toInt();
    const int chunkCount = parser.value(QStringLiteral("chunks")).toInt();
    const int queryCount = std::max(1, parser.value(QStringLiteral("queries")).toInt());
    const int dim = parser.value(QStringLiteral("dim")).toInt();

    QTemporaryDir tmp;
    struct Dir {
        QString path;
        QString filePath(const QString& name) const { return QDir(path).filePath(name); }
    } dir{parser.isSet(QStringLiteral("keep")) ? parser.value(QStringLiteral("keep")) : tmp.path()};
    QDir().mkpath(dir.path);
    Words words(20000, 42);
    std::printf("| %-34s | %-28s | %-30s | %-16s |\n", "measure", "input", "result", "target");
    std::printf("|%s|%s|%s|%s|\n", QByteArray(36, '-').constData(), QByteArray(30, '-').constData(),
                QByteArray(32, '-').constData(), QByteArray(18, '-').constData());

    // 1. PDF pages, ten files.
    if (pages > 0) {
        const QString folder = dir.filePath(QStringLiteral("pdf"));
        QDir().mkpath(folder);
        const int files = std::min(10, pages);
        qint64 bytes = 0;
        for (int f = 0; f < files; ++f) {
            const QString path = QStringLiteral("%1/book%2.pdf").arg(folder).arg(f, 2, 10, QLatin1Char('0'));
            QPdfWriter writer(path);
            writer.setPageSize(QPageSize(QPageSize::A4));
            writer.setResolution(72);
            QPainter painter(&writer);
            QFont font(QStringLiteral("DejaVu Sans"));
            font.setPointSize(8);
            painter.setFont(font);
            const int n = pages / files + (f < pages % files ? 1 : 0);
            for (int p = 0; p < n; ++p) {
                if (p)
                    writer.newPage();
                QString text;
                while (text.size() < 2500)
                    text += words.paragraph() + QStringLiteral("\n\n");
                painter.drawText(QRect(30, 30, 535, 780), Qt::TextWordWrap, text);
            }
            painter.end();
            bytes += QFileInfo(path).size();
        }
        const Indexed r = indexInBackground(folder, dir.filePath(QStringLiteral("pdf.db")));
        indexedRows("index PDF pages (background thread)",
                    QStringLiteral("%1 pages, %2 files, %3").arg(pages).arg(files).arg(formatBytes(bytes)),
                    QStringLiteral("%1 pages/s").arg(pages / r.seconds, 0, 'f', 0), r);
    }

    // 2. Text, 100 KB files.
    if (textMb > 0) {
        const QString folder = dir.filePath(QStringLiteral("text"));
        QDir().mkpath(folder);
        const int files = textMb * 10;
        for (int f = 0; f < files; ++f) {
            QByteArray text;
            while (text.size() < 100 * 1024)
                text += words.paragraph().toUtf8() + "\n\n";
            QFile out(QStringLiteral("%1/notes%2.txt").arg(folder).arg(f, 4, 10, QLatin1Char('0')));
            if (!out.open(QIODevice::WriteOnly) || out.write(text) != text.size())
                return 1;
        }
        const Indexed r = indexInBackground(folder, dir.filePath(QStringLiteral("text.db")));
        indexedRows("index text (background thread)", QStringLiteral("%1 MB, %2 files").arg(textMb).arg(files),
                    QStringLiteral("%1 MB/s").arg(textMb / r.seconds, 0, 'f', 1), r);
    }

    // 3. Retrieval on a large index.
    if (chunkCount > 0) {
        auto opened = DocIndex::open(dir.filePath(QStringLiteral("large.db")));
        if (!opened) {
            std::fprintf(stderr, "%s\n", qPrintable(opened.errorString()));
            return 1;
        }
        DocIndex& index = *opened.value();
        const int perDoc = 1000;
        QElapsedTimer build;
        build.start();
        for (int d = 0; d * perDoc < chunkCount; ++d) {
            QList<Chunk> chunks;
            qint64 offset = 0;
            for (int c = 0; c < perDoc && d * perDoc + c < chunkCount; ++c) {
                Chunk chunk;
                chunk.ord = c;
                while (chunk.text.size() < 900)
                    chunk.text += words.paragraph() + QLatin1Char(' ');
                chunk.start = offset;
                chunk.end = offset + chunk.text.size();
                offset = chunk.end + 2;
                chunks.append(chunk);
            }
            FileRecord file;
            file.path = QStringLiteral("/library/doc%1.txt").arg(d, 4, 10, QLatin1Char('0'));
            file.sha256 = QString::number(d);
            if (auto r = index.putFile(file, QStringLiteral("bench"), QStringLiteral("text"), chunks); !r) {
                std::fprintf(stderr, "%s\n", qPrintable(r.error().message));
                return 1;
            }
        }
        const double buildSeconds = build.nsecsElapsed() / 1e9;
        std::vector<double> ms;
        std::vector<double> cpuMs;
        std::vector<std::pair<double, QString>> slowest;
        QStringList queries;
        for (int q = 0; q < queryCount; ++q) {
            // A question names at least one thing: queries made of function words only ("the
            // and") are drawn again (their cost is in docs/documents.md).
            QString query;
            while (query.isEmpty()) {
                const int n = 2 + int(words.rng()() % 7);
                bool names = false;
                for (int i = 0; i < n; ++i) {
                    const QString& w = words.next();
                    names = names || !words.isFunctionWord(w);
                    query += w + QLatin1Char(' ');
                }
                if (!names)
                    query.clear();
            }
            queries.append(query);
            QElapsedTimer t;
            t.start();
            const double cpu0 = threadCpuMs();
            auto r = index.search(query, {QStringLiteral("bench")});
            ms.push_back(t.nsecsElapsed() / 1e6);
            cpuMs.push_back(threadCpuMs() - cpu0);
            slowest.push_back({cpuMs.back(), query});
            if (!r) {
                std::fprintf(stderr, "%s\n", qPrintable(r.errorString()));
                return 1;
            }
        }
        std::sort(ms.begin(), ms.end());
        std::sort(cpuMs.begin(), cpuMs.end());
        std::sort(slowest.rbegin(), slowest.rend());
        for (size_t i = 0; i < std::min<size_t>(5, slowest.size()); ++i)
            std::fprintf(stderr, "slow query: %.1f ms CPU: %s\n", slowest[i].first, qPrintable(slowest[i].second));
        const auto pctOf = [](const std::vector<double>& v, double p) {
            return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
        };
        const auto pct = [&](double p) { return pctOf(ms, p); };
        row("build the retrieval index", QStringLiteral("%1 chunks of ~1 KB").arg(index.chunkCount()),
            QStringLiteral("%1 s").arg(buildSeconds, 0, 'f', 1), "-");
        row("retrieve top 5 (BM25, merged)", QStringLiteral("%1 queries of 2-8 words").arg(queryCount),
            QStringLiteral("p50 %1 ms, p95 %2 ms, max %3 ms")
                .arg(pct(0.5), 0, 'f', 1)
                .arg(pct(0.95), 0, 'f', 1)
                .arg(ms.back(), 0, 'f', 1),
            "p95 < 50 ms");
        row("  the same, CPU time of the thread", QStringLiteral("(wall time above: shared machine)"),
            QStringLiteral("p50 %1 ms, p95 %2 ms, max %3 ms")
                .arg(pctOf(cpuMs, 0.5), 0, 'f', 1)
                .arg(pctOf(cpuMs, 0.95), 0, 'f', 1)
                .arg(cpuMs.back(), 0, 'f', 1),
            "-");
        if (dim > 0 && !hybridRows(index, queries, dim))
            return 1;
    }

    // 4. Quality.
    {
        auto opened = DocIndex::open(dir.filePath(QStringLiteral("eval.db")));
        if (opened) {
            const evalset::Outcome out = evalset::run(*opened.value(), QStringLiteral(EVAL_SET));
            if (out.error.isEmpty())
                row("evaluation set, right chunk in top 5",
                    QStringLiteral("%1 questions, 8 licence texts").arg(out.asked),
                    QStringLiteral("%1/%2 (%3%)")
                        .arg(out.right)
                        .arg(out.asked)
                        .arg(100.0 * out.right / out.asked, 0, 'f', 1),
                    ">= 90%");
            else
                std::fprintf(stderr, "evaluation set: %s\n", qPrintable(out.error));
        }
    }
    return 0;
}
