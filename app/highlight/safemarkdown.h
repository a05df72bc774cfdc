#pragma once
// Markdown from content the user did not write (a model's answer, an imported conversation) made
// safe to hand to Qt's Markdown importer, which loads every image it meets (![x](http://…),
// <img src=…>) and renders raw HTML. What comes out fetches nothing when shown:
//   ![alt](url "t")   -> [image: alt — url](url)   a visible link showing where it points
//   ![alt][ref], ![alt] -> the same when [ref]: url is defined in the text, else \![alt]…
//   <tag …>, <!-- -->  -> \<tag …>                  shown as text, never interpreted
//   <https://x>, <a@b.c> autolinks, `code spans` and indented code lines are left as they are.
// Matching is done line by line and errs on the side of escaping: a construct it does not
// recognise loses its "!" or "<" meaning (shown as text), never the other way round.
#include <QString>

QString safeMarkdown(const QString& markdown);
