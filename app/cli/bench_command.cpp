#include "bench_command.h"

#include "args.h"
#include "bench_sim.h"
#include "engine/backend.h"
#include "engine/backend_cuda.h"
#include "engine/model.h"
#include "engine_commands.h"
#include "json.h"
#include "kernels/cpu/cpu_features.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <thread>

namespace causerie::cli {
namespace {

// "1,2,4" -> {1, 2, 4}; every entry a positive integer. allow_none: "0" -> {} (no such test, as
// llama-bench's -n 0).
bool parse_list(const std::string& text, const char* option, std::vector<int64_t>* out, std::string* error,
                bool allow_none = false)
{
    out->clear();
    if (allow_none && text == "0")
        return true;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char* end = nullptr;
        const long long v = std::strtoll(item.c_str(), &end, 10);
        if (item.empty() || *end || v <= 0 || v > 1000000) {
            *error =
                std::string("option -") + option + " expects positive integers separated by commas, got '" + text + "'";
            return false;
        }
        out->push_back(v);
    }
    if (out->empty()) {
        *error = std::string("option -") + option + " is empty";
        return false;
    }
    return true;
}

// The weight type that holds most of the parameters ("Q4_K"), as llama-bench names the file type.
std::string dominant_type(const Model& m, int64_t* n_params)
{
    std::map<std::string, int64_t> count;
    auto add = [&](const Weight& w) { count[kernels::type_traits(uint32_t(w.type))->name] += w.rows * w.cols; };
    add(m.tok_embd);
    if (!m.tied_output)
        add(m.output);
    for (const LayerWeights& L : m.layers) {
        for (const Weight* w :
             {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down, &L.attn_norm, &L.ffn_norm, &L.ffn_gate_inp})
            add(*w);
        for (const std::vector<Weight>* experts : {&L.gate_exps, &L.up_exps, &L.down_exps})
            for (const Weight& w : *experts)
                add(w);
    }
    add(m.output_norm);
    *n_params = 0;
    std::string best;
    int64_t most = -1;
    for (const auto& [name, n] : count) {
        *n_params += n;
        if (n > most) {
            most = n;
            best = name;
        }
    }
    return best;
}

// "608.77 MiB" / "1.12 GiB", "4.19 M" / "1.13 B", as llama-bench prints them.
std::string human(double v, const char* small_unit, double small, const char* large_unit, double large)
{
    char buf[32];
    if (v >= large)
        std::snprintf(buf, sizeof buf, "%.2f %s", v / large, large_unit);
    else
        std::snprintf(buf, sizeof buf, "%.2f %s", v / small, small_unit);
    return buf;
}

// Bytes one generated token reads: every layer's weights (of a mixture of experts, the chosen experts'
// share), the final norm and the output head,
// one embedding row, and the KV cache of `n_kv` positions (F16 K and V of every layer).
double bytes_per_token(const Model& m, double n_kv)
{
    auto bytes = [](const Weight& w) { return double(w.rows) * double(w.row_bytes); };
    double b = bytes(m.output_norm) + bytes(m.tied_output ? m.tok_embd : m.output) + double(m.tok_embd.row_bytes);
    const HParams& hp = m.hp;
    for (const LayerWeights& L : m.layers) {
        for (const Weight* w :
             {&L.attn_norm, &L.wq, &L.wk, &L.wv, &L.wo, &L.ffn_norm, &L.w_gate, &L.w_up, &L.w_down, &L.ffn_gate_inp})
            b += bytes(*w);
        // Experts: only the n_expert_used a token chooses are read (on average their share).
        for (const std::vector<Weight>* experts : {&L.gate_exps, &L.up_exps, &L.down_exps})
            for (const Weight& w : *experts)
                b += bytes(w) * double(hp.n_expert_used) / double(hp.n_expert);
    }
    b += n_kv * double(hp.n_layer) * double(hp.n_head_kv * (hp.head_dim + hp.value_dim)) * 2.0;
    return b;
}

// The device a GPU run uses, for the bandwidth columns: name and peak (0 when unknown).
struct BenchDevice {
    std::string label = "CPU";     // what the header line says
    double peak_bytes_per_s = 0;   // 0: no peak to compare with
    std::string no_peak = "n/a (CPU)";
};

BenchDevice bench_device(const std::string& device, int gpu_device)
{
    BenchDevice d;
    if (device == "cpu")
        return d;
    auto list = list_devices_for(device);
    if (!list)
        return d;
    auto index = choose_cuda_device(*list, gpu_device);
    if (!index)
        return d;
    for (const CudaDeviceCandidate& c : *list)
        if (c.index == *index) {
            d.label = c.name + " (GPU " + std::to_string(c.index) + ")";
            d.peak_bytes_per_s = c.peak_bandwidth_bytes_per_s;
        }
    d.no_peak = device == "cuda-sim" ? "n/a (sim)" : "n/a (unknown)";
    return d;
}

struct BenchResult {
    int threads;
    std::string test;   // pp512, tg64
    int64_t n_prompt, n_gen;
    std::vector<double> samples;   // tokens/s of each repetition
    double bytes_per_token = 0;    // generation tests: bytes read per generated token (mean over the test)
    std::string device;            // the backend's own name ("CPU (2 threads)")
    double peak_bytes_per_s = 0;   // the device's peak memory bandwidth, 0 when unknown
    std::string sim_json;          // cuda-sim with --json: what the sim counted (bench_sim.h)
    double mean() const
    {
        double s = 0;
        for (double v : samples)
            s += v;
        return s / double(samples.size());
    }
    double stddev() const   // sample standard deviation, 0 for one repetition
    {
        if (samples.size() < 2)
            return 0;
        const double m = mean();
        double s = 0;
        for (double v : samples)
            s += (v - m) * (v - m);
        return std::sqrt(s / double(samples.size() - 1));
    }
};

// What to measure, from the command line.
struct BenchPlan {
    std::string path;
    std::vector<int64_t> threads, prompts, gens;
    int64_t repetitions = 5;
    DeviceOptions device;
    bool json = false;
    bool app_sampler = false;   // --sampler app: the sim counts the app's decode path
    int top_k = -1;             // --top-k with --sampler app (-1: the app's default)
};

// The model under test and what the table says of it.
struct BenchModel {
    Model model;
    std::string name, type;   // "SmolLM2 135M", "Q4_1"
    uint64_t file_size = 0;
    int64_t n_params = 0;
    std::vector<int32_t> tokens;   // random ids, as many as the longest test
};

Result<BenchPlan> parse_bench_args(const std::vector<std::string>& args)
{
    const Args a(args, {"json"});
    if (!a.ok())
        return make_error(a.error());
    const auto bad = a.unknown(
        {"t", "p", "n", "r", "json", "threads", "ctx", "device", "gpu-layers", "sampler", "kv-type", "top-k"});
    if (!bad.empty())
        return make_error("unknown option -" + bad.front());
    if (a.positional().size() != 1)
        return make_error("usage: causerie-cli bench MODEL [-t 1,2] [-p 64,512] [-n 64] [-r 3] "
                          "[--device cpu|cuda[:N]|cuda-sim] [--gpu-layers N] [--kv-type f16|q8_0] [--sampler bench|app "
                          "[--top-k N]] [--json]");
    BenchPlan plan;
    std::string err;
    std::vector<int64_t> reps;
    if (!parse_list(a.get("t", a.get("threads", std::to_string(std::max(1u, std::thread::hardware_concurrency())))),
                    "t", &plan.threads, &err) ||
        !parse_list(a.get("p", "512"), "p", &plan.prompts, &err, true) ||
        !parse_list(a.get("n", "128"), "n", &plan.gens, &err, true) || !parse_list(a.get("r", "5"), "r", &reps, &err))
        return make_error(err);
    if (reps.size() != 1)
        return make_error("option -r takes one number");
    if (plan.prompts.empty() && plan.gens.empty())
        return make_error("-p 0 and -n 0: no test to run");
    plan.repetitions = reps.front();
    // The benchmark measures the CPU unless a device is named (unlike the other commands' auto).
    auto dev = parse_device_options(a, &err);
    if (!dev)
        return make_error(err);
    if (!a.has("device"))
        dev->device = "cpu";
    plan.device = *dev;
    // Attention makes a prompt's cost grow with its square: beyond this a "benchmark" would run for
    // hours on a CPU, which is never what was meant.
    constexpr int64_t kMaxTestTokens = 16384;
    for (const auto* list : {&plan.prompts, &plan.gens})
        for (int64_t v : *list)
            if (v > kMaxTestTokens)
                return make_error("a test of " + std::to_string(v) +
                                  " tokens is too long for a CPU benchmark (at most " + std::to_string(kMaxTestTokens) +
                                  ")");
    plan.json = a.has("json");
    const std::string sampler = a.get("sampler", "bench");
    if (sampler != "bench" && sampler != "app")
        return make_error("option --sampler expects bench or app, got '" + sampler + "'");
    plan.app_sampler = sampler == "app";
    if (plan.app_sampler && plan.device.device != "cuda-sim")
        return make_error("--sampler app is counted by the sim: use it with --device cuda-sim --json");
    if (auto k = a.get_int("top-k", &err); k || !err.empty()) {
        if (!k || *k < 0 || *k > INT32_MAX)
            return make_error(err.empty() ? "--top-k must be 0 (off) or positive" : err);
        if (!plan.app_sampler)
            return make_error("--top-k sets the app's sampler: use it with --sampler app");
        plan.top_k = int(*k);
    }
    plan.path = a.positional().front();
    return plan;
}

Result<BenchModel> load_bench_model(const BenchPlan& plan)
{
    auto model = load_model(plan.path);
    if (!model)
        return make_error(model.error().message);
    BenchModel b{std::move(model).value(), {}, {}, 0, 0, {}};
    b.type = dominant_type(b.model, &b.n_params);
    std::error_code ec;
    b.file_size = std::filesystem::file_size(plan.path, ec);
    b.name = b.model.hp.name.empty() ? std::filesystem::path(plan.path).stem().string() : b.model.hp.name;
    int64_t longest = 0;
    for (const auto* list : {&plan.prompts, &plan.gens})
        for (int64_t n : *list)
            longest = std::max(longest, n);
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int32_t> token(0, int32_t(b.model.hp.n_vocab - 1));
    b.tokens.resize(static_cast<size_t>(longest));
    for (auto& t : b.tokens)
        t = token(rng);   // like llama-bench: random ids; the speed does not depend on them
    return b;
}

// One test (a prompt of n_prompt tokens, or n_gen tokens generated one at a time from an empty
// cache), repeated; tokens/s of each repetition.
Status run_test(ComputeBackend& be, const BenchModel& bm, int64_t repetitions, BenchResult& r)
{
    using Clock = std::chrono::steady_clock;
    std::vector<float> logits(static_cast<size_t>(bm.model.hp.n_vocab));
    const std::vector<int32_t>& tokens = bm.tokens;
    for (int64_t rep = 0; rep < repetitions; ++rep) {
        const auto start = Clock::now();
        if (r.n_prompt > 0)
            if (auto st = be.eval(std::span(tokens.data(), size_t(r.n_prompt)), 0, logits.data()); !st)
                return st;
        for (int64_t i = 0; i < r.n_gen; ++i)
            if (auto st = be.eval(std::span(&tokens[size_t(i)], 1), i, logits.data()); !st)
                return st;
        const double s = std::chrono::duration<double>(Clock::now() - start).count();
        r.samples.push_back(double(r.n_prompt + r.n_gen) / s);
    }
    return Ok{};
}

void print_table_header(const std::string& device, double peak, const BenchDevice& bdev, const std::string& no_peak)
{
    std::printf("device: %s; peak memory bandwidth: ", device.c_str());
    if (peak > 0)
        std::printf("%.1f GB/s (%s)\n\n", peak / 1e9, bdev.label.c_str());
    else
        std::printf("%s\n\n", no_peak.c_str());
    std::printf("| %-24s | %-5s | %13s | %10s | %7s | %8s | %18s | %10s | %13s |\n", "model", "type", "size", "params",
                "threads", "test", "t/s", "GB/s", "of peak BW");
    std::printf("| %s | %s | %s: | %s: | %s: | %s: | %s: | %s: | %s: |\n", std::string(24, '-').c_str(),
                std::string(5, '-').c_str(), std::string(12, '-').c_str(), std::string(9, '-').c_str(),
                std::string(6, '-').c_str(), std::string(7, '-').c_str(), std::string(17, '-').c_str(),
                std::string(9, '-').c_str(), std::string(12, '-').c_str());
}

// A generation test's row: the memory bandwidth it reaches and its fraction of the device's peak.
void print_table_row(const BenchModel& bm, const BenchResult& r, bool sim, const std::string& no_peak)
{
    std::string gbs = "-", frac = "-";
    if (r.n_gen > 0 && r.n_prompt == 0 && sim) {
        gbs = frac = no_peak;   // the sim's speed says nothing about a GPU's
    } else if (r.n_gen > 0 && r.n_prompt == 0) {
        const double achieved = r.bytes_per_token * r.mean();
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", achieved / 1e9);
        gbs = buf;
        if (r.peak_bytes_per_s > 0) {
            std::snprintf(buf, sizeof buf, "%.1f %%", 100.0 * achieved / r.peak_bytes_per_s);
            frac = buf;
        } else {
            frac = no_peak;
        }
    }
    std::printf("| %-24s | %-5s | %13s | %10s | %7d | %8s | %9.2f ± %6.2f | %10s | %13s |\n", bm.name.c_str(),
                bm.type.c_str(), human(double(bm.file_size), "MiB", 1048576.0, "GiB", 1073741824.0).c_str(),
                human(double(bm.n_params), "M", 1e6, "B", 1e9).c_str(), r.threads, r.test.c_str(), r.mean(), r.stddev(),
                gbs.c_str(), frac.c_str());
    std::fflush(stdout);
}

// One object per test, in the order they ran (llama-bench's field names where it has them).
std::string results_json(const BenchModel& bm, const std::vector<BenchResult>& results)
{
    JsonWriter w;
    w.begin_array();
    for (const BenchResult& r : results) {
        w.begin_object();
        w.key("model").value(bm.name).key("type").value(bm.type);
        w.key("size_bytes").value(bm.file_size).key("n_params").value(bm.n_params);
        w.key("cpu").value(kernels::cpu_features_summary()).key("threads").value(r.threads);
        w.key("test").value(r.test).key("n_prompt").value(r.n_prompt).key("n_gen").value(r.n_gen);
        w.key("avg_ts").value(r.mean(), "%.3f").key("stddev_ts").value(r.stddev(), "%.3f");
        w.key("samples_ts").begin_array();
        for (double v : r.samples)
            w.value(v, "%.3f");
        w.end_array();
        w.key("device").value(r.device);
        w.key("bytes_per_token").value(r.bytes_per_token, "%.0f");
        w.key("peak_bytes_per_s").value(r.peak_bytes_per_s, "%.0f");
        if (!r.sim_json.empty())
            w.key("sim").raw(r.sim_json);
        w.end_object();
    }
    w.end_array();
    return w.str();
}

}   // namespace

int cmd_bench(const std::vector<std::string>& args)
{
    auto plan = parse_bench_args(args);
    if (!plan)
        return fail(plan.error().message);
    auto bm = load_bench_model(*plan);
    if (!bm)
        return fail(bm.error().message);
    const BenchDevice bdev = bench_device(plan->device.device, plan->device.gpu_device);
    const int64_t longest = int64_t(bm->tokens.size());

    std::vector<BenchResult> results;
    for (int64_t nt : plan->threads) {
        BackendOptions opts;
        opts.n_threads = int(nt);
        opts.n_ctx = longest;
        opts.device = plan->device.device;
        opts.gpu_device = plan->device.gpu_device;
        opts.n_gpu_layers = plan->device.n_gpu_layers;
        opts.kv_type = plan->device.kv_type;
        std::string why;
        auto backend = create_backend(bm->model, opts, &why);
        if (!backend)
            return fail(backend.error().message);
        ComputeBackend& be = **backend;
        const bool on_cpu = be.device_name().rfind("CPU", 0) == 0;   // asked-for GPU may have fallen back
        const double peak = on_cpu ? 0.0 : bdev.peak_bytes_per_s;
        const std::string no_peak = on_cpu ? "n/a (CPU)" : bdev.no_peak;
        const bool sim = !on_cpu && plan->device.device == "cuda-sim";
        if (!why.empty())
            std::fprintf(stderr, "note: %s\n", why.c_str());
        // One untimed run first (llama-bench's warm-up): page the mapped weights in, wake the pool.
        std::vector<float> logits(static_cast<size_t>(bm->model.hp.n_vocab));
        if (auto st = be.eval(std::span(bm->tokens.data(), std::min<size_t>(bm->tokens.size(), 16)), 0, logits.data());
            !st)
            return fail(st.error().message);
        if (!plan->json && nt == plan->threads.front())
            print_table_header(be.device_name(), peak, bdev, no_peak);

        std::vector<std::pair<int64_t, int64_t>> tests;   // (n_prompt, n_gen)
        for (int64_t p : plan->prompts)
            tests.emplace_back(p, 0);
        for (int64_t n : plan->gens)
            tests.emplace_back(0, n);
        for (const auto& [n_prompt, n_gen] : tests) {
            // Token i of a generation test reads i + 1 cached positions: (n + 1) / 2 on average.
            BenchResult r{int(nt),
                          n_prompt > 0 ? "pp" + std::to_string(n_prompt) : "tg" + std::to_string(n_gen),
                          n_prompt,
                          n_gen,
                          {},
                          n_gen > 0 ? bytes_per_token(bm->model, double(n_gen + 1) / 2.0) : 0.0,
                          be.device_name(),
                          peak};
            if (auto st = run_test(be, *bm, plan->repetitions, r); !st)
                return fail(st.error().message);
            if (sim && plan->json) {
                SimTest t{plan->path, n_prompt, n_gen, longest, int(nt), plan->app_sampler, 32, plan->top_k};
                auto counted = count_sim_test(t);
                if (!counted)
                    return fail("counting on the sim: " + counted.error().message);
                r.sim_json = *counted;
            }
            if (!plan->json)
                print_table_row(*bm, r, sim, no_peak);
            results.push_back(std::move(r));
        }
    }

    if (plan->json)
        std::printf("%s\n", results_json(*bm, results).c_str());
    else
        std::printf("\nCPU kernels: %s\n", kernels::cpu_features_summary().c_str());
    return 0;
}

}   // namespace causerie::cli
