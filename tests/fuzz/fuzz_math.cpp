// Fuzz target: the TeX-math typesetter (app/math) on fuzzed LaTeX, as the chat view uses it: laid
// out inline and in display style, painted, and carried through the Markdown transform.
// Input: byte 0 picks the style (bit 0: display), the pixel ratio (bits 1-2: 1, 1.5, 2, 3) and
// whether to paint (bit 3); the rest is the formula (UTF-8, invalid bytes become U+FFFD).
// Invariants: a layout either fails with its position inside the source, or has finite,
// non-negative extents within kMaxExtent and at most kMaxItems items; an image is exactly its
// geometry times the ratio; the image name of a formula gives the formula back; safeMarkdown of
// "$…$" makes at most one image, of that formula.
#include "fuzz_common.h"

#include "mathimage.h"
#include "mathlayout.h"
#include "mathmarkup.h"
#include "safemarkdown.h"

#include <QGuiApplication>

#include <array>
#include <cmath>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    // Never destroyed: at exit Qt's own globals are gone before a static's destructor would run.
    if (!QCoreApplication::instance()) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        new QGuiApplication(*argc, *argv);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    causerie::fuzz::Input in(data, size);
    const uint8_t flags = in.byte();
    const std::string_view rest = in.rest();
    const QString latex = QString::fromUtf8(rest.data(), qsizetype(rest.size()));
    const math::Mode mode = (flags & 1) ? math::Mode::Display : math::Mode::Inline;
    const double dpr = std::array<double, 4>{1, 1.5, 2, 3}[(flags >> 1) & 3];

    const math::Layout l = math::layoutFormula(latex, mode);
    if (!l.ok()) {
        FUZZ_CHECK(l.errorPosition >= 0 && l.errorPosition <= std::max<qsizetype>(latex.size(), math::kMaxSourceChars));
        FUZZ_CHECK(l.box.items.isEmpty());
    } else {
        const math::Box& b = l.box;
        FUZZ_CHECK(std::isfinite(b.width) && std::isfinite(b.height) && std::isfinite(b.depth));
        FUZZ_CHECK(b.width >= 0 && b.width <= math::kMaxExtent);
        FUZZ_CHECK(b.height >= 0 && b.height <= math::kMaxExtent);
        FUZZ_CHECK(b.depth >= 0 && b.depth <= math::kMaxExtent);
        FUZZ_CHECK(b.items.size() <= math::kMaxItems);
        const math::ImageGeometry g = math::imageGeometry(b, mode, math::kProsePixelSize);
        if ((flags & 8) && !g.isNull()) {
            const QImage image = math::paintFormula(b, g, math::kProsePixelSize, Qt::black, dpr);
            FUZZ_CHECK(image.width() == int(std::ceil(g.size.width() * dpr)));
            FUZZ_CHECK(image.height() == int(std::ceil(g.size.height() * dpr)));
        }
    }

    QString back;
    bool display = false;
    if (!latex.isEmpty()) {
        FUZZ_CHECK(
            math::sourceFromImageName(math::relativeSource(latex, mode == math::Mode::Display), &back, &display));
        FUZZ_CHECK(back == latex);
        FUZZ_CHECK(display == (mode == math::Mode::Display));
    }

    // In prose: one "$…$" span gives at most one image, and it names this formula; every other
    // image needs a delimiter of its own inside (a "$", or the opening "\(" / "\[" of a span).
    const QString md = safeMarkdown(QStringLiteral("$") + latex + QStringLiteral("$"));
    const qsizetype tags = md.count(QLatin1String("<img src=\""));
    FUZZ_CHECK(tags <= 1 + latex.count(QLatin1Char('$')) + latex.count(QLatin1String("\\(")) +
                           latex.count(QLatin1String("\\[")));
    if (tags == 1 && md.startsWith(QLatin1String("<img src=\"")) && md.endsWith(QLatin1String(" />"))) {
        const qsizetype end = md.indexOf(QLatin1Char('"'), 10);
        FUZZ_CHECK(math::sourceFromImageName(md.mid(10, end - 10), &back, &display));
        FUZZ_CHECK(back == latex);
    }
    return 0;
}
