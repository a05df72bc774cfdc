#include "rawhttp.h"

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace rawhttp {

QByteArray Response::header(const QByteArray& name) const
{
    for (const auto& h : headers)
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    return {};
}

bool Response::hasHeader(const QByteArray& name) const
{
    for (const auto& h : headers)
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

Connection::Connection(uint16_t port, int timeoutMs)
{
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (m_fd < 0)
        return;
    timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        close();
}

Connection::~Connection() { close(); }

void Connection::close()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

void Connection::setReceiveBuffer(int bytes) { ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes); }

bool Connection::send(const QByteArray& bytes)
{
    qsizetype done = 0;
    while (m_fd >= 0 && done < bytes.size()) {
        const ssize_t n = ::send(m_fd, bytes.constData() + done, size_t(bytes.size() - done), MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        done += n;
    }
    return done == bytes.size();
}

QByteArray Connection::readSome(int max)
{
    QByteArray buf(max, Qt::Uninitialized);
    const ssize_t n = m_fd >= 0 ? ::recv(m_fd, buf.data(), size_t(max), 0) : -1;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        m_timedOut = true;
    return n > 0 ? buf.left(n) : QByteArray();
}

QByteArray Connection::readUntil(const QByteArray& marker)
{
    QByteArray all;
    while (!all.contains(marker)) {
        const QByteArray more = readSome();
        if (more.isEmpty())
            break;
        all += more;
    }
    return all;
}

QByteArray Connection::readAll()
{
    QByteArray all;
    for (QByteArray more = readSome(); !more.isEmpty(); more = readSome())
        all += more;
    return all;
}

QByteArray buildRequest(uint16_t port, const QByteArray& method, const QByteArray& path, const QByteArray& body,
                        const QList<QByteArray>& headers)
{
    QByteArray r = method + ' ' + path + " HTTP/1.1\r\n";
    bool hasHost = false;
    for (const QByteArray& h : headers)
        hasHost = hasHost || h.toLower().startsWith("host:");
    if (!hasHost)
        r += "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n";
    for (const QByteArray& h : headers)
        r += h + "\r\n";
    if (!body.isEmpty() || method == "POST")
        r += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    return r + "Connection: close\r\n\r\n" + body;
}

Response parse(const QByteArray& raw)
{
    Response r;
    const qsizetype end = raw.indexOf("\r\n\r\n");
    if (end < 0 || !raw.startsWith("HTTP/1.1 "))
        return r;
    const QList<QByteArray> lines = raw.left(end).split('\n');
    r.status = lines[0].mid(9, 3).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            r.headers.append({lines[i].left(colon).trimmed(), lines[i].mid(colon + 1).trimmed()});
    }
    QByteArray body = raw.mid(end + 4);
    if (r.header("transfer-encoding").toLower() == "chunked") {
        QByteArray plain;
        qsizetype at = 0;
        for (;;) {
            const qsizetype eol = body.indexOf("\r\n", at);
            if (eol < 0)
                break;
            bool ok = false;
            const qsizetype size = body.mid(at, eol - at).toLongLong(&ok, 16);
            if (!ok || size == 0)
                break;
            plain += body.mid(eol + 2, size);
            at = eol + 2 + size + 2;
        }
        body = plain;
    }
    r.body = body;
    return r;
}

Response request(uint16_t port, const QByteArray& method, const QByteArray& path, const QByteArray& body,
                 const QList<QByteArray>& headers)
{
    Connection c(port);
    if (!c.ok())
        return {};
    // A server may answer before the whole body is sent (413): read the answer even then.
    c.send(buildRequest(port, method, path, body, headers));
    const QByteArray raw = c.readAll();
    return c.timedOut() ? Response{} : parse(raw);
}

QList<QByteArray> sseEvents(const QByteArray& body)
{
    QList<QByteArray> events;
    for (const QByteArray& line : body.split('\n'))
        if (line.startsWith("data: "))
            events << line.mid(6).trimmed();
    return events;
}

}   // namespace rawhttp
