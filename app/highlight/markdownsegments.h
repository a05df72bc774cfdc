#pragma once
// An answer cut into the pieces the chat view shows one item each: prose paragraphs (Markdown)
// and fenced code blocks (highlighted, with their own copy button). While a model streams, only
// the last piece changes, so MessageSegmentModel tells the view about that one row and the rest
// of the answer is neither parsed nor laid out again.
#include <QAbstractListModel>
#include <QList>
#include <QString>

struct MarkdownSegment {
    enum Kind { Prose, Code };
    Kind kind = Prose;
    QString text;       // prose as written; code without its fences
    QString language;   // code only: the word after the opening fence ("cpp"), may be empty
    QString markdown;   // what the view renders (a code block keeps its fences so it is highlighted)

    bool operator==(const MarkdownSegment&) const = default;
};

// Fenced blocks (``` or ~~~, three or more, closed by the same fence) become code segments; an
// unterminated fence (an answer still streaming) runs to the end. Prose is cut at blank lines
// only where that cannot change how it renders: the next block starts in column 0 and is not a
// list item, so lists (tight or loose), indented continuations and code indented by four spaces
// stay whole. Blank prose is dropped.
QList<MarkdownSegment> splitMarkdown(const QString& markdown);

class MessageSegmentModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(QString markdown READ markdown WRITE setMarkdown NOTIFY markdownChanged)
public:
    enum Role { KindRole = Qt::UserRole + 1, TextRole, LanguageRole, MarkdownRole };

    explicit MessageSegmentModel(QObject* parent = nullptr);

    QString markdown() const { return m_markdown; }
    // Re-splits and reports only the rows that differ (dataChanged / rowsInserted / rowsRemoved).
    void setMarkdown(const QString& markdown);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void markdownChanged();

private:
    QString m_markdown;
    QList<MarkdownSegment> m_segments;
};
