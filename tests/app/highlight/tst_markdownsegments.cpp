// How an answer is cut into view pieces, and that streaming touches only the rows that changed.
#include "markdownsegments.h"
#include "prosestyle.h"

#include "safemarkdown.h"

#include "../../common/qml_text_edit.h"

#include <QAbstractItemModelTester>
#include <QAbstractTextDocumentLayout>
#include <QQuickTextDocument>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>
#include <QTextCursor>
#include <QTextDocument>

#include <memory>

namespace {

QStringList kinds(const QList<MarkdownSegment>& s)
{
    QStringList out;
    for (const MarkdownSegment& m : s)
        out << (m.kind == MarkdownSegment::Code ? QStringLiteral("code") : QStringLiteral("text"));
    return out;
}

// Answers that stress the split: fences cut between deltas, ``` inside lines, CRLF, fences of
// other kinds and lengths, unterminated fences, lists and blank lines.
const QStringList kHostile = {
    QStringLiteral("Intro\n\n```py\nprint(1)\n```\nafter ``` inline\n\n- a\n\n  b\n\nEnd."),
    QStringLiteral("a ``` b\n```\nx ``` y\n  ```  \n````md\n```\n````\n~~~\n```\n~~~~\ntail"),
    QStringLiteral("Intro\r\n\r\n```cpp\r\nint x;\r\n\r\n```\r\nEnd\r\n\r\n1. one\r\n\r\n2. two\r\n"),
    QStringLiteral("Code:\n```rust\nfn main() {\n\n    let s = \"```\";\n"),
    QStringLiteral("```\n```\n```\n\n\n   \n```x y z\n\n-\n+ \n12) z\n\nP"),
    // Crosses kMinProseChars: whether "B" starts a segment depends on the size before it.
    QString(MarkdownSplitter::kMinProseChars - 12, QLatin1Char('x')) + QStringLiteral("\n\n- a\n\nB\n\nC\n```\nc\n```"),
    // Long code blocks, cut into pieces: by lines; a line cut where a surrogate pair straddles
    // the limit; a blank line as long as a piece that turns out to be the closing fence.
    QStringLiteral("```c\n") + QStringLiteral("a;\n").repeated(MarkdownSplitter::kCodePieceLines + 2) +
        QStringLiteral("```\nEnd"),
    QStringLiteral("```\n") + QString(MarkdownSplitter::kCodePieceChars - 1, QLatin1Char('x')) +
        QStringLiteral("\U0001F600yy\nz\n```"),
    QStringLiteral("~~~\nb\n") + QString(MarkdownSplitter::kCodePieceChars, QLatin1Char(' ')) +
        QStringLiteral("~~~\ntail"),
};

// What the "Copy code" of each block gives: its pieces joined (MessageSegmentModel::codeBlock's
// rule, checked here on the splitter's own output).
QStringList codeBlocks(const QList<MarkdownSegment>& segments)
{
    QStringList out;
    for (const MarkdownSegment& s : segments) {
        if (s.kind != MarkdownSegment::Code)
            continue;
        if (s.part == 0)
            out << s.text;
        else
            out.last() += (s.joinsLine ? QString() : QStringLiteral("\n")) + s.text;
    }
    return out;
}

// Every code piece within the limits, numbered in order, with the offset where it starts in its
// block; a piece continues iff the next segment is its block's next piece.
void checkPieces(const QList<MarkdownSegment>& segments)
{
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const MarkdownSegment& s = segments.at(i);
        if (s.kind != MarkdownSegment::Code)
            continue;
        QVERIFY(s.text.size() <= MarkdownSplitter::kCodePieceChars);
        QVERIFY(s.text.count(QLatin1Char('\n')) < MarkdownSplitter::kCodePieceLines);
        if (s.part == 0) {
            QCOMPARE(s.offset, 0);
            QVERIFY(!s.joinsLine);
        } else {
            QVERIFY(i > 0);
            const MarkdownSegment& before = segments.at(i - 1);
            QCOMPARE(before.kind, MarkdownSegment::Code);
            QVERIFY(before.continues);
            QVERIFY(before.closed);
            QCOMPARE(s.part, before.part + 1);
            QCOMPARE(s.offset, before.offset + before.text.size() + (s.joinsLine ? 0 : 1));
            QVERIFY(!s.text.isEmpty() || !s.joinsLine);
        }
        if (s.continues) {
            QVERIFY(i + 1 < segments.size());
            QCOMPARE(segments.at(i + 1).part, s.part + 1);
        }
    }
}

// A line of `size` UTF-16 units where every cut a piece would make at kCodePieceChars falls
// inside a surrogate pair, with 1- to 3-byte UTF-8 characters around: the first piece gets
// kCodePieceChars - 1 units of filler, each later one starts with the pair the cut moved to it.
QString lineWithPairsAtEveryCut(qsizetype size)
{
    const QString filler = QStringLiteral("a\u00e9\u20ac\u4e2db");   // a é € 中 b: 1, 2, 3, 3, 1 UTF-8 bytes
    auto fill = [&](qsizetype n) {
        QString f = filler.repeated(n / filler.size() + 1);
        f.truncate(n);
        return f;
    };
    QString line = fill(MarkdownSplitter::kCodePieceChars - 1);
    while (line.size() < size)
        line += QStringLiteral("\U0001F600") + fill(MarkdownSplitter::kCodePieceChars - 3);
    return line;
}

// No lone surrogate: the piece is whole characters, and so is its UTF-8.
bool wholeCharacters(const QString& s)
{
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s.at(i).isHighSurrogate() && (i + 1 == s.size() || !s.at(i + 1).isLowSurrogate()))
            return false;
        if (s.at(i).isLowSurrogate() && (i == 0 || !s.at(i - 1).isHighSurrogate()))
            return false;
    }
    return true;
}

}   // namespace

class TestMarkdownSegments : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void proseAndCode()
    {
        const auto s = splitMarkdown(QStringLiteral("Here:\n\n```cpp\nint x = 1;\n\nint y;\n```\nDone."));
        QCOMPARE(kinds(s), (QStringList{"text", "code", "text"}));
        QCOMPARE(s[0].markdown, QStringLiteral("Here:"));
        QCOMPARE(s[1].language, QStringLiteral("cpp"));
        QCOMPARE(s[1].text, QStringLiteral("int x = 1;\n\nint y;"));   // blank line inside code kept
        QCOMPARE(s[1].markdown, QStringLiteral("```cpp\nint x = 1;\n\nint y;\n```"));
        QCOMPARE(s[2].text, QStringLiteral("Done."));
    }

    void fencesOfOtherKindsAndLengths()
    {
        // A ```` block contains ``` lines; ~~~ is closed only by ~~~.
        const auto s = splitMarkdown(QStringLiteral("````md\n```\nx\n```\n````\n~~~\na\n```\n~~~"));
        QCOMPARE(kinds(s), (QStringList{"code", "code"}));
        QCOMPARE(s[0].text, QStringLiteral("```\nx\n```"));
        QCOMPARE(s[1].text, QStringLiteral("a\n```"));
    }

    void unterminatedFenceRunsToTheEnd()
    {
        const auto s = splitMarkdown(QStringLiteral("Code:\n```python\nprint(1)\n"));
        QCOMPARE(kinds(s), (QStringList{"text", "code"}));
        QCOMPARE(s[1].language, QStringLiteral("python"));
        QCOMPARE(s[1].text, QStringLiteral("print(1)\n"));
    }

    void paragraphsAreGatheredIntoSegmentsOfSomeKilobytes()
    {
        // Short paragraphs stay together: one segment.
        const QString shortOnes = QStringLiteral("# Title\nFirst paragraph.\n\nSecond\nparagraph.\n\n\n> quote");
        QCOMPARE(splitMarkdown(shortOnes).size(), 1);
        QCOMPARE(splitMarkdown(shortOnes)[0].markdown, shortOnes);
        // Once a segment holds kMinProseChars, the next paragraph starts a new one.
        const QString a = QStringLiteral("a").repeated(MarkdownSplitter::kMinProseChars);
        const QString b = QStringLiteral("b").repeated(10);
        const auto s = splitMarkdown(a + QStringLiteral("\n\n\n") + b + QStringLiteral("\n\n> quote"));
        QCOMPARE(s.size(), 2);
        QCOMPARE(s[0].markdown, a);
        QCOMPARE(s[1].markdown, b + QStringLiteral("\n\n> quote"));
    }

    void listsAndIndentedBlocksStayWhole()
    {
        // Loose lists (blank lines between items), continuation paragraphs and indented code
        // would render differently if cut: they stay in one segment, however long.
        const QString big = QStringLiteral("x").repeated(MarkdownSplitter::kMinProseChars);
        const QString loose =
            big + QStringLiteral("\n\n1. one\n\n2. two\n\n   more about two\n\n- a\n\n+ b\n\n    indented code");
        const auto s = splitMarkdown(loose);
        QCOMPARE(s.size(), 1);
        QCOMPARE(s[0].markdown, loose);
        // A paragraph in column 0 after a list ends the list: a new segment.
        const auto t = splitMarkdown(QStringLiteral("- ") + big + QStringLiteral("\n- b\n\nAfter the list."));
        QCOMPARE(t.size(), 2);
        QCOMPARE(t[1].markdown, QStringLiteral("After the list."));
    }

    void hugeProseIsCutEvenWhereItMayRenderDifferently()
    {
        // A list longer than kMaxProseChars is cut at a blank line; text without blank lines at
        // a line end past kMaxProseCharsWithoutBlank.
        QString list;
        while (list.size() < 2 * MarkdownSplitter::kMaxProseChars)
            list += QStringLiteral("- item\n\n");
        const auto l = splitMarkdown(list);
        QCOMPARE(l.size(), 2);
        QVERIFY(l[0].markdown.size() + 2 >= MarkdownSplitter::kMaxProseChars);   // its last blank line trimmed
        QVERIFY(l[0].markdown.size() < MarkdownSplitter::kMaxProseChars + 10);
        QString lines;
        while (lines.size() < 2 * MarkdownSplitter::kMaxProseCharsWithoutBlank + 100)
            lines += QStringLiteral("word\n");
        const auto w = splitMarkdown(lines);
        QCOMPARE(w.size(), 3);
        // Cut at the first line end at or past the limit ("word\n" is 5 characters).
        QVERIFY(w[0].markdown.size() + 1 >= MarkdownSplitter::kMaxProseCharsWithoutBlank);
        QVERIFY(w[0].markdown.size() + 1 < MarkdownSplitter::kMaxProseCharsWithoutBlank + 5);
        QString joined;
        for (const MarkdownSegment& m : w)
            joined += m.text + QLatin1Char('\n');
        QCOMPARE(joined, lines);   // nothing lost at the cuts
    }

    void blankInputGivesNothing()
    {
        QVERIFY(splitMarkdown(QString()).isEmpty());
        QVERIFY(splitMarkdown(QStringLiteral("\n  \n\n")).isEmpty());
        // An empty code block is still a code block (it has a copy button).
        QCOMPARE(kinds(splitMarkdown(QStringLiteral("```\n```"))), (QStringList{"code"}));
    }

    void joinedSegmentsKeepEveryCharacterOfTheText()
    {
        const QString md = QStringLiteral("a\n\nb c\n\n```\nx\n```\n\nd\n- e\n\n  f");
        QString prose;
        for (const MarkdownSegment& s : splitMarkdown(md))
            prose += s.text;
        QString expected = md;
        expected.remove(QStringLiteral("```")).remove(QLatin1Char('\n'));
        prose.remove(QLatin1Char('\n'));
        QCOMPARE(prose, expected);
    }

    // The split of a text fed in two pieces equals the split of the text at once, at every
    // cut; and each piece gives the split of what was fed so far.
    void splittingIncrementallyEqualsSplittingAtOnce_data()
    {
        QTest::addColumn<QString>("text");
        for (int i = 0; i < kHostile.size(); ++i)
            QTest::addRow("hostile %d", i) << kHostile.at(i);
    }
    void splittingIncrementallyEqualsSplittingAtOnce()
    {
        QFETCH(QString, text);
        const QList<MarkdownSegment> whole = splitMarkdown(text);
        QVERIFY(!whole.isEmpty());
        for (qsizetype cut = 0; cut <= text.size(); ++cut) {
            MarkdownSplitter s;
            s.append(QStringView(text).left(cut));
            QCOMPARE(s.segments(), splitMarkdown(text.left(cut)));
            s.append(QStringView(text).mid(cut));
            QCOMPARE(s.segments(), whole);
        }
        // One character at a time: what is finished never changes afterwards.
        MarkdownSplitter s;
        QList<MarkdownSegment> finished;
        for (qsizetype i = 0; i < text.size(); ++i) {
            s.append(QStringView(text).mid(i, 1));
            QCOMPARE(s.finished().mid(0, finished.size()), finished);
            finished = s.finished();
            QCOMPARE(s.segments(), splitMarkdown(text.left(i + 1)));
            // More only while a line of blanks, which may still be a closing fence, is written.
            const qsizetype lineSoFar = text.left(i + 1).section(QLatin1Char('\n'), -1).size();
            QVERIFY(s.open().size() <= 2 + lineSoFar / MarkdownSplitter::kCodePieceChars);
        }
        checkPieces(whole);
    }

    void aLongBlockIsCutIntoPiecesOfBoundedSize()
    {
        // Short lines: cut every kCodePieceLines lines.
        QStringList lines;
        for (int i = 0; i < 10 * MarkdownSplitter::kCodePieceLines; ++i)
            lines << QStringLiteral("line %1 of the block").arg(i, 4);
        const QString code = lines.join(QLatin1Char('\n'));
        const auto s = splitMarkdown(QStringLiteral("Intro.\n\n```cpp\n") + code + QStringLiteral("\n```\nAfter."));
        QCOMPARE(s.size(), 12);
        for (int i = 0; i < 10; ++i) {
            const MarkdownSegment& p = s.at(i + 1);
            QCOMPARE(p.kind, MarkdownSegment::Code);
            QCOMPARE(p.language, QStringLiteral("cpp"));
            QCOMPARE(p.part, i);
            QCOMPARE(p.continues, i < 9);
            QVERIFY(!p.joinsLine);
            QVERIFY(p.closed);
            QCOMPARE(p.text, lines.mid(i * MarkdownSplitter::kCodePieceLines, MarkdownSplitter::kCodePieceLines)
                                 .join(QLatin1Char('\n')));
        }
        QCOMPARE(s.last().text, QStringLiteral("After."));
        QCOMPARE(codeBlocks(s), QStringList{code});
        checkPieces(s);

        // Lines of 100 characters: cut at the last line end that fits kCodePieceChars.
        const QString longer = QStringLiteral("y").repeated(99);
        const QString code2 = QStringList(1000, longer).join(QLatin1Char('\n'));
        const auto t = splitMarkdown(QStringLiteral("```\n") + code2 + QStringLiteral("\n```"));
        const qsizetype perPiece = (MarkdownSplitter::kCodePieceChars + 1) / 100;   // 40 lines of 99 + '\n'
        QCOMPARE(t.size(), (1000 + perPiece - 1) / perPiece);
        QCOMPARE(t.first().text.size(), perPiece * 100 - 1);
        QCOMPARE(codeBlocks(t), QStringList{code2});
        checkPieces(t);

        // A block that fits is one piece, as before.
        const auto u =
            splitMarkdown(QStringLiteral("```\n") +
                          QStringList(MarkdownSplitter::kCodePieceLines, QStringLiteral("z")).join(QLatin1Char('\n')) +
                          QStringLiteral("\n```"));
        QCOMPARE(u.size(), 1);
        QCOMPARE(u.first().part, 0);
        QVERIFY(!u.first().continues);
    }

    void aLongLineIsCutBetweenCharacters()
    {
        const QString line = lineWithPairsAtEveryCut(200000);
        const auto s = splitMarkdown(QStringLiteral("```cpp\n") + line + QStringLiteral("\n```"));
        QCOMPARE(codeBlocks(s), QStringList{line});
        QCOMPARE(s.size(),
                 (line.size() + MarkdownSplitter::kCodePieceChars - 2) / (MarkdownSplitter::kCodePieceChars - 1));
        QByteArray utf8;
        for (qsizetype i = 0; i < s.size(); ++i) {
            const MarkdownSegment& p = s.at(i);
            QVERIFY2(wholeCharacters(p.text), qPrintable(QStringLiteral("piece %1").arg(i)));
            QCOMPARE(p.joinsLine, i > 0);
            QCOMPARE(p.continues, i + 1 < s.size());
            // Each cut moved before the pair that straddled it.
            if (i + 1 < s.size())
                QCOMPARE(p.text.size(), MarkdownSplitter::kCodePieceChars - 1);
            if (i > 0)
                QVERIFY(p.text.startsWith(QStringLiteral("\U0001F600")));
            utf8 += p.text.toUtf8();
        }
        QCOMPARE(utf8, line.toUtf8());   // no UTF-8 sequence cut either
        checkPieces(s);

        // A line with a pair that does not straddle a cut is cut at kCodePieceChars exactly.
        const QString plain = QStringLiteral("\U0001F600").repeated(3 * MarkdownSplitter::kCodePieceChars / 2);
        const auto t = splitMarkdown(QStringLiteral("```\n") + plain + QStringLiteral("\n```"));
        QCOMPARE(t.size(), 3);
        QCOMPARE(t.at(0).text.size(), MarkdownSplitter::kCodePieceChars);
        QCOMPARE(codeBlocks(t), QStringList{plain});
    }

    // An answer with a long line streamed in deltas of all sizes, some ending between the two
    // halves of a surrogate pair: the same pieces as the whole text at every step, finished
    // pieces never change, and the open part stays small.
    void streamingALongLineGivesTheSamePieces()
    {
        const QString line = lineWithPairsAtEveryCut(200000);
        const QString text =
            QStringLiteral("Intro.\n\n```cpp\nint x;\n") + line + QStringLiteral("\nint y;\n```\n\nAfter the code.");
        const QList<MarkdownSegment> whole = splitMarkdown(text);
        QCOMPARE(codeBlocks(whole), QStringList{QStringLiteral("int x;\n") + line + QStringLiteral("\nint y;")});
        const qsizetype deltas[] = {1, 7, 1021, MarkdownSplitter::kCodePieceChars + 1, 2999, 4094};
        MarkdownSplitter s;
        MessageSegmentModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<MarkdownSegment> finished;
        int step = 0;
        for (qsizetype at = 0; at < text.size(); ++step) {
            const qsizetype next = std::min(text.size(), at + deltas[step % std::size(deltas)]);
            s.append(QStringView(text).mid(at, next - at));
            at = next;
            QCOMPARE(s.finished().mid(0, finished.size()), finished);
            finished = s.finished();
            QVERIFY(s.open().size() <= 2);
            const QList<MarkdownSegment> expected = splitMarkdown(text.left(at));
            QCOMPARE(s.segments(), expected);
            model.setMarkdown(text.left(at));
            QCOMPARE(model.rowCount(), expected.size());
            for (int r = 0; r < model.rowCount(); ++r)
                if (expected.at(r).kind == MarkdownSegment::Code)
                    QCOMPARE(model.codeBlock(r), codeBlocks(expected).constLast());
        }
        QCOMPARE(s.segments(), whole);
        checkPieces(whole);
    }

    // A line of blanks may still become the closing fence: it is cut only once it cannot.
    void aLongBlankLineMayStillCloseTheBlock()
    {
        const QString blanks(3 * MarkdownSplitter::kCodePieceChars, QLatin1Char(' '));
        const QString closes = QStringLiteral("```\n") + blanks + QStringLiteral("```\nafter");
        const QString goesOn = QStringLiteral("```\n") + blanks + QStringLiteral("x\n```");
        for (const QString& text : {closes, goesOn}) {
            MarkdownSplitter s;
            for (qsizetype at = 0; at < text.size(); at += 1000)
                s.append(QStringView(text).mid(at, 1000));
            QCOMPARE(s.segments(), splitMarkdown(text));
        }
        const auto c = splitMarkdown(closes);
        QCOMPARE(c.size(), 2);
        QCOMPARE(c.at(0).text, QString());
        QVERIFY(c.at(0).closed);
        QCOMPARE(c.at(1).text, QStringLiteral("after"));
        const auto g = splitMarkdown(goesOn);
        QCOMPARE(g.size(), 4);
        QCOMPARE(codeBlocks(g), QStringList{blanks + QStringLiteral("x")});
    }

    void modelGivesThePiecesAndTheWholeBlock()
    {
        const QString line = lineWithPairsAtEveryCut(3 * (MarkdownSplitter::kCodePieceChars - 1));   // 3 pieces
        const QString code = QStringLiteral("first\n") + line + QStringLiteral("\nlast");
        MessageSegmentModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMarkdown(QStringLiteral("Prose.\n\n```py\n") + code + QStringLiteral("\n```\nMore prose."));
        QCOMPARE(model.rowCount(), 7);   // prose, "first", 3 pieces of the line, "last", prose
        const QStringList roles = {"kind",      "text",      "language", "markdown", "closed", "plain",      "part",
                                   "continues", "joinsLine", "offset",   "chars",    "latex",  "latexSource"};
        const QHash<int, QByteArray> names = model.roleNames();
        QCOMPARE(names.size(), roles.size());
        for (const QString& r : roles)
            QVERIFY2(names.key(r.toUtf8(), -1) >= 0, qPrintable(r));
        const int parts[] = {0, 0, 1, 2, 3, 4, 0};
        const bool joins[] = {false, false, false, true, true, false, false};
        for (int r = 0; r < 7; ++r) {
            const QModelIndex i = model.index(r);
            QCOMPARE(model.data(i, MessageSegmentModel::PartRole).toInt(), parts[r]);
            QCOMPARE(model.data(i, MessageSegmentModel::JoinsLineRole).toBool(), joins[r]);
            QCOMPARE(model.data(i, MessageSegmentModel::ContinuesRole).toBool(), r >= 1 && r <= 4);
            QCOMPARE(model.codeBlock(r), r == 0 || r == 6 ? QString() : code);
        }
        QCOMPARE(model.data(model.index(1), MessageSegmentModel::TextRole).toString(), QStringLiteral("first"));
        QCOMPARE(model.data(model.index(2), MessageSegmentModel::OffsetRole).toInt(), 6);
        QCOMPARE(model.data(model.index(5), MessageSegmentModel::TextRole).toString(), QStringLiteral("last"));
        QCOMPARE(model.codeBlock(-1), QString());
        QCOMPARE(model.codeBlock(7), QString());
    }

    // What a view reads per piece without its text: the length shown, the lines it wraps to,
    // and a formula's LaTeX (nothing for prose and code).
    void viewRolesCarryLengthsAndFormulasOnly()
    {
        MessageSegmentModel model;
        model.setMarkdown(
            QStringLiteral("Some *prose*\nwith two lines.\n\n```py\nx = 1\n\nyy = 22\n```\n\n$$\na^2\n$$\n"));
        QCOMPARE(model.rowCount(), 3);
        const auto cell = [&](int row, int role) { return model.data(model.index(row), role); };
        // Prose shows its Markdown, code its text without the fences, a formula as written.
        QCOMPARE(cell(0, MessageSegmentModel::CharsRole).toInt(),
                 cell(0, MessageSegmentModel::MarkdownRole).toString().size());
        QCOMPARE(cell(0, MessageSegmentModel::CharsRole).toInt(), 28);
        QCOMPARE(cell(1, MessageSegmentModel::CharsRole).toInt(), 14);   // "x = 1\n\nyy = 22"
        QCOMPARE(cell(2, MessageSegmentModel::CharsRole).toInt(), 9);    // "$$\na^2\n$$"
        for (int row : {0, 1}) {
            QCOMPARE(cell(row, MessageSegmentModel::LatexRole).toString(), QString());
            QCOMPARE(cell(row, MessageSegmentModel::LatexSourceRole).toString(), QString());
        }
        QCOMPARE(cell(2, MessageSegmentModel::LatexRole).toString(), QStringLiteral("a^2"));
        QCOMPARE(cell(2, MessageSegmentModel::LatexSourceRole).toString(), QStringLiteral("$$\na^2\n$$"));

        // "Some *prose*" (12) and "with two lines." (15) at 10 a line: 2 + 2.
        QCOMPARE(model.wrappedLines(0, 10), 4);
        QCOMPARE(model.wrappedLines(0, 1000), 2);
        // "x = 1", "", "yy = 22" at 5 a line: 1 + 1 (an empty line counts) + 2.
        QCOMPARE(model.wrappedLines(1, 5), 4);
        QCOMPARE(model.wrappedLines(1, 0), 5 + 1 + 7);   // less than a character a line: one
        QCOMPARE(model.wrappedLines(2, 80), 3);
        QCOMPARE(model.wrappedLines(-1, 80), 0);
        QCOMPARE(model.wrappedLines(3, 80), 0);

        // Plain prose (too costly as Markdown) shows its text: counted from it.
        QString links;
        for (int i = 0; i < 500; ++i)
            links += QStringLiteral("[l%1](http://h/%1) ").arg(i);
        model.setMarkdown(links);
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(cell(0, MessageSegmentModel::PlainRole).toBool());
        QCOMPARE(cell(0, MessageSegmentModel::CharsRole).toInt(),
                 cell(0, MessageSegmentModel::TextRole).toString().size());
    }

    void closedMarksOnlyFencedBlocksThatEnded()
    {
        const auto s = splitMarkdown(QStringLiteral("```a\nx\n```\n~~~b\ny"));
        QCOMPARE(kinds(s), (QStringList{"code", "code"}));
        QVERIFY(s[0].closed);
        QVERIFY(!s[1].closed);
        QCOMPARE(s[1].text, QStringLiteral("y"));
    }

    // The model fed a growing answer (and then other answers) always shows its split.
    // A segment with a paragraph too costly for Qt's Markdown is marked plain and given no
    // Markdown to render; the others are untouched.
    void costlyProseIsMarkedPlain()
    {
        const QString links = QStringLiteral("[l](http://h/x) ").repeated(1000);
        const QString text =
            QStringLiteral("Intro paragraph.\n\n") + links + QStringLiteral("\n\n```cpp\nint x;\n```\n");
        const QList<MarkdownSegment> s = splitMarkdown(text);
        QCOMPARE(s.size(), 2);
        QVERIFY(s.at(0).plain);
        QVERIFY(s.at(0).markdown.isEmpty());
        QVERIFY(s.at(0).text.contains(links.trimmed()));
        QVERIFY(!s.at(1).plain);
        MessageSegmentModel model;
        model.setMarkdown(text);
        QCOMPARE(model.data(model.index(0), MessageSegmentModel::PlainRole).toBool(), true);
        QCOMPARE(model.data(model.index(1), MessageSegmentModel::PlainRole).toBool(), false);
        QVERIFY(!splitMarkdown(QStringLiteral("Some *short* prose with a [link](https://a.b).")).constFirst().plain);
    }

    void modelRowsFollowTheSplit_data() { splittingIncrementallyEqualsSplittingAtOnce_data(); }
    void modelRowsFollowTheSplit()
    {
        QFETCH(QString, text);
        MessageSegmentModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto rows = [&] {
            QList<MarkdownSegment> out;
            for (int r = 0; r < model.rowCount(); ++r) {
                const QModelIndex i = model.index(r);
                out.append({model.data(i, MessageSegmentModel::KindRole).toString() == QLatin1String("code")
                                ? MarkdownSegment::Code
                                : MarkdownSegment::Prose,
                            model.data(i, MessageSegmentModel::TextRole).toString(),
                            model.data(i, MessageSegmentModel::LanguageRole).toString(),
                            model.data(i, MessageSegmentModel::MarkdownRole).toString(),
                            model.data(i, MessageSegmentModel::ClosedRole).toBool(),
                            model.data(i, MessageSegmentModel::PlainRole).toBool(),
                            model.data(i, MessageSegmentModel::PartRole).toInt(),
                            model.data(i, MessageSegmentModel::ContinuesRole).toBool(),
                            model.data(i, MessageSegmentModel::JoinsLineRole).toBool(),
                            model.data(i, MessageSegmentModel::OffsetRole).toInt()});
            }
            return out;
        };
        for (qsizetype i = 1; i <= text.size(); i += 2) {
            model.setMarkdown(text.left(i));
            QCOMPARE(rows(), splitMarkdown(text.left(i)));
        }
        model.setMarkdown(text);
        QCOMPARE(rows(), splitMarkdown(text));
        // Not an extension of what was shown: split again from the start.
        model.setMarkdown(text.left(text.size() / 2));
        QCOMPARE(rows(), splitMarkdown(text.left(text.size() / 2)));
        model.setMarkdown(kHostile.at(0));
        QCOMPARE(rows(), splitMarkdown(kHostile.at(0)));
    }

    void streamingChangesOnlyTheLastRow()
    {
        MessageSegmentModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

        const QString intro = QStringLiteral("Intro paragraph. ").repeated(130);   // over kMinProseChars
        const QString answer = intro + QStringLiteral("\n\nSecond one, longer.\n\n```cpp\nint main() {}\n```\nEnd.");
        // Feed it as a model would, a few characters at a time.
        QString shown;
        for (qsizetype i = 0; i < answer.size(); i += 3) {
            shown = answer.left(i + 3);
            const int rowsBefore = model.rowCount();
            changed.clear();
            model.setMarkdown(shown);
            for (const QList<QVariant>& args : std::as_const(changed)) {
                const auto top = args.at(0).value<QModelIndex>();
                const auto bottom = args.at(1).value<QModelIndex>();
                QCOMPARE(top.row(), bottom.row());
                // Only the last row that existed before can change (the piece being written);
                // new pieces arrive as inserted rows.
                QCOMPARE(top.row(), rowsBefore - 1);
            }
        }
        QCOMPARE(reset.count(), 0);
        QCOMPARE(removed.count(), 0);
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(inserted.count(), 4);
        QCOMPARE(model.data(model.index(2), MessageSegmentModel::KindRole).toString(), QStringLiteral("code"));
        QCOMPARE(model.data(model.index(2), MessageSegmentModel::TextRole).toString(), QStringLiteral("int main() {}"));
        QCOMPARE(model.data(model.index(3), MessageSegmentModel::MarkdownRole).toString(), QStringLiteral("End."));

        // A different answer (another branch shown) replaces rows, and fewer rows are removed.
        model.setMarkdown(QStringLiteral("Short."));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(model.data(model.index(0), MessageSegmentModel::TextRole).toString(), QStringLiteral("Short."));
        model.setMarkdown(QString());
        QCOMPARE(model.rowCount(), 0);
    }
    // Display math in column 0 is a segment of its own (the LaTeX without delimiters, the source
    // as written); math inside a line, indented, or broken by a blank line stays prose.
    void displayMathIsASegment()
    {
        const QList<MarkdownSegment> a = splitMarkdown(QStringLiteral("Intro\n\n$$\nE = mc^2\n$$\n\nAfter"));
        QCOMPARE(a.size(), 3);
        QCOMPARE(a[1].kind, MarkdownSegment::Math);
        QCOMPARE(a[1].text, QStringLiteral("E = mc^2"));
        QCOMPARE(a[1].markdown, QStringLiteral("$$\nE = mc^2\n$$"));
        QVERIFY(a[1].closed);
        QCOMPARE(a[2].text, QStringLiteral("After"));
        const QList<MarkdownSegment> b = splitMarkdown(QStringLiteral("so:\n\\[ \\frac{a}{b} \\]\nend"));
        QCOMPARE(b.size(), 3);
        QCOMPARE(b[1].kind, MarkdownSegment::Math);
        QCOMPARE(b[1].text, QStringLiteral("\\frac{a}{b}"));
        for (const QString& prose : {QStringLiteral("$$a$$ and more"), QStringLiteral("  $$x$$"),
                                     QStringLiteral("$$\nx\n\ny"), QStringLiteral("text $$x$$")}) {
            const QList<MarkdownSegment> p = splitMarkdown(prose);
            QCOMPARE(p.size(), 1);
            QCOMPARE(p[0].kind, MarkdownSegment::Prose);
        }
        // Still streaming: open, its lines so far.
        const QList<MarkdownSegment> open = splitMarkdown(QStringLiteral("$$\n\\sum_i x_i"));
        QCOMPARE(open.size(), 1);
        QCOMPARE(open[0].kind, MarkdownSegment::Math);
        QVERIFY(!open[0].closed);
        QCOMPARE(open[0].text, QStringLiteral("\\sum_i x_i"));
        // Streamed at every cut, the same segments; the model names the kind.
        const QString text = QStringLiteral("A\n$$\n\\begin{pmatrix}a\\\\b\\end{pmatrix}\n$$\n\\[x\\]\n$$\ny\n\nz");
        for (qsizetype cut = 0; cut <= text.size(); ++cut) {
            MarkdownSplitter s;
            s.append(QStringView(text).left(cut));
            QCOMPARE(s.segments(), splitMarkdown(text.left(cut)));
            s.append(QStringView(text).mid(cut));
            QCOMPARE(s.segments(), splitMarkdown(text));
        }
        MessageSegmentModel model;
        model.setMarkdown(text);
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.data(model.index(1), MessageSegmentModel::KindRole).toString(), QStringLiteral("math"));
        QCOMPARE(model.data(model.index(2), MessageSegmentModel::TextRole).toString(), QStringLiteral("x"));
        QCOMPARE(model.data(model.index(3), MessageSegmentModel::KindRole).toString(), QStringLiteral("text"));
        QCOMPARE(model.codeBlock(1), QString());
    }

    // ProseDocument fills a view's document with what Qt's Markdown import gives (then styled by
    // styleProse, tests/app/highlight/tst_prosestyle.cpp), whatever the document held before.
    void proseDocumentHoldsTheMarkdownImport_data()
    {
        QTest::addColumn<QString>("markdown");
        QTest::addRow("paragraphs") << QStringLiteral(
            "One *two* **three** `four`.\n\nFive [six](https://example.org/6).");
        QTest::addRow("heading and list") << QStringLiteral("## Part 1\n\n- first item\n- second *item*\n\n1. a\n2. b");
        QTest::addRow("quote and table") << QStringLiteral(
            "> quoted\n> text\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nafter");
        QTest::addRow("image made a link") << safeMarkdown(QStringLiteral("See ![x](http://host/leak.png) here."));
        QTest::addRow("empty") << QString();
    }
    void proseDocumentHoldsTheMarkdownImport()
    {
        QFETCH(QString, markdown);
        QTextDocument expected;
        expected.setMarkdown(markdown);
        styleProse(&expected);
        QTextDocument shown;
        shown.documentLayout();   // as a view's document: laid out
        ProseDocument::show(&shown, QStringLiteral("Before *this*, other text\n\n- and a list"), false);
        ProseDocument::show(&shown, markdown, false);
        QCOMPARE(shown.toHtml(), expected.toHtml());
        QCOMPARE(shown.toPlainText(), expected.toPlainText());
        QCOMPARE(shown.blockCount(), expected.blockCount());
        QVERIFY(!shown.isUndoAvailable());
    }

    // The reason it exists: the import is one edit, so a laid-out document is told (and laid out)
    // once, where Qt's own import tells it after every run of text.
    void proseDocumentIsOneEdit()
    {
        QString markdown;
        for (int i = 0; i < 20; ++i)
            markdown += QStringLiteral("Word *%1* and [link %1](https://example.org/%1). ").arg(i);
        QTextDocument direct;
        direct.documentLayout();
        QSignalSpy directChanges(&direct, &QTextDocument::contentsChange);
        direct.setMarkdown(markdown);
        QVERIFY2(directChanges.count() > 40, qPrintable(QString::number(directChanges.count())));

        QTextDocument shown;
        shown.documentLayout();
        QSignalSpy changes(&shown, &QTextDocument::contentsChange);
        QSignalSpy laidOut(shown.documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged);
        ProseDocument::show(&shown, markdown, false);
        // Two: QTextDocument's clear() tells at once that the old text went (nothing to lay out),
        // then the whole import at the end of the edit.
        QCOMPARE(changes.count(), 2);
        QCOMPARE(changes.at(1).at(0).toInt(), 0);
        QCOMPARE(changes.at(1).at(2).toInt(), shown.characterCount());
        QVERIFY(laidOut.count() <= 2);
        QCOMPARE(shown.toHtml(), direct.toHtml());
    }

    void proseDocumentShowsPlainTextAsWritten()
    {
        QTextDocument shown;
        const QString text = QStringLiteral("[a](https://example.org/a) *b* <img src=x>\n\n- c");
        ProseDocument::show(&shown, text, true);
        QCOMPARE(shown.toPlainText(), text);
        QCOMPARE(shown.blockCount(), 3);
        // The same text as Markdown afterwards: formatted, the link a link.
        ProseDocument::show(&shown, text, false);
        QTextDocument expected;
        expected.setMarkdown(text);
        styleProse(&expected);
        QCOMPARE(shown.toHtml(), expected.toHtml());
        QVERIFY(!shown.toPlainText().contains(QLatin1String("](")));
    }

    // Fed in deltas of 1..N characters, as a streamed piece is, the document equals the import of
    // the text so far after every delta.
    void proseDocumentStreamedEqualsImportedAtOnce_data()
    {
        QTest::addColumn<QString>("markdown");
        QString parts;
        for (int i = 0; i < 6; ++i)
            parts += QStringLiteral("## Part %1\n\nThe sea was *calm* that morning, and the **boat** left the harbour "
                                    "at dawn with [a map](https://example.org/%1) and `a compass`.\n\n"
                                    "- first item %1\n- second item with more words in it\n\n")
                         .arg(i);
        QTest::addRow("answer parts") << parts;
        QTest::addRow("lists, quotes, tables")
            << QStringLiteral("Intro *x*\n\n1. one\n\n2. two\n\nAfter the list\n> quote\nlazy\n\n> again\n\n"
                              "a | b\n---|---\n1 | 2\n\nTitle\n=====\n\n* star item\n\n**bold** start\n\n"
                              "    indented code\n\n---\n\n___\n\n#not heading\n\n[link](http://h) first\n\n"
                              "`span` first\n\n_em_ first\n\n12) twelve\n\nEnd");
        QTest::addRow("reference") << QStringLiteral(
            "See [x][r] here.\n\nMore text.\n\n[r]: https://example.org/r\n\nTail");
        QTest::addRow("blank lines and CRLF") << QStringLiteral("a\r\n\r\nb\n\n\n\nc\n  \nd\n\n");
    }
    void proseDocumentStreamedEqualsImportedAtOnce()
    {
        QFETCH(QString, markdown);
        for (qsizetype step : {qsizetype(1), qsizetype(2), qsizetype(7), qsizetype(64), markdown.size()}) {
            QTextDocument shown;
            shown.documentLayout();
            for (qsizetype sent = 0; sent < markdown.size();) {
                sent = std::min(markdown.size(), sent + step);
                ProseDocument::show(&shown, markdown.left(sent), false);
                QTextDocument expected;
                expected.setMarkdown(markdown.left(sent));
                styleProse(&expected);
                QCOMPARE(shown.toHtml(), expected.toHtml());
            }
        }
    }

    // The same on texts made of random Markdown lines (a fixed seed: the same texts every run),
    // made safe as the view's pieces are, streamed in random deltas.
    void proseDocumentStreamedEqualsImportedAtOnceOnRandomLines()
    {
        const QStringList pool = {QString(),
                                  QStringLiteral("  "),
                                  QStringLiteral("Para *x* text"),
                                  QStringLiteral("# H"),
                                  QStringLiteral("## H2 **b**"),
                                  QStringLiteral("- item"),
                                  QStringLiteral("* item"),
                                  QStringLiteral("1. one"),
                                  QStringLiteral("  continued"),
                                  QStringLiteral("    code"),
                                  QStringLiteral("> quote"),
                                  QStringLiteral("---"),
                                  QStringLiteral("==="),
                                  QStringLiteral("Title"),
                                  QStringLiteral("`code` first"),
                                  QStringLiteral("[l](http://x) first"),
                                  QStringLiteral("**b** first"),
                                  QStringLiteral("_e_ first"),
                                  QStringLiteral("12) x"),
                                  QStringLiteral("<b>html</b>"),
                                  QStringLiteral("ends with a break\\"),
                                  QStringLiteral("two spaces  "),
                                  QStringLiteral("&amp; entity"),
                                  QStringLiteral("![i](http://h/i.png)"),
                                  QStringLiteral("*"),
                                  QStringLiteral("-"),
                                  QStringLiteral("#"),
                                  QStringLiteral("\t tab"),
                                  QStringLiteral("3.")};
        QRandomGenerator random(20);
        for (int text = 0; text < 150; ++text) {
            QStringList lines;
            for (int i = int(random.bounded(4, 30)); i > 0; --i)
                lines << pool.at(int(random.bounded(int(pool.size()))));
            const QString markdown = safeMarkdown(lines.join(QLatin1Char('\n')));
            QTextDocument shown;
            shown.documentLayout();
            for (qsizetype sent = 0; sent < markdown.size();) {
                sent = std::min(markdown.size(), sent + 1 + qsizetype(random.bounded(24)));
                ProseDocument::show(&shown, markdown.left(sent), false);
                QTextDocument expected;
                expected.setMarkdown(markdown.left(sent));
                styleProse(&expected);
                QVERIFY2(shown.toHtml() == expected.toHtml(), qPrintable(markdown.left(sent)));
            }
        }
    }

    void proseDocumentLeavesTheSameTextAlone()
    {
        QTextDocument shown;
        const QString text = QStringLiteral("Some *text*.");
        ProseDocument::show(&shown, text, false);
        const int revision = shown.revision();
        QSignalSpy changes(&shown, &QTextDocument::contentsChange);
        ProseDocument::show(&shown, text, false);
        QCOMPARE(changes.count(), 0);
        QCOMPARE(shown.revision(), revision);
        // Something else edited it (a TextEdit converting on a format change): put back.
        QTextCursor(&shown).insertText(QStringLiteral("other "));
        ProseDocument::show(&shown, text, false);
        QCOMPARE(shown.toPlainText(), QStringLiteral("Some text."));
        // Nothing to show into: no crash.
        ProseDocument::show(static_cast<QTextDocument*>(nullptr), text, false);
        ProseDocument element;   // as in QML, without a document yet
        QSignalSpy told(&element, &ProseDocument::changed);
        element.setActive(true);
        element.setMarkdown(text);
        element.setPlain(true);
        element.refresh();
        QCOMPARE(told.count(), 3);
        QCOMPARE(element.markdown(), text);
    }

    // Given a model and a row, ProseDocument reads the piece there in C++ as it changes (no
    // piece text through QML on a streamed delta), and its own text properties are not used.
    void proseDocumentReadsItsSourceRow()
    {
        causerie::testing::QmlTextEdit edit("textFormat: TextEdit.MarkdownText");
        QVERIFY2(edit.textDocument(), qPrintable(edit.error()));
        QTextDocument* shown = edit.textDocument()->textDocument();

        MessageSegmentModel rows;
        rows.setMarkdown(QStringLiteral("Some *prose*"));
        ProseDocument element;
        element.setDocument(edit.textDocument());
        element.setMarkdown(QStringLiteral("not *this*"));
        element.setText(QStringLiteral("nor this"));
        element.setSource(&rows);
        element.setRow(0);
        QCOMPARE(shown->toPlainText(), QString());   // not active yet: left alone
        element.setActive(true);
        QCOMPARE(shown->toPlainText(), QStringLiteral("Some prose"));
        rows.setMarkdown(QStringLiteral("Some *prose*, streamed"));
        QCOMPARE(shown->toPlainText(), QStringLiteral("Some prose, streamed"));
        QCOMPARE(element.markdown(), QStringLiteral("not *this*"));

        // Another row changing leaves this one alone.
        rows.setMarkdown(QStringLiteral("Some *prose*, streamed\n\n```cpp\nint x;\n"));
        QCOMPARE(rows.rowCount(), 2);
        QCOMPARE(shown->toPlainText(), QStringLiteral("Some prose, streamed"));
        const int revision = shown->revision();
        rows.setMarkdown(QStringLiteral("Some *prose*, streamed\n\n```cpp\nint x;\nint y;\n"));
        QCOMPARE(shown->revision(), revision);
        // Imported again on request (a theme change), the same text.
        element.reload();
        QVERIFY(shown->revision() != revision);
        QCOMPARE(shown->toPlainText(), QStringLiteral("Some prose, streamed"));

        // A row the model does not have shows nothing; back to a real row, its text.
        element.setRow(7);
        QCOMPARE(shown->toPlainText(), QString());
        element.setRow(-1);
        QCOMPARE(shown->toPlainText(), QString());
        element.setRow(0);
        QCOMPARE(shown->toPlainText(), QStringLiteral("Some prose, streamed"));
        // Another text (another branch): followed too.
        rows.setMarkdown(QStringLiteral("Other **words**"));
        QCOMPARE(shown->toPlainText(), QStringLiteral("Other words"));
        // No model any more: the properties again.
        element.setSource(nullptr);
        QCOMPARE(shown->toPlainText(), QStringLiteral("not this"));
        // The model gone while followed: no crash, the properties.
        {
            MessageSegmentModel gone;
            gone.setMarkdown(QStringLiteral("Gone *soon*"));
            element.setSource(&gone);
            QCOMPARE(shown->toPlainText(), QStringLiteral("Gone soon"));
        }
        QCOMPARE(element.source(), nullptr);
        element.refresh();
        QCOMPARE(shown->toPlainText(), QStringLiteral("not this"));
    }
};

QTEST_MAIN(TestMarkdownSegments)
#include "tst_markdownsegments.moc"
