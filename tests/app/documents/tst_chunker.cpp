// Chunking: paragraph boundaries, sentence cuts for long paragraphs, offsets that point back
// into the full text, page and heading carried from the section.
#include "chunker.h"

#include <QtTest>

using namespace causerie::documents;

namespace {

QString paragraph(int index, int sentences)
{
    QString p;
    for (int s = 0; s < sentences; ++s)
        p += QStringLiteral("Paragraph %1 sentence %2 has some ordinary words in it. ").arg(index).arg(s);
    return p.trimmed();
}

void checkOffsets(const ExtractedDocument& doc, const QList<Chunk>& chunks)
{
    const QString full = fullText(doc);
    for (const Chunk& c : chunks) {
        QCOMPARE(full.mid(c.start, c.end - c.start), c.text);
        QCOMPARE(c.text, c.text.trimmed());
        QVERIFY(!c.text.isEmpty());
    }
    for (int i = 0; i < chunks.size(); ++i) {
        QCOMPARE(chunks[i].ord, i);
        if (i > 0) {
            QVERIFY(chunks[i].start >= chunks[i - 1].end);
            // Only whitespace between consecutive chunks: nothing of the text is lost.
            QCOMPARE(full.mid(chunks[i - 1].end, chunks[i].start - chunks[i - 1].end).trimmed(), QString());
        }
    }
}

}   // namespace

class TestChunker : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void paragraphsGroupedUpToTarget()
    {
        ExtractedDocument doc;
        Section s;
        QStringList paras;
        for (int i = 0; i < 20; ++i)
            paras << paragraph(i, 3);   // ~170 characters each
        s.text = paras.join(QStringLiteral("\n\n"));
        doc.sections.append(s);
        const QList<Chunk> chunks = chunkDocument(doc);
        QVERIFY(chunks.size() >= 3 && chunks.size() <= 6);
        for (const Chunk& c : chunks) {
            QVERIFY2(c.text.size() <= 1000, qPrintable(QString::number(c.text.size())));
            // Cut on paragraph boundaries: every chunk starts a paragraph and ends one.
            QVERIFY(c.text.startsWith(QStringLiteral("Paragraph ")));
            QVERIFY(c.text.endsWith(QStringLiteral("in it.")));
        }
        checkOffsets(doc, chunks);
    }

    void longParagraphCutAtSentences()
    {
        ExtractedDocument doc;
        Section s;
        s.text = paragraph(0, 60);   // ~3,500 characters, one paragraph
        doc.sections.append(s);
        const QList<Chunk> chunks = chunkDocument(doc);
        QVERIFY(chunks.size() >= 3);
        for (const Chunk& c : chunks) {
            QVERIFY(c.text.size() <= 1500);
            QVERIFY2(c.text.endsWith(QLatin1Char('.')), qPrintable(c.text.right(20)));
        }
        checkOffsets(doc, chunks);
    }

    void wordWithoutSpacesIsCutHard()
    {
        ExtractedDocument doc;
        Section s;
        s.text = QString(5000, QLatin1Char('x'));
        doc.sections.append(s);
        const QList<Chunk> chunks = chunkDocument(doc);
        // Cut at targetChars while more than maxChars remain: 4 × 1000, then the last 1000.
        QCOMPARE(chunks.size(), 5);
        for (const Chunk& c : chunks)
            QCOMPARE(c.text.size(), 1000);
        checkOffsets(doc, chunks);
    }

    void sectionsCarryPageAndHeading()
    {
        ExtractedDocument doc;
        doc.sections.append({1, QString(), QStringLiteral("Page one text.")});
        doc.sections.append({2, QStringLiteral("Chapter"), QStringLiteral("Page two text.\n\nMore on two.")});
        const QList<Chunk> chunks = chunkDocument(doc);
        QCOMPARE(chunks.size(), 2);   // never across sections
        QCOMPARE(chunks[0].page, 1);
        QCOMPARE(chunks[0].text, QStringLiteral("Page one text."));
        QCOMPARE(chunks[1].page, 2);
        QCOMPARE(chunks[1].heading, QStringLiteral("Chapter"));
        QCOMPARE(chunks[1].start, qint64(QStringLiteral("Page one text.\n\n").size()));
        checkOffsets(doc, chunks);
    }

    void leadingHeadingOnlySectionsKeepOffsets()
    {
        // Found by fuzz_chunker: a document opening with headings that have no text (a title,
        // then a chapter) gave chunk offsets 2 past their text in fullText().
        ExtractedDocument doc;
        doc.sections.append({0, QStringLiteral("Title"), QString()});
        doc.sections.append({0, QStringLiteral("Chapter"), QString()});
        doc.sections.append({0, QStringLiteral("Section"), QStringLiteral("Body text.")});
        QCOMPARE(fullText(doc), QStringLiteral("\n\n\n\nBody text."));
        const QList<Chunk> chunks = chunkDocument(doc);
        QCOMPARE(chunks.size(), 1);
        QCOMPARE(chunks[0].start, qint64(4));
        QCOMPARE(chunks[0].end, qint64(14));
        QCOMPARE(chunks[0].heading, QStringLiteral("Section"));
        checkOffsets(doc, chunks);
    }

    void surrogatePairsAreNotSplit()
    {
        ExtractedDocument doc;
        Section s;
        s.text = QString::fromUtf8("\xF0\x9F\x98\x80").repeated(3000);   // 6,000 UTF-16 units, no space
        doc.sections.append(s);
        for (const Chunk& c : chunkDocument(doc)) {
            QVERIFY(!c.text.front().isLowSurrogate());
            QVERIFY(!c.text.back().isHighSurrogate());
        }
    }

    void emptyDocumentHasNoChunk()
    {
        ExtractedDocument doc;
        QVERIFY(chunkDocument(doc).isEmpty());
        doc.sections.append({0, QStringLiteral("Only a heading"), QStringLiteral("  \n\n ")});
        QVERIFY(chunkDocument(doc).isEmpty());
    }
};

QTEST_MAIN(TestChunker)
#include "tst_chunker.moc"
