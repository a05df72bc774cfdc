// Announcer: what a screen reader is told of a streamed answer, with the clock in the test's
// hands: complete sentences only, at most every kMinIntervalMs, the rest and "End of answer."
// at the end, Markdown made plain; and the same through a real MessageListModel. A hostile
// 1 MB answer streamed in 2,000 deltas costs about its own length in conversion (not its length
// per announcement), and no announcement carries more than kMaxAnnouncedChars.
#include "announcer.h"
#include "conversationstore.h"
#include "messagelistmodel.h"
#include "readaloud.h"

#include "../../common/hostile_answer.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;

namespace {

QString words(const QString& text) { return text.simplified(); }

}   // namespace

class TestAnnouncer : public QObject {
    Q_OBJECT
    qint64 m_now = 0;

    // The clock moved on by `waitMs`, then `text` streamed into message `message`.
    void streamLater(Announcer& a, qint64 waitMs, qint64 message, const QString& text)
    {
        m_now += waitMs;
        a.streamed(message, text);
    }

private Q_SLOTS:
    void init() { m_now = 1000; }

    void sentencesAreThrottledAndTheRestEnds()
    {
        Announcer a([this] { return m_now; });
        QSignalSpy spy(&a, &Announcer::announced);
        a.streamed(5, QStringLiteral("Paris is"));
        QCOMPARE(spy.size(), 0);
        streamLater(a, Announcer::kMinIntervalMs, 5, QStringLiteral("Paris is the **capital**. It has"));
        QCOMPARE(spy.size(), 1);
        QCOMPARE(a.text(), QStringLiteral("Paris is the capital."));
        // Too soon for the next sentence, even though it is complete.
        streamLater(a, 100, 5, QStringLiteral("Paris is the **capital**. It has 2 million people. And"));
        QCOMPARE(spy.size(), 1);
        streamLater(a, Announcer::kMinIntervalMs, 5,
                    QStringLiteral("Paris is the **capital**. It has 2 million people. And"));
        QCOMPARE(spy.size(), 2);
        QCOMPARE(a.text(), QStringLiteral("It has 2 million people."));
        // No new complete sentence: nothing.
        streamLater(a, Announcer::kMinIntervalMs, 5,
                    QStringLiteral("Paris is the **capital**. It has 2 million people. And a river"));
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

    void workFollowsTheNewText()
    {
        // The worst pace: an announcement is allowed at every one of the 2,000 deltas. The old
        // Announcer converted the whole answer each time (~1 MB x announcements); now each line
        // is converted once, plus short peeks at the incomplete last line.
        const QString answer = hostileAnswer(1000000);
        QCOMPARE(answer.size(), 1000000);
        Announcer a([this] { return m_now; });
        QStringList said;
        connect(&a, &Announcer::announced, this, [&said](const QString& text) { said << text; });
        const qsizetype delta = answer.size() / 2000;
        for (qsizetype sent = delta; sent <= answer.size(); sent += delta) {
            streamLater(a, Announcer::kMinIntervalMs, 9, answer.left(sent));
        }
        a.finished(9, answer, false);
        QVERIFY2(said.size() > 1000, qPrintable(QString::number(said.size())));
        QVERIFY2(a.convertedChars() <= 2 * answer.size(), qPrintable(QString::number(a.convertedChars())));
        // At least every line once (the '\n's are not counted).
        QVERIFY(a.convertedChars() >= answer.size() - answer.count(QLatin1Char('\n')));
        // What was said, put together, is the answer's plain text: nothing lost, nothing twice,
        // and the 200 KB line is announced as code, never read.
        const QString end = QStringLiteral(" End of answer.");
        QVERIFY(said.last().endsWith(end));
        said.last().chop(end.size());
        for (const QString& s : said)
            QVERIFY2(s.size() <= Announcer::kMaxAnnouncedChars, qPrintable(s.left(80)));
        QCOMPARE(words(said.join(QLatin1Char(' '))), words(ReadAloud::plainText(answer)));
        QVERIFY(!said.join(QString()).contains(QLatin1String("0x1;")));
    }

    void longRunsAreCut()
    {
        // Sentences: cut after the last one that fits.
        QString sentences;
        for (int i = 0; sentences.size() < 5000; ++i)
            sentences += QStringLiteral("Sentence number %1 is here. ").arg(i);
        Announcer a([this] { return m_now; });
        a.streamed(1, QString());
        a.finished(1, sentences, false);
        const QString end = QStringLiteral("… End of answer.");
        QVERIFY(a.text().endsWith(end));
        const QString kept = a.text().chopped(end.size());
        QVERIFY(kept.size() <= Announcer::kMaxAnnouncedChars);
        QVERIFY(kept.size() > Announcer::kMaxAnnouncedChars - 40);
        QVERIFY(kept.endsWith(QLatin1String(" is here.")));
        QVERIFY(sentences.startsWith(kept));
        // No sentence end: at the last space; no space either: at the bound.
        const QString noStop = QStringLiteral("word ").repeated(600);
        QCOMPARE(Announcer::bounded(noStop), QStringLiteral("word ").repeated(200).trimmed() + QChar(0x2026));
        const QString oneWord(3000, QLatin1Char('x'));
        QCOMPARE(Announcer::bounded(oneWord), QString(Announcer::kMaxAnnouncedChars, QLatin1Char('x')) + QChar(0x2026));
        // A surrogate pair is never split.
        const QString emoji = QString(Announcer::kMaxAnnouncedChars - 1, QLatin1Char('x')) + QStringLiteral("😀😀");
        QCOMPARE(Announcer::bounded(emoji),
                 QString(Announcer::kMaxAnnouncedChars - 1, QLatin1Char('x')) + QChar(0x2026));
        // Short texts are untouched.
        QCOMPARE(Announcer::bounded(QStringLiteral("Short.")), QStringLiteral("Short."));
        // While streaming too: one long line of sentences announced at once is cut.
        Announcer b([this] { return m_now; });
        b.streamed(2, QString());
        streamLater(b, Announcer::kMinIntervalMs, 2, sentences + QStringLiteral("\nAnd"));
        QVERIFY(b.text().size() <= Announcer::kMaxAnnouncedChars + 1);
        QVERIFY(b.text().endsWith(QStringLiteral(" is here.…")));
    }

    void throttledDeltasCostNothing()
    {
        // Between two announcements a delta converts nothing: the work waits for the next one,
        // and then covers only what came since.
        Announcer a([this] { return m_now; });
        QString text;
        for (int i = 0; i < 40; ++i) {
            text += QStringLiteral("Line %1 is here.\n").arg(i);
            streamLater(a, 10, 4, text);
        }
        QCOMPARE(a.convertedChars(), 0);
        streamLater(a, Announcer::kMinIntervalMs, 4, text);
        QCOMPARE(a.convertedChars(), text.size() - 40);
        QVERIFY(a.text().startsWith(QLatin1String("Line 0 is here.\nLine 1 is here.")));
        QVERIFY(a.text().endsWith(QLatin1String("Line 39 is here.")));
    }

    void textPastTheBoundOnlyMovesTheState()
    {
        // More than an announcement can carry arrives at once: the first part is said (cut),
        // the lines after it are only scanned for code and formulas, whose state holds.
        Announcer a([this] { return m_now; });
        a.streamed(5, QString());
        QString text = QStringLiteral("A sentence of prose here. ").repeated(60) + QLatin1Char('\n');
        text += QStringLiteral("Skipped *a ").repeated(900) + QLatin1Char('\n');   // hostile, 9,900 characters
        text += QStringLiteral("```\nrm -rf / and more. And more.\n");
        streamLater(a, Announcer::kMinIntervalMs, 5, text);
        QVERIFY(a.text().startsWith(QLatin1String("A sentence of prose here. A sentence")));
        QVERIFY(a.text().endsWith(QStringLiteral("here.…")));
        QVERIFY(a.text().size() <= Announcer::kMaxAnnouncedChars + 1);
        text += QStringLiteral("```\nAfter the code.\n");
        streamLater(a, Announcer::kMinIntervalMs, 5, text);
        QCOMPARE(a.text(), QStringLiteral("After the code."));
        a.finished(5, text, false);
        QCOMPARE(a.text(), QStringLiteral("End of answer."));
        // Read aloud still reads every line (up to its own bound).
        QVERIFY(ReadAloud::plainText(text).contains(QLatin1String("Skipped *a Skipped *a")));
    }

    void incompleteLinesArePeekedWhenShort()
    {
        // A long paragraph still being written is not converted again at every announcement.
        Announcer a([this] { return m_now; });
        a.streamed(3, QString());
        const QString longLine = QStringLiteral("Words and more words. ").repeated(200);   // 4,400 characters
        QVERIFY(longLine.size() > Announcer::kMaxPeekChars);
        for (int i = 0; i < 10; ++i) {
            streamLater(a, Announcer::kMinIntervalMs, 3, QStringLiteral("First line.\n") + longLine);
        }
        QCOMPARE(a.text(), QStringLiteral("First line."));
        QCOMPARE(a.convertedChars(), qint64(QStringLiteral("First line.").size()));
        streamLater(a, Announcer::kMinIntervalMs, 3,
                    QStringLiteral("First line.\n") + longLine + QStringLiteral("\nNext"));
        QCOMPARE(a.text(), Announcer::bounded(longLine.trimmed()));
    }
};

QTEST_GUILESS_MAIN(TestAnnouncer)
#include "tst_announcer.moc"
