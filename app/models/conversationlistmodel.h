#pragma once
// The conversation list for QML: pinned first, then by last activity, loaded a page at a time
// (canFetchMore/fetchMore) so 10,000 conversations cost one page of rows.
#include "storagetypes.h"

#include <QAbstractListModel>
#include <QPointer>

namespace causerie::storage {

class ConversationStore;

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorOccurred)
public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        TitleRole,
        PinnedRole,
        CreatedAtRole,   // QDateTime
        UpdatedAtRole,   // QDateTime, last activity
        BackendRole,
        ModelRole,
    };
    Q_ENUM(Roles)

    explicit ConversationListModel(ConversationStore* store, int pageSize = 50, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

    Q_INVOKABLE void reload();
    Q_INVOKABLE qint64 conversationIdAt(int row) const;
    QString errorString() const { return m_error; }

Q_SIGNALS:
    void errorOccurred(const QString& message);

private:
    bool load(int offset, int limit, QList<Conversation>& out);
    void applyRows(QList<Conversation> fresh);

    QPointer<ConversationStore> m_store;
    QList<Conversation> m_rows;
    int m_pageSize;
    bool m_atEnd = false;
    QString m_error;
};

}   // namespace causerie::storage
