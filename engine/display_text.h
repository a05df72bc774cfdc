#pragma once
// Text read from a model file (general.name, architecture, metadata keys quoted in errors) is
// hostile: it may carry terminal escape sequences, carriage returns that overwrite a line, bidi
// overrides that reorder what is shown, NULs, invalid UTF-8 or a megabyte of name.
// sanitize_display_text() makes such a string safe to print on a terminal or put in a label.
#include <cstddef>
#include <string>
#include <string_view>

namespace causerie {

// One line of valid UTF-8 of at most `max_chars` code points:
// - invalid UTF-8 (bad lead or continuation bytes, overlong forms, surrogates, > U+10FFFF):
//   U+FFFD per offending byte;
// - tab, newline, carriage return, vertical tab, form feed, U+0085, U+2028, U+2029: one space;
// - every other control (C0 including NUL and ESC, DEL, C1), bidi controls (U+061C, U+200E,
//   U+200F, U+202A..U+202E, U+2066..U+2069) and tag characters (U+E0000..U+E007F): U+FFFD,
//   so an ESC[2J shows as "\uFFFD[2J" and does nothing;
// - longer than max_chars: cut to max_chars - 1 code points followed by "…" (U+2026).
// max_chars 0 gives "".
std::string sanitize_display_text(std::string_view text, size_t max_chars);

// The bound used for names shown to the user (general.name): long enough for any real model name.
inline constexpr size_t kMaxDisplayNameChars = 200;

}   // namespace causerie
