// End to end, in one process with the real QML window offscreen: open the tiny model, type a
// question in the composer and press Enter, wait for the answer, close everything, start again
// on the same data folder and find the conversation with its answer.
#include "appwindow.h"

#include "conversationlistmodel.h"
#include "mathimage.h"
#include "mathmarkup.h"
#include "messagelistmodel.h"
#include "recordedwindow.h"
#include "tests/common/quick_items.h"

#include <QAbstractItemModel>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QQuickItem>
#include <QTcpServer>
#include <QQuickTextDocument>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using causerie::storage::ConversationListModel;
using causerie::storage::MessageListModel;

namespace {

const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");

// The assistant's message delegate under `item` showing exactly `content`; null when none does.
QQuickItem* delegateShowing(QQuickItem* item, const QString& content)
{
    return causerie::testing::findItemWhere(item, [&](QQuickItem* i) {
        return i->property("author").toString() == QLatin1String("assistant") &&
               i->property("content").toString() == content;
    });
}

// Whether the chat view has a message delegate showing exactly `content` (delegates appear after
// a polish, hence the QTRY below). Visual children: a ListView's delegates are not QObject
// children of the window.
bool windowShows(QQuickWindow* window, const QString& content)
{
    return delegateShowing(window->contentItem(), content) != nullptr;
}

// The lowest edge of the visible items inside `root`, in root's coordinates.
qreal contentBottom(QQuickItem* root, QQuickItem* item)
{
    qreal bottom = 0;
    const auto children = item->childItems();
    for (QQuickItem* c : children) {
        if (!c->isVisible() || c->height() <= 0)
            continue;
        bottom = std::max(bottom, c->mapToItem(root, QPointF(0, c->height())).y());
        bottom = std::max(bottom, contentBottom(root, c));
    }
    return bottom;
}

QString cell(QAbstractItemModel* m, int row, int role) { return m->data(m->index(row, 0), role).toString(); }

// One message of a causerie.conversation file, done, made and last changed at `ms`.
QJsonObject messageJson(int id, const QJsonValue& parent, const char* role, const QString& content, qint64 ms)
{
    return {{"id", id},         {"parent", parent}, {"role", role},    {"content", content},
            {"status", "done"}, {"created_at", ms}, {"updated_at", ms}};
}

// A causerie.conversation file (version 1) of `messages`, ending at the last one, made at 1000
// and changed when its last message was, on no backend; written to `path` with writeJson.
QJsonObject conversationJson(const QString& title, const QJsonArray& messages)
{
    const QJsonObject last = messages.last().toObject();
    return {{"format", "causerie.conversation"},
            {"version", 1},
            {"title", title},
            {"created_at", 1000},
            {"updated_at", last.value("updated_at")},
            {"pinned", false},
            {"backend", ""},
            {"model", ""},
            {"system_prompt", ""},
            {"settings", QJsonObject()},
            {"active_leaf", last.value("id")},
            {"messages", messages}};
}

bool writeJson(const QString& path, const QJsonObject& o)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(QJsonDocument(o).toJson()) > 0;
}

}   // namespace

class TestEndToEnd : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void chatSurvivesRestart();
    void gpuAskedButNotGivenIsSaid();
    void exportAndImportFiles();
    void importsNeverChooseABackend();
    void localServerFromSettings();
    void mathIsRenderedOffline();
    void foldersSurviveRestart();
};

// A folder made in the window, a conversation moved into it, the folder closed: all still so
// after a restart on the same data folder.
void TestEndToEnd::foldersSurviveRestart()
{
    QTemporaryDir dir;
    const QString dataDir = dir.filePath(QStringLiteral("data"));
    qint64 folder = 0;
    qint64 conversation = 0;
    {
        AppWindow app(dataDir, QStringLiteral("en"));
        QVERIFY(app.load());
        AppController& c = app.controller();
        folder = c.conversations()->createFolder(QStringLiteral("Work"), QStringLiteral("Be formal."));
        QVERIFY(folder > 0);
        c.setConversationBackend(QString(), QString());   // an empty conversation, opened
        conversation = c.chat()->conversationId();
        QVERIFY(conversation > 0);
        c.conversations()->moveToFolder(conversation, folder);
        c.conversations()->setFolderCollapsed(folder, true);
    }
    {
        AppWindow app(dataDir, QStringLiteral("en"));
        QVERIFY(app.load());
        AppController& c = app.controller();
        QCOMPARE(c.conversations()->folderOf(conversation), folder);
        QCOMPARE(c.conversations()->folderSystemPrompt(folder), QStringLiteral("Be formal."));
        auto* list = qobject_cast<QAbstractItemModel*>(c.conversations()->model());
        QCOMPARE(list->rowCount(), 1);   // the folder's header only: it is closed
        QCOMPARE(cell(list, 0, ConversationListModel::TitleRole), QStringLiteral("Work"));
        QVERIFY(list->data(list->index(0, 0), ConversationListModel::CollapsedRole).toBool());
        c.conversations()->setFolderCollapsed(folder, false);
        QCOMPARE(list->rowCount(), 2);
        QCOMPARE(list->data(list->index(1, 0), ConversationListModel::IdRole).toLongLong(), conversation);
    }
}

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
        app.controller().model()->openPath(kTiny);
        QTRY_COMPARE_WITH_TIMEOUT(app.controller().model()->state(), LocalModelController::State::Ready, 20000);
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
        // The window shows it: the chat view has the answer's delegate, tall enough for its
        // text and buttons (a delegate that does not take its content's height overlaps the next).
        QTRY_VERIFY_WITH_TIMEOUT(windowShows(window, answer), 5000);
        QQuickItem* shown = delegateShowing(window->contentItem(), answer);
        QVERIFY(shown);
        QTRY_VERIFY_WITH_TIMEOUT(shown->height() >= contentBottom(shown, shown) - 0.5, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(shown->height() > 60, 5000);   // its rows are laid out over a few frames

        // This conversation's own values reach the engine: a system prompt (more prompt tokens)
        // and an answer limit shorter than the app's 24 tokens.
        auto number = [&](int role) { return messages->data(messages->index(1, 0), role).toInt(); };
        const int promptBefore = number(MessageListModel::PromptTokensRole);
        QVERIFY2(number(MessageListModel::CompletionTokensRole) > 3,
                 "the first answer must be longer than the new limit");
        ConversationOptions* options = app.controller().conversationOptions();
        options->setSystemPrompt(QStringLiteral("You are a geography teacher. Answer in one word."));
        options->setMaxTokens(3);
        QCOMPARE(app.controller().settings()->maxTokens(), 24);   // the defaults are untouched
        QVERIFY(chat->regenerate(messages->data(messages->index(1, 0), MessageListModel::IdRole).toLongLong()));
        QTRY_VERIFY_WITH_TIMEOUT(!chat->generating(), 30000);
        QCOMPARE(cell(messages, 1, MessageListModel::StatusRole), QStringLiteral("done"));
        QCOMPARE(number(MessageListModel::SiblingCountRole), 2);   // the first answer is kept beside it
        QVERIFY(number(MessageListModel::CompletionTokensRole) <= 3);
        QVERIFY(number(MessageListModel::PromptTokensRole) > promptBefore + 5);
        answer = cell(messages, 1, MessageListModel::ContentRole);
        QTRY_VERIFY_WITH_TIMEOUT(windowShows(window, answer), 5000);
    }
    {
        AppWindow app(dataDir, QStringLiteral("en"));
        QVERIFY(app.load());
        auto* conversations = qobject_cast<QAbstractItemModel*>(app.controller().conversations()->model());
        QCOMPARE(conversations->rowCount(), 1);
        QCOMPARE(cell(conversations, 0, ConversationListModel::TitleRole),
                 QStringLiteral("What is the capital of France?"));
        app.controller().openConversation(
            conversations->data(conversations->index(0, 0), ConversationListModel::IdRole).toLongLong());
        auto* messages = qobject_cast<QAbstractItemModel*>(app.controller().messages());
        QCOMPARE(messages->rowCount(), 2);
        QCOMPARE(cell(messages, 1, MessageListModel::ContentRole), answer);
        QCOMPARE(cell(messages, 1, MessageListModel::StatusRole), QStringLiteral("done"));
        // The conversation's own settings were stored with it.
        QCOMPARE(app.controller().conversationOptions()->maxTokens(), 3);
        QVERIFY(app.controller().conversationOptions()->customSystemPrompt());
    }
}

// Settings → Engine → NVIDIA GPU on a machine where the model does not (entirely) run on one
// (this one has no driver): the model still opens, on the CPU, and the user is told why at once.
// With "Automatic" the same reason stays in the model's details, without a dialog.
void TestEndToEnd::gpuAskedButNotGivenIsSaid()
{
    QTemporaryDir dir;
    AppWindow app(dir.filePath(QStringLiteral("data")), QStringLiteral("en"));
    AppController& c = app.controller();
    QSignalSpy fallback(c.model(), &LocalModelController::gpuFallback);
    c.settings()->setDevice(QStringLiteral("cuda"));
    c.settings()->setGpuLayers(-1);
    c.model()->openPath(kTiny);
    QTRY_COMPARE_WITH_TIMEOUT(c.model()->state(), LocalModelController::State::Ready, 20000);
    QCOMPARE(fallback.count(), 1);
    const QString reason = fallback.first().at(1).toString();
    QVERIFY2(reason.contains(QLatin1String("CPU")), qPrintable(reason));
    QCOMPARE(c.model()->info().value(QStringLiteral("deviceNote")).toString(), reason);
    QVERIFY(c.model()->info().value(QStringLiteral("device")).toString().startsWith(QLatin1String("CPU")));

    c.settings()->setDevice(QStringLiteral("auto"));
    c.model()->openPath(kTiny);
    QTRY_COMPARE_WITH_TIMEOUT(c.model()->state(), LocalModelController::State::Ready, 20000);
    QTRY_VERIFY(!c.model()->info().value(QStringLiteral("deviceNote")).toString().isEmpty());
    QCOMPARE(fallback.count(), 1);
}

// The conversation menu's exports and the sidebar's import, through the controller the QML calls:
// Markdown (the branch shown, thinking folded), JSON (everything, importable), a file name made
// from the title, and a place that cannot be written said plainly with nothing left behind.
void TestEndToEnd::exportAndImportFiles()
{
    QTemporaryDir dir;
    AppWindow app(dir.filePath(QStringLiteral("data")), QStringLiteral("en"));
    QVERIFY(app.load());
    QVERIFY(app.window()->findChild<QQuickItem*>(QStringLiteral("importButton")));
    AppController& c = app.controller();
    QSignalSpy errors(&c, &AppController::errorOccurred);

    QJsonObject answer = messageJson(2, 1, "assistant", QStringLiteral("**4**"), 2000);
    answer.insert("reasoning", "Two and two.");
    const QJsonArray messages{messageJson(1, QJsonValue(), "user", QStringLiteral("2+2?"), 1000), answer};
    const QString in = dir.filePath(QStringLiteral("in.json"));
    QVERIFY(writeJson(in, conversationJson(QStringLiteral("Plan: \"v2\" / draft?"), messages)));
    auto* list = qobject_cast<QAbstractItemModel*>(c.conversations()->model());
    QVERIFY(c.conversations()->importFile(in));
    const qint64 id = c.chat()->conversationId();
    QVERIFY(id > 0);
    QCOMPARE(list->rowCount(), 1);
    QCOMPARE(c.conversations()->exportFileName(id, QStringLiteral("md")), QStringLiteral("Plan v2 draft.md"));

    const QString md = dir.filePath(QStringLiteral("out.md"));
    QVERIFY(c.conversations()->exportTo(id, QUrl::fromLocalFile(md)));
    QFile mdFile(md);
    QVERIFY(mdFile.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(mdFile.readAll());
    QVERIFY2(text.startsWith(QLatin1String("# Plan: \"v2\" / draft?")), qPrintable(text));
    QVERIFY(text.contains(QLatin1String("## User\n\n2+2?")));
    QVERIFY(
        text.contains(QLatin1String("<details><summary>Thinking</summary>\n\nTwo and two.\n\n</details>\n\n**4**")));

    const QString js = dir.filePath(QStringLiteral("out.json"));
    QVERIFY(c.conversations()->exportTo(id, QUrl::fromLocalFile(js)));
    QVERIFY(c.conversations()->importFile(js));   // what was exported comes back as a second conversation
    QCOMPARE(list->rowCount(), 2);
    const qint64 again = c.chat()->conversationId();
    QVERIFY(again != id);
    const QString js2 = dir.filePath(QStringLiteral("again.json"));
    QVERIFY(c.conversations()->exportTo(again, QUrl::fromLocalFile(js2)));
    QFile a(js), b(js2);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QCOMPARE(b.readAll(), a.readAll());   // nothing lost or changed on the way
    QCOMPARE(errors.count(), 0);

    const QString nowhere = dir.filePath(QStringLiteral("missing/out.md"));
    QVERIFY(!c.conversations()->exportTo(id, QUrl::fromLocalFile(nowhere)));
    QCOMPARE(errors.count(), 1);
    const QString message = errors.first().at(0).toString();
    QVERIFY2(message.startsWith(QStringLiteral("Cannot write %1").arg(nowhere)), qPrintable(message));
    QVERIFY(!QFile::exists(nowhere));
}

// A file naming a backend (here one of this machine's endpoints, as in an export made here)
// opens on the local model: the next message goes nowhere else unless the user picks it. The
// origin is shown, survives a restart, and goes back into an export; a forged origin in the
// file's settings is not taken as it is.
void TestEndToEnd::importsNeverChooseABackend()
{
    QTemporaryDir dir;
    const QString dataDir = dir.filePath(QStringLiteral("data"));
    QString endpoint;
    const QString in = dir.filePath(QStringLiteral("in.json"));
    {
        AppWindow app(dataDir, QStringLiteral("en"));
        AppController& c = app.controller();
        endpoint =
            c.remote()->save({}, QStringLiteral("Mistral AI"), QStringLiteral("https://api.mistral.invalid"), {});
        QVERIFY(!endpoint.isEmpty());
        QJsonObject conv = conversationJson(QStringLiteral("From elsewhere"),
                                            {messageJson(1, QJsonValue(), "user", QStringLiteral("Hi"), 1000)});
        conv.insert("backend", "remote:" + endpoint);
        conv.insert("model", "mistral-small-latest");
        conv.insert("settings", QJsonObject{{"temperature", 0.5}, {"imported_from", "forged"}});
        QVERIFY(writeJson(in, conv));
        QVERIFY(c.conversations()->importFile(in));
        QVERIFY(!c.conversationRemote());
        QCOMPARE(c.conversationModel(), QString());
        QCOMPARE(c.conversationOrigin(), QStringLiteral("was: Mistral AI · mistral-small-latest"));
        QVERIFY(!c.backendReady());   // no local model open: nothing would be sent anywhere
        QVERIFY(!c.chat()->send(QStringLiteral("Hello?")));

        // Exported as it was read (the forged field is gone), the sampling kept.
        const QString out = dir.filePath(QStringLiteral("out.json"));
        QVERIFY(c.conversations()->exportTo(c.chat()->conversationId(), QUrl::fromLocalFile(out)));
        QFile o(out);
        QVERIFY(o.open(QIODevice::ReadOnly));
        const QJsonObject back = QJsonDocument::fromJson(o.readAll()).object();
        QCOMPARE(back.value("backend").toString(), "remote:" + endpoint);
        QCOMPARE(back.value("model").toString(), QStringLiteral("mistral-small-latest"));
        QCOMPARE(back.value("settings").toObject(), (QJsonObject{{"temperature", 0.5}}));

        // Chosen by the user, it is used; the origin stays as information.
        c.setConversationBackend(endpoint, QStringLiteral("mistral-small-latest"));
        QCOMPARE(c.conversationEndpointId(), endpoint);
        QCOMPARE(c.conversationOrigin(), QStringLiteral("was: Mistral AI · mistral-small-latest"));
    }
    {
        AppWindow app(dataDir, QStringLiteral("en"));
        AppController& c = app.controller();
        c.remote()->remove(endpoint);   // another machine: the id names nothing here
        QVERIFY(c.conversations()->importFile(in));
        QVERIFY(!c.conversationRemote());
        QCOMPARE(c.conversationOrigin(), QStringLiteral("was: a remote endpoint · mistral-small-latest"));
    }
}

QTEST_MAIN(TestEndToEnd)
// Settings → Local server: the switch clicked in the dialog starts the server at once, the status
// line shows its address, and a client on loopback reaches /health with the open model.
void TestEndToEnd::localServerFromSettings()
{
    QTemporaryDir dir;
    AppWindow app(dir.filePath(QStringLiteral("data")), QStringLiteral("en"));
    QVERIFY(app.load());
    QQuickWindow* window = app.window();
    AppController& c = app.controller();
    c.model()->openPath(kTiny);
    QTRY_COMPARE_WITH_TIMEOUT(c.model()->state(), LocalModelController::State::Ready, 20000);
    quint16 port = 0;
    {
        QTcpServer probe;   // a port free now, never 8080 on a shared machine
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    c.settings()->setServerPort(port);
    QVERIFY(!c.server()->running());   // off by default

    auto* dialog = window->findChild<QObject*>(QStringLiteral("settingsDialog"));
    QVERIFY(dialog);
    QMetaObject::invokeMethod(dialog, "open");
    QTRY_VERIFY(dialog->property("opened").toBool());
    auto click = [window](QQuickItem* item) {
        QTest::mouseClick(window, Qt::LeftButton, {},
                          item->mapToScene(QPointF(item->width() / 2, item->height() / 2)).toPoint());
    };
    auto* tab = dialog->findChild<QQuickItem*>(QStringLiteral("serverTab"));
    QVERIFY(tab);
    click(tab);
    auto* toggle = dialog->findChild<QQuickItem*>(QStringLiteral("serverSwitch"));
    QVERIFY(toggle);
    QTRY_VERIFY(toggle->isVisible() && toggle->width() > 0);
    click(toggle);
    QTRY_VERIFY(c.server()->running());
    QVERIFY(c.settings()->serverEnabled());
    const QString url = QStringLiteral("http://127.0.0.1:%1/v1").arg(port);
    QCOMPARE(c.server()->url(), url);
    QQuickItem* line = causerie::testing::findItem(window->contentItem(), QStringLiteral("serverStatusLine"));
    QVERIFY(line);
    QTRY_VERIFY(line->isVisible());
    QVERIFY(line->property("text").toString().contains(url));

    QNetworkAccessManager nam;
    nam.setProxy(QNetworkProxy::NoProxy);
    QNetworkReply* reply = nam.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(port))));
    QSignalSpy done(reply, &QNetworkReply::finished);
    QVERIFY(done.wait(10000));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(QJsonDocument::fromJson(reply->readAll()).object().value(QLatin1String("status")).toString(),
             QStringLiteral("ok"));
    reply->deleteLater();

    click(toggle);   // off again, at once
    QTRY_VERIFY(!c.server()->running());
    QVERIFY(!line->isVisible());
}

#include "tst_e2e.moc"

// An answer with inline and display math: the formulas are painted by the window's image provider
// (inline ones inside the prose, the display one centred as its own piece), copying the prose
// gives their LaTeX, prices stay text, and the window asks nothing of the network.
void TestEndToEnd::mathIsRenderedOffline()
{
    RecordedWindow w;
    QVERIFY(w.app.load());
    const QString display = QStringLiteral("\\int_0^1 x\\,dx = \\frac{1}{2}");
    const QString content = QStringLiteral("Euler: $e^{i\\pi} + 1 = 0$ and \\(x^2\\).\n\n$$\n") + display +
                            QStringLiteral("\n$$\n\nIt costs $5 and $10.");
    const QJsonArray messages{messageJson(1, QJsonValue(), "user", QStringLiteral("Math?"), 1000),
                              messageJson(2, 1, "assistant", content, 2000)};
    const QString in = w.dir.filePath(QStringLiteral("math.json"));
    QVERIFY(writeJson(in, conversationJson(QStringLiteral("Math"), messages)));
    const int before = math::MathImageProvider::requests();
    QVERIFY(w.app.controller().conversations()->importFile(in));
    QQuickWindow* window = w.app.window();
    QTRY_VERIFY_WITH_TIMEOUT(windowShows(window, content), 5000);

    // The display formula: an image of the formula's size, loaded.
    QQuickItem* image = nullptr;
    QTRY_VERIFY((image = causerie::testing::findItem(window->contentItem(), QStringLiteral("mathImage"))) &&
                image->property("status").toInt() == 1);   // Image.Ready
    const math::Layout layout = math::cachedLayout(display, math::Mode::Display);
    const QSize size = math::imageGeometry(layout.box, math::Mode::Display, math::kProsePixelSize).size;
    QCOMPARE(image->width(), qreal(size.width()));
    QCOMPARE(image->height(), qreal(size.height()));

    // The inline ones, in the prose: images of the formulas; copied, their LaTeX.
    QQuickItem* prose = nullptr;
    QTRY_VERIFY((prose = causerie::testing::findItemWhere(window->contentItem(), [](QQuickItem* i) {
                     return i->objectName() == QLatin1String("proseText") &&
                            i->property("text").toString().startsWith(QLatin1String("Euler"));
                 })));
    QTextDocument* doc = prose->property("textDocument").value<QQuickTextDocument*>()->textDocument();
    QCOMPARE(math::textWithFormulas(doc, 0, doc->characterCount() - 1),
             QStringLiteral("Euler: $e^{i\\pi} + 1 = 0$ and $x^2$."));
    QTRY_VERIFY(math::MathImageProvider::requests() >= before + 3);   // two inline, one display
    QQuickItem* prices = causerie::testing::findItemWhere(window->contentItem(), [](QQuickItem* i) {
        return i->objectName() == QLatin1String("proseText") &&
               i->property("text").toString().startsWith(QLatin1String("It costs"));
    });
    QVERIFY(prices);
    const QTextDocument* pricesDoc = prices->property("textDocument").value<QQuickTextDocument*>()->textDocument();
    QCOMPARE(pricesDoc->toPlainText(), QStringLiteral("It costs $5 and $10."));

    // Nothing but the app's own resources was asked of the network.
    for (const QUrl& u : w.recorder.urls())
        QCOMPARE(u.scheme(), QStringLiteral("qrc"));
}
