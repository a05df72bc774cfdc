// DocumentsController with ChatController, a fake backend and a real store: chips read off the GUI
// thread, each bad file named in issue 16 shown as a chip error, and what reaches the model (the
// whole text, or the question's passages; images only to remote endpoints), sources stored.
#include "chatbackend.h"
#include "chatcontroller.h"
#include "concepts_embedder.h"
#include "conversationstore.h"
#include "database.h"
#include "docfixtures.h"
#include "docindex.h"
#include "documentscontroller.h"
#include "librariescontroller.h"
#include "pageopener.h"
#include "messagelistmodel.h"

#include <QFile>
#include <QMutex>
#include <QSemaphore>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QThread>

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
    void say(const QString& text) { Q_EMIT delta(lastId, text); }
    void cancel(const QString&) override {}
    bool isReady() const override { return true; }
    QString displayName() const override { return QStringLiteral("fake"); }

    int count = 0;
    QString lastId;
    QList<ChatMessage> lastHistory;
};

QVariantMap chip(DocumentsController& d, int i) { return d.chips().value(i).toMap(); }

// A statement prepared while a turn is sent: its file, its SQL, and whether the GUI thread ran it.
struct Seen {
    QString path;
    QByteArray sql;
    bool gui = false;
};

QStringList names(const QList<Attachment>& list)
{
    QStringList out;
    for (const Attachment& a : list)
        out << a.name;
    return out;
}

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
    int m_remoteContext = 0;   // what the endpoint's model list said (0: not fetched / not said)
    qint64 m_now = 0;          // the store's clock (ms)
    QMutex m_seenLock;
    QList<Seen> m_seen;
    std::atomic_bool m_hold{false};   // the next read of a branch's attachments waits for m_gate
    QSemaphore m_reached;             // released when that read is held
    QSemaphore m_gate;

    // Records every statement from now on; with m_hold, the turn thread stops at its first read
    // of the branch's attachments until m_gate is released.
    void watchStatements()
    {
        QThread* gui = QThread::currentThread();
        Database::setStatementObserver([this, gui](const QString& path, const char* sql) {
            const bool onGui = QThread::currentThread() == gui;
            {
                QMutexLocker locker(&m_seenLock);
                m_seen.append({path, QByteArray(sql), onGui});
            }
            if (!onGui && QByteArray(sql).contains("JOIN attachment_files f") && m_hold.exchange(false)) {
                m_reached.release();
                m_gate.acquire();
            }
        });
    }

    QString attachReady(const QString& name, const QByteArray& bytes)
    {
        const QString path = file(name, bytes);
        m_docs->attachFiles({path});
        if (!QTest::qWaitFor([&] { return !m_docs->reading(); }))
            return {};
        return path;
    }

    // The index as the test sees it (its own connection).
    std::unique_ptr<causerie::documents::DocIndex> openIndex()
    {
        auto index = causerie::documents::DocIndex::open(m_dir->filePath(QStringLiteral("documents.db")));
        return index ? std::move(index).value() : nullptr;
    }

    // Whether the library's rows in documents.db hold a passage matching `query`.
    static bool libraryHas(causerie::documents::DocIndex& index, const QString& library, const QString& query)
    {
        auto hits = index.search(query, {LibrariesController::indexName(library)});
        return hits.ok() && !hits->isEmpty();
    }

    QString file(const QString& name, const QByteArray& bytes)
    {
        const QString path = m_dir->filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
            return {};
        return path;
    }

    // The documents are planned off the GUI thread: the request reaches the backend later.
    bool sendAndWait(const QString& text)
    {
        const int before = m_backend.count;
        return m_chat->send(text) && QTest::qWaitFor([&] { return m_backend.count > before; });
    }
    bool regenerateAndWait(qint64 answerId)
    {
        const int before = m_backend.count;
        return m_chat->regenerate(answerId) && QTest::qWaitFor([&] { return m_backend.count > before; });
    }

    // A conversation that ticks `library`, opened in the chat.
    bool openConversationTicking(const QString& library)
    {
        const qint64 conv = m_store->createConversation({}).value();
        if (!m_store
                 ->setConversationOptions(conv, {}, {}, {},
                                          QJsonObject{{QStringLiteral("libraries"), QJsonArray{library}}})
                 .ok())
            return false;
        m_chat->openConversation(conv);
        return true;
    }
    // A DocumentsController over `libraries`, with a 4,096-token context, used by the chat.
    std::unique_ptr<DocumentsController> documentsFor(std::unique_ptr<LibrariesController> libraries,
                                                      const QString& indexPath)
    {
        DocumentsController::Hooks hooks;
        hooks.contextSize = [] { return 4096; };
        auto docs =
            std::make_unique<DocumentsController>(m_store.get(), indexPath, nullptr, hooks, std::move(libraries));
        m_chat->setDocuments(docs.get());
        return docs;
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
        m_now = QDateTime::currentMSecsSinceEpoch();
        StoreOptions options;
        options.clock = [this] { return m_now; };
        m_store = std::move(ConversationStore::open(m_dir->filePath(QStringLiteral("c.db")), options)).value();
        m_model = std::make_unique<MessageListModel>(m_store.get());
        m_chat = std::make_unique<ChatController>(
            m_store.get(), m_model.get(), [this](const Conversation&) -> ChatBackend* { return &m_backend; },
            [](const Conversation&) { return TurnSettings{}; });
        DocumentsController::Hooks hooks;
        hooks.isRemote = [this](const Conversation&) { return m_remote; };
        hooks.openConversationIsRemote = [this] { return m_remote; };
        hooks.contextSize = [this] { return m_remote ? 0 : m_context; };
        hooks.remoteContextSize = [this](const Conversation&) { return m_remoteContext; };
        hooks.openConversationRemoteContextSize = [this] { return m_remoteContext; };
        m_docs = std::make_unique<DocumentsController>(m_store.get(), m_dir->filePath(QStringLiteral("documents.db")),
                                                       nullptr, hooks);
        m_chat->setDocuments(m_docs.get());
        m_remote = false;
        m_context = 4096;
        m_remoteContext = 0;
        m_backend.count = 0;
        m_backend.lastHistory.clear();
    }

    void cleanup()
    {
        m_hold = false;
        m_gate.release();   // a turn thread still held goes on
        m_chat.reset();
        m_docs.reset();
        Database::setStatementObserver(nullptr);
        m_seen.clear();
        m_reached.acquire(m_reached.available());
        m_gate.acquire(m_gate.available());
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
        QVERIFY(sendAndWait(QStringLiteral("How much is the rent?")));
        QVERIFY(m_docs->chips().isEmpty());   // sent with the message
        QCOMPARE(storedSpy.size(), 1);        // stored before the turn was planned
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
        QVERIFY(sendAndWait(QStringLiteral("When was the boiler serviced?")));
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
        QVERIFY(sendAndWait(QStringLiteral("What is the alarm code?")));
        const QString asked = m_backend.lastHistory.last().content;
        QVERIFY2(asked.contains(QLatin1String("[1] house.txt\n")), qPrintable(asked));
        QVERIFY(asked.contains(QLatin1String("4512")));
        const QVariantList sources = m_docs->sourcesFor(lastAnswerId());
        QCOMPARE(sources.value(0).toMap().value("file").toString(), QStringLiteral("house.txt"));
        QCOMPARE(sources.value(0).toMap().value("path").toString(), QString());
    }

    void sendingLeavesTheDocumentsOffTheGuiThread()
    {
        // Over the budget: the branch's attachments are read and the index searched at send
        // time. None of it may run on the GUI thread; the prompt is what it was.
        QString text;
        for (int i = 0; i < 80; ++i)
            text += QStringLiteral("Paragraph %1 is about gardens and nothing else.\n\n").arg(i);
        text += QStringLiteral("The alarm code is 4512.");
        QVERIFY(!attachReady(QStringLiteral("house.txt"), text.toUtf8()).isEmpty());
        m_context = 400;
        watchStatements();
        QVERIFY(sendAndWait(QStringLiteral("What is the alarm code?")));
        const QString asked = m_backend.lastHistory.last().content;
        QVERIFY2(asked.contains(QLatin1String("[1] house.txt\n")), qPrintable(asked));
        QVERIFY(asked.contains(QLatin1String("4512")));
        QVERIFY(asked.endsWith(QLatin1String("Question: What is the alarm code?")));
        Database::setStatementObserver(nullptr);
        const QString index = m_dir->filePath(QStringLiteral("documents.db"));
        bool searched = false, readAttachments = false, storedAttachments = false, storedSources = false;
        for (const Seen& s : std::as_const(m_seen)) {
            const bool documents = s.path == index || s.sql.contains("attachment") || s.sql.contains("message_sources");
            QVERIFY2(!(s.gui && documents), s.sql.constData());
            searched |= s.path == index && s.sql.contains("chunks_fts MATCH");
            readAttachments |= s.sql.contains("JOIN attachment_files f");
            storedAttachments |= s.sql.contains("INSERT INTO attachments");
            storedSources |= s.sql.contains("INSERT INTO message_sources");
        }
        // The watch saw the work (off the GUI thread), so it would have seen it on the GUI thread.
        QVERIFY(searched);
        QVERIFY(readAttachments);
        QVERIFY(storedAttachments);
        QVERIFY(storedSources);

        // The question's view lists its files (names and sizes) without reading their text.
        const qint64 question = m_store->activePath(m_chat->conversationId())->first().id;
        m_seen.clear();
        watchStatements();
        const QVariantList shown = m_docs->attachmentsFor(question);
        Database::setStatementObserver(nullptr);
        QCOMPARE(shown.value(0).toMap().value("name").toString(), QStringLiteral("house.txt"));
        QCOMPARE(m_seen.size(), 1);
        QVERIFY(m_seen[0].gui);
        QVERIFY2(!m_seen[0].sql.contains("f.text"), m_seen[0].sql.constData());
    }

    void aSendWhileTheDocumentsArePlannedIsRefused()
    {
        QVERIFY(!attachReady(QStringLiteral("notes.txt"), "The rent is 800 euros a month.").isEmpty());
        watchStatements();
        m_hold = true;
        QVERIFY(m_chat->send(QStringLiteral("How much is the rent?")));
        QVERIFY(m_reached.tryAcquire(1, 10000));   // the turn thread is held in the plan
        QVERIFY(m_chat->generating());
        QCOMPARE(m_backend.count, 0);
        QVERIFY(!m_chat->send(QStringLiteral("And the deposit?")));
        QVERIFY2(m_chat->lastError().contains(QLatin1String("Wait for the answer")), qPrintable(m_chat->lastError()));
        m_gate.release();
        QTRY_COMPARE(m_backend.count, 1);
        QCOMPARE(m_backend.lastHistory.last().content, QStringLiteral("How much is the rent?"));
        QVERIFY(m_backend.lastHistory.first().content.contains(QLatin1String("800 euros")));
        QCOMPARE(m_store->activePath(m_chat->conversationId())->size(), 2);   // one question, one answer
    }

    void stopWhileTheDocumentsArePlannedCancels()
    {
        QVERIFY(!attachReady(QStringLiteral("notes.txt"), "The rent is 800 euros a month.").isEmpty());
        watchStatements();
        m_hold = true;
        QVERIFY(m_chat->send(QStringLiteral("How much is the rent?")));
        QVERIFY(m_reached.tryAcquire(1, 10000));
        const qint64 answer = lastAnswerId();
        m_chat->stop();
        QVERIFY(!m_chat->generating());
        QCOMPARE(m_store->message(answer)->status, MessageStatus::Cancelled);
        // The plan ends (the next job on the turn thread comes after it): its result is dropped.
        QSignalSpy after(m_docs.get(), &DocumentsController::unusedAttachmentsForgotten);
        m_gate.release();
        m_docs->forgetUnusedAttachments();
        QVERIFY(after.wait());
        QCOMPARE(m_backend.count, 0);
        QCOMPARE(m_store->message(answer)->status, MessageStatus::Cancelled);
        // The files stayed with the question; the next question gets them.
        QVERIFY(sendAndWait(QStringLiteral("And now?")));
        QVERIFY(m_backend.lastHistory.first().content.contains(QLatin1String("800 euros")));
    }

    void switchingConversationsWhileTheDocumentsArePlannedKeepsTheTurn()
    {
        const qint64 other = m_store->createConversation({}).value();
        QVERIFY(!attachReady(QStringLiteral("notes.txt"), "The rent is 800 euros a month.").isEmpty());
        watchStatements();
        m_hold = true;
        QVERIFY(m_chat->send(QStringLiteral("How much is the rent?")));
        const qint64 asked = m_chat->conversationId();
        const qint64 answer = lastAnswerId();
        QVERIFY(m_reached.tryAcquire(1, 10000));
        m_chat->openConversation(other);
        m_gate.release();
        QTRY_COMPARE(m_backend.count, 1);
        QCOMPARE(m_chat->conversationId(), other);
        QVERIFY(m_backend.lastHistory.first().content.contains(QLatin1String("800 euros")));
        m_backend.say(QStringLiteral("800 euros."));
        m_backend.finish();
        QVERIFY(!m_chat->generating());
        const Message done = m_store->message(answer).value();
        QCOMPARE(done.conversationId, asked);
        QCOMPARE(done.status, MessageStatus::Done);
        QCOMPARE(done.content, QStringLiteral("800 euros."));
        QVERIFY(m_store->activePath(other)->isEmpty());
    }

    void editingAMessageKeepsItsFilesAndTakesTheNewChips()
    {
        QVERIFY(!attachReady(QStringLiteral("a.txt"), "The rent is 800 euros a month.").isEmpty());
        QVERIFY(sendAndWait(QStringLiteral("How much is the rent?")));
        m_backend.finish();
        const qint64 first = m_store->activePath(m_chat->conversationId())->first().id;
        // A chip added while editing joins the edited message, after its files.
        QVERIFY(!attachReady(QStringLiteral("b.txt"), "The deposit is 1600 euros.").isEmpty());
        const int before = m_backend.count;
        QVERIFY(m_chat->editMessage(first, QStringLiteral("How much is the deposit?")));
        QVERIFY(m_docs->chips().isEmpty());
        QTRY_COMPARE(m_backend.count, before + 1);
        const QString system = m_backend.lastHistory.first().content;
        QVERIFY2(system.contains(QLatin1String("## [1] a.txt\n\nThe rent is 800 euros a month.")), qPrintable(system));
        QVERIFY2(system.contains(QLatin1String("## [2] b.txt\n\nThe deposit is 1600 euros.")), qPrintable(system));
        QCOMPARE(m_backend.lastHistory.last().content, QStringLiteral("How much is the deposit?"));
        const qint64 conv = m_chat->conversationId();
        QCOMPARE(names(m_store->activeAttachments(conv).value()), (QStringList{"a.txt", "b.txt"}));
        QCOMPARE(names(m_store->attachments(first).value()), QStringList{"a.txt"});   // the old version unchanged
        // Edited again without chips: the files go on.
        m_backend.finish();
        const qint64 second = m_store->activePath(conv)->first().id;
        QVERIFY(second != first);
        QVERIFY(m_chat->editMessage(second, QStringLiteral("And the rent?")));
        QTRY_COMPARE(m_backend.count, before + 2);
        QCOMPARE(names(m_store->activeAttachments(conv).value()), (QStringList{"a.txt", "b.txt"}));
        QVERIFY(m_backend.lastHistory.first().content.contains(QLatin1String("## [2] b.txt")));
    }

    void deletedConversationsLeaveTheIndexOnceTheirUndoWindowIsOver()
    {
        // A: own.txt and shared.txt; B: shared.txt. Each attached file is indexed when attached.
        const QString own = attachReady(QStringLiteral("own.txt"), "Only the first conversation has this orchid.");
        const QString shared = file(QStringLiteral("shared.txt"), "Both conversations share this tulip.");
        m_docs->attachFiles({shared});
        QTRY_VERIFY(!m_docs->reading());
        QVERIFY(sendAndWait(QStringLiteral("first")));
        const qint64 a = m_chat->conversationId();
        m_backend.finish();
        m_chat->newConversation();
        QVERIFY(!attachReady(QStringLiteral("shared.txt"), "Both conversations share this tulip.").isEmpty());
        QVERIFY(sendAndWait(QStringLiteral("second")));
        const qint64 b = m_chat->conversationId();
        m_backend.finish();
        QList<Attachment> inA = m_store->activeAttachments(a).value();
        QCOMPARE(names(inA), (QStringList{"own.txt", "shared.txt"}));
        const QString ownLibrary = QStringLiteral("attachment:") + inA[0].sha256;
        const QString sharedLibrary = QStringLiteral("attachment:") + inA[1].sha256;
        auto index = openIndex();
        QVERIFY(index);
        QStringList both{ownLibrary, sharedLibrary};
        both.sort();
        QCOMPARE(index->libraries(QStringLiteral("attachment:")), both);
        const qint64 chunksBefore = index->chunkCount();
        QVERIFY(chunksBefore >= 2);

        // Deleted with undo: within the window nothing leaves, and undo brings everything back.
        QSignalSpy forgotten(m_docs.get(), &DocumentsController::unusedAttachmentsForgotten);
        QVERIFY(m_store->deleteConversation(a).ok());
        QCOMPARE(m_store->purgeDeleted().value(), 0);
        m_docs->forgetUnusedAttachments();
        QVERIFY(forgotten.wait());
        QCOMPARE(forgotten.takeFirst().value(0).toInt(), 0);
        QCOMPARE(index->files(ownLibrary), QStringList{own});
        QVERIFY(m_store->undoDelete(a).ok());

        // Deleted, the window over: A's own file leaves the index; the shared one stays for B.
        QVERIFY(m_store->deleteConversation(a).ok());
        m_now += 11'000;
        QCOMPARE(m_store->purgeDeleted().value(), 1);
        QVERIFY(forgotten.wait());
        QCOMPARE(forgotten.takeFirst().value(0).toInt(), 1);
        QCOMPARE(index->libraries(QStringLiteral("attachment:")), QStringList{sharedLibrary});
        QVERIFY(index->files(ownLibrary).isEmpty());
        QVERIFY(index->chunkCount() < chunksBefore);
        QVERIFY(index->chunkCount() > 0);
        auto hits = index->search(QStringLiteral("orchid"), {ownLibrary, sharedLibrary});
        QVERIFY(hits && hits->isEmpty());

        // B goes too: nothing is left.
        QVERIFY(m_store->deleteConversation(b).ok());
        m_now += 11'000;
        QCOMPARE(m_store->purgeDeleted().value(), 1);
        QVERIFY(forgotten.wait());
        QVERIFY(index->libraries(QStringLiteral("attachment:")).isEmpty());
        QCOMPARE(index->chunkCount(), qint64(0));
    }

    void aRemoteModelsBudgetIsItsContextWhenTheEndpointSaysIt()
    {
        // ~5,000 tokens: within the 8,192 assumed for an unknown context, over half of 4,000.
        QString text;
        for (int i = 0; i < 400; ++i)
            text += QStringLiteral("Paragraph %1 is about gardens and nothing else.\n\n").arg(i);
        text += QStringLiteral("The alarm code is 4512.");
        m_remote = true;
        QVERIFY(!attachReady(QStringLiteral("house.txt"), text.toUtf8()).isEmpty());
        // Unknown: 8,192 tokens, and the chip's tooltip says so (a local chip has no such note).
        const QString note = chip(*m_docs, 0).value("budgetNote").toString();
        QVERIFY2(note.contains(QLatin1String("8,192")) || note.contains(QLatin1String("8192")), qPrintable(note));
        QVERIFY(sendAndWait(QStringLiteral("What is the alarm code?")));
        QVERIFY(m_backend.lastHistory.first().content.contains(QLatin1String("## [1] house.txt")));   // whole
        m_backend.finish();
        // The endpoint's /v1/models said 4,000: a 2,000-token budget, so the question's passages.
        m_remoteContext = 4000;
        QVERIFY(!attachReady(QStringLiteral("again.txt"), "The gate code is 1234.").isEmpty());
        QCOMPARE(chip(*m_docs, 0).value("budgetNote").toString(), QString());
        QVERIFY(sendAndWait(QStringLiteral("What is the alarm code?")));
        const QString asked = m_backend.lastHistory.last().content;
        QVERIFY2(asked.contains(QLatin1String("[1] house.txt\n")), qPrintable(asked.left(300)));
        QVERIFY(asked.contains(QLatin1String("4512")));
        QVERIFY(m_backend.lastHistory.first().role != QLatin1String("system"));
        // A local conversation's chip never carries the note.
        m_backend.finish();
        m_remote = false;
        QVERIFY(!attachReady(QStringLiteral("local.txt"), "Local.").isEmpty());
        QCOMPARE(chip(*m_docs, 0).value("budgetNote").toString(), QString());
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
        QVERIFY(sendAndWait(QStringLiteral("hi")));
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
        QVERIFY(sendAndWait(QStringLiteral("What colour?")));
        QCOMPARE(m_backend.lastHistory.size(), 1);
        QVERIFY(m_backend.lastHistory[0].images.isEmpty());   // local: not sent

        m_remote = true;   // the same conversation on a remote endpoint: the image goes as a part
        const qint64 answer = lastAnswerId();
        m_backend.finish();
        QVERIFY(!m_chat->generating());
        QVERIFY(regenerateAndWait(answer));
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
        QVERIFY(sendAndWait(QStringLiteral("hi")));
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
        QVERIFY(sendAndWait(QStringLiteral("hi")));
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
        auto docs = documentsFor(std::move(libraries), indexPath);
        QVERIFY(openConversationTicking(QStringLiteral("Contracts")));
        QVERIFY(sendAndWait(QStringLiteral("When does the lease end?")));
        const QString asked = m_backend.lastHistory.last().content;
        QVERIFY2(asked.contains(QLatin1String("[1] lease.txt\n")), qPrintable(asked));
        QVERIFY(asked.contains(QLatin1String("31 May")));
        const QVariantList sources = docs->sourcesFor(lastAnswerId());
        QCOMPARE(sources.value(0).toMap().value("path").toString(),
                 QFileInfo(folder + "/lease.txt").absoluteFilePath());
        m_chat->setDocuments(m_docs.get());
    }

    // The embedding model set in Settings → Libraries reaches the send path: the question is
    // embedded on the turn thread, and a passage that shares no word with it reaches the prompt.
    void aTurnRanksByVectorsWhenAnEmbeddingModelIsSet()
    {
        const QString dataDir = m_dir->filePath(QStringLiteral("data"));
        const QString folder = m_dir->filePath(QStringLiteral("Household"));
        QVERIFY(QDir().mkpath(dataDir));
        QVERIFY(QDir().mkpath(folder));
        QVERIFY(docfixtures::writeFile(folder + QStringLiteral("/garage.txt"), "Her new car is a red vehicle."));
        QVERIFY(docfixtures::writeFile(folder + QStringLiteral("/kennel.txt"), "The puppy sleeps in the kennel."));
        const QString indexPath = m_dir->filePath(QStringLiteral("documents.db"));
        auto libraries = std::make_unique<LibrariesController>(dataDir, indexPath);
        LibrariesController* lib = libraries.get();
        QCOMPARE(lib->add(QStringLiteral("Household"), QUrl::fromLocalFile(folder)), QString());
        QTRY_COMPARE(lib->items().value(0).toMap().value("state").toString(), QStringLiteral("ready"));

        auto docs = documentsFor(std::move(libraries), indexPath);
        QVERIFY(openConversationTicking(QStringLiteral("Household")));
        const QString question = QStringLiteral("Which automobile did she buy?");
        // Words alone: nothing in the library shares one with the question.
        QVERIFY(sendAndWait(question));
        QVERIFY2(!m_backend.lastHistory.last().content.contains(QLatin1String("red vehicle")),
                 qPrintable(m_backend.lastHistory.last().content));
        m_backend.finish();

        // The same question with the embedding model: the garage passage comes first.
        auto madeOn = std::make_shared<QThread*>(nullptr);
        lib->setEmbedder(
            [madeOn]() -> causerie::documents::DocResult<std::unique_ptr<causerie::documents::TextEmbedder>> {
                *madeOn = QThread::currentThread();
                return std::unique_ptr<causerie::documents::TextEmbedder>(new ConceptsEmbedder);
            },
            ConceptsEmbedder().modelId());
        QTRY_COMPARE(lib->embedding().value("state").toString(), QStringLiteral("ready"));
        QVERIFY(sendAndWait(question));
        const QString asked = m_backend.lastHistory.last().content;
        QVERIFY2(asked.contains(QLatin1String("[1] garage.txt")), qPrintable(asked));
        QVERIFY(asked.contains(QLatin1String("red vehicle")));
        QVERIFY(*madeOn != nullptr);
        QVERIFY(*madeOn != QThread::currentThread());   // never made on the GUI thread
        m_chat->setDocuments(m_docs.get());
    }

    // A library follows its folder while the app runs: a file added, one changed in place and
    // one removed are seen without Re-index (the watcher; settled for kSettleMs).
    void aLibraryFollowsItsFolder()
    {
        const QString dataDir = m_dir->filePath(QStringLiteral("data"));
        const QString folder = m_dir->filePath(QStringLiteral("Notes"));
        QVERIFY(QDir().mkpath(dataDir));
        QVERIFY(QDir().mkpath(folder + QStringLiteral("/deeper")));
        QVERIFY(docfixtures::writeFile(folder + QStringLiteral("/plants.txt"), "Water the fern every Sunday."));
        const QString indexPath = m_dir->filePath(QStringLiteral("documents.db"));
        LibrariesController lib(dataDir, indexPath);
        QCOMPARE(lib.add(QStringLiteral("Notes"), QUrl::fromLocalFile(folder)), QString());
        QTRY_COMPARE(lib.items().value(0).toMap().value("state").toString(), QStringLiteral("ready"));
        auto index = openIndex();
        QVERIFY(index);
        auto found = [&](const QString& query) { return libraryHas(*index, QStringLiteral("Notes"), query); };
        QVERIFY(found(QStringLiteral("fern")));

        // Added in a sub-folder.
        QVERIFY(docfixtures::writeFile(folder + QStringLiteral("/deeper/bike.txt"), "The bicycle tyres need air."));
        QTRY_VERIFY_WITH_TIMEOUT(found(QStringLiteral("bicycle")), 15000);
        // Changed in place (the same file written again, not replaced).
        {
            QFile f(folder + QStringLiteral("/plants.txt"));
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            QVERIFY(f.write("Repot the orchid in spring.") > 0);
        }
        QTRY_VERIFY_WITH_TIMEOUT(found(QStringLiteral("orchid")), 15000);
        QVERIFY(!found(QStringLiteral("fern")));
        // Removed.
        QVERIFY(QFile::remove(folder + QStringLiteral("/deeper/bike.txt")));
        QTRY_VERIFY_WITH_TIMEOUT(!found(QStringLiteral("bicycle")), 15000);
    }

    void aFileRemovedAsARunEndsIsNoticed()
    {
        // CI once lost a deletion: the run that had just ended dropped every watch and added them
        // again, and the deletion's event, already queued for the old watch, went with it. Here the
        // file goes after the run has ended on its thread but before its end reaches the controller.
        const QString dataDir = m_dir->filePath(QStringLiteral("data"));
        const QString folder = m_dir->filePath(QStringLiteral("Tools"));
        QVERIFY(QDir().mkpath(dataDir));
        QVERIFY(QDir().mkpath(folder + QStringLiteral("/shed")));
        QVERIFY(docfixtures::writeFile(folder + QStringLiteral("/plants.txt"), "Water the fern every Sunday."));
        QVERIFY(docfixtures::writeFile(folder + QStringLiteral("/shed/bike.txt"), "The bicycle tyres need air."));
        const QString indexPath = m_dir->filePath(QStringLiteral("documents.db"));
        LibrariesController lib(dataDir, indexPath);
        QCOMPARE(lib.add(QStringLiteral("Tools"), QUrl::fromLocalFile(folder)), QString());
        QTRY_COMPARE(lib.items().value(0).toMap().value("state").toString(), QStringLiteral("ready"));
        auto index = openIndex();
        QVERIFY(index);
        auto found = [&](const QString& query) { return libraryHas(*index, QStringLiteral("Tools"), query); };
        QVERIFY(found(QStringLiteral("bicycle")));

        for (int round = 0; round < 3; ++round) {
            lib.reindex(QStringLiteral("Tools"));
            QThread::msleep(400);   // no events: the run (two unchanged files) ends and posts its end
            const QString bike = folder + QStringLiteral("/shed/bike.txt");
            QVERIFY(QFile::remove(bike));
            QTRY_VERIFY_WITH_TIMEOUT(!found(QStringLiteral("bicycle")), 15000);
            QTRY_COMPARE(lib.items().value(0).toMap().value("state").toString(), QStringLiteral("ready"));
            QVERIFY(found(QStringLiteral("fern")));
            QVERIFY(docfixtures::writeFile(bike, "The bicycle tyres need air."));
            QTRY_VERIFY_WITH_TIMEOUT(found(QStringLiteral("bicycle")), 15000);
            QTRY_COMPARE(lib.items().value(0).toMap().value("state").toString(), QStringLiteral("ready"));
        }
    }

    void removingALibraryCanForgetItsIndex()
    {
        const QString dataDir = m_dir->filePath(QStringLiteral("data"));
        const QString folder = m_dir->filePath(QStringLiteral("Notes"));
        QVERIFY(QDir().mkpath(dataDir));
        QVERIFY(QDir().mkpath(folder));
        const QString note = folder + QStringLiteral("/plants.txt");
        QVERIFY(docfixtures::writeFile(note, "Water the fern every Sunday."));
        const QString indexPath = m_dir->filePath(QStringLiteral("documents.db"));
        LibrariesController lib(dataDir, indexPath);
        QCOMPARE(lib.add(QStringLiteral("Notes"), QUrl::fromLocalFile(folder)), QString());
        QTRY_COMPARE(lib.items().value(0).toMap().value("state").toString(), QStringLiteral("ready"));
        auto index = openIndex();
        QVERIFY(index);
        const QString name = LibrariesController::indexName(QStringLiteral("Notes"));
        QCOMPARE(index->files(name), QStringList{QFileInfo(note).absoluteFilePath()});

        // Remove: off the list, the index kept (adding it back costs nothing).
        QSignalSpy forgotten(&lib, &LibrariesController::forgotten);
        lib.remove(QStringLiteral("Notes"));
        QVERIFY(lib.names().isEmpty());
        QCOMPARE(index->files(name).size(), 1);

        // Remove and forget: its rows and chunks go, in the background.
        QCOMPARE(lib.add(QStringLiteral("Notes"), QUrl::fromLocalFile(folder)), QString());
        QTRY_COMPARE(lib.items().value(0).toMap().value("state").toString(), QStringLiteral("ready"));
        lib.remove(QStringLiteral("Notes"), true);
        QVERIFY(lib.names().isEmpty());
        QTRY_COMPARE(forgotten.size(), 1);
        QCOMPARE(forgotten[0].value(0).toString(), QStringLiteral("Notes"));
        QVERIFY(forgotten[0].value(1).toBool());
        QVERIFY(index->files(name).isEmpty());
        QCOMPARE(index->chunkCount(), qint64(0));
        auto hits = index->search(QStringLiteral("fern"), {name});
        QVERIFY(hits && hits->isEmpty());
        // Unknown name: nothing happens.
        lib.remove(QStringLiteral("Nope"), true);
        QCOMPARE(forgotten.size(), 1);
    }

    void openSourceOpensOnlyExistingLocalFiles()
    {
        QList<QUrl> opened;
        m_docs->pageOpener().setOpener([&](const QUrl& url) {
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

    // A PDF source opens at its page in the desktop's viewer when that viewer takes a page on its
    // command line (each one's own option); any other viewer, a viewer that cannot start, a file
    // that is not a PDF or a source without a page: the usual opener, at the start.
    void aPdfSourceOpensAtItsPage_data()
    {
        QTest::addColumn<QString>("viewer");
        QTest::addColumn<QString>("program");
        QTest::addColumn<QStringList>("arguments");   // %f: the file
        QTest::newRow("evince") << "org.gnome.Evince.desktop"
                                << "evince" << QStringList{"--page-index=12", "%f"};
        QTest::newRow("atril") << "atril.desktop"
                               << "atril" << QStringList{"--page-index=12", "%f"};
        QTest::newRow("okular") << "okularApplication_pdf.desktop"
                                << "okular" << QStringList{"-p", "12", "%f"};
        QTest::newRow("zathura") << "org.pwmt.zathura.desktop"
                                 << "zathura" << QStringList{"-P", "12", "%f"};
        QTest::newRow("qpdfview") << "qpdfview.desktop"
                                  << "qpdfview" << QStringList{"%f#12"};
        QTest::newRow("mupdf") << "mupdf.desktop"
                               << "mupdf" << QStringList{"%f", "12"};
        QTest::newRow("a browser") << "firefox-esr.desktop"
                                   << "" << QStringList{};
        QTest::newRow("unknown") << ""
                                 << "" << QStringList{};
    }
    void aPdfSourceOpensAtItsPage()
    {
        QFETCH(QString, viewer);
        QFETCH(QString, program);
        QFETCH(QStringList, arguments);
        PageOpener& pages = m_docs->pageOpener();
        QList<QUrl> opened;
        QList<ViewerCommand> launched;
        bool launchWorks = true;
        pages.setOpener([&](const QUrl& url) {
            opened << url;
            return true;
        });
        pages.setLauncher([&](const ViewerCommand& c) {
            launched << c;
            return launchWorks;
        });
        int queries = 0;
        pages.setQuery([&](QObject*, std::function<void(const QString&)> done) {
            ++queries;
            QTimer::singleShot(0, [done, viewer] { done(viewer); });   // answered later, as a process
        });
        const QString pdf = file(QStringLiteral("report.pdf"), "%PDF-1.4");
        const QString text = file(QStringLiteral("notes.txt"), "x");

        QVERIFY(m_docs->openSource(pdf, 12));
        QTRY_COMPARE(launched.size() + opened.size(), 1);
        if (program.isEmpty()) {
            QVERIFY(launched.isEmpty());
            QCOMPARE(opened, QList<QUrl>{QUrl::fromLocalFile(pdf)});
        } else {
            QCOMPARE(launched.value(0).program, program);
            QStringList expected;
            for (const QString& a : std::as_const(arguments))
                expected << QString(a).replace(QLatin1String("%f"), pdf);
            QCOMPARE(launched.value(0).arguments, expected);
            // The viewer cannot start (not installed): the usual opener.
            launched.clear();
            launchWorks = false;
            QVERIFY(m_docs->openSource(pdf, 12));
            QTRY_COMPARE(opened, QList<QUrl>{QUrl::fromLocalFile(pdf)});
            QCOMPARE(launched.size(), 1);
        }
        // No page, or not a PDF: the usual opener at once, the viewer not even asked for.
        opened.clear();
        const int asked = queries;
        QVERIFY(m_docs->openSource(pdf, 0));
        QVERIFY(m_docs->openSource(text, 3));
        QCOMPARE(opened, (QList<QUrl>{QUrl::fromLocalFile(pdf), QUrl::fromLocalFile(text)}));
        QCOMPARE(queries, asked);
    }

    // The real query (xdg-mime, absent on a bare machine): whatever the desktop says, the file
    // opens once, a viewer at the page or the usual opener.
    void theDesktopsViewerIsAskedForWithoutWaiting()
    {
        PageOpener pages;
        int opened = 0;
        int launched = 0;
        pages.setOpener([&](const QUrl&) { return ++opened > 0; });
        pages.setLauncher([&](const ViewerCommand& c) {
            ++launched;
            return c.arguments.contains(file(QStringLiteral("r.pdf"), "%PDF-1.4"));
        });
        QVERIFY(pages.open(file(QStringLiteral("r.pdf"), "%PDF-1.4"), 2));
        QCOMPARE(opened + launched, 0);   // asked for, not waited for
        QTRY_VERIFY_WITH_TIMEOUT(opened + launched >= 1, 5000);
        QTest::qWait(50);   // nothing more arrives (once only)
        QCOMPARE(opened + launched, 1);
    }
};

QTEST_MAIN(TestDocumentsController)
#include "tst_documentscontroller.moc"
