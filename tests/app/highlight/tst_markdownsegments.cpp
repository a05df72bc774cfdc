// How an answer is cut into view pieces, and that streaming touches only the rows that changed.
#include "markdownsegments.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

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
};

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
            QVERIFY(s.open().size() <= 2);
        }
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
                            model.data(i, MessageSegmentModel::ClosedRole).toBool()});
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
};

QTEST_GUILESS_MAIN(TestMarkdownSegments)
#include "tst_markdownsegments.moc"
