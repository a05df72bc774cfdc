// /v1/embeddings against the scripted fake server: the exact request, vectors in the answer's
// index order, the key only in the Authorization header and never sent over plain http:// to
// another computer, no redirect to another origin, HTTP errors and malformed answers as messages.
#include "fakechatserver.h"
#include "remoteembedder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

RemoteEndpoint endpoint(const QString& base)
{
    RemoteEndpoint e;
    e.id = QStringLiteral("emb");
    e.name = QStringLiteral("Embeddings");
    e.baseUrl = base;
    return e;
}

const QByteArray kKey = "sk-embed-secret-123456";

}   // namespace

class TestRemoteEmbedder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_server = std::make_unique<FakeChatServer>();
        QVERIFY(m_server->listen());
    }

    void sendsTheTextsAndReadsTheVectors()
    {
        // The answer lists index 1 first: vectors come back in the texts' order, unit length.
        m_server->enqueue(
            FakeResponse::json(200, "OK",
                               R"({"object":"list","data":[{"object":"embedding","index":1,"embedding":[0,3,4]},)"
                               R"({"object":"embedding","index":0,"embedding":[1,0,0]}],"model":"mistral-embed"})"));
        RemoteEmbeddings e(endpoint(m_server->baseUrl()), QStringLiteral("mistral-embed"),
                           ApiKey(QString::fromLatin1(kKey)));
        const auto r = e.embed({QStringLiteral("premier"), QStringLiteral("second")});
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QCOMPARE(r.vectors.size(), 2);
        QCOMPARE(r.vectors[0], (QVector<float>{1, 0, 0}));
        QCOMPARE(r.vectors[1], (QVector<float>{0, 0.6f, 0.8f}));
        QCOMPARE(m_server->requests().size(), 1);
        const RecordedRequest& req = m_server->requests().first();
        QCOMPARE(req.method, QByteArray("POST"));
        QCOMPARE(req.path, QByteArray("/v1/embeddings"));
        QCOMPARE(req.headers.value("authorization"), "Bearer " + kKey);
        QCOMPARE(req.headers.value("content-type"), QByteArray("application/json"));
        const QJsonObject body = QJsonDocument::fromJson(req.body).object();
        QCOMPARE(body.value(QLatin1String("model")).toString(), QStringLiteral("mistral-embed"));
        QCOMPARE(body.value(QLatin1String("input")).toArray(),
                 QJsonArray({QStringLiteral("premier"), QStringLiteral("second")}));
        QCOMPARE(e.modelId(), QStringLiteral("remote:http://127.0.0.1:%1/mistral-embed").arg(m_server->port()));
    }

    void keyNeverGoesOverHttpToAnotherComputer()
    {
        // Not loopback, plain http, a key, not allowed: refused before any connection.
        RemoteEmbeddings e(endpoint(QStringLiteral("http://192.0.2.1:9")), QStringLiteral("m"),
                           ApiKey(QString::fromLatin1(kKey)));
        const auto r = e.embed({QStringLiteral("x")});
        QVERIFY(r.vectors.isEmpty());
        QVERIFY2(r.error.contains(QLatin1String("192.0.2.1")), qPrintable(r.error));
        QVERIFY(!r.error.contains(QString::fromLatin1(kKey)));
        // A base URL with credentials is refused as the chat backend refuses it.
        RemoteEmbeddings creds(endpoint(QStringLiteral("https://user:pw@example.org")), QStringLiteral("m"), ApiKey());
        QVERIFY(!creds.embed({QStringLiteral("x")}).error.isEmpty());
        QCOMPARE(m_server->requests().size(), 0);
    }

    void redirectToAnotherOriginIsNotFollowed()
    {
        FakeResponse redirect = FakeResponse::json(307, "Temporary Redirect", {});
        redirect.headers.append(qMakePair(QByteArray("Location"), QByteArray("http://127.0.0.2:1/v1/embeddings")));
        m_server->enqueue(redirect);
        RemoteEmbeddings e(endpoint(m_server->baseUrl()), QStringLiteral("m"), ApiKey(QString::fromLatin1(kKey)));
        const auto r = e.embed({QStringLiteral("x")});
        QVERIFY(r.vectors.isEmpty());
        QVERIFY2(r.error.contains(QLatin1String("redirected")), qPrintable(r.error));
        QCOMPARE(m_server->requests().size(), 1);
    }

    void errorsAreMessages_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("needle");
        QTest::newRow("401") << 401 << QByteArray(R"({"message":"Unauthorized sk-embed-secret-123456"})")
                             << QStringLiteral("key");
        QTest::newRow("not json") << 200 << QByteArray("<html>portal</html>")
                                  << QStringLiteral("not a list of vectors");
        QTest::newRow("count") << 200 << QByteArray(R"({"data":[{"index":0,"embedding":[1]}]})")
                               << QStringLiteral("gave 1 vectors for 2 texts");
        QTest::newRow("twice") << 200
                               << QByteArray(R"({"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]})")
                               << QStringLiteral("not a list of vectors");
        QTest::newRow("nan") << 200 << QByteArray(R"({"data":[{"embedding":[1]},{"embedding":["x"]}]})")
                             << QStringLiteral("not a list of vectors");
    }

    void errorsAreMessages()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, needle);
        m_server->enqueue(FakeResponse::json(status, status == 200 ? "OK" : "Unauthorized", body));
        RemoteEmbeddings e(endpoint(m_server->baseUrl()), QStringLiteral("m"), ApiKey(QString::fromLatin1(kKey)));
        const auto r = e.embed({QStringLiteral("a"), QStringLiteral("b")});
        QVERIFY(r.vectors.isEmpty());
        QVERIFY2(r.error.contains(needle, Qt::CaseInsensitive), qPrintable(r.error));
        QVERIFY(!r.error.contains(QString::fromLatin1(kKey)));
    }

private:
    std::unique_ptr<FakeChatServer> m_server;
};

QTEST_GUILESS_MAIN(TestRemoteEmbedder)
#include "tst_remoteembedder.moc"
