#pragma once
// A small RAII wrapper over libsqlite3: one Database owns one connection and a cache of
// prepared statements; a Statement is a checked-out, bound, steppable statement that resets
// itself when it goes out of scope. Used from one thread (the GUI thread) only.
#include "storeresult.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

struct sqlite3;
struct sqlite3_stmt;

namespace causerie::storage {

class Database;

class Statement {
public:
    Statement(Database* db, sqlite3_stmt* stmt, bool owned);
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based like sqlite3_bind_*. Text is bound as UTF-8 with its exact
    // length, so embedded NUL characters survive.
    Statement& bind(int index, qint64 value);
    Statement& bind(int index, int value) { return bind(index, qint64(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, const QString& text);
    Statement& bindUtf8(int index, const QByteArray& utf8);
    Statement& bindNull(int index);
    Statement& bindOptional(int index, const std::optional<qint64>& value);
    Statement& bindOptional(int index, const std::optional<double>& value);
    Statement& bind(int index, const std::optional<qint64>& value) { return bindOptional(index, value); }
    Statement& bind(int index, const std::optional<double>& value) { return bindOptional(index, value); }
    // A row id, 0 stored as NULL (no parent, no folder).
    Statement& bindIdOrNull(int index, qint64 id) { return id != 0 ? bind(index, id) : bindNull(index); }
    // Empty text is stored as NULL (optional metadata fields).
    Statement& bindTextOrNull(int index, const QString& text);
    // Bytes as a BLOB; a null QByteArray binds NULL (attachment files without their bytes).
    Statement& bindBlobOrNull(int index, const QByteArray& bytes);

    // true: a row is available; false: the statement finished.
    StoreResult<bool> step();
    // Runs a statement that returns no rows (or whose rows are ignored).
    StoreStatus run();
    // Steps through every row, calling onRow() while the statement stands on it.
    template <typename OnRow>
    StoreStatus forEachRow(OnRow&& onRow)
    {
        for (;;) {
            auto r = step();
            if (!r)
                return r.error();
            if (!r.value())
                return Done{};
            onRow();
        }
    }

    bool isNull(int column) const;
    qint64 int64(int column) const;
    double real(int column) const;
    QString text(int column) const;      // invalid UTF-8 in the file becomes U+FFFD
    QByteArray blob(int column) const;   // a copy; null for NULL
    std::optional<qint64> optionalInt64(int column) const;
    std::optional<double> optionalReal(int column) const;

private:
    Database* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
    bool m_owned = false;
    int m_bindError = 0;   // first failing sqlite3_bind_* code, reported by step()
};

class Database {
public:
    struct Options {
        int busyTimeoutMs = 5000;
        // 0 = no limit. Tests use a small value to simulate a full disk.
        qint64 maxPageCount = 0;
        // Largest string or blob in bytes (SQLITE_LIMIT_LENGTH).
        int maxLengthBytes = 64 * 1024 * 1024;
    };

    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Opens (creating if needed) without writing anything to the file.
    static StoreResult<std::unique_ptr<Database>> open(const QString& path, const Options& options);

    // Returns a cached prepared statement (or a fresh one if the cached one is in use).
    StoreResult<Statement> prepare(const char* sql);
    // Runs one or more statements without results.
    StoreStatus exec(const char* sql);
    // Runs one statement without results, ?1, ?2, ... bound to `values` in order (an empty
    // optional binds NULL); returns how many rows it inserted, updated or deleted.
    template <typename... Values>
    StoreResult<int> change(const char* sql, const Values&... values);
    // prepare() with ?1, ?2, ... bound to `values` in order.
    template <typename... Values>
    StoreResult<Statement> query(const char* sql, const Values&... values);
    // Every row of query(sql, values...), each made a T by `read(const Statement&)`.
    template <typename T, typename Read, typename... Values>
    StoreResult<QList<T>> list(const char* sql, Read read, const Values&... values);
    // Runs a single-value query ("PRAGMA user_version").
    StoreResult<qint64> queryInt(const char* sql);
    StoreResult<QString> queryText(const char* sql);

    qint64 lastInsertRowId() const;
    int changes() const;
    bool isReadOnly() const;
    QString path() const { return m_path; }
    sqlite3* handle() const { return m_db; }

    // Tests only: called (on the calling thread) before every prepare() and exec() of every
    // connection, with the connection's file and the SQL; null to stop. Set it while no other
    // thread uses a Database.
    using StatementObserver = std::function<void(const QString& path, const char* sql)>;
    static void setStatementObserver(StatementObserver observer);

    // Builds a user-facing error for the last failure on this connection. `action` says what
    // was being done ("save the message"); the text names the file and what to do.
    StoreError error(const QString& action, int code = -1) const;

    class Transaction {
    public:
        explicit Transaction(Database& db)
            : m_db(db)
        {
        }
        ~Transaction();
        StoreStatus begin();   // BEGIN IMMEDIATE: writers take the lock up front
        StoreStatus commit();

    private:
        Database& m_db;
        bool m_open = false;
    };
    // Runs `work` (which returns a StoreResult) in one transaction: committed when it succeeds,
    // rolled back when it fails.
    template <typename Work>
    auto inTransaction(Work&& work) -> decltype(work());

private:
    friend class Statement;
    Database() = default;
    void release(sqlite3_stmt* stmt);

    sqlite3* m_db = nullptr;
    QString m_path;
    struct Cached {
        sqlite3_stmt* stmt = nullptr;
        bool inUse = false;
    };
    QHash<QByteArray, Cached> m_cache;
};

// Human text for an SQLite result code, naming the file ("the disk is full", ...).
QString describeSqliteError(int code, const QString& path);

// Conversations are the user's alone, whatever the umask: the data folder is 0700, the database,
// its -wal/-shm/-journal files and its backups 0600 (SQLite gives the files it creates next to
// a database the database file's mode).
// Creates `dir` (0700, parents as usual) or takes group/other access away from an existing one,
// with the regular files directly in it (settings, lock, backups made by older versions).
StoreStatus makePrivateFolder(const QString& dir);
// Takes group/other access away from `file` if it exists.
void restrictToOwner(const QString& file);
// Creates an empty file only its owner can read and write; fails if it exists (EEXIST) or
// cannot be created.
StoreStatus createPrivateFile(const QString& file);

template <typename... Values>
StoreResult<Statement> Database::query(const char* sql, const Values&... values)
{
    auto st = prepare(sql);
    if (st) {
        [[maybe_unused]] int index = 1;
        (st->bind(index++, values), ...);
    }
    return st;
}

template <typename... Values>
StoreResult<int> Database::change(const char* sql, const Values&... values)
{
    auto st = query(sql, values...);
    if (!st)
        return st.error();
    STORE_TRY(st->run());
    return changes();
}

template <typename T, typename Read, typename... Values>
StoreResult<QList<T>> Database::list(const char* sql, Read read, const Values&... values)
{
    auto st = query(sql, values...);
    if (!st)
        return st.error();
    QList<T> out;
    STORE_TRY(st->forEachRow([&] { out.append(read(*st)); }));
    return out;
}

template <typename Work>
auto Database::inTransaction(Work&& work) -> decltype(work())
{
    Transaction tx(*this);
    STORE_TRY(tx.begin());
    auto result = work();
    if (result)
        STORE_TRY(tx.commit());
    return result;
}

}   // namespace causerie::storage
