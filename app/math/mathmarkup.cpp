#include "mathmarkup.h"
#include "mathimage.h"

#include <QQuickTextDocument>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFragment>
#include <QUrl>

namespace math {

QString encodeSource(const QString& latex)
{
    return QString::fromLatin1(latex.toUtf8().toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString decodeSource(QStringView encoded)
{
    if (encoded.isEmpty() || encoded.size() > 4 * kMaxSourceChars)
        return {};
    for (QChar c : encoded)
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != QLatin1Char('-') && c != QLatin1Char('_'))
            return {};
    const auto decoded = QByteArray::fromBase64Encoding(
        encoded.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return {};
    return QString::fromUtf8(*decoded);
}

QString relativeSource(const QString& latex, bool display, int pixelSize)
{
    return QStringLiteral("%1/%2/%3")
        .arg(display ? QLatin1Char('d') : QLatin1Char('i'))
        .arg(pixelSize)
        .arg(encodeSource(latex));
}

bool sourceFromImageName(const QString& name, QString* latex, bool* display)
{
    QStringView rest(name);
    if (rest.startsWith(QLatin1String("image://math/"))) {   // resolved: drop the colour and ratio
        rest = rest.mid(13);
        for (int i = 0; i < 2; ++i) {
            const qsizetype slash = rest.indexOf(QLatin1Char('/'));
            if (slash < 0)
                return false;
            rest = rest.mid(slash + 1);
        }
    }
    const QList<QStringView> parts = rest.split(QLatin1Char('/'));
    if (parts.size() != 3 || (parts[0] != QLatin1String("i") && parts[0] != QLatin1String("d")))
        return false;
    bool ok = false;
    if (parts[1].toInt(&ok) <= 0 || !ok)
        return false;
    const QString s = decodeSource(parts[2]);
    if (s.isEmpty())
        return false;
    *latex = s;
    *display = parts[0] == QLatin1String("d");
    return true;
}

QString imageTag(const QString& latex, bool display, int pixelSize)
{
    const Mode mode = display ? Mode::Display : Mode::Inline;
    const Layout l = cachedLayout(latex, mode);
    if (!l.ok())
        return {};
    // Inside a paragraph even display math is placed as an inline image: padded like one.
    const ImageGeometry g = imageGeometry(l.box, Mode::Inline, pixelSize);
    if (g.isNull())
        return {};
    return QStringLiteral("<img src=\"%1\" width=\"%2\" height=\"%3\" align=\"middle\" />")
        .arg(relativeSource(latex, display, pixelSize))
        .arg(g.size.width())
        .arg(g.size.height());
}

QString baseUrl(const QColor& color, double dpr)
{
    return QStringLiteral("image://math/%1/%2/").arg(color.name(QColor::HexArgb).mid(1)).arg(dpr);
}

QString textWithFormulas(const QTextDocument* doc, int start, int end)
{
    if (!doc)
        return {};
    if (start > end)
        std::swap(start, end);
    QString out;
    for (QTextBlock b = doc->findBlock(start); b.isValid() && (out.isNull() || b.position() < end); b = b.next()) {
        if (!out.isNull())
            out += QLatin1Char('\n');
        else
            out = QLatin1String("");
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            const QTextFragment f = it.fragment();
            const int from = std::max(start, f.position());
            const int to = std::min(end, f.position() + f.length());
            if (from >= to)
                continue;
            const QTextCharFormat fmt = f.charFormat();
            QString latex;
            bool display = false;
            if (fmt.isImageFormat() && math::sourceFromImageName(fmt.toImageFormat().name(), &latex, &display)) {
                const QString delimiter = display ? QStringLiteral("$$") : QStringLiteral("$");
                for (int i = from; i < to; ++i)   // one object character per image
                    out += delimiter + latex + delimiter;
                continue;
            }
            out += f.text().mid(from - f.position(), to - from);
        }
    }
    out.replace(QChar::LineSeparator, QLatin1Char('\n'));
    out.replace(QChar::Nbsp, QLatin1Char(' '));
    return out;
}

QString formulaAt(const QTextDocument* doc, int position)
{
    if (!doc)
        return {};
    for (int at : {position, position - 1}) {
        if (at < 0 || at >= doc->characterCount() - 1)
            continue;
        QTextCursor c(const_cast<QTextDocument*>(doc));
        c.setPosition(at + 1);   // the format of the character before the cursor
        const QTextCharFormat fmt = c.charFormat();
        QString latex;
        bool display = false;
        if (fmt.isImageFormat() && sourceFromImageName(fmt.toImageFormat().name(), &latex, &display))
            return latex;
    }
    return {};
}

}   // namespace math

MathText::MathText(QObject* parent)
    : QObject(parent)
{
}

QString MathText::baseUrl(const QColor& color, double dpr) const { return math::baseUrl(color, dpr); }

QString MathText::selectedText(QQuickTextDocument* document, int start, int end) const
{
    return document ? math::textWithFormulas(document->textDocument(), start, end) : QString();
}

QString MathText::formulaAt(QQuickTextDocument* document, int position) const
{
    return document ? math::formulaAt(document->textDocument(), position) : QString();
}

QString MathText::displaySource(const QString& latex, const QColor& color, double dpr) const
{
    using namespace math;
    const Layout l = cachedLayout(latex, Mode::Display);
    if (!l.ok() || imageGeometry(l.box, Mode::Display, kProsePixelSize).isNull())
        return {};
    return math::baseUrl(color, dpr) + relativeSource(latex, true, kProsePixelSize);
}
