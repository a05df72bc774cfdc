#pragma once
// A scripted HTTP/1.1 server on 127.0.0.1 for the remote backend tests. Each incoming
// request takes the next queued FakeResponse; the response is written byte-exactly as
// scripted (status, headers, chunked or not, in pieces, with delays, cut or stalled), so
// the tests control what the client sees at the socket level. Every request is recorded.
#include "../../common/test_http_server.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QUrl>

struct FakeResponse {
    int status = 200;
    QByteArray reason = "OK";
    QByteArray contentType = "text/event-stream";
    QList<QPair<QByteArray, QByteArray>> headers;   // extra headers, e.g. Retry-After
    QByteArray body;
    bool chunked = true;         // Transfer-Encoding: chunked, as streaming servers send
    qsizetype pieceSize = 0;     // body written in pieces of this many bytes; 0 = one piece
    int pieceDelayMs = 0;        // pause between pieces
    qsizetype cutAfter = -1;     // close the socket after this many body bytes (no terminator)
    qsizetype stallAfter = -1;   // send this many body bytes, then nothing, socket left open
    bool neverAnswer = false;    // read the request, never send a byte

    static FakeResponse sse(const QByteArray& stream);
    static FakeResponse json(int status, const QByteArray& reason, const QByteArray& body);
};

struct RecordedRequest : testhttp::RequestHead {
    QByteArray body;
    qint64 receivedAtMs = 0;   // since the server started
};

class FakeChatServer : public QObject {
    Q_OBJECT
public:
    explicit FakeChatServer(QObject* parent = nullptr);
    bool listen();
    QString baseUrl() const;   // "http://127.0.0.1:<port>"
    quint16 port() const { return m_server.serverPort(); }

    void enqueue(const FakeResponse& response) { m_queue.append(response); }
    const QList<RecordedRequest>& requests() const { return m_requests; }
    // Connections the client closed while the response was still being written (cancel).
    int clientAborts() const { return m_clientAborts; }
    // Bytes of the request bodies and headers together, to search for secrets.
    QByteArray everythingReceived() const;

Q_SIGNALS:
    void requestReceived();

private:
    struct Connection;
    void onNewConnection();
    void onReadyRead(Connection* c);
    void respond(Connection* c);
    void writeNextPiece(Connection* c);

    QTcpServer m_server;
    QElapsedTimer m_clock;
    QList<FakeResponse> m_queue;
    QList<RecordedRequest> m_requests;
    QList<std::shared_ptr<Connection>> m_connections;
    int m_clientAborts = 0;
};
