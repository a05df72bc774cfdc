// The real window at its default size, in English and in French: no text is cut off ("…")
// unless the view says the cut is intended (elisionIntended on the Text or an ancestor: names
// that come from data, such as a model's or a conversation's), in each scene: a new chat, a
// conversation, the settings, the model menu. And the window grabbed at 100/150/200 % scale
// (QT_SCALE_FACTOR, through causerie-shots) is that many times larger and not blank.
#include "appwindow.h"

#include "tests/common/languages.h"
#include "tests/common/quick_items.h"

#include <QImage>
#include <QProcess>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kShowcase = QStringLiteral(CAUSERIE_SOURCE_DIR "/scripts/screenshots/showcase.json");

bool isText(const QQuickItem* item)
{
    const QMetaObject* m = item->metaObject();
    return m->indexOfProperty("truncated") >= 0 && m->indexOfProperty("elide") >= 0;
}

// "Text 'Rechercher dans les conversat…' (Sidebar > TextField)": what was cut and where.
QString describe(QQuickItem* text)
{
    QStringList path;
    for (QQuickItem* i = text->parentItem(); i && path.size() < 4; i = i->parentItem())
        path.prepend(i->objectName().isEmpty() ? QString::fromLatin1(i->metaObject()->className()).section('_', 0, 0)
                                               : i->objectName());
    return QStringLiteral("'%1' in %2 (%3 px wide)")
        .arg(text->property("text").toString().left(80), path.join(QStringLiteral(" > ")))
        .arg(text->width());
}

// The visible texts under `item` that are cut without the view saying it means it. `inside`:
// the objectName of an ancestor to look under only (empty: everywhere), `outside`: one to skip.
void findCuts(QQuickItem* item, bool intended, const QString& skip, QStringList& cuts)
{
    if (!item->isVisible() || item->opacity() <= 0.0 || (!skip.isEmpty() && item->objectName() == skip))
        return;
    intended = intended || item->property("elisionIntended").toBool();
    if (!intended && isText(item) && item->property("truncated").toBool() &&
        !item->property("text").toString().isEmpty())
        cuts << describe(item);
    const auto children = item->childItems();
    for (QQuickItem* c : children)
        findCuts(c, intended, skip, cuts);
}

// The window's root item: the content and, beside it, the overlay that popups are shown in.
QQuickItem* rootOf(QQuickWindow* window)
{
    QQuickItem* content = window->contentItem();
    return content->parentItem() ? content->parentItem() : content;
}

void settle()
{
    // Bindings, deferred calls and layouts run on the event loop; two frames after them the
    // scene is stable. (A layout pass is not a signal the test can wait for.)
    for (int i = 0; i < 10; ++i)
        QTest::qWait(30);
}

}   // namespace

class TestWindowLook : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QQuickStyle::setStyle(QStringLiteral("Material")); }   // as main.cpp
    void noUnintendedCut_data();
    void noUnintendedCut();
    void sidebarHasNoUnintendedCut_data() { noUnintendedCut_data(); }
    void sidebarHasNoUnintendedCut();
    void cutIsFoundWhenThereIsOne();
    void hidpiGrabs_data();
    void hidpiGrabs();
};

void TestWindowLook::noUnintendedCut_data() { causerie::testing::addLanguageRows(); }

// Everything but the sidebar (below), in each scene.
void TestWindowLook::noUnintendedCut()
{
    QFETCH(QString, lang);
    QTemporaryDir dir;
    AppWindow app(dir.filePath(QStringLiteral("data")), lang);
    QVERIFY(app.load());
    QQuickWindow* window = app.window();
    QCOMPARE(window->size(), QSize(1100, 720));   // the default size (nothing saved yet)
    QVERIFY(QTest::qWaitForWindowExposed(window));
    auto check = [&](const char* scene) {
        settle();
        QStringList cuts;
        findCuts(rootOf(window), false, QStringLiteral("sidebar"), cuts);
        return cuts.isEmpty() ? QString()
                              : QStringLiteral("%1: %2").arg(QLatin1String(scene), cuts.join(QStringLiteral("; ")));
    };

    QString found = check("new chat");
    QVERIFY2(found.isEmpty(), qPrintable(found));

    QVERIFY(app.controller().conversations()->importFile(kShowcase));
    QTRY_VERIFY(app.controller().chat()->conversationId() > 0);
    found = check("conversation");
    QVERIFY2(found.isEmpty(), qPrintable(found));

    QObject* settings = window->findChild<QObject*>(QStringLiteral("settingsDialog"));
    QVERIFY(settings);
    QVERIFY(QMetaObject::invokeMethod(settings, "open"));
    QTRY_VERIFY(settings->property("opened").toBool());
    // Each page of the settings in turn.
    auto* tabs =
        causerie::testing::findItemWhere(rootOf(window), [](QQuickItem* i) { return i->inherits("QQuickTabBar"); });
    QVERIFY(tabs);
    const int pages = tabs->property("count").toInt();
    QVERIFY(pages >= 4);
    for (int p = 0; p < pages; ++p) {
        tabs->setProperty("currentIndex", p);
        found = check("settings");
        QVERIFY2(found.isEmpty(), qPrintable(QStringLiteral("page %1, %2").arg(p).arg(found)));
    }
    QVERIFY(QMetaObject::invokeMethod(settings, "close"));
    QTRY_VERIFY(!settings->property("visible").toBool());

    QObject* picker = window->findChild<QObject*>(QStringLiteral("modelPicker"));
    QVERIFY(picker);
    app.controller().settings()->addRecentModel(QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf"));
    QVERIFY(QMetaObject::invokeMethod(picker, "open"));
    QTRY_VERIFY(picker->property("opened").toBool());
    found = check("model menu");
    QVERIFY2(found.isEmpty(), qPrintable(found));
}

// The sidebar, on its own: its rework (folders, search; issue 17) owns Sidebar.qml and
// ConversationDelegate.qml, where the search field's French placeholder is cut and a
// conversation's title is cut without being marked as intended.
void TestWindowLook::sidebarHasNoUnintendedCut()
{
    QFETCH(QString, lang);
    QTemporaryDir dir;
    AppWindow app(dir.filePath(QStringLiteral("data")), lang);
    QVERIFY(app.load());
    QVERIFY(QTest::qWaitForWindowExposed(app.window()));
    QVERIFY(app.controller().conversations()->importFile(kShowcase));
    settle();
    QQuickItem* sidebar = causerie::testing::findItem(app.window()->contentItem(), QStringLiteral("sidebar"));
    QVERIFY(sidebar);
    QStringList cuts;
    findCuts(sidebar, false, QString(), cuts);
    QVERIFY2(cuts.isEmpty(), qPrintable(cuts.join(QStringLiteral("; "))));
}

// The walk finds a cut: a label of the window made too narrow for its text.
void TestWindowLook::cutIsFoundWhenThereIsOne()
{
    QTemporaryDir dir;
    AppWindow app(dir.filePath(QStringLiteral("data")), QStringLiteral("en"));
    QVERIFY(app.load());
    QVERIFY(QTest::qWaitForWindowExposed(app.window()));
    QQuickItem* hint = causerie::testing::findItem(app.window()->contentItem(), QStringLiteral("emptyStateHint"));
    QVERIFY(hint);
    hint->setProperty("wrapMode", 0);   // Text.NoWrap
    hint->setProperty("elide", 2);      // Text.ElideRight
    hint->setProperty("width", 60);
    settle();
    QStringList cuts;
    findCuts(app.window()->contentItem(), false, QStringLiteral("sidebar"), cuts);
    QCOMPARE(cuts.size(), 1);
    QVERIFY2(cuts.constFirst().contains(QLatin1String("Open a model file")), qPrintable(cuts.constFirst()));
    hint->setProperty("elisionIntended", true);   // a dynamic property: the mark is honoured
    cuts.clear();
    findCuts(app.window()->contentItem(), false, QStringLiteral("sidebar"), cuts);
    QVERIFY(cuts.isEmpty());
}

void TestWindowLook::hidpiGrabs_data()
{
    QTest::addColumn<QString>("scale");
    QTest::addColumn<QSize>("size");
    QTest::newRow("100%") << QStringLiteral("1") << QSize(1100, 720);
    QTest::newRow("150%") << QStringLiteral("1.5") << QSize(1650, 1080);
    QTest::newRow("200%") << QStringLiteral("2") << QSize(2200, 1440);
}

// The scale factor is read when the application starts: each scale is its own process.
void TestWindowLook::hidpiGrabs()
{
    QFETCH(QString, scale);
    QFETCH(QSize, size);
    QTemporaryDir dir;
    QProcess shots;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("QT_SCALE_FACTOR"), scale);
    shots.setProcessEnvironment(env);
    shots.start(QStringLiteral(CAUSERIE_SHOTS),
                {QStringLiteral("--lang"), QStringLiteral("en"), QStringLiteral("--theme"), QStringLiteral("light"),
                 QStringLiteral("--out"), dir.path(), QStringLiteral("--import"), kShowcase, QStringLiteral("--scenes"),
                 QStringLiteral("conversation")});
    QVERIFY(shots.waitForFinished(120000));
    QVERIFY2(shots.exitCode() == 0, shots.readAllStandardError().constData());
    QImage image(dir.filePath(QStringLiteral("en-light-conversation.png")));
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), size);
    QCOMPARE(image.devicePixelRatio(), 1.0);   // as saved: real pixels
    // Not blank: the conversation's text and code draw many distinct colours (antialiased
    // glyphs, syntax colours); a blank or one-colour grab has one or two.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3)
            colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size())));
}

QTEST_MAIN(TestWindowLook)
#include "tst_window_look.moc"
