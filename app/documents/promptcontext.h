#pragma once
// How documents reach the model, for the app and `causerie-cli chat --doc` alike.
//
//   the attachments fit in the budget (half the context) and no library is ticked
//       → Whole: every document's text, its file name as a heading, in `systemText` (stable from
//         one question to the next, so the local engine's KV cache keeps it);
//   otherwise
//       → Retrieved: the question's best chunks (DocIndex BM25, neighbours merged) over the
//         conversation's attachments and its libraries, numbered, in `questionText` (put before
//         the question), as many as the budget holds.
// Either way the model is told to cite "[1]", "[2]"; `sources` are those numbers' files, in order.
#include "docindex.h"
#include "extract.h"

#include <QJsonArray>

#include <functional>

namespace causerie::documents {

class TextEmbedder;

struct ContextDocument {
    QString name;   // the heading the model sees ("report.pdf")
    QString path;   // the file in the index (its library), "" if not indexed
    ExtractedDocument document;
    qint64 tokens = -1;   // counted when attached; -1: count now
};

struct ContextPlan {
    enum Mode { None, Whole, Retrieved };
    Mode mode = None;
    QString systemText;      // Whole: instructions + documents
    QString questionText;    // Retrieved: instructions + numbered passages
    QList<Source> sources;   // [1] first; `file` is the name the model saw, `path` below
    QStringList paths;       // per source: the local file ("" when unknown)
    qint64 tokens = 0;       // what the added text costs
};

struct ContextRequest {
    QList<ContextDocument> documents;   // the conversation's attachments
    QString question;
    qint64 budgetTokens = 2048;   // half the context
    int topK = 6;
    DocIndex* index = nullptr;      // holds the attachments (under `libraries`) and libraries
    QStringList libraries;          // searched in Retrieved mode
    bool librariesTicked = false;   // a library is searched even when attachments fit
    // The embedding model (embedder.h): in Retrieved mode the question is embedded with it and
    // ranked hybrid (BM25 + vectors); when it fails, BM25 alone. Null: BM25 alone. Blocks: call
    // planContext off the GUI thread when set.
    TextEmbedder* embedder = nullptr;
};

using TokenCounter = std::function<qint64(const QString& text)>;

// Characters / 4, rounded up: the count when no tokenizer is at hand (remote endpoints).
qint64 estimateTokens(const QString& text);

ContextPlan planContext(const ContextRequest& request, const TokenCounter& countTokens);

// The document a stored attachment describes: `text` (fullText) cut back into its sections by
// their offsets ([{page, heading, start, end}]); one section when there are none.
ExtractedDocument documentFromText(const QString& text, const QJsonArray& sections);
// The other way: a document's sections as offsets into fullText(document).
QJsonArray sectionOffsets(const ExtractedDocument& document);

// Puts documents already extracted into the index under `library`, keyed by `path` (one
// transaction each). Used for attachments, whose text is in the conversation store.
DocStatus indexDocument(DocIndex& index, const QString& library, const QString& path, const QString& sha256,
                        const ExtractedDocument& document);

}   // namespace causerie::documents
