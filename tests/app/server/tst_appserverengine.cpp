// The app's local server: OpenAiServer over AppServerEngine over the window's LocalBackend, on
// the tiny model, everything on this (the GUI) thread as in the app; the HTTP clients are
// blocking and run on threads of their own. The window's chats and the server's requests share
// one engine queue (the chat first), each client keeps its K/V prefix, and the GUI thread never
// waits for a request.
#include "appserverengine.h"
#include "engineworker.h"
#include "localbackend.h"
#include "openaiserver.h"
#include "openaijson.h"
#include "rawhttp.h"
#include "../local/tst_local_util.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

using namespace causerie::server;

namespace {

constexpr int kContext = 512;

using Reply = std::future<rawhttp::Response>;

template <typename T>
bool isReady(const std::future<T>& r)
{
    return r.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

// Holds the engine thread with a job of its own until released: what is submitted meanwhile
// waits in the queue, so the order and the queue's bound can be observed exactly.
class EngineHold {
public:
    explicit EngineHold(LocalBackend& local)
    {
        local.post([s = m_state](EngineWorker&) {
            std::unique_lock lock(s->mutex);
            s->holding = true;
            s->cv.wait_for(lock, std::chrono::seconds(60), [&] { return s->released; });
        });
    }
    ~EngineHold() { release(); }
    bool holding()
    {
        std::lock_guard lock(m_state->mutex);
        return m_state->holding;
    }
    void release()
    {
        std::lock_guard lock(m_state->mutex);
        m_state->released = true;
        m_state->cv.notify_all();
    }

private:
    struct State {
        std::mutex mutex;
        std::condition_variable cv;
        bool holding = false;
        bool released = false;
    };
    std::shared_ptr<State> m_state = std::make_shared<State>();
};

// AppServerEngine with every result recorded (GenerationResult carries what HTTP does not
// show: the reused prompt tokens) and a hook called on the engine thread at each piece.
class RecordingEngine final : public ServerEngine {
public:
    explicit RecordingEngine(LocalBackend* local, int maxQueue)
        : inner(local, maxQueue)
    {
    }
    EngineState state() const override { return inner.state(); }
    std::string failure() const override { return inner.failure(); }
    std::string model_id() const override { return inner.model_id(); }
    std::vector<std::string> model_aliases() const override { return inner.model_aliases(); }
    bool submit(GenerationRequest request, std::shared_ptr<GenerationSink> sink,
                std::shared_ptr<std::atomic<bool>> cancel) override
    {
        {
            std::lock_guard lock(mutex);
            lastCancel = cancel;
        }
        return inner.submit(std::move(request), std::make_shared<Sink>(this, std::move(sink)), std::move(cancel));
    }
    std::vector<GenerationResult> results()
    {
        std::lock_guard lock(mutex);
        return m_results;
    }

    AppServerEngine inner;
    std::mutex mutex;
    std::function<void(int piece)> onPiece;          // engine thread; set before requests
    std::shared_ptr<std::atomic<bool>> lastCancel;   // the last request's cancel flag (under mutex)
    bool lastCancelled()
    {
        std::lock_guard lock(mutex);
        return lastCancel && lastCancel->load();
    }

private:
    class Sink : public GenerationSink {
    public:
        Sink(RecordingEngine* e, std::shared_ptr<GenerationSink> next)
            : m_engine(e)
            , m_next(std::move(next))
        {
        }
        void piece(std::string_view text) override
        {
            if (m_engine->onPiece)
                m_engine->onPiece(m_pieces++);
            m_next->piece(text);
        }
        void finished(const GenerationResult& r) override
        {
            {
                std::lock_guard lock(m_engine->mutex);
                m_engine->m_results.push_back(r);
            }
            m_next->finished(r);
        }

    private:
        RecordingEngine* m_engine;
        std::shared_ptr<GenerationSink> m_next;
        int m_pieces = 0;
    };
    std::vector<GenerationResult> m_results;
};

QByteArray chatBody(const QJsonArray& messages, int maxTokens, bool stream = false,
                    const QString& model = QStringLiteral("tiny-mistral-q8_0"))
{
    QJsonObject o{{QStringLiteral("model"), model},
                  {QStringLiteral("messages"), messages},
                  {QStringLiteral("temperature"), 0},
                  {QStringLiteral("max_tokens"), maxTokens},
                  {QStringLiteral("stream"), stream}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject msg(const QString& role, const QString& content)
{
    return {{QStringLiteral("role"), role}, {QStringLiteral("content"), content}};
}

QJsonObject obj(const QByteArray& body) { return QJsonDocument::fromJson(body).object(); }

// The ids a /v1/models answer lists, in its order.
QStringList modelIds(const QByteArray& body)
{
    QStringList ids;
    const QJsonArray data = obj(body)["data"].toArray();
    for (const QJsonValue& m : data)
        ids << m.toObject()["id"].toString();
    return ids;
}

QString errorCode(const rawhttp::Response& r)
{
    return obj(r.body).value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString();
}

}   // namespace

class TestAppServerEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { registerLocalTypes(); }
    void init();
    void cleanup();

    void noModelIsAClear503();
    void listsTheWindowsModel();
    void catalogModelAnswersToItsCatalogIdToo();
    void streamEqualsNonStreaming();
    void unknownModelIs404();
    void windowChatGoesFirst();
    void followUpTurnReusesItsPrefix();
    void loadingIs503();
    void fullQueueIs429();
    void disconnectCancels();
    void reloadStopsTheRunningRequest();
    void windowStaysResponsive();

private:
    bool loadTiny(const QString& path = {});
    void startServer(int maxQueue = AppServerEngine::kDefaultMaxQueue);
    Reply post(const QByteArray& body);
    rawhttp::Response waitFor(Reply& r);
    rawhttp::Response getModels();

    std::unique_ptr<LocalBackend> m_local;
    std::unique_ptr<RecordingEngine> m_engine;
    std::unique_ptr<OpenAiServer> m_server;
    quint16 m_port = 0;
};

void TestAppServerEngine::init() { m_local = std::make_unique<LocalBackend>(); }

void TestAppServerEngine::cleanup()
{
    m_server.reset();   // cancels its requests
    m_engine.reset();   // before the backend it posts to
    m_local.reset();
}

bool TestAppServerEngine::loadTiny(const QString& path)
{
    QSignalSpy loaded(m_local.get(), &LocalBackend::modelLoaded);
    LocalModelOptions o;
    o.path = path.isEmpty() ? QString(kTiny) : path;
    o.contextSize = kContext;
    o.threads = 1;
    m_local->loadModel(o);
    return loaded.wait(20000);
}

void TestAppServerEngine::startServer(int maxQueue)
{
    m_engine = std::make_unique<RecordingEngine>(m_local.get(), maxQueue);
    ServerConfig config;
    config.port = 0;
    m_server = std::make_unique<OpenAiServer>(*m_engine, config);
    QString error;
    QVERIFY2(m_server->start(&error), qPrintable(error));
    m_port = m_server->port();
}

Reply TestAppServerEngine::post(const QByteArray& body)
{
    return std::async(std::launch::async,
                      [port = m_port, body] { return rawhttp::request(port, "POST", "/v1/chat/completions", body); });
}

rawhttp::Response TestAppServerEngine::waitFor(Reply& r)
{
    // The server answers on this thread: the event loop must turn while the client waits.
    for (int i = 0; i < 6000 && !isReady(r); ++i)
        QTest::qWait(10);
    return isReady(r) ? r.get() : rawhttp::Response{};
}

// GET /v1/models from another thread, while this one serves it.
rawhttp::Response TestAppServerEngine::getModels()
{
    Reply models = std::async(std::launch::async, [p = m_port] { return rawhttp::request(p, "GET", "/v1/models"); });
    return waitFor(models);
}

void TestAppServerEngine::noModelIsAClear503()
{
    startServer();
    Reply r = post(chatBody({msg("user", "Hi")}, 4));
    const auto response = waitFor(r);
    QCOMPARE(response.status, 503);
    QCOMPARE(errorCode(response), QStringLiteral("no_model"));
    QVERIFY(obj(response.body)["error"].toObject()["message"].toString().contains(QLatin1String("No model is open")));
    const auto list = getModels();
    QCOMPARE(list.status, 200);
    QCOMPARE(modelIds(list.body), QStringList());
}

void TestAppServerEngine::listsTheWindowsModel()
{
    QVERIFY(loadTiny());
    startServer();
    const auto list = getModels();
    QCOMPARE(list.status, 200);
    QCOMPARE(modelIds(list.body), QStringList{QStringLiteral("tiny-mistral-q8_0")});
}

// The tiny model under the default model's file name: the catalog knows that name, so the
// server answers to the catalog's id as well, listed after the file's.
void TestAppServerEngine::catalogModelAnswersToItsCatalogIdToo()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("SmolLM2-135M-Instruct.Q4_1.gguf"));
    QVERIFY(QFile::copy(QString(kTiny), path));
    QVERIFY(loadTiny(path));
    startServer();
    const auto list = getModels();
    QCOMPARE(list.status, 200);
    QCOMPARE(modelIds(list.body),
             (QStringList{QStringLiteral("SmolLM2-135M-Instruct.Q4_1"), QStringLiteral("smollm2-135m-instruct-q4_1")}));
    auto one = std::async(std::launch::async,
                          [p = m_port] { return rawhttp::request(p, "GET", "/v1/models/smollm2-135m-instruct-q4_1"); });
    QCOMPARE(waitFor(one).status, 200);
    Reply r = post(chatBody({msg("user", "Hi")}, 2, false, QStringLiteral("smollm2-135m-instruct-q4_1")));
    QCOMPARE(waitFor(r).status, 200);
}

void TestAppServerEngine::streamEqualsNonStreaming()
{
    QVERIFY(loadTiny());
    startServer();
    const QJsonArray messages{msg("user", "Tell me about the sea.")};
    Reply plain = post(chatBody(messages, 24));
    const auto whole = waitFor(plain);
    QCOMPARE(whole.status, 200);
    const QString answer = openaijson::choiceContent(whole.body, QLatin1String("message"));
    QVERIFY(!answer.isEmpty());
    QCOMPARE(obj(whole.body)["usage"].toObject()["completion_tokens"].toInt(), 24);

    Reply streamed = post(chatBody(messages, 24, true));
    const auto stream = waitFor(streamed);
    QCOMPARE(stream.status, 200);
    QString joined;
    const auto events = rawhttp::sseEvents(stream.body);
    QVERIFY(events.size() > 2);
    QCOMPARE(events.last(), QByteArray("[DONE]"));
    for (const QByteArray& e : events)
        if (e != "[DONE]")
            joined += openaijson::choiceContent(e, QLatin1String("delta"));
    QCOMPARE(joined, answer);
}

void TestAppServerEngine::unknownModelIs404()
{
    QVERIFY(loadTiny());
    startServer();
    Reply r = post(chatBody({msg("user", "Hi")}, 4, false, QStringLiteral("gpt-4o")));
    const auto response = waitFor(r);
    QCOMPARE(response.status, 404);
    QCOMPARE(errorCode(response), QStringLiteral("model_not_found"));
}

// A server request waiting and a chat turn asked for after it: the chat runs first, both end.
void TestAppServerEngine::windowChatGoesFirst()
{
    QVERIFY(loadTiny());
    startServer();
    QStringList order;   // GUI thread: the engine's events arrive here in the order it sent them
    connect(m_server.get(), &OpenAiServer::activeRequestsChanged, this, [&](int n) {
        if (n == 0)
            order << QStringLiteral("server");
    });
    QString chatText;
    bool chatDone = false;
    connect(m_local.get(), &ChatBackend::delta, this, [&](const QString&, const QString& t) { chatText += t; });
    connect(m_local.get(), &ChatBackend::finished, this, [&](const QString&, const GenerationStats&) {
        order << QStringLiteral("chat");
        chatDone = true;
    });

    EngineHold hold(*m_local);
    QTRY_VERIFY(hold.holding());
    Reply server = post(chatBody({msg("user", "A question from another program")}, 8));
    QTRY_COMPARE(m_engine->inner.waiting(), 1);   // queued first
    m_local->startChat({{QStringLiteral("user"), QStringLiteral("A question from the window")}}, greedy(8, 1));
    hold.release();

    const auto response = waitFor(server);
    QCOMPARE(response.status, 200);
    QVERIFY(!openaijson::choiceContent(response.body, QLatin1String("message")).isEmpty());
    QTRY_VERIFY(chatDone);
    QVERIFY(!chatText.isEmpty());
    QCOMPARE(order, (QStringList{QStringLiteral("chat"), QStringLiteral("server")}));
}

// Two clients and the window take turns; each client's second turn finds its first in its slot.
void TestAppServerEngine::followUpTurnReusesItsPrefix()
{
    QVERIFY(loadTiny());
    startServer();
    auto ask = [&](const QJsonArray& messages) {
        Reply r = post(chatBody(messages, 8));
        return waitFor(r);
    };
    const QJsonArray a1{msg("user", "Client A asks about rivers and their long journey to the sea.")};
    const auto ra1 = ask(a1);
    QCOMPARE(ra1.status, 200);
    const QJsonArray b1{msg("user", "Client B wants a recipe for bread, with flour and water and salt.")};
    QCOMPARE(ask(b1).status, 200);
    // The window's conversation 5 in between.
    QSignalSpy chatDone(m_local.get(), &ChatBackend::finished);
    m_local->startChat({{QStringLiteral("user"), QStringLiteral("The window speaks of mountains and snow.")}},
                       greedy(8, 5));
    QVERIFY(chatDone.wait(30000));

    QJsonArray a2 = a1;
    a2.append(msg("assistant", openaijson::choiceContent(ra1.body, QLatin1String("message"))));
    a2.append(msg("user", "And lakes?"));
    QCOMPARE(ask(a2).status, 200);

    const auto results = m_engine->results();
    QCOMPARE(results.size(), size_t(3));
    // A's second prompt begins with all of its first: every one of those tokens was kept.
    QVERIFY2(results[2].reused_tokens >= results[0].prompt_tokens,
             qPrintable(QStringLiteral("reused %1 of a first prompt of %2")
                            .arg(results[2].reused_tokens)
                            .arg(results[0].prompt_tokens)));
    QVERIFY(results[2].reused_tokens < results[2].prompt_tokens);

    // And the window's conversation kept its own state through the clients' turns.
    m_local->startChat({{QStringLiteral("user"), QStringLiteral("The window speaks of mountains and snow.")}},
                       greedy(8, 5));
    QVERIFY(chatDone.wait(30000));
    const auto stats = chatDone.last().at(1).value<GenerationStats>();
    QVERIFY2(stats.cachedTokens >= stats.promptTokens - 1, qPrintable(QString::number(stats.cachedTokens)));
}

void TestAppServerEngine::loadingIs503()
{
    QVERIFY(loadTiny());
    startServer();
    EngineHold hold(*m_local);   // the reload cannot end before the request is answered
    QTRY_VERIFY(hold.holding());
    LocalModelOptions o;
    o.path = kTiny;
    o.contextSize = kContext;
    m_local->loadModel(o);
    Reply r = post(chatBody({msg("user", "Hi")}, 4));
    const auto response = waitFor(r);
    QCOMPARE(response.status, 503);
    QCOMPARE(errorCode(response), QStringLiteral("model_loading"));
    hold.release();
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->state(), EngineState::Ready, 20000);
    Reply again = post(chatBody({msg("user", "Hi")}, 4));
    QCOMPARE(waitFor(again).status, 200);
}

void TestAppServerEngine::fullQueueIs429()
{
    QVERIFY(loadTiny());
    startServer(2);
    EngineHold hold(*m_local);
    QTRY_VERIFY(hold.holding());
    Reply first = post(chatBody({msg("user", "One")}, 4));
    Reply second = post(chatBody({msg("user", "Two")}, 4));
    QTRY_COMPARE(m_engine->inner.waiting(), 2);
    Reply third = post(chatBody({msg("user", "Three")}, 4));
    const auto refused = waitFor(third);
    QCOMPARE(refused.status, 429);
    QCOMPARE(errorCode(refused), QStringLiteral("queue_full"));
    hold.release();
    QCOMPARE(waitFor(first).status, 200);
    QCOMPARE(waitFor(second).status, 200);
}

void TestAppServerEngine::disconnectCancels()
{
    QVERIFY(loadTiny());
    startServer();
    // The engine holds after its second piece until the client has gone, so the answer (400
    // tokens: a fraction of a second) cannot end first.
    std::atomic<bool> released{false};
    const auto releaseOnExit = qScopeGuard([&] { released = true; });   // a failed check must not leave it held
    m_engine->onPiece = [&](int piece) {
        while (piece == 2 && !released)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    };
    auto gone = std::async(std::launch::async, [port = m_port] {
        rawhttp::Connection c(port);
        c.send(rawhttp::buildRequest(port, "POST", "/v1/chat/completions",
                                     chatBody({msg("user", "Talk for a long time.")}, 400, true)));
        const QByteArray first = c.readUntil("\"content\":\"");   // the first chunk with text
        c.close();
        return first;
    });
    for (int i = 0; i < 6000 && !isReady(gone); ++i)
        QTest::qWait(10);
    QVERIFY(isReady(gone));
    QVERIFY(gone.get().contains("200 OK"));
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->lastCancelled(), 30000);   // the server saw the client leave
    released = true;
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->results().size(), size_t(1), 30000);
    const GenerationResult r = m_engine->results()[0];
    QCOMPARE(r.finish_reason, std::string("cancelled"));
    QVERIFY(r.completion_tokens < 400);
    QTRY_COMPARE(m_server->activeRequests(), 0);
    // The engine is free for the next one.
    Reply next = post(chatBody({msg("user", "Hi")}, 4));
    QCOMPARE(waitFor(next).status, 200);
}

// The window opens a model while a client's long answer streams: the answer stops at once with
// an error event the client can read, and the model loads without waiting for it.
void TestAppServerEngine::reloadStopsTheRunningRequest()
{
    QVERIFY(loadTiny());
    startServer();
    // The engine holds after its second piece until the window has asked for the other model, so
    // the answer (400 tokens: a fraction of a second) cannot end first.
    std::atomic<bool> streaming{false};
    std::atomic<bool> released{false};
    const auto releaseOnExit = qScopeGuard([&] { released = true; });   // a failed check must not leave it held
    m_engine->onPiece = [&](int piece) {
        if (piece == 2) {
            streaming = true;
            while (!released)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    };
    Reply r = post(chatBody({msg("user", "Talk for a long time.")}, 400, true));
    QTRY_VERIFY_WITH_TIMEOUT(streaming.load(), 30000);
    QSignalSpy loaded(m_local.get(), &LocalBackend::modelLoaded);
    LocalModelOptions o;
    o.path = kTiny;
    o.contextSize = kContext;
    m_local->loadModel(o);
    released = true;
    const auto response = waitFor(r);
    QCOMPARE(response.status, 200);   // the stream had begun
    const auto events = rawhttp::sseEvents(response.body);
    QVERIFY(events.size() >= 2);
    QCOMPARE(events.last(), QByteArray("[DONE]"));
    QVERIFY2(events[events.size() - 2].contains("replaced in Causerie's window"),
             events[events.size() - 2].constData());
    QVERIFY(loaded.wait(20000));
    const GenerationResult result = m_engine->results().at(0);
    QCOMPARE(result.finish_reason, std::string("error"));
    QVERIFY(result.completion_tokens < 400);
}

// The engine thread stops in the middle of a request until the GUI thread's timer has fired
// five more times: were the GUI thread waiting on the request, it never would (timeout).
void TestAppServerEngine::windowStaysResponsive()
{
    QVERIFY(loadTiny());
    startServer();
    std::atomic<int> ticks{0};
    QTimer timer;
    connect(&timer, &QTimer::timeout, this, [&] { ++ticks; });
    timer.start(5);
    std::atomic<bool> sawTicks{false};
    m_engine->onPiece = [&](int piece) {
        if (piece != 3)
            return;
        const int from = ticks.load();
        for (int i = 0; i < 2000 && ticks.load() < from + 5; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        sawTicks = ticks.load() >= from + 5;
    };
    Reply r = post(chatBody({msg("user", "Keep going")}, 12, true));
    QCOMPARE(waitFor(r).status, 200);
    QVERIFY(sawTicks.load());
}

QTEST_GUILESS_MAIN(TestAppServerEngine)
#include "tst_appserverengine.moc"
