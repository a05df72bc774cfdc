#pragma once
// Text extraction: one file → its text in sections, each with its page (PDF) or heading
// (Markdown, HTML, DOCX, ODT). Runs on any thread (the indexer's worker): nothing here touches
// the GUI. Every refusal is a DocError naming the file.
//
//   auto doc = extractFile("/home/me/report.pdf");
//   if (!doc) show(doc.error().message);   // "... has no text layer (scanned: no text found) ..."
//   for (const Section& s : doc->sections) ... s.page (1-based, 0 = none), s.heading, s.text
#include "docresult.h"

#include <QList>
#include <QString>

namespace causerie::documents {

// What a file may cost before anything is read. A file over maxFileBytes is refused from its size
// alone (a 2 GB file costs one stat); a zipped part (DOCX, ODT) is refused when its declared size
// passes maxUnzippedBytes or its compression ratio passes maxZipRatio, and the bytes really
// inflated are counted too, so a lying header stops at the same limit.
struct ExtractLimits {
    qint64 maxFileBytes = 256LL * 1024 * 1024;
    qint64 maxUnzippedBytes = 64LL * 1024 * 1024;
    int maxZipRatio = 100;          // uncompressed / compressed, for parts over 1 MB
    double maxBinaryRatio = 0.30;   // control + invalid UTF-8 bytes in a text file's head
};

enum class Format { Text, Markdown, Code, Html, Pdf, Docx, Odt };

struct Section {
    int page = 0;   // 1-based PDF page; 0 where pages do not apply
    QString heading;
    QString text;   // paragraphs separated by a blank line ("\n\n")
};

struct ExtractedDocument {
    Format format = Format::Text;
    QList<Section> sections;
};

// The format a file name says (suffix); unknown suffixes are read as text if they look like text.
Format formatForPath(const QString& path);
QString formatName(Format format);
// Whether a library picks the file up: a known document, text or source suffix (pictures,
// archives and programs in a folder are left alone rather than reported one by one).
bool isSupportedDocument(const QString& path);

DocResult<ExtractedDocument> extractFile(const QString& path, const ExtractLimits& limits = {});

// The parts, exposed for tests and for attachments already in memory. `path` only names the file
// in messages.
DocResult<ExtractedDocument> extractTextBytes(const QString& path, const QByteArray& bytes, Format format,
                                              const ExtractLimits& limits = {});
// Strips HTML to sections (one per h1–h6) in one bounded pass; script, style and comments dropped.
ExtractedDocument htmlToSections(const QString& html);
// Splits Markdown at its ATX headings ("## Title"), fences respected.
ExtractedDocument markdownToSections(const QString& markdown);
DocResult<ExtractedDocument> extractPdf(const QString& path, const ExtractLimits& limits);
DocResult<ExtractedDocument> extractZippedXml(const QString& path, Format format, const ExtractLimits& limits);

// Bytes → text: UTF-8 (invalid sequences become U+FFFD) or UTF-16 with a BOM; a DocError
// "... is not a text file" when NUL bytes or too many control/invalid bytes say it is binary.
DocResult<QString> decodeText(const QString& path, const QByteArray& bytes, const ExtractLimits& limits);

// "1.5 MB", for messages.
QString formatBytes(qint64 bytes);

}   // namespace causerie::documents
