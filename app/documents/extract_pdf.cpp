// PDF through Qt PDF (pdfium): one section per page that has text. pdfium serialises its own
// calls behind a global lock, so this is safe on the indexer's thread.
#include "extract.h"

#include <QCoreApplication>
#include <QPdfDocument>
#include <QPdfSelection>

namespace causerie::documents {

DocResult<ExtractedDocument> extractPdf(const QString& path, const ExtractLimits& limits)
{
    Q_UNUSED(limits);   // the file size was checked by extractFile
    QPdfDocument pdf;
    const QPdfDocument::Error error = pdf.load(path);
    switch (error) {
    case QPdfDocument::Error::None: break;
    case QPdfDocument::Error::IncorrectPassword:
    case QPdfDocument::Error::UnsupportedSecurityScheme:
        return DocError{
            QCoreApplication::translate("Documents", "%1 is encrypted (password-protected): not read.").arg(path)};
    case QPdfDocument::Error::FileNotFound:
        return DocError{
            QCoreApplication::translate("Documents", "%1 could not be read (moved or deleted?).").arg(path)};
    default:
        return DocError{
            QCoreApplication::translate("Documents", "%1 is not a readable PDF (damaged, or not a PDF at all).")
                .arg(path)};
    }
    ExtractedDocument doc;
    doc.format = Format::Pdf;
    const int pages = pdf.pageCount();
    for (int page = 0; page < pages; ++page) {
        QString text = pdf.getAllText(page).text();
        text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
        text.replace(QLatin1Char('\r'), QLatin1Char('\n'));
        text = text.trimmed();
        if (text.isEmpty())
            continue;
        Section s;
        s.page = page + 1;
        s.text = text;
        doc.sections.append(s);
    }
    if (doc.sections.isEmpty())
        return DocError{QCoreApplication::translate(
                            "Documents", "%1 has no text layer (scanned: no text found); reading it would need OCR.")
                            .arg(path)};
    return doc;
}

}   // namespace causerie::documents
