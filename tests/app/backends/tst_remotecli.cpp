// `causerie-cli generate --remote ...` run as a user would, against the fake server.
#include "fakechatserver.h"
#include "recordedstreams.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

namespace {
const QByteArray kSecret = "sk-cli-test-2b8d4f6a0c1e3957";

struct CliResult {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};
}   // namespace

class TestRemoteCli : public QObject {
    Q_OBJECT

    // The server lives in this process, so the CLI must run while our event loop spins.
    CliResult runCli(const QStringList& args, const QByteArray& key = kSecret, const QString& httpProxy = {})
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"})
            env.remove(QString::fromLatin1(name));
        if (!httpProxy.isEmpty())   // Qt on Linux honours http_proxy
            env.insert(QStringLiteral("http_proxy"), httpProxy);
        if (key.isEmpty())
            env.remove(QStringLiteral("CAUSERIE_API_KEY"));
        else
            env.insert(QStringLiteral("CAUSERIE_API_KEY"), QString::fromLatin1(key));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(CAUSERIE_CLI_PATH), QStringList{QStringLiteral("generate")} + args);
        if (!p.waitForStarted(10000))
            return {};
        QDeadlineTimer deadline(30000);
        while (p.state() != QProcess::NotRunning && !deadline.hasExpired())
            QTest::qWait(10);
        if (p.state() != QProcess::NotRunning) {   // a hang is a failure, reported as exit -1
            p.kill();
            p.waitForFinished(5000);
            return {};
        }
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
                p.readAllStandardError()};
    }

private Q_SLOTS:
    void streamsAnswer()
    {
        FakeChatServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::sse(kMistralStream));
        const CliResult r = runCli({"--remote", server.baseUrl(), "--model", "mistral-small-latest", "-p", "Salut",
                                    "-n", "32", "--temp", "0.2", "--top-p", "0.8", "--seed", "7"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray(kMistralStreamText) + "\n");
        QVERIFY(!r.err.contains(kSecret));
        QCOMPARE(server.requests().size(), 1);
        QCOMPARE(server.requests()[0].headers.value("authorization"), "Bearer " + kSecret);
        const QJsonObject body = QJsonDocument::fromJson(server.requests()[0].body).object();
        QCOMPARE(body.value("max_tokens").toInt(), 32);
        QCOMPARE(body.value("temperature").toDouble(), 0.2);
        QCOMPARE(body.value("top_p").toDouble(), 0.8);
        QCOMPARE(body.value("random_seed").toInt(), 7);
    }

    void httpErrorExitsOne()
    {
        FakeChatServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::json(401, "Unauthorized", R"({"message":"Unauthorized"})"));
        const CliResult r = runCli({"--remote", server.baseUrl(), "--model", "m", "-p", "x"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith("error: "), r.err.constData());
        QVERIFY(r.err.contains("API key"));
        QVERIFY(r.out.isEmpty());
    }

    void connectionRefusedExitsOne()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(probe.serverPort());
        probe.close();
        const CliResult r = runCli({"--remote", url, "--model", "m", "-p", "x"}, {});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith("error: ") && r.err.contains("refused"), r.err.constData());
    }

    // The fake server acts as the HTTP proxy, so a host name stands for another computer
    // without anything being resolved or leaving 127.0.0.1.
    void keyNotSentOverPlainHttpWithoutTheFlag()
    {
        FakeChatServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::sse(kMistralStream));
        const QStringList args{"--remote", "http://gpu-box.invalid:8080", "--model", "m", "-p", "x"};
        const CliResult refused = runCli(args, kSecret, server.baseUrl());
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.startsWith("error: ") && refused.err.contains("http://gpu-box.invalid:8080") &&
                     refused.err.contains("unencrypted") && refused.err.contains("--allow-insecure-http"),
                 refused.err.constData());
        QCOMPARE(server.requests().size(), 0);

        const CliResult allowed = runCli(args + QStringList{"--allow-insecure-http"}, kSecret, server.baseUrl());
        QCOMPARE(allowed.exitCode, 0);
        QCOMPARE(allowed.out, QByteArray(kMistralStreamText) + "\n");
        QCOMPARE(server.requests().size(), 1);
        QCOMPARE(server.requests()[0].path, QByteArray("http://gpu-box.invalid:8080/v1/chat/completions"));
        QCOMPARE(server.requests()[0].headers.value("authorization"), "Bearer " + kSecret);

        // Without a key there is nothing to protect: no flag needed.
        server.enqueue(FakeResponse::sse(kMistralStream));
        const CliResult keyless = runCli(args, {}, server.baseUrl());
        QCOMPARE(keyless.exitCode, 0);
        QCOMPARE(server.requests().size(), 2);
        QVERIFY(!server.requests()[1].headers.contains("authorization"));
    }

    void credentialsInUrlRefused_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QByteArray>("secret");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("user:pass@") << "http://bob:pw-4d1c9e@HOST" << QByteArray("pw-4d1c9e") << QByteArray("password");
        QTest::newRow("?api-key=") << "http://HOST/v1?api-key=qk-4d1c9e" << QByteArray("qk-4d1c9e")
                                   << QByteArray("query string");
    }
    void credentialsInUrlRefused()
    {
        QFETCH(QString, url);
        QFETCH(QByteArray, secret);
        QFETCH(QByteArray, reason);
        FakeChatServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::sse(kMistralStream));
        url.replace(QLatin1String("HOST"), QStringLiteral("127.0.0.1:%1").arg(server.port()));
        const CliResult r = runCli({"--remote", url, "--model", "m", "-p", "x"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith("error: ") && r.err.contains(reason), r.err.constData());
        QVERIFY2(!r.err.contains(secret) && !r.out.contains(secret), r.err.constData());
        QCOMPARE(server.requests().size(), 0);
    }

    void badArguments_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("mentions");
        QTest::newRow("no model") << QStringList{"--remote", "http://127.0.0.1:9", "-p", "x"} << QByteArray("--model");
        QTest::newRow("no prompt") << QStringList{"--remote", "http://127.0.0.1:9", "--model", "m"} << QByteArray("-p");
        QTest::newRow("bad -n") << QStringList{"--remote", "http://127.0.0.1:9", "--model", "m", "-p", "x", "-n",
                                               "many"}
                                << QByteArray("many");
        QTest::newRow("bad top-p") << QStringList{"--remote", "http://127.0.0.1:9",
                                                  "--model",  "m",
                                                  "-p",       "x",
                                                  "--top-p",  "2"}
                                   << QByteArray("top-p");
        QTest::newRow("bad url") << QStringList{"--remote", "nowhere", "--model", "m", "-p", "x"}
                                 << QByteArray("nowhere");
    }
    void badArguments()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, mentions);
        const CliResult r = runCli(args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith("error: ") && r.err.contains(mentions), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestRemoteCli)
#include "tst_remotecli.moc"
