// DocumentsController with ChatController, a fake backend and a real store: chips read off the GUI
// thread, each bad file named in issue 16 shown as a chip error, and what reaches the model (the
// whole text, or the question's passages; images only to remote endpoints), sources stored.
#include "chatbackend.h"
#include "chatcontroller.h"
#include "conversationstore.h"
#include "docfixtures.h"
#include "documentscontroller.h"
#include "librariescontroller.h"
#include "messagelistmodel.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;

namespace {

class FakeBackend : public ChatBackend {
public:
    QString startChat(const QList<ChatMessage>& history, const GenerationSettings&) override
    {
        lastHistory = history;
        lastId = QStringLiteral("req-%1").arg(++count);
        return lastId;
    }
    void finish() { Q_EMIT finished(lastId, ::GenerationStats{}); }
    void cancel(const QString&) override {}
    bool isReady() const override { return true; }
    QString displayName() const override { return QStringLiteral("fake"); }

    int count = 0;
    QString lastId;
    QList<ChatMessage> lastHistory;
};

QVariantMap chip(DocumentsController& d, int i) { return d.chips().value(i).toMap(); }

}   // namespace

class TestDocumentsController : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ConversationStore> m_store;
    std::unique_ptr<MessageListModel> m_model;
    FakeBackend m_backend;
    std::unique_ptr<ChatController> m_chat;
    std::unique_ptr<DocumentsController> m_docs;
    bool m_remote = false;
    int m_context = 4096;

    QString file(const QString& name, const QByteArray& bytes)
    {
        const QString path = m_dir->filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
            return {};
        return path;
    }

    qint64 lastAnswerId()
    {
        const auto path = m_store->activePath(m_chat->conversationId());
        return path && !path->isEmpty() ? path->last().id : 0;
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_store = std::move(ConversationStore::open(m_dir->filePath(QStringLiteral("c.db")))).value();
        m_model = std::make_unique<MessageListModel>(m_store.get());
        m_chat = std::make_unique<ChatController>(
            m_store.get(), m_model.get(), [this](const Conversation&) -> ChatBackend* { return &m_backend; },
            [](const Conversation&) { return TurnSettings{}; });
        DocumentsController::Hooks hooks;
        hooks.isRemote = [this](const Conversation&) { return m_remote; };
        hooks.openConversationIsRemote = [this] { return m_remote; };
        hooks.contextSize = [this] { return m_context; };
        m_docs = std::make_unique<DocumentsController>(m_store.get(), m_dir->filePath(QStringLiteral("documents.db")),
                                                       nullptr, hooks);
        m_chat->setDocuments(m_docs.get());
        m_remote = false;
        m_context = 4096;
    }

    void cleanup()
    {
        m_chat.reset();
        m_docs.reset();
        m_model.reset();
        m_store.reset();
    }

    void wholeTextReachesThePrompt()
    {
        const QString path = file(QStringLiteral("notes.txt"), "The rent is 800 euros a month.\n");
        m_docs->attachFiles({path});
        QCOMPARE(chip(*m_docs, 0).value("state").toString(), QStringLiteral("reading"));
        QVERIFY(m_docs->reading());
        QTRY_COMPARE(chip(*m_docs, 0).value("state").toString(), QStringLiteral("ready"));
        QCOMPARE(chip(*m_docs, 0).value("name").toString(), QStringLiteral("notes.txt"));
        QCOMPARE(chip(*m_docs, 0).value("sizeText").toString(), QStringLiteral("31 bytes"));
        QCOMPARE(chip(*m_docs, 0).value("tokens").toLongLong(), qint64(8));   // 30 characters / 4, no model
        QVERIFY(chip(*m_docs, 0).value("tokensEstimated").toBool());

        QSignalSpy storedSpy(m_docs.get(), &DocumentsController::attachmentsStored);
        QVERIFY(m_chat->send(QStringLiteral("How much is the rent?")));
        QVERIFY(m_docs->chips().isEmpty());   // sent with the message
        QCOMPARE(storedSpy.size(), 1);
        QCOMPARE(m_docs->attachmentsRevision(), 1);
        const QList<ChatMessage>& h = m_backend.lastHistory;
        QCOMPARE(h.size(), 2);
        QCOMPARE(h[0].role, QStringLiteral("system"));
        QVERIFY2(h[0].content.contains(QLatin1String("## [1] notes.txt\n\nThe rent is 800 euros a month.")),
                 qPrintable(h[0].content));
        QVERIFY(h[0].content.contains(QLatin1String("[1] or [2]")));
        QCOMPARE(h[1].content, QStringLiteral("How much is the rent?"));
        const QList<Attachment> stored = m_store->activeAttachments(m_chat->conversationId()).value();
        QCOMPARE(stored.size(), 1);
        QCOMPARE(stored[0].path, QFileInfo(path).absoluteFilePath());
        const QVariantList shown = m_docs->attachmentsFor(stored[0].messageId);
        QCOMPARE(shown.size(), 1);
        QCOMPARE(shown[0].toMap().value("name").toString(), QStringLiteral("notes.txt"));
        QCOMPARE(shown[0].toMap().value("sizeText").toString(), QStringLiteral("31 bytes"));
        const QVariantList sources = m_docs->sourcesFor(lastAnswerId());
        QCOMPARE(sources.size(), 1);
        QCOMPARE(sources[0].toMap().value("file").toString(), QStringLiteral("notes.txt"));
        QCOMPARE(sources[0].toMap().value("path").toString(), QFileInfo(path).absoluteFilePath());
    }

    void overTheBudgetTheQuestionsPassagesGo()
    {
        QStringList pages;
        for (int p = 1; p <= 30; ++p) {
            QString text = QStringLiteral("Page %1 is about gardens and trains, with nothing precise in it. ").arg(p);
            text = text.repeated(6);
            if (p == 12)
                text += QStringLiteral("The boiler was serviced on 3 March by Mr Dupont.");
            pages << text;
        }
        const QString path = m_dir->filePath(QStringLiteral("house.pdf"));
        QVERIFY(docfixtures::writePdf(path, pages));
        m_context = 600;   // a 300-token budget; the PDF is ~3,000
        m_docs->attachFiles({path});
        QTRY_COMPARE(chip(*m_docs, 0).value("state").toString(), QStringLiteral("ready"));
        QVERIFY(m_chat->send(QStringLiteral("When was the boiler serviced?")));
        const QList<ChatMessage>& h = m_backend.lastHistory;
        QCOMPARE(h.size(), 1);   // no whole text in a system message
        QVERIFY2(h[0].content.contains(QLatin1String("[1] house.pdf, page 12")), qPrintable(h[0].content));
        QVERIFY(h[0].content.contains(QLatin1String("3 March by Mr Dupont")));
        QVERIFY(h[0].content.endsWith(QLatin1String("Question: When was the boiler serviced?")));
        QVERIFY(!h[0].content.contains(QLatin1String("Page 29 ")));
        const QVariantList sources = m_docs->sourcesFor(lastAnswerId());
        QVERIFY(!sources.isEmpty());
        QCOMPARE(sources[0].toMap().value("page").toInt(), 12);
        QVERIFY(sources[0].toMap().value("text").toString().contains(QLatin1String("Mr Dupont")));
    }

    void importedAttachmentIsIndexedWhenFirstNeeded()
    {
        // An attachment that came with an imported conversation: text in the store, no local
        // path, never indexed here. Over the budget, it is indexed at the first question; its
        // sources carry its name and no path (nothing to open).
        const qint64 conv = m_store->createConversation({}).value();
        const qint64 first =
            m_store->appendMessage({conv, 0, MessageRole::User, QStringLiteral("Read this"), MessageStatus::Done, {}})
                .value();
        QString text;
        for (int i = 0; i < 120; ++i)
            text += QStringLiteral("Paragraph %1 is about gardens and nothing else.\n\n").arg(i);
        text += QStringLiteral("The alarm code is 4512.");
        NewAttachment a;
        a.name = QStringLiteral("house.txt");
        a.sha256 = QString(64, QLatin1Char('a'));
        a.size = text.size();
        a.text = text;
        QVERIFY(m_store->addAttachment(first, a).ok());
        (void)m_store->appendMessage(
            {conv, first, MessageRole::Assistant, QStringLiteral("ok"), MessageStatus::Done, {}});
        m_chat->openConversation(conv);
        m_context = 400;
        QVERIFY(m_chat->send(QStringLiteral("What is the alarm code?")));
        const QString asked = m_backend.lastHistory.last().content;
        QVERIFY2(asked.contains(QLatin1String("[1] house.txt\n")), qPrintable(asked));
        QVERIFY(asked.contains(QLatin1String("4512")));
        const QVariantList sources = m_docs->sourcesFor(lastAnswerId());
        QCOMPARE(sources.value(0).toMap().value("file").toString(), QStringLiteral("house.txt"));
        QCOMPARE(sources.value(0).toMap().value("path").toString(), QString());
    }

    void badFilesShowTheirErrorOnTheChip_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("expected");
        QTest::newRow("binary renamed .txt") << "binary.txt"
                                             << "is not a text file";
        QTest::newRow("corrupt PDF") << "corrupt.pdf"
                                     << "is not a readable PDF";
        QTest::newRow("encrypted PDF") << "locked.pdf"
                                       << "is encrypted";
        QTest::newRow("scanned PDF") << "scan.pdf"
                                     << "scanned: no text found";
        QTest::newRow("DOCX zip bomb") << "bomb.docx"
                                       << "was refused";
        QTest::newRow("2 GB file") << "huge.txt"
                                   << "is too large";
        QTest::newRow("missing file") << "gone.txt"
                                      << "does not exist";
        QTest::newRow("folder") << "folder"
                                << "is a folder";
    }

    void badFilesShowTheirErrorOnTheChip()
    {
        QFETCH(QString, name);
        QFETCH(QString, expected);
        const QString path = m_dir->filePath(name);
        if (name == QLatin1String("binary.txt"))
            QVERIFY(docfixtures::writeFile(path, QByteArray("\x7f"
                                                            "ELF\x02\x01\x01\0\0\0",
                                                            10)
                                                     .repeated(100)));
        else if (name == QLatin1String("corrupt.pdf"))
            QVERIFY(docfixtures::writeFile(path, "%PDF-1.4\nthis is not really a pdf"));
        else if (name == QLatin1String("locked.pdf"))
            QVERIFY(docfixtures::writeEncryptedPdf(path));
        else if (name == QLatin1String("scan.pdf"))
            QVERIFY(docfixtures::writeImageOnlyPdf(path));
        else if (name == QLatin1String("bomb.docx"))
            QVERIFY(docfixtures::writeZip(
                path, {{"word/document.xml", "<w:document>" + QByteArray(70 * 1024 * 1024, 'a') + "</w:document>"}}));
        else if (name == QLatin1String("sly.docx"))
            QVERIFY(
                docfixtures::writeZip(path, {{"../../h-docapp-evil.txt", "owned"}, {"/tmp/h-docapp-abs.txt", "x"}}));
        else if (name == QLatin1String("huge.txt")) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.resize(2LL * 1024 * 1024 * 1024));   // sparse: nothing written
        } else if (name == QLatin1String("folder"))
            QVERIFY(QDir(m_dir->path()).mkdir(name));
        const QString good = file(QStringLiteral("good.txt"), "fine");
        m_docs->attachFiles({path, good});
        QTRY_VERIFY(!m_docs->reading());
        QCOMPARE(chip(*m_docs, 0).value("state").toString(), QStringLiteral("error"));
        const QString error = chip(*m_docs, 0).value("error").toString();
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY2(error.contains(name), qPrintable(error));                               // names the file
        QCOMPARE(chip(*m_docs, 1).value("state").toString(), QStringLiteral("ready"));   // the other one is fine
        // Sending takes the good one only; the failed chip goes away.
        QVERIFY(m_chat->send(QStringLiteral("hi")));
        QCOMPARE(m_store->activeAttachments(m_chat->conversationId())->size(), 1);
        QVERIFY(m_docs->chips().isEmpty());
        if (name == QLatin1String("huge.txt"))
            QFile::remove(path);
    }

    void imagesGoOnlyToRemoteModels()
    {
        QImage image(8, 8, QImage::Format_RGB32);
        image.fill(Qt::red);
        const QString path = m_dir->filePath(QStringLiteral("red.png"));
        QVERIFY(image.save(path));
        m_docs->attachFiles({path});
        QTRY_COMPARE(chip(*m_docs, 0).value("state").toString(), QStringLiteral("ready"));
        QVERIFY(chip(*m_docs, 0).value("image").toBool());
        QVERIFY(chip(*m_docs, 0).value("note").toString().contains(QLatin1String("cannot see images")));
        QVERIFY(m_chat->send(QStringLiteral("What colour?")));
        QCOMPARE(m_backend.lastHistory.size(), 1);
        QVERIFY(m_backend.lastHistory[0].images.isEmpty());   // local: not sent

        m_remote = true;   // the same conversation on a remote endpoint: the image goes as a part
        const qint64 answer = lastAnswerId();
        m_backend.finish();
        QVERIFY(!m_chat->generating());
        QVERIFY(m_chat->regenerate(answer));
        QCOMPARE(m_backend.lastHistory.size(), 1);
        QCOMPARE(m_backend.lastHistory[0].images.size(), 1);
        QCOMPARE(m_backend.lastHistory[0].images[0].mimeType, QStringLiteral("image/png"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(m_backend.lastHistory[0].images[0].bytes, f.readAll());
        // A remote conversation's chip has no note.
        m_docs->attachFiles({path});
        QTRY_COMPARE(chip(*m_docs, 0).value("state").toString(), QStringLiteral("ready"));
        QCOMPARE(chip(*m_docs, 0).value("note").toString(), QString());
    }

    void oddButReadableFilesAreAttached()
    {
        // Invalid UTF-8 becomes U+FFFD (the file is read); a DOCX whose zip also holds entries
        // named ../../x or /tmp/x is read from word/document.xml alone, nothing written outside.
        const QString utf8 = file(QStringLiteral("latin1.txt"), "caf\xe9 cr\xe8me and more text");
        const QString sly = m_dir->filePath(QStringLiteral("sly.docx"));
        QVERIFY(docfixtures::writeDocx(sly, {{QStringLiteral("Honest text."), false}},
                                       {{"../../h-docapp-evil.txt", "owned"}, {"/tmp/h-docapp-abs.txt", "owned"}}));
        m_docs->attachFiles({utf8, sly});
        QTRY_VERIFY(!m_docs->reading());
        QCOMPARE(chip(*m_docs, 0).value("state").toString(), QStringLiteral("ready"));
        QCOMPARE(chip(*m_docs, 1).value("state").toString(), QStringLiteral("ready"));
        QVERIFY(!QFileInfo::exists(QStringLiteral("/tmp/h-docapp-abs.txt")));
        QVERIFY(m_chat->send(QStringLiteral("hi")));
        const QString system = m_backend.lastHistory.first().content;
        QVERIFY2(system.contains(QStringLiteral("caf\uFFFD cr\uFFFDme")), qPrintable(system));
        QVERIFY(system.contains(QLatin1String("Honest text.")));
        QVERIFY(!system.contains(QLatin1String("owned")));
    }

    void removedChipIsNotSent()
    {
        m_docs->attachFiles({file(QStringLiteral("a.txt"), "alpha"), file(QStringLiteral("b.txt"), "beta")});
        QTRY_VERIFY(!m_docs->reading());
        QSignalSpy changed(m_docs.get(), &DocumentsController::chipsChanged);
        m_docs->removeChip(chip(*m_docs, 0).value("id").toInt());
        QCOMPARE(changed.size(), 1);
        QCOMPARE(m_docs->chips().size(), 1);
        QVERIFY(m_chat->send(QStringLiteral("hi")));
        const QList<Attachment> stored = m_store->activeAttachments(m_chat->conversationId()).value();
        QCOMPARE(stored.size(), 1);
        QCOMPARE(stored[0].name, QStringLiteral("b.txt"));
    }

    void libraryIsIndexedThenSearchedWhenTicked()
    {
        const QString dataDir = m_dir->filePath(QStringLiteral("data"));
        const QString folder = m_dir->filePath(QStringLiteral("Contracts"));
        QVERIFY(QDir().mkpath(dataDir));
        QVERIFY(QDir().mkpath(folder));
        QVERIFY(docfixtures::writeFile(folder + QStringLiteral("/lease.txt"),
                                       "The lease of the flat ends on 31 May; notice is three months."));
        QVERIFY(docfixtures::writeFile(folder + QStringLiteral("/broken.pdf"), "%PDF-1.4 nothing"));
        QVERIFY(QFile::link(folder, folder + QStringLiteral("/loop")));   // a symbolic link loop
        const QString indexPath = m_dir->filePath(QStringLiteral("documents.db"));
        auto libraries = std::make_unique<LibrariesController>(dataDir, indexPath);
        LibrariesController* lib = libraries.get();
        // Bad input: each refused with its reason, nothing added.
        QCOMPARE(lib->add(QStringLiteral(" "), QUrl::fromLocalFile(folder)),
                 QStringLiteral("Give the library a name."));
        QVERIFY(lib->add(QStringLiteral("X"), QUrl::fromLocalFile(m_dir->filePath(QStringLiteral("none"))))
                    .contains(QLatin1String("is not a folder")));
        QCOMPARE(lib->add(QStringLiteral("Contracts"), QUrl::fromLocalFile(folder)), QString());
        QVERIFY(lib->add(QStringLiteral("Contracts"), QUrl::fromLocalFile(folder)).contains(QLatin1String("already")));
        QCOMPARE(lib->names(), QStringList{QStringLiteral("Contracts")});
        QTRY_COMPARE(lib->items().value(0).toMap().value("state").toString(), QStringLiteral("ready"));
        const QVariantMap item = lib->items().value(0).toMap();
        QCOMPARE(item.value("total").toInt(), 2);
        QCOMPARE(item.value("failed").toInt(), 1);
        // Both the broken PDF and the link loop are reported; the last one is shown.
        QCOMPARE(item.value("issues").toInt(), 2);
        const QString message = item.value("message").toString();
        QVERIFY2(message.contains(QLatin1String("broken.pdf")) || message.contains(QLatin1String("symbolic link loop")),
                 qPrintable(message));

        // The list survives a restart, and the rescan at start finds nothing new.
        libraries.reset();
        libraries = std::make_unique<LibrariesController>(dataDir, indexPath);
        QCOMPARE(libraries->names(), QStringList{QStringLiteral("Contracts")});
        QTRY_COMPARE(libraries->items().value(0).toMap().value("state").toString(), QStringLiteral("ready"));

        // Ticked in a conversation: its questions get the library's passages, with the file's path.
        DocumentsController::Hooks hooks;
        hooks.contextSize = [] { return 4096; };
        DocumentsController docs(m_store.get(), indexPath, nullptr, hooks, std::move(libraries));
        m_chat->setDocuments(&docs);
        const qint64 conv = m_store->createConversation({}).value();
        QVERIFY(m_store
                    ->setConversationOptions(
                        conv, {}, {}, {},
                        QJsonObject{{QStringLiteral("libraries"), QJsonArray{QStringLiteral("Contracts")}}})
                    .ok());
        m_chat->openConversation(conv);
        QVERIFY(m_chat->send(QStringLiteral("When does the lease end?")));
        const QString asked = m_backend.lastHistory.last().content;
        QVERIFY2(asked.contains(QLatin1String("[1] lease.txt\n")), qPrintable(asked));
        QVERIFY(asked.contains(QLatin1String("31 May")));
        const QVariantList sources = docs.sourcesFor(lastAnswerId());
        QCOMPARE(sources.value(0).toMap().value("path").toString(),
                 QFileInfo(folder + "/lease.txt").absoluteFilePath());
        m_chat->setDocuments(m_docs.get());
    }

    void openSourceOpensOnlyExistingLocalFiles()
    {
        QList<QUrl> opened;
        m_docs->setOpener([&](const QUrl& url) {
            opened << url;
            return true;
        });
        const QString path = file(QStringLiteral("doc.txt"), "x");
        QVERIFY(m_docs->openSource(path));
        QVERIFY(!m_docs->openSource(m_dir->filePath(QStringLiteral("missing.txt"))));
        QVERIFY(!m_docs->openSource(QStringLiteral("doc.txt")));   // relative
        QVERIFY(!m_docs->openSource(m_dir->path()));               // a folder
        QVERIFY(!m_docs->openSource(QString()));                   // an import: no path
        QCOMPARE(opened, QList<QUrl>{QUrl::fromLocalFile(path)});
    }
};

QTEST_MAIN(TestDocumentsController)
#include "tst_documentscontroller.moc"
