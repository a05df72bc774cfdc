// DOCX and ODT: one XML part read from the zip in memory (word/document.xml, content.xml) and
// walked with QXmlStreamReader. Nothing is ever extracted to disk, so entry names — "../../x",
// "/etc/passwd" — are never used as paths: only the one part is looked up by its exact name.
#include "extract.h"

#include <QCoreApplication>
#include <QFile>
#include <QXmlStreamReader>

#include <zip.h>

#include <memory>

namespace causerie::documents {

namespace {

struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};

constexpr qint64 kRatioCheckFrom = 1024 * 1024;   // small parts compress well and are harmless

DocResult<QByteArray> readPart(const QString& path, const char* part, const QString& kind, const ExtractLimits& limits)
{
    int code = 0;
    std::unique_ptr<zip_t, ZipCloser> zip(zip_open(QFile::encodeName(path).constData(), ZIP_RDONLY, &code));
    if (!zip)
        return DocError{
            QCoreApplication::translate("Documents", "%1 is not a readable %2 file (damaged zip).").arg(path, kind)};
    const zip_int64_t index = zip_name_locate(zip.get(), part, ZIP_FL_ENC_RAW);
    if (index < 0)
        return DocError{QCoreApplication::translate("Documents", "%1 is not a readable %2 file (it has no %3).")
                            .arg(path, kind, QString::fromLatin1(part))};
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip.get(), zip_uint64_t(index), 0, &st) != 0)
        return DocError{
            QCoreApplication::translate("Documents", "%1 is not a readable %2 file (damaged zip).").arg(path, kind)};
    const qint64 declared = (st.valid & ZIP_STAT_SIZE) ? qint64(st.size) : 0;
    const qint64 compressed = (st.valid & ZIP_STAT_COMP_SIZE) ? std::max<qint64>(1, qint64(st.comp_size)) : 1;
    const auto tooLarge = [&](qint64 bytes) {
        return DocError{QCoreApplication::translate("Documents",
                                                    "%1 was refused: its text would be %2 once unzipped (the limit is "
                                                    "%3, and at most %4 times its compressed size).")
                            .arg(path, formatBytes(bytes), formatBytes(limits.maxUnzippedBytes))
                            .arg(limits.maxZipRatio)};
    };
    const auto overRatio = [&](qint64 bytes) {
        return bytes > kRatioCheckFrom && bytes / compressed > limits.maxZipRatio;
    };
    // The header's word first, then the real bytes: a header that lies stops at the same limits.
    if (declared > limits.maxUnzippedBytes || overRatio(declared))
        return tooLarge(declared);
    std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(zip.get(), zip_uint64_t(index), 0));
    if (!file)
        return DocError{
            QCoreApplication::translate("Documents", "%1 is not a readable %2 file (damaged zip).").arg(path, kind)};
    QByteArray out;
    out.reserve(qsizetype(std::min<qint64>(declared, limits.maxUnzippedBytes)));
    char buffer[64 * 1024];
    for (;;) {
        const zip_int64_t n = zip_fread(file.get(), buffer, sizeof buffer);
        if (n < 0)
            return DocError{QCoreApplication::translate("Documents", "%1 is not a readable %2 file (damaged zip).")
                                .arg(path, kind)};
        if (n == 0)
            break;
        out.append(buffer, qsizetype(n));
        if (out.size() > limits.maxUnzippedBytes || overRatio(out.size()))
            return tooLarge(out.size());
    }
    return out;
}

// Neither format has a DTD; one could declare entities that expand a few bytes into thousands of
// characters each (QXmlStreamReader allows 4096 per entity), so the text could outgrow any zip limit.
// The next token into *token; false at the end or at a document type declaration, which is
// refused (no entities from the file).
bool nextToken(QXmlStreamReader& xml, QXmlStreamReader::TokenType* token)
{
    if (xml.atEnd())
        return false;
    *token = xml.readNext();
    if (*token == QXmlStreamReader::DTD) {
        xml.raiseError(QCoreApplication::translate("Documents", "unexpected document type declaration"));
        return false;
    }
    return true;
}

// The paragraph being read; a paragraph nested in it (a text box's) joins it on a new line.
struct Paragraph {
    int depth = 0;
    QString text;
    bool heading = false;

    void open(bool isHeading)
    {
        if (depth++ == 0) {
            text.clear();
            heading = isHeading;
        } else {
            text += QLatin1Char('\n');
        }
    }
    // True when the outermost paragraph ends.
    bool close() { return depth > 0 && --depth == 0; }
};

// Collects paragraphs into sections; a heading paragraph starts a new section.
class SectionBuilder {
public:
    explicit SectionBuilder(Format format) { m_doc.format = format; }

    void paragraph(const QString& text, bool heading)
    {
        const QString t = text.trimmed();
        if (heading) {
            flush();
            m_section.heading = t.simplified();
            return;
        }
        if (t.isEmpty())
            return;
        if (!m_section.text.isEmpty())
            m_section.text += QLatin1String("\n\n");
        m_section.text += t;
    }

    ExtractedDocument finish()
    {
        flush();
        return std::move(m_doc);
    }

private:
    void flush()
    {
        if (!m_section.text.isEmpty() || !m_section.heading.isEmpty())
            m_doc.sections.append(m_section);
        m_section = Section();
    }

    ExtractedDocument m_doc;
    Section m_section;
};

// word/document.xml: w:p paragraphs, w:t text; a paragraph styled Heading*/Title or with an
// outline level is a heading. Paragraphs nested in a text box join their outer paragraph.
ExtractedDocument parseDocx(QXmlStreamReader& xml)
{
    SectionBuilder out(Format::Docx);
    Paragraph p;   // w:p
    QXmlStreamReader::TokenType token;
    while (nextToken(xml, &token)) {
        if (token == QXmlStreamReader::StartElement) {
            const auto name = xml.name();
            if (name == QLatin1String("p")) {
                p.open(false);
            } else if (p.depth > 0 && name == QLatin1String("pStyle")) {
                const auto style = xml.attributes().value(QLatin1String("w:val")).toString().toLower();
                p.heading = p.heading || style.startsWith(QLatin1String("heading")) || style == QLatin1String("title");
            } else if (p.depth > 0 && name == QLatin1String("outlineLvl")) {
                p.heading = true;
            } else if (p.depth > 0 && name == QLatin1String("t")) {
                p.text += xml.readElementText(QXmlStreamReader::IncludeChildElements);
            } else if (p.depth > 0 && name == QLatin1String("tab")) {
                p.text += QLatin1Char('\t');
            } else if (p.depth > 0 && (name == QLatin1String("br") || name == QLatin1String("cr"))) {
                p.text += QLatin1Char('\n');
            }
        } else if (token == QXmlStreamReader::EndElement && xml.name() == QLatin1String("p") && p.close()) {
            out.paragraph(p.text, p.heading);
        }
    }
    return out.finish();
}

// content.xml: text:h headings, text:p paragraphs (lists and tables hold text:p too); text:s is
// c spaces, text:tab a tab, text:line-break a newline.
// `spaces` bounds the spaces all text:s may add (the part's size): a few bytes each ask for up
// to 1024.
ExtractedDocument parseOdt(QXmlStreamReader& xml, qint64 spaces)
{
    SectionBuilder out(Format::Odt);
    Paragraph p;    // text:p or text:h
    int skip = 0;   // inside a note citation (the footnote number)
    QXmlStreamReader::TokenType token;
    while (nextToken(xml, &token)) {
        if (token == QXmlStreamReader::StartElement) {
            const auto name = xml.name();
            if (name == QLatin1String("p") || name == QLatin1String("h")) {
                p.open(name == QLatin1String("h"));
            } else if (p.depth > 0 && name == QLatin1String("s")) {
                const int count = std::clamp(xml.attributes().value(QLatin1String("text:c")).toInt(), 1, 1024);
                const int added = int(std::min<qint64>(count, spaces));
                spaces -= added;
                p.text += QString(added, QLatin1Char(' '));
            } else if (p.depth > 0 && name == QLatin1String("tab")) {
                p.text += QLatin1Char('\t');
            } else if (p.depth > 0 && name == QLatin1String("line-break")) {
                p.text += QLatin1Char('\n');
            } else if (name == QLatin1String("note-citation")) {
                ++skip;
            }
        } else if (token == QXmlStreamReader::Characters) {
            if (p.depth > 0 && skip == 0)
                p.text += xml.text();
        } else if (token == QXmlStreamReader::EndElement) {
            const auto name = xml.name();
            if (name == QLatin1String("note-citation"))
                skip = std::max(0, skip - 1);
            else if ((name == QLatin1String("p") || name == QLatin1String("h")) && p.close())
                out.paragraph(p.text, p.heading);
        }
    }
    return out.finish();
}

}   // namespace

DocResult<ExtractedDocument> extractZippedXml(const QString& path, Format format, const ExtractLimits& limits)
{
    const bool docx = format == Format::Docx;
    const QString kind = docx ? QStringLiteral("DOCX") : QStringLiteral("ODT");
    auto bytes = readPart(path, docx ? "word/document.xml" : "content.xml", kind, limits);
    if (!bytes)
        return bytes.error();
    QXmlStreamReader xml(bytes.value());
    ExtractedDocument doc = docx ? parseDocx(xml) : parseOdt(xml, bytes.value().size());
    if (xml.hasError())
        return DocError{QCoreApplication::translate("Documents", "%1 is not a readable %2 file (damaged XML: %3).")
                            .arg(path, kind, xml.errorString())};
    return doc;
}

}   // namespace causerie::documents
