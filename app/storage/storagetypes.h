#pragma once
// Plain value types of the conversation store. Times are milliseconds since the Unix epoch (UTC).
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace causerie::storage {

// Stored as text exactly: streaming|done|interrupted|error|cancelled.
enum class MessageStatus { Streaming, Done, Interrupted, Error, Cancelled };
enum class MessageRole { System, User, Assistant };

QString statusName(MessageStatus status);
QString roleName(MessageRole role);
std::optional<MessageStatus> messageStatusFromString(const QString& text);
std::optional<MessageRole> messageRoleFromString(const QString& text);

// What a finished generation reports; empty strings / nullopt are stored as NULL.
struct MessageStats {
    QString model;
    QString backend;
    std::optional<qint64> promptTokens;
    std::optional<qint64> completionTokens;
    std::optional<double> ttftMs;            // time to first token, ms
    std::optional<double> tokensPerSecond;   // completion tokens / decode seconds
    QString finishReason;                    // "stop", "length", "cancelled", ...
    // Prompt tokens whose K/V the local engine already held (its cache), of promptTokens.
    std::optional<qint64> cachedTokens;
    bool operator==(const MessageStats&) const = default;
};

struct Message {
    qint64 id = 0;
    qint64 conversationId = 0;
    qint64 parentId = 0;   // 0 = first message of the conversation (a root)
    MessageRole role = MessageRole::User;
    QString content;
    QString reasoning;   // a reasoning model's thinking, shown folded above the answer; "" if none
    MessageStatus status = MessageStatus::Done;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    MessageStats stats;
    QString errorText;
    // Position of this message among its siblings (0-based) and their count; filled by activePath().
    int siblingIndex = 0;
    int siblingCount = 1;
};

struct NewMessage {
    qint64 conversationId = 0;
    qint64 parentId = 0;   // 0 = root; edit/regenerate pass the parent of the message they replace
    MessageRole role = MessageRole::User;
    QString content;
    MessageStatus status = MessageStatus::Done;
    MessageStats stats;
    // Last, unlike in Message: callers brace-initialise {conv, parent, role, text, status, stats}
    // and must not see their fields shift.
    QString reasoning;
};

struct Conversation {
    qint64 id = 0;
    QString title;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;   // last activity
    bool pinned = false;
    QString backend;
    QString model;
    QString systemPrompt;
    QJsonObject settings;   // per-conversation sampling settings (temperature, top_p, ...)
    qint64 activeLeafId = 0;
    qint64 folderId = 0;   // 0: in no folder (the plain list)
};

struct NewConversation {
    QString title;
    QString backend;
    QString model;
    QString systemPrompt;   // empty in a folder: the folder's default system prompt is copied
    QJsonObject settings;   // in a folder without "libraries": the folder's default libraries are copied
    qint64 folderId = 0;    // 0: no folder
};

// A folder of conversations (Le Chat's "projects"). Its system prompt is the default of the
// conversations created in it; `settings` holds its other defaults (documents, issue 16).
struct Folder {
    qint64 id = 0;
    QString name;   // unique, case-insensitively
    QString systemPrompt;
    QJsonObject settings;
    bool collapsed = false;
    int position = 0;
    qint64 createdAt = 0;
    int conversationCount = 0;   // not deleted ones; filled by folders()
    bool operator==(const Folder&) const = default;
};

// ---- attachments (schema 6) ----
enum class AttachmentKind { Document, Image };   // stored as text: document|image

// A file as attached: what the model reads (text, sections) and, for images, the bytes.
struct NewAttachment {
    QString name;   // shown on the chip and as the heading the model sees
    QString path;   // the local file it came from ("" for an import or a paste)
    AttachmentKind kind = AttachmentKind::Document;
    QString mimeType;               // "image/png", "application/pdf", ...
    QString format;                 // documents::formatName: "pdf", "markdown", ...
    QString sha256;                 // hex, of the original bytes
    qint64 size = 0;                // of the original bytes
    QString text;                   // extracted text: sections joined by "\n\n"
    QJsonArray sections;            // [{"page": n|null, "heading": "", "start": s, "end": e}] into text
    std::optional<qint64> tokens;   // counted with the tokenizer of the model it was attached for
    QByteArray bytes;               // null: not kept (documents, unless imported with "include files")
};

struct Attachment : NewAttachment {
    qint64 id = 0;
    qint64 messageId = 0;
    qint64 fileId = 0;
    bool hasBytes = false;   // bytes are only read on demand (attachmentBytes)
};

// A chunk an answer was given, in citation order: "[1]" is the first.
struct MessageSource {
    QString file;   // the attachment's or library file's name as the model saw it
    QString path;   // the local file, "" when unknown (imports)
    int page = 0;   // 1-based PDF page, 0 = none
    QString heading;
    qint64 start = 0;   // [start, end) in the document's text
    qint64 end = 0;
    QString text;   // the quoted chunk
    bool operator==(const MessageSource&) const = default;
};

QString attachmentKindName(AttachmentKind kind);
std::optional<AttachmentKind> attachmentKindFromString(const QString& text);

struct ExportOptions {
    // The original bytes of attached files, base64, each at most kMaxExportedFileBytes
    // (larger ones are left out: their text is still exported).
    bool includeFiles = false;
};
constexpr qint64 kMaxExportedFileBytes = 32LL * 1024 * 1024;

// listConversations' folder filter besides a folder id.
constexpr qint64 kAllFolders = -1;   // every conversation
constexpr qint64 kNoFolder = 0;      // those in no folder

struct SearchHit {
    qint64 conversationId = 0;
    qint64 messageId = 0;
    QString conversationTitle;
    QString snippet;                  // plain text
    QList<QPair<int, int>> matches;   // (start, length) of each marked match within snippet
    bool inTitle = false;             // the title matched (snippet is the title, messageId 0)
    QString snippetHtml() const;      // snippet escaped, matches wrapped in <b>..</b>
};

}   // namespace causerie::storage
