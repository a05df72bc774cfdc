#include "documentscontroller.h"

#include "chunker.h"
#include "conversationstore.h"
#include "docindex.h"
#include "extract.h"
#include "localbackend.h"
#include "pageopener.h"
#include "promptcontext.h"
#include "turnworkspace.h"

#include <QClipboard>
#include <QCryptographicHash>
#include <QDesktopServices>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QMimeData>
#include <QMimeDatabase>
#include <QMutexLocker>
#include <QPointer>

Q_LOGGING_CATEGORY(lcDocuments, "causerie.documents.app", QtInfoMsg)

using namespace causerie;
using storage::AttachmentKind;
using storage::NewAttachment;

struct DocumentsController::Chip {
    int id = 0;
    QString state = QStringLiteral("reading");   // reading | ready | error
    QString error;
    NewAttachment attachment;
    qint64 tokens = -1;
    bool estimated = false;
    QString countRequest;
    bool held = false;   // its file holds an entry of AttachmentIndexLock::pending
};

struct DocumentsController::Prepared {
    NewAttachment attachment;
    QString error;
    bool held = false;   // indexed: AttachmentIndexLock::pending counts it until released
};

namespace {

QString attachmentLibrary(const QString& sha256) { return TurnWorkspace::attachmentLibrary(sha256); }

QString hashFile(const QString& path, QString* error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = DocumentsController::tr("%1 cannot be read (%2).").arg(path, f.errorString());
        return {};
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&f)) {
        *error = DocumentsController::tr("%1 cannot be read (%2).").arg(path, f.errorString());
        return {};
    }
    return QString::fromLatin1(hash.result().toHex());
}

// On the worker thread: everything that touches the file.
void prepareFile(const QString& path, const QString& indexPath, AttachmentIndexLock& indexLock, NewAttachment* a,
                 QString* error)
{
    const QFileInfo info(path);
    a->name = info.fileName();
    a->path = info.absoluteFilePath();
    a->size = info.size();
    if (!info.exists()) {
        *error = DocumentsController::tr("%1 does not exist (moved or deleted?).").arg(path);
        return;
    }
    if (info.isDir()) {
        *error = DocumentsController::tr("%1 is a folder: add it as a library in Settings → Libraries.").arg(path);
        return;
    }
    const QMimeType mime = QMimeDatabase().mimeTypeForFile(info);
    a->mimeType = mime.name();
    if (mime.name().startsWith(QLatin1String("image/")) && !documents::isSupportedDocument(path)) {
        a->kind = AttachmentKind::Image;
        if (info.size() > DocumentsController::kMaxImageBytes) {
            *error = DocumentsController::tr("%1 is too large to send as an image (%2; the limit is %3).")
                         .arg(path, documents::formatBytes(info.size()),
                              documents::formatBytes(DocumentsController::kMaxImageBytes));
            return;
        }
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            *error = DocumentsController::tr("%1 cannot be read (%2).").arg(path, f.errorString());
            return;
        }
        a->bytes = f.readAll();
        a->size = a->bytes.size();
        a->sha256 = QString::fromLatin1(QCryptographicHash::hash(a->bytes, QCryptographicHash::Sha256).toHex());
        return;
    }
    auto doc = documents::extractFile(path);
    if (!doc) {
        *error = doc.error().message;
        return;
    }
    a->sha256 = hashFile(path, error);
    if (a->sha256.isEmpty())
        return;
    a->format = documents::formatName(doc->format);
    a->text = documents::fullText(doc.value());
    a->sections = documents::sectionOffsets(doc.value());
    // Indexed now, off the GUI thread, so that a question over the budget only searches.
    QMutexLocker locker(&indexLock.lock);
    ++indexLock.pending[a->sha256];   // released when its chip is sent or removed
    auto index = documents::DocIndex::open(indexPath);
    if (!index) {
        qCWarning(lcDocuments) << "attachment not indexed:" << index.error().message;
        return;
    }
    if (auto st =
            documents::indexDocument(*index.value(), attachmentLibrary(a->sha256), a->path, a->sha256, doc.value());
        !st)
        qCWarning(lcDocuments) << "attachment not indexed:" << st.error().message;
}

}   // namespace

DocumentsController::DocumentsController(storage::ConversationStore* store, const QString& indexPath,
                                         LocalBackend* local, Hooks hooks,
                                         std::unique_ptr<LibrariesController> libraries, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_indexPath(indexPath)
    , m_local(local)
    , m_hooks(std::move(hooks))
    , m_libraries(std::move(libraries))
{
    m_pool.setMaxThreadCount(1);
    m_pool.setThreadPriority(QThread::LowPriority);
    // One thread that never expires: the workspace's connections stay on it.
    m_turnPool.setMaxThreadCount(1);
    m_turnPool.setExpiryTimeout(-1);
    m_indexLock = std::make_shared<AttachmentIndexLock>();
    m_workspace = std::make_shared<TurnWorkspace>(m_store->path(), m_indexPath, m_indexLock);
    // Conversations deleted for good take their attachments' index rows with them (those deleted
    // before this start: now).
    connect(m_store, &storage::ConversationStore::conversationsPurged, this,
            &DocumentsController::forgetUnusedAttachments);
    forgetUnusedAttachments();
    if (m_local)
        connect(m_local, &LocalBackend::tokensCounted, this, &DocumentsController::onTokensCounted);
    m_pages = new PageOpener(this);
}

DocumentsController::~DocumentsController()
{
    m_pool.waitForDone();
    m_turnPool.waitForDone();   // attachments asked to be stored are stored
}

template <typename Job, typename Then>
void DocumentsController::onTurnThread(Job job, Then then)
{
    QPointer<DocumentsController> self(this);
    std::shared_ptr<TurnWorkspace> workspace = m_workspace;
    m_turnPool.start([self, workspace, job = std::move(job), then = std::move(then)]() mutable {
        auto result = job(*workspace);
        QMetaObject::invokeMethod(
            qApp,
            [self, then = std::move(then), result = std::move(result)]() mutable {
                if (self)
                    then(*self, result);
            },
            Qt::QueuedConnection);
    });
}

QVariantList DocumentsController::chips() const
{
    const bool remote = m_hooks.openConversationIsRemote && m_hooks.openConversationIsRemote();
    const int remoteContext =
        remote && m_hooks.openConversationRemoteContextSize ? m_hooks.openConversationRemoteContextSize() : 0;
    QVariantList out;
    for (const Chip& c : m_chips) {
        const bool image = c.attachment.kind == AttachmentKind::Image;
        QString note;
        if (image && c.state == QLatin1String("ready") && !remote)
            note = tr("This model cannot see images: the image will not be sent.");
        QString budgetNote;
        if (!image && c.state == QLatin1String("ready") && remote && remoteContext <= 0)
            budgetNote = tr("The endpoint does not say how long its model's context is: documents of up to %L1 "
                            "tokens in all are given whole, larger ones by the passages that best match each "
                            "question.")
                             .arg(kRemoteBudgetTokens);
        out.append(QVariantMap{{QStringLiteral("id"), c.id},
                               {QStringLiteral("name"), c.attachment.name},
                               {QStringLiteral("sizeText"), documents::formatBytes(c.attachment.size)},
                               {QStringLiteral("tokens"), c.tokens},
                               {QStringLiteral("tokensEstimated"), c.estimated},
                               {QStringLiteral("state"), c.state},
                               {QStringLiteral("error"), c.error},
                               {QStringLiteral("note"), note},
                               {QStringLiteral("budgetNote"), budgetNote},
                               {QStringLiteral("image"), image}});
    }
    return out;
}

bool DocumentsController::reading() const
{
    for (const Chip& c : m_chips) {
        if (c.state == QLatin1String("reading"))
            return true;
    }
    return false;
}

void DocumentsController::attachUrls(const QList<QUrl>& urls)
{
    QStringList paths;
    for (const QUrl& url : urls) {
        if (url.isLocalFile())
            paths << url.toLocalFile();
    }
    attachFiles(paths);
}

bool DocumentsController::pasteFromClipboard()
{
    const QMimeData* data = QGuiApplication::clipboard() ? QGuiApplication::clipboard()->mimeData() : nullptr;
    if (!data || !data->hasUrls())
        return false;
    QList<QUrl> local;
    for (const QUrl& url : data->urls()) {
        if (url.isLocalFile())
            local << url;
    }
    if (local.isEmpty())
        return false;
    attachUrls(local);
    return true;
}

void DocumentsController::prepareOnPool(const QString& path, std::function<void(const Prepared&)> then)
{
    QPointer<DocumentsController> self(this);
    const QString indexPath = m_indexPath;
    std::shared_ptr<AttachmentIndexLock> indexLock = m_indexLock;
    m_pool.start([self, path, indexPath, indexLock, then = std::move(then)] {
        Prepared result;
        prepareFile(path, indexPath, *indexLock, &result.attachment, &result.error);
        result.held = result.error.isEmpty() && result.attachment.kind == AttachmentKind::Document;
        QMetaObject::invokeMethod(
            qApp,
            [self, then, result] {
                if (self)
                    then(result);
            },
            Qt::QueuedConnection);
    });
}

void DocumentsController::attachFiles(const QStringList& paths)
{
    for (const QString& path : paths) {
        Chip chip;
        chip.id = m_nextId++;
        chip.attachment.name = QFileInfo(path).fileName();
        m_chips.append(chip);
        const int id = chip.id;
        prepareOnPool(path, [this, id](const Prepared& result) {
            if (!prepared(id, result) && result.held)   // removed while it was read
                m_indexLock->release({result.attachment.sha256});
        });
    }
    if (!paths.isEmpty())
        Q_EMIT chipsChanged();
}

void DocumentsController::addFolderFiles(qint64 folderId, const QList<QUrl>& urls)
{
    for (const QUrl& url : urls) {
        if (!url.isLocalFile())
            continue;
        prepareOnPool(url.toLocalFile(), [this, folderId](const Prepared& prepared) {
            if (!prepared.error.isEmpty()) {
                Q_EMIT folderFileFailed(folderId, prepared.error);
                return;
            }
            NewAttachment a = prepared.attachment;
            if (a.kind == AttachmentKind::Document)
                a.tokens = documents::estimateTokens(a.text);   // counted again when it becomes a chip
            const QStringList held = prepared.held ? QStringList{a.sha256} : QStringList();
            std::shared_ptr<AttachmentIndexLock> indexLock = m_indexLock;
            onTurnThread(
                [folderId, a, held, indexLock](TurnWorkspace& w) {
                    QString error = w.addFolderFile(folderId, a);
                    indexLock->release(held);   // stored (the folder holds it now), or not at all
                    return error;
                },
                [folderId](DocumentsController& self, const QString& error) {
                    if (!error.isEmpty())
                        Q_EMIT self.folderFileFailed(folderId, error);
                    else
                        Q_EMIT self.folderFilesChanged(folderId);
                });
        });
    }
}

QVariantList DocumentsController::folderFiles(qint64 folderId) const
{
    QVariantList out;
    auto list = m_store->folderFiles(folderId);
    if (!list)
        return out;
    for (const storage::Attachment& a : std::as_const(list.value())) {
        out.append(QVariantMap{{QStringLiteral("id"), a.id},
                               {QStringLiteral("name"), a.name},
                               {QStringLiteral("sizeText"), documents::formatBytes(a.size)},
                               {QStringLiteral("image"), a.kind == AttachmentKind::Image}});
    }
    return out;
}

void DocumentsController::removeFolderFile(qint64 folderId, qint64 fileId)
{
    if (auto st = m_store->removeFolderFile(folderId, fileId); !st)
        Q_EMIT folderFileFailed(folderId, st.errorString());
    else
        Q_EMIT folderFilesChanged(folderId);
}

void DocumentsController::addFolderChips(qint64 folderId)
{
    onTurnThread([folderId](TurnWorkspace& w) { return w.folderFiles(folderId); },
                 [folderId](DocumentsController& self, const QList<NewAttachment>& files) {
                     for (const NewAttachment& a : files) {
                         Chip chip;
                         chip.id = self.m_nextId++;
                         chip.attachment.name = a.name;
                         self.m_chips.append(chip);
                         Prepared ready;
                         ready.attachment = a;
                         self.prepared(chip.id, ready);   // counted with the open model, as a new chip
                     }
                     Q_EMIT self.folderChipsAdded(folderId, int(files.size()));
                 });
}

bool DocumentsController::prepared(int id, const Prepared& result)
{
    for (Chip& c : m_chips) {
        if (c.id != id)
            continue;
        c.held = result.held;
        c.attachment = result.attachment;
        c.error = result.error;
        c.state = result.error.isEmpty() ? QStringLiteral("ready") : QStringLiteral("error");
        if (c.state == QLatin1String("ready") && c.attachment.kind == AttachmentKind::Document) {
            const bool remote = m_hooks.openConversationIsRemote && m_hooks.openConversationIsRemote();
            if (m_local && m_local->isReady() && !remote) {
                c.countRequest = m_local->countTokens({{QStringLiteral("user"), c.attachment.text, {}}});
            } else {
                c.tokens = documents::estimateTokens(c.attachment.text);
                c.estimated = true;
                c.attachment.tokens = c.tokens;
            }
        }
        Q_EMIT chipsChanged();
        return true;
    }
    return false;
}

void DocumentsController::onTokensCounted(const QString& requestId, int tokens, int)
{
    for (Chip& c : m_chips) {
        if (!c.countRequest.isEmpty() && c.countRequest == requestId) {
            c.countRequest.clear();
            c.tokens = tokens;
            c.estimated = false;
            c.attachment.tokens = tokens;
            Q_EMIT chipsChanged();
            return;
        }
    }
}

void DocumentsController::removeChip(int id)
{
    for (qsizetype i = 0; i < m_chips.size(); ++i) {
        if (m_chips[i].id == id) {
            if (m_chips[i].held)
                m_indexLock->release({m_chips[i].attachment.sha256});
            m_chips.removeAt(i);
            Q_EMIT chipsChanged();
            return;
        }
    }
}

void DocumentsController::attachPending(qint64 userMessageId, qint64 copyFrom)
{
    // Ready chips go with the message, failed ones are dropped; one still being read stays for
    // the next message.
    QList<Chip> kept;
    QList<NewAttachment> sent;
    QStringList held;
    for (const Chip& c : std::as_const(m_chips)) {
        if (c.state == QLatin1String("ready")) {
            sent.append(c.attachment);
            if (c.held)
                held.append(c.attachment.sha256);
        } else if (c.state == QLatin1String("reading")) {
            kept.append(c);
        }
    }
    if (kept.size() != m_chips.size()) {
        m_chips = kept;
        Q_EMIT chipsChanged();
    }
    if (sent.isEmpty() && copyFrom == 0)
        return;
    std::shared_ptr<AttachmentIndexLock> indexLock = m_indexLock;
    onTurnThread(
        [userMessageId, copyFrom, sent, held, indexLock](TurnWorkspace& w) {
            TurnWorkspace::Stored stored = w.storeAttachments(userMessageId, copyFrom, sent);
            indexLock->release(held);   // a message holds them now (or, failed, nothing does)
            return stored;
        },
        [](DocumentsController& self, const TurnWorkspace::Stored& stored) {
            if (!stored.error.isEmpty())
                qCWarning(lcDocuments) << "attachments not stored:" << stored.error;
            if (stored.count > 0) {
                ++self.m_attachmentsRevision;
                Q_EMIT self.attachmentsStored();
            }
        });
}

void DocumentsController::planTurn(const storage::Conversation& conversation, const QList<qint64>& path,
                                   qint64 answerId, const QString& question,
                                   std::function<void(const DocumentTurn&)> done)
{
    TurnPlanRequest request;
    request.path = path;
    request.answerId = answerId;
    request.question = question;
    request.remote = m_hooks.isRemote && m_hooks.isRemote(conversation);
    const QJsonArray ticked = conversation.settings.value(QLatin1String("libraries")).toArray();
    for (const QJsonValue& name : ticked) {
        if (name.isString() && !name.toString().isEmpty())
            request.libraries.append(LibrariesController::indexName(name.toString()));
    }
    request.budgetTokens = budgetFor(conversation);
    if (m_libraries) {
        request.embedderFactory = m_libraries->embedderFactory();
        request.embedderId = m_libraries->embedderId();
    }
    onTurnThread([request](TurnWorkspace& w) { return w.plan(request); },
                 [done = std::move(done)](DocumentsController&, const DocumentTurn& turn) { done(turn); });
}

qint64 DocumentsController::budgetFor(const storage::Conversation& conversation) const
{
    const bool remote = m_hooks.isRemote && m_hooks.isRemote(conversation);
    int context = 0;
    if (remote)
        context = m_hooks.remoteContextSize ? m_hooks.remoteContextSize(conversation) : 0;
    else
        context = m_hooks.contextSize ? m_hooks.contextSize() : 0;
    return context > 0 ? context / 2 : kRemoteBudgetTokens;
}

void DocumentsController::forgetUnusedAttachments()
{
    QStringList keep;
    for (const Chip& c : std::as_const(m_chips)) {
        if (!c.attachment.sha256.isEmpty())
            keep.append(c.attachment.sha256);
    }
    onTurnThread([keep](TurnWorkspace& w) { return w.forgetUnused(keep); },
                 [](DocumentsController& self, int files) { Q_EMIT self.unusedAttachmentsForgotten(files); });
}

QVariantList DocumentsController::attachmentsFor(qint64 messageId) const
{
    QVariantList out;
    auto list = m_store->attachmentSummaries(messageId);   // no text read on the GUI thread
    if (!list)
        return out;
    for (const storage::Attachment& a : std::as_const(list.value())) {
        out.append(QVariantMap{{QStringLiteral("name"), a.name},
                               {QStringLiteral("sizeText"), documents::formatBytes(a.size)},
                               {QStringLiteral("image"), a.kind == AttachmentKind::Image}});
    }
    return out;
}

QVariantList DocumentsController::sourcesFor(qint64 messageId) const
{
    QVariantList out;
    auto list = m_store->sources(messageId);
    if (!list)
        return out;
    int number = 0;
    for (const storage::MessageSource& s : std::as_const(list.value())) {
        out.append(QVariantMap{{QStringLiteral("number"), ++number},
                               {QStringLiteral("file"), s.file},
                               {QStringLiteral("path"), s.path},
                               {QStringLiteral("page"), s.page},
                               {QStringLiteral("heading"), s.heading},
                               {QStringLiteral("text"), s.text}});
    }
    return out;
}

bool DocumentsController::openSource(const QString& path, int page)
{
    const QFileInfo info(path);
    if (path.isEmpty() || !info.isAbsolute() || !info.isFile())
        return false;
    return m_pages->open(info.absoluteFilePath(), page);
}
