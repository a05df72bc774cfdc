#pragma once
// The document index: its own SQLite file (path given; the app keeps it in the data folder).
//
//   documents  one row per distinct content (SHA-256): files with the same bytes share chunks
//   files      (library, path) → size, mtime, hash, document, or the error that kept it out
//   chunks     (document, ord) → page, offsets; chunks_fts holds their text and heading (FTS5)
//   chunk_vectors (chunk, embedding model) → int8 vector and its scale (vectorrank.h): a vector
//              per model, so choosing another model embeds again and the old ones are dropped
//
// Ranking is FTS5's BM25 (text weight 1, heading 0.5) over the query's words joined by OR;
// hits that are neighbours in one document (consecutive chunks of the same page) merge into one
// source. Order: score (higher first), then file, then start: the same query on the same index
// gives the same answer. With an embedding model's vector of the question (SearchOptions), the
// BM25 candidates and the nearest chunk vectors are fused by reciprocal rank (vectorrank.h says
// why); without one, the BM25 ranking alone, as before. One DocIndex is one connection, used from one thread; the
// indexer's thread and the GUI thread each open their own (WAL: readers do not wait for the writer).
#include "chunker.h"
#include "docresult.h"
#include "vectorrank.h"

#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace causerie::storage {
class Database;
}

namespace causerie::documents {

struct FileRecord {
    QString path;
    qint64 size = 0;
    qint64 mtime = 0;   // ms since the epoch
    QString sha256;     // empty when the file could not be read
    QString error;      // why it is not indexed; empty when it is
};

struct Source {
    QString file;
    int page = 0;   // 0 = none
    QString heading;
    qint64 start = 0;
    qint64 end = 0;
    double score = 0;   // -bm25: higher is better
    QString text;
};

struct SearchOptions {
    int topK = 5;
    double headingWeight = 0.5;
    // Hybrid ranking: the question embedded by `embedModel` (TextEmbedder::modelId). Empty: BM25
    // alone. The score of a source is then its fused score (higher is better).
    QString embedModel;
    QVector<float> queryVector;
};

// A chunk waiting for its vector.
struct ChunkText {
    qint64 id = 0;
    QString text;
    QString heading;
};

class DocIndex {
public:
    ~DocIndex();
    DocIndex(const DocIndex&) = delete;
    DocIndex& operator=(const DocIndex&) = delete;

    // Opens (creating the schema if needed) the index file at `path`.
    static DocResult<std::unique_ptr<DocIndex>> open(const QString& path);

    std::optional<FileRecord> file(const QString& library, const QString& path);
    QStringList files(const QString& library);
    QList<FileRecord> failedFiles(const QString& library);
    bool hasDocument(const QString& sha256);

    // One transaction each: a quit between two files loses nothing already stored. `chunks` may
    // be empty when hasDocument(sha256) (the content is already indexed under another file).
    DocStatus putFile(const FileRecord& file, const QString& library, const QString& format,
                      const QList<Chunk>& chunks);
    DocStatus putFileError(const FileRecord& file, const QString& library);
    DocStatus removeFile(const QString& library, const QString& path);
    // Every file of `library`, and the chunks no other file shares, in one transaction.
    DocStatus removeLibrary(const QString& library);
    // The libraries the index holds files of, those whose name starts with `prefix`, sorted.
    QStringList libraries(const QString& prefix = {});

    DocResult<QList<Source>> search(const QString& query, const QStringList& libraries,
                                    const SearchOptions& options = {});
    qint64 chunkCount();

    // Vectors, one per chunk and embedding model. The chunks without a vector of `model`, lowest
    // id first, at most `limit` (the embedding job takes them in batches, so a quit resumes).
    QList<ChunkText> chunksWithoutVector(const QString& model, int limit);
    qint64 chunksWithoutVectorCount(const QString& model);
    qint64 vectorCount(const QString& model);
    // One transaction. Refused (nothing stored) when a vector is empty, not finite, or of another
    // dimension than the model's vectors already stored (or than the others given).
    DocStatus putVectors(const QString& model, const QList<QPair<qint64, QVector<float>>>& vectors);
    // The vectors of every other model (the user chose another one).
    DocStatus removeVectorsExcept(const QString& model);

    // The words of free text, lowercased, each once (at most 64): common English and French words
    // and one-letter words dropped when others remain.
    static QStringList queryWords(const QString& text);
    // The FTS5 query for `words`: each quoted (a word of letters and digits has no quote to
    // escape) and joined by OR; empty when there is no word.
    static QString ftsQuery(const QStringList& words);
    static QString ftsQuery(const QString& text) { return ftsQuery(queryWords(text)); }

    // The FTS5 queries that make the search both good and cheap, to try in order until one finds
    // enough. BM25 costs a step per chunk that holds a query word; the rarest words weigh the most
    // in the score, so words are taken from the rarest up while the chunks they hold add up to at
    // most kPostingBudget (at most kMaxQueryWords), joined by OR: one query. When even the rarest
    // word is over the budget (a question of common words only), the words as a phrase, then the
    // chunks that hold all of the (up to 4) rarest words (AND), then of one word fewer, and so on.
    // Small libraries keep every word.
    QStringList selectiveQueries(const QStringList& words);
    static constexpr qint64 kPostingBudget = 10000;
    static constexpr int kMaxQueryWords = 12;

private:
    DocIndex() = default;
    // One transaction: `change`, then the documents no file points to any more removed.
    DocStatus changeFiles(const std::function<DocStatus()>& change);
    // The files row of `file`: indexed as `documentId`, or, without one, refused with file.error.
    DocStatus putFileRow(const FileRecord& file, const QString& library, std::optional<qint64> documentId);
    DocStatus removeOrphanDocuments();
    DocError dbError(const QString& action) const;
    // search()'s steps: the BM25 candidates; the vector candidates; the sources of the chunk ids.
    DocResult<QList<QPair<qint64, double>>> bm25Candidates(const QStringList& matches, bool filter,
                                                           const QByteArray& libs, int candidates,
                                                           const SearchOptions& options);
    DocResult<QList<QPair<qint64, double>>> vectorCandidates(const SearchOptions& options, bool filter,
                                                             const QByteArray& libs, int candidates);
    DocResult<QList<Source>> sourcesOf(const QList<QPair<qint64, double>>& best, const QByteArray& libs, int topK);
    // The vectors of `model` in memory, read again when the file changed (data_version) or after
    // this connection wrote vectors.
    DocResult<const VectorTable*> vectorTable(const QString& model);
    std::optional<int> storedDimension(const QString& model);

    std::unique_ptr<storage::Database> m_db;
    QString m_path;
    VectorTable m_vectors;
    QString m_vectorsModel;
    qint64 m_vectorsVersion = -1;
    QPair<qint64, double> m_vectorsPrint;   // count and sum of the chunk ids read
    bool m_vectorsStale = true;
};

}   // namespace causerie::documents
