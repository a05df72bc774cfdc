// Fuzz target: DOCX and ODT extraction (extractZippedXml: the part read from the zip through
// libzip within the size and ratio limits, then walked with QXmlStreamReader).
// Input: byte 0 picks DOCX or ODT (bit 0) and what the rest is (bit 1): the whole file, read as
// a zip however broken, or the XML part itself (word/document.xml, content.xml), stored in a valid
// zip written here so the XML walk is reached on every run. extractZippedXml reads a path, so the
// zip goes to one temporary file per process.
// Invariants: a refusal names the file; a result has the asked format, no empty section, trimmed
// texts and simplified headings, valid UTF-16, and at most two characters per byte of the part:
// one from its text, one from the spaces all ODT text:s may add together (no DTD entities, no
// 1024-space runs for 23 bytes each).
#include "fuzz_sections.h"

#include <QCoreApplication>

#include <unistd.h>
#include <zip.h>

using namespace causerie::documents;
using namespace causerie::fuzz;

namespace {

std::string& tempPath()
{
    static std::string path;
    return path;
}

void removeTemp() { ::unlink(tempPath().c_str()); }

bool writeFile(const std::string_view bytes)
{
    std::FILE* f = std::fopen(tempPath().c_str(), "wb");
    if (!f)
        return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
}

// A valid zip holding `part` (stored, not compressed) as `name`, plus the mimetype entry both
// formats start with.
bool writeZip(const char* name, const std::string_view part, const char* mimetype)
{
    int code = 0;
    zip_t* z = zip_open(tempPath().c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (!z)
        return false;
    bool ok = true;
    for (const auto& [entry, bytes] : {std::pair{"mimetype", std::string_view(mimetype)}, std::pair{name, part}}) {
        zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
        const zip_int64_t index = src ? zip_file_add(z, entry, src, ZIP_FL_OVERWRITE) : -1;
        if (index < 0) {
            zip_source_free(src);
            ok = false;
            break;
        }
        ok = ok && zip_set_file_compression(z, zip_uint64_t(index), ZIP_CM_STORE, 0) == 0;
    }
    if (!ok) {
        zip_discard(z);
        return false;
    }
    return zip_close(z) == 0;
}

}   // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    if (!QCoreApplication::instance())
        new QCoreApplication(*argc, *argv);
    if (tempPath().empty()) {
        const char* tmp = std::getenv("TMPDIR");
        std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/causerie-fuzz-office-XXXXXX";
        const int fd = ::mkstemp(path.data());
        if (fd < 0) {
            std::fprintf(stderr, "fuzz: cannot create %s\n", path.c_str());
            std::abort();
        }
        ::close(fd);
        tempPath() = path;
        std::atexit(removeTemp);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    causerie::fuzz::Input in(data, size);
    const uint8_t pick = in.byte();
    const bool docx = (pick & 1) == 0;
    const bool xmlOnly = (pick & 2) != 0;
    const std::string_view rest = in.rest();
    const bool written = xmlOnly ? writeZip(docx ? "word/document.xml" : "content.xml", rest,
                                            docx ? "application/vnd.openxmlformats-officedocument"
                                                 : "application/vnd.oasis.opendocument.text")
                                 : writeFile(rest);
    FUZZ_CHECK(written);

    const QString path = QString::fromStdString(tempPath());
    const Format format = docx ? Format::Docx : Format::Odt;
    const auto doc = extractZippedXml(path, format, ExtractLimits());
    if (!doc) {
        FUZZ_CHECK(doc.error().message.contains(path));
        return 0;
    }
    FUZZ_CHECK(doc->format == format);
    qsizetype total = 0;
    for (const Section& s : doc->sections)
        total += checkPagelessSection(s);
    if (xmlOnly)
        FUZZ_CHECK(total <= 2 * qsizetype(rest.size()));
    return 0;
}
