#pragma once
// Markdown from content the user did not write (a model's answer, an imported conversation) made
// safe to hand to Qt's Markdown importer, which loads every image it meets (![x](http://…),
// <img src=…>) and renders raw HTML. What comes out fetches nothing when shown:
//   ![alt](url "t")   -> [image: alt — url](url)   a visible link showing where it points
//   ![alt][ref], ![alt] -> the same when [ref]: url is defined in the text, else \![alt]…
//   <tag …>, <!-- -->  -> \<tag …>                  shown as text, never interpreted
//   <https://x>, <a@b.c> autolinks, `code spans` and indented code lines are left as they are.
//   $x$, \(x\), $$x$$, \[x\] -> <img src="i/15/…" … />  a formula (app/math/mathmarkup.h): the
//                             only images that come out, never a URL taken from the text; a
//                             formula that does not lay out is shown as its source. Within one
//                             line, outside code; at most kMaxFormulas per text (then as written).
// Matching is done line by line and errs on the side of escaping: a construct it does not
// recognise loses its "!" or "<" meaning (shown as text), never the other way round.
#include <QString>

inline constexpr int kMaxFormulas = 200;
QString safeMarkdown(const QString& markdown);

// Qt 6.4's Markdown importer and layout take time that grows with the square of the pieces one
// paragraph is cut into (every link, emphasis, code span, escape or entity starts one): a
// paragraph of 1,600 links takes 0.4 s, 16 KB of escaped characters 1 s, 64 KB 11 s, and an
// answer's open segment is rendered again at every streamed delta. True when some paragraph of
// `markdown` (as written) has more than kMaxMarkupPerParagraph characters that can cut it; such
// text is shown as plain text instead. Ordinary prose stays far below it.
inline constexpr int kMaxMarkupPerParagraph = 384;
bool tooCostlyAsMarkdown(const QString& markdown);
