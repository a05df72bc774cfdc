// The desktop app's entry point: command line, single instance, translations, QML engine.
// Everything else lives in libraries that tests link.
#include "appcontroller.h"
#include "codehighlighter.h"
#include "instanceguard.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLocale>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSocketNotifier>
#include <QStandardPaths>
#include <QTimer>
#include <QTranslator>
#include <QtQml/qqmlextensionplugin.h>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

Q_IMPORT_QML_PLUGIN(Causerie_UiPlugin)

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

// Loads the interface language (empty = the system's) and retranslates a running UI.
class Language : public QObject
{
public:
    Language(QGuiApplication& app, QQmlApplicationEngine& engine)
        : m_app(app), m_engine(engine)
    {
    }
    void apply(const QString& code)
    {
        m_app.removeTranslator(&m_translator);
        const QLocale locale = code.isEmpty() ? QLocale::system() : QLocale(code);
        if (m_translator.load(locale, QStringLiteral("causerie"), QStringLiteral("_"), QStringLiteral(":/i18n")))
            m_app.installTranslator(&m_translator);
        m_engine.retranslate();
    }

private:
    QGuiApplication& m_app;
    QQmlApplicationEngine& m_engine;
    QTranslator m_translator;
};

} // namespace

int main(int argc, char** argv)
{
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("Causerie"));
    QGuiApplication::setOrganizationName(QStringLiteral("Causerie"));
    QGuiApplication::setApplicationVersion(QStringLiteral(CAUSERIE_VERSION));
    QQuickStyle::setStyle(QStringLiteral("Material"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("main", "A chat client for local and remote language models"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption dataDirOption(QStringLiteral("data-dir"),
                                           QCoreApplication::translate("main", "Keep conversations and settings in <dir>."),
                                           QStringLiteral("dir"));
    const QCommandLineOption modelOption(QStringLiteral("model"),
                                         QCoreApplication::translate("main", "Open the model <file.gguf>."),
                                         QStringLiteral("file.gguf"));
    const QCommandLineOption langOption(QStringLiteral("lang"),
                                        QCoreApplication::translate("main", "Interface language (en, fr)."),
                                        QStringLiteral("code"));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
                                              QCoreApplication::translate("main", "Save a picture of the window to <file.png> and quit."),
                                              QStringLiteral("file.png"));
    parser.addOptions({dataDirOption, modelOption, langOption, screenshotOption});
    parser.process(app);

    QString dataDir = parser.value(dataDirOption);
    if (dataDir.isEmpty())
        dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    dataDir = QFileInfo(dataDir).absoluteFilePath();
    if (!QDir().mkpath(dataDir)) {
        std::fprintf(stderr, "error: cannot create the data folder %s\n", qPrintable(dataDir));
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
    case causerie::storage::InstanceGuard::Role::Primary:
        break;
    }

    installQuitOnSignal(app);

    AppController controller(dataDir);
    CodeHighlighter highlighter;
    qmlRegisterSingletonInstance("Causerie.App", 1, 0, "App", &controller);
    qmlRegisterSingletonInstance("Causerie.App", 1, 0, "CodeHighlighter", &highlighter);
    qmlRegisterUncreatableType<ChatController>("Causerie.App", 1, 0, "ChatController", QStringLiteral("from App"));
    qmlRegisterUncreatableType<AppSettings>("Causerie.App", 1, 0, "AppSettings", QStringLiteral("from App"));

    QQmlApplicationEngine engine;
    Language language(app, engine);
    language.apply(parser.isSet(langOption) ? parser.value(langOption) : controller.settings()->language());
    if (!parser.isSet(langOption))
        QObject::connect(controller.settings(), &AppSettings::changed, &app, [&] {
            static QString current = controller.settings()->language();
            if (controller.settings()->language() != current) {
                current = controller.settings()->language();
                language.apply(current);
            }
        });

    QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app,
                     [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    QObject::connect(&app, &QCoreApplication::aboutToQuit, &controller, &AppController::shutdown);
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Causerie/Ui/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().constFirst());
    QObject::connect(&guard, &causerie::storage::InstanceGuard::raiseRequested, window, [window] {
        window->show();
        window->raise();
        window->requestActivate();
    });

    if (parser.isSet(modelOption))
        controller.openModelPath(parser.value(modelOption));
    else if (!controller.settings()->recentModels().isEmpty() &&
             QFileInfo::exists(controller.settings()->recentModels().constFirst()))
        controller.openModelPath(controller.settings()->recentModels().constFirst());

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
