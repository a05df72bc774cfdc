#pragma once
// The vector side of hybrid retrieval, without SQL: chunk vectors stored as int8 with one scale
// each (1 byte a dimension: 100,000 chunks of 1,024 dimensions are 100 MB), a brute-force
// nearest-neighbour scan over them, and reciprocal rank fusion of two rankings.
//
// Why reciprocal rank fusion (score = sum over the rankings of 1 / (kRrfK + rank)): BM25 scores
// and cosine similarities live on scales that do not compare (BM25 grows with the query's length
// and the words' rarity, cosine stays in [-1, 1] and depends on the embedding model), so a
// weighted sum would need a weight tuned per model and per library. RRF uses only the ranks: no
// tuning, no normalisation, a chunk that both rankings place high wins, and a chunk that only
// one of them finds (a paraphrase BM25 misses, a rare name the embedding blurs) still comes up.
// kRrfK = 60 is the constant of Cormack, Clarke & Büttcher (SIGIR 2009), where RRF beat the
// tuned fusions it was compared with. Ties go to the lower chunk id: the same index and query
// give the same order.
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QVector>

#include <cstdint>
#include <functional>
#include <vector>

namespace causerie::documents {

constexpr double kRrfK = 60.0;

// A vector quantised to int8: value i ≈ data[i] * scale (scale = max |v| / 127).
struct QuantizedVector {
    float scale = 0.0f;
    QByteArray data;   // dim signed bytes
};
QuantizedVector quantizeVector(const QVector<float>& v);

// The vectors of one embedding model, in memory for scanning: rows of `dim` int8.
struct VectorTable {
    int dim = 0;
    std::vector<qint64> ids;         // chunk id per row
    std::vector<qint64> documents;   // document id per row
    std::vector<float> scales;       // per row
    std::vector<int8_t> data;        // (rows, dim)
    void clear();
    void append(qint64 id, qint64 document, float scale, const char* bytes);
};

// The `n` rows most similar (dot product; the vectors are L2-normalised, so cosine) to `query`
// (dim floats) among the rows `keep` accepts (nullptr: all): (chunk id, similarity), best first,
// lower id first on ties.
QList<QPair<qint64, double>> nearestChunks(const VectorTable& table, const QVector<float>& query, int n,
                                           const std::function<bool(qint64 document)>& keep = {});

// Reciprocal rank fusion of rankings (each best first): (chunk id, fused score), best first,
// lower id first on ties, at most `n`.
QList<QPair<qint64, double>> fuseRankings(const QList<QList<QPair<qint64, double>>>& rankings, int n);

}   // namespace causerie::documents
