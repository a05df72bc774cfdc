#include "codehighlighter.h"

#include "markdownsegments.h"

#include <QFile>
#include <QLoggingCategory>
#include <QPointer>
#include <QQuickTextDocument>
#include <QSyntaxHighlighter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>

#include <srchilite/formatter.h>
#include <srchilite/formattermanager.h>
#include <srchilite/formatterparams.h>
#include <srchilite/instances.h>
#include <srchilite/langdefmanager.h>
#include <srchilite/langmap.h>
#include <srchilite/sourcehighlighter.h>

#include <atomic>
#include <functional>
#include <map>
#include <vector>

Q_LOGGING_CATEGORY(lcHighlight, "causerie.highlight", QtInfoMsg)

// Why the two limits (codehighlighter.h), measured with bench_code_highlight on the development
// machine (thread CPU time; docs/benchmarks.md):
// - kMaxHighlightedLine = 500. Source-highlight colours a line by asking, at each token, every
//   rule of the language for its next match in the *rest of the line* and keeping the nearest:
//   a rule that does not match again (a comment opener in code without comments) scans to the
//   end of the line every time, so one line costs tokens x rules x length, the square of its
//   length: dense C++ takes 1 ms at 250 characters, 2.7 ms at 500, 10 ms at 1,000, 41 ms at
//   2,000 and 0.5 s at 8,000. 500 keeps one line well inside a 16 ms frame and is far beyond
//   hand-written code (minified files are not worth colouring).
// - kMaxHighlightedBlockChars = 16 KiB. A closed block shown at once (a conversation opened, a
//   delta carrying a whole block) is coloured in one go on the GUI thread, at ~4 us per
//   character of ordinary code: 16 KiB is ~60 ms once, where 64 KiB would freeze a quarter of a
//   second; colours past the first few hundred lines of one block help nobody.
static_assert(CodeHighlighter::kMaxHighlightedLine > 0 && CodeHighlighter::kMaxHighlightedBlockChars > 0);

namespace {

std::atomic<qint64> g_highlighted{0};

// Receives one highlighted piece of a line from source-highlight.
class RangeFormatter : public srchilite::Formatter {
public:
    RangeFormatter(std::string element, std::function<void(const std::string&, int, int)> apply)
        : m_element(std::move(element))
        , m_apply(std::move(apply))
    {
    }
    void format(const std::string& s, const srchilite::FormatterParams* params) override
    {
        if (params && params->start >= 0 && m_apply)
            m_apply(m_element, params->start, int(s.size()));
    }

private:
    std::string m_element;
    std::function<void(const std::string&, int, int)> m_apply;
};

const char* const kElements[] = {"keyword",   "type",        "string", "comment",  "number", "preproc", "function",
                                 "classname", "specialchar", "regexp", "variable", "label",  "todo",    "symbol"};

// The parsed rules of a language, shared by every block of that language (parsing a .lang file
// costs milliseconds). Null for a language source-highlight does not know.
srchilite::HighlightStatePtr mainStateFor(const QString& lang)
{
    static std::map<QString, srchilite::HighlightStatePtr> cache;
    auto it = cache.find(lang);
    if (it != cache.end())
        return it->second;
    srchilite::HighlightStatePtr state;
    const QString dir = CodeHighlighter::dataDir();
    try {
        if (!dir.isEmpty() && !lang.isEmpty()) {
            const std::string file = srchilite::Instances::getLangMap()->getMappedFileName(lang.toStdString());
            if (!file.empty())
                state = srchilite::Instances::getLangDefManager()->getHighlightState(dir.toStdString(), file);
        }
    } catch (const std::exception& e) {
        qCDebug(lcHighlight) << "no highlighting for" << lang << ":" << e.what();
        state.reset();
    }
    cache.emplace(lang, state);
    return state;
}

}   // namespace

struct CodeLineHighlighter::Impl {
    std::unique_ptr<srchilite::SourceHighlighter> highlighter;
    std::unique_ptr<srchilite::FormatterManager> formatters;
    srchilite::FormatterParams params;
    // While a line is highlighted: UTF-8 byte offset -> UTF-16 offset (size bytes + 1), and the
    // ranges found. The map makes each range O(1) instead of decoding the line up to it.
    std::vector<int> utf16At;
    QList<Range> ranges;
};

CodeLineHighlighter::CodeLineHighlighter()
    : d(std::make_unique<Impl>())
{
}

CodeLineHighlighter::~CodeLineHighlighter() = default;

std::unique_ptr<CodeLineHighlighter> CodeLineHighlighter::forLanguage(const QString& language)
{
    const QString lang = language.trimmed().toLower();
    srchilite::HighlightStatePtr state = mainStateFor(lang);
    if (!state)
        return nullptr;
    std::unique_ptr<CodeLineHighlighter> h(new CodeLineHighlighter);
    Impl* d = h->d.get();
    d->highlighter = std::make_unique<srchilite::SourceHighlighter>(state);
    auto apply = [d](const std::string& element, int start, int length) {
        const int last = int(d->utf16At.size()) - 1;
        if (start < 0 || length <= 0 || start > last)
            return;
        const int from = d->utf16At[size_t(start)];
        const int to = d->utf16At[size_t(std::min(start + length, last))];
        if (to > from)
            d->ranges.append({from, to - from, element});
    };
    d->formatters =
        std::make_unique<srchilite::FormatterManager>(srchilite::FormatterPtr(new RangeFormatter("normal", {})));
    for (const char* e : kElements)
        d->formatters->addFormatter(e, srchilite::FormatterPtr(new RangeFormatter(e, apply)));
    d->highlighter->setFormatterManager(d->formatters.get());
    d->highlighter->setFormatterParams(&d->params);
    d->highlighter->setOptimize(false);   // keeps params.start exact
    return h;
}

QList<CodeLineHighlighter::Range> CodeLineHighlighter::highlight(const QString& line)
{
    const QByteArray utf8 = line.toUtf8();
    d->utf16At.assign(size_t(utf8.size()) + 1, 0);
    int u16 = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        d->utf16At[size_t(i)] = u16;
        const auto c = uchar(utf8.at(i));
        if ((c & 0xC0) != 0x80)   // a lead byte starts a code point: 4-byte ones take two units
            u16 += c >= 0xF0 ? 2 : 1;
    }
    // Continuation bytes point at the unit after their code point's start: ranges never cut one.
    for (qsizetype i = utf8.size() - 1; i >= 0; --i)
        if ((uchar(utf8.at(i)) & 0xC0) == 0x80)
            d->utf16At[size_t(i)] = d->utf16At[size_t(i) + 1];
    d->utf16At[size_t(utf8.size())] = int(line.size());
    d->ranges.clear();
    g_highlighted += line.size();
    srchilite::SourceHighlighter* h = d->highlighter.get();
    h->setCurrentState(h->getMainState());
    h->clearStateStack();
    try {
        h->highlightParagraph(std::string(utf8.constData(), size_t(utf8.size())));
    } catch (const std::exception& e) {
        qCDebug(lcHighlight) << "highlighting failed:" << e.what();
        d->ranges.clear();
    }
    return std::exchange(d->ranges, {});
}

qint64 CodeLineHighlighter::charactersHighlighted() { return g_highlighted.load(); }

namespace {

// One per code block document: keeps the document equal to the block's code and colours its
// completed lines.
class BlockHighlighter : public QSyntaxHighlighter {
public:
    BlockHighlighter(QTextDocument* doc, const CodeHighlighter* owner)
        : QSyntaxHighlighter(doc)
        , m_owner(owner)
    {
    }

    void show(const QString& code, const QString& language, bool complete, int offset, bool joinsLine)
    {
        const QString lang = language.trimmed().toLower();
        // Another place in the block colours other lines: as a new language, coloured once again.
        const bool moved = offset != m_offset || joinsLine != m_joinsLine;
        m_offset = offset;
        m_joinsLine = joinsLine;
        const bool relanguage = lang != m_language || moved;
        const bool nowComplete = complete && !m_complete;
        const bool sameText = code == m_shown;
        m_complete = complete;
        if (relanguage) {
            // The text is updated uncoloured, then coloured once in the new language.
            m_language = lang;
            m_lines.reset();
        }
        if (code.size() >= m_shown.size() && code.startsWith(m_shown)) {
            append(QStringView(code).mid(m_shown.size()));   // streaming: the new characters only
        } else if (m_shown.startsWith(code)) {
            removeFromEnd(m_shown.size() - code.size());   // the closing fence took the last newline
        } else {
            document()->clear();
            append(code);
        }
        m_shown = code;
        if (relanguage) {
            m_lines = CodeLineHighlighter::forLanguage(lang);
            if (m_lines && !m_shown.isEmpty())
                rehighlight();
        } else if (nowComplete && sameText) {
            // The fence closed without changing the text: the last line is now whole. (When the
            // text changed, the edit already coloured the last block.)
            rehighlightBlock(document()->lastBlock());
        }
    }

protected:
    void highlightBlock(const QString& text) override
    {
        const QTextBlock block = currentBlock();
        if (!m_lines || !m_owner || text.isEmpty())
            return;
        if (!m_complete && !block.next().isValid())
            return;   // the line being written: coloured once its newline arrives
        if (text.size() > CodeHighlighter::kMaxHighlightedLine || isContinuation(block) ||
            isContinuation(block.next()) || (m_joinsLine && block.position() == 0) ||
            m_offset + block.position() + text.size() > CodeHighlighter::kMaxHighlightedBlockChars)
            return;
        for (const CodeLineHighlighter::Range& r : m_lines->highlight(text)) {
            const QTextCharFormat f = m_owner->formatFor(r.element);
            if (f.isValid())
                setFormat(r.start, r.length, f);
        }
    }

private:
    // A line longer than kLongLineChunk is shown as several blocks, each marked as continuing the
    // one before: appending to the line then lays out one short block, not the whole line (a
    // 200,000-character line took ~40 ms per delta to lay out again). The "Copy code" button
    // copies the code itself; a selection copied by hand gets a line break at each cut.
    static constexpr int kLongLineChunk = CodeHighlighter::kLongLineChunk;
    static constexpr int kContinuationProperty = QTextFormat::UserProperty + 1;

    static bool isContinuation(const QTextBlock& block)
    {
        return block.isValid() && block.blockFormat().boolProperty(kContinuationProperty);
    }

    // QTextCursor::insertText() starts a block at '\r', U+2029 and the frame marks: shown as one
    // character each instead, so that a document character stays one code character (CRLF code
    // shows no empty line between its lines, and the walk in removeFromEnd() stays exact).
    static QString displayed(QStringView piece)
    {
        QString s = piece.toString();
        for (QChar& ch : s) {
            if (ch == u'\r')
                ch = u' ';
            else if (ch == QChar::ParagraphSeparator || ch == QChar(0xfdd0) || ch == QChar(0xfdd1))
                ch = QChar::ReplacementCharacter;
        }
        return s;
    }

    // One edit for the whole delta: the highlighter and the view hear of it once.
    void append(QStringView more)
    {
        if (more.isEmpty())
            return;
        QTextCursor c(document());
        c.movePosition(QTextCursor::End);
        c.beginEditBlock();
        QTextBlockFormat continuation;
        continuation.setProperty(kContinuationProperty, true);
        qsizetype inBlock = document()->lastBlock().length() - 1;
        qsizetype i = 0;
        while (i < more.size()) {
            const qsizetype nl = more.indexOf(QLatin1Char('\n'), i);
            const qsizetype end = nl < 0 ? more.size() : nl;
            while (i < end) {
                if (inBlock >= kLongLineChunk) {
                    c.insertBlock(continuation);
                    inBlock = 0;
                }
                const qsizetype n = std::min(end - i, kLongLineChunk - inBlock);
                c.insertText(displayed(more.mid(i, n)));
                inBlock += n;
                i += n;
            }
            if (nl >= 0) {
                c.insertBlock(QTextBlockFormat());
                inBlock = 0;
                i = nl + 1;
            }
        }
        c.endEditBlock();
    }

    // Removes the last `count` characters of the code: walks back over blocks, a cut inside a long
    // line standing for no character of the code.
    void removeFromEnd(qsizetype count)
    {
        QTextBlock b = document()->lastBlock();
        int pos = document()->characterCount() - 1;
        while (count > 0 && b.isValid()) {
            const int inBlock = pos - b.position();
            if (count <= inBlock) {
                pos -= int(count);
                break;
            }
            count -= inBlock;
            pos = b.position();
            if (!b.previous().isValid())
                break;
            if (!isContinuation(b))
                --count;   // the separator was a newline of the code
            --pos;
            b = b.previous();
        }
        QTextCursor c(document());
        c.setPosition(pos);
        c.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
        c.removeSelectedText();
    }

private:
    QPointer<const CodeHighlighter> m_owner;
    std::unique_ptr<CodeLineHighlighter> m_lines;   // null: shown plain
    QString m_language;
    QString m_shown;   // the code the document holds
    bool m_complete = false;
    int m_offset = 0;           // where the code starts in its block (a piece of a long block)
    bool m_joinsLine = false;   // its first line is the end of a longer line
};

}   // namespace

CodeHighlighter::CodeHighlighter(QObject* parent)
    : QObject(parent)
{
}

CodeHighlighter::~CodeHighlighter() = default;

QString CodeHighlighter::dataDir()
{
    static const QString dir = [] {
        for (const QString& d :
             {QStringLiteral("/usr/share/source-highlight"), QStringLiteral("/usr/local/share/source-highlight")})
            if (QFile::exists(d + QStringLiteral("/lang.map")))
                return d;
        return QString();
    }();
    return dir;
}

void CodeHighlighter::setDark(bool dark)
{
    if (m_dark == dark)
        return;
    m_dark = dark;
    m_formats.clear();
    for (const QPointer<QObject>& h : std::as_const(m_attached))
        if (auto* sh = qobject_cast<QSyntaxHighlighter*>(h.data()))
            sh->rehighlight();
    Q_EMIT darkChanged();
}

QTextCharFormat CodeHighlighter::formatFor(const std::string& element) const
{
    struct Style {
        const char* light;
        const char* dark;
        bool bold;
        bool italic;
    };
    static const std::map<std::string, Style> styles = {
        {"keyword", {"#a626a4", "#c678dd", true, false}},      {"type", {"#0184bc", "#56b6c2", false, false}},
        {"string", {"#50a14f", "#98c379", false, false}},      {"comment", {"#8e908c", "#7f848e", false, true}},
        {"number", {"#986801", "#d19a66", false, false}},      {"preproc", {"#c18401", "#e5c07b", false, false}},
        {"function", {"#4078f2", "#61afef", false, false}},    {"classname", {"#c18401", "#e5c07b", false, false}},
        {"specialchar", {"#0184bc", "#56b6c2", false, false}}, {"regexp", {"#50a14f", "#98c379", false, false}},
        {"variable", {"#e45649", "#e06c75", false, false}},    {"label", {"#986801", "#d19a66", false, false}},
        {"todo", {"#e45649", "#e06c75", true, false}},
    };
    if (auto cached = m_formats.find(element); cached != m_formats.end())
        return cached->second;
    QTextCharFormat f;
    if (auto it = styles.find(element); it != styles.end()) {
        f.setForeground(QColor(QLatin1String(m_dark ? it->second.dark : it->second.light)));
        if (it->second.bold)
            f.setFontWeight(QFont::DemiBold);
        f.setFontItalic(it->second.italic);
    }
    m_formats.emplace(element, f);
    return f;
}

void CodeHighlighter::show(QQuickTextDocument* document, const QString& code, const QString& language, bool complete,
                           int offset, bool joinsLine)
{
    if (document)
        show(document->textDocument(), code, language, complete, offset, joinsLine);
}

void CodeHighlighter::showRow(QQuickTextDocument* document, MessageSegmentModel* source, int row)
{
    if (!document || !source)
        return;
    const MarkdownSegment* s = source->segment(row);
    if (!s || s->kind != MarkdownSegment::Code) {
        show(document->textDocument(), QString(), QString(), false);
        return;
    }
    show(document->textDocument(), s->text, s->language, s->closed, int(s->offset), s->joinsLine);
}

void CodeHighlighter::show(QTextDocument* document, const QString& code, const QString& language, bool complete,
                           int offset, bool joinsLine)
{
    if (!document)
        return;
    auto* h = dynamic_cast<BlockHighlighter*>(
        document->findChild<QSyntaxHighlighter*>(QString(), Qt::FindDirectChildrenOnly));
    if (!h) {
        h = new BlockHighlighter(document, this);
        m_attached.removeAll(nullptr);
        m_attached.append(h);
    }
    h->show(code, language, complete, offset, joinsLine);
}
