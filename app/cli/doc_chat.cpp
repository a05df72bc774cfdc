#include "doc_chat.h"

#include "chunker.h"
#include "docindex.h"
#include "extract.h"
#include "promptcontext.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFileInfo>
#include <QTemporaryDir>

#include <cstdio>

namespace causerie::cli {

struct DocChat::State {
    std::unique_ptr<QCoreApplication> app;   // Qt PDF wants one; the CLI has none for chat
    QTemporaryDir dir;
    std::unique_ptr<documents::DocIndex> index;
    QList<documents::ContextDocument> docs;
    QStringList libraries;
    long long budget = 0;
    Counter count;
};

DocChat::DocChat()
    : m_state(std::make_unique<State>())
{
}

DocChat::~DocChat() = default;

std::unique_ptr<DocChat> DocChat::open(const std::vector<std::string>& files, long long budgetTokens,
                                       Counter countTokens, std::string* error)
{
    std::unique_ptr<DocChat> chat(new DocChat);
    State& s = *chat->m_state;
    if (!QCoreApplication::instance()) {
        static int argc = 1;
        static char name[] = "causerie-cli";
        static char* argv[] = {name, nullptr};
        s.app = std::make_unique<QCoreApplication>(argc, argv);
    }
    s.budget = budgetTokens;
    s.count = std::move(countTokens);
    if (!s.dir.isValid()) {
        *error = "could not create a temporary folder: " + s.dir.errorString().toStdString();
        return nullptr;
    }
    auto index = documents::DocIndex::open(s.dir.filePath(QStringLiteral("chat.db")));
    if (!index) {
        *error = index.error().message.toStdString();
        return nullptr;
    }
    s.index = std::move(index).value();
    for (const std::string& f : files) {
        const QString path = QFileInfo(QString::fromStdString(f)).absoluteFilePath();
        auto doc = documents::extractFile(path);
        if (!doc) {
            std::fprintf(stderr, "warning: %s\n", doc.error().message.toUtf8().constData());
            continue;
        }
        const QString text = documents::fullText(doc.value());
        const QString sha =
            QString::fromLatin1(QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256).toHex());
        const QString library = QStringLiteral("doc:") + sha;
        if (auto st = documents::indexDocument(*s.index, library, path, sha, doc.value()); !st) {
            std::fprintf(stderr, "warning: %s\n", st.error().message.toUtf8().constData());
            continue;
        }
        s.libraries << library;
        documents::ContextDocument d;
        d.name = QFileInfo(path).fileName();
        d.path = path;
        d.document = doc.value();
        s.docs.append(d);
    }
    if (s.docs.isEmpty()) {
        *error = "no document could be read";
        return nullptr;
    }
    return chat;
}

DocChat::Turn DocChat::turn(const std::string& question)
{
    State& s = *m_state;
    documents::ContextRequest request;
    request.documents = s.docs;
    request.question = QString::fromStdString(question);
    request.budgetTokens = s.budget;
    request.index = s.index.get();
    request.libraries = s.libraries;
    const documents::ContextPlan plan = documents::planContext(request, [&](const QString& text) -> qint64 {
        return s.count ? s.count(text.toStdString()) : documents::estimateTokens(text);
    });
    Turn t;
    t.system = plan.systemText.toStdString();
    t.question = plan.questionText.isEmpty() ? question : plan.questionText.toStdString() + "\n\nQuestion: " + question;
    for (qsizetype i = 0; i < plan.sources.size(); ++i) {
        const documents::Source& src = plan.sources[i];
        std::string line = "[" + std::to_string(i + 1) + "] " + src.file.toStdString();
        if (src.page > 0)
            line += ", page " + std::to_string(src.page);
        t.sources.push_back(line);
    }
    return t;
}

}   // namespace causerie::cli
