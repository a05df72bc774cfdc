#include "appwindow.h"

#include "conversationoptions.h"
#include "markdownsegments.h"
#include "modelcatalog.h"

#include <QGuiApplication>
#include <QLocale>
#include <QQuickWindow>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(Causerie_UiPlugin)

namespace {

// The singletons are looked up per QML engine, so two AppWindows in one process (the end-to-end
// test's restart) each see their own controller.
QHash<QQmlEngine*, AppWindow*>& windows()
{
    static QHash<QQmlEngine*, AppWindow*> map;
    return map;
}

void registerTypes()
{
    static bool done = false;
    if (done)
        return;
    done = true;
    qmlRegisterUncreatableType<ChatController>("Causerie.App", 1, 0, "ChatController", QStringLiteral("from App"));
    qmlRegisterUncreatableType<AppSettings>("Causerie.App", 1, 0, "AppSettings", QStringLiteral("from App"));
    qmlRegisterUncreatableType<KvCacheController>("Causerie.App", 1, 0, "KvCacheController",
                                                  QStringLiteral("from App"));
    qmlRegisterUncreatableType<ConversationOptions>("Causerie.App", 1, 0, "ConversationOptions",
                                                    QStringLiteral("from App"));
    qmlRegisterType<MessageSegmentModel>("Causerie.App", 1, 0, "MessageSegmentModel");
    // The model catalog page's list: one per AppWindow, created as its child in the constructor.
    qmlRegisterSingletonType<ModelCatalog>("Causerie.App", 1, 0, "ModelCatalog",
                                           [](QQmlEngine* engine, QJSEngine*) -> QObject* {
                                               QObject* o = windows().value(engine)->findChild<ModelCatalog*>();
                                               QJSEngine::setObjectOwnership(o, QJSEngine::CppOwnership);
                                               return o;
                                           });
    qmlRegisterSingletonType<AppController>("Causerie.App", 1, 0, "App",
                                            [](QQmlEngine* engine, QJSEngine*) -> QObject* {
                                                QObject* o = &windows().value(engine)->controller();
                                                QJSEngine::setObjectOwnership(o, QJSEngine::CppOwnership);
                                                return o;
                                            });
    qmlRegisterSingletonType<CodeHighlighter>("Causerie.App", 1, 0, "CodeHighlighter",
                                              [](QQmlEngine* engine, QJSEngine*) -> QObject* {
                                                  QObject* o = windows().value(engine)->highlighter();
                                                  QJSEngine::setObjectOwnership(o, QJSEngine::CppOwnership);
                                                  return o;
                                              });
    qmlRegisterSingletonType<LinkOpener>("Causerie.App", 1, 0, "Links", [](QQmlEngine* engine, QJSEngine*) -> QObject* {
        QObject* o = windows().value(engine)->linkOpener();
        QJSEngine::setObjectOwnership(o, QJSEngine::CppOwnership);
        return o;
    });
}

}   // namespace

void AppWindow::exposeTo(QQmlEngine* engine, AppWindow* window)
{
    registerTypes();
    windows().insert(engine, window);
    engine->setNetworkAccessManagerFactory(&window->m_networkGuard);
}

AppWindow::AppWindow(const QString& dataDir, const QString& lang, QObject* parent)
    : QObject(parent)
    , m_controller(dataDir)
    , m_languageFixed(!lang.isEmpty())
{
    registerTypes();
    windows().insert(&m_engine, this);
    // Before anything is loaded: the engine makes its managers on first use, from this factory.
    m_engine.setNetworkAccessManagerFactory(&m_networkGuard);
    new ModelCatalog(this);

    applyLanguage(m_languageFixed ? lang : m_controller.settings()->language());
    connect(m_controller.settings(), &AppSettings::changed, this, [this] {
        if (!m_languageFixed && m_controller.settings()->language() != m_language)
            applyLanguage(m_controller.settings()->language());
    });
    connect(qApp, &QCoreApplication::aboutToQuit, &m_controller, &AppController::shutdown);
}

AppWindow::~AppWindow()
{
    windows().remove(&m_engine);
    m_controller.shutdown();
    qApp->removeTranslator(&m_translator);
}

void AppWindow::applyLanguage(const QString& code)
{
    m_language = code;
    qApp->removeTranslator(&m_translator);
    const QLocale locale = code.isEmpty() ? QLocale::system() : QLocale(code);
    if (m_translator.load(locale, QStringLiteral("causerie"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        qApp->installTranslator(&m_translator);
    m_engine.retranslate();
}

bool AppWindow::load()
{
    m_engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Causerie/Ui/Main.qml")));
    return !m_engine.rootObjects().isEmpty();
}

QQuickWindow* AppWindow::window() const
{
    return m_engine.rootObjects().isEmpty() ? nullptr
                                            : qobject_cast<QQuickWindow*>(m_engine.rootObjects().constFirst());
}
