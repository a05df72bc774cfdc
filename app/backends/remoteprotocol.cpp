#include "remoteprotocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <algorithm>
#include <limits>

QUrl remoteApiUrl(const QString& base, const QString& path)
{
    QString trimmed = base.trimmed();
    while (trimmed.endsWith(QLatin1Char('/')))
        trimmed.chop(1);
    QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return {};
    // Credentials or parameters in the address would travel with every request and land in
    // logs: refused (baseUrlProblem() says why to the user).
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment())
        return {};
    // Users paste either the server root or the ".../v1" URL their provider documents.
    QString p = url.path();
    if (!p.endsWith(QLatin1String("/v1")))
        p += QLatin1String("/v1");
    url.setPath(p + QLatin1Char('/') + path);
    return url;
}

QByteArray buildChatRequestBody(const QString& model, const QList<ChatMessage>& history,
                                const GenerationSettings& settings)
{
    QJsonArray messages;
    for (const ChatMessage& m : history) {
        if (m.images.isEmpty()) {
            messages.append(QJsonObject{{QStringLiteral("role"), m.role}, {QStringLiteral("content"), m.content}});
            continue;
        }
        // With images, content is a list of parts: the text, then each image as a data URL
        // (OpenAI's `image_url` part, which Mistral's vision models accept in the same shape).
        QJsonArray parts{
            QJsonObject{{QStringLiteral("type"), QStringLiteral("text")}, {QStringLiteral("text"), m.content}}};
        for (const ChatImage& image : m.images) {
            const QString url =
                QStringLiteral("data:%1;base64,").arg(image.mimeType) + QString::fromLatin1(image.bytes.toBase64());
            parts.append(QJsonObject{{QStringLiteral("type"), QStringLiteral("image_url")},
                                     {QStringLiteral("image_url"), QJsonObject{{QStringLiteral("url"), url}}}});
        }
        messages.append(QJsonObject{{QStringLiteral("role"), m.role}, {QStringLiteral("content"), parts}});
    }

    QJsonObject body{
        {QStringLiteral("model"), model},         {QStringLiteral("messages"), messages},
        {QStringLiteral("stream"), true},         {QStringLiteral("temperature"), settings.temperature},
        {QStringLiteral("top_p"), settings.topP},
    };
    if (settings.maxTokens > 0)
        body.insert(QStringLiteral("max_tokens"), settings.maxTokens);
    if (settings.seed) {
        // JSON numbers are doubles: a seed above 2^53 would be silently rounded, so keep
        // it in range instead of sending a different seed than the one shown.
        body.insert(QStringLiteral("random_seed"), qint64(*settings.seed & ((quint64(1) << 53) - 1)));
    }
    if (!settings.stop.isEmpty())
        body.insert(QStringLiteral("stop"), QJsonArray::fromStringList(settings.stop));
    // Only sent when asked: some OpenAI-compatible servers reject unknown fields.
    if (settings.safePrompt)
        body.insert(QStringLiteral("safe_prompt"), true);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

namespace {

// delta.content is a string, or (Mistral reasoning/citation models) an array of chunks:
// {"type":"text","text":...}, {"type":"thinking","thinking":[{"type":"text","text":...}]},
// {"type":"reference","reference_ids":[...]}.
void appendContent(const QJsonValue& content, QString* text, QString* thinking)
{
    if (content.isString()) {
        *text += content.toString();
        return;
    }
    const QJsonArray parts = content.toArray();
    for (const QJsonValue& partValue : parts) {
        const QJsonObject part = partValue.toObject();
        const QString type = part.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("text")) {
            *text += part.value(QStringLiteral("text")).toString();
        } else if (type == QLatin1String("thinking")) {
            QString ignoredText;
            const QJsonValue inner = part.value(QStringLiteral("thinking"));
            appendContent(inner, thinking, &ignoredText);
        }
        // "reference" and unknown chunk types carry no text to show.
    }
}

QString messageFromValue(const QJsonValue& v);

QString messageFromDetailList(const QJsonArray& details)
{
    QStringList lines;
    for (const QJsonValue& d : details) {
        const QJsonObject o = d.toObject();
        QStringList loc;
        for (const QJsonValue& part : o.value(QStringLiteral("loc")).toArray())
            loc << (part.isDouble() ? QString::number(part.toInt()) : part.toString());
        const QString msg = o.value(QStringLiteral("msg")).toString();
        if (msg.isEmpty())
            continue;
        lines << (loc.isEmpty() ? msg : loc.join(QLatin1Char('.')) + QStringLiteral(": ") + msg);
    }
    return lines.join(QStringLiteral("; "));
}

QString messageFromValue(const QJsonValue& v)
{
    if (v.isString()) {
        // Mistral sometimes nests a JSON document inside "message".
        const QString s = v.toString();
        const QJsonDocument nested = QJsonDocument::fromJson(s.toUtf8());
        if (nested.isObject()) {
            const QString inner = messageFromValue(nested.object());
            if (!inner.isEmpty())
                return inner;
        }
        return s;
    }
    if (v.isArray())
        return messageFromDetailList(v.toArray());
    if (!v.isObject())
        return {};
    const QJsonObject o = v.toObject();
    for (const char* key : {"message", "detail", "error", "msg"}) {
        const QString m = messageFromValue(o.value(QLatin1String(key)));
        if (!m.isEmpty())
            return m;
    }
    return {};
}

}   // namespace

std::optional<ChatChunk> parseChatChunk(const QByteArray& json, QString* error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = parseError.error != QJsonParseError::NoError ? QStringLiteral("invalid JSON in stream at byte %1: %2")
                                                                    .arg(parseError.offset)
                                                                    .arg(parseError.errorString())
                                                              : QStringLiteral("stream chunk is not a JSON object");
        return std::nullopt;
    }
    const QJsonObject o = doc.object();
    ChatChunk chunk;
    if (o.value(QStringLiteral("object")).toString() == QLatin1String("error") || o.contains(QStringLiteral("error"))) {
        chunk.errorMessage = messageFromValue(o);
        if (chunk.errorMessage.isEmpty())
            chunk.errorMessage = QStringLiteral("unspecified error");
        return chunk;
    }
    chunk.model = o.value(QStringLiteral("model")).toString();
    const QJsonArray choices = o.value(QStringLiteral("choices")).toArray();
    if (!choices.isEmpty()) {
        // n = 1 is all we ask for; index 0 is the answer.
        const QJsonObject choice = choices.first().toObject();
        const QJsonObject delta = choice.value(QStringLiteral("delta")).toObject();
        appendContent(delta.value(QStringLiteral("content")), &chunk.text, &chunk.thinking);
        // DeepSeek's API, vLLM and llama.cpp's server send the thinking as "reasoning_content";
        // OpenRouter and Ollama as "reasoning". A server sends one of them, never both.
        for (const char* key : {"reasoning_content", "reasoning"}) {
            const QJsonValue reasoning = delta.value(QLatin1String(key));
            if (reasoning.isString())
                chunk.thinking += reasoning.toString();
        }
        const QJsonValue finish = choice.value(QStringLiteral("finish_reason"));
        if (finish.isString())
            chunk.finishReason = finish.toString();
    } else if (!o.contains(QStringLiteral("usage"))) {
        *error = QStringLiteral("stream chunk has neither \"choices\" nor \"usage\"");
        return std::nullopt;
    }
    const QJsonObject usage = o.value(QStringLiteral("usage")).toObject();
    if (!usage.isEmpty()) {
        chunk.promptTokens = usage.value(QStringLiteral("prompt_tokens")).toInt(-1);
        chunk.completionTokens = usage.value(QStringLiteral("completion_tokens")).toInt(-1);
    }
    return chunk;
}

QString parseErrorBody(const QByteArray& body)
{
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    if (doc.isObject())
        return messageFromValue(doc.object()).trimmed();
    // Proxies answer with plain text or HTML pages; keep only short plain text.
    const QString text = QString::fromUtf8(body).trimmed();
    if (!text.isEmpty() && text.size() <= 300 && !text.contains(QLatin1Char('<')))
        return text;
    return {};
}

std::optional<QList<RemoteModelInfo>> parseModelList(const QByteArray& json, QString* error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("invalid JSON at byte %1: %2").arg(parseError.offset).arg(parseError.errorString());
        return std::nullopt;
    }
    const QJsonValue data = doc.object().value(QStringLiteral("data"));
    if (!data.isArray()) {
        *error = QStringLiteral("the model list has no \"data\" array");
        return std::nullopt;
    }
    QList<RemoteModelInfo> models;
    for (const QJsonValue& v : data.toArray()) {
        const QJsonObject m = v.toObject();
        RemoteModelInfo info;
        info.id = m.value(QStringLiteral("id")).toString();
        if (info.id.isEmpty())
            continue;
        // Mistral: max_context_length; vLLM: max_model_len; llama.cpp: meta.n_ctx_train;
        // OpenRouter and others: context_length.
        for (const QJsonValue& ctx :
             {m.value(QStringLiteral("max_context_length")), m.value(QStringLiteral("max_model_len")),
              m.value(QStringLiteral("context_length")),
              m.value(QStringLiteral("meta")).toObject().value(QStringLiteral("n_ctx_train"))}) {
            if (ctx.isDouble() && ctx.toDouble() > 0) {
                info.contextLength = ctx.toInt();
                break;
            }
        }
        models.append(info);
    }
    return models;
}

std::optional<qint64> parseRetryAfterMs(const QByteArray& header, const QDateTime& now)
{
    const QByteArray h = header.trimmed();
    if (h.isEmpty())
        return std::nullopt;
    // delay-seconds: any run of digits, however long; what does not fit saturates rather
    // than overflowing into a negative or tiny wait.
    constexpr qint64 kMaxMs = std::numeric_limits<qint64>::max();
    if (std::all_of(h.cbegin(), h.cend(), [](char c) { return c >= '0' && c <= '9'; })) {
        bool ok = false;
        const qint64 seconds = h.toLongLong(&ok);
        return !ok || seconds > kMaxMs / 1000 ? kMaxMs : seconds * 1000;
    }
    // HTTP-date (RFC 9110 IMF-fixdate), e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
    QDateTime when = QLocale::c().toDateTime(QString::fromLatin1(h), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (!when.isValid())
        return std::nullopt;
    when.setTimeSpec(Qt::UTC);
    return std::max<qint64>(0, now.msecsTo(when));
}
