#pragma once
// A blocking HTTP/1.1 client on plain sockets, for server tests that need the exact bytes
// (status line, headers, chunked SSE) and control over the connection (close mid-stream,
// idle, read slowly). Every read has a timeout, so a server that hangs fails the test in
// bounded time instead of hanging it.
#include <QByteArray>
#include <QList>
#include <QPair>

#include <cstdint>

namespace rawhttp {

struct Response {
    int status = 0;   // 0: no answer (connection failed or timed out)
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;   // de-chunked
    QByteArray header(const QByteArray& name) const;
    bool hasHeader(const QByteArray& name) const;
};

// A connected socket; closes on destruction.
class Connection {
public:
    explicit Connection(uint16_t port, int timeoutMs = 20000);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool ok() const { return m_fd >= 0; }
    bool send(const QByteArray& bytes);
    // Reads what arrives (at most max bytes); empty at EOF or timeout.
    QByteArray readSome(int max = 65536);
    // Reads until `marker` has been seen (kept in the returned bytes) or EOF/timeout.
    QByteArray readUntil(const QByteArray& marker);
    QByteArray readAll();   // until EOF or timeout
    void setReceiveBuffer(int bytes);
    void close();
    bool timedOut() const { return m_timedOut; }   // a read gave up waiting (no EOF)

private:
    int m_fd = -1;
    bool m_timedOut = false;
};

// "POST /path HTTP/1.1" with Host 127.0.0.1:port (unless `headers` has a Host), Content-Length,
// Connection: close, then `headers` lines ("Name: value").
// request(): status 0 when the answer did not end with the server closing the connection in
// time (a response the server forgot to end is a failure, not a slow success).
QByteArray buildRequest(uint16_t port, const QByteArray& method, const QByteArray& path, const QByteArray& body = {},
                        const QList<QByteArray>& headers = {});
Response parse(const QByteArray& raw);
Response request(uint16_t port, const QByteArray& method, const QByteArray& path, const QByteArray& body = {},
                 const QList<QByteArray>& headers = {});

// The JSON payloads of "data: ..." events, in order ("[DONE]" included as is).
QList<QByteArray> sseEvents(const QByteArray& body);

}   // namespace rawhttp
