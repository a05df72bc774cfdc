// causerie-cli retrieve: the JSON contract ({"sources":[{file,page,heading,start,end,score,text}]},
// page null where pages do not apply), the same output twice, --top, and bad documents named on
// stderr while the others are still searched.
#include "documents/docfixtures.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run run(const QStringList& args)
{
    QProcess p;
    p.start(QStringLiteral(CAUSERIE_CLI), args);
    Run r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

}   // namespace

class TestRetrieveCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_txt = m_dir.filePath(QStringLiteral("garden.txt"));
        m_md = m_dir.filePath(QStringLiteral("guide.md"));
        m_pdf = m_dir.filePath(QStringLiteral("manual.pdf"));
        QVERIFY(
            docfixtures::writeFile(m_txt, "Tomatoes need sun and water every day.\n\nPotatoes grow underground.\n"));
        QVERIFY(docfixtures::writeFile(
            m_md, "# Watering\n\nWater the tomatoes in the morning.\n\n# Pruning\n\nCut dead wood.\n"));
        QVERIFY(docfixtures::writePdf(m_pdf, {QStringLiteral("Chapter one: soil."),
                                              QStringLiteral("Tomatoes are sensitive to frost at night.")}));
    }

    void jsonSources()
    {
        const Run r = run({"retrieve", "--doc", m_txt, "--doc", m_md, "--doc", m_pdf, "--query", "tomatoes", "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        const QJsonObject root = QJsonDocument::fromJson(r.out).object();
        const QJsonArray sources = root.value(QStringLiteral("sources")).toArray();
        QCOMPARE(sources.size(), 3);
        QStringList files;
        for (const QJsonValue& v : sources) {
            const QJsonObject s = v.toObject();
            QCOMPARE(s.keys(), QStringList({"end", "file", "heading", "page", "score", "start", "text"}));
            QVERIFY(s.value(QStringLiteral("score")).toDouble() > 0);
            QVERIFY(
                s.value(QStringLiteral("text")).toString().contains(QStringLiteral("Tomatoes"), Qt::CaseInsensitive));
            QVERIFY(s.value(QStringLiteral("end")).toInteger() > s.value(QStringLiteral("start")).toInteger());
            const QString file = s.value(QStringLiteral("file")).toString();
            files << file;
            if (file == m_pdf) {
                QCOMPARE(s.value(QStringLiteral("page")).toInt(), 2);
            } else {
                QVERIFY(s.value(QStringLiteral("page")).isNull());
            }
            if (file == m_md)
                QCOMPARE(s.value(QStringLiteral("heading")).toString(), QStringLiteral("Watering"));
        }
        files.sort();
        QCOMPARE(files, QStringList({m_txt, m_md, m_pdf}));   // garden, guide, manual
        for (int i = 1; i < sources.size(); ++i)
            QVERIFY(sources[i - 1].toObject().value(QStringLiteral("score")).toDouble() >=
                    sources[i].toObject().value(QStringLiteral("score")).toDouble());
    }

    void deterministicAndTop()
    {
        const QStringList args = {
            "retrieve", "--doc", m_pdf, "--doc", m_txt, "--doc", m_md, "--query", "water tomatoes frost", "--json"};
        const Run a = run(args);
        const Run b = run(args);
        QCOMPARE(a.exitCode, 0);
        QCOMPARE(a.out, b.out);
        const Run top = run(args + QStringList{"--top", "1"});
        QCOMPARE(top.exitCode, 0);
        const QJsonArray sources = QJsonDocument::fromJson(top.out).object().value(QStringLiteral("sources")).toArray();
        QCOMPARE(sources.size(), 1);
        QCOMPARE(sources[0], QJsonDocument::fromJson(a.out).object().value(QStringLiteral("sources")).toArray()[0]);
    }

    void readableList()
    {
        const Run r = run({"retrieve", "--doc", m_md, "--query", "pruning wood"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith("1. " + m_md.toUtf8() + " — Pruning  (score "), r.out.constData());
        QVERIFY(r.out.contains("Cut dead wood."));
        const Run none = run({"retrieve", "--doc", m_md, "--query", "helicopter"});
        QCOMPARE(none.exitCode, 0);
        QCOMPARE(none.out, QByteArray("no source matches the query\n"));
    }

    // --embed-model: the same path as the app with a local embedding model (every chunk embedded,
    // BM25 and vectors fused), on a random 'qwen3' embedding model: deterministic, and a passage
    // whose own text is the question comes first of both rankings (score 2/61).
    void embedModelFusesVectors()
    {
        const QString model = m_dir.filePath(QStringLiteral("embed.gguf"));
        const Run made = run({"make-test-model", model, "--arch", "qwen3", "--layers", "1", "--embd", "64", "--ff",
                              "128", "--pooling", "3", "--add-eos"});
        QVERIFY2(made.exitCode == 0, made.err.constData());
        const QStringList args = {"retrieve",       "--doc",  m_txt,           "--doc", m_md,        "--query",
                                  "Cut dead wood.", "--json", "--embed-model", model,   "--threads", "1"};
        const Run a = run(args);
        QVERIFY2(a.exitCode == 0, a.err.constData());
        QCOMPARE(run(args).out, a.out);
        const QJsonArray sources = QJsonDocument::fromJson(a.out).object().value(QStringLiteral("sources")).toArray();
        QVERIFY(sources.size() >= 2);   // vectors bring up passages that share no word with the question too
        // Its neighbour (the Watering chunk) comes with it: neighbours merge, as with BM25 alone.
        QCOMPARE(sources[0].toObject().value(QStringLiteral("file")).toString(), m_md);
        QVERIFY(
            sources[0].toObject().value(QStringLiteral("text")).toString().contains(QLatin1String("Cut dead wood.")));
        // printed with 6 significant digits
        QVERIFY(qAbs(sources[0].toObject().value(QStringLiteral("score")).toDouble() - 2.0 / 61) < 1e-6);

        // info says the pooling (text and JSON).
        const Run info = run({"info", model});
        QCOMPARE(info.exitCode, 0);
        QVERIFY2(info.out.contains("pooling         last (embedding model, EOS appended)\n"), info.out.constData());
        const Run infoJson = run({"info", model, "--json"});
        QCOMPARE(QJsonDocument::fromJson(infoJson.out).object().value(QStringLiteral("pooling")).toString(),
                 QStringLiteral("last"));

        // A chat model (no pooling_type) is refused with the reason, status 1.
        const QString chat = m_dir.filePath(QStringLiteral("chat.gguf"));
        QCOMPARE(
            run({"make-test-model", chat, "--arch", "qwen3", "--layers", "1", "--embd", "64", "--ff", "128"}).exitCode,
            0);
        const Run refused = run({"retrieve", "--doc", m_md, "--query", "wood", "--embed-model", chat});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains("has no qwen3.pooling_type: it is not an embedding model"),
                 refused.err.constData());
        QVERIFY(QJsonDocument::fromJson(run({"info", chat, "--json"}).out)
                    .object()
                    .value(QStringLiteral("pooling"))
                    .isNull());
        const QString cls = m_dir.filePath(QStringLiteral("cls.gguf"));
        QCOMPARE(run({"make-test-model", cls, "--arch", "qwen3", "--layers", "1", "--embd", "64", "--ff", "128",
                      "--pooling", "2"})
                     .exitCode,
                 0);
        QVERIFY(run({"info", cls}).out.contains("pooling         cls (embedding model: qwen3.pooling_type is 2 (cls)"));
        const Run unknown = run({"retrieve", "--doc", m_md, "--query", "wood", "--embed-model",
                                 m_dir.filePath(QStringLiteral("missing.gguf"))});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY(unknown.err.contains("The embedding model"));
    }

    void badDocumentNamedOthersSearched()
    {
        const QString scan = m_dir.filePath(QStringLiteral("scan.pdf"));
        const QString binary = m_dir.filePath(QStringLiteral("program.txt"));
        QVERIFY(docfixtures::writeImageOnlyPdf(scan));
        QVERIFY(docfixtures::writeFile(binary, QByteArray("\x7f"
                                                          "ELF\0\0\0\0",
                                                          8)));
        const Run r =
            run({"retrieve", "--doc", scan, "--doc", m_txt, "--doc", binary, "--query", "potatoes", "--json"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains("warning: " + scan.toUtf8() + " has no text layer (scanned: no text found)"),
                 r.err.constData());
        QVERIFY(r.err.contains("warning: " + binary.toUtf8() + " is not a text file"));
        const QJsonArray sources = QJsonDocument::fromJson(r.out).object().value(QStringLiteral("sources")).toArray();
        QCOMPARE(sources.size(), 1);
        QCOMPARE(sources[0].toObject().value(QStringLiteral("file")).toString(), m_txt);

        // Nothing readable at all: an error, status 1.
        const Run none = run({"retrieve", "--doc", scan, "--query", "x"});
        QCOMPARE(none.exitCode, 1);
        QVERIFY(none.err.endsWith("error: no document could be read\n"));
    }

    void usageErrors()
    {
        struct Case {
            QStringList args;
            QByteArray message;
        };
        const QList<Case> cases = {
            {{"retrieve", "--query", "x"}, "error: retrieve needs at least one --doc FILE\n"},
            {{"retrieve", "--doc", m_txt}, "error: retrieve needs --query TEXT\n"},
            {{"retrieve", "--doc"}, "error: option --doc needs a file\n"},
            {{"retrieve", "--doc", m_txt, "--query", "x", "--top", "0"},
             "error: option --top expects a number from 1 to 1000\n"},
            {{"retrieve", "--doc", m_txt, "--query", "x", "--bogus", "1"}, "error: unknown option --bogus\n"},
            {{"retrieve", m_txt, "--query", "x"},
             "error: unexpected argument '" + m_txt.toUtf8() + "' (documents are given with --doc FILE)\n"},
        };
        for (const Case& c : cases) {
            const Run r = run(c.args);
            QCOMPARE(r.exitCode, 1);
            QCOMPARE(r.err, c.message);
            QVERIFY(r.out.isEmpty());
        }
    }

private:
    QTemporaryDir m_dir;
    QString m_txt;
    QString m_md;
    QString m_pdf;
};

QTEST_MAIN(TestRetrieveCli)
#include "tst_retrieve_cli.moc"
