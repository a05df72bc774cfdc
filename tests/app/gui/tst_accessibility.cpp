// The main window as a screen reader sees it (offscreen, the real QML, the tiny model and a
// conversation with an answer): the accessibility tree walked from the window through
// QAccessibleInterface::child(), failing on any interactive item (button, check box, text
// field, list item, menu item...) without a name. Also: Tab goes sidebar -> conversation ->
// composer, and a finished answer reaches the live region.
#include "appwindow.h"
#include "tests/common/quick_items.h"

#include <QAccessible>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");

bool isInteractive(QAccessible::Role role)
{
    switch (role) {
    case QAccessible::Button:
    case QAccessible::CheckBox:
    case QAccessible::RadioButton:
    case QAccessible::ComboBox:
    case QAccessible::EditableText:
    case QAccessible::SpinBox:
    case QAccessible::Slider:
    case QAccessible::ListItem:
    case QAccessible::MenuItem:
    case QAccessible::PageTab:
    case QAccessible::Link:
    case QAccessible::ButtonMenu:
    case QAccessible::ButtonDropDown:
    case QAccessible::List: return true;
    default: return false;
    }
}

// "Button 'Copy' <- ListItem '' <- ..." : where an interface is, for the failure message.
QString describe(QAccessibleInterface* iface)
{
    QStringList path;
    for (QAccessibleInterface* i = iface; i && path.size() < 6; i = i->parent()) {
        QString name = i->text(QAccessible::Name);
        QString what = QString::number(i->role(), 16);
        if (QObject* o = i->object()) {
            what = QString::fromLatin1(o->metaObject()->className());
            if (!o->objectName().isEmpty())
                what += QLatin1Char('#') + o->objectName();
        }
        path << QStringLiteral("%1 \"%2\"").arg(what, name.left(30));
    }
    return path.join(QStringLiteral(" <- "));
}

void walk(QAccessibleInterface* iface, QStringList& unnamed, int& interactive, int depth = 0)
{
    if (!iface || !iface->isValid() || depth > 80)
        return;
    const QAccessible::State state = iface->state();
    if (state.invisible || state.offscreen)
        return;   // not shown: a screen reader does not reach it either
    if (isInteractive(iface->role())) {
        ++interactive;
        if (qEnvironmentVariableIsSet("CAUSERIE_A11Y_DUMP"))
            qInfo().noquote() << describe(iface);
        if (iface->text(QAccessible::Name).trimmed().isEmpty())
            unnamed << describe(iface);
    }
    for (int i = 0; i < iface->childCount(); ++i)
        walk(iface->child(i), unnamed, interactive, depth + 1);
}

}   // namespace

class TestAccessibility : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyInteractiveItemHasAName()
    {
        QTemporaryDir dir;
        AppWindow app(dir.filePath(QStringLiteral("data")), QStringLiteral("en"));
        app.controller().settings()->setTemperature(0.0);
        app.controller().settings()->setMaxTokens(8);
        QVERIFY(app.load());
        QQuickWindow* window = app.window();
        QVERIFY(window);
        QVERIFY(QTest::qWaitForWindowExposed(window));
        app.controller().model()->openPath(kTiny);
        QTRY_COMPARE_WITH_TIMEOUT(app.controller().model()->state(), LocalModelController::State::Ready, 20000);
        // A folder, and a conversation with an answer: the sidebar rows and the message actions.
        QVERIFY(app.controller().conversations()->createFolder(QStringLiteral("Work")) > 0);
        QVERIFY(app.controller().chat()->send(QStringLiteral("Hello")));
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller().chat()->generating(), 30000);
        QTRY_VERIFY(causerie::testing::findItem(window->contentItem(), QStringLiteral("readAloudButton")));

        QAccessibleInterface* root = QAccessible::queryAccessibleInterface(window);
        QVERIFY(root);
        // The finished answer reached the live region, as its accessible name.
        auto* live = causerie::testing::findItem(window->contentItem(), QStringLiteral("liveRegion"));
        QVERIFY(live);
        QAccessibleInterface* liveIface = QAccessible::queryAccessibleInterface(live);
        QVERIFY(liveIface);
        QCOMPARE(liveIface->role(), QAccessible::AlertMessage);
        QTRY_VERIFY2(liveIface->text(QAccessible::Name).endsWith(QLatin1String("End of answer.")),
                     qPrintable(liveIface->text(QAccessible::Name)));
        QStringList unnamed;
        int interactive = 0;
        walk(root, unnamed, interactive);
        QVERIFY2(interactive > 10, qPrintable(QStringLiteral("only %1 interactive items found").arg(interactive)));
        QVERIFY2(unnamed.isEmpty(), qPrintable(QStringLiteral("%1 unnamed interactive item(s):\n  %2")
                                                   .arg(unnamed.size())
                                                   .arg(unnamed.join(QStringLiteral("\n  ")))));

        // Read aloud: speaks, or (no speech-dispatcher, as on this machine) says why not, at once.
        auto* readAloud = causerie::testing::findItem(window->contentItem(), QStringLiteral("readAloudButton"));
        QVERIFY(readAloud);
        QAccessibleInterface* readIface = QAccessible::queryAccessibleInterface(readAloud);
        QVERIFY(readIface);
        QVERIFY(QMetaObject::invokeMethod(readAloud, "clicked"));   // the button's own handler runs
        ReadAloud* speech = app.controller().readAloud();
        QTRY_VERIFY_WITH_TIMEOUT(speech->state() != ReadAloud::Idle && speech->state() != ReadAloud::Starting,
                                 ReadAloud::kStartTimeoutMs + 2000);
        if (speech->state() == ReadAloud::Unavailable) {
            QCOMPARE(readIface->text(QAccessible::Name), speech->unavailableReason());
            QVERIFY(!speech->unavailableReason().isEmpty());
        } else {
            QCOMPARE(readIface->text(QAccessible::Name), QStringLiteral("Stop reading"));
            speech->stop();
        }

        // Tab from the top of the sidebar: the sidebar's controls, then the conversation's, then
        // the composer's (and round again).
        auto* start = causerie::testing::findItem(window->contentItem(), QStringLiteral("newChatButton"));
        QVERIFY(start);
        start->forceActiveFocus(Qt::TabFocusReason);
        QStringList order;
        for (int i = 0; i < 40 && (order.isEmpty() || order.count(order.first()) < 2); ++i) {
            QQuickItem* f = window->activeFocusItem();
            QString name = f ? f->objectName() : QString();
            QAccessibleInterface* fi = f ? QAccessible::queryAccessibleInterface(f) : nullptr;
            if (name.isEmpty() && fi)
                name = fi->text(QAccessible::Name);
            order << name;
            QTest::keyClick(window, Qt::Key_Tab);
        }
        if (qEnvironmentVariableIsSet("CAUSERIE_A11Y_DUMP"))
            qInfo() << "tab order" << order;
        const auto at = [&](const char* name) { return order.indexOf(QLatin1String(name)); };
        QVERIFY2(at("searchField") > at("newChatButton"), qPrintable(order.join(u',')));
        QVERIFY2(at("conversationList") > at("searchField"), qPrintable(order.join(u',')));
        QVERIFY2(at("composerInput") > at("conversationList"), qPrintable(order.join(u',')));
        // Tab leaves the composer: the next item is another one (no keyboard trap).
        QVERIFY2(at("composerInput") + 1 < order.size() &&
                     order.at(at("composerInput") + 1) != QLatin1String("composerInput"),
                 qPrintable(order.join(u',')));
        // The user's message shows no actions (not hovered, not the latest answer) and has not
        // made them: Tab still reaches them, between the top bar and the composer.
        QVERIFY2(at("editMessageButton") > at("conversationList") && at("editMessageButton") < at("composerInput"),
                 qPrintable(order.join(u',')));
        QVERIFY2(at("regenerateButton") > at("editMessageButton") && at("regenerateButton") < at("composerInput"),
                 qPrintable(order.join(u',')));
        QVERIFY2(at("messageList") < 0 ||
                     (at("messageList") > at("conversationList") && at("messageList") < at("composerInput")),
                 qPrintable(order.join(u',')));

        // The dialogs, each open in turn (every page of the settings).
        for (const char* name : {"settingsDialog", "modelDialog"}) {
            auto* dialog = app.window()->findChild<QObject*>(QLatin1String(name));
            QVERIFY2(dialog, name);
            QVERIFY(QMetaObject::invokeMethod(dialog, "open"));
            QTRY_VERIFY(dialog->property("opened").toBool());
            QList<QObject*> bars;
            for (QObject* o : dialog->findChildren<QObject*>())
                if (o->inherits("QQuickTabBar"))
                    bars << o;
            const int pages = bars.isEmpty() ? 1 : bars.first()->property("count").toInt();
            for (int page = 0; page < pages; ++page) {
                if (!bars.isEmpty())
                    bars.first()->setProperty("currentIndex", page);
                QTest::qWait(0);   // let the page be laid out (no clock: one event loop turn)
                unnamed.clear();
                walk(root, unnamed, interactive);
                QVERIFY2(unnamed.isEmpty(), qPrintable(QStringLiteral("%1, page %2: %3 unnamed:\n  %4")
                                                           .arg(QLatin1String(name))
                                                           .arg(page)
                                                           .arg(unnamed.size())
                                                           .arg(unnamed.join(QStringLiteral("\n  ")))));
            }
            QVERIFY(QMetaObject::invokeMethod(dialog, "close"));
            QTRY_VERIFY(!dialog->property("visible").toBool());
        }
    }
};

QTEST_MAIN(TestAccessibility)
#include "tst_accessibility.moc"
