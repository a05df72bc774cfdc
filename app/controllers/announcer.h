#pragma once
// What a screen reader hears of a streamed answer (issue 17). Qt 6.4 has no announcement API
// (QAccessibleAnnouncementEvent came in 6.8), so the window holds a live region: an invisible
// item (role AlertMessage) whose accessible name is `text`; QML sends NameChanged when it
// changes, and Announcer sends an Alert event on that item too (attach()).
// While an answer streams, its new complete sentences are announced at most every
// kMinIntervalMs; when it ends, the rest, then "end of answer". Code blocks and formulas are
// announced, not read (ReadAloud::plainText).
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

    // `clock`: ms, monotonic (tests inject one); default: a QElapsedTimer.
    explicit Announcer(std::function<qint64()> clock = {}, QObject* parent = nullptr);

    QString text() const { return m_text; }

    // Follows the assistant messages of a MessageListModel: streaming text, then done/error.
    void watch(QAbstractItemModel* messages);
    // The item screen readers watch (the window's live region).
    Q_INVOKABLE void attach(QObject* liveRegion) { m_region = liveRegion; }

    void streamed(qint64 messageId, const QString& markdown);
    void finished(qint64 messageId, const QString& markdown, bool failed);

Q_SIGNALS:
    void announced(const QString& text);

private:
    void announce(const QString& text);
    void onRowsChanged(int first, int last);

    std::function<qint64()> m_clock;
    QPointer<QAbstractItemModel> m_messages;
    QPointer<QObject> m_region;
    QString m_text;
    qint64 m_messageId = 0;   // the answer being followed
    int m_spoken = 0;         // characters of its plain text already announced
    qint64 m_lastAt = 0;      // when something of it was last announced
    bool m_done = true;
};
