#pragma once
// Chunking: a document's sections cut into ~1 KB pieces on paragraph boundaries (a paragraph too
// long for one chunk is cut at sentence ends, then at spaces). A chunk never crosses a section,
// so its page and heading are those of its section.
//
// Offsets are in UTF-16 code units (as Qt and JavaScript count) into the document's full text:
// its sections' texts joined by "\n\n" (fullText() below). Chunks are trimmed; consecutive
// chunks of a section follow each other in order (ord) with only whitespace between them.
#include "extract.h"

namespace causerie::documents {

struct Chunk {
    int ord = 0;    // position in the document, from 0
    int page = 0;   // 1-based PDF page, 0 = none
    QString heading;
    qint64 start = 0;   // [start, end) in fullText()
    qint64 end = 0;
    QString text;
};

struct ChunkOptions {
    int targetChars = 1000;   // a chunk grows by whole paragraphs up to about this size
    int maxChars = 1500;      // a single paragraph longer than this is cut at sentences
};

QString fullText(const ExtractedDocument& doc);
QList<Chunk> chunkDocument(const ExtractedDocument& doc, const ChunkOptions& options = {});

}   // namespace causerie::documents
