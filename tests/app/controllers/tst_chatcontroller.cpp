// ChatController with a fake backend driven by the test and a real store in a temporary folder.
#include "chatbackend.h"
#include "chatcontroller.h"
#include "conversationstore.h"
#include "messagelistmodel.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

using namespace causerie::storage;

namespace {

class FakeBackend : public ChatBackend {
public:
    QString startChat(const QList<ChatMessage>& history, const GenerationSettings& settings) override
    {
        lastHistory = history;
        lastSettings = settings;
        if (onStart)
            onStart();
        lastId = QStringLiteral("req-%1").arg(++count);
        return lastId;
    }
    void cancel(const QString& requestId) override { cancelled << requestId; }
    bool isReady() const override { return ready; }
    QString displayName() const override { return QStringLiteral("fake"); }
    bool promptOpensThinking() const override { return opensThinking; }

    void say(const QString& text) { Q_EMIT delta(lastId, text); }
    void think(const QString& text) { Q_EMIT reasoningDelta(lastId, text); }
    void finish(const QString& reason = QStringLiteral("stop"))
    {
        ::GenerationStats s;
        s.promptTokens = 7;
        s.completionTokens = 3;
        s.ttftMs = 12.5;
        s.tokensPerSecond = 42.0;
        s.finishReason = reason;
        Q_EMIT finished(lastId, s);
    }
    void fail(const QString& message)
    {
        BackendError e;
        e.kind = BackendError::ServerError;
        e.httpStatus = 503;
        e.message = message;
        Q_EMIT failed(lastId, e);
    }

    bool ready = true;
    bool opensThinking = false;
    int count = 0;
    QString lastId;
    QList<ChatMessage> lastHistory;
    GenerationSettings lastSettings;
    QStringList cancelled;
    std::function<void()> onStart;
};

}   // namespace

class TestChatController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void sendStreamsAndFinishes();
    void answerIsCommittedBeforeGeneration();
    void streamingTextIsFlushed();
    void failureKeepsPartialText();
    void stopKeepsPartialText();
    void regenerateAndEditMakeBranches();
    void backendNotReady();
    void shutdownWhileGenerating();
    void thinkingIsShownStoredAndNeverSentBack();
    void thinkingOfAFailedAnswerIsKept();
    void inlineThinkTagsAreSeparated();
    void answerStartsInThinkingWhenThePromptOpensIt();

private:
    Message lastMessage();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ConversationStore> m_store;
    std::unique_ptr<MessageListModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    std::unique_ptr<FakeBackend> m_backend;
    std::unique_ptr<ChatController> m_chat;
};

void TestChatController::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    auto store = ConversationStore::open(m_dir->filePath(QStringLiteral("c.db")));
    QVERIFY2(store.ok(), qPrintable(store.errorString()));
    m_store = std::move(store).value();
    m_model = std::make_unique<MessageListModel>(m_store.get());
    m_tester = std::make_unique<QAbstractItemModelTester>(m_model.get(),
                                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_backend = std::make_unique<FakeBackend>();
    m_chat = std::make_unique<ChatController>(
        m_store.get(), m_model.get(), [this](const Conversation&) -> ChatBackend* { return m_backend.get(); },
        [](const Conversation&) {
            TurnSettings t;
            t.generation.temperature = 0.3;
            t.systemPrompt = QStringLiteral("Be brief.");
            return t;
        });
}

void TestChatController::cleanup()
{
    m_chat.reset();
    m_backend.reset();
    m_tester.reset();
    m_model.reset();
    m_store.reset();
    m_dir.reset();
}

Message TestChatController::lastMessage()
{
    auto path = m_store->activePath(m_chat->conversationId());
    return path && !path->isEmpty() ? path->last() : Message{};
}

void TestChatController::sendStreamsAndFinishes()
{
    QVERIFY(!m_chat->send(QStringLiteral("   ")));   // nothing to send
    QVERIFY(m_chat->send(QStringLiteral("What is the capital of France?")));
    QVERIFY(m_chat->conversationId() > 0);
    QVERIFY(m_chat->generating());
    auto conv = m_store->conversation(m_chat->conversationId());
    QCOMPARE(conv->title, QStringLiteral("What is the capital of France?"));
    // History: the system prompt, then the question; settings passed through.
    QCOMPARE(m_backend->lastHistory.size(), 2);
    QCOMPARE(m_backend->lastHistory[0].role, QStringLiteral("system"));
    QCOMPARE(m_backend->lastHistory[1].content, QStringLiteral("What is the capital of France?"));
    QCOMPARE(m_backend->lastSettings.temperature, 0.3);

    m_backend->say(QStringLiteral("Par"));
    m_backend->say(QStringLiteral("is."));
    QCOMPARE(m_model->rowCount(), 2);
    QCOMPARE(m_model->data(m_model->index(1), MessageListModel::ContentRole).toString(), QStringLiteral("Paris."));
    QCOMPARE(m_model->data(m_model->index(1), MessageListModel::StatusRole).toString(), QStringLiteral("streaming"));

    m_backend->finish();
    QVERIFY(!m_chat->generating());
    const Message m = lastMessage();
    QCOMPARE(m.content, QStringLiteral("Paris."));
    QCOMPARE(m.status, MessageStatus::Done);
    QCOMPARE(m.stats.completionTokens.value_or(-1), 3);
    QCOMPARE(m.stats.tokensPerSecond.value_or(-1), 42.0);
    QCOMPARE(m.stats.backend, QStringLiteral("local"));
    QCOMPARE(m_chat->lastTokensPerSecond(), 42.0);

    // A second turn carries the first exchange.
    QVERIFY(m_chat->send(QStringLiteral("And Germany?")));
    QCOMPARE(m_backend->lastHistory.size(), 4);
    QCOMPARE(m_backend->lastHistory[2].content, QStringLiteral("Paris."));
    m_backend->finish();
}

void TestChatController::answerIsCommittedBeforeGeneration()
{
    bool sawStreaming = false;
    m_backend->onStart = [&] {
        // Read through a second, plain SQLite connection: what is on disk, not what a
        // transaction holds. (A second ConversationStore would recover the message.)
        sqlite3* db = nullptr;
        QVERIFY(sqlite3_open_v2(QFile::encodeName(m_store->path()).constData(), &db, SQLITE_OPEN_READONLY, nullptr) ==
                SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        QVERIFY(sqlite3_prepare_v2(db, "SELECT role, status FROM messages ORDER BY id", -1, &st, nullptr) == SQLITE_OK);
        QStringList rows;
        while (sqlite3_step(st) == SQLITE_ROW)
            rows << QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) + u'/' +
                        QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
        sqlite3_finalize(st);
        sqlite3_close(db);
        sawStreaming = rows == QStringList{QStringLiteral("user/done"), QStringLiteral("assistant/streaming")};
        if (!sawStreaming)
            qWarning() << rows;
    };
    QVERIFY(m_chat->send(QStringLiteral("hello")));
    QVERIFY(sawStreaming);
    m_backend->finish();
}

void TestChatController::streamingTextIsFlushed()
{
    QVERIFY(m_chat->send(QStringLiteral("Tell me more")));
    m_backend->say(QStringLiteral("Once upon"));
    // Within the flush interval (500 ms) the text is in SQLite although the answer goes on.
    QTRY_COMPARE_WITH_TIMEOUT(lastMessage().content, QStringLiteral("Once upon"), 2000);
    QCOMPARE(lastMessage().status, MessageStatus::Streaming);
    m_backend->finish();
}

void TestChatController::failureKeepsPartialText()
{
    QVERIFY(m_chat->send(QStringLiteral("hi")));
    m_backend->say(QStringLiteral("Hel"));
    m_backend->fail(QStringLiteral("The server is overloaded."));
    QVERIFY(!m_chat->generating());
    const Message m = lastMessage();
    QCOMPARE(m.status, MessageStatus::Error);
    QCOMPARE(m.content, QStringLiteral("Hel"));
    QVERIFY(m.errorText.contains(QLatin1String("overloaded")));
    QCOMPARE(m_chat->lastError(), QStringLiteral("The server is overloaded."));
}

void TestChatController::stopKeepsPartialText()
{
    QVERIFY(m_chat->send(QStringLiteral("hi")));
    m_backend->say(QStringLiteral("Partial"));
    m_chat->stop();
    QCOMPARE(m_backend->cancelled, QStringList{m_backend->lastId});
    m_backend->finish(QStringLiteral("cancelled"));
    const Message m = lastMessage();
    QCOMPARE(m.status, MessageStatus::Cancelled);
    QCOMPARE(m.content, QStringLiteral("Partial"));
}

void TestChatController::regenerateAndEditMakeBranches()
{
    QVERIFY(m_chat->send(QStringLiteral("question")));
    m_backend->say(QStringLiteral("first answer"));
    m_backend->finish();
    const qint64 firstAnswer = lastMessage().id;

    QVERIFY(m_chat->regenerate(firstAnswer));
    // The old answer is not part of the new request.
    QCOMPARE(m_backend->lastHistory.size(), 2);
    m_backend->say(QStringLiteral("second answer"));
    m_backend->finish();
    Message m = lastMessage();
    QCOMPARE(m.content, QStringLiteral("second answer"));
    QCOMPARE(m.siblingCount, 2);
    QCOMPARE(m.siblingIndex, 1);

    m_chat->showSibling(m.id, -1);
    QCOMPARE(lastMessage().content, QStringLiteral("first answer"));

    auto path = m_store->activePath(m_chat->conversationId());
    const qint64 question = path->first().id;
    QVERIFY(m_chat->editMessage(question, QStringLiteral("better question")));
    QCOMPARE(m_backend->lastHistory.last().content, QStringLiteral("better question"));
    m_backend->finish();
    path = m_store->activePath(m_chat->conversationId());
    QCOMPARE(path->first().content, QStringLiteral("better question"));
    QCOMPARE(path->first().siblingCount, 2);
    QCOMPARE(m_model->rowCount(), 2);
}

void TestChatController::backendNotReady()
{
    m_backend->ready = false;
    QVERIFY(!m_chat->send(QStringLiteral("hi")));
    QVERIFY(!m_chat->lastError().isEmpty());
    QCOMPARE(m_backend->count, 0);
    // The question is kept; the answer says why it failed.
    const Message m = lastMessage();
    QCOMPARE(m.status, MessageStatus::Error);
    auto path = m_store->activePath(m_chat->conversationId());
    QCOMPARE(path->first().content, QStringLiteral("hi"));
}

void TestChatController::shutdownWhileGenerating()
{
    QVERIFY(m_chat->send(QStringLiteral("hi")));
    m_backend->say(QStringLiteral("half an ans"));
    const qint64 conv = m_chat->conversationId();
    m_chat->shutdown();
    QVERIFY(!m_chat->generating());
    auto path = m_store->activePath(conv);
    QCOMPARE(path->last().content, QStringLiteral("half an ans"));
    QCOMPARE(path->last().status, MessageStatus::Cancelled);
}

void TestChatController::thinkingIsShownStoredAndNeverSentBack()
{
    QVERIFY(m_chat->send(QStringLiteral("2+2?")));
    m_backend->think(QStringLiteral("Two plus two"));
    m_backend->think(QStringLiteral(" is four."));
    QCOMPARE(m_model->data(m_model->index(1), MessageListModel::ReasoningRole).toString(),
             QStringLiteral("Two plus two is four."));
    QCOMPARE(m_model->data(m_model->index(1), MessageListModel::ContentRole).toString(), QString());
    // Flushed while the answer goes on, like the text.
    QTRY_COMPARE_WITH_TIMEOUT(lastMessage().reasoning, QStringLiteral("Two plus two is four."), 2000);
    m_backend->say(QStringLiteral("4"));
    m_backend->think(QStringLiteral(" Sure."));   // thinking that arrives after the last flush
    m_backend->finish();
    const Message m = lastMessage();
    QCOMPARE(m.content, QStringLiteral("4"));
    QCOMPARE(m.reasoning, QStringLiteral("Two plus two is four. Sure."));
    QCOMPARE(m.status, MessageStatus::Done);
    QCOMPARE(m_model->data(m_model->index(1), MessageListModel::ReasoningRole).toString(),
             QStringLiteral("Two plus two is four. Sure."));

    // The next turn's history has the answer, not the thinking.
    QVERIFY(m_chat->send(QStringLiteral("And 3+3?")));
    QCOMPARE(m_backend->lastHistory.size(), 4);
    QCOMPARE(m_backend->lastHistory[2].content, QStringLiteral("4"));
    for (const ChatMessage& h : std::as_const(m_backend->lastHistory))
        QVERIFY2(!h.content.contains(QLatin1String("Two plus two")), qPrintable(h.content));
    // A new answer starts without the previous one's thinking.
    m_backend->say(QStringLiteral("6"));
    m_backend->finish();
    QVERIFY(lastMessage().reasoning.isEmpty());
}

void TestChatController::thinkingOfAFailedAnswerIsKept()
{
    QVERIFY(m_chat->send(QStringLiteral("Hard question")));
    m_backend->think(QStringLiteral("Let me see"));
    m_backend->fail(QStringLiteral("The server went away."));
    const Message m = lastMessage();
    QCOMPARE(m.status, MessageStatus::Error);
    QCOMPARE(m.reasoning, QStringLiteral("Let me see"));
}

// A model that writes "<think>…</think>" in its answer text (a local model, or a server passing
// raw output on): the thinking goes where the backends' own reasoning goes, the tags nowhere,
// whatever the pieces they arrive in.
void TestChatController::inlineThinkTagsAreSeparated()
{
    QVERIFY(m_chat->send(QStringLiteral("2+2?")));
    m_backend->say(QStringLiteral("<thi"));
    m_backend->say(QStringLiteral("nk>\nTwo and two"));
    QCOMPARE(m_model->data(m_model->index(1), MessageListModel::ReasoningRole).toString(),
             QStringLiteral("Two and two"));
    QCOMPARE(m_model->data(m_model->index(1), MessageListModel::ContentRole).toString(), QString());
    m_backend->say(QStringLiteral(" make four.</th"));
    m_backend->say(QStringLiteral("ink>\n\n**4**"));
    QCOMPARE(m_model->data(m_model->index(1), MessageListModel::ContentRole).toString(), QStringLiteral("**4**"));
    m_backend->finish();
    Message m = lastMessage();
    QCOMPARE(m.reasoning, QStringLiteral("Two and two make four."));
    QCOMPARE(m.content, QStringLiteral("**4**"));

    // An answer that only mentions the tag is left alone, and one cut inside a tag at the end
    // keeps its text.
    QVERIFY(m_chat->send(QStringLiteral("Which tag?")));
    m_backend->say(QStringLiteral("Use <think>, then <thi"));
    m_backend->finish();
    m = lastMessage();
    QCOMPARE(m.content, QStringLiteral("Use <think>, then <thi"));
    QVERIFY(m.reasoning.isEmpty());

    // Stopped in the middle of the thinking: what was thought is kept.
    QVERIFY(m_chat->send(QStringLiteral("Long one")));
    m_backend->say(QStringLiteral("<think>Step one</"));
    m_backend->finish(QStringLiteral("cancelled"));
    m = lastMessage();
    QCOMPARE(m.reasoning, QStringLiteral("Step one</"));
    QCOMPARE(m.status, MessageStatus::Cancelled);
}

// DeepSeek-R1's newer template ends the prompt with "<think>\n": the model's first words are
// thinking, with no tag; the backend says so and the answer starts in the thinking section.
void TestChatController::answerStartsInThinkingWhenThePromptOpensIt()
{
    m_backend->opensThinking = true;
    QVERIFY(m_chat->send(QStringLiteral("2+2?")));
    m_backend->say(QStringLiteral("\nTwo and two"));
    QCOMPARE(m_model->data(m_model->index(1), MessageListModel::ReasoningRole).toString(),
             QStringLiteral("Two and two"));
    QCOMPARE(m_model->data(m_model->index(1), MessageListModel::ContentRole).toString(), QString());
    m_backend->say(QStringLiteral(" make four.\n</think>\n\n**4**"));
    m_backend->finish();
    Message m = lastMessage();
    QCOMPARE(m.reasoning, QStringLiteral("Two and two make four.\n"));
    QCOMPARE(m.content, QStringLiteral("**4**"));

    // The next backend turn that does not open it: an answer without a tag is all answer.
    m_backend->opensThinking = false;
    QVERIFY(m_chat->send(QStringLiteral("And 3+3?")));
    m_backend->say(QStringLiteral("Six."));
    m_backend->finish();
    m = lastMessage();
    QCOMPARE(m.content, QStringLiteral("Six."));
    QVERIFY(m.reasoning.isEmpty());
}

QTEST_GUILESS_MAIN(TestChatController)
#include "tst_chatcontroller.moc"
