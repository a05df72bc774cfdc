#pragma once
// The KV states of the conversations last switched away from, in memory, most recent first,
// bounded by a byte budget and a count: switching between two conversations restores one with
// a copy instead of a prefill. Engine thread only (EngineWorker).
#include "engine/kv_state.h"

#include <QtGlobal>

#include <list>
#include <optional>
#include <vector>

class KvSnapshotLru {
public:
    struct Entry {
        qint64 conversationId = 0;
        causerie::KvSnapshot snapshot;
        bool saved = false;   // its file holds this very state (nothing to write when it goes)
    };

    // 25% of the free RAM, at most 2 GiB (and at least nothing when the free RAM is unknown).
    static size_t defaultByteBudget();
    static constexpr int kDefaultMaxCount = 8;

    void setLimits(size_t maxBytes, int maxCount);
    size_t maxBytes() const { return m_maxBytes; }
    int maxCount() const { return m_maxCount; }

    // Puts `entry` first (replacing the conversation's older one) and returns what no longer
    // fits, least recent first: the caller writes those not saved yet. An entry larger than the
    // whole budget comes straight back.
    [[nodiscard]] std::vector<Entry> put(Entry entry);
    // Moves the conversation's state out (into the session); nullopt when not held.
    std::optional<Entry> take(qint64 conversationId);
    bool remove(qint64 conversationId);
    // Everything, most recent first, leaving it empty (quit, another model).
    std::vector<Entry> takeAll();
    // Marks every entry saved (the cache was cleared: nothing is to be written back).
    void markAllSaved();

    bool contains(qint64 conversationId) const;
    int count() const { return int(m_entries.size()); }
    size_t bytes() const { return m_bytes; }

private:
    std::vector<Entry> evict();

    std::list<Entry> m_entries;   // front: most recently used
    size_t m_bytes = 0;
    size_t m_maxBytes = 0;
    int m_maxCount = kDefaultMaxCount;
};
