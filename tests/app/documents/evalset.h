#pragma once
// The retrieval evaluation set (tests/data/documents/licenses_eval.json): its documents indexed
// together, each question searched, "right" when a top-K source comes from the expected file and
// holds the expected answer (whitespace collapsed). Shared by tst_docindex and the benchmark.
#include "docindex.h"
#include "libraryindexer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace evalset {

struct Question {
    QString file;
    QString question;
    QString answer;
};

struct Outcome {
    int asked = 0;
    int right = 0;
    QStringList missed;   // the questions not answered in the top K
    QString error;        // set when the set could not be run
};

inline QString licensesDir() { return QStringLiteral("/usr/share/common-licenses"); }

inline Outcome run(causerie::documents::DocIndex& index, const QString& jsonPath, int topK = 5)
{
    using namespace causerie::documents;
    Outcome out;
    QFile f(jsonPath);
    if (!f.open(QIODevice::ReadOnly)) {
        out.error = QStringLiteral("cannot read ") + jsonPath;
        return out;
    }
    const QJsonObject set = QJsonDocument::fromJson(f.readAll()).object();
    QStringList files;
    for (const QJsonValue& v : set.value(QStringLiteral("documents")).toArray())
        files << QDir(licensesDir()).filePath(v.toString());
    for (const QString& file : files) {
        if (!QFileInfo::exists(file)) {
            out.error = file + QStringLiteral(" is missing (Debian's base-files ships it)");
            return out;
        }
    }
    const IndexReport report = indexFiles(index, QStringLiteral("eval"), files);
    if (report.failed > 0) {
        out.error = report.issues.value(0).message;
        return out;
    }
    for (const QJsonValue& v : set.value(QStringLiteral("questions")).toArray()) {
        const QJsonObject q = v.toObject();
        const QString expectedFile = QDir(licensesDir()).filePath(q.value(QStringLiteral("file")).toString());
        const QString answer = q.value(QStringLiteral("answer")).toString().simplified();
        const QString question = q.value(QStringLiteral("question")).toString();
        SearchOptions options;
        options.topK = topK;
        auto sources = index.search(question, {QStringLiteral("eval")}, options);
        ++out.asked;
        bool found = false;
        for (const Source& s : sources ? sources.value() : QList<Source>())
            found = found || (s.file == expectedFile && s.text.simplified().contains(answer));
        if (found)
            ++out.right;
        else
            out.missed << question;
    }
    return out;
}

}   // namespace evalset
