// `causerie-cli serve` as a process: prints its URL, answers, stops with exit status 0 on
// SIGINT/SIGTERM; refuses a non-loopback address without a key (before binding anything);
// takes its key from CAUSERIE_SERVER_KEY; exits 1 with the reason when the model cannot load.
#include "rawhttp.h"

#include "../../common/data_rows.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

namespace {

const QString kCli = QStringLiteral(CAUSERIE_CLI_PATH);
const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");

QProcessEnvironment withoutKey()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("CAUSERIE_SERVER_KEY"));
    return env;
}

// Starts serve on a free port; returns the port read from "listening on http://127.0.0.1:N/v1".
uint16_t startServe(QProcess& p, const QStringList& extra, const QProcessEnvironment& env = withoutKey())
{
    p.setProcessEnvironment(env);
    p.start(kCli, QStringList{QStringLiteral("serve"), kTiny, QStringLiteral("--port"), QStringLiteral("0"),
                              QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--ctx"),
                              QStringLiteral("256")} +
                      extra);
    if (!p.waitForStarted())
        return 0;
    QByteArray out;
    while (!out.contains('\n') && p.waitForReadyRead(30000))
        out += p.readAllStandardOutput();
    const auto m = QRegularExpression(QStringLiteral("listening on http://127\\.0\\.0\\.1:(\\d+)/v1"))
                       .match(QString::fromUtf8(out));
    return m.hasMatch() ? uint16_t(m.captured(1).toUInt()) : 0;
}

bool healthy(uint16_t port) { return rawhttp::request(port, "GET", "/health").status == 200; }

}   // namespace

class TestServeCommand : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void servesAndStopsOnSignal_data();
    void servesAndStopsOnSignal();
    void nonLoopbackWithoutKeyIsRefused();
    void keyFromEnvironment();
    void allowedOriginGetsCorsHeaders();
    void catalogModelIsListedByItsCatalogIdToo();
    void unloadableModelExitsWithTheReason();
    void badOptionsAreErrors();
};

void TestServeCommand::servesAndStopsOnSignal_data()
{
    causerie::testing::addColumnRows<int>("signal", {{"SIGTERM", SIGTERM}, {"SIGINT", SIGINT}});
}

void TestServeCommand::servesAndStopsOnSignal()
{
    QFETCH(int, signal);
    QProcess p;
    const uint16_t port = startServe(p, {});
    QVERIFY2(port != 0, p.readAllStandardError().constData());
    QTRY_VERIFY_WITH_TIMEOUT(healthy(port), 30000);
    const auto r = rawhttp::request(port, "POST", "/v1/chat/completions",
                                    "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":3}");
    QCOMPARE(r.status, 200);
    QCOMPARE(QJsonDocument::fromJson(r.body).object().value(QLatin1String("model")).toString(),
             QStringLiteral("tiny-mistral-q8_0"));
    ::kill(pid_t(p.processId()), signal);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
}

void TestServeCommand::nonLoopbackWithoutKeyIsRefused()
{
    QProcess p;
    p.setProcessEnvironment(withoutKey());
    p.start(kCli, {QStringLiteral("serve"), kTiny, QStringLiteral("--host"), QStringLiteral("0.0.0.0"),
                   QStringLiteral("--port"), QStringLiteral("0")});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 1);
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(err.contains("error: ") && err.contains("API key") && err.contains("0.0.0.0"), err.constData());
    QVERIFY(!p.readAllStandardOutput().contains("listening"));
}

void TestServeCommand::keyFromEnvironment()
{
    QProcessEnvironment env = withoutKey();
    env.insert(QStringLiteral("CAUSERIE_SERVER_KEY"), QStringLiteral("from-env"));
    QProcess p;
    const uint16_t port = startServe(p, {}, env);
    QVERIFY(port != 0);
    QTRY_VERIFY_WITH_TIMEOUT(healthy(port), 30000);
    QCOMPARE(rawhttp::request(port, "GET", "/v1/models").status, 401);
    QCOMPARE(rawhttp::request(port, "GET", "/v1/models", {}, {"Authorization: Bearer from-env"}).status, 200);
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
}

void TestServeCommand::allowedOriginGetsCorsHeaders()
{
    QProcess p;
    const uint16_t port = startServe(p, {QStringLiteral("--allow-origin"), QStringLiteral("http://localhost:5173")});
    QVERIFY(port != 0);
    QTRY_VERIFY_WITH_TIMEOUT(healthy(port), 30000);
    const auto ok = rawhttp::request(port, "GET", "/v1/models", {}, {"Origin: http://localhost:5173"});
    QCOMPARE(ok.header("Access-Control-Allow-Origin"), QByteArray("http://localhost:5173"));
    const auto other = rawhttp::request(port, "GET", "/v1/models", {}, {"Origin: http://evil.example"});
    QCOMPARE(other.status, 403);
    QVERIFY(!other.hasHeader("Access-Control-Allow-Origin"));
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(30000));
}

void TestServeCommand::catalogModelIsListedByItsCatalogIdToo()
{
    // The tiny model under the default model's file name: the catalog knows that name.
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("SmolLM2-135M-Instruct.Q4_1.gguf"));
    QVERIFY(QFile::link(kTiny, file));
    QProcess p;
    p.setProcessEnvironment(withoutKey());
    p.start(kCli, {QStringLiteral("serve"), file, QStringLiteral("--port"), QStringLiteral("0"),
                   QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--ctx"), QStringLiteral("256")});
    QVERIFY(p.waitForStarted());
    QByteArray out;
    while (!out.contains('\n') && p.waitForReadyRead(30000))
        out += p.readAllStandardOutput();
    const auto m = QRegularExpression(QStringLiteral(":(\\d+)/v1")).match(QString::fromUtf8(out));
    QVERIFY2(m.hasMatch(), out.constData());
    const uint16_t port = uint16_t(m.captured(1).toUInt());
    QTRY_VERIFY_WITH_TIMEOUT(healthy(port), 30000);
    const QJsonArray data = QJsonDocument::fromJson(rawhttp::request(port, "GET", "/v1/models").body)
                                .object()
                                .value(QLatin1String("data"))
                                .toArray();
    QCOMPARE(data.size(), 2);
    QCOMPARE(data[0].toObject().value(QLatin1String("id")).toString(), QStringLiteral("SmolLM2-135M-Instruct.Q4_1"));
    QCOMPARE(data[1].toObject().value(QLatin1String("id")).toString(), QStringLiteral("smollm2-135m-instruct-q4_1"));
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
}

void TestServeCommand::unloadableModelExitsWithTheReason()
{
    QProcess p;
    p.start(kCli, {QStringLiteral("serve"), QStringLiteral("/nonexistent/model.gguf"), QStringLiteral("--port"),
                   QStringLiteral("0")});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 1);
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(err.contains("error: ") && err.contains("/nonexistent/model.gguf"), err.constData());
}

void TestServeCommand::badOptionsAreErrors()
{
    for (const QStringList& args : {QStringList{QStringLiteral("--port"), QStringLiteral("70000")},
                                    QStringList{QStringLiteral("--parallel"), QStringLiteral("0")},
                                    QStringList{QStringLiteral("--host"), QStringLiteral("my-laptop")},
                                    QStringList{QStringLiteral("--bogus"), QStringLiteral("1")}}) {
        QProcess p;
        p.start(kCli, QStringList{QStringLiteral("serve"), kTiny} + args);
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(p.readAllStandardError().startsWith("error: "), qPrintable(args.join(QLatin1Char(' '))));
    }
}

QTEST_GUILESS_MAIN(TestServeCommand)
#include "tst_servecommand.moc"
