#include "conversationlistmodel.h"

#include "conversationstore.h"

#include <QDateTime>

namespace causerie::storage {

ConversationListModel::ConversationListModel(ConversationStore* store, int pageSize, QObject* parent)
    : QAbstractListModel(parent)
    , m_store(store)
    , m_pageSize(qMax(1, pageSize))
{
    connect(store, &ConversationStore::conversationsChanged, this, &ConversationListModel::reload);
    reload();
}

int ConversationListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ConversationListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows.at(index.row());
    if (row.isFolder) {
        const Folder& f = row.folder;
        switch (role) {
        case Qt::DisplayRole:
        case TitleRole: return f.name;
        case IdRole: return qint64(0);
        case IsFolderRole: return true;
        case FolderIdRole: return f.id;
        case CollapsedRole: return f.collapsed;
        case CountRole: return f.conversationCount;
        case PinnedRole:
        case SelectedRole: return false;
        case CreatedAtRole:
        case UpdatedAtRole: return QDateTime::fromMSecsSinceEpoch(f.createdAt);
        case BackendRole:
        case ModelRole: return QString();
        default: return {};
        }
    }
    const Conversation& c = row.conversation;
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole: return c.title;
    case IdRole: return c.id;
    case PinnedRole: return c.pinned;
    case CreatedAtRole: return QDateTime::fromMSecsSinceEpoch(c.createdAt);
    case UpdatedAtRole: return QDateTime::fromMSecsSinceEpoch(c.updatedAt);
    case BackendRole: return c.backend;
    case ModelRole: return c.model;
    case IsFolderRole: return false;
    case FolderIdRole: return c.folderId;
    case CollapsedRole: return false;
    case CountRole: return 0;
    case SelectedRole: return m_selected.contains(c.id);
    default: return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const
{
    return {{IdRole, "conversationId"},   {TitleRole, "title"},         {PinnedRole, "pinned"},
            {CreatedAtRole, "createdAt"}, {UpdatedAtRole, "updatedAt"}, {BackendRole, "backend"},
            {ModelRole, "model"},         {IsFolderRole, "isFolder"},   {FolderIdRole, "folderId"},
            {CollapsedRole, "collapsed"}, {CountRole, "folderCount"},   {SelectedRole, "selected"}};
}

bool ConversationListModel::canFetchMore(const QModelIndex& parent) const { return !parent.isValid() && !m_atEnd; }

void ConversationListModel::fetchMore(const QModelIndex& parent)
{
    if (parent.isValid() || m_atEnd)
        return;
    QList<Row> page;
    if (!loadConversations(m_plainLoaded, m_pageSize, kNoFolder, page))
        return;
    m_atEnd = page.size() < m_pageSize;
    if (page.isEmpty())
        return;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + page.size()) - 1);
    m_rows.append(page);
    m_plainLoaded += int(page.size());
    endInsertRows();
}

void ConversationListModel::fail(const QString& message)
{
    m_error = message;
    m_atEnd = true;   // do not retry in a loop; reload() tries again
    Q_EMIT errorOccurred(m_error);
}

// Each folder, followed by its conversations when it is open.
bool ConversationListModel::loadFolders(QList<Row>& out)
{
    if (!m_store)
        return false;
    auto folders = m_store->folders();
    if (!folders) {
        fail(folders.error().message);
        return false;
    }
    for (const Folder& f : std::as_const(*folders)) {
        out.append(Row{true, f, {}});
        if (f.collapsed)
            continue;
        if (!loadConversations(0, kFolderRows, f.id, out))
            return false;
    }
    return true;
}

bool ConversationListModel::loadConversations(int offset, int limit, qint64 folderId, QList<Row>& out)
{
    if (!m_store)
        return false;
    auto page = m_store->listConversations(offset, limit, folderId);
    if (!page) {
        fail(page.error().message);
        return false;
    }
    for (const Conversation& c : std::as_const(*page))
        out.append(Row{false, {}, c});
    return true;
}

void ConversationListModel::reload()
{
    // Keep as many plain rows as were loaded (at least a page) so the view does not jump.
    const int wanted = qMax(m_pageSize, m_plainLoaded);
    QList<Row> fresh;
    if (!loadFolders(fresh))
        return;
    const int folderPart = int(fresh.size());
    if (!loadConversations(0, wanted, kNoFolder, fresh))
        return;
    const int plain = int(fresh.size()) - folderPart;
    applyRows(std::move(fresh));
    m_plainLoaded = plain;
    m_atEnd = plain < wanted;
    // A conversation deleted or hidden in a collapsed folder is no longer selected.
    QSet<qint64> still;
    for (const Row& r : std::as_const(m_rows))
        if (!r.isFolder && m_selected.contains(r.conversation.id))
            still.insert(r.conversation.id);
    if (still != m_selected)
        setSelection(still);
}

bool ConversationListModel::sameRow(const Row& a, const Row& b)
{
    if (a.isFolder != b.isFolder)
        return false;
    if (a.isFolder)
        return a.folder == b.folder;
    const Conversation& x = a.conversation;
    const Conversation& y = b.conversation;
    return x.title == y.title && x.createdAt == y.createdAt && x.updatedAt == y.updatedAt && x.pinned == y.pinned &&
           x.backend == y.backend && x.model == y.model && x.systemPrompt == y.systemPrompt &&
           x.settings == y.settings && x.activeLeafId == y.activeLeafId && x.folderId == y.folderId;
}

// Turns the loaded rows into `fresh` with the fewest row signals: a new conversation is one
// inserted row, the one that just got an answer moves to the top, a deleted one is removed, and
// only rows whose fields changed get dataChanged. A reset would make the sidebar destroy and
// re-create every delegate (tens of milliseconds on the GUI thread for a long list).
void ConversationListModel::applyRows(QList<Row> fresh)
{
    QSet<qint64> freshKeys;
    for (const Row& r : std::as_const(fresh))
        freshKeys.insert(r.key());
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (freshKeys.contains(m_rows.at(i).key()))
            continue;
        beginRemoveRows({}, i, i);
        m_rows.removeAt(i);
        endRemoveRows();
    }
    for (int i = 0; i < int(fresh.size()); ++i) {
        const Row& want = fresh.at(i);
        int j = i;
        while (j < int(m_rows.size()) && m_rows.at(j).key() != want.key())
            ++j;
        if (j == int(m_rows.size())) {
            beginInsertRows({}, i, i);
            m_rows.insert(i, want);
            endInsertRows();
            continue;
        }
        if (j != i) {
            beginMoveRows({}, j, j, {}, i);
            m_rows.move(j, i);
            endMoveRows();
        }
        if (!sameRow(m_rows.at(i), want)) {
            m_rows[i] = want;
            Q_EMIT dataChanged(index(i), index(i));
        }
    }
    if (m_rows.size() > fresh.size()) {
        beginRemoveRows({}, int(fresh.size()), int(m_rows.size()) - 1);
        m_rows.resize(fresh.size());
        endRemoveRows();
    }
}

qint64 ConversationListModel::conversationIdAt(int row) const
{
    if (row < 0 || row >= m_rows.size() || m_rows.at(row).isFolder)
        return 0;
    return m_rows.at(row).conversation.id;
}

int ConversationListModel::rowOfConversation(qint64 id) const
{
    for (int i = 0; i < int(m_rows.size()); ++i)
        if (!m_rows.at(i).isFolder && m_rows.at(i).conversation.id == id)
            return i;
    return -1;
}

// ---- the multi-selection ----

void ConversationListModel::setSelection(const QSet<qint64>& ids)
{
    if (ids == m_selected)
        return;
    const QSet<qint64> before = std::exchange(m_selected, ids);
    for (int i = 0; i < int(m_rows.size()); ++i) {
        const Row& r = m_rows.at(i);
        if (!r.isFolder && before.contains(r.conversation.id) != m_selected.contains(r.conversation.id))
            Q_EMIT dataChanged(index(i), index(i), {SelectedRole});
    }
    Q_EMIT selectionChanged();
}

void ConversationListModel::select(int row, SelectMode mode)
{
    const qint64 id = conversationIdAt(row);
    if (!id)
        return;
    QSet<qint64> next = m_selected;
    const int anchorRow = rowOfConversation(m_anchor);
    if (mode == SelectRange && anchorRow >= 0) {
        next.clear();
        for (int i = qMin(anchorRow, row); i <= qMax(anchorRow, row); ++i)
            if (const qint64 c = conversationIdAt(i))
                next.insert(c);
        setSelection(next);
        return;   // the anchor stays: Shift+click again changes the range's other end
    }
    if (mode == SelectToggle) {
        if (!next.remove(id))
            next.insert(id);
    } else {
        next = {id};
    }
    m_anchor = id;
    setSelection(next);
}

void ConversationListModel::selectAll()
{
    QSet<qint64> all;
    for (const Row& r : std::as_const(m_rows))
        if (!r.isFolder)
            all.insert(r.conversation.id);
    setSelection(all);
}

void ConversationListModel::clearSelection()
{
    m_anchor = 0;
    setSelection({});
}

QList<qint64> ConversationListModel::selectedIds() const
{
    QList<qint64> out;
    for (const Row& r : std::as_const(m_rows))
        if (!r.isFolder && m_selected.contains(r.conversation.id))
            out.append(r.conversation.id);
    return out;
}

}   // namespace causerie::storage
