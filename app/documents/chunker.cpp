#include "chunker.h"

namespace causerie::documents {

namespace {

struct Span {
    qsizetype start;
    qsizetype end;
};

// [start, end) of `text` without the whitespace at either end (empty span when all blank).
Span trimmed(const QString& text, qsizetype start, qsizetype end)
{
    while (start < end && text.at(start).isSpace())
        ++start;
    while (end > start && text.at(end - 1).isSpace())
        --end;
    return {start, end};
}

// Paragraphs: runs separated by a blank line (two newlines, with only spaces between).
QList<Span> paragraphs(const QString& text)
{
    QList<Span> out;
    const qsizetype n = text.size();
    qsizetype begin = 0;
    qsizetype i = 0;
    while (i < n) {
        if (text.at(i) == QLatin1Char('\n')) {
            qsizetype j = i + 1;
            while (j < n && (text.at(j) == QLatin1Char(' ') || text.at(j) == QLatin1Char('\t')))
                ++j;
            if (j < n && text.at(j) == QLatin1Char('\n')) {
                const Span p = trimmed(text, begin, i);
                if (p.end > p.start)
                    out.append(p);
                while (j < n && text.at(j).isSpace())
                    ++j;
                begin = i = j;
                continue;
            }
        }
        ++i;
    }
    const Span p = trimmed(text, begin, n);
    if (p.end > p.start)
        out.append(p);
    return out;
}

// The best cut in text[start, limit): after a sentence end, else at a line break, else at a space,
// else at the limit. Never before start + minimum.
qsizetype cutPoint(const QString& text, qsizetype start, qsizetype limit, qsizetype minimum)
{
    qsizetype newline = -1;
    qsizetype space = -1;
    for (qsizetype i = limit - 1; i > start + minimum; --i) {
        const QChar c = text.at(i);
        if (c.isSpace()) {
            const QChar prev = text.at(i - 1);
            if (prev == QLatin1Char('.') || prev == QLatin1Char('!') || prev == QLatin1Char('?') ||
                prev == QChar(0x3002))
                return i;
            if (c == QLatin1Char('\n') && newline < 0)
                newline = i;
            if (space < 0)
                space = i;
        }
    }
    if (newline > 0)
        return newline;
    if (space > 0)
        return space;
    // Do not split a surrogate pair.
    if (limit < text.size() && text.at(limit).isLowSurrogate())
        --limit;
    return limit;
}

}   // namespace

QString fullText(const ExtractedDocument& doc)
{
    // Every section is joined, empty ones too (a heading with no text before the next heading):
    // chunkDocument counts each section's text + 2.
    QString out;
    for (qsizetype i = 0; i < doc.sections.size(); ++i) {
        if (i > 0)
            out += QLatin1String("\n\n");
        out += doc.sections.at(i).text;
    }
    return out;
}

QList<Chunk> chunkDocument(const ExtractedDocument& doc, const ChunkOptions& options)
{
    QList<Chunk> chunks;
    qsizetype base = 0;   // offset of the section in fullText()
    for (const Section& section : doc.sections) {
        const QString& text = section.text;
        const auto add = [&](qsizetype start, qsizetype end) {
            const Span s = trimmed(text, start, end);
            if (s.end <= s.start)
                return;
            Chunk c;
            c.ord = int(chunks.size());
            c.page = section.page;
            c.heading = section.heading;
            c.start = base + s.start;
            c.end = base + s.end;
            c.text = text.mid(s.start, s.end - s.start);
            chunks.append(c);
        };
        qsizetype open = -1;   // start of the chunk being grown, -1 when none
        qsizetype openEnd = -1;
        for (const Span& p : paragraphs(text)) {
            if (open >= 0 && p.end - open > options.targetChars) {
                add(open, openEnd);
                open = -1;
            }
            if (p.end - p.start > options.maxChars) {
                // A long paragraph: cut it into pieces of about targetChars at sentence ends.
                qsizetype at = p.start;
                if (open >= 0) {
                    add(open, openEnd);
                    open = -1;
                }
                while (p.end - at > options.maxChars) {
                    const qsizetype cut = cutPoint(text, at, at + options.targetChars, options.targetChars / 2);
                    add(at, cut);
                    at = cut;
                }
                open = at;
                openEnd = p.end;
                continue;
            }
            if (open < 0)
                open = p.start;
            openEnd = p.end;
        }
        if (open >= 0)
            add(open, openEnd);
        base += text.size() + 2;
    }
    return chunks;
}

}   // namespace causerie::documents
