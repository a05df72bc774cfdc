#pragma once
// A small HTTP/1.1 file server on 127.0.0.1 for the downloader tests, written on QTcpServer
// rather than QHttpServer because the tests need socket-level control QHttpServer 6.4 does not
// give a handler: cut the connection in the middle of a body, ignore or misanswer a Range
// request, pace the body in timed pieces. Serves `content` at /model.gguf, a 302 to it at
// /redirect, 404 elsewhere; one request per connection (Connection: close). Every request's
// method, path and headers are recorded. HEAD gets the headers GET would get, without a body.
// /hub/model.gguf acts as a Hugging Face /resolve/ URL: a 302 to /model.gguf carrying the
// X-Linked-Etag / X-Linked-Size / X-Repo-Commit headers set below; /renamed/model.gguf is a
// relative 307 to it (a renamed repository).
#include "../../common/test_http_server.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QTcpServer>

#include <memory>

using RangeServerRequest = testhttp::RequestHead;

class RangeServer : public QObject {
    Q_OBJECT
public:
    explicit RangeServer(const QByteArray& content, QObject* parent = nullptr);
    ~RangeServer() override;
    bool listen();
    QString url(const char* path) const;   // "http://127.0.0.1:<port><path>"

    bool honorRange = true;        // false: answer 200 with the whole file to a Range request
    qint64 wrongRangeStart = -1;   // >= 0: answer 206 claiming to start at this byte
    bool answer416 = false;        // answer every Range request with 416 (else only past the end)
    qsizetype pieceSize = 0;       // body in pieces of this many bytes; 0 = all at once
    int pieceDelayMs = 0;
    qint64 cutAfterOnce = -1;   // next response: close after this many body bytes
    QByteArray hubEtag;         // X-Linked-Etag of /hub/model.gguf, sent as is when not empty
    QByteArray hubSize;         // X-Linked-Size, idem
    QByteArray hubCommit;       // X-Repo-Commit, idem
    bool refuseHead = false;    // answer HEAD with 405

    QList<RangeServerRequest> requests(const char* method) const;   // only those with this method

    const QList<RangeServerRequest>& requests() const { return m_requests; }

private:
    struct Connection;
    void onReadyRead(Connection* c);
    void respond(Connection* c);
    void writeNextPiece(Connection* c);

    QByteArray m_content;
    QTcpServer m_server;
    QList<RangeServerRequest> m_requests;
    QList<std::shared_ptr<Connection>> m_connections;
};
