// The window's saved state in AppSettings: geometry, sidebar width and the open conversation
// survive a restart (a new AppSettings on the same file), and bad stored values are bounded.
#include "appsettings.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

class TestAppSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void windowStateSurvivesRestart();
    void badStoredValuesAreBounded();
    void unchangedValueDoesNotNotify();
};

void TestAppSettings::windowStateSurvivesRestart()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("settings.ini"));
    {
        AppSettings s(file);
        QCOMPARE(s.windowGeometry(), QRect());   // never saved: the window's default
        QCOMPARE(s.sidebarWidth(), AppSettings::kDefaultSidebarWidth);
        QCOMPARE(s.lastConversation(), 0);
        s.setWindowGeometry(QRect(40, 60, 1300, 850));
        s.setSidebarWidth(330);
        s.setLastConversation(42);
    }
    AppSettings s(file);
    QCOMPARE(s.windowGeometry(), QRect(40, 60, 1300, 850));
    QCOMPARE(s.sidebarWidth(), 330);
    QCOMPARE(s.lastConversation(), 42);
}

void TestAppSettings::badStoredValuesAreBounded()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("settings.ini"));
    {
        QSettings raw(file, QSettings::IniFormat);
        raw.setValue(QStringLiteral("ui/windowGeometry"), QRect(0, 0, 20, 10));   // unusably small
        raw.setValue(QStringLiteral("ui/sidebarWidth"), 99999);
        raw.setValue(QStringLiteral("ui/lastConversation"), -5);
    }
    AppSettings s(file);
    QCOMPARE(s.windowGeometry(), QRect());
    QCOMPARE(s.sidebarWidth(), AppSettings::kMaxSidebarWidth);
    QCOMPARE(s.lastConversation(), 0);

    s.raw().setValue(QStringLiteral("ui/windowGeometry"), QRect(0, 0, 100000, 800));   // absurdly large
    QCOMPARE(s.windowGeometry(), QRect());
    s.raw().setValue(QStringLiteral("ui/windowGeometry"), QStringLiteral("not a rectangle"));
    QCOMPARE(s.windowGeometry(), QRect());
    s.raw().setValue(QStringLiteral("ui/sidebarWidth"), QStringLiteral("wide"));   // toInt() gives 0
    QCOMPARE(s.sidebarWidth(), AppSettings::kMinSidebarWidth);

    s.setSidebarWidth(10);
    QCOMPARE(s.sidebarWidth(), AppSettings::kMinSidebarWidth);
    s.setLastConversation(-1);
    QCOMPARE(s.lastConversation(), 0);
}

// The window saves its geometry as it changes: the same value again must not wake every binding
// on App.settings.
void TestAppSettings::unchangedValueDoesNotNotify()
{
    QTemporaryDir dir;
    AppSettings s(dir.filePath(QStringLiteral("settings.ini")));
    QSignalSpy changed(&s, &AppSettings::changed);
    s.setWindowGeometry(QRect(0, 0, 900, 700));
    s.setSidebarWidth(300);
    QCOMPARE(changed.count(), 2);
    s.setWindowGeometry(QRect(0, 0, 900, 700));
    s.setSidebarWidth(300);
    s.setLastConversation(0);
    QCOMPARE(changed.count(), 2);
}

QTEST_GUILESS_MAIN(TestAppSettings)
#include "tst_appsettings.moc"
