#pragma once
// A compact TeX-math typesetter: the LaTeX models write ($…$, \[…\]) parsed and laid out in one
// pass into a box (TeX's rules of Appendix G, simplified: styles D/T/S/SS, atom spacing, fractions,
// radicals, scripts, limits, delimiters from the KaTeX Size fonts, arrays) whose contents are a flat
// list of glyphs, rules and paths, in em (the formula's text size is 1). Painting is mathimage.*.
// Bad input is an error with its position, never a crash or a hang: the source, the nesting and
// the number of drawn items are bounded (kMax*), and an unknown command fails the formula.
#include "mathfonts.h"

#include <QList>
#include <QPainterPath>
#include <QPointF>
#include <QRectF>
#include <QString>

namespace math {

inline constexpr int kMaxSourceChars = 4000;
inline constexpr int kMaxDepth = 32;        // nested groups, arguments and environments
inline constexpr int kMaxItems = 20000;     // glyphs, rules and paths drawn
inline constexpr double kMaxExtent = 400;   // em, any side

// One thing drawn, in em, y downwards, relative to the box's baseline start.
struct Item {
    enum Kind { Glyph, Rule, Path };
    Kind kind = Glyph;
    Font font = Font::MainRegular;
    quint32 glyph = 0;
    QPointF pos;          // Glyph: its origin on the baseline
    double size = 1;      // Glyph: em per em of the formula (script styles are smaller)
    double stretch = 1;   // Glyph: vertical scale around its origin (delimiters past Size4)
    QRectF rect;          // Rule
    QPainterPath path;    // Path: stroked
    double pen = 0;       // Path: stroke width
};

struct Box {
    double width = 0;
    double height = 0;   // above the baseline
    double depth = 0;    // below the baseline
    QList<Item> items;
    void add(const Box& b, double x, double y);   // b's items moved by (x, y); the extent is not changed
};

enum class Mode { Inline, Display };

struct Layout {
    Box box;
    QString error;            // empty when the formula was laid out
    int errorPosition = -1;   // in the source, UTF-16 units
    bool ok() const { return error.isEmpty(); }
};

// The math axis (where fraction bars and the centre of + sit), em above the baseline.
inline constexpr double kAxisHeight = 0.25;

Layout layoutFormula(const QString& latex, Mode mode);

}   // namespace math
