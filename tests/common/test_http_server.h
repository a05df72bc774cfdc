#pragma once
// What the tests' small socket-level HTTP/1.1 servers share (tests/app/backends/fakechatserver,
// tests/app/catalog/rangeserver): accepting connections, and reading a request head.
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <memory>

namespace testhttp {

struct RequestHead {
    QByteArray method;
    QByteArray path;
    QHash<QByteArray, QByteArray> headers;   // names lower-cased, values trimmed
};

// `head`: the bytes before the blank line that ends it ("\r\n\r\n" not included).
inline RequestHead parseRequestHead(const QByteArray& head)
{
    RequestHead r;
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    r.method = requestLine.value(0);
    r.path = requestLine.value(1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            r.headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
    }
    return r;
}

// Each pending connection of `server` kept in `connections` as a new Connection (which has
// `socket` and a `timer`), its socket owned by `owner`: its bytes arriving call onRead, its end
// onClosed, its timer onTimer, each with the Connection.
template <class Connection, class OnRead, class OnClosed, class OnTimer>
void acceptConnections(QTcpServer& server, QObject* owner, QList<std::shared_ptr<Connection>>& connections,
                       OnRead onRead, OnClosed onClosed, OnTimer onTimer)
{
    while (QTcpSocket* socket = server.nextPendingConnection()) {
        auto c = std::make_shared<Connection>();
        c->socket = socket;
        socket->setParent(owner);
        Connection* raw = c.get();
        QObject::connect(socket, &QTcpSocket::readyRead, owner, [onRead, raw] { onRead(raw); });
        QObject::connect(socket, &QTcpSocket::disconnected, owner, [onClosed, raw] { onClosed(raw); });
        QObject::connect(&c->timer, &QTimer::timeout, owner, [onTimer, raw] { onTimer(raw); });
        connections.append(c);
    }
}

}   // namespace testhttp
