#pragma once
// The conversations' cache files (KvCacheFiles), written off the engine thread. After an answer
// the engine thread only copies the state out of the session (take_snapshot) and queues it here;
// a thread of its own, at a lower priority, writes it. Engine thread only, except the writer.
//
// - Order: one writer, one queued state per conversation. A newer state of a conversation
//   replaces its queued older one; one already being written lands first, then the newer one.
// - Reads see the latest state: read() returns the pending (queued or being written) state from
//   memory when there is one, before looking at the file. It does not wait for the disk.
// - Memory: at most kMaxQueued states wait besides the one being written; queueing another
//   conversation's state while they are full waits for the writer (one write, ~1 s for 50 MB).
// - remove() and clear() drop what is queued for those conversations and wait for a write of
//   theirs in progress to end before deleting the files: no file comes back afterwards.
// - Writes, clear() and eviction run under one lock (remove() too while its conversation is
//   being written), so the budget is applied to the files as they are after each write. A read does not
//   take it: a conversation with a write in progress is read from memory, another one's file
//   is read at once.
// - The destructor writes what is pending, for at most kQuitWaitMs; then the queued states are
//   dropped and a write still in progress is left to end on its own (the process may exit
//   first: write_snapshot renames a finished temporary file, so a file is whole or absent).
#include "kvcachefiles.h"

#include "engine/kv_state.h"

#include <functional>
#include <memory>

class KvCacheWriter {
public:
    KvCacheWriter();
    ~KvCacheWriter();
    KvCacheWriter(const KvCacheWriter&) = delete;
    KvCacheWriter& operator=(const KvCacheWriter&) = delete;

    static constexpr int kMaxQueued = 2;
    static constexpr int kQuitWaitMs = 10000;

    void setFolder(const QString& folder);
    void setBudget(qint64 bytes);
    bool enabled() const;
    // Bytes of the cache files on disk (a write in progress counts once it is renamed).
    qint64 size() const;
    void evictToBudget();

    // Queues the conversation's state for its file (see the order above).
    void enqueue(qint64 conversationId, std::shared_ptr<const causerie::KvSnapshot> snapshot);
    // The conversation's latest state: pending in memory, else its file (KvCacheFiles::read).
    std::shared_ptr<const causerie::KvSnapshot> read(qint64 conversationId);
    void remove(qint64 conversationId, const QString& why = {});
    void clear();
    // Until nothing is queued or being written, at most `ms`; false when time ran out.
    bool waitIdle(int ms);

    // Called on the writer thread after each write (not after the destructor returned).
    void setOnWritten(std::function<void()> callback);

    // Tests: called on the writer thread with the conversation id before each write (a gate
    // the test opens holds the writer there). Set before the writers it concerns are made.
    static void setBeforeWriteHookForTests(std::function<void(qint64)> hook);

private:
    struct State;
    std::shared_ptr<State> m_state;   // shared with the writer thread, which may outlive us
};
