// The desktop app's entry point: command line, translations, QML engine. Everything else lives
// in libraries that tests link.
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QSocketNotifier>
#include <QStandardPaths>
#include <QTranslator>
#include <QtQml/qqmlextensionplugin.h>

#include <csignal>
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

} // namespace

int main(int argc, char** argv)
{
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("Causerie"));
    QGuiApplication::setOrganizationName(QStringLiteral("Causerie"));
    QGuiApplication::setApplicationVersion(QStringLiteral(CAUSERIE_VERSION));

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
    parser.addOptions({dataDirOption, modelOption, langOption});
    parser.process(app);

    QTranslator translator;
    const QString lang = parser.isSet(langOption) ? parser.value(langOption) : QLocale::system().name();
    if (translator.load(QLocale(lang), QStringLiteral("causerie"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        app.installTranslator(&translator);

    QString dataDir = parser.value(dataDirOption);
    if (dataDir.isEmpty())
        dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dataDir);

    installQuitOnSignal(app);

    QQmlApplicationEngine engine;
    engine.setInitialProperties({
        {QStringLiteral("dataDir"), QDir::toNativeSeparators(QFileInfo(dataDir).absoluteFilePath())},
        {QStringLiteral("modelPath"), parser.value(modelOption)},
    });
    QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app,
                     [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Causerie/Ui/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    return app.exec();
}
