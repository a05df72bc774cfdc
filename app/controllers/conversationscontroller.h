#pragma once
// The conversations as a list (the sidebar): folders, rename, pin, delete with an undo window,
// search, export to a file and import from one, and the same on a multi-selection. GUI thread only.
#include <QObject>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <memory>

class ChatController;
class ConversationSections;

namespace causerie::storage {
class ConversationStore;
class ConversationListModel;
}   // namespace causerie::storage

class ConversationsController : public QObject {
    Q_OBJECT
    QML_NAMED_ELEMENT(Conversations)
    QML_UNCREATABLE("App.conversations")
    // The folders with their conversations, then the others newest first, in sections
    // (ConversationSections over ConversationListModel).
    Q_PROPERTY(QObject* model READ model CONSTANT)
    // The first of the conversations whose deletion can still be undone, and how many there are.
    Q_PROPERTY(qint64 pendingDeleteId READ pendingDeleteId NOTIFY pendingDeleteChanged)
    Q_PROPERTY(int pendingDeleteCount READ pendingDeleteCount NOTIFY pendingDeleteChanged)
    Q_PROPERTY(int selectionCount READ selectionCount NOTIFY selectionChanged)
    // [{id, name}] in the sidebar's order, for "Move to folder" menus.
    Q_PROPERTY(QVariantList folders READ folders NOTIFY foldersChanged)
public:
    // How a click or a key changes the multi-selection: only this row (plain click), this row
    // added or removed (Ctrl), the rows from the last one chosen to this one (Shift).
    enum SelectMode { SelectOnly, SelectToggle, SelectRange };
    Q_ENUM(SelectMode)

    ConversationsController(causerie::storage::ConversationStore* store, ChatController* chat,
                            QObject* parent = nullptr);
    ~ConversationsController() override;

    QObject* model() const;
    causerie::storage::ConversationListModel* list() const { return m_list.get(); }
    qint64 pendingDeleteId() const { return m_pendingDelete.isEmpty() ? 0 : m_pendingDelete.first(); }
    int pendingDeleteCount() const { return int(m_pendingDelete.size()); }
    int selectionCount() const;
    QVariantList folders() const;

    Q_INVOKABLE void rename(qint64 id, const QString& title);
    Q_INVOKABLE void setPinned(qint64 id, bool pinned);
    Q_INVOKABLE void remove(qint64 id);   // undoable for a few seconds
    Q_INVOKABLE void undoRemove();        // brings back everything the last removal took
    // Every match in titles (inTitle true) then in messages: {conversationId, messageId, title,
    // snippetHtml, inTitle}.
    Q_INVOKABLE QVariantList search(const QString& text);
    Q_INVOKABLE QString exportMarkdown(qint64 id);
    // Imports a conversation exported as JSON and opens it; false (errorOccurred) on failure.
    Q_INVOKABLE bool importFile(const QString& path);
    Q_INVOKABLE bool importUrl(const QUrl& file) { return importFile(file.toLocalFile()); }
    // Writes the conversation to `file`: every branch as JSON (for importing, here or elsewhere)
    // when the name ends in .json, else the shown branch as Markdown. The file is replaced only
    // once the whole text is written. false (errorOccurred, saying why) on failure.
    // includeFiles: the JSON also carries attached files' bytes (base64, each ≤ 32 MB).
    Q_INVOKABLE bool exportTo(qint64 id, const QUrl& file, bool includeFiles = false);
    // "The capital of France.md": the title, without characters file systems refuse.
    Q_INVOKABLE QString exportFileName(qint64 id, const QString& suffix) const;

    // ---- folders ----
    // The new folder's id; 0 (errorOccurred, saying why) for an empty or taken name.
    Q_INVOKABLE qint64 createFolder(const QString& name, const QString& systemPrompt = {});
    Q_INVOKABLE bool renameFolder(qint64 folderId, const QString& name);
    Q_INVOKABLE QString folderName(qint64 folderId) const;
    Q_INVOKABLE QString folderSystemPrompt(qint64 folderId) const;
    Q_INVOKABLE void setFolderSystemPrompt(qint64 folderId, const QString& systemPrompt);
    // The libraries new conversations in the folder are given (Chat options can change them after).
    Q_INVOKABLE QStringList folderLibraries(qint64 folderId) const;
    Q_INVOKABLE void setFolderLibraries(qint64 folderId, const QStringList& libraries);
    Q_INVOKABLE void setFolderCollapsed(qint64 folderId, bool collapsed);
    // The folder one place up (-1) or down (+1) in the sidebar (its menu's Move up / Move down);
    // false at the end it would leave. moveFolderTo: where a drag drops it (0: first).
    Q_INVOKABLE bool moveFolder(qint64 folderId, int delta);
    Q_INVOKABLE void moveFolderTo(qint64 folderId, int index);
    // The folder's place in the sidebar's order (0: first); -1 for an unknown folder.
    Q_INVOKABLE int folderIndex(qint64 folderId) const;
    // The folder goes; its conversations go back to the list.
    Q_INVOKABLE void removeFolder(qint64 folderId);
    // folderId 0: out of its folder.
    Q_INVOKABLE void moveToFolder(qint64 conversationId, qint64 folderId);
    // The folder a conversation is in (0: none): where its defaults (prompt, documents) come from.
    Q_INVOKABLE qint64 folderOf(qint64 conversationId) const;
    // A new conversation in the folder (with its system prompt and libraries), opened;
    // chatCreatedInFolder then brings its default documents to the composer.
    Q_INVOKABLE qint64 newChatInFolder(qint64 folderId);

    // ---- the multi-selection ----
    Q_INVOKABLE void select(int row, SelectMode mode);
    Q_INVOKABLE void selectAll();
    Q_INVOKABLE void clearSelection();
    Q_INVOKABLE QVariantList selectedIds() const;
    Q_INVOKABLE int rowOf(qint64 conversationId) const;   // in `model`; -1: not listed
    Q_INVOKABLE void moveSelectionToFolder(qint64 folderId);
    Q_INVOKABLE void setSelectionPinned(bool pinned);
    Q_INVOKABLE void removeSelection();   // undoable like remove()
    // Each selected conversation as JSON (for import) into `folder`, named by its title; the
    // number written (errorOccurred on the first failure).
    Q_INVOKABLE int exportSelectionTo(const QUrl& folder);

Q_SIGNALS:
    void pendingDeleteChanged();
    void removed(qint64 id);   // deleted (undoable): what was kept for it elsewhere can go
    void errorOccurred(const QString& message);
    void selectionChanged();
    void foldersChanged();
    void chatCreatedInFolder(qint64 conversationId, qint64 folderId);

private:
    void removeMany(const QList<qint64>& ids);
    bool writeFile(const QString& path, const QByteArray& bytes);

    causerie::storage::ConversationStore* m_store;
    ChatController* m_chat;
    std::unique_ptr<causerie::storage::ConversationListModel> m_list;
    std::unique_ptr<ConversationSections> m_sections;
    QList<qint64> m_pendingDelete;
};
