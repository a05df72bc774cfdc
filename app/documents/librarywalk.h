#pragma once
// The files of a library folder: every supported document under it (hidden entries skipped),
// sorted. Followed symbolic links that lead back to a folder already walked (a loop), unreadable
// folders and dangling links are reported as issues and skipped; the rest of the walk goes on.
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

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

// `cancelled` is asked before each folder; a cancelled walk returns what it found so far.
WalkResult walkLibrary(const QString& folder, const std::function<bool()>& cancelled = {});

}   // namespace causerie::documents
