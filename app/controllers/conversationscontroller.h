#pragma once
// The conversations as a list (the sidebar): rename, pin, delete with an undo window, search,
// export to a file and import from one. GUI thread only.
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
    // The list, newest first, in date sections (ConversationSections over ConversationListModel).
    Q_PROPERTY(QObject* model READ model CONSTANT)
    Q_PROPERTY(qint64 pendingDeleteId READ pendingDeleteId NOTIFY pendingDeleteChanged)
public:
    ConversationsController(causerie::storage::ConversationStore* store, ChatController* chat,
                            QObject* parent = nullptr);
    ~ConversationsController() override;

    QObject* model() const;
    qint64 pendingDeleteId() const { return m_pendingDelete; }

    Q_INVOKABLE void rename(qint64 id, const QString& title);
    Q_INVOKABLE void setPinned(qint64 id, bool pinned);
    Q_INVOKABLE void remove(qint64 id);   // undoable for a few seconds
    Q_INVOKABLE void undoRemove();
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

Q_SIGNALS:
    void pendingDeleteChanged();
    void removed(qint64 id);   // deleted (undoable): what was kept for it elsewhere can go
    void errorOccurred(const QString& message);

private:
    causerie::storage::ConversationStore* m_store;
    ChatController* m_chat;
    std::unique_ptr<causerie::storage::ConversationListModel> m_list;
    std::unique_ptr<ConversationSections> m_sections;
    qint64 m_pendingDelete = 0;
};
