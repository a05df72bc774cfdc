#pragma once
// A session's KV state outside the backend: the cached token ids and the K/V rows computed for
// them, kept in memory (switching conversations) or in a file (across restarts). Restoring it
// makes the next generate() prefill only what follows those tokens.
//
// Contract (the app and the CLI rely on it):
// - take_snapshot copies the rows of session.cached_tokens() out of the backend (CPU or CUDA);
//   the session is unchanged.
// - restore_snapshot checks that the snapshot was made for this model and this backend's context
//   and KV layout; on any mismatch it returns an error saying which field differs and leaves the
//   session empty (cleared), so the next generate() simply prefills from scratch.
// - write_snapshot writes `path + ".tmp"` and renames it over `path`: a crash leaves either the old
//   file or the new one, never a torn file.
// - read_snapshot (parse_snapshot for bytes in memory) validates the header (format version, model
//   fingerprint, architecture, n_ctx, KV type, layer count, token count, sizes) and the checksum
//   before returning; a truncated, corrupt, foreign or older-format file is an error naming the
//   reason, never a crash. Nothing is allocated before the sizes are checked against the file's.
#include "model.h"
#include "result.h"

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace causerie {

class Session;

// What a snapshot must match to be restored into a session.
struct KvStateFingerprint {
    std::string model;          // a cheap stable fingerprint of the model file (see model_fingerprint)
    std::string architecture;   // hp.architecture
    int64_t n_ctx = 0;          // the backend's context
    int64_t n_layer = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim = 0;
    int64_t value_dim = 0;
    std::string kv_type;   // "F16" or "Q8_0" (kv_type.h): the backend's BackendOptions::kv_type
};

struct KvSnapshot {
    KvStateFingerprint fingerprint;
    std::vector<int32_t> tokens;   // the cached ids, in order
    std::vector<uint8_t> rows;     // K/V rows for `tokens`, layout fixed by kv_type (kv_state.cpp)
    size_t bytes() const { return rows.size() + tokens.size() * sizeof(int32_t); }
};

// Same file → same string; a different file (other weights, other metadata) → a different one,
// with overwhelming probability. Cheap: does not read every weight byte.
std::string model_fingerprint(const Model& model);

// What a snapshot of `session` (running `model`) carries and what restore_snapshot requires.
KvStateFingerprint kv_state_fingerprint(Session& session, const Model& model);

Result<KvSnapshot> take_snapshot(Session& session, const Model& model);
Status restore_snapshot(Session& session, const Model& model, const KvSnapshot& snapshot);

// The first n tokens of `snapshot` and their rows (n <= its token count): what restoring only
// the prefix a new prompt shares with it needs.
KvSnapshot snapshot_prefix(const KvSnapshot& snapshot, size_t n);

Status write_snapshot(const KvSnapshot& snapshot, const std::string& path);
Result<KvSnapshot> read_snapshot(const std::string& path);
// read_snapshot's checks on a file's bytes already in memory (the fuzz target; tests).
Result<KvSnapshot> parse_snapshot(std::span<const uint8_t> bytes);
// The checksum a snapshot file must end with, over `body` (every byte before those last 8), or
// nothing when body does not start with a whole header and its tokens. Lets tests and the fuzz
// target forge files whose checksum is right, to reach the checks that come after it.
std::optional<uint64_t> snapshot_checksum(std::span<const uint8_t> body);

// Several conversations' prefixes in memory: snapshots by key (a conversation id), the least
// recently used evicted first once there are more than max_count of them or their bytes()
// exceed max_bytes. Switching conversations is then a restore_snapshot, not a prefill. Not
// thread-safe: one owner (the engine thread).
class KvSnapshotCache {
public:
    KvSnapshotCache(size_t max_bytes, size_t max_count)
        : m_max_bytes(max_bytes)
        , m_max_count(max_count)
    {
    }

    // Stores (or replaces) the snapshot of `key` as the most recent one, then evicts. A snapshot
    // larger than max_bytes alone is not kept (and the older one of that key is dropped).
    void put(const std::string& key, KvSnapshot snapshot);
    // The snapshot of `key`, now the most recent; nullptr when absent. Valid until the next put,
    // erase, clear or set_limits.
    const KvSnapshot* get(const std::string& key);
    void erase(const std::string& key);
    void clear();
    void set_limits(size_t max_bytes, size_t max_count);

    size_t size() const { return m_entries.size(); }
    size_t bytes() const { return m_bytes; }   // sum of the snapshots' bytes()

private:
    void evict();

    struct Entry {
        std::string key;
        KvSnapshot snapshot;
    };
    std::list<Entry> m_entries;   // most recent first
    size_t m_bytes = 0;
    size_t m_max_bytes;
    size_t m_max_count;
};

}   // namespace causerie
