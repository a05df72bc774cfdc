// Fuzz target: the chunker (chunkDocument) on arbitrary sections.
// Input: byte 0 picks the chunk sizes (the app's defaults, or small ones so short inputs reach
// the long-paragraph cuts); the rest is the document, sections separated by NUL bytes, each
// "page\x01heading\x01text" (UTF-8; invalid bytes become U+FFFD; missing parts are empty).
// Invariants (chunker.h): ord counts from 0; every chunk is [start, end) inside fullText(),
// non-empty, after the previous one, trimmed, and its text is exactly that slice of fullText()
// inside one section, whose page and heading it carries; only whitespace lies between and
// around chunks (no text is lost); no chunk is longer than max(targetChars, maxChars); no chunk
// starts or ends inside a surrogate pair.
#include "fuzz_common.h"

#include "chunker.h"

#include <QCoreApplication>

using namespace causerie::documents;

namespace {

bool blank(const QString& s, qsizetype from, qsizetype to)
{
    for (qsizetype i = from; i < to; ++i)
        if (!s.at(i).isSpace())
            return false;
    return true;
}

}   // namespace

CAUSERIE_FUZZ_INIT_CORE_APPLICATION()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    causerie::fuzz::Input in(data, size);
    const uint8_t pick = in.byte();
    ChunkOptions options;
    if (pick & 1) {
        options.targetChars = 2 + (pick >> 1) % 40;
        options.maxChars = options.targetChars + (pick >> 3) % 30;
    }
    ExtractedDocument doc;
    const std::string_view rest = in.rest();
    size_t pos = 0;
    while (!rest.empty() && pos <= rest.size()) {
        size_t end = rest.find('\0', pos);
        if (end == std::string_view::npos)
            end = rest.size();
        const std::string_view sec = rest.substr(pos, end - pos);
        Section s;
        const size_t a = sec.find('\x01');
        const size_t b = a == std::string_view::npos ? a : sec.find('\x01', a + 1);
        if (b != std::string_view::npos) {
            s.page = int(std::min<size_t>(a, 9));   // the length of the first field
            s.heading = QString::fromUtf8(sec.data() + a + 1, qsizetype(b - a - 1));
            s.text = QString::fromUtf8(sec.data() + b + 1, qsizetype(sec.size() - b - 1));
        } else {
            s.text = QString::fromUtf8(sec.data(), qsizetype(sec.size()));
        }
        doc.sections.append(s);
        pos = end + 1;
    }

    const QString full = fullText(doc);
    const QList<Chunk> chunks = chunkDocument(doc, options);
    const qsizetype longest = std::max(options.targetChars, options.maxChars);

    // Where each section lies in fullText().
    QList<qsizetype> sectionStart;
    qsizetype base = 0;
    for (const Section& s : doc.sections) {
        sectionStart.append(base);
        base += s.text.size() + 2;
    }

    qsizetype previousEnd = 0;
    for (qsizetype i = 0; i < chunks.size(); ++i) {
        const Chunk& c = chunks.at(i);
        FUZZ_CHECK(c.ord == i);
        FUZZ_CHECK(0 <= c.start && c.start < c.end && c.end <= full.size());
        FUZZ_CHECK(c.start >= previousEnd);
        FUZZ_CHECK(c.text == full.mid(c.start, c.end - c.start));
        FUZZ_CHECK(c.text == c.text.trimmed());
        FUZZ_CHECK(c.text.size() <= longest);
        FUZZ_CHECK(!c.text.front().isLowSurrogate() && !c.text.back().isHighSurrogate());
        FUZZ_CHECK(blank(full, previousEnd, c.start));
        // The section holding it: the last one starting at or before it.
        qsizetype k = sectionStart.size() - 1;
        while (k > 0 && sectionStart.at(k) > c.start)
            --k;
        const Section& s = doc.sections.at(k);
        FUZZ_CHECK(c.end <= sectionStart.at(k) + s.text.size());
        FUZZ_CHECK(c.page == s.page);
        FUZZ_CHECK(c.heading == s.heading);
        previousEnd = c.end;
    }
    FUZZ_CHECK(blank(full, previousEnd, full.size()));
    return 0;
}
