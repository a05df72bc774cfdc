#pragma once
// Documents made by the tests themselves: DOCX/ODT zips written with libzip, PDFs with a real
// text layer written by QPdfWriter, an image-only PDF, an encrypted and a corrupt PDF by hand.
#include <QByteArray>
#include <QFile>
#include <QImage>
#include <QList>
#include <QPageSize>
#include <QPainter>
#include <QPair>
#include <QPdfWriter>
#include <QString>
#include <QStringList>

#include <zip.h>

namespace docfixtures {

using Entry = QPair<QByteArray, QByteArray>;   // name in the zip, bytes

// `store`: entries kept uncompressed (the mimetype of an ODT).
inline bool writeZip(const QString& path, const QList<Entry>& entries)
{
    int error = 0;
    zip_t* zip = zip_open(QFile::encodeName(path).constData(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (!zip)
        return false;
    for (const Entry& e : entries) {
        zip_source_t* src = zip_source_buffer(zip, e.second.constData(), zip_uint64_t(e.second.size()), 0);
        if (!src || zip_file_add(zip, e.first.constData(), src, ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(src);
            zip_discard(zip);
            return false;
        }
    }
    return zip_close(zip) == 0;   // the buffers are read here: `entries` outlives it
}

struct Para {
    QString text;
    bool heading = false;
};

inline QByteArray docxDocumentXml(const QList<Para>& paras)
{
    QByteArray xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                     "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>";
    for (const Para& p : paras) {
        xml += "<w:p>";
        if (p.heading)
            xml += "<w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr>";
        xml += "<w:r><w:t xml:space=\"preserve\">" + p.text.toHtmlEscaped().toUtf8() + "</w:t></w:r></w:p>";
    }
    return xml + "</w:body></w:document>";
}

inline QByteArray odtContentXml(const QList<Para>& paras)
{
    QByteArray xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
                     "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text>";
    for (const Para& p : paras) {
        const QByteArray t = p.text.toHtmlEscaped().toUtf8();
        xml += p.heading ? "<text:h text:outline-level=\"1\">" + t + "</text:h>" : "<text:p>" + t + "</text:p>";
    }
    return xml + "</office:text></office:body></office:document-content>";
}

inline bool writeDocx(const QString& path, const QList<Para>& paras, QList<Entry> extra = {})
{
    extra.prepend({"word/document.xml", docxDocumentXml(paras)});
    extra.prepend({"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>"});
    return writeZip(path, extra);
}

inline bool writeOdt(const QString& path, const QList<Para>& paras)
{
    return writeZip(path,
                    {{"mimetype", "application/vnd.oasis.opendocument.text"}, {"content.xml", odtContentXml(paras)}});
}

// One page per entry; each page's text drawn as lines (word-wrapped by QPainter).
inline bool writePdf(const QString& path, const QStringList& pages)
{
    QPdfWriter writer(path);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setResolution(72);
    QPainter painter;
    if (!painter.begin(&writer))
        return false;
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSize(9);
    painter.setFont(font);
    for (int i = 0; i < pages.size(); ++i) {
        if (i > 0)
            writer.newPage();
        painter.drawText(QRect(40, 40, 515, 760), Qt::TextWordWrap, pages.at(i));
    }
    return painter.end();
}

// A "scan": a page with only a picture on it, no text layer.
inline bool writeImageOnlyPdf(const QString& path)
{
    QPdfWriter writer(path);
    writer.setResolution(72);
    QPainter painter;
    if (!painter.begin(&writer))
        return false;
    QImage image(200, 100, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter ip(&image);
    ip.fillRect(20, 20, 160, 10, Qt::black);   // looks like a line of text, is pixels
    ip.end();
    painter.drawImage(QRect(40, 40, 400, 200), image);
    return painter.end();
}

// A PDF with the standard security handler (RC4, revision 2) whose /U entry matches no password:
// the empty password is refused, as for any document that needs one.
inline bool writeEncryptedPdf(const QString& path)
{
    const QList<QByteArray> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 5 0 R >>",
        "<< /Filter /Standard /V 1 /R 2 /P -4 /O <" + QByteArray(64, '7') + "> /U <" + QByteArray(64, 'a') + "> >>",
        "<< /Length 8 >>\nstream\n12345678\nendstream",
    };
    QByteArray pdf = "%PDF-1.4\n";
    QList<qsizetype> offsets;
    for (int i = 0; i < objects.size(); ++i) {
        offsets.append(pdf.size());
        pdf += QByteArray::number(i + 1) + " 0 obj\n" + objects.at(i) + "\nendobj\n";
    }
    const qsizetype xref = pdf.size();
    pdf += "xref\n0 " + QByteArray::number(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (qsizetype off : offsets)
        pdf += QByteArray::number(off).rightJustified(10, '0') + " 00000 n \n";
    pdf += "trailer\n<< /Size " + QByteArray::number(objects.size() + 1) +
           " /Root 1 0 R /Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef><0123456789abcdef0123456789abcdef>] "
           ">>\nstartxref\n" +
           QByteArray::number(xref) + "\n%%EOF\n";
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(pdf) == pdf.size();
}

inline bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

}   // namespace docfixtures
