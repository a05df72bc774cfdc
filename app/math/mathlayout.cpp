#include "mathlayout.h"

#include "mathparser.h"

#include <algorithm>

namespace math {

void Box::add(const Box& b, double x, double y)
{
    items.reserve(items.size() + b.items.size());
    for (Item it : b.items) {
        it.pos += QPointF(x, y);
        it.rect.translate(x, y);
        if (it.kind == Item::Path)
            it.path.translate(x, y);
        items.append(std::move(it));
    }
}

Layout layoutFormula(const QString& latex, Mode mode)
{
    Layout out;
    if (latex.size() > kMaxSourceChars) {
        out.error = QStringLiteral("formula too long");
        out.errorPosition = kMaxSourceChars;
        return out;
    }
    if (latex.trimmed().isEmpty()) {
        out.error = QStringLiteral("empty formula");
        out.errorPosition = 0;
        return out;
    }
    if (!MathFonts::instance().available()) {
        out.error = QStringLiteral("the math fonts (fonts-katex) are not installed");
        out.errorPosition = 0;
        return out;
    }
    try {
        detail::Parser p(latex);
        out.box = p.formula(mode);
        out.box.width = std::max(0.0, out.box.width);   // "\\!" alone: a negative space, nothing to draw
    } catch (const detail::ParseError& e) {
        out.box = {};
        out.error = e.message;
        out.errorPosition = std::clamp(e.position, 0, int(latex.size()));
    }
    return out;
}

}   // namespace math
