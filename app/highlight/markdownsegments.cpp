#include "markdownsegments.h"

#include <QRegularExpression>

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

} // namespace

QList<MarkdownSegment> splitMarkdown(const QString& markdown)
{
    QList<MarkdownSegment> out;
    QStringList prose;
    auto flushProse = [&] {
        // Leading and trailing blank lines carry no meaning between segments.
        while (!prose.isEmpty() && prose.first().trimmed().isEmpty())
            prose.removeFirst();
        while (!prose.isEmpty() && prose.last().trimmed().isEmpty())
            prose.removeLast();
        if (!prose.isEmpty()) {
            const QString p = prose.join(QLatin1Char('\n'));
            out.append({MarkdownSegment::Prose, p, {}, p});
        }
        prose.clear();
    };

    const QStringList lines = markdown.split(QLatin1Char('\n'));
    QStringList code;
    QString fence;      // the open fence while inside a code block
    QString language;
    bool afterBlank = false;
    for (const QString& line : lines) {
        const QString trimmed = line.trimmed();
        if (!fence.isEmpty()) {
            if (trimmed.startsWith(fence) && trimmed.mid(fence.size()).trimmed().isEmpty()) {
                const QString c = code.join(QLatin1Char('\n'));
                out.append({MarkdownSegment::Code, c, language,
                            fence + language + QLatin1Char('\n') + c + QLatin1Char('\n') + fence});
                code.clear();
                fence.clear();
                language.clear();
                afterBlank = false;
            } else {
                code.append(line);
            }
            continue;
        }
        if (const QString f = openingFence(trimmed); !f.isEmpty()) {
            flushProse();
            fence = f;
            language = trimmed.mid(f.size()).trimmed().section(QLatin1Char(' '), 0, 0);
            continue;
        }
        if (trimmed.isEmpty()) {
            afterBlank = true;
            prose.append(line);
            continue;
        }
        if (afterBlank && startsIndependentBlock(line))
            flushProse();
        afterBlank = false;
        prose.append(line);
    }
    if (!fence.isEmpty()) {
        const QString c = code.join(QLatin1Char('\n'));
        out.append({MarkdownSegment::Code, c, language,
                    fence + language + QLatin1Char('\n') + c + QLatin1Char('\n') + fence});
    } else {
        flushProse();
    }
    return out;
}

MessageSegmentModel::MessageSegmentModel(QObject* parent)
    : QAbstractListModel(parent)
{
}

void MessageSegmentModel::setMarkdown(const QString& markdown)
{
    if (markdown == m_markdown)
        return;
    m_markdown = markdown;
    QList<MarkdownSegment> next = splitMarkdown(markdown);
    const qsizetype common = std::min(m_segments.size(), next.size());
    // Rows present before and after: replace and report the ones that differ (streaming: the last).
    for (qsizetype i = 0; i < common; ++i) {
        if (m_segments.at(i) == next.at(i))
            continue;
        m_segments[i] = next.at(i);
        Q_EMIT dataChanged(index(int(i)), index(int(i)));
    }
    if (next.size() > m_segments.size()) {
        beginInsertRows({}, int(common), int(next.size() - 1));
        m_segments.append(next.mid(common));
        endInsertRows();
    } else if (next.size() < m_segments.size()) {
        beginRemoveRows({}, int(common), int(m_segments.size() - 1));
        m_segments.resize(common);
        endRemoveRows();
    }
    Q_EMIT markdownChanged();
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
        return s.kind == MarkdownSegment::Code ? QStringLiteral("code") : QStringLiteral("text");
    case TextRole:
    case Qt::DisplayRole:
        return s.text;
    case LanguageRole:
        return s.language;
    case MarkdownRole:
        return s.markdown;
    default:
        return {};
    }
}

QHash<int, QByteArray> MessageSegmentModel::roleNames() const
{
    return {{KindRole, "kind"}, {TextRole, "text"}, {LanguageRole, "language"}, {MarkdownRole, "markdown"}};
}
