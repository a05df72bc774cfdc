// Replays every input saved under tests/fuzz/regressions/<target>/ (inputs that once crashed or
// broke an invariant of a fuzz target) and every seed of tests/fuzz/corpus/<target>/ through the
// fuzz targets' own entry points, built here with the ordinary compiler. A target checks its
// invariants itself and aborts when one breaks, so a row passes when the entry point returns 0.
// The engine-only sanitizer build has the engine targets only; the app targets' rows say so.
#include "fuzz_common.h"

#include <QDir>
#include <QFile>
#include <QSet>
#include <QTest>

#include <map>

using EntryPoint = int (*)(const uint8_t*, size_t);
using InitPoint = int (*)(int*, char***);

#define CAUSERIE_DECLARE_TARGET(t)                                                                                     \
    extern "C" int causerie_fuzz_init_##t(int*, char***);                                                              \
    extern "C" int causerie_fuzz_one_##t(const uint8_t*, size_t);
#define CAUSERIE_TARGET_ENTRY(t)                                                                                       \
    {                                                                                                                  \
#t, { causerie_fuzz_init_##t, causerie_fuzz_one_##t }                                                          \
    }

#ifdef CAUSERIE_FUZZ_HAVE_gguf
CAUSERIE_DECLARE_TARGET(gguf)
CAUSERIE_DECLARE_TARGET(sp_tokenizer)
CAUSERIE_DECLARE_TARGET(bpe_tokenizer)
CAUSERIE_DECLARE_TARGET(chat_template)
CAUSERIE_DECLARE_TARGET(kv_snapshot)
#endif
#ifdef CAUSERIE_FUZZ_HAVE_sse
CAUSERIE_DECLARE_TARGET(sse)
CAUSERIE_DECLARE_TARGET(markdown)
CAUSERIE_DECLARE_TARGET(code_highlighter)
CAUSERIE_DECLARE_TARGET(conversation_import)
CAUSERIE_DECLARE_TARGET(html_extract)
CAUSERIE_DECLARE_TARGET(office_extract)
CAUSERIE_DECLARE_TARGET(chunker)
CAUSERIE_DECLARE_TARGET(math)
#endif

namespace {

struct Target {
    InitPoint init;
    EntryPoint one;
};

const std::map<QString, Target>& targets()
{
    static const std::map<QString, Target> t = {
#ifdef CAUSERIE_FUZZ_HAVE_gguf
        CAUSERIE_TARGET_ENTRY(gguf),
        CAUSERIE_TARGET_ENTRY(sp_tokenizer),
        CAUSERIE_TARGET_ENTRY(bpe_tokenizer),
        CAUSERIE_TARGET_ENTRY(chat_template),
        CAUSERIE_TARGET_ENTRY(kv_snapshot),
#endif
#ifdef CAUSERIE_FUZZ_HAVE_sse
        CAUSERIE_TARGET_ENTRY(sse),
        CAUSERIE_TARGET_ENTRY(markdown),
        CAUSERIE_TARGET_ENTRY(code_highlighter),
        CAUSERIE_TARGET_ENTRY(conversation_import),
        CAUSERIE_TARGET_ENTRY(html_extract),
        CAUSERIE_TARGET_ENTRY(office_extract),
        CAUSERIE_TARGET_ENTRY(chunker),
        CAUSERIE_TARGET_ENTRY(math),
#endif
    };
    return t;
}

}   // namespace

class TestFuzzRegressions : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Every target of the fuzz configuration has its corpus folder, and this build replays the
    // ones it was configured with.
    void everyTargetHasSeeds()
    {
        const QDir corpus(QStringLiteral(CAUSERIE_FUZZ_DIR "/corpus"));
        for (const QString& t : QString::fromLatin1(CAUSERIE_FUZZ_REPLAYED).split(QLatin1Char(','))) {
            QVERIFY2(targets().count(t), qPrintable(t));
            QVERIFY2(!QDir(corpus.filePath(t)).entryList(QDir::Files).isEmpty(),
                     qPrintable(QStringLiteral("%1: no seeds").arg(t)));
        }
    }

    void replay_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("file");
        for (const char* kind : {"regressions", "corpus"}) {
            const QDir root(QStringLiteral(CAUSERIE_FUZZ_DIR "/") + QLatin1String(kind));
            for (const QString& t : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
                const QDir dir(root.filePath(t));
                for (const QString& f : dir.entryList(QDir::Files, QDir::Name))
                    QTest::newRow(qPrintable(QStringLiteral("%1/%2/%3").arg(QLatin1String(kind), t, f)))
                        << t << dir.filePath(f);
            }
        }
    }

    void replay()
    {
        QFETCH(QString, target);
        QFETCH(QString, file);
        const auto it = targets().find(target);
        if (it == targets().end())
            QSKIP(qPrintable(QStringLiteral("target '%1' needs the app's libraries, which this build "
                                            "(CAUSERIE_ENGINE_ONLY) does not have")
                                 .arg(target)));
        static QSet<QString> initialised;
        if (!initialised.contains(target)) {
            int argc = 1;
            char arg0[] = "tst_fuzz_regressions";
            char* args[] = {arg0, nullptr};
            char** argv = args;
            QCOMPARE(it->second.init(&argc, &argv), 0);
            initialised.insert(target);
        }
        QFile f(file);
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.errorString()));
        const QByteArray bytes = f.readAll();
        QCOMPARE(it->second.one(reinterpret_cast<const uint8_t*>(bytes.constData()), size_t(bytes.size())), 0);
    }
};

QTEST_MAIN(TestFuzzRegressions)
#include "tst_fuzz_regressions.moc"
