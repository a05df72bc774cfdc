// Folders in the conversation store: create, rename, default prompt, collapse, delete (its
// conversations stay), moves, the multi-selection operations, title search, and folders
// through JSON export and import. Checked against the raw file where the store could lie.
#include "conversationstore.h"
#include "storagetestutil.h"
#include "storefixture.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;
using storagetest::ids;
using storagetest::names;
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

    static NewAttachment document(const QString& name, const QString& text, QChar hash)
    {
        NewAttachment a;
        a.name = name;
        a.path = QStringLiteral("/home/me/") + name;
        a.mimeType = QStringLiteral("text/plain");
        a.format = QStringLiteral("text");
        a.sha256 = QString(64, hash);
        a.size = text.size();
        a.text = text;
        a.sections =
            QJsonArray{QJsonObject{{"page", QJsonValue()}, {"heading", ""}, {"start", 0}, {"end", text.size()}}};
        a.tokens = 5;
        return a;
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

    void folderDocumentsAreKeptInOrderAndShareTheirContent()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 work = store->createFolder(QStringLiteral("Work")).value();
        const qint64 home = store->createFolder(QStringLiteral("Home")).value();
        QSignalSpy changed(store.get(), &ConversationStore::foldersChanged);
        const qint64 style = store->addFolderFile(work, document("style.md", "Write short sentences.", 'a')).value();
        const qint64 terms = store->addFolderFile(work, document("terms.txt", "Net 30 days.", 'b')).value();
        QCOMPARE(changed.size(), 2);
        // The same content in another folder and on a message: stored once.
        (void)store->addFolderFile(home, document("style copy.md", "Write short sentences.", 'a')).value();
        const qint64 c = conversation(*store, QStringLiteral("Chat"), work);
        const qint64 m =
            store->appendMessage({c, 0, MessageRole::User, QStringLiteral("hi"), MessageStatus::Done, {}}).value();
        QVERIFY(store->addAttachment(m, document("terms.txt", "Net 30 days.", 'b')).ok());
        QCOMPARE(store->attachmentFileCount().value(), qint64(2));

        // The list for the dialog: names and metadata, no text; the worker's read has the text.
        const QList<Attachment> listed = store->folderFiles(work).value();
        QCOMPARE(names(listed), (QStringList{"style.md", "terms.txt"}));
        QCOMPARE(listed[0].id, style);
        QCOMPARE(listed[0].size, qint64(22));
        QCOMPARE(listed[0].tokens, std::optional<qint64>(5));
        QVERIFY(listed[0].text.isEmpty());
        const QList<Attachment> full = readFolderFiles(store->database(), work, true).value();
        QCOMPARE(full[1].text, QStringLiteral("Net 30 days."));
        QCOMPARE(full[1].path, QStringLiteral("/home/me/terms.txt"));
        QCOMPARE(full[1].sections.size(), 1);

        // Removing: the content stays while a folder or a message holds it, then goes.
        QVERIFY(store->removeFolderFile(work, terms).ok());
        QCOMPARE(names(store->folderFiles(work).value()), QStringList{"style.md"});
        QCOMPARE(store->attachmentFileCount().value(), qint64(2));   // the message holds terms
        QVERIFY(store->removeFolderFile(work, style).ok());
        QCOMPARE(store->attachmentFileCount().value(), qint64(2));   // Home holds style
        QVERIFY(store->deleteFolder(home).ok());                     // its files go with it
        QCOMPARE(rawQuery(store->path(), "SELECT count(*) FROM folder_files"), QStringList{"0"});
        QCOMPARE(store->attachmentFileCount().value(), qint64(1));   // only the message's
        // A message's last attachment leaving no longer takes a folder's file with it.
        const qint64 again = store->addFolderFile(work, document("terms.txt", "Net 30 days.", 'b')).value();
        QVERIFY(store->deleteConversation(c).ok());
        m_clock += 60'000;
        QCOMPARE(store->purgeDeleted().value(), 1);
        QCOMPARE(store->attachmentFileCount().value(), qint64(1));
        QCOMPARE(readFolderFiles(store->database(), work, true)->value(0).text, QStringLiteral("Net 30 days."));

        // Bad input: an unknown folder, a file without its hash, an unknown row.
        QVERIFY(!store->addFolderFile(999, document("x.txt", "x", 'c')).ok());
        NewAttachment noHash = document("x.txt", "x", 'c');
        noHash.sha256.clear();
        QVERIFY(store->addFolderFile(work, noHash).errorString().contains(QLatin1String("SHA-256")));
        QVERIFY(!store->removeFolderFile(home, again).ok());   // not that folder's
        QCOMPARE(store->folderFiles(work)->size(), 1);
    }

    void folderDocumentsTravelWithTheExport()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 work = store->createFolder(QStringLiteral("Work"), QStringLiteral("Be formal.")).value();
        (void)store->addFolderFile(work, document("style.md", "Write short sentences.", 'a')).value();
        NewAttachment logo = document("logo.png", QString(), 'd');
        logo.kind = AttachmentKind::Image;
        logo.mimeType = QStringLiteral("image/png");
        logo.bytes = QByteArray("\x89PNG fake");
        logo.size = logo.bytes.size();
        logo.sha256 = QString::fromLatin1(QCryptographicHash::hash(logo.bytes, QCryptographicHash::Sha256).toHex());
        logo.sections = {};
        (void)store->addFolderFile(work, logo).value();
        const qint64 c = conversation(*store, QStringLiteral("Report"), work);
        const QByteArray json = store->exportJson(c).value();
        const QJsonObject folder = QJsonDocument::fromJson(json).object().value(QLatin1String("folder")).toObject();
        const QJsonArray files = folder.value(QLatin1String("files")).toArray();
        QCOMPARE(files.size(), 2);
        QCOMPARE(files[0].toObject().value("name").toString(), QStringLiteral("style.md"));
        QCOMPARE(files[0].toObject().value("text").toString(), QStringLiteral("Write short sentences."));
        QVERIFY(!files[0].toObject().contains(QLatin1String("path")));    // no folder of this machine named
        QVERIFY(!files[1].toObject().contains(QLatin1String("bytes")));   // not asked for

        // Elsewhere: the new folder gets the documents; with "include files", the image's bytes too.
        const QByteArray withBytes = store->exportJson(c, ExportOptions{true}).value();
        auto fresh = openStore();
        QVERIFY(fresh);
        const qint64 imported = fresh->importJson(withBytes).value();
        const qint64 created = fresh->conversation(imported)->folderId;
        const QList<Attachment> got = readFolderFiles(fresh->database(), created, true).value();
        QCOMPARE(names(got), (QStringList{"style.md", "logo.png"}));
        QCOMPARE(got[0].text, QStringLiteral("Write short sentences."));
        QCOMPARE(got[0].path, QString());
        QCOMPARE(got[1].kind, AttachmentKind::Image);
        QCOMPARE(got[1].bytes, logo.bytes);
        // And the export from there carries the same folder (round trip).
        QCOMPARE(QJsonDocument::fromJson(fresh->exportJson(imported, ExportOptions{true}).value())
                     .object()
                     .value(QLatin1String("folder")),
                 QJsonDocument::fromJson(withBytes).object().value(QLatin1String("folder")));

        // An existing folder of that name keeps its own documents.
        auto third = openStore();
        QVERIFY(third);
        const qint64 mine = third->createFolder(QStringLiteral("Work")).value();
        (void)third->importJson(json).value();
        QVERIFY(third->folderFiles(mine)->isEmpty());

        // Bad folder files: refused before anything is written, the field named.
        QByteArray bad = json;
        bad.replace("\"style.md\"", "\"\"");
        auto r = third->importJson(bad);
        QVERIFY(!r.ok());
        QCOMPARE(r.errorString(),
                 QStringLiteral("The conversation export is invalid: folder.files[0].name must not be empty."));
        QJsonObject root = QJsonDocument::fromJson(json).object();
        QJsonObject f = root.value(QLatin1String("folder")).toObject();
        f[QLatin1String("files")] = QStringLiteral("style.md");
        root[QLatin1String("folder")] = f;
        r = third->importJson(QJsonDocument(root).toJson());
        QCOMPARE(r.errorString(), QStringLiteral("The conversation export is invalid: folder.files must be an array."));
        QCOMPARE(third->conversationCount().value(), 1);
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
