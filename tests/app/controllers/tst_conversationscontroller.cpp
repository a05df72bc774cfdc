// ConversationsController as the sidebar drives it: folders as rows (collapsed ones remembered),
// the multi-selection (Ctrl/Shift), moving, pinning, deleting with undo and exporting a
// selection, a new chat in a folder, and search saying whether a title or a message matched.
// A real store in a temporary folder; the list under QAbstractItemModelTester.
#include "chatcontroller.h"
#include "conversationlistmodel.h"
#include "conversationscontroller.h"
#include "conversationsections.h"
#include "conversationstore.h"
#include "messagelistmodel.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;
using Mode = ConversationsController::SelectMode;

class TestConversationsController : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ConversationStore> m_store;
    std::unique_ptr<MessageListModel> m_messages;
    std::unique_ptr<ChatController> m_chat;
    std::unique_ptr<ConversationsController> m_conversations;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    qint64 m_clock = 1'700'000'000'000;

    ConversationListModel& list() { return *m_conversations->list(); }

    qint64 conversation(const QString& title)
    {
        ++m_clock;
        return m_store->createConversation({title, {}, {}, {}, {}}).value();
    }

    // The rows as the sidebar shows them: "[Folder]" or "title*" (* = selected).
    QStringList rows()
    {
        QStringList out;
        for (int r = 0; r < list().rowCount(); ++r) {
            const QModelIndex i = list().index(r);
            const QString title = i.data(ConversationListModel::TitleRole).toString();
            if (i.data(ConversationListModel::IsFolderRole).toBool())
                out << QStringLiteral("[%1]").arg(title);
            else
                out << title + (i.data(ConversationListModel::SelectedRole).toBool() ? QStringLiteral("*") : QString());
        }
        return out;
    }

    int rowOf(const QString& title)
    {
        for (int r = 0; r < list().rowCount(); ++r)
            if (list().index(r).data(ConversationListModel::TitleRole).toString() == title)
                return r;
        return -1;
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        ConversationStore::Options options;
        options.clock = [this] { return m_clock; };
        m_store = std::move(ConversationStore::open(m_dir->filePath(QStringLiteral("c.db")), options)).value();
        m_messages = std::make_unique<MessageListModel>(m_store.get());
        m_chat = std::make_unique<ChatController>(
            m_store.get(), m_messages.get(), [](const Conversation&) -> ChatBackend* { return nullptr; },
            [](const Conversation&) { return TurnSettings{}; });
        m_conversations = std::make_unique<ConversationsController>(m_store.get(), m_chat.get());
        m_tester = std::make_unique<QAbstractItemModelTester>(m_conversations->list(),
                                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
    }

    void cleanup()
    {
        m_tester.reset();
        m_conversations.reset();
        m_chat.reset();
        m_messages.reset();
        m_store.reset();
        m_dir.reset();
    }

    void foldersAreRowsAndRememberCollapse()
    {
        const qint64 a = conversation(QStringLiteral("a"));
        conversation(QStringLiteral("b"));
        QSignalSpy folders(m_conversations.get(), &ConversationsController::foldersChanged);
        const qint64 work = m_conversations->createFolder(QStringLiteral("Work"), QStringLiteral("Be formal."));
        QVERIFY(work > 0);
        QCOMPARE(folders.size(), 1);
        QCOMPARE(m_conversations->folders().size(), 1);
        QCOMPARE(m_conversations->folders()[0].toMap().value(QStringLiteral("name")).toString(),
                 QStringLiteral("Work"));
        QCOMPARE(rows(), QStringList({"[Work]", "b", "a"}));
        m_conversations->moveToFolder(a, work);
        QCOMPARE(rows(), QStringList({"[Work]", "a", "b"}));
        QCOMPARE(m_conversations->folderOf(a), work);
        const QModelIndex header = list().index(0);
        QCOMPARE(header.data(ConversationListModel::FolderIdRole).toLongLong(), work);
        QCOMPARE(header.data(ConversationListModel::CountRole).toInt(), 1);
        QCOMPARE(header.data(ConversationListModel::IdRole).toLongLong(), 0);
        QCOMPARE(list().conversationIdAt(0), 0);
        QCOMPARE(list().index(1).data(ConversationListModel::FolderIdRole).toLongLong(), work);
        // Sections: the folders first, then the dates.
        auto* sections = qobject_cast<ConversationSections*>(m_conversations->model());
        QVERIFY(sections);
        QCOMPARE(sections->index(0, 0).data(sections->sectionRole()).toString(), QStringLiteral("Folders"));
        QCOMPARE(sections->index(1, 0).data(sections->sectionRole()).toString(), QStringLiteral("Folders"));
        QVERIFY(sections->index(2, 0).data(sections->sectionRole()).toString() != QStringLiteral("Folders"));

        m_conversations->setFolderCollapsed(work, true);
        QCOMPARE(rows(), QStringList({"[Work]", "b"}));
        QVERIFY(list().index(0).data(ConversationListModel::CollapsedRole).toBool());
        // Remembered: a fresh controller over the same store shows it collapsed.
        ConversationsController again(m_store.get(), m_chat.get());
        QCOMPARE(again.list()->rowCount(), 2);
        QVERIFY(again.list()->index(0).data(ConversationListModel::CollapsedRole).toBool());
        m_conversations->setFolderCollapsed(work, false);
        QCOMPARE(rows(), QStringList({"[Work]", "a", "b"}));

        QVERIFY(m_conversations->renameFolder(work, QStringLiteral("Job")));
        QCOMPARE(rows(), QStringList({"[Job]", "a", "b"}));
        QCOMPARE(m_conversations->folderName(work), QStringLiteral("Job"));
        QCOMPARE(m_conversations->folderSystemPrompt(work), QStringLiteral("Be formal."));
        m_conversations->setFolderSystemPrompt(work, QStringLiteral("Be brief."));
        QCOMPARE(m_conversations->folderSystemPrompt(work), QStringLiteral("Be brief."));
        // Deleting the folder keeps its conversation, back in the list.
        m_conversations->removeFolder(work);
        QCOMPARE(rows(), QStringList({"b", "a"}));
        QCOMPARE(m_store->conversationCount().value(), 2);
    }

    void folderErrorsAreReported()
    {
        QSignalSpy errors(m_conversations.get(), &ConversationsController::errorOccurred);
        QCOMPARE(m_conversations->createFolder(QStringLiteral(" ")), 0);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.last().at(0).toString(), QStringLiteral("A folder needs a name."));
        QVERIFY(m_conversations->createFolder(QStringLiteral("Work")) > 0);
        QCOMPARE(m_conversations->createFolder(QStringLiteral("work")), 0);
        QCOMPARE(errors.last().at(0).toString(), QStringLiteral("A folder named “work” already exists."));
        m_conversations->removeFolder(4242);
        QCOMPARE(errors.size(), 3);
        QVERIFY(errors.last().at(0).toString().contains(QLatin1String("no folder with id 4242")));
        QCOMPARE(m_conversations->newChatInFolder(4242), 0);
        QCOMPARE(errors.size(), 4);
        QCOMPARE(m_chat->conversationId(), 0);
    }

    void newChatInAFolderTakesItsPrompt()
    {
        const qint64 work = m_conversations->createFolder(QStringLiteral("Work"), QStringLiteral("Be formal."));
        const qint64 id = m_conversations->newChatInFolder(work);
        QVERIFY(id > 0);
        QCOMPARE(m_chat->conversationId(), id);
        QCOMPARE(m_store->conversation(id)->systemPrompt, QStringLiteral("Be formal."));
        QCOMPARE(m_store->conversation(id)->folderId, work);
        QCOMPARE(rows().size(), 2);
        // Its default libraries too (the conversation's "libraries", which Chat options ticks).
        m_conversations->setFolderLibraries(work, {QStringLiteral("Contracts")});
        QCOMPARE(m_conversations->folderLibraries(work), QStringList{QStringLiteral("Contracts")});
        const qint64 second = m_conversations->newChatInFolder(work);
        QCOMPARE(m_store->conversation(second)->settings.value(QLatin1String("libraries")).toArray(),
                 QJsonArray{QStringLiteral("Contracts")});
        QSignalSpy failed(m_conversations.get(), &ConversationsController::errorOccurred);
        m_conversations->setFolderLibraries(4242, {QStringLiteral("x")});
        QCOMPARE(failed.count(), 1);
    }

    void foldersAreReorderedByHand()
    {
        const qint64 a = m_conversations->createFolder(QStringLiteral("A"));
        const qint64 b = m_conversations->createFolder(QStringLiteral("B"));
        const qint64 c = m_conversations->createFolder(QStringLiteral("C"));
        QCOMPARE(rows(), QStringList({"[A]", "[B]", "[C]"}));
        QSignalSpy folders(m_conversations.get(), &ConversationsController::foldersChanged);
        // Move up / Move down (the folder's menu), one place at a time; not past either end.
        QVERIFY(m_conversations->moveFolder(c, -1));
        QCOMPARE(rows(), QStringList({"[A]", "[C]", "[B]"}));
        QCOMPARE(folders.size(), 1);
        QVERIFY(!m_conversations->moveFolder(a, -1));
        QVERIFY(!m_conversations->moveFolder(b, +1));
        QCOMPARE(folders.size(), 1);
        QVERIFY(m_conversations->moveFolder(a, +1));
        QCOMPARE(rows(), QStringList({"[C]", "[A]", "[B]"}));
        QCOMPARE(m_conversations->folderIndex(b), 2);
        QCOMPARE(m_conversations->folderIndex(4242), -1);
        // A drag drops it anywhere (clamped).
        m_conversations->moveFolderTo(b, 0);
        QCOMPARE(rows(), QStringList({"[B]", "[C]", "[A]"}));
        m_conversations->moveFolderTo(b, 99);
        QCOMPARE(rows(), QStringList({"[C]", "[A]", "[B]"}));
        // Persisted: a new controller over the store (and a reopened store) keeps the order; a new
        // folder goes last.
        const qint64 d = m_conversations->createFolder(QStringLiteral("D"));
        {
            ConversationsController again(m_store.get(), m_chat.get());
            QCOMPARE(again.folderIndex(c), 0);
            QCOMPARE(again.folderIndex(d), 3);
        }
        m_tester.reset();
        m_conversations.reset();
        m_chat.reset();
        m_messages.reset();
        const QString path = m_store->path();
        m_store.reset();
        m_store = std::move(ConversationStore::open(path)).value();
        QList<qint64> order;
        const QList<Folder> reopened = m_store->folders().value();
        for (const Folder& f : reopened)
            order << f.id;
        QCOMPARE(order, (QList<qint64>{c, a, b, d}));
        // Unknown folder: an error, nothing moved.
        QVERIFY(!m_store->moveFolder(4242, 0).ok());
    }

    void ctrlAndShiftSelect()
    {
        for (const char* t : {"e", "d", "c", "b", "a"})
            conversation(QString::fromLatin1(t));
        const qint64 work = m_conversations->createFolder(QStringLiteral("Work"));
        Q_UNUSED(work);
        QCOMPARE(rows(), QStringList({"[Work]", "a", "b", "c", "d", "e"}));
        QSignalSpy changed(m_conversations.get(), &ConversationsController::selectionChanged);
        m_conversations->select(rowOf("b"), Mode::SelectOnly);
        QCOMPARE(rows(), QStringList({"[Work]", "a", "b*", "c", "d", "e"}));
        m_conversations->select(rowOf("d"), Mode::SelectToggle);
        QCOMPARE(rows(), QStringList({"[Work]", "a", "b*", "c", "d*", "e"}));
        QCOMPARE(m_conversations->selectionCount(), 2);
        m_conversations->select(rowOf("b"), Mode::SelectToggle);   // Ctrl again: out
        QCOMPARE(rows(), QStringList({"[Work]", "a", "b", "c", "d*", "e"}));
        // Shift: from the last one clicked (b, even clicked out) to here; again: the other end moves.
        m_conversations->select(rowOf("a"), Mode::SelectRange);
        QCOMPARE(rows(), QStringList({"[Work]", "a*", "b*", "c", "d", "e"}));
        m_conversations->select(rowOf("e"), Mode::SelectRange);
        QCOMPARE(rows(), QStringList({"[Work]", "a", "b*", "c*", "d*", "e*"}));
        QCOMPARE(m_conversations->selectedIds().size(), 4);
        // A folder row is never selected.
        m_conversations->select(0, Mode::SelectToggle);
        QCOMPARE(m_conversations->selectionCount(), 4);
        m_conversations->selectAll();
        QCOMPARE(m_conversations->selectionCount(), 5);
        m_conversations->clearSelection();
        QCOMPARE(m_conversations->selectionCount(), 0);
        QVERIFY(changed.size() >= 7);
        // Shift without an earlier choice selects only that row.
        m_conversations->select(rowOf("c"), Mode::SelectRange);
        QCOMPARE(rows(), QStringList({"[Work]", "a", "b", "c*", "d", "e"}));
    }

    void selectionMovesPinsAndDeletesWithUndo()
    {
        for (const char* t : {"c", "b", "a"})
            conversation(QString::fromLatin1(t));
        const qint64 work = m_conversations->createFolder(QStringLiteral("Work"));
        m_conversations->select(rowOf("a"), Mode::SelectOnly);
        m_conversations->select(rowOf("c"), Mode::SelectToggle);
        m_conversations->moveSelectionToFolder(work);
        QCOMPARE(rows(), QStringList({"[Work]", "a*", "c*", "b"}));   // still selected, now inside
        m_conversations->moveSelectionToFolder(0);
        QCOMPARE(rows(), QStringList({"[Work]", "a*", "b", "c*"}));
        m_conversations->setSelectionPinned(true);
        QCOMPARE(rows(), QStringList({"[Work]", "a*", "c*", "b"}));   // pinned first
        QVERIFY(list().index(rowOf("c")).data(ConversationListModel::PinnedRole).toBool());

        // Delete the selection while one of them is open: the chat leaves it.
        m_chat->openConversation(list().conversationIdAt(rowOf("a")));
        QSignalSpy removed(m_conversations.get(), &ConversationsController::removed);
        m_conversations->removeSelection();
        QCOMPARE(rows(), QStringList({"[Work]", "b"}));
        QCOMPARE(removed.size(), 2);
        QCOMPARE(m_chat->conversationId(), 0);
        QCOMPARE(m_conversations->pendingDeleteCount(), 2);
        QCOMPARE(m_conversations->selectionCount(), 0);
        m_conversations->undoRemove();
        QCOMPARE(rows(), QStringList({"[Work]", "a", "c", "b"}));
        QCOMPARE(m_conversations->pendingDeleteCount(), 0);
        QCOMPARE(m_conversations->pendingDeleteId(), 0);
        // A single delete is still undoable on its own.
        m_conversations->remove(list().conversationIdAt(rowOf("b")));
        QCOMPARE(m_conversations->pendingDeleteCount(), 1);
        m_conversations->undoRemove();
        QCOMPARE(rows(), QStringList({"[Work]", "a", "c", "b"}));
    }

    void selectionExportsOneFilePerConversation()
    {
        const qint64 work = m_conversations->createFolder(QStringLiteral("Work"), QStringLiteral("Be formal."));
        const qint64 x = conversation(QStringLiteral("Same"));
        const qint64 y = conversation(QStringLiteral("Same"));
        m_conversations->moveToFolder(x, work);
        m_conversations->selectAll();
        QTemporaryDir out;
        QCOMPARE(m_conversations->exportSelectionTo(QUrl::fromLocalFile(out.path())), 2);
        QStringList files = QDir(out.path()).entryList(QDir::Files, QDir::Name);
        QCOMPARE(files, QStringList({"Same (2).json", "Same.json"}));
        // Each imports elsewhere, with its folder.
        QTemporaryDir otherDir;
        auto other = std::move(ConversationStore::open(otherDir.filePath(QStringLiteral("o.db")))).value();
        for (const QString& f : files) {
            QFile file(QDir(out.path()).filePath(f));
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY(other->importJson(file.readAll()).ok());
        }
        QCOMPARE(other->folders()->size(), 1);
        QCOMPARE(other->folders()->at(0).systemPrompt, QStringLiteral("Be formal."));
        QCOMPARE(other->listConversations(0, 10, other->folders()->at(0).id)->size(), 1);
        Q_UNUSED(y);
        // Not a folder: said, nothing written.
        QSignalSpy errors(m_conversations.get(), &ConversationsController::errorOccurred);
        QCOMPARE(m_conversations->exportSelectionTo(QUrl::fromLocalFile(out.filePath(QStringLiteral("missing")))), 0);
        QCOMPARE(errors.size(), 1);
    }

    void searchSaysWhatMatched()
    {
        const qint64 c = conversation(QStringLiteral("Lyon trip"));
        QVERIFY(m_store
                    ->appendMessage(
                        {c, 0, MessageRole::User, QStringLiteral("Where to eat in Lyon?"), MessageStatus::Done, {}})
                    .ok());
        const QVariantList hits = m_conversations->search(QStringLiteral("lyon"));
        QCOMPARE(hits.size(), 2);
        QCOMPARE(hits[0].toMap().value(QStringLiteral("inTitle")).toBool(), true);
        QCOMPARE(hits[0].toMap().value(QStringLiteral("snippetHtml")).toString(), QStringLiteral("<b>Lyon</b> trip"));
        QCOMPARE(hits[1].toMap().value(QStringLiteral("inTitle")).toBool(), false);
        QCOMPARE(hits[1].toMap().value(QStringLiteral("snippetHtml")).toString(),
                 QStringLiteral("Where to eat in <b>Lyon</b>?"));
    }
};

QTEST_GUILESS_MAIN(TestConversationsController)
#include "tst_conversationscontroller.moc"
