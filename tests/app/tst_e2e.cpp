// End to end, in one process with the real QML window offscreen: open the tiny model, type a
// question in the composer and press Enter, wait for the answer, close everything, start again
// on the same data folder and find the conversation with its answer.
#include "appwindow.h"

#include "conversationlistmodel.h"
#include "messagelistmodel.h"

#include <QAbstractItemModel>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using causerie::storage::ConversationListModel;
using causerie::storage::MessageListModel;

namespace {

const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");

// Whether the chat view has a message delegate showing exactly `content` (delegates appear after
// a polish, hence the QTRY below).
// Visual children: a ListView's delegates are not QObject children of the window.
bool itemShows(QQuickItem* item, const QString& content)
{
    if (item->property("author").toString() == QLatin1String("assistant") &&
        item->property("content").toString() == content)
        return true;
    const auto children = item->childItems();
    return std::any_of(children.begin(), children.end(), [&](QQuickItem* c) { return itemShows(c, content); });
}

bool windowShows(QQuickWindow* window, const QString& content)
{
    return itemShows(window->contentItem(), content);
}

QString cell(QAbstractItemModel* m, int row, int role)
{
    return m->data(m->index(row, 0), role).toString();
}

} // namespace

class TestEndToEnd : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void chatSurvivesRestart();
};

void TestEndToEnd::chatSurvivesRestart()
{
    QTemporaryDir dir;
    const QString dataDir = dir.filePath(QStringLiteral("data"));
    QString answer;
    {
        AppWindow app(dataDir, QStringLiteral("en"));
        app.controller().settings()->setTemperature(0.0);
        app.controller().settings()->setMaxTokens(24);
        QVERIFY(app.load());
        QQuickWindow* window = app.window();
        QVERIFY(window);
        QSignalSpy loaded(&app.controller(), &AppController::modelChanged);
        app.controller().openModelPath(kTiny);
        QTRY_COMPARE_WITH_TIMEOUT(app.controller().modelState(), 2, 20000);
        QTRY_VERIFY(app.controller().backendReady());

        auto* input = window->findChild<QQuickItem*>(QStringLiteral("composerInput"));
        QVERIFY(input);
        input->forceActiveFocus();
        QVERIFY(input->hasActiveFocus());
        // QTest::keyClicks() takes widgets only; type the question key by key into the window.
        for (const char c : QByteArrayLiteral("What is the capital of France?"))
            if (c)
                QTest::keyClick(window, c);
        QCOMPARE(input->property("text").toString(), QStringLiteral("What is the capital of France?"));
        QTest::keyClick(window, Qt::Key_Return);

        ChatController* chat = app.controller().chat();
        QTRY_VERIFY_WITH_TIMEOUT(chat->conversationId() > 0, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!chat->generating(), 30000);
        QCOMPARE(input->property("text").toString(), QString());   // sent, so cleared

        auto* messages = qobject_cast<QAbstractItemModel*>(app.controller().messages());
        QCOMPARE(messages->rowCount(), 2);
        QCOMPARE(cell(messages, 0, MessageListModel::ContentRole), QStringLiteral("What is the capital of France?"));
        QCOMPARE(cell(messages, 1, MessageListModel::StatusRole), QStringLiteral("done"));
        answer = cell(messages, 1, MessageListModel::ContentRole);
        QVERIFY(!answer.isEmpty());
        // The window shows it: the chat view has the answer's delegate.
        QTRY_VERIFY_WITH_TIMEOUT(windowShows(window, answer), 5000);
    }
    {
        AppWindow app(dataDir, QStringLiteral("en"));
        QVERIFY(app.load());
        auto* conversations = qobject_cast<QAbstractItemModel*>(app.controller().conversations());
        QCOMPARE(conversations->rowCount(), 1);
        QCOMPARE(cell(conversations, 0, ConversationListModel::TitleRole),
                 QStringLiteral("What is the capital of France?"));
        app.controller().openConversation(conversations->data(conversations->index(0, 0),
                                                              ConversationListModel::IdRole).toLongLong());
        auto* messages = qobject_cast<QAbstractItemModel*>(app.controller().messages());
        QCOMPARE(messages->rowCount(), 2);
        QCOMPARE(cell(messages, 1, MessageListModel::ContentRole), answer);
        QCOMPARE(cell(messages, 1, MessageListModel::StatusRole), QStringLiteral("done"));
    }
}

QTEST_MAIN(TestEndToEnd)
#include "tst_e2e.moc"
