// Extraction: every format to sections (page or heading), and every bad input refused with a
// message naming the file, quickly, without touching anything else.
#include "docfixtures.h"
#include "extract.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

using namespace causerie::documents;
using namespace docfixtures;

namespace {

// Why extractFile() refuses `path`; empty when it reads it.
QString refusal(const QString& path)
{
    const auto doc = causerie::documents::extractFile(path);
    return doc.ok() ? QString() : doc.error().message;
}

}   // namespace

class TestExtract : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() { QVERIFY(m_dir.isValid()); }

    void plainTextIsOneSection()
    {
        const QString path = m_dir.filePath(QStringLiteral("notes.txt"));
        QVERIFY(writeFile(path, "First line.\r\nSecond line.\r\n\r\nNew paragraph, caf\xC3\xA9.\n"));
        auto doc = extractFile(path);
        QVERIFY2(doc.ok(), qPrintable(doc.errorString()));
        QCOMPARE(doc->format, Format::Text);
        QCOMPARE(doc->sections.size(), 1);
        QCOMPARE(doc->sections[0].page, 0);
        QCOMPARE(doc->sections[0].text, QStringLiteral("First line.\nSecond line.\n\nNew paragraph, café.\n"));
    }

    void sourceCodeIsText()
    {
        const QString path = m_dir.filePath(QStringLiteral("main.cpp"));
        QVERIFY(writeFile(path, "int main() {\n    return 0;   // # not a heading\n}\n"));
        auto doc = extractFile(path);
        QVERIFY(doc.ok());
        QCOMPARE(doc->format, Format::Code);
        QVERIFY(doc->sections[0].text.contains(QStringLiteral("return 0;")));
    }

    void markdownSplitsAtHeadings()
    {
        const ExtractedDocument doc =
            markdownToSections(QStringLiteral("Intro text.\n\n# Install\n\nRun the script.\n\n```sh\n# a comment, not "
                                              "a heading\n```\n\n## Use ##\nType.\n"));
        QCOMPARE(doc.sections.size(), 3);
        QCOMPARE(doc.sections[0].heading, QString());
        QCOMPARE(doc.sections[0].text, QStringLiteral("Intro text."));
        QCOMPARE(doc.sections[1].heading, QStringLiteral("Install"));
        QVERIFY(doc.sections[1].text.contains(QStringLiteral("# a comment, not a heading")));
        QCOMPARE(doc.sections[2].heading, QStringLiteral("Use"));
        QCOMPARE(doc.sections[2].text, QStringLiteral("Type."));
    }

    void htmlIsStripped()
    {
        const ExtractedDocument doc = htmlToSections(
            QStringLiteral("<html><head><title>T</title><style>p { color: red }</style></head><body>"
                           "<p>Before &amp; after&nbsp;it &#233;t&#xE9;.</p><script>var x = '<p>no</p>';</script>"
                           "<!-- a <p>comment</p> --><h2>Second <em>part</em></h2><p>One<br>two</p><ul><li>a</li><li>b "
                           "&lt; c</li></ul>"
                           "<p>3 < 4 and &unknown; stays</p></body></html>"));
        QCOMPARE(doc.sections.size(), 2);
        QCOMPARE(doc.sections[0].heading, QString());
        QCOMPARE(doc.sections[0].text, QStringLiteral("Before & after it été."));
        QCOMPARE(doc.sections[1].heading, QStringLiteral("Second part"));
        QCOMPARE(doc.sections[1].text, QStringLiteral("One\ntwo\n\na\n\nb < c\n\n3 < 4 and &unknown; stays"));
    }

    void htmlWithoutClosingHead()
    {
        // HTML5 lets </head> and </body> out: the body text must not be lost with the head.
        const ExtractedDocument doc =
            htmlToSections(QStringLiteral("<!DOCTYPE html><html><head><meta charset=utf-8><title>Tab title</title>"
                                          "<link rel=stylesheet href=a.css><p>Body text stays."));
        QCOMPARE(doc.sections.size(), 1);
        QCOMPARE(doc.sections[0].text, QStringLiteral("Body text stays."));
    }

    void htmlUnclosedAndDeepIsBounded()
    {
        // 200,000 nested divs and a tag that never closes: one pass, no recursion.
        QString html = QString(QStringLiteral("<div>")).repeated(200000) + QStringLiteral("deep text <a href=\"x");
        const ExtractedDocument doc = htmlToSections(html);
        QCOMPARE(doc.sections.size(), 1);
        QCOMPARE(doc.sections[0].text, QStringLiteral("deep text"));
    }

    void htmlAmpersandsWithoutSemicolonAreLinear()
    {
        // Found by reading for fuzz_html_extract: each '&' looked for its ';' up to the end of
        // the page, so 4 M ampersands cost ~10^13 steps (minutes); one pass is milliseconds.
        const QString html = QStringLiteral("<p>") + QString(4 * 1024 * 1024, QLatin1Char('&')) +
                             QStringLiteral("&amp;") + QStringLiteral("x;");
        QElapsedTimer timer;
        timer.start();
        const ExtractedDocument doc = htmlToSections(html);
        QCOMPARE(doc.sections.size(), 1);
        QCOMPARE(doc.sections[0].text, QString(4 * 1024 * 1024 + 1, QLatin1Char('&')) + QStringLiteral("x;"));
        // Generous for a shared machine: the quadratic pass took minutes.
        QVERIFY2(timer.elapsed() < 20000, qPrintable(QString::number(timer.elapsed())));
    }

    void docxParagraphsAndHeadings()
    {
        const QString path = m_dir.filePath(QStringLiteral("report.docx"));
        QVERIFY(writeDocx(path, {{QStringLiteral("Preface text."), false},
                                 {QStringLiteral("Results"), true},
                                 {QStringLiteral("The yield rose by 12%."), false},
                                 {QStringLiteral("Costs fell & stayed <low>."), false}}));
        auto doc = extractFile(path);
        QVERIFY2(doc.ok(), qPrintable(doc.errorString()));
        QCOMPARE(doc->format, Format::Docx);
        QCOMPARE(doc->sections.size(), 2);
        QCOMPARE(doc->sections[0].text, QStringLiteral("Preface text."));
        QCOMPARE(doc->sections[1].heading, QStringLiteral("Results"));
        QCOMPARE(doc->sections[1].text, QStringLiteral("The yield rose by 12%.\n\nCosts fell & stayed <low>."));
    }

    void odtParagraphsAndHeadings()
    {
        const QString path = m_dir.filePath(QStringLiteral("letter.odt"));
        QVERIFY(writeOdt(path, {{QStringLiteral("Objet"), true},
                                {QStringLiteral("Madame, Monsieur,"), false},
                                {QStringLiteral("Suite"), true},
                                {QStringLiteral("Veuillez agréer."), false}}));
        auto doc = extractFile(path);
        QVERIFY2(doc.ok(), qPrintable(doc.errorString()));
        QCOMPARE(doc->sections.size(), 2);
        QCOMPARE(doc->sections[0].heading, QStringLiteral("Objet"));
        QCOMPARE(doc->sections[0].text, QStringLiteral("Madame, Monsieur,"));
        QCOMPARE(doc->sections[1].heading, QStringLiteral("Suite"));
        QCOMPARE(doc->sections[1].text, QStringLiteral("Veuillez agréer."));
    }

    void pdfTextPerPage()
    {
        const QString path = m_dir.filePath(QStringLiteral("book.pdf"));
        QVERIFY(writePdf(path, {QStringLiteral("Alpha page about turbines."), QString(),
                                QStringLiteral("Gamma page about orchards.")}));
        auto doc = extractFile(path);
        QVERIFY2(doc.ok(), qPrintable(doc.errorString()));
        QCOMPARE(doc->format, Format::Pdf);
        QCOMPARE(doc->sections.size(), 2);   // the blank page has no section
        QCOMPARE(doc->sections[0].page, 1);
        QVERIFY2(doc->sections[0].text.contains(QStringLiteral("turbines")), qPrintable(doc->sections[0].text));
        QCOMPARE(doc->sections[1].page, 3);
        QVERIFY(doc->sections[1].text.contains(QStringLiteral("orchards")));
    }

    // --- bad input ---

    void encryptedPdfIsRefused()
    {
        const QString path = m_dir.filePath(QStringLiteral("secret.pdf"));
        QVERIFY(writeEncryptedPdf(path));
        QCOMPARE(refusal(path), path + QStringLiteral(" is encrypted (password-protected): not read."));
    }

    void corruptPdfIsRefused()
    {
        const QString path = m_dir.filePath(QStringLiteral("broken.pdf"));
        QVERIFY(writeFile(path, "%PDF-1.7\n1 0 obj << /Type /Catalog garbage \x01\x02\x03 trailer <<>> %%EOF"));
        QCOMPARE(refusal(path), path + QStringLiteral(" is not a readable PDF (damaged, or not a PDF at all)."));
    }

    void scannedPdfHasNoText()
    {
        const QString path = m_dir.filePath(QStringLiteral("scan.pdf"));
        QVERIFY(writeImageOnlyPdf(path));
        QCOMPARE(refusal(path),
                 path + QStringLiteral(" has no text layer (scanned: no text found); reading it would need OCR."));
    }

    void zipBombRefusedByDeclaredSize()
    {
        // 70 MB of one byte: a few tens of KB zipped, over the 64 MB limit once unzipped.
        const QString path = m_dir.filePath(QStringLiteral("bomb.docx"));
        const QByteArray xml = "<w:document>" + QByteArray(70 * 1024 * 1024, 'a') + "</w:document>";
        QVERIFY(writeZip(path, {{"word/document.xml", xml}}));
        QVERIFY(QFileInfo(path).size() < 1024 * 1024);
        auto doc = extractFile(path);
        QVERIFY(!doc.ok());
        QVERIFY2(doc.error().message.startsWith(
                     path + QStringLiteral(" was refused: its text would be 70.0 MB once unzipped")),
                 qPrintable(doc.error().message));
    }

    void zipBombRefusedByRatio()
    {
        // 4 MB: under the size limit, but a thousand times its compressed size.
        const QString path = m_dir.filePath(QStringLiteral("ratio.docx"));
        QVERIFY(writeZip(path, {{"word/document.xml", QByteArray(4 * 1024 * 1024, ' ')}}));
        auto doc = extractFile(path);
        QVERIFY(!doc.ok());
        QVERIFY2(doc.error().message.contains(QStringLiteral("was refused")), qPrintable(doc.error().message));
    }

    void zipBombWithLyingHeaderStops()
    {
        // The sizes in both headers say 100 bytes; the data inflates to 8 MB.
        const QString path = m_dir.filePath(QStringLiteral("liar.docx"));
        QVERIFY(writeZip(path, {{"word/document.xml", QByteArray(8 * 1024 * 1024, 'x')}}));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray bytes = f.readAll();
        const auto patch = [&](const QByteArray& signature, int sizeOffset) {
            const qsizetype at = bytes.indexOf(signature);
            QVERIFY(at >= 0);
            const quint32 small = 100;
            memcpy(bytes.data() + at + sizeOffset, &small, 4);   // little-endian, as zip is
        };
        patch(QByteArray("PK\x03\x04", 4), 22);
        patch(QByteArray("PK\x01\x02", 4), 24);
        f.seek(0);
        f.write(bytes);
        f.close();
        ExtractLimits limits;
        limits.maxUnzippedBytes = 1024 * 1024;
        auto doc = extractFile(path, limits);
        QVERIFY(!doc.ok());
        // libzip inflates past the declared 100 bytes: the bytes counted here are what stop it.
        QVERIFY2(doc.error().message.startsWith(path + QStringLiteral(" was refused: its text would be")),
                 qPrintable(doc.error().message));
    }

    void zipPathTraversalNamesAreIgnored()
    {
        // Entries are never written to disk: only word/document.xml is looked up, by exact name.
        const QString path = m_dir.filePath(QStringLiteral("sly.docx"));
        QVERIFY(writeDocx(path, {{QStringLiteral("Honest text."), false}},
                          {{"../../h8-docs-evil.txt", "owned"},
                           {"/tmp/h8-docs-abs.txt", "owned"},
                           {"word/../../h8-docs-evil2.txt", "owned"}}));
        auto doc = extractFile(path);
        QVERIFY2(doc.ok(), qPrintable(doc.errorString()));
        QCOMPARE(doc->sections.size(), 1);
        QCOMPARE(doc->sections[0].text, QStringLiteral("Honest text."));
        QVERIFY(!QFileInfo::exists(QStringLiteral("/tmp/h8-docs-abs.txt")));
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("../../h8-docs-evil.txt"))));
        QVERIFY(!QFileInfo::exists(QDir::current().filePath(QStringLiteral("../../h8-docs-evil.txt"))));
    }

    void odtSpacesAreBoundedByThePartSize()
    {
        // <text:s text:c="1024"/> asks for 1024 spaces in 23 bytes: 64 MB of them would be
        // gigabytes of text. All of a part's text:s together add at most its size in spaces.
        QByteArray xml = odtContentXml({{QStringLiteral("PLACEHOLDER"), false}});
        xml.replace("PLACEHOLDER", "a" + QByteArray("<text:s text:c=\"1024\"/>").repeated(4000) + "b");
        const QString path = m_dir.filePath(QStringLiteral("spaces.odt"));
        QVERIFY(writeZip(path, {{"mimetype", "application/vnd.oasis.opendocument.text"}, {"content.xml", xml}}));
        auto doc = extractFile(path);
        QVERIFY2(doc.ok(), qPrintable(doc.errorString()));
        QCOMPARE(doc->sections.size(), 1);
        QCOMPARE(doc->sections[0].text, QLatin1Char('a') + QString(xml.size(), QLatin1Char(' ')) + QLatin1Char('b'));
        // An ordinary run of spaces is kept whole.
        QByteArray small = odtContentXml({{QStringLiteral("PLACEHOLDER"), false}});
        small.replace("PLACEHOLDER", "x<text:s text:c=\"3\"/>y");
        QVERIFY(writeZip(path, {{"mimetype", "application/vnd.oasis.opendocument.text"}, {"content.xml", small}}));
        doc = extractFile(path);
        QVERIFY2(doc.ok(), qPrintable(doc.errorString()));
        QCOMPARE(doc->sections[0].text, QStringLiteral("x   y"));
    }

    void xmlEntityDeclarationsAreRefused()
    {
        // A DTD may declare entities that expand 3 bytes ("&b;") into thousands of characters;
        // neither format uses one, so a part that has one is refused before any is expanded.
        const QByteArray dtd = "<!DOCTYPE w:document [<!ENTITY a \"aaaaaaaaaaaaaaaa\">"
                               "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>";
        QByteArray docx = docxDocumentXml({{QStringLiteral("PLACEHOLDER"), false}});
        docx.insert(docx.indexOf("<w:document"), dtd);
        docx.replace("PLACEHOLDER", QByteArray("&b;").repeated(1000));
        const QString path = m_dir.filePath(QStringLiteral("entities.docx"));
        QVERIFY(writeZip(path, {{"word/document.xml", docx}}));
        auto doc = extractFile(path);
        QVERIFY(!doc.ok());
        QCOMPARE(doc.error().message, path + QStringLiteral(" is not a readable DOCX file (damaged XML: unexpected "
                                                            "document type declaration)."));

        QByteArray odt = odtContentXml({{QStringLiteral("PLACEHOLDER"), false}});
        odt.insert(odt.indexOf("<office:document-content"), "<!DOCTYPE office:document-content>");
        const QString odtPath = m_dir.filePath(QStringLiteral("doctype.odt"));
        QVERIFY(writeZip(odtPath, {{"content.xml", odt}}));
        doc = extractFile(odtPath);
        QVERIFY(!doc.ok());
        QVERIFY2(doc.error().message.contains(QStringLiteral("unexpected document type declaration")),
                 qPrintable(doc.error().message));
    }

    void docxWithoutDocumentPart()
    {
        const QString path = m_dir.filePath(QStringLiteral("empty.docx"));
        QVERIFY(writeZip(path, {{"other.xml", "<x/>"}}));
        QCOMPARE(refusal(path), path + QStringLiteral(" is not a readable DOCX file (it has no word/document.xml)."));
        const QString notZip = m_dir.filePath(QStringLiteral("fake.odt"));
        QVERIFY(writeFile(notZip, "this is not a zip"));
        auto odt = extractFile(notZip);
        QVERIFY(!odt.ok());
        QCOMPARE(odt.error().message, notZip + QStringLiteral(" is not a readable ODT file (damaged zip)."));
    }

    void twoGigabyteFileRefusedBeforeReading()
    {
        const QString path = m_dir.filePath(QStringLiteral("huge.txt"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(f.resize(2LL * 1024 * 1024 * 1024));   // sparse: no block written
        f.close();
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(refusal(path), path + QStringLiteral(" is too large (2.0 GB; the limit is 256.0 MB): not read."));
        // Reading 2 GB of zeros would take seconds; a stat takes microseconds. Generous bound for a
        // loaded machine.
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    }

    void binaryRenamedTxtIsRefused()
    {
        const QString path = m_dir.filePath(QStringLiteral("program.txt"));
        QByteArray elf("\x7f"
                       "ELF\x02\x01\x01\x00\x00\x00",
                       10);
        elf += QByteArray(4096, '\0');
        QVERIFY(writeFile(path, elf));
        QCOMPARE(refusal(path), path + QStringLiteral(" is not a text file (it holds binary data)."));

        // No NUL, but mostly bytes that are neither text nor UTF-8.
        QByteArray noise;
        for (int i = 0; i < 4096; ++i)
            noise += char(0x80 + (i * 37) % 0x40) + QByteArray(i % 3 == 0 ? "\x01" : "\xff");
        const QString path2 = m_dir.filePath(QStringLiteral("noise.txt"));
        QVERIFY(writeFile(path2, noise));
        QCOMPARE(refusal(path2), path2 + QStringLiteral(" is not a text file (it holds binary data)."));
    }

    void invalidUtf8IsReplacedNotRefused()
    {
        const QString path = m_dir.filePath(QStringLiteral("latin1.txt"));
        QVERIFY(writeFile(path, "Le caf\xE9 est servi \xC3\x28 au comptoir.\n"));
        auto doc = extractFile(path);
        QVERIFY2(doc.ok(), qPrintable(doc.errorString()));
        QCOMPARE(doc->sections[0].text, QStringLiteral("Le caf\uFFFD est servi \uFFFD( au comptoir.\n"));
    }

    void utf16WithBomIsDecoded()
    {
        const QString path = m_dir.filePath(QStringLiteral("windows.txt"));
        QByteArray bytes("\xFF\xFE", 2);
        const QString text = QStringLiteral("Bonjour\r\n");
        bytes += QByteArray(reinterpret_cast<const char*>(text.utf16()), text.size() * 2);
        QVERIFY(writeFile(path, bytes));
        auto doc = extractFile(path);
        QVERIFY2(doc.ok(), qPrintable(doc.errorString()));
        QCOMPARE(doc->sections[0].text, QStringLiteral("Bonjour\n"));
    }

    void utf16LoneSurrogatesAreReplaced()
    {
        // Found by fuzz_html_extract: unpaired surrogates came through the UTF-16 decoder.
        QByteArray bytes("\xFF\xFE", 2);
        const char16_t units[] = {u'a', 0xD83D, u'b', 0xDE42, u'c', 0xD83D, 0xDE42, 0xD800};
        bytes += QByteArray(reinterpret_cast<const char*>(units), sizeof units);
        auto text = decodeText(QStringLiteral("x.txt"), bytes, ExtractLimits());
        QVERIFY2(text.ok(), qPrintable(text.errorString()));
        QCOMPARE(text.value(), QStringLiteral("a\uFFFDb\uFFFDc\U0001F642\uFFFD"));
    }

    void missingFileNamesIt()
    {
        const QString path = m_dir.filePath(QStringLiteral("gone.md"));
        QCOMPARE(refusal(path), path + QStringLiteral(" does not exist (moved or deleted?)."));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestExtract)
#include "tst_extract.moc"
