// Extraction entry point: the size limit first (from a stat, before any byte is read), then the
// reader for the format the file name says.
#include "extract.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QSet>

namespace causerie::documents {

namespace {

const QSet<QString>& codeSuffixes()
{
    static const QSet<QString> s = {
        QStringLiteral("c"),     QStringLiteral("cc"),    QStringLiteral("cpp"),  QStringLiteral("cxx"),
        QStringLiteral("h"),     QStringLiteral("hh"),    QStringLiteral("hpp"),  QStringLiteral("py"),
        QStringLiteral("js"),    QStringLiteral("ts"),    QStringLiteral("tsx"),  QStringLiteral("jsx"),
        QStringLiteral("rs"),    QStringLiteral("go"),    QStringLiteral("java"), QStringLiteral("kt"),
        QStringLiteral("swift"), QStringLiteral("rb"),    QStringLiteral("php"),  QStringLiteral("cs"),
        QStringLiteral("lua"),   QStringLiteral("pl"),    QStringLiteral("sh"),   QStringLiteral("bash"),
        QStringLiteral("qml"),   QStringLiteral("cmake"), QStringLiteral("sql"),  QStringLiteral("css"),
        QStringLiteral("json"),  QStringLiteral("yaml"),  QStringLiteral("yml"),  QStringLiteral("toml"),
        QStringLiteral("ini"),   QStringLiteral("cfg"),   QStringLiteral("xml"),  QStringLiteral("csv"),
        QStringLiteral("tex"),   QStringLiteral("el"),    QStringLiteral("hs"),   QStringLiteral("ml"),
        QStringLiteral("scala"), QStringLiteral("r"),     QStringLiteral("m"),    QStringLiteral("mm"),
    };
    return s;
}

}   // namespace

Format formatForPath(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("md") || suffix == QLatin1String("markdown"))
        return Format::Markdown;
    if (suffix == QLatin1String("html") || suffix == QLatin1String("htm") || suffix == QLatin1String("xhtml"))
        return Format::Html;
    if (suffix == QLatin1String("pdf"))
        return Format::Pdf;
    if (suffix == QLatin1String("docx"))
        return Format::Docx;
    if (suffix == QLatin1String("odt"))
        return Format::Odt;
    if (codeSuffixes().contains(suffix))
        return Format::Code;
    return Format::Text;
}

bool isSupportedDocument(const QString& path)
{
    static const QSet<QString> text = {QStringLiteral("txt"), QStringLiteral("text"), QStringLiteral("rst"),
                                       QStringLiteral("log"), QStringLiteral("org"),  QStringLiteral("adoc")};
    const QString suffix = QFileInfo(path).suffix().toLower();
    return formatForPath(path) != Format::Text || text.contains(suffix);
}

QString formatName(Format format)
{
    switch (format) {
    case Format::Text: return QStringLiteral("text");
    case Format::Markdown: return QStringLiteral("markdown");
    case Format::Code: return QStringLiteral("code");
    case Format::Html: return QStringLiteral("html");
    case Format::Pdf: return QStringLiteral("pdf");
    case Format::Docx: return QStringLiteral("docx");
    case Format::Odt: return QStringLiteral("odt");
    }
    return QStringLiteral("text");
}

QString formatBytes(qint64 bytes)
{
    if (bytes >= 1024LL * 1024 * 1024)
        return QStringLiteral("%1 GB").arg(double(bytes) / (1024.0 * 1024 * 1024), 0, 'f', 1);
    if (bytes >= 1024 * 1024)
        return QStringLiteral("%1 MB").arg(double(bytes) / (1024.0 * 1024), 0, 'f', 1);
    if (bytes >= 1024)
        return QStringLiteral("%1 KB").arg(double(bytes) / 1024.0, 0, 'f', 1);
    return QStringLiteral("%1 bytes").arg(bytes);
}

DocResult<ExtractedDocument> extractFile(const QString& path, const ExtractLimits& limits)
{
    const QFileInfo info(path);
    if (!info.exists())
        return DocError{QCoreApplication::translate("Documents", "%1 does not exist (moved or deleted?).").arg(path)};
    if (info.isDir())
        return DocError{QCoreApplication::translate("Documents", "%1 is a folder, not a document.").arg(path)};
    if (info.size() > limits.maxFileBytes)
        return DocError{QCoreApplication::translate("Documents", "%1 is too large (%2; the limit is %3): not read.")
                            .arg(path, formatBytes(info.size()), formatBytes(limits.maxFileBytes))};
    const Format format = formatForPath(path);
    if (format == Format::Pdf)
        return extractPdf(path, limits);
    if (format == Format::Docx || format == Format::Odt)
        return extractZippedXml(path, format, limits);

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return DocError{
            QCoreApplication::translate("Documents", "%1 could not be read: %2.").arg(path, file.errorString())};
    // Read at most the limit (+1 to notice a file that grew since the stat).
    const QByteArray bytes = file.read(limits.maxFileBytes + 1);
    if (bytes.size() > limits.maxFileBytes)
        return DocError{QCoreApplication::translate("Documents", "%1 is too large (the limit is %2): not read.")
                            .arg(path, formatBytes(limits.maxFileBytes))};
    return extractTextBytes(path, bytes, format, limits);
}

}   // namespace causerie::documents
