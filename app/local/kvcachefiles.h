#pragma once
// Each conversation's KV state in a file of its own, `<folder>/<conversation id>.kv`, kept under
// a size budget: the least recently used files (modification time, renewed when a file is read)
// go first. Engine thread only (EngineWorker); the GUI asks it through the worker.
//
// A file is a cache, never the truth: one that cannot be read back (truncated, corrupt, another
// format version) is deleted and logged, and the conversation is answered from scratch.
#include "engine/kv_state.h"

#include <QString>

#include <optional>

class KvCacheFiles {
public:
    // An empty folder: nothing is ever read or written (the CLI, most tests).
    explicit KvCacheFiles(const QString& folder = {});

    static constexpr qint64 kDefaultBudget = qint64(2) << 30;   // 2 GiB

    void setFolder(const QString& folder);
    QString folder() const { return m_folder; }
    bool enabled() const { return !m_folder.isEmpty(); }
    // Bytes the files may take together; 0 keeps none. Applied at once.
    void setBudget(qint64 bytes);
    qint64 budget() const { return m_budget; }

    QString pathFor(qint64 conversationId) const;
    // Writes (replacing) the conversation's file, then removes the least recently used others
    // beyond the budget. A state larger than the whole budget is not written (and an older file
    // of it is removed: it would be stale). false (logged) when nothing was written: an
    // unwritable folder, a full disk.
    bool write(qint64 conversationId, const causerie::KvSnapshot& snapshot);
    // The conversation's saved state; nullopt when there is none or it was unreadable (then the
    // file is deleted, the reason logged).
    std::optional<causerie::KvSnapshot> read(qint64 conversationId);
    // Deletes the conversation's file (a deleted conversation, a state the model refused);
    // `why` is logged when given.
    void remove(qint64 conversationId, const QString& why = {});
    // Deletes every cache file (and a half-written one a crash left behind).
    void clear();
    // Bytes of the cache files on disk.
    qint64 size() const;
    // Removes the least recently used files until they fit the budget.
    void evictToBudget();

private:
    QString m_folder;
    qint64 m_budget = kDefaultBudget;
};
