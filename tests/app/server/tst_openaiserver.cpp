// The HTTP door: every route and error status, the SSE shape, the safety checks (Host, Origin,
// key), and the hostile clients of issue #21 (huge body, 1,000 idle connections, a slow
// reader, a client leaving mid-stream). A FakeEngine makes statuses deterministic; the tiny
// model checks real generations end to end.
#include "openaijson.h"
#include "rawhttp.h"
#include "serverharness.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <sys/resource.h>

using namespace causerie::server;

namespace {

const std::string kTiny = CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf";

QJsonObject obj(const QByteArray& body) { return QJsonDocument::fromJson(body).object(); }

QJsonObject errorOf(const rawhttp::Response& r) { return obj(r.body).value(QLatin1String("error")).toObject(); }

QByteArray chat(const QByteArray& extra = {}, const QByteArray& content = "\"Hi\"")
{
    return "{\"messages\":[{\"role\":\"user\",\"content\":" + content + "}]" + (extra.isEmpty() ? "" : "," + extra) +
           "}";
}

// Sends a streaming chat on `c` and reads until the piece `tok` has arrived; false if it never did.
bool streamUntilTok(rawhttp::Connection& c, uint16_t port)
{
    return c.send(rawhttp::buildRequest(port, "POST", "/v1/chat/completions", chat("\"stream\":true"))) &&
           c.readUntil("\"content\":\"tok\"").contains("\"content\":\"tok\"");
}

std::unique_ptr<SessionEngine> tinyEngine(int slots = 1, int64_t ctx = 256)
{
    SessionEngineOptions o;
    o.model_path = kTiny;
    o.backend.n_ctx = ctx;
    o.backend.n_threads = 1;
    o.slots = slots;
    auto e = std::make_unique<SessionEngine>(o);
    e->wait_loaded();
    return e;
}

}   // namespace

class TestOpenAiServer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void healthAndModels();
    void unknownRouteAndModelAre404();
    void aliasesAreListedAndAccepted();
    void keyIsRequiredWhenSet();
    void malformedJsonIs400();
    void wrongFieldsAre400NamingTheParam_data();
    void wrongFieldsAre400NamingTheParam();
    void fieldsReachTheEngine();
    void bodyOverTheLimitIs413();
    void notReadyIs503WhateverTheName_data();
    void notReadyIs503WhateverTheName();
    void fullQueueIs429();
    void engineErrorIs500OrAnErrorEvent();
    void hostHeaderIsChecked_data();
    void hostHeaderIsChecked();
    void originsAreRefusedUnlessListed();
    void nonLoopbackNeedsAKey();
    void thinkingBecomesReasoningContent();
    void disconnectCancelsTheGeneration();
    void serverDestroyedBeforeTheEngine();
    void idleConnectionsDoNotStarveOthers();
    void slowReaderGetsEverythingAndBlocksNobody();
    void realModelSseShapeAndUsage();
    void realModelStreamEqualsNonStream();
    void realModelStopStrings();
    void realModelCompletions();
    void promptLongerThanContextIs400();
};

void TestOpenAiServer::initTestCase()
{
    // 1,000 client sockets plus the server's: more than the default soft limit of 1,024.
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

void TestOpenAiServer::healthAndModels()
{
    ServerHarness h(std::make_unique<FakeEngine>(), {});
    QVERIFY2(h.started(), qPrintable(h.error()));
    const auto health = rawhttp::request(h.port(), "GET", "/health");
    QCOMPARE(health.status, 200);
    QCOMPARE(obj(health.body).value(QLatin1String("status")).toString(), QStringLiteral("ok"));
    const auto models = rawhttp::request(h.port(), "GET", "/v1/models");
    QCOMPARE(models.status, 200);
    const QJsonArray data = obj(models.body).value(QLatin1String("data")).toArray();
    QCOMPARE(data.size(), 1);
    QCOMPARE(data[0].toObject().value(QLatin1String("id")).toString(), QStringLiteral("fake-model"));
    QCOMPARE(data[0].toObject().value(QLatin1String("object")).toString(), QStringLiteral("model"));
    QCOMPARE(rawhttp::request(h.port(), "GET", "/v1/models/fake-model").status, 200);
    QVERIFY(!models.hasHeader("Access-Control-Allow-Origin"));   // no CORS unless origins are listed
}

void TestOpenAiServer::unknownRouteAndModelAre404()
{
    ServerHarness h(std::make_unique<FakeEngine>(), {});
    const auto route = rawhttp::request(h.port(), "POST", "/v1/embeddings", "{}");
    QCOMPARE(route.status, 404);
    QCOMPARE(errorOf(route).value(QLatin1String("code")).toString(), QStringLiteral("unknown_route"));
    const auto model = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat("\"model\":\"gpt-4o\""));
    QCOMPARE(model.status, 404);
    QCOMPARE(errorOf(model).value(QLatin1String("code")).toString(), QStringLiteral("model_not_found"));
    QVERIFY(errorOf(model).value(QLatin1String("message")).toString().contains(QLatin1String("fake-model")));
    QCOMPARE(rawhttp::request(h.port(), "GET", "/v1/models/other").status, 404);
    QCOMPARE(rawhttp::request(h.port(), "GET", "/v1/chat/completions").status, 405);
}

void TestOpenAiServer::aliasesAreListedAndAccepted()
{
    ServerConfig c;
    c.modelAliases = {QStringLiteral("catalog-id")};
    ServerHarness h(std::make_unique<FakeEngine>(), c);
    const QJsonArray data =
        obj(rawhttp::request(h.port(), "GET", "/v1/models").body).value(QLatin1String("data")).toArray();
    QCOMPARE(data.size(), 2);
    QCOMPARE(data[0].toObject().value(QLatin1String("id")).toString(), QStringLiteral("fake-model"));
    QCOMPARE(data[1].toObject().value(QLatin1String("id")).toString(), QStringLiteral("catalog-id"));
    QCOMPARE(rawhttp::request(h.port(), "GET", "/v1/models/catalog-id").status, 200);
    QCOMPARE(rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat("\"model\":\"catalog-id\"")).status, 200);
    QCOMPARE(rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat("\"model\":\"catalog\"")).status, 404);
}

void TestOpenAiServer::keyIsRequiredWhenSet()
{
    ServerConfig c;
    c.apiKey = QStringLiteral("s3cret-key");
    ServerHarness h(std::make_unique<FakeEngine>(), c);
    const auto missing = rawhttp::request(h.port(), "GET", "/v1/models");
    QCOMPARE(missing.status, 401);
    QCOMPARE(errorOf(missing).value(QLatin1String("code")).toString(), QStringLiteral("invalid_api_key"));
    QCOMPARE(rawhttp::request(h.port(), "GET", "/v1/models", {}, {"Authorization: Bearer wrong"}).status, 401);
    QCOMPARE(rawhttp::request(h.port(), "GET", "/v1/models", {}, {"Authorization: Bearer s3cret-ke"}).status, 401);
    QCOMPARE(rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat(), {"Authorization: Bearer x"}).status,
             401);
    QCOMPARE(rawhttp::request(h.port(), "GET", "/v1/models", {}, {"Authorization: Bearer s3cret-key"}).status, 200);
    const auto ok =
        rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat(), {"Authorization: Bearer s3cret-key"});
    QCOMPARE(ok.status, 200);
    QCOMPARE(rawhttp::request(h.port(), "GET", "/health").status, 200);   // health needs no key
}

void TestOpenAiServer::malformedJsonIs400()
{
    ServerHarness h(std::make_unique<FakeEngine>(), {});
    for (const QByteArray& body :
         {QByteArray("{\"messages\":"), QByteArray("not json"), QByteArray("[1,2]"), QByteArray()}) {
        const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions", body);
        QCOMPARE(r.status, 400);
        QCOMPARE(errorOf(r).value(QLatin1String("type")).toString(), QStringLiteral("invalid_request_error"));
        QVERIFY(!errorOf(r).value(QLatin1String("message")).toString().isEmpty());
    }
    // The server is still there for the next one.
    QCOMPARE(rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat()).status, 200);
}

void TestOpenAiServer::wrongFieldsAre400NamingTheParam_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("param");
    QTest::addColumn<bool>("chatRoute");
    QTest::newRow("temperature string") << chat("\"temperature\":\"hot\"") << "temperature" << true;
    QTest::newRow("temperature range") << chat("\"temperature\":7") << "temperature" << true;
    QTest::newRow("max_tokens float") << chat("\"max_tokens\":1.5") << "max_tokens" << true;
    QTest::newRow("max_tokens zero") << chat("\"max_tokens\":0") << "max_tokens" << true;
    QTest::newRow("stream string") << chat("\"stream\":\"yes\"") << "stream" << true;
    QTest::newRow("n = 2") << chat("\"n\":2") << "n" << true;
    QTest::newRow("stop number") << chat("\"stop\":5") << "stop" << true;
    QTest::newRow("stop list item") << chat("\"stop\":[\"a\",3]") << "stop[1]" << true;
    QTest::newRow("top_p zero") << chat("\"top_p\":0") << "top_p" << true;
    QTest::newRow("seed string") << chat("\"seed\":\"1\"") << "seed" << true;
    QTest::newRow("presence_penalty") << chat("\"presence_penalty\":0.5") << "presence_penalty" << true;
    QTest::newRow("frequency_penalty") << chat("\"frequency_penalty\":-1") << "frequency_penalty" << true;
    QTest::newRow("tools") << chat("\"tools\":[]") << "tools" << true;
    QTest::newRow("stream_options") << chat("\"stream_options\":{\"include_usage\":1}")
                                    << "stream_options.include_usage" << true;
    QTest::newRow("model number") << chat("\"model\":3") << "model" << true;
    QTest::newRow("messages missing") << QByteArray("{}") << "messages" << true;
    QTest::newRow("messages string") << QByteArray("{\"messages\":\"hi\"}") << "messages" << true;
    QTest::newRow("messages empty") << QByteArray("{\"messages\":[]}") << "messages" << true;
    QTest::newRow("content number") << chat({}, "5") << "messages[0].content" << true;
    QTest::newRow("content image part") << chat({}, "[{\"type\":\"image_url\",\"image_url\":{}}]")
                                        << "messages[0].content[0]" << true;
    QTest::newRow("role tool") << QByteArray("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}")
                               << "messages[0].role" << true;
    QTest::newRow("last is assistant")
        << QByteArray(
               "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":\"y\"}]}")
        << "messages" << true;
    QTest::newRow("prompt number") << QByteArray("{\"prompt\":3}") << "prompt" << false;
    QTest::newRow("prompt batch") << QByteArray("{\"prompt\":[\"a\",\"b\"]}") << "prompt" << false;
}

void TestOpenAiServer::wrongFieldsAre400NamingTheParam()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, param);
    QFETCH(bool, chatRoute);
    auto* fake = new FakeEngine;
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    const auto r = rawhttp::request(h.port(), "POST", chatRoute ? "/v1/chat/completions" : "/v1/completions", body);
    QCOMPARE(r.status, 400);
    QCOMPARE(errorOf(r).value(QLatin1String("param")).toString(), param);
    QVERIFY(!errorOf(r).value(QLatin1String("message")).toString().isEmpty());
    QCOMPARE(fake->requestCount(), 0);
}

void TestOpenAiServer::fieldsReachTheEngine()
{
    auto* fake = new FakeEngine;
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    const QByteArray body =
        "{\"model\":\"fake-model\",\"messages\":[{\"role\":\"developer\",\"content\":\"Be brief.\"},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello "
        "\"},{\"type\":\"text\",\"text\":\"there\"}]}],"
        "\"temperature\":0,\"top_p\":0.5,\"top_k\":7,\"min_p\":0.2,\"seed\":42,\"max_completion_tokens\":12,"
        "\"stop\":[\"END\",\"\\n\\n\"],\"presence_penalty\":0,\"user\":\"ignored\"}";
    QCOMPARE(rawhttp::request(h.port(), "POST", "/v1/chat/completions", body).status, 200);
    const GenerationRequest g = fake->lastRequest();
    QVERIFY(g.chat);
    QCOMPARE(g.messages.size(), size_t(2));
    QCOMPARE(g.messages[0].role, std::string("system"));
    QCOMPARE(g.messages[1].content, std::string("Hello there"));
    QCOMPARE(g.options.sampling.temperature, 0.0f);
    QCOMPARE(g.options.sampling.top_p, 0.5f);
    QCOMPARE(g.options.sampling.top_k, 7);
    QCOMPARE(g.options.sampling.min_p, 0.2f);
    QCOMPARE(g.options.sampling.seed, uint64_t(42));
    QVERIFY(!g.options.sampling.random_seed);
    QCOMPARE(g.options.sampling.repeat_penalty, 1.0f);
    QCOMPARE(g.options.max_tokens, 12);
    QCOMPARE(g.options.stop, (std::vector<std::string>{"END", "\n\n"}));

    QCOMPARE(
        rawhttp::request(h.port(), "POST", "/v1/completions", "{\"prompt\":\"Once\",\"stop\":\"x\",\"max_tokens\":3}")
            .status,
        200);
    QVERIFY(!fake->lastRequest().chat);
    QCOMPARE(fake->lastRequest().prompt, std::string("Once"));
    QCOMPARE(fake->lastRequest().options.stop, std::vector<std::string>{"x"});
}

void TestOpenAiServer::bodyOverTheLimitIs413()
{
    auto* fake = new FakeEngine;
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    const QByteArray big = chat({}, '"' + QByteArray(10 * 1024 * 1024, 'a') + '"');
    QElapsedTimer t;
    t.start();
    const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions", big);
    QCOMPARE(r.status, 413);
    QCOMPARE(errorOf(r).value(QLatin1String("code")).toString(), QStringLiteral("body_too_large"));
    QCOMPARE(fake->requestCount(), 0);
    QCOMPARE(rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat()).status, 200);
}

void TestOpenAiServer::notReadyIs503WhateverTheName_data()
{
    QTest::addColumn<int>("state");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");   // a part of it
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::addColumn<QString>("health");
    QTest::newRow("loading") << int(EngineState::Loading) << "model_loading"
                             << "still loading" << QByteArray("1") << "loading";
    QTest::newRow("failed") << int(EngineState::Failed) << "model_failed"
                            << "not a GGUF model" << QByteArray() << "error";
    // The app with no model open (AppServerEngine).
    QTest::newRow("no model") << int(EngineState::NoModel) << "no_model"
                              << "No model is open" << QByteArray() << "no_model";
}

// An engine not ready: 503 with the reason, before the model's name is checked (while none is
// ready, the name served is not known), nothing reaches the engine, and /health says so. Once
// ready, the same request is answered.
void TestOpenAiServer::notReadyIs503WhateverTheName()
{
    QFETCH(int, state);
    QFETCH(QString, code);
    QFETCH(QString, message);
    QFETCH(QByteArray, retryAfter);
    QFETCH(QString, health);
    auto* fake = new FakeEngine;
    fake->engineState = EngineState(state);
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat(R"("model":"gpt-4o")"));
    QCOMPARE(r.status, 503);
    QCOMPARE(errorOf(r).value(QLatin1String("code")).toString(), code);
    QVERIFY2(errorOf(r).value(QLatin1String("message")).toString().contains(message), r.body.constData());
    QCOMPARE(r.header("Retry-After"), retryAfter);
    const auto healthReply = rawhttp::request(h.port(), "GET", "/health");
    QCOMPARE(healthReply.status, 503);
    QCOMPARE(obj(healthReply.body).value(QLatin1String("status")).toString(), health);
    QCOMPARE(fake->requestCount(), 0);
    fake->engineState = EngineState::Ready;
    QCOMPARE(rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat()).status, 200);
}

void TestOpenAiServer::fullQueueIs429()
{
    auto* fake = new FakeEngine;
    fake->endlessPiece = "x";
    fake->capacity = 1;
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    rawhttp::Connection first(h.port());
    QVERIFY(first.send(rawhttp::buildRequest(h.port(), "POST", "/v1/chat/completions", chat("\"stream\":true"))));
    QVERIFY(first.readUntil("data: ").contains("200 OK"));
    const auto second = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat());
    QCOMPARE(second.status, 429);
    QCOMPARE(errorOf(second).value(QLatin1String("type")).toString(), QStringLiteral("rate_limit_error"));
    QCOMPARE(second.header("Retry-After"), QByteArray("1"));
    first.close();
    QTRY_COMPARE_WITH_TIMEOUT(fake->cancelsSeen.load(), 1, 30000);
    fake->endlessPiece.clear();
    QTRY_COMPARE_WITH_TIMEOUT(rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat()).status, 200, 30000);
}

void TestOpenAiServer::engineErrorIs500OrAnErrorEvent()
{
    auto* fake = new FakeEngine;
    fake->result = {3, 0, 0, "error", "the backend ran out of memory", false};
    fake->pieces.clear();
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    // Before any text: a plain HTTP error, also for a stream.
    for (const QByteArray& body : {chat(), chat("\"stream\":true")}) {
        const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions", body);
        QCOMPARE(r.status, 500);
        QCOMPARE(errorOf(r).value(QLatin1String("type")).toString(), QStringLiteral("server_error"));
        QCOMPARE(errorOf(r).value(QLatin1String("message")).toString(),
                 QStringLiteral("the backend ran out of memory"));
    }
    // After text has gone out: an error event, then the end of the stream.
    fake->pieces = {"Half an ans"};
    const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat("\"stream\":true"));
    QCOMPARE(r.status, 200);
    const QList<QByteArray> events = rawhttp::sseEvents(r.body);
    QVERIFY(events.size() >= 4);
    QVERIFY(events[1].contains("Half an ans"));
    QCOMPARE(obj(events[events.size() - 2])
                 .value(QLatin1String("error"))
                 .toObject()
                 .value(QLatin1String("message"))
                 .toString(),
             QStringLiteral("the backend ran out of memory"));
    QCOMPARE(events.last(), QByteArray("[DONE]"));
}

void TestOpenAiServer::hostHeaderIsChecked_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<int>("status");
    QTest::newRow("loopback literal") << QByteArray("Host: 127.0.0.1:8080") << 200;
    QTest::newRow("localhost") << QByteArray("Host: localhost:8080") << 200;
    QTest::newRow("localhost no port") << QByteArray("Host: localhost") << 200;
    QTest::newRow("ipv6 loopback") << QByteArray("Host: [::1]:8080") << 200;
    QTest::newRow("rebinding name") << QByteArray("Host: attacker.example:8080") << 403;
    QTest::newRow("localhost lookalike") << QByteArray("Host: localhost.attacker.example") << 403;
    QTest::newRow("other machine") << QByteArray("Host: 192.168.1.20:8080") << 403;
    QTest::newRow("empty") << QByteArray("Host:") << 403;
}

void TestOpenAiServer::hostHeaderIsChecked()
{
    QFETCH(QByteArray, host);
    QFETCH(int, status);
    auto* fake = new FakeEngine;
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat(), {host});
    QCOMPARE(r.status, status);
    if (status == 403) {
        QCOMPARE(errorOf(r).value(QLatin1String("code")).toString(), QStringLiteral("host_not_allowed"));
        QCOMPARE(fake->requestCount(), 0);
    }
}

void TestOpenAiServer::originsAreRefusedUnlessListed()
{
    {
        auto* fake = new FakeEngine;
        ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
        const auto r =
            rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat(), {"Origin: https://evil.example"});
        QCOMPARE(r.status, 403);
        QVERIFY(!r.hasHeader("Access-Control-Allow-Origin"));
        QCOMPARE(errorOf(r).value(QLatin1String("code")).toString(), QStringLiteral("origin_not_allowed"));
        QCOMPARE(fake->requestCount(), 0);
        const auto preflight =
            rawhttp::request(h.port(), "OPTIONS", "/v1/chat/completions", {}, {"Origin: https://evil.example"});
        QVERIFY(!preflight.hasHeader("Access-Control-Allow-Origin"));
    }
    ServerConfig c;
    c.allowedOrigins = {QStringLiteral("http://localhost:3000")};
    ServerHarness h(std::make_unique<FakeEngine>(), c);
    const auto preflight =
        rawhttp::request(h.port(), "OPTIONS", "/v1/chat/completions", {}, {"Origin: http://localhost:3000"});
    QCOMPARE(preflight.status, 204);
    QCOMPARE(preflight.header("Access-Control-Allow-Origin"), QByteArray("http://localhost:3000"));
    QVERIFY(preflight.header("Access-Control-Allow-Headers").contains("Authorization"));
    const auto r =
        rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat(), {"Origin: http://localhost:3000"});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Access-Control-Allow-Origin"), QByteArray("http://localhost:3000"));
    QCOMPARE(rawhttp::request(h.port(), "GET", "/v1/models", {}, {"Origin: http://localhost:3001"}).status, 403);
    // An error for an allowed page is readable by it.
    const auto bad = rawhttp::request(h.port(), "POST", "/v1/chat/completions", "{", {"Origin: http://localhost:3000"});
    QCOMPARE(bad.status, 400);
    QCOMPARE(bad.header("Access-Control-Allow-Origin"), QByteArray("http://localhost:3000"));
}

void TestOpenAiServer::nonLoopbackNeedsAKey()
{
    ServerConfig c;
    c.address = QHostAddress(QHostAddress::AnyIPv4);
    ServerHarness h(std::make_unique<FakeEngine>(), c);
    QVERIFY(!h.started());
    QVERIFY2(h.error().contains(QLatin1String("API key")), qPrintable(h.error()));
    QVERIFY(h.error().contains(QLatin1String("0.0.0.0")));
}

void TestOpenAiServer::thinkingBecomesReasoningContent()
{
    auto* fake = new FakeEngine;
    fake->pieces = {"<thi", "nk>Let me see.", "</think>", "\n\nThe answer", " is 4."};
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat());
    QCOMPARE(r.status, 200);
    const QJsonObject message =
        obj(r.body).value(QLatin1String("choices")).toArray()[0].toObject().value(QLatin1String("message")).toObject();
    QCOMPARE(message.value(QLatin1String("reasoning_content")).toString(), QStringLiteral("Let me see."));
    QCOMPARE(message.value(QLatin1String("content")).toString(), QStringLiteral("The answer is 4."));

    const auto s = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat("\"stream\":true"));
    QString content, reasoning;
    for (const QByteArray& e : rawhttp::sseEvents(s.body)) {
        if (e == "[DONE]")
            continue;
        const QJsonObject delta =
            obj(e).value(QLatin1String("choices")).toArray()[0].toObject().value(QLatin1String("delta")).toObject();
        content += delta.value(QLatin1String("content")).toString();
        reasoning += delta.value(QLatin1String("reasoning_content")).toString();
    }
    QCOMPARE(reasoning, QStringLiteral("Let me see."));
    QCOMPARE(content, QStringLiteral("The answer is 4."));
}

void TestOpenAiServer::disconnectCancelsTheGeneration()
{
    auto* fake = new FakeEngine;
    fake->endlessPiece = "tok";
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    {
        rawhttp::Connection c(h.port());
        QVERIFY(streamUntilTok(c, h.port()));
        QCOMPARE(h.activeRequests(), 1);
    }   // closed mid-stream
    // The endless generation only ends through its cancel flag.
    QTRY_COMPARE_WITH_TIMEOUT(fake->cancelsSeen.load(), 1, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(h.activeRequests(), 0, 30000);
    fake->endlessPiece.clear();
    QCOMPARE(rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat()).status, 200);
}

void TestOpenAiServer::serverDestroyedBeforeTheEngine()
{
    // The app may stop its server while its engine keeps generating: the engine's later pieces
    // and its end must go nowhere, not into a deleted server.
    auto* fake = new FakeEngine;
    fake->endlessPiece = "tok";
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    rawhttp::Connection c(h.port());
    QVERIFY(streamUntilTok(c, h.port()));
    h.destroyServer();   // cancels its requests
    QTRY_COMPARE_WITH_TIMEOUT(fake->cancelsSeen.load(), 1, 30000);
}   // then the engine goes, its last finished() with no server to reach

void TestOpenAiServer::idleConnectionsDoNotStarveOthers()
{
    ServerHarness h(std::make_unique<FakeEngine>(), {});
    std::vector<std::unique_ptr<rawhttp::Connection>> idle;
    for (int i = 0; i < 1000; ++i) {
        idle.push_back(std::make_unique<rawhttp::Connection>(h.port()));
        QVERIFY2(idle.back()->ok(), qPrintable(QStringLiteral("connection %1 failed").arg(i)));
    }
    // Half of them sent half a request head and stopped.
    for (int i = 0; i < 1000; i += 2)
        QVERIFY(idle[size_t(i)]->send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    QElapsedTimer t;
    t.start();
    const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat());
    QCOMPARE(r.status, 200);
    // Bounded: the server does not wait for idle clients (generous for a loaded machine).
    QVERIFY2(t.elapsed() < 10000, qPrintable(QString::number(t.elapsed())));
}

void TestOpenAiServer::slowReaderGetsEverythingAndBlocksNobody()
{
    auto* fake = new FakeEngine;
    // ~10 MB of stream: more than the kernel's socket buffers hold while nobody reads, so the
    // rest waits in the server's own buffer.
    fake->pieces.assign(10000, std::string(1000, 'z'));
    ServerHarness h(std::unique_ptr<ServerEngine>(fake), {});
    rawhttp::Connection slow(h.port());
    QVERIFY(slow.send(rawhttp::buildRequest(h.port(), "POST", "/v1/chat/completions", chat("\"stream\":true"))));
    QVERIFY(!slow.readSome(100).isEmpty());   // started, then reads nothing for a while
    fake->pieces = {"quick"};
    const auto other = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat());
    QCOMPARE(other.status, 200);
    QVERIFY(other.body.contains("quick"));
    // The slow reader still gets the whole stream, in order, to [DONE].
    QByteArray rest;
    for (QByteArray more = slow.readSome(); !more.isEmpty(); more = slow.readSome()) {
        rest += more;
        if (rest.endsWith("0\r\n\r\n"))
            break;
    }
    QVERIFY(rest.contains("data: [DONE]"));
    QCOMPARE(rest.count(QByteArray(1000, 'z')), 10000);   // the first 100 bytes were headers only
}

void TestOpenAiServer::realModelSseShapeAndUsage()
{
    ServerHarness h(tinyEngine(), {});
    const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions",
                                    chat("\"stream\":true,\"max_tokens\":6,\"temperature\":0,"
                                         "\"stream_options\":{\"include_usage\":true}"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Content-Type"), QByteArray("text/event-stream"));
    QVERIFY(r.body.endsWith("data: [DONE]\n\n"));
    const QList<QByteArray> events = rawhttp::sseEvents(r.body);
    QVERIFY(events.size() >= 4);
    QCOMPARE(events.last(), QByteArray("[DONE]"));
    const QJsonObject first = obj(events[0]);
    QCOMPARE(first.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion.chunk"));
    QCOMPARE(first.value(QLatin1String("model")).toString(), QStringLiteral("tiny-mistral-q8_0"));
    QCOMPARE(first.value(QLatin1String("choices"))
                 .toArray()[0]
                 .toObject()
                 .value(QLatin1String("delta"))
                 .toObject()
                 .value(QLatin1String("role"))
                 .toString(),
             QStringLiteral("assistant"));
    const QString id = first.value(QLatin1String("id")).toString();
    QVERIFY(id.startsWith(QLatin1String("chatcmpl-")));
    // Before the usage chunk: the finish chunk, with an empty delta.
    const QJsonObject finish = obj(events[events.size() - 3]);
    QCOMPARE(
        finish.value(QLatin1String("choices")).toArray()[0].toObject().value(QLatin1String("finish_reason")).toString(),
        QStringLiteral("length"));
    const QJsonObject usageChunk = obj(events[events.size() - 2]);
    QCOMPARE(usageChunk.value(QLatin1String("choices")).toArray().size(), 0);
    const QJsonObject usage = usageChunk.value(QLatin1String("usage")).toObject();
    QCOMPARE(usage.value(QLatin1String("completion_tokens")).toInt(), 6);
    QVERIFY(usage.value(QLatin1String("prompt_tokens")).toInt() > 0);
    QCOMPARE(usage.value(QLatin1String("total_tokens")).toInt(),
             usage.value(QLatin1String("prompt_tokens")).toInt() + 6);
    for (qsizetype i = 0; i + 1 < events.size(); ++i) {
        QCOMPARE(obj(events[i]).value(QLatin1String("id")).toString(), id);   // one id for the whole stream
        if (i < events.size() - 2)
            QVERIFY(obj(events[i]).contains(QLatin1String("usage")));   // null until the last
    }
}

void TestOpenAiServer::realModelStreamEqualsNonStream()
{
    ServerHarness h(tinyEngine(), {});
    const QByteArray params = "\"max_tokens\":12,\"temperature\":0,\"seed\":7";
    const auto plain = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat(params));
    QCOMPARE(plain.status, 200);
    const QJsonObject choice = obj(plain.body).value(QLatin1String("choices")).toArray()[0].toObject();
    const QString answer = choice.value(QLatin1String("message")).toObject().value(QLatin1String("content")).toString();
    QVERIFY(!answer.isEmpty());
    const auto streamed = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat(params + ",\"stream\":true"));
    QString joined;
    for (const QByteArray& e : rawhttp::sseEvents(streamed.body))
        if (e != "[DONE]")
            joined += openaijson::choiceContent(e, QLatin1String("delta"));
    QCOMPARE(joined, answer);
    QCOMPARE(obj(plain.body).value(QLatin1String("usage")).toObject().value(QLatin1String("completion_tokens")).toInt(),
             12);
}

void TestOpenAiServer::realModelStopStrings()
{
    ServerHarness h(tinyEngine(), {});
    const QByteArray params = "\"max_tokens\":16,\"temperature\":0";
    const auto full = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat(params));
    const QString answer = openaijson::choiceContent(full.body, QLatin1String("message"));
    QVERIFY2(answer.size() > 8, qPrintable(answer));
    // A stop string taken from the middle of the greedy answer cuts it there.
    const QString stop = answer.mid(answer.size() / 2, 3);
    const qsizetype at = answer.indexOf(stop);
    for (const QByteArray& stopJson :
         {QByteArray("\"stop\":") + QJsonDocument(QJsonArray{stop}).toJson(QJsonDocument::Compact),
          QByteArray("\"stop\":[\"\\u0001never\",") +
              QJsonDocument(QJsonArray{stop}).toJson(QJsonDocument::Compact).mid(1)}) {
        const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat(params + "," + stopJson));
        const QJsonObject choice = obj(r.body).value(QLatin1String("choices")).toArray()[0].toObject();
        QCOMPARE(choice.value(QLatin1String("message")).toObject().value(QLatin1String("content")).toString(),
                 answer.left(at));
        QCOMPARE(choice.value(QLatin1String("finish_reason")).toString(), QStringLiteral("stop"));
    }
}

void TestOpenAiServer::realModelCompletions()
{
    ServerHarness h(tinyEngine(), {});
    const QByteArray body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"temperature\":0}";
    const auto r = rawhttp::request(h.port(), "POST", "/v1/completions", body);
    QCOMPARE(r.status, 200);
    const QJsonObject o = obj(r.body);
    QCOMPARE(o.value(QLatin1String("object")).toString(), QStringLiteral("text_completion"));
    const QString text =
        o.value(QLatin1String("choices")).toArray()[0].toObject().value(QLatin1String("text")).toString();
    QVERIFY(!text.isEmpty());
    QCOMPARE(o.value(QLatin1String("usage")).toObject().value(QLatin1String("completion_tokens")).toInt(), 5);
    const auto s =
        rawhttp::request(h.port(), "POST", "/v1/completions",
                         "{\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"temperature\":0,\"stream\":true}");
    QString joined;
    for (const QByteArray& e : rawhttp::sseEvents(s.body))
        if (e != "[DONE]")
            joined +=
                obj(e).value(QLatin1String("choices")).toArray()[0].toObject().value(QLatin1String("text")).toString();
    QCOMPARE(joined, text);
}

void TestOpenAiServer::promptLongerThanContextIs400()
{
    ServerHarness h(tinyEngine(1, 64), {});
    QByteArray words;
    for (int i = 0; i < 200; ++i)
        words += "word ";
    const auto r = rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat({}, '"' + words + '"'));
    QCOMPARE(r.status, 400);
    QCOMPARE(errorOf(r).value(QLatin1String("code")).toString(), QStringLiteral("context_length_exceeded"));
    QVERIFY(errorOf(r).value(QLatin1String("message")).toString().contains(QLatin1String("--ctx")));
    QCOMPARE(rawhttp::request(h.port(), "POST", "/v1/chat/completions", chat("\"max_tokens\":2")).status, 200);
}

QTEST_GUILESS_MAIN(TestOpenAiServer)
#include "tst_openaiserver.moc"
