// The TeX-math typesetter (app/math): layouts checked on their measures (a fraction is taller than
// its numerator, a superscript is raised and smaller, display limits sit above and below),
// errors with their position for every kind of bad input (never a crash or a hang), painted
// images that are not blank and of a sane size, and the URL and copy round trips.
#include "mathimage.h"
#include "mathlayout.h"
#include "mathmarkup.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>
#include <QTextCursor>
#include <QTextDocument>

using namespace math;

namespace {

Box lay(const QString& latex, Mode mode = Mode::Inline)
{
    const Layout l = layoutFormula(latex, mode);
    if (!l.ok())
        qWarning() << latex << "failed:" << l.error << "at" << l.errorPosition;
    return l.box;
}

double total(const Box& b) { return b.height + b.depth; }

// The glyph items of a box, left to right as laid out.
QList<Item> glyphs(const Box& b)
{
    QList<Item> out;
    for (const Item& it : b.items)
        if (it.kind == Item::Glyph)
            out.append(it);
    return out;
}

int inkPixels(const QImage& image)
{
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            if (qAlpha(image.pixel(x, y)) > 64)
                ++n;
    return n;
}

}   // namespace

class TestMath : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (!MathFonts::instance().available())
            QSKIP("the KaTeX fonts are missing: scripts/setup.sh installs fonts-katex");
    }

    // The fonts load one per step (the window spreads them over its first turns), the desktop's
    // last; a missing file loads none.
    void fontsLoadOnePerStep()
    {
        MathFonts fonts;   // a set of its own: instance() is loaded already
        QVERIFY(!fonts.loaded());
        int steps = 0;
        while (fonts.loadStep())
            ++steps;
        QCOMPARE(steps, 15);
        QVERIFY(fonts.loaded());
        QVERIFY(fonts.available());
        QVERIFY(!fonts.loadStep());
        QCOMPARE(fonts.metrics('=', Font::MainRegular).glyph,
                 MathFonts::instance().metrics('=', Font::MainRegular).glyph);
        QVERIFY(fonts.metrics('=', Font::MainRegular).glyph != 0);

        QTemporaryDir empty;
        qputenv("CAUSERIE_KATEX_FONTS", empty.path().toUtf8());
        MathFonts none;
        QVERIFY(!none.loadStep());
        qunsetenv("CAUSERIE_KATEX_FONTS");
        QVERIFY(none.loaded());
        QVERIFY(!none.available());
        QCOMPARE(none.metrics('=', Font::MainRegular).glyph, 0u);
    }

    void letterHasTextMeasures()
    {
        const Box x = lay(QStringLiteral("x"));
        // Math-Italic x: about an x-height tall, half an em wide, no depth.
        QVERIFY2(x.width > 0.4 && x.width < 0.7, qPrintable(QString::number(x.width)));
        QVERIFY2(x.height > 0.38 && x.height < 0.5, qPrintable(QString::number(x.height)));
        QVERIFY(x.depth < 0.05);
        QCOMPARE(glyphs(x).size(), 1);
        QCOMPARE(glyphs(x).first().font, Font::MathItalic);
        // A digit is upright (Main), a Greek capital too, a Greek lowercase letter italic.
        QCOMPARE(glyphs(lay(QStringLiteral("2"))).first().font, Font::MainRegular);
        QCOMPARE(glyphs(lay(QStringLiteral("\\Gamma"))).first().font, Font::MainRegular);
        QCOMPARE(glyphs(lay(QStringLiteral("\\alpha"))).first().font, Font::MathItalic);
        QCOMPARE(glyphs(lay(QStringLiteral("\\mathbb{R}"))).first().font, Font::Ams);
        QCOMPARE(glyphs(lay(QStringLiteral("\\mathcal{L}"))).first().font, Font::Caligraphic);
        QCOMPARE(glyphs(lay(QStringLiteral("\\mathbf{v}"))).first().font, Font::MainBold);
        QCOMPARE(glyphs(lay(QStringLiteral("\\mathrm{d}"))).first().font, Font::MainRegular);
    }

    void fractionIsTallerThanItsParts()
    {
        const Box a = lay(QStringLiteral("a"));
        const Box f = lay(QStringLiteral("\\frac{a}{b}"));
        QVERIFY(f.height > a.height);
        QVERIFY(f.depth > 0.2);   // the denominator hangs below the baseline
        // Display style: bigger numerator and shifts.
        const Box d = lay(QStringLiteral("\\frac{a}{b}"), Mode::Display);
        QVERIFY(total(d) > total(f));
        QCOMPARE(total(lay(QStringLiteral("\\dfrac{a}{b}"))), total(d));
        QCOMPARE(total(lay(QStringLiteral("\\tfrac{a}{b}"), Mode::Display)), total(f));
        // Nested fractions grow, monotonically.
        const Box n2 = lay(QStringLiteral("\\frac{\\frac{a}{b}}{c}"));
        QVERIFY(n2.height > f.height);
        // The bar is a rule on the axis.
        bool bar = false;
        for (const Item& it : f.items)
            if (it.kind == Item::Rule && std::abs(-it.rect.center().y() - kAxisHeight) < 0.02)
                bar = true;
        QVERIFY(bar);
        // A binomial has no bar, and delimiters around.
        const Box b = lay(QStringLiteral("\\binom{n}{k}"));
        for (const Item& it : b.items)
            QVERIFY(it.kind != Item::Rule);
        QCOMPARE(glyphs(b).size(), 4);
    }

    void scriptsAreRaisedLoweredAndSmaller()
    {
        const Box x = lay(QStringLiteral("x"));
        const Box sup = lay(QStringLiteral("x^2"));
        const QList<Item> g = glyphs(sup);
        QCOMPARE(g.size(), 2);
        QVERIFY(g[1].pos.y() < -0.2);   // raised (y grows downwards)
        QCOMPARE(g[1].size, 0.7);
        QVERIFY(sup.height > x.height);
        QVERIFY(sup.width > x.width);
        const Box sub = lay(QStringLiteral("x_i"));
        QVERIFY(glyphs(sub)[1].pos.y() > 0.1);
        QVERIFY(sub.depth > 0.1);
        // Nested: each level smaller, the innermost at scriptscript size, higher still.
        const QList<Item> n = glyphs(lay(QStringLiteral("e^{x^{2}}")));
        QCOMPARE(n.size(), 3);
        QCOMPARE(n[2].size, 0.5);
        QVERIFY(n[2].pos.y() < n[1].pos.y());
        // Both: the superscript above the subscript, not overlapping.
        const QList<Item> both = glyphs(lay(QStringLiteral("x_i^2")));
        QVERIFY(both[1].pos.y() < 0 && both[2].pos.y() > 0);   // the superscript is laid first
        // Primes are superscripts.
        const QList<Item> prime = glyphs(lay(QStringLiteral("f'")));
        QCOMPARE(prime.size(), 2);
        QVERIFY(prime[1].pos.y() < 0);
    }

    void largeOperatorsTakeLimitsInDisplay()
    {
        const QString sum = QStringLiteral("\\sum_{i=1}^{n} i");
        const Box inl = lay(sum);
        const Box disp = lay(sum, Mode::Display);
        QVERIFY(total(disp) > total(inl));
        // Display: "n" above the operator and "i=1" below, horizontally within the sign.
        const QList<Item> g = glyphs(disp);
        const Item& sigma = g[0];
        QCOMPARE(sigma.font, Font::Size2);
        const Item& n = g.last().pos.x() > g[1].pos.x() ? g[g.size() - 2] : g.last();
        Q_UNUSED(n);
        double minY = 0, maxY = 0;
        for (const Item& it : g) {
            minY = std::min(minY, it.pos.y());
            maxY = std::max(maxY, it.pos.y());
        }
        QVERIFY(minY < -1.0);   // the upper limit, well above the baseline
        QVERIFY(maxY > 0.8);    // the lower limit, well below
        // Inline: scripts beside (none that far).
        QCOMPARE(glyphs(inl)[0].font, Font::Size1);
        for (const Item& it : glyphs(inl))
            QVERIFY(std::abs(it.pos.y()) < 0.8);
        // \int keeps its scripts beside even in display; \lim takes its limit below.
        const QList<Item> in = glyphs(lay(QStringLiteral("\\int_0^1 f"), Mode::Display));
        QVERIFY(in[1].pos.x() > in[0].pos.x());
        QVERIFY(in[1].pos.x() > in[2].pos.x() + 0.3);   // the upper one past the sign's top (italic)
        const Box lim = lay(QStringLiteral("\\lim_{x \\to 0} f(x)"), Mode::Display);
        QVERIFY(lim.depth > 0.5);
    }

    void radicalsAndDelimitersGrowWithTheirContent()
    {
        const Box x = lay(QStringLiteral("x"));
        const Box r = lay(QStringLiteral("\\sqrt{x}"));
        QVERIFY(r.width > x.width + 0.5);
        QVERIFY(r.height > x.height + 0.1);
        const Box rf = lay(QStringLiteral("\\sqrt{\\frac{a}{b}}"));
        QVERIFY(total(rf) > total(r));
        const Box r3 = lay(QStringLiteral("\\sqrt[n+1]{x}"));
        QVERIFY(r3.width > r.width);
        QCOMPARE(glyphs(r3).size(), 4);
        QCOMPARE(glyphs(r3)[0].size, 0.5);   // the index, at scriptscript size

        const Box small = lay(QStringLiteral("\\left( a \\right)"));
        const Box big = lay(QStringLiteral("\\left( \\frac{\\frac{a}{b}}{c} \\right)"));
        QVERIFY(total(big) > total(small) + 0.5);
        QVERIFY(glyphs(big).first().font != Font::MainRegular);   // a bigger size
        const Box huge = lay(QStringLiteral("\\left[\\begin{matrix}1\\\\2\\\\3\\\\4\\\\5\\\\6\\end{matrix}\\right]"));
        QVERIFY(total(huge) > 5);
        QVERIFY(glyphs(huge).first().stretch > 1);   // past Size4: stretched
        const Box bigg = lay(QStringLiteral("\\Bigg( x \\Bigg)"));
        QVERIFY(total(bigg) > 2.5);
        QVERIFY(!lay(QStringLiteral("\\left. x \\right|")).items.isEmpty());
        QVERIFY(!lay(QStringLiteral("\\left\\langle a \\middle| b \\right\\rangle")).items.isEmpty());
    }

    void environmentsLayOutRowsAndColumns()
    {
        const Box one = lay(QStringLiteral("\\begin{pmatrix} a & b \\end{pmatrix}"));
        const Box two = lay(QStringLiteral("\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}"));
        QVERIFY(total(two) > total(one) + 0.8);
        QCOMPARE(glyphs(two).size(), 6);   // four cells and two parentheses
        // Centred on the axis.
        QVERIFY(std::abs((two.height - two.depth) / 2 - kAxisHeight) < 0.05);
        const Box b = lay(QStringLiteral("\\begin{bmatrix}1&0\\\\0&1\\end{bmatrix}"));
        QCOMPARE(glyphs(b).size(), 6);
        const Box cases = lay(QStringLiteral("f(x)=\\begin{cases} 1 & x > 0 \\\\ 0 & \\text{otherwise} \\end{cases}"));
        QVERIFY(total(cases) > 1.5);
        // aligned: the "=" signs line up (right then left columns).
        const Box al = lay(QStringLiteral("\\begin{aligned} a &= b + c \\\\ xyz &= d \\end{aligned}"), Mode::Display);
        QList<double> equalsX;
        const GlyphMetrics eq = MathFonts::instance().metrics('=', Font::MainRegular);
        for (const Item& it : glyphs(al))
            if (it.glyph == eq.glyph && it.font == eq.font)
                equalsX.append(it.pos.x());
        QCOMPARE(equalsX.size(), 2);
        QVERIFY(std::abs(equalsX[0] - equalsX[1]) < 1e-9);
        QVERIFY(!lay(QStringLiteral("\\begin{array}{lcr} a & b & c \\end{array}")).items.isEmpty());
    }

    void commonNotationLaysOut_data()
    {
        QTest::addColumn<QString>("latex");
        for (const char* s : {"a \\cdot b \\times c \\le d \\ge e \\ne f \\approx g \\to \\infty",
                              "\\partial_t u = \\nabla^2 u \\pm 1",
                              "\\hat{x} + \\bar{y} + \\vec{v} + \\tilde{n} + \\dot{q}",
                              "\\overline{AB} \\underline{x}",
                              "\\text{if } x \\in \\mathbb{R}",
                              "a\\,b\\;c\\quad d\\qquad e\\!f",
                              "\\prod_{k=1}^{n} k = n!",
                              "\\int_{-\\infty}^{\\infty} e^{-x^2} dx = \\sqrt{\\pi}",
                              "\\lim_{n\\to\\infty} \\left(1 + \\frac{1}{n}\\right)^n = e",
                              "\\sin^2\\theta + \\cos^2\\theta = 1",
                              "\\operatorname{softmax}(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}",
                              "x \\equiv 1 \\pmod{3}",
                              "\\forall \\epsilon > 0\\, \\exists \\delta",
                              "P(A \\mid B) = \\frac{P(B \\mid A) P(A)}{P(B)}",
                              "\\mathbf{A}\\mathbf{x} = \\mathbf{b}",
                              "\\{ x : x > 0 \\}",
                              "|x| \\leq \\|y\\|",
                              "\\binom{n}{k} = \\frac{n!}{k!(n-k)!}",
                              "E = mc^2",
                              "\\Rightarrow \\iff \\implies \\mapsto",
                              "\\displaystyle\\sum_i x_i",
                              "\\boxed{x=1}",
                              "\\overset{!}{=}",
                              "\\text{café}"}) {
            QTest::newRow(s) << QString::fromUtf8(s);
        }
    }
    void commonNotationLaysOut()
    {
        QFETCH(QString, latex);
        for (Mode mode : {Mode::Inline, Mode::Display}) {
            const Layout l = layoutFormula(latex, mode);
            QVERIFY2(l.ok(), qPrintable(l.error));
            QVERIFY(l.box.width > 0.5 && l.box.width < 60);
            QVERIFY(l.box.height > 0 && l.box.height < 5);
            QVERIFY(l.box.depth >= 0 && l.box.depth < 5);
        }
    }

    void badInputFailsWithItsPosition_data()
    {
        QTest::addColumn<QString>("latex");
        QTest::addColumn<int>("position");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown command") << QStringLiteral("a + \\foo{x}") << 4
                                         << QStringLiteral("unknown command \\foo");
        QTest::newRow("missing argument") << QStringLiteral("\\frac{a}") << 8 << QStringLiteral("missing argument");
        QTest::newRow("dangling superscript") << QStringLiteral("x^") << 2 << QStringLiteral("missing argument");
        QTest::newRow("double superscript") << QStringLiteral("x^2^3") << 3 << QStringLiteral("double superscript");
        QTest::newRow("unbalanced open") << QStringLiteral("{a") << 2 << QStringLiteral("missing \"}\"");
        QTest::newRow("unbalanced close") << QStringLiteral("a}") << 1 << QStringLiteral("unbalanced \"}\"");
        QTest::newRow("left without right")
            << QStringLiteral("\\left( a") << 8 << QStringLiteral("\\left without \\right");
        QTest::newRow("right without left")
            << QStringLiteral("a \\right)") << 2 << QStringLiteral("\\right without \\left");
        QTest::newRow("unknown environment")
            << QStringLiteral("\\begin{tikz}x\\end{tikz}") << 6 << QStringLiteral("unknown environment \"tikz\"");
        QTest::newRow("unended environment")
            << QStringLiteral("\\begin{matrix} a & b") << 6 << QStringLiteral("\\begin{matrix} without \\end");
        QTest::newRow("lone backslash") << QStringLiteral("a\\") << 1 << QStringLiteral("a lone backslash");
        QTest::newRow("alignment outside") << QStringLiteral("a & b") << 2 << QStringLiteral("unexpected \"&\"");
        QTest::newRow("empty") << QStringLiteral("  ") << 0 << QStringLiteral("empty formula");
        QTest::newRow("command in text") << QStringLiteral("\\text{a \\foo}") << 8
                                         << QStringLiteral("commands inside \\text are not supported");
    }
    void badInputFailsWithItsPosition()
    {
        QFETCH(QString, latex);
        QFETCH(int, position);
        QFETCH(QString, message);
        const Layout l = layoutFormula(latex, Mode::Inline);
        QVERIFY(!l.ok());
        QCOMPARE(l.error, message);
        QCOMPARE(l.errorPosition, position);
        QVERIFY(l.box.items.isEmpty());
    }

    void hostileInputIsBoundedInTime()
    {
        // Each would recurse or allocate without bound: a clear error, fast.
        const QList<QString> hostile = {
            QString(3000, QLatin1Char('{')) + QString(3000, QLatin1Char('}')),
            QStringLiteral("\\sqrt").repeated(900) + QStringLiteral("x"),
            QStringLiteral("x^{").repeated(500) + QStringLiteral("1") + QString(500, QLatin1Char('}')),
            QStringLiteral("\\frac{").repeated(400) + QStringLiteral("1"),
            QStringLiteral("\\left(").repeated(600),
            QString(kMaxSourceChars + 1, QLatin1Char('x')),
            QStringLiteral("\\begin{matrix}") + QStringLiteral("a&").repeated(300) + QStringLiteral("\\end{matrix}"),
            QStringLiteral("\\Bigg(").repeated(800),
        };
        for (const QString& s : hostile) {
            QElapsedTimer t;
            t.start();
            const Layout l = layoutFormula(s, Mode::Display);
            QVERIFY2(!l.ok(), qPrintable(s.left(40)));
            QVERIFY2(t.elapsed() < 2000, qPrintable(s.left(40)));
        }
        QCOMPARE(layoutFormula(QString(1500, QLatin1Char('{')) + QString(1500, QLatin1Char('}')), Mode::Inline).error,
                 QStringLiteral("nested too deeply"));
        QCOMPARE(layoutFormula(QString(kMaxSourceChars + 1, QLatin1Char('x')), Mode::Inline).error,
                 QStringLiteral("formula too long"));
        // Many ordinary atoms within the limits still lay out.
        QVERIFY(layoutFormula(QStringLiteral("x+").repeated(150) + QStringLiteral("x"), Mode::Inline).ok());
    }

    void paintsNonBlankImagesOfSaneSize()
    {
        const Layout l = cachedLayout(QStringLiteral("\\frac{a^2+b^2}{c}"), Mode::Inline);
        QVERIFY(l.ok());
        const ImageGeometry g = imageGeometry(l.box, Mode::Inline, 15);
        QVERIFY(!g.isNull());
        // Inline: symmetric around the text's middle, the baseline below it.
        QVERIFY(g.size.height() > 20 && g.size.height() < 80);
        QVERIFY(g.size.width() > 20 && g.size.width() < 120);
        QCOMPARE(g.baseline, g.size.height() / 2.0 + kTextMiddle * 15);
        const QImage one = paintFormula(l.box, g, 15, Qt::black, 1);
        QCOMPARE(one.size(), g.size);
        const int ink = inkPixels(one);
        QVERIFY2(ink > 40, qPrintable(QString::number(ink)));
        QVERIFY(ink < one.width() * one.height() / 2);
        // Twice the pixels at a ratio of 2, same logical size; the colour is the one asked.
        const QImage two = paintFormula(l.box, g, 15, QColor(0xee, 0xee, 0xee), 2);
        QCOMPARE(two.size(), g.size * 2);
        QCOMPARE(two.devicePixelRatio(), 2.0);
        QVERIFY2(inkPixels(two) > 2 * ink, qPrintable(QStringLiteral("%1 %2").arg(inkPixels(two)).arg(ink)));
        bool light = false;
        for (int y = 0; y < two.height() && !light; ++y)
            for (int x = 0; x < two.width() && !light; ++x) {
                const QColor c = QColor::fromRgba(two.pixel(x, y));
                light = c.alpha() == 255 && c.red() > 0xd0 && c.green() > 0xd0;
            }
        QVERIFY(light);
        // Display images are tight; an inline fraction's image is taller than an inline letter's.
        const Layout x = cachedLayout(QStringLiteral("x"), Mode::Inline);
        QVERIFY(imageGeometry(x.box, Mode::Inline, 15).size.height() < g.size.height());
    }

    void imageIdsRoundTrip()
    {
        const QString latex = QStringLiteral("\\alpha + é/2 = \\text{«ok»}");
        QCOMPARE(decodeSource(encodeSource(latex)), latex);
        QVERIFY(!encodeSource(latex).contains(QLatin1Char('/')));
        QVERIFY(decodeSource(u"not*base64").isEmpty());
        QString back;
        bool display = true;
        QVERIFY(sourceFromImageName(relativeSource(latex, false), &back, &display));
        QCOMPARE(back, latex);
        QVERIFY(!display);
        const QString resolved = baseUrl(QColor(0x10, 0x20, 0x30), 1.5) + relativeSource(latex, true);
        QVERIFY(resolved.startsWith(QLatin1String("image://math/ff102030/1.5/d/15/")));
        QVERIFY(sourceFromImageName(resolved, &back, &display));
        QCOMPARE(back, latex);
        QVERIFY(display);
        QVERIFY(!sourceFromImageName(QStringLiteral("http://host/x.png"), &back, &display));
        QVERIFY(!sourceFromImageName(QStringLiteral("i/15"), &back, &display));

        const QString id = resolved.mid(QStringLiteral("image://math/").size());
        const QImage image = imageForId(id);
        QVERIFY(!image.isNull());
        QCOMPARE(image.devicePixelRatio(), 1.5);
        QVERIFY(imageForId(QStringLiteral("zz/1/i/15/eA")).isNull());          // bad colour
        QVERIFY(imageForId(QStringLiteral("ff000000/1/i/15/%%%")).isNull());   // bad source
        QVERIFY(imageForId(QStringLiteral("ff000000/1/i/15/") + encodeSource(QStringLiteral("\\foo"))).isNull());
        QVERIFY(imageForId(QStringLiteral("ff000000/99/i/15/eA")).isNull());   // absurd ratio
    }

    void imageTagCarriesTheLogicalSize()
    {
        const QString tag = imageTag(QStringLiteral("x^2"), false);
        QVERIFY(tag.startsWith(QLatin1String("<img src=\"i/15/")));
        QVERIFY(tag.endsWith(QLatin1String("align=\"middle\" />")));
        const Layout l = cachedLayout(QStringLiteral("x^2"), Mode::Inline);
        const QSize size = imageGeometry(l.box, Mode::Inline, 15).size;
        QVERIFY(tag.contains(QStringLiteral("width=\"%1\" height=\"%2\"").arg(size.width()).arg(size.height())));
        QVERIFY(imageTag(QStringLiteral("\\unknown"), false).isEmpty());
        // Qt's Markdown importer makes it an image of that size, in the middle of the line.
        QTextDocument doc;
        doc.setMarkdown(QStringLiteral("so ") + tag + QStringLiteral(" holds"));
        QTextCursor c(&doc);
        c.setPosition(4);
        const QTextImageFormat f = c.charFormat().toImageFormat();
        QVERIFY(f.isValid());
        QCOMPARE(f.width(), double(size.width()));
        QCOMPARE(f.verticalAlignment(), QTextCharFormat::AlignMiddle);
        // Copy gives the formula back as LaTeX.
        QCOMPARE(textWithFormulas(&doc, 0, doc.characterCount() - 1), QStringLiteral("so $x^2$ holds"));
        QCOMPARE(textWithFormulas(&doc, 3, 4), QStringLiteral("$x^2$"));
        QCOMPARE(textWithFormulas(&doc, 0, 2), QStringLiteral("so"));
        QCOMPARE(formulaAt(&doc, 3), QStringLiteral("x^2"));   // before the image
        QCOMPARE(formulaAt(&doc, 4), QStringLiteral("x^2"));   // after it
        QCOMPARE(formulaAt(&doc, 1), QString());
        QCOMPARE(formulaAt(&doc, 100), QString());
    }
};

QTEST_MAIN(TestMath)
#include "tst_math.moc"
