#pragma once
// Schema versions live in PRAGMA user_version. Each step is one function run inside its own
// transaction; a step that rebuilds a table is "destructive" and the file is copied first.
#include "database.h"

namespace causerie::storage {

constexpr int kSchemaVersion = 7;

struct MigrationReport {
    int fromVersion = 0;
    int toVersion = 0;
    QString backupPath;   // non-empty when a backup was written before a destructive step
};

// Refuses (without writing anything) a database newer than this build or one that is not
// Causerie's. Call before anything that writes (journal mode, recovery).
StoreResult<int> checkSchemaVersion(Database& db);

// Brings the database from its version up to `targetVersion` (tests migrate step by step).
StoreResult<MigrationReport> migrate(Database& db, int targetVersion = kSchemaVersion);

}   // namespace causerie::storage
