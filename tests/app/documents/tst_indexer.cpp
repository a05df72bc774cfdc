// The library indexer: a folder indexed once, then only what changed; deleted files removed;
// cancel and resume; files that disappear mid-run, symbolic link loops, unreadable folders; the
// background thread's signals.
#include "docfixtures.h"
#include "indexfixture.h"
#include "libraryindexer.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

using namespace causerie::documents;
using namespace docfixtures;

namespace {

const QString kLib = QStringLiteral("notes");

bool write(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    return writeFile(path, bytes);
}

int count(DocIndex& index, const QString& query)
{
    auto r = index.search(query, {kLib});
    return r ? int(r->size()) : -1;
}

bool anyIssueContains(const IndexReport& r, const QString& path, const QString& text)
{
    for (const IndexIssue& i : r.issues) {
        if (i.path == path && i.message.contains(text) && i.message.contains(path))
            return true;
    }
    return false;
}

// The expected issues (path below `lib`, text in its message) that the report lacks: empty when
// each is there.
QStringList missingIssues(const IndexReport& r, const QString& lib,
                          std::initializer_list<std::pair<const char*, const char*>> expected)
{
    QStringList missing;
    for (const auto& [path, text] : expected) {
        if (!anyIssueContains(r, lib + QLatin1String(path), QLatin1String(text)))
            missing << QStringLiteral("%1: %2").arg(QLatin1String(path), QLatin1String(text));
    }
    return missing;
}

struct WalkOutput {
    QStringList files;
    QStringList issues;
    bool rootUnreadable = false;
    bool skipped = false;
};

// Walks `folder` as the user nobody (when this test runs as root) or in this process.
WalkOutput walkAsUnprivileged(const QString& folder)
{
    WalkOutput out;
    if (geteuid() != 0) {
        const WalkResult w = walkLibrary(folder);
        out.files = w.files;
        for (const IndexIssue& i : w.issues)
            out.issues << i.message;
        out.rootUnreadable = w.rootUnreadable;
        return out;
    }
    QProcess p;
    p.setChildProcessModifier([] {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(77);
    });
    p.start(QStringLiteral(DOCUMENTS_WALK_HELPER), {folder});
    if (!p.waitForFinished(60000) || p.exitCode() == 77) {
        out.skipped = true;
        return out;
    }
    for (const QString& line : QString::fromLocal8Bit(p.readAllStandardOutput()).split(QLatin1Char('\n'))) {
        const QStringList parts = line.split(QLatin1Char('\t'));
        if (parts.value(0) == QLatin1String("file"))
            out.files << parts.value(1);
        else if (parts.value(0) == QLatin1String("issue"))
            out.issues << parts.value(2);
        else if (parts.value(0) == QLatin1String("root-unreadable"))
            out.rootUnreadable = true;
    }
    return out;
}

}   // namespace

class TestIndexer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        docfixtures::openFreshIndex(m_dir, m_index);
        QVERIFY(m_index);
        m_lib = m_dir->filePath(QStringLiteral("library"));
        QVERIFY(QDir().mkpath(m_lib));
        m_dbPath = m_dir->filePath(QStringLiteral("documents.db"));
    }

    void cleanup()
    {
        // Give back the modes the tests took away, so that the folder can be deleted.
        for (const QString& d : {m_lib + QStringLiteral("/locked"), m_lib})
            QFile::setPermissions(d, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }

    void indexesThenOnlyWhatChanged()
    {
        QVERIFY(write(m_lib + QStringLiteral("/a.txt"), "Apples grow in the orchard.\n"));
        QVERIFY(write(m_lib + QStringLiteral("/sub/b.md"), "# Bees\n\nBees make honey.\n"));
        QVERIFY(writePdf(m_lib + QStringLiteral("/sub/c.pdf"), {QStringLiteral("Cherries on page one.")}));
        QVERIFY(write(m_lib + QStringLiteral("/photo.jpg"), "\xFF\xD8\xFF not indexed"));
        QVERIFY(write(m_lib + QStringLiteral("/.hidden/d.txt"), "Dates are hidden."));
        IndexReport r = indexFolder(*m_index, kLib, m_lib);
        QCOMPARE(r.total, 3);
        QCOMPARE(r.indexed, 3);
        QCOMPARE(r.failed, 0);
        QVERIFY(r.issues.isEmpty());
        QCOMPARE(count(*m_index, QStringLiteral("honey")), 1);
        QCOMPARE(count(*m_index, QStringLiteral("cherries")), 1);
        QCOMPARE(count(*m_index, QStringLiteral("dates")), 0);

        r = indexFolder(*m_index, kLib, m_lib);
        QCOMPARE(r.indexed, 0);
        QCOMPARE(r.unchanged, 3);

        // Changed content: re-indexed, the old words gone.
        QVERIFY(write(m_lib + QStringLiteral("/a.txt"), "Apricots replaced the apples, a longer text now.\n"));
        r = indexFolder(*m_index, kLib, m_lib);
        QCOMPARE(r.indexed, 1);
        QCOMPARE(r.unchanged, 2);
        QCOMPARE(count(*m_index, QStringLiteral("apricots")), 1);
        QCOMPARE(count(*m_index, QStringLiteral("orchard")), 0);

        // Touched, same bytes: only re-stamped.
        QFile touched(m_lib + QStringLiteral("/sub/b.md"));
        QVERIFY(touched.open(QIODevice::ReadWrite));
        QVERIFY(touched.setFileTime(QDateTime::currentDateTime().addSecs(60), QFileDevice::FileModificationTime));
        touched.close();
        r = indexFolder(*m_index, kLib, m_lib);
        QCOMPARE(r.indexed, 0);
        QCOMPARE(r.unchanged, 3);

        // Deleted: removed from the index.
        QVERIFY(QFile::remove(m_lib + QStringLiteral("/sub/b.md")));
        r = indexFolder(*m_index, kLib, m_lib);
        QCOMPARE(r.removed, 1);
        QCOMPARE(count(*m_index, QStringLiteral("honey")), 0);
        QCOMPARE(m_index->files(kLib).size(), 2);
    }

    void cancelThenResumeAfterRestart()
    {
        for (int i = 0; i < 10; ++i)
            QVERIFY(write(m_lib + QStringLiteral("/f%1.txt").arg(i),
                          QStringLiteral("Note %1 about kestrels.\n").arg(i).toUtf8()));
        int started = 0;
        IndexCallbacks callbacks;
        callbacks.progress = [&](int, int, const QString& path) { started += path.isEmpty() ? 0 : 1; };
        callbacks.cancelled = [&] { return started >= 4; };
        IndexReport r = indexFolder(*m_index, kLib, m_lib, callbacks);
        QVERIFY(r.cancelled);
        QCOMPARE(r.indexed, 4);

        // A new process: a new connection to the same file.
        m_index.reset();
        auto reopened = DocIndex::open(m_dbPath);
        QVERIFY(reopened.ok());
        m_index = std::move(reopened.value());
        QCOMPARE(m_index->files(kLib).size(), 4);
        r = indexFolder(*m_index, kLib, m_lib);
        QVERIFY(!r.cancelled);
        QCOMPARE(r.unchanged, 4);
        QCOMPARE(r.indexed, 6);
        QCOMPARE(m_index->files(kLib).size(), 10);
    }

    void cancelledWalkRemovesNothing()
    {
        QVERIFY(write(m_lib + QStringLiteral("/a/one.txt"), "One about martens."));
        QVERIFY(write(m_lib + QStringLiteral("/b/two.txt"), "Two about martens."));
        QCOMPARE(indexFolder(*m_index, kLib, m_lib).indexed, 2);
        QVERIFY(QFile::remove(m_lib + QStringLiteral("/b/two.txt")));
        IndexCallbacks callbacks;
        callbacks.cancelled = [] { return true; };   // cancelled before the walk ends
        const IndexReport r = indexFolder(*m_index, kLib, m_lib, callbacks);
        QVERIFY(r.cancelled);
        QCOMPARE(r.removed, 0);
        QCOMPARE(m_index->files(kLib).size(), 2);
        QCOMPARE(indexFolder(*m_index, kLib, m_lib).removed, 1);   // the next full run does it
    }

    void fileDisappearsWhileIndexing()
    {
        QVERIFY(write(m_lib + QStringLiteral("/1.txt"), "First file about owls."));
        QVERIFY(write(m_lib + QStringLiteral("/2.txt"), "Second file about owls."));
        QVERIFY(write(m_lib + QStringLiteral("/3.txt"), "Third file about owls."));
        const QString victim = m_lib + QStringLiteral("/2.txt");
        IndexCallbacks callbacks;
        // Listed by the walk, deleted just before it is read.
        callbacks.progress = [&](int, int, const QString& path) {
            if (path == victim)
                QFile::remove(victim);
        };
        const IndexReport r = indexFolder(*m_index, kLib, m_lib, callbacks);
        QCOMPARE(r.indexed, 2);
        QCOMPARE(r.removed, 1);
        QVERIFY(anyIssueContains(r, victim, QStringLiteral("disappeared before it could be read")));
        QCOMPARE(count(*m_index, QStringLiteral("owls")), 2);
    }

    void badFilesReportedOthersIndexed()
    {
        QVERIFY(writeImageOnlyPdf(m_lib + QStringLiteral("/scan.pdf")));
        QVERIFY(write(m_lib + QStringLiteral("/program.txt"), QByteArray("\x7f"
                                                                         "ELF\0\0\0",
                                                                         7)));
        QVERIFY(writeEncryptedPdf(m_lib + QStringLiteral("/secret.pdf")));
        QVERIFY(write(m_lib + QStringLiteral("/good.txt"), "Good text about herons."));
        IndexReport r = indexFolder(*m_index, kLib, m_lib);
        QCOMPARE(r.indexed, 1);
        QCOMPARE(r.failed, 3);
        QCOMPARE(missingIssues(r, m_lib,
                               {{"/scan.pdf", "scanned: no text found"},
                                {"/program.txt", "not a text file"},
                                {"/secret.pdf", "encrypted"}}),
                 QStringList());
        QCOMPARE(count(*m_index, QStringLiteral("herons")), 1);
        QCOMPARE(m_index->failedFiles(kLib).size(), 3);

        // Unchanged failures are not read again, and still reported.
        r = indexFolder(*m_index, kLib, m_lib);
        QCOMPARE(r.failed, 3);
        QCOMPARE(r.unchanged, 1);
        QVERIFY(anyIssueContains(r, m_lib + QStringLiteral("/scan.pdf"), QStringLiteral("scanned: no text found")));
    }

    void hugeFileRefusedFromItsSize()
    {
        const QString huge = m_lib + QStringLiteral("/huge.log");
        QFile f(huge);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(f.resize(2LL * 1024 * 1024 * 1024));   // sparse
        f.close();
        QVERIFY(write(m_lib + QStringLiteral("/small.txt"), "Small text about wrens."));
        const IndexReport r = indexFolder(*m_index, kLib, m_lib);
        QCOMPARE(r.indexed, 1);
        QCOMPARE(r.failed, 1);
        QVERIFY(anyIssueContains(r, huge, QStringLiteral("is too large (2.0 GB")));
    }

    void symlinkLoopReported()
    {
        QVERIFY(write(m_lib + QStringLiteral("/sub/note.txt"), "A note about loops and voles."));
        QVERIFY(QFile::link(m_lib, m_lib + QStringLiteral("/sub/back")));   // sub/back → library
        QVERIFY(QFile::link(m_lib + QStringLiteral("/sub"), m_lib + QStringLiteral("/sub/self")));
        QVERIFY(QFile::link(m_lib + QStringLiteral("/nowhere"), m_lib + QStringLiteral("/dangling.txt")));
        const IndexReport r = indexFolder(*m_index, kLib, m_lib);
        QCOMPARE(r.total, 1);
        QCOMPARE(r.indexed, 1);
        QCOMPARE(missingIssues(r, m_lib,
                               {{"/sub/back", "symbolic link loop"},
                                {"/sub/self", "symbolic link loop"},
                                {"/dangling.txt", "link to nothing"}}),
                 QStringList());
        QCOMPARE(count(*m_index, QStringLiteral("voles")), 1);
    }

    void unreadableFolderReported()
    {
        QVERIFY(write(m_lib + QStringLiteral("/open/ok.txt"), "Readable."));
        QVERIFY(write(m_lib + QStringLiteral("/locked/hidden.txt"), "Cannot be listed."));
        // The test's own temporary folder is private: let the unprivileged walker reach the library.
        QVERIFY(QFile::setPermissions(m_dir->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                         QFile::ReadOther | QFile::ExeOther));
        QVERIFY(QFile::setPermissions(m_lib, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadOther |
                                                 QFile::ExeOther));
        QVERIFY(QFile::setPermissions(m_lib + QStringLiteral("/open"), QFile::ReadOwner | QFile::WriteOwner |
                                                                           QFile::ExeOwner | QFile::ReadOther |
                                                                           QFile::ExeOther));
        QVERIFY(QFile::setPermissions(m_lib + QStringLiteral("/open/ok.txt"), QFile::ReadOwner | QFile::ReadOther));
        QVERIFY(QFile::setPermissions(m_lib + QStringLiteral("/locked"), {}));
        const WalkOutput w = walkAsUnprivileged(m_lib);
        if (w.skipped)
            QSKIP("running as root and cannot switch to the user nobody to see a folder as unreadable");
        QVERIFY(!w.rootUnreadable);
        QCOMPARE(w.files, QStringList{m_lib + QStringLiteral("/open/ok.txt")});
        QCOMPARE(w.issues.size(), 1);
        QCOMPARE(w.issues[0], QStringLiteral("The folder %1 cannot be read (permission denied); skipped.")
                                  .arg(m_lib + QStringLiteral("/locked")));

        // The library folder itself.
        QVERIFY(QFile::setPermissions(m_lib, {}));
        const WalkOutput root = walkAsUnprivileged(m_lib);
        QVERIFY(root.rootUnreadable);
        QCOMPARE(root.issues,
                 QStringList{QStringLiteral("The library folder %1 cannot be read (permission denied).").arg(m_lib)});
    }

    void missingLibraryKeepsItsIndex()
    {
        QVERIFY(write(m_lib + QStringLiteral("/kept.txt"), "Kept while the disk is unplugged: badgers."));
        QCOMPARE(indexFolder(*m_index, kLib, m_lib).indexed, 1);
        QVERIFY(QDir().rename(m_lib, m_lib + QStringLiteral("-unplugged")));
        const IndexReport r = indexFolder(*m_index, kLib, m_lib);
        QCOMPARE(r.removed, 0);
        QVERIFY(anyIssueContains(r, m_lib, QStringLiteral("does not exist")));
        QCOMPARE(count(*m_index, QStringLiteral("badgers")), 1);
    }

    void backgroundIndexerReportsProgress()
    {
        for (int i = 0; i < 5; ++i)
            QVERIFY(
                write(m_lib + QStringLiteral("/n%1.txt").arg(i), QStringLiteral("Note %1 on lynxes.").arg(i).toUtf8()));
        QVERIFY(writeImageOnlyPdf(m_lib + QStringLiteral("/scan.pdf")));
        LibraryIndexer indexer(m_dbPath);
        QSignalSpy progress(&indexer, &LibraryIndexer::progress);
        QSignalSpy issues(&indexer, &LibraryIndexer::issue);
        QSignalSpy finished(&indexer, &LibraryIndexer::finished);
        indexer.indexFolder(kLib, m_lib);
        QVERIFY(finished.wait(30000));
        const QList<QVariant> done = finished.takeFirst();
        QCOMPARE(done.at(0).toString(), kLib);
        QCOMPARE(done.at(1).toInt(), 5);   // indexed
        QCOMPARE(done.at(4).toInt(), 1);   // failed
        QCOMPARE(done.at(5).toBool(), false);
        QCOMPARE(progress.size(), 7);   // before each of 6 files, then 6/6
        QCOMPARE(progress.last().at(1).toInt(), 6);
        QCOMPARE(issues.size(), 1);
        QCOMPARE(issues.first().at(1).toString(), m_lib + QStringLiteral("/scan.pdf"));
        // The GUI thread's own connection sees what the indexer committed.
        QCOMPARE(count(*m_index, QStringLiteral("lynxes")), 5);
    }

    void backgroundCancelLeavesTheRestForLater()
    {
        for (int i = 0; i < 3; ++i)
            QVERIFY(
                write(m_lib + QStringLiteral("/m%1.txt").arg(i), QStringLiteral("Memo %1 on stoats.").arg(i).toUtf8()));
        LibraryIndexer indexer(m_dbPath);
        QSignalSpy finished(&indexer, &LibraryIndexer::finished);
        indexer.indexFolder(kLib, m_lib);
        indexer.cancel();   // before the worker starts: the request stops at its first file
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().at(1).toInt(), 0);
        QCOMPARE(finished.first().at(5).toBool(), true);
        indexer.indexFolder(kLib, m_lib);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 30000);
        QCOMPARE(finished.at(1).at(1).toInt(), 3);
        QCOMPARE(finished.at(1).at(5).toBool(), false);
        QCOMPARE(count(*m_index, QStringLiteral("stoats")), 3);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<DocIndex> m_index;
    QString m_lib;
    QString m_dbPath;
};

QTEST_MAIN(TestIndexer)
#include "tst_indexer.moc"
