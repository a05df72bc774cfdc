#include "remotebackend.h"

#include "remoteerrors.h"
#include "remotelog.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QTimer>
#include <QUuid>

#include <limits>

namespace {
// Bodies we keep whole in memory: error bodies are short; a model list or a non-streamed
// answer is well under this.
constexpr qsizetype kMaxErrorBody = 1024 * 1024;
constexpr qsizetype kMaxJsonBody = 64 * 1024 * 1024;
} // namespace

struct RemoteBackend::Request {
    enum Type { Chat, Models };
    QString id;
    Type type = Chat;
    QUrl url;
    QByteArray body;   // the conversation: never logged
    QString model;     // snapshot at start, so changing settings does not affect it
    ApiKey key;
    QPointer<QNetworkReply> reply;
    QTimer stallTimer;
    QTimer retryTimer;
    SseStreamParser parser;
    QByteArray rawBody; // error body, model list or a non-streamed answer
    QElapsedTimer clock;
    qint64 firstTextMs = -1;
    qint64 lastTextMs = -1;
    int attempt = 0;
    bool textShown = false;
    bool ended = false;
    bool contentTypeChecked = false;
    bool eventSeen = false; // at least one SSE event arrived on this try
    bool jsonReply = false; // server ignored stream=true and sent application/json
    GenerationStats stats;
};

RemoteBackend::RemoteBackend(QNetworkAccessManager* nam, QObject* parent)
    : ChatBackend(parent)
    , m_nam(nam ? nam : new QNetworkAccessManager(this))
{
    registerChatTypes();
    qRegisterMetaType<RemoteModelInfo>();
    qRegisterMetaType<QList<RemoteModelInfo>>();
}

RemoteBackend::~RemoteBackend()
{
    for (const auto& r : std::as_const(m_requests)) {
        r->ended = true;
        dropReply(r.get());
    }
}

bool RemoteBackend::isReady() const
{
    return !m_model.isEmpty() && remoteApiUrl(m_endpoint.baseUrl, QStringLiteral("models")).isValid();
}

QString RemoteBackend::displayName() const
{
    const QString where = m_endpoint.name.isEmpty() ? QUrl(m_endpoint.baseUrl).host() : m_endpoint.name;
    return m_model.isEmpty() ? where : QStringLiteral("%1 · %2").arg(m_model, where);
}

QString RemoteBackend::startChat(const QList<ChatMessage>& history, const GenerationSettings& settings)
{
    auto r = std::make_unique<Request>();
    r->type = Request::Chat;
    r->url = remoteApiUrl(m_endpoint.baseUrl, QStringLiteral("chat/completions"));
    r->model = m_model;
    r->body = buildChatRequestBody(m_model, history, settings);
    return start(std::move(r));
}

QString RemoteBackend::listModels()
{
    auto r = std::make_unique<Request>();
    r->type = Request::Models;
    r->url = remoteApiUrl(m_endpoint.baseUrl, QStringLiteral("models"));
    return start(std::move(r));
}

QString RemoteBackend::start(std::unique_ptr<Request> request)
{
    std::shared_ptr<Request> r(std::move(request));
    r->id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    r->key = m_apiKey;
    r->stats.model = r->model;
    r->clock.start();
    r->stallTimer.setSingleShot(true);
    r->retryTimer.setSingleShot(true);
    // Precise: a coarse timer may fire up to 5 % early, and both delays are promises
    // (to the user: "nothing for 30 s"; to the server: its Retry-After).
    r->stallTimer.setTimerType(Qt::PreciseTimer);
    r->retryTimer.setTimerType(Qt::PreciseTimer);
    const QString id = r->id;
    connect(&r->stallTimer, &QTimer::timeout, this, [this, id] { onStalled(id); });
    connect(&r->retryTimer, &QTimer::timeout, this, [this, id] { sendAttempt(id); });
    m_requests.insert(id, r);

    // Configuration errors are reported from the event loop too: never emit inside start.
    BackendError config;
    if (!r->url.isValid()) {
        config = makeError(BackendError::Configuration,
                           tr("The endpoint address \"%1\" is not usable: it must start with http:// or https:// "
                              "and name a server.").arg(m_endpoint.baseUrl));
    } else if (r->type == Request::Chat && r->model.isEmpty()) {
        config = makeError(BackendError::Configuration, tr("No model is chosen for this remote endpoint."));
    }
    if (config.kind != BackendError::NoError) {
        QTimer::singleShot(0, this, [this, id, config] { fail(id, config); });
        return id;
    }
    sendAttempt(id);
    return id;
}

void RemoteBackend::sendAttempt(const QString& id)
{
    Request* r = find(id);
    if (!r)
        return;
    ++r->attempt;
    r->parser.reset();
    r->rawBody.clear();
    r->jsonReply = false;
    r->contentTypeChecked = false;
    r->eventSeen = false;

    QNetworkRequest req(r->url);
    req.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("Causerie/%1").arg(QCoreApplication::applicationVersion()));
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    if (!r->key.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + r->key.reveal().toUtf8());
    // A redirect to another host must not carry the key there.
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::SameOriginRedirectPolicy);
    qCInfo(lcRemote).noquote() << (r->type == Request::Chat ? "POST" : "GET") << r->url.toString()
                               << "request" << id << "try" << r->attempt << "of" << m_maxAttempts;
    if (r->type == Request::Chat) {
        req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        req.setRawHeader("Accept", "text/event-stream");
        r->reply = m_nam->post(req, r->body);
    } else {
        req.setRawHeader("Accept", "application/json");
        r->reply = m_nam->get(req);
    }
    QNetworkReply* reply = r->reply;
    connect(reply, &QNetworkReply::readyRead, this, [this, id] { onReadyRead(id); });
    connect(reply, &QNetworkReply::finished, this, [this, id] { onReplyFinished(id); });
    // Any progress in either direction proves the connection is alive.
    connect(reply, &QNetworkReply::uploadProgress, &r->stallTimer, qOverload<>(&QTimer::start));
    connect(reply, &QNetworkReply::downloadProgress, &r->stallTimer, qOverload<>(&QTimer::start));
    connect(reply, &QNetworkReply::sslErrors, this, [id](const QList<QSslError>& errors) {
        // Deliberately not ignored: the handshake fails and onReplyFinished reports it.
        for (const QSslError& e : errors)
            qCWarning(lcRemote).noquote() << "TLS error on request" << id << ":" << e.errorString();
    });
    r->stallTimer.start(m_stallTimeoutMs);
}

RemoteBackend::Request* RemoteBackend::find(const QString& id) const
{
    const auto it = m_requests.constFind(id);
    return it == m_requests.cend() || (*it)->ended ? nullptr : it->get();
}

QString RemoteBackend::scrub(QString text, const Request* r) const
{
    const QString secret = r->key.reveal();
    if (!secret.isEmpty())
        text.replace(secret, QStringLiteral("<redacted>"));
    return text;
}

void RemoteBackend::dropReply(Request* r, bool graceful)
{
    r->stallTimer.stop();
    r->retryTimer.stop();
    QNetworkReply* reply = r->reply;
    if (!reply)
        return;
    r->reply = nullptr;
    disconnect(reply, nullptr, this, nullptr);
    disconnect(reply, nullptr, &r->stallTimer, nullptr);
    if (graceful && !reply->isFinished()) {
        // After [DONE] only the end of the HTTP message is left: let it arrive so the
        // connection can be reused, but do not wait on a server that never ends it.
        connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
        QTimer::singleShot(5000, reply, &QNetworkReply::abort);
        return;
    }
    reply->abort();
    reply->deleteLater();
}

void RemoteBackend::cancel(const QString& requestId)
{
    const std::shared_ptr<Request> r = m_requests.value(requestId);
    if (!r || r->ended)
        return;
    r->ended = true;
    dropReply(r.get());
    m_requests.remove(requestId);
    qCInfo(lcRemote) << "request" << requestId << "cancelled";
    if (r->type == Request::Chat) {
        GenerationStats stats = r->stats;
        stats.finishReason = QStringLiteral("cancelled");
        QTimer::singleShot(0, this, [this, requestId, stats] { Q_EMIT finished(requestId, stats); });
    }
}

void RemoteBackend::onStalled(const QString& id)
{
    Request* r = find(id);
    if (!r)
        return;
    const QString host = r->url.host();
    qCWarning(lcRemote).noquote() << "request" << id << "stalled: no byte for" << m_stallTimeoutMs << "ms";
    fail(id, makeError(BackendError::Stalled,
                       tr("The server at %1 sent nothing for %2 seconds, so the request was stopped. Try again; if "
                          "it keeps happening the server may be overloaded.")
                           .arg(host).arg(m_stallTimeoutMs / 1000.0, 0, 'g', 3),
                       QStringLiteral("no data for %1 ms").arg(m_stallTimeoutMs)));
}

void RemoteBackend::onReadyRead(const QString& id)
{
    const std::shared_ptr<Request> keep = m_requests.value(id);
    Request* r = keep.get();
    if (!r || r->ended || !r->reply)
        return;
    r->stallTimer.start(m_stallTimeoutMs);
    const int status = r->reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray bytes = r->reply->readAll();
    if (status < 200 || status >= 300) {
        if (r->rawBody.size() < kMaxErrorBody)
            r->rawBody += bytes.left(kMaxErrorBody - r->rawBody.size());
        return;
    }
    if (r->type == Request::Chat && !r->contentTypeChecked) {
        r->contentTypeChecked = true;
        const QString contentType = r->reply->header(QNetworkRequest::ContentTypeHeader).toString();
        r->jsonReply = contentType.startsWith(QLatin1String("application/json"));
    }
    if (r->type == Request::Models || r->jsonReply) {
        if (r->rawBody.size() + bytes.size() > kMaxJsonBody)
            return fail(id, makeError(BackendError::MalformedResponse,
                                      tr("The server's answer is too large to be read."),
                                      QStringLiteral("body over %1 bytes").arg(kMaxJsonBody)));
        r->rawBody += bytes;
        return;
    }
    handleStreamBytes(r, bytes);
}

bool RemoteBackend::handleStreamBytes(Request* r, const QByteArray& bytes)
{
    const QString id = r->id;
    const QList<SseEvent> events = r->parser.feed(bytes);
    // All text of one network read goes out as one delta (and its thinking as one
    // reasoningDelta, first): bounded signal rate, in order.
    QString text;
    QString thinking;
    bool done = false;
    std::optional<BackendError> error;
    r->eventSeen |= !events.isEmpty();
    for (const SseEvent& event : events) {
        if (event.data == "[DONE]") {
            done = true;
            break;
        }
        error = handleEvent(r, event, &text, &thinking);
        if (error)
            break;
    }
    if (!error && r->parser.hasError())
        error = makeError(BackendError::MalformedResponse, tr("The server sent an event too large to be read."),
                          QStringLiteral("SSE event over %1 bytes").arg(r->parser.maxEventBytes()));
    // Text that arrived before a failure is still part of the answer the user sees. Thinking
    // counts as shown text too: a retry would show it twice.
    for (const bool isThinking : {true, false}) {
        const QString& piece = isThinking ? thinking : text;
        if (piece.isEmpty())
            continue;
        const qint64 now = r->clock.elapsed();
        if (r->firstTextMs < 0) {
            r->firstTextMs = now;
            r->stats.ttftMs = double(now);
        }
        r->lastTextMs = now;
        r->textShown = true;
        if (isThinking)
            Q_EMIT reasoningDelta(id, piece);
        else
            Q_EMIT delta(id, piece);
        if (r->ended)
            return false; // a slot cancelled the request
    }
    if (error) {
        fail(id, *error);
        return false;
    }
    if (done) {
        complete(id);
        return false;
    }
    return true;
}

std::optional<BackendError> RemoteBackend::handleEvent(Request* r, const SseEvent& event, QString* text,
                                                       QString* thinking)
{
    QString parseError;
    const std::optional<ChatChunk> chunk = parseChatChunk(event.data, &parseError);
    if (!chunk) {
        qCWarning(lcRemote).noquote() << "request" << r->id << "malformed stream event:" << parseError;
        return makeError(BackendError::MalformedResponse,
                         tr("The server sent a part of the answer Causerie could not read; the answer is "
                            "incomplete."), parseError);
    }
    if (!chunk->errorMessage.isEmpty() || event.event == "error") {
        return makeError(BackendError::ServerError,
                         tr("The server reported an error in the middle of the answer; the answer is incomplete."),
                         scrub(chunk->errorMessage, r));
    }
    *text += chunk->text;
    *thinking += chunk->thinking;
    if (!chunk->model.isEmpty())
        r->stats.model = chunk->model;
    if (chunk->promptTokens >= 0)
        r->stats.promptTokens = chunk->promptTokens;
    if (chunk->completionTokens >= 0)
        r->stats.completionTokens = chunk->completionTokens;
    if (!chunk->finishReason.isEmpty()) {
        r->stats.finishReason = chunk->finishReason;
        if (chunk->finishReason == QLatin1String("error"))
            return makeError(BackendError::ServerError,
                             tr("The model stopped with an error on the server; the answer is incomplete."),
                             QStringLiteral("finish_reason: error"));
    }
    return std::nullopt;
}

void RemoteBackend::onReplyFinished(const QString& id)
{
    const std::shared_ptr<Request> keep = m_requests.value(id);
    Request* r = keep.get();
    if (!r || r->ended || !r->reply)
        return;
    r->stallTimer.stop();
    QNetworkReply* reply = r->reply;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->bytesAvailable() > 0) {
        onReadyRead(id);
        if (r->ended)
            return;
    }
    if (status != 0 && (status < 200 || status >= 300))
        return handleHttpError(r, status);
    if (reply->error() != QNetworkReply::NoError) {
        BackendError e = errorForNetwork(reply->error(), scrub(reply->errorString(), r), r->url.host());
        if (e.kind == BackendError::StreamCut && !r->stats.finishReason.isEmpty())
            return complete(id); // all text and the finish reason arrived; only [DONE] is missing
        return fail(id, e);
    }
    if (r->type == Request::Models || r->jsonReply)
        return handleCompleteBody(r);
    // Some servers end the stream at the finish reason without a final [DONE].
    if (!r->stats.finishReason.isEmpty())
        return complete(id);
    const QString contentType = reply->header(QNetworkRequest::ContentTypeHeader).toString();
    if (!r->eventSeen && !contentType.startsWith(QLatin1String("text/event-stream"))) {
        // A 200 that is not an event stream: a captive portal, a web server at that address...
        return fail(id, makeError(BackendError::MalformedResponse,
                                  tr("The server at %1 did not answer like a chat API. Check the base URL of the "
                                     "endpoint.").arg(r->url.host()),
                                  QStringLiteral("HTTP %1, Content-Type \"%2\", no server-sent events")
                                      .arg(status).arg(contentType)));
    }
    fail(id, makeError(BackendError::StreamCut,
                       r->textShown ? tr("The connection closed before the answer was complete.")
                                    : tr("The server closed the connection without sending an answer."),
                       QStringLiteral("stream ended without [DONE] or finish_reason")));
}

void RemoteBackend::handleHttpError(Request* r, int status)
{
    const QString id = r->id;
    HttpFailure f;
    f.status = status;
    f.serverMessage = scrub(parseErrorBody(r->rawBody), r);
    f.reasonPhrase = r->reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    f.model = r->model;
    f.attempts = r->attempt;
    const std::optional<qint64> retryAfter =
        parseRetryAfterMs(r->reply->rawHeader("Retry-After"), QDateTime::currentDateTimeUtc());
    qCInfo(lcRemote).noquote() << "request" << id << "HTTP" << status << f.serverMessage.left(300);

    BackendError error = errorForHttpStatus(f);
    if (retryAfter && *retryAfter > 0) // the user's own next try should wait too
        error.message += QLatin1Char(' ')
            + tr("The server asks to wait %1 seconds before trying again.").arg((*retryAfter + 999) / 1000);
    if (isRetryableStatus(status) && r->attempt < m_maxAttempts && !r->textShown) {
        if (retryAfter && *retryAfter > m_maxRetryWaitMs)
            return fail(id, error);
        const qint64 wait = retryAfter ? *retryAfter : qint64(m_backoffBaseMs) << (r->attempt - 1);
        qCInfo(lcRemote) << "request" << id << "will retry in" << wait << "ms"
                         << (retryAfter ? "(Retry-After)" : "(backoff)");
        dropReply(r);
        r->retryTimer.start(int(qMin<qint64>(wait, std::numeric_limits<int>::max())));
        return;
    }
    fail(id, error);
}

void RemoteBackend::handleCompleteBody(Request* r)
{
    const QString id = r->id;
    QString error;
    if (r->type == Request::Models) {
        const std::optional<QList<RemoteModelInfo>> models = parseModelList(r->rawBody, &error);
        if (!models)
            return fail(id, makeError(BackendError::MalformedResponse,
                                      tr("The server's model list could not be read."), error));
        const std::shared_ptr<Request> keep = m_requests.take(id);
        keep->ended = true;
        dropReply(keep.get());
        Q_EMIT modelsListed(id, *models);
        return;
    }
    // A non-streamed chat.completion: {"choices":[{"message":{"content":...},"finish_reason":...}],"usage":...}
    const QJsonObject o = QJsonDocument::fromJson(r->rawBody).object();
    const QJsonObject choice = o.value(QStringLiteral("choices")).toArray().first().toObject();
    if (!choice.contains(QStringLiteral("message")))
        return fail(id, makeError(BackendError::MalformedResponse,
                                  tr("The server's answer could not be read."), QStringLiteral("not a chat.completion")));
    QJsonObject asChunk = o;
    QJsonObject streamedChoice = choice;
    streamedChoice.insert(QStringLiteral("delta"), choice.value(QStringLiteral("message")));
    asChunk.insert(QStringLiteral("choices"), QJsonArray{streamedChoice});
    const QByteArray asEvent = "data: " + QJsonDocument(asChunk).toJson(QJsonDocument::Compact) + "\n\n";
    if (!handleStreamBytes(r, asEvent))
        return;
    if (r->stats.finishReason.isEmpty())
        r->stats.finishReason = QStringLiteral("stop");
    complete(id);
}

void RemoteBackend::complete(const QString& id)
{
    const std::shared_ptr<Request> r = m_requests.take(id);
    if (!r || r->ended)
        return;
    r->ended = true;
    dropReply(r.get(), /*graceful=*/true);
    GenerationStats stats = r->stats;
    const double genMs = double(r->lastTextMs - r->firstTextMs);
    // One network read for the whole answer leaves no interval to measure a rate over.
    if (stats.completionTokens > 1 && r->firstTextMs >= 0 && genMs > 0)
        stats.tokensPerSecond = (stats.completionTokens - 1) / (genMs / 1000.0);
    qCInfo(lcRemote) << "request" << id << "finished:" << stats.finishReason << "prompt tokens" << stats.promptTokens
                     << "completion tokens" << stats.completionTokens << "ttft ms" << stats.ttftMs;
    Q_EMIT finished(id, stats);
}

void RemoteBackend::fail(const QString& id, BackendError error)
{
    const std::shared_ptr<Request> r = m_requests.take(id);
    if (!r || r->ended)
        return;
    r->ended = true;
    dropReply(r.get());
    error.message = scrub(error.message, r.get());
    error.detail = scrub(error.detail, r.get());
    qCWarning(lcRemote).noquote() << "request" << id << "failed:" << error.message << "|" << error.detail;
    if (r->type == Request::Models)
        Q_EMIT modelsFailed(id, error);
    else
        Q_EMIT failed(id, error);
}
