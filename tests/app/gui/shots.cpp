// causerie-shots: the real window offscreen, in one language and one theme, saved as PNG for
// each scene (scripts/screenshots.sh runs it for EN/FR × light/dark). The conversations to show are
// imported from JSON exports first (--import, repeated; a file's "folder" puts it in that folder;
// the last one imported is the one opened), so the pictures need no model.
//
//   causerie-shots --lang en|fr --theme light|dark --out DIR [--import FILE]... [--model FILE.gguf]
//                  [--scenes a,b,...]
//   scenes: empty, conversation, sidebar (the conversation's sidebar, cropped), settings, models
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

// The window, or only the part `crop` covers (in item coordinates; scaled to the grab's pixels).
bool save(QQuickWindow* window, const QString& path, QQuickItem* crop = nullptr)
{
    QImage image = window->grabWindow();
    if (crop) {
        const qreal scale = qreal(image.width()) / window->width();
        const QRectF r = crop->mapRectToScene(QRectF(0, 0, crop->width(), crop->height()));
        image = image.copy(QRectF(r.topLeft() * scale, r.size() * scale).toRect());
    }
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
    const QCommandLineOption importOpt(QStringLiteral("import"), QStringLiteral("a JSON export to show (repeatable)"),
                                       QStringLiteral("file"));
    const QCommandLineOption scenesOpt(QStringLiteral("scenes"), QStringLiteral("comma-separated scenes"),
                                       QStringLiteral("list"),
                                       QStringLiteral("empty,conversation,sidebar,settings,models"));
    const QCommandLineOption modelOpt(QStringLiteral("model"), QStringLiteral("a .gguf model to open first"),
                                      QStringLiteral("file"));
    parser.addOptions({langOpt, themeOpt, outOpt, importOpt, modelOpt, scenesOpt});
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
    if (parser.isSet(modelOpt)) {
        LocalModelController* model = app.controller().model();
        model->openPath(parser.value(modelOpt));
        QElapsedTimer t;
        t.start();
        while (model->state() != LocalModelController::State::Ready &&
               model->state() != LocalModelController::State::Failed && t.elapsed() < 60000)
            QTest::qWait(50);
        if (model->state() != LocalModelController::State::Ready) {
            std::fprintf(stderr, "causerie-shots: the model did not open\n");
            return 1;
        }
    }
    settle();

    const QString prefix = out + QLatin1Char('/') + lang + QLatin1Char('-') + theme + QLatin1Char('-');
    const QStringList scenes = parser.value(scenesOpt).split(QLatin1Char(','), Qt::SkipEmptyParts);
    bool ok = true;
    for (const QString& scene : scenes) {
        if (scene == QLatin1String("empty")) {
            app.controller().newChat();
            settle();
        } else if (scene == QLatin1String("conversation") || scene == QLatin1String("sidebar")) {
            if (app.controller().chat()->conversationId() <= 0) {
                const QStringList files = parser.values(importOpt);
                for (const QString& file : files) {
                    if (!app.controller().conversations()->importFile(file)) {
                        std::fprintf(stderr, "causerie-shots: could not import %s\n", qPrintable(file));
                        return 1;
                    }
                }
            }
            settle(800);
        } else if (scene == QLatin1String("settings")) {
            ok = call(window, QStringLiteral("settingsDialog"), "open") && ok;
            settle(900);   // past the dialog's fade-in
        } else if (scene == QLatin1String("models")) {
            ok = call(window, QStringLiteral("modelPicker"), "open") && ok;
            settle(900);
        } else {
            std::fprintf(stderr, "causerie-shots: unknown scene %s\n", qPrintable(scene));
            return 2;
        }
        QQuickItem* crop = scene == QLatin1String("sidebar")
                               ? causerie::testing::findItem(window->contentItem(), QStringLiteral("sidebar"))
                               : nullptr;
        ok = save(window, prefix + scene + QStringLiteral(".png"), crop) && ok;
        if (scene == QLatin1String("settings"))
            call(window, QStringLiteral("settingsDialog"), "close");
        if (scene == QLatin1String("models"))
            call(window, QStringLiteral("modelPicker"), "close");
        settle(200);
    }
    return ok ? 0 : 1;
}
