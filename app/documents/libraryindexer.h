#pragma once
// Indexing a library (a folder) or a list of files into a DocIndex.
//
// indexFolder()/indexFiles() do the work synchronously on the calling thread (the CLI and the
// tests call them directly); LibraryIndexer runs them on its own background thread for the app:
// queued requests, progress and issue signals, cancel. Each file is committed on its own, so a
// quit or a cancel loses at most the file in hand, and the next run skips every file whose size
// and mtime are unchanged (a changed file whose bytes hash the same is only re-stamped).
#include "docindex.h"
#include "embedder.h"
#include "extract.h"
#include "librarywalk.h"

#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

namespace causerie::documents {

struct IndexReport {
    int total = 0;       // files considered
    int indexed = 0;     // new or changed, now in the index
    int unchanged = 0;   // skipped: same size and mtime (or same hash)
    int removed = 0;     // gone from the folder, taken out of the index
    int failed = 0;      // refused or unreadable (the reason is in issues and in the index)
    bool cancelled = false;
    QList<IndexIssue> issues;
};

struct IndexCallbacks {
    // Before each file: `done` files of `total` are finished, `path` is next.
    std::function<void(int done, int total, const QString& path)> progress;
    std::function<void(const IndexIssue& issue)> issue;
    std::function<bool()> cancelled;
};

// Walks `folder`, indexes what changed, removes what is gone (a folder that cannot be listed at
// all removes nothing: an unplugged disk must not empty the library).
IndexReport indexFolder(DocIndex& index, const QString& library, const QString& folder,
                        const IndexCallbacks& callbacks = {}, const ExtractLimits& limits = {});
// The given files only (attachments, the CLI); nothing is removed.
IndexReport indexFiles(DocIndex& index, const QString& library, const QStringList& files,
                       const IndexCallbacks& callbacks = {}, const ExtractLimits& limits = {});

class IndexWorker;

// What the indexer reports, emitted by its worker on the indexer's thread and relayed by
// LibraryIndexer on the thread that owns it.
class IndexEvents : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

Q_SIGNALS:
    void progress(const QString& library, int done, int total, const QString& file);
    void issue(const QString& library, const QString& path, const QString& message);
    void finished(const QString& library, int indexed, int unchanged, int removed, int failed, bool cancelled);
    // The embedding job: `done` of `total` chunks given a vector this run; then finished
    // (error empty unless it stopped on one; the vectors stored so far stay).
    void embeddingProgress(qint64 done, qint64 total);
    void embeddingFinished(const QString& modelId, qint64 embedded, qint64 vectors, const QString& error);
    void forgotten(const QString& library, bool ok);
};

class LibraryIndexer : public IndexEvents {
    Q_OBJECT
public:
    explicit LibraryIndexer(const QString& indexPath, QObject* parent = nullptr);
    ~LibraryIndexer() override;   // cancels what runs and waits for the thread

    // Queued: requests run one after the other on the indexer's thread.
    void indexFolder(const QString& library, const QString& folder);
    // Stops the running and queued requests after the file in hand (committed files stay).
    void cancel();
    // The embedding model (an empty factory: none). Queued like a folder: the embedder is made
    // on the indexer's thread when first needed, then every chunk without a vector of `modelId`
    // gets one (embedPending, embedder.h); the same again after each folder while it is set.
    void setEmbedder(const EmbedderFactory& factory, const QString& modelId);
    // Queued: embeds what is missing now (after the requests already queued).
    void embedPending();
    // Queued: every file of `library` leaves the index (with the chunks no other file shares);
    // then `forgotten`. Runs even when the indexer is being destroyed.
    void forget(const QString& library);

private:
    QThread m_thread;
    IndexWorker* m_worker = nullptr;   // lives on m_thread
    std::shared_ptr<std::atomic_int> m_generation;
};

}   // namespace causerie::documents
