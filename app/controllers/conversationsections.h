#pragma once
// Adds a `section` role to the conversation list for the sidebar's groups: Folders (the
// folders and their conversations) first, then pinned ones, then Today, Yesterday, Previous 7 days, Previous 30 days,
// Older.
#include <QDate>
#include <QIdentityProxyModel>

class ConversationSections : public QIdentityProxyModel {
    Q_OBJECT
public:
    explicit ConversationSections(QObject* parent = nullptr);

    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    int sectionRole() const { return m_sectionRole; }
    // Exposed for tests: the group of a conversation last active on `day`, seen on `today`.
    static QString sectionFor(bool pinned, const QDate& day, const QDate& today);

private:
    int m_sectionRole = Qt::UserRole + 100;
};
