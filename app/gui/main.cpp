// The desktop app's entry point: command line, single instance, signals. The app itself is
// AppWindow (a library the end-to-end test uses too).
#include "appwindow.h"
#include "database.h"
#include "instanceguard.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSocketNotifier>
#include <QStandardPaths>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

int g_signalFd[2] = {-1, -1};

// SIGTERM/SIGINT (logout, Ctrl+C) quit through the event loop, so everything is saved and
// closed as on a normal quit. The handler only writes a byte: it is async-signal-safe.
void installQuitOnSignal(QGuiApplication& app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFd) != 0)
        return;
    auto* notifier = new QSocketNotifier(g_signalFd[1], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [notifier] {
        notifier->setEnabled(false);
        char c;
        [[maybe_unused]] auto n = ::read(g_signalFd[1], &c, 1);
        QGuiApplication::quit();
    });
    struct sigaction sa = {};
    sa.sa_handler = [](int) {
        char c = 1;
        [[maybe_unused]] auto n = ::write(g_signalFd[0], &c, 1);
    };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
}

}   // namespace

int main(int argc, char** argv)
{
    // Whatever this process creates (conversations, settings, logs, the files SQLite adds next to
    // the database) is the user's alone. The store enforces it too (tests open it without main).
    ::umask(077);
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("Causerie"));
    QGuiApplication::setOrganizationName(QStringLiteral("Causerie"));
    QGuiApplication::setApplicationVersion(QStringLiteral(CAUSERIE_VERSION));
    QQuickStyle::setStyle(QStringLiteral("Material"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "A chat client for local and remote language models"));
    parser.addHelpOption();
    parser.addVersionOption();
    // An option taking a value; its help in the interface's language (context "main").
    const auto valueOption = [](const char* name, const char* help, const char* valueName) {
        return QCommandLineOption(QString::fromLatin1(name), QCoreApplication::translate("main", help),
                                  QString::fromLatin1(valueName));
    };
    const QCommandLineOption dataDirOption =
        valueOption("data-dir", QT_TRANSLATE_NOOP("main", "Keep conversations and settings in <dir>."), "dir");
    const QCommandLineOption modelOption =
        valueOption("model", QT_TRANSLATE_NOOP("main", "Open the model <file.gguf>."), "file.gguf");
    const QCommandLineOption langOption =
        valueOption("lang", QT_TRANSLATE_NOOP("main", "Interface language (en, fr)."), "code");
    const QCommandLineOption importOption = valueOption(
        "import", QT_TRANSLATE_NOOP("main", "Import the conversation <file.json> (as exported) and open it."),
        "file.json");
    const QCommandLineOption themeOption =
        valueOption("theme", QT_TRANSLATE_NOOP("main", "Use the light or dark theme this time."), "light|dark");
    const QCommandLineOption screenshotOption = valueOption(
        "screenshot", QT_TRANSLATE_NOOP("main", "Save a picture of the window to <file.png> and quit."), "file.png");
    parser.addOptions({dataDirOption, modelOption, langOption, importOption, themeOption, screenshotOption});
    parser.process(app);

    QString dataDir = parser.value(dataDirOption);
    if (dataDir.isEmpty())
        dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    dataDir = QFileInfo(dataDir).absoluteFilePath();
    // Created 0700, or tightened if an older version (or another umask) left it open to others.
    if (auto made = causerie::storage::makePrivateFolder(dataDir); !made) {
        std::fprintf(stderr, "error: %s\n", qPrintable(made.errorString()));
        return 1;
    }

    // One instance per data folder: a second one raises the first window and leaves.
    causerie::storage::InstanceGuard guard(dataDir);
    switch (guard.acquire()) {
    case causerie::storage::InstanceGuard::Role::Secondary:
        if (guard.requestRaise())
            return 0;
        std::fprintf(stderr, "error: Causerie is already running with the data folder %s\n", qPrintable(dataDir));
        return 1;
    case causerie::storage::InstanceGuard::Role::Failed:
        std::fprintf(stderr, "error: %s\n", qPrintable(guard.errorString()));
        return 1;
    case causerie::storage::InstanceGuard::Role::Primary: break;
    }
    installQuitOnSignal(app);

    AppWindow ui(dataDir, parser.value(langOption));
    AppController& controller = ui.controller();
    if (parser.isSet(themeOption))
        controller.settings()->setTheme(parser.value(themeOption));
    if (parser.isSet(importOption) &&
        (!controller.conversations() || !controller.conversations()->importFile(parser.value(importOption)))) {
        std::fprintf(stderr, "error: could not import %s\n", qPrintable(parser.value(importOption)));
        return 1;
    }
    if (!ui.load())
        return 1;
    QQuickWindow* window = ui.window();
    QObject::connect(&guard, &causerie::storage::InstanceGuard::raiseRequested, window, [window] {
        window->show();
        window->raise();
        window->requestActivate();
    });

    // The model to start with: the one asked for, else the last one used, else the default
    // model that scripts/fetch-default-model.sh puts in the user's model folder (not when the
    // last start died opening a model: the window says so instead).
    const QString defaultModel = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                                 QStringLiteral("/Causerie/models/SmolLM2-135M-Instruct.Q4_1.gguf");
    controller.model()->openStartup(parser.value(modelOption), defaultModel);

    if (parser.isSet(screenshotOption) && window) {
        const QString file = parser.value(screenshotOption);
        // Give the model and the conversation a moment to appear, then take the picture.
        QTimer::singleShot(2500, window, [window, file] {
            const bool ok = window->grabWindow().save(file);
            if (!ok)
                std::fprintf(stderr, "error: could not write %s\n", qPrintable(file));
            QCoreApplication::exit(ok ? 0 : 1);
        });
    }
    return app.exec();
}
