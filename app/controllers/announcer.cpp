#include "announcer.h"

#include "messagelistmodel.h"
#include "readaloud.h"

#include <QAbstractItemModel>
#include <QAccessible>
#include <QElapsedTimer>
#include <QRegularExpression>

using causerie::storage::MessageListModel;

Announcer::Announcer(std::function<qint64()> clock, QObject* parent)
    : QObject(parent)
    , m_clock(std::move(clock))
{
    if (!m_clock) {
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        m_clock = [timer] { return timer->elapsed(); };
    }
    m_converter.setCutLinesAt(kMaxPeekChars);
}

void Announcer::watch(QAbstractItemModel* messages)
{
    m_messages = messages;
    connect(messages, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& from, const QModelIndex& to) { onRowsChanged(from.row(), to.row()); });
    connect(messages, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex&, int first, int last) { onRowsChanged(first, last); });
}

void Announcer::onRowsChanged(int first, int last)
{
    for (int row = first; row <= last; ++row) {
        const QModelIndex i = m_messages->index(row, 0);
        if (i.data(MessageListModel::AuthorRole).toString() != QLatin1String("assistant"))
            continue;
        const qint64 id = i.data(MessageListModel::IdRole).toLongLong();
        const QString status = i.data(MessageListModel::StatusRole).toString();
        const QString content = i.data(MessageListModel::ContentRole).toString();
        if (status == QLatin1String("streaming"))
            streamed(id, content);
        else if (id == m_messageId)
            finished(id, content, status == QLatin1String("error"));
    }
}

void Announcer::follow(qint64 messageId)
{
    m_messageId = messageId;
    m_converter = {};
    m_converter.setCutLinesAt(kMaxPeekChars);
    m_consumed = 0;
    m_scanned = 0;
    m_unspoken.clear();
    m_lineSpoken = 0;
    m_peeked = 0;
}

QString Announcer::advance(const QString& markdown, bool final)
{
    if (markdown.size() < m_scanned)   // not the text it grew from: start over
        follow(m_messageId);
    // Only the characters not searched yet are looked at for the end of the complete lines.
    const qsizetype from = m_scanned;
    const qsizetype newline = QStringView(markdown).mid(from).lastIndexOf(QLatin1Char('\n'));
    m_scanned = markdown.size();
    const qsizetype end = final ? markdown.size() : newline < 0 ? -1 : from + newline;
    if (end >= m_consumed) {
        QString spoken;
        for (qsizetype at = m_consumed;;) {
            qsizetype lineEnd = markdown.indexOf(QLatin1Char('\n'), at);
            if (lineEnd < 0 || lineEnd > end)
                lineEnd = end;
            const QStringView line = QStringView(markdown).mid(at, lineEnd - at);
            if (m_unspoken.size() > kMaxAnnouncedChars) {   // past what will be said: the state only
                m_converter.convertLine(line, nullptr);
            } else if (m_converter.convertLine(line, &spoken)) {
                // The first line may have been peeked at, and some of it announced.
                m_unspoken += at == m_consumed ? spoken.mid(m_lineSpoken) : spoken;
                m_unspoken += QLatin1Char('\n');
            }
            if (lineEnd >= end)
                break;
            at = lineEnd + 1;
        }
        m_lineSpoken = 0;
        m_consumed = final ? markdown.size() : end + 1;
    }
    QString pending = m_unspoken;
    const QStringView tail = QStringView(markdown).mid(m_consumed);
    if (!final && !tail.isEmpty() && tail.size() <= kMaxPeekChars) {
        SpeechTextConverter peek = m_converter;   // the line will be converted for good when complete
        QString spoken;
        m_peeked += tail.size();
        if (peek.convertLine(tail, &spoken))
            pending += spoken.mid(m_lineSpoken);
    }
    return pending;
}

void Announcer::spoke(qsizetype chars)
{
    if (chars < m_unspoken.size()) {
        m_unspoken.remove(0, chars);
        return;
    }
    m_lineSpoken += chars - m_unspoken.size();
    m_unspoken.clear();
}

void Announcer::streamed(qint64 messageId, const QString& markdown)
{
    if (messageId != m_messageId) {
        follow(messageId);
        m_lastAt = m_clock();   // the first sentences wait a little: the user has just sent
        m_done = false;
    }
    if (m_done || m_clock() - m_lastAt < kMinIntervalMs)
        return;
    const QString plain = advance(markdown, false);
    // The end of the last complete sentence: . ! ? … (or a line break) followed by a space.
    static const QRegularExpression end(QStringLiteral("[.!?…:;](\\s)|\\n"));
    qsizetype boundary = -1;
    for (auto it = end.globalMatch(plain); it.hasNext();)
        boundary = it.next().capturedStart() + 1;
    if (boundary <= 0)
        return;
    spoke(boundary);
    const QString sentences = SpeechTextConverter::tidy(plain.left(boundary));
    if (sentences.isEmpty())
        return;
    m_lastAt = m_clock();
    announce(bounded(sentences));
}

void Announcer::finished(qint64 messageId, const QString& markdown, bool failed)
{
    if (messageId != m_messageId || m_done)
        return;
    m_done = true;
    const QString rest = SpeechTextConverter::tidy(advance(markdown, true));
    const QString end = failed ? tr("The answer failed.") : tr("End of answer.");
    announce(rest.isEmpty() ? end : bounded(rest) + QLatin1Char(' ') + end);
}

QString Announcer::bounded(const QString& text)
{
    if (text.size() <= kMaxAnnouncedChars)
        return text;
    // The last sentence end in the allowed length, else the last space, if not too early.
    const qsizetype least = kMaxAnnouncedChars / 2;
    qsizetype cut = -1;
    for (qsizetype i = kMaxAnnouncedChars - 1; i >= least && cut < 0; --i)
        if (QStringView(u".!?…").contains(text.at(i)) && text.at(i + 1).isSpace())
            cut = i + 1;
    for (qsizetype i = kMaxAnnouncedChars; i >= least && cut < 0; --i)
        if (text.at(i).isSpace())
            cut = i;
    if (cut < 0)
        cut = text.at(kMaxAnnouncedChars - 1).isHighSurrogate() ? kMaxAnnouncedChars - 1 : kMaxAnnouncedChars;
    return text.left(cut).trimmed() + QChar(0x2026);
}

void Announcer::announce(const QString& text)
{
    m_text = text;
    Q_EMIT announced(text);   // the live region's name follows (NameChanged, sent by QML)
    if (m_region && QAccessible::isActive()) {
        QAccessibleEvent alert(m_region.data(), QAccessible::Alert);
        QAccessible::updateAccessibility(&alert);
    }
}
