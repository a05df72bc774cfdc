#pragma once
// Formulas as images: laid out once (cached by source and mode), painted at a size, colour and
// device pixel ratio (cached too), and served to QML as image://math/… (MathImageProvider,
// registered on the window's engine). Inline formulas are padded so that their image, placed
// with <img align="middle"> in Qt's rich text, puts the formula's baseline on the text's.
#include "mathlayout.h"

#include <QColor>
#include <QImage>
#include <QQuickImageProvider>
#include <QSize>

namespace math {

// The formula's em for a prose font of `pixelSize` px.
inline constexpr double kMathScale = 1.1;
// Qt centres an inline image with align="middle" at (ascent - descent) / 2 of the text's font
// above the baseline (QTextDocumentLayout): about this fraction of the pixel size for the usual
// sans fonts (DejaVu Sans: 0.346).
inline constexpr double kTextMiddle = 0.346;

// The layout of `latex` (cached; thread-safe).
Layout cachedLayout(const QString& latex, Mode mode);

// Logical size of the image, and where the formula's baseline is, from its top.
struct ImageGeometry {
    QSize size;
    double baseline = 0;
    bool isNull() const { return size.isEmpty(); }
};
// Inline: padded around the text's middle (see kTextMiddle); display: tight with a margin.
ImageGeometry imageGeometry(const Box& box, Mode mode, double pixelSize);

// The image of a laid-out formula: `geometry.size` × dpr pixels, with that device pixel ratio.
QImage paintFormula(const Box& box, const ImageGeometry& geometry, double pixelSize, const QColor& color, double dpr);

// The image for an image://math id: "<argb hex>/<dpr>/<i|d>/<px>/<source in base64url>"
// (see mathmarkup.h); null when the id is malformed or the formula fails.
QImage imageForId(const QString& id);

class MathImageProvider : public QQuickImageProvider {
public:
    MathImageProvider();
    QImage requestImage(const QString& id, QSize* size, const QSize& requestedSize) override;
    // Images asked of every provider so far (for tests: the view asked, the cache answered).
    static int requests();
};

}   // namespace math
