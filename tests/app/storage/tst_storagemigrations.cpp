// Schema migrations: each step on its own, the upgrade of a version-1 file (fixture), and the
// refusals (newer schema, foreign database, broken data) that must leave the file untouched.
#include "conversationstore.h"
#include "migrations.h"
#include "storagetestutil.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;
using storagetest::fileHash;
using storagetest::rawExec;
using storagetest::rawQuery;

class TestStorageMigrations : public QObject {
    Q_OBJECT

private:
    storagetest::NumberedFiles m_files{QStringLiteral("m")};

    QString fixturePath()
    {
        QFile sql(QStringLiteral(STORAGE_FIXTURE_DIR "/conversations-v1.sql"));
        if (!sql.open(QIODevice::ReadOnly))
            return {};
        const QString path = m_files.next();
        QString error;
        if (!rawExec(path, sql.readAll().constData(), &error)) {
            qWarning() << "fixture:" << error;
            return {};
        }
        return path;
    }

    // Runs `sql` on the file at `path`: empty when it succeeded, otherwise why not.
    static QString execError(const QString& path, const char* sql)
    {
        QString error;
        if (rawExec(path, sql, &error))
            return {};
        return error.isEmpty() ? QStringLiteral("the file could not be opened") : error;
    }

    // The file at `path` migrated to `version` (the database closed again afterwards).
    static StoreResult<MigrationReport> migrateFile(const QString& path, int version)
    {
        auto db = Database::open(path, {});
        if (!db)
            return db.error();
        return migrate(*db.value(), version);
    }

    // The version-1 fixture in a new file, migrated to `version`; empty (with a warning) when
    // that failed.
    QString fixtureAt(int version)
    {
        const QString path = fixturePath();
        if (path.isEmpty())
            return {};
        if (auto report = migrateFile(path, version); !report) {
            qWarning() << "fixture at version" << version << ":" << report.errorString();
            return {};
        }
        return path;
    }

    static const char* messageColumnsV1()
    {
        return "SELECT id, conversation_id, parent_id, role, content, status, created_at, "
               "updated_at FROM messages ORDER BY id";
    }

private Q_SLOTS:
    void stepOneCreatesTheVersionOneSchema()
    {
        const QString path = m_files.next();
        auto report = migrateFile(path, 1);
        QVERIFY2(report.ok(), qPrintable(report.errorString()));
        QCOMPARE(report->fromVersion, 0);
        QCOMPARE(report->toVersion, 1);
        QCOMPARE(rawQuery(path, "PRAGMA user_version"), QStringList{"1"});
        // The fixture must be what step 1 really produced: same schema text.
        const QString fixture = fixturePath();
        QVERIFY(!fixture.isEmpty());
        const char* schema = "SELECT type, name, sql FROM sqlite_schema ORDER BY name";
        QCOMPARE(rawQuery(fixture, schema), rawQuery(path, schema));
        // Version 1 did not know the new statuses.
        QVERIFY(!rawExec(path, "INSERT INTO conversations (id, created_at, updated_at) VALUES (1, 0, 0);"
                               "INSERT INTO messages (conversation_id, role, status, created_at, "
                               "updated_at) VALUES (1, 'user', 'interrupted', 0, 0)"));
    }

    void stepsTwoAndThreeUpgradeTheVersionOneFixture()
    {
        const QString path = fixturePath();
        QVERIFY(!path.isEmpty());
        const QStringList before = rawQuery(path, messageColumnsV1());
        QCOMPARE(before.size(), 8);
        const QStringList conversationsBefore =
            rawQuery(path, "SELECT id, title, created_at, updated_at, pinned, backend, model, "
                           "system_prompt, settings_json FROM conversations ORDER BY id");

        auto opened = ConversationStore::open(path);
        QVERIFY2(opened.ok(), qPrintable(opened.errorString()));
        auto& store = *opened.value();
        QCOMPARE(store.database().queryInt("PRAGMA user_version").value(), kSchemaVersion);

        // The rebuild was backed up first, as version 1 with all rows.
        QVERIFY(!store.backupPath().isEmpty());
        QVERIFY(QFile::exists(store.backupPath()));
        QCOMPARE(rawQuery(store.backupPath(), "PRAGMA user_version"), QStringList{"1"});
        QCOMPARE(rawQuery(store.backupPath(), messageColumnsV1()), before);

        // Every row survived; only the message left streaming became interrupted.
        QStringList expected = before;
        expected[4].replace(QLatin1String("|streaming|"), QLatin1String("|interrupted|"));
        QCOMPARE(rawQuery(path, messageColumnsV1()), expected);
        QCOMPARE(store.recoveredMessages(), 1);
        // Version 3: every old message has an empty reasoning.
        QCOMPARE(rawQuery(path, "SELECT count(*), sum(reasoning = '') FROM messages"), QStringList{"8|8"});
        QCOMPARE(store.message(6)->reasoning, QString());
        QCOMPARE(rawQuery(path, "SELECT id, title, created_at, updated_at, pinned, backend, model, "
                                "system_prompt, settings_json FROM conversations ORDER BY id"),
                 conversationsBefore);

        // The new parts work on old data: search, branches, metadata, statuses.
        auto hits = store.search(QStringLiteral("nata"));
        QVERIFY2(hits.ok(), qPrintable(hits.errorString()));
        QCOMPARE(hits->size(), 2);
        QCOMPARE(hits->at(0).messageId, 4);
        QCOMPARE(hits->at(1).messageId, 2);
        auto path1 = store.activePath(1).value();
        QCOMPARE(path1.size(), 4);   // 1 -> 4 -> 5 -> 6: the newest message is the active leaf
        QCOMPARE(path1[1].id, 4);
        QCOMPARE(path1[1].siblingIndex, 1);
        QCOMPARE(path1[1].siblingCount, 2);
        QCOMPARE(store.activePath(3)->size(), 0);
        auto page = store.listConversations(0, 10).value();
        QCOMPARE(page.size(), 3);
        QCOMPARE(page[0].title, QStringLiteral("Pinned: regex help"));
        QCOMPARE(page[0].settings.value(QLatin1String("top_p")).toDouble(), 0.9);
        QVERIFY(store.setStatus(9, MessageStatus::Cancelled).ok());
        QVERIFY(store.setReasoning(9, QStringLiteral("An ISO date is YYYY-MM-DD.")).ok());
        QCOMPARE(store.activePath(2)->back().reasoning, QStringLiteral("An ISO date is YYYY-MM-DD."));

        QCOMPARE(rawQuery(path, "PRAGMA integrity_check"), QStringList{"ok"});
        QCOMPARE(rawQuery(path, "PRAGMA foreign_key_check"), QStringList{});
        QCOMPARE(execError(path, "INSERT INTO messages_fts(messages_fts) VALUES('integrity-check')"), QString());

        // Opening again changes nothing and backs up nothing more.
        opened = ConversationStore::open(m_files.dir().filePath(QStringLiteral("unused.db")));
        auto again = ConversationStore::open(path);
        QVERIFY(again.ok());
        QVERIFY(again.value()->backupPath().isEmpty());
    }

    void stepThreeAddsReasoningWithoutABackup()
    {
        const QString path = fixtureAt(2);
        QVERIFY(!path.isEmpty());
        const QStringList before = rawQuery(path, messageColumnsV1());
        QCOMPARE(before.size(), 8);
        const QStringList ftsBefore = rawQuery(path, "SELECT rowid FROM messages_fts('nata') ORDER BY rowid");
        QCOMPARE(ftsBefore, QStringList({"2", "4"}));
        auto report = migrateFile(path, 3);
        QVERIFY2(report.ok(), qPrintable(report.errorString()));
        QCOMPARE(report->fromVersion, 2);
        QCOMPARE(report->toVersion, 3);
        // Adding a column with a constant default rewrites no row: nothing to back up.
        QVERIFY(report->backupPath.isEmpty());
        QCOMPARE(rawQuery(path, "PRAGMA user_version"), QStringList{"3"});
        QCOMPARE(rawQuery(path, messageColumnsV1()), before);
        QCOMPARE(rawQuery(path, "SELECT DISTINCT reasoning FROM messages"), QStringList{""});
        QCOMPARE(rawQuery(path, "SELECT type, \"notnull\", dflt_value FROM pragma_table_info('messages') "
                                "WHERE name = 'reasoning'"),
                 QStringList{"TEXT|1|''"});
        // NOT NULL holds (the store writes "" for "none"), and the full-text index ignores it.
        QVERIFY(!rawExec(path, "UPDATE messages SET reasoning = NULL WHERE id = 2"));
        QCOMPARE(execError(path, "UPDATE messages SET reasoning = 'nata nata' WHERE id = 6"), QString());
        QCOMPARE(rawQuery(path, "SELECT rowid FROM messages_fts('nata') ORDER BY rowid"), ftsBefore);
        QCOMPARE(execError(path, "INSERT INTO messages_fts(messages_fts) VALUES('integrity-check')"), QString());
        QCOMPARE(rawQuery(path, "PRAGMA integrity_check"), QStringList{"ok"});
        QCOMPARE(rawQuery(path, "PRAGMA foreign_key_check"), QStringList{});
    }

    void stepFourAddsCachedTokensWithoutABackup()
    {
        const QString path = fixtureAt(3);
        QVERIFY(!path.isEmpty());
        QCOMPARE(execError(path, "UPDATE messages SET prompt_tokens = 40 WHERE id = 6"), QString());
        const QStringList before = rawQuery(path, "SELECT id, content, status, prompt_tokens, reasoning FROM messages "
                                                  "ORDER BY id");
        QCOMPARE(before.size(), 8);
        auto report = migrateFile(path, 4);
        QVERIFY2(report.ok(), qPrintable(report.errorString()));
        QCOMPARE(report->fromVersion, 3);
        QCOMPARE(report->toVersion, 4);
        QVERIFY(report->backupPath.isEmpty());   // a column added, no row rewritten
        QCOMPARE(rawQuery(path, "PRAGMA user_version"), QStringList{"4"});
        QCOMPARE(rawQuery(path, "SELECT id, content, status, prompt_tokens, reasoning FROM messages ORDER BY id"),
                 before);
        // Unknown for every older answer (NULL, shown as no cache figure), and nullable.
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM messages WHERE cached_tokens IS NULL"), QStringList{"8"});
        QCOMPARE(rawQuery(path, "SELECT type, \"notnull\" FROM pragma_table_info('messages') "
                                "WHERE name = 'cached_tokens'"),
                 QStringList{"INTEGER|0"});
        auto store = ConversationStore::open(path);
        QVERIFY2(store.ok(), qPrintable(store.errorString()));
        const Message m = store.value()->message(6).value();
        QCOMPARE(m.stats.promptTokens, std::optional<qint64>(40));
        QCOMPARE(m.stats.cachedTokens, std::optional<qint64>());
        // STRICT: a number, never text.
        QVERIFY(!rawExec(path, "UPDATE messages SET cached_tokens = 'many' WHERE id = 6"));
        QCOMPARE(rawQuery(path, "PRAGMA integrity_check"), QStringList{"ok"});
    }

    void stepSixAddsAttachmentsAndKeepsEverything()
    {
        const QString path = fixtureAt(4);
        QVERIFY(!path.isEmpty());
        QCOMPARE(execError(path, "UPDATE messages SET reasoning = 'hmm', cached_tokens = 7 WHERE id = 6"), QString());
        const char* everything = "SELECT m.id, m.conversation_id, m.parent_id, m.role, m.content, m.status, "
                                 "m.reasoning, m.cached_tokens, c.title, c.active_leaf_id FROM messages m "
                                 "JOIN conversations c ON c.id = m.conversation_id ORDER BY m.id";
        const QStringList before = rawQuery(path, everything);
        QCOMPARE(before.size(), 8);
        const QStringList searchBefore =
            rawQuery(path, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'the'");
        auto report = migrateFile(path, 6);
        QVERIFY2(report.ok(), qPrintable(report.errorString()));
        QCOMPARE(report->fromVersion, 4);
        QCOMPARE(report->toVersion, 6);
        QVERIFY(report->backupPath.isEmpty());   // new tables only
        QCOMPARE(rawQuery(path, "PRAGMA user_version"), QStringList{"6"});
        QCOMPARE(rawQuery(path, everything), before);
        QCOMPARE(rawQuery(path, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'the'"), searchBefore);
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM attachments"), QStringList{"0"});
        QCOMPARE(rawQuery(path, "SELECT name FROM sqlite_schema WHERE name IN ('attachment_files', 'attachments', "
                                "'message_sources', 'attachment_files_unused') ORDER BY name"),
                 (QStringList{"attachment_files", "attachment_files_unused", "attachments", "message_sources"}));
        // STRICT, and the kinds are checked.
        QVERIFY(!rawExec(path, "INSERT INTO attachment_files (sha256, size) VALUES ('short', 1)"));
        QVERIFY(!rawExec(path, "INSERT INTO attachment_files (sha256, size) VALUES "
                               "('0000000000000000000000000000000000000000000000000000000000000000', 'big')"));
        QCOMPARE(rawQuery(path, "PRAGMA integrity_check"), QStringList{"ok"});
        auto store = ConversationStore::open(path);
        QVERIFY2(store.ok(), qPrintable(store.errorString()));
        QCOMPARE(store.value()->message(6)->reasoning, QStringLiteral("hmm"));
        QCOMPARE(store.value()->attachments(6)->size(), 0);
    }

    void stepSevenAddsFolderFilesKeepingEverything()
    {
        // A version-6 file with an attachment: it stays, and the new trigger still deletes a
        // file with its last attachment.
        const QString path = fixtureAt(6);
        QVERIFY(!path.isEmpty());
        QCOMPARE(execError(path, "INSERT INTO attachment_files (id, sha256, size, text) VALUES (1, "
                                 "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 4, 'text');"
                                 "INSERT INTO attachments (message_id, file_id, name, kind, created_at) "
                                 "VALUES (6, 1, 'a.txt', 'document', 1);"
                                 "INSERT INTO folders (id, name, created_at) VALUES (1, 'Work', 1);"),
                 QString());
        const char* everything = "SELECT m.id, m.content, a.name, f.sha256, f.text FROM messages m "
                                 "LEFT JOIN attachments a ON a.message_id = m.id "
                                 "LEFT JOIN attachment_files f ON f.id = a.file_id ORDER BY m.id";
        const QStringList before = rawQuery(path, everything);
        QCOMPARE(before.size(), 8);
        auto report = migrateFile(path, 7);
        QVERIFY2(report.ok(), qPrintable(report.errorString()));
        QCOMPARE(report->fromVersion, 6);
        QCOMPARE(report->toVersion, 7);
        QVERIFY(report->backupPath.isEmpty());   // a table and triggers, no row rewritten
        QCOMPARE(rawQuery(path, "PRAGMA user_version"), QStringList{"7"});
        QCOMPARE(rawQuery(path, everything), before);
        QCOMPARE(rawQuery(path, "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%files_unused' "
                                "ORDER BY name"),
                 (QStringList{"attachment_files_unused", "folder_files_unused"}));
        // A folder's file holds the content when the attachment goes, and lets it go after.
        QCOMPARE(execError(path, "PRAGMA foreign_keys = ON; INSERT INTO folder_files (folder_id, file_id, name, kind, "
                                 "created_at) VALUES (1, 1, 'a.txt', 'document', 2); DELETE FROM attachments;"),
                 QString());
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM attachment_files"), QStringList{"1"});
        QCOMPARE(execError(path, "PRAGMA foreign_keys = ON; DELETE FROM folders WHERE id = 1"), QString());
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM folder_files"), QStringList{"0"});
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM attachment_files"), QStringList{"0"});
        // STRICT, and the kind is checked.
        QVERIFY(!rawExec(path, "INSERT INTO folder_files (folder_id, file_id, name, kind, created_at) "
                               "VALUES (1, 1, 'x', 'video', 1)"));
        QCOMPARE(rawQuery(path, "PRAGMA integrity_check"), QStringList{"ok"});
        auto store = ConversationStore::open(path);
        QVERIFY2(store.ok(), qPrintable(store.errorString()));
        QVERIFY(store.value()->folderFiles(1)->isEmpty());
        QCOMPARE(store.value()->attachments(6)->size(), 0);
    }

    void stepFiveAddsFoldersKeepingEverything()
    {
        // A version-4 file with conversations, messages, a pin and a search index.
        const QString path = fixtureAt(4);
        QVERIFY(!path.isEmpty());
        QCOMPARE(execError(path, "UPDATE conversations SET pinned = 1 WHERE id = 1"), QString());
        const char* conversations = "SELECT id, title, created_at, updated_at, pinned, backend, model, system_prompt, "
                                    "settings_json, active_leaf_id, deleted_at FROM conversations ORDER BY id";
        const char* messages = "SELECT id, conversation_id, parent_id, role, content, status, reasoning, "
                               "cached_tokens FROM messages ORDER BY id";
        const QStringList conversationsBefore = rawQuery(path, conversations);
        const QStringList messagesBefore = rawQuery(path, messages);
        QVERIFY(conversationsBefore.size() >= 2);
        QCOMPARE(messagesBefore.size(), 8);
        auto report = migrateFile(path, 5);
        QVERIFY2(report.ok(), qPrintable(report.errorString()));
        QCOMPARE(report->fromVersion, 4);
        QCOMPARE(report->toVersion, 5);
        QVERIFY(report->backupPath.isEmpty());   // a table and a column added, no row rewritten
        QCOMPARE(rawQuery(path, "PRAGMA user_version"), QStringList{"5"});
        QCOMPARE(rawQuery(path, conversations), conversationsBefore);
        QCOMPARE(rawQuery(path, messages), messagesBefore);
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM conversations WHERE folder_id IS NULL"),
                 QStringList{QString::number(conversationsBefore.size())});
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM folders"), QStringList{"0"});
        QCOMPARE(rawQuery(path, "SELECT strict FROM pragma_table_list WHERE name = 'folders'"), QStringList{"1"});
        // The store uses it: a folder, a conversation moved in, still searchable.
        auto store = ConversationStore::open(path);
        QVERIFY2(store.ok(), qPrintable(store.errorString()));
        const qint64 folder = store.value()->createFolder(QStringLiteral("Old ones")).value();
        QVERIFY(store.value()->moveToFolder({1}, folder).ok());
        QCOMPARE(store.value()->conversation(1)->folderId, folder);
        QCOMPARE(store.value()->conversation(1)->pinned, true);
        QCOMPARE(store.value()->search(QStringLiteral("nata"))->isEmpty(), false);
        // Titles written before version 5 are in the new title index.
        const QString title = rawQuery(path, "SELECT title FROM conversations WHERE id = 1").value(0);
        QVERIFY(!title.isEmpty());
        auto titleHits = store.value()->search(title).value();
        QVERIFY(!titleHits.isEmpty());
        QCOMPARE(titleHits.first().inTitle, true);
        QCOMPARE(titleHits.first().conversationId, 1);
        QCOMPARE(rawQuery(path, "PRAGMA integrity_check"), QStringList{"ok"});
    }

    void nextSchemaVersionIsRefusedAndLeftUntouched()
    {
        // One past this build is refused like any newer file: it may hold columns we would
        // drop on export, or constraints we would break.
        const QString path = fixturePath();
        QVERIFY(!path.isEmpty());
        const QByteArray next = "PRAGMA user_version = " + QByteArray::number(kSchemaVersion + 1);
        QVERIFY(rawExec(path, next.constData()));
        const QByteArray hash = fileHash(path);
        auto store = ConversationStore::open(path);
        QVERIFY(!store.ok());
        const QString expected =
            QStringLiteral("schema %1; this version knows up to %2").arg(kSchemaVersion + 1).arg(kSchemaVersion);
        QVERIFY2(store.errorString().contains(expected), qPrintable(store.errorString()));
        QCOMPARE(fileHash(path), hash);
    }

    void newerSchemaIsRefusedAndLeftUntouched()
    {
        const QString path = m_files.next();
        QVERIFY(rawExec(path, "CREATE TABLE conversations (id INTEGER PRIMARY KEY, future TEXT);"
                              "INSERT INTO conversations VALUES (1, 'from the future');"
                              "PRAGMA user_version = 8;"));
        const QByteArray hash = fileHash(path);
        auto store = ConversationStore::open(path);
        QVERIFY(!store.ok());
        const QString message = store.errorString();
        QVERIFY2(message.contains(QLatin1String("newer version of Causerie")), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("schema 8")), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("untouched")), qPrintable(message));
        QCOMPARE(fileHash(path), hash);
        QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
        QCOMPARE(rawQuery(path, "PRAGMA journal_mode"), QStringList{"delete"});
    }

    void foreignDatabaseIsRefusedAndLeftUntouched()
    {
        const QString path = m_files.next();
        QVERIFY(rawExec(path, "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);"));
        const QByteArray hash = fileHash(path);
        auto store = ConversationStore::open(path);
        QVERIFY(!store.ok());
        QVERIFY2(store.errorString().contains(QLatin1String("not a Causerie conversation database")),
                 qPrintable(store.errorString()));
        QCOMPARE(fileHash(path), hash);
    }

    void failedStepRollsBackToTheOldVersion()
    {
        // A version-1 file with a dangling reference (written with foreign keys off):
        // the step's foreign-key check fails, the transaction rolls back, nothing is lost.
        const QString path = fixturePath();
        QVERIFY(!path.isEmpty());
        QVERIFY(rawExec(path, "INSERT INTO messages VALUES (10, 99, NULL, 'user', 'orphan', 'done', 0, 0)"));
        const QStringList before = rawQuery(path, messageColumnsV1());
        auto store = ConversationStore::open(path);
        QVERIFY(!store.ok());
        QVERIFY2(store.errorString().contains(QLatin1String("broken references")), qPrintable(store.errorString()));
        QCOMPARE(rawQuery(path, "PRAGMA user_version"), QStringList{"1"});
        QCOMPARE(rawQuery(path, messageColumnsV1()), before);
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'messages_fts'"), QStringList{"0"});
    }
};

QTEST_GUILESS_MAIN(TestStorageMigrations)
#include "tst_storagemigrations.moc"
