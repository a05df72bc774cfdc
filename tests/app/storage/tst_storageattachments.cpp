// Attachments and sources in the conversation store (schema 6): stored once per SHA-256, deleted
// with their message, branch and conversation, carried by export/import, and every bad field of
// an imported file refused with its name, nothing written.
#include "conversationstore.h"
#include "storagetestutil.h"
#include "storefixture.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;
using storagetest::rawQuery;

class TestStorageAttachments
    : public QObject
    , private storagetest::StoreFixture {
    Q_OBJECT

public:
    TestStorageAttachments()
        : StoreFixture(QStringLiteral("a"))
    {
    }

private:
    static NewAttachment document(const QString& name, const QByteArray& bytes, const QString& text)
    {
        NewAttachment a;
        a.name = name;
        a.path = QStringLiteral("/home/me/") + name;
        a.kind = AttachmentKind::Document;
        a.mimeType = QStringLiteral("text/plain");
        a.format = QStringLiteral("text");
        a.sha256 = QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
        a.size = bytes.size();
        a.text = text;
        a.sections = QJsonArray{QJsonObject{{QStringLiteral("page"), 1},
                                            {QStringLiteral("heading"), QStringLiteral("Intro")},
                                            {QStringLiteral("start"), 0},
                                            {QStringLiteral("end"), text.size()}}};
        a.tokens = 12;
        return a;
    }

    static NewAttachment image(const QByteArray& bytes)
    {
        NewAttachment a = document(QStringLiteral("cat.png"), bytes, QString());
        a.kind = AttachmentKind::Image;
        a.mimeType = QStringLiteral("image/png");
        a.format.clear();
        a.sections = {};
        a.bytes = bytes;
        return a;
    }

    QString count(const char* sql) { return rawQuery(m_path, sql).value(0); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void attachmentsReadBackInOrder()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 conv = store->createConversation().value();
        const qint64 user = append(*store, conv, 0, MessageRole::User, QStringLiteral("Summarise"));
        const NewAttachment doc = document(QStringLiteral("notes.txt"), "hello notes", QStringLiteral("hello notes"));
        const QByteArray png("\x89PNG\r\n\x1a\nfake", 12);
        QVERIFY(store->addAttachment(user, doc).ok());
        const qint64 imageId = store->addAttachment(user, image(png)).value();

        const QList<Attachment> list = store->attachments(user).value();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list[0].name, QStringLiteral("notes.txt"));
        QCOMPARE(list[0].path, QStringLiteral("/home/me/notes.txt"));
        QCOMPARE(list[0].text, QStringLiteral("hello notes"));
        QCOMPARE(list[0].sha256, doc.sha256);
        QCOMPARE(list[0].size, qint64(11));
        QCOMPARE(list[0].tokens, std::optional<qint64>(12));
        QCOMPARE(list[0].sections, doc.sections);
        QVERIFY(!list[0].hasBytes);   // a document's bytes are not kept
        QCOMPARE(list[1].kind, AttachmentKind::Image);
        QVERIFY(list[1].hasBytes);
        QCOMPARE(store->attachmentBytes(imageId).value(), png);
        QCOMPARE(store->activeAttachments(conv)->size(), 2);
        // A bad hash is refused before anything is written.
        NewAttachment bad = doc;
        bad.sha256 = QStringLiteral("xyz");
        QVERIFY(!store->addAttachment(user, bad).ok());
        QVERIFY(!store->addAttachment(9999, doc).ok());   // no such message
        QCOMPARE(count("SELECT count(*) FROM attachments"), QStringLiteral("2"));
    }

    void sameBytesAreStoredOnce()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 a = store->createConversation().value();
        const qint64 b = store->createConversation().value();
        const qint64 ua = append(*store, a, 0, MessageRole::User, QStringLiteral("one"));
        const qint64 ub = append(*store, b, 0, MessageRole::User, QStringLiteral("two"));
        const NewAttachment doc = document(QStringLiteral("report.txt"), "same bytes", QStringLiteral("same bytes"));
        NewAttachment renamed = doc;
        renamed.name = QStringLiteral("copy of report.txt");
        QVERIFY(store->addAttachment(ua, doc).ok());
        QVERIFY(store->addAttachment(ub, renamed).ok());
        QVERIFY(store->addAttachment(ub, document(QStringLiteral("other.txt"), "other", QStringLiteral("other"))).ok());
        QCOMPARE(store->attachmentFileCount().value(), qint64(2));
        QCOMPARE(count("SELECT count(*) FROM attachments"), QStringLiteral("3"));
        QCOMPARE(store->attachments(ub)->at(0).name, QStringLiteral("copy of report.txt"));

        // Deleting one conversation keeps the file the other still uses; the last one frees it.
        QVERIFY(store->deleteConversation(a).ok());
        m_clock += 10'001;
        QCOMPARE(store->purgeDeleted().value(), 1);
        QCOMPARE(store->attachmentFileCount().value(), qint64(2));
        QCOMPARE(count("SELECT count(*) FROM attachments"), QStringLiteral("2"));
        QVERIFY(store->deleteConversation(b).ok());
        m_clock += 10'001;
        QCOMPARE(store->purgeDeleted().value(), 1);
        QCOMPARE(store->attachmentFileCount().value(), qint64(0));
        QCOMPARE(count("SELECT count(*) FROM attachments"), QStringLiteral("0"));
    }

    void deletedWithTheirBranch()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 conv = store->createConversation().value();
        const auto [root, answer, branch] = appendChain(*store, conv, 0, {"first", "ok", "branch"});
        QVERIFY(store->addAttachment(root, document(QStringLiteral("kept.txt"), "kept", QStringLiteral("kept"))).ok());
        QVERIFY(
            store->addAttachment(branch, document(QStringLiteral("gone.txt"), "gone", QStringLiteral("gone"))).ok());
        QVERIFY(
            store->setSources(answer, {{QStringLiteral("kept.txt"), {}, 0, {}, 0, 4, QStringLiteral("kept")}}).ok());
        // A message removed (with foreign keys on, as the store runs) takes its subtree's
        // attachments and their files with it.
        QVERIFY(store->database().exec("DELETE FROM messages WHERE id = " + QByteArray::number(answer)).ok());
        QCOMPARE(count("SELECT name FROM attachments"), QStringLiteral("kept.txt"));
        QCOMPARE(store->attachmentFileCount().value(), qint64(1));
        QCOMPARE(count("SELECT count(*) FROM message_sources"), QStringLiteral("0"));
        QCOMPARE(rawQuery(m_path, "PRAGMA foreign_key_check"), QStringList());
    }

    void sourcesSurviveAReopen()
    {
        QList<MessageSource> cited{
            {QStringLiteral("contract.pdf"), QStringLiteral("/docs/contract.pdf"), 3, QStringLiteral("Terms"), 120, 980,
             QStringLiteral("The tenant pays on the first day.")},
            {QStringLiteral("notes.md"), QString(), 0, QStringLiteral("Rent"), 0, 40, QStringLiteral("Rent: 800")}};
        qint64 answer = 0;
        {
            auto store = openStore();
            QVERIFY(store);
            const qint64 conv = store->createConversation().value();
            const qint64 q = append(*store, conv, 0, MessageRole::User, QStringLiteral("When?"));
            answer = append(*store, conv, q, MessageRole::Assistant, QStringLiteral("On the first [1]."));
            QVERIFY(store->setSources(answer, {cited[1]}).ok());
            QVERIFY(store->setSources(answer, cited).ok());   // replaces, not appends
        }
        ConversationStore::Options options;
        auto again = ConversationStore::open(m_path, options);
        QVERIFY(again.ok());
        QCOMPARE(again.value()->sources(answer).value(), cited);
    }

    void exportImportRoundTrip()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 conv = store->createConversation().value();
        const auto [q, a] = appendChain(*store, conv, 0, {"What is in it?", "A cat [1]."});
        const NewAttachment doc = document(QStringLiteral("notes.txt"), "héllo notes", QStringLiteral("héllo notes"));
        const QByteArray png("\x89PNG\r\n\x1a\nbytes", 13);
        QVERIFY(store->addAttachment(q, doc).ok());
        QVERIFY(store->addAttachment(q, image(png)).ok());
        const QList<MessageSource> cited{{QStringLiteral("notes.txt"), QStringLiteral("/home/me/notes.txt"), 1,
                                          QStringLiteral("Intro"), 0, 5, QStringLiteral("héllo")}};
        QVERIFY(store->setSources(a, cited).ok());

        // Without "include files": text and metadata, no bytes, never the local path.
        const QByteArray plain = store->exportJson(conv).value();
        QVERIFY(!plain.contains("\"bytes\""));
        QVERIFY(!plain.contains("/home/me"));
        QVERIFY(plain.contains("héllo notes"));
        const qint64 imported = store->importJson(plain).value();
        const qint64 importedQ = store->activePath(imported)->at(0).id;
        const qint64 importedA = store->activePath(imported)->at(1).id;
        const QList<Attachment> back = store->attachments(importedQ).value();
        QCOMPARE(back.size(), 2);
        QCOMPARE(back[0].name, doc.name);
        QCOMPARE(back[0].text, doc.text);
        QCOMPARE(back[0].sections, doc.sections);
        QCOMPARE(back[0].tokens, doc.tokens);
        QCOMPARE(back[0].path, QString());
        QCOMPARE(back[1].kind, AttachmentKind::Image);
        // Same content: one stored file each, the image's bytes still there from the original.
        QCOMPARE(store->attachmentFileCount().value(), qint64(2));
        QList<MessageSource> citedNoPath = cited;
        citedNoPath[0].path.clear();
        QCOMPARE(store->sources(importedA).value(), citedNoPath);
        // Exported again: the same file (ids are the file's own).
        QCOMPARE(store->exportJson(imported).value(), plain);

        // With "include files": the image's bytes, base64, checked and restored in a fresh store.
        const QByteArray full = store->exportJson(conv, ExportOptions{true}).value();
        QVERIFY(full.contains(png.toBase64()));
        auto other = openStore();
        QVERIFY(other);
        const qint64 copy = other->importJson(full).value();
        const QList<Attachment> copied = other->attachments(other->activePath(copy)->at(0).id).value();
        QCOMPARE(copied.size(), 2);
        QVERIFY(copied[1].hasBytes);
        QCOMPARE(other->attachmentBytes(copied[1].id).value(), png);
        QVERIFY(!copied[0].hasBytes);
    }

    void badImportInput_data()
    {
        QTest::addColumn<QString>("field");   // a JSON pointer-like path inside the first attachment
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<QString>("message");
        const QString at = QStringLiteral("messages[0].attachments[0]");
        QTest::newRow("name not a string") << "name" << QJsonValue(3) << at + ".name must be a string";
        QTest::newRow("empty name") << "name" << QJsonValue(QStringLiteral(" ")) << at + ".name must not be empty";
        QTest::newRow("unknown kind") << "kind" << QJsonValue(QStringLiteral("video"))
                                      << at + ".kind must be document or image";
        QTest::newRow("short sha256") << "sha256" << QJsonValue(QStringLiteral("abc"))
                                      << at + ".sha256 must be 64 lowercase hexadecimal digits";
        QTest::newRow("negative size") << "size" << QJsonValue(-4) << at + ".size must be a whole number, 0 or more";
        QTest::newRow("text not a string") << "text" << QJsonValue(true) << at + ".text must be a string";
        QTest::newRow("sections not an array")
            << "sections" << QJsonValue(QStringLiteral("x")) << at + ".sections must be an array";
        QTest::newRow("section past the text")
            << "sections"
            << QJsonValue(QJsonArray{QJsonObject{{QStringLiteral("start"), 0}, {QStringLiteral("end"), 500}}})
            << at + ".sections[0]: start and end must be a range within the text";
        QTest::newRow("page zero") << "sections"
                                   << QJsonValue(QJsonArray{QJsonObject{{QStringLiteral("page"), 0},
                                                                        {QStringLiteral("start"), 0},
                                                                        {QStringLiteral("end"), 1}}})
                                   << at + ".sections[0].page must be null or a page number from 1";
        QTest::newRow("bytes not base64")
            << "bytes" << QJsonValue(QStringLiteral("@@@@")) << at + ".bytes is not valid base64";
        QTest::newRow("bytes of another size")
            << "bytes" << QJsonValue(QString::fromLatin1(QByteArray("abc").toBase64()))
            << at + ".bytes holds 3 bytes, not the 5 its size says";
        QTest::newRow("bytes altered") << "bytes" << QJsonValue(QString::fromLatin1(QByteArray("HELLO").toBase64()))
                                       << at + ".bytes does not match its sha256 (damaged or altered)";
        QTest::newRow("bytes over the cap")
            << "bytes" << QJsonValue(QString(int((kMaxExportedFileBytes + 2) / 3 * 4 + 4), QLatin1Char('A')))
            << at + ".bytes is larger than the 32 MB an export may carry";
        QTest::newRow("attachments not an array")
            << "/attachments" << QJsonValue(QStringLiteral("x")) << "messages[0].attachments must be an array";
        QTest::newRow("sources on a user message")
            << "/sources"
            << QJsonValue(QJsonArray{QJsonObject{{QStringLiteral("file"), QStringLiteral("a")},
                                                 {QStringLiteral("text"), QStringLiteral("b")},
                                                 {QStringLiteral("start"), 0},
                                                 {QStringLiteral("end"), 1}}})
            << "messages[0].sources is only allowed on an assistant message";
    }

    void badImportInput()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        QFETCH(QString, message);
        auto store = openStore();
        QVERIFY(store);
        const qint64 conv = store->createConversation().value();
        const qint64 q = message_(*store, conv);
        QVERIFY(store->addAttachment(q, document(QStringLiteral("hello.txt"), "hello", QStringLiteral("hello"))).ok());
        QJsonObject root = QJsonDocument::fromJson(store->exportJson(conv).value()).object();
        QJsonArray messages = root.value(QStringLiteral("messages")).toArray();
        QJsonObject first = messages[0].toObject();
        if (field.startsWith(QLatin1Char('/'))) {
            first[field.mid(1)] = value;
        } else {
            QJsonArray attachments = first.value(QStringLiteral("attachments")).toArray();
            QJsonObject a = attachments[0].toObject();
            a[field] = value;
            attachments[0] = a;
            first[QStringLiteral("attachments")] = attachments;
        }
        messages[0] = first;
        root[QStringLiteral("messages")] = messages;
        const QString before = count("SELECT count(*) FROM conversations") + count("SELECT count(*) FROM attachments") +
                               count("SELECT count(*) FROM attachment_files");

        const auto result = store->importJson(QJsonDocument(root).toJson());
        QVERIFY(!result.ok());
        QVERIFY2(result.errorString().contains(message), qPrintable(result.errorString()));
        QVERIFY(result.errorString().startsWith(QLatin1String("The conversation export is invalid")));
        const QString after = count("SELECT count(*) FROM conversations") + count("SELECT count(*) FROM attachments") +
                              count("SELECT count(*) FROM attachment_files");
        QCOMPARE(after, before);
    }

private:
    qint64 message_(ConversationStore& s, qint64 conv)
    {
        return append(s, conv, 0, MessageRole::User, QStringLiteral("q"));
    }
};

QTEST_GUILESS_MAIN(TestStorageAttachments)
#include "tst_storageattachments.moc"
