#pragma once
// Separates a model's thinking written inline in the answer text — "<think>…</think>answer", as
// DeepSeek-R1, QwQ and Qwen3 do behind servers that pass their raw output on — from the answer.
// Only a <think> at the very start of the answer (after whitespace) opens a thinking section, so
// an answer that merely mentions the tag is left alone. Fed streamed text in pieces of any size:
// a tag cut between two pieces is held back until it is whole, so nothing is shown twice and no
// half tag ever reaches the answer.
// A prompt that already ends with "<think>" (DeepSeek-R1's newer template opens it after
// "<｜Assistant｜>") makes the model start with thinking text and no tag: such a splitter starts
// in the thinking section (startsThinking).
#include <QString>

class ThinkTagSplitter {
public:
    explicit ThinkTagSplitter(bool startsThinking = false);

    struct Out {
        QString text;       // answer text that is final now
        QString thinking;   // thinking text that is final now
    };

    Out feed(const QString& piece);
    Out finish();   // the stream ended: what was held back, where it belongs

private:
    enum class State { Start, Thinking, Answer };
    void thinkingPart(Out& out);

    State m_state = State::Start;
    QString m_held;               // text not yet placed
    bool m_trimLeading = false;   // drop the whitespace after a tag, before its text begins
};
