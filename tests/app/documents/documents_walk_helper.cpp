// Child process of tst_indexer: walks a library folder and prints what it found, one line each
// ("file\tPATH", "issue\tPATH\tMESSAGE", "root-unreadable"). The test runs it as an unprivileged
// user, because root reads every folder whatever its mode.
#include "librarywalk.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: documents_walk_helper FOLDER\n");
        return 2;
    }
    const auto walk = causerie::documents::walkLibrary(QString::fromLocal8Bit(argv[1]));
    for (const QString& f : walk.files)
        std::printf("file\t%s\n", qPrintable(f));
    for (const auto& i : walk.issues)
        std::printf("issue\t%s\t%s\n", qPrintable(i.path), qPrintable(i.message));
    if (walk.rootUnreadable)
        std::printf("root-unreadable\n");
    return 0;
}
