#pragma once
// Server-sent events (WHATWG HTML §9.2 "event stream interpretation") as bytes arrive:
// lines end in LF, CR or CRLF (a CRLF may be split across two chunks), a blank line
// dispatches the event, `data:` lines of one event are joined with '\n', lines starting
// with ':' are comments, one space after the colon is dropped, a leading UTF-8 BOM is
// skipped. Chunks may be split at any byte, including inside a UTF-8 sequence: the parser
// works on bytes and only complete events leave it. An unterminated event at end of
// stream is discarded, as the spec says.
#include <QByteArray>
#include <QList>

struct SseEvent {
    QByteArray event;   // empty = "message"
    QByteArray data;    // `data:` values joined with '\n', no trailing '\n'
    QByteArray id;

    friend bool operator==(const SseEvent&, const SseEvent&) = default;
};

class SseStreamParser {
public:
    // maxEventBytes bounds the memory one event may take (a hostile or broken server
    // sending one endless line); past it the parser stops with hasError().
    explicit SseStreamParser(qsizetype maxEventBytes = 64 * 1024 * 1024);

    // Returns the events completed by this chunk, in order.
    QList<SseEvent> feed(const QByteArray& chunk);
    void reset();

    bool hasError() const { return m_error; }
    qsizetype maxEventBytes() const { return m_maxEventBytes; }

private:
    void processLine(const char* begin, qsizetype length, QList<SseEvent>& out);

    qsizetype m_maxEventBytes;
    QByteArray m_line;         // bytes of the current, unterminated line
    QByteArray m_startBytes;   // first bytes of the stream, held until the BOM check is done
    SseEvent m_current;
    bool m_hasData = false;   // a `data:` field was seen in the current event
    bool m_atStart = true;
    bool m_lastWasCr = false;
    bool m_error = false;
};
