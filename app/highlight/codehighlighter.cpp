#include "codehighlighter.h"

#include <QDir>
#include <QLoggingCategory>
#include <QPointer>
#include <QQuickTextDocument>
#include <QSyntaxHighlighter>
#include <QTextBlock>
#include <QTextDocument>

#include <srchilite/formatter.h>
#include <srchilite/formattermanager.h>
#include <srchilite/formatterparams.h>
#include <srchilite/instances.h>
#include <srchilite/langdefmanager.h>
#include <srchilite/langmap.h>
#include <srchilite/sourcehighlighter.h>

#include <map>
#include <memory>

Q_LOGGING_CATEGORY(lcHighlight, "causerie.highlight", QtInfoMsg)

namespace {

// Receives one highlighted piece of a line from source-highlight and applies its format.
class RangeFormatter : public srchilite::Formatter
{
public:
    RangeFormatter(std::string element, std::function<void(const std::string&, int, int)> apply)
        : m_element(std::move(element)), m_apply(std::move(apply))
    {
    }
    void format(const std::string& s, const srchilite::FormatterParams* params) override
    {
        if (params && params->start >= 0)
            m_apply(m_element, params->start, int(s.size()));
    }

private:
    std::string m_element;
    std::function<void(const std::string&, int, int)> m_apply;
};

const char* const kElements[] = {"keyword", "type", "string", "comment", "number", "preproc", "function",
                                 "classname", "specialchar", "regexp", "variable", "label", "todo", "symbol"};

// One highlighter per document: each line of a fenced code block is highlighted on its own
// (a comment spanning lines is coloured on its first line only).
class BlockHighlighter : public QSyntaxHighlighter
{
public:
    BlockHighlighter(QTextDocument* doc, const CodeHighlighter* owner)
        : QSyntaxHighlighter(doc), m_owner(owner)
    {
    }

protected:
    void highlightBlock(const QString& text) override
    {
        const QTextBlockFormat bf = currentBlock().blockFormat();
        if (!bf.hasProperty(QTextFormat::BlockCodeFence) && !bf.hasProperty(QTextFormat::BlockCodeLanguage))
            return;
        const QString lang = bf.stringProperty(QTextFormat::BlockCodeLanguage).trimmed().toLower();
        srchilite::SourceHighlighter* h = highlighterFor(lang);
        if (!h || !m_owner)
            return;
        const QByteArray utf8 = text.toUtf8();
        m_line = &utf8;
        m_text = &text;
        h->setCurrentState(h->getMainState());
        h->clearStateStack();
        try {
            h->highlightParagraph(std::string(utf8.constData(), size_t(utf8.size())));
        } catch (const std::exception& e) {
            qCDebug(lcHighlight) << "highlighting failed:" << e.what();
        }
        m_line = nullptr;
        m_text = nullptr;
    }

private:
    struct Lang {
        std::unique_ptr<srchilite::SourceHighlighter> highlighter;
        std::unique_ptr<srchilite::FormatterManager> formatters;
        srchilite::FormatterParams params;
    };

    srchilite::SourceHighlighter* highlighterFor(const QString& lang)
    {
        if (lang.isEmpty())
            return nullptr;
        auto it = m_langs.find(lang);
        if (it != m_langs.end())
            return it->second ? it->second->highlighter.get() : nullptr;
        std::unique_ptr<Lang> l;
        const QString dir = CodeHighlighter::dataDir();
        try {
            if (!dir.isEmpty()) {
                srchilite::LangMap* map = srchilite::Instances::getLangMap();
                std::string file = map->getMappedFileName(lang.toStdString());
                if (!file.empty()) {
                    auto state = srchilite::Instances::getLangDefManager()->getHighlightState(dir.toStdString(), file);
                    l = std::make_unique<Lang>();
                    l->highlighter = std::make_unique<srchilite::SourceHighlighter>(state);
                    auto apply = [this](const std::string& element, int start, int length) {
                        applyRange(element, start, length);
                    };
                    l->formatters = std::make_unique<srchilite::FormatterManager>(
                        srchilite::FormatterPtr(new RangeFormatter("normal", [](const std::string&, int, int) {})));
                    for (const char* e : kElements)
                        l->formatters->addFormatter(e, srchilite::FormatterPtr(new RangeFormatter(e, apply)));
                    l->highlighter->setFormatterManager(l->formatters.get());
                    l->highlighter->setFormatterParams(&l->params);
                    l->highlighter->setOptimize(false);   // keeps params.start exact
                }
            }
        } catch (const std::exception& e) {
            qCDebug(lcHighlight) << "no highlighting for" << lang << ":" << e.what();
            l.reset();
        }
        auto* raw = l ? l->highlighter.get() : nullptr;
        m_langs.emplace(lang, std::move(l));
        return raw;
    }

    // start/length are UTF-8 byte offsets in the line; the document counts UTF-16 units.
    void applyRange(const std::string& element, int start, int length)
    {
        if (!m_line || !m_text)
            return;
        const QTextCharFormat f = m_owner->formatFor(element);
        if (!f.isValid())
            return;
        const int from = int(QString::fromUtf8(m_line->constData(), start).size());
        const int to = int(QString::fromUtf8(m_line->constData(), start + length).size());
        setFormat(from, to - from, f);
    }

    QPointer<const CodeHighlighter> m_owner;
    std::map<QString, std::unique_ptr<Lang>> m_langs;
    const QByteArray* m_line = nullptr;
    const QString* m_text = nullptr;
};

} // namespace

CodeHighlighter::CodeHighlighter(QObject* parent)
    : QObject(parent)
{
}

CodeHighlighter::~CodeHighlighter() = default;

QString CodeHighlighter::dataDir()
{
    static const QString dir = [] {
        for (const QString& d : {QStringLiteral("/usr/share/source-highlight"),
                                 QStringLiteral("/usr/local/share/source-highlight")})
            if (QFile::exists(d + QStringLiteral("/lang.map")))
                return d;
        return QString();
    }();
    return dir;
}

void CodeHighlighter::setDark(bool dark)
{
    if (m_dark == dark)
        return;
    m_dark = dark;
    for (const QPointer<QObject>& h : std::as_const(m_attached))
        if (auto* sh = qobject_cast<QSyntaxHighlighter*>(h.data()))
            sh->rehighlight();
    Q_EMIT darkChanged();
}

QTextCharFormat CodeHighlighter::formatFor(const std::string& element) const
{
    struct Style {
        const char* light;
        const char* dark;
        bool bold;
        bool italic;
    };
    static const std::map<std::string, Style> styles = {
        {"keyword", {"#a626a4", "#c678dd", true, false}},   {"type", {"#0184bc", "#56b6c2", false, false}},
        {"string", {"#50a14f", "#98c379", false, false}},   {"comment", {"#8e908c", "#7f848e", false, true}},
        {"number", {"#986801", "#d19a66", false, false}},   {"preproc", {"#c18401", "#e5c07b", false, false}},
        {"function", {"#4078f2", "#61afef", false, false}}, {"classname", {"#c18401", "#e5c07b", false, false}},
        {"specialchar", {"#0184bc", "#56b6c2", false, false}}, {"regexp", {"#50a14f", "#98c379", false, false}},
        {"variable", {"#e45649", "#e06c75", false, false}}, {"label", {"#986801", "#d19a66", false, false}},
        {"todo", {"#e45649", "#e06c75", true, false}},
    };
    auto it = styles.find(element);
    if (it == styles.end())
        return {};
    QTextCharFormat f;
    f.setForeground(QColor(QLatin1String(m_dark ? it->second.dark : it->second.light)));
    if (it->second.bold)
        f.setFontWeight(QFont::DemiBold);
    f.setFontItalic(it->second.italic);
    return f;
}

void CodeHighlighter::attach(QQuickTextDocument* document)
{
    if (document)
        attach(document->textDocument());
}

void CodeHighlighter::attach(QTextDocument* document)
{
    if (!document || document->findChild<QSyntaxHighlighter*>())
        return;
    m_attached.removeAll(nullptr);
    m_attached.append(new BlockHighlighter(document, this));
}
