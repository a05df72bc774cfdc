#include "docindex.h"

#include "database.h"
#include "documentslog.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QThread>

#include <sqlite3.h>

#include <algorithm>

namespace causerie::documents {

using storage::Database;

namespace {

// Made in one IMMEDIATE transaction by DocIndex::open, after the switch to WAL.
const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS documents (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  format TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY,
  library TEXT NOT NULL,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime INTEGER NOT NULL,
  sha256 TEXT,
  document_id INTEGER REFERENCES documents(id),
  error TEXT,
  UNIQUE (library, path)
) STRICT;
CREATE INDEX IF NOT EXISTS files_document ON files(document_id);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  ord INTEGER NOT NULL,
  page INTEGER NOT NULL,
  start_offset INTEGER NOT NULL,
  end_offset INTEGER NOT NULL,
  UNIQUE (document_id, ord)
) STRICT;
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(text, heading, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row');
CREATE TABLE IF NOT EXISTS chunk_vectors (
  chunk_id INTEGER NOT NULL,
  model TEXT NOT NULL,
  dim INTEGER NOT NULL,
  scale REAL NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (model, chunk_id)
) STRICT;
PRAGMA user_version = 1;
)sql";

const QSet<QString>& stopWords()
{
    static const QSet<QString> words = [] {
        QSet<QString> s;
        const char* list =
            "a an and are as at be but by can do does for from has have how i if in into is it its of on or so "
            "such than that the their them then there these they this to was were what when where which who "
            "whom why will with would you your au aux avec ce ces dans de des du elle en est et il ils je la le "
            "les leur mais ne nous on ou par pas pour qu que qui sa se ses son sur un une vous";
        for (const QString& w : QString::fromLatin1(list).split(QLatin1Char(' ')))
            s.insert(w);
        return s;
    }();
    return words;
}

// The best chunks for an FTS5 query (?1): id and BM25 (lower is better), at most ?2; ?3 weighs
// the heading column. The second form keeps the chunks of the libraries in ?4 (a JSON array).
const char* kRanked = R"sql(
SELECT rowid, bm25(chunks_fts, 1.0, ?3) AS score FROM chunks_fts WHERE chunks_fts MATCH ?1
ORDER BY score, rowid LIMIT ?2)sql";
const char* kRankedInLibraries = R"sql(
SELECT chunks_fts.rowid, bm25(chunks_fts, 1.0, ?3) AS score
FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
WHERE chunks_fts MATCH ?1
  AND c.document_id IN (SELECT document_id FROM files WHERE library IN (SELECT value FROM json_each(?4))
                        AND document_id IS NOT NULL)
ORDER BY score, chunks_fts.rowid
LIMIT ?2)sql";

// A source stays a passage: at most this many neighbouring chunks (~3 KB) merge into one.
constexpr int kMaxMergedChunks = 3;

}   // namespace

DocIndex::~DocIndex() = default;

DocError DocIndex::dbError(const QString& action) const
{
    return DocError{QCoreApplication::translate("Documents", "The document index %1 could not %2: %3.")
                        .arg(m_path, action, QString::fromUtf8(sqlite3_errmsg(m_db->handle())))};
}

DocResult<std::unique_ptr<DocIndex>> DocIndex::open(const QString& path)
{
    std::unique_ptr<DocIndex> index(new DocIndex);
    index->m_path = path;
    storage::Database::Options options;
    options.maxLengthBytes = 256 * 1024 * 1024;
    auto db = Database::open(path, options);
    if (!db)
        return DocError{QCoreApplication::translate("Documents", "The document index %1 could not be opened: %2")
                            .arg(path, db.errorString())};
    index->m_db = std::move(db.value());
    Database& d = *index->m_db;
    // Two threads (the attachment pool and a turn) may open a new index at the same moment. The
    // switch to WAL can meet the other's lock where SQLite returns "busy" at once instead of
    // waiting, so that step alone is retried; the tables are then made in one IMMEDIATE
    // transaction, which waits its turn.
    QDeadlineTimer deadline(storage::Database::Options{}.busyTimeoutMs);
    for (;;) {
        auto mode = d.queryText("PRAGMA journal_mode = WAL");
        if (mode)
            break;
        const int primary = mode.error().sqliteCode & 0xff;
        if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || deadline.hasExpired())
            return index->dbError(QCoreApplication::translate("Documents", "be created"));
        QThread::msleep(5);
    }
    const bool created =
        d.exec("PRAGMA synchronous = NORMAL").ok() && d.inTransaction([&] { return d.exec(kSchema); }).ok();
    if (!created)
        return index->dbError(QCoreApplication::translate("Documents", "be created"));
    return index;
}

std::optional<FileRecord> DocIndex::file(const QString& library, const QString& path)
{
    auto st = m_db->prepare("SELECT size, mtime, sha256, error FROM files WHERE library = ?1 AND path = ?2");
    if (!st)
        return std::nullopt;
    st->bind(1, library).bind(2, path);
    auto row = st->step();
    if (!row || !row.value())
        return std::nullopt;
    FileRecord r;
    r.path = path;
    r.size = st->int64(0);
    r.mtime = st->int64(1);
    r.sha256 = st->text(2);
    r.error = st->text(3);
    return r;
}

QStringList DocIndex::files(const QString& library)
{
    QStringList out;
    auto st = m_db->prepare("SELECT path FROM files WHERE library = ?1 ORDER BY path");
    if (!st)
        return out;
    st->bind(1, library);
    (void)st->forEachRow([&] { out.append(st->text(0)); });
    return out;
}

QList<FileRecord> DocIndex::failedFiles(const QString& library)
{
    QList<FileRecord> out;
    auto st = m_db->prepare(
        "SELECT path, size, mtime, error FROM files WHERE library = ?1 AND error IS NOT NULL ORDER BY path");
    if (!st)
        return out;
    st->bind(1, library);
    (void)st->forEachRow([&] {
        FileRecord r;
        r.path = st->text(0);
        r.size = st->int64(1);
        r.mtime = st->int64(2);
        r.error = st->text(3);
        out.append(r);
    });
    return out;
}

bool DocIndex::hasDocument(const QString& sha256)
{
    auto st = m_db->prepare("SELECT 1 FROM documents WHERE sha256 = ?1");
    if (!st)
        return false;
    st->bind(1, sha256);
    auto row = st->step();
    return row && row.value();
}

DocStatus DocIndex::putFile(const FileRecord& file, const QString& library, const QString& format,
                            const QList<Chunk>& chunks)
{
    return changeFiles([&]() -> DocStatus {
        qint64 documentId = 0;
        {
            auto find = m_db->prepare("SELECT id FROM documents WHERE sha256 = ?1");
            if (!find)
                return dbError(QCoreApplication::translate("Documents", "be read"));
            find->bind(1, file.sha256);
            auto row = find->step();
            if (row && row.value())
                documentId = find->int64(0);
        }
        if (documentId == 0) {
            auto doc = m_db->prepare("INSERT INTO documents (sha256, format) VALUES (?1, ?2)");
            if (!doc || !doc->bind(1, file.sha256).bind(2, format).run())
                return dbError(QCoreApplication::translate("Documents", "store a document"));
            documentId = m_db->lastInsertRowId();
            for (const Chunk& c : chunks) {
                // Prepared once and cached by Database; each checkout is a fresh, reset statement.
                auto chunk = m_db->prepare("INSERT INTO chunks (document_id, ord, page, start_offset, end_offset) "
                                           "VALUES (?1, ?2, ?3, ?4, ?5)");
                auto fts = m_db->prepare("INSERT INTO chunks_fts (rowid, text, heading) VALUES (?1, ?2, ?3)");
                if (!chunk || !fts)
                    return dbError(QCoreApplication::translate("Documents", "store a document"));
                if (!chunk->bind(1, documentId).bind(2, c.ord).bind(3, c.page).bind(4, c.start).bind(5, c.end).run())
                    return dbError(QCoreApplication::translate("Documents", "store a document"));
                if (!fts->bind(1, m_db->lastInsertRowId()).bind(2, c.text).bind(3, c.heading).run())
                    return dbError(QCoreApplication::translate("Documents", "store a document"));
            }
        }
        return putFileRow(file, library, documentId);
    });
}

DocStatus DocIndex::putFileError(const FileRecord& file, const QString& library)
{
    return changeFiles([&] { return putFileRow(file, library, std::nullopt); });
}

DocStatus DocIndex::removeFile(const QString& library, const QString& path)
{
    return changeFiles([&]() -> DocStatus {
        auto del = m_db->prepare("DELETE FROM files WHERE library = ?1 AND path = ?2");
        if (!del || !del->bind(1, library).bind(2, path).run())
            return dbError(QCoreApplication::translate("Documents", "remove a file"));
        return DocOk{};
    });
}

DocStatus DocIndex::removeLibrary(const QString& library)
{
    return changeFiles([&]() -> DocStatus {
        auto del = m_db->prepare("DELETE FROM files WHERE library = ?1");
        if (!del || !del->bind(1, library).run())
            return dbError(QCoreApplication::translate("Documents", "remove a file"));
        return DocOk{};
    });
}

QStringList DocIndex::libraries(const QString& prefix)
{
    QStringList out;
    auto st = m_db->prepare("SELECT DISTINCT library FROM files WHERE substr(library, 1, length(?1)) = ?1 "
                            "ORDER BY library");
    if (!st)
        return out;
    st->bind(1, prefix);
    (void)st->forEachRow([&] { out.append(st->text(0)); });
    return out;
}

DocStatus DocIndex::changeFiles(const std::function<DocStatus()>& change)
{
    Database::Transaction tx(*m_db);
    if (!tx.begin())
        return dbError(QCoreApplication::translate("Documents", "start a transaction"));
    if (auto r = change(); !r)
        return r;
    if (auto r = removeOrphanDocuments(); !r)
        return r;
    if (!tx.commit())
        return dbError(QCoreApplication::translate("Documents", "commit"));
    m_vectorsStale = true;   // removed documents take their vectors with them
    return DocOk{};
}

DocStatus DocIndex::putFileRow(const FileRecord& file, const QString& library, std::optional<qint64> documentId)
{
    auto put = m_db->prepare("INSERT INTO files (library, path, size, mtime, sha256, document_id, error) VALUES (?1, "
                             "?2, ?3, ?4, ?5, ?6, ?7) "
                             "ON CONFLICT (library, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, "
                             "sha256 = excluded.sha256, document_id = excluded.document_id, error = excluded.error");
    if (!put)
        return dbError(QCoreApplication::translate("Documents", "store a file"));
    put->bind(1, library).bind(2, file.path).bind(3, file.size).bind(4, file.mtime).bindOptional(6, documentId);
    if (documentId)
        put->bind(5, file.sha256).bindNull(7);
    else
        put->bindTextOrNull(5, file.sha256).bind(7, file.error);
    if (!put->run())
        return dbError(QCoreApplication::translate("Documents", "store a file"));
    return DocOk{};
}

// Documents no file points to any more (inside the caller's transaction).
DocStatus DocIndex::removeOrphanDocuments()
{
    const char* sql = R"sql(
CREATE TEMP TABLE IF NOT EXISTS orphan_ids (id INTEGER PRIMARY KEY);
DELETE FROM orphan_ids;
INSERT INTO orphan_ids SELECT id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.document_id = d.id);
DELETE FROM chunks_fts WHERE rowid IN (SELECT c.id FROM chunks c JOIN orphan_ids o ON c.document_id = o.id);
DELETE FROM chunk_vectors WHERE chunk_id IN (SELECT c.id FROM chunks c JOIN orphan_ids o ON c.document_id = o.id);
DELETE FROM chunks WHERE document_id IN (SELECT id FROM orphan_ids);
DELETE FROM documents WHERE id IN (SELECT id FROM orphan_ids);
)sql";
    if (!m_db->exec(sql))
        return dbError(QCoreApplication::translate("Documents", "remove unused documents"));
    return DocOk{};
}

qint64 DocIndex::chunkCount()
{
    auto n = m_db->queryInt("SELECT count(*) FROM chunks");
    return n ? n.value() : 0;
}

QStringList DocIndex::queryWords(const QString& text)
{
    QStringList words;
    QString word;
    const auto take = [&] {
        if (!word.isEmpty() && !words.contains(word) && words.size() < 64)
            words.append(word);
        word.clear();
    };
    for (QChar c : text) {
        if (c.isLetterOrNumber() || c.isMark())
            word += c.toLower();
        else
            take();
    }
    take();
    QStringList kept;
    for (const QString& w : words) {
        if (!stopWords().contains(w) && w.size() > 1)
            kept.append(w);
    }
    return kept.isEmpty() ? words : kept;
}

QString DocIndex::ftsQuery(const QStringList& words)
{
    QStringList quoted;
    for (const QString& w : words)
        quoted.append(QLatin1Char('"') + w + QLatin1Char('"'));
    return quoted.join(QLatin1String(" OR "));
}

QStringList DocIndex::selectiveQueries(const QStringList& words)
{
    struct Counted {
        QString word;
        qint64 chunks;   // 0 also when not found as such (the tokenizer folds it differently)
    };
    QList<Counted> counted;
    for (const QString& w : words) {
        auto st = m_db->prepare("SELECT doc FROM chunks_vocab WHERE term = ?1");
        qint64 n = 0;
        if (st) {
            st->bind(1, w);
            auto row = st->step();
            if (row && row.value())
                n = st->int64(0);
        }
        counted.append({w, n});
    }
    std::stable_sort(counted.begin(), counted.end(),
                     [](const Counted& a, const Counted& b) { return a.chunks < b.chunks; });
    if (!counted.isEmpty() && counted.first().chunks > kPostingBudget) {
        QStringList quoted;
        for (int i = 0; i < std::min<qsizetype>(4, counted.size()); ++i)
            quoted.append(QLatin1Char('"') + counted.at(i).word + QLatin1Char('"'));
        QStringList queries;
        if (words.size() >= 2)
            queries.append(QLatin1Char('"') + words.join(QLatin1Char(' ')) +
                           QLatin1Char('"'));   // "to be or not to be"
        for (qsizetype n = quoted.size(); n >= 1; --n)
            queries.append(quoted.mid(0, n).join(QLatin1String(" AND ")));
        return queries;
    }
    QStringList out;
    qint64 postings = 0;
    for (const Counted& c : counted) {
        if (out.size() >= kMaxQueryWords || (!out.isEmpty() && postings + c.chunks > kPostingBudget))
            break;
        out.append(c.word);
        postings += c.chunks;
    }
    return out.isEmpty() ? QStringList() : QStringList{ftsQuery(out)};
}

DocResult<QList<Source>> DocIndex::search(const QString& query, const QStringList& libraries,
                                          const SearchOptions& options)
{
    const QStringList matches = selectiveQueries(queryWords(query));
    const bool hybrid = !options.embedModel.isEmpty() && !options.queryVector.isEmpty();
    if ((matches.isEmpty() && !hybrid) || options.topK <= 0)
        return QList<Source>();
    // Enough hits that merging neighbours still leaves topK sources.
    const int candidates = std::max(20, options.topK * 4);
    const QByteArray libs = QJsonDocument(QJsonArray::fromStringList(libraries)).toJson(QJsonDocument::Compact);

    // 1. The best chunk ids and scores, nothing else carried through the sort. When the index holds
    // no other library (the usual case) FTS5 ranks alone; otherwise each hit's document is checked.
    auto others =
        m_db->prepare("SELECT EXISTS (SELECT 1 FROM files WHERE library NOT IN (SELECT value FROM json_each(?1)))");
    if (!others)
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    others->bindUtf8(1, libs);
    auto otherRow = others->step();
    if (!otherRow)
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    const bool filter = otherRow.value() && others->int64(0) != 0;
    auto best = bm25Candidates(matches, filter, libs, candidates, options);
    if (!best)
        return best.error();
    if (hybrid) {
        auto nearest = vectorCandidates(options, filter, libs, candidates);
        if (!nearest)
            return nearest.error();
        if (!nearest.value().isEmpty())   // no vector yet for this model: BM25 alone
            best = fuseRankings({best.value(), nearest.value()}, candidates);
    }
    return sourcesOf(best.value(), libs, options.topK);
}

DocResult<QList<QPair<qint64, double>>> DocIndex::bm25Candidates(const QStringList& matches, bool filter,
                                                                 const QByteArray& libs, int candidates,
                                                                 const SearchOptions& options)
{
    QList<QPair<qint64, double>> best;
    for (const QString& match : matches) {
        best.clear();
        auto ranked = m_db->prepare(filter ? kRankedInLibraries : kRanked);
        if (!ranked)
            return dbError(QCoreApplication::translate("Documents", "be searched"));
        ranked->bind(1, match).bind(2, candidates).bind(3, options.headingWeight);
        if (filter)
            ranked->bindUtf8(4, libs);
        if (!ranked->forEachRow([&] { best.append({ranked->int64(0), -ranked->real(1)}); }))
            return dbError(QCoreApplication::translate("Documents", "be searched"));
        if (best.size() >= options.topK)
            break;
    }
    return best;
}

DocResult<QList<Source>> DocIndex::sourcesOf(const QList<QPair<qint64, double>>& best, const QByteArray& libs, int topK)
{
    struct Hit {
        qint64 document;
        int ord;
        int parts = 1;   // chunks merged into this source
        Source source;
    };
    QList<Hit> hits;

    // 2. Their text and place.
    for (const auto& [id, score] : best) {
        auto st = m_db->query("SELECT c.document_id, c.ord, c.page, c.start_offset, c.end_offset, f.heading, f.text "
                              "FROM chunks c JOIN chunks_fts f ON f.rowid = c.id WHERE c.id = ?1",
                              id);
        if (!st)
            return dbError(QCoreApplication::translate("Documents", "be searched"));
        auto row = st->step();
        if (!row)
            return dbError(QCoreApplication::translate("Documents", "be searched"));
        if (!row.value())
            continue;
        Hit h;
        h.document = st->int64(0);
        h.ord = int(st->int64(1));
        h.source.page = int(st->int64(2));
        h.source.start = st->int64(3);
        h.source.end = st->int64(4);
        h.source.heading = st->text(5);
        h.source.text = st->text(6);
        h.source.score = score;
        hits.append(h);
    }

    // Neighbours: consecutive chunks of one page of one document become one source (up to
    // kMaxMergedChunks).
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
        return a.document != b.document ? a.document < b.document : a.ord < b.ord;
    });
    QList<Hit> merged;
    for (const Hit& h : hits) {
        if (!merged.isEmpty()) {
            Hit& last = merged.last();
            if (last.document == h.document && last.ord + 1 == h.ord && last.source.page == h.source.page &&
                last.parts < kMaxMergedChunks) {
                const qint64 gap = h.source.start - last.source.end;
                last.source.text += gap >= 2 ? QStringLiteral("\n\n") : (gap == 1 ? QStringLiteral(" ") : QString());
                last.source.text += h.source.text;
                last.source.end = h.source.end;
                last.source.score = std::max(last.source.score, h.source.score);
                last.ord = h.ord;
                ++last.parts;
                continue;
            }
        }
        merged.append(h);
    }

    // The file a document is reported under: the first path (of the libraries searched) holding it.
    QHash<qint64, QString> fileOf;
    QList<Source> out;
    for (Hit& h : merged) {
        if (!fileOf.contains(h.document)) {
            auto name = m_db->prepare("SELECT min(path) FROM files WHERE document_id = ?1 "
                                      "AND library IN (SELECT value FROM json_each(?2))");
            if (!name)
                return dbError(QCoreApplication::translate("Documents", "be searched"));
            name->bind(1, h.document).bindUtf8(2, libs);
            auto row = name->step();
            if (!row)
                return dbError(QCoreApplication::translate("Documents", "be searched"));
            fileOf.insert(h.document, row.value() ? name->text(0) : QString());
        }
        h.source.file = fileOf.value(h.document);
        if (!h.source.file.isEmpty())
            out.append(std::move(h.source));
    }
    std::sort(out.begin(), out.end(), [](const Source& a, const Source& b) {
        if (a.score != b.score)
            return a.score > b.score;
        if (a.file != b.file)
            return a.file < b.file;
        return a.start < b.start;
    });
    if (out.size() > topK)
        out.resize(topK);
    return out;
}

}   // namespace causerie::documents
