// Causerie talking to Causerie: our RemoteBackend (the app's client for OpenAI-style servers)
// against our OpenAiServer, with the real tiny model for the answer and a FakeEngine for the
// statuses the model cannot produce on demand (503 loading, 429 queue full).
#include "openaijson.h"
#include "rawhttp.h"
#include "remotebackend.h"
#include "serverharness.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace causerie::server;

namespace {

const std::string kTiny = CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf";

std::unique_ptr<SessionEngine> tinyEngine()
{
    SessionEngineOptions o;
    o.model_path = kTiny;
    o.backend.n_ctx = 256;
    o.backend.n_threads = 1;
    auto e = std::make_unique<SessionEngine>(o);
    e->wait_loaded();
    return e;
}

struct Outcome {
    QString text;
    GenerationStats stats;
    BackendError error;
    bool failed = false;
};

// One chat through the backend, waited for (bounded by QSignalSpy's timeout).
Outcome chatOnce(RemoteBackend& b, const QList<ChatMessage>& history, const GenerationSettings& settings)
{
    Outcome o;
    QSignalSpy finished(&b, &ChatBackend::finished);
    QSignalSpy failed(&b, &ChatBackend::failed);
    auto c = QObject::connect(&b, &ChatBackend::delta, [&](const QString&, const QString& t) { o.text += t; });
    b.startChat(history, settings);
    [[maybe_unused]] const bool done = QTest::qWaitFor([&] { return !finished.isEmpty() || !failed.isEmpty(); }, 60000);
    QObject::disconnect(c);
    if (!finished.isEmpty())
        o.stats = finished.first().at(1).value<GenerationStats>();
    if (!failed.isEmpty()) {
        o.failed = true;
        o.error = failed.first().at(1).value<BackendError>();
    }
    return o;
}

void point(RemoteBackend& b, uint16_t port, const QString& model, const QString& key = {})
{
    b.setEndpoint(
        {QStringLiteral("local"), QStringLiteral("Causerie"), QStringLiteral("http://127.0.0.1:%1").arg(port)});
    b.setModel(model);
    b.setApiKey(ApiKey(key));
    b.setMaxAttempts(1);   // statuses as they are, no retries
}

const QList<ChatMessage> kHello = {{QStringLiteral("user"), QStringLiteral("Hello there")}};

}   // namespace

class TestServerRoundTrip : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { registerChatTypes(); }
    void answerMatchesTheServersOwn();
    void listsTheModel();
    void errorStatusesReachTheClient();
    void loadingAndBusyReachTheClient();
    void cancelStopsTheServersGeneration();
};

void TestServerRoundTrip::answerMatchesTheServersOwn()
{
    ServerConfig c;
    c.apiKey = QStringLiteral("k");
    ServerHarness h(tinyEngine(), c);
    RemoteBackend b;
    point(b, h.port(), QStringLiteral("tiny-mistral-q8_0"), QStringLiteral("k"));
    GenerationSettings s;
    s.temperature = 0;
    s.maxTokens = 10;
    s.seed = 3;
    const Outcome o = chatOnce(b, kHello, s);
    QVERIFY2(!o.failed, qPrintable(o.error.message + QLatin1Char(' ') + o.error.detail));
    QCOMPARE(o.stats.finishReason, QStringLiteral("length"));
    QCOMPARE(o.stats.completionTokens, 10);
    QVERIFY(o.stats.promptTokens > 0);
    QCOMPARE(o.stats.model, QStringLiteral("tiny-mistral-q8_0"));
    // The same request, non-streamed, by hand: the same text.
    const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions",
                                    "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}],"
                                    "\"temperature\":0,\"max_tokens\":10}",
                                    {"Authorization: Bearer k"});
    const QString direct = openaijson::choiceContent(r.body, QLatin1String("message"));
    QCOMPARE(o.text, direct);
    // Stop strings make the round trip too.
    s.stop = {o.text.mid(o.text.size() / 2, 2)};
    const Outcome stopped = chatOnce(b, kHello, s);
    QCOMPARE(stopped.text, o.text.left(o.text.indexOf(s.stop.first())));
    QCOMPARE(stopped.stats.finishReason, QStringLiteral("stop"));
}

void TestServerRoundTrip::listsTheModel()
{
    ServerHarness h(std::make_unique<FakeEngine>(), {});
    RemoteBackend b;
    point(b, h.port(), QStringLiteral("fake-model"));
    QSignalSpy listed(&b, &RemoteBackend::modelsListed);
    b.listModels();
    QVERIFY(listed.wait(30000));
    const auto models = listed.first().at(1).value<QList<RemoteModelInfo>>();
    QCOMPARE(models.size(), 1);
    QCOMPARE(models.first().id, QStringLiteral("fake-model"));
}

void TestServerRoundTrip::errorStatusesReachTheClient()
{
    ServerConfig c;
    c.apiKey = QStringLiteral("right");
    ServerHarness h(std::make_unique<FakeEngine>(), c);
    RemoteBackend b;
    GenerationSettings s;

    point(b, h.port(), QStringLiteral("fake-model"), QStringLiteral("wrong"));
    Outcome o = chatOnce(b, kHello, s);
    QVERIFY(o.failed);
    QCOMPARE(o.error.kind, BackendError::Unauthorized);
    QCOMPARE(o.error.httpStatus, 401);

    point(b, h.port(), QStringLiteral("no-such-model"), QStringLiteral("right"));
    o = chatOnce(b, kHello, s);
    QCOMPARE(o.error.kind, BackendError::NotFound);
    QCOMPARE(o.error.httpStatus, 404);

    point(b, h.port(), QStringLiteral("fake-model"), QStringLiteral("right"));
    s.temperature = 5;
    o = chatOnce(b, kHello, s);
    QCOMPARE(o.error.kind, BackendError::BadRequest);
    QCOMPARE(o.error.httpStatus, 400);
    QVERIFY2(o.error.detail.contains(QLatin1String("temperature")), qPrintable(o.error.detail));

    s.temperature = 0.5;
    o = chatOnce(b, {{QStringLiteral("user"), QString(5 * 1024 * 1024, QLatin1Char('a'))}}, s);
    QVERIFY(o.failed);
    QCOMPARE(o.error.httpStatus, 413);

    o = chatOnce(b, kHello, s);   // and the server still answers
    QVERIFY(!o.failed);
    QCOMPARE(o.text, QStringLiteral("Hello, world"));
}

void TestServerRoundTrip::loadingAndBusyReachTheClient()
{
    auto* fake = new FakeEngine;
    fake->engineState = EngineState::Loading;
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    RemoteBackend b;
    point(b, h.port(), QStringLiteral("fake-model"));
    Outcome o = chatOnce(b, kHello, {});
    QCOMPARE(o.error.kind, BackendError::ServerError);
    QCOMPARE(o.error.httpStatus, 503);

    fake->engineState = EngineState::Ready;
    fake->capacity = 1;
    fake->endlessPiece = "x";
    rawhttp::Connection busy(h.port());
    QVERIFY(busy.send(rawhttp::buildRequest(h.port(), "POST", "/v1/chat/completions",
                                            "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"stream\":true}")));
    QVERIFY(busy.readUntil("data: ").contains("200 OK"));
    o = chatOnce(b, kHello, {});
    QCOMPARE(o.error.kind, BackendError::RateLimited);
    QCOMPARE(o.error.httpStatus, 429);
}

void TestServerRoundTrip::cancelStopsTheServersGeneration()
{
    auto* fake = new FakeEngine;
    fake->endlessPiece = "x";
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    RemoteBackend b;
    point(b, h.port(), QStringLiteral("fake-model"));
    QSignalSpy deltas(&b, &ChatBackend::delta);
    QSignalSpy finished(&b, &ChatBackend::finished);
    const QString id = b.startChat(kHello, {});
    QVERIFY(deltas.wait(30000));
    b.cancel(id);
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(1).value<GenerationStats>().finishReason, QStringLiteral("cancelled"));
    // The client dropped the connection: the endless generation ends through its cancel flag.
    QTRY_COMPARE_WITH_TIMEOUT(fake->cancelsSeen.load(), 1, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(h.activeRequests(), 0, 30000);
}

QTEST_GUILESS_MAIN(TestServerRoundTrip)
#include "tst_serverroundtrip.moc"
