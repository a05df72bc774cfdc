#pragma once
// The KaTeX fonts (Debian's fonts-katex, OFL-1.1, read at run time from
// /usr/share/fonts/truetype/katex or $CAUSERIE_KATEX_FONTS) and their glyph metrics in em, which is
// all the layout needs. Needs a QGuiApplication (the fonts go through Qt's font engines); without
// one, or without the files, available() is false and every formula is shown as its source.
// Thread-safe: the image provider may be called from Qt's pixmap reader thread.
#include <QHash>
#include <QMutex>
#include <QRawFont>
#include <QString>

#include <array>

namespace math {

enum class Font {
    MainRegular,
    MainBold,
    MainItalic,
    MathItalic,
    MathBoldItalic,
    Ams,
    Caligraphic,
    Fraktur,
    Script,
    SansSerif,
    Typewriter,
    Size1,
    Size2,
    Size3,
    Size4,
    System,   // anything the KaTeX fonts lack (\text{é…}, CJK): the desktop's font
    Count
};

struct GlyphMetrics {
    quint32 glyph = 0;
    Font font = Font::MainRegular;   // where the character was found (may differ from the one asked)
    double width = 0;                // advance, em
    double height = 0;               // above the baseline, em
    double depth = 0;                // below the baseline, em
};

class MathFonts {
public:
    static MathFonts& instance();
    bool available();
    // Loads the next font not loaded yet (about 1 ms each); false once none is left (all loaded,
    // or one missing: none is used then). Lets the window load them a few at a time between its
    // frames as it opens, rather than the first formula all at once (15 files, 12-20 ms on the
    // GUI thread). available() and metrics() load whatever is left.
    bool loadStep();
    bool loaded();
    // `ch` in `font`, else in the regular fonts, else in the desktop's font; glyph 0 when nowhere.
    GlyphMetrics metrics(char32_t ch, Font font);
    // The font at a size, for drawing.
    QRawFont raw(Font font, double pixelSize);

private:
    void load();
    bool loadNext();   // m_mutex held
    QMutex m_mutex;
    int m_next = 0;   // the next font to load
    bool m_loaded = false;
    bool m_available = false;
    std::array<QRawFont, size_t(Font::Count)> m_fonts;   // at their units-per-em size
    QHash<quint64, GlyphMetrics> m_metrics;              // (font << 32 | ch)
};

}   // namespace math
