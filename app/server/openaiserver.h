#pragma once
// The OpenAI-compatible HTTP door to a ServerEngine: /v1/models, /v1/chat/completions,
// /v1/completions and /health, streamed as server-sent events when asked.
//
// Built on Qt HttpServer 6.4's QAbstractHttpServer, which parses requests and hands over the
// QTcpSocket itself: responses are written on that socket (Content-Length, or chunked for
// SSE), and its disconnected() signal cancels the request's generation at the next token.
// Everything runs on the thread the server lives on; the engine's pieces arrive by queued
// calls, so a slow reader never blocks the engine (its bytes wait in the socket's buffer).
//
// Safety (issue #21): a non-loopback address is refused without an API key; a Host header that
// is not the bound address, an IP literal or localhost is refused (DNS rebinding); a request
// carrying an Origin not listed in allowedOrigins is refused and no CORS header is ever sent
// for it. The engine must stay valid while the server uses it (submit, state); the engine's
// late calls into a destroyed server are dropped, so either may be destroyed first.
#include "openairequest.h"
#include "serverengine.h"

#include <QAbstractHttpServer>
#include <QHash>
#include <QHostAddress>
#include <QPointer>
#include <QStringList>

#include <memory>

class QTcpServer;
class QTcpSocket;

namespace causerie::server {

using Headers = QList<QPair<QByteArray, QByteArray>>;

struct ServerConfig {
    QHostAddress address = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 8080;             // 0: any free port (port() tells which)
    QString apiKey;                  // empty: no key asked (loopback only)
    QStringList allowedOrigins;      // CORS origins ("http://localhost:3000"); empty: none
    qint64 maxBodyBytes = 4 << 20;   // larger bodies → 413
    QStringList modelAliases;        // other ids the model answers to (its catalog id)
};

class OpenAiServer : public QAbstractHttpServer {
    Q_OBJECT
public:
    OpenAiServer(ServerEngine& engine, ServerConfig config, QObject* parent = nullptr);
    ~OpenAiServer() override;

    // Binds and listens. False with *error set (a sentence for the user) when refused or busy.
    bool start(QString* error);
    quint16 port() const { return m_port; }
    QString baseUrl() const;   // "http://127.0.0.1:8080/v1"
    int activeRequests() const { return int(m_streams.size()); }

Q_SIGNALS:
    void activeRequestsChanged(int count);

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override;
    void missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) override;

private:
    struct Stream;
    struct Mailbox;
    class Sink;

    bool hostAllowed(const QByteArray& host) const;
    QStringList aliases() const;   // the config's and the engine's
    bool knownModel(const QString& name) const;
    void startGeneration(QTcpSocket* socket, ParsedRequest parsed, const Headers& cors, bool close);
    void onPiece(quint64 id, const QByteArray& text);
    void onFinished(quint64 id, const GenerationResult& result);
    void endStream(quint64 id);
    void writeEvent(Stream& s, const QByteArray& json);
    void writeStreamHead(Stream& s);

    ServerEngine& m_engine;
    ServerConfig m_config;
    QTcpServer* m_tcp = nullptr;
    quint16 m_port = 0;
    quint64 m_nextId = 1;
    QHash<quint64, std::shared_ptr<Stream>> m_streams;
    std::shared_ptr<Mailbox> m_mailbox;
};

// Whether `address` only reaches this machine (127.0.0.0/8, ::1).
bool isLoopback(const QHostAddress& address);

}   // namespace causerie::server
