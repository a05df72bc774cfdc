#include "docindex.h"

#include "database.h"
#include "documentslog.h"

#include <QCoreApplication>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

#include <sqlite3.h>

#include <algorithm>

namespace causerie::documents {

using storage::Database;

namespace {

const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
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
    if (!index->m_db->exec(kSchema))
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
    m_cachedCount = -1;
    Database::Transaction tx(*m_db);
    if (!tx.begin())
        return dbError(QCoreApplication::translate("Documents", "start a transaction"));
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
            auto chunk = m_db->prepare(
                "INSERT INTO chunks (document_id, ord, page, start_offset, end_offset) VALUES (?1, ?2, ?3, ?4, ?5)");
            auto fts = m_db->prepare("INSERT INTO chunks_fts (rowid, text, heading) VALUES (?1, ?2, ?3)");
            if (!chunk || !fts)
                return dbError(QCoreApplication::translate("Documents", "store a document"));
            if (!chunk->bind(1, documentId).bind(2, c.ord).bind(3, c.page).bind(4, c.start).bind(5, c.end).run())
                return dbError(QCoreApplication::translate("Documents", "store a document"));
            if (!fts->bind(1, m_db->lastInsertRowId()).bind(2, c.text).bind(3, c.heading).run())
                return dbError(QCoreApplication::translate("Documents", "store a document"));
        }
    }
    auto put = m_db->prepare("INSERT INTO files (library, path, size, mtime, sha256, document_id, error) VALUES (?1, "
                             "?2, ?3, ?4, ?5, ?6, NULL) "
                             "ON CONFLICT (library, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, "
                             "sha256 = excluded.sha256, document_id = excluded.document_id, error = NULL");
    if (!put || !put->bind(1, library)
                     .bind(2, file.path)
                     .bind(3, file.size)
                     .bind(4, file.mtime)
                     .bind(5, file.sha256)
                     .bind(6, documentId)
                     .run())
        return dbError(QCoreApplication::translate("Documents", "store a file"));
    if (auto r = removeOrphanDocuments(); !r)
        return r;
    if (!tx.commit())
        return dbError(QCoreApplication::translate("Documents", "commit"));
    return DocOk{};
}

DocStatus DocIndex::putFileError(const FileRecord& file, const QString& library)
{
    m_cachedCount = -1;
    Database::Transaction tx(*m_db);
    if (!tx.begin())
        return dbError(QCoreApplication::translate("Documents", "start a transaction"));
    auto put = m_db->prepare("INSERT INTO files (library, path, size, mtime, sha256, document_id, error) VALUES (?1, "
                             "?2, ?3, ?4, ?5, NULL, ?6) "
                             "ON CONFLICT (library, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, "
                             "sha256 = excluded.sha256, document_id = NULL, error = excluded.error");
    if (!put || !put->bind(1, library)
                     .bind(2, file.path)
                     .bind(3, file.size)
                     .bind(4, file.mtime)
                     .bindTextOrNull(5, file.sha256)
                     .bind(6, file.error)
                     .run())
        return dbError(QCoreApplication::translate("Documents", "store a file"));
    if (auto r = removeOrphanDocuments(); !r)
        return r;
    if (!tx.commit())
        return dbError(QCoreApplication::translate("Documents", "commit"));
    return DocOk{};
}

DocStatus DocIndex::removeFile(const QString& library, const QString& path)
{
    m_cachedCount = -1;
    Database::Transaction tx(*m_db);
    if (!tx.begin())
        return dbError(QCoreApplication::translate("Documents", "start a transaction"));
    auto del = m_db->prepare("DELETE FROM files WHERE library = ?1 AND path = ?2");
    if (!del || !del->bind(1, library).bind(2, path).run())
        return dbError(QCoreApplication::translate("Documents", "remove a file"));
    if (auto r = removeOrphanDocuments(); !r)
        return r;
    if (!tx.commit())
        return dbError(QCoreApplication::translate("Documents", "commit"));
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
DELETE FROM chunks WHERE document_id IN (SELECT id FROM orphan_ids);
DELETE FROM documents WHERE id IN (SELECT id FROM orphan_ids);
)sql";
    if (!m_db->exec(sql))
        return dbError(QCoreApplication::translate("Documents", "remove unused documents"));
    return DocOk{};
}

qint64 DocIndex::chunkCount()
{
    const auto version = m_db->queryInt("PRAGMA data_version");
    if (version && version.value() == m_cachedDataVersion && m_cachedCount >= 0)
        return m_cachedCount;
    auto n = m_db->queryInt("SELECT count(*) FROM chunks");
    m_cachedCount = n ? n.value() : 0;
    m_cachedDataVersion = version ? version.value() : -1;
    return m_cachedCount;
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

QString DocIndex::selectiveQuery(const QStringList& words)
{
    const qint64 total = chunkCount();
    struct Counted {
        QString word;
        qint64 chunks;   // -1: not found as such in the vocabulary (the tokenizer folds differently)
    };
    QList<Counted> counted;
    for (const QString& w : words) {
        auto st = m_db->prepare("SELECT doc FROM chunks_vocab WHERE term = ?1");
        qint64 n = -1;
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
    // Short posting lists are cheap whatever the fraction: small libraries keep every word.
    const qint64 common = std::max(kCommonMinChunks, qint64(kCommonFraction * double(total)));
    QStringList out;
    for (const Counted& c : counted) {
        if (c.chunks <= common && out.size() < kMaxQueryWords)
            out.append(c.word);
    }
    if (!out.isEmpty() || counted.isEmpty())
        return ftsQuery(out);
    // Only common words: the chunks that hold the two rarest together.
    QStringList rarest;
    for (int i = 0; i < std::min<qsizetype>(2, counted.size()); ++i)
        rarest.append(QLatin1Char('"') + counted.at(i).word + QLatin1Char('"'));
    return rarest.join(QLatin1String(" AND "));
}

DocResult<QList<Source>> DocIndex::search(const QString& query, const QStringList& libraries,
                                          const SearchOptions& options)
{
    const QString match = selectiveQuery(queryWords(query));
    if (match.isEmpty() || options.topK <= 0)
        return QList<Source>();
    // Enough hits that merging neighbours still leaves topK sources.
    const int candidates = std::max(20, options.topK * 4);
    auto st = m_db->prepare(R"sql(
SELECT c.document_id, c.ord, c.page, c.start_offset, c.end_offset, chunks_fts.heading, chunks_fts.text,
       bm25(chunks_fts, 1.0, ?4) AS rank
FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
WHERE chunks_fts MATCH ?1
  AND c.document_id IN (SELECT document_id FROM files WHERE library IN (SELECT value FROM json_each(?2))
                        AND document_id IS NOT NULL)
ORDER BY rank, c.document_id, c.ord
LIMIT ?3)sql");
    if (!st)
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    const QByteArray libs = QJsonDocument(QJsonArray::fromStringList(libraries)).toJson(QJsonDocument::Compact);
    st->bind(1, match).bindUtf8(2, libs).bind(3, candidates).bind(4, options.headingWeight);
    struct Hit {
        qint64 document;
        int ord;
        int parts = 1;   // chunks merged into this source
        Source source;
    };
    QList<Hit> hits;
    auto rows = st->forEachRow([&] {
        Hit h;
        h.document = st->int64(0);
        h.ord = int(st->int64(1));
        h.source.page = int(st->int64(2));
        h.source.start = st->int64(3);
        h.source.end = st->int64(4);
        h.source.heading = st->text(5);
        h.source.text = st->text(6);
        h.source.score = -st->real(7);
        hits.append(h);
    });
    if (!rows)
        return dbError(QCoreApplication::translate("Documents", "be searched"));

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
    auto names =
        m_db->prepare("SELECT document_id, min(path) FROM files WHERE library IN (SELECT value FROM json_each(?1)) "
                      "AND document_id IS NOT NULL GROUP BY document_id");
    if (!names)
        return dbError(QCoreApplication::translate("Documents", "be searched"));
    names->bindUtf8(1, libs);
    if (!names->forEachRow([&] { fileOf.insert(names->int64(0), names->text(1)); }))
        return dbError(QCoreApplication::translate("Documents", "be searched"));

    QList<Source> out;
    for (Hit& h : merged) {
        h.source.file = fileOf.value(h.document);
        out.append(std::move(h.source));
    }
    std::sort(out.begin(), out.end(), [](const Source& a, const Source& b) {
        if (a.score != b.score)
            return a.score > b.score;
        if (a.file != b.file)
            return a.file < b.file;
        return a.start < b.start;
    });
    if (out.size() > options.topK)
        out.resize(options.topK);
    return out;
}

}   // namespace causerie::documents
