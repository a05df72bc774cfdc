#include "promptcontext.h"

#include "chunker.h"
#include "documentslog.h"
#include "embedder.h"

#include <QFileInfo>
#include <QJsonObject>

namespace causerie::documents {
namespace {

// Model-facing, not shown to the user: kept in English, which every model reads.
const QString kWholeInstructions =
    QStringLiteral("The user attached the documents below. Answer from them when they hold the answer, and cite "
                   "them by their numbers in brackets, like [1] or [2], with the page where one is given. Say so "
                   "when the documents do not hold the answer.");
const QString kRetrievedInstructions =
    QStringLiteral("Passages from the user's documents that may answer the question follow. Answer from them "
                   "when they hold the answer, and cite them by their numbers in brackets, like [1] or [2]. Say "
                   "so when they do not hold the answer.");

QString passageHeading(int number, const Source& s)
{
    QString h = QStringLiteral("[%1] %2").arg(number).arg(s.file);
    if (s.page > 0)
        h += QStringLiteral(", page %1").arg(s.page);
    if (!s.heading.isEmpty())
        h += QStringLiteral(", \"%1\"").arg(s.heading);
    return h;
}

}   // namespace

qint64 estimateTokens(const QString& text) { return (qint64(text.size()) + 3) / 4; }

ExtractedDocument documentFromText(const QString& text, const QJsonArray& sections)
{
    ExtractedDocument doc;
    for (const QJsonValue& v : sections) {
        const QJsonObject o = v.toObject();
        const qint64 start = qBound<qint64>(0, o.value(QLatin1String("start")).toInteger(), text.size());
        const qint64 end = qBound<qint64>(start, o.value(QLatin1String("end")).toInteger(), text.size());
        doc.sections.append({int(o.value(QLatin1String("page")).toInteger(0)),
                             o.value(QLatin1String("heading")).toString(), text.mid(start, end - start)});
    }
    if (doc.sections.isEmpty())
        doc.sections.append({0, QString(), text});
    return doc;
}

QJsonArray sectionOffsets(const ExtractedDocument& document)
{
    QJsonArray out;
    qint64 at = 0;
    for (const Section& s : document.sections) {
        out.append(QJsonObject{{QStringLiteral("page"), s.page > 0 ? QJsonValue(s.page) : QJsonValue()},
                               {QStringLiteral("heading"), s.heading},
                               {QStringLiteral("start"), at},
                               {QStringLiteral("end"), at + s.text.size()}});
        at += s.text.size() + 2;   // fullText joins sections with "\n\n"
    }
    return out;
}

DocStatus indexDocument(DocIndex& index, const QString& library, const QString& path, const QString& sha256,
                        const ExtractedDocument& document)
{
    FileRecord file;
    file.path = path;
    file.sha256 = sha256;
    file.size = fullText(document).size();
    const auto known = index.file(library, path);
    if (known && known->sha256 == sha256 && known->error.isEmpty())
        return DocOk{};
    const QList<Chunk> chunks = index.hasDocument(sha256) ? QList<Chunk>() : chunkDocument(document);
    return index.putFile(file, library, formatName(document.format), chunks);
}

ContextPlan planContext(const ContextRequest& request, const TokenCounter& countTokens)
{
    const TokenCounter count = countTokens ? countTokens : TokenCounter(estimateTokens);
    ContextPlan plan;
    if (request.documents.isEmpty() && !request.librariesTicked)
        return plan;

    // Whole: every attachment, in the order attached, its name as a heading.
    if (!request.librariesTicked) {
        QString text = kWholeInstructions;
        qint64 tokens = count(text);
        QList<Source> sources;
        QStringList paths;
        for (const ContextDocument& d : request.documents) {
            const QString body = fullText(d.document);
            Source s;
            s.file = d.name;
            s.end = body.size();
            s.text = body.left(300);
            sources.append(s);
            paths.append(d.path);
            const QString part = QStringLiteral("\n\n## [%1] %2\n\n%3").arg(sources.size()).arg(d.name, body);
            tokens += d.tokens >= 0
                          ? d.tokens + count(QStringLiteral("\n\n## [%1] %2\n\n").arg(sources.size()).arg(d.name))
                          : count(part);
            text += part;
        }
        if (tokens <= request.budgetTokens) {
            plan.mode = ContextPlan::Whole;
            plan.systemText = text;
            plan.sources = sources;
            plan.paths = paths;
            plan.tokens = tokens;
            return plan;
        }
    }

    // Retrieved: the best passages while the budget holds them.
    if (!request.index || request.libraries.isEmpty())
        return plan;
    SearchOptions options;
    options.topK = request.topK;
    if (request.embedder) {
        // Hybrid ranking; if the question cannot be embedded, the words alone still answer.
        auto vector = request.embedder->embed({request.question});
        if (vector && vector->size() == 1) {
            options.embedModel = request.embedder->modelId();
            options.queryVector = vector->first();
        } else {
            qCWarning(lcDocuments) << "the question was not embedded, BM25 alone:" << vector.errorString();
        }
    }
    auto found = request.index->search(request.question, request.libraries, options);
    if (!found && !options.embedModel.isEmpty()) {
        qCWarning(lcDocuments) << "hybrid search failed, BM25 alone:" << found.errorString();
        options.embedModel.clear();
        options.queryVector.clear();
        found = request.index->search(request.question, request.libraries, options);
    }
    if (!found || found->isEmpty())
        return plan;
    QString text = kRetrievedInstructions;
    qint64 tokens = count(text);
    for (const Source& hit : std::as_const(found.value())) {
        Source s = hit;
        // The index knows files by path; the model and the user by name (an attachment's name).
        QString name = QFileInfo(hit.file).fileName();
        for (const ContextDocument& d : request.documents) {
            if (!d.path.isEmpty() && d.path == hit.file)
                name = d.name;
        }
        s.file = name;
        const QString heading = passageHeading(int(plan.sources.size()) + 1, s);
        QString part = QStringLiteral("\n\n%1\n%2").arg(heading, hit.text);
        qint64 cost = count(part);
        if (tokens + cost > request.budgetTokens) {
            if (!plan.sources.isEmpty())
                break;
            // The best passage alone is over the budget (a tiny context): its start, cut to fit.
            QString cut = hit.text;
            while (cut.size() > 80 && tokens + cost > request.budgetTokens) {
                cut.truncate(cut.size() * 3 / 4);
                part = QStringLiteral("\n\n%1\n%2…").arg(heading, cut);
                cost = count(part);
            }
            s.text = cut;
        }
        text += part;
        tokens += cost;
        plan.sources.append(s);
        plan.paths.append(hit.file);
    }
    plan.mode = ContextPlan::Retrieved;
    plan.questionText = text;
    plan.tokens = tokens;
    return plan;
}

}   // namespace causerie::documents
