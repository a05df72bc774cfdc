#pragma once
// ChatBackend over HTTP: POST {base}/v1/chat/completions with stream=true, read the
// server-sent events as they arrive (QNetworkAccessManager, never blocking a thread).
//
// Robustness rules (issue #4):
//  - 429 and 500-504 are retried with exponential backoff (backoffBaseMs · 2^(try-1)) or
//    the server's Retry-After, at most maxAttempts tries in all; a Retry-After longer than
//    maxRetryWaitMs (however long, even a date years ahead) fails at once instead of
//    freezing the conversation. HTTP errors come before any text, so nothing shown is
//    ever retried.
//  - No byte for stallTimeoutMs (connect, headers or body) → Stalled error.
//  - A stream that ends without [DONE] and without a finish reason → StreamCut error;
//    the text already emitted stays valid (the controller keeps the partial answer).
//  - TLS errors are never ignored.
//  - The API key only ever goes into the Authorization header; server messages are
//    scrubbed of it (scrubSecret()) before they reach an error or a log line.
//
// Keys and endpoints (issue #20, see endpointpolicy.h): a base URL with credentials, a query
// or a fragment is refused; a key is not sent over http:// to a host that is not loopback
// unless the endpoint allows it; setEndpoint() with another origin drops the key; a
// redirect to another origin is not followed with the key (SameOriginRedirectPolicy).
//
// Answers (issue #20): text and thinking are coalesced to at most one emission per
// kDeltaIntervalMs (≤ 60/s, like the local engine), in arrival order, the last piece always
// before finished()/failed(); an answer longer than maxAnswerChars (text + thinking) stops
// with an error, keeping what came before the limit.
#include "apikey.h"
#include "chatbackend.h"
#include "endpointstore.h"
#include "remoteprotocol.h"
#include "ssestreamparser.h"

#include <QHash>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

class RemoteBackend : public ChatBackend {
    Q_OBJECT
    Q_PROPERTY(int stallTimeoutMs READ stallTimeoutMs WRITE setStallTimeoutMs)
    Q_PROPERTY(int maxAttempts READ maxAttempts WRITE setMaxAttempts)
    Q_PROPERTY(int backoffBaseMs READ backoffBaseMs WRITE setBackoffBaseMs)
    Q_PROPERTY(int maxRetryWaitMs READ maxRetryWaitMs WRITE setMaxRetryWaitMs)
    Q_PROPERTY(qsizetype maxAnswerChars READ maxAnswerChars WRITE setMaxAnswerChars)
public:
    static constexpr int kDefaultStallTimeoutMs = 30'000;
    static constexpr int kDefaultMaxAttempts = 3;
    static constexpr int kDefaultBackoffBaseMs = 1'000;
    // Longest Retry-After honoured. Past a minute a user waiting on a conversation that
    // shows nothing believes it froze; the error tells them how long the server asked for,
    // so they can come back themselves.
    static constexpr int kDefaultMaxRetryWaitMs = 60'000;
    // 4 Mi UTF-16 code units (≈ 4 MiB of text), answer and thinking together: about ten
    // times the longest answers real models give, small enough that the GUI stays usable.
    static constexpr qsizetype kDefaultMaxAnswerChars = 4 * 1024 * 1024;
    // Text is passed on at most once per this many ms (≤ 60 emissions/s, as the local engine).
    static constexpr int kDeltaIntervalMs = 17;

    // nam: shared manager, not owned; nullptr = the backend makes its own.
    explicit RemoteBackend(QNetworkAccessManager* nam = nullptr, QObject* parent = nullptr);
    ~RemoteBackend() override;   // aborts what is in flight, without emitting

    // Another origin (scheme, host, port) than the current one also clears the API key:
    // the key set for one server never goes to another.
    void setEndpoint(const RemoteEndpoint& endpoint);
    RemoteEndpoint endpoint() const { return m_endpoint; }
    void setModel(const QString& model) { m_model = model; }
    QString model() const { return m_model; }
    // Empty = send no Authorization header (local vLLM / llama.cpp servers).
    void setApiKey(const ApiKey& key) { m_apiKey = key; }
    const ApiKey& apiKey() const { return m_apiKey; }   // for RemoteEmbeddings on the same endpoint

    int stallTimeoutMs() const { return m_stallTimeoutMs; }
    void setStallTimeoutMs(int ms) { m_stallTimeoutMs = ms; }
    int maxAttempts() const { return m_maxAttempts; }
    void setMaxAttempts(int n) { m_maxAttempts = qMax(1, n); }
    int backoffBaseMs() const { return m_backoffBaseMs; }
    void setBackoffBaseMs(int ms) { m_backoffBaseMs = ms; }
    int maxRetryWaitMs() const { return m_maxRetryWaitMs; }
    void setMaxRetryWaitMs(int ms) { m_maxRetryWaitMs = ms; }
    qsizetype maxAnswerChars() const { return m_maxAnswerChars; }
    void setMaxAnswerChars(qsizetype n) { m_maxAnswerChars = qMax<qsizetype>(1, n); }

    QString startChat(const QList<ChatMessage>& history, const GenerationSettings& settings) override;
    void cancel(const QString& requestId) override;
    bool isReady() const override;
    QString displayName() const override;

    // GET {base}/v1/models for the model picker → modelsListed or modelsFailed.
    // cancel(requestId) drops it without a signal.
    QString listModels();

Q_SIGNALS:
    void modelsListed(const QString& requestId, const QList<RemoteModelInfo>& models);
    void modelsFailed(const QString& requestId, const BackendError& error);

private:
    struct Request;
    struct Piece;

    QString start(std::unique_ptr<Request> request);
    void sendAttempt(const QString& id);
    void onReadyRead(const QString& id);
    void onReplyFinished(const QString& id);
    void onStalled(const QString& id);
    // Returns false when the request ended (or was cancelled by a slot) while handling.
    bool handleStreamBytes(Request* r, const QByteArray& bytes);
    std::optional<BackendError> handleEvent(Request* r, const SseEvent& event, QList<Piece>* pieces);
    // Emits the pending text now, or arms the flush timer for the rest of the interval.
    void scheduleFlush(Request* r);
    // Emits the pending text. Returns false when the request has ended (or a slot cancelled it).
    bool flush(const QString& id);
    void handleHttpError(Request* r, int status);
    void handleCompleteBody(Request* r);
    void complete(const QString& id);
    void fail(const QString& id, BackendError error);
    void dropReply(Request* r, bool graceful = false);
    Request* find(const QString& id) const;
    QString scrub(QString text, const Request* r) const;

    QNetworkAccessManager* m_nam;
    RemoteEndpoint m_endpoint{QLatin1String(EndpointStore::kDefaultId), QStringLiteral("Mistral AI"),
                              QLatin1String(EndpointStore::kDefaultBaseUrl)};
    QString m_model;
    ApiKey m_apiKey;
    int m_stallTimeoutMs = kDefaultStallTimeoutMs;
    int m_maxAttempts = kDefaultMaxAttempts;
    int m_backoffBaseMs = kDefaultBackoffBaseMs;
    int m_maxRetryWaitMs = kDefaultMaxRetryWaitMs;
    qsizetype m_maxAnswerChars = kDefaultMaxAnswerChars;
    QHash<QString, std::shared_ptr<Request>> m_requests;
};
