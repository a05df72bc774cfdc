#pragma once
// Helpers shared by the storage tests: raw SQLite access (to check what is really in the
// file, independently of the store) and file fingerprints.
#include <QCryptographicHash>
#include <QFile>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <QTest>

#include <sqlite3.h>

#include "storagetypes.h"

namespace QTest {
template <>
inline char* toString(const causerie::storage::MessageStatus& status)
{
    return qstrdup(qPrintable(causerie::storage::statusName(status)));
}
template <>
inline char* toString(const causerie::storage::MessageRole& role)
{
    return qstrdup(qPrintable(causerie::storage::roleName(role)));
}
}   // namespace QTest

namespace storagetest {

// The ids of stored rows (messages, conversations…), in order: what the tests compare.
template <typename Row>
QList<qint64> ids(const QList<Row>& rows)
{
    QList<qint64> out;
    for (const Row& r : rows)
        out << r.id;
    return out;
}

// The names of stored rows (attachments, folder files…), in order.
template <typename Row>
QStringList names(const QList<Row>& rows)
{
    QStringList out;
    for (const Row& r : rows)
        out << r.name;
    return out;
}

// New database paths `<prefix>1.db`, `<prefix>2.db`… in a temporary folder that lives as long
// as this does.
class NumberedFiles {
public:
    explicit NumberedFiles(QString prefix)
        : m_prefix(std::move(prefix))
    {
    }
    QString next() { return m_dir.filePath(QStringLiteral("%1%2.db").arg(m_prefix).arg(++m_index)); }
    QTemporaryDir& dir() { return m_dir; }

private:
    QTemporaryDir m_dir;
    QString m_prefix;
    int m_index = 0;
};

inline QByteArray fileHash(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex();
}

// Runs a query on a separate raw connection and returns each row as "col|col|...".
inline QStringList rawQuery(const QString& path, const char* sql, QString* error = nullptr)
{
    QStringList rows;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(QFile::encodeName(path).constData(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        sqlite3_close(db);
        return rows;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        sqlite3_close(db);
        return rows;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        QStringList cols;
        for (int i = 0; i < sqlite3_column_count(st); ++i) {
            const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
            cols << (t ? QString::fromUtf8(t, sqlite3_column_bytes(st, i)) : QStringLiteral("NULL"));
        }
        rows << cols.join(QLatin1Char('|'));
    }
    if (rc != SQLITE_DONE && error)
        *error = QString::fromUtf8(sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

inline bool rawExec(const QString& path, const char* sql, QString* error = nullptr)
{
    sqlite3* db = nullptr;
    bool ok = sqlite3_open_v2(QFile::encodeName(path).constData(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              nullptr) == SQLITE_OK;
    char* message = nullptr;
    if (ok && sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        ok = false;
        if (error)
            *error = QString::fromUtf8(message);
    }
    sqlite3_free(message);
    sqlite3_close(db);
    return ok;
}

}   // namespace storagetest
