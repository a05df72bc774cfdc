// Announcer: what a screen reader is told of a streamed answer, with the clock in the test's
// hands: complete sentences only, at most every kMinIntervalMs, the rest and "End of answer."
// at the end, Markdown made plain; and the same through a real MessageListModel.
#include "announcer.h"
#include "conversationstore.h"
#include "messagelistmodel.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;

class TestAnnouncer : public QObject {
    Q_OBJECT
    qint64 m_now = 0;

private Q_SLOTS:
    void init() { m_now = 1000; }

    void sentencesAreThrottledAndTheRestEnds()
    {
        Announcer a([this] { return m_now; });
        QSignalSpy spy(&a, &Announcer::announced);
        a.streamed(5, QStringLiteral("Paris is"));
        QCOMPARE(spy.size(), 0);
        m_now += Announcer::kMinIntervalMs;
        a.streamed(5, QStringLiteral("Paris is the **capital**. It has"));
        QCOMPARE(spy.size(), 1);
        QCOMPARE(a.text(), QStringLiteral("Paris is the capital."));
        // Too soon for the next sentence, even though it is complete.
        m_now += 100;
        a.streamed(5, QStringLiteral("Paris is the **capital**. It has 2 million people. And"));
        QCOMPARE(spy.size(), 1);
        m_now += Announcer::kMinIntervalMs;
        a.streamed(5, QStringLiteral("Paris is the **capital**. It has 2 million people. And"));
        QCOMPARE(spy.size(), 2);
        QCOMPARE(a.text(), QStringLiteral("It has 2 million people."));
        // No new complete sentence: nothing.
        m_now += Announcer::kMinIntervalMs;
        a.streamed(5, QStringLiteral("Paris is the **capital**. It has 2 million people. And a river"));
        QCOMPARE(spy.size(), 2);
        a.finished(5, QStringLiteral("Paris is the **capital**. It has 2 million people. And a river."), false);
        QCOMPARE(spy.size(), 3);
        QCOMPARE(a.text(), QStringLiteral("And a river. End of answer."));
        // Finished once only; an unknown message is ignored.
        a.finished(5, QStringLiteral("again"), false);
        a.finished(6, QStringLiteral("other"), false);
        QCOMPARE(spy.size(), 3);
    }

    void shortAnswersAndFailures()
    {
        Announcer a([this] { return m_now; });
        a.streamed(1, QStringLiteral("Yes"));
        a.finished(1, QStringLiteral("Yes."), false);
        QCOMPARE(a.text(), QStringLiteral("Yes. End of answer."));
        a.streamed(2, QString());
        a.finished(2, QString(), true);
        QCOMPARE(a.text(), QStringLiteral("The answer failed."));
        // Code is announced, not read.
        a.streamed(3, QStringLiteral("Run:\n```sh\nrm -rf build\n```\n"));
        a.finished(3, QStringLiteral("Run:\n```sh\nrm -rf build\n```\nDone."), false);
        QCOMPARE(a.text(), QStringLiteral("Run:\n(code block)\nDone. End of answer."));
    }

    void followsAMessageListModel()
    {
        QTemporaryDir dir;
        auto store = std::move(ConversationStore::open(dir.filePath(QStringLiteral("a.db")))).value();
        MessageListModel messages(store.get());
        Announcer a([this] { return m_now; });
        a.watch(&messages);
        const qint64 c = store->createConversation().value();
        messages.setConversationId(c);
        const qint64 u =
            store->appendMessage({c, 0, MessageRole::User, QStringLiteral("Hi"), MessageStatus::Done, {}}).value();
        const qint64 b =
            store->appendMessage({c, u, MessageRole::Assistant, QString(), MessageStatus::Streaming, {}}).value();
        QSignalSpy spy(&a, &Announcer::announced);
        m_now += Announcer::kMinIntervalMs;
        QVERIFY(messages.setStreamingText(b, QStringLiteral("Hello there. How")));
        QCOMPARE(spy.size(), 1);
        QCOMPARE(a.text(), QStringLiteral("Hello there."));
        QVERIFY(store->finishMessage(b, QStringLiteral("Hello there. How can I help?"), {}).ok());
        QTRY_COMPARE(spy.size(), 2);
        QCOMPARE(a.text(), QStringLiteral("How can I help? End of answer."));
        // The user's own messages are never announced.
        QVERIFY(
            store->appendMessage({c, b, MessageRole::User, QStringLiteral("Thanks."), MessageStatus::Done, {}}).ok());
        QCOMPARE(spy.size(), 2);
    }
};

QTEST_GUILESS_MAIN(TestAnnouncer)
#include "tst_announcer.moc"
