#include "librarywalk.h"

#include "extract.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSet>

#ifdef Q_OS_UNIX
#include <dirent.h>
#endif

namespace causerie::documents {

namespace {

constexpr int kMaxDepth = 64;

// QDir lists an unreadable folder as empty; ask the system so that it can be told apart.
bool canList(const QString& dir)
{
#ifdef Q_OS_UNIX
    DIR* d = ::opendir(QFile::encodeName(dir).constData());
    if (!d)
        return false;
    ::closedir(d);
    return true;
#else
    return QFileInfo(dir).isReadable();
#endif
}

}   // namespace

WalkResult walkLibrary(const QString& folder, const std::function<bool()>& cancelled)
{
    WalkResult out;
    const QFileInfo root(folder);
    if (!root.exists() || !root.isDir() || !canList(folder)) {
        out.rootUnreadable = true;
        const QString why =
            !root.exists() ? QCoreApplication::translate("Documents", "The library folder %1 does not exist.")
            : !root.isDir()
                ? QCoreApplication::translate("Documents", "%1 is not a folder.")
                : QCoreApplication::translate("Documents", "The library folder %1 cannot be read (permission denied).");
        out.issues.append({folder, why.arg(folder)});
        return out;
    }
    struct Pending {
        QString path;
        int depth;
    };
    QSet<QString> visited{root.canonicalFilePath()};
    QList<Pending> stack{{root.absoluteFilePath(), 0}};
    while (!stack.isEmpty()) {
        if (cancelled && cancelled())
            break;
        const Pending dir = stack.takeLast();
        if (dir.depth > 0 && !canList(dir.path)) {
            out.issues.append({dir.path, QCoreApplication::translate(
                                             "Documents", "The folder %1 cannot be read (permission denied); skipped.")
                                             .arg(dir.path)});
            continue;
        }
        const QFileInfoList entries =
            QDir(dir.path).entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System, QDir::Name);
        for (const QFileInfo& e : entries) {
            if (e.isSymLink() && !e.exists()) {
                out.issues.append(
                    {e.filePath(), QCoreApplication::translate("Documents", "%1 is a link to nothing (%2); skipped.")
                                       .arg(e.filePath(), e.symLinkTarget())});
                continue;
            }
            if (e.isDir()) {
                const QString canonical = e.canonicalFilePath();
                if (visited.contains(canonical)) {
                    out.issues.append(
                        {e.filePath(), QCoreApplication::translate(
                                           "Documents", "%1 leads back to %2 (a symbolic link loop); skipped.")
                                           .arg(e.filePath(), canonical)});
                    continue;
                }
                if (dir.depth + 1 > kMaxDepth) {
                    out.issues.append(
                        {e.filePath(),
                         QCoreApplication::translate("Documents", "%1 is nested too deep (over %2 folders); skipped.")
                             .arg(e.filePath())
                             .arg(kMaxDepth)});
                    continue;
                }
                visited.insert(canonical);
                stack.append({e.filePath(), dir.depth + 1});
            } else if (e.isFile() && isSupportedDocument(e.fileName())) {
                out.files.append(e.filePath());
            }
        }
    }
    out.files.sort();
    return out;
}

}   // namespace causerie::documents
