#pragma once
// Syntax highlighting of the code blocks in a rendered Markdown message, with GNU
// source-highlight's language definitions (Debian's libsource-highlight). QML calls
// CodeHighlighter.attach(textEdit.textDocument) once per message view.
#include <QColor>
#include <QHash>
#include <QObject>
#include <QList>
#include <QPointer>
#include <QTextCharFormat>
#include <QVariantList>

class QQuickTextDocument;
class QTextDocument;

class CodeHighlighter : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool dark READ dark WRITE setDark NOTIFY darkChanged)
public:
    explicit CodeHighlighter(QObject* parent = nullptr);
    ~CodeHighlighter() override;

    bool dark() const { return m_dark; }
    void setDark(bool dark);

    Q_INVOKABLE void attach(QQuickTextDocument* document);
    void attach(QTextDocument* document);

    // The format for a source-highlight element ("keyword", "string", "comment", ...); an
    // invalid format for elements left as they are.
    QTextCharFormat formatFor(const std::string& element) const;

    // Where source-highlight's .lang files are (empty when the package is missing: code is then
    // shown without colours).
    static QString dataDir();

Q_SIGNALS:
    void darkChanged();

private:
    bool m_dark = false;
    QList<QPointer<QObject>> m_attached;   // the highlighters, to recolour on a theme change
};
