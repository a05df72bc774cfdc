// SessionEngine: the FIFO queue, its bound, cancel before start, the KV prefix slots (a
// conversation's follow-up turn reuses its prefix even when another conversation ran between),
// and requests decoded together on the slots (same text as alone, one cancelled, one ending early).
#include "sessionengine.h"

#include "engine/test_model.h"

#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <array>
#include <condition_variable>
#include <mutex>

#ifdef CAUSERIE_HAVE_CUDA_SIM
#include "kernels/cuda/device.h"
#endif

using namespace causerie::server;
using causerie::ChatTurn;

namespace {

const std::string kTiny = CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf";

class RecordingSink : public GenerationSink {
public:
    void piece(std::string_view t) override
    {
        std::lock_guard lock(m_mutex);
        m_text += t;
    }
    void finished(const GenerationResult& r) override
    {
        std::lock_guard lock(m_mutex);
        m_result = r;
        m_done = true;
        m_cv.notify_all();
    }
    // Bounded wait: a generation of a few tokens of the tiny model takes milliseconds.
    bool wait()
    {
        std::unique_lock lock(m_mutex);
        return m_cv.wait_for(lock, std::chrono::seconds(60), [&] { return m_done; });
    }
    GenerationResult result()
    {
        std::lock_guard lock(m_mutex);
        return m_result;
    }
    std::string text()
    {
        std::lock_guard lock(m_mutex);
        return m_text;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_done = false;
    std::string m_text;
    GenerationResult m_result;
};

// A client that leaves during its `after`th piece: its cancel flag is set while that piece is
// delivered. `Sink`: what it records besides (RecordingSink, OrderedSink).
template <class Sink>
class CancellingSink : public Sink {
public:
    explicit CancellingSink(int after)
        : m_after(after)
    {
    }
    std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
    std::atomic<int> pieces{0};
    void piece(std::string_view t) override
    {
        Sink::piece(t);
        if (++pieces == m_after)
            cancel->store(true);
    }

private:
    const int m_after;
};

GenerationRequest chatRequest(std::vector<ChatTurn> turns, int maxTokens = 4)
{
    GenerationRequest r;
    r.messages = std::move(turns);
    r.options.max_tokens = maxTokens;
    r.options.sampling.temperature = 0.0f;
    return r;
}

GenerationResult run(SessionEngine& e, GenerationRequest r)
{
    auto sink = std::make_shared<RecordingSink>();
    if (!e.submit(std::move(r), sink, std::make_shared<std::atomic<bool>>(false)) || !sink->wait())
        return {};
    return sink->result();
}

std::unique_ptr<SessionEngine> engine(int slots, int maxQueue = 16)
{
    SessionEngineOptions o;
    o.model_path = kTiny;
    o.backend.n_ctx = 256;
    o.backend.n_threads = 1;
    o.slots = slots;
    o.max_queue = maxQueue;
    return std::make_unique<SessionEngine>(o);
}

}   // namespace

class TestSessionEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void modelIdIsTheFileName();
    void missingModelFails();
    void followUpReusesItsSlot();
    void oneSlotKeepsOnlyTheLastPrefix();
    void fullQueueRefuses();
    void cancelledBeforeStartNeverRuns();
    void cancelStopsAtTheNextToken();
    void concurrentRequestsMatchAlone();
    void cancelOneOfSeveral();
    void lostGpuMovesSlotsToCpu();
};

void TestSessionEngine::modelIdIsTheFileName()
{
    QCOMPARE(model_id_from_path("/a/b/SmolLM2-135M-Instruct.Q4_1.gguf"), std::string("SmolLM2-135M-Instruct.Q4_1"));
    QCOMPARE(model_id_from_path("model.bin"), std::string("model.bin"));
    auto e = engine(1);
    QCOMPARE(e->model_id(), std::string("tiny-mistral-q8_0"));
    QCOMPARE(e->wait_loaded(), EngineState::Ready);
}

void TestSessionEngine::missingModelFails()
{
    SessionEngineOptions o;
    o.model_path = "/nonexistent/model.gguf";
    SessionEngine e(o);
    QCOMPARE(e.wait_loaded(), EngineState::Failed);
    QVERIFY(!e.failure().empty());
    const GenerationResult r = run(e, chatRequest({{"user", "hi"}}));
    QCOMPARE(r.finish_reason, std::string("error"));
    QCOMPARE(r.error, e.failure());
}

void TestSessionEngine::followUpReusesItsSlot()
{
    auto e = engine(2);
    QCOMPARE(e->wait_loaded(), EngineState::Ready);
    const std::vector<ChatTurn> a = {{"user", "Tell me about the sea and its many colours"}};
    const std::vector<ChatTurn> b = {{"user", "Something completely different: mountains"}};
    const GenerationResult ra = run(*e, chatRequest(a));
    QCOMPARE(ra.finish_reason, std::string("length"));
    QCOMPARE(ra.completion_tokens, 4);
    QCOMPARE(ra.reused_tokens, 0);
    QCOMPARE(run(*e, chatRequest(b)).reused_tokens, 0);   // only "<s>[INST]" in common: the empty slot
    // Conversation A's follow-up finds A's K/V although B ran in between.
    std::vector<ChatTurn> a2 = a;
    a2.push_back({"assistant", "Blue."});
    a2.push_back({"user", "And at night?"});
    const GenerationResult ra2 = run(*e, chatRequest(a2));
    QVERIFY2(ra2.reused_tokens > ra.prompt_tokens / 2,
             qPrintable(QStringLiteral("%1 of %2").arg(ra2.reused_tokens).arg(ra.prompt_tokens)));
}

void TestSessionEngine::oneSlotKeepsOnlyTheLastPrefix()
{
    auto e = engine(1);
    const std::vector<ChatTurn> a = {{"user", "Tell me about the sea and its many colours"}};
    const GenerationResult ra = run(*e, chatRequest(a));
    run(*e, chatRequest({{"user", "Something completely different: mountains"}}));
    std::vector<ChatTurn> a2 = a;
    a2.push_back({"assistant", "Blue."});
    a2.push_back({"user", "And at night?"});
    QVERIFY(run(*e, chatRequest(a2)).reused_tokens < ra.prompt_tokens / 2);
}

void TestSessionEngine::fullQueueRefuses()
{
    auto e = engine(1, 2);
    QCOMPARE(e->wait_loaded(), EngineState::Ready);
    // Long generations keep the queue full while we submit.
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    auto s1 = std::make_shared<RecordingSink>();
    auto s2 = std::make_shared<RecordingSink>();
    QVERIFY(e->submit(chatRequest({{"user", "one"}}, 0), s1, cancel));
    QVERIFY(e->submit(chatRequest({{"user", "two"}}, 0), s2, cancel));
    QVERIFY(!e->submit(chatRequest({{"user", "three"}}), std::make_shared<RecordingSink>(), cancel));
    cancel->store(true);
    QVERIFY(s1->wait());
    QVERIFY(s2->wait());
    QCOMPARE(s2->result().finish_reason, std::string("cancelled"));
    QCOMPARE(run(*e, chatRequest({{"user", "four"}})).completion_tokens, 4);   // room again
}

void TestSessionEngine::cancelledBeforeStartNeverRuns()
{
    auto e = engine(1);
    QCOMPARE(e->wait_loaded(), EngineState::Ready);
    auto sink = std::make_shared<RecordingSink>();
    QVERIFY(e->submit(chatRequest({{"user", "hi"}}), sink, std::make_shared<std::atomic<bool>>(true)));
    QVERIFY(sink->wait());
    QCOMPARE(sink->result().finish_reason, std::string("cancelled"));
    QCOMPARE(sink->result().completion_tokens, 0);
    QVERIFY(sink->text().empty());
}

// What the server does when a client leaves: the flag set while a piece is delivered, and not
// one more piece after it.
void TestSessionEngine::cancelStopsAtTheNextToken()
{
    auto e = engine(1);
    auto sink = std::make_shared<CancellingSink<RecordingSink>>(5);
    QVERIFY(e->submit(chatRequest({{"user", "Tell me a long story"}}, 0), sink, sink->cancel));
    QVERIFY(sink->wait());
    QCOMPARE(sink->result().finish_reason, std::string("cancelled"));
    QCOMPARE(sink->pieces.load(), 5);
    QCOMPARE(sink->result().completion_tokens, 5);   // the tiny model writes one piece per token here
}

namespace {

// Numbers every piece of every request in the order the worker delivered them, so a test can
// tell requests that ran together (their pieces interleave) from requests run one by one.
std::atomic<int> g_piece_clock{0};

class OrderedSink : public RecordingSink {
public:
    std::atomic<int> first{-1};
    std::atomic<int> last{-1};
    void piece(std::string_view t) override
    {
        RecordingSink::piece(t);
        const int now = g_piece_clock++;
        if (first < 0)
            first = now;
        last = now;
    }
};

// Holds the worker in this request's first piece until open(): the requests submitted before
// open() are all queued while this one runs, however slowly the test thread is scheduled.
template <class Sink>
class GatedSink : public Sink {
public:
    void open()
    {
        std::lock_guard lock(m_gate);
        m_open = true;
        m_opened.notify_all();
    }
    void piece(std::string_view t) override
    {
        {
            std::unique_lock lock(m_gate);
            m_opened.wait_for(lock, std::chrono::seconds(60), [&] { return m_open; });
        }
        Sink::piece(t);
    }

private:
    std::mutex m_gate;
    std::condition_variable m_opened;
    bool m_open = false;
};

const std::array<const char*, 4> kPrompts = {"Tell me about the sea and its many colours", "Name three mountains",
                                             "Why is the sky blue?", "Write a short poem about bread and butter"};
const std::array<int, 4> kMaxTokens = {24, 8, 24, 16};   // the second ends early, the others go on

}   // namespace

// Four requests submitted at once run together on four slots (their pieces interleave) and each
// gets the text and token count it gets alone at temperature 0.
void TestSessionEngine::concurrentRequestsMatchAlone()
{
    auto e = engine(4);
    QCOMPARE(e->wait_loaded(), EngineState::Ready);
    std::array<std::string, 4> alone;
    std::array<int, 4> alone_tokens{};
    for (size_t i = 0; i < 4; ++i) {
        auto sink = std::make_shared<RecordingSink>();
        QVERIFY(e->submit(chatRequest({{"user", kPrompts[i]}}, kMaxTokens[i]), sink,
                          std::make_shared<std::atomic<bool>>(false)));
        QVERIFY(sink->wait());
        alone[i] = sink->text();
        alone_tokens[i] = sink->result().completion_tokens;
        QVERIFY(!alone[i].empty());
    }
    QCOMPARE(alone_tokens[1], 8);

    auto together = engine(4);   // fresh slots: nothing reused, as for the runs alone
    QCOMPARE(together->wait_loaded(), EngineState::Ready);
    // The first request waits in its first piece until the other three are queued.
    auto gate = std::make_shared<GatedSink<OrderedSink>>();
    std::array<std::shared_ptr<OrderedSink>, 4> sinks{gate};
    for (size_t i = 0; i < 4; ++i) {
        if (i > 0)
            sinks[i] = std::make_shared<OrderedSink>();
        QVERIFY(together->submit(chatRequest({{"user", kPrompts[i]}}, kMaxTokens[i]), sinks[i],
                                 std::make_shared<std::atomic<bool>>(false)));
    }
    gate->open();
    for (size_t i = 0; i < 4; ++i) {
        QVERIFY(sinks[i]->wait());
        QCOMPARE(sinks[i]->result().finish_reason, std::string(alone_tokens[i] == kMaxTokens[i] ? "length" : "stop"));
        QCOMPARE(sinks[i]->result().completion_tokens, alone_tokens[i]);
        QCOMPARE(QString::fromStdString(sinks[i]->text()), QString::fromStdString(alone[i]));
    }
    // The last request's first piece came before the first request's last one: they overlapped.
    QVERIFY2(sinks[3]->first < sinks[0]->last,
             qPrintable(QStringLiteral("request 4 began at piece %1, request 1 ended at %2")
                            .arg(sinks[3]->first.load())
                            .arg(sinks[0]->last.load())));
}

// A client that leaves while others are served: its request stops at the next step, the others
// finish with their own text.
void TestSessionEngine::cancelOneOfSeveral()
{
    auto alone = engine(1);
    const GenerationResult ref = run(*alone, chatRequest({{"user", kPrompts[0]}}, 24));
    QCOMPARE(ref.completion_tokens, 24);
    auto refSink = std::make_shared<RecordingSink>();
    QVERIFY(alone->submit(chatRequest({{"user", kPrompts[2]}}, 24), refSink, std::make_shared<std::atomic<bool>>()));
    QVERIFY(refSink->wait());

    auto e = engine(3);
    auto keep = std::make_shared<GatedSink<OrderedSink>>();   // holds its first piece until all are queued
    auto leaving = std::make_shared<CancellingSink<OrderedSink>>(3);
    auto other = std::make_shared<OrderedSink>();
    QVERIFY(e->submit(chatRequest({{"user", kPrompts[2]}}, 24), keep, std::make_shared<std::atomic<bool>>(false)));
    QVERIFY(e->submit(chatRequest({{"user", "Tell me a long story"}}, 0), leaving, leaving->cancel));
    QVERIFY(e->submit(chatRequest({{"user", kPrompts[0]}}, 24), other, std::make_shared<std::atomic<bool>>(false)));
    keep->open();
    QVERIFY(leaving->wait());
    QCOMPARE(leaving->result().finish_reason, std::string("cancelled"));
    QCOMPARE(leaving->pieces.load(), 3);
    QVERIFY(keep->wait());
    QVERIFY(other->wait());
    QCOMPARE(QString::fromStdString(keep->text()), QString::fromStdString(refSink->text()));
    QCOMPARE(other->result().completion_tokens, 24);
    QVERIFY(leaving->last < keep->last);   // it ended while the others still ran
}

// `serve --parallel` on the cuda-sim device (a backend a slot) losing the device while two
// requests are decoded together (a sticky error injected by the sim): both end as they would
// have (their whole length, no error) on the CPU, and the note says why, once.
void TestSessionEngine::lostGpuMovesSlotsToCpu()
{
#ifndef CAUSERIE_HAVE_CUDA_SIM
    QSKIP("this build has no cuda-sim device (-DCAUSERIE_CUDA_SIM=ON)");
#else
    const auto clear = qScopeGuard([] { causerie::kernels::gpu::sim_clear_sticky_error(); });
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    QVERIFY(causerie::write_test_model(path, {.type = causerie::kernels::TensorType::Q8_0, .seed = 4}).ok());
    SessionEngineOptions o;
    o.model_path = path;
    o.backend.n_ctx = 64;
    o.backend.n_threads = 1;
    o.backend.device = "cuda-sim";
    o.slots = 2;
    std::mutex notes_mutex;
    std::vector<std::string> notes;
    o.on_note = [&](const std::string& note) {
        std::lock_guard lock(notes_mutex);
        notes.push_back(note);
    };
    SessionEngine e(o);
    QCOMPARE(e.wait_loaded(), EngineState::Ready);
    QVERIFY2(e.backend_note().find("stopped working") == std::string::npos, e.backend_note().c_str());
    // The first request waits in its first piece until the second is queued; the device breaks
    // a few hundred launches later, in the middle of their 20 tokens each.
    auto gate = std::make_shared<GatedSink<OrderedSink>>();
    std::array<std::shared_ptr<OrderedSink>, 2> sinks{gate, std::make_shared<OrderedSink>()};
    causerie::kernels::gpu::sim_inject_sticky_error(300);
    for (const auto& sink : sinks) {
        GenerationRequest r;
        r.chat = false;
        r.prompt = "once upon a time";
        r.options.max_tokens = 20;
        r.options.sampling.temperature = 0.0f;
        QVERIFY(e.submit(std::move(r), sink, std::make_shared<std::atomic<bool>>(false)));
    }
    gate->open();
    for (const auto& sink : sinks) {
        QVERIFY(sink->wait());
        QVERIFY2(sink->result().error.empty(), sink->result().error.c_str());
        QCOMPARE(sink->result().finish_reason, std::string("length"));
        QCOMPARE(sink->result().completion_tokens, 20);
    }
    QVERIFY2(e.backend_note().find("the GPU stopped working (an illegal memory access") == 0, e.backend_note().c_str());
    std::lock_guard lock(notes_mutex);
    QCOMPARE(notes, std::vector<std::string>{e.backend_note()});
#endif
}

QTEST_GUILESS_MAIN(TestSessionEngine)
#include "tst_sessionengine.moc"
