// One instance per data folder: the second guard is told another instance runs and can ask
// it to raise its window; a crashed instance's lock is taken over.
#include "instanceguard.h"

#include <QDir>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using causerie::storage::InstanceGuard;

class TestInstanceGuard : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void secondGuardInSameProcessIsSecondaryAndRaisesFirst()
    {
        QTemporaryDir dir;
        InstanceGuard first(dir.path());
        QCOMPARE(first.acquire(), InstanceGuard::Role::Primary);
        QSignalSpy raised(&first, &InstanceGuard::raiseRequested);

        InstanceGuard second(dir.path());
        QCOMPARE(second.acquire(), InstanceGuard::Role::Secondary);
        QVERIFY2(second.errorString().contains(QLatin1String("already running")), qPrintable(second.errorString()));
        QVERIFY2(second.errorString().contains(dir.path()), qPrintable(second.errorString()));
        QVERIFY(second.requestRaise());
        QVERIFY(raised.wait(5000));
        QCOMPARE(raised.size(), 1);
    }

    void otherFolderIsIndependent()
    {
        QTemporaryDir a, b;
        InstanceGuard first(a.path()), other(b.path());
        QCOMPARE(first.acquire(), InstanceGuard::Role::Primary);
        QCOMPARE(other.acquire(), InstanceGuard::Role::Primary);
        QVERIFY(first.serverName() != other.serverName());
    }

    void symlinkedFolderIsTheSameInstance()
    {
        QTemporaryDir dir;
        const QString real = dir.filePath(QStringLiteral("data"));
        const QString link = dir.filePath(QStringLiteral("link"));
        QVERIFY(QDir().mkpath(real));
        QVERIFY(QFile::link(real, link));
        InstanceGuard first(real);
        QCOMPARE(first.acquire(), InstanceGuard::Role::Primary);
        QSignalSpy raised(&first, &InstanceGuard::raiseRequested);
        InstanceGuard viaLink(link);
        QCOMPARE(viaLink.acquire(), InstanceGuard::Role::Secondary);
        QCOMPARE(viaLink.serverName(), first.serverName());
        QVERIFY(viaLink.requestRaise());
        QVERIFY(raised.wait(5000));
    }

    void releasedOnDestruction()
    {
        QTemporaryDir dir;
        {
            InstanceGuard first(dir.path());
            QCOMPARE(first.acquire(), InstanceGuard::Role::Primary);
        }
        InstanceGuard again(dir.path());
        QCOMPARE(again.acquire(), InstanceGuard::Role::Primary);
    }

    void otherProcessHoldsTheFolderUntilKilled()
    {
        QTemporaryDir dir;
        QProcess child;
        child.start(QStringLiteral(STORAGE_TEST_HELPER), {QStringLiteral("guard"), dir.path()});
        QVERIFY(child.waitForReadyRead(10000));
        QCOMPARE(child.readLine().trimmed(), QByteArray("primary"));

        InstanceGuard second(dir.path());
        QCOMPARE(second.acquire(), InstanceGuard::Role::Secondary);
        QVERIFY2(second.requestRaise(), qPrintable(second.errorString()));
        QVERIFY(child.waitForReadyRead(5000));
        QCOMPARE(child.readLine().trimmed(), QByteArray("raise"));

        // A crash leaves the lock file behind; its dead PID marks it stale.
        child.kill();
        QVERIFY(child.waitForFinished(5000));
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("causerie.lock"))));
        InstanceGuard third(dir.path());
        QCOMPARE(third.acquire(), InstanceGuard::Role::Primary);
        // And it answers raise requests on the socket the dead one left.
        QSignalSpy raised(&third, &InstanceGuard::raiseRequested);
        InstanceGuard fourth(dir.path());
        QCOMPARE(fourth.acquire(), InstanceGuard::Role::Secondary);
        QVERIFY(fourth.requestRaise());
        QVERIFY(raised.wait(5000));
    }

    void unwritableFolderFails()
    {
        InstanceGuard guard(QStringLiteral("/proc/causerie-cannot-exist"));
        QCOMPARE(guard.acquire(), InstanceGuard::Role::Failed);
        QVERIFY2(guard.errorString().contains(QLatin1String("/proc/causerie-cannot-exist")),
                 qPrintable(guard.errorString()));
    }
};

QTEST_GUILESS_MAIN(TestInstanceGuard)
#include "tst_instanceguard.moc"
