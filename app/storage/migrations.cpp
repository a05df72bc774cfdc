#include "migrations.h"

#include "storagelog.h"

#include <QDateTime>
#include <QFile>

namespace causerie::storage {
namespace {

// An external-content FTS5 index `<table>_fts` of one text column, kept in sync by triggers,
// with a 3-character prefix index so search-as-you-type completion stays a single lookup.
// Messages (version 2) and titles (version 5) use the same tokenizer, so one query finds both.
QByteArray fullTextIndex(const char* table, const char* column)
{
    return QStringLiteral(R"sql(CREATE VIRTUAL TABLE %1_fts USING fts5(%2, content='%1', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='3');
CREATE TRIGGER %1_fts_insert AFTER INSERT ON %1 BEGIN
    INSERT INTO %1_fts(rowid, %2) VALUES (new.id, new.%2);
END;
CREATE TRIGGER %1_fts_delete AFTER DELETE ON %1 BEGIN
    INSERT INTO %1_fts(%1_fts, rowid, %2) VALUES ('delete', old.id, old.%2);
END;
CREATE TRIGGER %1_fts_update AFTER UPDATE OF %2 ON %1 BEGIN
    INSERT INTO %1_fts(%1_fts, rowid, %2) VALUES ('delete', old.id, old.%2);
    INSERT INTO %1_fts(rowid, %2) VALUES (new.id, new.%2);
END;
INSERT INTO %1_fts(%1_fts) VALUES ('rebuild');
)sql")
        .arg(QLatin1String(table), QLatin1String(column))
        .toUtf8();
}

// A table of files held by rows of `ownerTable` (version 6's attachments of a message, version
// 7's folder_files of a folder): name, local path, kind and tokens, in order, the content in
// attachment_files; deleted with their owner.
QByteArray fileListTable(const char* table, const char* owner, const char* ownerTable)
{
    return QStringLiteral(R"sql(CREATE TABLE %1 (
    id INTEGER PRIMARY KEY,
    %2_id INTEGER NOT NULL REFERENCES %3(id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES attachment_files(id),
    ord INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('document', 'image')),
    tokens INTEGER,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX %1_by_%2 ON %1(%2_id, ord);
CREATE INDEX %1_by_file ON %1(file_id);
)sql")
        .arg(QLatin1String(table), QLatin1String(owner), QLatin1String(ownerTable))
        .toUtf8();
}

// Version 7's trigger `name` on `table` (attachments or folder_files): a file leaves
// attachment_files when neither an attachment nor a folder holds it any more.
QByteArray fileUnusedTrigger(const char* name, const char* table)
{
    return QByteArray("CREATE TRIGGER ") + name + " AFTER DELETE ON " + table + R"sql(
WHEN NOT EXISTS (SELECT 1 FROM attachments WHERE file_id = old.file_id)
 AND NOT EXISTS (SELECT 1 FROM folder_files WHERE file_id = old.file_id) BEGIN
    DELETE FROM attachment_files WHERE id = old.file_id;
END;
)sql";
}

// Version 1: conversations and a message tree. Status had no interrupted/cancelled yet and
// there was no metadata, no full-text index and no remembered branch.
StoreStatus migrateTo1(Database& db)
{
    return db.exec(R"sql(
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    backend TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    settings_json TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'done' CHECK (status IN ('streaming', 'done', 'error')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX conversations_by_activity ON conversations(pinned DESC, updated_at DESC);
)sql");
}

// Version 2: per-message metadata and the two new statuses. SQLite cannot change a CHECK
// constraint in place, so the messages table is rebuilt (destructive: backed up first).
// Also: remembered active branch, soft delete for undo, the full-text index of `content`
// (fullTextIndex): search finds what was said, not a model's reasoning (v3).
StoreStatus migrateTo2(Database& db)
{
    const QByteArray sql = R"sql(
ALTER TABLE conversations ADD COLUMN active_leaf_id INTEGER REFERENCES messages(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN deleted_at INTEGER;
CREATE TABLE messages_new (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'done'
        CHECK (status IN ('streaming', 'done', 'interrupted', 'error', 'cancelled')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    model TEXT,
    backend TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    ttft_ms REAL,
    tokens_per_second REAL,
    finish_reason TEXT,
    error_text TEXT
) STRICT;
INSERT INTO messages_new (id, conversation_id, parent_id, role, content, status, created_at, updated_at)
    SELECT id, conversation_id, parent_id, role, content, status, created_at, updated_at FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX messages_by_parent ON messages(parent_id);
CREATE INDEX messages_streaming ON messages(id) WHERE status = 'streaming';
DROP INDEX conversations_by_activity;
CREATE INDEX conversations_by_activity ON conversations(pinned DESC, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX conversations_by_leaf ON conversations(active_leaf_id);
UPDATE conversations SET active_leaf_id =
    (SELECT max(id) FROM messages WHERE messages.conversation_id = conversations.id);
)sql" + fullTextIndex("messages", "content");
    return db.exec(sql.constData());
}

// Version 3: the reasoning ("thinking") text of an answer, kept apart from its content.
// ADD COLUMN with a constant default rewrites no row, so no backup is needed. Not indexed
// by messages_fts (see version 2): the FTS triggers fire on content only.
StoreStatus migrateTo3(Database& db)
{
    return db.exec("ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT ''");
}

// Version 4: how many of an answer's prompt tokens the local engine read from its KV cache
// instead of computing them ("3,012 tokens, 3,000 from cache"). NULL: unknown (remote answers,
// older rows). Like version 3, no row is rewritten.
StoreStatus migrateTo4(Database& db) { return db.exec("ALTER TABLE messages ADD COLUMN cached_tokens INTEGER"); }

// Version 5: folders (Le Chat's "projects"). A folder has a unique name (case-insensitive:
// an import reuses a folder by name), a default system prompt copied into the conversations
// created in it, a remembered collapsed state and a place in the sidebar. settings_json is the
// room for its other defaults (documents and libraries, issue 16). Deleting a folder sends its
// conversations back to the list (ON DELETE SET NULL), never deletes them. No row rewritten.
// Also: titles get their own full-text index (fullTextIndex), so search finds titles as cheaply
// as messages.
StoreStatus migrateTo5(Database& db)
{
    const QByteArray sql = R"sql(
CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    system_prompt TEXT NOT NULL DEFAULT '',
    settings_json TEXT NOT NULL DEFAULT '{}',
    collapsed INTEGER NOT NULL DEFAULT 0 CHECK (collapsed IN (0, 1)),
    position INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;
ALTER TABLE conversations ADD COLUMN folder_id INTEGER REFERENCES folders(id) ON DELETE SET NULL;
CREATE INDEX conversations_by_folder ON conversations(folder_id) WHERE folder_id IS NOT NULL;
)sql" + fullTextIndex("conversations", "title");
    return db.exec(sql.constData());
}

// Version 6: files attached to messages, and the sources an answer was given.
//   attachment_files  one row per distinct content (SHA-256): the same file attached twice is
//                     stored once; its extracted text and sections ([{page, heading, start,
//                     end}], offsets into text) are what the model reads; `bytes` only for
//                     images (sent to the model) and files imported with "include files".
//   attachments       a file on a message (name, the local path it came from, kind, tokens);
//                     deleted with its message, so with its branch and its conversation. The
//                     last attachment of a file deletes the file (trigger).
//   message_sources   the chunks an answer was given, in citation order ([1], [2], ...).
// New tables only: no row is rewritten, no backup needed.
StoreStatus migrateTo6(Database& db)
{
    const QByteArray sql = R"sql(
CREATE TABLE attachment_files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    size INTEGER NOT NULL CHECK (size >= 0),
    mime_type TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    sections_json TEXT NOT NULL DEFAULT '[]',
    bytes BLOB
) STRICT;
)sql" + fileListTable("attachments", "message", "messages") +
                           R"sql(
CREATE TRIGGER attachment_files_unused AFTER DELETE ON attachments
WHEN NOT EXISTS (SELECT 1 FROM attachments WHERE file_id = old.file_id) BEGIN
    DELETE FROM attachment_files WHERE id = old.file_id;
END;
CREATE TABLE message_sources (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    file TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT '',
    page INTEGER,
    heading TEXT NOT NULL DEFAULT '',
    start_offset INTEGER NOT NULL DEFAULT 0,
    end_offset INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (message_id, ord)
) STRICT, WITHOUT ROWID;
)sql";
    return db.exec(sql.constData());
}

// Version 7: a folder's default documents (issue 17), attached to each new conversation in it.
//   folder_files  a file of a folder (name, local path, kind, tokens), its content shared with
//                 attachments in attachment_files; deleted with its folder.
// A file now leaves attachment_files when neither an attachment nor a folder holds it: the
// trigger of version 6 is replaced, and one more watches folder_files. No row rewritten.
StoreStatus migrateTo7(Database& db)
{
    const QByteArray sql = fileListTable("folder_files", "folder", "folders") +
                           "DROP TRIGGER attachment_files_unused;\n" +
                           fileUnusedTrigger("attachment_files_unused", "attachments") +
                           fileUnusedTrigger("folder_files_unused", "folder_files");
    return db.exec(sql.constData());
}

struct Step {
    int toVersion;
    bool destructive;
    StoreStatus (*apply)(Database&);
};

constexpr Step kSteps[] = {
    {1, false, migrateTo1}, {2, true, migrateTo2},  {3, false, migrateTo3}, {4, false, migrateTo4},
    {5, false, migrateTo5}, {6, false, migrateTo6}, {7, false, migrateTo7},
};
static_assert(std::size(kSteps) == kSchemaVersion, "one migration step per schema version");

StoreResult<QString> backup(Database& db, int version)
{
    QString path = db.path() + QStringLiteral(".v%1.bak").arg(version);
    if (QFile::exists(path))
        path = db.path() + QStringLiteral(".v%1-%2.bak").arg(version).arg(QDateTime::currentMSecsSinceEpoch());
    auto st = db.prepare("VACUUM INTO ?1");
    if (!st)
        return st.error();
    // VACUUM INTO fills an empty file as it finds it: made 0600 first, the copy is never
    // readable by others, whatever the umask.
    (void)createPrivateFile(path);
    st->bind(1, path);
    if (auto r = st->run(); !r) {
        QFile::remove(path);   // not a backup: nothing, or the empty file made above
        return StoreError{QStringLiteral("Could not back up the conversation database to %1 before "
                                         "upgrading it; nothing was changed. %2")
                              .arg(path, r.error().message),
                          r.error().sqliteCode};
    }
    qCInfo(lcStorage) << "backed up schema version" << version << "to" << path;
    return path;
}

StoreStatus runStep(Database& db, const Step& step)
{
    // Foreign keys must be off while a table is rebuilt, and the pragma is a no-op inside a
    // transaction; they are checked explicitly before commit instead.
    if (auto r = db.exec("PRAGMA foreign_keys = OFF"); !r)
        return r;
    StoreStatus result = [&]() -> StoreStatus {
        Database::Transaction tx(db);
        if (auto r = tx.begin(); !r)
            return r;
        if (auto r = step.apply(db); !r)
            return r;
        auto violations = db.queryInt("SELECT count(*) FROM pragma_foreign_key_check");
        if (!violations)
            return violations.error();
        if (violations.value() != 0) {
            return StoreError{QStringLiteral("Upgrading the conversation database %1 to version %2 "
                                             "found %3 broken references; nothing was changed.")
                                  .arg(db.path())
                                  .arg(step.toVersion)
                                  .arg(violations.value())};
        }
        const QByteArray setVersion = "PRAGMA user_version = " + QByteArray::number(step.toVersion);
        if (auto r = db.exec(setVersion.constData()); !r)
            return r;
        return tx.commit();
    }();
    if (auto r = db.exec("PRAGMA foreign_keys = ON"); !r && result)
        return r;
    return result;
}

}   // namespace

StoreResult<int> checkSchemaVersion(Database& db)
{
    auto version = db.queryInt("PRAGMA user_version");
    if (!version) {
        return StoreError{QStringLiteral("Could not read the conversation database: %1").arg(version.error().message),
                          version.error().sqliteCode};
    }
    if (version.value() > kSchemaVersion) {
        return StoreError{QStringLiteral("The conversation database %1 was written by a newer "
                                         "version of Causerie (schema %2; this version knows up to "
                                         "%3). It was left untouched; update Causerie to open it.")
                              .arg(db.path())
                              .arg(version.value())
                              .arg(kSchemaVersion)};
    }
    if (version.value() == 0) {
        auto tables = db.queryInt("SELECT count(*) FROM sqlite_schema");
        if (!tables)
            return tables.error();
        if (tables.value() != 0) {
            return StoreError{QStringLiteral("%1 is an SQLite database but not a Causerie "
                                             "conversation database. It was left untouched; "
                                             "choose another data folder.")
                                  .arg(db.path())};
        }
    }
    return int(version.value());
}

StoreResult<MigrationReport> migrate(Database& db, int targetVersion)
{
    auto current = checkSchemaVersion(db);
    if (!current)
        return current.error();
    MigrationReport report{current.value(), current.value(), {}};
    for (const Step& step : kSteps) {
        if (step.toVersion <= report.toVersion || step.toVersion > targetVersion)
            continue;
        // A brand-new file has nothing to lose; an existing one is copied before a rebuild.
        if (step.destructive && report.fromVersion > 0 && report.backupPath.isEmpty()) {
            auto path = backup(db, report.toVersion);
            if (!path)
                return path.error();
            report.backupPath = path.value();
        }
        if (auto r = runStep(db, step); !r) {
            return StoreError{QStringLiteral("Could not upgrade the conversation database to "
                                             "version %1: %2")
                                  .arg(step.toVersion)
                                  .arg(r.error().message),
                              r.error().sqliteCode};
        }
        if (report.fromVersion > 0)
            qCInfo(lcStorage) << "migrated" << db.path() << "to schema version" << step.toVersion;
        report.toVersion = step.toVersion;
    }
    return report;
}

}   // namespace causerie::storage
