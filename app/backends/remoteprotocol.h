#pragma once
// Wire format of the Mistral chat API (also spoken by vLLM, llama.cpp server, and other
// OpenAI-compatible servers): request bodies, streamed chunks, error bodies, model lists.
// Pure functions on bytes so they are tested without a network.
#include "chattypes.h"

#include <QByteArray>
#include <QDateTime>
#include <QUrl>

#include <optional>

// `base` as the user typed it: "https://api.mistral.ai", with or without a trailing
// slash or "/v1". Returns an invalid QUrl when base is not an http(s) URL with a host, or
// carries user info, a query or a fragment (baseUrlProblem() in endpointpolicy.h says why).
QUrl remoteApiUrl(const QString& base, const QString& path /* e.g. "chat/completions" */);

QByteArray buildChatRequestBody(const QString& model, const QList<ChatMessage>& history,
                                const GenerationSettings& settings);

// One `data:` payload of a chat completion stream.
struct ChatChunk {
    QString text;           // visible answer text in this chunk (may be empty)
    QString thinking;       // reasoning models' thinking (Mistral "thinking" chunks, or the
                            // reasoning_content / reasoning field of OpenAI-compatible servers);
                            // not part of the answer
    QString finishReason;   // set on the last chunk of a choice
    QString model;
    int promptTokens = -1;
    int completionTokens = -1;
    QString errorMessage;   // the server put an error object in the stream
};

// Returns std::nullopt and sets *error when the payload is not a chunk we can read.
std::optional<ChatChunk> parseChatChunk(const QByteArray& json, QString* error);

// The server's own explanation from an error body, whatever shape it uses:
// {"object":"error","message":...,"code":...}, {"detail":[{loc,msg,type}]}, {"detail":"..."},
// {"message":"..."}, {"error":{"message":...}}, {"error":"..."}; short plain text is kept.
// Empty when nothing readable was found.
QString parseErrorBody(const QByteArray& body);

struct RemoteModelInfo {
    QString id;
    int contextLength = -1;   // tokens; -1 when the server does not say
};
Q_DECLARE_METATYPE(RemoteModelInfo)

std::optional<QList<RemoteModelInfo>> parseModelList(const QByteArray& json, QString* error);

// Retry-After as delay-seconds or an HTTP-date, relative to `now`. nullopt when absent or
// unreadable; never negative; a value too large for qint64 ms saturates at its maximum
// (the caller compares it with its own cap).
std::optional<qint64> parseRetryAfterMs(const QByteArray& header, const QDateTime& now);
