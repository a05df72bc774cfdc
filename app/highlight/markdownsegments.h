#pragma once
// An answer cut into the pieces the chat view shows one item each: prose paragraphs (Markdown)
// and fenced code blocks (highlighted, with their own copy button). While a model streams, only
// the end of the answer changes: MarkdownSplitter reads each delta once (the lines before it are
// never scanned again) and MessageSegmentModel tells the view about the rows that changed, so
// the rest of the answer is neither parsed nor laid out again.
#include <QtQml/qqmlregistration.h>
#include <QAbstractListModel>
#include <QList>
#include <QMetaObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QStringView>
#include <QQuickTextDocument>

class QTextDocument;

struct MarkdownSegment {
    enum Kind { Prose, Code, Math };
    Kind kind = Prose;
    QString text;          // prose as written; code without its fences; math: the LaTeX, no delimiters
    QString language;      // code only: the word after the opening fence ("cpp"), may be empty
    QString markdown;      // prose: what the view renders; code: the block with its fences; math: as
                           // written, delimiters included (shown when the formula does not lay out)
    bool closed = false;   // code: nothing more comes into this piece: its block's closing fence
                           // has arrived, or the block goes on in the next piece; math: its closing
                           // delimiter has arrived
    bool plain = false;    // prose only: too costly for Qt's Markdown (tooCostlyAsMarkdown): shown as text
    // A long code block is cut into pieces, one segment each (MarkdownSplitter::kCodePieceChars):
    int part = 0;             // which piece of its block (0: the first, with the block's header)
    bool continues = false;   // the block goes on in the next segment
    bool joinsLine = false;   // part > 0: starts inside the line the piece before ended in (no line
                              // break between the two; else one '\n')
    qsizetype offset = 0;     // where the piece starts in its block's code, in UTF-16 units

    bool operator==(const MarkdownSegment&) const = default;
};

// Fenced blocks (``` or ~~~, three or more, closed by the same fence) become code segments; an
// unterminated fence (an answer still streaming) runs to the end. Prose is cut at blank lines
// only where that cannot change how it renders: the next block starts in column 0 and is not a
// list item, so lists (tight or loose), indented continuations and code indented by four spaces
// stay whole; and only once the segment holds MarkdownSplitter::kMinProseChars, so that a long
// answer is a few hundred items, not one per paragraph. Past kMaxProseChars a segment is cut at
// the next blank line whatever follows, past kMaxProseCharsWithoutBlank at the next line end.
// Blank prose is dropped. Display math ($$ or \[ in column 0, to the line ending in $$ or \],
// no blank line inside: TeX allows none) is a math segment; inline math stays in prose
// (safeMarkdown). A code block longer than kCodePieceLines lines or kCodePieceChars
// characters is cut into pieces (see MarkdownSplitter): its code is the pieces' texts joined by
// '\n', or by nothing before a piece that joinsLine (MessageSegmentModel::codeBlock).
QList<MarkdownSegment> splitMarkdown(const QString& markdown);

// splitMarkdown() for a text that grows: append() costs the new characters plus the line still
// being written, whatever came before. segments() equals splitMarkdown() of everything appended.
class MarkdownSplitter {
public:
    // Why these sizes: every segment is a view item (a delegate with its text items), and the
    // open one is parsed and laid out again on each delta. With 2 KB segments a 1 MB answer is
    // ~500 items, and a delta re-lays out a couple of KB; a single item per paragraph made it
    // thousands of items, whose layout and bookkeeping cost every delta (bench_gui_stall
    // --hostile). The two limits bound the open segment when the text offers no harmless cut.
    static constexpr qsizetype kMinProseChars = 2048;
    static constexpr qsizetype kMaxProseChars = 16 * 1024;
    static constexpr qsizetype kMaxProseCharsWithoutBlank = 64 * 1024;
    // A code block is cut into pieces of at most these many lines and characters, each its own
    // view item: Qt 6.4's TextEdit makes the drawn text of its whole document again on each
    // change, so a streamed block costs in proportion to its open piece, not to the block (a
    // 200,000-character line took 16-22 ms of GUI CPU per delta in one item). A piece ends at a
    // line end when the next line would not fit, and a line longer than a piece is cut every
    // kCodePieceChars characters (never inside a surrogate pair). The sizes are measured with
    // bench_gui_stall --hostile (docs/benchmarks.md): the per-delta cost of the open piece
    // against the items a long block makes.
    static constexpr qsizetype kCodePieceChars = 4096;
    static constexpr int kCodePieceLines = 100;

    void append(QStringView more);

    // Segments that no later text can change (everything before the segment still open).
    const QList<MarkdownSegment>& finished() const { return m_finished; }
    // What the end of the text gives for now (0 to 2 segments, more only while a long line that
    // may still be a closing fence, all blanks, is written): costs the open segment's size.
    QList<MarkdownSegment> open() const;
    QList<MarkdownSegment> segments() const { return m_finished + open(); }

private:
    // The line machine between two lines.
    struct State {
        QStringList prose;   // lines of the prose segment being gathered
        QString fence;       // the open fence while inside a code block
        QString language;
        QString code;             // the code block's piece being gathered: its lines joined by '\n'
        int codeLines = 0;        // lines begun in `code` (0: an empty block so far)
        int part = 0;             // which piece of the block `code` is
        bool joinsLine = false;   // `code` starts inside the line the piece before ended in
        qsizetype offset = 0;     // where `code` starts in the block's code
        bool inLine = false;      // the line being read has begun in `code` (so it is no fence)
        bool afterBlank = false;
        qsizetype proseChars = 0;   // in `prose`, newlines included
        QString mathClose;          // "$$" or "\\]" while inside a display formula's lines
        QStringList math;           // its lines so far, the opening one included
    };
    static bool feedMathLine(State& s, const QString& line, QList<MarkdownSegment>& out);
    static bool cutsProseBefore(const State& s, const QString& line);
    static void feedLine(State& s, const QString& line, QList<MarkdownSegment>& out);
    static void finish(State& s, QList<MarkdownSegment>& out);
    static void startCodeLine(State& s, qsizetype lineSize, QList<MarkdownSegment>& out);
    static void addCode(State& s, QStringView chars, QList<MarkdownSegment>& out);
    static void endCodePiece(State& s, bool more, bool joinsLine, QList<MarkdownSegment>& out);
    void takePendingCode();

    State m_state;       // after the last complete line
    QString m_pending;   // the line being written (after the last '\n'), less what is in m_state.code
    QList<MarkdownSegment> m_finished;
};

class MessageSegmentModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QString markdown READ markdown WRITE setMarkdown NOTIFY markdownChanged)
    // Whether the markdown is "": lets a view ask without reading a whole answer into QML per delta.
    Q_PROPERTY(bool empty READ isEmpty NOTIFY emptyChanged)
    // Instead of `markdown`: follow one cell of another model (the chat's messages: row, role
    // name), read here in C++ when it changes. Storing the text in a QML property, or a binding
    // reading it, would copy the whole answer into the script engine on every streamed delta,
    // and a 1 MB answer then costs a garbage collection per delta.
    Q_PROPERTY(QObject* sourceModel READ sourceModel WRITE setSourceModel NOTIFY sourceChanged)
    Q_PROPERTY(int sourceRow READ sourceRow WRITE setSourceRow NOTIFY sourceChanged)
    Q_PROPERTY(QString sourceRole READ sourceRole WRITE setSourceRole NOTIFY sourceChanged)
public:
    enum Role {
        KindRole = Qt::UserRole + 1,
        TextRole,
        LanguageRole,
        MarkdownRole,
        ClosedRole,
        PlainRole,
        PartRole,
        ContinuesRole,
        JoinsLineRole,
        OffsetRole,
        // What a view needs without the piece's text (a QML property holding a string keeps a
        // script-engine copy of it, renewed on every streamed delta: garbage to collect, up to
        // 4 KiB a delta for a piece of code): the length of what the piece shows (its text for
        // code and plain prose, else its Markdown), to estimate its height (wrappedLines); and,
        // for a formula only (else ""), its LaTeX and its source as written.
        CharsRole,
        LatexRole,
        LatexSourceRole
    };

    explicit MessageSegmentModel(QObject* parent = nullptr);

    QString markdown() const { return m_markdown; }
    bool isEmpty() const { return m_markdown.isEmpty(); }
    // Reports only the rows that differ (dataChanged / rowsInserted / rowsRemoved). A markdown
    // that extends the previous one (streaming) is split from where the previous one ended.
    void setMarkdown(const QString& markdown);

    QObject* sourceModel() const { return m_source; }
    void setSourceModel(QObject* model);   // not a QAbstractItemModel: followed as none
    int sourceRow() const { return m_sourceRow; }
    void setSourceRow(int row);
    QString sourceRole() const { return m_sourceRole; }
    void setSourceRole(const QString& name);

    // The whole code of the block `row` is a piece of (all its pieces joined, as fenced); empty for
    // a prose row. What "Copy code" copies: the pieces may have no items.
    Q_INVOKABLE QString codeBlock(int row) const;
    // The segment of `row`, or null: what ProseDocument and CodeHighlighter read in C++, so that a
    // piece's text never passes through QML on a streamed delta.
    const MarkdownSegment* segment(int row) const;
    // How many lines what `row` shows (see CharsRole) makes, each of its lines wrapped every
    // `charsPerLine` characters (an empty line counts one); 0 for no such row. What a view
    // estimates a piece's height from before it has made its items.
    Q_INVOKABLE int wrappedLines(int row, double charsPerLine) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void markdownChanged();
    void emptyChanged();
    void sourceChanged();
    // With dataChanged: the segment of `row` changed (an int for QML, no index object per delta).
    void segmentChanged(int row);

private:
    // Sets one of the source properties; when it changes, `follow` catches up with it and
    // sourceChanged is emitted.
    template <typename Member, typename Value>
    void setSourceProperty(Member& member, const Value& value, void (MessageSegmentModel::*follow)());
    void followSource();
    void readSource();

    QString m_markdown;
    MarkdownSplitter m_splitter;   // has read m_markdown
    QList<MarkdownSegment> m_segments;
    qsizetype m_stable = 0;   // the first rows, final: never compared again
    QPointer<QAbstractItemModel> m_source;
    int m_sourceRow = -1;
    QString m_sourceRole;
    int m_sourceRoleId = -1;   // -1: not following
    QList<QMetaObject::Connection> m_sourceConnections;
};

// Puts a prose piece into a TextEdit's document: its Markdown (as MarkdownSegment::markdown, made
// safe) or, `plain`, its text. Qt 6.4's TextEdit given Markdown as its `text` lays the document
// out again after every run of text the importer inserts (each link, emphasis, code span starts
// one), so a paragraph costs a layout per run, and the open piece of a streamed answer pays it on
// every delta (bench_gui_stall --hostile: ~26 % of the GUI thread). Here the import is one edit:
// the document is laid out once.
// In QML, an object bound to the piece's properties, rather than a script function calling show()
// with the piece's text on every delta. Given `source` and `row`, it reads the piece (text,
// Markdown, plain) from that model's row in C++ as it changes, and `markdown`, `text` and `plain`
// are not used: no copy of the piece's text is made in the script engine per delta (each was
// garbage to collect, up to 11 ms a collection on the GUI thread).
class ProseDocument : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QQuickTextDocument* document READ document WRITE setDocument NOTIFY changed)
    Q_PROPERTY(QString markdown READ markdown WRITE setMarkdown NOTIFY changed)
    Q_PROPERTY(QString text READ text WRITE setText NOTIFY changed)
    Q_PROPERTY(bool plain READ plain WRITE setPlain NOTIFY changed)
    Q_PROPERTY(MessageSegmentModel* source READ source WRITE setSource NOTIFY changed)
    Q_PROPERTY(int row READ row WRITE setRow NOTIFY changed)
    // Whether the document is filled (false: left alone): set once the TextEdit is complete, as
    // its own completion edits the document.
    Q_PROPERTY(bool active READ active WRITE setActive NOTIFY changed)
    // The piece as a screen reader should say it when it holds formulas: its text with each
    // formula as its LaTeX ($…$), where the document has an object character; "" without any.
    Q_PROPERTY(QString spokenText READ spokenText NOTIFY spokenTextChanged)
public:
    explicit ProseDocument(QObject* parent = nullptr);

    QQuickTextDocument* document() const { return m_document; }
    void setDocument(QQuickTextDocument* document);
    QString markdown() const { return m_markdown; }
    void setMarkdown(const QString& markdown);
    QString text() const { return m_text; }
    void setText(const QString& text);
    bool plain() const { return m_plain; }
    void setPlain(bool plain);
    bool active() const { return m_active; }
    void setActive(bool active);
    MessageSegmentModel* source() const { return m_source; }
    void setSource(MessageSegmentModel* source);
    int row() const { return m_row; }
    void setRow(int row);
    QString spokenText() const { return m_spokenText; }

    // Shows the piece again (the TextEdit converts its document itself when its format changes).
    Q_INVOKABLE void refresh();
    // Imports the piece again even if unchanged: the document's loaded images are dropped and
    // asked for again (an inline formula's colour follows the theme through the view's baseUrl).
    Q_INVOKABLE void reload();

    // What the document holds afterwards is what the same text set as `text` with textFormat
    // MarkdownText (or PlainText) would give. The same text again changes nothing.
    static void show(QTextDocument* document, const QString& text, bool plain);

Q_SIGNALS:
    void changed();
    void spokenTextChanged();

private:
    // Sets one property; when it changes, the piece is shown again (unless `shows` is false: a
    // text the current mode does not show) and `changed` is emitted.
    template <typename Member, typename Value>
    void setAndShow(Member& member, const Value& value, bool shows = true);
    void updateSpokenText(const QString& shown, bool plain);

    QPointer<QQuickTextDocument> m_document;
    QString m_spokenText;
    QString m_markdown;
    QString m_text;
    bool m_plain = false;
    bool m_active = false;
    QPointer<MessageSegmentModel> m_source;
    int m_row = -1;
    QMetaObject::Connection m_sourceConnection;
};
