// The desktop app starts with an isolated data folder, shows its window, and quits cleanly
// when the session asks it to (SIGTERM), in English and in French, leaving only private files.
// A model that kills the app while it opens is not opened again by itself at the next start.
#include "../common/languages.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/stat.h>

namespace {

const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");

int modeOf(const QString& path)
{
    struct stat st = {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

// The app on `dataDir`, offscreen, in English, with its own XDG folders (so the user's default
// model is never found and opened).
void startApp(QProcess& app, const QString& home, const QString& dataDir, const QStringList& extra = {})
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/share"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
    app.setProcessEnvironment(env);
    app.setProcessChannelMode(QProcess::SeparateChannels);
    app.start(QStringLiteral(CAUSERIE_APP),
              QStringList{QStringLiteral("--data-dir"), dataDir, QStringLiteral("--lang"), QStringLiteral("en")} +
                  extra);
}

}   // namespace

class TestAppSmoke : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void startsAndQuits_data();
    void startsAndQuits();
    void modelThatKilledTheAppIsNotReopened();
};

void TestAppSmoke::startsAndQuits_data() { causerie::testing::addLanguageRows(); }

void TestAppSmoke::startsAndQuits()
{
    QFETCH(QString, lang);
    QTemporaryDir dir;
    const QString dataDir = dir.filePath(QStringLiteral("data"));
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    app.setProcessEnvironment(env);
    app.start(QStringLiteral(CAUSERIE_APP), {QStringLiteral("--data-dir"), dataDir, QStringLiteral("--lang"), lang});
    QVERIFY(app.waitForStarted());
    // The data folder is made first thing in main(); on a loaded machine (CI runs two tests at a
    // time) merely loading the Qt libraries can take longer than the 1.5 s below, so wait for it.
    QTRY_VERIFY_WITH_TIMEOUT(QDir(dataDir).exists() || app.state() == QProcess::NotRunning, 30000);
    // Still running 1.5 s later: the QML loaded (a load failure exits with status 1 at once).
    QVERIFY2(!app.waitForFinished(1500), app.readAllStandardError().constData());
    QVERIFY(QDir(dataDir).exists());

    ::kill(pid_t(app.processId()), SIGTERM);
    // Quitting joins the engine thread: a join that hangs never finishes and fails here (the
    // bound is generous for a loaded machine, not a speed requirement).
    QVERIFY2(app.waitForFinished(15000), "still running 15 s after SIGTERM");
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.exitCode(), 0);
    const QByteArray err = app.readAllStandardError();
    QVERIFY2(!err.contains("qrc:") && !err.contains("Error"), err.constData());

    // Everything the app left in its data folder is the user's alone (umask 077 in main).
    QCOMPARE(QString::number(modeOf(dataDir), 8), QStringLiteral("700"));
    const QFileInfoList files = QDir(dataDir).entryInfoList(QDir::Files | QDir::Hidden);
    QVERIFY(!files.isEmpty());
    for (const QFileInfo& f : files)
        QVERIFY2((modeOf(f.filePath()) & 077) == 0,
                 qPrintable(f.fileName() + QStringLiteral(" is ") + QString::number(modeOf(f.filePath()), 8)));
}

// The app is killed while it opens a model (a FIFO holds the load, as a model too big for the
// memory would before the OOM killer comes). The next start does not open the last model by
// itself and says why; a normal start before that did open it.
void TestAppSmoke::modelThatKilledTheAppIsNotReopened()
{
    QTemporaryDir dir;
    const QString home = dir.path();
    const QString dataDir = dir.filePath(QStringLiteral("data"));
    const QString marker = dataDir + QStringLiteral("/opening-model");
    QByteArray err;
    auto finish = [&err](QProcess& app, int signal) {
        ::kill(pid_t(app.processId()), signal);
        const bool done = app.waitForFinished(15000);
        err = app.readAllStandardError();
        return done;
    };

    {   // A normal start with the tiny model: it becomes the last model used.
        QProcess app;
        startApp(app, home, dataDir, {QStringLiteral("--model"), kTiny});
        QVERIFY(app.waitForStarted());
        QByteArray seen;
        QTRY_VERIFY_WITH_TIMEOUT((seen += app.readAllStandardError()).contains("causerie.engine: loaded") ||
                                     app.state() == QProcess::NotRunning,
                                 30000);
        QVERIFY2(seen.contains("loaded"), seen.constData());
        QVERIFY(finish(app, SIGTERM));
        QVERIFY(!QFile::exists(marker));
    }
    const QString fifo = dir.filePath(QStringLiteral("huge.gguf"));
    QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
    {   // Killed while it opens another model.
        QProcess app;
        startApp(app, home, dataDir, {QStringLiteral("--model"), fifo});
        QVERIFY(app.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(marker) || app.state() == QProcess::NotRunning, 30000);
        QVERIFY(finish(app, SIGKILL));
        QCOMPARE(app.exitStatus(), QProcess::CrashExit);
        QVERIFY(QFile::exists(marker));
    }
    {   // The next start opens nothing by itself and says what happened.
        QProcess app;
        startApp(app, home, dataDir);
        QVERIFY(app.waitForStarted());
        QByteArray seen;
        QTRY_VERIFY_WITH_TIMEOUT((seen += app.readAllStandardError()).contains("Open it again from the model menu.") ||
                                     app.state() == QProcess::NotRunning,
                                 30000);
        QVERIFY(finish(app, SIGTERM));
        seen += err;
        QVERIFY2(seen.contains("Causerie closed while opening huge.gguf last time; it was not reopened."),
                 seen.constData());
        // Quitting waits for a load in progress: had the tiny model been asked for, it was logged.
        QVERIFY2(!seen.contains("causerie.engine: loaded"), seen.constData());
        QCOMPARE(app.exitCode(), 0);
    }
}

QTEST_GUILESS_MAIN(TestAppSmoke)
#include "tst_app_smoke.moc"
