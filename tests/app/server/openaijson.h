#pragma once
// Reading the server's OpenAI-style JSON in its tests: responses and streamed chunks.
#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

namespace openaijson {

// choices[0].<part>.content: part "message" in a response, "delta" in a streamed chunk; empty
// when any of it is missing.
inline QString choiceContent(const QByteArray& body, QLatin1String part)
{
    return QJsonDocument::fromJson(body)
        .object()
        .value(QLatin1String("choices"))
        .toArray()[0]
        .toObject()
        .value(part)
        .toObject()
        .value(QLatin1String("content"))
        .toString();
}

}   // namespace openaijson
