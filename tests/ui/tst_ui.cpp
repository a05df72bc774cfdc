// Runs tests/ui/tst_*.qml against the real AppController (as the app registers it), on a
// temporary data folder with the tiny model loaded, so the views are tested with real models.
#include "appwindow.h"

#include <QEventLoop>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QTimer>
#include <QtQuickTest>

class Setup : public QObject {
    Q_OBJECT
public Q_SLOTS:
    void applicationAvailable()
    {
        m_window = std::make_unique<AppWindow>(m_dir.filePath(QStringLiteral("data")), QStringLiteral("en"));
        m_window->controller().settings()->setTemperature(0.0);
        m_window->controller().settings()->setMaxTokens(8);
        m_window->controller().model()->openPath(QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf"));
        QEventLoop loop;
        QTimer::singleShot(20000, &loop, &QEventLoop::quit);
        connect(&m_window->controller(), &AppController::modelChanged, &loop, [&] {
            if (const auto s = m_window->controller().model()->state();
                s == LocalModelController::State::Ready || s == LocalModelController::State::Failed)
                loop.quit();
        });
        loop.exec();
    }
    void qmlEngineAvailable(QQmlEngine* engine)
    {
        engine->addImportPath(QStringLiteral("qrc:/qt/qml"));
        AppWindow::exposeTo(engine, m_window.get());
    }
    void cleanupTestCase() { m_window.reset(); }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<AppWindow> m_window;
};

QUICK_TEST_MAIN_WITH_SETUP(tst_ui, Setup)
#include "tst_ui.moc"
