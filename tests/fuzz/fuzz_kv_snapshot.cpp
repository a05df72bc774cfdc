// Fuzz target: the KV snapshot reader (engine/kv_state.*), as a cache file of the data folder's
// cache/ reaches it. The input is the file's bytes. It is read twice: from memory
// (parse_snapshot) and from a file (read_snapshot), which must agree; then once more with its
// last 8 bytes replaced by the right checksum, so mutations reach the checks after the checksum
// (a 64-bit checksum is otherwise out of the fuzzer's reach).
// Invariants: an accepted snapshot holds no more bytes than the file (a header cannot make the
// reader allocate beyond the file's size) and writes back to the same bytes; a refused restore
// leaves the session empty, an accepted one leaves exactly the snapshot's tokens cached; then one
// token evaluates over the restored rows on the CPU backend (a tiny random model, 32-token
// context, made once per process) and gives one logit per vocabulary entry.
//
// Seeds: with CAUSERIE_KV_SNAPSHOT_SEEDS=DIR, LLVMFuzzerInitialize writes valid snapshots of 0, 1
// and 20 tokens of that model to DIR and exits (tests/fuzz/make_seeds.py runs it so).
#include "fuzz_common.h"

#include "engine/backend.h"
#include "engine/kv_state.h"
#include "engine/session.h"
#include "engine/test_model.h"
#include "engine/tokenizer.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <vector>

#include <unistd.h>

using namespace causerie;

namespace {

constexpr int64_t kContext = 32;

struct World {
    // A private temporary folder: the model file until it is loaded, then each input as a file
    // while it is read. Removed at exit (when libFuzzer exits through exit(); an empty folder is
    // left when it stops otherwise).
    std::string dir;
    std::unique_ptr<Model> model;
    std::unique_ptr<Tokenizer> tok;
    std::unique_ptr<Session> session;
};

World* g_world = nullptr;

void remove_world_dir()
{
    if (g_world) {
        std::error_code ec;
        std::filesystem::remove_all(g_world->dir, ec);
    }
}

[[noreturn]] void die(const std::string& why)
{
    std::fprintf(stderr, "fuzz_kv_snapshot: %s\n", why.c_str());
    std::abort();
}

std::unique_ptr<Session> make_session(const Model& model, const Tokenizer& tok)
{
    BackendOptions options;
    options.n_ctx = kContext;
    options.n_threads = 1;
    options.device = "cpu";
    auto backend = create_cpu_backend(model, options);
    if (!backend)
        die("cannot create the CPU backend: " + backend.error().message);
    return std::make_unique<Session>(tok, std::move(*backend));
}

std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

bool spit(const std::string& path, const uint8_t* data, size_t size)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    return bool(f.flush());
}

bool same(const KvSnapshot& a, const KvSnapshot& b)
{
    const KvStateFingerprint &x = a.fingerprint, &y = b.fingerprint;
    return x.model == y.model && x.architecture == y.architecture && x.kv_type == y.kv_type && x.n_ctx == y.n_ctx &&
           x.n_layer == y.n_layer && x.n_head_kv == y.n_head_kv && x.head_dim == y.head_dim &&
           x.value_dim == y.value_dim && a.tokens == b.tokens && a.rows == b.rows;
}

// Restores an accepted snapshot and evaluates one more token over it.
void use(const KvSnapshot& snap, const uint8_t* data, size_t size, int32_t next)
{
    World& w = *g_world;
    FUZZ_CHECK(snap.rows.size() <= size && snap.tokens.size() * sizeof(int32_t) <= size);

    // Written back, an accepted file is the same bytes.
    const std::string again = w.dir + "/again.kv";
    FUZZ_CHECK(write_snapshot(snap, again).ok());
    const std::string written = slurp(again);
    std::error_code ec;
    std::filesystem::remove(again, ec);
    FUZZ_CHECK(written.size() == size && std::memcmp(written.data(), data, size) == 0);

    Session& s = *w.session;
    std::vector<int32_t> prompt;
    if (restore_snapshot(s, *w.model, snap).ok()) {
        FUZZ_CHECK(s.cached_tokens() == snap.tokens);
        prompt = snap.tokens;
    } else {
        FUZZ_CHECK(s.cached_tokens().empty());
    }
    prompt.push_back(next);
    auto logits = s.evaluate(prompt);
    if (int64_t(prompt.size()) <= kContext) {
        FUZZ_CHECK(logits.ok());
        FUZZ_CHECK(int64_t(logits->size()) == w.model->hp.n_vocab);
    }
}

// Writes valid snapshots of 0, 1 and 20 tokens of the tiny model to `dir`.
void write_seeds(const std::string& dir)
{
    World& w = *g_world;
    std::filesystem::create_directories(dir);
    for (int n : {0, 1, 20}) {
        Session& s = *w.session;
        s.clear();
        if (n > 0) {
            std::vector<int32_t> ids;
            for (int i = 0; i < n; ++i)
                ids.push_back(int32_t(i == 0 ? 1 : 259 + (i * 7) % 40));   // <s>, then words
            if (auto st = s.evaluate(ids); !st)
                die("cannot evaluate the seed's tokens: " + st.error().message);
        }
        auto snap = take_snapshot(s, *w.model);
        if (!snap)
            die("cannot take a snapshot: " + snap.error().message);
        const std::string path = dir + "/tokens-" + std::to_string(n) + ".kv";
        if (auto st = write_snapshot(*snap, path); !st)
            die(st.error().message);
        std::printf("%s\n", path.c_str());
    }
}

}   // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    if (g_world)
        return 0;
    auto* w = new World;   // never destroyed: it lives as long as the process
    const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string templ = std::string(base) + "/causerie-fuzz-kv-XXXXXX";
    if (!mkdtemp(templ.data()))
        die("cannot create a temporary folder in " + std::string(base));
    w->dir = templ;
    g_world = w;
    std::atexit(remove_world_dir);

    // The smallest shapes: 128 bytes of K/V rows per token.
    const TestModelSpec spec{
        .n_vocab = 300, .n_embd = 32, .n_layer = 2, .n_head = 2, .n_head_kv = 1, .n_ff = 64, .n_ctx = 64, .seed = 20};
    const std::string path = w->dir + "/tiny.gguf";
    if (auto st = write_test_model(path, spec); !st)
        die("cannot write the test model: " + st.error().message);
    auto model = load_model(path);
    if (!model)
        die("cannot load the test model: " + model.error().message);
    w->model = std::make_unique<Model>(std::move(*model));
    std::error_code ec;
    std::filesystem::remove(path, ec);   // loaded: the folder stays empty between inputs
    auto tok = Tokenizer::from_vocab(w->model->vocab);
    if (!tok)
        die("cannot make the tokenizer: " + tok.error().message);
    w->tok = std::make_unique<Tokenizer>(std::move(*tok));
    w->session = make_session(*w->model, *w->tok);

    if (const char* seeds = std::getenv("CAUSERIE_KV_SNAPSHOT_SEEDS"); seeds && *seeds) {
        write_seeds(seeds);
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    World& w = *g_world;
    const int32_t next = size ? int32_t(data[0] % 300) : 2;

    // From memory and from a file: the same answer.
    auto parsed = parse_snapshot(std::span<const uint8_t>(data, size));
    const std::string file = w.dir + "/input.kv";
    FUZZ_CHECK(spit(file, data, size));
    auto read = read_snapshot(file);
    std::error_code ec;
    std::filesystem::remove(file, ec);
    FUZZ_CHECK(parsed.ok() == read.ok());
    if (parsed.ok()) {
        FUZZ_CHECK(same(*parsed, *read));
        use(*parsed, data, size, next);
    } else {
        FUZZ_CHECK(!parsed.error().message.empty() && !read.error().message.empty());
    }

    // With its checksum made right.
    if (size < 8)
        return 0;
    auto sum = snapshot_checksum(std::span<const uint8_t>(data, size - 8));
    if (!sum)
        return 0;
    std::vector<uint8_t> fixed(data, data + size);
    std::memcpy(fixed.data() + size - 8, &*sum, 8);
    if (std::memcmp(fixed.data(), data, size) == 0)
        return 0;
    if (auto snap = parse_snapshot(fixed); snap.ok())
        use(*snap, fixed.data(), fixed.size(), next);
    return 0;
}
