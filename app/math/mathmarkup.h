#pragma once
// How formulas travel through the chat's Markdown: the safe-Markdown transform (safemarkdown.*)
// turns a math span into an <img> whose relative source names the formula
// ("<i|d>/<px>/<source in base64url>"); the prose TextEdit's baseUrl
// ("image://math/<colour>/<dpr>/", mathBaseUrl()) completes it, so that the colour and pixel
// ratio of the window are not baked into the text, and only these images ever reach the view.
// MathText (a QML singleton) gives a selection's text back with each formula as its LaTeX.
#include <QtQml/qqmlregistration.h>
#include <QColor>
#include <QObject>
#include <QQuickTextDocument>
#include <QString>

class QTextDocument;

namespace math {

// The prose size the transform lays inline formulas out for (ui/MessageSegment.qml's prose).
inline constexpr int kProsePixelSize = 15;

QString encodeSource(const QString& latex);
QString decodeSource(QStringView encoded);   // empty when malformed

// "<i|d>/<px>/<encoded>" for a formula.
QString relativeSource(const QString& latex, bool display, int pixelSize = kProsePixelSize);
// The formula an image name made by relativeSource() (or its resolved image://math URL) holds;
// false when it is none.
bool sourceFromImageName(const QString& name, QString* latex, bool* display);

// The inline <img …/> tag for a formula, or empty when it does not lay out (the caller shows
// its source). `display`: \[…\] or $$…$$ met inside a paragraph.
QString imageTag(const QString& latex, bool display, int pixelSize = kProsePixelSize);

QString baseUrl(const QColor& color, double dpr);

// The text of doc between `start` and `end`, each formula image as its LaTeX between $…$ ($$…$$
// for display ones), paragraphs separated by '\n'.
QString textWithFormulas(const QTextDocument* doc, int start, int end);
QString formulaAt(const QTextDocument* doc, int position);

}   // namespace math

class MathText : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
public:
    explicit MathText(QObject* parent = nullptr);
    // For the prose TextEdit's baseUrl.
    Q_INVOKABLE QString baseUrl(const QColor& color, double dpr) const;
    // The text between `start` and `end` of a TextEdit's document, each formula image as its
    // LaTeX between $…$ (or $$…$$).
    Q_INVOKABLE QString selectedText(QQuickTextDocument* document, int start, int end) const;
    // The LaTeX of the formula image at `position` (or just before it) of a TextEdit's document,
    // or "" when there is none: what "Copy LaTeX" of the context menu copies.
    Q_INVOKABLE QString formulaAt(QQuickTextDocument* document, int position) const;
    // The image://math URL (for an Image) of a display formula, or "" when it does not lay out.
    Q_INVOKABLE QString displaySource(const QString& latex, const QColor& color, double dpr) const;
};
