// The conversation files are the user's alone, whatever the umask: the data folder 0700, the
// database, its -wal/-shm files and its backups 0600, checked with stat() after real writes;
// folders and files an older version left open to others are tightened.
#include "conversationstore.h"
#include "database.h"
#include "storagetestutil.h"

#include <QDir>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace causerie::storage;
using namespace storagetest;

namespace {

// Permission bits of `path` (-1: no such file).
int modeOf(const QString& path)
{
    struct stat st = {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

QString octal(int mode) { return QString::number(mode, 8); }

bool writeFile(const QString& path, const QByteArray& data, int mode)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
        return false;
    f.close();
    return ::chmod(QFile::encodeName(path).constData(), mode_t(mode)) == 0;
}

// Every file directly in `dir` with its mode, for the failure message.
QString listing(const QString& dir)
{
    QStringList out;
    for (const QFileInfo& f : QDir(dir).entryInfoList(QDir::Files | QDir::Hidden))
        out << f.fileName() + QLatin1Char(' ') + octal(modeOf(f.filePath()));
    return out.join(QStringLiteral(", "));
}

// Writes enough to make SQLite create the -wal and -shm files.
void writeSomething(ConversationStore& store)
{
    const qint64 conv = store.createConversation().value();
    qint64 parent = 0;
    for (int i = 0; i < 20; ++i) {
        NewMessage m;
        m.conversationId = conv;
        m.parentId = parent;
        m.role = i % 2 ? MessageRole::Assistant : MessageRole::User;
        m.content = QStringLiteral("message %1 ").arg(i).repeated(50);
        parent = store.appendMessage(m).value();
    }
}

}   // namespace

class TestStorageFiles : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { m_umask = ::umask(022); }   // the usual desktop umask: files 0644 unless we say
    void cleanup() { ::umask(m_umask); }
    void newDataIsPrivate();
    void looseFilesAreTightened();
    void backupIsPrivate();
    void missingParentsAreCreated();
    void folderThatCannotBeCreatedIsAnError();

private:
    mode_t m_umask = 022;
};

void TestStorageFiles::newDataIsPrivate()
{
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("data"));
    QVERIFY(makePrivateFolder(dir).ok());
    QCOMPARE(octal(modeOf(dir)), octal(0700));

    const QString db = QDir(dir).filePath(QStringLiteral("conversations.db"));
    auto store = ConversationStore::open(db);
    QVERIFY2(store.ok(), qPrintable(store.errorString()));
    writeSomething(**store);
    // The WAL and its index exist while the store is open: the check below covers them.
    QVERIFY2(QFile::exists(db + QStringLiteral("-wal")), qPrintable(listing(dir)));
    QVERIFY2(QFile::exists(db + QStringLiteral("-shm")), qPrintable(listing(dir)));
    const QFileInfoList files = QDir(dir).entryInfoList(QDir::Files | QDir::Hidden);
    QVERIFY(files.size() >= 3);
    for (const QFileInfo& f : files)
        QVERIFY2(modeOf(f.filePath()) == 0600, qPrintable(listing(dir)));
    QCOMPARE(octal(modeOf(dir)), octal(0700));
}

void TestStorageFiles::looseFilesAreTightened()
{
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("data"));
    QVERIFY(QDir().mkpath(dir));
    QVERIFY(::chmod(QFile::encodeName(dir).constData(), 0755) == 0);
    const QString db = QDir(dir).filePath(QStringLiteral("conversations.db"));
    {
        auto store = ConversationStore::open(db);
        QVERIFY(store.ok());
        writeSomething(**store);
    }
    // As an older version, or a looser umask, left them.
    for (const QString& name : QDir(dir).entryList(QDir::Files))
        QVERIFY(::chmod(QFile::encodeName(QDir(dir).filePath(name)).constData(), 0644) == 0);
    QVERIFY(writeFile(QDir(dir).filePath(QStringLiteral("settings.ini")), "[models]\n", 0644));
    QVERIFY(writeFile(db + QStringLiteral(".v2.bak"), "old backup", 0664));
    QVERIFY(writeFile(db + QStringLiteral("-wal"), "", 0666));

    // The store alone (tests, the CLI) tightens its own files...
    {
        auto store = ConversationStore::open(db);
        QVERIFY2(store.ok(), qPrintable(store.errorString()));
        QCOMPARE(octal(modeOf(db)), octal(0600));
        QCOMPARE(octal(modeOf(db + QStringLiteral("-wal"))), octal(0600));
        QCOMPARE(octal(modeOf(db + QStringLiteral(".v2.bak"))), octal(0600));
        QCOMPARE(octal(modeOf(QDir(dir).filePath(QStringLiteral("settings.ini")))), octal(0644));   // not the store's
        writeSomething(**store);
        QCOMPARE(octal(modeOf(db + QStringLiteral("-shm"))), octal(0600));
    }
    // ...and the app's start tightens the folder and everything directly in it.
    QVERIFY(makePrivateFolder(dir).ok());
    QCOMPARE(octal(modeOf(dir)), octal(0700));
    for (const QFileInfo& f : QDir(dir).entryInfoList(QDir::Files | QDir::Hidden))
        QVERIFY2(modeOf(f.filePath()) == 0600, qPrintable(listing(dir)));
    // An executable bit of the owner stays; only group and other lose theirs.
    QVERIFY(writeFile(QDir(dir).filePath(QStringLiteral("script")), "#!/bin/sh\n", 0755));
    QVERIFY(makePrivateFolder(dir).ok());
    QCOMPARE(octal(modeOf(QDir(dir).filePath(QStringLiteral("script")))), octal(0700));
}

void TestStorageFiles::backupIsPrivate()
{
    QTemporaryDir tmp;
    const QString db = tmp.filePath(QStringLiteral("conversations.db"));
    QFile sql(QStringLiteral(STORAGE_FIXTURE_DIR "/conversations-v1.sql"));
    QVERIFY(sql.open(QIODevice::ReadOnly));
    QString error;
    QVERIFY2(rawExec(db, sql.readAll().constData(), &error), qPrintable(error));
    QCOMPARE(octal(modeOf(db)), octal(0644));   // made by plain SQLite under umask 022
    auto store = ConversationStore::open(db);
    QVERIFY2(store.ok(), qPrintable(store.errorString()));
    const QString backup = (*store)->backupPath();   // version 1 -> 2 rebuilds a table: backed up first
    QVERIFY(!backup.isEmpty());
    QVERIFY(QFile::exists(backup));
    QCOMPARE(rawQuery(backup, "PRAGMA user_version"), QStringList{QStringLiteral("1")});
    QCOMPARE(octal(modeOf(backup)), octal(0600));
    QCOMPARE(octal(modeOf(db)), octal(0600));
}

void TestStorageFiles::missingParentsAreCreated()
{
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("a/b/data"));
    QVERIFY(makePrivateFolder(dir).ok());
    QVERIFY(QFileInfo(dir).isDir());
    QCOMPARE(octal(modeOf(dir)), octal(0700));
    QVERIFY(makePrivateFolder(dir).ok());   // again: nothing to do, no error
}

void TestStorageFiles::folderThatCannotBeCreatedIsAnError()
{
    QTemporaryDir tmp;
    // A file where the folder should be.
    const QString file = tmp.filePath(QStringLiteral("taken"));
    QVERIFY(writeFile(file, "x", 0600));
    auto r = makePrivateFolder(file);
    QVERIFY(!r.ok());
    QVERIFY2(r.errorString().startsWith(QStringLiteral("Could not create the data folder ") + file),
             qPrintable(r.errorString()));
    r = makePrivateFolder(file + QStringLiteral("/data"));
    QVERIFY(!r.ok());
    QVERIFY2(r.errorString().contains(QStringLiteral("Could not create the data folder")), qPrintable(r.errorString()));
}

QTEST_GUILESS_MAIN(TestStorageFiles)
#include "tst_storagefiles.moc"
