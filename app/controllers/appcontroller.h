#pragma once
// The `App` singleton: owns the store, the backends and one controller per concern, and hands
// them to QML (`App.model`, `App.remote`, `App.conversations`, `App.chat`, `App.settings`).
// Itself it keeps what ties them together: the open conversation's backend (the local model
// or an endpoint) and how much of the context its history takes.
// GUI thread only; the engine itself runs on LocalBackend's thread.
#include "announcer.h"
#include "appsettings.h"
#include "chatcontroller.h"
#include "conversationoptions.h"
#include "conversationscontroller.h"
#include "documentscontroller.h"
#include "kvcachecontroller.h"
#include "localmodelcontroller.h"
#include "readaloud.h"
#include "remotecontroller.h"
#include "servercontroller.h"

#include <QObject>

#include <memory>

class ChatBackend;
class LocalBackend;

namespace causerie::storage {
class ConversationStore;
class MessageListModel;
struct Conversation;
}   // namespace causerie::storage

class AppController : public QObject {
    Q_OBJECT
    Q_PROPERTY(LocalModelController* model READ model CONSTANT)
    Q_PROPERTY(RemoteController* remote READ remote CONSTANT)
    Q_PROPERTY(ConversationsController* conversations READ conversations CONSTANT)   // null: storeError
    Q_PROPERTY(QObject* messages READ messages CONSTANT)
    Q_PROPERTY(ChatController* chat READ chat CONSTANT)
    Q_PROPERTY(DocumentsController* documents READ documents CONSTANT)   // null: storeError
    Q_PROPERTY(AppSettings* settings READ settings CONSTANT)
    // The open conversation's own system prompt and sampling (over the settings' defaults).
    Q_PROPERTY(ConversationOptions* conversationOptions READ conversationOptions CONSTANT)
    Q_PROPERTY(QString dataDir READ dataDir CONSTANT)
    Q_PROPERTY(KvCacheController* kvCache READ kvCache CONSTANT)   // saved conversation states
    Q_PROPERTY(ServerController* server READ server CONSTANT)      // the local OpenAI-compatible server
    Q_PROPERTY(ReadAloud* readAloud READ readAloud CONSTANT)       // answers spoken (Qt TextToSpeech)
    Q_PROPERTY(Announcer* announcer READ announcer CONSTANT)       // streamed answers, for screen readers
    Q_PROPERTY(QString storeError READ storeError CONSTANT)
    // The open conversation's backend: the local model (conversationRemote false) or the
    // endpoint conversationEndpointId with the model conversationModel.
    Q_PROPERTY(bool conversationRemote READ conversationRemote NOTIFY conversationBackendChanged)
    Q_PROPERTY(QString conversationEndpointId READ conversationEndpointId NOTIFY conversationBackendChanged)
    Q_PROPERTY(QString conversationModel READ conversationModel NOTIFY conversationBackendChanged)
    Q_PROPERTY(bool backendReady READ backendReady NOTIFY conversationBackendChanged)
    Q_PROPERTY(QString backendLabel READ backendLabel NOTIFY conversationBackendChanged)
    // An imported conversation's backend and model where it came from ("was: Mistral AI ·
    // mistral-small-latest"), or "": information only, never used to answer.
    Q_PROPERTY(QString conversationOrigin READ conversationOrigin NOTIFY conversationBackendChanged)
    Q_PROPERTY(int contextUsed READ contextUsed NOTIFY contextChanged)
    Q_PROPERTY(int contextSize READ contextSize NOTIFY contextChanged)
public:
    explicit AppController(const QString& dataDir, QObject* parent = nullptr);
    ~AppController() override;

    bool isOpen() const;   // false: storeError() says why the conversations could not be opened

    LocalModelController* model() const { return m_model.get(); }
    RemoteController* remote() const { return m_remote.get(); }
    ConversationsController* conversations() const { return m_conversations.get(); }
    QObject* messages() const;
    ChatController* chat() const { return m_chat.get(); }
    DocumentsController* documents() const { return m_documents.get(); }
    AppSettings* settings() const { return m_settings.get(); }
    ConversationOptions* conversationOptions() const { return m_options.get(); }
    KvCacheController* kvCache() const { return m_kvCache.get(); }
    ServerController* server() const { return m_server.get(); }
    ReadAloud* readAloud() const { return m_readAloud.get(); }
    Announcer* announcer() const { return m_announcer.get(); }
    QString dataDir() const { return m_dataDir; }
    QString storeError() const { return m_storeError; }
    bool conversationRemote() const { return !conversationEndpointId().isEmpty(); }
    QString conversationEndpointId() const;
    QString conversationModel() const;
    bool backendReady() const;
    QString backendLabel() const;
    QString conversationOrigin() const;
    int contextUsed() const { return m_contextUsed; }
    int contextSize() const;

    Q_INVOKABLE void newChat();
    Q_INVOKABLE void openConversation(qint64 id);
    // The open conversation's backend: endpoint `endpointId` with `model`, or the local model
    // when `endpointId` is empty. A chat without a conversation gets one.
    Q_INVOKABLE void setConversationBackend(const QString& endpointId, const QString& model);
    // Text for the composer's "context used" line, recomputed when the conversation changes.
    Q_INVOKABLE void updateContextUsage(const QString& draft = {});
    Q_INVOKABLE void copyText(const QString& text);

    // On quit: a generation in flight is cancelled and its partial answer stored.
    void shutdown();

Q_SIGNALS:
    void modelChanged();
    void conversationBackendChanged();
    void contextChanged();
    // Every controller's errors, for the window's notice.
    void errorOccurred(const QString& message);

private:
    ChatBackend* backendFor(const causerie::storage::Conversation& c);
    // The open conversation, created (empty, with this backend) when the chat has none yet.
    qint64 ensureConversation(const QString& backend = {}, const QString& model = {});
    void onConversationChanged();

    QString m_dataDir;
    QString m_storeError;
    std::unique_ptr<AppSettings> m_settings;
    std::unique_ptr<causerie::storage::ConversationStore> m_store;
    std::unique_ptr<causerie::storage::MessageListModel> m_messages;
    std::unique_ptr<LocalBackend> m_local;
    std::unique_ptr<KvCacheController> m_kvCache;
    std::unique_ptr<LocalModelController> m_model;
    std::unique_ptr<RemoteController> m_remote;
    std::unique_ptr<DocumentsController> m_documents;   // before m_chat, which points to it
    std::unique_ptr<ChatController> m_chat;
    std::unique_ptr<ConversationsController> m_conversations;
    std::unique_ptr<ConversationOptions> m_options;
    std::unique_ptr<ServerController> m_server;   // after m_local: destroyed before it
    std::unique_ptr<ReadAloud> m_readAloud;
    std::unique_ptr<Announcer> m_announcer;
    QString m_countRequest;
    int m_contextUsed = 0;
};
