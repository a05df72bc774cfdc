// Fuzz target: the HTML stripper of document extraction (tags, entities, comments, script/style
// skipped, h1–h6 sections), on arbitrary bytes as a library file would give them.
// Input: the file's bytes. They go through extractTextBytes(Html) as the indexer reads a .html
// file (decoding, binary refusal) and, decoded as UTF-8, straight through htmlToSections so the
// stripper sees every input, binary ones included.
// Invariants: the result is valid UTF-16 (no lone surrogate: entities such as &#xD800; must not
// make one); no section is empty; a section's text is trimmed and its heading simplified; the
// text is never longer than the input plus the paragraph breaks block tags add (one pass, no
// amplification), so the cost stays linear.
#include "fuzz_sections.h"

#include <QCoreApplication>

using namespace causerie::documents;
using namespace causerie::fuzz;

namespace {

void checkDocument(const ExtractedDocument& doc, qsizetype inputChars)
{
    FUZZ_CHECK(doc.format == Format::Html);
    qsizetype total = 0;
    for (const Section& s : doc.sections)
        total += checkPagelessSection(s);
    // Every output character comes from at least one input character, except the "\n\n" a
    // block tag ("<p>", three characters at least) writes: at most 2 per 3 input characters.
    FUZZ_CHECK(total <= inputChars + 2 * (inputChars / 3 + 1));
}

}   // namespace

CAUSERIE_FUZZ_INIT_CORE_APPLICATION()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    const auto viaFile = extractTextBytes(QStringLiteral("fuzz.html"), bytes, Format::Html);
    if (viaFile) {
        // Decoded text is at most one UTF-16 unit per byte (UTF-8) or per two bytes (UTF-16).
        checkDocument(viaFile.value(), qsizetype(size));
    } else {
        FUZZ_CHECK(viaFile.error().message.contains(QLatin1String("fuzz.html")));
    }
    const QString html = QString::fromUtf8(bytes);
    checkDocument(htmlToSections(html), html.size());
    return 0;
}
