#pragma once
// The OpenAI request bodies this server accepts, parsed and checked field by field, and the
// errors it answers in OpenAI's shape: {"error":{"message","type","param","code"}}.
// Unknown fields are ignored (clients send many); fields we know but cannot honour (n > 1,
// tools, logprobs, presence/frequency penalties) are refused with a 400 naming the field.
#include "serverengine.h"

#include <QByteArray>
#include <QString>

#include <variant>

namespace causerie::server {

struct ApiError {
    int status = 400;
    QString message;
    QString type = QStringLiteral("invalid_request_error");
    QString param;   // the offending field ("messages[1].content"), or empty
    QString code;    // machine-readable, or empty

    QByteArray toJson() const;
};

ApiError invalidParam(const QString& param, const QString& message);

struct ParsedRequest {
    GenerationRequest generation;
    QString model;   // as the client named it (empty: not given)
    bool stream = false;
    bool includeUsage = false;   // stream_options.include_usage
};

// body: the raw POST body of /v1/chat/completions (chat = true) or /v1/completions.
std::variant<ParsedRequest, ApiError> parseRequest(const QByteArray& body, bool chat);

}   // namespace causerie::server
