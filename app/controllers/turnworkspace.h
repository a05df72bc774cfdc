#pragma once
// The documents' share of a chat turn, worked out off the GUI thread (DocumentsController's turn
// thread; nothing here runs on the GUI thread). It has its own connections to conversations.db
// and documents.db, opened on first use and used by that one thread:
//
//   storeAttachments  a message's files: an edited message's copied ones, then the composer's chips
//   plan              the branch's attachments read → planContext (whole text, or the question's
//                     passages: an imported attachment never indexed here is indexed first) →
//                     image bytes (remote endpoints only) → the answer's sources stored
//   forgetUnused      index rows of attachment files no message holds any more
#include "chatcontroller.h"   // DocumentTurn
#include "embedder.h"
#include "storagetypes.h"

#include <QMutex>
#include <QHash>
#include <QStringList>

#include <memory>

namespace causerie::documents {
class DocIndex;
}
namespace causerie::storage {
class Database;
}

// Between the threads that index attached files (the extraction pool) and forgetUnused: a file
// is indexed and counted as pending under the lock, and forgetUnused holds it while it works, so
// a file indexed for a chip not yet sent (or a folder file not yet stored) is never forgotten in
// between. The count goes down once the file is stored, or its chip removed.
struct AttachmentIndexLock {
    QMutex lock;
    QHash<QString, int> pending;   // SHA-256 → chips or folder files waiting with it

    void hold(const QString& sha256)
    {
        QMutexLocker locker(&lock);
        ++pending[sha256];
    }
    void release(const QStringList& hashes)
    {
        QMutexLocker locker(&lock);
        for (const QString& h : hashes) {
            if (--pending[h] <= 0)
                pending.remove(h);
        }
    }
};

struct TurnPlanRequest {
    QList<qint64> path;    // message ids from the root to the question
    qint64 answerId = 0;   // the sources are stored under it
    QString question;
    bool remote = false;       // images are sent (remote endpoints only)
    QStringList libraries;     // ticked in the conversation: their index names
    qint64 budgetTokens = 0;   // for the documents: half the context
    // The embedding model set in Settings → Libraries (none: an empty factory): the question is
    // embedded with it on the turn thread, for BM25 + vector ranking.
    causerie::documents::EmbedderFactory embedderFactory;
    QString embedderId;
};

class TurnWorkspace {
public:
    TurnWorkspace(const QString& storePath, const QString& indexPath, std::shared_ptr<AttachmentIndexLock> indexLock);
    ~TurnWorkspace();
    TurnWorkspace(const TurnWorkspace&) = delete;
    TurnWorkspace& operator=(const TurnWorkspace&) = delete;

    // One transaction: `copyFrom`'s files (0: none), then `added`. Returns how many were stored,
    // or the error's text.
    struct Stored {
        int count = 0;
        QString error;
    };
    Stored storeAttachments(qint64 messageId, qint64 copyFrom, const QList<causerie::storage::NewAttachment>& added);
    DocumentTurn plan(const TurnPlanRequest& request);
    // Stores a file among the folder's default documents; "" or the error's text.
    QString addFolderFile(qint64 folderId, const causerie::storage::NewAttachment& file);
    // A folder's default documents with their text (and an image's bytes), in order.
    QList<causerie::storage::NewAttachment> folderFiles(qint64 folderId);
    // Removes from the index the attachment files (library "attachment:<sha256>") that no
    // message or folder holds any more, except `keep` (the composer's chips) and the files
    // pending in the index lock.
    // Returns how many files were forgotten; -1 when a database could not be read.
    int forgetUnused(const QStringList& keep);

    static QString attachmentLibrary(const QString& sha256) { return QStringLiteral("attachment:") + sha256; }

private:
    causerie::storage::Database* store();
    causerie::documents::TextEmbedder* embedder(const TurnPlanRequest& request);
    QString storeUnavailable() const;
    causerie::documents::DocIndex* index();

    QString m_storePath;
    QString m_indexPath;
    std::shared_ptr<AttachmentIndexLock> m_indexLock;
    std::unique_ptr<causerie::storage::Database> m_store;
    QString m_storeError;   // why store() could not open it
    std::unique_ptr<causerie::documents::DocIndex> m_index;
    // Made from the request's factory on this thread, once per model id.
    std::unique_ptr<causerie::documents::TextEmbedder> m_embedder;
    QString m_embedderId;
};
