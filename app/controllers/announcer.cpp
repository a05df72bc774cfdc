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

void Announcer::streamed(qint64 messageId, const QString& markdown)
{
    if (messageId != m_messageId) {
        m_messageId = messageId;
        m_spoken = 0;
        m_lastAt = m_clock();   // the first sentences wait a little: the user has just sent
        m_done = false;
    }
    if (m_done || m_clock() - m_lastAt < kMinIntervalMs)
        return;
    const QString plain = ReadAloud::plainText(markdown);
    // The end of the last complete sentence: . ! ? … (or a line break) followed by a space.
    static const QRegularExpression end(QStringLiteral("[.!?…:;](\\s)|\\n"));
    int boundary = -1;
    for (auto it = end.globalMatch(plain, m_spoken); it.hasNext();)
        boundary = int(it.next().capturedStart()) + 1;
    if (boundary <= m_spoken)
        return;
    const QString sentences = plain.mid(m_spoken, boundary - m_spoken).trimmed();
    m_spoken = boundary;
    if (sentences.isEmpty())
        return;
    m_lastAt = m_clock();
    announce(sentences);
}

void Announcer::finished(qint64 messageId, const QString& markdown, bool failed)
{
    if (messageId != m_messageId || m_done)
        return;
    m_done = true;
    const QString plain = ReadAloud::plainText(markdown);
    const QString rest = plain.mid(qMin(m_spoken, int(plain.size()))).trimmed();
    const QString end = failed ? tr("The answer failed.") : tr("End of answer.");
    announce(rest.isEmpty() ? end : rest + QLatin1Char(' ') + end);
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
