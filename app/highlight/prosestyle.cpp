#include "prosestyle.h"

#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>

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
    // The header row (the importer makes its text bold) on the raised colour.
    for (int column = 0; column < table->columns(); ++column) {
        QTextTableCell cell = table->cellAt(0, column);
        QTextCharFormat cellFormat = cell.format();
        cellFormat.setBackground(colors.raised);
        cell.setFormat(cellFormat);
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
            format.setBackground(colors.raised);
            cursor.setBlockFormat(format);
            cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
            QTextCharFormat text;
            text.setForeground(colors.muted);
            cursor.mergeCharFormat(text);
        }
    }
    edit.endEditBlock();
    document->setUndoRedoEnabled(undo);
}
