// The window as it opens (offscreen, the real QML): what it prepares before it is needed.
#include "appwindow.h"
#include "mathfonts.h"

#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTest>

class TestAppWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The formulas' fonts are loaded while the window opens, a few per turn of its event loop,
    // with no formula shown: the first one no longer loads them all at once on the GUI thread.
    void mathFontsLoadWhileTheWindowOpens()
    {
        math::MathFonts& fonts = math::MathFonts::instance();
        QVERIFY(!fonts.loaded());
        QTemporaryDir dir;
        AppWindow app(dir.filePath(QStringLiteral("data")), QStringLiteral("en"));
        QVERIFY(app.load());
        QVERIFY2(!fonts.loaded(), "not all at once in load()");
        QVERIFY(QTest::qWaitForWindowExposed(app.window()));
        QTRY_VERIFY(fonts.loaded());
        if (!fonts.available())
            QSKIP("the KaTeX fonts are missing: scripts/setup.sh installs fonts-katex");
        QVERIFY(fonts.metrics('=', math::Font::MainRegular).glyph != 0);
    }
};

QTEST_MAIN(TestAppWindow)
#include "tst_appwindow.moc"
