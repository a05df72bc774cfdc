// KV snapshots (kv_state.h): the fingerprint, the copies through the backend, and the file.
//
// File layout (little-endian, version kFormatVersion):
//   magic "CAUSKVST"                     8 bytes
//   u32 format version, u32 0 (reserved)
//   str model fingerprint, str architecture, str kv_type    (each: u32 length, bytes)
//   i64 n_ctx, n_layer, n_head_kv, head_dim, value_dim
//   i64 token count n, u64 row bytes
//   n x i32 tokens
//   row bytes of K/V rows (ComputeBackend::read_kv's layout: per layer, n K rows then n V rows, F16)
//   u64 checksum of everything above (checksum_words over the header, the tokens, the rows)
#include "kv_state.h"

#include "kv_type.h"
#include "session.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>

namespace causerie {
namespace {

static_assert(std::endian::native == std::endian::little, "kv_state.cpp writes its numbers as they are in memory");

constexpr char kMagic[8] = {'C', 'A', 'U', 'S', 'K', 'V', 'S', 'T'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kMaxString = 4096;   // longest string field a reader accepts

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

// FNV-1a over bytes (the fingerprint's small fields).
uint64_t fnv1a(uint64_t h, const void* data, size_t size)
{
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) {
        h ^= p[i];
        h *= kFnvPrime;
    }
    return h;
}

// FNV-1a with 8-byte words instead of bytes (the tail bytewise): 8x fewer multiplications over
// hundreds of MB of rows. Each step (h ^ w) * prime is a bijection of h for a given w, so any
// change confined to one word always changes the result; a final mix spreads the high bits.
uint64_t checksum_words(uint64_t h, const void* data, size_t size)
{
    const auto* p = static_cast<const uint8_t*>(data);
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        h ^= w;
        h *= kFnvPrime;
    }
    h = fnv1a(h, p + i, size - i);
    h ^= h >> 29;
    return h;
}

std::string hex64(uint64_t v)
{
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

// A byte buffer the header is written to.
struct Writer {
    std::vector<uint8_t> bytes;
    void raw(const void* p, size_t n)
    {
        const auto* b = static_cast<const uint8_t*>(p);
        bytes.insert(bytes.end(), b, b + n);
    }
    void u32(uint32_t v) { raw(&v, 4); }
    void i64(int64_t v) { raw(&v, 8); }
    void u64(uint64_t v) { raw(&v, 8); }
    void str(const std::string& s)
    {
        u32(uint32_t(s.size()));
        raw(s.data(), s.size());
    }
};

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string errno_text() { return std::strerror(errno); }

// Where a snapshot's bytes come from: a file (read as they are needed, so a large file is never
// held twice) or bytes in memory. read() fills exactly n bytes or fails.
struct Source {
    std::FILE* f = nullptr;
    const uint8_t* data = nullptr;
    size_t size = 0;
    size_t pos = 0;

    bool read(void* p, size_t n)
    {
        if (n == 0)
            return true;
        if (f)
            return std::fread(p, 1, n, f) == n;
        if (n > size - pos)
            return false;
        std::memcpy(p, data + pos, n);
        pos += n;
        return true;
    }
};

// Reads the header's fields in order, failing with "truncated" at its end.
struct Reader {
    Source& src;
    uint64_t file_size;
    std::vector<uint8_t> header;   // every header byte read, for the checksum
    std::string error;

    bool raw(void* p, size_t n)
    {
        if (!error.empty())
            return false;
        if (!src.read(p, n)) {
            error = "truncated: the file ends inside its header (" + std::to_string(file_size) + " bytes)";
            return false;
        }
        const auto* b = static_cast<const uint8_t*>(p);
        header.insert(header.end(), b, b + n);
        return true;
    }
    uint32_t u32()
    {
        uint32_t v = 0;
        raw(&v, 4);
        return v;
    }
    int64_t i64()
    {
        int64_t v = 0;
        raw(&v, 8);
        return v;
    }
    uint64_t u64()
    {
        uint64_t v = 0;
        raw(&v, 8);
        return v;
    }
    std::string str(const char* what)
    {
        const uint32_t n = u32();
        if (!error.empty())
            return {};
        if (n > kMaxString) {
            error = std::string("corrupt header: the ") + what + " is " + std::to_string(n) + " bytes long (at most " +
                    std::to_string(kMaxString) + ")";
            return {};
        }
        std::string s(n, '\0');
        raw(s.data(), n);
        return s;
    }
};

// The bytes of one position's K row and V row in the fingerprint's KV type (F16 or Q8_0 blocks);
// false for another type or head sizes the type cannot hold.
bool row_sizes(const KvStateFingerprint& fp, uint64_t* k_row, uint64_t* v_row)
{
    const std::optional<KvType> type = parse_kv_type(fp.kv_type);
    if (!type || fp.kv_type != kv_type_name(*type) || fp.n_head_kv < 0 || fp.head_dim < 0 || fp.value_dim < 0 ||
        !kv_type_fits(*type, fp.head_dim, fp.value_dim))
        return false;
    *k_row = kv_row_bytes(*type, fp.n_head_kv * fp.head_dim);
    *v_row = kv_row_bytes(*type, fp.n_head_kv * fp.value_dim);
    return true;
}

// Row bytes of n tokens for a fingerprint (K and V over every layer, in its KV type).
bool expected_row_bytes(const KvStateFingerprint& fp, int64_t n, uint64_t* out)
{
    // Every factor is at most 2^20 (read_snapshot) or a real model's: checked in long double
    // so that a corrupt header cannot overflow the product.
    const long double b = (long double)n * fp.n_layer * fp.n_head_kv * (fp.head_dim + fp.value_dim) * 2;
    uint64_t k_row = 0, v_row = 0;
    if (n < 0 || b < 0 || b > (long double)(uint64_t(1) << 62) || !row_sizes(fp, &k_row, &v_row))
        return false;
    *out = uint64_t(n) * uint64_t(fp.n_layer) * (k_row + v_row);
    return true;
}

// The fields a snapshot must match, side by side: the first that differs, as a sentence.
std::string first_difference(const KvStateFingerprint& snap, const KvStateFingerprint& here)
{
    if (snap.model != here.model)
        return "made for another model (fingerprint " + snap.model + ", this model " + here.model + ")";
    if (snap.architecture != here.architecture)
        return "made for architecture " + snap.architecture + ", this model is " + here.architecture;
    if (snap.kv_type != here.kv_type)
        return "KV type " + snap.kv_type + ", this backend stores " + here.kv_type;
    if (snap.n_ctx != here.n_ctx)
        return "context " + std::to_string(snap.n_ctx) + ", this session " + std::to_string(here.n_ctx);
    const std::pair<const char*, std::pair<int64_t, int64_t>> dims[] = {
        {"layer count", {snap.n_layer, here.n_layer}},
        {"KV head count", {snap.n_head_kv, here.n_head_kv}},
        {"head size", {snap.head_dim, here.head_dim}},
        {"value size", {snap.value_dim, here.value_dim}},
    };
    for (const auto& [name, v] : dims)
        if (v.first != v.second)
            return std::string(name) + " " + std::to_string(v.first) + ", this model " + std::to_string(v.second);
    return {};
}

void hash_metadata_value(uint64_t& h, const GGUFFile& file, const std::string& key, const GGUFValue& v)
{
    h = fnv1a(h, key.data(), key.size());
    h = fnv1a(h, &v.type, sizeof v.type);
    switch (v.type) {
    case GGUFType::STRING: h = fnv1a(h, v.str.data(), v.str.size()); break;
    case GGUFType::ARRAY: {
        h = fnv1a(h, &v.elem_type, sizeof v.elem_type);
        h = fnv1a(h, &v.count, sizeof v.count);
        if (v.elem_type == GGUFType::STRING) {
            if (auto strings = file.get_string_array(key); strings.ok())
                for (std::string_view s : *strings) {
                    const uint64_t len = s.size();
                    h = fnv1a(fnv1a(h, &len, sizeof len), s.data(), s.size());
                }
            break;
        }
        size_t elem = 0;
        switch (v.elem_type) {
        case GGUFType::U8:
        case GGUFType::I8:
        case GGUFType::BOOL: elem = 1; break;
        case GGUFType::U16:
        case GGUFType::I16: elem = 2; break;
        case GGUFType::U32:
        case GGUFType::I32:
        case GGUFType::F32: elem = 4; break;
        case GGUFType::U64:
        case GGUFType::I64:
        case GGUFType::F64: elem = 8; break;
        default: break;
        }
        if (elem && v.elems)
            h = checksum_words(h, v.elems, size_t(v.count) * elem);
        break;
    }
    default:
        h = fnv1a(h, &v.u, sizeof v.u);
        h = fnv1a(h, &v.i, sizeof v.i);
        h = fnv1a(h, &v.f, sizeof v.f);
        break;
    }
}

}   // namespace

std::string model_fingerprint(const Model& model)
{
    // Two independent 64-bit hashes (different seeds) of: the file size and GGUF version, every
    // metadata key and value, every tensor's name, type, shape and offset, and 3 x 64 bytes of
    // each tensor's data (start, middle, end). A few hundred KB read even for a 7B model.
    const GGUFFile& file = model.file;
    uint64_t h[2] = {kFnvOffset, kFnvOffset ^ 0x9e3779b97f4a7c15ull};
    for (uint64_t& x : h) {
        const uint64_t size = file.file_size();
        const uint32_t version = file.version();
        x = fnv1a(x, &size, sizeof size);
        x = fnv1a(x, &version, sizeof version);
        for (const auto& [key, value] : file.metadata())
            hash_metadata_value(x, file, key, value);
        for (const GGUFTensor& t : file.tensors()) {
            x = fnv1a(x, t.name.data(), t.name.size());
            x = fnv1a(x, &t.type, sizeof t.type);
            x = fnv1a(x, t.ne, sizeof t.ne);
            x = fnv1a(x, &t.offset, sizeof t.offset);
            x = fnv1a(x, &t.nbytes, sizeof t.nbytes);
            if (!t.data || t.nbytes == 0)
                continue;
            const size_t sample = std::min<size_t>(64, t.nbytes);
            for (size_t at : {size_t(0), (t.nbytes - sample) / 2, t.nbytes - sample})
                x = checksum_words(x, t.data + at, sample);
        }
    }
    return "gguf-" + std::to_string(file.file_size()) + "-" + hex64(h[0]) + hex64(h[1]);
}

KvStateFingerprint kv_state_fingerprint(Session& session, const Model& model)
{
    const HParams& hp = model.hp;
    KvStateFingerprint fp;
    fp.model = model_fingerprint(model);
    fp.architecture = hp.architecture;
    fp.n_ctx = session.backend().n_ctx();
    fp.n_layer = hp.n_layer;
    fp.n_head_kv = hp.n_head_kv;
    fp.head_dim = hp.head_dim;
    fp.value_dim = hp.value_dim;
    fp.kv_type = kv_type_name(session.backend().kv_type());
    return fp;
}

Result<KvSnapshot> take_snapshot(Session& session, const Model& model)
{
    KvSnapshot snap;
    snap.fingerprint = kv_state_fingerprint(session, model);
    snap.tokens = session.cached_tokens();
    const int64_t n = int64_t(snap.tokens.size());
    const size_t bytes = session.backend().kv_bytes(n);
    uint64_t expected = 0;
    if (!expected_row_bytes(snap.fingerprint, n, &expected) || bytes != expected)
        return make_error("the " + session.backend().device_name() + " backend cannot copy its KV cache out");
    try {
        snap.rows.resize(bytes);
    } catch (const std::bad_alloc&) {
        return make_error("not enough memory to copy the KV cache (" + std::to_string(bytes >> 20) + " MiB)");
    }
    if (auto st = session.backend().read_kv(n, snap.rows.data()); !st)
        return st.error();
    return snap;
}

Status restore_snapshot(Session& session, const Model& model, const KvSnapshot& snapshot)
{
    session.clear();
    const KvStateFingerprint here = kv_state_fingerprint(session, model);
    if (std::string diff = first_difference(snapshot.fingerprint, here); !diff.empty())
        return make_error("KV cache not restored: " + diff);
    const int64_t n = int64_t(snapshot.tokens.size());
    if (n > here.n_ctx)
        return make_error("the KV cache holds " + std::to_string(n) + " tokens, more than the context of " +
                          std::to_string(here.n_ctx));
    for (int32_t id : snapshot.tokens)
        if (id < 0 || id >= model.hp.n_vocab)
            return make_error("the KV cache holds token id " + std::to_string(id) + ", outside the vocabulary (" +
                              std::to_string(model.hp.n_vocab) + ")");
    const size_t want = session.backend().kv_bytes(n);
    if (snapshot.rows.size() != want)
        return make_error("the KV cache has " + std::to_string(snapshot.rows.size()) + " bytes of rows for " +
                          std::to_string(n) + " tokens, expected " + std::to_string(want));
    if (auto st = session.backend().write_kv(n, snapshot.rows.data()); !st)
        return st.error();
    return session.set_cached_tokens(snapshot.tokens);
}

KvSnapshot snapshot_prefix(const KvSnapshot& snapshot, size_t n)
{
    const KvStateFingerprint& fp = snapshot.fingerprint;
    const size_t have = snapshot.tokens.size();
    n = std::min(n, have);
    KvSnapshot out;
    out.fingerprint = fp;
    out.tokens.assign(snapshot.tokens.begin(), snapshot.tokens.begin() + std::ptrdiff_t(n));
    // Rows are per layer (K rows then V rows): each block keeps its first n rows.
    uint64_t k_row = 0, v_row = 0;
    if (!row_sizes(fp, &k_row, &v_row))
        return out;   // no rows: restore_snapshot refuses it
    if (snapshot.rows.size() != size_t(fp.n_layer) * have * (k_row + v_row))
        return out;   // inconsistent input: no rows, restore_snapshot refuses it
    out.rows.reserve(size_t(fp.n_layer) * n * (k_row + v_row));
    for (int64_t l = 0; l < fp.n_layer; ++l) {
        const uint8_t* layer = snapshot.rows.data() + size_t(l) * have * (k_row + v_row);
        out.rows.insert(out.rows.end(), layer, layer + n * k_row);
        out.rows.insert(out.rows.end(), layer + have * k_row, layer + have * k_row + n * v_row);
    }
    return out;
}

Status write_snapshot(const KvSnapshot& snapshot, const std::string& path)
{
    const KvStateFingerprint& fp = snapshot.fingerprint;
    Writer w;
    w.raw(kMagic, sizeof kMagic);
    w.u32(kFormatVersion);
    w.u32(0);
    w.str(fp.model);
    w.str(fp.architecture);
    w.str(fp.kv_type);
    for (int64_t v : {fp.n_ctx, fp.n_layer, fp.n_head_kv, fp.head_dim, fp.value_dim})
        w.i64(v);
    w.i64(int64_t(snapshot.tokens.size()));
    w.u64(snapshot.rows.size());
    uint64_t sum = checksum_words(kFnvOffset, w.bytes.data(), w.bytes.size());
    sum = checksum_words(sum, snapshot.tokens.data(), snapshot.tokens.size() * sizeof(int32_t));
    sum = checksum_words(sum, snapshot.rows.data(), snapshot.rows.size());

    // Written beside the target, then renamed over it: a crash of the program leaves the old
    // file or the new one. (A power loss right after may leave a short file: the size and
    // checksum checks refuse it, and the prefix is recomputed.)
    const std::string tmp = path + ".tmp";
    std::FILE* raw = std::fopen(tmp.c_str(), "wb");
    if (!raw)
        return make_error("cannot write the KV cache to " + tmp + ": " + errno_text());
    File f(raw);
    auto put = [raw](const void* p, size_t bytes) { return bytes == 0 || std::fwrite(p, 1, bytes, raw) == bytes; };
    const bool written = put(w.bytes.data(), w.bytes.size()) &&
                         put(snapshot.tokens.data(), snapshot.tokens.size() * sizeof(int32_t)) &&
                         put(snapshot.rows.data(), snapshot.rows.size()) && put(&sum, 8) && std::fflush(raw) == 0;
    const std::string why = errno_text();
    const bool closed = std::fclose(f.release()) == 0;
    if (!written || !closed) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        return make_error("cannot write the KV cache to " + tmp + ": " + (written ? errno_text() : why));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        return make_error("cannot rename " + tmp + " to " + path + ": " + ec.message());
    }
    return Ok{};
}

namespace {

// The snapshot in `src` (`size` bytes); errors start with `label`. Every size is checked against
// `size` before anything is allocated, so a header cannot make it allocate more than the file holds.
Result<KvSnapshot> parse_from(Source& src, uint64_t size, const std::string& label)
{
    auto fail = [&](const std::string& why) { return make_error(label + ": " + why); };
    if (size == 0)
        return fail("the file is empty (0 bytes)");
    Reader r{src, size, {}, {}};

    char magic[sizeof kMagic];
    if (!r.raw(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0)
        return fail(r.error.empty() ? "not a Causerie KV cache file (wrong magic)" : r.error);
    const uint32_t version = r.u32();
    if (r.error.empty() && version != kFormatVersion)
        return fail("format version " + std::to_string(version) + ", expected " + std::to_string(kFormatVersion));
    // Reserved, written 0: anything else is not a file this build understands (and would not
    // write back the same).
    if (const uint32_t reserved = r.u32(); r.error.empty() && reserved != 0)
        return fail("corrupt header: reserved field " + std::to_string(reserved) + ", expected 0");
    KvSnapshot snap;
    KvStateFingerprint& fp = snap.fingerprint;
    fp.model = r.str("model fingerprint");
    fp.architecture = r.str("architecture");
    fp.kv_type = r.str("KV type");
    fp.n_ctx = r.i64();
    fp.n_layer = r.i64();
    fp.n_head_kv = r.i64();
    fp.head_dim = r.i64();
    fp.value_dim = r.i64();
    const int64_t n = r.i64();
    const uint64_t row_bytes = r.u64();
    if (!r.error.empty())
        return fail(r.error);

    if (fp.kv_type != "F16" && fp.kv_type != "Q8_0")
        return fail("KV type '" + fp.kv_type + "' is not supported (F16 or Q8_0)");
    const std::pair<const char*, int64_t> dims[] = {{"context", fp.n_ctx},
                                                    {"layer count", fp.n_layer},
                                                    {"KV head count", fp.n_head_kv},
                                                    {"head size", fp.head_dim},
                                                    {"value size", fp.value_dim}};
    for (const auto& [name, v] : dims)
        if (v <= 0 || v > (int64_t(1) << 20))
            return fail(std::string("corrupt header: ") + name + " " + std::to_string(v));
    if (n < 0 || n > fp.n_ctx)
        return fail("corrupt header: " + std::to_string(n) + " tokens in a context of " + std::to_string(fp.n_ctx));
    uint64_t want_rows = 0;
    if (!expected_row_bytes(fp, n, &want_rows) || row_bytes != want_rows)
        return fail("corrupt header: " + std::to_string(row_bytes) + " bytes of rows for " + std::to_string(n) +
                    " tokens, expected " + std::to_string(want_rows));
    const uint64_t want_size = r.header.size() + uint64_t(n) * 4 + row_bytes + 8;
    if (size < want_size)
        return fail("truncated: the file has " + std::to_string(size) + " bytes, its header announces " +
                    std::to_string(want_size));
    if (size > want_size)
        return fail("corrupt: the file has " + std::to_string(size) + " bytes, its header announces " +
                    std::to_string(want_size));

    try {
        snap.tokens.resize(size_t(n));
        snap.rows.resize(size_t(row_bytes));
    } catch (const std::bad_alloc&) {
        return fail("not enough memory to read it (" + std::to_string(row_bytes >> 20) + " MiB)");
    }
    uint64_t stored = 0;
    if (!src.read(snap.tokens.data(), size_t(n) * 4) || !src.read(snap.rows.data(), size_t(row_bytes)) ||
        !src.read(&stored, 8))
        return fail(std::string("truncated: reading it stopped early") + (src.f ? " (" + errno_text() + ")" : ""));
    uint64_t sum = checksum_words(kFnvOffset, r.header.data(), r.header.size());
    sum = checksum_words(sum, snap.tokens.data(), snap.tokens.size() * 4);
    sum = checksum_words(sum, snap.rows.data(), snap.rows.size());
    if (sum != stored)
        return fail("checksum mismatch: the file is corrupt");
    return snap;
}

}   // namespace

Result<KvSnapshot> parse_snapshot(std::span<const uint8_t> bytes)
{
    Source src;
    src.data = bytes.data();
    src.size = bytes.size();
    return parse_from(src, bytes.size(), "KV cache");
}

Result<KvSnapshot> read_snapshot(const std::string& path)
{
    const std::string name = "KV cache file " + path;
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec)
        return make_error(name + ": cannot read it: " + ec.message());
    if (size == 0)
        return make_error(name + ": the file is empty (0 bytes)");
    std::FILE* raw = std::fopen(path.c_str(), "rb");
    if (!raw)
        return make_error(name + ": cannot open it: " + errno_text());
    File f(raw);
    Source src;
    src.f = raw;
    return parse_from(src, size, name);
}

std::optional<uint64_t> snapshot_checksum(std::span<const uint8_t> body)
{
    Source src;
    src.data = body.data();
    src.size = body.size();
    Reader r{src, body.size(), {}, {}};
    char magic[sizeof kMagic];
    r.raw(magic, sizeof magic);
    r.u32();
    r.u32();
    for (const char* what : {"model fingerprint", "architecture", "KV type"})
        r.str(what);
    for (int i = 0; i < 5; ++i)   // n_ctx, n_layer, n_head_kv, head_dim, value_dim
        r.i64();
    const int64_t n = r.i64();
    r.u64();
    if (!r.error.empty() || n < 0 || uint64_t(n) > (body.size() - src.pos) / 4)
        return std::nullopt;
    const uint8_t* tokens = body.data() + src.pos;
    const size_t token_bytes = size_t(n) * 4;
    uint64_t sum = checksum_words(kFnvOffset, r.header.data(), r.header.size());
    sum = checksum_words(sum, tokens, token_bytes);
    return checksum_words(sum, tokens + token_bytes, body.size() - src.pos - token_bytes);
}

void KvSnapshotCache::put(const std::string& key, KvSnapshot snapshot)
{
    erase(key);
    if (snapshot.bytes() > m_max_bytes || m_max_count == 0)
        return;
    m_bytes += snapshot.bytes();
    m_entries.push_front({key, std::move(snapshot)});
    evict();
}

const KvSnapshot* KvSnapshotCache::get(const std::string& key)
{
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it)
        if (it->key == key) {
            m_entries.splice(m_entries.begin(), m_entries, it);
            return &m_entries.front().snapshot;
        }
    return nullptr;
}

void KvSnapshotCache::erase(const std::string& key)
{
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it)
        if (it->key == key) {
            m_bytes -= it->snapshot.bytes();
            m_entries.erase(it);
            return;
        }
}

void KvSnapshotCache::clear()
{
    m_entries.clear();
    m_bytes = 0;
}

void KvSnapshotCache::set_limits(size_t max_bytes, size_t max_count)
{
    m_max_bytes = max_bytes;
    m_max_count = max_count;
    evict();
}

void KvSnapshotCache::evict()
{
    while (!m_entries.empty() && (m_entries.size() > m_max_count || m_bytes > m_max_bytes)) {
        m_bytes -= m_entries.back().snapshot.bytes();
        m_entries.pop_back();
    }
}

}   // namespace causerie
