#pragma once
// The active branch of one conversation for QML. Streaming text lives here in memory
// (setStreamingText, GUI thread) and reaches SQLite through the store's flushes.
#include "storagetypes.h"

#include <QAbstractListModel>
#include <QPointer>

namespace causerie::storage {

class ConversationStore;

class MessageListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(qint64 conversationId READ conversationId WRITE setConversationId NOTIFY conversationIdChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorOccurred)
public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        ParentIdRole,
        AuthorRole,   // "system" | "user" | "assistant"
        ContentRole,
        StatusRole,   // "streaming" | "done" | "interrupted" | "error" | "cancelled"
        CreatedAtRole,
        SiblingIndexRole,
        SiblingCountRole,
        ModelRole,
        BackendRole,
        PromptTokensRole,       // int or undefined
        CompletionTokensRole,   // int or undefined
        TtftMsRole,             // ms or undefined
        TokensPerSecondRole,    // or undefined
        FinishReasonRole,
        ErrorTextRole,
        ReasoningRole,      // "" when the model did not think aloud
        CachedTokensRole,   // of PromptTokens, read from the local engine's KV cache; or undefined
        // New roles go last, so older role numbers stay.
    };
    Q_ENUM(Roles)

    explicit MessageListModel(ConversationStore* store, QObject* parent = nullptr);

    qint64 conversationId() const { return m_conversationId; }
    void setConversationId(qint64 id);
    QString errorString() const { return m_error; }

    // Shows streaming text without touching the database (the controller flushes separately).
    Q_INVOKABLE bool setStreamingText(qint64 messageId, const QString& text);
    // The same for the reasoning ("thinking") text; false if the message is not shown.
    Q_INVOKABLE bool setStreamingReasoning(qint64 messageId, const QString& reasoning);
    Q_INVOKABLE void reload();
    int rowOf(qint64 messageId) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void conversationIdChanged();
    void errorOccurred(const QString& message);

private:
    void onMessageAdded(qint64 conversationId, qint64 messageId);
    void onMessageChanged(qint64 conversationId, qint64 messageId);
    void fail(const QString& message);

    QPointer<ConversationStore> m_store;
    qint64 m_conversationId = 0;
    QList<Message> m_rows;
    QString m_error;
};

}   // namespace causerie::storage
