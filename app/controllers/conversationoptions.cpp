#include "conversationoptions.h"

#include "conversationstore.h"

#include <QJsonArray>

using causerie::storage::Conversation;

namespace {

const QLatin1String kCustomPrompt("customSystemPrompt");
const QLatin1String kThinking("thinking");   // absent: the template's default (on)

bool hasOwnPrompt(const QString& prompt, const QJsonObject& settings)
{
    return settings.contains(kCustomPrompt) ? settings.value(kCustomPrompt).toBool() : !prompt.isEmpty();
}

// The sampling values as a conversation stores them (keys as in AppSettings; seed -1: random).
void storeSampling(const GenerationSettings& g, QJsonObject* s)
{
    s->insert(QStringLiteral("temperature"), g.temperature);
    s->insert(QStringLiteral("topP"), g.topP);
    s->insert(QStringLiteral("topK"), g.topK);
    s->insert(QStringLiteral("minP"), g.minP);
    s->insert(QStringLiteral("repeatPenalty"), g.repeatPenalty);
    s->insert(QStringLiteral("maxTokens"), g.maxTokens);
    s->insert(QStringLiteral("seed"), g.seed ? qint64(*g.seed) : qint64(-1));
}

bool hasOwnSampling(const QJsonObject& settings)
{
    for (const QString& k : ConversationOptions::samplingKeys())
        if (settings.contains(k))
            return true;
    return false;
}

}   // namespace

TurnSettings resolveTurnSettings(const AppSettings& defaults, const Conversation& c)
{
    TurnSettings t;
    t.generation = defaults.generation(c.settings);
    t.systemPrompt = hasOwnPrompt(c.systemPrompt, c.settings) ? c.systemPrompt : defaults.systemPrompt();
    if (c.settings.value(kThinking).isBool())
        t.generation.thinking = c.settings.value(kThinking).toBool();
    return t;
}

ConversationOptions::ConversationOptions(causerie::storage::ConversationStore* store, AppSettings* defaults,
                                         std::function<qint64()> ensureConversation, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_defaults(defaults)
    , m_ensure(std::move(ensureConversation))
{
    // Effective values follow the defaults while the conversation has none of its own.
    connect(m_defaults, &AppSettings::changed, this, &ConversationOptions::changed);
    if (m_store)
        connect(m_store, &causerie::storage::ConversationStore::conversationsChanged, this, [this] {
            if (m_id)
                reload();
        });
}

const QStringList& ConversationOptions::samplingKeys()
{
    static const QStringList keys{
        QStringLiteral("temperature"),   QStringLiteral("topP"),      QStringLiteral("topK"), QStringLiteral("minP"),
        QStringLiteral("repeatPenalty"), QStringLiteral("maxTokens"), QStringLiteral("seed")};
    return keys;
}

void ConversationOptions::setConversationId(qint64 id)
{
    m_id = id;
    reload();
}

void ConversationOptions::reload()
{
    QString prompt;
    QJsonObject settings;
    qint64 folder = 0;
    if (m_id && m_store) {
        if (auto c = m_store->conversation(m_id)) {
            prompt = c->systemPrompt;
            settings = c->settings;
            folder = c->folderId;
        }
    }
    if (prompt == m_systemPrompt && settings == m_settings && folder == m_folderId)
        return;
    m_systemPrompt = prompt;
    m_settings = settings;
    m_folderId = folder;
    Q_EMIT changed();
}

GenerationSettings ConversationOptions::effective() const { return m_defaults->generation(m_settings); }

bool ConversationOptions::customSystemPrompt() const { return hasOwnPrompt(m_systemPrompt, m_settings); }

QString ConversationOptions::systemPrompt() const
{
    return customSystemPrompt() ? m_systemPrompt : m_defaults->systemPrompt();
}

void ConversationOptions::setCustomSystemPrompt(bool on)
{
    if (on == customSystemPrompt())
        return;
    QJsonObject s = m_settings;
    if (on) {
        s.insert(kCustomPrompt, true);
        save(m_defaults->systemPrompt(), s);   // starts from the default text, to edit
    } else {
        s.remove(kCustomPrompt);
        save(QString(), s);
    }
}

void ConversationOptions::setSystemPrompt(const QString& text)
{
    if (customSystemPrompt() && text == m_systemPrompt)
        return;
    QJsonObject s = m_settings;
    s.insert(kCustomPrompt, true);
    save(text, s);
}

bool ConversationOptions::customSampling() const { return hasOwnSampling(m_settings); }

void ConversationOptions::setCustomSampling(bool on)
{
    if (on == customSampling())
        return;
    QJsonObject s = m_settings;
    if (on) {
        storeSampling(m_defaults->generation(), &s);
    } else {
        for (const QString& k : samplingKeys())
            s.remove(k);
    }
    save(m_systemPrompt, s);
}

void ConversationOptions::setValue(const char* key, const QVariant& value)
{
    QJsonObject s = m_settings;
    if (!customSampling()) {
        // The first value of its own: the others are fixed at today's defaults with it, so a
        // later change of the defaults does not half-change this conversation.
        storeSampling(m_defaults->generation(), &s);
    }
    s.insert(QLatin1String(key), QJsonValue::fromVariant(value));
    // Read back through the same bounds as the defaults, and store what will be used.
    storeSampling(m_defaults->generation(s), &s);
    if (s != m_settings)
        save(m_systemPrompt, s);
}

QStringList ConversationOptions::libraries() const
{
    QStringList names;
    for (const QJsonValue& v : m_settings.value(QLatin1String("libraries")).toArray()) {
        if (v.isString())
            names << v.toString();
    }
    return names;
}

void ConversationOptions::setLibraries(const QStringList& names)
{
    QStringList unique;
    for (const QString& n : names) {
        if (!n.isEmpty() && !unique.contains(n))
            unique << n;
    }
    if (unique == libraries())
        return;
    QJsonObject s = m_settings;
    if (unique.isEmpty())
        s.remove(QLatin1String("libraries"));
    else
        s.insert(QLatin1String("libraries"), QJsonArray::fromStringList(unique));
    save(m_systemPrompt, s);
}

void ConversationOptions::setLibraryTicked(const QString& name, bool ticked)
{
    QStringList names = libraries();
    if (ticked)
        names << name;
    else
        names.removeAll(name);
    setLibraries(names);
}

bool ConversationOptions::thinking() const { return m_settings.value(kThinking).toBool(true); }

void ConversationOptions::setThinking(bool on)
{
    if (on == thinking())
        return;
    QJsonObject s = m_settings;
    if (on)
        s.remove(kThinking);   // the default again
    else
        s.insert(kThinking, false);
    save(m_systemPrompt, s);
}

void ConversationOptions::save(const QString& systemPrompt, const QJsonObject& settings)
{
    if (!m_store)
        return;
    const qint64 id = m_id ? m_id : (m_ensure ? m_ensure() : 0);
    if (!id)
        return;
    m_id = id;
    auto c = m_store->conversation(id);
    if (!c) {
        Q_EMIT errorOccurred(c.errorString());
        return;
    }
    if (auto st = m_store->setConversationOptions(id, c->backend, c->model, systemPrompt, settings); !st) {
        Q_EMIT errorOccurred(st.errorString());
        Q_EMIT changed();   // the views show the stored values again
        return;
    }
    // The store's conversationsChanged has re-read the values (see the constructor).
}
