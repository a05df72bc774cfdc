// Attachments and sources of the conversation store (schema 6), and their JSON form in exports.
#include "attachmentjson.h"
#include "conversationstore.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>

#include <limits>

namespace causerie::storage {
namespace {

constexpr char kAttachmentColumns[] =
    "a.id, a.message_id, a.file_id, a.name, a.path, a.kind, a.tokens, f.mime_type, f.format, f.sha256, f.size, "
    "f.text, f.sections_json, f.bytes IS NOT NULL";

Attachment readAttachment(const Statement& st)
{
    Attachment a;
    a.id = st.int64(0);
    a.messageId = st.int64(1);
    a.fileId = st.int64(2);
    a.name = st.text(3);
    a.path = st.text(4);
    a.kind = attachmentKindFromString(st.text(5)).value_or(AttachmentKind::Document);
    a.tokens = st.optionalInt64(6);
    a.mimeType = st.text(7);
    a.format = st.text(8);
    a.sha256 = st.text(9);
    a.size = st.int64(10);
    a.text = st.text(11);
    a.sections = QJsonDocument::fromJson(st.text(12).toUtf8()).array();
    a.hasBytes = st.int64(13) != 0;
    return a;
}

MessageSource readSource(const Statement& st)
{
    MessageSource s;
    s.file = st.text(0);
    s.path = st.text(1);
    s.page = int(st.optionalInt64(2).value_or(0));
    s.heading = st.text(3);
    s.start = st.int64(4);
    s.end = st.int64(5);
    s.text = st.text(6);
    return s;
}

bool isSha256Hex(const QString& s)
{
    if (s.size() != 64)
        return false;
    for (QChar c : s) {
        if (!((c >= QLatin1Char('0') && c <= QLatin1Char('9')) || (c >= QLatin1Char('a') && c <= QLatin1Char('f'))))
            return false;
    }
    return true;
}

// Strict field readers for one attachment or source; the first failure is kept.
struct FieldReader {
    QString where;   // "messages[2].attachments[0]"
    QString error;

    void fail(const QString& message)
    {
        if (error.isEmpty())
            error = message;
    }
    QString text(const QJsonObject& o, const char* field, bool optional)
    {
        const QJsonValue v = o.value(QLatin1String(field));
        if (v.isString())
            return v.toString();
        if (optional && (v.isUndefined() || v.isNull()))
            return {};
        fail(QStringLiteral("%1.%2 must be a string").arg(where, QLatin1String(field)));
        return {};
    }
    std::optional<qint64> count(const QJsonObject& o, const char* field, bool optional)
    {
        const QJsonValue v = o.value(QLatin1String(field));
        if (optional && (v.isUndefined() || v.isNull()))
            return std::nullopt;
        constexpr qint64 bad = std::numeric_limits<qint64>::min();
        const qint64 n = v.toInteger(bad);
        if (!v.isDouble() || n == bad || n < 0) {
            fail(QStringLiteral("%1.%2 must be a whole number, 0 or more").arg(where, QLatin1String(field)));
            return std::nullopt;
        }
        return n;
    }
    // page: null or 1..; start <= end <= textLength (or any when textLength < 0).
    void placement(const QJsonObject& o, qint64 textLength, int* page, qint64* start, qint64* end)
    {
        const auto p = count(o, "page", true);
        if (p && *p < 1)
            fail(QStringLiteral("%1.page must be null or a page number from 1").arg(where));
        *page = p ? int(std::min<qint64>(*p, std::numeric_limits<int>::max())) : 0;
        *start = count(o, "start", false).value_or(0);
        *end = count(o, "end", false).value_or(0);
        if (error.isEmpty() && (*start > *end || (textLength >= 0 && *end > textLength)))
            fail(QStringLiteral("%1: start and end must be a range within the text").arg(where));
    }
};

}   // namespace

QJsonObject attachmentToJson(const Attachment& a, const QByteArray& bytes)
{
    QJsonObject o{{QStringLiteral("name"), a.name},
                  {QStringLiteral("kind"), attachmentKindName(a.kind)},
                  {QStringLiteral("mime_type"), a.mimeType},
                  {QStringLiteral("format"), a.format},
                  {QStringLiteral("sha256"), a.sha256},
                  {QStringLiteral("size"), a.size},
                  {QStringLiteral("text"), a.text},
                  {QStringLiteral("sections"), a.sections},
                  {QStringLiteral("tokens"), a.tokens ? QJsonValue(*a.tokens) : QJsonValue(QJsonValue::Null)}};
    if (!bytes.isNull())
        o[QStringLiteral("bytes")] = QString::fromLatin1(bytes.toBase64());
    return o;
}

QJsonObject sourceToJson(const MessageSource& s)
{
    return {{QStringLiteral("file"), s.file},
            {QStringLiteral("page"), s.page > 0 ? QJsonValue(s.page) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("heading"), s.heading},
            {QStringLiteral("start"), s.start},
            {QStringLiteral("end"), s.end},
            {QStringLiteral("text"), s.text}};
}

QString readFileListJson(const QJsonObject& object, const QString& where, const char* field,
                         QList<NewAttachment>* attachments)
{
    const QJsonValue list = object.value(QLatin1String(field));
    if (!list.isUndefined() && !list.isArray())
        return QStringLiteral("%1.%2 must be an array").arg(where, QLatin1String(field));
    const QJsonArray items = list.toArray();
    for (int i = 0; i < items.size(); ++i) {
        FieldReader r{QStringLiteral("%1.%2[%3]").arg(where, QLatin1String(field)).arg(i), {}};
        if (!items[i].isObject())
            return QStringLiteral("%1 must be an object").arg(r.where);
        const QJsonObject o = items[i].toObject();
        NewAttachment a;
        a.name = r.text(o, "name", false);
        const auto kind = attachmentKindFromString(r.text(o, "kind", false));
        a.mimeType = r.text(o, "mime_type", true);
        a.format = r.text(o, "format", true);
        a.sha256 = r.text(o, "sha256", false);
        a.size = r.count(o, "size", false).value_or(0);
        a.text = r.text(o, "text", false);
        a.tokens = r.count(o, "tokens", true);
        const QJsonValue sections = o.value(QLatin1String("sections"));
        const QString bytes64 = r.text(o, "bytes", true);
        if (r.error.isEmpty() && a.name.trimmed().isEmpty())
            r.fail(QStringLiteral("%1.name must not be empty").arg(r.where));
        if (r.error.isEmpty() && !kind)
            r.fail(QStringLiteral("%1.kind must be document or image").arg(r.where));
        if (r.error.isEmpty() && !isSha256Hex(a.sha256))
            r.fail(QStringLiteral("%1.sha256 must be 64 lowercase hexadecimal digits").arg(r.where));
        if (r.error.isEmpty() && !sections.isUndefined() && !sections.isArray())
            r.fail(QStringLiteral("%1.sections must be an array").arg(r.where));
        const QJsonArray sectionList = sections.toArray();
        for (int s = 0; r.error.isEmpty() && s < sectionList.size(); ++s) {
            FieldReader sr{QStringLiteral("%1.sections[%2]").arg(r.where).arg(s), {}};
            if (!sectionList[s].isObject()) {
                r.fail(QStringLiteral("%1 must be an object").arg(sr.where));
                break;
            }
            int page = 0;
            qint64 start = 0, end = 0;
            sr.text(sectionList[s].toObject(), "heading", true);
            sr.placement(sectionList[s].toObject(), a.text.size(), &page, &start, &end);
            r.fail(sr.error);
        }
        if (r.error.isEmpty() && !bytes64.isEmpty()) {
            // Checked before decoding: base64 is 4 characters per 3 bytes.
            if (bytes64.size() > (kMaxExportedFileBytes + 2) / 3 * 4) {
                r.fail(QStringLiteral("%1.bytes is larger than the %2 MB an export may carry")
                           .arg(r.where)
                           .arg(kMaxExportedFileBytes / (1024 * 1024)));
            } else {
                auto decoded =
                    QByteArray::fromBase64Encoding(bytes64.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
                if (!decoded) {
                    r.fail(QStringLiteral("%1.bytes is not valid base64").arg(r.where));
                } else if (decoded.decoded.size() != a.size) {
                    r.fail(QStringLiteral("%1.bytes holds %2 bytes, not the %3 its size says")
                               .arg(r.where)
                               .arg(decoded.decoded.size())
                               .arg(a.size));
                } else if (QString::fromLatin1(
                               QCryptographicHash::hash(decoded.decoded, QCryptographicHash::Sha256).toHex()) !=
                           a.sha256) {
                    r.fail(QStringLiteral("%1.bytes does not match its sha256 (damaged or altered)").arg(r.where));
                } else {
                    a.bytes = std::move(decoded.decoded);
                }
            }
        }
        if (!r.error.isEmpty())
            return r.error;
        a.kind = *kind;
        a.sections = sectionList;
        attachments->append(std::move(a));
    }
    return {};
}

QString readAttachmentsJson(const QJsonObject& message, int index, bool isAssistant, QList<NewAttachment>* attachments,
                            QList<MessageSource>* sources)
{
    const QString where = QStringLiteral("messages[%1]").arg(index);
    if (QString error = readFileListJson(message, where, "attachments", attachments); !error.isEmpty())
        return error;

    const QJsonValue sourceValue = message.value(QLatin1String("sources"));
    if (!sourceValue.isUndefined() && !sourceValue.isArray())
        return QStringLiteral("%1.sources must be an array").arg(where);
    const QJsonArray sourceList = sourceValue.toArray();
    if (!sourceList.isEmpty() && !isAssistant)
        return QStringLiteral("%1.sources is only allowed on an assistant message").arg(where);
    for (int i = 0; i < sourceList.size(); ++i) {
        FieldReader r{QStringLiteral("%1.sources[%2]").arg(where).arg(i), {}};
        if (!sourceList[i].isObject())
            return QStringLiteral("%1 must be an object").arg(r.where);
        const QJsonObject o = sourceList[i].toObject();
        MessageSource s;
        s.file = r.text(o, "file", false);
        s.heading = r.text(o, "heading", true);
        s.text = r.text(o, "text", false);
        r.placement(o, -1, &s.page, &s.start, &s.end);
        if (!r.error.isEmpty())
            return r.error;
        sources->append(std::move(s));
    }
    return {};
}

namespace {

// The content once per SHA-256; bytes arriving later fill in a row kept without them.
StoreResult<qint64> upsertAttachmentFile(Database& db, const NewAttachment& a)
{
    auto file = db.prepare("INSERT INTO attachment_files (sha256, size, mime_type, format, text, sections_json, bytes) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (sha256) DO UPDATE SET "
                           "bytes = coalesce(attachment_files.bytes, excluded.bytes) RETURNING id");
    if (!file)
        return file.error();
    file->bind(1, a.sha256).bind(2, a.size).bind(3, a.mimeType).bind(4, a.format).bind(5, a.text);
    file->bind(6, QString::fromUtf8(QJsonDocument(a.sections).toJson(QJsonDocument::Compact)));
    file->bindBlobOrNull(7, a.bytes);
    auto row = file->step();
    if (!row)
        return row.error();
    if (!row.value())
        return StoreError{QStringLiteral("Could not store the attached file %1.").arg(a.name)};
    const qint64 fileId = file->int64(0);
    STORE_TRY(file->run());   // finish the statement (RETURNING steps once more)
    return fileId;
}

// Stores `a`'s content (upsertAttachmentFile), then the row `insertSql` makes for it: ?1 its
// owner (a message or a folder), ?2 the file, ?3.. name, path, kind, tokens and `now`.
StoreResult<qint64> insertFileRow(Database& db, const char* insertSql, qint64 ownerId, const NewAttachment& a,
                                  qint64 now)
{
    auto fileId = upsertAttachmentFile(db, a);
    if (!fileId)
        return fileId.error();
    STORE_TRY(db.change(insertSql, ownerId, *fileId, a.name, a.path, attachmentKindName(a.kind), a.tokens, now));
    return db.lastInsertRowId();
}

}   // namespace

StoreResult<qint64> insertAttachment(Database& db, qint64 messageId, const NewAttachment& a, qint64 now)
{
    return insertFileRow(
        db,
        "INSERT INTO attachments (message_id, file_id, ord, name, path, kind, tokens, created_at) "
        "VALUES (?1, ?2, (SELECT count(*) FROM attachments WHERE message_id = ?1), ?3, ?4, ?5, ?6, ?7)",
        messageId, a, now);
}

StoreResult<qint64> insertFolderFile(Database& db, qint64 folderId, const NewAttachment& a, qint64 now)
{
    if (!isSha256Hex(a.sha256))
        return StoreError{QStringLiteral("An attachment needs the SHA-256 of its bytes (64 hexadecimal digits).")};
    return insertFileRow(db,
                         "INSERT INTO folder_files (folder_id, file_id, ord, name, path, kind, tokens, created_at) "
                         "VALUES (?1, ?2, (SELECT coalesce(max(ord), -1) + 1 FROM folder_files WHERE folder_id = ?1), "
                         "?3, ?4, ?5, ?6, ?7)",
                         folderId, a, now);
}

StoreResult<QList<Attachment>> readFolderFiles(Database& db, qint64 folderId, bool withContent)
{
    // Without content: the text and bytes are not even read (the folder dialog's list).
    const auto read = [](const Statement& st) {
        Attachment a = readAttachment(st);
        a.messageId = 0;
        a.bytes = st.blob(14);
        return a;
    };
    return db.list<Attachment>(
        withContent ? "SELECT a.id, a.folder_id, a.file_id, a.name, a.path, a.kind, a.tokens, f.mime_type, "
                      "f.format, f.sha256, f.size, f.text, f.sections_json, f.bytes IS NOT NULL, f.bytes "
                      "FROM folder_files a JOIN attachment_files f ON f.id = a.file_id "
                      "WHERE a.folder_id = ?1 ORDER BY a.ord, a.id"
                    : "SELECT a.id, a.folder_id, a.file_id, a.name, a.path, a.kind, a.tokens, f.mime_type, "
                      "f.format, f.sha256, f.size, '', '[]', f.bytes IS NOT NULL, NULL "
                      "FROM folder_files a JOIN attachment_files f ON f.id = a.file_id "
                      "WHERE a.folder_id = ?1 ORDER BY a.ord, a.id",
        read, folderId);
}

StoreStatus insertSources(Database& db, qint64 messageId, const QList<MessageSource>& sources)
{
    for (int i = 0; i < sources.size(); ++i) {
        const MessageSource& s = sources[i];
        STORE_TRY(db.change("INSERT INTO message_sources (message_id, ord, file, path, page, heading, start_offset, "
                            "end_offset, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                            messageId, qint64(i), s.file, s.path,
                            s.page > 0 ? std::optional<qint64>(s.page) : std::nullopt, s.heading, s.start, s.end,
                            s.text));
    }
    return Done{};
}

StoreResult<qint64> ConversationStore::addAttachment(qint64 messageId, const NewAttachment& attachment)
{
    if (!isSha256Hex(attachment.sha256))
        return StoreError{QStringLiteral("An attachment needs the SHA-256 of its bytes (64 hexadecimal digits).")};
    auto conv = conversationOf(messageId);
    if (!conv)
        return conv.error();
    return database().inTransaction([&] { return insertAttachment(database(), messageId, attachment, now()); });
}

StoreResult<QList<Attachment>> readAttachments(Database& db, qint64 messageId, bool withText)
{
    static const QByteArray sql = QByteArray("SELECT ") + kAttachmentColumns +
                                  " FROM attachments a JOIN attachment_files f ON f.id = a.file_id "
                                  "WHERE a.message_id = ?1 ORDER BY a.ord, a.id";
    // The same columns, the text and sections left unread.
    static const QByteArray summary = QByteArray(sql).replace("f.text, f.sections_json", "'', '[]'");
    return db.list<Attachment>(withText ? sql.constData() : summary.constData(), readAttachment, messageId);
}

StoreResult<QByteArray> readAttachmentBytes(Database& db, qint64 attachmentId)
{
    auto st = db.prepare("SELECT f.bytes FROM attachments a JOIN attachment_files f ON f.id = a.file_id "
                         "WHERE a.id = ?1");
    if (!st)
        return st.error();
    st->bind(1, attachmentId);
    auto row = st->step();
    if (!row)
        return row.error();
    if (!row.value())
        return StoreError{QStringLiteral("Attachment %1 does not exist.").arg(attachmentId)};
    return st->blob(0);
}

StoreStatus copyAttachments(Database& db, qint64 fromMessageId, qint64 toMessageId, qint64 now)
{
    // After any the target has already, in the source's order; the files are shared, not copied.
    auto st = db.prepare("INSERT INTO attachments (message_id, file_id, ord, name, path, kind, tokens, created_at) "
                         "SELECT ?2, file_id, ord + (SELECT count(*) FROM attachments WHERE message_id = ?2), name, "
                         "path, kind, tokens, ?3 FROM attachments WHERE message_id = ?1 ORDER BY ord, id");
    if (!st)
        return st.error();
    return st->bind(1, fromMessageId).bind(2, toMessageId).bind(3, now).run();
}

StoreResult<QStringList> attachedFileHashes(Database& db)
{
    return db.list<QString>("SELECT sha256 FROM attachment_files ORDER BY sha256",
                            [](const Statement& st) { return st.text(0); });
}

StoreResult<QList<Attachment>> ConversationStore::folderFiles(qint64 folderId)
{
    return readFolderFiles(database(), folderId, false);
}

StoreResult<qint64> ConversationStore::addFolderFile(qint64 folderId, const NewAttachment& file)
{
    auto f = folder(folderId);
    if (!f)
        return f.error();
    auto id = database().inTransaction([&] { return insertFolderFile(database(), folderId, file, now()); });
    if (id)
        Q_EMIT foldersChanged();
    return id;
}

StoreStatus ConversationStore::removeFolderFile(qint64 folderId, qint64 folderFileId)
{
    auto removed =
        database().change("DELETE FROM folder_files WHERE id = ?1 AND folder_id = ?2", folderFileId, folderId);
    if (!removed)
        return removed.error();
    if (removed.value() == 0)
        return StoreError{QStringLiteral("Folder %1 has no file %2.").arg(folderId).arg(folderFileId)};
    Q_EMIT foldersChanged();
    return Done{};
}

StoreResult<QList<Attachment>> ConversationStore::attachments(qint64 messageId)
{
    return readAttachments(database(), messageId);
}

StoreResult<QList<Attachment>> ConversationStore::attachmentSummaries(qint64 messageId)
{
    return readAttachments(database(), messageId, false);
}

StoreResult<QList<Attachment>> ConversationStore::activeAttachments(qint64 conversationId)
{
    auto path = activePath(conversationId);
    if (!path)
        return path.error();
    QList<Attachment> list;
    for (const Message& m : std::as_const(*path)) {
        auto some = attachments(m.id);
        if (!some)
            return some.error();
        list.append(*some);
    }
    return list;
}

StoreResult<QByteArray> ConversationStore::attachmentBytes(qint64 attachmentId)
{
    return readAttachmentBytes(database(), attachmentId);
}

StoreResult<qint64> ConversationStore::attachmentFileCount()
{
    return database().queryInt("SELECT count(*) FROM attachment_files");
}

StoreStatus ConversationStore::setSources(qint64 messageId, const QList<MessageSource>& sources)
{
    auto conv = conversationOf(messageId);
    if (!conv)
        return conv.error();
    return database().inTransaction([&]() -> StoreStatus {
        STORE_TRY(database().change("DELETE FROM message_sources WHERE message_id = ?1", messageId));
        return insertSources(database(), messageId, sources);
    });
}

StoreResult<QList<MessageSource>> ConversationStore::sources(qint64 messageId)
{
    return database().list<MessageSource>("SELECT file, path, page, heading, start_offset, end_offset, text "
                                          "FROM message_sources WHERE message_id = ?1 ORDER BY ord",
                                          readSource, messageId);
}

}   // namespace causerie::storage
