#pragma once
// The conversation store: every conversation, message branch and generation statistic,
// durable in one SQLite file (WAL). Used from the GUI thread only.
//
// The chat turn, as the app uses it:
//   userId = appendMessage({conv, parentId, User, text})
//   botId  = appendMessage({conv, userId, Assistant, "", Streaming})   // committed before generating
//   updateStreamingText(botId, textSoFar)                              // caller throttles (<= every 500 ms)
//   setReasoning(botId, thinkingSoFar)     // reasoning models: same throttle, once more before the end
//   finishMessage(botId, finalText, stats)   or   setStatus(botId, Error/Cancelled, errorText)
// On open, any message still `streaming` (the app died) becomes `interrupted`.
#include "database.h"
#include "storagetypes.h"

#include <QObject>

#include <functional>
#include <memory>

namespace causerie::storage {

struct StoreOptions {
    Database::Options database;
    qint64 undoWindowMs = 10'000;    // a deleted conversation can be restored for this long
    std::function<qint64()> clock;   // ms since epoch; default: the system clock (tests inject one)
};

struct ImportedConversation;   // a checked export (conversationio.cpp)

class ConversationStore : public QObject {
    Q_OBJECT
public:
    using Options = StoreOptions;

    ~ConversationStore() override;

    // Opens or creates the database, refusing (untouched) a newer, foreign, corrupt or read-only file.
    static StoreResult<std::unique_ptr<ConversationStore>> open(const QString& path, const Options& options = {});

    QString path() const;
    QString journalMode() const { return m_journalMode; }
    int recoveredMessages() const { return m_recovered; }   // streaming -> interrupted at open
    QString backupPath() const { return m_backupPath; }     // written before a destructive upgrade
    Database& database() { return *m_db; }

    // ---- conversations ----
    StoreResult<qint64> createConversation(const NewConversation& conversation = {});
    // Pinned first, then most recent activity first; deleted (undo pending) ones are hidden.
    // `folderId`: kAllFolders, kNoFolder (the plain list) or one folder's.
    StoreResult<QList<Conversation>> listConversations(int offset, int limit, qint64 folderId = kAllFolders);
    StoreResult<qint64> conversationCount();
    StoreResult<Conversation> conversation(qint64 id);
    StoreStatus renameConversation(qint64 id, const QString& title);
    StoreStatus setPinned(qint64 id, bool pinned);
    StoreStatus setConversationOptions(qint64 id, const QString& backend, const QString& model,
                                       const QString& systemPrompt, const QJsonObject& settings);
    // Hides the conversation; undoDelete() within undoWindowMs restores it; purgeDeleted()
    // (called at open and by the app's timer) removes it for good.
    StoreStatus deleteConversation(qint64 id);
    StoreStatus undoDelete(qint64 id);
    StoreResult<int> purgeDeleted();
    // Several at once (the sidebar's multi-selection), in one transaction and one signal.
    StoreStatus setPinned(const QList<qint64>& ids, bool pinned);
    StoreStatus deleteConversations(const QList<qint64>& ids);
    StoreStatus undoDelete(const QList<qint64>& ids);

    // ---- folders ----
    // Names are trimmed, must not be empty and are unique case-insensitively.
    StoreResult<qint64> createFolder(const QString& name, const QString& systemPrompt = {});
    StoreResult<QList<Folder>> folders();   // by position, then name
    StoreResult<Folder> folder(qint64 id);
    StoreResult<std::optional<Folder>> folderNamed(const QString& name);   // case-insensitive
    StoreStatus renameFolder(qint64 id, const QString& name);
    StoreStatus setFolderSystemPrompt(qint64 id, const QString& systemPrompt);
    // The libraries (Settings → Libraries, by name) new conversations in the folder search; none: [].
    StoreStatus setFolderLibraries(qint64 id, const QStringList& libraries);
    StoreStatus setFolderCollapsed(qint64 id, bool collapsed);
    // Puts the folder at `index` (0: first; clamped) in the sidebar's order, the others keeping
    // theirs; persisted as positions 1..n.
    StoreStatus moveFolder(qint64 id, int index);
    // A folder's default documents (schema 7, attachments.cpp): attached to each new
    // conversation in it (as chips in its composer). Stored like attachments: content shared
    // by SHA-256. folderFiles leaves out the text and bytes (readFolderFiles has them).
    StoreResult<QList<Attachment>> folderFiles(qint64 folderId);
    StoreResult<qint64> addFolderFile(qint64 folderId, const NewAttachment& file);
    StoreStatus removeFolderFile(qint64 folderId, qint64 folderFileId);
    // The folder goes; its conversations stay, in no folder.
    StoreStatus deleteFolder(qint64 id);
    // folderId 0: out of any folder.
    StoreStatus moveToFolder(const QList<qint64>& conversationIds, qint64 folderId);

    // ---- messages ----
    // Appends and makes the new message the active leaf of its conversation.
    StoreResult<qint64> appendMessage(const NewMessage& message);
    StoreStatus updateStreamingText(qint64 messageId, const QString& text);
    // Replaces an assistant message's reasoning ("thinking") text, in any status; refuses a
    // user or system message. Emits nothing, like updateStreamingText. Not indexed for search.
    StoreStatus setReasoning(qint64 messageId, const QString& reasoning);
    StoreStatus finishMessage(qint64 messageId, const QString& finalText, const MessageStats& stats);
    // Error, Cancelled or Interrupted (the partial text is kept); not back to Streaming.
    StoreStatus setStatus(qint64 messageId, MessageStatus status, const QString& errorText = {});
    StoreResult<Message> message(qint64 messageId);
    // The message and its siblings (same parent), oldest first.
    StoreResult<QList<qint64>> siblings(qint64 messageId);
    // Makes the branch through messageId active (following its newest descendants).
    StoreStatus switchBranch(qint64 messageId);
    // Root to active leaf, with sibling index/count filled in.
    StoreResult<QList<Message>> activePath(qint64 conversationId);

    // ---- attachments and sources (attachments.cpp) ----
    // Attaches a file to a message (after its last attachment). The file's content is stored
    // once per SHA-256: a second attachment of the same bytes points to the first one's row
    // (bytes given later fill in a row stored without them).
    StoreResult<qint64> addAttachment(qint64 messageId, const NewAttachment& attachment);
    StoreResult<QList<Attachment>> attachments(qint64 messageId);
    // The same without the text and sections (what a message's view shows: names, sizes).
    StoreResult<QList<Attachment>> attachmentSummaries(qint64 messageId);
    // The attachments of every message on the conversation's active branch, oldest first: what
    // the model is given with the next question.
    StoreResult<QList<Attachment>> activeAttachments(qint64 conversationId);
    StoreResult<QByteArray> attachmentBytes(qint64 attachmentId);
    StoreResult<qint64> attachmentFileCount();   // distinct stored files (deduplicated)
    StoreStatus setSources(qint64 messageId, const QList<MessageSource>& sources);
    StoreResult<QList<MessageSource>> sources(qint64 messageId);

    // ---- search, export, import ----
    // Words typed by the user (never FTS syntax): every word must occur. Titles holding every
    // word come first (inTitle; newest first, the last word completed as a prefix), then
    // messages: whole-word matches (newest first); if they do not fill `limit`, matches
    // completing the last word (3+ letters) as a prefix follow. Case and accents are ignored.
    StoreResult<QList<SearchHit>> search(const QString& userText, int limit = 50);
    StoreResult<QString> exportMarkdown(qint64 conversationId);   // the active branch
    StoreResult<QByteArray> exportJson(qint64 conversationId,
                                       const ExportOptions& options = {});   // every branch, and its folder
    // A new conversation; in the export's folder (reused by name, else created) if it names one.
    StoreResult<qint64> importJson(const QByteArray& json);

Q_SIGNALS:
    void conversationsChanged();
    void messageAdded(qint64 conversationId, qint64 messageId);
    // Status or statistics changed (finish, error, cancel). Streaming flushes do not emit:
    // the app already holds the streaming text in memory.
    void messageChanged(qint64 conversationId, qint64 messageId);
    void activeBranchChanged(qint64 conversationId);
    // A folder was created, renamed, changed, collapsed or deleted (conversationsChanged too).
    void foldersChanged();
    // purgeDeleted() removed conversations for good (their undo window was over).
    void conversationsPurged(int count);

private:
    StoreResult<qint64> insertImported(const ImportedConversation& in);
    ConversationStore(std::unique_ptr<Database> db, const Options& options);
    qint64 now() const;
    StoreResult<qint64> conversationOf(qint64 messageId);
    StoreResult<qint64> activeLeaf(qint64 conversationId);
    StoreResult<QList<SearchHit>> searchFts(const QString& ftsQuery, int limit);
    StoreResult<QList<SearchHit>> searchTitles(const QString& userText, int limit);
    StoreStatus updateMany(const char* sql, const QList<qint64>& ids, qint64 value, bool emitChange = true);
    StoreResult<qint64> folderForImport(const QString& name, const QString& systemPrompt,
                                        const QList<NewAttachment>& files);

    std::unique_ptr<Database> m_db;
    Options m_options;
    QString m_journalMode;
    QString m_backupPath;
    int m_recovered = 0;
};

// The attachment rows through any connection to the store's file (the documents worker has its
// own, off the GUI thread; the store's methods above use these too). Writes go inside the
// caller's transaction (Database::Transaction).
StoreResult<QList<Attachment>> readAttachments(Database& db, qint64 messageId, bool withText = true);
StoreResult<QByteArray> readAttachmentBytes(Database& db, qint64 attachmentId);
// The files of `fromMessageId` attached to `toMessageId` too (an edited message keeps its files).
StoreStatus copyAttachments(Database& db, qint64 fromMessageId, qint64 toMessageId, qint64 now);
// The SHA-256 of every stored attachment file: a file leaves with its last attachment, so a hash
// missing here is no longer needed by any message, deleted conversations within their undo window included.
StoreResult<QStringList> attachedFileHashes(Database& db);
// A folder's files in order (`id`: the folder_files row, messageId 0); with their text,
// sections and bytes when `withContent`.
StoreResult<QList<Attachment>> readFolderFiles(Database& db, qint64 folderId, bool withContent);
StoreResult<qint64> insertFolderFile(Database& db, qint64 folderId, const NewAttachment& file, qint64 now);

// Turns what a user typed into a safe FTS5 query (each word quoted); empty if nothing
// searchable. With prefixLast, a last word of 3+ characters also matches longer words.
QString ftsQueryFromUserText(const QString& userText, bool prefixLast);

}   // namespace causerie::storage
