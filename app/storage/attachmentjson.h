#pragma once
// Attachments and sources in a conversation export (conversationio.cpp), and their rows.
// Internal to the store.
#include "database.h"
#include "storagetypes.h"

#include <QJsonObject>

namespace causerie::storage {

// "attachments": [{name, kind, mime_type, format, sha256, size, text, sections, tokens,
//                  bytes?}] — bytes (base64) only when `bytes` is not null. The local path is
// never exported: a file names no folder of the machine it came from.
QJsonObject attachmentToJson(const Attachment& attachment, const QByteArray& bytes);
// "sources": [{file, page, heading, start, end, text}] — page null where it does not apply.
QJsonObject sourceToJson(const MessageSource& source);

// Reads messages[index]'s optional "attachments" and "sources", checking every field (kinds,
// SHA-256 of any bytes, the size cap, offsets within the text). Returns the first problem,
// naming its field ("messages[2].attachments[0].sha256 ..."), or "" when all is well.
QString readAttachmentsJson(const QJsonObject& message, int index, bool isAssistant, QList<NewAttachment>* attachments,
                            QList<MessageSource>* sources);

// The same checks for any list of files: object[field], named `where.field[i]` in errors (a
// folder's "files").
QString readFileListJson(const QJsonObject& object, const QString& where, const char* field,
                         QList<NewAttachment>* attachments);

// Rows, inside the caller's transaction.
StoreResult<qint64> insertAttachment(Database& db, qint64 messageId, const NewAttachment& attachment, qint64 now);
StoreStatus insertSources(Database& db, qint64 messageId, const QList<MessageSource>& sources);

}   // namespace causerie::storage
