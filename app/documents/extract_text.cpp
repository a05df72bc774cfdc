// Plain text, source code and Markdown: bytes decoded (binary refused, invalid UTF-8 replaced),
// Markdown split at its headings.
#include "extract.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QStringDecoder>

namespace causerie::documents {

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 when it is invalid.
int utf8SequenceLength(const unsigned char* s, qsizetype i, qsizetype n)
{
    const unsigned char c = s[i];
    int len = 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (i + len > n)
        return 0;
    for (int k = 1; k < len; ++k) {
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
    }
    // Overlong and surrogate forms.
    if (c == 0xE0 && s[i + 1] < 0xA0)
        return 0;
    if (c == 0xED && s[i + 1] >= 0xA0)
        return 0;
    if (c == 0xF0 && s[i + 1] < 0x90)
        return 0;
    if (c == 0xF4 && s[i + 1] >= 0x90)
        return 0;
    return len;
}

QString normaliseNewlines(QString text)
{
    text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    text.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    return text;
}

// QStringDecoder passes UTF-16's unpaired surrogates through; they become U+FFFD, as invalid
// UTF-8 does, so every extracted text is valid UTF-16.
QString replaceLoneSurrogates(QString text)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i).isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate())
            ++i;
        else if (text.at(i).isSurrogate())
            text[i] = QChar::ReplacementCharacter;
    }
    return text;
}

}   // namespace

DocResult<QString> decodeText(const QString& path, const QByteArray& bytes, const ExtractLimits& limits)
{
    if (bytes.startsWith("\xFF\xFE") || bytes.startsWith("\xFE\xFF")) {
        QStringDecoder decoder(QStringDecoder::Utf16, QStringDecoder::Flag::Stateless);
        return normaliseNewlines(replaceLoneSurrogates(decoder(bytes)));
    }
    const QByteArray body = bytes.startsWith("\xEF\xBB\xBF") ? bytes.mid(3) : bytes;
    // The head decides: a NUL byte, or too many control and invalid bytes, means binary.
    const qsizetype head = std::min<qsizetype>(body.size(), 64 * 1024);
    const auto* s = reinterpret_cast<const unsigned char*>(body.constData());
    qsizetype suspicious = 0;
    for (qsizetype i = 0; i < head;) {
        const unsigned char c = s[i];
        if (c == 0)
            return DocError{
                QCoreApplication::translate("Documents", "%1 is not a text file (it holds binary data).").arg(path)};
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1B) {
            ++suspicious;
            ++i;
            continue;
        }
        const int len = utf8SequenceLength(s, i, body.size());
        if (len == 0) {
            ++suspicious;
            ++i;
        } else {
            i += len;
        }
    }
    if (head > 0 && double(suspicious) / double(head) > limits.maxBinaryRatio)
        return DocError{
            QCoreApplication::translate("Documents", "%1 is not a text file (it holds binary data).").arg(path)};
    // Qt replaces each invalid sequence with U+FFFD: a stray Latin-1 byte costs one character.
    return normaliseNewlines(QString::fromUtf8(body));
}

ExtractedDocument markdownToSections(const QString& markdown)
{
    static const QRegularExpression atx(QStringLiteral("^ {0,3}(#{1,6})[ \\t]+(.*?)(?:[ \\t]+#+)?[ \\t]*$"));
    ExtractedDocument doc;
    doc.format = Format::Markdown;
    Section current;
    QString fence;   // the fence that opened the current code block, empty outside one
    const auto flush = [&] {
        current.text = current.text.trimmed();
        if (!current.text.isEmpty() || !current.heading.isEmpty())
            doc.sections.append(current);
        current = Section();
    };
    const QStringList lines = markdown.split(QLatin1Char('\n'));
    for (const QString& line : lines) {
        const QString trimmed = line.trimmed();
        if (fence.isEmpty() && (trimmed.startsWith(QLatin1String("```")) || trimmed.startsWith(QLatin1String("~~~")))) {
            fence = trimmed.left(3);
        } else if (!fence.isEmpty() && trimmed.startsWith(fence)) {
            fence.clear();
        } else if (fence.isEmpty()) {
            const auto m = atx.match(line);
            if (m.hasMatch()) {
                flush();
                current.heading = m.captured(2).trimmed();
                continue;
            }
        }
        current.text += line;
        current.text += QLatin1Char('\n');
    }
    flush();
    return doc;
}

DocResult<ExtractedDocument> extractTextBytes(const QString& path, const QByteArray& bytes, Format format,
                                              const ExtractLimits& limits)
{
    auto text = decodeText(path, bytes, limits);
    if (!text)
        return text.error();
    if (format == Format::Markdown)
        return markdownToSections(text.value());
    if (format == Format::Html)
        return htmlToSections(text.value());
    ExtractedDocument doc;
    doc.format = format == Format::Code ? Format::Code : Format::Text;
    Section s;
    s.text = text.value();
    if (!s.text.trimmed().isEmpty())
        doc.sections.append(s);
    return doc;
}

}   // namespace causerie::documents
