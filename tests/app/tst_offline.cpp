// "Your conversations stay on this computer", proven on the real window (offscreen): hostile
// content the user did not write (imported conversations with images and HTML in their titles,
// answers, errors and model names; a model file whose name is HTML; an endpoint named in HTML;
// links; a huge line) is shown, the app restarts on the same data folder and shows it again,
// and the QML engine attempts no request at all. A recorder on the engine's network access
// counts the attempts (after showing it does catch a deliberate one); a second run of the same
// test inside a network namespace without routes, under strace, counts the connect() calls to
// anything but a local socket. The URLs use the reserved .invalid domain.
#include "appwindow.h"

#include "conversationlistmodel.h"
#include "messagelistmodel.h"
#include "recordedwindow.h"
#include "tests/common/quick_items.h"

#include <QAbstractItemModel>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QQmlComponent>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using causerie::storage::ConversationListModel;
using causerie::storage::MessageListModel;

namespace {

const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");
// Set in the second run (under strace in an empty network namespace): only the showing test runs.
constexpr char kChildEnv[] = "CAUSERIE_OFFLINE_CHILD";

QString beacon(const QString& what) { return QStringLiteral("http://beacon.invalid/") + what; }

QString img(const QString& what) { return QStringLiteral("<img src=\"%1\">").arg(beacon(what)); }

QJsonObject message(int id, int parent, const char* role, const QString& content, const QJsonObject& extra = {})
{
    QJsonObject m{{"id", id},
                  {"parent", parent ? QJsonValue(parent) : QJsonValue()},
                  {"role", role},
                  {"content", content},
                  {"status", "done"},
                  {"created_at", 1000 + id},
                  {"updated_at", 1000 + id}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        m.insert(it.key(), it.value());
    return m;
}

QByteArray conversation(const QString& title, const QString& backend, const QString& model, const QJsonArray& messages)
{
    const QJsonObject c{{"format", "causerie.conversation"},
                        {"version", 1},
                        {"title", title},
                        {"created_at", 1000},
                        {"updated_at", 2000},
                        {"pinned", false},
                        {"backend", backend},
                        {"model", model},
                        {"system_prompt", img("system-prompt.png")},
                        {"settings", QJsonObject()},
                        {"active_leaf", messages.last().toObject().value("id")},
                        {"messages", messages}};
    return QJsonDocument(c).toJson();
}

// An answer using every way Markdown and HTML have to fetch, and links.
QString hostileAnswer()
{
    return QStringLiteral("Here is a chart: ![chart](%1)\n\n"
                          "A reference image: ![logo][l]\n\n[l]: %2\n\n"
                          "Raw HTML: <img src=\"%3\"/> and <table background=\"%4\"><tr><td>x</td></tr></table>\n\n"
                          "Unclosed: %5 hides the rest in Qt's importer\n\n"
                          "Entities: &lt;img src=\"%6\"&gt;\n\n"
                          "A [link whose text lies](%7) and <https://example.org/auto>.\n\n"
                          "```<img\tsrc=\"%8\">\ncode <img src=\"%9\"/>\n```\n")
        .arg(beacon("md.png?d=secret"), beacon("ref.png"), beacon("html.png"), beacon("bg.png"), img("unclosed.png"),
             beacon("entity.png"), beacon("link"), beacon("lang.png"), beacon("code.png"));
}

// A copy of the tiny model whose general.name is HTML. The string grows by 32 bytes, the data
// alignment, so every tensor offset stays valid.
QString modelNamedInHtml(const QString& dir)
{
    QFile in(kTiny);
    if (!in.open(QIODevice::ReadOnly))
        return {};
    QByteArray bytes = in.readAll();
    const QByteArray oldName = "tiny-random-mistral-arch";
    const QByteArray newName =
        QByteArray("<img src=\"http://beacon.invalid/gguf.png\">tiny").leftJustified(oldName.size() + 32, ' ');
    const qsizetype at = bytes.indexOf(QByteArray("general.name"));
    if (at < 0 || bytes.mid(at + 12 + 4 + 8, oldName.size()) != oldName)
        return {};
    const qsizetype lengthAt = at + 12 + 4;   // key, then a u32 type, then the u64 length
    quint64 length = quint64(newName.size());
    bytes.replace(lengthAt, 8, QByteArray(reinterpret_cast<const char*>(&length), 8));
    bytes.replace(lengthAt + 8, oldName.size(), newName);
    const QString path = dir + QStringLiteral("/renamed.gguf");
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size())
        return {};
    return path;
}

// Items of the window (popups included: they live in its overlay) with this object name.
QList<QQuickItem*> items(QQuickWindow* window, const QString& objectName)
{
    return causerie::testing::findItemsWhere(window->contentItem(),
                                             [&](QQuickItem* i) { return i->objectName() == objectName; });
}

// Text items showing `needle` (in the window and its popups).
QList<QQuickItem*> showing(QQuickWindow* window, const QString& needle)
{
    return causerie::testing::findItemsWhere(
        window->contentItem(), [&](QQuickItem* i) { return i->property("text").toString().contains(needle); });
}

// Items showing hostile data in a format that interprets it: everything but plain text,
// except the answer's prose (Markdown made safe), code blocks and the search snippets (escaped
// by the store), which are checked by what they render.
QStringList interpretedData(QQuickWindow* window)
{
    QStringList out;
    for (QQuickItem* i : showing(window, QStringLiteral("beacon.invalid"))) {
        const QVariant format = i->property("textFormat");
        const QString name = i->objectName();
        if (!format.isValid() || format.toInt() == 0 || name == QLatin1String("proseText") ||
            name == QLatin1String("searchSnippet") || i->property("textFormat").toInt() == 3 /* code: Markdown */)
            continue;
        out << QStringLiteral("%1 (%2, format %3): %4")
                   .arg(QString::fromLatin1(i->metaObject()->className()), name)
                   .arg(format.toInt())
                   .arg(i->property("text").toString().left(80));
    }
    return out;
}

QString textsOf(const QList<QQuickItem*>& list)
{
    QStringList texts;
    for (QQuickItem* i : list)
        texts << i->property("text").toString();
    return texts.join(QLatin1String(" | "));
}

QObject* popup(AppWindow& app, const char* name)
{
    return app.engine().rootObjects().constFirst()->findChild<QObject*>(QLatin1String(name));
}

// Renders the window: every item is polished and laid out, so every image it would load has
// been asked for. Then a last request is made on purpose and waited for (refused): the
// engine's image thread takes its jobs in one pass, so everything asked before it has reached
// the recorder by then.
void settle(AppWindow& app, NetworkRecorder& recorder, const QString& sentinel)
{
    QQuickWindow* window = app.window();
    QVERIFY(!window->grabWindow().isNull());
    QQmlComponent component(&app.engine());
    component.setData(QStringLiteral("import QtQuick\nImage { source: \"%1\" }").arg(sentinel).toUtf8(), QUrl());
    std::unique_ptr<QObject> image(component.create());
    QVERIFY2(image, qPrintable(component.errorString()));
    qobject_cast<QQuickItem*>(image.get())->setParentItem(window->contentItem());
    QTRY_COMPARE_WITH_TIMEOUT(image->property("status").toInt(), 3, 10000);   // Image.Error
    QVERIFY(recorder.urls().contains(QUrl(sentinel)));
}

QStringList attemptsBut(const NetworkRecorder& recorder, const QStringList& expected)
{
    QStringList out;
    for (const QUrl& u : recorder.urls())
        if (!expected.contains(u.toString()))
            out << u.toString();
    return out;
}

}   // namespace

class TestOffline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QQuickStyle::setStyle(QStringLiteral("Material")); }   // as main() does
    void init();
    void recorderCatchesADeliberateRequest();
    void hostileContentFetchesNothing();
    void contentCannotOpenUrlsDirectly();
    void controlConnectAttempt();
    void noConnectionUnderStrace();

private:
    static bool isChild() { return qEnvironmentVariableIsSet(kChildEnv); }
};

void TestOffline::init()
{
    const QByteArray name = QTest::currentTestFunction();
    if (isChild() && name != "hostileContentFetchesNothing" && name != "controlConnectAttempt")
        QSKIP("second run: only the showing test runs under strace");
}

// A recorder that never sees anything proves nothing: in the app's own engine, an Image with a
// remote source and a Markdown image in a TextEdit (what an answer was before this issue) are
// both attempted, recorded, and refused.
void TestOffline::recorderCatchesADeliberateRequest()
{
    RecordedWindow w;
    QVERIFY(w.app.load());
    std::vector<std::unique_ptr<QObject>> made;
    for (const QString& qml : {QStringLiteral("Image { source: \"%1\" }").arg(beacon("control.png")),
                               QStringLiteral("TextEdit { textFormat: TextEdit.MarkdownText; text: \"![x](%1)\" }")
                                   .arg(beacon("control-md.png"))}) {
        QQmlComponent component(&w.app.engine());
        component.setData(("import QtQuick\n" + qml).toUtf8(), QUrl());
        made.emplace_back(component.create());
        QVERIFY2(made.back(), qPrintable(component.errorString()));
        qobject_cast<QQuickItem*>(made.back().get())->setParentItem(w.app.window()->contentItem());
    }
    QVERIFY(!w.app.window()->grabWindow().isNull());
    QTRY_COMPARE_WITH_TIMEOUT(w.recorder.attempts(), 2, 10000);
    QVERIFY(w.recorder.urls().contains(QUrl(beacon("control.png"))));
    QVERIFY(w.recorder.urls().contains(QUrl(beacon("control-md.png"))));
    QTRY_COMPARE(made.front()->property("status").toInt(), 3);   // Image.Error: refused
}

void TestOffline::hostileContentFetchesNothing()
{
    QTemporaryDir dir;
    const QString dataDir = dir.filePath(QStringLiteral("data"));
    const QString model = modelNamedInHtml(dir.path());
    QVERIFY2(!model.isEmpty(), "could not write the renamed model");
    const QString endpointName = img("endpoint.png") + QStringLiteral("Mistral AI");
    const QString modelName = img("model.png") + QStringLiteral("mistral-small-latest");
    const QString titleA = img("title.png") + QStringLiteral("Quarterly plan");
    // One line of ~200 KB with hostile pieces at both ends, and a paragraph of 100 of them.
    // (Not thousands: Qt lays out a paragraph in time quadratic in its format changes, about
    // 3 s for 400 images made links, 45 s for 1,500; that is issue #20's section 3.)
    const QString pieces = QStringLiteral("word ![i](%1) <img src=\"%2\"/> [l](%3) ")
                               .arg(beacon("huge.png"), beacon("huge-html.png"), beacon("huge-link"));
    const QString longLine =
        pieces + QStringLiteral("word ").repeated(40000) + pieces + QStringLiteral("\n\n") + pieces.repeated(100);
    QStringList expected;   // the sentinels, made on purpose
    NetworkRecorder recorder;
    {
        AppWindow app(dataDir, QStringLiteral("en"));
        app.networkGuard().setRecorder(&recorder);
        AppController& c = app.controller();
        const QString endpoint = c.remote()->save({}, endpointName, QStringLiteral("https://beacon.invalid"), {});
        QVERIFY(!endpoint.isEmpty());
        QVERIFY(app.load());
        QQuickWindow* window = app.window();

        const QJsonArray a{
            message(1, 0, "user",
                    QStringLiteral("Show me ") + img("user.png") +
                        QStringLiteral(" ![u](%1)").arg(beacon("user-md.png"))),
            message(2, 1, "assistant", hostileAnswer(),
                    {{"model", img("message-model.png") + "small"},
                     {"backend", "remote:" + endpoint},
                     {"reasoning", img("reasoning.png")},
                     {"finish_reason", img("finish.png")}}),
            message(3, 2, "user", QStringLiteral("and?")),
            message(4, 3, "assistant", QString(),
                    {{"status", "error"}, {"error_text", img("error.png") + QStringLiteral(" The server said no.")}}),
        };
        const QJsonArray b{message(1, 0, "user", QStringLiteral("long")), message(2, 1, "assistant", longLine)};
        const QList<QByteArray> files{
            conversation(titleA, "remote:" + endpoint, modelName, a),
            conversation(QStringLiteral("<b>Long</b> ") + img("title-b.png"), "local", "", b)};
        QList<qint64> ids;
        for (int i = 0; i < files.size(); ++i) {
            const QString path = dir.filePath(QStringLiteral("in%1.json").arg(i));
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(files[i]);
            f.close();
            QVERIFY(c.conversations()->importFile(path));
            ids << c.chat()->conversationId();
        }

        // Imports never choose a backend: it opens on the local model; the origin is shown.
        c.openConversation(ids[0]);
        QVERIFY(!c.conversationRemote());
        QCOMPARE(c.conversationModel(), QString());
        QCOMPARE(c.conversationOrigin(), QStringLiteral("was: %1 · %2").arg(endpointName, modelName));
        QTRY_COMPARE(textsOf(items(window, QStringLiteral("conversationOrigin"))), c.conversationOrigin());

        // The model file whose name is HTML, opened and shown.
        c.model()->openPath(model);
        QTRY_COMPARE_WITH_TIMEOUT(c.model()->state(), LocalModelController::State::Ready, 20000);
        QVERIFY2(c.model()->info().value(QStringLiteral("name")).toString().startsWith(QLatin1String("<img")),
                 qPrintable(c.model()->info().value(QStringLiteral("name")).toString()));

        for (qint64 id : ids) {
            c.openConversation(id);
            QTRY_VERIFY_WITH_TIMEOUT(!items(window, QStringLiteral("proseText")).isEmpty(), 10000);
            settle(app, recorder, beacon(QStringLiteral("sentinel-%1.png").arg(id)));
            expected << beacon(QStringLiteral("sentinel-%1.png").arg(id));
        }
        // Titles in the list are shown as written; the answer's image became a link (the
        // TextEdit gives its text back as Markdown), its HTML is text.
        QTRY_VERIFY(textsOf(items(window, QStringLiteral("conversationTitle"))).contains(titleA));
        c.openConversation(ids[0]);
        QTRY_VERIFY2(textsOf(items(window, QStringLiteral("proseText")))
                         .contains(QStringLiteral("[image: chart — http://beacon.invalid/md.png?d=secret]")),
                     qPrintable(textsOf(items(window, QStringLiteral("proseText"))).left(3000)));
        QTRY_VERIFY(textsOf(items(window, QStringLiteral("errorText"))).contains(img("error.png")));

        // Where else data is shown: the endpoint list of the backend box, the model dialog and
        // the catalog page, the error dialog, search results.
        auto* backendBox = items(window, QStringLiteral("backendBox")).value(0);
        QVERIFY(backendBox);
        QMetaObject::invokeMethod(backendBox->property("popup").value<QObject*>(), "open");
        QMetaObject::invokeMethod(popup(app, "modelDialog"), "open");
        settle(app, recorder, beacon(QStringLiteral("sentinel-popups.png")));
        expected << beacon(QStringLiteral("sentinel-popups.png"));
        QMetaObject::invokeMethod(popup(app, "modelDialog"), "close");
        QMetaObject::invokeMethod(popup(app, "catalogPage"), "open");
        QMetaObject::invokeMethod(app.engine().rootObjects().constFirst(), "openConversationSettings");
        QMetaObject::invokeMethod(popup(app, "settingsDialog"), "open");   // its Remote tab lists the endpoint
        Q_EMIT c.errorOccurred(img("dialog.png") + QStringLiteral(" Something failed."));   // the same dialog:
        Q_EMIT c.model()->loadFailed(img("path.png"), img("load.png"));
        items(window, QStringLiteral("searchField")).value(0)->setProperty("text", QStringLiteral("beacon"));
        QTRY_VERIFY_WITH_TIMEOUT(!items(window, QStringLiteral("searchSnippet")).isEmpty(), 5000);
        QVERIFY2(textsOf(items(window, QStringLiteral("searchSnippet"))).contains(QLatin1String("&lt;img")),
                 qPrintable(textsOf(items(window, QStringLiteral("searchSnippet")))));
        settle(app, recorder, beacon(QStringLiteral("sentinel-dialogs.png")));
        expected << beacon(QStringLiteral("sentinel-dialogs.png"));
        // It was all on screen, as text.
        for (const char* shown : {"title.png", "endpoint.png", "model.png", "gguf.png", "error.png", "path.png",
                                  "load.png", "system-prompt.png", "message-model.png"})
            QVERIFY2(!showing(window, QString::fromLatin1(shown)).isEmpty(), shown);
        // The endpoint's name: in the origin line, the backend box's list and the settings.
        QVERIFY2(showing(window, QStringLiteral("endpoint.png")).size() >= 3,
                 qPrintable(textsOf(showing(window, QStringLiteral("endpoint.png")))));
        QVERIFY(textsOf(items(window, QStringLiteral("endpointLabel"))).contains(endpointName));
        QVERIFY2(interpretedData(window).isEmpty(), qPrintable(interpretedData(window).join(QLatin1Char('\n'))));
        QVERIFY2(attemptsBut(recorder, expected).isEmpty(), qPrintable(attemptsBut(recorder, expected).join(' ')));
    }
    {
        // Restarted on the same data folder: the titles at once, then each conversation again.
        AppWindow app(dataDir, QStringLiteral("en"));
        app.networkGuard().setRecorder(&recorder);
        QVERIFY(app.load());
        AppController& c = app.controller();
        auto* list = qobject_cast<QAbstractItemModel*>(c.conversations()->model());
        QCOMPARE(list->rowCount(), 2);
        settle(app, recorder, beacon(QStringLiteral("sentinel-restart.png")));
        expected << beacon(QStringLiteral("sentinel-restart.png"));
        for (int row = 0; row < list->rowCount(); ++row) {
            const qint64 id = list->data(list->index(row, 0), ConversationListModel::IdRole).toLongLong();
            c.openConversation(id);
            QVERIFY(!c.conversationRemote());
            QTRY_VERIFY_WITH_TIMEOUT(!items(app.window(), QStringLiteral("proseText")).isEmpty(), 10000);
            const QString sentinel = beacon(QStringLiteral("sentinel-again-%1.png").arg(id));
            settle(app, recorder, sentinel);
            expected << sentinel;
        }
    }
    QVERIFY2(attemptsBut(recorder, expected).isEmpty(), qPrintable(attemptsBut(recorder, expected).join(' ')));
    QCOMPARE(recorder.attempts(), expected.size());
}

// No view hands a URL from content to the desktop by itself: links go through Links (checked,
// confirmed). The QML sources in the app's resources are what the window runs.
void TestOffline::contentCannotOpenUrlsDirectly()
{
    QTemporaryDir dir;
    AppWindow app(dir.filePath(QStringLiteral("data")), QStringLiteral("en"));   // links the views' resources in
    const QDir ui(QStringLiteral(":/qt/qml/Causerie/Ui"));
    const QStringList files = ui.entryList({QStringLiteral("*.qml")});
    QVERIFY2(files.size() >= 15, qPrintable(files.join(' ')));
    for (const QString& name : files) {
        QFile f(ui.filePath(name));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray qml = f.readAll();
        QVERIFY2(!qml.contains("openUrlExternally"), qPrintable(name));
        QVERIFY2(!qml.contains("XMLHttpRequest"), qPrintable(name));
    }
}

// What the strace check must catch: a connection attempt (to loopback, refused or unreachable).
// Run in the second run too, so the trace shows that a real connect() is seen.
void TestOffline::controlConnectAttempt()
{
    QProcess nc;   // a plain connect(): /dev/tcp of bash, on a port nothing listens on
    nc.start(QStringLiteral("bash"), {QStringLiteral("-c"), QStringLiteral("exec 3<>/dev/tcp/127.0.0.1/9 || true")});
    QVERIFY(nc.waitForFinished(10000));
}

// The second run: this executable, its showing test and the control, in a network namespace
// without routes (unshare -rn) under strace -f -e trace=connect. Zero connect() calls to
// anything but a local (AF_UNIX) socket from the showing test; the control's one is seen.
void TestOffline::noConnectionUnderStrace()
{
    const QString strace = QStandardPaths::findExecutable(QStringLiteral("strace"));
    const QString unshare = QStandardPaths::findExecutable(QStringLiteral("unshare"));
    if (strace.isEmpty() || unshare.isEmpty())
        QSKIP("strace or unshare is not installed (scripts/setup.sh installs strace; unshare is util-linux)");
    QProcess probe;
    probe.start(unshare, {QStringLiteral("-rn"), strace, QStringLiteral("-f"), QStringLiteral("-e"),
                          QStringLiteral("trace=connect"), QStringLiteral("-o"), QStringLiteral("/dev/null"),
                          QStringLiteral("true")});
    if (!probe.waitForFinished(20000) || probe.exitCode() != 0)
        QSKIP(qPrintable(QStringLiteral("this kernel or container does not allow an unprivileged network namespace "
                                        "with ptrace (unshare -rn strace … true failed: %1)")
                             .arg(QString::fromLocal8Bit(probe.readAllStandardError()).trimmed())));

    QTemporaryDir dir;
    auto run = [&](const QString& function, QString* trace) {
        const QString traceFile = dir.filePath(function + QStringLiteral(".trace"));
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QLatin1String(kChildEnv), QStringLiteral("1"));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.start(unshare, {QStringLiteral("-rn"), strace, QStringLiteral("-f"), QStringLiteral("-e"),
                              QStringLiteral("trace=connect"), QStringLiteral("-o"), traceFile,
                              QCoreApplication::applicationFilePath(), function});
        QVERIFY(child.waitForFinished(400000));
        const QByteArray output = child.readAll();
        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0, output.right(4000).constData());
        QFile f(traceFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        *trace = QString::fromUtf8(f.readAll());
        QVERIFY2(trace->contains(QLatin1String("+++ exited with 0 +++")), qPrintable(trace->right(2000)));
    };
    static const QRegularExpression connectCall(QStringLiteral("connect\\(\\d+, \\{sa_family=(AF_\\w+)[^\\n]*"));
    auto remoteConnects = [](const QString& trace) {
        QStringList out;
        for (auto it = connectCall.globalMatch(trace); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            if (m.captured(1) != QLatin1String("AF_UNIX") && m.captured(1) != QLatin1String("AF_LOCAL"))
                out << m.captured(0);
        }
        return out;
    };

    QString control;
    run(QStringLiteral("controlConnectAttempt"), &control);
    QCOMPARE(remoteConnects(control).size(), 1);   // the check sees a connect() when there is one
    QVERIFY2(remoteConnects(control).first().contains(QLatin1String("127.0.0.1")),
             qPrintable(remoteConnects(control).first()));

    QString shown;
    run(QStringLiteral("hostileContentFetchesNothing"), &shown);
    QVERIFY2(remoteConnects(shown).isEmpty(), qPrintable(remoteConnects(shown).join(QLatin1Char('\n'))));
}

QTEST_MAIN(TestOffline)
#include "tst_offline.moc"
