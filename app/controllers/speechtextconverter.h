#pragma once
// Markdown made speech, line by line (ReadAloud::plainText, Announcer). The converter keeps what
// a line's meaning depends on from the lines before it (inside a code fence and which one, inside
// display math), so a text given in line-aligned pieces converts exactly as given whole, and a
// streamed answer is converted once, each line when it is complete.
#include <QString>
#include <QStringList>
#include <QStringView>

class SpeechTextConverter {
public:
    // A line longer than this (outside code and formulas) is not converted: it is said as
    // "(long line)". Such a line is not prose (minified code, data, an attack), reading it out
    // helps no one, and the inline rules (emphasis, links) would scan it many times.
    static constexpr qsizetype kMaxLineChars = 10000;
    // On a line longer than kLongLineChars, an emphasis (*a*, **a**, __a__, ~~a~~) is unwrapped
    // only when it spans at most kMaxEmphasisChars: the search for closers stays linear.
    static constexpr qsizetype kLongLineChars = 1000;
    static constexpr int kMaxEmphasisChars = 200;

    // One complete line (without its '\n'): true and `spoken` set when it gives a spoken line
    // (maybe empty: a paragraph break), false when it gives nothing (inside code, a rule).
    // `spoken` null: the line only moves the state on (into or out of code or a formula), at
    // the cost of a scan; what it says is not worked out (the Announcer past its bound).
    bool convertLine(QStringView line, QString* spoken);
    // Complete lines separated by '\n' (the last one ends the view): their spoken lines.
    QStringList feed(QStringView lines);
    // The spoken lines of a whole text put together: one blank line between paragraphs at most.
    static QString join(const QStringList& spoken) { return tidy(spoken.join(QLatin1Char('\n'))); }
    // Spoken text trimmed, runs of blank lines made one.
    static QString tidy(QString text);

    // Lines longer than `chars` are converted from their first `chars` only (the Announcer,
    // which says at most its kMaxAnnouncedChars of them anyway); -1 (default): whole lines.
    void setCutLinesAt(qsizetype chars) { m_cutAt = chars; }

    // Characters of Markdown given to convertLine so far (the tests' measure of the work done).
    qint64 processed() const { return m_processed; }

private:
    QString m_fence;   // the fence that closes the code block when m_inFence
    bool m_inFence = false;
    bool m_inMath = false;
    qint64 m_processed = 0;
    qsizetype m_cutAt = -1;
};
