// RemoteBackend against a scripted fake server on 127.0.0.1: the real wire format and
// every fault of issue #4. Timeouts and backoff are shortened through the backend's
// properties (300 ms stall, 20 ms backoff); the defaults are checked separately.
#include "credentialrows.h"
#include "fakechatserver.h"
#include "logcapture.h"
#include "recordedstreams.h"
#include "remotebackend.h"

#include "../../common/data_rows.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QProcess>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslServer>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace {
const QString kSecret = QStringLiteral("sk-test-5c7a1e9b3d2f40aa8e61");
constexpr int kStallMs = 300;
constexpr int kBackoffMs = 20;

struct Outcome {
    QString text;
    int deltas = 0;
    int reasoningDeltas = 0;
    QString textAtEnd;   // what had arrived when finished()/failed() came
    QString reasoningAtEnd;
    QString reasoning;
    int reasoningAfterText = 0;   // reasoning deltas that came after answer text
    int terminal = 0;             // finished + failed signals; must be exactly 1
    bool finished = false;
    GenerationStats stats;
    BackendError error;
    qint64 elapsedMs = 0;
};

// A chunk as api.mistral.ai sends it.
QByteArray chunk(const QString& content, const char* finish = nullptr, const char* usage = nullptr)
{
    QJsonObject delta{{"content", content}};
    QJsonObject choice{{"index", 0}, {"delta", delta}, {"finish_reason", finish ? QJsonValue(finish) : QJsonValue()}};
    QJsonObject o{{"id", "c1"},
                  {"object", "chat.completion.chunk"},
                  {"created", 1732700000},
                  {"model", "mistral-small-latest"},
                  {"choices", QJsonArray{choice}}};
    if (usage)
        o.insert("usage", QJsonDocument::fromJson(usage).object());
    return "data: " + QJsonDocument(o).toJson(QJsonDocument::Compact) + "\n\n";
}
}   // namespace

class TestRemoteBackend : public QObject {
    Q_OBJECT

    std::unique_ptr<FakeChatServer> m_server;
    QTemporaryDir m_tmp;

    // A causerie.remote log line about request `id` containing `what`.
    static bool logHas(const QString& id, const QString& what)
    {
        const QStringList lines = LogCapture::lines();
        return std::any_of(lines.cbegin(), lines.cend(),
                           [&](const QString& l) { return l.contains(id) && l.contains(what); });
    }

    std::unique_ptr<RemoteBackend> makeBackend(const QString& baseUrl = {}, QNetworkAccessManager* nam = nullptr)
    {
        auto b = std::make_unique<RemoteBackend>(nam);
        b->setEndpoint(
            {QStringLiteral("test"), QStringLiteral("Fake"), baseUrl.isEmpty() ? m_server->baseUrl() : baseUrl});
        b->setModel(QStringLiteral("mistral-small-latest"));
        b->setApiKey(ApiKey(kSecret));
        b->setStallTimeoutMs(kStallMs);
        b->setBackoffBaseMs(kBackoffMs);
        return b;
    }

    // Starts a chat and waits for its end; cancelAfterFirstDelta exercises cancel().
    // `stream` served in pieces of `pieceSize` bytes 1 ms apart, to a fresh backend.
    Outcome runInPieces(const QByteArray& stream, int pieceSize)
    {
        FakeResponse r = FakeResponse::sse(stream);
        r.pieceSize = pieceSize;
        r.pieceDelayMs = 1;
        m_server->enqueue(r);
        auto b = makeBackend();
        return run(*b);
    }

    Outcome run(RemoteBackend& b, bool cancelAfterFirstDelta = false, int timeoutMs = 20000)
    {
        Outcome o;
        QEventLoop loop;
        QElapsedTimer clock;
        clock.start();
        QString id;
        QObject ctx;
        connect(&b, &ChatBackend::delta, &ctx, [&](const QString& rid, const QString& text) {
            if (rid != id)
                return;
            o.text += text;
            ++o.deltas;
            if (cancelAfterFirstDelta && o.deltas == 1)
                b.cancel(id);
        });
        connect(&b, &ChatBackend::reasoningDelta, &ctx, [&](const QString& rid, const QString& text) {
            if (rid != id)
                return;
            o.reasoning += text;
            ++o.reasoningDeltas;
            if (!o.text.isEmpty())
                ++o.reasoningAfterText;
        });
        connect(&b, &ChatBackend::finished, &ctx, [&](const QString& rid, const GenerationStats& s) {
            if (rid != id)
                return;
            ++o.terminal;
            o.finished = true;
            o.stats = s;
            o.textAtEnd = o.text;
            o.reasoningAtEnd = o.reasoning;
            o.elapsedMs = clock.elapsed();
            loop.quit();
        });
        connect(&b, &ChatBackend::failed, &ctx, [&](const QString& rid, const BackendError& e) {
            if (rid != id)
                return;
            ++o.terminal;
            o.error = e;
            o.textAtEnd = o.text;
            o.reasoningAtEnd = o.reasoning;
            o.elapsedMs = clock.elapsed();
            loop.quit();
        });
        GenerationSettings settings;
        settings.maxTokens = 100;
        id = b.startChat({{QStringLiteral("user"), QStringLiteral("Salut, ça va ?")}}, settings);
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        loop.exec();
        QTest::qWait(30);   // a second terminal signal, if any, would arrive now
        return o;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        // Anything Qt writes to a temp dir or a standard location lands where we can scan it.
        qputenv("TMPDIR", QFile::encodeName(m_tmp.path()));
        QStandardPaths::setTestModeEnabled(true);
        LogCapture::install();
        registerChatTypes();
    }

    void init()
    {
        m_server = std::make_unique<FakeChatServer>();
        QVERIFY(m_server->listen());
    }

    void defaults()
    {
        RemoteBackend b;
        QCOMPARE(b.stallTimeoutMs(), 30000);
        QCOMPARE(b.maxAttempts(), 3);
        QCOMPARE(b.endpoint().baseUrl, QStringLiteral("https://api.mistral.ai"));
        QVERIFY(!b.isReady());   // no model yet
        b.setModel(QStringLiteral("mistral-large-latest"));
        QVERIFY(b.isReady());
        QCOMPARE(b.displayName(), QStringLiteral("mistral-large-latest · Mistral AI"));
    }

    void streamsRecordedAnswer()
    {
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.message + " / " + o.error.detail));
        QCOMPARE(o.terminal, 1);
        QCOMPARE(o.text, QString::fromUtf8(kMistralStreamText));
        QCOMPARE(o.stats.finishReason, QStringLiteral("stop"));
        QCOMPARE(o.stats.promptTokens, 12);
        QCOMPARE(o.stats.completionTokens, 9);
        QCOMPARE(o.stats.model, QStringLiteral("mistral-small-latest"));
        QVERIFY(o.stats.ttftMs >= 0);

        QCOMPARE(m_server->requests().size(), 1);
        const RecordedRequest& req = m_server->requests().first();
        QCOMPARE(req.method, QByteArray("POST"));
        QCOMPARE(req.path, QByteArray("/v1/chat/completions"));
        QCOMPARE(req.headers.value("authorization"), "Bearer " + kSecret.toUtf8());
        QCOMPARE(req.headers.value("content-type"), QByteArray("application/json"));
        QCOMPARE(req.headers.value("accept"), QByteArray("text/event-stream"));
        const QJsonObject body = QJsonDocument::fromJson(req.body).object();
        QCOMPARE(body.value("model").toString(), QStringLiteral("mistral-small-latest"));
        QCOMPARE(body.value("stream").toBool(), true);
        QCOMPARE(body.value("max_tokens").toInt(), 100);
        QVERIFY(!body.contains("stream_options"));
        QCOMPARE(body.value("messages").toArray().first().toObject().value("content").toString(),
                 QStringLiteral("Salut, ça va ?"));
    }

    void imageIsSentAsAnImagePart()
    {
        // An attached image reaches an OpenAI-compatible / Mistral endpoint as an `image_url`
        // part holding a base64 data URL, after the message's text.
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        auto b = makeBackend();
        QSignalSpy finished(b.get(), &ChatBackend::finished);
        const QByteArray png("\x89PNG\r\n\x1a\nimage", 13);
        ChatMessage question{QStringLiteral("user"), QStringLiteral("What is on this picture?"), {}};
        question.images.append({QStringLiteral("image/png"), png});
        b->startChat({{QStringLiteral("system"), QStringLiteral("Be brief."), {}}, question}, GenerationSettings{});
        QVERIFY(finished.wait(20000));
        QCOMPARE(m_server->requests().size(), 1);
        const QJsonArray messages =
            QJsonDocument::fromJson(m_server->requests().first().body).object().value("messages").toArray();
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages[0].toObject().value("content").toString(), QStringLiteral("Be brief."));
        const QJsonArray parts = messages[1].toObject().value("content").toArray();
        QCOMPARE(parts.size(), 2);
        QCOMPARE(parts[0].toObject().value("type").toString(), QStringLiteral("text"));
        QCOMPARE(parts[0].toObject().value("text").toString(), QStringLiteral("What is on this picture?"));
        QCOMPARE(parts[1].toObject().value("type").toString(), QStringLiteral("image_url"));
        QCOMPARE(parts[1].toObject().value("image_url").toObject().value("url").toString(),
                 QStringLiteral("data:image/png;base64,") + QString::fromLatin1(png.toBase64()));
    }

    void crlfStreamInSmallPieces()
    {
        QByteArray stream(kMistralStream);
        stream.replace("\n", "\r\n");
        const Outcome o = runInPieces(": keep-alive\r\n\r\n" + stream, 7);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        QCOMPARE(o.text, QString::fromUtf8(kMistralStreamText));
        QVERIFY(o.deltas > 1);   // text arrived in several reads and was passed on as it came
        // 9 tokens over several reads spaced by >= 1 ms: a finite, positive rate.
        QVERIFY(o.stats.tokensPerSecond > 0 && std::isfinite(o.stats.tokensPerSecond));
    }

    void arrayContentAndUsage()
    {
        m_server->enqueue(FakeResponse::sse(kArrayContentStream));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        QCOMPARE(o.text, QString::fromLatin1(kArrayContentText));       // thinking is not in the answer
        QCOMPARE(o.reasoning, QStringLiteral("The user greets me."));   // but is passed on apart
        QCOMPARE(o.reasoningAfterText, 0);
        QCOMPARE(o.stats.finishReason, QStringLiteral("length"));
        QCOMPARE(o.stats.promptTokens, 5);
        QCOMPARE(o.stats.completionTokens, 3);
        QCOMPARE(o.stats.model, QStringLiteral("magistral-small-latest"));
    }

    void httpErrors_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("serverSays");
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("tries");
        const struct {
            int status;
            int kind;
            int tries;
        } statuses[] = {
            {400, BackendError::BadRequest, 1},      {401, BackendError::Unauthorized, 1},
            {402, BackendError::PaymentRequired, 1}, {403, BackendError::Forbidden, 1},
            {404, BackendError::NotFound, 1},        {422, BackendError::InvalidParameters, 1},
            {429, BackendError::RateLimited, 3},     {500, BackendError::ServerError, 3},
            {502, BackendError::ServerError, 3},     {503, BackendError::ServerError, 3},
            {504, BackendError::ServerError, 3},
        };
        const struct {
            const char* name;
            QByteArray body;
            QString says;
        } shapes[] = {
            {"object-error",
             R"({"object":"error","message":"Xyzzy object message","type":"invalid_request_error","param":null,"code":"3001"})",
             "Xyzzy object message"},
            {"detail-list",
             R"({"detail":[{"loc":["body","temperature"],"msg":"Xyzzy detail msg","type":"value_error"}]})",
             "body.temperature: Xyzzy detail msg"},
            {"detail-string", R"({"detail":"Xyzzy detail string"})", "Xyzzy detail string"},
            {"message", R"({"message":"Xyzzy plain message"})", "Xyzzy plain message"},
        };
        for (const auto& s : statuses) {
            for (const auto& shape : shapes)
                QTest::addRow("%d-%s", s.status, shape.name)
                    << s.status << shape.body << shape.says << s.kind << s.tries;
        }
    }
    void httpErrors()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, serverSays);
        QFETCH(int, kind);
        QFETCH(int, tries);
        for (int i = 0; i < 3; ++i)   // as many as a retrying client could ask for
            m_server->enqueue(FakeResponse::json(status, "Reason", body));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY(!o.finished);
        QCOMPARE(o.terminal, 1);
        QCOMPARE(int(o.error.kind), kind);
        QCOMPARE(o.error.httpStatus, status);
        QVERIFY(!o.error.message.isEmpty());
        QVERIFY2(o.error.detail.contains(serverSays), qPrintable(o.error.detail));
        QCOMPARE(m_server->requests().size(), tries);
        QVERIFY(o.text.isEmpty());
    }

    void retryThenSuccessWithBackoff()
    {
        m_server->enqueue(FakeResponse::json(503, "Service Unavailable", R"({"message":"busy"})"));
        m_server->enqueue(FakeResponse::json(500, "Internal Server Error", "oops"));
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        auto b = makeBackend();
        b->setBackoffBaseMs(100);
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        QCOMPARE(o.text, QString::fromUtf8(kMistralStreamText));
        const auto& reqs = m_server->requests();
        QCOMPARE(reqs.size(), 3);
        // Backoff 100 ms then 200 ms (exponential). QTimer may fire a few ms early on a
        // coarse timer, hence the 10 % slack.
        QVERIFY2(reqs[1].receivedAtMs - reqs[0].receivedAtMs >= 90,
                 qPrintable(QString::number(reqs[1].receivedAtMs - reqs[0].receivedAtMs)));
        QVERIFY2(reqs[2].receivedAtMs - reqs[1].receivedAtMs >= 180,
                 qPrintable(QString::number(reqs[2].receivedAtMs - reqs[1].receivedAtMs)));
        QCOMPARE(reqs[2].body, reqs[0].body);   // the same request is sent again
    }

    void retryAfterIsHonoured()
    {
        FakeResponse limited =
            FakeResponse::json(429, "Too Many Requests", R"({"message":"Requests rate limit exceeded"})");
        limited.headers.append(qMakePair(QByteArray("Retry-After"), QByteArray("1")));
        m_server->enqueue(limited);
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        auto b = makeBackend();   // backoff is 20 ms: only Retry-After explains a 1 s wait
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        const auto& reqs = m_server->requests();
        QCOMPARE(reqs.size(), 2);
        QVERIFY2(reqs[1].receivedAtMs - reqs[0].receivedAtMs >= 950,
                 qPrintable(QString::number(reqs[1].receivedAtMs - reqs[0].receivedAtMs)));
    }

    void retryAfterTooLongFailsAtOnce()
    {
        FakeResponse limited = FakeResponse::json(429, "Too Many Requests", R"({"message":"slow down"})");
        limited.headers.append(qMakePair(QByteArray("Retry-After"), QByteArray("120")));
        m_server->enqueue(limited);
        auto b = makeBackend();
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::RateLimited));
        QVERIFY2(o.error.message.contains("120"), qPrintable(o.error.message));
        QCOMPARE(m_server->requests().size(), 1);
        QVERIFY(o.elapsedMs < 5000);
    }

    void streamCutBeforeDone()
    {
        QByteArray stream(kMistralStream);
        FakeResponse r = FakeResponse::sse(stream);
        r.cutAfter = stream.indexOf(" Ça va") + 20;   // after "Bonjour !", in the middle of an event
        m_server->enqueue(r);
        auto b = makeBackend();
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::StreamCut));
        QCOMPARE(o.text, QStringLiteral("Bonjour !"));
        QCOMPARE(m_server->requests().size(), 1);   // text was shown: never retried
    }

    void cutBeforeAnyText()
    {
        FakeResponse r = FakeResponse::sse(kMistralStream);
        r.cutAfter = 0;
        m_server->enqueue(r);
        auto b = makeBackend();
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::StreamCut));
        QVERIFY(o.text.isEmpty());
    }

    void notAChatServer()
    {
        FakeResponse page = FakeResponse::json(200, "OK", "<html><body>Welcome to nginx!</body></html>");
        page.contentType = "text/html";
        m_server->enqueue(page);
        auto b = makeBackend();
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::MalformedResponse));
        QVERIFY2(o.error.detail.contains("text/html"), qPrintable(o.error.detail));
        QVERIFY(o.text.isEmpty());
    }

    void finishReasonWithoutDone()
    {
        m_server->enqueue(
            FakeResponse::sse(chunk("Hi") + chunk("", "stop", R"({"prompt_tokens":3,"completion_tokens":1})")));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        QCOMPARE(o.text, QStringLiteral("Hi"));
        QCOMPARE(o.stats.completionTokens, 1);
    }

    void malformedJsonLine()
    {
        m_server->enqueue(FakeResponse::sse(chunk("Before") + "data: {\"choices\":[{\"delta\":{\"content\":\"x\"\n\n" +
                                            chunk("After", "stop") + "data: [DONE]\n\n"));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::MalformedResponse));
        QVERIFY(o.error.detail.contains("JSON"));
        QCOMPARE(o.text, QStringLiteral("Before"));   // what came before stays; nothing after
    }

    void errorInsideStream()
    {
        m_server->enqueue(FakeResponse::sse(
            chunk("Par") + QByteArray(R"(data: {"object":"error","message":"Xyzzy overloaded","type":"internal"})") +
            "\n\n"));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::ServerError));
        QVERIFY(o.error.detail.contains("Xyzzy overloaded"));
        QCOMPARE(o.text, QStringLiteral("Par"));
    }

    void finishReasonError()
    {
        m_server->enqueue(FakeResponse::sse(chunk("Par") + chunk("", "error") + "data: [DONE]\n\n"));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::ServerError));
        QCOMPARE(o.text, QStringLiteral("Par"));
    }

    void otherFinishReasons()
    {
        for (const char* reason : {"model_length", "tool_calls"}) {
            m_server->enqueue(FakeResponse::sse(chunk("x") + chunk("", reason) + "data: [DONE]\n\n"));
            auto b = makeBackend();
            const Outcome o = run(*b);
            QVERIFY(o.finished);
            QCOMPARE(o.stats.finishReason, QString::fromLatin1(reason));
        }
    }

    void reasoningContentInSmallPieces()
    {
        const Outcome o = runInPieces(kReasoningContentStream, 11);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        QCOMPARE(o.reasoning, QString::fromLatin1(kReasoningContentThinking));
        QCOMPARE(o.text, QStringLiteral("4"));
        QCOMPARE(o.reasoningAfterText, 0);   // the thinking came first, and was passed on first
        QCOMPARE(o.stats.completionTokens, 7);
        QVERIFY(o.stats.ttftMs >= 0);   // the first thinking token counts as the first token
    }

    // Thinking written inline in the content is passed on as the server sent it: the chat
    // controller separates it for every backend alike (tst_chatcontroller).
    void inlineThinkTagsArePassedOnAsText()
    {
        const Outcome o = runInPieces(kInlineThinkStream, 9);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        QCOMPARE(o.text, QStringLiteral("<think>\nTwo plus two is four.\n</think>\n\n**4**"));
        QVERIFY(o.reasoning.isEmpty());
    }

    void nonStreamedJsonAnswerWithReasoning()
    {
        m_server->enqueue(FakeResponse::json(
            200, "OK",
            R"({"id":"x","object":"chat.completion","model":"r1","choices":[{"index":0,"message":{"role":"assistant","reasoning_content":"Think.","content":"Answer."},"finish_reason":"stop"}]})"));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        QCOMPARE(o.reasoning, QStringLiteral("Think."));
        QCOMPARE(o.text, QStringLiteral("Answer."));
    }

    void nonStreamedJsonAnswer()
    {
        // A server that ignores stream=true and answers with one chat.completion object.
        m_server->enqueue(FakeResponse::json(
            200, "OK",
            R"({"id":"x","object":"chat.completion","model":"m2","choices":[{"index":0,"message":{"role":"assistant","content":"Whole answer"},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":2}})"));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        QCOMPARE(o.text, QStringLiteral("Whole answer"));
        QCOMPARE(o.stats.finishReason, QStringLiteral("stop"));
        QCOMPARE(o.stats.completionTokens, 2);
        QCOMPARE(o.stats.model, QStringLiteral("m2"));
    }

    void stallMidStream()
    {
        QByteArray stream(kMistralStream);
        FakeResponse r = FakeResponse::sse(stream);
        r.stallAfter = stream.indexOf("data:", 10);                 // first event (empty content) only
        r.stallAfter = stream.indexOf("data:", r.stallAfter + 1);   // ... and "Bonjour"
        m_server->enqueue(r);
        auto b = makeBackend();
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::Stalled));
        QCOMPARE(o.text, QStringLiteral("Bonjour"));
        QVERIFY(o.elapsedMs >= kStallMs);
        QVERIFY2(o.elapsedMs < 3000, qPrintable(QString::number(o.elapsedMs)));
        QCOMPARE(m_server->requests().size(), 1);
    }

    void serverNeverAnswers()
    {
        FakeResponse r;
        r.neverAnswer = true;
        m_server->enqueue(r);
        auto b = makeBackend();
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::Stalled));
        QVERIFY(o.elapsedMs >= kStallMs);
        QVERIFY2(o.elapsedMs < 3000, qPrintable(QString::number(o.elapsedMs)));
    }

    // One byte every 10 ms: slow, but never silent for the 300 ms stall timeout.
    void slowDrip()
    {
        const QByteArray stream = chunk("Lent", nullptr) + chunk(" mais sûr", "stop") + "data: [DONE]\n\n";
        FakeResponse r = FakeResponse::sse(stream);
        r.pieceSize = 1;
        r.pieceDelayMs = 10;
        m_server->enqueue(r);
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        QCOMPARE(o.text, QStringLiteral("Lent mais sûr"));
        QVERIFY(o.elapsedMs >= stream.size() * 10 * 0.9);   // it really dripped
    }

    // Past the default cap (4 Mi characters) the request stops with a clear error; the text
    // up to the cap was passed on, exactly, in a bounded number of deltas.
    void tenMegabyteAnswerStopsAtTheCap()
    {
        QByteArray stream;
        QString expected;
        for (int i = 0; expected.size() < 10 * 1024 * 1024; ++i) {
            const QString piece = QStringLiteral("[%1]").arg(i) + QString(1000, QChar(u'a' + i % 26));
            expected += piece;
            stream += chunk(piece);
        }
        stream += chunk("", "stop") + "data: [DONE]\n\n";
        FakeResponse r = FakeResponse::sse(stream);
        r.pieceSize = 64 * 1024;
        m_server->enqueue(r);
        auto b = makeBackend();
        QCOMPARE(b->maxAnswerChars(), qsizetype(4 * 1024 * 1024));
        b->setStallTimeoutMs(5000);   // a loaded CI machine may pause longer than 300 ms here
        const Outcome o = run(*b, false, 60000);
        QVERIFY(!o.finished);
        QCOMPARE(o.terminal, 1);
        QCOMPARE(int(o.error.kind), int(BackendError::MalformedResponse));
        QVERIFY2(o.error.message.contains("4,194,304") || o.error.message.contains("4194304"),
                 qPrintable(o.error.message));
        QVERIFY2(o.error.message.contains("kept"), qPrintable(o.error.message));
        QCOMPARE(o.textAtEnd.size(), b->maxAnswerChars());
        QVERIFY(o.textAtEnd == expected.left(b->maxAnswerChars()));
        QCOMPARE(o.text, o.textAtEnd);   // nothing after the error
        QVERIFY2(o.deltas <= o.elapsedMs * 60 / 1000 + 2,
                 qPrintable(QStringLiteral("%1 deltas in %2 ms").arg(o.deltas).arg(o.elapsedMs)));
    }

    // The cap counts thinking and answer together, and cuts inside the piece that crosses it.
    void answerCapCountsThinkingToo()
    {
        QByteArray stream;
        for (int i = 0; i < 10; ++i)
            stream += "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"" + QByteArray(50, 't') + "\"}}]}\n\n";
        for (int i = 0; i < 10; ++i)
            stream += chunk(QString(100, QChar(u'0' + i)));
        stream += chunk("", "stop") + "data: [DONE]\n\n";
        m_server->enqueue(FakeResponse::sse(stream));
        auto b = makeBackend();
        b->setMaxAnswerChars(1000);
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::MalformedResponse));
        QCOMPARE(o.reasoningAtEnd, QString(500, QChar(u't')));
        QCOMPARE(o.textAtEnd, QString(100, QChar(u'0')) + QString(100, QChar(u'1')) + QString(100, QChar(u'2')) +
                                  QString(100, QChar(u'3')) + QString(100, QChar(u'4')));
        QCOMPARE(o.terminal, 1);

        // Exactly at the cap is not past it.
        m_server->enqueue(FakeResponse::sse(stream));
        b->setMaxAnswerChars(1500);
        const Outcome exact = run(*b);
        QVERIFY2(exact.finished, qPrintable(exact.error.message));
        QCOMPARE(exact.text.size() + exact.reasoning.size(), 1500);
    }

    // A stream of many tiny chunks is passed on in at most ~60 emissions per second, in order,
    // with nothing lost: the thinking before the answer, the last piece before finished().
    void manyTinyChunksAreCoalesced()
    {
        QByteArray stream;
        QString thinking;
        QString text;
        for (int i = 0; i < 300; ++i) {
            const QByteArray c(1, char('a' + i % 26));
            thinking += QLatin1String(c);
            stream += "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"" + c + "\"}}]}\n\n";
        }
        for (int i = 0; i < 700; ++i) {
            const QString c = QString::number(i % 10);
            text += c;
            stream += "data: {\"choices\":[{\"delta\":{\"content\":\"" + c.toLatin1() + "\"}}]}\n\n";
        }
        stream += "data: {\"choices\":[{\"delta\":{\"content\":\"!\"},\"finish_reason\":\"stop\"}]}\n\n";
        text += QLatin1Char('!');
        // One event per read, a millisecond apart: without coalescing, one delta per event.
        FakeResponse r = FakeResponse::sse(stream);
        r.pieceSize = stream.indexOf("\n\n") + 2;
        r.pieceDelayMs = 1;
        m_server->enqueue(r);
        auto b = makeBackend();
        b->setStallTimeoutMs(5000);
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.detail));
        QCOMPARE(o.reasoningAtEnd, thinking);
        QCOMPARE(o.textAtEnd, text);   // the last piece ("!") came before finished()
        QCOMPARE(o.text, text);
        QCOMPARE(o.reasoningAfterText, 0);
        const int emissions = o.deltas + o.reasoningDeltas;
        // One emission per 17 ms at most, plus the one where thinking turns into text.
        QVERIFY2(emissions <= o.elapsedMs * 60 / 1000 + 3,
                 qPrintable(QStringLiteral("%1 emissions in %2 ms").arg(emissions).arg(o.elapsedMs)));
        QVERIFY2(emissions < 1001 / 4, qPrintable(QString::number(emissions)));   // far fewer than the events
        QVERIFY(o.deltas >= 2);   // still streamed, not held back to the end
    }

    void cancelAbortsAtOnce()
    {
        // Drip the stream so it is still going when we cancel.
        FakeResponse r = FakeResponse::sse(kMistralStream);
        r.pieceSize = 40;
        r.pieceDelayMs = 50;   // the whole stream would take ~2.7 s
        m_server->enqueue(r);
        auto b = makeBackend();
        const Outcome o = run(*b, /*cancelAfterFirstDelta=*/true);
        QVERIFY(o.finished);
        QCOMPARE(o.terminal, 1);
        QCOMPARE(o.stats.finishReason, QStringLiteral("cancelled"));
        QCOMPARE(o.deltas, 1);   // nothing after cancel
        // The first text comes with the 2nd piece (~100 ms); 1.5 s leaves room for a loaded
        // machine while staying well under the 2.7 s the whole drip takes.
        QVERIFY2(o.elapsedMs < 1500, qPrintable(QString::number(o.elapsedMs)));
        QVERIFY(!o.text.contains("très"));
        // The server sees the connection go away while it is still sending.
        QTRY_COMPARE_WITH_TIMEOUT(m_server->clientAborts(), 1, 1000);
    }

    void cancelDuringRetryWait()
    {
        m_server->enqueue(FakeResponse::json(503, "Service Unavailable", "{}"));
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        auto b = makeBackend();
        b->setBackoffBaseMs(500);
        QSignalSpy finishedSpy(b.get(), &ChatBackend::finished);
        QSignalSpy failedSpy(b.get(), &ChatBackend::failed);
        const QString id = b->startChat({{QStringLiteral("user"), QStringLiteral("x")}}, {});
        // The 503 has arrived when the backend says it will retry.
        QTRY_VERIFY(logHas(id, QStringLiteral("will retry in")));
        b->cancel(id);
        QVERIFY(finishedSpy.wait(1000));
        QCOMPARE(finishedSpy[0][1].value<GenerationStats>().finishReason, QStringLiteral("cancelled"));
        // Proving that nothing happens takes waiting past when it would (the 500 ms backoff).
        QTest::qWait(700);
        QCOMPARE(m_server->requests().size(), 1);   // the retry never went out
        QCOMPARE(failedSpy.count(), 0);
        QCOMPARE(finishedSpy.count(), 1);
    }

    void destroyedMidStream()
    {
        FakeResponse r = FakeResponse::sse(kMistralStream);
        r.pieceSize = 40;
        r.pieceDelayMs = 20;
        m_server->enqueue(r);
        auto b = makeBackend();
        int terminalSignals = 0;
        connect(b.get(), &ChatBackend::finished, this, [&] { ++terminalSignals; });
        connect(b.get(), &ChatBackend::failed, this, [&] { ++terminalSignals; });
        QSignalSpy deltas(b.get(), &ChatBackend::delta);
        b->startChat({{QStringLiteral("user"), QStringLiteral("x")}}, {});
        QVERIFY(deltas.wait(5000));   // mid-stream: text is flowing (the drip takes ~1 s)
        b.reset();                    // aborts without emitting, and nothing fires on a dead object later
        QTest::qWait(200);            // proving nothing fires takes waiting (past the 17 ms flush interval)
        QCOMPARE(terminalSignals, 0);
        QTRY_COMPARE_WITH_TIMEOUT(m_server->clientAborts(), 1, 1000);
    }

    void retryAfterHugeFailsAtOnce_data()
    {
        causerie::testing::addColumnRows<QByteArray>("retryAfter",
                                                     {{"seconds overflowing ms", "9223372036854776"},
                                                      {"seconds overflowing qint64", "99999999999999999999999999"},
                                                      {"a week", "604800"},
                                                      {"date far ahead", "Fri, 31 Dec 9999 23:59:59 GMT"}});
    }
    // Past the 60 s cap the request fails at once (it used to overflow and hang forever),
    // and the message says how long the server asked for.
    void retryAfterHugeFailsAtOnce()
    {
        QFETCH(QByteArray, retryAfter);
        FakeResponse limited = FakeResponse::json(429, "Too Many Requests", R"({"message":"slow down"})");
        limited.headers.append(qMakePair(QByteArray("Retry-After"), retryAfter));
        m_server->enqueue(limited);
        m_server->enqueue(FakeResponse::sse(kMistralStream));   // must never be asked for
        auto b = makeBackend();
        QCOMPARE(b->maxRetryWaitMs(), 60000);
        const Outcome o = run(*b, false, 10000);
        QCOMPARE(o.terminal, 1);   // not the run() timeout
        QCOMPARE(int(o.error.kind), int(BackendError::RateLimited));
        QVERIFY2(o.error.message.contains("more than a day"), qPrintable(o.error.message));
        QCOMPARE(m_server->requests().size(), 1);
    }

    void retryAfterHttpDateIsHonoured()
    {
        FakeResponse limited = FakeResponse::json(503, "Service Unavailable", "{}");
        // Three seconds ahead, at the format's one-second resolution: a wait of 2 to 3 s.
        const QDateTime when = QDateTime::currentDateTimeUtc().addSecs(3);
        limited.headers.append(
            qMakePair(QByteArray("Retry-After"),
                      QLocale::c().toString(when, QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'")).toLatin1()));
        m_server->enqueue(limited);
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.message));
        const auto& reqs = m_server->requests();
        QCOMPARE(reqs.size(), 2);
        // The 20 ms backoff cannot explain this gap; only the date does (1 s of slack for a
        // slow first request).
        QVERIFY2(reqs[1].receivedAtMs - reqs[0].receivedAtMs >= 1000,
                 qPrintable(QString::number(reqs[1].receivedAtMs - reqs[0].receivedAtMs)));
    }

    // llama.cpp's server accepts any key; with the dummy "x" its errors used to reach the
    // user as "e<redacted>ceeds ... conte<redacted>t".
    void dummyKeyDoesNotMangleServerErrors()
    {
        m_server->enqueue(FakeResponse::json(
            400, "Bad Request",
            R"({"error":{"code":400,"message":"request (6031 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error"}})"));
        auto b = makeBackend();
        b->setApiKey(ApiKey(QStringLiteral("x")));
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::BadRequest));
        QVERIFY2(o.error.message.contains("request (6031 tokens) exceeds the available context size (4096 tokens)"),
                 qPrintable(o.error.message));
        QVERIFY(!o.error.message.contains("redacted"));
        QCOMPARE(m_server->requests().first().headers.value("authorization"), QByteArray("Bearer x"));
    }

    // A real key the server echoes next to punctuation is still scrubbed.
    void echoedKeyIsScrubbed()
    {
        m_server->enqueue(FakeResponse::json(400, "Bad Request",
                                             "{\"message\":\"key \u0027" + kSecret.toUtf8() +
                                                 "\u0027 is not valid here: (" + kSecret.toUtf8() + ")\"}"));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY(!o.error.message.contains(kSecret));
        QVERIFY(!o.error.detail.contains(kSecret));
        QVERIFY2(o.error.message.contains("key '<redacted>' is not valid here: (<redacted>)"),
                 qPrintable(o.error.message));
    }

    // The fake server is reached through an HTTP proxy, so any host name can stand for a
    // computer on the network (nothing is resolved, nothing leaves 127.0.0.1).
    void keyNeverSentOverPlainHttpToAnotherComputer()
    {
        QNetworkAccessManager nam;
        nam.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), m_server->port()));
        auto b = makeBackend(QStringLiteral("http://gpu-box.invalid:8080"), &nam);
        b->setEndpoint(
            {QStringLiteral("lan"), QStringLiteral("GPU box"), QStringLiteral("http://gpu-box.invalid:8080")});
        b->setApiKey(ApiKey(kSecret));

        const Outcome refused = run(*b);
        QCOMPARE(int(refused.error.kind), int(BackendError::Configuration));
        QVERIFY2(refused.error.message.contains("GPU box") && refused.error.message.contains("gpu-box.invalid") &&
                     refused.error.message.contains("Allow insecure connection"),
                 qPrintable(refused.error.message));
        QCOMPARE(m_server->requests().size(), 0);
        QSignalSpy modelsFailed(b.get(), &RemoteBackend::modelsFailed);
        b->listModels();
        QVERIFY(modelsFailed.wait(5000));
        QCOMPARE(int(modelsFailed[0][1].value<BackendError>().kind), int(BackendError::Configuration));
        QCOMPARE(m_server->requests().size(), 0);

        // Ticked for this endpoint: it goes out (to the proxy, here), with the key.
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        b->setEndpoint(
            {QStringLiteral("lan"), QStringLiteral("GPU box"), QStringLiteral("http://gpu-box.invalid:8080"), true});
        const Outcome allowed = run(*b);
        QVERIFY2(allowed.finished, qPrintable(allowed.error.message));
        QCOMPARE(m_server->requests().size(), 1);
        QCOMPARE(m_server->requests()[0].path, QByteArray("http://gpu-box.invalid:8080/v1/chat/completions"));
        QCOMPARE(m_server->requests()[0].headers.value("authorization"), "Bearer " + kSecret.toUtf8());

        // Without a key (a local server on the network) nothing needs allowing.
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        b->setEndpoint(
            {QStringLiteral("lan"), QStringLiteral("GPU box"), QStringLiteral("http://gpu-box.invalid:8080")});
        b->setApiKey({});
        const Outcome keyless = run(*b);
        QVERIFY2(keyless.finished, qPrintable(keyless.error.message));
        QCOMPARE(m_server->requests().size(), 2);
        QVERIFY(!m_server->requests()[1].headers.contains("authorization"));
    }

    void anotherOriginDropsTheKey()
    {
        FakeChatServer other;
        QVERIFY(other.listen());
        other.enqueue(FakeResponse::sse(kMistralStream));
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        auto b = makeBackend();
        b->setEndpoint({QStringLiteral("test"), QStringLiteral("Fake"), m_server->baseUrl() + QStringLiteral("/v1/")});
        QVERIFY(run(*b).finished);   // same origin, another path: the key stays
        QCOMPARE(m_server->requests()[0].headers.value("authorization"), "Bearer " + kSecret.toUtf8());
        b->setEndpoint({QStringLiteral("test"), QStringLiteral("Fake"), other.baseUrl()});   // another port
        QVERIFY(run(*b).finished);
        QCOMPARE(other.requests().size(), 1);
        QVERIFY(!other.requests()[0].headers.contains("authorization"));
    }

    void credentialsInBaseUrlRefusedWhenUsed_data()
    {
        addCredentialColumns();
        // HOST is this row's fake server (it starts in init(), after this function).
        addCredentialRow("user:pass@", "http://bob:%1@HOST", "pw-7f3e9a1c", "password");
        addCredentialRow("?api-key=", "http://HOST/v1?api-key=%1", "qk-7f3e9a1c", "query string");
        addCredentialRow("#fragment", "http://HOST/v1#%1", "qk-7f3e9a1c", "fragment");
    }
    // An endpoint saved before these rules (or set by hand) is refused when used, with the
    // reason; the credentials reach neither the server nor a log line.
    void credentialsInBaseUrlRefusedWhenUsed()
    {
        QFETCH(QString, url);
        QFETCH(QString, secret);
        QFETCH(QString, reason);
        url.replace(QLatin1String("HOST"), QStringLiteral("127.0.0.1:%1").arg(m_server->port()));
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        auto b = makeBackend(url);
        QVERIFY(!b->isReady());
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::Configuration));
        QVERIFY2(o.error.message.contains(reason), qPrintable(o.error.message));
        QVERIFY2(!o.error.message.contains(secret) && !o.error.detail.contains(secret), qPrintable(o.error.message));
        QCOMPARE(m_server->requests().size(), 0);
        for (const QString& line : LogCapture::lines())
            QVERIFY2(!line.contains(secret), qPrintable(line));
    }

    // The key never follows a redirect to another origin (SameOriginRedirectPolicy): the other
    // server sees nothing, and the user is told why.
    void redirectToAnotherOriginDoesNotCarryTheKey()
    {
        FakeChatServer other;
        QVERIFY(other.listen());
        other.enqueue(FakeResponse::sse(kMistralStream));
        FakeResponse redirect = FakeResponse::json(307, "Temporary Redirect", {});
        // A signed target: the query must reach neither the message nor a log line.
        redirect.headers.append(
            qMakePair(QByteArray("Location"), other.baseUrl().toLatin1() + "/v1/chat/completions?sig=rd-9a8b7c6d"));
        m_server->enqueue(redirect);
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY2(!o.error.message.contains("rd-9a8b7c6d") && !o.error.detail.contains("rd-9a8b7c6d"),
                 qPrintable(o.error.detail));
        for (const QString& line : LogCapture::lines())
            QVERIFY2(!line.startsWith(QLatin1String("causerie.")) || !line.contains("rd-9a8b7c6d"), qPrintable(line));
        QVERIFY(!o.finished);
        QCOMPARE(o.terminal, 1);
        QCOMPARE(int(o.error.kind), int(BackendError::Configuration));
        QVERIFY2(o.error.message.contains(QStringLiteral("127.0.0.1:%1").arg(other.port())),
                 qPrintable(o.error.message));
        QCOMPARE(m_server->requests().size(), 1);
        QCOMPARE(other.requests().size(), 0);
        QVERIFY(!other.everythingReceived().contains(kSecret.toUtf8()));
    }

    // ... while a redirect on the same server is followed, key and body included.
    void sameOriginRedirectIsFollowed()
    {
        FakeResponse redirect = FakeResponse::json(307, "Temporary Redirect", {});
        redirect.headers.append(qMakePair(QByteArray("Location"), QByteArray("/moved/v1/chat/completions")));
        m_server->enqueue(redirect);
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        auto b = makeBackend();
        const Outcome o = run(*b);
        QVERIFY2(o.finished, qPrintable(o.error.message + " / " + o.error.detail));
        QCOMPARE(o.text, QString::fromUtf8(kMistralStreamText));
        const auto& reqs = m_server->requests();
        QCOMPARE(reqs.size(), 2);
        QCOMPARE(reqs[1].path, QByteArray("/moved/v1/chat/completions"));
        QCOMPARE(reqs[1].method, QByteArray("POST"));
        QCOMPARE(reqs[1].body, reqs[0].body);
        QCOMPARE(reqs[1].headers.value("authorization"), "Bearer " + kSecret.toUtf8());
    }

    void cancelUnknownIdIsHarmless()
    {
        auto b = makeBackend();
        b->cancel(QStringLiteral("no-such-request"));
    }

    void connectionRefused()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close();   // nothing listens there now
        auto b = makeBackend(QStringLiteral("http://127.0.0.1:%1").arg(port));
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::ConnectionRefused));
        QVERIFY(o.error.message.contains("127.0.0.1"));
    }

    void hostNotFound()
    {
        // .invalid is reserved (RFC 2606) and never resolves.
        auto b = makeBackend(QStringLiteral("https://no-such-host.invalid"));
        b->setStallTimeoutMs(15000);   // a resolver without network may take seconds to say no
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::HostNotFound));
        QVERIFY(o.error.message.contains("no-such-host.invalid"));
    }

    // A server with a self-signed certificate: the client must refuse it, not send the
    // request, and say it was a TLS problem.
    void tlsErrorIsNeverIgnored()
    {
        if (!QSslSocket::supportsSsl())
            QSKIP("Qt has no TLS backend here; the TLS path cannot be exercised");
        QTemporaryDir dir;
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                       "-keyout", dir.filePath("key.pem"), "-out", dir.filePath("cert.pem")});
        if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0)
            QSKIP("the openssl command is not available to make a self-signed certificate");
        QFile certFile(dir.filePath("cert.pem"));
        QFile keyFile(dir.filePath("key.pem"));
        QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setLocalCertificate(QSslCertificate(certFile.readAll()));
        config.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa));
        QSslServer server;
        server.setSslConfiguration(config);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        bool requestBytesSeen = false;
        connect(&server, &QSslServer::pendingConnectionAvailable, this, [&] {
            while (QTcpSocket* s = server.nextPendingConnection())
                connect(s, &QTcpSocket::readyRead, s, [&, s] { requestBytesSeen |= !s->readAll().isEmpty(); });
        });
        auto b = makeBackend(QStringLiteral("https://127.0.0.1:%1").arg(server.serverPort()));
        b->setStallTimeoutMs(10000);   // a 2048-bit handshake on a busy machine takes a moment
        const Outcome o = run(*b);
        QCOMPARE(int(o.error.kind), int(BackendError::Tls));
        QVERIFY(!requestBytesSeen);   // the HTTP request never went out
    }

    void modelList()
    {
        m_server->enqueue(FakeResponse::json(
            200, "OK",
            R"({"object":"list","data":[{"id":"mistral-small-latest","object":"model","max_context_length":32768},{"id":"codestral-latest","object":"model","max_context_length":262144}]})"));
        auto b = makeBackend();
        QSignalSpy listed(b.get(), &RemoteBackend::modelsListed);
        const QString id = b->listModels();
        QVERIFY(listed.wait(5000));
        QCOMPARE(listed[0][0].toString(), id);
        const auto models = listed[0][1].value<QList<RemoteModelInfo>>();
        QCOMPARE(models.size(), 2);
        QCOMPARE(models[1].id, QStringLiteral("codestral-latest"));
        QCOMPARE(models[1].contextLength, 262144);
        QCOMPARE(m_server->requests().first().method, QByteArray("GET"));
        QCOMPARE(m_server->requests().first().path, QByteArray("/v1/models"));
        QCOMPARE(m_server->requests().first().headers.value("authorization"), "Bearer " + kSecret.toUtf8());
    }

    void modelListUnauthorized()
    {
        // The server echoes the key it refused: it must not reach the error shown to the user.
        m_server->enqueue(FakeResponse::json(401, "Unauthorized",
                                             QByteArray(R"({"message":"Invalid API key: )") + kSecret.toUtf8() +
                                                 QByteArray(R"("})")));
        auto b = makeBackend();
        QSignalSpy failedSpy(b.get(), &RemoteBackend::modelsFailed);
        b->listModels();
        QVERIFY(failedSpy.wait(5000));
        const auto e = failedSpy[0][1].value<BackendError>();
        QCOMPARE(int(e.kind), int(BackendError::Unauthorized));
        QVERIFY(!e.message.contains(kSecret));
        QVERIFY(!e.detail.contains(kSecret));
        QVERIFY(e.detail.contains("Invalid API key"));
    }

    void configurationErrors()
    {
        auto b = makeBackend(QStringLiteral("api.mistral.ai"));   // no scheme
        QSignalSpy failedSpy(b.get(), &ChatBackend::failed);
        b->startChat({{QStringLiteral("user"), QStringLiteral("x")}}, {});
        QCOMPARE(failedSpy.count(), 0);   // never from inside startChat
        QVERIFY(failedSpy.wait(1000));
        QCOMPARE(int(failedSpy[0][1].value<BackendError>().kind), int(BackendError::Configuration));

        auto noModel = makeBackend();
        noModel->setModel({});
        const Outcome o = run(*noModel);
        QCOMPARE(int(o.error.kind), int(BackendError::Configuration));
        QVERIFY(m_server->requests().isEmpty());
    }

    void noKeyNoAuthorizationHeader()
    {
        m_server->enqueue(FakeResponse::sse(kMistralStream));
        auto b = makeBackend();
        b->setApiKey({});
        QVERIFY(run(*b).finished);
        QVERIFY(!m_server->requests().first().headers.contains("authorization"));
    }

    void twoRequestsAtOnce()
    {
        FakeResponse slow = FakeResponse::sse(chunk("one", "stop") + "data: [DONE]\n\n");
        slow.pieceSize = 10;
        slow.pieceDelayMs = 5;
        m_server->enqueue(slow);
        m_server->enqueue(FakeResponse::sse(chunk("two", "stop") + "data: [DONE]\n\n"));
        auto b = makeBackend();
        QSignalSpy finishedSpy(b.get(), &ChatBackend::finished);
        QHash<QString, QString> text;
        connect(b.get(), &ChatBackend::delta, this, [&](const QString& id, const QString& t) { text[id] += t; });
        const QString a = b->startChat({{QStringLiteral("user"), QStringLiteral("a")}}, {});
        QTRY_COMPARE(m_server->requests().size(), 1);   // keep the order of the scripted answers
        const QString c = b->startChat({{QStringLiteral("user"), QStringLiteral("b")}}, {});
        QTRY_COMPARE_WITH_TIMEOUT(finishedSpy.count(), 2, 5000);
        QCOMPARE(text[a], QStringLiteral("one"));
        QCOMPARE(text[c], QStringLiteral("two"));
    }

    // Runs last (test functions run in declaration order): everything above logged with
    // causerie.* at debug level, and sent the key on every request.
    void keyInNoLogLineAndNoFile()
    {
        QVERIFY(!LogCapture::lines().isEmpty());
        bool sawRemoteCategory = false;
        for (const QString& line : LogCapture::lines()) {
            QVERIFY2(!line.contains(kSecret), qPrintable(line));
            sawRemoteCategory |= line.startsWith(QLatin1String("causerie.remote"));
        }
        QVERIFY(sawRemoteCategory);   // the capture really saw our category
        const QStringList dirs{m_tmp.path(), QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation),
                               QStandardPaths::writableLocation(QStandardPaths::AppDataLocation),
                               QStandardPaths::writableLocation(QStandardPaths::CacheLocation)};
        for (const QString& dir : dirs) {
            QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                QFile f(it.next());
                QVERIFY(f.open(QIODevice::ReadOnly));
                QVERIFY2(!f.readAll().contains(kSecret.toUtf8()), qPrintable(f.fileName()));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestRemoteBackend)
#include "tst_remotebackend.moc"
