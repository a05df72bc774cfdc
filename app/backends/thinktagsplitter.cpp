#include "thinktagsplitter.h"

namespace {

const QString kOpen = QStringLiteral("<think>");
const QString kClose = QStringLiteral("</think>");

qsizetype leadingSpaces(const QString& s)
{
    qsizetype i = 0;
    while (i < s.size() && s.at(i).isSpace())
        ++i;
    return i;
}

// Length of the longest end of `s` that begins `tag` (a tag cut by the end of a piece).
qsizetype partialTagAtEnd(const QString& s, const QString& tag)
{
    for (qsizetype n = qMin(s.size(), tag.size() - 1); n > 0; --n) {
        if (tag.startsWith(QStringView(s).right(n)))
            return n;
    }
    return 0;
}

}   // namespace

ThinkTagSplitter::ThinkTagSplitter(bool startsThinking)
{
    if (startsThinking) {
        m_state = State::Thinking;
        m_trimLeading = true;
    }
}

ThinkTagSplitter::Out ThinkTagSplitter::feed(const QString& piece)
{
    Out out;
    m_held += piece;
    if (m_state == State::Start) {
        const QString rest = m_held.mid(leadingSpaces(m_held));
        if (rest.isEmpty() || (rest.size() < kOpen.size() && kOpen.startsWith(rest)))
            return out;   // only whitespace, or the beginning of "<think>": wait for more
        if (!rest.startsWith(kOpen)) {
            m_state = State::Answer;
            out.text = m_held;
            m_held.clear();
            return out;
        }
        m_state = State::Thinking;
        m_held = rest.mid(kOpen.size());
        m_trimLeading = true;
    }
    if (m_state == State::Thinking)
        thinkingPart(out);
    if (m_state == State::Answer) {
        if (m_trimLeading) {
            m_held.remove(0, leadingSpaces(m_held));
            if (m_held.isEmpty())
                return out;
            m_trimLeading = false;
        }
        out.text += m_held;
        m_held.clear();
    }
    return out;
}

void ThinkTagSplitter::thinkingPart(Out& out)
{
    if (m_trimLeading) {
        m_held.remove(0, leadingSpaces(m_held));
        if (m_held.isEmpty())
            return;
        m_trimLeading = false;
    }
    const qsizetype close = m_held.indexOf(kClose);
    if (close >= 0) {
        out.thinking += m_held.left(close);
        m_held.remove(0, close + kClose.size());
        m_state = State::Answer;
        m_trimLeading = true;
        return;
    }
    const qsizetype keep = partialTagAtEnd(m_held, kClose);
    out.thinking += m_held.left(m_held.size() - keep);
    m_held.remove(0, m_held.size() - keep);
}

ThinkTagSplitter::Out ThinkTagSplitter::finish()
{
    Out out;
    // A thinking section the stream never closed is still thinking; text held at the start
    // (whitespace, or "<thi" that never became a tag) is answer text after all.
    if (m_state == State::Thinking)
        out.thinking = m_held;
    else if (!m_trimLeading)   // (else only the whitespace after "</think>" is held)
        out.text = m_held;
    m_held.clear();
    return out;
}
