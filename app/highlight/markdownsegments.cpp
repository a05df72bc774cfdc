#include "markdownsegments.h"

#include "prosestyle.h"
#include "codehighlighter.h"
#include "mathmarkup.h"
#include "safemarkdown.h"

#include <QQuickTextDocument>
#include <QRegularExpression>
#include <QTextCursor>
#include <QTextDocument>

#include <algorithm>
#include <cmath>

// A line cut between two pieces is longer than a piece: the highlighter shows it plain whole, so
// the cut changes no colour (CodeHighlighter::show's `joinsLine`).
static_assert(MarkdownSplitter::kCodePieceChars > CodeHighlighter::kMaxHighlightedLine);

namespace {

// "- ", "* ", "+ ", "1. ", "12) " (or the marker alone at the end of the line).
bool isListItem(const QString& line)
{
    static const QRegularExpression re(QStringLiteral("^(?:[-*+]|\\d{1,9}[.)])(?:\\s|$)"));
    return re.match(line).hasMatch();
}

// A blank line followed by this line may end one prose segment and start the next.
bool startsIndependentBlock(const QString& line)
{
    if (line.isEmpty() || line.at(0).isSpace())
        return false;   // indented: a list continuation or an indented code block
    return !isListItem(line);
}

// The fence a line opens ("```", "~~~~"), or empty.
QString openingFence(const QString& trimmed)
{
    if (!trimmed.startsWith(QLatin1String("```")) && !trimmed.startsWith(QLatin1String("~~~")))
        return {};
    const QChar c = trimmed.at(0);
    int n = 0;
    while (n < trimmed.size() && trimmed.at(n) == c)
        ++n;
    return trimmed.left(n);
}

// The one place a prose segment's rendered Markdown is made from the text as written.
MarkdownSegment proseSegment(const QString& text)
{
    if (tooCostlyAsMarkdown(text))
        return {MarkdownSegment::Prose, text, {}, {}, false, true};
    return {MarkdownSegment::Prose, text, {}, safeMarkdown(text), false, false};
}

// Whether a line that begins with `begun` may still turn out to be the closing `fence` (a fence
// alone, blanks around it). Once it cannot, no more text can make it one.
bool mayCloseFence(QStringView begun, const QString& fence)
{
    const QStringView t = begun.trimmed();
    if (t.isEmpty() || t == fence)
        return true;
    return fence.startsWith(t) && begun.endsWith(t);   // a blank after a part of the fence: no fence
}

// Leading and trailing blank lines carry no meaning between segments.
void flushProse(QStringList& prose, QList<MarkdownSegment>& out)
{
    qsizetype first = 0;
    qsizetype last = prose.size();
    while (first < last && prose.at(first).trimmed().isEmpty())
        ++first;
    while (last > first && prose.at(last - 1).trimmed().isEmpty())
        --last;
    if (first < last)
        out.append(proseSegment(prose.mid(first, last - first).join(QLatin1Char('\n'))));
    prose.clear();
}

// A display formula's lines, delimiters included.
MarkdownSegment mathSegment(const QStringList& lines, const QString& close, bool closed)
{
    const QString source = lines.join(QLatin1Char('\n'));
    QStringView inner = QStringView(source).trimmed().mid(2);
    if (closed)
        inner.chop(close.size());
    MarkdownSegment m;
    m.kind = MarkdownSegment::Math;
    m.text = inner.trimmed().toString();
    m.markdown = source;
    m.closed = closed;
    return m;
}

}   // namespace

QList<MarkdownSegment> splitMarkdown(const QString& markdown)
{
    MarkdownSplitter s;
    s.append(markdown);
    return s.segments();
}

void MarkdownSplitter::feedLine(State& s, const QString& line, QList<MarkdownSegment>& out)
{
    if (!s.fence.isEmpty()) {
        if (!s.inLine && QStringView(line).trimmed() == s.fence) {
            endCodePiece(s, false, false, out);
            s.fence.clear();
            s.language.clear();
            s.afterBlank = false;
            return;
        }
        if (!s.inLine)
            startCodeLine(s, line.size(), out);
        addCode(s, line, out);
        s.inLine = false;
        return;
    }
    const QString trimmed = line.trimmed();
    if (const QString f = openingFence(trimmed); !f.isEmpty()) {
        flushProse(s.prose, out);
        s.proseChars = 0;
        s.fence = f;
        s.language = trimmed.mid(f.size()).trimmed().section(QLatin1Char(' '), 0, 0);
        return;
    }
    if (feedMathLine(s, line, out))
        return;
    if (!trimmed.isEmpty() && cutsProseBefore(s, line)) {
        flushProse(s.prose, out);
        s.proseChars = 0;
    }
    s.afterBlank = trimmed.isEmpty();
    s.prose.append(line);
    s.proseChars += line.size() + 1;
}

// Display math: a line that starts with $$ or \[ in column 0 opens it (and closes it too when it
// ends with the closer; "$$a$$ and b" is prose, for safeMarkdown), a line that ends with $$ or \]
// closes it. A blank line inside means it was none: its lines go back to prose.
bool MarkdownSplitter::feedMathLine(State& s, const QString& line, QList<MarkdownSegment>& out)
{
    const QString trimmed = line.trimmed();
    if (!s.mathClose.isEmpty()) {
        if (trimmed.isEmpty()) {
            for (const QString& l : std::as_const(s.math)) {
                s.prose.append(l);
                s.proseChars += l.size() + 1;
            }
            s.math.clear();
            s.mathClose.clear();
            return false;   // the blank line itself is prose
        }
        s.math.append(line);
        if (trimmed.endsWith(s.mathClose)) {
            out.append(mathSegment(s.math, s.mathClose, true));
            s.math.clear();
            s.mathClose.clear();
            s.afterBlank = false;
        }
        return true;
    }
    QString close;
    if (line.startsWith(QLatin1String("$$")))
        close = QStringLiteral("$$");
    else if (line.startsWith(QLatin1String("\\[")))
        close = QStringLiteral("\\]");
    else
        return false;
    const qsizetype closeAt = trimmed.indexOf(close, 2);
    const bool oneLine = closeAt >= 0 && closeAt == trimmed.size() - close.size();
    if (closeAt >= 0 && !oneLine)
        return false;
    flushProse(s.prose, out);
    s.proseChars = 0;
    if (oneLine) {
        out.append(mathSegment({line}, close, true));
        s.afterBlank = false;
    } else {
        s.math = {line};
        s.mathClose = close;
    }
    return true;
}

void MarkdownSplitter::startCodeLine(State& s, qsizetype lineSize, QList<MarkdownSegment>& out)
{
    if (s.codeLines > 0 && (s.codeLines >= kCodePieceLines || s.code.size() + 1 + lineSize > kCodePieceChars))
        endCodePiece(s, true, false, out);
    else if (s.codeLines > 0)
        s.code += QLatin1Char('\n');
    ++s.codeLines;
}

void MarkdownSplitter::addCode(State& s, QStringView chars, QList<MarkdownSegment>& out)
{
    // A piece is cut only with at least one character after the cut: the next piece is never
    // empty, so `continues` never has to be taken back.
    while (s.code.size() + chars.size() > kCodePieceChars) {
        qsizetype n = kCodePieceChars - s.code.size();
        if (n > 0 && chars.at(n - 1).isHighSurrogate() && chars.at(n).isLowSurrogate())
            --n;
        s.code += chars.left(n);
        endCodePiece(s, true, true, out);
        s.codeLines = 1;
        chars = chars.mid(n);
    }
    s.code += chars;
}

// Ends the piece being gathered; `more`: the block goes on in a new piece, which `joinsLine`
// (starts inside the piece's last line) or starts a line.
void MarkdownSplitter::endCodePiece(State& s, bool more, bool joinsLine, QList<MarkdownSegment>& out)
{
    MarkdownSegment piece{MarkdownSegment::Code,
                          s.code,
                          s.language,
                          s.fence + s.language + QLatin1Char('\n') + s.code + QLatin1Char('\n') + s.fence,
                          true,
                          false,
                          s.part,
                          more,
                          s.joinsLine,
                          s.offset};
    out.append(std::move(piece));
    s.offset += s.code.size() + (joinsLine ? 0 : 1);
    s.code.clear();
    s.codeLines = 0;
    s.joinsLine = joinsLine;
    ++s.part;
    if (!more) {
        s.part = 0;
        s.offset = 0;
        s.joinsLine = false;
        s.inLine = false;
    }
}

bool MarkdownSplitter::cutsProseBefore(const State& s, const QString& line)
{
    if (s.afterBlank && startsIndependentBlock(line))
        return s.proseChars >= kMinProseChars;
    // Past the limits, a cut that may change the rendering (a list in two, a paragraph in two)
    // is better than laying out a huge segment again per delta.
    return (s.afterBlank && s.proseChars >= kMaxProseChars) || s.proseChars >= kMaxProseCharsWithoutBlank;
}

void MarkdownSplitter::finish(State& s, QList<MarkdownSegment>& out)
{
    if (!s.fence.isEmpty()) {
        out.append({MarkdownSegment::Code, s.code, s.language,
                    s.fence + s.language + QLatin1Char('\n') + s.code + QLatin1Char('\n') + s.fence, false, false,
                    s.part, false, s.joinsLine, s.offset});
    } else if (!s.mathClose.isEmpty()) {
        flushProse(s.prose, out);
        out.append(mathSegment(s.math, s.mathClose, false));
    } else {
        flushProse(s.prose, out);
    }
}

void MarkdownSplitter::append(QStringView more)
{
    // Only the new characters are searched for line ends; each complete line is fed once.
    qsizetype from = 0;
    for (qsizetype nl = more.indexOf(QLatin1Char('\n')); nl >= 0; nl = more.indexOf(QLatin1Char('\n'), from)) {
        m_pending += more.mid(from, nl - from);
        feedLine(m_state, m_pending, m_finished);
        m_pending.clear();
        from = nl + 1;
    }
    m_pending += more.mid(from);
    takePendingCode();
}

// A long line of code (the 200,000-character line of a hostile answer) is taken into the piece
// being gathered as it arrives, and cut into finished pieces, so that open() costs one piece
// whatever the line's length. Only what no later text can change is taken: the line is no
// closing fence (mayCloseFence), whether it starts a new piece is settled (it does not fit in
// the piece before whatever its final length), and a last high surrogate waits for its pair.
void MarkdownSplitter::takePendingCode()
{
    State& s = m_state;
    if (s.fence.isEmpty() || m_pending.isEmpty())
        return;
    if (!s.inLine) {
        const bool startSettled = s.codeLines == 0 || s.codeLines >= kCodePieceLines ||
                                  s.code.size() + 1 + m_pending.size() > kCodePieceChars;
        if (!startSettled || mayCloseFence(m_pending, s.fence))
            return;
        startCodeLine(s, m_pending.size(), m_finished);
        s.inLine = true;
    }
    qsizetype n = m_pending.size();
    if (m_pending.at(n - 1).isHighSurrogate())
        --n;
    addCode(s, QStringView(m_pending).left(n), m_finished);
    m_pending.remove(0, n);
}

QList<MarkdownSegment> MarkdownSplitter::open() const
{
    // The line being written is fed to a copy: it may still turn into a fence, a list item, ...
    State s = m_state;
    QList<MarkdownSegment> out;
    feedLine(s, m_pending, out);
    finish(s, out);
    return out;
}

namespace {

// What a piece shows: code and plain prose their text, the rest its Markdown.
const QString& shown(const MarkdownSegment& s)
{
    return s.kind == MarkdownSegment::Code || s.plain ? s.text : s.markdown;
}

}   // namespace

MessageSegmentModel::MessageSegmentModel(QObject* parent)
    : QAbstractListModel(parent)
{
}

void MessageSegmentModel::setMarkdown(const QString& markdown)
{
    if (markdown == m_markdown)
        return;
    const bool wasEmpty = m_markdown.isEmpty();
    if (markdown.startsWith(m_markdown)) {   // streaming: read the new characters only
        m_splitter.append(QStringView(markdown).mid(m_markdown.size()));
    } else {   // another text (another branch shown): from scratch
        m_splitter = {};
        m_splitter.append(markdown);
        m_stable = 0;
    }
    m_markdown = markdown;
    // Rows before m_stable were finished segments last time: unchanged. The rest is compared.
    const QList<MarkdownSegment>& finished = m_splitter.finished();
    QList<MarkdownSegment> next = finished.mid(m_stable) + m_splitter.open();
    const qsizetype have = m_segments.size() - m_stable;
    const qsizetype common = std::min(have, next.size());
    for (qsizetype i = 0; i < common; ++i) {
        const qsizetype row = m_stable + i;
        if (m_segments.at(row) == next.at(i))
            continue;
        m_segments[row] = next.at(i);
        Q_EMIT dataChanged(index(int(row)), index(int(row)));
        Q_EMIT segmentChanged(int(row));
    }
    if (next.size() > have) {
        beginInsertRows({}, int(m_stable + common), int(m_stable + next.size() - 1));
        m_segments.append(next.mid(common));
        endInsertRows();
    } else if (next.size() < have) {
        beginRemoveRows({}, int(m_stable + common), int(m_segments.size() - 1));
        m_segments.resize(m_stable + common);
        endRemoveRows();
    }
    m_stable = finished.size();
    Q_EMIT markdownChanged();
    if (wasEmpty != m_markdown.isEmpty())
        Q_EMIT emptyChanged();
}

template <typename Member, typename Value>
void MessageSegmentModel::setSourceProperty(Member& member, const Value& value, void (MessageSegmentModel::*follow)())
{
    if (member == value)
        return;
    member = value;
    (this->*follow)();
    Q_EMIT sourceChanged();
}

void MessageSegmentModel::setSourceModel(QObject* model)
{
    setSourceProperty(m_source, qobject_cast<QAbstractItemModel*>(model), &MessageSegmentModel::followSource);
}

void MessageSegmentModel::setSourceRow(int row)
{
    setSourceProperty(m_sourceRow, row, &MessageSegmentModel::readSource);
}

void MessageSegmentModel::setSourceRole(const QString& name)
{
    setSourceProperty(m_sourceRole, name, &MessageSegmentModel::followSource);
}

void MessageSegmentModel::followSource()
{
    for (const QMetaObject::Connection& c : std::as_const(m_sourceConnections))
        disconnect(c);
    m_sourceConnections.clear();
    m_sourceRoleId = -1;
    if (!m_source || m_sourceRole.isEmpty())
        return;
    m_sourceRoleId = m_source->roleNames().key(m_sourceRole.toUtf8(), -1);
    if (m_sourceRoleId < 0) {
        qWarning("MessageSegmentModel: the source model has no role \"%s\"", qPrintable(m_sourceRole));
        return;
    }
    m_sourceConnections << connect(m_source, &QAbstractItemModel::dataChanged, this,
                                   [this](const QModelIndex& from, const QModelIndex& to, const QList<int>& roles) {
                                       if (m_sourceRow >= from.row() && m_sourceRow <= to.row() &&
                                           (roles.isEmpty() || roles.contains(m_sourceRoleId)))
                                           readSource();
                                   })
                        << connect(m_source, &QAbstractItemModel::modelReset, this, &MessageSegmentModel::readSource);
    readSource();
}

void MessageSegmentModel::readSource()
{
    if (!m_source || m_sourceRoleId < 0 || m_sourceRow < 0 || m_sourceRow >= m_source->rowCount())
        return;
    setMarkdown(m_source->data(m_source->index(m_sourceRow, 0), m_sourceRoleId).toString());
}

int MessageSegmentModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_segments.size());
}

QVariant MessageSegmentModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const MarkdownSegment& s = m_segments.at(index.row());
    switch (role) {
    case KindRole:
        return s.kind == MarkdownSegment::Code   ? QStringLiteral("code")
               : s.kind == MarkdownSegment::Math ? QStringLiteral("math")
                                                 : QStringLiteral("text");
    case TextRole:
    case Qt::DisplayRole: return s.text;
    case LanguageRole: return s.language;
    case MarkdownRole: return s.markdown;
    case ClosedRole: return s.closed;
    case PlainRole: return s.plain;
    case PartRole: return s.part;
    case ContinuesRole: return s.continues;
    case JoinsLineRole: return s.joinsLine;
    case OffsetRole: return int(s.offset);
    case CharsRole: return int(shown(s).size());
    case LatexRole: return s.kind == MarkdownSegment::Math ? s.text : QString();
    case LatexSourceRole: return s.kind == MarkdownSegment::Math ? s.markdown : QString();
    default: return {};
    }
}

QHash<int, QByteArray> MessageSegmentModel::roleNames() const
{
    return {{KindRole, "kind"},
            {TextRole, "text"},
            {LanguageRole, "language"},
            {MarkdownRole, "markdown"},
            {ClosedRole, "closed"},
            {PlainRole, "plain"},
            {PartRole, "part"},
            {ContinuesRole, "continues"},
            {JoinsLineRole, "joinsLine"},
            {OffsetRole, "offset"},
            {CharsRole, "chars"},
            {LatexRole, "latex"},
            {LatexSourceRole, "latexSource"}};
}

int MessageSegmentModel::wrappedLines(int row, double charsPerLine) const
{
    const MarkdownSegment* s = segment(row);
    if (!s)
        return 0;
    const double perLine = std::max(1.0, charsPerLine);
    const QString& text = shown(*s);
    int lines = 0;
    for (qsizetype from = 0; from <= text.size();) {
        qsizetype end = text.indexOf(QLatin1Char('\n'), from);
        if (end < 0)
            end = text.size();
        lines += std::max(1, int(std::ceil(double(end - from) / perLine)));
        from = end + 1;
    }
    return lines;
}

QString MessageSegmentModel::codeBlock(int row) const
{
    if (row < 0 || row >= m_segments.size() || m_segments.at(row).kind != MarkdownSegment::Code)
        return {};
    qsizetype first = row;
    while (m_segments.at(first).part > 0 && first > 0)
        --first;
    QString code = m_segments.at(first).text;
    for (qsizetype r = first; m_segments.at(r).continues && r + 1 < m_segments.size(); ++r) {
        const MarkdownSegment& next = m_segments.at(r + 1);
        if (!next.joinsLine)
            code += QLatin1Char('\n');
        code += next.text;
    }
    return code;
}

const MarkdownSegment* MessageSegmentModel::segment(int row) const
{
    return row >= 0 && row < m_segments.size() ? &m_segments.at(row) : nullptr;
}

ProseDocument::ProseDocument(QObject* parent)
    : QObject(parent)
{
}

template <typename Member, typename Value>
void ProseDocument::setAndShow(Member& member, const Value& value, bool shows)
{
    if (member == value)
        return;
    member = value;
    if (shows)
        refresh();
    Q_EMIT changed();
}

void ProseDocument::setDocument(QQuickTextDocument* document) { setAndShow(m_document, document); }
void ProseDocument::setMarkdown(const QString& markdown) { setAndShow(m_markdown, markdown, !m_plain); }
void ProseDocument::setText(const QString& text) { setAndShow(m_text, text, m_plain); }
void ProseDocument::setPlain(bool plain) { setAndShow(m_plain, plain); }
void ProseDocument::setActive(bool active) { setAndShow(m_active, active); }

void ProseDocument::setSource(MessageSegmentModel* source)
{
    if (source == m_source)
        return;
    disconnect(m_sourceConnection);
    m_source = source;
    if (m_source)
        m_sourceConnection = connect(m_source, &MessageSegmentModel::segmentChanged, this, [this](int row) {
            if (row == m_row)
                refresh();
        });
    refresh();
    Q_EMIT changed();
}

void ProseDocument::setRow(int row) { setAndShow(m_row, row); }

void ProseDocument::refresh()
{
    if (!m_active || !m_document)
        return;
    if (m_source) {
        // A row the model does not have: nothing, rather than the properties.
        const MarkdownSegment* s = m_source->segment(m_row);
        const QString& shown = s ? (s->plain ? s->text : s->markdown) : QString();
        const bool plain = s && s->plain;
        show(m_document->textDocument(), shown, plain);
        updateSpokenText(shown, plain);
        return;
    }
    show(m_document->textDocument(), m_plain ? m_text : m_markdown, m_plain);
    updateSpokenText(m_plain ? m_text : m_markdown, m_plain);
}

void ProseDocument::updateSpokenText(const QString& shown, bool plain)
{
    // Formulas reach the document only as the images safeMarkdown made of them: without one in
    // the Markdown, nothing to read out (and no walk of the document per streamed delta).
    QString spoken;
    const QTextDocument* doc = m_document ? m_document->textDocument() : nullptr;
    if (doc && !plain && shown.contains(QLatin1String("<img")))
        spoken = math::textWithFormulas(doc, 0, doc->characterCount() - 1);
    if (!spoken.contains(QLatin1Char('$')))
        spoken.clear();   // images, but none of them a formula
    if (spoken == m_spokenText)
        return;
    m_spokenText = spoken;
    Q_EMIT spokenTextChanged();
}

// What was last put into a document, how, and its revision then: a binding may ask again with
// the same text, and anything else that edited the document since makes it differ.
static const char* const kShown = "causerieProse";
static const char* const kShownPlain = "causerieProsePlain";
static const char* const kShownRevision = "causerieProseRevision";

void ProseDocument::reload()
{
    if (m_document && m_document->textDocument())
        m_document->textDocument()->setProperty(kShownRevision, -1);
    refresh();
}

void ProseDocument::show(QTextDocument* document, const QString& text, bool plain)
{
    if (!document)
        return;
    if (document->property(kShownRevision).toInt() == document->revision() &&
        document->property(kShownPlain).toBool() == plain && document->property(kShown).toString() == text)
        return;
    // A view's document records nothing to undo (it is read only): no copy of each version.
    document->setUndoRedoEnabled(false);
    QTextCursor edit(document);
    edit.beginEditBlock();   // layout and signals once, at endEditBlock()
    if (plain)
        document->setPlainText(text);
    else
        document->setMarkdown(text);
    edit.endEditBlock();
    // Tables, quotes and rules as Qt Quick draws them well: a second edit, only where there are
    // any (inside the import's edit block a quote's new frame loses the table formats set after it).
    if (!plain)
        styleProse(document);
    document->setProperty(kShown, text);
    document->setProperty(kShownPlain, plain);
    document->setProperty(kShownRevision, document->revision());
}
