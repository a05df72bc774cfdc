// Code blocks streamed into a document: the colours equal a highlight from scratch at every
// step, each line is coloured once, and hostile lines cost no highlighting at all (asserted on
// the work counter, never on time).
#include "codehighlighter.h"
#include "markdownsegments.h"

#include "../../common/qml_text_edit.h"

#include <QAbstractTextDocumentLayout>
#include <QGuiApplication>
#include <QQuickTextDocument>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>

#include <algorithm>
#include <memory>
#include <vector>

namespace {

// A document as a message's code box holds it: laid out (a document tells its highlighter of
// changes only once it has a layout).
std::unique_ptr<QTextDocument> newDocument()
{
    auto doc = std::make_unique<QTextDocument>();
    doc->setTextWidth(600);
    doc->documentLayout();
    return doc;
}

// Every block's colours, as "block:start+length=colour" lines.
QStringList formatsOf(const QTextDocument& doc)
{
    QStringList out;
    int n = 0;
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next(), ++n)
        for (const QTextLayout::FormatRange& r : b.layout()->formats())
            out << QStringLiteral("%1:%2+%3=%4")
                       .arg(n)
                       .arg(r.start)
                       .arg(r.length)
                       .arg(r.format.foreground().color().name());
    return out;
}

// What the document should hold for `code`: '\r' shown as a space, long lines cut into pieces
// of kLongLineChunk characters (separate blocks).
QString displayed(const QString& code)
{
    QStringList blocks;
    for (QString line : code.split(QLatin1Char('\n'))) {
        line.replace(QLatin1Char('\r'), QLatin1Char(' '));
        do {
            blocks << line.left(CodeHighlighter::kLongLineChunk);
            line.remove(0, CodeHighlighter::kLongLineChunk);
        } while (!line.isEmpty());
    }
    return blocks.join(QLatin1Char('\n'));
}

const QString kCode =
    QStringLiteral("#include <vector>\n"
                   "// a comment with a keyword: int\n"
                   "int main(int argc, char** argv) {\n"
                   "    const char* s = \"caf\u00e9 \U0001F600 \\\"quoted\\\"\"; /* block */ int x = 0x1F;\n"
                   "    return argc > 1 ? 42 : 0;\r\n"
                   "}\n");

}   // namespace

class TestCodeHighlighter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        if (!CodeLineHighlighter::forLanguage(QStringLiteral("cpp")))
            QSKIP("source-highlight's language files are not installed (Debian: libsource-highlight-common)");
    }

    void rangesAreInUtf16UnitsOfTheLine()
    {
        auto h = CodeLineHighlighter::forLanguage(QStringLiteral("cpp"));
        const QString line = QStringLiteral("s = \"\u00e9\U0001F600\"; int y;");
        const auto ranges = h->highlight(line);
        // The string literal (given in pieces: quote, contents, quote) covers units 4 to 9:
        // quote, é (1 unit), 😀 (2 units), quote.
        int from = -1;
        int to = -1;
        for (const auto& r : ranges) {
            if (r.element != "string")
                continue;
            if (from < 0)
                from = r.start;
            QCOMPARE(r.start, to < 0 ? from : to);   // contiguous
            to = r.start + r.length;
        }
        QCOMPARE(from, 4);
        QCOMPARE(to, 9);
        QVERIFY(ranges.contains(CodeLineHighlighter::Range{11, 3, "type"}) ||
                ranges.contains(CodeLineHighlighter::Range{11, 3, "keyword"}));
        QVERIFY(!CodeLineHighlighter::forLanguage(QStringLiteral("no-such-language")));
    }

    void streamingGivesTheColoursOfAHighlightFromScratch_data()
    {
        QTest::addColumn<int>("delta");
        for (int d : {1, 2, 7, 64})
            QTest::addRow("delta %d", d) << d;
    }
    void streamingGivesTheColoursOfAHighlightFromScratch()
    {
        QFETCH(int, delta);
        CodeHighlighter owner;
        auto doc = newDocument();
        QList<std::pair<QString, bool>> steps;   // the text shown, and whether its fence is closed
        for (qsizetype at = 0; at < kCode.size(); at += delta)
            steps.append({kCode.left(at + delta), false});
        // The closing fence: the text loses its last newline and the last line is coloured.
        steps.append({kCode.chopped(1), true});
        for (const auto& [shown, closed] : steps) {
            owner.show(doc.get(), shown, QStringLiteral("cpp"), closed);
            CodeHighlighter fresh;
            auto reference = newDocument();
            fresh.show(reference.get(), shown, QStringLiteral("cpp"), closed);
            QCOMPARE(doc->toPlainText(), displayed(shown));
            QCOMPARE(formatsOf(*doc), formatsOf(*reference));
        }
        QVERIFY(formatsOf(*doc).size() > 10);   // really coloured: keywords, strings, comments
        QVERIFY(formatsOf(*doc).last().startsWith(QStringLiteral("5:")) == false);   // "}" has no colour
        QVERIFY(formatsOf(*doc).filter(QStringLiteral("4:")).size() >= 2);           // return, numbers
    }

    void eachLineIsColouredOnceAndTheLineBeingWrittenWaits()
    {
        QString code;
        qsizetype completeChars = 0;
        for (int i = 0; i < 100; ++i) {
            const QString line = QStringLiteral("int v%1 = f(%1); // note").arg(i);
            code += line + QLatin1Char('\n');
            completeChars += line.size();
        }
        code += QStringLiteral("return 0;");   // the line being written
        CodeHighlighter owner;
        auto doc = newDocument();
        const qint64 before = CodeLineHighlighter::charactersHighlighted();
        for (qsizetype at = 0; at < code.size(); at += 7)
            owner.show(doc.get(), code.left(at + 7), QStringLiteral("cpp"), false);
        // 400 deltas, yet each complete line was handed to source-highlight exactly once.
        QCOMPARE(CodeLineHighlighter::charactersHighlighted() - before, completeChars);
        QVERIFY(doc->lastBlock().layout()->formats().isEmpty());
        owner.show(doc.get(), code, QStringLiteral("cpp"), true);
        QCOMPARE(CodeLineHighlighter::charactersHighlighted() - before, completeChars + 9);
        QVERIFY(!doc->lastBlock().layout()->formats().isEmpty());
    }

    void aLongLineIsShownPlainInPiecesWithoutHighlighting()
    {
        QString line;
        for (int i = 0; line.size() < 200000; ++i)
            line += QStringLiteral("x%1 = f(y%1, \"s\"); ").arg(i % 97);
        line.truncate(200000);
        // An ordinary line before it (inside the block limit) is coloured; what follows the long
        // line lies past the block limit.
        const QString code = QStringLiteral("int before = 1;\n") + line + QStringLiteral("\nint after = 1;\n");
        CodeHighlighter owner;
        auto doc = newDocument();
        const qint64 before = CodeLineHighlighter::charactersHighlighted();
        for (qsizetype at = 0; at < code.size(); at += 1000)
            owner.show(doc.get(), code.left(at + 1000), QStringLiteral("cpp"), false);
        owner.show(doc.get(), code.chopped(1), QStringLiteral("cpp"), true);
        // Only the ordinary line before it was coloured: the long line cost no highlighting.
        QCOMPARE(CodeLineHighlighter::charactersHighlighted() - before,
                 qint64(QStringLiteral("int before = 1;").size()));
        QCOMPARE(doc->blockCount(), 1 + 200000 / CodeHighlighter::kLongLineChunk + 1);
        QCOMPARE(doc->toPlainText(), displayed(code.chopped(1)));
        QVERIFY(!doc->firstBlock().layout()->formats().isEmpty());
        for (QTextBlock b = doc->firstBlock().next(); b.isValid(); b = b.next()) {
            if (b != doc->lastBlock())
                QCOMPARE(b.length() - 1, CodeHighlighter::kLongLineChunk);
            QVERIFY(b.layout()->formats().isEmpty());
        }
    }

    void linesPastTheLimitsArePlain()
    {
        CodeHighlighter owner;
        auto doc = newDocument();
        // One line just over the line limit, one at it.
        const QString over = QStringLiteral("int a; ").repeated(CodeHighlighter::kMaxHighlightedLine / 7 + 1);
        const QString at = over.left(CodeHighlighter::kMaxHighlightedLine);
        qint64 before = CodeLineHighlighter::charactersHighlighted();
        owner.show(doc.get(), over + QLatin1Char('\n') + at, QStringLiteral("cpp"), true);
        QCOMPARE(CodeLineHighlighter::charactersHighlighted() - before, qint64(at.size()));
        QVERIFY(doc->firstBlock().layout()->formats().isEmpty());
        QVERIFY(!doc->lastBlock().layout()->formats().isEmpty());

        // A closed block far over the block limit: colours stop at the limit.
        auto big = newDocument();
        QString code;
        while (code.size() < 4 * CodeHighlighter::kMaxHighlightedBlockChars)
            code += QStringLiteral("int value = compute(1, 2);\n");
        before = CodeLineHighlighter::charactersHighlighted();
        owner.show(big.get(), code, QStringLiteral("cpp"), true);
        const qint64 work = CodeLineHighlighter::charactersHighlighted() - before;
        QVERIFY2(work <= CodeHighlighter::kMaxHighlightedBlockChars, qPrintable(QString::number(work)));
        QVERIFY(work > CodeHighlighter::kMaxHighlightedBlockChars * 9 / 10);   // newlines are not counted
        QVERIFY(!big->firstBlock().layout()->formats().isEmpty());
        QVERIFY(big->findBlock(3 * CodeHighlighter::kMaxHighlightedBlockChars).layout()->formats().isEmpty());
    }

    // A long block is shown in pieces (MarkdownSplitter), one document each: the lines are
    // coloured as in one document of the whole block. Lines are coloured one by one (a comment
    // spanning lines is coloured on its first line, in one document as in pieces), the block's
    // first kMaxHighlightedBlockChars characters only, and a line cut between pieces is longer
    // than a piece, so plain.
    void aBlockInPiecesIsColouredAsOneDocument()
    {
        QString code = QStringLiteral("/* a comment\n   on two lines */\n");
        for (int i = 0; i < 20; ++i)
            code += QStringLiteral("int v%1 = f(\"s\", %1); // note\n").arg(i);
        code += QStringLiteral("x = 1; ").repeated(MarkdownSplitter::kCodePieceChars / 7 + 10) +
                QStringLiteral("int after_the_long_line = 2;\n");
        while (code.size() < 2 * CodeHighlighter::kMaxHighlightedBlockChars)
            code += QStringLiteral("char* s = \"text\"; /* c */ return 0x%1;\n").arg(code.size());
        code.chop(1);
        const QList<MarkdownSegment> pieces =
            splitMarkdown(QStringLiteral("```cpp\n") + code + QStringLiteral("\n```"));
        QVERIFY(pieces.size() > 4);
        QVERIFY(std::any_of(pieces.begin(), pieces.end(), [](const MarkdownSegment& p) { return p.joinsLine; }));

        // Every coloured line, in order: its text and its colours.
        auto coloured = [](const QTextDocument& doc, QStringList& out) {
            for (QTextBlock b = doc.begin(); b.isValid(); b = b.next()) {
                QStringList ranges;
                for (const QTextLayout::FormatRange& r : b.layout()->formats())
                    ranges << QStringLiteral("%1+%2=%3")
                                  .arg(r.start)
                                  .arg(r.length)
                                  .arg(r.format.foreground().color().name());
                if (!ranges.isEmpty())
                    out << b.text() + QLatin1Char('|') + ranges.join(QLatin1Char(','));
            }
        };
        CodeHighlighter owner;
        const qint64 before = CodeLineHighlighter::charactersHighlighted();
        auto whole = newDocument();
        owner.show(whole.get(), code, QStringLiteral("cpp"), true);
        const qint64 wholeWork = CodeLineHighlighter::charactersHighlighted() - before;
        QStringList expected;
        coloured(*whole, expected);
        QVERIFY(expected.size() > 100);
        QVERIFY(expected.first().startsWith(QStringLiteral("/* a comment|")));
        QVERIFY(expected.filter(QStringLiteral("int after_the_long_line")).isEmpty());   // the end of a long line

        QStringList shown;
        std::vector<std::unique_ptr<QTextDocument>> docs;
        for (const MarkdownSegment& p : pieces) {
            docs.push_back(newDocument());
            owner.show(docs.back().get(), p.text, p.language, p.closed, int(p.offset), p.joinsLine);
            coloured(*docs.back(), shown);
        }
        QCOMPARE(shown, expected);
        QCOMPARE(CodeLineHighlighter::charactersHighlighted() - before, 2 * wholeWork);

        // Without its offset and cut, a later piece would be coloured as a block of its own.
        const MarkdownSegment& cutPiece =
            *std::find_if(pieces.begin(), pieces.end(), [](const MarkdownSegment& p) { return p.joinsLine; });
        auto alone = newDocument();
        owner.show(alone.get(), cutPiece.text, cutPiece.language, true);
        QStringList aloneColoured;
        coloured(*alone, aloneColoured);
        QVERIFY(aloneColoured.first().contains(QStringLiteral("int after_the_long_line")));
    }

    void hostileCharactersKeepOneDocumentCharacterPerCodeCharacter()
    {
        // CRLF, a lone CR, a paragraph separator and Qt's frame marks would each start a block.
        const QString code =
            QStringLiteral("a\r\nb\rc\u2029d\ufdd0e\ufdd1f\n") + QString(4500, QLatin1Char('x')) + QLatin1Char('\n');
        CodeHighlighter owner;
        auto doc = newDocument();
        for (qsizetype at = 0; at < code.size(); at += 3)
            owner.show(doc.get(), code.left(at + 3), QStringLiteral("cpp"), false);
        QCOMPARE(doc->blockCount(), 2 + 3 + 1);   // 2 lines, 4500 x's in 3 pieces, the empty last
        QCOMPARE(doc->characterCount() - 1, code.size() + 2 /* two cuts in the long line */);
        // Closing: the last newline goes, and then other texts replace it entirely.
        owner.show(doc.get(), code.chopped(1), QStringLiteral("cpp"), true);
        QCOMPARE(doc->characterCount() - 1, code.size() - 1 + 2);
        QCOMPARE(doc->blockCount(), 2 + 3);
        owner.show(doc.get(), QStringLiteral("x\ny"), QStringLiteral("python"), true);
        QCOMPARE(doc->toPlainText(), QStringLiteral("x\ny"));
        owner.show(doc.get(), QString(), QString(), true);
        QVERIFY(doc->isEmpty());
    }

    void themeChangeRecolours()
    {
        CodeHighlighter owner;
        auto doc = newDocument();
        owner.show(doc.get(), QStringLiteral("int x;"), QStringLiteral("cpp"), true);
        const QStringList light = formatsOf(*doc);
        QVERIFY(!light.isEmpty());
        owner.setDark(true);
        QVERIFY(formatsOf(*doc) != light);
        QCOMPARE(formatsOf(*doc).size(), light.size());
    }

    // showRow() reads the code piece of a MessageSegmentModel's row in C++ (no piece text through
    // QML on a streamed delta), and shows what show() with that piece's values shows.
    void showRowReadsTheModelsRow()
    {
        causerie::testing::QmlTextEdit edit("width: 600; textFormat: TextEdit.PlainText");
        QVERIFY2(edit.textDocument(), qPrintable(edit.error()));
        QTextDocument* shown = edit.textDocument()->textDocument();

        CodeHighlighter owner;
        MessageSegmentModel rows;
        rows.setMarkdown(QStringLiteral("Text\n\n```cpp\nint x = 1;\nint y"));
        QCOMPARE(rows.rowCount(), 2);
        owner.showRow(edit.textDocument(), &rows, 1);
        QCOMPARE(shown->toPlainText(), QStringLiteral("int x = 1;\nint y"));
        rows.setMarkdown(QStringLiteral("Text\n\n```cpp\nint x = 1;\nint y = 2;\n```\n"));
        owner.showRow(edit.textDocument(), &rows, 1);
        QCOMPARE(shown->toPlainText(), QStringLiteral("int x = 1;\nint y = 2;"));
        auto reference = newDocument();
        owner.show(reference.get(), QStringLiteral("int x = 1;\nint y = 2;"), QStringLiteral("cpp"), true);
        QVERIFY(!formatsOf(*reference).isEmpty());
        QCOMPARE(formatsOf(*shown), formatsOf(*reference));

        // Not a code row, or no such row: nothing shown. Nothing to read from or into: no crash.
        owner.showRow(edit.textDocument(), &rows, 0);
        QVERIFY(shown->isEmpty());
        owner.showRow(edit.textDocument(), &rows, 1);
        owner.showRow(edit.textDocument(), &rows, 9);
        QVERIFY(shown->isEmpty());
        owner.showRow(edit.textDocument(), &rows, -1);
        QVERIFY(shown->isEmpty());
        owner.showRow(edit.textDocument(), &rows, 1);
        owner.showRow(edit.textDocument(), nullptr, 1);
        QCOMPARE(shown->toPlainText(), QStringLiteral("int x = 1;\nint y = 2;"));
        owner.showRow(nullptr, &rows, 1);
    }
};

QTEST_MAIN(TestCodeHighlighter)
#include "tst_codehighlighter.moc"
