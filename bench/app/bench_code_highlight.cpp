// Why highlighting a long line is slow, and what a streamed code block costs now (a program, not
// a test). Prints two tables:
// 1. one line of dense C++ coloured by source-highlight, at growing lengths: the time per
//    character grows with the length (each token searches the rest of the line with every rule);
// 2. a code block streamed into a document through CodeHighlighter::show() in small deltas:
//    the characters coloured (the work counter) against the characters received, and the
//    longest delta;
// 3. a 1 MB answer (Markdown around a 200,000-character code line) streamed into
//    MessageSegmentModel in 1 KB deltas, against splitting the whole answer again per delta.
//
//   bench_code_highlight [--language cpp] [--max-length 16000] [--block 65536] [--delta 40]
#include "codehighlighter.h"
#include "markdownsegments.h"

#include <QCommandLineParser>
#include <QGuiApplication>
#include <QAbstractTextDocumentLayout>
#include <QTextDocument>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace {

// CPU time this thread has used, in ms: the figures stay meaningful on a busy machine.
double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

QString denseLine(qsizetype length)
{
    QString s;
    for (int i = 0; s.size() < length; ++i)
        s += QStringLiteral("x%1 = f(y%1, \"s\") + 0x%1; ").arg(i % 97);
    return s.left(length);
}

}   // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", qEnvironmentVariableIsSet("QT_QPA_PLATFORM") ? qgetenv("QT_QPA_PLATFORM") : "offscreen");
    QGuiApplication app(argc, argv);
    QCommandLineParser p;
    const QCommandLineOption langOpt(QStringLiteral("language"), QStringLiteral("fence language"),
                                     QStringLiteral("name"), QStringLiteral("cpp"));
    const QCommandLineOption maxOpt(QStringLiteral("max-length"), QStringLiteral("longest line of table 1"),
                                    QStringLiteral("chars"), QStringLiteral("16000"));
    const QCommandLineOption blockOpt(QStringLiteral("block"), QStringLiteral("code block size of table 2"),
                                      QStringLiteral("chars"), QStringLiteral("65536"));
    const QCommandLineOption deltaOpt(QStringLiteral("delta"), QStringLiteral("characters per delta in table 2"),
                                      QStringLiteral("chars"), QStringLiteral("40"));
    p.addOptions({langOpt, maxOpt, blockOpt, deltaOpt});
    p.addHelpOption();
    p.process(app);
    const QString lang = p.value(langOpt);

    auto lines = CodeLineHighlighter::forLanguage(lang);
    if (!lines) {
        std::fprintf(stderr, "error: source-highlight does not know '%s' (or is not installed)\n", qPrintable(lang));
        return 1;
    }
    std::printf("## One line of %s, coloured by source-highlight\n\n", qPrintable(lang));
    std::printf("| line chars | coloured ranges | CPU ms | ns per char |\n|---:|---:|---:|---:|\n");
    for (qsizetype n = 250; n <= p.value(maxOpt).toLongLong(); n *= 2) {
        const QString line = denseLine(n);
        const double t0 = threadCpuMs();
        const auto ranges = lines->highlight(line);
        const double ms = threadCpuMs() - t0;
        std::printf("| %lld | %lld | %.2f | %.0f |\n", qlonglong(n), qlonglong(ranges.size()), ms,
                    ms * 1e6 / double(n));
    }

    // Lines of ordinary length, then one 200,000-character line, streamed.
    const qsizetype blockChars = p.value(blockOpt).toLongLong();
    const qsizetype delta = std::max<qsizetype>(1, p.value(deltaOpt).toLongLong());
    QString code;
    for (int i = 0; code.size() < blockChars; ++i)
        code += denseLine(60 + i % 40) + QLatin1Char('\n');
    std::printf("\n## A code block streamed through CodeHighlighter::show(), %lld characters per delta\n\n",
                qlonglong(delta));
    std::printf("| block | chars received | chars coloured | deltas | longest delta CPU ms | total CPU ms |\n"
                "|---|---:|---:|---:|---:|---:|\n");
    const QString longLine = denseLine(200000);
    for (const auto& [name, text] : {std::pair{QStringLiteral("short lines"), code},
                                     std::pair{QStringLiteral("one 200,000-char line"), longLine}}) {
        CodeHighlighter h;
        QTextDocument doc;
        doc.setTextWidth(800);   // laid out like a message's code box, wrapped
        doc.documentLayout();    // a document tells its highlighter of changes once it has a layout
        const qint64 before = CodeLineHighlighter::charactersHighlighted();
        double longest = 0;
        const double start = threadCpuMs();
        int deltas = 0;
        for (qsizetype at = 0; at < text.size(); at += delta, ++deltas) {
            const QString shown = text.left(at + delta);   // made outside the measured time
            const double t0 = threadCpuMs();
            h.show(&doc, shown, lang, false);
            QCoreApplication::processEvents();   // as the window would between two deltas
            longest = std::max(longest, threadCpuMs() - t0);
        }
        h.show(&doc, text, lang, true);   // the closing fence
        std::printf("| %s | %lld | %lld | %d | %.2f | %.0f |\n", qPrintable(name), qlonglong(text.size()),
                    CodeLineHighlighter::charactersHighlighted() - before, deltas, longest, threadCpuMs() - start);
    }

    QString prose;
    for (int i = 0; prose.size() < 400000; ++i)
        prose += QStringLiteral("## Part %1\n\nThe sea was *calm* that morning.\n\n- first item %1\n- second\n\n"
                                "```python\nreturn x * %1\n```\n\n")
                     .arg(i);
    const QString answer = prose + QStringLiteral("```cpp\n") + longLine + QStringLiteral("\n```\n\n") + prose;
    std::printf("\n## A %lld-character answer streamed in 1,024-character deltas, split for the view\n\n",
                qlonglong(answer.size()));
    std::printf("| split | deltas | rows | longest delta CPU ms | total CPU ms |\n|---|---:|---:|---:|---:|\n");
    for (const bool incremental : {true, false}) {
        MessageSegmentModel model;
        double longest = 0;
        const double start = threadCpuMs();
        int deltas = 0;
        qsizetype rows = 0;
        for (qsizetype at = 0; at < answer.size(); at += 1024, ++deltas) {
            const QString shown = answer.left(at + 1024);
            const double t0 = threadCpuMs();
            if (incremental)
                model.setMarkdown(shown);
            else
                rows = splitMarkdown(shown).size();   // what each delta cost before: the whole split
            longest = std::max(longest, threadCpuMs() - t0);
        }
        std::printf("| %s | %d | %lld | %.2f | %.0f |\n",
                    incremental ? "MessageSegmentModel (the new tail)" : "splitMarkdown (whole answer)", deltas,
                    qlonglong(incremental ? model.rowCount() : rows), longest, threadCpuMs() - start);
    }
    return 0;
}
