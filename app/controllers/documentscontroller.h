#pragma once
// App.documents: files attached in the composer (chips), what a conversation's documents add to
// each turn (TurnDocuments, for ChatController), and the sources stored under an answer.
//
//   attachFiles / attachUrls (paperclip, drop, paste) → a chip "reading" → worker thread: read,
//   extract (documents/extract.h), hash, index under "attachment:<sha256>" → chip "ready" (or
//   "error" with the extractor's message) → tokens counted (the local model's tokenizer on the
//   engine thread; ≈ characters / 4 for a remote endpoint) → send: ChatController asks
//   attachPending(message) (ready chips become the message's attachments) and planTurn().
// Nothing here reads a file on the GUI thread, nor a document's text at send time: storing the
// attachments, reading the branch's, searching the index and storing the sources run on the
// turn thread (TurnWorkspace, its own connections), one job after the other.
#include "chatcontroller.h"
#include "librariescontroller.h"

#include <QObject>
#include <QThreadPool>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <functional>
#include <memory>

class LocalBackend;
class PageOpener;
class TurnWorkspace;
struct AttachmentIndexLock;

namespace causerie::documents {
class DocIndex;
}

class DocumentsController
    : public QObject
    , public TurnDocuments {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("App.documents")
    // [{id, name, sizeText, tokens (-1: not yet), tokensEstimated, state: "reading"|"ready"|"error",
    //   error, note, budgetNote (the chip's tooltip: how much of the documents a remote model is
    //   given when its context is unknown), image}]
    Q_PROPERTY(QVariantList chips READ chips NOTIFY chipsChanged)
    Q_PROPERTY(bool reading READ reading NOTIFY chipsChanged)
    // Grows each time a message's attachments are stored (its delegate was made just before).
    Q_PROPERTY(int attachmentsRevision READ attachmentsRevision NOTIFY attachmentsStored)
    Q_PROPERTY(LibrariesController* libraries READ libraries CONSTANT)   // null without a data folder
public:
    struct Hooks {
        std::function<bool(const causerie::storage::Conversation&)> isRemote;   // images only go there
        std::function<bool()> openConversationIsRemote;                         // for the chips' notes
        std::function<int()> contextSize;                                       // local model: tokens; 0 = none
        // A remote conversation's model's context, from its endpoint's /v1/models when that list
        // was already fetched (no request is made for it); 0 = unknown.
        std::function<int(const causerie::storage::Conversation&)> remoteContextSize;
        std::function<int()> openConversationRemoteContextSize;   // the same for the open conversation
    };
    // `indexPath`: the document index file (the data folder's documents.db). `local` may be null.
    // `libraries`: the folders ticked in conversations (may be null).
    DocumentsController(causerie::storage::ConversationStore* store, const QString& indexPath, LocalBackend* local,
                        Hooks hooks, std::unique_ptr<LibrariesController> libraries = {}, QObject* parent = nullptr);
    ~DocumentsController() override;

    QVariantList chips() const;
    LibrariesController* libraries() const { return m_libraries.get(); }
    bool reading() const;
    int attachmentsRevision() const { return m_attachmentsRevision; }

    Q_INVOKABLE void attachUrls(const QList<QUrl>& urls);
    Q_INVOKABLE void attachFiles(const QStringList& paths);
    // A file URL on the clipboard (copied in a file manager): attached; false when there is none.
    Q_INVOKABLE bool pasteFromClipboard();
    Q_INVOKABLE void removeChip(int id);
    // [{name, sizeText, image}]: the files a message was sent with.
    Q_INVOKABLE QVariantList attachmentsFor(qint64 messageId) const;
    // [{number, file, path, page, heading, text}] stored with an answer.
    Q_INVOKABLE QVariantList sourcesFor(qint64 messageId) const;
    // Opens a source's local file in the system viewer (a regular file that exists; the QML asks
    // the user first). The page is not passed: xdg-open has no way to say it.
    Q_INVOKABLE bool openSource(const QString& path, int page = 0);

    // TurnDocuments
    void attachPending(qint64 userMessageId, qint64 copyFrom = 0) override;
    void planTurn(const causerie::storage::Conversation& conversation, const QList<qint64>& path, qint64 answerId,
                  const QString& question, std::function<void(const DocumentTurn&)> done) override;

    // ---- a folder's default documents (schema 7) ----
    // Read, extracted and indexed like chips (worker threads), then stored with the folder;
    // folderFilesChanged(folderId) follows, or folderFileFailed with the file's error.
    Q_INVOKABLE void addFolderFiles(qint64 folderId, const QList<QUrl>& urls);
    // [{id, name, sizeText, image}] in order (no text is read).
    Q_INVOKABLE QVariantList folderFiles(qint64 folderId) const;
    Q_INVOKABLE void removeFolderFile(qint64 folderId, qint64 fileId);
    // The folder's documents become chips in the composer (ready, removable), for the new
    // conversation made in it: read off the GUI thread, then folderChipsAdded.
    Q_INVOKABLE void addFolderChips(qint64 folderId);

    // The index rows of attachment files that no message holds any more are removed, off the GUI
    // thread (at start, and when deleted conversations leave the store for good).
    void forgetUnusedAttachments();

    // Tests replace the desktop (QDesktopServices::openUrl, the PDF viewer: pageopener.h).
    PageOpener& pageOpener() { return *m_pages; }
    // Budget when a remote model's context size is unknown: tokens.
    static constexpr int kRemoteBudgetTokens = 8192;
    // The documents' budget for a conversation: half its model's context, or kRemoteBudgetTokens.
    qint64 budgetFor(const causerie::storage::Conversation& conversation) const;
    static constexpr qint64 kMaxImageBytes = 20LL * 1024 * 1024;

Q_SIGNALS:
    void chipsChanged();
    void attachmentsStored();
    void folderFilesChanged(qint64 folderId);
    void folderFileFailed(qint64 folderId, const QString& message);
    void folderChipsAdded(qint64 folderId, int count);
    // forgetUnusedAttachments() is done: `files` forgotten (-1: a database could not be read).
    void unusedAttachmentsForgotten(int files);

private:
    struct Chip;
    struct Prepared;
    // false when the chip is gone (removed while its file was read).
    bool prepared(int id, const Prepared& result);
    // Reads, extracts, hashes and indexes `path` on m_pool, then `then(result)` on the GUI thread.
    void prepareOnPool(const QString& path, std::function<void(const Prepared&)> then);
    void onTokensCounted(const QString& requestId, int tokens, int contextSize);
    void refreshNotes();
    // Runs `job` on the turn thread, then `then` with its result on the GUI thread (unless this
    // controller is gone by then).
    template <typename Job, typename Then>
    void onTurnThread(Job job, Then then);

    causerie::storage::ConversationStore* m_store;
    QString m_indexPath;
    LocalBackend* m_local;
    Hooks m_hooks;
    QList<Chip> m_chips;
    int m_nextId = 1;
    int m_attachmentsRevision = 0;
    QThreadPool m_pool;                                 // one thread, low priority: extraction and indexing
    QThreadPool m_turnPool;                             // one thread, kept: a turn's documents
    std::shared_ptr<AttachmentIndexLock> m_indexLock;   // indexing a chip's file vs forgetting unused ones
    std::shared_ptr<TurnWorkspace> m_workspace;         // used on m_turnPool's thread only
    PageOpener* m_pages;                                // a child
    std::unique_ptr<LibrariesController> m_libraries;
};
