// styleProse on what Qt's Markdown importer really produces (a QTextDocument filled with
// setMarkdown(), as ProseDocument::show does): the formats of tables, quotes and rules after it.
#include "prosestyle.h"

#include <QTest>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>

namespace {

const ProseColors kColors{QColor(0xdd, 0xd7, 0xcf), QColor(0x5d, 0x58, 0x52), QColor(0xf4, 0xf2, 0xef), 8};

const QString kProse = QStringLiteral("Before.\n\n"
                                      "| name | price |\n|------|-------|\n| bolt | 0.99 |\n| nut | 0.10 |\n\n"
                                      "After the table.\n\n"
                                      "> quoted line\n\n"
                                      "plain line\n\n"
                                      "---\n\n"
                                      "End.\n");

QList<QTextTable*> tablesOf(QTextDocument& document)
{
    QList<QTextTable*> tables;
    const QList<QTextFrame*> frames = document.rootFrame()->childFrames();
    for (QTextFrame* frame : frames)
        if (auto* table = qobject_cast<QTextTable*>(frame))
            tables.append(table);
    return tables;
}

QTextBlock blockWithText(QTextDocument& document, const QString& text)
{
    for (QTextBlock block = document.begin(); block.isValid(); block = block.next())
        if (block.text() == text)
            return block;
    return {};
}

QTextBlock ruleBlock(QTextDocument& document)
{
    for (QTextBlock block = document.begin(); block.isValid(); block = block.next())
        if (block.blockFormat().hasProperty(QTextFormat::BlockTrailingHorizontalRulerWidth))
            return block;
    return {};
}

}   // namespace

class TestProseStyle : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tablesGetThinBordersPaddingAndRoom()
    {
        QTextDocument document;
        document.setMarkdown(kProse);
        QList<QTextTable*> tables = tablesOf(document);
        QCOMPARE(tables.size(), 1);
        // What Qt 6.4 gives before: a border that is not ours.
        QVERIFY(tables.first()->format().borderBrush().color() != kColors.border);

        styleProse(&document, kColors);
        tables = tablesOf(document);
        QCOMPARE(tables.size(), 1);
        const QTextTableFormat format = tables.first()->format();
        QCOMPARE(format.border(), kProseBorderWidth);
        QCOMPARE(format.borderStyle(), QTextFrameFormat::BorderStyle_Solid);
        QCOMPARE(format.borderBrush().color(), kColors.border);
        QVERIFY(format.borderCollapse());
        QCOMPARE(format.cellSpacing(), 0.0);
        QCOMPARE(format.cellPadding(), kProseCellPadding);
        QCOMPARE(format.bottomMargin(), kColors.gap);
        QCOMPARE(tables.first()->rows(), 3);
        QCOMPARE(tables.first()->cellAt(0, 1).format().background().color(), kColors.raised);
        QCOMPARE(tables.first()->cellAt(1, 0).format().background().style(), Qt::NoBrush);
        // The table's text is untouched.
        QCOMPARE(tables.first()->cellAt(1, 1).firstCursorPosition().block().text(), QStringLiteral("0.99"));
    }

    void quotesGetABackgroundAndMutedText()
    {
        QTextDocument document;
        document.setMarkdown(kProse);
        styleProse(&document, kColors);
        const QTextBlock quote = blockWithText(document, QStringLiteral("quoted line"));
        QVERIFY(quote.isValid());
        QCOMPARE(quote.blockFormat().intProperty(QTextFormat::BlockQuoteLevel), 1);
        QCOMPARE(quote.blockFormat().background().color(), kColors.raised);
        QCOMPARE(quote.begin().fragment().charFormat().foreground().color(), kColors.muted);
        // A paragraph that is not quoted keeps its plain look.
        const QTextBlock plain = blockWithText(document, QStringLiteral("plain line"));
        QVERIFY(plain.isValid());
        QCOMPARE(plain.blockFormat().background().style(), Qt::NoBrush);
        QVERIFY(plain.begin().fragment().charFormat().foreground().color() != kColors.muted);
    }

    void rulesAreFullWidthInTheBorderColour()
    {
        QTextDocument document;
        document.setMarkdown(kProse);
        styleProse(&document, kColors);
        const QTextBlock rule = ruleBlock(document);
        QVERIFY2(rule.isValid(), "the importer makes --- a block with a trailing rule");
        const QTextLength width = rule.blockFormat().lengthProperty(QTextFormat::BlockTrailingHorizontalRulerWidth);
        QCOMPARE(width.type(), QTextLength::PercentageLength);
        QCOMPARE(width.rawValue(), 100.0);
        QCOMPARE(rule.blockFormat().background().color(), kColors.border);
        QCOMPARE(rule.blockFormat().topMargin(), kColors.gap);
        QCOMPARE(rule.blockFormat().bottomMargin(), kColors.gap);
    }

    void textAndUndoAreKept()
    {
        QTextDocument document;
        document.setMarkdown(kProse);
        const QString before = document.toPlainText();
        styleProse(&document, kColors);
        QCOMPARE(document.toPlainText(), before);
        QVERIFY(!document.isUndoAvailable());
        // Twice: the same formats (the view styles again at every shown version).
        styleProse(&document, kColors);
        QCOMPARE(document.toPlainText(), before);
        QCOMPARE(tablesOf(document).size(), 1);
        QCOMPARE(tablesOf(document).first()->format().border(), kProseBorderWidth);
    }

    void defaultsAreTranslucentGreys()
    {
        QTextDocument document;
        document.setMarkdown(kProse);
        styleProse(&document);
        const ProseColors defaults;
        QCOMPARE(tablesOf(document).first()->format().borderBrush().color(), defaults.border);
        QVERIFY(defaults.border.alpha() < 255 && defaults.raised.alpha() < 255);
        QCOMPARE(blockWithText(document, QStringLiteral("quoted line")).blockFormat().background().color(),
                 defaults.raised);
    }

    void emptyAndNullDocumentsAreHarmless()
    {
        styleProse(nullptr, kColors);
        QTextDocument empty;
        styleProse(&empty, kColors);
        QCOMPARE(empty.toPlainText(), QString());
        QTextDocument plain;
        plain.setPlainText(QStringLiteral("> not markdown\n---"));
        styleProse(&plain, kColors);
        QCOMPARE(plain.begin().blockFormat().background().style(), Qt::NoBrush);
        QVERIFY(!ruleBlock(plain).isValid());
    }
};

QTEST_MAIN(TestProseStyle)
#include "tst_prosestyle.moc"
