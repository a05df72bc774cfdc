#include "mathimage.h"
#include "mathmarkup.h"

#include <QCache>
#include <QGlyphRun>
#include <QMutex>
#include <QPainter>

#include <atomic>
#include <cmath>

namespace math {

namespace {

QMutex& cacheMutex()
{
    static QMutex m;
    return m;
}

// Layouts are small (a list of glyphs); images are counted in kilobytes.
QCache<QString, Layout>& layouts()
{
    static QCache<QString, Layout> c(2000);
    return c;
}
QCache<QString, QImage>& images()
{
    static QCache<QString, QImage> c(32 * 1024);
    return c;
}

// Logical px: a formula past them is shown as its source (at a ratio of 2, 32 MB at most).
std::atomic<int> g_requests{0};

constexpr int kMaxImageSide = 4096;
constexpr int kMaxImageArea = 2048 * 1024;

}   // namespace

Layout cachedLayout(const QString& latex, Mode mode)
{
    const QString key = (mode == Mode::Display ? QLatin1Char('d') : QLatin1Char('i')) + latex;
    {
        QMutexLocker lock(&cacheMutex());
        if (const Layout* l = layouts().object(key))
            return *l;
    }
    Layout l = layoutFormula(latex, mode);
    QMutexLocker lock(&cacheMutex());
    layouts().insert(key, new Layout(l));
    return l;
}

ImageGeometry imageGeometry(const Box& box, Mode mode, double pixelSize)
{
    const double em = pixelSize * kMathScale;
    const double w = box.width * em;
    const double h = box.height * em;
    const double d = box.depth * em;
    ImageGeometry g;
    const int margin = mode == Mode::Display ? 4 : 1;
    if (mode == Mode::Inline) {
        const double middle = kTextMiddle * pixelSize;
        const double half = std::ceil(std::max(h - middle, d + middle) + 1);
        g.size = QSize(int(std::ceil(w)) + 2 * margin, int(2 * half));
        g.baseline = half + middle;
    } else {
        g.size = QSize(int(std::ceil(w)) + 2 * margin, int(std::ceil(h + d)) + 2 * margin);
        g.baseline = margin + h;
    }
    if (g.size.width() > kMaxImageSide || g.size.height() > kMaxImageSide ||
        g.size.width() * g.size.height() > kMaxImageArea || w <= 0)
        return {};
    return g;
}

QImage paintFormula(const Box& box, const ImageGeometry& geometry, double pixelSize, const QColor& color, double dpr)
{
    if (geometry.isNull() || dpr <= 0 || dpr > 8)
        return {};
    QImage image(QSize(int(std::ceil(geometry.size.width() * dpr)), int(std::ceil(geometry.size.height() * dpr))),
                 QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    const double em = pixelSize * kMathScale;
    p.translate((geometry.size.width() - box.width * em) / 2, geometry.baseline);
    p.scale(em, em);
    MathFonts& fonts = MathFonts::instance();
    for (const Item& it : box.items) {
        switch (it.kind) {
        case Item::Rule: p.fillRect(it.rect, color); break;
        case Item::Path: {
            QPen pen(color, it.pen, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
            p.strokePath(it.path, pen);
            break;
        }
        case Item::Glyph: {
            // Glyphs are drawn at their real pixel size (hinted), not scaled from 1 px.
            const double size = it.size * em;
            QGlyphRun run;
            run.setRawFont(fonts.raw(it.font, size));
            run.setGlyphIndexes({it.glyph});
            run.setPositions({QPointF(0, 0)});
            p.save();
            p.translate(it.pos);
            p.scale(1 / em, it.stretch / em);
            p.setPen(color);
            p.drawGlyphRun(QPointF(0, 0), run);
            p.restore();
            break;
        }
        }
    }
    return image;
}

QImage imageForId(const QString& id)
{
    {
        QMutexLocker lock(&cacheMutex());
        if (const QImage* i = images().object(id))
            return *i;
    }
    const QStringList parts = id.split(QLatin1Char('/'));
    if (parts.size() != 5)
        return {};
    const QColor color = QColor::fromString(QLatin1Char('#') + parts[0]);
    bool ok1 = false, ok2 = false;
    const double dpr = parts[1].toDouble(&ok1);
    const int px = parts[3].toInt(&ok2);
    QString latex;
    bool display = false;
    if (!color.isValid() || !ok1 || !ok2 || px < 4 || px > 200 ||
        !sourceFromImageName(parts.mid(2).join(QLatin1Char('/')), &latex, &display))
        return {};
    const Mode mode = display ? Mode::Display : Mode::Inline;
    const Layout l = cachedLayout(latex, mode);
    if (!l.ok())
        return {};
    const QImage image = paintFormula(l.box, imageGeometry(l.box, mode, px), px, color, dpr);
    if (image.isNull())
        return {};
    QMutexLocker lock(&cacheMutex());
    images().insert(id, new QImage(image), int(std::max<qsizetype>(1, image.sizeInBytes() / 1024)));
    return image;
}

MathImageProvider::MathImageProvider()
    : QQuickImageProvider(QQuickImageProvider::Image)
{
}

QImage MathImageProvider::requestImage(const QString& id, QSize* size, const QSize& requestedSize)
{
    Q_UNUSED(requestedSize);
    ++g_requests;
    const QImage image = imageForId(id);
    if (size)
        *size = image.size();
    return image;
}

int MathImageProvider::requests() { return g_requests.load(); }

}   // namespace math
