#pragma once
// Embedding models for hybrid retrieval (docindex.h): what turns texts into vectors, and the job
// that gives every chunk of the index its vector.
//
// A TextEmbedder is used from one thread at a time (the indexer's, or the thread that plans a
// turn); embed() blocks. LocalTextEmbedder runs a GGUF embedding model on the engine
// (engine/embedding.h); RemoteTextEmbedder (app/backends/remoteembedder.h) asks an endpoint's
// /v1/embeddings, only when the user chose that endpoint for embeddings.
#include "docindex.h"

#include <QStringList>
#include <QVector>

#include <functional>
#include <memory>

namespace causerie {
class Embedder;
}

namespace causerie::documents {

class TextEmbedder {
public:
    virtual ~TextEmbedder() = default;
    // Names the model in the index: vectors are kept per id, so another id embeds again.
    virtual QString modelId() const = 0;
    // One L2-normalised vector per text, in order.
    virtual DocResult<QList<QVector<float>>> embed(const QStringList& texts) = 0;
    // Texts per embed() call in the embedding job: a cancel (a quit) waits for one call.
    virtual int batchSize() const { return 16; }
};

// Makes an embedder on the thread that will use it (the indexer's; the one that plans a turn).
using EmbedderFactory = std::function<DocResult<std::unique_ptr<TextEmbedder>>()>;

// An embedder made of a function (the app wraps RemoteEmbeddings, app/backends, in one).
class FunctionEmbedder final : public TextEmbedder {
public:
    using Embed = std::function<DocResult<QList<QVector<float>>>(const QStringList& texts)>;
    FunctionEmbedder(QString id, Embed embed)
        : m_id(std::move(id))
        , m_embed(std::move(embed))
    {
    }
    QString modelId() const override { return m_id; }
    DocResult<QList<QVector<float>>> embed(const QStringList& texts) override { return m_embed(texts); }
    int batchSize() const override { return 32; }   // one HTTP request each

private:
    QString m_id;
    Embed m_embed;
};

class LocalTextEmbedder final : public TextEmbedder {
public:
    ~LocalTextEmbedder() override;
    // Loads `path` (a GGUF embedding model: its pooling_type is checked, embedding.h).
    static DocResult<std::unique_ptr<LocalTextEmbedder>> open(const QString& path, int threads = 0);
    // "gguf:<file name>:<size in bytes>": the same file anywhere keeps its vectors.
    static QString idForFile(const QString& path);
    QString modelId() const override { return m_id; }
    DocResult<QList<QVector<float>>> embed(const QStringList& texts) override;
    // A forward pass per text: a quit waits for at most four.
    int batchSize() const override { return 4; }
    int dimension() const;

private:
    LocalTextEmbedder() = default;
    std::unique_ptr<Embedder> m_embedder;
    QString m_id;
};

// The text a chunk is embedded as: its heading (when any) on a line before its text.
QString embeddingText(const ChunkText& chunk);

struct EmbedReport {
    qint64 embedded = 0;
    bool cancelled = false;
    QString error;   // why it stopped (the vectors stored so far stay)
};

struct EmbedCallbacks {
    std::function<void(qint64 done, qint64 total)> progress;   // after each batch
    std::function<bool()> cancelled;
};

// Gives every chunk of the index without a vector of `embedder`'s model its vector, `batch`
// chunks (0: the embedder's batchSize()) per call and per transaction (a quit loses at most one
// batch; the next run goes on with what is missing), after removing the vectors of any other model.
EmbedReport embedPending(DocIndex& index, TextEmbedder& embedder, const EmbedCallbacks& callbacks = {}, int batch = 0);

}   // namespace causerie::documents
