// DocIndex's chunk vectors (docindex.h): stored as int8 + scale per chunk and embedding model,
// scanned in memory for the vector half of hybrid retrieval (vectorrank.h).
#include "database.h"
#include "docindex.h"

#include <QCoreApplication>
#include <QSet>

#include <sqlite3.h>

#include <cmath>

namespace causerie::documents {

QList<ChunkText> DocIndex::chunksWithoutVector(const QString& model, int limit)
{
    QList<ChunkText> out;
    auto st = m_db->prepare("SELECT c.id, f.text, f.heading FROM chunks c JOIN chunks_fts f ON f.rowid = c.id "
                            "WHERE NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.model = ?1 AND v.chunk_id = c.id) "
                            "ORDER BY c.id LIMIT ?2");
    if (!st)
        return out;
    st->bind(1, model).bind(2, limit);
    (void)st->forEachRow([&] { out.append({st->int64(0), st->text(1), st->text(2)}); });
    return out;
}

qint64 DocIndex::chunksWithoutVectorCount(const QString& model)
{
    auto st = m_db->prepare("SELECT count(*) FROM chunks c WHERE NOT EXISTS "
                            "(SELECT 1 FROM chunk_vectors v WHERE v.model = ?1 AND v.chunk_id = c.id)");
    if (!st)
        return 0;
    st->bind(1, model);
    auto row = st->step();
    return row && row.value() ? st->int64(0) : 0;
}

qint64 DocIndex::vectorCount(const QString& model)
{
    auto st = m_db->prepare("SELECT count(*) FROM chunk_vectors WHERE model = ?1");
    if (!st)
        return 0;
    st->bind(1, model);
    auto row = st->step();
    return row && row.value() ? st->int64(0) : 0;
}

std::optional<int> DocIndex::storedDimension(const QString& model)
{
    auto st = m_db->prepare("SELECT dim FROM chunk_vectors WHERE model = ?1 LIMIT 1");
    if (!st)
        return std::nullopt;
    st->bind(1, model);
    auto row = st->step();
    if (!row || !row.value())
        return std::nullopt;
    return int(st->int64(0));
}

DocStatus DocIndex::putVectors(const QString& model, const QList<QPair<qint64, QVector<float>>>& vectors)
{
    if (vectors.isEmpty())
        return DocOk{};
    std::optional<int> dim = storedDimension(model);
    for (const auto& [id, v] : vectors) {
        if (v.isEmpty())
            return DocError{
                QCoreApplication::translate("Documents", "The embedding model %1 gave an empty vector.").arg(model)};
        for (float x : v)
            if (!std::isfinite(x))
                return DocError{
                    QCoreApplication::translate("Documents", "The embedding model %1 gave a vector that is not finite.")
                        .arg(model)};
        if (dim && *dim != v.size())
            return DocError{QCoreApplication::translate("Documents",
                                                        "The embedding model %1 gave a vector of %2 dimensions where "
                                                        "its vectors have %3: refused.")
                                .arg(model)
                                .arg(v.size())
                                .arg(*dim)};
        dim = int(v.size());
    }
    storage::Database::Transaction tx(*m_db);
    if (!tx.begin())
        return dbError(QCoreApplication::translate("Documents", "start a transaction"));
    for (const auto& [id, v] : vectors) {
        const QuantizedVector q = quantizeVector(v);
        auto put =
            m_db->prepare("INSERT INTO chunk_vectors (chunk_id, model, dim, scale, data) VALUES (?1, ?2, ?3, ?4, "
                          "?5) ON CONFLICT (model, chunk_id) DO UPDATE SET dim = excluded.dim, "
                          "scale = excluded.scale, data = excluded.data");
        if (!put || !put->bind(1, id)
                         .bind(2, model)
                         .bind(3, qint64(v.size()))
                         .bind(4, double(q.scale))
                         .bindBlobOrNull(5, q.data)
                         .run())
            return dbError(QCoreApplication::translate("Documents", "store vectors"));
    }
    if (!tx.commit())
        return dbError(QCoreApplication::translate("Documents", "commit"));
    m_vectorsStale = true;
    return DocOk{};
}

DocStatus DocIndex::removeVectorsExcept(const QString& model)
{
    auto del = m_db->prepare("DELETE FROM chunk_vectors WHERE model <> ?1");
    if (!del || !del->bind(1, model).run())
        return dbError(QCoreApplication::translate("Documents", "remove vectors"));
    m_vectorsStale = true;
    return DocOk{};
}

DocResult<const VectorTable*> DocIndex::vectorTable(const QString& model)
{
    // data_version changes when another connection (the indexer's) committed.
    auto version = m_db->queryInt("PRAGMA data_version");
    if (!version)
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    if (!m_vectorsStale && m_vectorsModel == model && m_vectorsVersion == version.value())
        return &m_vectors;
    // Another connection committed (the indexer, often adding files without vectors yet): read
    // the vectors again only if this model's set changed (count and sum of ids, from the key's
    // index: a few ms, not the 100 MB).
    auto print = m_db->prepare("SELECT count(*), total(chunk_id) FROM chunk_vectors WHERE model = ?1");
    if (!print)
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    print->bind(1, model);
    auto printed = print->step();
    if (!printed || !printed.value())
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    const QPair<qint64, double> fingerprint{print->int64(0), print->real(1)};
    if (!m_vectorsStale && m_vectorsModel == model && m_vectorsPrint == fingerprint) {
        m_vectorsVersion = version.value();
        return &m_vectors;
    }
    m_vectors.clear();
    m_vectors.dim = storedDimension(model).value_or(0);
    auto st = m_db->prepare("SELECT v.chunk_id, c.document_id, v.scale, v.data FROM chunk_vectors v "
                            "JOIN chunks c ON c.id = v.chunk_id WHERE v.model = ?1 AND v.dim = ?2 ORDER BY v.chunk_id");
    if (!st)
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    st->bind(1, model).bind(2, qint64(m_vectors.dim));
    const auto read = st->forEachRow([&] {
        const QByteArray data = st->blob(3);
        if (data.size() == m_vectors.dim)
            m_vectors.append(st->int64(0), st->int64(1), float(st->real(2)), data.constData());
    });
    if (!read)
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    m_vectorsModel = model;
    m_vectorsVersion = version.value();
    m_vectorsPrint = fingerprint;
    m_vectorsStale = false;
    return &m_vectors;
}

DocResult<QList<QPair<qint64, double>>> DocIndex::vectorCandidates(const SearchOptions& options, bool filter,
                                                                   const QByteArray& libs, int candidates)
{
    auto table = vectorTable(options.embedModel);
    if (!table)
        return table.error();
    const VectorTable& t = *table.value();
    if (t.ids.empty())
        return QList<QPair<qint64, double>>();
    if (t.dim != options.queryVector.size())
        return DocError{QCoreApplication::translate("Documents",
                                                    "The question's vector has %1 dimensions but the index's vectors "
                                                    "of %2 have %3: refused.")
                            .arg(options.queryVector.size())
                            .arg(options.embedModel)
                            .arg(t.dim)};
    if (!filter)
        return nearestChunks(t, options.queryVector, candidates);
    QSet<qint64> allowed;
    auto docs = m_db->prepare("SELECT DISTINCT document_id FROM files WHERE document_id IS NOT NULL "
                              "AND library IN (SELECT value FROM json_each(?1))");
    if (!docs)
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    docs->bindUtf8(1, libs);
    if (!docs->forEachRow([&] { allowed.insert(docs->int64(0)); }))
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    return nearestChunks(t, options.queryVector, candidates, [&](qint64 d) { return allowed.contains(d); });
}

}   // namespace causerie::documents
