// AppController at start and while the user types: a model that killed the last start is not
// opened again by itself (it says so), and the composer's "context used" shows the newest
// draft's count, never an older one's. Runs the real engine thread on the tiny model.
#include "appcontroller.h"

#include "engine/chat_template.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

#include <QDir>
#include <QFile>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");

// Tokens the tiny model's template gives a conversation made of one user message.
int tinyTokens(const QString& text)
{
    auto model = causerie::load_model(kTiny.toStdString());
    auto tok = causerie::Tokenizer::from_vocab(model->vocab);
    const auto tmpl = causerie::ChatTemplate::detect(model->vocab, *tok);
    const std::vector<causerie::ChatTurn> turns = {{"user", text.toStdString()}};
    return int(tmpl.apply(*tok, turns).value().size());
}

bool writeFile(const QString& path, const QByteArray& data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

}   // namespace

class TestAppController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void leftOverMarkerSkipsTheAutomaticOpen();
    void modelAskedForOpensDespiteTheMarker();
    void markerStaysWhileLoadingAndGoesAfterAFailure();
    void contextCountShowsTheNewestDraft();
    void newChatInAFolderStartsWithItsDocuments();
};

void TestAppController::leftOverMarkerSkipsTheAutomaticOpen()
{
    QTemporaryDir dir;
    const QString data = dir.filePath(QStringLiteral("data"));
    const QString marker = LocalModelController::openingMarkerPath(data);
    {
        // An earlier start opened the tiny model: it is the one to reopen next time.
        AppController app(data);
        app.model()->openPath(kTiny);
        QTRY_COMPARE_WITH_TIMEOUT(app.model()->state(), LocalModelController::State::Ready, 30000);
        QCOMPARE(app.settings()->recentModels(), QStringList{kTiny});
        QTRY_VERIFY(!QFile::exists(marker));   // loaded: no marker left
    }
    // The next start died while opening it (the engine thread had written the marker).
    QVERIFY(writeFile(marker, kTiny.toUtf8()));
    {
        AppController app(data);
        QSignalSpy errors(&app, &AppController::errorOccurred);
        QSignalSpy notice(app.model(), &LocalModelController::startupNoticeChanged);
        app.model()->openStartup({}, {});
        // A load would have set the state to loading synchronously (LocalBackend::loadModel).
        QCOMPARE(app.model()->state(), LocalModelController::State::None);
        const QString expected = QStringLiteral("Causerie closed while opening tiny-mistral-q8_0.gguf last time; it "
                                                "was not reopened. Open it again from the model menu.");
        QCOMPARE(app.model()->startupNotice(), expected);
        QCOMPARE(notice.count(), 1);
        QCOMPARE(errors.count(), 1);
        QCOMPARE(errors.at(0).at(0).toString(), expected);
        QVERIFY(QFile::exists(marker));   // kept until the user opens a model: every start says it

        // The user opens it by hand from the model menu: it loads, and the marker goes.
        app.model()->openPath(app.settings()->recentModels().constFirst());
        QTRY_COMPARE_WITH_TIMEOUT(app.model()->state(), LocalModelController::State::Ready, 30000);
        QTRY_VERIFY(!QFile::exists(marker));
    }
    {
        // With no marker left, the last model opens by itself again.
        AppController app(data);
        app.model()->openStartup({}, {});
        QVERIFY(app.model()->state() == LocalModelController::State::Loading ||
                app.model()->state() == LocalModelController::State::Ready);
        QVERIFY(app.model()->startupNotice().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(app.model()->state(), LocalModelController::State::Ready, 30000);
    }
}

void TestAppController::modelAskedForOpensDespiteTheMarker()
{
    QTemporaryDir dir;
    const QString data = dir.filePath(QStringLiteral("data"));
    QVERIFY(QDir().mkpath(data));
    const QString marker = LocalModelController::openingMarkerPath(data);
    QVERIFY(writeFile(marker, QByteArray()));   // empty: the path could not be written
    {
        // Nothing asked: a marker without a name still stops the automatic open.
        AppController app(data);
        app.model()->openStartup({}, kTiny);
        QCOMPARE(app.model()->state(), LocalModelController::State::None);
        QCOMPARE(app.model()->startupNotice(),
                 QStringLiteral("Causerie closed while opening a model last time; it was not "
                                "reopened. Open it again from the model menu."));
    }
    // A model named on the command line is the user's own request: it opens.
    AppController app(data);
    app.model()->openStartup(kTiny, {});
    QVERIFY(app.model()->startupNotice().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(app.model()->state(), LocalModelController::State::Ready, 30000);
    QTRY_VERIFY(!QFile::exists(marker));
}

// The engine thread writes the marker before it touches the file and removes it when the load
// fails. A FIFO holds the load in open() until this test lets it go.
void TestAppController::markerStaysWhileLoadingAndGoesAfterAFailure()
{
    QTemporaryDir dir;
    const QString data = dir.filePath(QStringLiteral("data"));
    const QString fifo = dir.filePath(QStringLiteral("stuck.gguf"));
    QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
    int writer = -1;
    // However the test ends, the engine thread must get out of open() or the join would hang.
    auto release = qScopeGuard([&] {
        if (writer < 0)
            writer = ::open(QFile::encodeName(fifo).constData(), O_RDWR | O_CLOEXEC);   // never blocks
        if (writer >= 0)
            ::close(writer);
    });
    AppController app(data);
    QSignalSpy failed(app.model(), &LocalModelController::loadFailed);
    const QString marker = LocalModelController::openingMarkerPath(data);
    app.model()->openPath(fifo);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(marker), 10000);
    QFile m(marker);
    QVERIFY(m.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(m.readAll()), fifo);
    QCOMPARE(app.model()->state(), LocalModelController::State::Loading);
    // Let the load go on: it finds no regular file and fails cleanly, so the marker goes.
    writer = ::open(QFile::encodeName(fifo).constData(), O_RDWR | O_CLOEXEC);
    QVERIFY(writer >= 0);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
    QVERIFY2(failed.at(0).at(1).toString().contains(QLatin1String("not a regular file")),
             qPrintable(failed.at(0).at(1).toString()));
    QCOMPARE(app.model()->state(), LocalModelController::State::Failed);
    QVERIFY(!QFile::exists(marker));
}

// While the user types, counts are asked faster than the engine answers: the shown count is the
// newest draft's, an older draft's count never replaces it (the worker skips superseded counts,
// the controller ignores any answer that is not for its latest request).
void TestAppController::contextCountShowsTheNewestDraft()
{
    QTemporaryDir dir;
    AppController app(dir.filePath(QStringLiteral("data")));
    app.model()->openPath(kTiny);
    QTRY_COMPARE_WITH_TIMEOUT(app.model()->state(), LocalModelController::State::Ready, 30000);
    QCOMPARE(app.contextSize(), 2048);
    const int empty = tinyTokens({});
    QTRY_COMPARE(app.contextUsed(), empty);   // counted when the model opened

    QList<int> shown;
    connect(&app, &AppController::contextChanged, this, [&] { shown.append(app.contextUsed()); });
    QString draft;
    QList<int> older;
    for (int i = 0; i < 20; ++i) {
        if (!draft.isEmpty())
            older.append(tinyTokens(draft));
        draft += QStringLiteral("word%1 ").arg(i);
        app.updateContextUsage(draft);
    }
    const int newest = tinyTokens(draft);
    QTRY_COMPARE(app.contextUsed(), newest);
    for (int value : std::as_const(shown))
        QVERIFY2(value == newest || !older.contains(value),
                 qPrintable(QStringLiteral("an older draft's count %1 was shown").arg(value)));
    QCOMPARE(shown.last(), newest);
}

QTEST_MAIN(TestAppController)
#include "tst_appcontroller.moc"

void TestAppController::newChatInAFolderStartsWithItsDocuments()
{
    QTemporaryDir dir;
    AppController app(dir.filePath(QStringLiteral("data")));
    const QString style = dir.filePath(QStringLiteral("style.md"));
    QVERIFY(writeFile(style, "# Style\n\nWrite short sentences."));
    const qint64 folder = app.conversations()->createFolder(QStringLiteral("Work"));
    QVERIFY(folder > 0);
    DocumentsController* documents = app.documents();
    QSignalSpy changed(documents, &DocumentsController::folderFilesChanged);
    QSignalSpy failed(documents, &DocumentsController::folderFileFailed);
    documents->addFolderFiles(
        folder, {QUrl::fromLocalFile(style), QUrl::fromLocalFile(dir.filePath(QStringLiteral("missing.txt")))});
    QTRY_COMPARE(changed.size(), 1);
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(failed[0].value(0).toLongLong(), folder);
    QVERIFY2(failed[0].value(1).toString().contains(QLatin1String("does not exist")),
             qPrintable(failed[0].value(1).toString()));
    const QVariantList files = documents->folderFiles(folder);
    QCOMPARE(files.size(), 1);
    QCOMPARE(files[0].toMap().value("name").toString(), QStringLiteral("style.md"));

    // A new chat elsewhere has no chips; a new chat in the folder gets its documents as chips.
    app.chat()->newConversation();
    QVERIFY(documents->chips().isEmpty());
    const qint64 conversation = app.conversations()->newChatInFolder(folder);
    QVERIFY(conversation > 0);
    QCOMPARE(app.chat()->conversationId(), conversation);
    QTRY_COMPARE(documents->chips().size(), 1);
    const QVariantMap chip = documents->chips().value(0).toMap();
    QCOMPARE(chip.value("name").toString(), QStringLiteral("style.md"));
    QCOMPARE(chip.value("state").toString(), QStringLiteral("ready"));
    // "Write short sentences." (the heading is the section's, not its text): 22 characters / 4, no model open.
    QCOMPARE(chip.value("tokens").toLongLong(), qint64(6));

    // Sent with the first message (no model is open: the answer fails, the question and its
    // files stay). The folder's first conversation's first message is message 1.
    QVERIFY(!app.chat()->send(QStringLiteral("Rewrite this.")));
    QVERIFY(documents->chips().isEmpty());
    QTRY_COMPARE(documents->attachmentsFor(1).size(), 1);
    QCOMPARE(documents->attachmentsFor(1).value(0).toMap().value("name").toString(), QStringLiteral("style.md"));

    // Removed from the folder: the next new chat there starts without it.
    documents->removeFolderFile(folder, files[0].toMap().value("id").toLongLong());
    QVERIFY(documents->folderFiles(folder).isEmpty());
    QSignalSpy added(documents, &DocumentsController::folderChipsAdded);
    (void)app.conversations()->newChatInFolder(folder);
    QTRY_COMPARE(added.size(), 1);
    QCOMPARE(added[0].value(1).toInt(), 0);
    QVERIFY(documents->chips().isEmpty());
}
