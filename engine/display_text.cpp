#include "display_text.h"

#include <algorithm>
#include <cstdint>

namespace causerie {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes one code point at text[i], advancing i; kInvalid (and i advanced by one byte) for a
// byte that does not start a well-formed sequence (RFC 3629: no overlongs, no surrogates).
char32_t decode_utf8(std::string_view text, size_t& i)
{
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
        min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        ++i;
        return kInvalid;
    }
    if (text.size() - i < size_t(len)) {
        ++i;
        return kInvalid;
    }
    for (int k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(text[i + size_t(k)]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return kInvalid;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return kInvalid;
    }
    i += size_t(len);
    return cp;
}

void append_utf8(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

bool is_line_break_or_tab(char32_t cp)
{
    return cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0x85 || cp == 0x2028 ||
           cp == 0x2029;
}

// Characters that act on the terminal or on the order of the text rather than showing.
bool is_hidden_control(char32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || (cp >= 0xE0000 && cp <= 0xE007F);
}

// What is shown for a decoded code point (kInvalid included).
char32_t shown(char32_t cp)
{
    if (cp == kInvalid)
        return kReplacement;
    if (is_line_break_or_tab(cp))
        return U' ';
    return is_hidden_control(cp) ? kReplacement : cp;
}

}   // namespace

std::string sanitize_display_text(std::string_view text, size_t max_chars)
{
    std::string out;
    out.reserve(std::min(text.size(), max_chars * 4));
    size_t chars = 0;
    for (size_t i = 0; i < text.size() && chars < max_chars; ++chars) {
        const char32_t cp = decode_utf8(text, i);
        if (chars + 1 == max_chars && i < text.size()) {
            append_utf8(out, 0x2026);   // the last place goes to the ellipsis: more text follows
            break;
        }
        append_utf8(out, shown(cp));
    }
    return out;
}

}   // namespace causerie
