// ServerController (App.server): off by default, on and off at once from the settings, a busy
// port said clearly, other computers only with a key (kept through KeyStore), live counts.
// Clients are QNetworkAccessManager on loopback, on this thread like the server.
#include "appsettings.h"
#include "keystore.h"
#include "localbackend.h"
#include "servercontroller.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");

// A port nothing listens on now (the OS's choice, released at once).
quint16 freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

struct Answer {
    int status = 0;   // 0: no HTTP answer (refused)
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QJsonObject body;
};

Answer get(QNetworkAccessManager& nam, const QString& url, const QByteArray& key = {}, const QByteArray& post = {})
{
    QNetworkRequest request{QUrl(url)};
    if (!key.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + key);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply = post.isEmpty() ? nam.get(request) : nam.post(request, post);
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        done.wait(30000);
    Answer a;
    a.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    a.error = reply->error();
    a.body = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return a;
}

}   // namespace

class TestServerController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void offByDefault();
    void turnsOnAndOffAtOnce();
    void busyPortIsAClearError();
    void automaticPortTakesTheNextFree();
    void otherComputersNeedAKey();
    void keyIsKeptInTheKeyStore();
    void requestCountIsLive();
    void originsOnlyWhenListed();
    void settingsPersist();

private:
    void makeController();

    QTemporaryDir m_dir;
    std::unique_ptr<LocalBackend> m_local;
    std::unique_ptr<AppSettings> m_settings;
    std::unique_ptr<KeyStore> m_keys;
    std::unique_ptr<ServerController> m_server;
    QNetworkAccessManager m_nam;
};

void TestServerController::initTestCase()
{
    registerLocalTypes();
    m_nam.setProxy(QNetworkProxy::NoProxy);
}

void TestServerController::init()
{
    QFile::remove(m_dir.filePath(QStringLiteral("settings.ini")));
    m_local = std::make_unique<LocalBackend>();
    m_settings = std::make_unique<AppSettings>(m_dir.filePath(QStringLiteral("settings.ini")));
    m_keys = std::make_unique<KeyStore>();
    m_keys->setKeychainEnabled(false);   // memory only: never the machine's keychain
    makeController();
}

void TestServerController::makeController()
{
    m_server = std::make_unique<ServerController>(m_local.get(), m_settings.get(), m_keys.get());
    // Never 8080 on a shared machine: a free port of the OS's choice.
    m_server->setAutomaticPorts(freePort(), 1);
    QSignalSpy key(m_server.get(), &ServerController::apiKeyChanged);
    QVERIFY(key.wait(5000));   // the key store has answered (no key yet)
}

void TestServerController::cleanup()
{
    m_server.reset();
    m_keys.reset();
    m_settings.reset();
    m_local.reset();
}

void TestServerController::offByDefault()
{
    QVERIFY(m_server->available());
    QVERIFY(!m_settings->serverEnabled());
    QVERIFY(!m_server->running());
    QCOMPARE(m_server->url(), QString());
    QCOMPARE(m_server->lastError(), QString());
    QCOMPARE(m_server->apiKey(), QString());
}

void TestServerController::turnsOnAndOffAtOnce()
{
    const quint16 port = freePort();
    m_settings->setServerPort(port);
    m_settings->setServerEnabled(true);
    QVERIFY(m_server->running());
    QCOMPARE(m_server->url(), QStringLiteral("http://127.0.0.1:%1/v1").arg(port));
    // No model open: the server says so.
    const Answer health = get(m_nam, QStringLiteral("http://127.0.0.1:%1/health").arg(port));
    QCOMPARE(health.status, 503);
    QCOMPARE(health.body.value(QLatin1String("status")).toString(), QStringLiteral("no_model"));

    m_settings->setServerEnabled(false);
    QVERIFY(!m_server->running());
    QCOMPARE(m_server->url(), QString());
    const Answer gone = get(m_nam, QStringLiteral("http://127.0.0.1:%1/health").arg(port));
    QCOMPARE(gone.status, 0);
    QCOMPARE(gone.error, QNetworkReply::ConnectionRefusedError);
}

void TestServerController::busyPortIsAClearError()
{
    QTcpServer other;
    QVERIFY(other.listen(QHostAddress::LocalHost, 0));
    m_settings->setServerPort(other.serverPort());
    m_settings->setServerEnabled(true);
    QVERIFY(!m_server->running());
    QVERIFY2(m_server->lastError().contains(QString::number(other.serverPort())), qPrintable(m_server->lastError()));
    QVERIFY2(m_server->lastError().contains(QLatin1String("in use")), qPrintable(m_server->lastError()));
    // Another port: it runs, and the error is gone.
    m_settings->setServerPort(freePort());
    QVERIFY(m_server->running());
    QCOMPARE(m_server->lastError(), QString());
}

void TestServerController::automaticPortTakesTheNextFree()
{
    // Two neighbouring ports, the first busy.
    QTcpServer busy;
    quint16 first = 0;
    for (int i = 0; i < 50 && !first; ++i) {
        if (!busy.listen(QHostAddress::LocalHost, 0))
            continue;
        QTcpServer next;
        if (busy.serverPort() < 65535 && next.listen(QHostAddress::LocalHost, busy.serverPort() + 1))
            first = busy.serverPort();
        else
            busy.close();
    }
    QVERIFY(first);
    m_server->setAutomaticPorts(first, 2);
    QCOMPARE(m_settings->serverPort(), 0);   // automatic
    m_settings->setServerEnabled(true);
    QVERIFY2(m_server->running(), qPrintable(m_server->lastError()));
    QCOMPARE(m_server->url(), QStringLiteral("http://127.0.0.1:%1/v1").arg(first + 1));

    // Every port busy: said, with the range.
    m_settings->setServerEnabled(false);
    m_server->setAutomaticPorts(first, 1);
    m_settings->setServerEnabled(true);
    QVERIFY(!m_server->running());
    QVERIFY2(m_server->lastError().contains(QString::number(first)), qPrintable(m_server->lastError()));
}

void TestServerController::otherComputersNeedAKey()
{
    const quint16 port = freePort();
    m_settings->setServerPort(port);
    m_settings->setServerAllowOthers(true);
    m_settings->setServerEnabled(true);
    QVERIFY(!m_server->running());
    QVERIFY2(m_server->lastError().contains(QLatin1String("API key")), qPrintable(m_server->lastError()));

    m_server->generateApiKey();   // takes effect at once
    const QString key = m_server->apiKey();
    QVERIFY(key.startsWith(QLatin1String("causerie-")));
    QCOMPARE(key.size(), 9 + 43);
    QVERIFY2(m_server->running(), qPrintable(m_server->lastError()));
    const QString models = QStringLiteral("http://127.0.0.1:%1/v1/models").arg(port);
    QCOMPARE(get(m_nam, models).status, 401);
    QCOMPARE(get(m_nam, models, "wrong").status, 401);
    QCOMPARE(get(m_nam, models, key.toUtf8()).status, 200);

    // Loopback only again, the key still asked for (it is set).
    m_settings->setServerAllowOthers(false);
    QVERIFY(m_server->running());
    QCOMPARE(get(m_nam, models).status, 401);
    m_server->setApiKey(QString());
    QCOMPARE(get(m_nam, models).status, 200);
}

void TestServerController::keyIsKeptInTheKeyStore()
{
    m_server->setApiKey(QStringLiteral("  my-secret  "));
    QCOMPARE(m_server->apiKey(), QStringLiteral("my-secret"));
    QSignalSpy written(m_keys.get(), &KeyStore::keyWritten);
    QVERIFY(written.wait(5000) || written.count() == 1);
    // A new controller (the next start) reads it back.
    m_server.reset();
    makeController();
    QCOMPARE(m_server->apiKey(), QStringLiteral("my-secret"));
    QVERIFY(m_server->keySessionOnly());   // this test's store never uses the keychain
}

void TestServerController::requestCountIsLive()
{
    QSignalSpy loaded(m_local.get(), &LocalBackend::modelLoaded);
    LocalModelOptions o;
    o.path = kTiny;
    o.contextSize = 256;
    o.threads = 1;
    m_local->loadModel(o);
    QVERIFY(loaded.wait(20000));
    const quint16 port = freePort();
    m_settings->setServerPort(port);
    m_settings->setServerEnabled(true);
    QVERIFY(m_server->running());
    QCOMPARE(get(m_nam, QStringLiteral("http://127.0.0.1:%1/health").arg(port)).status, 200);

    QList<int> active;
    connect(m_server.get(), &ServerController::requestsChanged, this, [&] { active << m_server->activeRequests(); });
    const QByteArray body = R"({"messages":[{"role":"user","content":"Hi"}],"max_tokens":4,"temperature":0})";
    const QString url = QStringLiteral("http://127.0.0.1:%1/v1/chat/completions").arg(port);
    const Answer a = get(m_nam, url, {}, body);
    QCOMPARE(a.status, 200);
    QCOMPARE(a.body.value(QLatin1String("usage")).toObject().value(QLatin1String("completion_tokens")).toInt(), 4);
    QCOMPARE(m_server->requestCount(), 1);
    QCOMPARE(active, (QList<int>{1, 0}));
    QCOMPARE(get(m_nam, url, {}, body).status, 200);
    QCOMPARE(m_server->requestCount(), 2);
    QCOMPARE(m_server->activeRequests(), 0);
}

void TestServerController::originsOnlyWhenListed()
{
    const quint16 port = freePort();
    m_settings->setServerPort(port);
    m_settings->setServerEnabled(true);
    QVERIFY(m_server->running());
    auto fromPage = [&](const QByteArray& origin) {
        QNetworkRequest request{QUrl(QStringLiteral("http://127.0.0.1:%1/v1/models").arg(port))};
        request.setRawHeader("Origin", origin);
        QNetworkReply* reply = m_nam.get(request);
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            done.wait(30000);
        reply->deleteLater();
        return std::make_pair(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                              reply->rawHeader("Access-Control-Allow-Origin"));
    };
    QCOMPARE(fromPage("http://localhost:3000"), std::make_pair(403, QByteArray()));
    m_settings->setServerAllowedOrigins({QStringLiteral("http://localhost:3000")});   // restarts at once
    QVERIFY(m_server->running());
    QCOMPARE(fromPage("http://localhost:3000"), std::make_pair(200, QByteArray("http://localhost:3000")));
    QCOMPARE(fromPage("http://evil.example").first, 403);
}

void TestServerController::settingsPersist()
{
    m_settings->setServerPort(9123);
    m_settings->setServerAllowedOrigins(
        {QStringLiteral(" http://localhost:3000/ "), QString(), QStringLiteral("http://localhost:3000")});
    m_settings->setServerPort(70000);   // out of range: bounded
    m_server.reset();
    m_settings.reset();
    AppSettings again(m_dir.filePath(QStringLiteral("settings.ini")));
    QVERIFY(!again.serverEnabled());
    QVERIFY(!again.serverAllowOthers());
    QCOMPARE(again.serverPort(), 65535);
    QCOMPARE(again.serverAllowedOrigins(), QStringList{QStringLiteral("http://localhost:3000")});
}

QTEST_GUILESS_MAIN(TestServerController)
#include "tst_servercontroller.moc"
