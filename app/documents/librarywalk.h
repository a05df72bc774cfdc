#pragma once
// The files of a library folder: every supported document under it (hidden entries skipped),
// sorted. Followed symbolic links that lead back to a folder already walked (a loop), unreadable
// folders and dangling links are reported as issues and skipped; the rest of the walk goes on.
#include <QList>
#include <QString>
#include <QStringList>

#include <atomic>

namespace causerie::documents {

struct IndexIssue {
    QString path;
    QString message;   // for the user, names the path
};

struct WalkResult {
    QStringList files;
    QList<IndexIssue> issues;
    bool rootUnreadable = false;   // the library folder itself: nothing could be listed
};

WalkResult walkLibrary(const QString& folder, const std::atomic_bool* cancel = nullptr);

}   // namespace causerie::documents
