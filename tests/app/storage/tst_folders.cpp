// Folders in the conversation store: create, rename, default prompt, collapse, delete (its
// conversations stay), moves, the multi-selection operations, title search, and folders
// through JSON export and import. Checked against the raw file where the store could lie.
#include "conversationstore.h"
#include "storagetestutil.h"
#include "storefixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;
using storagetest::rawQuery;

class TestFolders
    : public QObject
    , private storagetest::StoreFixture {
    Q_OBJECT

public:
    TestFolders()
        : StoreFixture(QStringLiteral("folders"))
    {
    }

private:
    qint64 conversation(ConversationStore& s, const QString& title, qint64 folderId = 0)
    {
        ++m_clock;
        NewConversation nc;
        nc.title = title;
        nc.folderId = folderId;
        auto id = s.createConversation(nc);
        if (!id)
            qWarning() << id.error().message;
        return id ? *id : -1;
    }

    static QList<qint64> ids(const QList<Conversation>& list)
    {
        QList<qint64> out;
        for (const Conversation& c : list)
            out << c.id;
        return out;
    }

private Q_SLOTS:
    void createRenameAndList()
    {
        auto store = openStore();
        QVERIFY(store);
        QSignalSpy folders(store.get(), &ConversationStore::foldersChanged);
        const qint64 work = store->createFolder(QStringLiteral("  Work  "), QStringLiteral("Be formal.")).value();
        const qint64 home = store->createFolder(QStringLiteral("Home")).value();
        QCOMPARE(folders.size(), 2);
        auto list = store->folders().value();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list[0].id, work);                       // in creation order
        QCOMPARE(list[0].name, QStringLiteral("Work"));   // trimmed
        QCOMPARE(list[0].systemPrompt, QStringLiteral("Be formal."));
        QCOMPARE(list[1].name, QStringLiteral("Home"));
        QCOMPARE(list[1].collapsed, false);

        QVERIFY(store->renameFolder(home, QStringLiteral("Family")).ok());
        QCOMPARE(store->folder(home)->name, QStringLiteral("Family"));
        QVERIFY(store->setFolderSystemPrompt(home, QStringLiteral("Be warm.")).ok());
        QCOMPARE(store->folder(home)->systemPrompt, QStringLiteral("Be warm."));
        QVERIFY(store->setFolderCollapsed(home, true).ok());
        QCOMPARE(store->folder(home)->collapsed, true);
        QCOMPARE(rawQuery(m_path, "SELECT name, system_prompt, collapsed FROM folders ORDER BY id"),
                 QStringList({QStringLiteral("Work|Be formal.|0"), QStringLiteral("Family|Be warm.|1")}));
        QCOMPARE(store->folderNamed(QStringLiteral("family"))->value().id, home);   // case-insensitive
        QVERIFY(!store->folderNamed(QStringLiteral("Nope"))->has_value());
    }

    void badNamesAndUnknownFoldersAreRefused()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 work = store->createFolder(QStringLiteral("Work")).value();
        auto empty = store->createFolder(QStringLiteral("   "));
        QVERIFY(!empty.ok());
        QCOMPARE(empty.errorString(), QStringLiteral("A folder needs a name."));
        auto twice = store->createFolder(QStringLiteral("WORK"));
        QVERIFY(!twice.ok());
        QCOMPARE(twice.errorString(), QStringLiteral("A folder named “WORK” already exists."));
        const qint64 other = store->createFolder(QStringLiteral("Other")).value();
        auto rename = store->renameFolder(other, QStringLiteral("work"));
        QVERIFY(!rename.ok());
        QCOMPARE(rename.errorString(), QStringLiteral("A folder named “work” already exists."));
        QVERIFY(!store->renameFolder(other, QString()).ok());
        QCOMPARE(store->folder(other)->name, QStringLiteral("Other"));

        const QString missing = QStringLiteral("There is no folder with id 99 (it may have been deleted).");
        QCOMPARE(store->renameFolder(99, QStringLiteral("x")).errorString(), missing);
        QCOMPARE(store->setFolderCollapsed(99, true).errorString(), missing);
        QCOMPARE(store->setFolderSystemPrompt(99, QStringLiteral("x")).errorString(), missing);
        QCOMPARE(store->deleteFolder(99).errorString(), missing);
        const qint64 c = conversation(*store, QStringLiteral("c"));
        QCOMPARE(store->moveToFolder({c}, 99).errorString(), missing);
        NewConversation nc;
        nc.folderId = 99;
        QCOMPARE(store->createConversation(nc).errorString(), missing);
        QCOMPARE(store->moveToFolder({c, 12345}, work).errorString(),
                 QStringLiteral("There is no conversation with id 12345 (it may have been deleted)."));
        // All or nothing: c did not move either.
        QCOMPARE(store->conversation(c)->folderId, 0);
        // STRICT and CHECKed in the file itself.
        QVERIFY(!storagetest::rawExec(m_path, "UPDATE folders SET collapsed = 2"));
        QVERIFY(!storagetest::rawExec(m_path, "INSERT INTO folders (name, created_at) VALUES ('  ', 0)"));
    }

    void newConversationsTakeTheFolderPrompt()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 work = store->createFolder(QStringLiteral("Work"), QStringLiteral("Be formal.")).value();
        const qint64 c = conversation(*store, QStringLiteral("In work"), work);
        QCOMPARE(store->conversation(c)->folderId, work);
        QCOMPARE(store->conversation(c)->systemPrompt, QStringLiteral("Be formal."));
        // A prompt given explicitly wins.
        NewConversation own;
        own.folderId = work;
        own.systemPrompt = QStringLiteral("Be brief.");
        QCOMPARE(store->conversation(store->createConversation(own).value())->systemPrompt,
                 QStringLiteral("Be brief."));
        // Changing the folder's prompt later leaves existing conversations as they are.
        QVERIFY(store->setFolderSystemPrompt(work, QStringLiteral("Be casual.")).ok());
        QCOMPARE(store->conversation(c)->systemPrompt, QStringLiteral("Be formal."));
        // Outside a folder: no prompt.
        QCOMPARE(store->conversation(conversation(*store, QStringLiteral("plain")))->systemPrompt, QString());
    }

    // A folder's default libraries (Settings → Libraries) are given to the conversations created
    // in it, like its prompt; libraries given explicitly win; a later change leaves them alone.
    void newConversationsTakeTheFolderLibraries()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 work = store->createFolder(QStringLiteral("Work")).value();
        QVERIFY(store->setFolderLibraries(work, {QStringLiteral("Contracts"), QStringLiteral("Notes")}).ok());
        QCOMPARE(store->folder(work)->settings.value(QLatin1String("libraries")).toArray(),
                 QJsonArray({QStringLiteral("Contracts"), QStringLiteral("Notes")}));
        const qint64 c = conversation(*store, QStringLiteral("In work"), work);
        QCOMPARE(store->conversation(c)->settings.value(QLatin1String("libraries")).toArray(),
                 QJsonArray({QStringLiteral("Contracts"), QStringLiteral("Notes")}));
        NewConversation own;
        own.folderId = work;
        own.settings.insert(QLatin1String("libraries"), QJsonArray({QStringLiteral("Mine")}));
        QCOMPARE(store->conversation(store->createConversation(own).value())
                     ->settings.value(QLatin1String("libraries"))
                     .toArray(),
                 QJsonArray({QStringLiteral("Mine")}));
        QVERIFY(store->setFolderLibraries(work, {}).ok());
        QVERIFY(!store->folder(work)->settings.contains(QLatin1String("libraries")));
        QCOMPARE(store->conversation(c)->settings.value(QLatin1String("libraries")).toArray().size(), 2);
        QVERIFY(!store->conversation(conversation(*store, QStringLiteral("later"), work))
                     ->settings.contains(QLatin1String("libraries")));
        QVERIFY(!store->setFolderLibraries(9999, {QStringLiteral("x")}).ok());   // no such folder
    }

    void moveAndListByFolder()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 work = store->createFolder(QStringLiteral("Work")).value();
        const qint64 a = conversation(*store, QStringLiteral("a"));
        const qint64 b = conversation(*store, QStringLiteral("b"));
        const qint64 c = conversation(*store, QStringLiteral("c"));
        QVERIFY(store->moveToFolder({a, c}, work).ok());
        QCOMPARE(ids(store->listConversations(0, 10, work).value()), (QList<qint64>{c, a}));
        QCOMPARE(ids(store->listConversations(0, 10, kNoFolder).value()), (QList<qint64>{b}));
        QCOMPARE(ids(store->listConversations(0, 10).value()), (QList<qint64>{c, b, a}));
        QCOMPARE(store->folder(work)->conversationCount, 2);
        // Out again.
        QVERIFY(store->moveToFolder({c}, 0).ok());
        QCOMPARE(ids(store->listConversations(0, 10, work).value()), (QList<qint64>{a}));
        QCOMPARE(rawQuery(m_path, "SELECT id, coalesce(folder_id, 'none') FROM conversations ORDER BY id"),
                 QStringList({QStringLiteral("%1|%2").arg(a).arg(work), QStringLiteral("%1|none").arg(b),
                              QStringLiteral("%1|none").arg(c)}));
        // A deleted conversation no longer counts.
        QVERIFY(store->deleteConversation(a).ok());
        QCOMPARE(store->folder(work)->conversationCount, 0);
    }

    void deletingAFolderKeepsItsConversations()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 work = store->createFolder(QStringLiteral("Work")).value();
        const qint64 a = conversation(*store, QStringLiteral("a"), work);
        QVERIFY(store->appendMessage({a, 0, MessageRole::User, QStringLiteral("hello"), MessageStatus::Done, {}}).ok());
        const qint64 b = conversation(*store, QStringLiteral("b"), work);
        QVERIFY(store->deleteFolder(work).ok());
        QVERIFY(store->folders()->isEmpty());
        QCOMPARE(store->conversationCount().value(), 2);
        QCOMPARE(ids(store->listConversations(0, 10, kNoFolder).value()), (QList<qint64>{b, a}));
        QCOMPARE(store->conversation(a)->folderId, 0);
        QCOMPARE(store->activePath(a)->size(), 1);
        QCOMPARE(rawQuery(m_path, "SELECT count(*) FROM conversations WHERE folder_id IS NOT NULL"),
                 QStringList{QStringLiteral("0")});
        QCOMPARE(rawQuery(m_path, "PRAGMA foreign_key_check"), QStringList());
    }

    void severalAtOnceWithUndo()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 a = conversation(*store, QStringLiteral("a"));
        const qint64 b = conversation(*store, QStringLiteral("b"));
        const qint64 c = conversation(*store, QStringLiteral("c"));
        QSignalSpy changed(store.get(), &ConversationStore::conversationsChanged);
        QVERIFY(store->setPinned(QList<qint64>{a, b}, true).ok());
        QCOMPARE(changed.size(), 1);   // one signal, one reload of the list
        QCOMPARE(ids(store->listConversations(0, 10).value()), (QList<qint64>{b, a, c}));
        QVERIFY(store->deleteConversations({a, c}).ok());
        QCOMPARE(ids(store->listConversations(0, 10).value()), (QList<qint64>{b}));
        QVERIFY(store->undoDelete(QList<qint64>{a, c}).ok());
        QCOMPARE(ids(store->listConversations(0, 10).value()), (QList<qint64>{b, a, c}));
        // After the undo window, gone for good.
        QVERIFY(store->deleteConversations({a, c}).ok());
        m_clock += 60'000;
        auto late = store->undoDelete(QList<qint64>{a, c});
        QVERIFY(!late.ok());
        QVERIFY2(late.errorString().contains(QLatin1String("can no longer be restored")),
                 qPrintable(late.errorString()));
        QCOMPARE(store->purgeDeleted().value(), 2);
        QCOMPARE(store->conversationCount().value(), 1);
    }

    void searchFindsTitlesAndSaysSo()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 trip = conversation(*store, QStringLiteral("Été à Lyon"));
        const qint64 other = conversation(*store, QStringLiteral("Cooking"));
        const qint64 m =
            store
                ->appendMessage(
                    {other, 0, MessageRole::User, QStringLiteral("Lyon has good food"), MessageStatus::Done, {}})
                .value();
        auto hits = store->search(QStringLiteral("lyon")).value();
        QCOMPARE(hits.size(), 2);
        QCOMPARE(hits[0].inTitle, true);   // titles first
        QCOMPARE(hits[0].conversationId, trip);
        QCOMPARE(hits[0].messageId, 0);
        QCOMPARE(hits[0].snippet, QStringLiteral("Été à Lyon"));
        QCOMPARE(hits[0].matches, (QList<QPair<int, int>>{{6, 4}}));
        QCOMPARE(hits[1].inTitle, false);
        QCOMPARE(hits[1].messageId, m);
        QCOMPARE(hits[1].snippetHtml(), QStringLiteral("<b>Lyon</b> has good food"));
        // Accents and case folded; every word must be in the title; matches merged and ordered.
        auto ete = store->search(QStringLiteral("LYON ete")).value();
        QCOMPARE(ete.size(), 1);
        QCOMPARE(ete[0].snippetHtml(), QStringLiteral("<b>Été</b> à <b>Lyon</b>"));
        QCOMPARE(store->search(QStringLiteral("lyon paris"))->size(), 0);
        // Whole words, the last one completed as typed (3+ letters), as for messages.
        QCOMPARE(store->search(QStringLiteral("yo"))->size(), 0);
        QCOMPARE(store->search(QStringLiteral("lyo"))->size(), 2);
        QCOMPARE(store->search(QStringLiteral("lyo"))->at(0).snippetHtml(), QStringLiteral("Été à <b>Lyon</b>"));
        // Renamed: found by the new title only.
        QVERIFY(store->renameConversation(other, QStringLiteral("Baking")).ok());
        QCOMPARE(store->search(QStringLiteral("cooking"))->size(), 0);
        QCOMPARE(store->search(QStringLiteral("baking")).value().at(0).conversationId, other);
        QVERIFY(store->renameConversation(other, QStringLiteral("Cooking")).ok());
        // Deleted conversations are not found by title either.
        QVERIFY(store->deleteConversation(trip).ok());
        QCOMPARE(store->search(QStringLiteral("été")).value().size(), 0);
        // The limit counts title hits.
        QCOMPARE(store->search(QStringLiteral("lyon cooking"), 1)->size(), 0);
        QCOMPARE(store->search(QStringLiteral("cooking"), 1)->size(), 1);
    }

    void exportCarriesTheFolderAndImportReusesIt()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 work = store->createFolder(QStringLiteral("Work"), QStringLiteral("Be formal.")).value();
        const qint64 c = conversation(*store, QStringLiteral("Report"), work);
        QVERIFY(store->appendMessage({c, 0, MessageRole::User, QStringLiteral("hi"), MessageStatus::Done, {}}).ok());
        const QByteArray json = store->exportJson(c).value();
        const QJsonObject folder = QJsonDocument::fromJson(json).object().value(QLatin1String("folder")).toObject();
        QCOMPARE(folder.value(QLatin1String("name")).toString(), QStringLiteral("Work"));
        QCOMPARE(folder.value(QLatin1String("system_prompt")).toString(), QStringLiteral("Be formal."));

        // Here: the same folder, reused by name; the round trip is exact.
        const qint64 again = store->importJson(json).value();
        QCOMPARE(store->conversation(again)->folderId, work);
        QCOMPARE(store->folders()->size(), 1);
        QCOMPARE(store->exportJson(again).value(), json);

        // Elsewhere: the folder is created, with the export's prompt.
        auto fresh = openStore();
        QVERIFY(fresh);
        const qint64 imported = fresh->importJson(json).value();
        const auto folders = fresh->folders().value();
        QCOMPARE(folders.size(), 1);
        QCOMPARE(folders[0].name, QStringLiteral("Work"));
        QCOMPARE(folders[0].systemPrompt, QStringLiteral("Be formal."));
        QCOMPARE(fresh->conversation(imported)->folderId, folders[0].id);

        // An existing folder of that name (any case) keeps its own prompt.
        auto third = openStore();
        QVERIFY(third);
        const qint64 mine = third->createFolder(QStringLiteral("WORK"), QStringLiteral("Mine.")).value();
        const qint64 i3 = third->importJson(json).value();
        QCOMPARE(third->conversation(i3)->folderId, mine);
        QCOMPARE(third->folder(mine)->systemPrompt, QStringLiteral("Mine."));
    }

    void exportsWithoutFoldersStillImport()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 c = conversation(*store, QStringLiteral("Plain"));
        const QByteArray json = store->exportJson(c).value();
        QVERIFY(!QJsonDocument::fromJson(json).object().contains(QLatin1String("folder")));
        const qint64 imported = store->importJson(json).value();
        QCOMPARE(store->conversation(imported)->folderId, 0);
        QVERIFY(store->folders()->isEmpty());
        // An export written before folders existed (format 1, no "folder" key).
        const QByteArray old = R"({"format": "causerie.conversation", "version": 1, "title": "Old",
            "created_at": 1, "updated_at": 2, "pinned": false, "backend": "", "model": "",
            "system_prompt": "", "settings": {}, "active_leaf": null, "messages": []})";
        auto oldId = store->importJson(old);
        QVERIFY2(oldId.ok(), qPrintable(oldId.errorString()));
        QCOMPARE(store->conversation(*oldId)->title, QStringLiteral("Old"));
        QCOMPARE(store->conversation(*oldId)->folderId, 0);
    }

    void badFolderFieldsAreRefusedBeforeWriting()
    {
        auto store = openStore();
        QVERIFY(store);
        const QByteArray base = R"({"format": "causerie.conversation", "version": 1, "title": "T",
            "created_at": 1, "updated_at": 2, "pinned": false, "backend": "", "model": "",
            "system_prompt": "", "settings": {}, "active_leaf": null, "messages": [], "folder": %1})";
        const QList<QPair<QByteArray, QString>> cases = {
            {"\"Work\"", QStringLiteral("field \"folder\" must be an object")},
            {"{}", QStringLiteral("field \"folder.name\" must be a non-empty string")},
            {"{\"name\": \"  \"}", QStringLiteral("field \"folder.name\" must be a non-empty string")},
            {"{\"name\": 3}", QStringLiteral("field \"folder.name\" must be a non-empty string")},
            {"{\"name\": \"W\", \"system_prompt\": 1}",
             QStringLiteral("field \"folder.system_prompt\" must be a string")},
        };
        for (const auto& [folder, message] : cases) {
            QByteArray json = base;
            json.replace("%1", folder);
            auto r = store->importJson(json);
            QVERIFY(!r.ok());
            QCOMPARE(r.errorString(), QStringLiteral("The conversation export is invalid: %1.").arg(message));
        }
        QCOMPARE(store->conversationCount().value(), 0);
        QVERIFY(store->folders()->isEmpty());
        // null is "no folder", like an absent key.
        QByteArray none = base;
        none.replace("%1", "null");
        QVERIFY(store->importJson(none).ok());
        QVERIFY(store->folders()->isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestFolders)
#include "tst_folders.moc"
