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
#include "storagetypes.h"

#include <QStringList>

#include <memory>

namespace causerie::documents {
class DocIndex;
}
namespace causerie::storage {
class Database;
}

struct TurnPlanRequest {
    QList<qint64> path;    // message ids from the root to the question
    qint64 answerId = 0;   // the sources are stored under it
    QString question;
    bool remote = false;       // images are sent (remote endpoints only)
    QStringList libraries;     // ticked in the conversation: their index names
    qint64 budgetTokens = 0;   // for the documents: half the context
};

class TurnWorkspace {
public:
    TurnWorkspace(const QString& storePath, const QString& indexPath);
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
    // message holds any more, except `keep` (the composer's chips, indexed but not yet sent).
    // Returns how many files were forgotten; -1 when a database could not be read.
    int forgetUnused(const QStringList& keep);

    static QString attachmentLibrary(const QString& sha256) { return QStringLiteral("attachment:") + sha256; }

private:
    causerie::storage::Database* store();
    causerie::documents::DocIndex* index();

    QString m_storePath;
    QString m_indexPath;
    std::unique_ptr<causerie::storage::Database> m_store;
    std::unique_ptr<causerie::documents::DocIndex> m_index;
};
