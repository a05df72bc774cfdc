#include "remotebackend.h"

#include "endpointpolicy.h"
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

// "The server asks to wait ..." for a Retry-After of `ms` (any qint64, never overflowing).
QString retryWaitSentence(qint64 ms)
{
    const qint64 seconds = ms / 1000 + (ms % 1000 != 0);
    if (seconds <= 600)
        return RemoteBackend::tr("The server asks to wait %1 seconds before trying again.").arg(seconds);
    if (seconds <= 24 * 3600)
        return RemoteBackend::tr("The server asks to wait %1 minutes before trying again.").arg((seconds + 59) / 60);
    return RemoteBackend::tr("The server asks to wait more than a day before trying again.");
}
}   // namespace

// Text or thinking received and not yet emitted; consecutive pieces of one kind are merged.
struct RemoteBackend::Piece {
    bool thinking = false;
    QString text;
};

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
    QTimer flushTimer;
    QList<Piece> pending;        // received, not yet emitted, in arrival order
    QElapsedTimer sinceFlush;    // invalid until the first emission
    qsizetype answerChars = 0;   // text + thinking received so far
    SseStreamParser parser;
    QByteArray rawBody;   // error body, model list or a non-streamed answer
    QElapsedTimer clock;
    qint64 firstTextMs = -1;
    qint64 lastTextMs = -1;
    int attempt = 0;
    bool textShown = false;
    bool ended = false;
    bool contentTypeChecked = false;
    bool eventSeen = false;   // at least one SSE event arrived on this try
    bool jsonReply = false;   // server ignored stream=true and sent application/json
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

void RemoteBackend::setEndpoint(const RemoteEndpoint& endpoint)
{
    if (!sameOrigin(endpoint.baseUrl, m_endpoint.baseUrl))
        m_apiKey = ApiKey();
    m_endpoint = endpoint;
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
    r->flushTimer.setSingleShot(true);
    // Precise: a coarse timer may fire up to 5 % early, and these delays are promises
    // (to the user: "nothing for 30 s"; to the server: its Retry-After; to the GUI: at most
    // one update per kDeltaIntervalMs).
    r->stallTimer.setTimerType(Qt::PreciseTimer);
    r->retryTimer.setTimerType(Qt::PreciseTimer);
    r->flushTimer.setTimerType(Qt::PreciseTimer);
    const QString id = r->id;
    connect(&r->stallTimer, &QTimer::timeout, this, [this, id] { onStalled(id); });
    connect(&r->retryTimer, &QTimer::timeout, this, [this, id] { sendAttempt(id); });
    connect(&r->flushTimer, &QTimer::timeout, this, [this, id] { flush(id); });
    m_requests.insert(id, r);

    // Configuration errors are reported from the event loop too: never emit inside start.
    BackendError config;
    if (const QString problem = baseUrlProblem(m_endpoint.baseUrl); !problem.isEmpty() || !r->url.isValid()) {
        config =
            makeError(BackendError::Configuration,
                      problem.isEmpty()
                          ? tr("The endpoint address \"%1\" is not usable.").arg(redactedUrlText(m_endpoint.baseUrl))
                          : problem);
    } else if (const QString insecure =
                   insecureKeyProblem(r->url, !r->key.isEmpty(), m_endpoint.allowInsecureHttp, m_endpoint.name);
               !insecure.isEmpty()) {
        config = makeError(BackendError::Configuration,
                           insecure + QLatin1Char(' ') +
                               tr("Use an https:// address, or tick \"Allow insecure connection (key sent "
                                  "unencrypted)\" for this endpoint in Settings."),
                           QStringLiteral("API key over plain http:// to a host that is not loopback"));
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
    req.setHeader(QNetworkRequest::UserAgentHeader,
                  QStringLiteral("Causerie/%1").arg(QCoreApplication::applicationVersion()));
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    if (!r->key.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + r->key.reveal().toUtf8());
    // A redirect to another host must not carry the key there.
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::SameOriginRedirectPolicy);
    qCInfo(lcRemote).noquote() << (r->type == Request::Chat ? "POST" : "GET") << redactedUrl(r->url) << "request" << id
                               << "try" << r->attempt << "of" << m_maxAttempts;
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
    return scrubSecret(std::move(text), r->key.reveal());
}

void RemoteBackend::dropReply(Request* r, bool graceful)
{
    r->stallTimer.stop();
    r->retryTimer.stop();
    r->flushTimer.stop();
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
                           .arg(host)
                           .arg(m_stallTimeoutMs / 1000.0, 0, 'g', 3),
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
            return fail(id,
                        makeError(BackendError::MalformedResponse, tr("The server's answer is too large to be read."),
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
    QList<Piece> pieces;
    bool done = false;
    std::optional<BackendError> error;
    r->eventSeen |= !events.isEmpty();
    for (const SseEvent& event : events) {
        if (event.data == "[DONE]") {
            done = true;
            break;
        }
        error = handleEvent(r, event, &pieces);
        if (error)
            break;
    }
    if (!error && r->parser.hasError())
        error = makeError(BackendError::MalformedResponse, tr("The server sent an event too large to be read."),
                          QStringLiteral("SSE event over %1 bytes").arg(r->parser.maxEventBytes()));
    // Text that arrived before a failure is still part of the answer the user sees. Thinking
    // counts as shown text too: a retry would show it twice.
    for (Piece& piece : pieces) {
        if (piece.text.isEmpty())
            continue;
        const qsizetype room = m_maxAnswerChars - r->answerChars;
        const bool overLimit = piece.text.size() > room;
        if (overLimit) {
            qsizetype keep = room;
            if (keep > 0 && piece.text.at(keep - 1).isHighSurrogate())
                --keep;   // never emit half a character
            piece.text.truncate(keep);
        }
        r->answerChars += piece.text.size();
        if (!piece.text.isEmpty()) {
            const qint64 now = r->clock.elapsed();
            if (r->firstTextMs < 0) {
                r->firstTextMs = now;
                r->stats.ttftMs = double(now);
            }
            r->lastTextMs = now;
            r->textShown = true;
            if (!r->pending.isEmpty() && r->pending.last().thinking == piece.thinking)
                r->pending.last().text += piece.text;
            else
                r->pending.append(piece);
        }
        if (overLimit) {
            error = makeError(BackendError::MalformedResponse,
                              tr("The answer grew past %L1 characters, the most Causerie accepts for one answer, "
                                 "so it was stopped. The text so far is kept.")
                                  .arg(m_maxAnswerChars),
                              QStringLiteral("answer over %1 characters").arg(m_maxAnswerChars));
            break;
        }
    }
    // fail() and complete() emit what is pending first.
    if (error) {
        fail(id, *error);
        return false;
    }
    if (done) {
        complete(id);
        return false;
    }
    scheduleFlush(r);
    return !r->ended;
}

void RemoteBackend::scheduleFlush(Request* r)
{
    if (r->pending.isEmpty() || r->flushTimer.isActive())
        return;
    const qint64 since = r->sinceFlush.isValid() ? r->sinceFlush.elapsed() : kDeltaIntervalMs;
    if (since >= kDeltaIntervalMs)
        flush(r->id);
    else
        r->flushTimer.start(int(kDeltaIntervalMs - since));
}

bool RemoteBackend::flush(const QString& id)
{
    const std::shared_ptr<Request> keep = m_requests.value(id);   // a slot may cancel: keep it alive
    Request* r = keep.get();
    if (!r || r->ended)
        return false;
    r->flushTimer.stop();
    if (r->pending.isEmpty())
        return true;
    r->sinceFlush.start();
    const QList<Piece> pieces = std::exchange(r->pending, {});
    for (const Piece& piece : pieces) {
        if (piece.thinking)
            Q_EMIT reasoningDelta(id, piece.text);
        else
            Q_EMIT delta(id, piece.text);
        if (r->ended)
            return false;   // a slot cancelled the request
    }
    return true;
}

std::optional<BackendError> RemoteBackend::handleEvent(Request* r, const SseEvent& event, QList<Piece>* pieces)
{
    QString parseError;
    const std::optional<ChatChunk> chunk = parseChatChunk(event.data, &parseError);
    if (!chunk) {
        qCWarning(lcRemote).noquote() << "request" << r->id << "malformed stream event:" << parseError;
        return makeError(BackendError::MalformedResponse,
                         tr("The server sent a part of the answer Causerie could not read; the answer is "
                            "incomplete."),
                         parseError);
    }
    if (!chunk->errorMessage.isEmpty() || event.event == "error") {
        return makeError(BackendError::ServerError,
                         tr("The server reported an error in the middle of the answer; the answer is incomplete."),
                         scrub(chunk->errorMessage, r));
    }
    // Within one chunk the thinking comes before the answer text.
    if (!chunk->thinking.isEmpty())
        pieces->append({true, chunk->thinking});
    if (!chunk->text.isEmpty())
        pieces->append({false, chunk->text});
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
    if (status >= 300 && status < 400 && reply->hasRawHeader("Location")) {
        // Only a redirect Qt refused to follow ends here: one to another origin, which would
        // carry the key there (SameOriginRedirectPolicy).
        const QUrl target = r->url.resolved(QUrl(QString::fromLatin1(reply->rawHeader("Location"))));
        const QString from = redactedUrl(r->url.adjusted(QUrl::RemovePath));
        const QString to = redactedUrl(target.adjusted(QUrl::RemovePath));
        return fail(
            id,
            makeError(
                BackendError::Configuration,
                tr("The server at %1 redirected the request to %2, another server. Causerie does "
                   "not follow it, so the API key was not sent there. If the service moved, change "
                   "the endpoint's base URL in Settings.")
                    .arg(from, to),
                QStringLiteral("HTTP %1 to %2 not followed (another origin)").arg(status).arg(redactedUrl(target))));
    }
    if (status != 0 && (status < 200 || status >= 300))
        return handleHttpError(r, status);
    if (reply->error() != QNetworkReply::NoError) {
        BackendError e =
            errorForNetwork(reply->error(), scrub(withRedactedUrls(reply->errorString()), r), r->url.host());
        if (e.kind == BackendError::StreamCut && !r->stats.finishReason.isEmpty())
            return complete(id);   // all text and the finish reason arrived; only [DONE] is missing
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
        return fail(
            id,
            makeError(
                BackendError::MalformedResponse,
                tr("The server at %1 did not answer like a chat API. Check the base URL of the "
                   "endpoint.")
                    .arg(r->url.host()),
                QStringLiteral("HTTP %1, Content-Type \"%2\", no server-sent events").arg(status).arg(contentType)));
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
    if (retryAfter && *retryAfter > 0)   // the user's own next try should wait too
        error.message += QLatin1Char(' ') + retryWaitSentence(*retryAfter);
    if (isRetryableStatus(status) && r->attempt < m_maxAttempts && !r->textShown) {
        if (retryAfter && *retryAfter > m_maxRetryWaitMs) {
            qCInfo(lcRemote) << "request" << id << "not retried: Retry-After of" << *retryAfter << "ms is over"
                             << m_maxRetryWaitMs << "ms";
            return fail(id, error);
        }
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
            return fail(id, makeError(BackendError::MalformedResponse, tr("The server's model list could not be read."),
                                      error));
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
        return fail(id, makeError(BackendError::MalformedResponse, tr("The server's answer could not be read."),
                                  QStringLiteral("not a chat.completion")));
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
    if (!flush(id))   // the last text always comes before finished()
        return;
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
    if (!flush(id))   // the text before the failure is part of the answer, and comes first
        return;
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
