#include "conversationlistmodel.h"

#include <QSet>

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
    const Conversation& c = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole: return c.title;
    case IdRole: return c.id;
    case PinnedRole: return c.pinned;
    case CreatedAtRole: return QDateTime::fromMSecsSinceEpoch(c.createdAt);
    case UpdatedAtRole: return QDateTime::fromMSecsSinceEpoch(c.updatedAt);
    case BackendRole: return c.backend;
    case ModelRole: return c.model;
    default: return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const
{
    return {{IdRole, "conversationId"},   {TitleRole, "title"},         {PinnedRole, "pinned"},
            {CreatedAtRole, "createdAt"}, {UpdatedAtRole, "updatedAt"}, {BackendRole, "backend"},
            {ModelRole, "model"}};
}

bool ConversationListModel::canFetchMore(const QModelIndex& parent) const { return !parent.isValid() && !m_atEnd; }

void ConversationListModel::fetchMore(const QModelIndex& parent)
{
    if (parent.isValid() || m_atEnd)
        return;
    QList<Conversation> page;
    if (!load(int(m_rows.size()), m_pageSize, page))
        return;
    m_atEnd = page.size() < m_pageSize;
    if (page.isEmpty())
        return;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + page.size()) - 1);
    m_rows.append(page);
    endInsertRows();
}

bool ConversationListModel::load(int offset, int limit, QList<Conversation>& out)
{
    if (!m_store)
        return false;
    auto page = m_store->listConversations(offset, limit);
    if (!page) {
        m_error = page.error().message;
        m_atEnd = true;   // do not retry in a loop; reload() tries again
        Q_EMIT errorOccurred(m_error);
        return false;
    }
    out = std::move(page).value();
    return true;
}

void ConversationListModel::reload()
{
    // Keep as many rows as were loaded (at least a page) so the view does not jump.
    const int wanted = qMax(m_pageSize, int(m_rows.size()));
    QList<Conversation> fresh;
    if (!load(0, wanted, fresh))
        return;
    applyRows(std::move(fresh));
    m_atEnd = m_rows.size() < wanted;
}

// Turns the loaded rows into `fresh` with the fewest row signals: a new conversation is one
// inserted row, the one that just got an answer moves to the top, a deleted one is removed, and
// only rows whose fields changed get dataChanged. A reset would make the sidebar destroy and
// re-create every delegate (tens of milliseconds on the GUI thread for a long list).
void ConversationListModel::applyRows(QList<Conversation> fresh)
{
    QSet<qint64> freshIds;
    for (const Conversation& c : std::as_const(fresh))
        freshIds.insert(c.id);
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (freshIds.contains(m_rows.at(i).id))
            continue;
        beginRemoveRows({}, i, i);
        m_rows.removeAt(i);
        endRemoveRows();
    }
    for (int i = 0; i < int(fresh.size()); ++i) {
        const Conversation& want = fresh.at(i);
        int j = i;
        while (j < int(m_rows.size()) && m_rows.at(j).id != want.id)
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
        const Conversation& have = m_rows.at(i);
        const bool same = have.title == want.title && have.createdAt == want.createdAt &&
                          have.updatedAt == want.updatedAt && have.pinned == want.pinned &&
                          have.backend == want.backend && have.model == want.model &&
                          have.systemPrompt == want.systemPrompt && have.settings == want.settings &&
                          have.activeLeafId == want.activeLeafId;
        if (!same) {
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
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).id : 0;
}

}   // namespace causerie::storage
