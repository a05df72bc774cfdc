#pragma once
// The sidebar's list for QML: the folders first (each a header row, followed by its
// conversations unless collapsed), then the conversations in no folder; pinned first, then by
// last activity. The conversations in no folder are loaded a page at a time
// (canFetchMore/fetchMore) so 10,000 conversations cost one page of rows. The multi-selection
// (Ctrl/Shift-click, keyboard) lives here too: a set of conversation ids, shown by `selected`.
#include "storagetypes.h"

#include <QAbstractListModel>
#include <QPointer>
#include <QSet>

namespace causerie::storage {

class ConversationStore;

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorOccurred)
    Q_PROPERTY(int selectionCount READ selectionCount NOTIFY selectionChanged)
public:
    enum Roles {
        IdRole = Qt::UserRole + 1,   // the conversation's id; 0 on a folder row
        TitleRole,                   // a folder row: the folder's name
        PinnedRole,
        CreatedAtRole,   // QDateTime
        UpdatedAtRole,   // QDateTime, last activity
        BackendRole,
        ModelRole,
        IsFolderRole,
        FolderIdRole,    // a folder row: its id; a conversation: its folder (0: none)
        CollapsedRole,   // a folder row: its conversations are hidden
        CountRole,       // a folder row: how many conversations it holds
        SelectedRole,    // a conversation row: part of the multi-selection
    };
    Q_ENUM(Roles)

    // How a click or a key changes the selection: only this row (plain), this row added or
    // removed (Ctrl), every conversation row from the last one chosen to this one (Shift).
    enum SelectMode { SelectOnly, SelectToggle, SelectRange };
    Q_ENUM(SelectMode)

    // Conversations listed per open folder at most (a folder is not paged).
    static constexpr int kFolderRows = 1000;

    explicit ConversationListModel(ConversationStore* store, int pageSize = 50, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

    Q_INVOKABLE void reload();
    Q_INVOKABLE qint64 conversationIdAt(int row) const;   // 0: a folder row or out of range
    Q_INVOKABLE int rowOfConversation(qint64 id) const;   // -1: not loaded
    QString errorString() const { return m_error; }

    // ---- the multi-selection ----
    Q_INVOKABLE void select(int row, SelectMode mode);   // folder rows are ignored
    Q_INVOKABLE void selectAll();                        // every conversation row loaded
    Q_INVOKABLE void clearSelection();
    int selectionCount() const { return int(m_selected.size()); }
    QList<qint64> selectedIds() const;   // in row order
    bool isSelected(qint64 conversationId) const { return m_selected.contains(conversationId); }

Q_SIGNALS:
    void errorOccurred(const QString& message);
    void selectionChanged();

private:
    struct Row {
        bool isFolder = false;
        Folder folder;               // a folder row
        Conversation conversation;   // a conversation row
        qint64 key() const { return isFolder ? -folder.id : conversation.id; }
    };
    static bool sameRow(const Row& a, const Row& b);
    bool loadFolders(QList<Row>& out);
    // A page of the conversations in `folderId` (kNoFolder: those in none).
    bool loadConversations(int offset, int limit, qint64 folderId, QList<Row>& out);
    void applyRows(QList<Row> fresh);
    void setSelection(const QSet<qint64>& ids);
    void fail(const QString& message);

    QPointer<ConversationStore> m_store;
    QList<Row> m_rows;
    int m_pageSize;
    int m_plainLoaded = 0;   // conversations in no folder among m_rows
    bool m_atEnd = false;
    QString m_error;
    QSet<qint64> m_selected;
    qint64 m_anchor = 0;   // the conversation a Shift range starts from
};

}   // namespace causerie::storage
