#pragma once
// Syntax highlighting of the code blocks of a message, with GNU source-highlight's language
// definitions (Debian's libsource-highlight). Each code block is a plain-text TextEdit whose
// document QML hands over with CodeHighlighter.show(textDocument, code, language, complete)
// whenever one of them changes; the document is then kept in step by appending or trimming, never
// rebuilt, so a streamed block costs work in proportion to each delta:
// - only completed lines are coloured: the line still being written (the last one of a block
//   whose closing fence has not arrived) waits for its newline, so it is coloured once, not once
//   per delta;
// - a line is coloured on its own, so appending never recolours the lines before it;
// - very long lines and what lies past a block's first kMaxHighlightedBlockChars characters are
//   shown plain (the reasons are with the numbers, in codehighlighter.cpp).
#include "markdownsegments.h"

#include <QColor>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTextCharFormat>

#include <map>
#include <memory>
#include <string>

class QQuickTextDocument;
class QTextDocument;

namespace srchilite {
class SourceHighlighter;
}

// One language's rules applied to one line at a time. Source-highlight restarts from its main
// state on every line, so a comment spanning lines is coloured on its first line only.
class CodeLineHighlighter {
public:
    struct Range {
        int start = 0;   // UTF-16 units in the line
        int length = 0;
        std::string element;   // "keyword", "string", "comment", ...
        bool operator==(const Range&) const = default;
    };

    // Null when the language is unknown to source-highlight (or its files are missing).
    static std::unique_ptr<CodeLineHighlighter> forLanguage(const QString& language);
    ~CodeLineHighlighter();

    QList<Range> highlight(const QString& line);

    // Characters handed to source-highlight by every instance since the program started: the
    // work counter the tests check (a line shown plain adds nothing).
    static qint64 charactersHighlighted();

private:
    CodeLineHighlighter();
    struct Impl;
    std::unique_ptr<Impl> d;
};

class CodeHighlighter : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool dark READ dark WRITE setDark NOTIFY darkChanged)
public:
    // Lines longer than this are shown plain; past this many characters a block is shown plain.
    static constexpr int kMaxHighlightedLine = 500;
    static constexpr int kMaxHighlightedBlockChars = 16 * 1024;
    // A line longer than this is shown as several blocks of at most this many characters (the
    // reason is in codehighlighter.cpp).
    static constexpr int kLongLineChunk = 2000;

    explicit CodeHighlighter(QObject* parent = nullptr);
    ~CodeHighlighter() override;

    bool dark() const { return m_dark; }
    void setDark(bool dark);

    // Shows `code` in the document (plain text, coloured for `language`). `complete`: the block's
    // closing fence has arrived (or the text will not grow any more), so its last line is
    // coloured too. Called again with a longer `code`, only the new characters are appended.
    // A piece of a long block (MarkdownSplitter cuts them) gives where it starts in its block,
    // `offset`, so that the block's first kMaxHighlightedBlockChars characters are coloured as one
    // document would colour them; `joinsLine`: its first line is the end of a line cut between
    // pieces, longer than a piece, so shown plain like the rest of that line.
    Q_INVOKABLE void show(QQuickTextDocument* document, const QString& code, const QString& language, bool complete,
                          int offset = 0, bool joinsLine = false);
    void show(QTextDocument* document, const QString& code, const QString& language, bool complete, int offset = 0,
              bool joinsLine = false);
    // show() with the code piece of `row` in `source` (its code, language, closed, offset,
    // joinsLine), read here in C++: QML calls it on each delta without making a script string
    // of the piece. A row that is not code, or not there, shows nothing.
    Q_INVOKABLE void showRow(QQuickTextDocument* document, MessageSegmentModel* source, int row);

    // The format for a source-highlight element ("keyword", "string", "comment", ...); an
    // invalid format for elements left as they are.
    QTextCharFormat formatFor(const std::string& element) const;

    // Where source-highlight's .lang files are (empty when the package is missing: code is then
    // shown without colours).
    static QString dataDir();

Q_SIGNALS:
    void darkChanged();

private:
    bool m_dark = false;
    mutable std::map<std::string, QTextCharFormat> m_formats;   // per element, for the current theme
    QList<QPointer<QObject>> m_attached;                        // the highlighters, to recolour on a theme change
};
