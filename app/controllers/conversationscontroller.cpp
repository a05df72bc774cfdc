#include "conversationscontroller.h"

#include "chatcontroller.h"
#include "conversationlistmodel.h"
#include "conversationsections.h"
#include "conversationstore.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QTimer>

Q_LOGGING_CATEGORY(lcConversations, "causerie.app.conversations", QtInfoMsg)

using namespace causerie::storage;

ConversationsController::ConversationsController(ConversationStore* store, ChatController* chat, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_chat(chat)
    , m_list(std::make_unique<ConversationListModel>(store))   // follows the store by itself
    , m_sections(std::make_unique<ConversationSections>())
{
    m_sections->setSourceModel(m_list.get());
    connect(m_list.get(), &ConversationListModel::selectionChanged, this, &ConversationsController::selectionChanged);
    connect(store, &ConversationStore::foldersChanged, this, &ConversationsController::foldersChanged);
    // Deleted conversations are purged for good once their undo window has passed.
    auto* purge = new QTimer(this);
    purge->setInterval(15'000);
    connect(purge, &QTimer::timeout, this, [this] { (void)m_store->purgeDeleted(); });
    purge->start();
}

ConversationsController::~ConversationsController() = default;

QObject* ConversationsController::model() const { return m_sections.get(); }

void ConversationsController::rename(qint64 id, const QString& title)
{
    if (title.trimmed().isEmpty())
        return;
    if (auto st = m_store->renameConversation(id, title.trimmed()); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void ConversationsController::setPinned(qint64 id, bool pinned)
{
    if (auto st = m_store->setPinned(id, pinned); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void ConversationsController::remove(qint64 id) { removeMany({id}); }

void ConversationsController::removeMany(const QList<qint64>& ids)
{
    if (ids.isEmpty())
        return;
    if (auto st = m_store->deleteConversations(ids); !st) {
        Q_EMIT errorOccurred(st.errorString());
        return;
    }
    if (ids.contains(m_chat->conversationId()))
        m_chat->newConversation();
    // A new removal replaces the one that could be undone (as a single delete always did).
    m_pendingDelete = ids;
    Q_EMIT pendingDeleteChanged();
    for (qint64 id : ids)
        Q_EMIT removed(id);
}

void ConversationsController::undoRemove()
{
    if (m_pendingDelete.isEmpty())
        return;
    if (auto st = m_store->undoDelete(m_pendingDelete); !st)
        Q_EMIT errorOccurred(st.errorString());
    m_pendingDelete.clear();
    Q_EMIT pendingDeleteChanged();
}

QVariantList ConversationsController::search(const QString& text)
{
    QVariantList out;
    if (!m_store || text.trimmed().isEmpty())
        return out;
    auto hits = m_store->search(text, 50);
    if (!hits) {
        Q_EMIT errorOccurred(hits.errorString());
        return out;
    }
    for (const SearchHit& h : std::as_const(*hits))
        out.append(QVariantMap{{QStringLiteral("conversationId"), h.conversationId},
                               {QStringLiteral("messageId"), h.messageId},
                               {QStringLiteral("title"), h.conversationTitle},
                               {QStringLiteral("snippetHtml"), h.snippetHtml()},
                               {QStringLiteral("inTitle"), h.inTitle}});
    return out;
}

QString ConversationsController::exportMarkdown(qint64 id)
{
    auto md = m_store->exportMarkdown(id);
    return md ? *md : QString();
}

bool ConversationsController::exportTo(qint64 id, const QUrl& file, bool includeFiles)
{
    if (!m_store)
        return false;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    if (path.isEmpty()) {
        Q_EMIT errorOccurred(tr("No file was chosen to export to."));
        return false;
    }
    const bool json = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    QByteArray bytes;
    if (json) {
        auto out = m_store->exportJson(id, causerie::storage::ExportOptions{includeFiles});
        if (!out) {
            Q_EMIT errorOccurred(out.errorString());
            return false;
        }
        bytes = *out;
    } else {
        auto out = m_store->exportMarkdown(id);
        if (!out) {
            Q_EMIT errorOccurred(out.errorString());
            return false;
        }
        bytes = out->toUtf8();
    }
    if (!writeFile(path, bytes))
        return false;
    qCInfo(lcConversations) << "exported conversation" << id << "to" << path << (json ? "(JSON)" : "(Markdown)");
    return true;
}

QString ConversationsController::exportFileName(qint64 id, const QString& suffix) const
{
    QString name;
    if (m_store) {
        if (auto c = m_store->conversation(id))
            name = c->title;
    }
    // Characters Windows, macOS or Linux refuse in a file name, and control characters.
    static const QRegularExpression bad(QStringLiteral("[\\\\/:*?\"<>|\\x{0000}-\\x{001f}]"));
    name.replace(bad, QStringLiteral(" "));
    name = name.simplified().left(80).trimmed();
    while (name.startsWith(QLatin1Char('.')))
        name.remove(0, 1);
    if (name.isEmpty())
        name = tr("Conversation");
    return name + QLatin1Char('.') + suffix;
}

bool ConversationsController::importFile(const QString& path)
{
    if (!m_store)
        return false;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        Q_EMIT errorOccurred(tr("Cannot read %1: %2").arg(path, f.errorString()));
        return false;
    }
    auto id = m_store->importJson(f.readAll());
    if (!id) {
        Q_EMIT errorOccurred(id.errorString());
        return false;
    }
    m_chat->openConversation(*id);
    return true;
}

bool ConversationsController::writeFile(const QString& path, const QByteArray& bytes)
{
    // Written beside the target and renamed over it at the end: a full disk or a crash leaves
    // the previous file as it was.
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        Q_EMIT errorOccurred(tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), f.errorString()));
        return false;
    }
    return true;
}

// ---- folders ----

QVariantList ConversationsController::folders() const
{
    QVariantList out;
    if (!m_store)
        return out;
    auto list = m_store->folders();
    if (!list)
        return out;
    for (const Folder& f : std::as_const(*list))
        out.append(QVariantMap{{QStringLiteral("id"), f.id}, {QStringLiteral("name"), f.name}});
    return out;
}

int ConversationsController::folderIndex(qint64 folderId) const
{
    const QVariantList list = folders();
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (list[i].toMap().value(QStringLiteral("id")).toLongLong() == folderId)
            return int(i);
    }
    return -1;
}

bool ConversationsController::moveFolder(qint64 folderId, int delta)
{
    const int from = folderIndex(folderId);
    const int to = from + (delta < 0 ? -1 : 1);
    if (from < 0 || to < 0 || to >= folders().size())
        return false;
    moveFolderTo(folderId, to);
    return true;
}

void ConversationsController::moveFolderTo(qint64 folderId, int index)
{
    if (auto st = m_store->moveFolder(folderId, index); !st)
        Q_EMIT errorOccurred(st.errorString());
}

qint64 ConversationsController::createFolder(const QString& name, const QString& systemPrompt)
{
    auto id = m_store->createFolder(name, systemPrompt);
    if (!id) {
        Q_EMIT errorOccurred(id.errorString());
        return 0;
    }
    return *id;
}

bool ConversationsController::renameFolder(qint64 folderId, const QString& name)
{
    if (auto st = m_store->renameFolder(folderId, name); !st) {
        Q_EMIT errorOccurred(st.errorString());
        return false;
    }
    return true;
}

QString ConversationsController::folderName(qint64 folderId) const
{
    auto f = m_store->folder(folderId);
    return f ? f->name : QString();
}

QString ConversationsController::folderSystemPrompt(qint64 folderId) const
{
    auto f = m_store->folder(folderId);
    return f ? f->systemPrompt : QString();
}

void ConversationsController::setFolderSystemPrompt(qint64 folderId, const QString& systemPrompt)
{
    if (auto st = m_store->setFolderSystemPrompt(folderId, systemPrompt); !st)
        Q_EMIT errorOccurred(st.errorString());
}

QStringList ConversationsController::folderLibraries(qint64 folderId) const
{
    QStringList names;
    if (auto f = m_store->folder(folderId))
        for (const QJsonValue& v : f->settings.value(QLatin1String("libraries")).toArray())
            names << v.toString();
    return names;
}

void ConversationsController::setFolderLibraries(qint64 folderId, const QStringList& libraries)
{
    if (auto st = m_store->setFolderLibraries(folderId, libraries); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void ConversationsController::setFolderCollapsed(qint64 folderId, bool collapsed)
{
    if (auto st = m_store->setFolderCollapsed(folderId, collapsed); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void ConversationsController::removeFolder(qint64 folderId)
{
    if (auto st = m_store->deleteFolder(folderId); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void ConversationsController::moveToFolder(qint64 conversationId, qint64 folderId)
{
    if (auto st = m_store->moveToFolder({conversationId}, folderId); !st)
        Q_EMIT errorOccurred(st.errorString());
}

qint64 ConversationsController::folderOf(qint64 conversationId) const
{
    auto c = m_store->conversation(conversationId);
    return c ? c->folderId : 0;
}

qint64 ConversationsController::newChatInFolder(qint64 folderId)
{
    NewConversation nc;
    nc.folderId = folderId;
    auto id = m_store->createConversation(nc);
    if (!id) {
        Q_EMIT errorOccurred(id.errorString());
        return 0;
    }
    m_chat->openConversation(*id);
    Q_EMIT chatCreatedInFolder(*id, folderId);
    return *id;
}

// ---- the multi-selection ----

int ConversationsController::selectionCount() const { return m_list->selectionCount(); }

void ConversationsController::select(int row, SelectMode mode)
{
    m_list->select(row, ConversationListModel::SelectMode(mode));
}

void ConversationsController::selectAll() { m_list->selectAll(); }

void ConversationsController::clearSelection() { m_list->clearSelection(); }

QVariantList ConversationsController::selectedIds() const
{
    QVariantList out;
    for (qint64 id : m_list->selectedIds())
        out.append(id);
    return out;
}

int ConversationsController::rowOf(qint64 conversationId) const { return m_list->rowOfConversation(conversationId); }

void ConversationsController::moveSelectionToFolder(qint64 folderId)
{
    if (auto st = m_store->moveToFolder(m_list->selectedIds(), folderId); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void ConversationsController::setSelectionPinned(bool pinned)
{
    if (auto st = m_store->setPinned(m_list->selectedIds(), pinned); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void ConversationsController::removeSelection()
{
    const QList<qint64> ids = m_list->selectedIds();
    m_list->clearSelection();
    removeMany(ids);
}

int ConversationsController::exportSelectionTo(const QUrl& folder)
{
    const QString dir = folder.isLocalFile() ? folder.toLocalFile() : folder.toString();
    if (dir.isEmpty() || !QDir(dir).exists()) {
        Q_EMIT errorOccurred(tr("Choose an existing folder to export the conversations to."));
        return 0;
    }
    int written = 0;
    QSet<QString> used;
    for (qint64 id : m_list->selectedIds()) {
        auto json = m_store->exportJson(id);
        if (!json) {
            Q_EMIT errorOccurred(json.errorString());
            return written;
        }
        // Two conversations with one title, or a file already there: "Title (2).json".
        const QString name = exportFileName(id, QStringLiteral("json"));
        QString path = QDir(dir).filePath(name);
        for (int n = 2; used.contains(path) || QFile::exists(path); ++n)
            path = QDir(dir).filePath(name.chopped(5) + QStringLiteral(" (%1).json").arg(n));
        used.insert(path);
        if (!writeFile(path, *json))
            return written;
        ++written;
    }
    qCInfo(lcConversations) << "exported" << written << "conversations to" << dir;
    return written;
}
