#include "openaiserver.h"

#include "thinktagsplitter.h"

#include <QDateTime>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <csignal>
#include <mutex>

Q_LOGGING_CATEGORY(lcServer, "causerie.server")

namespace causerie::server {
namespace {

const char* reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

void writeResponse(QTcpSocket* socket, int status, const QByteArray& body, const Headers& extra, bool close,
                   const QByteArray& contentType = "application/json")
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    if (!body.isEmpty() || status != 204)
        out += "Content-Type: " + contentType + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    for (const auto& h : extra)
        out += h.first + ": " + h.second + "\r\n";
    if (close)
        out += "Connection: close\r\n";
    out += "\r\n" + body;
    socket->write(out);
    if (close)
        socket->disconnectFromHost();   // after the bytes are out
}

// API error messages are protocol text for the developer of the client program, in English like
// OpenAI's own; only what the app's user reads (start()) is translated.
ApiError error(int status, const QString& message, const QString& type, const QString& code = {})
{
    ApiError e;
    e.status = status;
    e.message = message;
    e.type = type;
    e.code = code;
    return e;
}

QByteArray headerValue(const QHttpServerRequest& request, const QByteArray& name)
{
    for (const auto& h : request.headers())
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second.trimmed();
    return {};
}

// Constant time in the key's length, so the answer's timing does not tell how much matched.
bool sameKey(const QByteArray& a, const QByteArray& b)
{
    unsigned diff = unsigned(a.size() ^ b.size());
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= unsigned(uchar(a[i]) ^ uchar(b.isEmpty() ? 0 : b[i % b.size()]));
    return diff == 0;
}

QByteArray randomId(const char* prefix)
{
    return QByteArray(prefix) + QByteArray::number(QRandomGenerator::global()->generate64(), 36);
}

// Requests whose Content-Length is over the limit are answered 413 as soon as their head has
// arrived, before the body is read (Qt HttpServer 6.4 buffers a whole request before handing
// it over). The read buffer is capped too, so a body without a length cannot fill memory.
class GuardedTcpServer : public QTcpServer {
public:
    GuardedTcpServer(qint64 maxBody, QObject* parent)
        : QTcpServer(parent)
        , m_maxBody(maxBody)
    {
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto* socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        socket->setReadBufferSize(std::max<qint64>(m_maxBody * 4, 16 << 20));
        // Connected before QAbstractHttpServer's own slot, so it sees a new request first.
        connect(socket, &QTcpSocket::readyRead, socket, [socket, max = m_maxBody] { refuseLargeBody(socket, max); });
        addPendingConnection(socket);
    }

private:
    static void refuseLargeBody(QTcpSocket* socket, qint64 maxBody)
    {
        if (socket->isTransactionStarted() || socket->state() != QAbstractSocket::ConnectedState)
            return;   // in the middle of a request the parser already took
        const QByteArray head = socket->peek(16384);
        const qsizetype end = head.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        for (const QByteArray& line : head.left(end).split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon < 0 || line.left(colon).trimmed().toLower() != "content-length")
                continue;
            bool ok = false;
            const qint64 length = line.mid(colon + 1).trimmed().toLongLong(&ok);
            if (ok && length > maxBody) {
                ApiError e;
                e.status = 413;
                e.code = QStringLiteral("body_too_large");
                e.message = QStringLiteral("The request body has %1 bytes; this server accepts at most %2.")
                                .arg(length)
                                .arg(maxBody);
                refuse(socket, e, end + 4 + length);
            }
            return;
        }
    }

    // The client is still sending its body: closing now would reset the connection and lose the
    // answer on its side. Read and drop what comes (up to a bound) until it closes or stops.
    static void refuse(QTcpSocket* socket, const ApiError& e, qint64 requestBytes)
    {
        QObject::disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);   // the parser too
        writeResponse(socket, e.status, e.toJson(), {{"Connection", "close"}}, false);
        auto drained = std::make_shared<qint64>(0);
        auto drain = [socket, drained, requestBytes] {
            *drained += socket->readAll().size();
            if (*drained >= requestBytes)
                socket->disconnectFromHost();   // all of it came: the answer is safe to end
            else if (*drained > (qint64(256) << 20))
                socket->abort();
        };
        QObject::connect(socket, &QTcpSocket::readyRead, socket, drain);
        QTimer::singleShot(30000, socket, [socket] { socket->disconnectFromHost(); });
        drain();
    }

    qint64 m_maxBody;
};

}   // namespace

bool isLoopback(const QHostAddress& address) { return address.isLoopback(); }

struct OpenAiServer::Stream {
    quint64 id = 0;
    QPointer<QTcpSocket> socket;
    QMetaObject::Connection onDisconnect;
    std::shared_ptr<std::atomic<bool>> cancel;
    bool chat = true;
    bool stream = false;
    bool includeUsage = false;
    bool close = false;
    bool headSent = false;
    Headers cors;
    QString model;
    QByteArray completionId;
    qint64 created = 0;
    ThinkTagSplitter splitter;
    QString content;     // non-streaming: the answer so far
    QString reasoning;   // non-streaming: the thinking so far
};

// Where the engine's threads post to: the server while it lives. Its destructor clears it under
// the mutex, so a sink never posts to a server being destroyed (Qt drops the events already
// posted to a deleted object); server and engine may then be destroyed in either order.
struct OpenAiServer::Mailbox {
    std::mutex mutex;
    OpenAiServer* server = nullptr;
};

// Engine thread → server thread, by queued calls.
class OpenAiServer::Sink : public GenerationSink {
public:
    Sink(std::shared_ptr<Mailbox> mailbox, quint64 id)
        : m_mailbox(std::move(mailbox))
        , m_id(id)
    {
    }
    void piece(std::string_view text) override
    {
        QByteArray bytes(text.data(), qsizetype(text.size()));
        std::lock_guard lock(m_mailbox->mutex);
        if (OpenAiServer* s = m_mailbox->server)
            QMetaObject::invokeMethod(
                s, [s, id = m_id, bytes] { s->onPiece(id, bytes); }, Qt::QueuedConnection);
    }
    void finished(const GenerationResult& result) override
    {
        std::lock_guard lock(m_mailbox->mutex);
        if (OpenAiServer* s = m_mailbox->server)
            QMetaObject::invokeMethod(
                s, [s, id = m_id, result] { s->onFinished(id, result); }, Qt::QueuedConnection);
    }

private:
    std::shared_ptr<Mailbox> m_mailbox;
    quint64 m_id;
};

OpenAiServer::OpenAiServer(ServerEngine& engine, ServerConfig config, QObject* parent)
    : QAbstractHttpServer(parent)
    , m_engine(engine)
    , m_config(std::move(config))
    , m_mailbox(std::make_shared<Mailbox>())
{
    m_mailbox->server = this;
    // A client gone mid-write must be an error on that socket, not the end of the process.
    std::signal(SIGPIPE, SIG_IGN);
}

OpenAiServer::~OpenAiServer()
{
    {
        std::lock_guard lock(m_mailbox->mutex);
        m_mailbox->server = nullptr;
    }
    for (const auto& s : std::as_const(m_streams))
        s->cancel->store(true);
}

bool OpenAiServer::start(QString* errorText)
{
    if (!isLoopback(m_config.address) && m_config.apiKey.isEmpty()) {
        *errorText = tr("Listening on %1 would let other computers use the model: set an API key (--api-key or "
                        "CAUSERIE_SERVER_KEY) to allow it.")
                         .arg(m_config.address.toString());
        return false;
    }
    auto* tcp = new GuardedTcpServer(m_config.maxBodyBytes, this);
    tcp->setListenBacklogSize(1024);
    if (!tcp->listen(m_config.address, m_config.port)) {
        *errorText = tr("Cannot listen on %1 port %2: %3")
                         .arg(m_config.address.toString())
                         .arg(m_config.port)
                         .arg(tcp->errorString());
        delete tcp;
        return false;
    }
    m_tcp = tcp;
    m_port = tcp->serverPort();
    bind(tcp);
    return true;
}

QString OpenAiServer::baseUrl() const
{
    QString host = m_config.address.toString();
    if (m_config.address == QHostAddress::AnyIPv4 || m_config.address == QHostAddress::Any)
        host = QStringLiteral("127.0.0.1");
    else if (m_config.address.protocol() == QAbstractSocket::IPv6Protocol)
        host = QLatin1Char('[') + host + QLatin1Char(']');
    return QStringLiteral("http://%1:%2/v1").arg(host).arg(m_port);
}

bool OpenAiServer::hostAllowed(const QByteArray& hostHeader) const
{
    if (hostHeader.isEmpty())
        return false;
    // Strip the port: "127.0.0.1:8080", "[::1]:8080", "localhost".
    QByteArray host = hostHeader.toLower();
    if (host.startsWith('[')) {
        const qsizetype end = host.indexOf(']');
        if (end < 0)
            return false;
        host = host.mid(1, end - 1);
    } else if (host.count(':') == 1) {
        host = host.left(host.indexOf(':'));
    }
    if (host == "localhost" || host == "localhost.")
        return true;
    const QHostAddress literal(QString::fromLatin1(host));
    if (literal.isNull())
        return false;   // a DNS name: what a rebinding attack looks like
    if (literal.isLoopback() || literal.isEqual(m_config.address, QHostAddress::TolerantConversion))
        return true;
    // Bound to every interface (with a key): any address literal of this machine is fine.
    return m_config.address == QHostAddress::AnyIPv4 || m_config.address == QHostAddress::Any ||
           m_config.address == QHostAddress::AnyIPv6;
}

QStringList OpenAiServer::aliases() const
{
    QStringList all = m_config.modelAliases;
    for (const std::string& a : m_engine.model_aliases())
        all << QString::fromStdString(a);
    return all;
}

bool OpenAiServer::knownModel(const QString& name) const
{
    return name == QString::fromStdString(m_engine.model_id()) || aliases().contains(name);
}

void OpenAiServer::missingHandler(const QHttpServerRequest&, QTcpSocket* socket)
{
    writeResponse(socket, 404,
                  error(404, QStringLiteral("Unknown route."), QStringLiteral("invalid_request_error")).toJson(), {},
                  false);
}

bool OpenAiServer::handleRequest(const QHttpServerRequest& request, QTcpSocket* socket)
{
    const QString path = request.url().path();
    const auto method = request.method();
    const bool close = headerValue(request, "connection").toLower() == "close";
    Headers cors;   // set once the Origin is known to be allowed: errors carry it too
    auto fail = [&](const ApiError& e, bool forceClose = false) {
        qCDebug(lcServer) << e.status << path << e.message;
        writeResponse(socket, e.status, e.toJson(), cors, close || forceClose);
        return true;
    };

    if (!hostAllowed(headerValue(request, "host")))
        return fail(error(403,
                          QStringLiteral("The Host header names neither this server's address nor localhost; "
                                         "the request was refused (DNS rebinding protection)."),
                          QStringLiteral("invalid_request_error"), QStringLiteral("host_not_allowed")));
    const QByteArray origin = headerValue(request, "origin");
    if (!origin.isEmpty()) {
        if (!m_config.allowedOrigins.contains(QString::fromUtf8(origin)))
            return fail(error(403,
                              QStringLiteral("Requests from web pages at %1 are not allowed; start the server "
                                             "with --allow-origin %1 to allow them.")
                                  .arg(QString::fromUtf8(origin)),
                              QStringLiteral("invalid_request_error"), QStringLiteral("origin_not_allowed")));
        cors = {{"Access-Control-Allow-Origin", origin}, {"Vary", "Origin"}};
        if (method == QHttpServerRequest::Method::Options) {
            cors += {{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                     {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                     {"Access-Control-Max-Age", "600"}};
            writeResponse(socket, 204, {}, cors, close);
            return true;
        }
    }
    if (request.body().size() > m_config.maxBodyBytes)
        return fail(error(413,
                          QStringLiteral("The request body has %1 bytes; this server accepts at most %2.")
                              .arg(request.body().size())
                              .arg(m_config.maxBodyBytes),
                          QStringLiteral("invalid_request_error"), QStringLiteral("body_too_large")),
                    true);

    auto answer = [&](int status, const QJsonObject& o) {
        writeResponse(socket, status, QJsonDocument(o).toJson(QJsonDocument::Compact), cors, close);
        return true;
    };
    const EngineState state = m_engine.state();
    if (path == QLatin1String("/health")) {
        const char* s = state == EngineState::Ready     ? "ok"
                        : state == EngineState::Loading ? "loading"
                        : state == EngineState::NoModel ? "no_model"
                                                        : "error";
        return answer(state == EngineState::Ready ? 200 : 503, {{QStringLiteral("status"), QLatin1String(s)}});
    }
    if (!m_config.apiKey.isEmpty()) {
        const QByteArray auth = headerValue(request, "authorization");
        const QByteArray given = auth.startsWith("Bearer ") ? auth.mid(7).trimmed() : QByteArray();
        if (!sameKey(given, m_config.apiKey.toUtf8()))
            return fail(error(401,
                              auth.isEmpty()
                                  ? QStringLiteral("This server needs an API key (Authorization: Bearer KEY).")
                                  : QStringLiteral("Incorrect API key."),
                              QStringLiteral("invalid_request_error"), QStringLiteral("invalid_api_key")));
    }
    const QString id = QString::fromStdString(m_engine.model_id());
    auto modelJson = [](const QString& name) {
        return QJsonObject{{QStringLiteral("id"), name},
                           {QStringLiteral("object"), QStringLiteral("model")},
                           {QStringLiteral("created"), 0},
                           {QStringLiteral("owned_by"), QStringLiteral("causerie")}};
    };
    if (path == QLatin1String("/v1/models") && method == QHttpServerRequest::Method::Get) {
        QJsonArray data;
        if (!id.isEmpty())
            data.append(modelJson(id));   // the file's id first: clients often take the first
        if (!id.isEmpty())
            for (const QString& alias : aliases())
                data.append(modelJson(alias));
        return answer(200, {{QStringLiteral("object"), QStringLiteral("list")}, {QStringLiteral("data"), data}});
    }
    if (path.startsWith(QLatin1String("/v1/models/")) && method == QHttpServerRequest::Method::Get) {
        if (!knownModel(path.mid(11)))
            return fail(error(
                404, QStringLiteral("The model '%1' does not exist; this server serves '%2'.").arg(path.mid(11), id),
                QStringLiteral("invalid_request_error"), QStringLiteral("model_not_found")));
        return answer(200, modelJson(path.mid(11)));
    }
    const bool chat = path == QLatin1String("/v1/chat/completions");
    if (!chat && path != QLatin1String("/v1/completions"))
        return fail(error(404, QStringLiteral("Unknown route %1.").arg(path), QStringLiteral("invalid_request_error"),
                          QStringLiteral("unknown_route")));
    if (method != QHttpServerRequest::Method::Post)
        return fail(
            error(405, QStringLiteral("%1 only answers POST.").arg(path), QStringLiteral("invalid_request_error")));

    auto parsed = parseRequest(request.body(), chat);
    if (auto* e = std::get_if<ApiError>(&parsed))
        return fail(*e);
    ParsedRequest& p = std::get<ParsedRequest>(parsed);
    if (state == EngineState::Loading) {
        ApiError e = error(503, QStringLiteral("The model is still loading; try again in a moment."),
                           QStringLiteral("server_error"), QStringLiteral("model_loading"));
        writeResponse(socket, 503, e.toJson(), Headers{{"Retry-After", "1"}} + cors, close);
        return true;
    }
    if (state == EngineState::Failed)
        return fail(error(
            503, QStringLiteral("The model could not be loaded: %1").arg(QString::fromStdString(m_engine.failure())),
            QStringLiteral("server_error"), QStringLiteral("model_failed")));
    // Before the model's name is checked: while no model is ready, the name served is not known.
    if (state == EngineState::NoModel)
        return fail(error(503, QStringLiteral("No model is open in Causerie: open one in its window, then try again."),
                          QStringLiteral("server_error"), QStringLiteral("no_model")));
    if (!p.model.isEmpty() && !knownModel(p.model))
        return fail(error(404,
                          QStringLiteral("The model '%1' does not exist; this server serves '%2'.").arg(p.model, id),
                          QStringLiteral("invalid_request_error"), QStringLiteral("model_not_found")));
    startGeneration(socket, std::move(p), cors, close);
    return true;
}

void OpenAiServer::startGeneration(QTcpSocket* socket, ParsedRequest parsed, const Headers& cors, bool close)
{
    auto s = std::make_shared<Stream>();
    s->cors = cors;
    s->id = m_nextId++;
    s->socket = socket;
    s->cancel = std::make_shared<std::atomic<bool>>(false);
    s->chat = parsed.generation.chat;
    s->stream = parsed.stream;
    s->includeUsage = parsed.includeUsage;
    s->close = close;
    s->model = QString::fromStdString(m_engine.model_id());
    s->completionId = randomId(s->chat ? "chatcmpl-" : "cmpl-");
    s->created = QDateTime::currentSecsSinceEpoch();
    if (!m_engine.submit(std::move(parsed.generation), std::make_shared<Sink>(m_mailbox, s->id), s->cancel)) {
        ApiError e = error(429, QStringLiteral("The server is busy: too many requests are waiting. Try again shortly."),
                           QStringLiteral("rate_limit_error"), QStringLiteral("queue_full"));
        writeResponse(socket, 429, e.toJson(), Headers{{"Retry-After", "1"}} + cors, close);
        --m_nextId;
        return;
    }
    // The client going away cancels its generation: the engine stops at its next token.
    s->onDisconnect = connect(socket, &QTcpSocket::disconnected, this, [this, id = s->id] {
        if (auto it = m_streams.find(id); it != m_streams.end()) {
            qCDebug(lcServer) << "client gone, cancelling request" << id;
            (*it)->cancel->store(true);
        }
    });
    m_streams.insert(s->id, s);
    Q_EMIT activeRequestsChanged(activeRequests());
}

void OpenAiServer::writeEvent(Stream& s, const QByteArray& json)
{
    const QByteArray event = "data: " + json + "\n\n";
    s.socket->write(QByteArray::number(event.size(), 16) + "\r\n" + event + "\r\n");
}

void OpenAiServer::writeStreamHead(Stream& s)
{
    if (s.headSent)
        return;
    s.headSent = true;
    QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                      "Transfer-Encoding: chunked\r\n";
    for (const auto& h : s.cors)
        head += h.first + ": " + h.second + "\r\n";
    if (s.close)
        head += "Connection: close\r\n";
    s.socket->write(head + "\r\n");
    if (s.chat) {
        QJsonObject delta{{QStringLiteral("role"), QStringLiteral("assistant")},
                          {QStringLiteral("content"), QString()}};
        QJsonObject choice{{QStringLiteral("index"), 0},
                           {QStringLiteral("delta"), delta},
                           {QStringLiteral("finish_reason"), QJsonValue::Null}};
        QJsonObject chunk{{QStringLiteral("id"), QString::fromLatin1(s.completionId)},
                          {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                          {QStringLiteral("created"), s.created},
                          {QStringLiteral("model"), s.model},
                          {QStringLiteral("choices"), QJsonArray{choice}}};
        if (s.includeUsage)
            chunk.insert(QStringLiteral("usage"), QJsonValue::Null);
        writeEvent(s, QJsonDocument(chunk).toJson(QJsonDocument::Compact));
    }
}

namespace {

// One streamed chunk: a delta (chat) or a text piece (completions), maybe the finish reason.
QJsonObject chunkJson(bool chat, const QByteArray& id, qint64 created, const QString& model, const QString& content,
                      const QString& reasoning, const QJsonValue& finishReason, bool usageNull)
{
    QJsonObject choice{{QStringLiteral("index"), 0}, {QStringLiteral("finish_reason"), finishReason}};
    if (chat) {
        QJsonObject delta;
        if (!content.isEmpty())
            delta.insert(QStringLiteral("content"), content);
        if (!reasoning.isEmpty())
            delta.insert(QStringLiteral("reasoning_content"), reasoning);
        choice.insert(QStringLiteral("delta"), delta);
    } else {
        choice.insert(QStringLiteral("text"), content);
        choice.insert(QStringLiteral("logprobs"), QJsonValue::Null);
    }
    QJsonObject chunk{
        {QStringLiteral("id"), QString::fromLatin1(id)},
        {QStringLiteral("object"), chat ? QStringLiteral("chat.completion.chunk") : QStringLiteral("text_completion")},
        {QStringLiteral("created"), created},
        {QStringLiteral("model"), model},
        {QStringLiteral("choices"), QJsonArray{choice}}};
    if (usageNull)
        chunk.insert(QStringLiteral("usage"), QJsonValue::Null);
    return chunk;
}

QJsonObject usageJson(const GenerationResult& r)
{
    return {{QStringLiteral("prompt_tokens"), r.prompt_tokens},
            {QStringLiteral("completion_tokens"), r.completion_tokens},
            {QStringLiteral("total_tokens"), r.prompt_tokens + r.completion_tokens}};
}

}   // namespace

void OpenAiServer::onPiece(quint64 id, const QByteArray& text)
{
    const auto it = m_streams.find(id);
    if (it == m_streams.end())
        return;
    Stream& s = **it;
    if (!s.socket || s.socket->state() != QAbstractSocket::ConnectedState) {
        s.cancel->store(true);
        return;
    }
    const ThinkTagSplitter::Out out =
        s.chat ? s.splitter.feed(QString::fromUtf8(text)) : ThinkTagSplitter::Out{QString::fromUtf8(text), {}};
    if (!s.stream) {
        s.content += out.text;
        s.reasoning += out.thinking;
        return;
    }
    writeStreamHead(s);
    if (out.text.isEmpty() && out.thinking.isEmpty())
        return;
    writeEvent(s, QJsonDocument(chunkJson(s.chat, s.completionId, s.created, s.model, out.text, out.thinking,
                                          QJsonValue::Null, s.includeUsage))
                      .toJson(QJsonDocument::Compact));
}

void OpenAiServer::onFinished(quint64 id, const GenerationResult& r)
{
    const auto it = m_streams.find(id);
    if (it == m_streams.end())
        return;
    std::shared_ptr<Stream> keep = *it;
    Stream& s = *keep;
    if (!s.socket || s.socket->state() != QAbstractSocket::ConnectedState || r.finish_reason == "cancelled") {
        endStream(id);
        return;
    }
    if (r.finish_reason == "error") {
        ApiError e = error(r.invalid_request ? 400 : 500, QString::fromStdString(r.error),
                           r.invalid_request ? QStringLiteral("invalid_request_error") : QStringLiteral("server_error"),
                           r.invalid_request ? QStringLiteral("context_length_exceeded") : QString());
        if (s.headSent) {   // mid-stream: an error event, then the end
            writeEvent(s, e.toJson());
            writeEvent(s, "[DONE]");
            s.socket->write("0\r\n\r\n");
            if (s.close)
                s.socket->disconnectFromHost();
        } else {
            writeResponse(s.socket, e.status, e.toJson(), s.cors, s.close);
        }
        endStream(id);
        return;
    }
    const ThinkTagSplitter::Out tail = s.chat ? s.splitter.finish() : ThinkTagSplitter::Out{};
    const QString finish = QString::fromStdString(r.finish_reason);
    if (s.stream) {
        writeStreamHead(s);
        if (!tail.text.isEmpty() || !tail.thinking.isEmpty())
            writeEvent(s, QJsonDocument(chunkJson(s.chat, s.completionId, s.created, s.model, tail.text, tail.thinking,
                                                  QJsonValue::Null, s.includeUsage))
                              .toJson(QJsonDocument::Compact));
        QJsonObject last = chunkJson(s.chat, s.completionId, s.created, s.model, {}, {}, finish, s.includeUsage);
        if (!s.includeUsage)   // as Mistral's API does; with include_usage, OpenAI's separate chunk below
            last.insert(QStringLiteral("usage"), usageJson(r));
        writeEvent(s, QJsonDocument(last).toJson(QJsonDocument::Compact));
        if (s.includeUsage) {
            QJsonObject usage{{QStringLiteral("id"), QString::fromLatin1(s.completionId)},
                              {QStringLiteral("object"),
                               s.chat ? QStringLiteral("chat.completion.chunk") : QStringLiteral("text_completion")},
                              {QStringLiteral("created"), s.created},
                              {QStringLiteral("model"), s.model},
                              {QStringLiteral("choices"), QJsonArray{}},
                              {QStringLiteral("usage"), usageJson(r)}};
            writeEvent(s, QJsonDocument(usage).toJson(QJsonDocument::Compact));
        }
        writeEvent(s, "[DONE]");
        s.socket->write("0\r\n\r\n");
        if (s.close)
            s.socket->disconnectFromHost();
    } else {
        s.content += tail.text;
        s.reasoning += tail.thinking;
        QJsonObject choice{{QStringLiteral("index"), 0}, {QStringLiteral("finish_reason"), finish}};
        if (s.chat) {
            QJsonObject message{{QStringLiteral("role"), QStringLiteral("assistant")},
                                {QStringLiteral("content"), s.content}};
            if (!s.reasoning.isEmpty())
                message.insert(QStringLiteral("reasoning_content"), s.reasoning);
            choice.insert(QStringLiteral("message"), message);
        } else {
            choice.insert(QStringLiteral("text"), s.content);
            choice.insert(QStringLiteral("logprobs"), QJsonValue::Null);
        }
        const QJsonObject body{
            {QStringLiteral("id"), QString::fromLatin1(s.completionId)},
            {QStringLiteral("object"), s.chat ? QStringLiteral("chat.completion") : QStringLiteral("text_completion")},
            {QStringLiteral("created"), s.created},
            {QStringLiteral("model"), s.model},
            {QStringLiteral("choices"), QJsonArray{choice}},
            {QStringLiteral("usage"), usageJson(r)}};
        writeResponse(s.socket, 200, QJsonDocument(body).toJson(QJsonDocument::Compact), s.cors, s.close);
    }
    endStream(id);
}

void OpenAiServer::endStream(quint64 id)
{
    const auto it = m_streams.find(id);
    if (it == m_streams.end())
        return;
    disconnect((*it)->onDisconnect);
    m_streams.erase(it);
    Q_EMIT activeRequestsChanged(activeRequests());
}

}   // namespace causerie::server
