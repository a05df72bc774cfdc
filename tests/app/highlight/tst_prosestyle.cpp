// styleProse on what Qt's Markdown importer really produces (a QTextDocument filled with
// setMarkdown(), as ProseDocument::show does): the formats of tables, quotes and rules after it.
#include "prosestyle.h"

#include <QTest>
#include <QTextCursor>
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

QStringList nonEmptyLines(const QTextDocument& document)
{
    return document.toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
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
        // The table's text is untouched.
        QCOMPARE(tables.first()->cellAt(1, 1).firstCursorPosition().block().text(), QStringLiteral("0.99"));
    }

    void quotesGetATintedFrameAndMutedText()
    {
        QTextDocument document;
        document.setMarkdown(kProse);
        styleProse(&document, kColors);
        const QTextBlock quote = blockWithText(document, QStringLiteral("quoted line"));
        QVERIFY(quote.isValid());
        QCOMPARE(quote.blockFormat().intProperty(QTextFormat::BlockQuoteLevel), 1);
        // Qt Quick 6.4 paints a frame's background, not a block's: the quote sits in a frame.
        QTextFrame* frame = QTextCursor(quote).currentFrame();
        QVERIFY(frame != document.rootFrame());
        QVERIFY(!qobject_cast<QTextTable*>(frame));
        QCOMPARE(frame->frameFormat().background().color(), kColors.raised);
        QCOMPARE(frame->frameFormat().padding(), kProseCellPadding);
        QCOMPARE(frame->firstCursorPosition().block().text(), QStringLiteral("quoted line"));
        QCOMPARE(quote.begin().fragment().charFormat().foreground().color(), kColors.muted);
        // A paragraph that is not quoted keeps its plain look, outside any frame.
        const QTextBlock plain = blockWithText(document, QStringLiteral("plain line"));
        QVERIFY(plain.isValid());
        QCOMPARE(QTextCursor(plain).currentFrame(), document.rootFrame());
        QVERIFY(plain.begin().fragment().charFormat().foreground().color() != kColors.muted);
    }

    void consecutiveQuotedLinesShareOneFrame()
    {
        QTextDocument document;
        document.setMarkdown(QStringLiteral("> one\n>\n> two\n\nafter\n\n> three\n"));
        styleProse(&document, kColors);
        const QTextBlock one = blockWithText(document, QStringLiteral("one"));
        const QTextBlock two = blockWithText(document, QStringLiteral("two"));
        const QTextBlock three = blockWithText(document, QStringLiteral("three"));
        QVERIFY(one.isValid() && two.isValid() && three.isValid());
        QCOMPARE(QTextCursor(one).currentFrame(), QTextCursor(two).currentFrame());
        QVERIFY(QTextCursor(three).currentFrame() != QTextCursor(one).currentFrame());
        QCOMPARE(QTextCursor(blockWithText(document, QStringLiteral("after"))).currentFrame(), document.rootFrame());
        QCOMPARE(document.rootFrame()->childFrames().size(), 2);
        styleProse(&document, kColors);   // a second call frames nothing more
        QCOMPARE(document.rootFrame()->childFrames().size(), 2);
        QCOMPARE(QTextCursor(one).currentFrame()->childFrames().size(), 0);
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
        const QStringList before = nonEmptyLines(document);
        styleProse(&document, kColors);
        // The quote's frame stands between two empty blocks: the text is the same, line for line.
        QCOMPARE(nonEmptyLines(document), before);
        QVERIFY(!document.isUndoAvailable());
        // Twice: the same formats (the view styles again at every shown version).
        const int blocks = document.blockCount();
        styleProse(&document, kColors);
        QCOMPARE(nonEmptyLines(document), before);
        QCOMPARE(document.blockCount(), blocks);
        QCOMPARE(tablesOf(document).size(), 1);
        QCOMPARE(tablesOf(document).first()->format().border(), kProseBorderWidth);
    }

    void framingSpacersTakeNoHeight()
    {
        QTextDocument document;
        document.setMarkdown(QStringLiteral("before\n\n> quoted\n\nafter\n"));
        styleProse(&document, kColors);
        QTextFrame* frame = QTextCursor(blockWithText(document, QStringLiteral("quoted"))).currentFrame();
        QVERIFY(frame != document.rootFrame());
        const QTextBlock before = frame->firstCursorPosition().block().previous();
        const QTextBlock after = frame->lastCursorPosition().block().next();
        for (const QTextBlock& spacer : {before, after}) {
            QVERIFY(spacer.isValid());
            QCOMPARE(spacer.text(), QString());
            QCOMPARE(spacer.blockFormat().lineHeightType(), int(QTextBlockFormat::FixedHeight));
            QCOMPARE(spacer.blockFormat().lineHeight(), 0.0);
            QCOMPARE(spacer.blockFormat().intProperty(QTextFormat::BlockQuoteLevel), 0);
        }
    }

    void defaultsAreTranslucentGreys()
    {
        QTextDocument document;
        document.setMarkdown(kProse);
        styleProse(&document);
        const ProseColors defaults;
        QCOMPARE(tablesOf(document).first()->format().borderBrush().color(), defaults.border);
        QVERIFY(defaults.border.alpha() < 255 && defaults.raised.alpha() < 255);
        const QTextBlock quote = blockWithText(document, QStringLiteral("quoted line"));
        QCOMPARE(QTextCursor(quote).currentFrame()->frameFormat().background().color(), defaults.raised);
    }

    // Quotes first and last, nested, in a list item, many of them: framed, text kept, no hang.
    void awkwardQuotes_data()
    {
        QTest::addColumn<QString>("markdown");
        QTest::addColumn<int>("frames");
        QTest::newRow("only a quote") << QStringLiteral("> alone") << 1;
        QTest::newRow("first and last") << QStringLiteral("> first\n\nmiddle\n\n> last") << 2;
        QTest::newRow("nested") << QStringLiteral("> outer\n>\n> > inner\n>\n> outer again") << 1;
        QTest::newRow("in a list") << QStringLiteral("- item\n\n  > quoted in the item\n- next") << 1;
        QTest::newRow("empty quote") << QStringLiteral(">\n\ntext") << 0;
        QString many;
        for (int i = 0; i < 300; ++i)
            many += QStringLiteral("> quote %1\n\nline %1\n\n").arg(i);
        QTest::newRow("300 quotes") << many << 300;
    }

    void awkwardQuotes()
    {
        QFETCH(QString, markdown);
        QFETCH(int, frames);
        QTextDocument document;
        document.setMarkdown(markdown);
        const QStringList before = nonEmptyLines(document);
        styleProse(&document, kColors);
        QCOMPARE(nonEmptyLines(document), before);
        QCOMPARE(document.rootFrame()->childFrames().size(), frames);
        for (QTextBlock block = document.begin(); block.isValid(); block = block.next()) {
            if (block.blockFormat().intProperty(QTextFormat::BlockQuoteLevel) > 0 && !block.text().isEmpty())
                QCOMPARE(QTextCursor(block).currentFrame()->frameFormat().background().color(), kColors.raised);
        }
        styleProse(&document, kColors);
        QCOMPARE(document.rootFrame()->childFrames().size(), frames);
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
