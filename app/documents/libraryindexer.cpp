#include "libraryindexer.h"

#include "documentslog.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSet>

namespace causerie::documents {

namespace {

enum class Outcome { Indexed, Unchanged, Failed, Gone };

struct FileOutcome {
    Outcome outcome;
    QString message;
};

QString disappeared(const QString& path)
{
    return QCoreApplication::translate("Documents", "%1 disappeared before it could be read; it is no longer indexed.")
        .arg(path);
}

FileOutcome indexOne(DocIndex& index, const QString& library, const QString& path, const ExtractLimits& limits)
{
    const QFileInfo info(path);
    const std::optional<FileRecord> stored = index.file(library, path);
    if (!info.exists()) {
        if (stored)
            (void)index.removeFile(library, path);
        return {Outcome::Gone, disappeared(path)};
    }
    FileRecord record;
    record.path = path;
    record.size = info.size();
    record.mtime = info.lastModified().toMSecsSinceEpoch();
    if (stored && stored->size == record.size && stored->mtime == record.mtime)
        return stored->error.isEmpty() ? FileOutcome{Outcome::Unchanged, {}}
                                       : FileOutcome{Outcome::Failed, stored->error};
    const auto fail = [&](const QString& message) {
        record.error = message;
        if (auto r = index.putFileError(record, library); !r)
            return FileOutcome{Outcome::Failed, r.error().message};
        return FileOutcome{Outcome::Failed, message};
    };
    if (record.size > limits.maxFileBytes) {
        return fail(QCoreApplication::translate("Documents", "%1 is too large (%2; the limit is %3): not read.")
                        .arg(path, formatBytes(record.size), formatBytes(limits.maxFileBytes)));
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (!QFileInfo::exists(path)) {
            if (stored)
                (void)index.removeFile(library, path);
            return {Outcome::Gone, disappeared(path)};
        }
        return fail(
            QCoreApplication::translate("Documents", "%1 could not be read: %2.").arg(path, file.errorString()));
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    file.close();
    record.sha256 = QString::fromLatin1(hash.result().toHex());

    const QString format = formatName(formatForPath(path));
    if (index.hasDocument(record.sha256)) {
        // Same bytes as a document already indexed (this file touched, or a copy elsewhere).
        if (auto r = index.putFile(record, library, format, {}); !r)
            return {Outcome::Failed, r.error().message};
        return {stored && stored->sha256 == record.sha256 ? Outcome::Unchanged : Outcome::Indexed, {}};
    }
    auto doc = extractFile(path, limits);
    if (!doc) {
        if (!QFileInfo::exists(path)) {
            if (stored)
                (void)index.removeFile(library, path);
            return {Outcome::Gone, disappeared(path)};
        }
        return fail(doc.error().message);
    }
    if (auto r = index.putFile(record, library, format, chunkDocument(doc.value())); !r)
        return {Outcome::Failed, r.error().message};
    return {Outcome::Indexed, {}};
}

IndexReport run(DocIndex& index, const QString& library, const QStringList& files, const IndexCallbacks& callbacks,
                const ExtractLimits& limits, IndexReport report)
{
    report.total = int(files.size());
    const auto note = [&](const IndexIssue& issue) {
        report.issues.append(issue);
        if (callbacks.issue)
            callbacks.issue(issue);
    };
    for (int i = 0; i < files.size(); ++i) {
        if (callbacks.cancelled && callbacks.cancelled()) {
            report.cancelled = true;
            break;
        }
        if (callbacks.progress)
            callbacks.progress(i, int(files.size()), files.at(i));
        const FileOutcome r = indexOne(index, library, files.at(i), limits);
        switch (r.outcome) {
        case Outcome::Indexed: ++report.indexed; break;
        case Outcome::Unchanged: ++report.unchanged; break;
        case Outcome::Gone: ++report.removed; break;
        case Outcome::Failed: ++report.failed; break;
        }
        if (!r.message.isEmpty())
            note({files.at(i), r.message});
    }
    if (!report.cancelled && callbacks.progress)
        callbacks.progress(int(files.size()), int(files.size()), QString());
    return report;
}

}   // namespace

IndexReport indexFiles(DocIndex& index, const QString& library, const QStringList& files,
                       const IndexCallbacks& callbacks, const ExtractLimits& limits)
{
    return run(index, library, files, callbacks, limits, IndexReport());
}

IndexReport indexFolder(DocIndex& index, const QString& library, const QString& folder, const IndexCallbacks& callbacks,
                        const ExtractLimits& limits)
{
    IndexReport report;
    WalkResult walk = walkLibrary(folder, callbacks.cancelled);
    for (const IndexIssue& issue : walk.issues) {
        report.issues.append(issue);
        if (callbacks.issue)
            callbacks.issue(issue);
    }
    if (walk.rootUnreadable)
        return report;
    if (callbacks.cancelled && callbacks.cancelled()) {
        report.cancelled = true;   // a partial walk must not remove what it did not reach
        return report;
    }
    // Files indexed before and no longer found go first: the library never shows a removed file.
    const QSet<QString> present(walk.files.cbegin(), walk.files.cend());
    for (const QString& old : index.files(library)) {
        if (!present.contains(old) && !QFileInfo::exists(old)) {
            if (index.removeFile(library, old))
                ++report.removed;
        }
    }
    return run(index, library, walk.files, callbacks, limits, std::move(report));
}

// The worker on the indexer's thread: it owns the thread's own connection to the index.
class IndexWorker : public IndexEvents {
    Q_OBJECT
public:
    IndexWorker(const QString& indexPath, std::shared_ptr<std::atomic_int> generation)
        : m_indexPath(indexPath)
        , m_generation(std::move(generation))
    {
    }

    bool openIndex(const QString& library)
    {
        if (m_index)
            return true;
        auto opened = DocIndex::open(m_indexPath);
        if (!opened) {
            Q_EMIT issue(library, m_indexPath, opened.error().message);
            return false;
        }
        m_index = std::move(opened.value());
        return true;
    }

    void runFolder(const QString& library, const QString& folder, int generation)
    {
        if (m_generation->load() != generation) {   // cancelled while queued: not even walked
            Q_EMIT finished(library, 0, 0, 0, 0, true);
            return;
        }
        if (!openIndex(library)) {
            Q_EMIT finished(library, 0, 0, 0, 0, false);
            return;
        }
        IndexCallbacks callbacks;
        callbacks.cancelled = [&] { return m_generation->load() != generation; };
        callbacks.progress = [&](int done, int total, const QString& file) {
            Q_EMIT progress(library, done, total, file);
        };
        callbacks.issue = [&](const IndexIssue& i) { Q_EMIT issue(library, i.path, i.message); };
        const IndexReport r = documents::indexFolder(*m_index, library, folder, callbacks);
        qCInfo(lcDocuments) << "library" << library << "indexed" << r.indexed << "unchanged" << r.unchanged << "removed"
                            << r.removed << "failed" << r.failed << (r.cancelled ? "(cancelled)" : "");
        Q_EMIT finished(library, r.indexed, r.unchanged, r.removed, r.failed, r.cancelled);
        if (m_embedderFactory && !r.cancelled)
            runEmbedding(generation);
    }

    void setEmbedder(const EmbedderFactory& factory, const QString& modelId)
    {
        m_embedderFactory = factory;
        m_embedderId = modelId;
        m_embedder.reset();   // made again, on this thread, when needed
    }

    void runEmbedding(int generation)
    {
        if (!m_embedderFactory || !openIndex())
            return;
        if (!m_embedder) {
            auto made = m_embedderFactory();
            if (!made) {
                Q_EMIT embeddingFinished(m_embedderId, 0, 0, made.error().message);
                return;
            }
            m_embedder = std::move(made.value());
        }
        EmbedCallbacks callbacks;
        callbacks.cancelled = [&] { return m_generation->load() != generation; };
        callbacks.progress = [&](qint64 done, qint64 total) { Q_EMIT embeddingProgress(done, total); };
        const EmbedReport r = documents::embedPending(*m_index, *m_embedder, callbacks);
        qCInfo(lcDocuments) << "embedded" << r.embedded << "chunks with" << m_embedder->modelId()
                            << (r.cancelled ? "(cancelled)" : "") << r.error;
        Q_EMIT embeddingFinished(m_embedder->modelId(), r.embedded, m_index->vectorCount(m_embedder->modelId()),
                                 r.error);
    }

    void forget(const QString& library)
    {
        bool ok = openIndex(library);
        if (ok) {
            if (auto st = m_index->removeLibrary(library); !st) {
                Q_EMIT issue(library, m_indexPath, st.error().message);
                ok = false;
            }
        }
        Q_EMIT forgotten(library, ok);
    }

private:
    bool openIndex()
    {
        if (m_index)
            return true;
        auto opened = DocIndex::open(m_indexPath);
        if (!opened) {
            Q_EMIT embeddingFinished(m_embedderId, 0, 0, opened.error().message);
            return false;
        }
        m_index = std::move(opened.value());
        return true;
    }

    QString m_indexPath;
    std::shared_ptr<std::atomic_int> m_generation;
    std::unique_ptr<DocIndex> m_index;
    EmbedderFactory m_embedderFactory;
    QString m_embedderId;
    std::unique_ptr<TextEmbedder> m_embedder;
};

LibraryIndexer::LibraryIndexer(const QString& indexPath, QObject* parent)
    : IndexEvents(parent)
    , m_generation(std::make_shared<std::atomic_int>(0))
{
    m_thread.setObjectName(QStringLiteral("causerie-indexer"));
    m_worker = new IndexWorker(indexPath, m_generation);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &IndexEvents::progress, this, &IndexEvents::progress);
    connect(m_worker, &IndexEvents::issue, this, &IndexEvents::issue);
    connect(m_worker, &IndexEvents::finished, this, &IndexEvents::finished);
    connect(m_worker, &IndexEvents::embeddingProgress, this, &IndexEvents::embeddingProgress);
    connect(m_worker, &IndexEvents::embeddingFinished, this, &IndexEvents::embeddingFinished);
    connect(m_worker, &IndexEvents::forgotten, this, &IndexEvents::forgotten);
    m_thread.start(QThread::LowPriority);
}

LibraryIndexer::~LibraryIndexer()
{
    cancel();
    // Quit behind the queued requests: cancelled folders return at once, forgets are done.
    QThread* thread = &m_thread;
    QMetaObject::invokeMethod(
        m_worker, [thread] { thread->quit(); }, Qt::QueuedConnection);
    m_thread.wait();
}

void LibraryIndexer::indexFolder(const QString& library, const QString& folder)
{
    const int generation = m_generation->load();
    IndexWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, library, folder, generation] { worker->runFolder(library, folder, generation); },
        Qt::QueuedConnection);
}

void LibraryIndexer::cancel() { m_generation->fetch_add(1); }

void LibraryIndexer::setEmbedder(const EmbedderFactory& factory, const QString& modelId)
{
    IndexWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, factory, modelId] { worker->setEmbedder(factory, modelId); }, Qt::QueuedConnection);
    if (factory)
        embedPending();
}

void LibraryIndexer::embedPending()
{
    const int generation = m_generation->load();
    IndexWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, generation] { worker->runEmbedding(generation); }, Qt::QueuedConnection);
}

void LibraryIndexer::forget(const QString& library)
{
    IndexWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, library] { worker->forget(library); }, Qt::QueuedConnection);
}

}   // namespace causerie::documents

#include "libraryindexer.moc"
