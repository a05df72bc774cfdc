#pragma once
// What a screen reader hears of a streamed answer (issue 17). Qt 6.4 has no announcement API
// (QAccessibleAnnouncementEvent came in 6.8), so the window holds a live region: an invisible
// item (role AlertMessage) whose accessible name is `text`; QML sends NameChanged when it
// changes, and Announcer sends an Alert event on that item too (attach()).
// While an answer streams, its new complete sentences are announced at most every
// kMinIntervalMs; when it ends, the rest, then "end of answer". Code blocks and formulas are
// announced, not read (ReadAloud::plainText).
// The work follows the new text, not the answer (issue 20): each complete line is converted
// once (SpeechTextConverter keeps the state between calls), the incomplete last line is peeked
// at when short, sentences are looked for in the new plain text only, and one announcement
// never carries more than kMaxAnnouncedChars: once that much is waiting, further lines only
// move the converter's state on (a scan), as what they say would be cut anyway.
#include "speechtextconverter.h"

#include <QObject>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

#include <functional>

class QAbstractItemModel;

class Announcer : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("App.announcer")
    Q_PROPERTY(QString text READ text NOTIFY announced)
public:
    static constexpr qint64 kMinIntervalMs = 4000;
    // Longer runs are cut at a sentence (else a word) boundary, with an ellipsis.
    static constexpr qsizetype kMaxAnnouncedChars = 1000;
    // The incomplete last line is converted for its sentences only when at most this long
    // (converted again at each announcement); a longer one waits for its end. Also the cut of
    // complete lines longer than it are converted from their first kMaxPeekChars only.
    static constexpr qsizetype kMaxPeekChars = 2000;

    // `clock`: ms, monotonic (tests inject one); default: a QElapsedTimer.
    explicit Announcer(std::function<qint64()> clock = {}, QObject* parent = nullptr);

    QString text() const { return m_text; }

    // Follows the assistant messages of a MessageListModel: streaming text, then done/error.
    void watch(QAbstractItemModel* messages);
    // The item screen readers watch (the window's live region).
    Q_INVOKABLE void attach(QObject* liveRegion) { m_region = liveRegion; }

    void streamed(qint64 messageId, const QString& markdown);
    void finished(qint64 messageId, const QString& markdown, bool failed);

    // Characters of Markdown converted to speech for the current answer (tests).
    qint64 convertedChars() const { return m_converter.processed() + m_peeked; }
    // `text` cut to at most kMaxAnnouncedChars (plus an ellipsis) at a sentence or word end.
    static QString bounded(const QString& text);

Q_SIGNALS:
    void announced(const QString& text);

private:
    void announce(const QString& text);
    void onRowsChanged(int first, int last);
    void follow(qint64 messageId);
    // Converts the complete lines of `markdown` not converted yet (all of it when `final`);
    // returns the plain text not announced yet, with the incomplete line's when peeked.
    QString advance(const QString& markdown, bool final);
    // Marks `chars` of what advance() returned as announced.
    void spoke(qsizetype chars);

    std::function<qint64()> m_clock;
    QPointer<QAbstractItemModel> m_messages;
    QPointer<QObject> m_region;
    QString m_text;
    qint64 m_messageId = 0;            // the answer being followed
    SpeechTextConverter m_converter;   // its Markdown up to m_consumed
    qsizetype m_consumed = 0;          // where its first line not converted yet begins
    qsizetype m_scanned = 0;           // where the search for the next '\n' goes on
    QString m_unspoken;                // plain text of converted lines not announced yet
    qsizetype m_lineSpoken = 0;        // characters of the incomplete line's plain text announced
    qint64 m_peeked = 0;               // characters converted to peek at incomplete lines
    qint64 m_lastAt = 0;               // when something of it was last announced
    bool m_done = true;
};
