// The desktop app starts with an isolated data folder, shows its window, and quits cleanly and
// quickly when the session asks it to (SIGTERM), in English and in French.
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

class TestAppSmoke : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void startsAndQuits_data();
    void startsAndQuits();
};

void TestAppSmoke::startsAndQuits_data()
{
    QTest::addColumn<QString>("lang");
    QTest::newRow("en") << QStringLiteral("en");
    QTest::newRow("fr") << QStringLiteral("fr");
}

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

    QElapsedTimer t;
    t.start();
    ::kill(pid_t(app.processId()), SIGTERM);
    QVERIFY(app.waitForFinished(5000));
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.exitCode(), 0);
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    const QByteArray err = app.readAllStandardError();
    QVERIFY2(!err.contains("qrc:") && !err.contains("Error"), err.constData());
}

QTEST_GUILESS_MAIN(TestAppSmoke)
#include "tst_app_smoke.moc"
