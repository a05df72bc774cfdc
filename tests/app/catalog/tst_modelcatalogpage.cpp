// The catalog page in the real app's QML engine, offscreen: it loads without errors, lists the
// catalog, offers Download for missing models and Use for a present one, and Use opens it.
#include "appwindow.h"
#include "modelcatalog.h"
#include "tests/common/quick_items.h"

#include <QDir>
#include <QFile>
#include <QQmlComponent>
#include <QQuickItem>
#include <QQuickWindow>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {

void collectButtons(QQuickItem* item, const QString& text, QList<QQuickItem*>& out)
{
    if (item->isVisible() && item->property("text").toString() == text && item->inherits("QQuickAbstractButton"))
        out.append(item);
    const auto children = item->childItems();
    for (QQuickItem* c : children)
        collectButtons(c, text, out);
}

using causerie::testing::findItem;

QList<QQuickItem*> buttons(QQuickItem* root, const QString& text)
{
    QList<QQuickItem*> out;
    collectButtons(root, text, out);
    return out;
}

}   // namespace

class TestModelCatalogPage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // The models folder becomes ~/.qttest/share/Causerie/models: not the user's.
        QStandardPaths::setTestModeEnabled(true);
    }

    void pageListsTheCatalogAndUseOpensTheModel()
    {
        const QString models = ModelCatalog::defaultModelsDir();
        QVERIFY(models.contains(QLatin1String(".qttest")));
        QVERIFY(QDir(models).removeRecursively());
        QVERIFY(QDir().mkpath(models));
        const QString present = QDir(models).filePath(QStringLiteral("SmolLM2-135M-Instruct.Q4_1.gguf"));
        {
            QFile f(present);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("GGUF but nothing else");   // the engine will refuse it, with a message
        }

        QTemporaryDir data;
        AppWindow app(data.path(), QStringLiteral("en"));
        QVERIFY(app.load());
        QQuickWindow* window = app.window();
        QVERIFY(window);

        QQmlComponent component(&app.engine());
        component.loadUrl(QUrl(QStringLiteral("qrc:/qt/qml/Causerie/Ui/ModelCatalogPage.qml")));
        // In the app the page is declared inside the window; here it is given the window's item.
        std::unique_ptr<QObject> page(component.createWithInitialProperties(
            {{QStringLiteral("parent"), QVariant::fromValue<QObject*>(window->contentItem())}}));
        QVERIFY2(page, qPrintable(component.errorString()));
        QVERIFY(QMetaObject::invokeMethod(page.get(), "open"));
        QTRY_VERIFY_WITH_TIMEOUT(page->property("opened").toBool(), 20000);

        // A popup's items live in the window's overlay, under the window's root item.
        QQuickItem* overlay = window->contentItem();
        QQuickItem* list = findItem(overlay, QStringLiteral("catalogList"));
        QVERIFY(list);
        auto* catalog = app.findChild<ModelCatalog*>();
        QVERIFY(catalog);
        QCOMPARE(list->property("count").toInt(), catalog->rowCount());
        QVERIFY(catalog->rowCount() >= 6);

        QTRY_VERIFY_WITH_TIMEOUT(!buttons(overlay, QStringLiteral("Download")).isEmpty(), 20000);
        const QList<QQuickItem*> use = buttons(overlay, QStringLiteral("Use"));
        QCOMPARE(use.size(), 1);   // only the file put in the folder above

        QCOMPARE(app.controller().model()->state(), LocalModelController::State::None);
        QVERIFY(QMetaObject::invokeMethod(use.first(), "clicked"));
        // The fake file reaches the engine, which reports it as broken (state 3 = failed).
        QTRY_COMPARE_WITH_TIMEOUT(app.controller().model()->state(), LocalModelController::State::Failed, 60000);
        QVERIFY(!app.controller().model()->error().isEmpty());
        QVERIFY(!page->property("opened").toBool());
    }
};

QTEST_MAIN(TestModelCatalogPage)
#include "tst_modelcatalogpage.moc"
