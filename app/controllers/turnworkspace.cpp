#include "turnworkspace.h"

#include "attachmentjson.h"
#include "conversationstore.h"
#include "database.h"
#include "docindex.h"
#include "promptcontext.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcTurnDocuments, "causerie.documents.turn", QtInfoMsg)

using namespace causerie;
using storage::AttachmentKind;

namespace {

// The attachment's file in the index: its local path, or for an imported one (no path) a name
// that is not a path, so that its sources cannot be opened.
const QString kImported = QStringLiteral("imported:");
QString indexedPath(const storage::Attachment& a) { return a.path.isEmpty() ? kImported + a.name : a.path; }

}   // namespace

TurnWorkspace::TurnWorkspace(const QString& storePath, const QString& indexPath,
                             std::shared_ptr<AttachmentIndexLock> indexLock)
    : m_storePath(storePath)
    , m_indexPath(indexPath)
    , m_indexLock(std::move(indexLock))
{
}

TurnWorkspace::~TurnWorkspace() = default;

QString TurnWorkspace::storeUnavailable() const
{
    return QCoreApplication::translate("TurnWorkspace", "The conversation database could not be opened: %1")
        .arg(m_storeError);
}

storage::Database* TurnWorkspace::store()
{
    if (!m_store) {
        auto opened = storage::Database::open(m_storePath, {});
        if (!opened) {
            m_storeError = opened.errorString();
            qCWarning(lcTurnDocuments) << m_storeError;
            return nullptr;
        }
        m_store = std::move(opened).value();
        // As the store's own connection: deletes cascade, references are checked.
        if (auto st = m_store->exec("PRAGMA foreign_keys = ON"); !st)
            qCWarning(lcTurnDocuments) << st.errorString();
    }
    return m_store.get();
}

documents::DocIndex* TurnWorkspace::index()
{
    if (!m_index) {
        auto opened = documents::DocIndex::open(m_indexPath);
        if (!opened) {
            qCWarning(lcTurnDocuments) << opened.error().message;
            return nullptr;
        }
        m_index = std::move(opened).value();
    }
    return m_index.get();
}

TurnWorkspace::Stored TurnWorkspace::storeAttachments(qint64 messageId, qint64 copyFrom,
                                                      const QList<storage::NewAttachment>& added)
{
    storage::Database* db = store();
    if (!db)
        return {0, storeUnavailable()};
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    storage::Database::Transaction tx(*db);
    if (auto st = tx.begin(); !st)
        return {0, st.errorString()};
    Stored stored;
    if (copyFrom != 0) {
        if (auto st = storage::copyAttachments(*db, copyFrom, messageId, now); !st)
            return {0, st.errorString()};
        stored.count += db->changes();
    }
    for (const storage::NewAttachment& a : added) {
        if (auto id = storage::insertAttachment(*db, messageId, a, now); !id)
            return {0, id.errorString()};
        ++stored.count;
    }
    if (auto st = tx.commit(); !st)
        return {0, st.errorString()};
    return stored;
}

documents::TextEmbedder* TurnWorkspace::embedder(const TurnPlanRequest& request)
{
    if (!request.embedderFactory) {
        m_embedder.reset();
        m_embedderId.clear();
        return nullptr;
    }
    if (m_embedder && m_embedderId == request.embedderId)
        return m_embedder.get();
    m_embedder.reset();
    m_embedderId = request.embedderId;
    auto made = request.embedderFactory();
    if (!made) {   // the question is ranked by its words alone; said once per model
        qCWarning(lcTurnDocuments) << "embedding model" << request.embedderId << "not usable:" << made.error().message;
        return nullptr;
    }
    m_embedder = std::move(made.value());
    return m_embedder.get();
}

DocumentTurn TurnWorkspace::plan(const TurnPlanRequest& request)
{
    DocumentTurn turn;
    storage::Database* db = store();
    if (!db)
        return turn;
    QList<storage::Attachment> attached;
    for (qint64 messageId : request.path) {
        auto some = storage::readAttachments(*db, messageId);
        if (!some) {
            qCWarning(lcTurnDocuments) << some.errorString();
            return turn;
        }
        attached.append(some.value());
    }
    documents::ContextRequest context;
    context.question = request.question;
    context.budgetTokens = request.budgetTokens;
    for (const storage::Attachment& a : std::as_const(attached)) {
        if (a.kind == AttachmentKind::Image) {
            if (request.remote) {
                auto bytes = storage::readAttachmentBytes(*db, a.id);
                if (bytes && !bytes->isEmpty())
                    turn.images[a.messageId].append({a.mimeType, bytes.value()});
            }
            continue;
        }
        documents::ContextDocument d;
        d.name = a.name;
        d.path = indexedPath(a);
        d.document = documents::documentFromText(a.text, a.sections);
        d.tokens = a.tokens.value_or(-1);
        context.documents.append(d);
        const QString library = attachmentLibrary(a.sha256);
        if (!context.libraries.contains(library))
            context.libraries.append(library);
    }
    for (const QString& library : request.libraries) {
        context.libraries.append(library);
        context.librariesTicked = true;
    }
    context.embedder = embedder(request);
    documents::ContextPlan plan = documents::planContext(context, documents::estimateTokens);
    if (plan.mode != documents::ContextPlan::Whole && (context.index = index())) {
        // Attachments imported from a file, or whose rows were forgotten, are not in this
        // machine's index: indexed now, once.
        for (const storage::Attachment& a : std::as_const(attached)) {
            if (a.kind == AttachmentKind::Document && !context.index->file(attachmentLibrary(a.sha256), indexedPath(a)))
                (void)documents::indexDocument(*context.index, attachmentLibrary(a.sha256), indexedPath(a), a.sha256,
                                               documents::documentFromText(a.text, a.sections));
        }
        plan = documents::planContext(context, documents::estimateTokens);
    }
    turn.systemText = plan.systemText;
    turn.questionText = plan.questionText;
    for (qsizetype i = 0; i < plan.sources.size(); ++i) {
        const documents::Source& s = plan.sources[i];
        const QString path = plan.paths.value(i);
        turn.sources.append(
            {s.file, path.startsWith(kImported) ? QString() : path, s.page, s.heading, s.start, s.end, s.text});
    }
    if (!turn.sources.isEmpty() && request.answerId != 0) {
        storage::Database::Transaction tx(*db);
        storage::StoreStatus st = tx.begin();
        if (st)
            st = storage::insertSources(*db, request.answerId, turn.sources);
        if (st)
            st = tx.commit();
        if (!st)
            qCWarning(lcTurnDocuments) << "sources not stored:" << st.errorString();
    }
    return turn;
}

QString TurnWorkspace::addFolderFile(qint64 folderId, const storage::NewAttachment& file)
{
    storage::Database* db = store();
    if (!db)
        return storeUnavailable();
    storage::Database::Transaction tx(*db);
    storage::StoreStatus st = tx.begin();
    if (st) {
        if (auto id = storage::insertFolderFile(*db, folderId, file, QDateTime::currentMSecsSinceEpoch()); !id)
            st = id.error();
    }
    if (st)
        st = tx.commit();
    return st ? QString() : st.errorString();
}

QList<storage::NewAttachment> TurnWorkspace::folderFiles(qint64 folderId)
{
    QList<storage::NewAttachment> out;
    storage::Database* db = store();
    if (!db)
        return out;
    auto files = storage::readFolderFiles(*db, folderId, true);
    if (!files) {
        qCWarning(lcTurnDocuments) << files.errorString();
        return out;
    }
    for (const storage::Attachment& a : std::as_const(files.value()))
        out.append(a);   // the NewAttachment part: what a chip holds
    return out;
}

int TurnWorkspace::forgetUnused(const QStringList& keep)
{
    storage::Database* db = store();
    documents::DocIndex* idx = index();
    if (!db || !idx)
        return -1;
    QMutexLocker locker(&m_indexLock->lock);
    const QString prefix = attachmentLibrary({});
    const QStringList indexed = idx->libraries(prefix);
    if (indexed.isEmpty())
        return 0;
    auto held = storage::attachedFileHashes(*db);
    if (!held) {
        qCWarning(lcTurnDocuments) << held.errorString();
        return -1;
    }
    int forgotten = 0;
    for (const QString& library : indexed) {
        const QString sha256 = library.mid(prefix.size());
        if (held->contains(sha256) || keep.contains(sha256) || m_indexLock->pending.contains(sha256))
            continue;
        if (auto st = idx->removeLibrary(library); !st)
            qCWarning(lcTurnDocuments) << st.error().message;
        else
            ++forgotten;
    }
    return forgotten;
}
