// Fuzz target: the SSE stream parser as a remote server's bytes reach it, cut at arbitrary
// points, and the chat-chunk JSON of each event as the remote backend reads it.
// Input: 4 bytes seed the cut points, the rest is the stream.
// Invariant (ssestreamparser.h: chunks may be split at any byte): the stream fed in random
// chunks gives the same events as fed whole, and as fed one byte at a time. A parser with a
// small event bound stops with an error instead of growing, whatever the chunking.
#include "fuzz_common.h"

#include "remoteprotocol.h"
#include "ssestreamparser.h"

#include <QCoreApplication>

using namespace causerie;

namespace {

QList<SseEvent> feedAll(SseStreamParser& p, const QByteArray& stream, uint32_t seed)
{
    QList<SseEvent> out;
    qsizetype pos = 0;
    uint32_t x = seed | 1;
    while (pos < stream.size()) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        // Mostly short chunks, sometimes long ones.
        const qsizetype n = (x & 0x100) ? qsizetype(x % 4096) : qsizetype(x % 8);
        out += p.feed(stream.mid(pos, n));
        pos += n;
    }
    return out;
}

}   // namespace

CAUSERIE_FUZZ_INIT_CORE_APPLICATION()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input in(data, size);
    const uint32_t seed = in.u32();
    const std::string_view rest = in.rest();
    const QByteArray stream(rest.data(), qsizetype(rest.size()));

    SseStreamParser whole;
    const QList<SseEvent> expected = whole.feed(stream);
    FUZZ_CHECK(!whole.hasError());

    SseStreamParser chunked;
    FUZZ_CHECK(feedAll(chunked, stream, seed) == expected);

    SseStreamParser bytes;
    QList<SseEvent> one;
    for (char c : stream)
        one += bytes.feed(QByteArray(1, c));
    FUZZ_CHECK(one == expected);

    SseStreamParser small(64);
    const QList<SseEvent> bounded = feedAll(small, stream, seed ^ 0x9e3779b9u);
    for (const SseEvent& e : bounded)
        FUZZ_CHECK(e.data.size() <= 64);

    for (const SseEvent& e : expected) {
        QString error;
        (void)parseChatChunk(e.data, &error);
    }
    return 0;
}
