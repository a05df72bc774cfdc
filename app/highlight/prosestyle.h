#pragma once
// The look of an answer's prose after Qt's Markdown importer has filled the QTextDocument
// (ProseDocument::show): Qt 6.4 draws tables with heavy double borders and no room after them,
// block quotes only indented, rules in the palette's "Dark". styleProse() rewrites those formats
// in place, in the theme's colours:
//   tables       1 px collapsed borders in `border`, cells padded, a paragraph's gap after
//   block quotes each run of quoted blocks in a frame painted `raised` (Qt Quick 6.4 paints a
//                frame's background but neither a block's nor a cell's), the text in `muted`;
//                the frame's two boundary blocks are empty and take no height (a selection
//                copied across a quote gains a blank line before and after it)
//   rules        full width, in `border` (Qt paints a rule with its block's background brush from
//                6.5 on; 6.4 takes the width and the room)
// Idempotent: styling a document twice leaves the same formats and frames. Records nothing to undo.
#include <QColor>

class QTextDocument;

// The defaults are translucent greys that read on the light and the dark theme alike (for a
// caller without the theme at hand); pass Theme.colors.* for the exact ones.
struct ProseColors {
    QColor border = QColor(128, 128, 128, 96);   // Theme.colors.border
    QColor muted = QColor(128, 128, 128, 255);   // Theme.colors.textMuted
    QColor raised = QColor(128, 128, 128, 28);   // Theme.colors.raised
    qreal gap = 8;                               // px between a table or rule and the blocks around it
};

inline constexpr qreal kProseCellPadding = 6;
inline constexpr qreal kProseBorderWidth = 1;

void styleProse(QTextDocument* document, const ProseColors& colors = {});
