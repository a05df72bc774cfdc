// Wire format: URLs, request bodies, chunk parsing, error bodies of every shape, model
// lists, Retry-After, the HTTP status → user message mapping, and scrubbing keys out of
// server texts.
#include "recordedstreams.h"
#include "remoteerrors.h"
#include "remoteprotocol.h"
#include "thinktagsplitter.h"
#include "ssestreamparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <limits>
#include <optional>

namespace {

// The chunks of a recorded SSE stream up to [DONE]; nullopt, with the message in *error, at
// the first one that does not parse.
std::optional<QList<ChatChunk>> chunksOf(const QByteArray& stream, QString* error)
{
    SseStreamParser parser;
    QList<ChatChunk> out;
    for (const SseEvent& e : parser.feed(stream)) {
        if (e.data == "[DONE]")
            break;
        const std::optional<ChatChunk> c = parseChatChunk(e.data, error);
        if (!c)
            return std::nullopt;
        out.append(*c);
    }
    return out;
}

}   // namespace

class TestRemoteProtocol : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Queued connections (LocalBackend's worker thread) look types up by name.
    void metatypesRegistered()
    {
        registerChatTypes();
        for (const char* name :
             {"ChatMessage", "QList<ChatMessage>", "GenerationSettings", "GenerationStats", "BackendError"})
            QVERIFY2(QMetaType::fromName(name).isValid(), name);
        BackendError e;
        e.kind = BackendError::Stalled;
        e.message = QStringLiteral("m");
        const QVariant v = QVariant::fromValue(e);
        QCOMPARE(int(v.value<BackendError>().kind), int(BackendError::Stalled));
        QCOMPARE(v.value<BackendError>().message, QStringLiteral("m"));
    }

    void apiUrl_data()
    {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("expected");
        const QString mistral = QStringLiteral("https://api.mistral.ai/v1/chat/completions");
        QTest::newRow("root") << "https://api.mistral.ai" << mistral;
        QTest::newRow("slash") << "https://api.mistral.ai/" << mistral;
        QTest::newRow("v1") << "https://api.mistral.ai/v1" << mistral;
        QTest::newRow("v1/") << " https://api.mistral.ai/v1/ " << mistral;
        QTest::newRow("port+prefix") << "http://127.0.0.1:8080/llm"
                                     << "http://127.0.0.1:8080/llm/v1/chat/completions";
        // No URL (expected empty) for these. The last ones: credentials or parameters would go
        // out with every request (and into logs).
        const char* const refused[][2] = {{"ftp", "ftp://example.org"},
                                          {"no scheme", "api.mistral.ai"},
                                          {"empty", ""},
                                          {"user:pass@", "https://user:pass@api.example.com"},
                                          {"user@", "https://user@api.example.com"},
                                          {"?api-key=", "https://api.example.com/v1?api-key=abc"},
                                          {"?key=", "https://api.example.com?key=abc"},
                                          {"empty query", "https://api.example.com/v1?"},
                                          {"fragment", "https://api.example.com/v1#key"}};
        for (const auto& [name, base] : refused)
            QTest::newRow(name) << QString::fromUtf8(base) << QString();
    }
    void apiUrl()
    {
        QFETCH(QString, base);
        QFETCH(QString, expected);
        const QUrl url = remoteApiUrl(base, QStringLiteral("chat/completions"));
        if (expected.isEmpty())
            QVERIFY(!url.isValid());
        else
            QCOMPARE(url.toString(), expected);
    }

    void requestBody()
    {
        GenerationSettings s;
        s.temperature = 0.3;
        s.topP = 0.9;
        s.maxTokens = 64;
        s.seed = 1234;
        s.stop = {QStringLiteral("</end>")};
        s.safePrompt = true;
        s.topK = 40;   // engine-only settings must not be sent: the Mistral API rejects unknown fields
        const QByteArray body = buildChatRequestBody(QStringLiteral("mistral-small-latest"),
                                                     {{QStringLiteral("system"), QStringLiteral("Be brief.")},
                                                      {QStringLiteral("user"), QStringLiteral("Salut ç")}},
                                                     s);
        const QJsonObject o = QJsonDocument::fromJson(body).object();
        QCOMPARE(o.value("model").toString(), QStringLiteral("mistral-small-latest"));
        QCOMPARE(o.value("stream").toBool(), true);
        QCOMPARE(o.value("temperature").toDouble(), 0.3);
        QCOMPARE(o.value("top_p").toDouble(), 0.9);
        QCOMPARE(o.value("max_tokens").toInt(), 64);
        QCOMPARE(o.value("random_seed").toInteger(), 1234);
        QCOMPARE(o.value("stop").toArray(), QJsonArray{"</end>"});
        QCOMPARE(o.value("safe_prompt").toBool(), true);
        const QJsonArray messages = o.value("messages").toArray();
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages[1].toObject().value("role").toString(), QStringLiteral("user"));
        QCOMPARE(messages[1].toObject().value("content").toString(), QStringLiteral("Salut ç"));
        const QStringList allowed{"model",      "messages",    "stream", "temperature", "top_p",
                                  "max_tokens", "random_seed", "stop",   "safe_prompt"};
        for (const QString& key : o.keys())
            QVERIFY2(allowed.contains(key), qPrintable(key));
        QVERIFY(!o.contains("stream_options"));
    }

    void requestBodyOmitsUnset()
    {
        const QJsonObject o = QJsonDocument::fromJson(buildChatRequestBody("m", {}, GenerationSettings{})).object();
        QVERIFY(!o.contains("max_tokens"));   // 0 = no limit
        QVERIFY(!o.contains("random_seed"));
        QVERIFY(!o.contains("stop"));
        QVERIFY(!o.contains("safe_prompt"));
        QCOMPARE(o.value("temperature").toDouble(), 0.7);
    }

    void recordedStreamChunks()
    {
        QString error;
        const auto chunks = chunksOf(kMistralStream, &error);
        QVERIFY2(chunks, qPrintable(error));
        QCOMPARE(chunks->size(), 7);
        QString text;
        for (const ChatChunk& c : *chunks)
            text += c.text;
        const ChatChunk& last = chunks->last();
        QCOMPARE(text, QString::fromUtf8(kMistralStreamText));
        QCOMPARE(last.finishReason, QStringLiteral("stop"));
        QCOMPARE(last.promptTokens, 12);
        QCOMPARE(last.completionTokens, 9);
        QCOMPARE(last.model, QStringLiteral("mistral-small-latest"));
    }

    void arrayContent()
    {
        QString error;
        const auto chunks = chunksOf(kArrayContentStream, &error);
        QVERIFY2(chunks, qPrintable(error));
        QString text, thinking;
        for (const ChatChunk& c : *chunks) {
            text += c.text;
            thinking += c.thinking;
        }
        QCOMPARE(text, QString::fromLatin1(kArrayContentText));
        QCOMPARE(thinking, QStringLiteral("The user greets me."));
    }

    void reasoningFields_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("thinking");
        QTest::newRow("reasoning_content")
            << QByteArray(R"({"choices":[{"index":0,"delta":{"reasoning_content":"hm","content":null}}]})") << QString()
            << QStringLiteral("hm");
        QTest::newRow("reasoning") << QByteArray(R"({"choices":[{"index":0,"delta":{"reasoning":"hm","content":""}}]})")
                                   << QString() << QStringLiteral("hm");
        QTest::newRow("both kinds in one chunk")
            << QByteArray(R"({"choices":[{"index":0,"delta":{"reasoning_content":"a","content":"b"}}]})")
            << QStringLiteral("b") << QStringLiteral("a");
        // Not a string: ignored rather than turned into "[object]" or "5".
        QTest::newRow("number") << QByteArray(
                                       R"({"choices":[{"index":0,"delta":{"reasoning_content":5,"content":"x"}}]})")
                                << QStringLiteral("x") << QString();
        QTest::newRow("object")
            << QByteArray(R"({"choices":[{"index":0,"delta":{"reasoning":{"effort":"high"},"content":"x"}}]})")
            << QStringLiteral("x") << QString();
    }

    void reasoningFields()
    {
        QFETCH(QByteArray, payload);
        QFETCH(QString, text);
        QFETCH(QString, thinking);
        QString error;
        const std::optional<ChatChunk> c = parseChatChunk(payload, &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->text, text);
        QCOMPARE(c->thinking, thinking);
    }

    // Inline "<think>…</think>" cut at every point, fed as two pieces and as one character at a
    // time: always the same split, no tag text in either part.
    void thinkTagsAtEverySplit_data()
    {
        QTest::addColumn<QString>("stream");
        QTest::addColumn<QString>("thinking");
        QTest::addColumn<QString>("text");
        QTest::newRow("thinking then answer") << QStringLiteral("  <think>\nTwo and two.\n</think>\n\nIt is 4.")
                                              << QStringLiteral("Two and two.\n") << QStringLiteral("It is 4.");
        QTest::newRow("no thinking") << QStringLiteral("Hello <think> is a tag</think> here.") << QString()
                                     << QStringLiteral("Hello <think> is a tag</think> here.");
        QTest::newRow("another tag") << QStringLiteral("<thinking>not ours</thinking>") << QString()
                                     << QStringLiteral("<thinking>not ours</thinking>");
        QTest::newRow("never closed") << QStringLiteral("<think>still going") << QStringLiteral("still going")
                                      << QString();
        QTest::newRow("cut inside the tag") << QStringLiteral("\n<thi") << QString() << QStringLiteral("\n<thi");
        QTest::newRow("empty answer") << QStringLiteral("<think>x</think>") << QStringLiteral("x") << QString();
        QTest::newRow("almost a closing tag")
            << QStringLiteral("<think>a </thin b</think>c") << QStringLiteral("a </thin b") << QStringLiteral("c");
        QTest::newRow("accented") << QStringLiteral("<think>réfléchir…</think>Voilà.") << QStringLiteral("réfléchir…")
                                  << QStringLiteral("Voilà.");
    }

    void thinkTagsAtEverySplit()
    {
        QFETCH(QString, stream);
        QFETCH(QString, thinking);
        QFETCH(QString, text);
        auto run = [](const QList<QString>& pieces) {
            ThinkTagSplitter s;
            ThinkTagSplitter::Out all;
            for (const QString& p : pieces) {
                const ThinkTagSplitter::Out o = s.feed(p);
                all.thinking += o.thinking;
                all.text += o.text;
            }
            const ThinkTagSplitter::Out o = s.finish();
            all.thinking += o.thinking;
            all.text += o.text;
            return all;
        };
        for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
            const ThinkTagSplitter::Out o = run({stream.left(cut), stream.mid(cut)});
            QVERIFY2(
                o.thinking == thinking && o.text == text,
                qPrintable(QStringLiteral("cut at %1: thinking \"%2\", text \"%3\"").arg(cut).arg(o.thinking, o.text)));
        }
        QList<QString> chars;
        for (const QChar c : stream)
            chars << QString(c);
        const ThinkTagSplitter::Out o = run(chars);
        QCOMPARE(o.thinking, thinking);
        QCOMPARE(o.text, text);
    }

    // DeepSeek-R1's newer template ends the prompt with "<think>\n": the answer begins inside the
    // thinking, with no opening tag; a splitter told so puts it there, at every cut.
    void thinkingOpenedByThePrompt_data()
    {
        QTest::addColumn<QString>("stream");
        QTest::addColumn<QString>("thinking");
        QTest::addColumn<QString>("text");
        QTest::newRow("closed") << QStringLiteral("\nTwo and two.\n</think>\n\nIt is 4.")
                                << QStringLiteral("Two and two.\n") << QStringLiteral("It is 4.");
        QTest::newRow("never closed") << QStringLiteral("Still thinking") << QStringLiteral("Still thinking")
                                      << QString();
        QTest::newRow("a <think> inside is thinking text")
            << QStringLiteral("About <think> tags</think>Done.") << QStringLiteral("About <think> tags")
            << QStringLiteral("Done.");
    }

    void thinkingOpenedByThePrompt()
    {
        QFETCH(QString, stream);
        QFETCH(QString, thinking);
        QFETCH(QString, text);
        for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
            ThinkTagSplitter s(true);
            ThinkTagSplitter::Out all = s.feed(stream.left(cut));
            const ThinkTagSplitter::Out b = s.feed(stream.mid(cut));
            const ThinkTagSplitter::Out c = s.finish();
            all.thinking += b.thinking + c.thinking;
            all.text += b.text + c.text;
            QVERIFY2(
                all.thinking == thinking && all.text == text,
                qPrintable(
                    QStringLiteral("cut at %1: thinking \"%2\", text \"%3\"").arg(cut).arg(all.thinking, all.text)));
        }
        // The same stream through a splitter not told: an answer that starts without a tag.
        ThinkTagSplitter plain;
        const ThinkTagSplitter::Out o = plain.feed(stream);
        QVERIFY(o.thinking.isEmpty());
    }

    void thinkTagTextIsPassedOnAsItComes()
    {
        // Not held back longer than a tag could be: a long thinking streams piece by piece.
        ThinkTagSplitter s;
        QCOMPARE(s.feed(QStringLiteral("<think>")).thinking, QString());
        QCOMPARE(s.feed(QStringLiteral("first thought, ")).thinking, QStringLiteral("first thought, "));
        QCOMPARE(s.feed(QStringLiteral("second</")).thinking, QStringLiteral("second"));   // "</" may be a tag
        const ThinkTagSplitter::Out o = s.feed(QStringLiteral("think>Answer"));
        QCOMPARE(o.thinking, QString());
        QCOMPARE(o.text, QStringLiteral("Answer"));
        QCOMPARE(s.feed(QStringLiteral(" goes on")).text, QStringLiteral(" goes on"));
    }

    void badChunks_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::newRow("truncated") << QByteArray(R"({"choices":[{"delta":{"content":"hi")");
        QTest::newRow("not object") << QByteArray("[1,2]");
        QTest::newRow("no choices") << QByteArray(R"({"id":"x"})");
        QTest::newRow("garbage") << QByteArray("hello");
    }
    void badChunks()
    {
        QFETCH(QByteArray, payload);
        QString error;
        QVERIFY(!parseChatChunk(payload, &error));
        QVERIFY(!error.isEmpty());
    }

    void errorInStream()
    {
        QString error;
        const auto c = parseChatChunk(
            R"({"object":"error","message":"Model overloaded","type":"service_unavailable","code":"3505"})", &error);
        QVERIFY(c);
        QCOMPARE(c->errorMessage, QStringLiteral("Model overloaded"));
    }

    void errorBodies_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("expected");
        QTest::newRow("mistral object")
            << QByteArray(
                   R"({"object":"error","message":"Invalid model: mistral-huge","type":"invalid_model","param":null,"code":"1500"})")
            << "Invalid model: mistral-huge";
        QTest::newRow("mistral nested json")
            << QByteArray("{\"object\":\"error\",\"message\":\"{\\\"detail\\\":\\\"Unauthorized\\\"}\",\"type\":"
                          "\"invalid_request_error\",\"param\":null,\"code\":null}")
            << "Unauthorized";
        QTest::newRow("detail list")
            << QByteArray(
                   R"({"detail":[{"loc":["body","messages",0,"role"],"msg":"Input should be 'user'","type":"literal_error"},{"loc":["body","temperature"],"msg":"Input should be less than or equal to 1.5","type":"less_than_equal"}]})")
            << "body.messages.0.role: Input should be 'user'; body.temperature: Input should be less than or equal to "
               "1.5";
        QTest::newRow("detail string") << QByteArray(R"({"detail":"Not Found"})") << "Not Found";
        QTest::newRow("message") << QByteArray(R"({"message":"Requests rate limit exceeded"})")
                                 << "Requests rate limit exceeded";
        QTest::newRow("openai error")
            << QByteArray(R"({"error":{"message":"model 'x' not found","type":"invalid_request_error","code":404}})")
            << "model 'x' not found";
        QTest::newRow("error string") << QByteArray(R"({"error":"bad gateway"})") << "bad gateway";
        QTest::newRow("plain text") << QByteArray("upstream connect error\n") << "upstream connect error";
        QTest::newRow("html") << QByteArray("<html><body><h1>502 Bad Gateway</h1></body></html>") << "";
        QTest::newRow("empty") << QByteArray() << "";
        QTest::newRow("json without message") << QByteArray(R"({"foo":1})") << "";
    }
    void errorBodies()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, expected);
        QCOMPARE(parseErrorBody(body), expected);
    }

    void modelList()
    {
        const QByteArray json = R"({"object":"list","data":[
            {"id":"mistral-small-latest","object":"model","owned_by":"mistralai","max_context_length":32768},
            {"id":"Qwen/Qwen2.5-7B","object":"model","max_model_len":8192},
            {"id":"local.gguf","object":"model","meta":{"n_ctx_train":4096}},
            {"id":"unknown-ctx","object":"model"},
            {"object":"model"}]})";
        QString error;
        const auto models = parseModelList(json, &error);
        QVERIFY2(models, qPrintable(error));
        QCOMPARE(models->size(), 4);   // the entry without id is skipped
        QCOMPARE(models->at(0).id, QStringLiteral("mistral-small-latest"));
        QCOMPARE(models->at(0).contextLength, 32768);
        QCOMPARE(models->at(1).contextLength, 8192);
        QCOMPARE(models->at(2).contextLength, 4096);
        QCOMPARE(models->at(3).contextLength, -1);
        QVERIFY(!parseModelList("{\"object\":\"list\"}", &error));
        QVERIFY(error.contains("data"));
        QVERIFY(!parseModelList("{not json", &error));
    }

    void retryAfter()
    {
        const QDateTime now(QDate(2015, 10, 21), QTime(7, 27, 0), Qt::UTC);
        QCOMPARE(parseRetryAfterMs("2", now), std::optional<qint64>(2000));
        QCOMPARE(parseRetryAfterMs(" 0 ", now), std::optional<qint64>(0));
        QCOMPARE(parseRetryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT", now), std::optional<qint64>(60000));
        QCOMPARE(parseRetryAfterMs("Wed, 21 Oct 2015 07:00:00 GMT", now), std::optional<qint64>(0));   // in the past
        QCOMPARE(parseRetryAfterMs("", now), std::nullopt);
        QCOMPARE(parseRetryAfterMs("-5", now), std::nullopt);
        QCOMPARE(parseRetryAfterMs("soon", now), std::nullopt);
        // Too large for qint64 milliseconds: saturates instead of overflowing into a
        // negative or small wait (which the backend would have honoured, or waited on forever).
        constexpr qint64 kMax = std::numeric_limits<qint64>::max();
        QCOMPARE(parseRetryAfterMs("9223372036854775", now), std::optional<qint64>(9223372036854775000));
        QCOMPARE(parseRetryAfterMs("9223372036854776", now), std::optional<qint64>(kMax));
        QCOMPARE(parseRetryAfterMs("99999999999999999999999999", now), std::optional<qint64>(kMax));
        // A date far ahead: a very long (but exact) wait, for the backend to refuse.
        const std::optional<qint64> far = parseRetryAfterMs("Fri, 31 Dec 9999 23:59:59 GMT", now);
        QVERIFY(far);
        QCOMPARE(*far, now.msecsTo(QDateTime(QDate(9999, 12, 31), QTime(23, 59, 59), Qt::UTC)));
        QVERIFY(*far > qint64(7900) * 365 * 24 * 3600 * 1000);
    }

    void scrubSecret_data()
    {
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        // A text with nothing to scrub: it stays whole.
        const auto kept = [](const char* tag, const char* secret, const char* text) {
            QTest::newRow(tag) << secret << text << text;
        };
        // The dummy key local servers accept: too short to be a secret.
        kept("dummy x", "x", "request (6031 tokens) exceeds the available context size, try increasing it");
        kept("7 chars", "abcdefg", "key abcdefg refused");
        const char* key = "sk-5c7a1e9b3d2f40aa";
        QTest::newRow("real key in text") << key << "Invalid API key sk-5c7a1e9b3d2f40aa for this project"
                                          << "Invalid API key <redacted> for this project";
        QTest::newRow("at both ends") << key << key << "<redacted>";
        QTest::newRow("punctuation")
            << key << "key 'sk-5c7a1e9b3d2f40aa'. (sk-5c7a1e9b3d2f40aa), \"sk-5c7a1e9b3d2f40aa\"; =sk-5c7a1e9b3d2f40aa!"
            << "key '<redacted>'. (<redacted>), \"<redacted>\"; =<redacted>!";
        QTest::newRow("json") << key << R"({"key":"sk-5c7a1e9b3d2f40aa"})"
                              << R"({"key":"<redacted>"})";
        QTest::newRow("bearer") << key << "Authorization: Bearer sk-5c7a1e9b3d2f40aa\nnext"
                                << "Authorization: Bearer <redacted>\nnext";
        QTest::newRow("dash before") << "abcdefgh12"
                                     << "x-abcdefgh12"
                                     << "x-<redacted>";
        // A word that merely contains a dummy key ("password" as the key) is not mangled.
        kept("inside a word", "password", "passwords must not be empty; unpassword");
        QTest::newRow("inside and whole") << "password"
                                          << "passwords: password"
                                          << "passwords: <redacted>";
        kept("no key", "", "nothing to hide");
    }
    void scrubSecret()
    {
        QFETCH(QString, secret);
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QCOMPARE(::scrubSecret(text, secret), expected);
    }

    void statusMapping_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("kind");
        QTest::addColumn<bool>("retryable");
        QTest::newRow("400") << 400 << int(BackendError::BadRequest) << false;
        QTest::newRow("401") << 401 << int(BackendError::Unauthorized) << false;
        QTest::newRow("402") << 402 << int(BackendError::PaymentRequired) << false;
        QTest::newRow("403") << 403 << int(BackendError::Forbidden) << false;
        QTest::newRow("404") << 404 << int(BackendError::NotFound) << false;
        QTest::newRow("422") << 422 << int(BackendError::InvalidParameters) << false;
        QTest::newRow("429") << 429 << int(BackendError::RateLimited) << true;
        QTest::newRow("500") << 500 << int(BackendError::ServerError) << true;
        QTest::newRow("502") << 502 << int(BackendError::ServerError) << true;
        QTest::newRow("503") << 503 << int(BackendError::ServerError) << true;
        QTest::newRow("504") << 504 << int(BackendError::ServerError) << true;
        QTest::newRow("505") << 505 << int(BackendError::ServerError) << false;
        QTest::newRow("418") << 418 << int(BackendError::BadRequest) << false;
    }
    void statusMapping()
    {
        QFETCH(int, status);
        QFETCH(int, kind);
        QFETCH(bool, retryable);
        HttpFailure f;
        f.status = status;
        f.serverMessage = QStringLiteral("the server's words");
        f.model = QStringLiteral("mistral-tiny");
        const BackendError e = errorForHttpStatus(f);
        QCOMPARE(int(e.kind), kind);
        QCOMPARE(e.httpStatus, status);
        QCOMPARE(isRetryableStatus(status), retryable);
        QVERIFY(!e.message.isEmpty());
        QVERIFY(e.detail.contains(QString::number(status)));
        QVERIFY(e.detail.contains("the server's words"));
        if (status == 404 || status == 403)
            QVERIFY(e.message.contains("mistral-tiny"));
        if (status == 400 || status == 422)   // the server says which field: the user needs it
            QVERIFY(e.message.contains("the server's words"));
    }
};

QTEST_GUILESS_MAIN(TestRemoteProtocol)
#include "tst_remoteprotocol.moc"
