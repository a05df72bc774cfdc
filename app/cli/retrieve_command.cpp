#include "retrieve_command.h"

#include "args.h"
#include "docindex.h"
#include "embedder.h"
#include "engine_commands.h"
#include "json.h"
#include "libraryindexer.h"

#include <QCoreApplication>
#include <QTemporaryDir>

#include <cstdio>

namespace causerie::cli {

namespace {

std::string utf8(const QString& s) { return s.toStdString(); }

void printJson(const QList<documents::Source>& sources)
{
    JsonWriter w;
    w.begin_object().key("sources").begin_array();
    for (const documents::Source& s : sources) {
        w.begin_object().key("file").value(utf8(s.file)).key("page");
        if (s.page > 0)
            w.value(s.page);
        else
            w.null();
        w.key("heading").value(utf8(s.heading)).key("start").value(s.start).key("end").value(s.end);
        w.key("score").value(s.score, "%.6g").key("text").value(utf8(s.text)).end_object();
    }
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
}

void printText(const QList<documents::Source>& sources)
{
    if (sources.isEmpty()) {
        std::printf("no source matches the query\n");
        return;
    }
    int n = 0;
    for (const documents::Source& s : sources) {
        std::string where = utf8(s.file);
        if (s.page > 0)
            where += ", page " + std::to_string(s.page);
        if (!s.heading.isEmpty())
            where += " — " + utf8(s.heading);
        std::printf("%d. %s  (score %.4g, characters %lld–%lld)\n", ++n, where.c_str(), s.score,
                    static_cast<long long>(s.start), static_cast<long long>(s.end));
        QString text = s.text.simplified();
        if (text.size() > 400)
            text = text.left(400) + QStringLiteral("…");
        std::printf("   %s\n\n", utf8(text).c_str());
    }
}

}   // namespace

int cmd_retrieve(int argc, char** argv, const std::vector<std::string>& args)
{
    // --doc repeats, which Args does not keep: take them out first.
    QStringList docs;
    std::vector<std::string> rest;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--doc") {
            if (i + 1 >= args.size())
                return fail("option --doc needs a file");
            docs << QString::fromStdString(args[++i]);
        } else {
            rest.push_back(args[i]);
        }
    }
    Args a(rest, {"json"});
    if (!a.ok())
        return fail(a.error());
    if (const auto unknown = a.unknown({"query", "top", "json", "embed-model", "threads"}); !unknown.empty())
        return fail("unknown option --" + unknown.front());
    if (!a.positional().empty())
        return fail("unexpected argument '" + a.positional().front() + "' (documents are given with --doc FILE)");
    if (docs.isEmpty())
        return fail("retrieve needs at least one --doc FILE");
    if (!a.has("query") || a.get("query").empty())
        return fail("retrieve needs --query TEXT");
    std::string error;
    const auto top = a.get_int("top", &error);
    if (!error.empty())
        return fail(error);
    if (top && (*top < 1 || *top > 1000))
        return fail("option --top expects a number from 1 to 1000");
    const auto threads = a.get_int("threads", &error);
    if (!error.empty())
        return fail(error);
    if (a.has("embed-model") && a.get("embed-model").empty())
        return fail("option --embed-model needs a GGUF embedding model");

    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    if (!dir.isValid())
        return fail("could not create a temporary folder: " + utf8(dir.errorString()));
    auto index = documents::DocIndex::open(dir.filePath(QStringLiteral("retrieve.db")));
    if (!index)
        return fail(utf8(index.error().message));
    const QString library = QStringLiteral("cli");
    const documents::IndexReport report = documents::indexFiles(*index.value(), library, docs);
    for (const documents::IndexIssue& issue : report.issues)
        std::fprintf(stderr, "warning: %s\n", utf8(issue.message).c_str());
    if (report.indexed + report.unchanged == 0)
        return fail("no document could be read");

    documents::SearchOptions options;
    options.topK = top ? int(*top) : 5;
    const QString query = QString::fromStdString(a.get("query"));
    if (a.has("embed-model")) {
        // Hybrid ranking, as the app with a local embedding model: every chunk embedded, then the
        // question, then BM25 and vector candidates fused (docindex.h).
        auto embedder = documents::LocalTextEmbedder::open(QString::fromStdString(a.get("embed-model")),
                                                           threads ? int(*threads) : 0);
        if (!embedder)
            return fail(utf8(embedder.error().message));
        const documents::EmbedReport embedded = documents::embedPending(*index.value(), *embedder.value());
        if (!embedded.error.isEmpty())
            return fail(utf8(embedded.error));
        auto question = embedder.value()->embed({query});
        if (!question)
            return fail(utf8(question.error().message));
        options.embedModel = embedder.value()->modelId();
        options.queryVector = question.value().at(0);
    }
    auto sources = index.value()->search(query, {library}, options);
    if (!sources)
        return fail(utf8(sources.error().message));
    if (a.has("json"))
        printJson(sources.value());
    else
        printText(sources.value());
    return 0;
}

}   // namespace causerie::cli
