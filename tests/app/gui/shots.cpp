// causerie-shots: the real window offscreen, in one language and one theme, saved as PNG for
// each scene (scripts/screenshots.sh runs it for EN/FR × light/dark). A conversation to show is
// imported from a JSON export first (--import), so the pictures need no model.
//
//   causerie-shots --lang en|fr --theme light|dark --out DIR [--import FILE] [--scenes a,b,...]
//   scenes: empty, conversation, sidebar, settings, models
#include "appwindow.h"

#include "tests/common/quick_items.h"

#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QImage>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

namespace {

// Lets the scene settle: pending bindings, deferred calls (Qt.callLater) and a few frames.
void settle(int ms = 400)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms)
        QTest::qWait(20);
}

bool save(QQuickWindow* window, const QString& path)
{
    const QImage image = window->grabWindow();
    if (image.isNull() || !image.save(path)) {
        std::fprintf(stderr, "causerie-shots: could not save %s\n", qPrintable(path));
        return false;
    }
    std::printf("%s %dx%d\n", qPrintable(path), image.width(), image.height());
    return true;
}

// Calls a QML function of the item named `objectName` (a dialog's open(), say).
bool call(QQuickWindow* window, const QString& objectName, const char* method)
{
    QObject* o = window->findChild<QObject*>(objectName);
    if (!o)
        o = causerie::testing::findItem(window->contentItem(), objectName);
    if (!o) {
        std::fprintf(stderr, "causerie-shots: no item named %s\n", qPrintable(objectName));
        return false;
    }
    return QMetaObject::invokeMethod(o, method);
}

}   // namespace

int main(int argc, char** argv)
{
    QGuiApplication application(argc, argv);
    QQuickStyle::setStyle(QStringLiteral("Material"));   // as main.cpp
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption langOpt(QStringLiteral("lang"), QStringLiteral("en or fr"), QStringLiteral("lang"),
                                     QStringLiteral("en"));
    const QCommandLineOption themeOpt(QStringLiteral("theme"), QStringLiteral("light or dark"), QStringLiteral("theme"),
                                      QStringLiteral("light"));
    const QCommandLineOption outOpt(QStringLiteral("out"), QStringLiteral("folder for the PNG files"),
                                    QStringLiteral("dir"), QStringLiteral("."));
    const QCommandLineOption importOpt(QStringLiteral("import"), QStringLiteral("a JSON export to show"),
                                       QStringLiteral("file"));
    const QCommandLineOption scenesOpt(QStringLiteral("scenes"), QStringLiteral("comma-separated scenes"),
                                       QStringLiteral("list"),
                                       QStringLiteral("empty,conversation,sidebar,settings,models"));
    parser.addOptions({langOpt, themeOpt, outOpt, importOpt, scenesOpt});
    parser.process(application);

    QTemporaryDir dir;
    const QString lang = parser.value(langOpt);
    const QString theme = parser.value(themeOpt);
    const QString out = parser.value(outOpt);
    QDir().mkpath(out);
    AppWindow app(dir.filePath(QStringLiteral("data")), lang);
    app.controller().settings()->setTheme(theme);
    if (!app.load())
        return 1;
    QQuickWindow* window = app.window();
    window->resize(1100, 720);
    settle();

    const QString prefix = out + QLatin1Char('/') + lang + QLatin1Char('-') + theme + QLatin1Char('-');
    const QStringList scenes = parser.value(scenesOpt).split(QLatin1Char(','), Qt::SkipEmptyParts);
    bool ok = true;
    for (const QString& scene : scenes) {
        if (scene == QLatin1String("empty")) {
            app.controller().newChat();
            settle();
        } else if (scene == QLatin1String("conversation") || scene == QLatin1String("sidebar")) {
            if (parser.isSet(importOpt) && app.controller().chat()->conversationId() <= 0 &&
                !app.controller().conversations()->importFile(parser.value(importOpt))) {
                std::fprintf(stderr, "causerie-shots: could not import %s\n", qPrintable(parser.value(importOpt)));
                return 1;
            }
            settle(800);
        } else if (scene == QLatin1String("settings")) {
            ok = call(window, QStringLiteral("settingsDialog"), "open") && ok;
            settle();
        } else if (scene == QLatin1String("models")) {
            ok = call(window, QStringLiteral("modelPicker"), "open") && ok;
            settle();
        } else {
            std::fprintf(stderr, "causerie-shots: unknown scene %s\n", qPrintable(scene));
            return 2;
        }
        ok = save(window, prefix + scene + QStringLiteral(".png")) && ok;
        if (scene == QLatin1String("settings"))
            call(window, QStringLiteral("settingsDialog"), "close");
        if (scene == QLatin1String("models"))
            call(window, QStringLiteral("modelPicker"), "close");
        settle(200);
    }
    return ok ? 0 : 1;
}
