#include "appwindow.h"

#include "mathfonts.h"
#include "mathimage.h"
#include "modelcatalog.h"

#include <QGuiApplication>
#include <QLocale>
#include <QQuickWindow>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(Causerie_AppPlugin)
Q_IMPORT_QML_PLUGIN(Causerie_UiPlugin)

namespace {

// The singletons are looked up per QML engine, so two AppWindows in one process (the end-to-end
// test's restart) each see their own controller.
QHash<QQmlEngine*, AppWindow*>& windows()
{
    static QHash<QQmlEngine*, AppWindow*> map;
    return map;
}

}   // namespace

AppWindow* AppWindow::forEngine(QQmlEngine* engine) { return windows().value(engine); }

void AppWindow::exposeTo(QQmlEngine* engine, AppWindow* window)
{
    windows().insert(engine, window);
    engine->setNetworkAccessManagerFactory(&window->m_networkGuard);
    if (!engine->imageProvider(QStringLiteral("math")))
        engine->addImageProvider(QStringLiteral("math"), new math::MathImageProvider);   // owned by the engine
}

AppWindow::AppWindow(const QString& dataDir, const QString& lang, QObject* parent)
    : QObject(parent)
    , m_controller(dataDir)
    , m_languageFixed(!lang.isEmpty())
{
    windows().insert(&m_engine, this);
    // Before anything is loaded: the engine makes its managers on first use, from this factory.
    m_engine.setNetworkAccessManagerFactory(&m_networkGuard);
    // Formulas in answers (image://math/…): painted here, nothing fetched.
    m_engine.addImageProvider(QStringLiteral("math"), new math::MathImageProvider);
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
    if (m_engine.rootObjects().isEmpty())
        return false;
    // The formulas' fonts, one per turn of the event loop while the window opens (~1 ms each):
    // the first formula shown no longer loads all 15 at once on the GUI thread (12-20 ms).
    auto* fonts = new QTimer(this);
    connect(fonts, &QTimer::timeout, this, [fonts] {
        if (!math::MathFonts::instance().loadStep())
            fonts->deleteLater();
    });
    fonts->start(0);
    return true;
}

QQuickWindow* AppWindow::window() const
{
    return m_engine.rootObjects().isEmpty() ? nullptr
                                            : qobject_cast<QQuickWindow*>(m_engine.rootObjects().constFirst());
}
