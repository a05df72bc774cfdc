// Settings → Libraries' embedding model: the settings persist and are bounded, the choice they
// make (none: nothing, ever, even with endpoints configured; a local GGUF; a remote endpoint only
// when named), and LibrariesController's embedding job state as the indexer reports it.
#include "appsettings.h"
#include "concepts_embedder.h"
#include "embeddingchoice.h"
#include "endpointstore.h"
#include "librariescontroller.h"
#include "remotecontroller.h"

#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::documents;

class TestEmbeddingChoice : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        // No session bus: KeyStore falls back to keys kept for the session (tst_remotestores).
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    }

    void settingsPersistAndAreBounded()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("settings.ini"));
        {
            AppSettings s(file);
            QCOMPARE(s.embeddingSource(), QStringLiteral("none"));   // nothing chosen by default
            s.setEmbeddingSource(QStringLiteral("local"));
            s.setEmbeddingModelFile(QStringLiteral("file:///models/Qwen3%20Embedding.gguf"));
            s.setEmbeddingEndpoint(QStringLiteral("mistral"));
            s.setEmbeddingRemoteModel(QStringLiteral("  mistral-embed "));
        }
        AppSettings s(file);
        QCOMPARE(s.embeddingSource(), QStringLiteral("local"));
        QCOMPARE(s.embeddingModelFile(), QStringLiteral("/models/Qwen3 Embedding.gguf"));
        QCOMPARE(s.embeddingEndpoint(), QStringLiteral("mistral"));
        QCOMPARE(s.embeddingRemoteModel(), QStringLiteral("mistral-embed"));
        s.setEmbeddingSource(QStringLiteral("somewhere"));
        QCOMPARE(s.embeddingSource(), QStringLiteral("none"));
        s.raw().setValue(QStringLiteral("embedding/source"), QStringLiteral("cloud"));
        QCOMPARE(s.embeddingSource(), QStringLiteral("none"));
    }

    void choiceFollowsTheSettingsOnly()
    {
        QTemporaryDir dir;
        AppSettings s(dir.filePath(QStringLiteral("settings.ini")));
        RemoteController remote(&s.raw());   // the default endpoint (Mistral) exists
        QVERIFY(!remote.endpoints().isEmpty());
        // None: no embedder, whatever endpoints exist and whatever else the settings hold.
        s.setEmbeddingEndpoint(remote.endpoints().first().toMap().value(QStringLiteral("id")).toString());
        s.setEmbeddingRemoteModel(QStringLiteral("mistral-embed"));
        EmbeddingChoice c = embeddingChoice(s, remote);
        QVERIFY(!c.factory);
        QVERIFY(c.modelId.isEmpty());
        // Local: the file's name and size name the model; a missing file fails when made.
        s.setEmbeddingSource(QStringLiteral("local"));
        s.setEmbeddingModelFile(dir.filePath(QStringLiteral("missing.gguf")));
        c = embeddingChoice(s, remote);
        QVERIFY(c.factory);
        QCOMPARE(c.modelId, QStringLiteral("gguf:missing.gguf:0"));
        auto made = c.factory();
        QVERIFY(!made);
        QVERIFY2(made.error().message.startsWith(QLatin1String("The embedding model ")),
                 qPrintable(made.error().message));
        // Remote: the endpoint named, its origin and the model in the id.
        s.setEmbeddingSource(QStringLiteral("remote"));
        c = embeddingChoice(s, remote);
        QVERIFY(c.factory);
        QCOMPARE(c.modelId, QStringLiteral("remote:https://api.mistral.ai:443/mistral-embed"));
        s.setEmbeddingRemoteModel(QString());   // no model named: nothing is sent
        QVERIFY(!embeddingChoice(s, remote).factory);
        s.setEmbeddingRemoteModel(QStringLiteral("m"));
        s.setEmbeddingEndpoint(QStringLiteral("no-such-endpoint"));
        QVERIFY(!embeddingChoice(s, remote).factory);
    }

    void librariesShowTheEmbeddingJob()
    {
        QTemporaryDir dir;
        const QString folder = dir.filePath(QStringLiteral("notes"));
        QVERIFY(QDir().mkpath(folder));
        QFile f(QDir(folder).filePath(QStringLiteral("a.txt")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("The automobile is red.");
        f.close();
        LibrariesController libraries(dir.path(), dir.filePath(QStringLiteral("documents.db")));
        QCOMPARE(libraries.embedding().value(QStringLiteral("state")).toString(), QStringLiteral("off"));
        QCOMPARE(libraries.add(QStringLiteral("Notes"), QUrl::fromLocalFile(folder)), QString());
        QTRY_COMPARE(libraries.items().value(0).toMap().value(QStringLiteral("state")).toString(),
                     QStringLiteral("ready"));
        QSignalSpy changed(&libraries, &LibrariesController::embeddingChanged);
        const EmbedderFactory factory = []() -> DocResult<std::unique_ptr<TextEmbedder>> {
            return std::unique_ptr<TextEmbedder>(std::make_unique<ConceptsEmbedder>());
        };
        libraries.setEmbedder(factory, QStringLiteral("test:concepts"));
        QCOMPARE(libraries.embedding().value(QStringLiteral("state")).toString(), QStringLiteral("waiting"));
        QTRY_COMPARE(libraries.embedding().value(QStringLiteral("state")).toString(), QStringLiteral("ready"));
        QCOMPARE(libraries.embedding().value(QStringLiteral("vectors")).toLongLong(), 1);
        QCOMPARE(libraries.embedderId(), QStringLiteral("test:concepts"));
        const qsizetype notified = changed.size();
        libraries.setEmbedder(factory, QStringLiteral("test:concepts"));   // the same: nothing to do
        QCOMPARE(changed.size(), notified);
        libraries.setEmbedder({}, {});
        QCOMPARE(libraries.embedding().value(QStringLiteral("state")).toString(), QStringLiteral("off"));
        QVERIFY(!libraries.embedderFactory());
    }
};

QTEST_GUILESS_MAIN(TestEmbeddingChoice)
#include "tst_embeddingchoice.moc"
