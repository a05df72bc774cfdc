// Crash safety for real: a child process streams answers into the store and is killed with
// SIGKILL at a random moment, 20 times. After each kill: the file passes integrity checks,
// every step the child reported as committed is there, nothing else changed, and reopening
// marks the half-written answer `interrupted`.
#include "conversationstore.h"
#include "storagetestutil.h"

#include <QElapsedTimer>
#include <QHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;
using storagetest::rawExec;
using storagetest::rawQuery;

namespace {

// Same as in storage_test_helper.cpp.
QString streamText(qint64 id, int length)
{
    QString s;
    for (int k = 0; s.size() < length; ++k)
        s += QStringLiteral("tok%1_%2 ").arg(k).arg(id);
    return s.left(length);
}

struct Reported {
    qint64 conversation = 0;
    QHash<qint64, qint64> parentOf;   // every reported message -> its parent (0 = root)
    QHash<qint64, int> target;        // assistant -> planned final length
    QHash<qint64, int> flushed;       // assistant -> last reported committed length
    QHash<qint64, int> done;          // assistant -> final length, when reported finished
    QSet<qint64> users;
};

Reported parse(const QByteArray& out)
{
    Reported r;
    for (const QByteArray& line : out.split('\n')) {
        const QList<QByteArray> f = line.split(' ');
        if (f.size() == 2 && f[0] == "conv") {
            r.conversation = f[1].toLongLong();
        } else if (f.size() == 3 && f[0] == "user") {
            r.parentOf.insert(f[1].toLongLong(), f[2].toLongLong());
            r.users.insert(f[1].toLongLong());
        } else if (f.size() == 4 && f[0] == "asst") {
            r.parentOf.insert(f[1].toLongLong(), f[2].toLongLong());
            r.target.insert(f[1].toLongLong(), f[3].toInt());
        } else if (f.size() == 3 && f[0] == "flush") {
            r.flushed.insert(f[1].toLongLong(), f[2].toInt());
        } else if (f.size() == 3 && f[0] == "done") {
            r.done.insert(f[1].toLongLong(), f[2].toInt());
        }
    }
    return r;
}

const char* kAllMessages = "SELECT id, conversation_id, coalesce(parent_id, 0), role, status, length(content), "
                           "content, model, prompt_tokens, completion_tokens, finish_reason, error_text, created_at, "
                           "updated_at FROM messages ORDER BY id";
const char* kAllConversations = "SELECT * FROM conversations ORDER BY id";

}   // namespace

class TestStorageCrash : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void killedWhileStreamingLosesNothingCommitted()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("crash.db"));
        {
            // Baseline data the child must never touch.
            auto store = ConversationStore::open(path);
            QVERIFY2(store.ok(), qPrintable(store.errorString()));
            const qint64 c = store.value()->createConversation({QStringLiteral("before"), {}, {}, {}, {}}).value();
            const qint64 u =
                store.value()
                    ->appendMessage({c, 0, MessageRole::User, QStringLiteral("old question"), MessageStatus::Done, {}})
                    .value();
            QVERIFY(store.value()
                        ->appendMessage(
                            {c, u, MessageRole::Assistant, QStringLiteral("old answer"), MessageStatus::Done, {}})
                        .ok());
        }
        const quint32 seed = qEnvironmentVariableIsSet("CAUSERIE_CRASH_SEED")
                                 ? quint32(qEnvironmentVariableIntValue("CAUSERIE_CRASH_SEED"))
                                 : QRandomGenerator::global()->generate();
        qInfo("seed %u (set CAUSERIE_CRASH_SEED to replay)", seed);
        QRandomGenerator rng(seed);

        int killedMidStream = 0;
        for (int run = 0; run < 20; ++run) {
            const QStringList messagesBefore = rawQuery(path, kAllMessages);
            const QStringList conversationsBefore = rawQuery(path, kAllConversations);
            const qint64 maxIdBefore =
                rawQuery(path, "SELECT coalesce(max(id), 0) FROM messages").value(0).toLongLong();

            QProcess child;
            child.setProgram(QStringLiteral(STORAGE_TEST_HELPER));
            child.setArguments({QStringLiteral("stream"), path, QString::number(rng.generate())});
            child.start();
            QVERIFY2(child.waitForStarted(5000), qPrintable(child.errorString()));
            // Kill anywhere from start-up (opening the database) to well into streaming.
            const int delayMs = 5 + int(rng.bounded(400));
            QTest::qWait(delayMs);
            child.kill();   // SIGKILL on Unix
            QVERIFY(child.waitForFinished(5000));
            const QByteArray out = child.readAllStandardOutput();
            QVERIFY2(!out.startsWith("error"), out.constData());
            QCOMPARE(child.exitStatus(), QProcess::CrashExit);   // it never exits on its own in 10 s
            const Reported r = parse(out);

            // 1. The file is sound before anyone repairs anything.
            QCOMPARE(rawQuery(path, "PRAGMA integrity_check"), QStringList{"ok"});
            QString error;
            QVERIFY2(rawExec(path, "INSERT INTO messages_fts(messages_fts) VALUES('integrity-check')", &error),
                     qPrintable(error));

            // 2. Reopening marks at most the one half-written answer interrupted.
            {
                auto store = ConversationStore::open(path);
                QVERIFY2(store.ok(), qPrintable(store.errorString()));
                QVERIFY(store.value()->recoveredMessages() <= 1);
                killedMidStream += store.value()->recoveredMessages();
            }
            QCOMPARE(rawQuery(path, "SELECT count(*) FROM messages WHERE status = 'streaming'"), QStringList{"0"});

            // 3. Nothing that existed before changed.
            const QStringList messagesAfter = rawQuery(path, kAllMessages);
            QVERIFY(messagesAfter.size() >= messagesBefore.size());
            QCOMPARE(messagesAfter.mid(0, messagesBefore.size()), messagesBefore);
            const QStringList conversationsAfter = rawQuery(path, kAllConversations);
            QVERIFY(conversationsAfter.size() <= conversationsBefore.size() + 1);
            // Earlier conversations keep every column (the new one, if any, sorts last).
            QCOMPARE(conversationsAfter.mid(0, conversationsBefore.size()), conversationsBefore);

            // 4. Every new message is one the child reported, except at most one append that
            //    committed just before the kill, and each holds exactly a committed text.
            int unreported = 0;
            for (qint64 id = maxIdBefore + 1;; ++id) {
                const QStringList row =
                    rawQuery(path, QStringLiteral("SELECT conversation_id, coalesce(parent_id, 0), role, "
                                                  "status, content FROM messages WHERE id = %1")
                                       .arg(id)
                                       .toUtf8()
                                       .constData());
                if (row.isEmpty())
                    break;
                const QStringList f = row[0].split(QLatin1Char('|'));
                QCOMPARE(f[0].toLongLong(), r.conversation);
                const QString role = f[2], status = f[3], content = f.mid(4).join(QLatin1Char('|'));
                if (!r.parentOf.contains(id)) {
                    ++unreported;
                    QVERIFY2(unreported == 1, "more than one unreported message");
                    QVERIFY(role == QLatin1String("user") ? content.startsWith(QLatin1String("question "))
                                                          : content.isEmpty());
                    continue;
                }
                QCOMPARE(f[1].toLongLong(), r.parentOf.value(id));
                if (r.users.contains(id)) {
                    QCOMPARE(role, QStringLiteral("user"));
                    QCOMPARE(status, QStringLiteral("done"));
                    continue;
                }
                QCOMPARE(role, QStringLiteral("assistant"));
                QCOMPARE(content, streamText(id, int(content.size())));
                QVERIFY2(content.size() >= r.flushed.value(id, 0),
                         qPrintable(QStringLiteral("message %1 lost text: %2 < %3 reported")
                                        .arg(id)
                                        .arg(content.size())
                                        .arg(r.flushed.value(id))));
                QVERIFY(content.size() <= r.target.value(id));
                if (r.done.contains(id)) {
                    QCOMPARE(status, QStringLiteral("done"));
                    QCOMPARE(int(content.size()), r.done.value(id));
                } else if (status == QLatin1String("done")) {
                    QCOMPARE(int(content.size()), r.target.value(id));   // finished just before the kill
                } else {
                    QCOMPARE(status, QStringLiteral("interrupted"));
                }
            }
            for (auto it = r.parentOf.cbegin(); it != r.parentOf.cend(); ++it)
                QVERIFY2(it.key() > maxIdBefore, "a reported message is missing");
        }
        qInfo("%d of 20 kills landed while an answer was streaming", killedMidStream);
    }
};

QTEST_GUILESS_MAIN(TestStorageCrash)
#include "tst_storagecrash.moc"
