// How documents reach the model (promptcontext.h): whole when they fit the budget, the question's
// best passages otherwise, numbered for citation; the same plan for the app and the CLI.
#include "chunker.h"
#include "promptcontext.h"

#include <QCryptographicHash>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::documents;

namespace {

ContextDocument doc(const QString& name, QList<Section> sections)
{
    ContextDocument d;
    d.name = name;
    d.path = QStringLiteral("/files/") + name;
    d.document.format = Format::Text;
    d.document.sections = std::move(sections);
    return d;
}

QString sha(const QString& text)
{
    return QString::fromLatin1(QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256).toHex());
}

// A long report: 40 pages of filler, one page (17) holding the answer.
ContextDocument longReport()
{
    QList<Section> pages;
    for (int p = 1; p <= 40; ++p) {
        QString text;
        for (int para = 0; para < 4; ++para)
            text += QStringLiteral("Page %1 paragraph %2 talks about the weather, gardens and trains in general "
                                   "terms, with nothing precise to say about anything at all here.\n\n")
                        .arg(p)
                        .arg(para);
        if (p == 17)
            text += QStringLiteral("The deposit for the flat on Quai Voltaire is 2400 euros, paid by transfer.");
        pages.append({p, QString(), text.trimmed()});
    }
    return doc(QStringLiteral("report.pdf"), pages);
}

}   // namespace

class TestPromptContext : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void nothingAttachedAddsNothing()
    {
        ContextRequest request;
        request.question = QStringLiteral("hello");
        const ContextPlan plan = planContext(request, {});
        QCOMPARE(plan.mode, ContextPlan::None);
        QVERIFY(plan.systemText.isEmpty());
        QVERIFY(plan.questionText.isEmpty());
    }

    void smallAttachmentsGoInWhole()
    {
        ContextRequest request;
        request.documents = {
            doc(QStringLiteral("notes.md"), {{0, QStringLiteral("Rent"), QStringLiteral("Rent is 800.")}}),
            doc(QStringLiteral("todo.txt"), {{0, QString(), QStringLiteral("Call the plumber.")}})};
        request.question = QStringLiteral("How much is the rent?");
        request.budgetTokens = 1000;
        const ContextPlan plan = planContext(request, estimateTokens);
        QCOMPARE(plan.mode, ContextPlan::Whole);
        QVERIFY(plan.questionText.isEmpty());
        QVERIFY(plan.systemText.contains(QLatin1String("## [1] notes.md\n\nRent is 800.")));
        QVERIFY(plan.systemText.contains(QLatin1String("## [2] todo.txt\n\nCall the plumber.")));
        QVERIFY(plan.systemText.contains(QLatin1String("cite")));
        QCOMPARE(plan.sources.size(), 2);
        QCOMPARE(plan.sources[0].file, QStringLiteral("notes.md"));
        QCOMPARE(plan.paths, (QStringList{QStringLiteral("/files/notes.md"), QStringLiteral("/files/todo.txt")}));
        QCOMPARE(plan.tokens, estimateTokens(plan.systemText));
        QVERIFY(plan.tokens <= request.budgetTokens);
    }

    void tokensCountedAtAttachTimeAreUsed()
    {
        // A stored count (the model's tokenizer) decides, not a recount.
        ContextDocument d = doc(QStringLiteral("a.txt"), {{0, QString(), QStringLiteral("short text")}});
        d.tokens = 5000;
        ContextRequest request;
        request.documents = {d};
        request.budgetTokens = 1000;
        QCOMPARE(planContext(request, estimateTokens).mode, ContextPlan::None);   // no index to search
    }

    void overBudgetRetrievesTheRightPage()
    {
        QTemporaryDir dir;
        auto index = DocIndex::open(dir.filePath(QStringLiteral("i.db")));
        QVERIFY(index.ok());
        const ContextDocument report = longReport();
        const ContextDocument other = doc(QStringLiteral("other.txt"), {{0, QString(), QStringLiteral("Trains.")}});
        QVERIFY(indexDocument(*index.value(), QStringLiteral("conversation-1"), report.path,
                              sha(fullText(report.document)), report.document)
                    .ok());
        QVERIFY(indexDocument(*index.value(), QStringLiteral("conversation-1"), other.path,
                              sha(fullText(other.document)), other.document)
                    .ok());
        // Indexed again: nothing changes (same hash).
        const qint64 chunks = index.value()->chunkCount();
        QVERIFY(indexDocument(*index.value(), QStringLiteral("conversation-1"), report.path,
                              sha(fullText(report.document)), report.document)
                    .ok());
        QCOMPARE(index.value()->chunkCount(), chunks);

        ContextRequest request;
        request.documents = {report, other};
        request.question = QStringLiteral("What is the deposit for the flat on Quai Voltaire?");
        request.budgetTokens = 600;   // the report alone is ~7,000 tokens
        request.index = index.value().get();
        request.libraries = {QStringLiteral("conversation-1")};
        const ContextPlan plan = planContext(request, estimateTokens);
        QCOMPARE(plan.mode, ContextPlan::Retrieved);
        QVERIFY(plan.systemText.isEmpty());
        QVERIFY(!plan.sources.isEmpty());
        QCOMPARE(plan.sources[0].file, QStringLiteral("report.pdf"));   // the attachment's name
        QCOMPARE(plan.sources[0].page, 17);
        QCOMPARE(plan.paths[0], report.path);
        QVERIFY(plan.questionText.contains(QLatin1String("[1] report.pdf, page 17\n")));
        QVERIFY(plan.questionText.contains(QLatin1String("2400 euros")));
        QVERIFY(plan.questionText.contains(QLatin1String("cite")));
        QVERIFY2(plan.tokens <= request.budgetTokens, qPrintable(QString::number(plan.tokens)));
        QCOMPARE(plan.tokens, estimateTokens(plan.questionText));
    }

    void aPassageOverATinyBudgetIsCutToFit()
    {
        QTemporaryDir dir;
        auto index = DocIndex::open(dir.filePath(QStringLiteral("i.db")));
        QVERIFY(index.ok());
        const ContextDocument report = longReport();
        QVERIFY(indexDocument(*index.value(), QStringLiteral("c"), report.path, sha(fullText(report.document)),
                              report.document)
                    .ok());
        ContextRequest request;
        request.documents = {report};
        request.question = QStringLiteral("Quai Voltaire deposit");
        request.budgetTokens = 150;   // the instructions (~60) and less than a whole chunk
        request.index = index.value().get();
        request.libraries = {QStringLiteral("c")};
        const ContextPlan plan = planContext(request, estimateTokens);
        QCOMPARE(plan.mode, ContextPlan::Retrieved);
        QCOMPARE(plan.sources.size(), 1);
        QVERIFY2(plan.tokens <= request.budgetTokens, qPrintable(QString::number(plan.tokens)));
        QVERIFY(plan.questionText.endsWith(QStringLiteral("…")));
        QVERIFY(report.document.sections[16].text.contains(plan.sources[0].text));
    }

    void tickedLibraryIsSearchedEvenWhenAttachmentsFit()
    {
        QTemporaryDir dir;
        auto index = DocIndex::open(dir.filePath(QStringLiteral("i.db")));
        QVERIFY(index.ok());
        const ContextDocument lib =
            doc(QStringLiteral("lease.txt"), {{0, QString(), QStringLiteral("The lease ends in May.")}});
        QVERIFY(indexDocument(*index.value(), QStringLiteral("Contracts"), QStringLiteral("/lib/lease.txt"),
                              sha(QStringLiteral("x")), lib.document)
                    .ok());
        ContextRequest request;
        request.question = QStringLiteral("When does the lease end?");
        request.index = index.value().get();
        request.libraries = {QStringLiteral("Contracts")};
        request.librariesTicked = true;
        const ContextPlan plan = planContext(request, estimateTokens);
        QCOMPARE(plan.mode, ContextPlan::Retrieved);
        QCOMPARE(plan.sources.size(), 1);
        QCOMPARE(plan.sources[0].file, QStringLiteral("lease.txt"));
        QCOMPARE(plan.paths[0], QStringLiteral("/lib/lease.txt"));
    }

    void sectionsRoundTripThroughOffsets()
    {
        ExtractedDocument d;
        d.sections = {{1, QString(), QStringLiteral("Page one.")},
                      {2, QStringLiteral("Two"), QStringLiteral("Page two.")}};
        const QString text = fullText(d);
        const ExtractedDocument back = documentFromText(text, sectionOffsets(d));
        QCOMPARE(back.sections.size(), 2);
        QCOMPARE(back.sections[1].page, 2);
        QCOMPARE(back.sections[1].heading, QStringLiteral("Two"));
        QCOMPARE(back.sections[1].text, QStringLiteral("Page two."));
        QCOMPARE(fullText(back), text);
        // No sections stored: the whole text as one.
        QCOMPARE(documentFromText(QStringLiteral("abc"), {}).sections.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestPromptContext)
#include "tst_promptcontext.moc"
