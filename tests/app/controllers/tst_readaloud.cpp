// ReadAloud without a speech engine: a fake one driven by the test for the states (start,
// speak, finish, stop, toggle, another answer, failure, an engine that never starts), the
// Markdown made plain, the language chosen; and the real Qt engine, which must say it is
// unavailable (or speak) without blocking when speech-dispatcher is absent. The Markdown is
// converted line by line (SpeechTextConverter): in any line-aligned pieces it gives exactly
// what the whole gives, and what the converter gave before it was incremental.
#include "readaloud.h"
#include "speechtextconverter.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

namespace {

// plainText as it was before it became SpeechTextConverter (one pass over the whole text): the
// oracle the incremental converter must match on every line up to kMaxLineChars.
QString referencePlainText(const QString& markdown)
{
    QStringList out;
    bool inFence = false;
    QString fence;
    bool inMath = false;
    static const QRegularExpression fenceOpen(QStringLiteral("^\\s*(```+|~~~+)"));
    static const QRegularExpression rule(QStringLiteral("^\\s*([-*_])(\\s*\\1){2,}\\s*$"));
    static const QRegularExpression tableSeparator(
        QStringLiteral("^\\s*\\|?\\s*:?-{3,}:?\\s*(\\|\\s*:?-{3,}:?\\s*)*\\|?\\s*$"));
    static const QRegularExpression heading(QStringLiteral("^\\s{0,3}#{1,6}\\s+"));
    static const QRegularExpression quote(QStringLiteral("^\\s*(>\\s?)+"));
    static const QRegularExpression bullet(QStringLiteral("^\\s*([-*+]|\\d+[.)])\\s+(\\[[ xX]\\]\\s+)?"));
    static const QRegularExpression image(QStringLiteral("!\\[([^\\]]*)\\]\\([^)]*\\)"));
    static const QRegularExpression link(QStringLiteral("\\[([^\\]]+)\\]\\([^)]*\\)"));
    static const QRegularExpression autolink(QStringLiteral("<(https?://[^>]+)>"));
    static const QRegularExpression html(QStringLiteral("</?[A-Za-z][^>]*>"));
    static const QRegularExpression inlineCode(QStringLiteral("`+([^`]+)`+"));
    static const QRegularExpression emphasis(QStringLiteral("(\\*{1,3}|_{2,3}|~~)(?=\\S)(.+?)(?<=\\S)\\1"));
    static const QRegularExpression underscoreEmphasis(QStringLiteral("(?<![\\w])_(?=\\S)(.+?)(?<=\\S)_(?![\\w])"));
    static const QRegularExpression inlineMath(QStringLiteral("\\$([^$\\n]+)\\$|\\\\\\((.+?)\\\\\\)"));
    for (QString line : markdown.split(QLatin1Char('\n'))) {
        if (inFence) {
            if (line.trimmed().startsWith(fence))
                inFence = false;
            continue;
        }
        if (inMath) {
            if (line.contains(QLatin1String("$$")) || line.contains(QLatin1String("\\]")))
                inMath = false;
            continue;
        }
        if (const auto m = fenceOpen.match(line); m.hasMatch()) {
            inFence = true;
            fence = m.captured(1);
            out << QStringLiteral("(code block)");
            continue;
        }
        const QString trimmed = line.trimmed();
        if (trimmed.startsWith(QLatin1String("$$")) || trimmed.startsWith(QLatin1String("\\["))) {
            out << QStringLiteral("(formula)");
            const QString rest = trimmed.mid(2);
            inMath = !(rest.contains(QLatin1String("$$")) || rest.contains(QLatin1String("\\]")));
            continue;
        }
        if (rule.match(line).hasMatch() || tableSeparator.match(line).hasMatch())
            continue;
        line.remove(heading).remove(quote).remove(bullet);
        if (line.trimmed().startsWith(QLatin1Char('|'))) {
            QStringList cells = line.trimmed().split(QLatin1Char('|'));
            for (QString& c : cells)
                c = c.trimmed();
            cells.removeAll(QString());
            line = cells.join(QStringLiteral(", ")) + QLatin1Char('.');
        }
        line.replace(image, QStringLiteral("\\1"));
        line.replace(link, QStringLiteral("\\1"));
        line.replace(autolink, QStringLiteral("\\1"));
        line.replace(inlineCode, QStringLiteral("\\1"));
        line.replace(inlineMath, QStringLiteral("\\1\\2"));
        line.remove(html);
        for (int pass = 0; pass < 3; ++pass) {
            line.replace(emphasis, QStringLiteral("\\2"));
            line.replace(underscoreEmphasis, QStringLiteral("\\1"));
        }
        line.replace(QLatin1String("\\*"), QLatin1String("*")).replace(QLatin1String("\\_"), QLatin1String("_"));
        out << line.trimmed();
    }
    QString text = out.join(QLatin1Char('\n'));
    static const QRegularExpression blanks(QStringLiteral("\\n{3,}"));
    text.replace(blanks, QStringLiteral("\n\n"));
    return text.trimmed();
}

// A random Markdown answer: prose with inline markup, headings, lists, quotes, tables, rules,
// fences (``` and ~~~, some with a language, some closed by a longer or another fence), display
// math ($$ and \[ \], on one line or several), blank-line runs, indented and empty lines.
QString randomMarkdown(QRandomGenerator& rng)
{
    static const QStringList lines = {
        QStringLiteral("Plain sentence. Another one!"),
        QStringLiteral("Some **bold** and *italic* and ***both*** and __under__ and ~~gone~~."),
        QStringLiteral("A [link](https://x.org/a_b), ![img](a.png), <https://y.org> and `code`."),
        QStringLiteral("Math $x+1$ and \\(y\\) inline; a snake_case_name; 2 \\* 3."),
        QStringLiteral("## A heading"),
        QStringLiteral("   ### indented heading"),
        QStringLiteral("- item one"),
        QStringLiteral("* item two with **bold"),
        QStringLiteral("1. numbered"),
        QStringLiteral("- [x] done task"),
        QStringLiteral("> a quote > inside"),
        QStringLiteral("| Name | Age |"),
        QStringLiteral("|---|:---:|"),
        QStringLiteral("| Ann | 31 |"),
        QStringLiteral("---"),
        QStringLiteral("* * *"),
        QStringLiteral("```"),
        QStringLiteral("```python"),
        QStringLiteral("````"),
        QStringLiteral("  ~~~"),
        QStringLiteral("~~~~ text"),
        QStringLiteral("$$"),
        QStringLiteral("$$ E = mc^2 $$"),
        QStringLiteral("\\["),
        QStringLiteral("\\]"),
        QStringLiteral("a + b \\] closes"),
        QStringLiteral("print('**x**')  # code"),
        QStringLiteral("A <b>bold</b> word<br>"),
        QString(),
        QString(),
        QStringLiteral("   "),
        QStringLiteral("Über café, 東京 and 😀 emoji."),
    };
    QStringList text;
    const int n = 1 + int(rng.bounded(40));
    for (int i = 0; i < n; ++i)
        text << lines.at(int(rng.bounded(qsizetype(lines.size()))));
    QString joined = text.join(QLatin1Char('\n'));
    if (rng.bounded(2))
        joined += QLatin1Char('\n');
    return joined;
}

class FakeEngine : public SpeechEngine {
public:
    QString reason;
    QList<QLocale> available{QLocale(QLocale::English, QLocale::UnitedStates),
                             QLocale(QLocale::French, QLocale::France)};
    QStringList said;
    QList<QLocale> saidIn;
    int stops = 0;

    QString unavailableReason() const override { return reason; }
    QList<QLocale> locales() const override { return available; }
    void say(const QString& text, const QLocale& locale) override
    {
        said << text;
        saidIn << locale;
    }
    void stop() override { ++stops; }
    using SpeechEngine::failed;
    using SpeechEngine::finished;
    using SpeechEngine::started;
};

}   // namespace

class TestReadAloud : public QObject {
    Q_OBJECT

private:
    FakeEngine* m_engine = nullptr;   // owned by the ReadAloud
    int m_made = 0;
    QString m_appLanguage = QStringLiteral("fr");

    std::unique_ptr<ReadAloud> make()
    {
        return std::make_unique<ReadAloud>(
            [this] {
                ++m_made;
                auto e = std::make_unique<FakeEngine>();
                m_engine = e.get();
                return e;
            },
            [this] { return m_appLanguage; });
    }

private Q_SLOTS:
    void init()
    {
        m_engine = nullptr;
        m_made = 0;
        m_appLanguage = QStringLiteral("fr");
    }

    void speaksStopsAndToggles()
    {
        auto r = make();
        QCOMPARE(m_made, 0);   // nothing until the first read
        QCOMPARE(r->state(), ReadAloud::Idle);
        QSignalSpy changed(r.get(), &ReadAloud::stateChanged);
        r->toggle(7, QStringLiteral("The answer is **42** and that is all."));
        QCOMPARE(m_made, 1);
        QCOMPARE(r->state(), ReadAloud::Starting);
        QCOMPARE(r->messageId(), 7);
        QCOMPARE(m_engine->said, QStringList{QStringLiteral("The answer is 42 and that is all.")});
        QCOMPARE(r->language(), QStringLiteral("en"));
        QCOMPARE(r->languageSource(), QStringLiteral("detected"));
        QCOMPARE(m_engine->saidIn.last().language(), QLocale::English);
        Q_EMIT m_engine->started();
        QCOMPARE(r->state(), ReadAloud::Speaking);
        Q_EMIT m_engine->finished();
        QCOMPARE(r->state(), ReadAloud::Idle);
        QCOMPARE(r->messageId(), 0);
        QCOMPARE(changed.size(), 3);

        // The same answer again while it is read: stops it.
        r->toggle(7, QStringLiteral("Encore"));
        Q_EMIT m_engine->started();
        r->toggle(7, QStringLiteral("Encore"));
        QCOMPARE(r->state(), ReadAloud::Idle);
        QCOMPARE(m_engine->stops, 1);
        // Another answer: the first stops, the second starts.
        r->toggle(7, QStringLiteral("Encore"));
        r->toggle(8, QStringLiteral("Autre"));
        QCOMPARE(m_engine->stops, 2);
        QCOMPARE(r->messageId(), 8);
        QCOMPARE(r->state(), ReadAloud::Starting);
        r->stop();
        QCOMPARE(r->state(), ReadAloud::Idle);
        QCOMPARE(m_engine->stops, 3);
        // A late "finished" from the engine after a stop changes nothing.
        Q_EMIT m_engine->finished();
        QCOMPARE(r->state(), ReadAloud::Idle);
        QCOMPARE(m_made, 1);   // one engine for the window's life
        // Nothing to say: nothing said.
        const int said = int(m_engine->said.size());
        r->toggle(9, QStringLiteral("```\ncode only\n```"));
        QCOMPARE(int(m_engine->said.size()), said + 1);   // the announcement is said
        r->stop();
        r->toggle(9, QStringLiteral("   "));
        QCOMPARE(int(m_engine->said.size()), said + 1);
        QCOMPARE(r->state(), ReadAloud::Idle);
    }

    void languageFallsBackToTheApp()
    {
        auto r = make();
        r->toggle(1, QStringLiteral("OK."));   // too short to tell
        QCOMPARE(r->language(), QStringLiteral("fr"));
        QCOMPARE(r->languageSource(), QStringLiteral("app"));
        QCOMPARE(m_engine->saidIn.last().language(), QLocale::French);
        r->stop();
        r->toggle(2, QStringLiteral("Le chat est sur la table et les enfants sont dans le jardin avec une balle."));
        QCOMPARE(r->language(), QStringLiteral("fr"));
        QCOMPARE(r->languageSource(), QStringLiteral("detected"));
        r->stop();
        // German detected, but the engine has no German voice: its default locale is used.
        r->toggle(3, QStringLiteral("Der Hund ist nicht mit der Katze und die Kinder sind auf dem Platz."));
        QCOMPARE(r->language(), QStringLiteral("de"));
        QCOMPARE(m_engine->saidIn.last(), QLocale());
    }

    void unavailableEngineSaysWhy()
    {
        auto r = std::make_unique<ReadAloud>(
            [this] {
                ++m_made;
                auto e = std::make_unique<FakeEngine>();
                e->reason = QStringLiteral("Connection to speech-dispatcher failed");
                return e;
            },
            [] { return QString(); });
        r->toggle(1, QStringLiteral("Hello there, this is the answer."));
        QCOMPARE(r->state(), ReadAloud::Unavailable);
        QCOMPARE(r->unavailableReason(),
                 QStringLiteral("Read aloud is unavailable: Connection to speech-dispatcher failed"));
        QCOMPARE(r->messageId(), 0);
        // Tried again on the next read (the daemon may have been started since).
        r->toggle(1, QStringLiteral("Hello there, this is the answer."));
        QCOMPARE(m_made, 2);
        QCOMPARE(r->state(), ReadAloud::Unavailable);

        auto none =
            std::make_unique<ReadAloud>([] { return std::unique_ptr<SpeechEngine>(); }, [] { return QString(); });
        none->toggle(1, QStringLiteral("Hello"));
        QCOMPARE(none->state(), ReadAloud::Unavailable);
        QCOMPARE(none->unavailableReason(), QStringLiteral("No speech engine is installed."));
    }

    void failureWhileSpeakingAndEngineThatNeverStarts()
    {
        auto r = make();
        r->toggle(1, QStringLiteral("Hello there, this is the answer."));
        Q_EMIT m_engine->started();
        Q_EMIT m_engine->failed(QStringLiteral("audio device lost"));
        QCOMPARE(r->state(), ReadAloud::Unavailable);
        QCOMPARE(r->unavailableReason(), QStringLiteral("Read aloud is unavailable: audio device lost"));
        // Usable again afterwards.
        r->toggle(2, QStringLiteral("Hello again."));
        QCOMPARE(r->state(), ReadAloud::Starting);
        QVERIFY(r->unavailableReason().isEmpty());
        r->stop();

        // An engine that takes the text and never speaks: given up after the timeout.
        r->setStartTimeoutMs(50);
        r->toggle(3, QStringLiteral("Hello there."));
        QCOMPARE(r->state(), ReadAloud::Starting);
        QTRY_COMPARE(r->state(), ReadAloud::Unavailable);
        QCOMPARE(r->unavailableReason(), QStringLiteral("The speech engine did not start speaking."));
        QCOMPARE(m_engine->stops, 2);
    }

    void markdownBecomesSpeech_data()
    {
        QTest::addColumn<QString>("markdown");
        QTest::addColumn<QString>("spoken");
        QTest::newRow("emphasis") << "Some **bold**, *italic*, ***both***, __under__ and ~~gone~~ text."
                                  << "Some bold, italic, both, under and gone text.";
        QTest::newRow("snake_case stays") << "Call my_function_name now."
                                          << "Call my_function_name now.";
        QTest::newRow("heading") << "## Results\nAll good."
                                 << "Results\nAll good.";
        QTest::newRow("lists") << "- one\n* two\n1. three\n- [x] done"
                               << "one\ntwo\nthree\ndone";
        QTest::newRow("quote") << "> quoted > text"
                               << "quoted > text";
        QTest::newRow("links") << "See [the docs](https://x.org/a_b) and ![a cat](cat.png) or <https://y.org>."
                               << "See the docs and a cat or https://y.org.";
        QTest::newRow("inline code") << "Run `ls -la` first."
                                     << "Run ls -la first.";
        QTest::newRow("code block skipped") << "Before:\n```python\nprint('**not read**')\n```\nAfter."
                                            << "Before:\n(code block)\nAfter.";
        QTest::newRow("tilde fence") << "~~~\nx = 1\n~~~\nDone."
                                     << "(code block)\nDone.";
        QTest::newRow("unclosed fence") << "Text\n```\ncode to the end"
                                        << "Text\n(code block)";
        QTest::newRow("table") << "| Name | Age |\n|---|:---:|\n| Ann | 31 |"
                               << "Name, Age.\nAnn, 31.";
        QTest::newRow("rule") << "Above\n\n---\n\nBelow"
                              << "Above\n\nBelow";
        QTest::newRow("display math") << "Energy:\n$$\nE = mc^2\n$$\nDone."
                                      << "Energy:\n(formula)\nDone.";
        QTest::newRow("one-line display math") << "$$a+b$$ then"
                                               << "(formula)";
        QTest::newRow("inline math") << "Where $x+1$ and \\(y\\) hold."
                                     << "Where x+1 and y hold.";
        QTest::newRow("html") << "A <b>bold</b> word<br>"
                              << "A bold word";
        QTest::newRow("escapes") << "2 \\* 3"
                                 << "2 * 3";
        QTest::newRow("blank runs") << "a\n\n\n\nb"
                                    << "a\n\nb";
    }

    void markdownBecomesSpeech()
    {
        QFETCH(QString, markdown);
        QFETCH(QString, spoken);
        QCOMPARE(ReadAloud::plainText(markdown), spoken);
    }

    void piecesConvertAsTheWhole()
    {
        QRandomGenerator rng(20);   // fixed: a failure is reproducible
        for (int round = 0; round < 500; ++round) {
            const QString markdown = randomMarkdown(rng);
            const QString whole = ReadAloud::plainText(markdown);
            QCOMPARE(whole, referencePlainText(markdown));
            // Cut at random line ends; each piece is fed without the '\n' that ends it.
            SpeechTextConverter converter;
            QStringList spoken;
            qsizetype from = 0;
            while (true) {
                qsizetype end = markdown.indexOf(QLatin1Char('\n'), from);
                while (end >= 0 && rng.bounded(3) == 0)
                    end = markdown.indexOf(QLatin1Char('\n'), end + 1);
                if (end < 0)
                    end = markdown.size();
                spoken << converter.feed(QStringView(markdown).mid(from, end - from));
                if (end == markdown.size())
                    break;
                from = end + 1;
            }
            QCOMPARE(SpeechTextConverter::join(spoken), whole);
            QCOMPARE(converter.processed(), markdown.size() - markdown.count(QLatin1Char('\n')));
        }
    }

    void longLinesAreNotRead()
    {
        // Up to the bound a line is read; past it, it is said to be long (the inline rules
        // never see it); in code it is skipped as before, and the fence still closes.
        const QString limit(SpeechTextConverter::kMaxLineChars, QLatin1Char('a'));
        QCOMPARE(ReadAloud::plainText(QStringLiteral("Before.\n") + limit), QStringLiteral("Before.\n") + limit);
        const QString hostile = QStringLiteral("*a _b ").repeated(2000);
        QCOMPARE(ReadAloud::plainText(QStringLiteral("Before.\n") + hostile + QStringLiteral("\nAfter.")),
                 QStringLiteral("Before.\n(long line)\nAfter."));
        const QString code(200000, QLatin1Char('x'));
        QCOMPARE(ReadAloud::plainText(QStringLiteral("Run:\n```cpp\n") + code + QStringLiteral("\n```\nDone.")),
                 QStringLiteral("Run:\n(code block)\nDone."));
        // A long line that opens a fence or a formula still does.
        QCOMPARE(ReadAloud::plainText(QStringLiteral("```") + code + QStringLiteral("\nx\n```\nDone.")),
                 QStringLiteral("(code block)\nDone."));
        QCOMPARE(ReadAloud::plainText(QStringLiteral("$$") + code + QStringLiteral("\nx\n$$\nDone.")),
                 QStringLiteral("(formula)\nDone."));
        // Past kLongLineChars, emphasis is unwrapped when it spans at most kMaxEmphasisChars.
        const QString padding = QStringLiteral("plain words ").repeated(100);
        QVERIFY(padding.size() > SpeechTextConverter::kLongLineChars);
        QCOMPARE(ReadAloud::plainText(padding + QStringLiteral("a **bold** and _it_ and ~~gone~~ end")),
                 padding + QStringLiteral("a bold and it and gone end"));
        const QString wide = QStringLiteral("*") +
                             QString(SpeechTextConverter::kMaxEmphasisChars + 1, QLatin1Char('w')) +
                             QStringLiteral("*");
        QCOMPARE(ReadAloud::plainText(padding + wide), padding + wide);
        QCOMPARE(ReadAloud::plainText(QStringLiteral("short ") + wide),
                 QStringLiteral("short ") + wide.mid(1).chopped(1));
    }

    void detectsClearLanguagesOnly()
    {
        QCOMPARE(ReadAloud::detectLanguage(QStringLiteral("This is the answer and it is for you.")),
                 QStringLiteral("en"));
        QCOMPARE(ReadAloud::detectLanguage(QStringLiteral("Voici la réponse et les détails pour vous.")),
                 QStringLiteral("fr"));
        QCOMPARE(ReadAloud::detectLanguage(QStringLiteral("El perro y los gatos son para la casa con una niña.")),
                 QStringLiteral("es"));
        QCOMPARE(ReadAloud::detectLanguage(QStringLiteral("42")), QString());
        QCOMPARE(ReadAloud::detectLanguage(QStringLiteral("print(x) for x in range(10)")), QString());
        QCOMPARE(ReadAloud::detectLanguage(QString()), QString());
    }

    void realEngineNeverBlocks()
    {
        // The app's engine (speechd). Without speech-dispatcher it must say so; with it, it
        // speaks. Either way the call returns at once and the state settles.
        ReadAloud r(makeQtSpeechEngine, [] { return QStringLiteral("en"); });
        QElapsedTimer t;
        t.start();
        r.toggle(1, QStringLiteral("Hello."));
        QVERIFY2(t.elapsed() < 2000, "toggle() returned within 2 s");
        QTRY_VERIFY_WITH_TIMEOUT(r.state() != ReadAloud::Starting, ReadAloud::kStartTimeoutMs + 2000);
        if (r.state() == ReadAloud::Unavailable) {
            QVERIFY2(r.unavailableReason().startsWith(QLatin1String("Read aloud is unavailable:")) ||
                         r.unavailableReason() == QLatin1String("The speech engine did not start speaking."),
                     qPrintable(r.unavailableReason()));
        } else {
            r.stop();
            QCOMPARE(r.state(), ReadAloud::Idle);
        }
    }
};

QTEST_GUILESS_MAIN(TestReadAloud)
#include "tst_readaloud.moc"
