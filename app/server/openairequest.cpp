#include "openairequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <cmath>
#include <optional>

namespace causerie::server {
namespace {

const char* typeName(const QJsonValue& v)
{
    switch (v.type()) {
    case QJsonValue::Null: return "null";
    case QJsonValue::Bool: return "a boolean";
    case QJsonValue::Double: return "a number";
    case QJsonValue::String: return "a string";
    case QJsonValue::Array: return "an array";
    case QJsonValue::Object: return "an object";
    default: return "undefined";
    }
}

ApiError wrongType(const QString& param, const char* expected, const QJsonValue& got)
{
    return invalidParam(
        param,
        QStringLiteral("'%1' must be %2, not %3").arg(param, QLatin1String(expected), QLatin1String(typeName(got))));
}

// Reads the optional fields of one request object; the first error wins.
class Fields {
public:
    explicit Fields(const QJsonObject& o)
        : m_o(o)
    {
    }
    std::optional<ApiError> error;

    bool present(const char* name) const
    {
        const QJsonValue v = m_o.value(QLatin1String(name));
        return !v.isUndefined() && !v.isNull();
    }
    // The field's value when it is present, no field before it was wrong and isKind(value);
    // otherwise nullopt, with the error when the value is of another kind.
    template <typename IsKind>
    std::optional<QJsonValue> value(const char* name, const char* kind, IsKind isKind)
    {
        if (!present(name) || error)
            return std::nullopt;
        const QJsonValue v = m_o.value(QLatin1String(name));
        if (!isKind(v)) {
            error = wrongType(QLatin1String(name), kind, v);
            return std::nullopt;
        }
        return v;
    }
    // Whether lo <= d <= hi; otherwise the error says so.
    template <typename T>
    bool inRange(const char* name, double d, T lo, T hi)
    {
        if (d >= double(lo) && d <= double(hi))
            return true;
        error = invalidParam(
            QLatin1String(name),
            QStringLiteral("'%1' must be between %2 and %3, not %4").arg(QLatin1String(name)).arg(lo).arg(hi).arg(d));
        return false;
    }
    std::optional<double> number(const char* name, double lo, double hi)
    {
        const auto v = value(name, "a number", [](const QJsonValue& x) { return x.isDouble(); });
        if (!v || !inRange(name, v->toDouble(), lo, hi))
            return std::nullopt;
        return v->toDouble();
    }
    std::optional<long long> integer(const char* name, long long lo, long long hi)
    {
        const auto v = value(name, "an integer", [](const QJsonValue& x) {
            return x.isDouble() && x.toDouble() == std::floor(x.toDouble());
        });
        if (!v || !inRange(name, v->toDouble(), lo, hi))
            return std::nullopt;
        return (long long)v->toDouble();
    }
    std::optional<bool> boolean(const char* name)
    {
        const auto v = value(name, "a boolean", [](const QJsonValue& x) { return x.isBool(); });
        if (!v)
            return std::nullopt;
        return v->toBool();
    }

private:
    const QJsonObject& m_o;
};

std::optional<ApiError> parseMessages(const QJsonObject& o, std::vector<ChatTurn>* turns)
{
    const QJsonValue v = o.value(QLatin1String("messages"));
    if (v.isUndefined() || v.isNull())
        return invalidParam(QStringLiteral("messages"), QStringLiteral("'messages' is required"));
    if (!v.isArray())
        return wrongType(QStringLiteral("messages"), "an array", v);
    const QJsonArray messages = v.toArray();
    if (messages.isEmpty())
        return invalidParam(QStringLiteral("messages"), QStringLiteral("'messages' must not be empty"));
    for (qsizetype i = 0; i < messages.size(); ++i) {
        const QString at = QStringLiteral("messages[%1]").arg(i);
        if (!messages[i].isObject())
            return wrongType(at, "an object", messages[i]);
        const QJsonObject m = messages[i].toObject();
        const QJsonValue role = m.value(QLatin1String("role"));
        if (!role.isString())
            return wrongType(at + QStringLiteral(".role"), "a string", role);
        QString r = role.toString();
        if (r == QLatin1String("developer"))   // OpenAI's newer name for the system role
            r = QStringLiteral("system");
        if (r != QLatin1String("system") && r != QLatin1String("user") && r != QLatin1String("assistant"))
            return invalidParam(at + QStringLiteral(".role"),
                                QStringLiteral("role '%1' is not supported; use system, user or assistant").arg(r));
        const QJsonValue content = m.value(QLatin1String("content"));
        QString text;
        if (content.isString()) {
            text = content.toString();
        } else if (content.isArray()) {
            // [{"type":"text","text":"..."}, ...]: the text parts joined; anything else refused.
            const QJsonArray parts = content.toArray();
            for (qsizetype k = 0; k < parts.size(); ++k) {
                const QString pat = at + QStringLiteral(".content[%1]").arg(k);
                const QJsonObject part = parts[k].toObject();
                if (!parts[k].isObject() || part.value(QLatin1String("type")).toString() != QLatin1String("text") ||
                    !part.value(QLatin1String("text")).isString())
                    return invalidParam(pat, QStringLiteral("only text parts ({\"type\":\"text\",\"text\":...}) are "
                                                            "supported"));
                text += part.value(QLatin1String("text")).toString();
            }
        } else if (!(content.isNull() && r == QLatin1String("assistant"))) {
            return wrongType(at + QStringLiteral(".content"), "a string or an array of text parts", content);
        }
        turns->push_back({r.toStdString(), text.toStdString()});
    }
    if (turns->back().role != "user")
        return invalidParam(QStringLiteral("messages"), QStringLiteral("the last message must be the user's"));
    return std::nullopt;
}

std::optional<ApiError> parseStop(const QJsonObject& o, std::vector<std::string>* stop)
{
    const QJsonValue v = o.value(QLatin1String("stop"));
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (v.isString()) {
        if (!v.toString().isEmpty())
            stop->push_back(v.toString().toStdString());
        return std::nullopt;
    }
    if (!v.isArray())
        return wrongType(QStringLiteral("stop"), "a string or an array of strings", v);
    const QJsonArray a = v.toArray();
    if (a.size() > 16)
        return invalidParam(QStringLiteral("stop"), QStringLiteral("'stop' holds at most 16 strings"));
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (!a[i].isString())
            return wrongType(QStringLiteral("stop[%1]").arg(i), "a string", a[i]);
        if (!a[i].toString().isEmpty())
            stop->push_back(a[i].toString().toStdString());
    }
    return std::nullopt;
}

}   // namespace

QByteArray ApiError::toJson() const
{
    QJsonObject e;
    e.insert(QStringLiteral("message"), message);
    e.insert(QStringLiteral("type"), type);
    e.insert(QStringLiteral("param"), param.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(param));
    e.insert(QStringLiteral("code"), code.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(code));
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), e}}).toJson(QJsonDocument::Compact);
}

ApiError invalidParam(const QString& param, const QString& message)
{
    ApiError e;
    e.status = 400;
    e.param = param;
    e.message = message;
    return e;
}

std::variant<ParsedRequest, ApiError> parseRequest(const QByteArray& body, bool chat)
{
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &perr);
    if (perr.error != QJsonParseError::NoError) {
        ApiError e;
        e.message =
            QStringLiteral("the body is not valid JSON: %1 at offset %2").arg(perr.errorString()).arg(perr.offset);
        e.code = QStringLiteral("invalid_json");
        return e;
    }
    if (!doc.isObject()) {
        ApiError e;
        e.message = QStringLiteral("the body must be a JSON object");
        return e;
    }
    const QJsonObject o = doc.object();
    ParsedRequest p;
    p.generation.chat = chat;
    GenerateOptions& g = p.generation.options;
    // Without a repetition penalty unless asked: OpenAI's API has none by default.
    g.sampling.repeat_penalty = 1.0f;

    const QJsonValue model = o.value(QLatin1String("model"));
    if (!model.isUndefined() && !model.isNull() && !model.isString())
        return wrongType(QStringLiteral("model"), "a string", model);
    p.model = model.toString();

    if (chat) {
        if (auto e = parseMessages(o, &p.generation.messages))
            return *e;
    } else {
        const QJsonValue prompt = o.value(QLatin1String("prompt"));
        if (prompt.isString()) {
            p.generation.prompt = prompt.toString().toStdString();
        } else if (prompt.isArray() && prompt.toArray().size() == 1 && prompt.toArray()[0].isString()) {
            p.generation.prompt = prompt.toArray()[0].toString().toStdString();
        } else if (prompt.isArray()) {
            return invalidParam(QStringLiteral("prompt"), QStringLiteral("'prompt' must be one string (batches are not "
                                                                         "supported)"));
        } else {
            return wrongType(QStringLiteral("prompt"), "a string", prompt);
        }
        if (p.generation.prompt.empty())
            return invalidParam(QStringLiteral("prompt"), QStringLiteral("'prompt' must not be empty"));
    }
    if (auto e = parseStop(o, &g.stop))
        return *e;

    Fields f(o);
    if (auto v = f.integer("n", 1, 128); v && *v != 1)
        return invalidParam(QStringLiteral("n"), QStringLiteral("only n = 1 is supported"));
    if (auto v = f.boolean("stream"))
        p.stream = *v;
    if (auto v = f.number("temperature", 0.0, 2.0))
        g.sampling.temperature = float(*v);
    if (auto v = f.number("top_p", 0.0, 1.0)) {
        if (*v == 0.0)
            return invalidParam(QStringLiteral("top_p"), QStringLiteral("'top_p' must be greater than 0"));
        g.sampling.top_p = float(*v);
    }
    if (auto v = f.integer("top_k", 0, 1 << 20))
        g.sampling.top_k = int(*v);
    if (auto v = f.number("min_p", 0.0, 1.0))
        g.sampling.min_p = float(*v);
    if (auto v = f.number("repeat_penalty", 0.5, 2.0))   // llama.cpp's extension, 1 = off
        g.sampling.repeat_penalty = float(*v);
    // "random_seed" is Mistral's name for it (our own RemoteBackend speaks that dialect).
    if (auto v = f.integer(f.present("random_seed") ? "random_seed" : "seed", -(1LL << 53), 1LL << 53)) {
        g.sampling.seed = uint64_t(*v);
        g.sampling.random_seed = false;
    }
    const char* maxName = chat && f.present("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    if (auto v = f.integer(maxName, 1, 1 << 24))
        g.max_tokens = int(*v);
    for (const char* penalty : {"presence_penalty", "frequency_penalty"}) {
        if (auto v = f.number(penalty, -2.0, 2.0); v && *v != 0.0)
            return invalidParam(QLatin1String(penalty),
                                QStringLiteral("'%1' is not supported by this server; use 'repeat_penalty' "
                                               "(1 = off, 1.1 = a mild penalty) instead")
                                    .arg(QLatin1String(penalty)));
    }
    if (auto v = f.boolean("logprobs"); v && *v)
        return invalidParam(QStringLiteral("logprobs"), QStringLiteral("'logprobs' is not supported"));
    if (f.present("tools") || f.present("functions"))
        return invalidParam(QLatin1String(f.present("tools") ? "tools" : "functions"),
                            QStringLiteral("tool calls are not supported by this server"));
    const QJsonValue format = o.value(QLatin1String("response_format"));
    if (format.isObject() && format.toObject().value(QLatin1String("type")).toString() != QLatin1String("text"))
        return invalidParam(QStringLiteral("response_format"),
                            QStringLiteral("only the 'text' response format is supported"));
    const QJsonValue so = o.value(QLatin1String("stream_options"));
    if (!so.isUndefined() && !so.isNull()) {
        if (!so.isObject())
            return wrongType(QStringLiteral("stream_options"), "an object", so);
        const QJsonValue iu = so.toObject().value(QLatin1String("include_usage"));
        if (!iu.isUndefined() && !iu.isNull() && !iu.isBool())
            return wrongType(QStringLiteral("stream_options.include_usage"), "a boolean", iu);
        p.includeUsage = iu.toBool();
    }
    if (f.error)
        return *f.error;
    return p;
}

}   // namespace causerie::server
