#include "fakechatserver.h"

#include <QTcpSocket>
#include <QTimer>

struct FakeChatServer::Connection {
    QPointer<QTcpSocket> socket;
    QByteArray in;
    FakeResponse response;
    qsizetype sent = 0;   // body bytes written
    QTimer timer;
    bool responding = false;
};

FakeResponse FakeResponse::sse(const QByteArray& stream)
{
    FakeResponse r;
    r.body = stream;
    return r;
}

FakeResponse FakeResponse::json(int status, const QByteArray& reason, const QByteArray& body)
{
    FakeResponse r;
    r.status = status;
    r.reason = reason;
    r.contentType = "application/json";
    r.body = body;
    r.chunked = false;
    return r;
}

FakeChatServer::FakeChatServer(QObject* parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &FakeChatServer::onNewConnection);
}

bool FakeChatServer::listen()
{
    m_clock.start();
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QString FakeChatServer::baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }

QByteArray FakeChatServer::everythingReceived() const
{
    QByteArray all;
    for (const RecordedRequest& r : m_requests) {
        for (auto it = r.headers.cbegin(); it != r.headers.cend(); ++it)
            all += it.key() + ": " + it.value() + "\n";
        all += r.body;
    }
    return all;
}

void FakeChatServer::onNewConnection()
{
    testhttp::acceptConnections(
        m_server, this, m_connections, [this](Connection* c) { onReadyRead(c); },
        [this](Connection* c) {
            if (c->responding)
                ++m_clientAborts;
            c->responding = false;
            c->timer.stop();
        },
        [this](Connection* c) { writeNextPiece(c); });
}

void FakeChatServer::onReadyRead(Connection* c)
{
    if (!c->socket)
        return;
    c->in += c->socket->readAll();
    if (c->responding)
        return;   // Connection: close, one request per connection
    const qsizetype headerEnd = c->in.indexOf("\r\n\r\n");
    if (headerEnd < 0)
        return;
    RecordedRequest req;
    static_cast<testhttp::RequestHead&>(req) = testhttp::parseRequestHead(c->in.left(headerEnd));
    const qsizetype length = req.headers.value("content-length", "0").toLongLong();
    if (c->in.size() < headerEnd + 4 + length)
        return;   // body not complete yet
    req.body = c->in.mid(headerEnd + 4, length);
    c->in.clear();
    req.receivedAtMs = m_clock.elapsed();
    m_requests.append(req);
    c->responding = true;
    c->response = m_queue.isEmpty() ? FakeResponse::json(500, "Internal Server Error",
                                                         R"({"message":"fake server: no scripted response left"})")
                                    : m_queue.takeFirst();
    Q_EMIT requestReceived();
    respond(c);
}

void FakeChatServer::respond(Connection* c)
{
    const FakeResponse& r = c->response;
    if (r.neverAnswer)
        return;
    QByteArray head = "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + r.reason + "\r\n";
    head += "Content-Type: " + r.contentType + "\r\n";
    head += "Connection: close\r\n";
    if (r.chunked)
        head += "Transfer-Encoding: chunked\r\n";
    else
        head += "Content-Length: " + QByteArray::number(r.body.size()) + "\r\n";
    for (const auto& [name, value] : r.headers)
        head += name + ": " + value + "\r\n";
    head += "\r\n";
    c->socket->write(head);
    if (r.pieceDelayMs > 0) {
        c->timer.start(r.pieceDelayMs);
    } else {
        while (c->socket && c->responding)
            writeNextPiece(c);
    }
}

void FakeChatServer::writeNextPiece(Connection* c)
{
    const FakeResponse& r = c->response;
    if (!c->socket || !c->responding) {
        c->timer.stop();
        return;
    }
    qsizetype limit = r.body.size();
    if (r.cutAfter >= 0)
        limit = qMin(limit, r.cutAfter);
    if (r.stallAfter >= 0)
        limit = qMin(limit, r.stallAfter);
    if (c->sent >= limit) {
        c->timer.stop();
        c->responding = false;
        if (r.stallAfter >= 0 && r.cutAfter < 0)
            return;   // stall: keep the socket open, send nothing more
        if (r.cutAfter < 0 && r.chunked)
            c->socket->write("0\r\n\r\n");
        c->socket->disconnectFromHost();   // flushes what was written, then closes
        return;
    }
    const qsizetype n = qMin(r.pieceSize > 0 ? r.pieceSize : limit, limit - c->sent);
    const QByteArray piece = r.body.mid(c->sent, n);
    c->sent += n;
    if (r.chunked)
        c->socket->write(QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n");
    else
        c->socket->write(piece);
}
