#include "database.h"

#include "storagelog.h"

#include <QDir>
#include <QFileInfo>
#include <QMutex>

#include <sqlite3.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

namespace causerie::storage {

QString describeSqliteError(int code, const QString& path)
{
    const QString file = QFileInfo(path).absoluteFilePath();
    switch (code & 0xff) {
    case SQLITE_FULL:
        return QStringLiteral("the disk holding %1 is full (or the database reached its size limit); "
                              "free some space and try again")
            .arg(file);
    case SQLITE_READONLY:
        return QStringLiteral("%1 (or its folder) is read-only; make it writable or choose another "
                              "data folder")
            .arg(file);
    case SQLITE_CANTOPEN:
        return QStringLiteral("%1 cannot be opened; check that the folder exists and is writable").arg(file);
    case SQLITE_PERM:
    case SQLITE_AUTH: return QStringLiteral("access to %1 was denied; check its permissions").arg(file);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return QStringLiteral("%1 is damaged or is not a Causerie database; it was left as it is "
                              "- move it away (or restore a backup) to start a new one")
            .arg(file);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return QStringLiteral("%1 is locked by another program; close other copies of Causerie "
                              "and try again")
            .arg(file);
    case SQLITE_TOOBIG: return QStringLiteral("the text is too large to store in %1").arg(file);
    case SQLITE_IOERR: return QStringLiteral("a read or write of %1 failed (disk error); check the disk").arg(file);
    case SQLITE_NOMEM: return QStringLiteral("out of memory while using %1").arg(file);
    case SQLITE_CONSTRAINT:
        return QStringLiteral("the change would break the structure of %1 (a referenced item does "
                              "not exist or a value is not allowed)")
            .arg(file);
    default: return QStringLiteral("database error in %1").arg(file);
    }
}

// ---- Private files ----

namespace {

// Keeps only the owner's permission bits when the mode gives anything to group or other.
bool tighten(const QByteArray& path)
{
    struct stat st = {};
    if (::lstat(path.constData(), &st) != 0 || S_ISLNK(st.st_mode))
        return true;   // missing, or a symlink (its target is not ours to change)
    if ((st.st_mode & 077) == 0)
        return true;
    if (::chmod(path.constData(), st.st_mode & 0700) != 0) {
        qCWarning(lcStorage) << "could not restrict" << path << "to its owner:" << std::strerror(errno);
        return false;
    }
    return true;
}

}   // namespace

StoreStatus makePrivateFolder(const QString& dir)
{
    const QByteArray path = QFile::encodeName(dir);
    if (!QFileInfo(dir).isDir()) {
        const QString parent = QFileInfo(dir).absolutePath();
        int error = 0;
        if (!QDir().mkpath(parent))
            error = ENOTDIR;   // a parent is missing and could not be made, or is a file
        else if (::mkdir(path.constData(), 0700) != 0)
            error = errno;   // EEXIST: a file has the folder's name (a folder made meanwhile is fine)
        if (error != 0 && !(error == EEXIST && QFileInfo(dir).isDir()))
            return StoreError{QStringLiteral("Could not create the data folder %1: %2.")
                                  .arg(dir, QString::fromLocal8Bit(std::strerror(error)))};
    }
    tighten(path);
    const QDir d(dir);
    for (const QFileInfo& f : d.entryInfoList(QDir::Files | QDir::Hidden | QDir::System))
        tighten(QFile::encodeName(f.filePath()));
    return Done{};
}

void restrictToOwner(const QString& file) { tighten(QFile::encodeName(file)); }

StoreStatus createPrivateFile(const QString& file)
{
    const int fd = ::open(QFile::encodeName(file).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return StoreError{
            QStringLiteral("Could not create %1: %2.").arg(file, QString::fromLocal8Bit(std::strerror(errno)))};
    ::close(fd);
    return Done{};
}

// ---- Statement ----

Statement::Statement(Database* db, sqlite3_stmt* stmt, bool owned)
    : m_db(db)
    , m_stmt(stmt)
    , m_owned(owned)
{
}

Statement::Statement(Statement&& other) noexcept
    : m_db(other.m_db)
    , m_stmt(other.m_stmt)
    , m_owned(other.m_owned)
    , m_bindError(other.m_bindError)
{
    other.m_stmt = nullptr;
}

Statement::~Statement()
{
    if (!m_stmt)
        return;
    if (m_owned) {
        sqlite3_finalize(m_stmt);
    } else {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
        m_db->release(m_stmt);
    }
}

static void noteBind(int rc, int& firstError)
{
    if (rc != SQLITE_OK && firstError == 0)
        firstError = rc;
}

Statement& Statement::bind(int index, qint64 value)
{
    noteBind(sqlite3_bind_int64(m_stmt, index, value), m_bindError);
    return *this;
}

Statement& Statement::bind(int index, double value)
{
    noteBind(sqlite3_bind_double(m_stmt, index, value), m_bindError);
    return *this;
}

Statement& Statement::bind(int index, const QString& text) { return bindUtf8(index, text.toUtf8()); }

Statement& Statement::bindUtf8(int index, const QByteArray& utf8)
{
    // A null QByteArray would bind NULL; text columns are NOT NULL, so bind "" instead.
    static const char empty[] = "";
    const char* data = utf8.isNull() ? empty : utf8.constData();
    noteBind(sqlite3_bind_text64(m_stmt, index, data, sqlite3_uint64(utf8.size()), SQLITE_TRANSIENT, SQLITE_UTF8),
             m_bindError);
    return *this;
}

Statement& Statement::bindBlobOrNull(int index, const QByteArray& bytes)
{
    if (bytes.isNull())
        return bindNull(index);
    noteBind(sqlite3_bind_blob64(m_stmt, index, bytes.constData(), sqlite3_uint64(bytes.size()), SQLITE_TRANSIENT),
             m_bindError);
    return *this;
}

Statement& Statement::bindNull(int index)
{
    noteBind(sqlite3_bind_null(m_stmt, index), m_bindError);
    return *this;
}

Statement& Statement::bindOptional(int index, const std::optional<qint64>& value)
{
    return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bindOptional(int index, const std::optional<double>& value)
{
    return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bindTextOrNull(int index, const QString& text)
{
    return text.isEmpty() ? bindNull(index) : bind(index, text);
}

StoreResult<bool> Statement::step()
{
    if (m_bindError != 0)
        return m_db->error(QStringLiteral("store the value"), m_bindError);
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return m_db->error(QStringLiteral("run a query"), rc);
}

StoreStatus Statement::run()
{
    return forEachRow([] {});
}

bool Statement::isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

qint64 Statement::int64(int column) const { return sqlite3_column_int64(m_stmt, column); }

double Statement::real(int column) const { return sqlite3_column_double(m_stmt, column); }

QString Statement::text(int column) const
{
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    const int bytes = sqlite3_column_bytes(m_stmt, column);
    return data ? QString::fromUtf8(data, bytes) : QString();
}

QByteArray Statement::blob(int column) const
{
    if (isNull(column))
        return {};
    const auto* data = static_cast<const char*>(sqlite3_column_blob(m_stmt, column));
    const int bytes = sqlite3_column_bytes(m_stmt, column);
    return data ? QByteArray(data, bytes) : QByteArray("");
}

std::optional<qint64> Statement::optionalInt64(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return int64(column);
}

std::optional<double> Statement::optionalReal(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return real(column);
}

// ---- Database ----

Database::~Database()
{
    for (const Cached& c : std::as_const(m_cache))
        sqlite3_finalize(c.stmt);
    m_cache.clear();
    if (m_db)
        sqlite3_close_v2(m_db);
}

StoreResult<std::unique_ptr<Database>> Database::open(const QString& path, const Options& options)
{
    std::unique_ptr<Database> db(new Database);
    db->m_path = path;
    const QByteArray file = QFile::encodeName(path);
    // A new database starts as an empty file only the user can read (an empty file is an empty
    // database to SQLite); the -wal and -shm files SQLite makes later take its mode. Files of an
    // older version, or made under a looser umask, are tightened.
    if (!QFileInfo::exists(path))
        (void)createPrivateFile(path);   // on failure SQLite says why below
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        restrictToOwner(path + QLatin1String(suffix));
    const QFileInfo info(path);
    for (const QFileInfo& backup : info.dir().entryInfoList({info.fileName() + QStringLiteral(".v*.bak")}, QDir::Files))
        restrictToOwner(backup.filePath());
    const int rc = sqlite3_open_v2(file.constData(), &db->m_db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        StoreError e{QStringLiteral("Could not open the conversation database: %1.").arg(describeSqliteError(rc, path)),
                     rc};
        return e;
    }
    sqlite3_extended_result_codes(db->m_db, 1);
    sqlite3_busy_timeout(db->m_db, options.busyTimeoutMs);
    sqlite3_limit(db->m_db, SQLITE_LIMIT_LENGTH, options.maxLengthBytes);
    if (db->isReadOnly()) {
        // SQLite silently falls back to read-only; the app cannot work like that.
        return StoreError{QStringLiteral("Could not open the conversation database: %1.")
                              .arg(describeSqliteError(SQLITE_READONLY, path)),
                          SQLITE_READONLY};
    }
    return db;
}

namespace {
// Read by every thread that prepares a statement: an atomic pointer; each observer set is kept
// until exit, so a thread that loaded the old one can still call it.
std::atomic<Database::StatementObserver*> g_statementObserver{nullptr};
}   // namespace

void Database::setStatementObserver(StatementObserver observer)
{
    static QMutex lock;
    static std::vector<std::unique_ptr<StatementObserver>> kept;
    QMutexLocker locker(&lock);
    if (!observer) {
        g_statementObserver.store(nullptr);
        return;
    }
    kept.push_back(std::make_unique<StatementObserver>(std::move(observer)));
    g_statementObserver.store(kept.back().get());
}

StoreResult<Statement> Database::prepare(const char* sql)
{
    if (StatementObserver* observe = g_statementObserver.load())
        (*observe)(m_path, sql);
    const QByteArray key = QByteArray::fromRawData(sql, int(qstrlen(sql)));
    auto it = m_cache.find(key);
    if (it != m_cache.end() && !it->inUse) {
        it->inUse = true;
        return Statement(this, it->stmt, false);
    }
    sqlite3_stmt* stmt = nullptr;
    const bool cache = it == m_cache.end();
    const int rc = sqlite3_prepare_v3(m_db, sql, -1, cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        qCWarning(lcStorage) << "prepare failed:" << sqlite3_errmsg(m_db) << "in" << sql;
        return error(QStringLiteral("prepare a query"), rc);
    }
    if (!cache)
        return Statement(this, stmt, true);   // same SQL already checked out (nested use)
    m_cache.insert(QByteArray(sql), Cached{stmt, true});
    return Statement(this, stmt, false);
}

void Database::release(sqlite3_stmt* stmt)
{
    for (auto& c : m_cache) {
        if (c.stmt == stmt) {
            c.inUse = false;
            return;
        }
    }
}

StoreStatus Database::exec(const char* sql)
{
    if (StatementObserver* observe = g_statementObserver.load())
        (*observe)(m_path, sql);
    char* message = nullptr;
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        qCWarning(lcStorage) << "exec failed:" << (message ? message : "") << "in" << sql;
        sqlite3_free(message);
        return error(QStringLiteral("update the database"), rc);
    }
    return Done{};
}

namespace {

// The first row's first column of a prepared statement, read by `column`; `none` when there is
// no row.
template <typename T, typename Column>
StoreResult<T> firstValue(StoreResult<Statement> st, T none, Column column)
{
    if (!st)
        return st.error();
    auto row = st->step();
    if (!row)
        return row.error();
    return row.value() ? column(*st) : none;
}

}   // namespace

StoreResult<qint64> Database::queryInt(const char* sql)
{
    return firstValue(prepare(sql), qint64(0), [](const Statement& st) { return st.int64(0); });
}

StoreResult<QString> Database::queryText(const char* sql)
{
    return firstValue(prepare(sql), QString(), [](const Statement& st) { return st.text(0); });
}

qint64 Database::lastInsertRowId() const { return sqlite3_last_insert_rowid(m_db); }

int Database::changes() const { return sqlite3_changes(m_db); }

bool Database::isReadOnly() const { return sqlite3_db_readonly(m_db, "main") == 1; }

StoreError Database::error(const QString& action, int code) const
{
    if (code < 0)
        code = sqlite3_extended_errcode(m_db);
    const char* raw = sqlite3_errmsg(m_db);
    // A bind error (e.g. SQLITE_TOOBIG) is not the connection's last error: use the code's text.
    if ((code & 0xff) != (sqlite3_extended_errcode(m_db) & 0xff))
        raw = sqlite3_errstr(code);
    return StoreError{QStringLiteral("Could not %1: %2 (SQLite: %3).")
                          .arg(action, describeSqliteError(code, m_path), QString::fromUtf8(raw)),
                      code};
}

// ---- Transaction ----

Database::Transaction::~Transaction()
{
    if (m_open)
        sqlite3_exec(m_db.m_db, "ROLLBACK", nullptr, nullptr, nullptr);
}

StoreStatus Database::Transaction::begin()
{
    auto r = m_db.exec("BEGIN IMMEDIATE");
    m_open = r.ok();
    return r;
}

StoreStatus Database::Transaction::commit()
{
    auto r = m_db.exec("COMMIT");
    if (r.ok())
        m_open = false;
    // On failure the destructor rolls back: a failed COMMIT (disk full) leaves the transaction open.
    return r;
}

}   // namespace causerie::storage
