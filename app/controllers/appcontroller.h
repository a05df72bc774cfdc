#pragma once
// Everything the QML window talks to, owned in one place: the store and its list models, the
// chat turn, the local engine, the remote endpoints and their keys, the settings.
// GUI thread only; the engine itself runs on LocalBackend's thread.
#include "appsettings.h"
#include "chatcontroller.h"
#include "conversationoptions.h"
#include "kvcachecontroller.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVariantList>
#include <QVariantMap>

#include <memory>

class ChatBackend;
class ConversationSections;
class EndpointStore;
class KeyStore;
class LocalBackend;
class RemoteBackend;
struct LocalModelInfo;

namespace causerie::storage {
class ConversationStore;
class ConversationListModel;
class MessageListModel;
struct Conversation;
}   // namespace causerie::storage

class AppController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QObject* conversations READ conversations CONSTANT)
    Q_PROPERTY(QObject* messages READ messages CONSTANT)
    Q_PROPERTY(ChatController* chat READ chat CONSTANT)
    Q_PROPERTY(AppSettings* settings READ settings CONSTANT)
    // The open conversation's own system prompt and sampling (over the settings' defaults).
    Q_PROPERTY(ConversationOptions* conversationOptions READ conversationOptions CONSTANT)
    Q_PROPERTY(QString dataDir READ dataDir CONSTANT)
    Q_PROPERTY(KvCacheController* kvCache READ kvCache CONSTANT)   // saved conversation states
    Q_PROPERTY(QString storeError READ storeError CONSTANT)
    Q_PROPERTY(int modelState READ modelState NOTIFY modelChanged)   // 0 none, 1 loading, 2 ready, 3 failed
    Q_PROPERTY(QVariantMap modelInfo READ modelInfo NOTIFY modelChanged)
    Q_PROPERTY(QString modelError READ modelError NOTIFY modelChanged)
    Q_PROPERTY(QString conversationBackend READ conversationBackend NOTIFY conversationBackendChanged)
    Q_PROPERTY(QString conversationModel READ conversationModel NOTIFY conversationBackendChanged)
    Q_PROPERTY(bool backendReady READ backendReady NOTIFY conversationBackendChanged)
    Q_PROPERTY(QString backendLabel READ backendLabel NOTIFY conversationBackendChanged)
    // An imported conversation's backend and model where it came from ("was: Mistral AI ·
    // mistral-small-latest"), or "": information only, never used to answer.
    Q_PROPERTY(QString conversationOrigin READ conversationOrigin NOTIFY conversationBackendChanged)
    Q_PROPERTY(int contextUsed READ contextUsed NOTIFY contextChanged)
    Q_PROPERTY(int contextSize READ contextSize NOTIFY contextChanged)
    Q_PROPERTY(QVariantList endpoints READ endpoints NOTIFY endpointsChanged)
    Q_PROPERTY(QVariantList remoteModels READ remoteModels NOTIFY remoteModelsChanged)
    Q_PROPERTY(QString remoteModelsError READ remoteModelsError NOTIFY remoteModelsChanged)
    Q_PROPERTY(bool keysSessionOnly READ keysSessionOnly NOTIFY keysChanged)
    Q_PROPERTY(qint64 pendingDeleteId READ pendingDeleteId NOTIFY pendingDeleteChanged)
    // Said once at start when something did not go as usual (a model that crashed the last start).
    Q_PROPERTY(QString startupNotice READ startupNotice NOTIFY startupNoticeChanged)
public:
    explicit AppController(const QString& dataDir, QObject* parent = nullptr);
    ~AppController() override;

    bool isOpen() const;   // false: storeError() says why the conversations could not be opened

    QObject* conversations() const;
    QObject* messages() const;
    ChatController* chat() const { return m_chat.get(); }
    AppSettings* settings() const { return m_settings.get(); }
    ConversationOptions* conversationOptions() const { return m_options.get(); }
    KvCacheController* kvCache() const { return m_kvCache.get(); }
    QString dataDir() const { return m_dataDir; }
    QString storeError() const { return m_storeError; }
    int modelState() const;
    QVariantMap modelInfo() const;
    QString modelError() const;
    QString conversationBackend() const;
    QString conversationModel() const;
    bool backendReady() const;
    QString backendLabel() const;
    QString conversationOrigin() const;
    int contextUsed() const { return m_contextUsed; }
    int contextSize() const;
    QVariantList endpoints() const;
    QVariantList remoteModels() const { return m_remoteModels; }
    QString remoteModelsError() const { return m_remoteModelsError; }
    bool keysSessionOnly() const;
    qint64 pendingDeleteId() const { return m_pendingDelete; }
    QString startupNotice() const { return m_startupNotice; }
    // The file that holds a model's path while it loads (see LocalModelOptions::openingMarker).
    static QString openingMarkerPath(const QString& dataDir);

    // Models
    Q_INVOKABLE void openModel(const QUrl& file);
    Q_INVOKABLE void openModelPath(const QString& path);
    // At start: `asked` (the command line) if given, else the last model used, else `fallback`
    // when no model was ever used. When the last start died while opening a model, nothing is
    // opened by itself until the user opens one: startupNotice (and errorOccurred) say why.
    void openStartupModel(const QString& asked, const QString& fallback);
    // Conversations
    Q_INVOKABLE void newChat();
    Q_INVOKABLE void openConversation(qint64 id);
    Q_INVOKABLE void renameConversation(qint64 id, const QString& title);
    Q_INVOKABLE void setPinned(qint64 id, bool pinned);
    Q_INVOKABLE void deleteConversation(qint64 id);   // undoable for a few seconds
    Q_INVOKABLE void undoDelete();
    Q_INVOKABLE QVariantList search(const QString& text);
    Q_INVOKABLE QString exportMarkdown(qint64 id);
    // Imports a conversation exported as JSON and opens it; false (errorOccurred) on failure.
    Q_INVOKABLE bool importConversation(const QString& path);
    Q_INVOKABLE bool importConversationFile(const QUrl& file) { return importConversation(file.toLocalFile()); }
    // Writes the conversation to `file`: every branch as JSON (for importing, here or elsewhere)
    // when the name ends in .json, else the shown branch as Markdown. The file is replaced only
    // once the whole text is written. false (errorOccurred, saying why) on failure.
    Q_INVOKABLE bool exportConversation(qint64 id, const QUrl& file);
    // "The capital of France.md": the title, without characters file systems refuse.
    Q_INVOKABLE QString exportFileName(qint64 id, const QString& suffix) const;
    // Backends: "local" or "remote:<endpoint id>", with the model name for remote ones.
    Q_INVOKABLE void setConversationBackend(const QString& backend, const QString& model);
    Q_INVOKABLE void refreshRemoteModels(const QString& endpointId);
    // allowInsecureHttp: the key may go over plain http:// to a host that is not this computer.
    Q_INVOKABLE QString saveEndpoint(const QString& id, const QString& name, const QString& baseUrl,
                                     const QString& apiKey, bool allowInsecureHttp = false);
    // true when saving endpoint `id` with `baseUrl` would move it to another scheme, host or
    // port, which forgets its key (the settings page says so before the user saves).
    Q_INVOKABLE bool endpointOriginChanges(const QString& id, const QString& baseUrl) const;
    Q_INVOKABLE void removeEndpoint(const QString& id);
    // Text for the composer's "context used" line, recomputed when the conversation changes.
    Q_INVOKABLE void updateContextUsage(const QString& draft = {});
    Q_INVOKABLE void copyText(const QString& text);

    // On quit: a generation in flight is cancelled and its partial answer stored.
    void shutdown();

Q_SIGNALS:
    void modelChanged();
    void modelLoadFailed(const QString& path, const QString& message);
    // The model opened, but not (entirely) on the GPU the settings asked for; `reason` says why
    // ("GPU has 5.1 GiB free, model needs 7.2 GiB: 18 of 32 layers on GPU").
    void gpuFallback(const QString& model, const QString& reason);
    void conversationBackendChanged();
    void contextChanged();
    void endpointsChanged();
    void remoteModelsChanged();
    void keysChanged();
    void pendingDeleteChanged();
    void startupNoticeChanged();
    void errorOccurred(const QString& message);

private:
    ChatBackend* backendFor(const causerie::storage::Conversation& c);
    RemoteBackend* remoteBackend(const QString& endpointId);
    // The open conversation, created (empty, with this backend) when the chat has none yet.
    qint64 ensureConversation(const QString& backend = {}, const QString& model = {});
    void onConversationChanged();

    QString m_dataDir;
    QString m_storeError;
    std::unique_ptr<AppSettings> m_settings;
    std::unique_ptr<causerie::storage::ConversationStore> m_store;
    std::unique_ptr<causerie::storage::ConversationListModel> m_conversations;
    std::unique_ptr<ConversationSections> m_sections;
    std::unique_ptr<causerie::storage::MessageListModel> m_messages;
    std::unique_ptr<LocalBackend> m_local;
    std::unique_ptr<KvCacheController> m_kvCache;
    std::unique_ptr<EndpointStore> m_endpoints;
    std::unique_ptr<KeyStore> m_keys;
    QHash<QString, RemoteBackend*> m_remotes;   // endpoint id → backend (children of this)
    std::unique_ptr<ChatController> m_chat;
    std::unique_ptr<ConversationOptions> m_options;
    QVariantList m_remoteModels;
    QString m_remoteModelsError;
    QString m_modelsRequest;
    QString m_countRequest;
    int m_contextUsed = 0;
    qint64 m_pendingDelete = 0;
    QString m_startupNotice;
};
