// Search, Markdown/JSON export and JSON import of the conversation store.
#include "attachmentjson.h"
#include "conversationstore.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <limits>

namespace causerie::storage {
namespace {

// Markers SQLite puts around each match in a snippet; removed before the text leaves the store.
constexpr QChar kMatchOpen = QChar(0x02);
constexpr QChar kMatchClose = QChar(0x03);

bool isSearchable(const QString& word)
{
    for (QChar c : word) {
        if (c.isLetterOrNumber())
            return true;
    }
    return false;
}

SearchHit parseSnippet(const QString& marked)
{
    SearchHit hit;
    int start = -1;
    for (QChar c : marked) {
        if (c == kMatchOpen) {
            start = int(hit.snippet.size());
        } else if (c == kMatchClose) {
            if (start >= 0)
                hit.matches.append({start, int(hit.snippet.size()) - start});
            start = -1;
        } else {
            hit.snippet.append(c);
        }
    }
    return hit;
}

// A row of the message search or the title search: message id (0 for a title), conversation id,
// title, the text with its matches marked, 1 when the title matched.
SearchHit readSearchHit(const Statement& st)
{
    SearchHit hit = parseSnippet(st.text(3));
    hit.messageId = st.int64(0);
    hit.conversationId = st.int64(1);
    hit.conversationTitle = st.text(2);
    hit.inTitle = st.int64(4) != 0;
    return hit;
}

QJsonValue optionalJson(const std::optional<qint64>& v) { return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null); }

QJsonValue optionalJson(const std::optional<double>& v) { return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null); }

QJsonValue textOrNull(const QString& s) { return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s); }

constexpr char kFormat[] = "causerie.conversation";
// In an imported conversation's settings: where it was answered, {"backend", "model"}. Shown,
// never used to answer (see importJson).
constexpr char kImportedFrom[] = "imported_from";
constexpr int kFormatVersion = 1;

// Strict readers for import: each failure names the field and the message index.
struct Reader {
    QString error;

    QString where(int index, const char* field) const
    {
        return index < 0 ? QStringLiteral("field \"%1\"").arg(QLatin1String(field))
                         : QStringLiteral("messages[%1].%2").arg(index).arg(QLatin1String(field));
    }
    QString text(const QJsonObject& o, const char* field, int index, bool nullable)
    {
        const QJsonValue v = o.value(QLatin1String(field));
        if (v.isString())
            return v.toString();
        if ((v.isNull() || v.isUndefined()) && nullable)
            return {};
        fail(QStringLiteral("%1 must be a string").arg(where(index, field)));
        return {};
    }
    std::optional<qint64> integer(const QJsonObject& o, const char* field, int index, bool nullable)
    {
        const QJsonValue v = o.value(QLatin1String(field));
        if ((v.isNull() || v.isUndefined()) && nullable)
            return std::nullopt;
        // toInteger() only accepts whole numbers that fit in 64 bits.
        constexpr qint64 bad = std::numeric_limits<qint64>::min();
        const qint64 n = v.toInteger(bad);
        if (!v.isDouble() || n == bad) {
            fail(QStringLiteral("%1 must be a whole number").arg(where(index, field)));
            return std::nullopt;
        }
        return n;
    }
    std::optional<double> real(const QJsonObject& o, const char* field, int index)
    {
        const QJsonValue v = o.value(QLatin1String(field));
        if (v.isNull() || v.isUndefined())
            return std::nullopt;
        if (!v.isDouble()) {
            fail(QStringLiteral("%1 must be a number").arg(where(index, field)));
            return std::nullopt;
        }
        return v.toDouble();
    }
    void fail(const QString& message)
    {
        if (error.isEmpty())
            error = message;
    }
};

}   // namespace

QString ftsQueryFromUserText(const QString& userText, bool prefixLast)
{
    // Each word becomes an FTS5 string ("..." with quotes doubled), so nothing a user types
    // (quotes, AND/OR/NOT, NEAR, *, ^, column filters) is read as syntax.
    const QStringList words = userText.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
    QStringList terms;
    QString last;
    for (const QString& word : words) {
        if (!isSearchable(word))
            continue;
        QString quoted = word;
        quoted.remove(kMatchOpen).remove(kMatchClose).remove(QChar(0));
        last = quoted;
        quoted.replace(QLatin1Char('"'), QLatin1String("\"\""));
        terms.append(QLatin1Char('"') + quoted + QLatin1Char('"'));
    }
    if (terms.isEmpty())
        return {};
    // Completing a 1-2 letter prefix would match most of the index; not worth it.
    if (prefixLast && !userText.back().isSpace() && last.size() >= 3)
        terms.back().append(QLatin1Char('*'));
    return terms.join(QLatin1Char(' '));
}

StoreResult<QList<SearchHit>> ConversationStore::searchFts(const QString& ftsQuery, int limit)
{
    // Newest first: FTS5 walks a term's rowids backwards and stops at the limit, so a common
    // word costs no more than a rare one (ranking every match by bm25 would).
    return database().list<SearchHit>("SELECT m.id, m.conversation_id, c.title, "
                                      "snippet(messages_fts, 0, char(2), char(3), '…', 16), 0 "
                                      "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
                                      "JOIN conversations c ON c.id = m.conversation_id "
                                      "WHERE messages_fts MATCH ?1 AND c.deleted_at IS NULL "
                                      "ORDER BY messages_fts.rowid DESC LIMIT ?2",
                                      readSearchHit, ftsQuery, qint64(limit));
}

// Titles through their own index (conversations_fts, schema 5): the newest conversations first,
// the last word completed as a prefix (3+ letters) as it is typed.
StoreResult<QList<SearchHit>> ConversationStore::searchTitles(const QString& userText, int limit)
{
    const QString query = ftsQueryFromUserText(userText, true);
    if (query.isEmpty() || limit <= 0)
        return QList<SearchHit>();
    return database().list<SearchHit>("SELECT 0, c.id, c.title, highlight(conversations_fts, 0, char(2), char(3)), 1 "
                                      "FROM conversations_fts JOIN conversations c ON c.id = conversations_fts.rowid "
                                      "WHERE conversations_fts MATCH ?1 AND c.deleted_at IS NULL "
                                      "ORDER BY conversations_fts.rowid DESC LIMIT ?2",
                                      readSearchHit, query, qint64(limit));
}

StoreResult<QList<SearchHit>> ConversationStore::search(const QString& userText, int limit)
{
    const QString exact = ftsQueryFromUserText(userText, false);
    if (exact.isEmpty())
        return QList<SearchHit>();
    auto failed = [&](const StoreError& e) {
        return StoreError{QStringLiteral("Search for \"%1\" failed. %2").arg(userText, e.message), e.sqliteCode};
    };
    auto titles = searchTitles(userText, limit);
    if (!titles)
        return failed(titles.error());
    auto hits = searchFts(exact, limit - int(titles->size()));
    if (!hits)
        return failed(hits.error());
    // Whole words first. Only if they do not fill the page is the last word completed as a
    // prefix: FTS5 has to merge the doclists of every word with that prefix, which for a
    // common word over a million messages costs ~100x a whole-word lookup.
    const QString prefix = ftsQueryFromUserText(userText, true);
    limit -= int(titles->size());
    if (hits->size() < limit && prefix != exact) {
        auto more = searchFts(prefix, limit);
        if (!more)
            return failed(more.error());
        QSet<qint64> seen;
        for (const SearchHit& h : std::as_const(*hits))
            seen.insert(h.messageId);
        for (SearchHit& h : *more) {
            if (hits->size() >= limit)
                break;
            if (!seen.contains(h.messageId))
                hits->append(std::move(h));
        }
    }
    return *titles + *hits;
}

StoreResult<QString> ConversationStore::exportMarkdown(qint64 conversationId)
{
    auto c = conversation(conversationId);
    if (!c)
        return c.error();
    auto path = activePath(conversationId);
    if (!path)
        return path.error();
    QString md = QStringLiteral("# %1\n\n").arg(c->title.isEmpty() ? QStringLiteral("Untitled") : c->title);
    if (!c->model.isEmpty())
        md += QStringLiteral("_Model: %1 (%2)_\n\n").arg(c->model, c->backend);
    if (!c->systemPrompt.isEmpty())
        md += QStringLiteral("## System prompt\n\n%1\n\n").arg(c->systemPrompt);
    for (const Message& m : path.value()) {
        const QString who = m.role == MessageRole::User        ? QStringLiteral("User")
                            : m.role == MessageRole::Assistant ? QStringLiteral("Assistant")
                                                               : QStringLiteral("System");
        md += QStringLiteral("## %1\n\n").arg(who);
        // Folded by GitHub and most viewers; as raw as the answer itself, but for the closing tag.
        if (!m.reasoning.isEmpty()) {
            // A "</details>" in the thinking itself would end the fold early: written as text.
            QString reasoning = m.reasoning;
            reasoning.replace(QStringLiteral("</details>"), QStringLiteral("&lt;/details&gt;"), Qt::CaseInsensitive);
            md += QStringLiteral("<details><summary>Thinking</summary>\n\n") + reasoning +
                  QStringLiteral("\n\n</details>\n\n");
        }
        md += m.content + QStringLiteral("\n\n");
        QStringList notes;
        if (m.status != MessageStatus::Done)
            notes << statusName(m.status);
        if (!m.errorText.isEmpty())
            notes << m.errorText;
        if (!m.stats.model.isEmpty())
            notes << m.stats.model;
        if (m.stats.completionTokens)
            notes << QStringLiteral("%1 tokens").arg(*m.stats.completionTokens);
        if (m.stats.tokensPerSecond)
            notes << QStringLiteral("%1 tok/s").arg(*m.stats.tokensPerSecond, 0, 'f', 1);
        if (m.stats.ttftMs)
            notes << QStringLiteral("%1 ms to first token").arg(*m.stats.ttftMs, 0, 'f', 0);
        if (!notes.isEmpty())
            md += QStringLiteral("_%1_\n\n").arg(notes.join(QStringLiteral(" · ")));
    }
    return md;
}

StoreResult<QByteArray> ConversationStore::exportJson(qint64 conversationId, const ExportOptions& options)
{
    auto c = conversation(conversationId);
    if (!c)
        return c.error();
    // Attachments and sources per message (schema 6), added to the messages that have some.
    QHash<qint64, QJsonArray> attached;
    QHash<qint64, QJsonArray> cited;
    {
        auto ids = database().prepare("SELECT id FROM messages WHERE conversation_id = ?1");
        if (!ids)
            return ids.error();
        ids->bind(1, conversationId);
        QList<qint64> messageIds;
        STORE_TRY(ids->forEachRow([&] { messageIds.append(ids->int64(0)); }));
        for (qint64 id : std::as_const(messageIds)) {
            auto list = attachments(id);
            if (!list)
                return list.error();
            for (const Attachment& a : std::as_const(*list)) {
                QByteArray bytes;
                if (options.includeFiles && a.hasBytes && a.size <= kMaxExportedFileBytes) {
                    auto b = attachmentBytes(a.id);
                    if (!b)
                        return b.error();
                    bytes = *b;
                }
                attached[id].append(attachmentToJson(a, bytes));
            }
            auto src = sources(id);
            if (!src)
                return src.error();
            for (const MessageSource& s : std::as_const(*src))
                cited[id].append(sourceToJson(s));
        }
    }
    static const QByteArray sql =
        "SELECT m.id, m.conversation_id, m.parent_id, m.role, m.content, m.status, m.created_at, "
        "m.updated_at, m.model, m.backend, m.prompt_tokens, m.completion_tokens, m.ttft_ms, "
        "m.tokens_per_second, m.finish_reason, m.error_text, m.reasoning, m.cached_tokens "
        "FROM messages m WHERE m.conversation_id = ?1 ORDER BY m.id";
    auto st = database().prepare(sql.constData());
    if (!st)
        return st.error();
    st->bind(1, conversationId);
    // Ids in the file are 1..n in message order, so an export does not depend on the database.
    QHash<qint64, qint64> local;
    QJsonArray messages;
    STORE_TRY(st->forEachRow([&] {
        const qint64 id = st->int64(0);
        local.insert(id, local.size() + 1);
        QJsonObject m;
        m[QLatin1String("id")] = local.value(id);
        m[QLatin1String("parent")] =
            st->isNull(2) ? QJsonValue(QJsonValue::Null) : QJsonValue(local.value(st->int64(2)));
        m[QLatin1String("role")] = st->text(3);
        m[QLatin1String("content")] = st->text(4);
        m[QLatin1String("status")] = st->text(5);
        m[QLatin1String("created_at")] = st->int64(6);
        m[QLatin1String("updated_at")] = st->int64(7);
        m[QLatin1String("model")] = textOrNull(st->text(8));
        m[QLatin1String("backend")] = textOrNull(st->text(9));
        m[QLatin1String("prompt_tokens")] = optionalJson(st->optionalInt64(10));
        m[QLatin1String("completion_tokens")] = optionalJson(st->optionalInt64(11));
        m[QLatin1String("ttft_ms")] = optionalJson(st->optionalReal(12));
        m[QLatin1String("tokens_per_second")] = optionalJson(st->optionalReal(13));
        m[QLatin1String("finish_reason")] = textOrNull(st->text(14));
        m[QLatin1String("error_text")] = textOrNull(st->text(15));
        // Only when there is some: exports of non-reasoning answers stay as they were.
        if (const QString reasoning = st->text(16); !reasoning.isEmpty())
            m[QLatin1String("reasoning")] = reasoning;
        // Likewise only when known: older exports and remote answers stay as they were.
        if (const auto cached = st->optionalInt64(17))
            m[QLatin1String("cached_tokens")] = *cached;
        // Only when there are some, like reasoning.
        if (attached.contains(id))
            m[QLatin1String("attachments")] = attached.value(id);
        if (cited.contains(id))
            m[QLatin1String("sources")] = cited.value(id);
        messages.append(m);
    }));
    QJsonObject root;
    root[QLatin1String("format")] = QLatin1String(kFormat);
    root[QLatin1String("version")] = kFormatVersion;
    root[QLatin1String("title")] = c->title;
    root[QLatin1String("created_at")] = c->createdAt;
    root[QLatin1String("updated_at")] = c->updatedAt;
    // An import still on the backend it opened with is exported with where it came from, as
    // it was read: export, import and export again give the same file.
    QString backend = c->backend;
    QString model = c->model;
    QJsonObject settings = c->settings;
    if (backend.isEmpty() && model.isEmpty() && settings.value(QLatin1String(kImportedFrom)).isObject()) {
        const QJsonObject origin = settings.take(QLatin1String(kImportedFrom)).toObject();
        backend = origin.value(QLatin1String("backend")).toString();
        model = origin.value(QLatin1String("model")).toString();
    }
    root[QLatin1String("pinned")] = c->pinned;
    root[QLatin1String("backend")] = backend;
    root[QLatin1String("model")] = model;
    root[QLatin1String("system_prompt")] = c->systemPrompt;
    root[QLatin1String("settings")] = settings;
    root[QLatin1String("active_leaf")] =
        local.contains(c->activeLeafId) ? QJsonValue(local.value(c->activeLeafId)) : QJsonValue(QJsonValue::Null);
    root[QLatin1String("messages")] = messages;
    // Only when in one: exports of conversations in no folder stay as they were.
    if (c->folderId != 0) {
        auto f = folder(c->folderId);
        if (!f)
            return f.error();
        QJsonObject folderJson{{QStringLiteral("name"), f->name}, {QStringLiteral("system_prompt"), f->systemPrompt}};
        // Its default documents, as attachments are exported (bytes only with includeFiles).
        auto files = readFolderFiles(database(), c->folderId, true);
        if (!files)
            return files.error();
        if (!files->isEmpty()) {
            QJsonArray list;
            for (const Attachment& a : std::as_const(*files)) {
                const bool withBytes = options.includeFiles && a.hasBytes && a.size <= kMaxExportedFileBytes;
                list.append(attachmentToJson(a, withBytes ? a.bytes : QByteArray()));
            }
            folderJson[QLatin1String("files")] = list;
        }
        root[QLatin1String("folder")] = folderJson;
    }
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

// One message of a checked export; ids are the file's own (the database gives new ones).
struct ImportedMessage {
    qint64 id = 0;
    std::optional<qint64> parent;   // an earlier message's file id
    MessageRole role = MessageRole::User;
    QString content;
    MessageStatus status = MessageStatus::Done;   // never Streaming
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    MessageStats stats;
    QString errorText;
    QString reasoning;
    QList<NewAttachment> attachments;
    QList<MessageSource> sources;
};

// A conversation export once checked (readExport): nothing left to refuse, only to write.
struct ImportedConversation {
    NewConversation conversation;   // backend and model cleared: see kImportedFrom
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    bool pinned = false;
    std::optional<qint64> activeLeaf;   // a file id among `messages`
    QList<ImportedMessage> messages;    // parents before their children
    QString folderName;                 // empty: in no folder (older exports have none)
    QString folderSystemPrompt;         // for a folder created by the import
    QList<NewAttachment> folderFiles;   // its default documents, for a folder created by the import
};

namespace {

// A conversation export read and checked entirely before anything is written: every field's
// kind, the roles and statuses, ids used once, parents before their children, the active leaf
// among the messages. The first problem found is the error, naming its field.
StoreResult<ImportedConversation> readExport(const QByteArray& json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
        return StoreError{QStringLiteral("The file is not a Causerie conversation export: %1 at "
                                         "byte %2.")
                              .arg(doc.isNull() ? parseError.errorString() : QStringLiteral("expected a JSON object"))
                              .arg(parseError.offset)};
    }
    const QJsonObject root = doc.object();
    if (root.value(QLatin1String("format")).toString() != QLatin1String(kFormat)) {
        return StoreError{QStringLiteral("The file is not a Causerie conversation export (its "
                                         "\"format\" is not \"%1\").")
                              .arg(QLatin1String(kFormat))};
    }
    if (root.value(QLatin1String("version")).toInt() != kFormatVersion) {
        return StoreError{QStringLiteral("The export has format version %1; this Causerie reads "
                                         "version %2.")
                              .arg(root.value(QLatin1String("version")).toVariant().toString())
                              .arg(kFormatVersion)};
    }
    Reader r;
    ImportedConversation in;
    NewConversation& nc = in.conversation;
    nc.title = r.text(root, "title", -1, false);
    nc.backend = r.text(root, "backend", -1, false);
    nc.model = r.text(root, "model", -1, false);
    nc.systemPrompt = r.text(root, "system_prompt", -1, false);
    if (!root.value(QLatin1String("settings")).isObject())
        r.fail(QStringLiteral("field \"settings\" must be an object"));
    nc.settings = root.value(QLatin1String("settings")).toObject();
    // Imports never choose a backend: a file naming an endpoint (even one of this machine's)
    // would otherwise have the next message sent there without the user choosing it. The
    // conversation opens on the local model; where it came from is kept as information.
    {
        QJsonObject origin;
        if ((!nc.backend.isEmpty() && nc.backend != QLatin1String("local")) || !nc.model.isEmpty()) {
            origin = {{QStringLiteral("backend"), nc.backend}, {QStringLiteral("model"), nc.model}};
            nc.backend.clear();
            nc.model.clear();
        } else {
            // Exported again after an import: the first origin, strings only.
            const QJsonObject was = nc.settings.value(QLatin1String(kImportedFrom)).toObject();
            if (was.value(QLatin1String("backend")).isString() && was.value(QLatin1String("model")).isString())
                origin = {{QStringLiteral("backend"), was.value(QLatin1String("backend"))},
                          {QStringLiteral("model"), was.value(QLatin1String("model"))}};
        }
        nc.settings.remove(QLatin1String(kImportedFrom));
        if (!origin.isEmpty())
            nc.settings.insert(QLatin1String(kImportedFrom), origin);
    }
    const auto createdAt = r.integer(root, "created_at", -1, false);
    const auto updatedAt = r.integer(root, "updated_at", -1, false);
    in.activeLeaf = r.integer(root, "active_leaf", -1, true);
    const QJsonValue pinned = root.value(QLatin1String("pinned"));
    if (!pinned.isBool())
        r.fail(QStringLiteral("field \"pinned\" must be true or false"));
    if (!root.value(QLatin1String("messages")).isArray())
        r.fail(QStringLiteral("field \"messages\" must be an array"));
    if (const QJsonValue folder = root.value(QLatin1String("folder")); !folder.isUndefined() && !folder.isNull()) {
        if (!folder.isObject()) {
            r.fail(QStringLiteral("field \"folder\" must be an object"));
        } else {
            const QJsonObject f = folder.toObject();
            const QJsonValue name = f.value(QLatin1String("name"));
            if (!name.isString() || name.toString().trimmed().isEmpty())
                r.fail(QStringLiteral("field \"folder.name\" must be a non-empty string"));
            const QJsonValue prompt = f.value(QLatin1String("system_prompt"));
            if (!prompt.isUndefined() && !prompt.isString())
                r.fail(QStringLiteral("field \"folder.system_prompt\" must be a string"));
            in.folderName = name.toString().trimmed();
            in.folderSystemPrompt = prompt.toString();
            if (r.error.isEmpty())
                r.fail(readFileListJson(f, QStringLiteral("folder"), "files", &in.folderFiles));
        }
    }
    if (!r.error.isEmpty())
        return StoreError{QStringLiteral("The conversation export is invalid: %1.").arg(r.error)};
    in.createdAt = *createdAt;
    in.updatedAt = *updatedAt;
    in.pinned = pinned.toBool();

    QSet<qint64> ids;   // the file ids seen so far
    const QJsonArray messages = root.value(QLatin1String("messages")).toArray();
    for (int i = 0; i < messages.size(); ++i) {
        if (!messages[i].isObject()) {
            return StoreError{QStringLiteral("The conversation export is invalid: messages[%1] "
                                             "must be an object.")
                                  .arg(i)};
        }
        const QJsonObject o = messages[i].toObject();
        const auto id = r.integer(o, "id", i, false);
        const auto parent = r.integer(o, "parent", i, true);
        const auto role = messageRoleFromString(r.text(o, "role", i, false));
        const QString content = r.text(o, "content", i, false);
        auto status = messageStatusFromString(r.text(o, "status", i, false));
        const auto created = r.integer(o, "created_at", i, false);
        const auto updated = r.integer(o, "updated_at", i, false);
        MessageStats s;
        s.model = r.text(o, "model", i, true);
        s.backend = r.text(o, "backend", i, true);
        s.promptTokens = r.integer(o, "prompt_tokens", i, true);
        s.completionTokens = r.integer(o, "completion_tokens", i, true);
        s.ttftMs = r.real(o, "ttft_ms", i);
        s.tokensPerSecond = r.real(o, "tokens_per_second", i);
        s.finishReason = r.text(o, "finish_reason", i, true);
        s.cachedTokens = r.integer(o, "cached_tokens", i, true);
        const QString errorText = r.text(o, "error_text", i, true);
        // Absent means none; present, it must be a string (null is not "none" in our exports).
        const QString reasoning = o.contains(QLatin1String("reasoning")) ? r.text(o, "reasoning", i, false) : QString();
        if (r.error.isEmpty() && !role)
            r.fail(QStringLiteral("messages[%1].role must be system, user or assistant").arg(i));
        if (r.error.isEmpty() && !status) {
            r.fail(QStringLiteral("messages[%1].status must be streaming, done, interrupted, "
                                  "error or cancelled")
                       .arg(i));
        }
        if (r.error.isEmpty() && !reasoning.isEmpty() && *role != MessageRole::Assistant) {
            r.fail(QStringLiteral("messages[%1].reasoning is only allowed on an assistant message "
                                  "(this one is %2)")
                       .arg(i)
                       .arg(roleName(*role)));
        }
        if (r.error.isEmpty() && ids.contains(*id))
            r.fail(QStringLiteral("messages[%1].id %2 is used twice").arg(i).arg(*id));
        // Parents must come first: this also rules out cycles.
        if (r.error.isEmpty() && parent && !ids.contains(*parent)) {
            r.fail(QStringLiteral("messages[%1].parent %2 is not an earlier message").arg(i).arg(*parent));
        }
        QList<NewAttachment> attachments;
        QList<MessageSource> sources;
        if (r.error.isEmpty())
            r.fail(readAttachmentsJson(o, i, *role == MessageRole::Assistant, &attachments, &sources));
        if (!r.error.isEmpty())
            return StoreError{QStringLiteral("The conversation export is invalid: %1.").arg(r.error)};
        // Nothing streams into an imported message.
        if (*status == MessageStatus::Streaming)
            status = MessageStatus::Interrupted;
        ids.insert(*id);
        in.messages.append(
            {*id, parent, *role, content, *status, *created, *updated, s, errorText, reasoning, attachments, sources});
    }

    if (in.activeLeaf && !ids.contains(*in.activeLeaf)) {
        return StoreError{QStringLiteral("The conversation export is invalid: active_leaf %1 is "
                                         "not one of its messages.")
                              .arg(*in.activeLeaf)};
    }
    return in;
}

}   // namespace

StoreResult<qint64> ConversationStore::importJson(const QByteArray& json)
{
    auto in = readExport(json);
    if (!in)
        return in.error();
    return insertImported(*in);
}

// The folder an import goes into: the one of that name (its own prompt kept), else a new one
// with the export's prompt and default documents. Inside insertImported's transaction; emits nothing.
StoreResult<qint64> ConversationStore::folderForImport(const QString& name, const QString& systemPrompt,
                                                       const QList<NewAttachment>& files)
{
    auto existing = folderNamed(name);
    if (!existing)
        return existing.error();
    if (existing->has_value())
        return existing->value().id;
    auto st = database().prepare("INSERT INTO folders (name, system_prompt, position, created_at) "
                                 "VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM folders), ?3)");
    if (!st)
        return st.error();
    if (auto r = st->bind(1, name).bind(2, systemPrompt).bind(3, now()).run(); !r)
        return r.error();
    const qint64 folderId = database().lastInsertRowId();
    for (const NewAttachment& a : files) {
        if (auto added = insertFolderFile(database(), folderId, a, now()); !added)
            return added.error();
    }
    return folderId;
}

// Writes a checked export (readExport) as a new conversation, in one transaction.
StoreResult<qint64> ConversationStore::insertImported(const ImportedConversation& in)
{
    const NewConversation& nc = in.conversation;
    Database::Transaction tx(database());
    if (auto b = tx.begin(); !b)
        return b.error();
    qint64 folderId = 0;
    if (!in.folderName.isEmpty()) {
        auto f = folderForImport(in.folderName, in.folderSystemPrompt, in.folderFiles);
        if (!f)
            return f.error();
        folderId = *f;
    }
    auto conv = database().prepare("INSERT INTO conversations (title, created_at, updated_at, pinned, backend, model, "
                                   "system_prompt, settings_json, folder_id) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!conv)
        return conv.error();
    conv->bind(1, nc.title).bind(2, in.createdAt).bind(3, in.updatedAt);
    conv->bind(4, qint64(in.pinned ? 1 : 0)).bind(5, nc.backend).bind(6, nc.model);
    conv->bind(7, nc.systemPrompt);
    conv->bind(8, QString::fromUtf8(QJsonDocument(nc.settings).toJson(QJsonDocument::Compact)));
    conv->bindIdOrNull(9, folderId);
    if (auto ran = conv->run(); !ran)
        return ran.error();
    const qint64 conversationId = database().lastInsertRowId();

    QHash<qint64, qint64> ids;   // file id -> database id
    for (const ImportedMessage& m : in.messages) {
        auto st =
            database().prepare("INSERT INTO messages (conversation_id, parent_id, role, content, status, created_at, "
                               "updated_at, model, backend, prompt_tokens, completion_tokens, ttft_ms, "
                               "tokens_per_second, finish_reason, error_text, reasoning, cached_tokens) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");
        if (!st)
            return st.error();
        st->bind(1, conversationId).bindIdOrNull(2, m.parent ? ids.value(*m.parent) : 0);
        st->bind(3, roleName(m.role)).bind(4, m.content).bind(5, statusName(m.status));
        st->bind(6, m.createdAt).bind(7, m.updatedAt);
        st->bindTextOrNull(8, m.stats.model).bindTextOrNull(9, m.stats.backend);
        st->bindOptional(10, m.stats.promptTokens).bindOptional(11, m.stats.completionTokens);
        st->bindOptional(12, m.stats.ttftMs).bindOptional(13, m.stats.tokensPerSecond);
        st->bindTextOrNull(14, m.stats.finishReason).bindTextOrNull(15, m.errorText).bind(16, m.reasoning);
        st->bindOptional(17, m.stats.cachedTokens);
        if (auto ran = st->run(); !ran)
            return ran.error();
        const qint64 messageId = database().lastInsertRowId();
        ids.insert(m.id, messageId);
        for (const NewAttachment& a : m.attachments) {
            if (auto added = insertAttachment(database(), messageId, a, now()); !added)
                return added.error();
        }
        STORE_TRY(insertSources(database(), messageId, m.sources));
    }
    auto leaf = database().prepare("UPDATE conversations SET active_leaf_id = ?2 WHERE id = ?1");
    if (!leaf)
        return leaf.error();
    leaf->bind(1, conversationId).bindIdOrNull(2, in.activeLeaf ? ids.value(*in.activeLeaf) : 0);
    if (auto ran = leaf->run(); !ran)
        return ran.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    if (folderId != 0)
        Q_EMIT foldersChanged();
    Q_EMIT conversationsChanged();
    return conversationId;
}

}   // namespace causerie::storage
