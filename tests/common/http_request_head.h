#pragma once
// The request head of an HTTP/1.1 request as the tests' small socket-level servers read it
// (tests/app/backends/fakechatserver, tests/app/catalog/rangeserver).
#include <QByteArray>
#include <QHash>
#include <QList>

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

}   // namespace testhttp
