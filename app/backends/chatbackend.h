#pragma once
// The interface the chat controller talks to; LocalBackend (engine on a QThread) and
// RemoteBackend (HTTP/SSE) implement it.
//
// Contract for every request id returned by startChat():
//  - zero or more delta(requestId, text) in order; concatenated they are the answer;
//  - zero or more reasoningDelta(requestId, text), in order among themselves, before or between
//    the deltas: the model's thinking (reasoning models), shown apart and never sent back.
//    Thinking a model writes inline ("<think>…</think>" in the answer text) stays in the deltas:
//    the chat controller separates it, the same way for every backend;
//  - then exactly one of finished(requestId, stats) or failed(requestId, error);
//  - cancel(requestId) stops the work at once and ends the request with finished() whose
//    stats.finishReason is "cancelled" (emitted from the event loop, never from inside cancel());
//  - signals are never emitted from inside startChat(): a caller may connect after it returns.
#include "chattypes.h"

#include <QObject>

class ChatBackend : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~ChatBackend() override = default;

    virtual QString startChat(const QList<ChatMessage>& history, const GenerationSettings& settings) = 0;
    virtual void cancel(const QString& requestId) = 0;
    virtual bool isReady() const = 0;
    // True when the prompt this backend writes already opens a thinking section (it ends with
    // "<think>"): the answer's text starts as thinking, without the tag (ThinkTagSplitter).
    virtual bool promptOpensThinking() const { return false; }
    virtual QString displayName() const = 0;

Q_SIGNALS:
    void delta(const QString& requestId, const QString& text);
    void reasoningDelta(const QString& requestId, const QString& text);
    void finished(const QString& requestId, const GenerationStats& stats);
    void failed(const QString& requestId, const BackendError& error);
};
