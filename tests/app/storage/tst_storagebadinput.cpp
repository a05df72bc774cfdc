// Bad input: damaged, truncated, foreign, read-only and full files; huge, NUL-laden and
// invalid UTF-8 text; FTS syntax typed by a user; malformed imports. Each gets a clear error
// or safe handling, never a crash, and the data already stored stays intact.
#include "conversationstore.h"
#include "storagetestutil.h"

#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace causerie::storage;
using storagetest::fileHash;
using storagetest::rawExec;
using storagetest::rawQuery;

namespace {

// Runs `fn` in a forked child without root's power to ignore permissions (as "nobody"
// when the tests run as root, as CI does) and returns what it returned.
QString runUnprivileged(const std::function<QString()>& fn)
{
    int fds[2];
    if (pipe(fds) != 0)
        return QStringLiteral("pipe failed");
    const pid_t pid = fork();
    if (pid == 0) {
        ::close(fds[0]);
        QByteArray out;
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            out = "cannot drop privileges";
        else
            out = fn().toUtf8();
        const ssize_t n = ::write(fds[1], out.constData(), size_t(out.size()));
        (void)n;
        ::_exit(0);
    }
    ::close(fds[1]);
    QByteArray result;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
        result.append(buffer, n);
    ::close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status))
        return QStringLiteral("child crashed (signal %1)").arg(WTERMSIG(status));
    return QString::fromUtf8(result);
}

}   // namespace

class TestStorageBadInput : public QObject {
    Q_OBJECT

private:
    storagetest::NumberedFiles m_files{QStringLiteral("b")};

    // A store with `conversations` x `perConversation` messages, closed again.
    QString filledStore(int conversations, int perConversation)
    {
        const QString path = m_files.next();
        auto store = ConversationStore::open(path);
        if (!store)
            return {};
        for (int c = 0; c < conversations; ++c) {
            const qint64 id = store.value()->createConversation({QStringLiteral("c%1").arg(c), {}, {}, {}, {}}).value();
            qint64 parent = 0;
            for (int m = 0; m < perConversation; ++m) {
                parent =
                    store.value()
                        ->appendMessage({id,
                                         parent,
                                         MessageRole::User,
                                         QStringLiteral("message %1 of %2 with some words").arg(m).arg(c).repeated(8),
                                         MessageStatus::Done,
                                         {}})
                        .value();
            }
        }
        return path;
    }

    // Every call either works or says why; none may crash.
    static void exerciseEverything(ConversationStore& store)
    {
        auto check = [](const QString& what, const QString& error) {
            if (!error.isEmpty())
                QVERIFY2(error.size() > 20, qPrintable(what + QStringLiteral(": ") + error));
        };
        check(QStringLiteral("list"), store.listConversations(0, 50).errorString());
        check(QStringLiteral("count"), store.conversationCount().errorString());
        for (qint64 c = 1; c <= 5; ++c) {
            check(QStringLiteral("path"), store.activePath(c).errorString());
            check(QStringLiteral("json"), store.exportJson(c).errorString());
            check(QStringLiteral("md"), store.exportMarkdown(c).errorString());
        }
        check(QStringLiteral("search"), store.search(QStringLiteral("words")).errorString());
        auto id = store.createConversation();
        check(QStringLiteral("create"), id.errorString());
        if (id) {
            auto m = store.appendMessage(
                {id.value(), 0, MessageRole::Assistant, QStringLiteral("new"), MessageStatus::Streaming, {}});
            check(QStringLiteral("append"), m.errorString());
            if (m) {
                check(QStringLiteral("update"),
                      store.updateStreamingText(m.value(), QStringLiteral("x")).errorString());
                check(QStringLiteral("reasoning"), store.setReasoning(m.value(), QStringLiteral("y")).errorString());
            }
        }
        check(QStringLiteral("delete"), store.deleteConversation(1).errorString());
    }

private Q_SLOTS:
    void randomBytesAreRefusedUntouched()
    {
        const QString path = m_files.next();
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QRandomGenerator rng(1234);
        QByteArray junk(8192, '\0');
        rng.fillRange(reinterpret_cast<quint32*>(junk.data()), junk.size() / 4);
        f.write(junk);
        f.close();
        const QByteArray hash = fileHash(path);
        auto store = ConversationStore::open(path);
        QVERIFY(!store.ok());
        QVERIFY2(store.errorString().contains(QLatin1String("is not an SQLite database")),
                 qPrintable(store.errorString()));
        QVERIFY2(store.errorString().contains(path), qPrintable(store.errorString()));
        QCOMPARE(fileHash(path), hash);
        QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
    }

    void truncatedFileIsRefusedUntouched()
    {
        const QString path = filledStore(3, 40);
        QVERIFY(!path.isEmpty());
        QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));   // checkpointed on close
        const qint64 size = QFileInfo(path).size();
        QVERIFY(size > 8192);
        QVERIFY(QFile::resize(path, size / 2));
        const QByteArray hash = fileHash(path);
        auto store = ConversationStore::open(path);
        QVERIFY(!store.ok());
        QVERIFY2(store.errorString().contains(QLatin1String("is truncated")), qPrintable(store.errorString()));
        QCOMPARE(fileHash(path), hash);

        QVERIFY(QFile::resize(path, 60));   // shorter than the 100-byte header
        store = ConversationStore::open(path);
        QVERIFY(!store.ok());
        QVERIFY2(store.errorString().contains(QLatin1String("is not an SQLite database")),
                 qPrintable(store.errorString()));
    }

    void garbledPagesGiveErrorsNotCrashes_data()
    {
        QTest::addColumn<quint32>("seed");
        for (quint32 seed : {1u, 2u, 3u, 4u, 5u, 6u})
            QTest::addRow("seed %u", seed) << seed;
    }

    void garbledPagesGiveErrorsNotCrashes()
    {
        QFETCH(quint32, seed);
        const QString path = filledStore(4, 30);
        QVERIFY(!path.isEmpty());
        // Keep the header and schema page; scribble over a few random runs of later pages.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QRandomGenerator rng(seed);
        for (int i = 0; i < 4; ++i) {
            const qint64 at = 4096 + rng.bounded(f.size() - 4096 - 512);
            QByteArray junk(int(rng.bounded(16, 512)), '\0');
            for (auto& c : junk)
                c = char(rng.bounded(256));
            f.seek(at);
            f.write(junk);
        }
        f.close();
        auto store = ConversationStore::open(path);
        if (!store.ok()) {
            QVERIFY2(store.errorString().contains(path), qPrintable(store.errorString()));
            return;
        }
        exerciseEverything(*store.value());
    }

    void readOnlyFileIsRefused()
    {
        const QString path = filledStore(1, 3);
        QVERIFY(!path.isEmpty());
        QVERIFY(QFile::setPermissions(m_files.dir().path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                                QFile::ReadOther | QFile::WriteOther |
                                                                QFile::ExeOther));
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadOther));
        const QByteArray hash = fileHash(path);
        const QString result = runUnprivileged([&] {
            auto store = ConversationStore::open(path);
            return store.ok() ? QStringLiteral("opened") : store.errorString();
        });
        qInfo("read-only file: %s", qPrintable(result));
        QVERIFY2(result.contains(QLatin1String("read-only")), qPrintable(result));
        QCOMPARE(fileHash(path), hash);
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));
    }

    void readOnlyDirectoryIsRefused()
    {
        QTemporaryDir sub(m_files.dir().filePath(QStringLiteral("ro-XXXXXX")));
        const QString path = sub.filePath(QStringLiteral("conversations.db"));
        {
            auto store = ConversationStore::open(path);
            QVERIFY(store.ok());
            QVERIFY(store.value()->createConversation({QStringLiteral("kept"), {}, {}, {}, {}}).ok());
        }
        // The file itself is writable by anyone; only its folder is not (no -wal/-shm possible).
        QVERIFY(
            QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther | QFile::WriteOther));
        QVERIFY(
            QFile::setPermissions(sub.path(), QFile::ReadOwner | QFile::ExeOwner | QFile::ReadOther | QFile::ExeOther));
        QVERIFY(QFile::setPermissions(m_files.dir().path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                                QFile::ReadOther | QFile::ExeOther));
        const QByteArray hash = fileHash(path);
        const QString result = runUnprivileged([&] {
            auto store = ConversationStore::open(path);
            if (!store.ok())
                return store.errorString();
            // If SQLite managed to open it, writing must fail cleanly.
            auto c = store.value()->createConversation();
            return c.ok() ? QStringLiteral("wrote to a read-only folder") : c.errorString();
        });
        qInfo("read-only folder: %s", qPrintable(result));
        QVERIFY2(result.contains(path) &&
                     (result.contains(QLatin1String("read-only")) || result.contains(QLatin1String("writable"))),
                 qPrintable(result));
        QCOMPARE(fileHash(path), hash);
        QVERIFY(QFile::setPermissions(sub.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    }

    void fullDiskKeepsWhatWasSaved()
    {
        const QString path = m_files.next();
        StoreOptions options;
        // 160 pages of 4 KiB: the schema takes a few, ~10 KiB messages fill the rest quickly.
        options.database.maxPageCount = 160;
        QHash<qint64, QString> saved;
        qint64 streaming = 0;
        QString fullError;
        {
            auto store = ConversationStore::open(path, options);
            QVERIFY2(store.ok(), qPrintable(store.errorString()));
            ConversationStore& s = *store.value();
            const qint64 c = s.createConversation().value();
            streaming = s.appendMessage({c, 0, MessageRole::Assistant, {}, MessageStatus::Streaming, {}}).value();
            QVERIFY(s.updateStreamingText(streaming, QStringLiteral("short answer so far")).ok());
            QVERIFY(s.setReasoning(streaming, QStringLiteral("short thought")).ok());
            for (int i = 0; i < 200 && fullError.isEmpty(); ++i) {
                const QString text = QStringLiteral("entry %1 ").arg(i).repeated(1000);
                auto id = s.appendMessage({c, 0, MessageRole::User, text, MessageStatus::Done, {}});
                if (id)
                    saved.insert(id.value(), text);
                else
                    fullError = id.errorString();
            }
            QVERIFY2(!fullError.isEmpty(), "the size limit was never reached");
            QVERIFY2(fullError.contains(QLatin1String("is full")), qPrintable(fullError));
            QVERIFY(saved.size() > 3);
            // A flush that no longer fits fails cleanly and keeps the previous text.
            auto flush = s.updateStreamingText(streaming, QStringLiteral("y").repeated(200'000));
            QVERIFY(!flush.ok());
            QVERIFY2(flush.errorString().contains(QLatin1String("is full")), qPrintable(flush.errorString()));
            QCOMPARE(s.message(streaming)->content, QStringLiteral("short answer so far"));
            auto thought = s.setReasoning(streaming, QStringLiteral("z").repeated(200'000));
            QVERIFY(!thought.ok());
            QVERIFY2(thought.errorString().contains(QLatin1String("is full")), qPrintable(thought.errorString()));
            QCOMPARE(s.message(streaming)->reasoning, QStringLiteral("short thought"));
        }
        auto store = ConversationStore::open(path);   // space freed: no limit
        QVERIFY2(store.ok(), qPrintable(store.errorString()));
        for (auto it = saved.cbegin(); it != saved.cend(); ++it)
            QCOMPARE(store.value()->message(it.key())->content, it.value());
        QCOMPARE(store.value()->message(streaming)->status, MessageStatus::Interrupted);
        QCOMPARE(store.value()->message(streaming)->reasoning, QStringLiteral("short thought"));
        QCOMPARE(rawQuery(path, "PRAGMA integrity_check"), QStringList{"ok"});
        QVERIFY(store.value()->createConversation().ok());
    }

    void lockedByAnotherWriterTimesOutClearly()
    {
        const QString path = m_files.next();
        StoreOptions options;
        options.database.busyTimeoutMs = 200;
        auto store = ConversationStore::open(path, options);
        QVERIFY(store.ok());
        const qint64 c = store.value()->createConversation().value();
        // Another program holds the write lock (the instance guard keeps Causerie itself out).
        sqlite3* other = nullptr;
        QCOMPARE(sqlite3_open(QFile::encodeName(path).constData(), &other), SQLITE_OK);
        QCOMPARE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
        QElapsedTimer timer;
        timer.start();
        auto id = store.value()->appendMessage({c, 0, MessageRole::User, QStringLiteral("x"), MessageStatus::Done, {}});
        const qint64 waited = timer.elapsed();
        QVERIFY(!id.ok());
        QVERIFY2(id.errorString().contains(QLatin1String("locked by another program")), qPrintable(id.errorString()));
        QVERIFY2(waited >= 150, "busy_timeout was not applied");   // 200 ms, minus timer slack
        sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(other);
        QVERIFY(
            store.value()->appendMessage({c, 0, MessageRole::User, QStringLiteral("x"), MessageStatus::Done, {}}).ok());
    }

    void fiveMegabyteMessage()
    {
        auto store = ConversationStore::open(m_files.next());
        QVERIFY(store.ok());
        ConversationStore& s = *store.value();
        QString big;
        for (int i = 0; big.size() < 5 * 1024 * 1024; ++i)
            big += QStringLiteral("word%1 ").arg(i % 5000);
        big += QStringLiteral("needle");
        const qint64 c = s.createConversation().value();
        const qint64 a = s.appendMessage({c, 0, MessageRole::Assistant, {}, MessageStatus::Streaming, {}}).value();
        QVERIFY(s.updateStreamingText(a, big.left(3 * 1024 * 1024)).ok());
        QVERIFY(s.finishMessage(a, big, {}).ok());
        QCOMPARE(s.message(a)->content, big);
        auto hits = s.search(QStringLiteral("needle"));
        QVERIFY(hits.ok());
        QCOMPARE(hits->size(), 1);
        QVERIFY(hits->at(0).snippet.endsWith(QLatin1String("needle")));
        QVERIFY(s.exportJson(c)->size() > 5 * 1024 * 1024);
    }

    void textOverTheLengthLimitIsRefused()
    {
        StoreOptions options;
        options.database.maxLengthBytes = 1024 * 1024;
        auto store = ConversationStore::open(m_files.next(), options);
        QVERIFY(store.ok());
        const qint64 c = store.value()->createConversation().value();
        auto id = store.value()->appendMessage(
            {c, 0, MessageRole::User, QString(2 * 1024 * 1024, QLatin1Char('x')), MessageStatus::Done, {}});
        QVERIFY(!id.ok());
        QVERIFY2(id.errorString().contains(QLatin1String("too large")), qPrintable(id.errorString()));
        QCOMPARE(store.value()->activePath(c)->size(), 0);
        QVERIFY(store.value()
                    ->appendMessage({c, 0, MessageRole::User, QStringLiteral("fits"), MessageStatus::Done, {}})
                    .ok());
    }

    void nulAndInvalidUtf8()
    {
        const QString path = m_files.next();
        auto store = ConversationStore::open(path);
        QVERIFY(store.ok());
        ConversationStore& s = *store.value();
        const qint64 c = s.createConversation().value();
        const QString withNul = QStringLiteral("before") + QChar(0) + QStringLiteral("after nulword");
        const qint64 a = s.appendMessage({c, 0, MessageRole::User, withNul, MessageStatus::Done, {}}).value();
        QCOMPARE(s.message(a)->content, withNul);
        QCOMPARE(s.message(a)->content.size(), 20);   // 6 + NUL + 13
        QCOMPARE(s.search(QStringLiteral("nulword"))->size(), 1);

        // Invalid UTF-8 reaching the app becomes U+FFFD when decoded; a lone surrogate is
        // replaced when encoded. Both are stored and read back without harm.
        const QString decoded = QString::fromUtf8("bad \xff\xfe bytes \xc3");
        const qint64 b = s.appendMessage({c, a, MessageRole::User, decoded, MessageStatus::Done, {}}).value();
        QCOMPARE(s.message(b)->content, decoded);
        QVERIFY(decoded.contains(QChar(QChar::ReplacementCharacter)));
        const QString surrogate = QStringLiteral("x") + QChar(0xD800) + QStringLiteral("y");
        const qint64 d = s.appendMessage({c, b, MessageRole::User, surrogate, MessageStatus::Done, {}}).value();
        QCOMPARE(s.message(d)->content, QString::fromUtf8(surrogate.toUtf8()));

        // Raw invalid UTF-8 bytes written into the file by another tool.
        QVERIFY(rawExec(path, "UPDATE messages SET content = CAST(X'6F6BFF80C328' AS TEXT) WHERE id = 1"));
        const QString read = s.message(a)->content;
        QVERIFY(read.startsWith(QLatin1String("ok")));
        QVERIFY(read.contains(QChar(QChar::ReplacementCharacter)));
        QVERIFY(s.search(QStringLiteral("ok")).ok());
        QVERIFY(s.exportJson(c).ok());
        QVERIFY(s.exportMarkdown(c).ok());
    }

    void userTypedSearchSyntaxIsSafe()
    {
        auto store = ConversationStore::open(m_files.next());
        QVERIFY(store.ok());
        ConversationStore& s = *store.value();
        const qint64 c = s.createConversation().value();
        QVERIFY(s.appendMessage(
                     {c, 0, MessageRole::User, QStringLiteral("foo bar \"quoted\" AND OR"), MessageStatus::Done, {}})
                    .ok());
        const QStringList typed = {QStringLiteral("\"foo"),
                                   QStringLiteral("AND OR"),
                                   QStringLiteral("*"),
                                   QStringLiteral("foo*bar"),
                                   QStringLiteral("NEAR(foo bar, 2)"),
                                   QStringLiteral("{content}: foo"),
                                   QStringLiteral("foo AND"),
                                   QStringLiteral("(((")};
        for (const QString& q : typed) {
            auto hits = s.search(q);
            QVERIFY2(hits.ok(), qPrintable(q + QStringLiteral(": ") + hits.errorString()));
        }
        QCOMPARE(s.search(QStringLiteral("\"foo"))->size(), 1);
        QCOMPARE(s.search(QStringLiteral("AND OR"))->size(), 1);   // plain words here
        QCOMPARE(s.search(QStringLiteral("*"))->size(), 0);
        QCOMPARE(s.search(QStringLiteral("\"quoted\""))->size(), 1);
    }

    void malformedImportsAreRefusedWithTheirField_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        const QByteArray head = R"({"format":"causerie.conversation","version":1,"title":"t",)"
                                R"("created_at":1,"updated_at":2,"pinned":false,"backend":"",)"
                                R"("model":"","system_prompt":"","settings":{},"active_leaf":null,)";
        const QByteArray msg = R"("role":"user","content":"hi","status":"done","created_at":1,"updated_at":1)";
        QTest::addRow("not json") << QByteArray("{\"format\": ") << QStringLiteral("at byte");
        QTest::addRow("array") << QByteArray("[]") << QStringLiteral("expected a JSON object");
        QTest::addRow("other format") << QByteArray(R"({"format":"x"})") << QStringLiteral("\"format\"");
        QTest::addRow("future version") << QByteArray(R"({"format":"causerie.conversation","version":9})")
                                        << QStringLiteral("version 9");
        QTest::addRow("title type") << QByteArray(head).replace(R"("title":"t")", R"("title":5)") + R"("messages":[]})"
                                    << QStringLiteral("\"title\" must be a string");
        QTest::addRow("no messages") << head + R"("messages":{}})" << QStringLiteral("\"messages\" must be an array");
        QTest::addRow("bad role") << head + R"("messages":[{"id":1,"parent":null,)" +
                                         QByteArray(msg).replace("user", "wizard") + "}]}"
                                  << QStringLiteral("messages[0].role");
        QTest::addRow("bad status") << head + R"("messages":[{"id":1,"parent":null,)" +
                                           QByteArray(msg).replace("done", "maybe") + "}]}"
                                    << QStringLiteral("messages[0].status");
        QTest::addRow("fractional time") << head + R"("messages":[{"id":1,"parent":null,)" +
                                                QByteArray(msg).replace("\"created_at\":1", "\"created_at\":1.5") +
                                                "}]}"
                                         << QStringLiteral("messages[0].created_at must be a whole number");
        QTest::addRow("forward parent") << head + R"("messages":[{"id":1,"parent":2,)" + msg + "}]}"
                                        << QStringLiteral("messages[0].parent 2 is not an earlier message");
        QTest::addRow("self parent") << head + R"("messages":[{"id":1,"parent":1,)" + msg + "}]}"
                                     << QStringLiteral("messages[0].parent 1");
        QTest::addRow("duplicate id") << head + R"("messages":[{"id":1,"parent":null,)" + msg +
                                             R"(},{"id":1,"parent":null,)" + msg + "}]}"
                                      << QStringLiteral("messages[1].id 1 is used twice");
        QTest::addRow("reasoning type") << head + R"("messages":[{"id":1,"parent":null,)" +
                                               QByteArray(msg).replace("user", "assistant") + R"(,"reasoning":5}]})"
                                        << QStringLiteral("messages[0].reasoning must be a string");
        QTest::addRow("reasoning null") << head + R"("messages":[{"id":1,"parent":null,)" +
                                               QByteArray(msg).replace("user", "assistant") + R"(,"reasoning":null}]})"
                                        << QStringLiteral("messages[0].reasoning must be a string");
        // The second message is the bad one: the first must not stay imported either.
        QTest::addRow("reasoning on user") << head + R"("messages":[{"id":1,"parent":null,)" + msg +
                                                  R"(},{"id":2,"parent":1,)" + msg + R"(,"reasoning":"hm"}]})"
                                           << QStringLiteral("messages[1].reasoning is only allowed "
                                                             "on an assistant message (this one is user)");
        QTest::addRow("dangling leaf") << QByteArray(head).replace(R"("active_leaf":null)", R"("active_leaf":7)") +
                                              R"("messages":[{"id":1,"parent":null,)" + msg + "}]}"
                                       << QStringLiteral("active_leaf 7");
    }

    void malformedImportsAreRefusedWithTheirField()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const QString path = m_files.next();
        auto store = ConversationStore::open(path);
        QVERIFY(store.ok());
        QVERIFY(store.value()->createConversation({QStringLiteral("existing"), {}, {}, {}, {}}).ok());
        auto imported = store.value()->importJson(json);
        QVERIFY(!imported.ok());
        QVERIFY2(imported.errorString().contains(expected), qPrintable(imported.errorString()));
        // Nothing half-imported.
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM conversations"), QStringList{"1"});
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM messages"), QStringList{"0"});
    }
};

QTEST_GUILESS_MAIN(TestStorageBadInput)
#include "tst_storagebadinput.moc"
