#include "mathfonts.h"

#include <QDir>
#include <QFont>
#include <QGuiApplication>

namespace math {

namespace {

const char* fileName(Font f)
{
    switch (f) {
    case Font::MainRegular: return "KaTeX_Main-Regular.ttf";
    case Font::MainBold: return "KaTeX_Main-Bold.ttf";
    case Font::MainItalic: return "KaTeX_Main-Italic.ttf";
    case Font::MathItalic: return "KaTeX_Math-Italic.ttf";
    case Font::MathBoldItalic: return "KaTeX_Math-BoldItalic.ttf";
    case Font::Ams: return "KaTeX_AMS-Regular.ttf";
    case Font::Caligraphic: return "KaTeX_Caligraphic-Regular.ttf";
    case Font::Fraktur: return "KaTeX_Fraktur-Regular.ttf";
    case Font::Script: return "KaTeX_Script-Regular.ttf";
    case Font::SansSerif: return "KaTeX_SansSerif-Regular.ttf";
    case Font::Typewriter: return "KaTeX_Typewriter-Regular.ttf";
    case Font::Size1: return "KaTeX_Size1-Regular.ttf";
    case Font::Size2: return "KaTeX_Size2-Regular.ttf";
    case Font::Size3: return "KaTeX_Size3-Regular.ttf";
    case Font::Size4: return "KaTeX_Size4-Regular.ttf";
    case Font::System:
    case Font::Count: break;
    }
    return "";
}

QString fontDir()
{
    const QString env = qEnvironmentVariable("CAUSERIE_KATEX_FONTS");
    return env.isEmpty() ? QStringLiteral("/usr/share/fonts/truetype/katex") : env;
}

}   // namespace

MathFonts& MathFonts::instance()
{
    // Never destroyed: at exit the font engines' globals are gone before a static's destructor
    // would run (it crashed there).
    static MathFonts* fonts = new MathFonts;
    return *fonts;
}

void MathFonts::load()
{
    while (loadNext()) {
    }
}

bool MathFonts::loadNext()
{
    if (m_loaded)
        return false;
    if (!qobject_cast<QGuiApplication*>(QCoreApplication::instance())) {
        m_loaded = true;
        return false;
    }
    if (m_next < int(Font::System)) {
        const Font font = Font(m_next);
        QRawFont f(QDir(fontDir()).filePath(QString::fromLatin1(fileName(font))), 100);
        if (!f.isValid()) {
            m_loaded = true;   // a partial set would lay formulas out with holes: none at all
            return false;
        }
        f.setPixelSize(f.unitsPerEm());
        m_fonts[size_t(font)] = f;
        ++m_next;
        return true;
    }
    QRawFont system = QRawFont::fromFont(QFont());
    if (system.isValid())
        system.setPixelSize(system.unitsPerEm());
    m_fonts[size_t(Font::System)] = system;
    m_available = true;
    m_loaded = true;
    return false;
}

bool MathFonts::loadStep()
{
    QMutexLocker lock(&m_mutex);
    return loadNext();
}

bool MathFonts::loaded()
{
    QMutexLocker lock(&m_mutex);
    return m_loaded;
}

bool MathFonts::available()
{
    QMutexLocker lock(&m_mutex);
    if (!m_loaded)
        load();
    return m_available;
}

GlyphMetrics MathFonts::metrics(char32_t ch, Font font)
{
    QMutexLocker lock(&m_mutex);
    if (!m_loaded)
        load();
    const quint64 key = (quint64(font) << 32) | ch;
    if (const auto it = m_metrics.constFind(key); it != m_metrics.constEnd())
        return *it;
    GlyphMetrics m;
    if (m_available) {
        const Font order[] = {font, Font::MainRegular, Font::MathItalic, Font::Ams, Font::Size1, Font::System};
        for (Font f : order) {
            const QRawFont& raw = m_fonts[size_t(f)];
            if (!raw.isValid() || !raw.supportsCharacter(uint(ch)))
                continue;
            const QString s = QString::fromUcs4(&ch, 1);
            const QList<quint32> glyphs = raw.glyphIndexesForString(s);
            if (glyphs.isEmpty() || glyphs.first() == 0)
                continue;
            const double em = raw.pixelSize();
            const QRectF box = raw.boundingRect(glyphs.first());
            const QList<QPointF> adv = raw.advancesForGlyphIndexes(glyphs.mid(0, 1));
            m.glyph = glyphs.first();
            m.font = f;
            m.width = (adv.isEmpty() ? box.right() : adv.first().x()) / em;
            m.height = std::max(0.0, -box.top() / em);
            m.depth = std::max(0.0, box.bottom() / em);
            break;
        }
    }
    m_metrics.insert(key, m);
    return m;
}

QRawFont MathFonts::raw(Font font, double pixelSize)
{
    QMutexLocker lock(&m_mutex);
    QRawFont f = m_fonts[size_t(font)];
    if (f.isValid())
        f.setPixelSize(pixelSize);
    return f;
}

}   // namespace math
