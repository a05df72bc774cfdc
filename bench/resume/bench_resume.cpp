// Instant resume (issue 15): the time to the first new token of a long conversation, cold and
// from a KV snapshot, and what a context shift evaluates. A program that prints a table:
//   bench_resume [MODEL.gguf ...] [--tokens N] [--ctx N] [--threads N] [--layers7b L] [-r N]
// Without MODEL: the default model (SmolLM2-135M-Instruct Q4_1, tests/common/default_model.h's
// place, when it is there) and a random model of Mistral 7B's shape (causerie-cli make-test-model's
// writer) cut to L layers (default 2), Q4_0.
//
// Per model and repetition, with a conversation of N tokens (default 3000) and a new message of
// 24 tokens, on the CPU backend:
//   cold     a new session prefills the conversation + message and samples 1 token (its rows,
//            cut to the conversation by snapshot_prefix, are the snapshot below)
//   restart  a new session (as after a restart; the backend is made before the clock starts, as
//            the app loads its model before the first message): read_snapshot from the file,
//            restore_snapshot, generate 1 token
//   switch   a session busy with another conversation: restore_snapshot of an in-memory snapshot,
//            generate 1 token
//   shift    the conversation outgrew the context: the prompt keeps a 100-token system part,
//            leaves out the oldest third, adds the message; tokens evaluated and time, with the
//            context shift and with the re-prefill it replaces (context_shift = false).
#include "engine/kv_state.h"
#include "engine/model.h"
#include "engine/session.h"
#include "engine/test_model.h"
#include "engine/tokenizer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace causerie;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

struct Options {
    std::vector<std::string> models;
    int tokens = 3000;
    int64_t n_ctx = 4096;
    int threads = 0;
    int layers7b = 2;
    int reps = 2;
};

struct Loaded {
    std::unique_ptr<Model> model;
    std::unique_ptr<Tokenizer> tok;
};

Loaded load(const std::string& path)
{
    Loaded l;
    auto model = load_model(path);
    if (!model) {
        std::fprintf(stderr, "error: %s\n", model.error().message.c_str());
        return l;
    }
    auto tok = Tokenizer::from_vocab(model->vocab);
    if (!tok) {
        std::fprintf(stderr, "error: %s\n", tok.error().message.c_str());
        return l;
    }
    l.model = std::make_unique<Model>(std::move(model).value());
    l.tok = std::make_unique<Tokenizer>(std::move(tok).value());
    return l;
}

// Ids spread over the vocabulary (past its first 300: control and byte tokens), fixed seed.
std::vector<int32_t> conversation(int n, int64_t n_vocab, uint64_t seed)
{
    std::vector<int32_t> ids;
    ids.reserve(size_t(n));
    uint64_t x = seed;
    for (int i = 0; i < n; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        ids.push_back(int32_t(300 + (x >> 33) % uint64_t(n_vocab - 300)));
    }
    return ids;
}

std::vector<int32_t> concat(const std::vector<int32_t>& a, const std::vector<int32_t>& b)
{
    std::vector<int32_t> out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

class Bench {
public:
    Bench(const Loaded& l, const Options& o)
        : m_l(l)
        , m_o(o)
    {
    }

    std::unique_ptr<Session> session() const
    {
        BackendOptions b;
        b.n_ctx = m_o.n_ctx;
        b.n_threads = m_o.threads;
        b.device = "cpu";
        auto backend = create_cpu_backend(*m_l.model, b);
        if (!backend) {
            std::fprintf(stderr, "error: %s\n", backend.error().message.c_str());
            return nullptr;
        }
        return std::make_unique<Session>(*m_l.tok, std::move(backend).value());
    }

    // One token after `prompt`; returns the time to it (generate's ttft) and its stats.
    static double first_token(Session& s, const std::vector<int32_t>& prompt, GenerateStats* stats = nullptr,
                              bool context_shift = true)
    {
        GenerateOptions o;
        o.sampling.temperature = 0.0f;
        o.max_tokens = 1;
        o.context_shift = context_shift;
        auto st = s.generate(prompt, o, [](std::string_view) { return true; });
        if (!st) {
            std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
            return -1;
        }
        if (stats)
            *stats = *st;
        return st->ttft_ms;
    }

    bool run(const std::string& name, int rep)
    {
        const int64_t nv = m_l.model->hp.n_vocab;
        const auto history = conversation(m_o.tokens, nv, 1);
        const auto other = conversation(300, nv, 2);   // what the session did meanwhile (any content)
        const auto message = conversation(24, nv, 3);
        const auto prompt = concat(history, message);
        const std::string file = (std::filesystem::temp_directory_path() / "bench_resume.kv").string();

        // Cold; the history's rows (the prefix of the cold session's) are the snapshot.
        auto s = session();
        if (!s)
            return false;
        const double cold = first_token(*s, prompt);
        if (cold < 0)
            return false;
        auto full = take_snapshot(*s, *m_l.model);
        if (!full) {
            std::fprintf(stderr, "error: %s\n", full.error().message.c_str());
            return false;
        }
        auto snap = std::make_optional(snapshot_prefix(*full, history.size()));
        auto t0 = Clock::now();
        if (auto st = write_snapshot(*snap, file); !st) {
            std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
            return false;
        }
        const double write_ms = ms_since(t0);

        // Restart: a new session, the file.
        auto fresh = session();
        t0 = Clock::now();
        auto read = read_snapshot(file);
        if (!read || !restore_snapshot(*fresh, *m_l.model, *read).ok()) {
            std::fprintf(stderr, "error: the snapshot did not restore\n");
            return false;
        }
        const double restore_file = ms_since(t0);
        first_token(*fresh, prompt);
        const double restart = ms_since(t0);

        // Switch: the session answered another conversation meanwhile.
        first_token(*s, other);
        t0 = Clock::now();
        if (!restore_snapshot(*s, *m_l.model, *snap).ok())
            return false;
        const double restore_memory = ms_since(t0);
        first_token(*s, prompt);
        const double switched = ms_since(t0);

        // Context shift: system part, oldest third left out, the rest, the message.
        const size_t sys = 100, drop = size_t(m_o.tokens) / 3;
        std::vector<int32_t> trimmed(history.begin(), history.begin() + sys);
        trimmed.insert(trimmed.end(), history.begin() + std::ptrdiff_t(sys + drop), history.end());
        trimmed = concat(trimmed, message);
        GenerateStats shift_stats, reprefill_stats;
        if (!restore_snapshot(*s, *m_l.model, *snap).ok())
            return false;
        t0 = Clock::now();
        first_token(*s, trimmed, &shift_stats, true);
        const double shift_ms = ms_since(t0);
        if (!restore_snapshot(*s, *m_l.model, *snap).ok())
            return false;
        t0 = Clock::now();
        first_token(*s, trimmed, &reprefill_stats, false);
        const double reprefill_ms = ms_since(t0);

        std::error_code ec;
        std::filesystem::remove(file, ec);
        std::printf("| %-26s | %d | %6d | %8.0f | %7.0f (%4.1f%%) | %6.0f | %7.0f (%4.1f%%) | %6.0f | %5d tok, %6.0f | "
                    "%5d tok, %6.0f | %6.1f | %5.0f |\n",
                    name.c_str(), rep, int(prompt.size()), cold, restart, 100.0 * restart / cold, restore_file,
                    switched, 100.0 * switched / cold, restore_memory,
                    shift_stats.prompt_tokens - shift_stats.reused_tokens, shift_ms,
                    reprefill_stats.prompt_tokens - reprefill_stats.reused_tokens, reprefill_ms,
                    double(snap->rows.size() + snap->tokens.size() * 4) / 1048576.0, write_ms);
        std::fflush(stdout);
        return true;
    }

private:
    const Loaded& m_l;
    const Options& m_o;
};

std::string default_model_path()
{
    if (const char* env = std::getenv("CAUSERIE_DEFAULT_MODEL"); env && *env)
        return env;
    std::string data;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
        data = x;
    else if (const char* home = std::getenv("HOME"))
        data = std::string(home) + "/.local/share";
    return data + "/Causerie/models/SmolLM2-135M-Instruct.Q4_1.gguf";
}

}   // namespace

int main(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        const char* v = nullptr;
        if ((a == "--tokens" || a == "--ctx" || a == "--threads" || a == "--layers7b" || a == "-r") && !(v = next())) {
            std::fprintf(stderr, "error: %s needs a value\n", a.c_str());
            return 1;
        }
        if (a == "--tokens")
            o.tokens = std::atoi(v);
        else if (a == "--ctx")
            o.n_ctx = std::atoll(v);
        else if (a == "--threads")
            o.threads = std::atoi(v);
        else if (a == "--layers7b")
            o.layers7b = std::atoi(v);
        else if (a == "-r")
            o.reps = std::atoi(v);
        else if (!a.empty() && a[0] == '-') {
            std::fprintf(stderr, "usage: bench_resume [MODEL.gguf ...] [--tokens N] [--ctx N] [--threads N] "
                                 "[--layers7b L] [-r N]\n");
            return 1;
        } else
            o.models.push_back(a);
    }
    if (o.tokens < 300 || o.n_ctx < o.tokens + 64 || o.reps < 1 || o.layers7b < 1) {
        std::fprintf(stderr, "error: need --tokens >= 300, --ctx >= tokens + 64, -r >= 1, --layers7b >= 1\n");
        return 1;
    }
    std::vector<std::pair<std::string, std::string>> models;   // (label, path)
    std::string made;
    if (o.models.empty()) {
        if (std::filesystem::exists(default_model_path()))
            models.emplace_back("SmolLM2-135M Q4_1", default_model_path());
        else
            std::fprintf(stderr, "note: no default model at %s (scripts/fetch-default-model.sh)\n",
                         default_model_path().c_str());
        made = (std::filesystem::temp_directory_path() / "bench_resume_7b.gguf").string();
        TestModelSpec spec;   // Mistral 7B's shape
        spec.n_vocab = 32000;
        spec.n_embd = 4096;
        spec.n_layer = o.layers7b;
        spec.n_head = 32;
        spec.n_head_kv = 8;
        spec.n_ff = 14336;
        spec.n_ctx = 32768;
        spec.type = kernels::TensorType::Q4_0;
        std::fprintf(stderr, "writing a 7B-shaped random model (%d layers) to %s\n", o.layers7b, made.c_str());
        if (auto st = write_test_model(made, spec); !st) {
            std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
            return 1;
        }
        models.emplace_back("7B shape, " + std::to_string(o.layers7b) + " layers, Q4_0", made);
    } else {
        for (const std::string& m : o.models)
            models.emplace_back(std::filesystem::path(m).filename().string(), m);
    }

    std::printf("conversation of %d tokens + a 24-token message, context %lld, CPU backend; times in ms to the "
                "first new token\n\n",
                o.tokens, static_cast<long long>(o.n_ctx));
    std::printf("| model | rep | prompt | cold | restart (file) | of which read + restore | switch (memory) | of which "
                "restore | context shift: evaluated, ms | re-prefill: evaluated, ms | snapshot MiB | write ms |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    int status = 0;
    for (const auto& [label, path] : models) {
        Loaded l = load(path);
        if (!l.model) {
            status = 1;
            continue;
        }
        Bench b(l, o);
        for (int r = 1; r <= o.reps; ++r)
            if (!b.run(label, r))
                status = 1;
    }
    if (!made.empty()) {
        std::error_code ec;
        std::filesystem::remove(made, ec);
    }
    return status;
}
