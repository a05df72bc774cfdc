#pragma once
// What the index tests (tst_docindex, tst_hybridsearch, tst_indexer) set up alike: a fresh index
// in a temporary folder for each test, and the record of a file put into it.
#include "docindex.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace docfixtures {

// For init(): a new temporary folder in `dir` and a new index file, documents.db, in it.
inline void openFreshIndex(std::unique_ptr<QTemporaryDir>& dir, std::unique_ptr<causerie::documents::DocIndex>& index)
{
    dir.reset(new QTemporaryDir);
    QVERIFY(dir->isValid());
    auto opened = causerie::documents::DocIndex::open(dir->filePath(QStringLiteral("documents.db")));
    QVERIFY2(opened.ok(), qPrintable(opened.errorString()));
    index = std::move(opened.value());
}

// A 100-byte file last modified at 1000 s, with this content hash.
inline causerie::documents::FileRecord record(const QString& path, const QString& sha)
{
    causerie::documents::FileRecord r;
    r.path = path;
    r.size = 100;
    r.mtime = 1000;
    r.sha256 = sha;
    return r;
}

}   // namespace docfixtures
