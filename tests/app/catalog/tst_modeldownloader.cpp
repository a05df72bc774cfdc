// ModelDownloader against a local HTTP server (rangeserver.h) serving a generated 3 MiB file:
// complete download with hash check, pause/resume with Range, a server that ignores Range, a
// wrong Content-Range, 416, 404, a cut connection, wrong hash, cancel, unwritable folder; and the
// metadata request made when the catalog lacks the SHA-256 or size (Hugging Face's X-Linked-*
// headers): used when given, a contradiction stops before downloading, junk is ignored, a full
// disk is said before the first byte.
#include "modeldownloader.h"
#include "rangeserver.h"
#include "../../common/error_needles.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <initializer_list>
#include <sys/resource.h>
#include <unistd.h>

namespace {

using State = ModelDownloader::State;

// Generous: two cores shared with three compiling engineers.
constexpr int kTimeoutMs = 60000;
constexpr qsizetype kFileSize = 3 * 1024 * 1024 + 123;   // not a multiple of any piece size

// "GGUF" then bytes from a fixed LCG, so every run serves the same file.
QByteArray makeModelBytes(qsizetype size, quint32 seed = 1)
{
    QByteArray b(size, Qt::Uninitialized);
    quint32 x = seed;
    for (qsizetype i = 0; i < size; ++i) {
        x = x * 1664525u + 1013904223u;
        b[i] = char(x >> 24);
    }
    b.replace(0, 4, "GGUF");
    return b;
}

QString sha256Hex(const QByteArray& b)
{
    return QString::fromLatin1(QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex());
}

// Empty when the downloader's error text contains every needle; otherwise the text and the
// needle it lacks.
QString errorLacks(const ModelDownloader& d, std::initializer_list<const char*> needles)
{
    return causerie::testing::lackedNeedle(d.errorText().toStdString(), needles);
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

}   // namespace

class TestModelDownloader : public QObject {
    Q_OBJECT

private:
    QByteArray m_content = makeModelBytes(kFileSize);
    QNetworkAccessManager m_nam;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<RangeServer> m_server;

    ModelDownloader::Request request(const char* path = "/model.gguf") const
    {
        return {QUrl(m_server->url(path)), QStringLiteral("test-model.gguf"), m_content.size(), sha256Hex(m_content)};
    }
    // A file the catalog knows nothing about but its address and name.
    ModelDownloader::Request uncatalogued(const char* path) const
    {
        ModelDownloader::Request r = request(path);
        r.sha256.clear();
        r.size = 0;
        return r;
    }
    QString finalPath() const { return m_dir->filePath(QStringLiteral("test-model.gguf")); }
    QString partPath() const { return finalPath() + QStringLiteral(".part"); }
    // Downloading r fails its SHA-256 check, says so and keeps nothing, partial or whole.
    void downloadIsFoundDamaged(const ModelDownloader::Request& r)
    {
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Failed, kTimeoutMs);
        QCOMPARE(d.errorText(),
                 QStringLiteral("the downloaded file is damaged (SHA-256 mismatch): it was deleted; try again"));
        QVERIFY(!QFile::exists(partPath()));
        QVERIFY(!QFile::exists(finalPath()));
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_server = std::make_unique<RangeServer>(m_content);
        QVERIFY(m_server->listen());
    }

    void cleanup()
    {
        m_server.reset();
        m_dir.reset();
    }

    void completeDownloadIsVerifiedAndRenamed()
    {
        ModelDownloader d(&m_nam, m_dir->path());
        QSignalSpy finished(&d, &ModelDownloader::finished);
        QSignalSpy progress(&d, &ModelDownloader::progress);
        d.start(request());
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.at(0).at(0).toString(), finalPath());
        QCOMPARE(readAll(finalPath()), m_content);
        QVERIFY(!QFile::exists(partPath()));
        QVERIFY(d.note().isEmpty());
        QCOMPARE(d.received(), m_content.size());
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().at(0).toLongLong(), m_content.size());
        QCOMPARE(progress.last().at(1).toLongLong(), m_content.size());
        QCOMPARE(m_server->requests().size(), 1);
        QVERIFY(!m_server->requests().at(0).headers.contains("range"));
    }

    void redirectIsFollowed()
    {
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request("/redirect"));
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(readAll(finalPath()), m_content);
        QCOMPARE(m_server->requests().size(), 2);
        QCOMPARE(m_server->requests().at(1).path, QByteArray("/model.gguf"));
    }

    void pauseThenResumeContinuesFromTheRightByte()
    {
        m_server->pieceSize = 32 * 1024;
        m_server->pieceDelayMs = 20;
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request());
        QTRY_VERIFY_WITH_TIMEOUT(d.received() >= 256 * 1024, kTimeoutMs);
        d.pause();
        QCOMPARE(d.state(), State::Paused);
        const qint64 kept = QFileInfo(partPath()).size();
        QVERIFY(kept >= 256 * 1024);
        QVERIFY(kept < m_content.size());
        QCOMPARE(d.received(), kept);
        QCOMPARE(readAll(partPath()), m_content.left(kept));
        QVERIFY(!QFile::exists(finalPath()));

        m_server->pieceSize = 0;
        d.start(request());
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(m_server->requests().size(), 2);
        QCOMPARE(m_server->requests().at(1).headers.value("range"), "bytes=" + QByteArray::number(kept) + '-');
        QCOMPARE(readAll(finalPath()), m_content);
        QVERIFY(!QFile::exists(partPath()));
    }

    void serverIgnoringRangeRestartsFromZero()
    {
        // Bytes that are not the file's: if they were kept, the result could not match.
        writeFile(partPath(), QByteArray(1000, 'x'));
        m_server->honorRange = false;
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request());
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(m_server->requests().at(0).headers.value("range"), QByteArray("bytes=1000-"));
        QCOMPARE(readAll(finalPath()), m_content);
    }

    void wrongContentRangeIsAClearError()
    {
        writeFile(partPath(), m_content.left(1000));
        m_server->wrongRangeStart = 500;
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request());
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Failed, kTimeoutMs);
        QCOMPARE(errorLacks(d, {"did not resume at byte 1000", "bytes 500-"}), QString());
        QVERIFY(!QFile::exists(partPath()));
        QVERIFY(!QFile::exists(finalPath()));
    }

    void http416IsAClearError()
    {
        writeFile(partPath(), m_content.left(1000));
        m_server->answer416 = true;
        ModelDownloader d(&m_nam, m_dir->path());
        QSignalSpy failed(&d, &ModelDownloader::failed);
        d.start(request());
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
        QCOMPARE(errorLacks(d, {"HTTP 416", "byte 1000"}), QString());
        QVERIFY(!QFile::exists(partPath()));
    }

    void wrongHashDeletesTheFile()
    {
        ModelDownloader::Request r = request();
        r.sha256 = sha256Hex("something else");
        downloadIsFoundDamaged(r);
    }

    void noChecksumIsSaidPlainly()
    {
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(uncatalogued("/model.gguf"));   // nothing published: only the magic bytes can be checked
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(d.note(), QStringLiteral("no checksum published, neither in the catalog nor by the server: the file "
                                          "cannot be verified"));
        QCOMPARE(readAll(finalPath()), m_content);
        // The server was asked first (it has no X-Linked-* headers), then the file fetched.
        QCOMPARE(m_server->requests("HEAD").size(), 1);
        QCOMPARE(m_server->requests("GET").size(), 1);
    }

    void catalogWithHashAndSizeAsksNothingFirst()
    {
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request("/hub/model.gguf"));
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QVERIFY(m_server->requests("HEAD").isEmpty());
        QVERIFY(d.note().isEmpty());
    }

    void serverHashIsUsedWhenTheCatalogHasNone()
    {
        m_server->hubEtag = '"' + sha256Hex(m_content).toLatin1() + '"';
        m_server->hubSize = QByteArray::number(m_content.size());
        m_server->hubCommit = "0123456789abcdef0123456789abcdef01234567";
        ModelDownloader d(&m_nam, m_dir->path());
        QSignalSpy progress(&d, &ModelDownloader::progress);
        const ModelDownloader::Request r = uncatalogued("/hub/model.gguf");
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(readAll(finalPath()), m_content);
        QCOMPARE(d.expectedSha256(), sha256Hex(m_content));
        QCOMPARE(d.serverCommit(), QStringLiteral("0123456789abcdef0123456789abcdef01234567"));
        QCOMPARE(
            d.note(),
            QStringLiteral("checked against the SHA-256 the server publishes for this file; the catalog lists none"));
        QCOMPARE(m_server->requests("HEAD").size(), 1);
        QCOMPARE(m_server->requests("HEAD").at(0).path, QByteArray("/hub/model.gguf"));   // redirect not followed
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.first().at(1).toLongLong(), m_content.size());   // the size was known from the start
    }

    void serverHashCatchesADamagedFile()
    {
        // The server's hash describes another file than the one it sends (as a cut-and-resumed
        // download that mixed two versions would look): refused, nothing kept.
        m_server->hubEtag = sha256Hex("another file").toLatin1();
        downloadIsFoundDamaged(uncatalogued("/hub/model.gguf"));
    }

    void serverContradictingTheCatalogStopsBeforeDownloading()
    {
        const QByteArray other = sha256Hex("a newer upload").toLatin1();
        m_server->hubEtag = '"' + other + '"';
        m_server->hubCommit = "fedcba9876543210fedcba9876543210fedcba98";
        writeFile(partPath(), m_content.left(5000));   // an earlier attempt's bytes: left alone
        ModelDownloader d(&m_nam, m_dir->path());
        ModelDownloader::Request r = request("/hub/model.gguf");
        r.size = 0;   // so the server is asked
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Failed, kTimeoutMs);
        QCOMPARE(d.errorText(),
                 QStringLiteral("the server now has a different file than the catalog describes (SHA-256 %1… instead "
                                "of %2… (commit fedcba987654)): nothing was downloaded; the catalog needs an update")
                     .arg(QString::fromLatin1(other.left(12)), sha256Hex(m_content).left(12)));
        QVERIFY(m_server->requests("GET").isEmpty());
        QCOMPARE(readAll(partPath()), m_content.left(5000));
    }

    void serverSizeContradictingTheCatalogStopsBeforeDownloading()
    {
        m_server->hubSize = QByteArray::number(m_content.size() + 10);
        ModelDownloader d(&m_nam, m_dir->path());
        ModelDownloader::Request r = request("/hub/model.gguf");
        r.sha256.clear();   // so the server is asked
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Failed, kTimeoutMs);
        QCOMPARE(d.errorText(), QStringLiteral("the server's file has %1 bytes but the catalog says %2: nothing was "
                                               "downloaded; the catalog needs an update")
                                    .arg(m_content.size() + 10)
                                    .arg(m_content.size()));
        QVERIFY(m_server->requests("GET").isEmpty());
    }

    void serverSizeTooBigForTheDiskIsSaidFirst()
    {
        m_server->hubSize = QByteArray::number(Q_INT64_C(1) << 60);   // 1 EiB: no disk here has it
        ModelDownloader d(&m_nam, m_dir->path());
        const ModelDownloader::Request r = uncatalogued("/hub/model.gguf");
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Failed, kTimeoutMs);
        QVERIFY2(d.errorText().startsWith(
                     QStringLiteral("not enough free space in %1: the model needs 1073741824 GiB more and ")
                         .arg(QDir::toNativeSeparators(m_dir->path()))),
                 qPrintable(d.errorText()));
        QVERIFY(d.errorText().contains(QLatin1String(" is free. Free some space, or choose another model folder")));
        QVERIFY(m_server->requests("GET").isEmpty());
        QVERIFY(!QFile::exists(finalPath()));
    }

    void renamedRepositoryRedirectIsFollowedForTheMetadata()
    {
        m_server->hubEtag = sha256Hex(m_content).toLatin1();
        ModelDownloader d(&m_nam, m_dir->path());
        ModelDownloader::Request r = request("/renamed/model.gguf");
        r.sha256.clear();
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(d.expectedSha256(), sha256Hex(m_content));
        const QList<RangeServerRequest> heads = m_server->requests("HEAD");
        QCOMPARE(heads.size(), 2);
        QCOMPARE(heads.at(0).path, QByteArray("/renamed/model.gguf"));
        QCOMPARE(heads.at(1).path, QByteArray("/hub/model.gguf"));
    }

    void metadataThatIsNotASha256IsIgnored()
    {
        m_server->hubEtag = "W/\"3a1f-not-a-digest\"";
        m_server->hubSize = "lots";
        ModelDownloader d(&m_nam, m_dir->path());
        const ModelDownloader::Request r = uncatalogued("/hub/model.gguf");
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QVERIFY(d.expectedSha256().isEmpty());
        QVERIFY2(d.note().startsWith(QLatin1String("no checksum published")), qPrintable(d.note()));
        QCOMPARE(readAll(finalPath()), m_content);
    }

    void serverRefusingHeadStillDownloads()
    {
        m_server->refuseHead = true;
        ModelDownloader d(&m_nam, m_dir->path());
        ModelDownloader::Request r = request();
        r.size = 0;
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(readAll(finalPath()), m_content);   // still checked against the catalog's SHA-256
        QVERIFY(d.note().isEmpty());
    }

    void pauseWhileAskingTheServer()
    {
        m_server->hubEtag = sha256Hex(m_content).toLatin1();
        ModelDownloader d(&m_nam, m_dir->path());
        const ModelDownloader::Request r = uncatalogued("/hub/model.gguf");
        d.start(r);
        QCOMPARE(d.state(), State::Checking);
        d.pause();   // before the HEAD's answer arrives
        QCOMPARE(d.state(), State::Paused);
        // Until the HEAD's reply is gone or answered (the manager's replies are its children):
        // then nothing can arrive late, and what did arrive restarted nothing.
        QTRY_VERIFY_WITH_TIMEOUT(std::ranges::all_of(m_nam.findChildren<QNetworkReply*>(),
                                                     [](const QNetworkReply* reply) { return reply->isFinished(); }),
                                 kTimeoutMs);
        QCOMPARE(d.state(), State::Paused);
        QVERIFY(m_server->requests("GET").isEmpty());
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(readAll(finalPath()), m_content);
    }

    void notAGgufIsDeleted()
    {
        QByteArray page = "<html>" + m_content.mid(6);
        m_server = std::make_unique<RangeServer>(page);
        QVERIFY(m_server->listen());
        ModelDownloader d(&m_nam, m_dir->path());
        d.start({QUrl(m_server->url("/model.gguf")), QStringLiteral("test-model.gguf"), 0, QString()});
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Failed, kTimeoutMs);
        QVERIFY2(d.errorText().contains(QLatin1String("not a GGUF model")), qPrintable(d.errorText()));
        QVERIFY(!QFile::exists(partPath()));
        QVERIFY(!QFile::exists(finalPath()));
    }

    void cutConnectionKeepsThePartialForResume()
    {
        m_server->cutAfterOnce = 100000;
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request());
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Failed, kTimeoutMs);
        QCOMPARE(errorLacks(d, {"The partial file is kept", "98 KiB of 3 MiB"}), QString());
        QCOMPARE(QFileInfo(partPath()).size(), 100000);
        QCOMPARE(readAll(partPath()), m_content.left(100000));

        d.start(request());
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(m_server->requests().last().headers.value("range"), QByteArray("bytes=100000-"));
        QCOMPARE(readAll(finalPath()), m_content);
    }

    void completePartIsVerifiedWithoutANewRequest()
    {
        writeFile(partPath(), m_content);
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request());
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QVERIFY(m_server->requests().isEmpty());
        QCOMPARE(readAll(finalPath()), m_content);
    }

    void completePartOfUnknownSizeIsVerified()
    {
        // No size in the catalog: the resume asks past the end, the server answers
        // 416 "bytes */N" with N = what we have, and the file is verified as it is.
        writeFile(partPath(), m_content);
        ModelDownloader d(&m_nam, m_dir->path());
        ModelDownloader::Request r = request();
        r.size = 0;
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Done, kTimeoutMs);
        QCOMPARE(m_server->requests("GET").size(), 1);
        QCOMPARE(m_server->requests("GET").at(0).headers.value("range"),
                 "bytes=" + QByteArray::number(m_content.size()) + '-');
        QCOMPARE(readAll(finalPath()), m_content);
    }

    void serverSizeDifferentFromCatalog()
    {
        ModelDownloader d(&m_nam, m_dir->path());
        ModelDownloader::Request r = request();
        r.size = m_content.size() + 1;
        d.start(r);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Failed, kTimeoutMs);
        QVERIFY2(d.errorText().contains(QStringLiteral("catalog says %1").arg(r.size)), qPrintable(d.errorText()));
        QVERIFY(!QFile::exists(partPath()));
    }

    void notFound()
    {
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request("/missing.gguf"));
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Failed, kTimeoutMs);
        QCOMPARE(errorLacks(d, {"HTTP 404", "/missing.gguf"}), QString());
        QVERIFY(!QFile::exists(partPath()));
        QVERIFY(!QFile::exists(finalPath()));
    }

    void cancelRemovesThePart()
    {
        m_server->pieceSize = 16 * 1024;
        m_server->pieceDelayMs = 20;
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request());
        QTRY_VERIFY_WITH_TIMEOUT(d.received() > 0, kTimeoutMs);
        QVERIFY(QFile::exists(partPath()));
        d.cancel();
        QCOMPARE(d.state(), State::Idle);
        QCOMPARE(d.received(), 0);
        QVERIFY(!QFile::exists(partPath()));
        QVERIFY(!QFile::exists(finalPath()));
    }

    void diskFullIsAClearError()
    {
        // A file-size limit fails write() past 1 MiB (EFBIG) the way a full disk does (ENOSPC):
        // same path in the downloader, and it works for root and without a small filesystem.
        struct rlimit old {};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit limited = old;
        limited.rlim_cur = 1 << 20;
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &limited), 0);
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request());
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), State::Failed, kTimeoutMs);
        setrlimit(RLIMIT_FSIZE, &old);
        QVERIFY2(d.errorText().startsWith(QStringLiteral("could not write to %1").arg(partPath())),
                 qPrintable(d.errorText()));
        QVERIFY(d.errorText().contains(QLatin1String("is the disk full?")));
        QVERIFY(QFile::exists(partPath()));   // kept for a resume after space is freed
        QVERIFY(!QFile::exists(finalPath()));
    }

    void linkInPlaceOfThePartIsRefused()
    {
        const QString outside = m_dir->filePath(QStringLiteral("outside.txt"));
        writeFile(outside, "precious");
        QVERIFY(QFile::link(outside, partPath()));
        ModelDownloader d(&m_nam, m_dir->path());
        d.start(request());
        QCOMPARE(d.state(), State::Failed);
        QVERIFY2(d.errorText().contains(QLatin1String("is a link or not a regular file")), qPrintable(d.errorText()));
        QCOMPARE(readAll(outside), QByteArray("precious"));
        QVERIFY(m_server->requests().isEmpty());
    }

    void folderThatCannotBeCreated()
    {
        // A regular file where a parent folder should be: fails for root too.
        writeFile(m_dir->filePath(QStringLiteral("afile")), "x");
        const QString models = m_dir->filePath(QStringLiteral("afile/models"));
        ModelDownloader d(&m_nam, models);
        d.start(request());
        QCOMPARE(d.state(), State::Failed);
        QVERIFY2(d.errorText().startsWith(QLatin1String("cannot create the model folder")), qPrintable(d.errorText()));
        QVERIFY(m_server->requests().isEmpty());
    }

    void folderWithoutWritePermission()
    {
        if (geteuid() == 0)
            QSKIP("root writes into read-only folders; folderThatCannotBeCreated covers the message path");
        const QString models = m_dir->filePath(QStringLiteral("ro"));
        QVERIFY(QDir().mkpath(models));
        QVERIFY(QFile::setPermissions(models, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        ModelDownloader d(&m_nam, models);
        d.start(request());
        QFile::setPermissions(models, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        QCOMPARE(d.state(), State::Failed);
        QVERIFY2(d.errorText().startsWith(QLatin1String("cannot write in the model folder")),
                 qPrintable(d.errorText()));
    }

    void unsafeFileNameWritesNothing()
    {
        const QString models = m_dir->filePath(QStringLiteral("models"));
        ModelDownloader d(&m_nam, models);
        ModelDownloader::Request r = request();
        r.file = QStringLiteral("../evil.gguf");
        d.start(r);
        QCOMPARE(d.state(), State::Failed);
        QVERIFY(d.errorText().contains(QLatin1String("not a plain .gguf file name")));
        QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("evil.gguf.part"))));
        QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("evil.gguf"))));
        QVERIFY(m_server->requests().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestModelDownloader)
#include "tst_modeldownloader.moc"
