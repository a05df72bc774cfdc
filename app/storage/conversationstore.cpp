#include "conversationstore.h"

#include "migrations.h"
#include "storagelog.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace causerie::storage {
namespace {

constexpr char kMessageColumns[] = "m.id, m.conversation_id, m.parent_id, m.role, m.content, m.status, m.created_at, "
                                   "m.updated_at, m.model, m.backend, m.prompt_tokens, m.completion_tokens, m.ttft_ms, "
                                   "m.tokens_per_second, m.finish_reason, m.error_text, m.reasoning, m.cached_tokens";
constexpr int kMessageColumnCount = 18;   // queries append their own columns after these

Message readMessage(const Statement& st)
{
    Message m;
    m.id = st.int64(0);
    m.conversationId = st.int64(1);
    m.parentId = st.isNull(2) ? 0 : st.int64(2);
    m.role = messageRoleFromString(st.text(3)).value_or(MessageRole::User);
    m.content = st.text(4);
    m.status = messageStatusFromString(st.text(5)).value_or(MessageStatus::Done);
    m.createdAt = st.int64(6);
    m.updatedAt = st.int64(7);
    m.stats.model = st.text(8);
    m.stats.backend = st.text(9);
    m.stats.promptTokens = st.optionalInt64(10);
    m.stats.completionTokens = st.optionalInt64(11);
    m.stats.ttftMs = st.optionalReal(12);
    m.stats.tokensPerSecond = st.optionalReal(13);
    m.stats.finishReason = st.text(14);
    m.errorText = st.text(15);
    m.reasoning = st.text(16);
    m.stats.cachedTokens = st.optionalInt64(17);
    return m;
}

constexpr char kConversationColumns[] =
    "id, title, created_at, updated_at, pinned, backend, model, system_prompt, settings_json, "
    "active_leaf_id, folder_id";

Conversation readConversation(const Statement& st)
{
    Conversation c;
    c.id = st.int64(0);
    c.title = st.text(1);
    c.createdAt = st.int64(2);
    c.updatedAt = st.int64(3);
    c.pinned = st.int64(4) != 0;
    c.backend = st.text(5);
    c.model = st.text(6);
    c.systemPrompt = st.text(7);
    c.settings = QJsonDocument::fromJson(st.text(8).toUtf8()).object();
    c.activeLeafId = st.isNull(9) ? 0 : st.int64(9);
    c.folderId = st.isNull(10) ? 0 : st.int64(10);
    return c;
}

constexpr char kFolderColumns[] = "f.id, f.name, f.system_prompt, f.settings_json, f.collapsed, f.position, "
                                  "f.created_at, (SELECT count(*) FROM conversations c "
                                  "WHERE c.folder_id = f.id AND c.deleted_at IS NULL)";

Folder readFolder(const Statement& st)
{
    Folder f;
    f.id = st.int64(0);
    f.name = st.text(1);
    f.systemPrompt = st.text(2);
    f.settings = QJsonDocument::fromJson(st.text(3).toUtf8()).object();
    f.collapsed = st.int64(4) != 0;
    f.position = int(st.int64(5));
    f.createdAt = st.int64(6);
    f.conversationCount = int(st.int64(7));
    return f;
}

QString settingsJson(const QJsonObject& settings)
{
    return QString::fromUtf8(QJsonDocument(settings).toJson(QJsonDocument::Compact));
}

quint32 bigEndian32(const QByteArray& b, int at)
{
    return (quint32(quint8(b[at])) << 24) | (quint32(quint8(b[at + 1])) << 16) | (quint32(quint8(b[at + 2])) << 8) |
           quint32(quint8(b[at + 3]));
}

// Looks at the 100-byte SQLite header before SQLite does anything (SQLite would happily
// turn a non-database into WAL mode or report corruption only later). Reads only.
std::optional<StoreError> checkFileHeader(const QString& path)
{
    QFile file(path);
    if (!file.exists() || file.size() == 0 || !file.open(QIODevice::ReadOnly))
        return std::nullopt;   // new file, or let SQLite report the permission problem
    const QByteArray header = file.read(100);
    const QString untouched = QStringLiteral(" It was left untouched; move it away (or restore a "
                                             "backup) to start a new conversation database.");
    if (header.size() < 100 || !header.startsWith(QByteArray("SQLite format 3\0", 16))) {
        return StoreError{QStringLiteral("%1 is not an SQLite database (it may be damaged).")
                                  .arg(QFileInfo(path).absoluteFilePath()) +
                              untouched,
                          26 /* SQLITE_NOTADB */};
    }
    quint32 pageSize = (quint32(quint8(header[16])) << 8) | quint8(header[17]);
    if (pageSize == 1)
        pageSize = 65536;
    const quint32 changeCounter = bigEndian32(header, 24);
    const quint32 pageCount = bigEndian32(header, 28);
    const quint32 validFor = bigEndian32(header, 92);
    // With a non-empty WAL or rollback journal the main file may legitimately disagree with
    // its header (a checkpoint or commit was cut short); SQLite repairs that itself.
    const QFileInfo wal(path + QStringLiteral("-wal"));
    const QFileInfo journal(path + QStringLiteral("-journal"));
    const bool recoveryPending = (wal.exists() && wal.size() > 0) || (journal.exists() && journal.size() > 0);
    if (!recoveryPending && changeCounter == validFor && pageCount > 0 && file.size() < qint64(pageCount) * pageSize) {
        return StoreError{QStringLiteral("%1 is truncated: it should hold %2 bytes but has %3.")
                                  .arg(QFileInfo(path).absoluteFilePath())
                                  .arg(qint64(pageCount) * pageSize)
                                  .arg(file.size()) +
                              untouched,
                          11 /* SQLITE_CORRUPT */};
    }
    return std::nullopt;
}

StoreError notFound(const QString& what, qint64 id)
{
    return StoreError{QStringLiteral("There is no %1 with id %2 (it may have been deleted).").arg(what).arg(id)};
}

qint64 readId(const Statement& st) { return st.int64(0); }

// The one row `sql` selects for ?1 = id, read by `read`; "no <what> with id" when there is none.
template <typename T, typename Read>
StoreResult<T> fetchOne(Database& db, const char* sql, qint64 id, const QString& what, Read read)
{
    auto st = db.prepare(sql);
    if (!st)
        return st.error();
    st->bind(1, id);
    auto row = st->step();
    if (!row)
        return row.error();
    if (!row.value())
        return notFound(what, id);
    return read(*st);
}

// Database::change for the row ?1 = id that must be there: "no <what> with id" when nothing
// changed.
template <typename... Values>
StoreStatus changeRow(Database& db, const QString& what, const char* sql, qint64 id, const Values&... values)
{
    auto changed = db.change(sql, id, values...);
    if (!changed)
        return changed.error();
    if (changed.value() == 0)
        return notFound(what, id);
    return Done{};
}

}   // namespace

ConversationStore::ConversationStore(std::unique_ptr<Database> db, const Options& options)
    : m_db(std::move(db))
    , m_options(options)
{
}

ConversationStore::~ConversationStore() = default;

QString ConversationStore::path() const { return m_db->path(); }

qint64 ConversationStore::now() const
{
    return m_options.clock ? m_options.clock() : QDateTime::currentMSecsSinceEpoch();
}

StoreResult<std::unique_ptr<ConversationStore>> ConversationStore::open(const QString& path, const Options& options)
{
    if (auto bad = checkFileHeader(path))
        return *bad;
    auto db = Database::open(path, options.database);
    if (!db)
        return db.error();
    Database& d = *db.value();
    // Nothing above wrote to the file; the version check must come before the first write.
    STORE_TRY(checkSchemaVersion(d));

    std::unique_ptr<ConversationStore> store(new ConversationStore(std::move(db).value(), options));
    auto mode = d.queryText("PRAGMA journal_mode = WAL");
    if (!mode) {
        return StoreError{QStringLiteral("Could not open the conversation database: %1").arg(mode.error().message),
                          mode.error().sqliteCode};
    }
    store->m_journalMode = mode.value();
    if (store->m_journalMode != QLatin1String("wal")) {
        // Still safe (rollback journal), only slower and blocking readers; say so in the log.
        qCWarning(lcStorage) << "WAL journal mode did not take on" << path << "- using" << store->m_journalMode;
    }
    STORE_TRY(d.exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"));
    if (options.database.maxPageCount > 0) {
        const QByteArray pragma = "PRAGMA max_page_count = " + QByteArray::number(options.database.maxPageCount);
        STORE_TRY(d.exec(pragma.constData()));
    }
    auto migrated = migrate(d);
    if (!migrated)
        return migrated.error();
    store->m_backupPath = migrated->backupPath;
    auto fk = d.queryInt("PRAGMA foreign_keys");
    if (!fk || fk.value() != 1)
        return StoreError{QStringLiteral("Foreign keys could not be enabled on %1.").arg(path)};

    // The app died while these were streaming: keep their text, mark them.
    STORE_TRY(d.exec("UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'"));
    store->m_recovered = d.changes();
    if (store->m_recovered > 0)
        qCInfo(lcStorage) << "marked" << store->m_recovered << "streaming message(s) interrupted";
    STORE_TRY(store->purgeDeleted());
    return store;
}

// ---------------------------------------------------------------- conversations

StoreResult<qint64> ConversationStore::createConversation(const NewConversation& c)
{
    QString systemPrompt = c.systemPrompt;
    QJsonObject settings = c.settings;
    if (c.folderId != 0) {
        auto f = folder(c.folderId);
        if (!f)
            return f.error();
        if (systemPrompt.isEmpty())
            systemPrompt = f->systemPrompt;
        if (!settings.contains(QLatin1String("libraries")) && f->settings.contains(QLatin1String("libraries")))
            settings.insert(QLatin1String("libraries"), f->settings.value(QLatin1String("libraries")));
    }
    auto st = m_db->prepare("INSERT INTO conversations (title, created_at, updated_at, backend, "
                            "model, system_prompt, settings_json, folder_id) "
                            "VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st)
        return st.error();
    st->bind(1, c.title).bind(2, now()).bind(3, c.backend).bind(4, c.model);
    st->bind(5, systemPrompt).bind(6, settingsJson(settings));
    if (c.folderId != 0)
        st->bind(7, c.folderId);
    else
        st->bindNull(7);
    STORE_TRY(st->run());
    const qint64 id = m_db->lastInsertRowId();
    Q_EMIT conversationsChanged();
    return id;
}

StoreResult<QList<Conversation>> ConversationStore::listConversations(int offset, int limit, qint64 folderId)
{
    // ?3: -1 every conversation, 0 those in no folder, else that folder's.
    static const QByteArray sql = QByteArray("SELECT ") + kConversationColumns +
                                  " FROM conversations WHERE deleted_at IS NULL"
                                  " AND (?3 < 0 OR coalesce(folder_id, 0) = ?3)"
                                  " ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?1 OFFSET ?2";
    return m_db->list<Conversation>(sql.constData(), readConversation, qint64(limit), qint64(offset),
                                    folderId < 0 ? qint64(-1) : folderId);
}

StoreResult<qint64> ConversationStore::conversationCount()
{
    return m_db->queryInt("SELECT count(*) FROM conversations WHERE deleted_at IS NULL");
}

StoreResult<Conversation> ConversationStore::conversation(qint64 id)
{
    static const QByteArray sql = QByteArray("SELECT ") + kConversationColumns + " FROM conversations WHERE id = ?1";
    return fetchOne<Conversation>(*m_db, sql.constData(), id, QStringLiteral("conversation"), readConversation);
}

StoreStatus ConversationStore::renameConversation(qint64 id, const QString& title)
{
    STORE_TRY(changeRow(*m_db, QStringLiteral("conversation"), "UPDATE conversations SET title = ?2 WHERE id = ?1", id,
                        title));
    Q_EMIT conversationsChanged();
    return Done{};
}

StoreStatus ConversationStore::setPinned(qint64 id, bool pinned)
{
    STORE_TRY(changeRow(*m_db, QStringLiteral("conversation"), "UPDATE conversations SET pinned = ?2 WHERE id = ?1", id,
                        qint64(pinned ? 1 : 0)));
    Q_EMIT conversationsChanged();
    return Done{};
}

StoreStatus ConversationStore::setConversationOptions(qint64 id, const QString& backend, const QString& model,
                                                      const QString& systemPrompt, const QJsonObject& settings)
{
    STORE_TRY(changeRow(*m_db, QStringLiteral("conversation"),
                        "UPDATE conversations SET backend = ?2, model = ?3, system_prompt = ?4, "
                        "settings_json = ?5 WHERE id = ?1",
                        id, backend, model, systemPrompt, settingsJson(settings)));
    Q_EMIT conversationsChanged();
    return Done{};
}

StoreStatus ConversationStore::deleteConversation(qint64 id)
{
    STORE_TRY(changeRow(*m_db, QStringLiteral("conversation"),
                        "UPDATE conversations SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL", id, now()));
    Q_EMIT conversationsChanged();
    return Done{};
}

StoreStatus ConversationStore::undoDelete(qint64 id)
{
    auto restored = m_db->change("UPDATE conversations SET deleted_at = NULL "
                                 "WHERE id = ?1 AND deleted_at IS NOT NULL AND deleted_at >= ?2",
                                 id, now() - m_options.undoWindowMs);
    if (!restored)
        return restored.error();
    if (restored.value() == 0) {
        return StoreError{QStringLiteral("Conversation %1 can no longer be restored: it was not "
                                         "deleted, or it was deleted more than %2 s ago.")
                              .arg(id)
                              .arg(m_options.undoWindowMs / 1000)};
    }
    Q_EMIT conversationsChanged();
    return Done{};
}

StoreResult<int> ConversationStore::purgeDeleted()
{
    auto changed = m_db->change("DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ?1",
                                now() - m_options.undoWindowMs);
    if (!changed)
        return changed.error();
    const int purged = changed.value();
    if (purged > 0)
        Q_EMIT conversationsPurged(purged);
    return purged;
}

StoreStatus ConversationStore::updateMany(const char* sql, const QList<qint64>& ids, qint64 value, bool emitChange)
{
    if (ids.isEmpty())
        return Done{};
    Database::Transaction tx(*m_db);
    STORE_TRY(tx.begin());
    for (qint64 id : ids)   // prepared once: the database caches statements
        STORE_TRY(changeRow(*m_db, QStringLiteral("conversation"), sql, id, value));
    STORE_TRY(tx.commit());
    if (emitChange)
        Q_EMIT conversationsChanged();
    return Done{};
}

StoreStatus ConversationStore::setPinned(const QList<qint64>& ids, bool pinned)
{
    return updateMany("UPDATE conversations SET pinned = ?2 WHERE id = ?1", ids, pinned ? 1 : 0);
}

StoreStatus ConversationStore::deleteConversations(const QList<qint64>& ids)
{
    return updateMany("UPDATE conversations SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL", ids, now());
}

StoreStatus ConversationStore::undoDelete(const QList<qint64>& ids)
{
    if (auto r = updateMany("UPDATE conversations SET deleted_at = NULL "
                            "WHERE id = ?1 AND deleted_at IS NOT NULL AND deleted_at >= ?2",
                            ids, now() - m_options.undoWindowMs);
        !r) {
        return StoreError{QStringLiteral("These conversations can no longer be restored: they were "
                                         "not deleted, or were deleted more than %1 s ago.")
                              .arg(m_options.undoWindowMs / 1000)};
    }
    return Done{};
}

// ---------------------------------------------------------------- folders

namespace {

StoreStatus checkFolderName(const QString& name)
{
    if (name.trimmed().isEmpty())
        return StoreError{QStringLiteral("A folder needs a name.")};
    return Done{};
}

StoreError folderNameTaken(const QString& name)
{
    return StoreError{QStringLiteral("A folder named “%1” already exists.").arg(name.trimmed())};
}

bool isConstraint(const StoreError& e) { return (e.sqliteCode & 0xff) == 19 /* SQLITE_CONSTRAINT */; }

}   // namespace

StoreResult<qint64> ConversationStore::createFolder(const QString& name, const QString& systemPrompt)
{
    STORE_TRY(checkFolderName(name));
    auto st = m_db->prepare("INSERT INTO folders (name, system_prompt, position, created_at) "
                            "VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM folders), ?3)");
    if (!st)
        return st.error();
    st->bind(1, name.trimmed()).bind(2, systemPrompt).bind(3, now());
    if (auto r = st->run(); !r)
        return isConstraint(r.error()) ? folderNameTaken(name) : r.error();
    const qint64 id = m_db->lastInsertRowId();
    Q_EMIT foldersChanged();
    Q_EMIT conversationsChanged();
    return id;
}

StoreResult<QList<Folder>> ConversationStore::folders()
{
    static const QByteArray sql =
        QByteArray("SELECT ") + kFolderColumns + " FROM folders f ORDER BY f.position, f.name, f.id";
    return m_db->list<Folder>(sql.constData(), readFolder);
}

StoreResult<Folder> ConversationStore::folder(qint64 id)
{
    static const QByteArray sql = QByteArray("SELECT ") + kFolderColumns + " FROM folders f WHERE f.id = ?1";
    return fetchOne<Folder>(*m_db, sql.constData(), id, QStringLiteral("folder"), readFolder);
}

StoreResult<std::optional<Folder>> ConversationStore::folderNamed(const QString& name)
{
    static const QByteArray sql = QByteArray("SELECT ") + kFolderColumns + " FROM folders f WHERE f.name = ?1";
    auto st = m_db->prepare(sql.constData());
    if (!st)
        return st.error();
    st->bind(1, name.trimmed());
    auto row = st->step();
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<Folder>();
    return std::optional<Folder>(readFolder(*st));
}

StoreStatus ConversationStore::renameFolder(qint64 id, const QString& name)
{
    STORE_TRY(checkFolderName(name));
    if (auto r = changeRow(*m_db, QStringLiteral("folder"), "UPDATE folders SET name = ?2 WHERE id = ?1", id,
                           name.trimmed());
        !r)
        return isConstraint(r.error()) ? folderNameTaken(name) : r.error();
    Q_EMIT foldersChanged();
    Q_EMIT conversationsChanged();
    return Done{};
}

StoreStatus ConversationStore::setFolderSystemPrompt(qint64 id, const QString& systemPrompt)
{
    STORE_TRY(changeRow(*m_db, QStringLiteral("folder"), "UPDATE folders SET system_prompt = ?2 WHERE id = ?1", id,
                        systemPrompt));
    Q_EMIT foldersChanged();
    return Done{};
}

StoreStatus ConversationStore::setFolderLibraries(qint64 id, const QStringList& libraries)
{
    auto f = folder(id);
    if (!f)
        return f.error();
    QJsonObject settings = f->settings;
    if (libraries.isEmpty())
        settings.remove(QLatin1String("libraries"));
    else
        settings.insert(QLatin1String("libraries"), QJsonArray::fromStringList(libraries));
    STORE_TRY(m_db->change("UPDATE folders SET settings_json = ?2 WHERE id = ?1", id, settingsJson(settings)));
    Q_EMIT foldersChanged();
    return Done{};
}

StoreStatus ConversationStore::moveFolder(qint64 id, int index)
{
    auto list = folders();
    if (!list)
        return list.error();
    QList<qint64> order;
    for (const Folder& f : std::as_const(*list))
        order.append(f.id);
    const qsizetype from = order.indexOf(id);
    if (from < 0)
        return notFound(QStringLiteral("folder"), id);
    const qsizetype to = std::clamp<qsizetype>(index, 0, order.size() - 1);
    if (to == from)
        return Done{};
    order.move(from, to);
    // Positions 1..n in the new order: folders created later still go last (max + 1).
    Database::Transaction tx(*m_db);
    STORE_TRY(tx.begin());
    for (qsizetype i = 0; i < order.size(); ++i)
        STORE_TRY(m_db->change("UPDATE folders SET position = ?2 WHERE id = ?1", order[i], qint64(i + 1)));
    STORE_TRY(tx.commit());
    Q_EMIT foldersChanged();
    Q_EMIT conversationsChanged();
    return Done{};
}

StoreStatus ConversationStore::setFolderCollapsed(qint64 id, bool collapsed)
{
    STORE_TRY(changeRow(*m_db, QStringLiteral("folder"), "UPDATE folders SET collapsed = ?2 WHERE id = ?1", id,
                        qint64(collapsed ? 1 : 0)));
    Q_EMIT foldersChanged();
    Q_EMIT conversationsChanged();
    return Done{};
}

StoreStatus ConversationStore::deleteFolder(qint64 id)
{
    // folder_id is ON DELETE SET NULL: the conversations fall back into the plain list.
    STORE_TRY(changeRow(*m_db, QStringLiteral("folder"), "DELETE FROM folders WHERE id = ?1", id));
    Q_EMIT foldersChanged();
    Q_EMIT conversationsChanged();
    return Done{};
}

StoreStatus ConversationStore::moveToFolder(const QList<qint64>& conversationIds, qint64 folderId)
{
    if (folderId != 0) {
        if (auto f = folder(folderId); !f)
            return f.error();
    }
    // 0 is bound as NULL by nullif: "in no folder".
    STORE_TRY(updateMany("UPDATE conversations SET folder_id = nullif(?2, 0) WHERE id = ?1", conversationIds, folderId,
                         false));
    Q_EMIT foldersChanged();   // the counts changed
    Q_EMIT conversationsChanged();
    return Done{};
}

// ---------------------------------------------------------------- messages

StoreResult<qint64> ConversationStore::conversationOf(qint64 messageId)
{
    return fetchOne<qint64>(*m_db, "SELECT conversation_id FROM messages WHERE id = ?1", messageId,
                            QStringLiteral("message"), readId);
}

StoreResult<qint64> ConversationStore::appendMessage(const NewMessage& m)
{
    Database::Transaction tx(*m_db);
    STORE_TRY(tx.begin());
    if (m.parentId != 0) {
        auto parentConversation = conversationOf(m.parentId);
        if (!parentConversation)
            return parentConversation.error();
        if (parentConversation.value() != m.conversationId) {
            return StoreError{QStringLiteral("Message %1 belongs to conversation %2, not %3.")
                                  .arg(m.parentId)
                                  .arg(parentConversation.value())
                                  .arg(m.conversationId)};
        }
    }
    const qint64 t = now();
    {
        auto st = m_db->prepare("INSERT INTO messages (conversation_id, parent_id, role, content, status, created_at, "
                                "updated_at, model, backend, prompt_tokens, completion_tokens, ttft_ms, "
                                "tokens_per_second, finish_reason, reasoning, cached_tokens) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
        if (!st)
            return st.error();
        st->bind(1, m.conversationId).bindIdOrNull(2, m.parentId);
        st->bind(3, roleName(m.role)).bind(4, m.content).bind(5, statusName(m.status)).bind(6, t);
        st->bindTextOrNull(7, m.stats.model).bindTextOrNull(8, m.stats.backend);
        st->bindOptional(9, m.stats.promptTokens).bindOptional(10, m.stats.completionTokens);
        st->bindOptional(11, m.stats.ttftMs).bindOptional(12, m.stats.tokensPerSecond);
        st->bindTextOrNull(13, m.stats.finishReason).bind(14, m.reasoning).bindOptional(15, m.stats.cachedTokens);
        if (auto r = st->run(); !r) {
            if ((r.error().sqliteCode & 0xff) == 19 /* SQLITE_CONSTRAINT */)
                return notFound(QStringLiteral("conversation"), m.conversationId);
            return r.error();
        }
    }
    const qint64 id = m_db->lastInsertRowId();
    STORE_TRY(m_db->change("UPDATE conversations SET active_leaf_id = ?2, updated_at = ?3 WHERE id = ?1",
                           m.conversationId, id, t));
    STORE_TRY(tx.commit());
    Q_EMIT messageAdded(m.conversationId, id);
    Q_EMIT conversationsChanged();
    return id;
}

StoreStatus ConversationStore::updateStreamingText(qint64 messageId, const QString& text)
{
    auto changed =
        m_db->change("UPDATE messages SET content = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'streaming'",
                     messageId, text, now());
    if (!changed)
        return changed.error();
    if (changed.value() == 0) {
        return StoreError{QStringLiteral("Message %1 is not streaming (it was finished, "
                                         "interrupted or deleted).")
                              .arg(messageId)};
    }
    return Done{};
}

StoreStatus ConversationStore::setReasoning(qint64 messageId, const QString& reasoning)
{
    // Any status: the app flushes the thinking while streaming and once more before the answer
    // is finished, stopped or failed, so the status is not checked (unlike updateStreamingText).
    auto changed =
        m_db->change("UPDATE messages SET reasoning = ?2, updated_at = ?3 WHERE id = ?1 AND role = 'assistant'",
                     messageId, reasoning, now());
    if (!changed)
        return changed.error();
    if (changed.value() != 0)
        return Done{};
    // Nothing changed: say why (the common path above costs one statement).
    auto m = message(messageId);
    if (!m)
        return m.error();
    return StoreError{QStringLiteral("Message %1 is a %2 message; only assistant messages have "
                                     "reasoning text.")
                          .arg(messageId)
                          .arg(roleName(m->role))};
}

StoreStatus ConversationStore::finishMessage(qint64 messageId, const QString& finalText, const MessageStats& stats)
{
    auto conversationId = conversationOf(messageId);
    if (!conversationId)
        return conversationId.error();
    Database::Transaction tx(*m_db);
    STORE_TRY(tx.begin());
    const qint64 t = now();
    {
        auto st = m_db->prepare("UPDATE messages SET content = ?2, status = 'done', updated_at = ?3, model = ?4, "
                                "backend = ?5, prompt_tokens = ?6, completion_tokens = ?7, ttft_ms = ?8, "
                                "tokens_per_second = ?9, finish_reason = ?10, cached_tokens = ?11 "
                                "WHERE id = ?1 AND status = 'streaming'");
        if (!st)
            return st.error();
        st->bind(1, messageId).bind(2, finalText).bind(3, t);
        st->bindTextOrNull(4, stats.model).bindTextOrNull(5, stats.backend);
        st->bindOptional(6, stats.promptTokens).bindOptional(7, stats.completionTokens);
        st->bindOptional(8, stats.ttftMs).bindOptional(9, stats.tokensPerSecond);
        st->bindOptional(11, stats.cachedTokens);
        STORE_TRY(st->bindTextOrNull(10, stats.finishReason).run());
        if (m_db->changes() == 0) {
            return StoreError{QStringLiteral("Message %1 is not streaming; it cannot be finished.").arg(messageId)};
        }
    }
    STORE_TRY(m_db->change("UPDATE conversations SET updated_at = ?2 WHERE id = ?1", conversationId.value(), t));
    STORE_TRY(tx.commit());
    Q_EMIT messageChanged(conversationId.value(), messageId);
    Q_EMIT conversationsChanged();
    return Done{};
}

StoreStatus ConversationStore::setStatus(qint64 messageId, MessageStatus status, const QString& errorText)
{
    if (status == MessageStatus::Streaming) {
        return StoreError{QStringLiteral("Message %1 cannot be set back to streaming; append a new "
                                         "message to regenerate.")
                              .arg(messageId)};
    }
    auto conversationId = conversationOf(messageId);
    if (!conversationId)
        return conversationId.error();
    auto st = m_db->prepare("UPDATE messages SET status = ?2, error_text = ?3, updated_at = ?4 WHERE id = ?1");
    if (!st)
        return st.error();
    st->bind(1, messageId).bind(2, statusName(status)).bindTextOrNull(3, errorText);
    STORE_TRY(st->bind(4, now()).run());
    Q_EMIT messageChanged(conversationId.value(), messageId);
    return Done{};
}

StoreResult<Message> ConversationStore::message(qint64 messageId)
{
    static const QByteArray sql = QByteArray("SELECT ") + kMessageColumns + " FROM messages m WHERE m.id = ?1";
    return fetchOne<Message>(*m_db, sql.constData(), messageId, QStringLiteral("message"), readMessage);
}

StoreResult<QList<qint64>> ConversationStore::siblings(qint64 messageId)
{
    auto m = message(messageId);
    if (!m)
        return m.error();
    // Roots are siblings within their conversation; other messages share a parent.
    auto st = m->parentId != 0
                  ? m_db->prepare("SELECT id FROM messages WHERE parent_id = ?1 ORDER BY id")
                  : m_db->prepare("SELECT id FROM messages WHERE conversation_id = ?2 AND parent_id IS NULL "
                                  "ORDER BY id");
    if (!st)
        return st.error();
    if (m->parentId != 0)
        st->bind(1, m->parentId);
    else
        st->bind(2, m->conversationId);
    QList<qint64> ids;
    STORE_TRY(st->forEachRow([&] { ids.append(st->int64(0)); }));
    return ids;
}

StoreStatus ConversationStore::switchBranch(qint64 messageId)
{
    auto conversationId = conversationOf(messageId);
    if (!conversationId)
        return conversationId.error();
    // Follow the newest child down to a leaf. A child always has a larger id than its parent
    // (it is inserted later), so the leaf is the largest id on the way down.
    auto leaf = m_db->prepare("WITH RECURSIVE down(id) AS (SELECT ?1 UNION ALL "
                              "SELECT (SELECT max(c.id) FROM messages c WHERE c.parent_id = down.id) FROM down "
                              "WHERE down.id IS NOT NULL) SELECT max(id) FROM down");
    if (!leaf)
        return leaf.error();
    leaf->bind(1, messageId);
    auto row = leaf->step();
    if (!row)
        return row.error();
    const qint64 leafId = leaf->int64(0);
    STORE_TRY(
        m_db->change("UPDATE conversations SET active_leaf_id = ?2 WHERE id = ?1", conversationId.value(), leafId));
    Q_EMIT activeBranchChanged(conversationId.value());
    return Done{};
}

StoreResult<qint64> ConversationStore::activeLeaf(qint64 conversationId)
{
    return fetchOne<qint64>(*m_db,
                            "SELECT coalesce(active_leaf_id, "
                            "(SELECT max(id) FROM messages WHERE conversation_id = ?1), 0) "
                            "FROM conversations WHERE id = ?1",
                            conversationId, QStringLiteral("conversation"), readId);
}

StoreResult<QList<Message>> ConversationStore::activePath(qint64 conversationId)
{
    auto leaf = activeLeaf(conversationId);
    if (!leaf)
        return leaf.error();
    QList<Message> path;
    if (leaf.value() == 0)
        return path;
    static const QByteArray sql =
        QByteArray("WITH RECURSIVE up(id, depth) AS (SELECT ?1, 0 UNION ALL "
                   "SELECT m.parent_id, up.depth + 1 FROM messages m JOIN up ON m.id = up.id "
                   "WHERE m.parent_id IS NOT NULL) SELECT ") +
        kMessageColumns +
        ", "
        "CASE WHEN m.parent_id IS NULL THEN (SELECT count(*) FROM messages s "
        "  WHERE s.conversation_id = m.conversation_id AND s.parent_id IS NULL AND s.id < m.id) "
        "ELSE (SELECT count(*) FROM messages s WHERE s.parent_id = m.parent_id AND s.id < m.id) END, "
        "CASE WHEN m.parent_id IS NULL THEN (SELECT count(*) FROM messages s "
        "  WHERE s.conversation_id = m.conversation_id AND s.parent_id IS NULL) "
        "ELSE (SELECT count(*) FROM messages s WHERE s.parent_id = m.parent_id) END "
        "FROM up JOIN messages m ON m.id = up.id ORDER BY up.depth DESC";
    auto st = m_db->prepare(sql.constData());
    if (!st)
        return st.error();
    st->bind(1, leaf.value());
    STORE_TRY(st->forEachRow([&] {
        Message m = readMessage(*st);
        m.siblingIndex = int(st->int64(kMessageColumnCount));
        m.siblingCount = int(st->int64(kMessageColumnCount + 1));
        path.append(std::move(m));
    }));
    return path;
}

}   // namespace causerie::storage
