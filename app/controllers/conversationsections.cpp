#include "conversationsections.h"

#include "conversationlistmodel.h"

#include <QDateTime>

using causerie::storage::ConversationListModel;

ConversationSections::ConversationSections(QObject* parent)
    : QIdentityProxyModel(parent)
{
}

QString ConversationSections::sectionFor(bool pinned, const QDate& day, const QDate& today)
{
    if (pinned)
        return tr("Pinned");
    const qint64 days = day.daysTo(today);
    if (days <= 0)
        return tr("Today");
    if (days == 1)
        return tr("Yesterday");
    if (days < 7)
        return tr("Previous 7 days");
    if (days < 30)
        return tr("Previous 30 days");
    return tr("Older");
}

QVariant ConversationSections::data(const QModelIndex& index, int role) const
{
    if (role != m_sectionRole)
        return QIdentityProxyModel::data(index, role);
    // Folders and what is in them come first, under one heading.
    if (QIdentityProxyModel::data(index, ConversationListModel::IsFolderRole).toBool() ||
        QIdentityProxyModel::data(index, ConversationListModel::FolderIdRole).toLongLong() != 0)
        return tr("Folders");
    const bool pinned = QIdentityProxyModel::data(index, ConversationListModel::PinnedRole).toBool();
    const QDateTime updated = QIdentityProxyModel::data(index, ConversationListModel::UpdatedAtRole).toDateTime();
    return sectionFor(pinned, updated.toLocalTime().date(), QDate::currentDate());
}

QHash<int, QByteArray> ConversationSections::roleNames() const
{
    auto names = QIdentityProxyModel::roleNames();
    names.insert(m_sectionRole, "section");
    return names;
}
