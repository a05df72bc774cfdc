// Fuzz target: importing a conversation export (JSON, a file the user picked) into the store,
// a real SQLite database in a temporary folder (on /dev/shm when it exists, for speed).
// Invariants: a bad file is a clean error; an imported conversation exports, that export
// imports again, and exporting the copy gives the same bytes (the round trip
// tst_conversationstore checks on conversations the app wrote). Both copies are then deleted
// for good, so the database stays small.
#include "fuzz_common.h"

#include "conversationstore.h"

#include <QCoreApplication>
#include <QDir>
#include <QTemporaryDir>

#include <filesystem>
#include <memory>

using causerie::storage::ConversationStore;

namespace {

// Never destroyed, like the application: its folder is removed by an exit handler (plain C++,
// Qt's globals may be gone by then).
QTemporaryDir* g_dir = nullptr;
std::string g_dirPath;
ConversationStore* g_store = nullptr;

void forget(qint64 id)
{
    FUZZ_CHECK(g_store->deleteConversation(id).ok());
    auto purged = g_store->purgeDeleted();
    FUZZ_CHECK(purged.ok() && purged.value() == 1);
}

}   // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    // Never destroyed: at exit Qt's own globals are gone before a static's destructor would run.
    if (!QCoreApplication::instance())
        new QCoreApplication(*argc, *argv);
    if (g_store)
        return 0;
    const QString base = QDir(QStringLiteral("/dev/shm")).exists() ? QStringLiteral("/dev/shm") : QDir::tempPath();
    g_dir = new QTemporaryDir(base + QStringLiteral("/causerie-fuzz-XXXXXX"));
    g_dir->setAutoRemove(false);
    g_dirPath = g_dir->path().toStdString();
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(g_dirPath, ignored);
    });
    ConversationStore::Options options;
    options.undoWindowMs = 0;
    options.clock = [] {   // strictly increasing, so a deletion is always in the past at the purge
        static qint64 t = 1'700'000'000'000;
        return ++t;
    };
    auto store = ConversationStore::open(g_dir->filePath(QStringLiteral("fuzz.sqlite")), options);
    if (!store) {
        std::fprintf(stderr, "fuzz_conversation_import: %s\n", qPrintable(store.error().message));
        std::abort();
    }
    g_store = store.value().release();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray json(reinterpret_cast<const char*>(data), qsizetype(size));
    auto imported = g_store->importJson(json);
    if (!imported) {
        FUZZ_CHECK(!imported.error().message.isEmpty());
        return 0;
    }
    auto exported = g_store->exportJson(imported.value());
    FUZZ_CHECK(exported.ok());
    auto again = g_store->importJson(exported.value());
    FUZZ_CHECK(again.ok());
    auto exportedAgain = g_store->exportJson(again.value());
    FUZZ_CHECK(exportedAgain.ok() && exportedAgain.value() == exported.value());
    forget(imported.value());
    forget(again.value());
    return 0;
}
