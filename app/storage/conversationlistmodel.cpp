#include "conversationlistmodel.h"

#include "conversationstore.h"

#include <QDateTime>

namespace causerie::storage {

ConversationListModel::ConversationListModel(ConversationStore *store, int pageSize, QObject *parent)
    : QAbstractListModel(parent), m_store(store), m_pageSize(qMax(1, pageSize))
{
    connect(store, &ConversationStore::conversationsChanged, this, &ConversationListModel::reload);
    reload();
}

int ConversationListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ConversationListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Conversation &c = m_rows.at(index.row());
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
    return {{IdRole, "conversationId"}, {TitleRole, "title"},         {PinnedRole, "pinned"},
            {CreatedAtRole, "createdAt"}, {UpdatedAtRole, "updatedAt"}, {BackendRole, "backend"},
            {ModelRole, "model"}};
}

bool ConversationListModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd;
}

void ConversationListModel::fetchMore(const QModelIndex &parent)
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

bool ConversationListModel::load(int offset, int limit, QList<Conversation> &out)
{
    if (!m_store)
        return false;
    auto page = m_store->listConversations(offset, limit);
    if (!page) {
        m_error = page.error().message;
        m_atEnd = true; // do not retry in a loop; reload() tries again
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
    const bool sameOrder = fresh.size() == m_rows.size()
        && std::equal(fresh.cbegin(), fresh.cend(), m_rows.cbegin(),
                      [](const Conversation &a, const Conversation &b) { return a.id == b.id; });
    if (sameOrder) {
        m_rows = std::move(fresh);
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1));
    } else {
        beginResetModel();
        m_rows = std::move(fresh);
        endResetModel();
    }
    m_atEnd = m_rows.size() < wanted;
}

qint64 ConversationListModel::conversationIdAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).id : 0;
}

} // namespace causerie::storage
