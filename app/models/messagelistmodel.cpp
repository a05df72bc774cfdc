#include "messagelistmodel.h"

#include "conversationstore.h"

#include <QDateTime>

namespace causerie::storage {

namespace {
template <class T>
QVariant optionalVariant(const std::optional<T>& v)
{
    return v ? QVariant::fromValue(*v) : QVariant();
}
}   // namespace

MessageListModel::MessageListModel(ConversationStore* store, QObject* parent)
    : QAbstractListModel(parent)
    , m_store(store)
{
    connect(store, &ConversationStore::messageAdded, this, &MessageListModel::onMessageAdded);
    connect(store, &ConversationStore::messageChanged, this, &MessageListModel::onMessageChanged);
    connect(store, &ConversationStore::activeBranchChanged, this, [this](qint64 conversationId) {
        if (conversationId == m_conversationId)
            reload();
    });
}

void MessageListModel::setConversationId(qint64 id)
{
    if (id == m_conversationId)
        return;
    m_conversationId = id;
    reload();
    Q_EMIT conversationIdChanged();
}

void MessageListModel::fail(const QString& message)
{
    m_error = message;
    Q_EMIT errorOccurred(message);
}

void MessageListModel::reload()
{
    QList<Message> rows;
    if (m_store && m_conversationId != 0) {
        auto path = m_store->activePath(m_conversationId);
        if (!path)
            fail(path.error().message);
        else
            rows = std::move(path).value();
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

int MessageListModel::rowOf(qint64 messageId) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].id == messageId)
            return i;
    }
    return -1;
}

void MessageListModel::onMessageAdded(qint64 conversationId, qint64 messageId)
{
    if (conversationId != m_conversationId || !m_store)
        return;
    auto m = m_store->message(messageId);
    if (!m) {
        fail(m.error().message);
        return;
    }
    const qint64 lastId = m_rows.isEmpty() ? 0 : m_rows.back().id;
    if (m->parentId != lastId) {
        reload();   // a new sibling (edit/regenerate): the active branch changed below its parent
        return;
    }
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
    m_rows.append(std::move(m).value());
    endInsertRows();
}

void MessageListModel::onMessageChanged(qint64 conversationId, qint64 messageId)
{
    const int row = rowOf(messageId);
    if (conversationId != m_conversationId || row < 0 || !m_store)
        return;
    auto m = m_store->message(messageId);
    if (!m) {
        fail(m.error().message);
        return;
    }
    Message& r = m_rows[row];
    const int siblingIndex = r.siblingIndex, siblingCount = r.siblingCount;
    r = std::move(m).value();
    r.siblingIndex = siblingIndex;
    r.siblingCount = siblingCount;
    Q_EMIT dataChanged(index(row), index(row));
}

bool MessageListModel::setStreamingText(qint64 messageId, const QString& text)
{
    const int row = rowOf(messageId);
    if (row < 0)
        return false;
    m_rows[row].content = text;
    Q_EMIT dataChanged(index(row), index(row), {ContentRole, Qt::DisplayRole});
    return true;
}

bool MessageListModel::setStreamingReasoning(qint64 messageId, const QString& reasoning)
{
    const int row = rowOf(messageId);
    if (row < 0)
        return false;
    m_rows[row].reasoning = reasoning;
    Q_EMIT dataChanged(index(row), index(row), {ReasoningRole});
    return true;
}

int MessageListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

QVariant MessageListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Message& m = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case ContentRole: return m.content;
    case IdRole: return m.id;
    case ParentIdRole: return m.parentId;
    case AuthorRole: return roleName(m.role);
    case StatusRole: return statusName(m.status);
    case CreatedAtRole: return QDateTime::fromMSecsSinceEpoch(m.createdAt);
    case SiblingIndexRole: return m.siblingIndex;
    case SiblingCountRole: return m.siblingCount;
    case ModelRole: return m.stats.model;
    case BackendRole: return m.stats.backend;
    case PromptTokensRole: return optionalVariant(m.stats.promptTokens);
    case CompletionTokensRole: return optionalVariant(m.stats.completionTokens);
    case TtftMsRole: return optionalVariant(m.stats.ttftMs);
    case TokensPerSecondRole: return optionalVariant(m.stats.tokensPerSecond);
    case FinishReasonRole: return m.stats.finishReason;
    case ErrorTextRole: return m.errorText;
    case ReasoningRole: return m.reasoning;
    case CachedTokensRole: return optionalVariant(m.stats.cachedTokens);
    default: return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    return {{IdRole, "messageId"},
            {ParentIdRole, "parentId"},
            {AuthorRole, "author"},
            {ContentRole, "content"},
            {StatusRole, "status"},
            {CreatedAtRole, "createdAt"},
            {SiblingIndexRole, "siblingIndex"},
            {SiblingCountRole, "siblingCount"},
            {ModelRole, "model"},
            {BackendRole, "backend"},
            {PromptTokensRole, "promptTokens"},
            {CompletionTokensRole, "completionTokens"},
            {TtftMsRole, "ttftMs"},
            {TokensPerSecondRole, "tokensPerSecond"},
            {FinishReasonRole, "finishReason"},
            {ErrorTextRole, "errorText"},
            {ReasoningRole, "reasoning"},
            {CachedTokensRole, "cachedTokens"}};
}

}   // namespace causerie::storage
