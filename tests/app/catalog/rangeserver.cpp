#include "rangeserver.h"

#include <QPointer>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimer>

struct RangeServer::Connection {
    QPointer<QTcpSocket> socket;
    QByteArray in;
    QByteArray body;        // what remains to be sent
    qint64 cutAfter = -1;   // body bytes still allowed before closing; -1 = no cut
    QTimer timer;
    bool answered = false;
};

RangeServer::RangeServer(const QByteArray& content, QObject* parent)
    : QObject(parent)
    , m_content(content)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        testhttp::acceptConnections(
            m_server, this, m_connections, [this](Connection* c) { onReadyRead(c); },
            [](Connection* c) { c->timer.stop(); }, [this](Connection* c) { writeNextPiece(c); });
    });
}

RangeServer::~RangeServer() = default;

bool RangeServer::listen() { return m_server.listen(QHostAddress::LocalHost, 0); }

QString RangeServer::url(const char* path) const
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(QLatin1String(path));
}

void RangeServer::onReadyRead(Connection* c)
{
    if (!c->socket || c->answered)
        return;
    c->in += c->socket->readAll();
    if (c->in.contains("\r\n\r\n"))
        respond(c);
}

void RangeServer::respond(Connection* c)
{
    c->answered = true;
    const RangeServerRequest req = testhttp::parseRequestHead(c->in.left(c->in.indexOf("\r\n\r\n")));
    m_requests.append(req);

    QByteArray head;
    qint64 from = 0;
    const QByteArray range = req.headers.value("range");
    static const QRegularExpression re(QStringLiteral("^bytes=(\\d+)-$"));
    const QRegularExpressionMatch m = re.match(QString::fromLatin1(range));
    if (req.method == "HEAD" && refuseHead) {
        head = "HTTP/1.1 405 Method Not Allowed\r\n";
    } else if (req.path == "/hub/model.gguf") {
        head = "HTTP/1.1 302 Found\r\nLocation: " + url("/model.gguf").toLatin1() + "\r\nContent-Length: 0\r\n";
        if (!hubEtag.isEmpty())
            head += "X-Linked-Etag: " + hubEtag + "\r\n";
        if (!hubSize.isEmpty())
            head += "X-Linked-Size: " + hubSize + "\r\n";
        if (!hubCommit.isEmpty())
            head += "X-Repo-Commit: " + hubCommit + "\r\n";
    } else if (req.path == "/renamed/model.gguf") {
        head = "HTTP/1.1 307 Temporary Redirect\r\nLocation: /hub/model.gguf\r\nContent-Length: 0\r\n";
    } else if (req.path == "/redirect") {
        head = "HTTP/1.1 302 Found\r\nLocation: " + url("/model.gguf").toLatin1() + "\r\nContent-Length: 0\r\n";
    } else if (req.path != "/model.gguf") {
        c->body = "not here";
        head = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n";
    } else if (m.hasMatch() && (answer416 || m.captured(1).toLongLong() >= m_content.size())) {
        head = "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" + QByteArray::number(m_content.size()) +
               "\r\n";
    } else if (m.hasMatch() && honorRange) {
        from = m.captured(1).toLongLong();
        const qint64 claimed = wrongRangeStart >= 0 ? wrongRangeStart : from;
        c->body = m_content.mid(from);
        head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + QByteArray::number(claimed) + '-' +
               QByteArray::number(m_content.size() - 1) + '/' + QByteArray::number(m_content.size()) + "\r\n";
    } else {
        c->body = m_content;
        head = "HTTP/1.1 200 OK\r\nAccept-Ranges: bytes\r\n";
    }
    if (!head.contains("Content-Length"))
        head += "Content-Length: " + QByteArray::number(c->body.size()) + "\r\n";
    head += "Connection: close\r\n\r\n";
    c->socket->write(head);
    if (req.method == "HEAD")
        c->body.clear();
    if (cutAfterOnce >= 0 && req.path == "/model.gguf" && req.method != "HEAD") {
        c->cutAfter = cutAfterOnce;
        cutAfterOnce = -1;
    }
    writeNextPiece(c);
}

void RangeServer::writeNextPiece(Connection* c)
{
    if (!c->socket)
        return;
    qsizetype n = pieceSize > 0 ? qMin(pieceSize, c->body.size()) : c->body.size();
    if (c->cutAfter >= 0)
        n = qMin<qsizetype>(n, c->cutAfter);
    c->socket->write(c->body.left(n));
    c->body.remove(0, n);
    if (c->cutAfter >= 0)
        c->cutAfter -= n;
    if (c->body.isEmpty() || c->cutAfter == 0) {
        c->timer.stop();
        c->socket->disconnectFromHost();   // flushes what was written, then closes
        return;
    }
    c->timer.start(pieceDelayMs);
}

QList<RangeServerRequest> RangeServer::requests(const char* method) const
{
    QList<RangeServerRequest> out;
    for (const RangeServerRequest& r : m_requests) {
        if (r.method == method)
            out.append(r);
    }
    return out;
}
