#pragma once
// The open conversation's own system prompt and sampling values, on top of the app's defaults
// (AppSettings). Stored with the conversation (its system_prompt column and settings JSON), so
// they follow it through export/import and apply whichever backend serves it.
//
// The properties are the *effective* values (the conversation's own where it has them, else the
// defaults), with the same names as AppSettings', so the settings views bind to either.
// Writing a sampling value makes the conversation use its own values from then on.
#include "appsettings.h"
#include "chatcontroller.h"

#include <QtQml/qqmlregistration.h>
#include <QJsonObject>
#include <QObject>

#include <functional>

namespace causerie::storage {
class ConversationStore;
struct Conversation;
}   // namespace causerie::storage

// The request settings for a conversation: its own values over the app's defaults.
// A conversation has its own system prompt when it stored one, or when it chose "none"
// (customSystemPrompt in its settings JSON, with an empty prompt).
TurnSettings resolveTurnSettings(const AppSettings& defaults, const causerie::storage::Conversation& conversation);

class ConversationOptions : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("App.conversationOptions")
    // The folder the conversation is in (0: none): where its defaults come from (the system
    // prompt, copied at creation; documents and libraries, issue 16).
    Q_PROPERTY(qint64 folderId READ folderId NOTIFY changed)
    Q_PROPERTY(bool customSystemPrompt READ customSystemPrompt WRITE setCustomSystemPrompt NOTIFY changed)
    Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY changed)
    Q_PROPERTY(bool customSampling READ customSampling WRITE setCustomSampling NOTIFY changed)
    Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY changed)
    Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY changed)
    Q_PROPERTY(int topK READ topK WRITE setTopK NOTIFY changed)
    Q_PROPERTY(double minP READ minP WRITE setMinP NOTIFY changed)
    Q_PROPERTY(double repeatPenalty READ repeatPenalty WRITE setRepeatPenalty NOTIFY changed)
    Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY changed)
    Q_PROPERTY(int seed READ seed WRITE setSeed NOTIFY changed)
    // The libraries (Settings → Libraries, by name) this conversation's questions search.
    Q_PROPERTY(QStringList libraries READ libraries WRITE setLibraries NOTIFY changed)
    // Qwen3's thinking switch for this conversation (on unless turned off; the local engine
    // uses it only with a template that has the switch: App.model.thinkingSwitch).
    Q_PROPERTY(bool thinking READ thinking WRITE setThinking NOTIFY changed)
public:
    // `ensureConversation` returns the open conversation's id, creating it first when the chat
    // is still empty (0 on failure, after reporting it).
    ConversationOptions(causerie::storage::ConversationStore* store, AppSettings* defaults,
                        std::function<qint64()> ensureConversation, QObject* parent = nullptr);

    // The conversation shown (0: none yet). Re-reads its values.
    void setConversationId(qint64 id);
    qint64 conversationId() const { return m_id; }
    qint64 folderId() const { return m_folderId; }

    bool customSystemPrompt() const;
    void setCustomSystemPrompt(bool on);
    QString systemPrompt() const;
    void setSystemPrompt(const QString& text);   // makes the prompt the conversation's own
    bool customSampling() const;
    void setCustomSampling(bool on);   // on: starts from the current defaults; off: forgets its own

    double temperature() const { return effective().temperature; }
    void setTemperature(double v) { setValue("temperature", v); }
    double topP() const { return effective().topP; }
    void setTopP(double v) { setValue("topP", v); }
    int topK() const { return effective().topK; }
    void setTopK(int v) { setValue("topK", v); }
    double minP() const { return effective().minP; }
    void setMinP(double v) { setValue("minP", v); }
    double repeatPenalty() const { return effective().repeatPenalty; }
    void setRepeatPenalty(double v) { setValue("repeatPenalty", v); }
    int maxTokens() const { return effective().maxTokens; }
    void setMaxTokens(int v) { setValue("maxTokens", v); }
    int seed() const { return effective().seed ? int(*effective().seed) : -1; }
    void setSeed(int v) { setValue("seed", v); }

    QStringList libraries() const;
    void setLibraries(const QStringList& names);
    Q_INVOKABLE void setLibraryTicked(const QString& name, bool ticked);

    bool thinking() const;
    void setThinking(bool on);

    // The sampling keys a conversation can hold (as in AppSettings).
    static const QStringList& samplingKeys();

Q_SIGNALS:
    void changed();
    void errorOccurred(const QString& message);

private:
    GenerationSettings effective() const;
    void setValue(const char* key, const QVariant& value);
    // Writes the conversation's prompt and settings (a refusal is reported by errorOccurred).
    void save(const QString& systemPrompt, const QJsonObject& settings);
    void reload();

    causerie::storage::ConversationStore* m_store;
    AppSettings* m_defaults;
    std::function<qint64()> m_ensure;
    qint64 m_id = 0;
    QString m_systemPrompt;   // as stored
    QJsonObject m_settings;   // as stored
    qint64 m_folderId = 0;
};
