#pragma once
// One entry of the model catalog (resources/catalog/models.json, described in its README) and
// the parser that validates the whole file before anything uses it.
#include <QList>
#include <QString>
#include <QUrl>

struct CatalogEntry {
    QString id;                // unique, e.g. "mistral-7b-instruct-v0.3-q4_k_m"
    QString name;              // "Mistral 7B Instruct v0.3"
    QString family;            // "mistral", "smollm2"
    QString parameters;        // "7.2B", as printed on the model card
    QString quantization;      // "Q4_K_M"
    QUrl url;                  // https, direct download of the GGUF (redirects allowed)
    QString file;              // the name in the models folder: no '/', no "..", ends in .gguf
    qint64 size = 0;           // exact bytes; 0 = not published (then approxSize is set)
    qint64 approxSize = 0;     // bytes as rounded by the hosting page; for display and memory only
    QString sha256;            // 64 lower-case hex digits; empty = not published
    qint64 neededMemory = 0;   // bytes of RAM to run with a 4096-token context (README: how)
    int contextLength = 0;     // tokens the model was trained for
    QString license;
    int layers = 0;   // for the KV-cache part of neededMemory; 0 = not given
    int kvHeads = 0;
    int headDim = 0;

    qint64 displaySize() const { return size > 0 ? size : approxSize; }
    bool verifiable() const { return !sha256.isEmpty(); }
};

struct CatalogParseResult {
    QList<CatalogEntry> entries;
    QString error;   // empty on success; else names the entry and the field
    bool ok() const { return error.isEmpty(); }
};

// `source` names the file in messages ("models.json"). Every entry is checked; the first
// problem is reported and no entry is returned then, so a broken catalog is never half-used.
CatalogParseResult parseCatalog(const QByteArray& json, const QString& source);

// A file name that stays inside the models folder: not empty, no path separators, no "..",
// no leading dot, no control characters, ends in ".gguf".
bool isSafeModelFileName(const QString& name);
