#include "ssestreamparser.h"

#include <cstring>

namespace {
const QByteArray kBom("\xEF\xBB\xBF");
}

SseStreamParser::SseStreamParser(qsizetype maxEventBytes)
    : m_maxEventBytes(maxEventBytes)
{
}

void SseStreamParser::reset() { *this = SseStreamParser(m_maxEventBytes); }

QList<SseEvent> SseStreamParser::feed(const QByteArray& chunk)
{
    QList<SseEvent> out;
    if (m_error || chunk.isEmpty())
        return out;

    QByteArray bytes = chunk;
    if (m_atStart) {
        m_startBytes += chunk;
        if (m_startBytes.size() < kBom.size() && kBom.startsWith(m_startBytes))
            return out;   // still could be a BOM
        m_atStart = false;
        bytes = m_startBytes.startsWith(kBom) ? m_startBytes.mid(kBom.size()) : m_startBytes;
        m_startBytes.clear();
    }

    const char* p = bytes.constData();
    const char* const end = p + bytes.size();
    if (m_lastWasCr && p < end && *p == '\n')
        ++p;   // second half of a CRLF split across chunks
    m_lastWasCr = false;

    while (p < end && !m_error) {
        // Find the next terminator in this chunk.
        const char* q = p;
        while (q < end && *q != '\n' && *q != '\r')
            ++q;
        if (q == end) {
            m_line.append(p, end - p);
            if (m_line.size() + m_current.data.size() > m_maxEventBytes)
                m_error = true;
            break;
        }
        if (m_line.isEmpty()) {
            processLine(p, q - p, out);
        } else {
            m_line.append(p, q - p);
            processLine(m_line.constData(), m_line.size(), out);
            m_line.clear();
        }
        if (*q == '\r') {
            if (q + 1 < end) {
                if (q[1] == '\n')
                    ++q;
            } else {
                m_lastWasCr = true;
            }
        }
        p = q + 1;
    }
    return out;
}

void SseStreamParser::processLine(const char* begin, qsizetype length, QList<SseEvent>& out)
{
    if (length == 0) {
        if (m_hasData) {
            if (m_current.data.endsWith('\n'))
                m_current.data.chop(1);
            out.append(m_current);
        }
        // The spec keeps the last event id across events; type and data are per event.
        const QByteArray lastId = m_current.id;
        m_current = SseEvent{};
        m_current.id = lastId;
        m_hasData = false;
        return;
    }
    if (begin[0] == ':')
        return;   // comment (servers send these as keep-alives)

    const char* colon = static_cast<const char*>(std::memchr(begin, ':', size_t(length)));
    const qsizetype nameLength = colon ? colon - begin : length;
    const QByteArray name(begin, nameLength);
    QByteArray value;
    if (colon) {
        const char* v = colon + 1;
        if (v < begin + length && *v == ' ')
            ++v;
        value = QByteArray(v, begin + length - v);
    }

    if (name == "data") {
        m_current.data += value;
        m_current.data += '\n';
        m_hasData = true;
        if (m_current.data.size() > m_maxEventBytes)
            m_error = true;
    } else if (name == "event") {
        m_current.event = value;
    } else if (name == "id") {
        if (!value.contains('\0'))
            m_current.id = value;
    }
    // "retry" and unknown fields are ignored: reconnection is decided by the backend.
}
