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

} // namespace

class TestMarkdownSegments : public QObject
{
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

    void paragraphsBecomeTheirOwnSegments()
    {
        const auto s = splitMarkdown(QStringLiteral("# Title\nFirst paragraph.\n\nSecond\nparagraph.\n\n\n> quote"));
        QCOMPARE(s.size(), 3);
        QCOMPARE(s[0].markdown, QStringLiteral("# Title\nFirst paragraph."));
        QCOMPARE(s[1].markdown, QStringLiteral("Second\nparagraph."));
        QCOMPARE(s[2].markdown, QStringLiteral("> quote"));
    }

    void listsAndIndentedBlocksStayWhole()
    {
        // Loose lists (blank lines between items), continuation paragraphs and indented code
        // would render differently if cut: they stay in one segment.
        const QString loose = QStringLiteral("1. one\n\n2. two\n\n   more about two\n\n- a\n\n+ b\n\n    indented code");
        const auto s = splitMarkdown(loose);
        QCOMPARE(s.size(), 1);
        QCOMPARE(s[0].markdown, loose);
        // A paragraph in column 0 after a list ends the list: a new segment.
        const auto t = splitMarkdown(QStringLiteral("- a\n- b\n\nAfter the list."));
        QCOMPARE(t.size(), 2);
        QCOMPARE(t[1].markdown, QStringLiteral("After the list."));
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

    void streamingChangesOnlyTheLastRow()
    {
        MessageSegmentModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

        const QString answer = QStringLiteral("Intro paragraph.\n\nSecond one, longer.\n\n```cpp\nint main() {}\n```\nEnd.");
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
