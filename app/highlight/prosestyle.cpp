#include "prosestyle.h"

#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>

#include <utility>

namespace {

void styleTable(QTextTable* table, const ProseColors& colors)
{
    QTextTableFormat format = table->format();
    format.setBorder(kProseBorderWidth);
    format.setBorderStyle(QTextFrameFormat::BorderStyle_Solid);
    format.setBorderBrush(colors.border);
    format.setBorderCollapse(true);   // one line between cells, not two
    format.setCellSpacing(0);
    format.setCellPadding(kProseCellPadding);
    format.setTopMargin(colors.gap / 2);
    format.setBottomMargin(colors.gap);
    table->setFormat(format);
    // No header background: Qt Quick 6.4 paints a cell's background behind its text only.
}

bool isQuote(const QTextBlock& block) { return block.blockFormat().intProperty(QTextFormat::BlockQuoteLevel) > 0; }

// Each run of quoted blocks of the root frame into a frame painted in `raised` (Qt Quick 6.4
// draws a frame's background, not a block's): the quote reads as a tinted panel. Already framed
// quotes (a second call) are left alone.
void frameQuotes(QTextDocument* document, const ProseColors& colors)
{
    QTextBlock block = document->begin();
    while (block.isValid()) {
        if (!isQuote(block) || block.layout() == nullptr ||
            QTextCursor(block).currentFrame() != document->rootFrame()) {
            block = block.next();
            continue;
        }
        QTextBlock last = block;
        while (last.next().isValid() && isQuote(last.next()) &&
               QTextCursor(last.next()).currentFrame() == document->rootFrame())
            last = last.next();
        QList<QTextBlockFormat> quoted;
        for (QTextBlock b = block; b != last.next(); b = b.next())
            quoted.append(b.blockFormat());
        QTextCursor cursor(block);
        cursor.setPosition(last.position() + last.length() - 1, QTextCursor::KeepAnchor);
        QTextFrameFormat format;
        format.setBackground(colors.raised);
        format.setPadding(kProseCellPadding);
        format.setTopMargin(colors.gap / 2);
        format.setBottomMargin(colors.gap / 2);
        QTextFrame* frame = cursor.insertFrame(format);
        // The importer's formats back on the blocks moved in (the frame's first block loses its).
        QTextBlock inside = frame->firstCursorPosition().block();
        for (const QTextBlockFormat& f : std::as_const(quoted)) {
            if (!inside.isValid() || QTextCursor(inside).currentFrame() != frame)
                break;
            QTextCursor(inside).setBlockFormat(f);
            inside = inside.next();
        }
        // A frame stands between two blocks; the ones it made are empty: no height, no quote.
        QTextBlockFormat spacer;
        spacer.setLineHeight(0, QTextBlockFormat::FixedHeight);
        const QTextBlock before = frame->firstCursorPosition().block().previous();
        if (before.isValid() && before.text().isEmpty())
            QTextCursor(before).setBlockFormat(spacer);
        const QTextBlock after = frame->lastCursorPosition().block().next();
        if (after.isValid() && after.text().isEmpty())
            QTextCursor(after).setBlockFormat(spacer);
        block = after;
    }
}

void styleTables(QTextFrame* frame, const ProseColors& colors)
{
    const QList<QTextFrame*> children = frame->childFrames();
    for (QTextFrame* child : children) {
        if (auto* table = qobject_cast<QTextTable*>(child))
            styleTable(table, colors);
        styleTables(child, colors);
    }
}

}   // namespace

void styleProse(QTextDocument* document, const ProseColors& colors)
{
    if (!document)
        return;
    const bool undo = document->isUndoRedoEnabled();
    document->setUndoRedoEnabled(false);
    QTextCursor edit(document);
    edit.beginEditBlock();
    styleTables(document->rootFrame(), colors);
    for (QTextBlock block = document->begin(); block.isValid(); block = block.next()) {
        QTextBlockFormat format = block.blockFormat();
        QTextCursor cursor(block);
        if (format.hasProperty(QTextFormat::BlockTrailingHorizontalRulerWidth)) {
            format.setProperty(QTextFormat::BlockTrailingHorizontalRulerWidth,
                               QTextLength(QTextLength::PercentageLength, 100));
            format.setBackground(colors.border);
            format.setTopMargin(colors.gap);
            format.setBottomMargin(colors.gap);
            cursor.setBlockFormat(format);
        } else if (format.intProperty(QTextFormat::BlockQuoteLevel) > 0) {
            cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
            QTextCharFormat text;
            text.setForeground(colors.muted);
            cursor.mergeCharFormat(text);
        }
    }
    frameQuotes(document, colors);
    edit.endEditBlock();
    document->setUndoRedoEnabled(undo);
}
