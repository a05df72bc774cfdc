// Fuzz target: the code highlighter (GNU source-highlight, coloured line by line) on fuzzed code
// of a known or fuzzed language, shown as the chat view shows a streamed code block: first a
// prefix (the block still growing), then the whole code, closed.
// Input: byte 0 picks the language (one of those below, or the text up to the first newline),
// byte 1 the theme and where the prefix ends; the rest is the code.
// Invariant: every format the highlighter sets stays inside its block.
#include "fuzz_common.h"

#include "codehighlighter.h"

#include <QAbstractTextDocumentLayout>
#include <QGuiApplication>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextLayout>

#include <memory>

namespace {

const char* const kLanguages[] = {"cpp",  "c",    "python", "javascript", "java",    "sh",     "bash",
                                  "json", "xml",  "html",   "css",        "sql",     "rust",   "go",
                                  "ruby", "perl", "php",    "lua",        "haskell", "latex",  "makefile",
                                  "diff", "ini",  "yaml",   "csharp",     "fortran", "pascal", "tcl"};
constexpr size_t kLanguageCount = sizeof(kLanguages) / sizeof(kLanguages[0]);

CodeHighlighter* g_highlighter = nullptr;
QTextDocument* g_document = nullptr;

}   // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    // Never destroyed (nor the document and highlighter): at exit Qt's own globals are gone
    // before a static's destructor would run.
    if (!QCoreApplication::instance()) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        new QGuiApplication(*argc, *argv);
    }
    if (!g_document) {
        g_highlighter = new CodeHighlighter;
        g_document = new QTextDocument;
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    causerie::fuzz::Input in(data, size);
    const uint8_t pick = in.byte();
    const uint8_t second = in.byte();
    const bool dark = second & 1;
    QString language;
    if (pick < kLanguageCount) {
        language = QString::fromLatin1(kLanguages[pick]);
    } else {
        const std::string_view l = in.until('\n');
        language = QString::fromUtf8(l.data(), qsizetype(l.size()));
    }
    const std::string_view rest = in.rest();
    const QString code = QString::fromUtf8(rest.data(), qsizetype(rest.size()));

    g_highlighter->setDark(dark);
    // One document for every input, as a message view keeps its own: the highlighter caches the
    // language definitions it loaded.
    g_document->clear();
    (void)g_document->documentLayout();   // the view's document has a layout: highlighting needs one
    const qsizetype prefix = code.size() * qsizetype(second >> 1) / 127;
    g_highlighter->show(g_document, code.left(prefix), language, false);
    g_highlighter->show(g_document, code, language, true);

    for (QTextBlock b = g_document->begin(); b.isValid(); b = b.next()) {
        const int length = b.length();
        for (const QTextLayout::FormatRange& r : b.layout()->formats())
            FUZZ_CHECK(r.start >= 0 && r.length >= 0 && r.start + r.length <= length);
    }
    return 0;
}
