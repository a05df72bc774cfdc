#pragma once
// Value types shared by every ChatBackend (local engine and remote API). They cross queued
// connections between the GUI thread and worker threads, so all are registered metatypes
// (see registerChatTypes()).
#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

// An image sent with a message to a model that sees (remote endpoints only; the local engine
// has no vision and the app does not pass them to it).
struct ChatImage {
    QString mimeType;   // "image/png", "image/jpeg", ...
    QByteArray bytes;

    friend bool operator==(const ChatImage&, const ChatImage&) = default;
};

struct ChatMessage {
    QString role;   // "system" | "user" | "assistant"
    QString content;
    QList<ChatImage> images;   // user messages: sent as image parts after the text

    friend bool operator==(const ChatMessage&, const ChatMessage&) = default;
};

struct GenerationSettings {
    double temperature = 0.7;
    double topP = 1.0;
    int topK = 0;                 // 0 = off; local engine only (the Mistral API has no top_k)
    double minP = 0.0;            // local engine only
    double repeatPenalty = 1.0;   // local engine only
    int maxTokens = 0;            // 0 = no limit
    std::optional<quint64> seed;
    QStringList stop;
    bool safePrompt = false;   // Mistral API only: prepend Mistral's guardrail system prompt
    // The conversation the request answers (0: none). Local engine only: it keeps each
    // conversation's KV state under this id (in memory and in the data folder's cache/).
    qint64 conversationId = 0;
    // Local engine only: when the oldest exchanges are left out to fit the context, take their
    // rows out of the KV cache and move the rest down (context shift) instead of reading the kept
    // history again. Faster; answers may differ slightly from a fresh read (docs/resume.md).
    bool contextShift = true;
    // Local engine only, for templates with a thinking switch (Qwen3's enable_thinking): off
    // writes an empty thought so the model answers at once. Unset: the template's default (on).
    std::optional<bool> thinking;
};

// -1 / empty = unknown (a server that sends no `usage`, a cancelled request, ...).
struct GenerationStats {
    int promptTokens = -1;
    int completionTokens = -1;
    double ttftMs = -1;            // request start → first visible text (answer or thinking), ms
    double tokensPerSecond = -1;   // (completion tokens - 1) / (first text → last text), tokens/s
    QString finishReason;          // stop | length | model_length | tool_calls | cancelled
    QString model;                 // as reported by the server, may differ from the one asked
    int leftOutMessages = 0;       // oldest messages left out of the prompt to fit the context
    int cachedTokens = -1;         // of promptTokens, already in the local engine's KV cache
};

struct BackendError {
    enum Kind {
        NoError,
        Configuration,       // no model, bad base URL, ...: fixable in Settings
        BadRequest,          // 400
        Unauthorized,        // 401
        PaymentRequired,     // 402
        Forbidden,           // 403
        NotFound,            // 404
        InvalidParameters,   // 422
        RateLimited,         // 429 (after retries)
        ServerError,         // 5xx (after retries), or the model failed mid-answer
        ConnectionRefused,
        HostNotFound,
        Tls,
        Stalled,             // no byte for the stall timeout
        StreamCut,           // the connection closed before the answer was complete
        MalformedResponse,   // the server spoke something we could not read
        Network,             // any other transport failure
    };
    Kind kind = NoError;
    int httpStatus = 0;   // 0 when no HTTP status was received
    QString message;      // user-facing, translated, one or two sentences
    QString detail;       // technical detail (server's own message, Qt error string); no secrets
};

Q_DECLARE_METATYPE(ChatMessage)
Q_DECLARE_METATYPE(GenerationSettings)
Q_DECLARE_METATYPE(GenerationStats)
Q_DECLARE_METATYPE(BackendError)

// Idempotent; call before connecting backend signals across threads.
void registerChatTypes();
