#pragma once
// Shared by the document extraction targets (HTML, DOCX/ODT): the invariants every extracted
// section keeps, whatever the bytes were.
#include "fuzz_common.h"

#include "extract.h"

#include <QString>

namespace causerie::fuzz {

// No lone surrogate (an entity such as &#xD800; must not make one).
inline bool validUtf16(const QString& s)
{
    for (qsizetype i = 0; i < s.size(); ++i) {
        const QChar c = s.at(i);
        if (c.isHighSurrogate()) {
            if (i + 1 >= s.size() || !s.at(i + 1).isLowSurrogate())
                return false;
            ++i;
        } else if (c.isLowSurrogate()) {
            return false;
        }
    }
    return true;
}

// A section of a document without pages: not empty, its text trimmed and its heading simplified,
// both valid UTF-16. Returns how many characters it holds.
inline qsizetype checkPagelessSection(const documents::Section& s)
{
    FUZZ_CHECK(!s.text.isEmpty() || !s.heading.isEmpty());
    FUZZ_CHECK(s.page == 0);
    FUZZ_CHECK(s.text == s.text.trimmed());
    FUZZ_CHECK(s.heading == s.heading.simplified());
    FUZZ_CHECK(validUtf16(s.text));
    FUZZ_CHECK(validUtf16(s.heading));
    return s.text.size() + s.heading.size();
}

}   // namespace causerie::fuzz
