#include "app_bench_command.h"

#include "args.h"
#include "engine/backend.h"
#include "engine/model.h"
#include "engine/sampler.h"
#include "engine_commands.h"
#include "json.h"
#include "localbackend.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <climits>
#include <ctime>
#include <random>
#include <sys/resource.h>

namespace causerie::cli {
namespace {

// Asks for a long answer, so that a real model writes the tokens asked for before its end of turn.
const char* kDefaultPrompt =
    "Write a long story about a lighthouse keeper who finds a message in a bottle. Describe each day of "
    "the following week in detail, with the weather, the sea and the people who come to the island.";

// A new conversation's sampler in the window: AppSettings' defaults (no settings file, no
// conversation options; tst_cli's appBenchUsesTheWindowsSampler checks that they still are).
GenerationSettings windowSampler()
{
    return {.temperature = 0.7, .topP = 0.95, .topK = 40, .minP = 0.05, .repeatPenalty = 1.1};
}

// --sampler greedy: argmax with no penalty, the closest the sampler comes to bench (which
// samples nothing).
GenerationSettings greedySampler() { return {.temperature = 0, .topP = 1, .topK = 0, .minP = 0, .repeatPenalty = 1}; }

// CPU time of the whole process (every thread), in seconds.
double processCpuSeconds()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto sec = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

// CPU time of the calling thread, in seconds.
double threadCpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

// One measured run of one path.
struct Sample {
    int promptTokens = 0;   // the prompt's tokens the run evaluated (the window: prompt - cached)
    int cachedTokens = 0;   // the window only: the prompt's tokens already in the KV cache
    int generated = 0;
    double ppTs = 0;   // prompt tokens / second
    double tgTs = 0;   // generated tokens / second
    double ttftMs = 0;
    double wallS = 0;
    double cpuS = 0;
    // The generated tokens' share of cpuS. The window's: from its first text to the end (the
    // engine sends the first token's text at once when the prompt took over 16 ms, so for any real
    // model; the tiny test model's may come only at the end), the prompt's share then including
    // the template.
    double tgCpuS = 0;
};

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

Sample medianOf(const std::vector<Sample>& runs)
{
    auto of = [&](auto field) {
        std::vector<double> v;
        for (const Sample& s : runs)
            v.push_back(double(s.*field));
        return median(v);
    };
    Sample m;
    m.promptTokens = int(of(&Sample::promptTokens));
    m.cachedTokens = int(of(&Sample::cachedTokens));
    m.generated = int(of(&Sample::generated));
    m.ppTs = of(&Sample::ppTs);
    m.tgTs = of(&Sample::tgTs);
    m.ttftMs = of(&Sample::ttftMs);
    m.wallS = of(&Sample::wallS);
    m.cpuS = of(&Sample::cpuS);
    m.tgCpuS = of(&Sample::tgCpuS);
    return m;
}

struct Plan {
    std::string path;
    int threads = 0;
    int tokens = 128;
    int runs = 3;
    QString prompt;
    bool greedy = false;
    bool windowPositions = false;   // --positions window: bench's tokens where the window's are
    bool json = false;
};

Result<Plan> parsePlan(const std::vector<std::string>& argList)
{
    const Args a(argList, {"json"});
    if (!a.ok())
        return make_error(a.error());
    if (const auto bad = a.unknown({"t", "threads", "n", "r", "prompt", "prompt-file", "sampler", "positions", "json"});
        !bad.empty())
        return make_error("unknown option --" + bad.front());
    if (a.positional().size() != 1)
        return make_error("usage: causerie-cli appbench MODEL [-t N] [-n 128] [-r 3] [--prompt TEXT | --prompt-file "
                          "FILE] [--sampler app|greedy] [--positions bench|window] [--json]");
    Plan p;
    p.path = a.positional().front();
    std::string err;
    // The window's "automatic": every core but one (EngineWorker), given to both paths.
    const long long threads =
        a.get_int(a.has("threads") ? "threads" : "t", &err).value_or(std::max(1, QThread::idealThreadCount() - 1));
    const long long tokens = a.get_int("n", &err).value_or(128);
    const long long runs = a.get_int("r", &err).value_or(3);
    if (!err.empty())
        return make_error(err);
    if (threads < 1 || threads > 1024)
        return make_error("option -t expects 1 to 1024 threads, got " + std::to_string(threads));
    if (tokens < 1 || tokens > 16384)
        return make_error("option -n expects 1 to 16384 tokens, got " + std::to_string(tokens));
    if (runs < 1 || runs > 1000)
        return make_error("option -r expects 1 to 1000 runs, got " + std::to_string(runs));
    p.threads = int(threads);
    p.tokens = int(tokens);
    p.runs = int(runs);
    if (a.has("prompt") && a.has("prompt-file"))
        return make_error("give --prompt or --prompt-file, not both");
    p.prompt = QString::fromStdString(a.get("prompt", kDefaultPrompt));
    if (a.has("prompt-file")) {
        QFile f(QString::fromStdString(a.get("prompt-file")));
        if (!f.open(QIODevice::ReadOnly))
            return make_error("cannot read " + a.get("prompt-file") + ": " + f.errorString().toStdString());
        p.prompt = QString::fromUtf8(f.readAll());
    }
    if (p.prompt.trimmed().isEmpty())
        return make_error("the prompt is empty");
    const std::string sampler = a.get("sampler", "app");
    if (sampler != "app" && sampler != "greedy")
        return make_error("option --sampler expects app or greedy, got '" + sampler + "'");
    p.greedy = sampler == "greedy";
    const std::string positions = a.get("positions", "bench");
    if (positions != "bench" && positions != "window")
        return make_error("option --positions expects bench or window, got '" + positions + "'");
    p.windowPositions = positions == "window";
    p.json = a.has("json");
    return p;
}

// Runs the event loop until `done` returns true (the answers come as queued signals).
template <typename Done>
void waitUntil(Done done)
{
    QEventLoop loop;
    while (!done())
        loop.processEvents(QEventLoop::WaitForMoreEvents);
}

// The window's path: LocalBackend (this thread) and its EngineWorker (the engine thread).
class AppPath {
public:
    Result<LocalModelInfo> load(const Plan& plan)
    {
        LocalModelOptions o;
        o.path = QString::fromStdString(plan.path);
        o.threads = plan.threads;
        o.device = QStringLiteral("cpu");   // bench measures the CPU
        bool done = false;
        QString error;
        const QMetaObject::Connection loaded =
            QObject::connect(&m_backend, &LocalBackend::modelLoaded, [&] { done = true; });
        const QMetaObject::Connection failed =
            QObject::connect(&m_backend, &LocalBackend::modelLoadFailed, [&](const QString&, const QString& message) {
                error = message;
                done = true;
            });
        m_backend.loadModel(o);
        waitUntil([&] { return done; });
        QObject::disconnect(loaded);
        QObject::disconnect(failed);
        if (!error.isEmpty())
            return make_error(error.toStdString());
        return m_backend.modelInfo();
    }

    // One chat turn, a new conversation with one user message, as the window sends it.
    Result<Sample> turn(const QString& text, const GenerationSettings& settings)
    {
        bool done = false;
        GenerationStats stats;
        QString error;
        const QMetaObject::Connection finished =
            QObject::connect(&m_backend, &ChatBackend::finished, [&](const QString&, const GenerationStats& s) {
                stats = s;
                done = true;
            });
        const QMetaObject::Connection failed =
            QObject::connect(&m_backend, &ChatBackend::failed, [&](const QString&, const BackendError& e) {
                error = e.message + QLatin1Char(' ') + e.detail;
                done = true;
            });
        double firstTextCpu = -1;
        const QMetaObject::Connection firstText = QObject::connect(&m_backend, &ChatBackend::delta, [&] {
            if (firstTextCpu < 0)
                firstTextCpu = processCpuSeconds();
        });
        QElapsedTimer wall;
        const double cpu0 = processCpuSeconds();
        wall.start();
        m_backend.startChat({{QStringLiteral("user"), text, {}}}, settings);
        waitUntil([&] { return done; });
        Sample s;
        s.wallS = double(wall.nsecsElapsed()) / 1e9;
        const double cpu1 = processCpuSeconds();
        s.cpuS = cpu1 - cpu0;
        s.tgCpuS = firstTextCpu < 0 ? 0 : cpu1 - firstTextCpu;
        QObject::disconnect(firstText);
        QObject::disconnect(finished);
        QObject::disconnect(failed);
        if (!error.isEmpty())
            return make_error(error.toStdString());
        s.cachedTokens = std::max(0, stats.cachedTokens);
        s.promptTokens = stats.promptTokens - s.cachedTokens;
        s.generated = stats.completionTokens;
        s.ttftMs = stats.ttftMs;
        // The window shows the time to first token and the prompt's tokens: their ratio is the
        // prompt's speed it implies. Its tokens/s is the engine's, shown as it is.
        s.ppTs = stats.ttftMs > 0 ? s.promptTokens * 1000.0 / stats.ttftMs : 0;
        s.tgTs = stats.tokensPerSecond;
        return s;
    }

private:
    LocalBackend m_backend;
};

// bench's measurement (causerie-cli bench): the backend's eval of random ids from an empty cache,
// a prompt in one call, then tokens one at a time; nothing sampled, nothing decoded to text.
class BenchPath {
public:
    Status load(const Plan& plan, int contextSize)
    {
        auto model = load_model(plan.path);
        if (!model)
            return model.error();
        m_model = std::make_unique<Model>(std::move(model).value());
        BackendOptions o;
        o.n_threads = plan.threads;
        o.n_ctx = contextSize;   // the app's: the cache's rows are laid out per position, n_ctx costs no time
        o.device = "cpu";
        auto backend = create_backend(*m_model, o, nullptr);
        if (!backend)
            return backend.error();
        m_backend = std::move(backend).value();
        std::mt19937 rng(1234);
        std::uniform_int_distribution<int32_t> id(0, int32_t(m_model->hp.n_vocab - 1));
        m_ids.resize(size_t(contextSize));
        for (int32_t& t : m_ids)
            t = id(rng);
        m_logits.resize(size_t(m_model->hp.n_vocab));
        // bench's warm-up: the mapped weights paged in, the pool awake.
        return m_backend->eval(std::span(m_ids.data(), std::min<size_t>(m_ids.size(), 16)), 0, m_logits.data());
    }

    // `from`: the position of the first generated token (bench: 0, an empty cache; the window's
    // tokens follow its whole prompt, so each reads that many more cached rows).
    Result<Sample> run(int promptTokens, int generated, int from)
    {
        using Clock = std::chrono::steady_clock;
        auto seconds = [](Clock::time_point from) {
            return std::chrono::duration<double>(Clock::now() - from).count();
        };
        Sample s;
        s.promptTokens = promptTokens;
        s.generated = generated;
        const double cpu0 = processCpuSeconds();
        const auto start = Clock::now();
        if (auto st = m_backend->eval(std::span(m_ids.data(), size_t(promptTokens)), 0, m_logits.data()); !st)
            return st.error();
        const double pp = seconds(start);
        const auto tgStart = Clock::now();
        const double tgCpu0 = processCpuSeconds();
        for (int i = 0; i < generated; ++i)
            if (auto st = m_backend->eval(std::span(&m_ids[size_t(i)], 1), from + i, m_logits.data()); !st)
                return st.error();
        const double tg = seconds(tgStart);
        s.wallS = seconds(start);
        s.cpuS = processCpuSeconds() - cpu0;
        s.tgCpuS = processCpuSeconds() - tgCpu0;
        s.ppTs = promptTokens / pp;
        s.tgTs = generated / tg;
        s.ttftMs = pp * 1000.0;
        return s;
    }

    // What the window's sampler costs a token and bench does not pay: `tokens` draws over the
    // last logits bench computed (a real row), with a history as long as the window's, in CPU
    // time of this thread (a busy machine does not blur it). Microseconds a token.
    double samplerMicroseconds(const GenerationSettings& g, int historyTokens, int tokens)
    {
        SamplingParams p;   // as EngineWorker::prepare sets it
        p.temperature = float(g.temperature);
        p.top_p = float(g.topP);
        p.top_k = g.topK;
        p.min_p = float(g.minP);
        p.repeat_penalty = float(g.repeatPenalty);
        p.random_seed = false;
        Sampler sampler(p);
        const std::span<const int32_t> history(m_ids.data(), std::min(m_ids.size(), size_t(historyTokens)));
        const double cpu0 = threadCpuSeconds();
        int32_t sink = 0;
        for (int i = 0; i < tokens; ++i)
            sink ^= sampler.sample(m_logits, history);
        const double us = (threadCpuSeconds() - cpu0) * 1e6 / tokens;
        return sink == INT32_MIN ? -us : us;   // keeps the draws from being optimized away
    }

private:
    std::unique_ptr<Model> m_model;
    std::unique_ptr<ComputeBackend> m_backend;
    std::vector<int32_t> m_ids;
    std::vector<float> m_logits;
};

void printRow(const char* run, const char* path, const Sample& s)
{
    std::printf("| %6s | %-6s | %7d | %6d | %9d | %9.1f | %9.1f | %8.1f | %7.2f | %7.2f | %8.2f |\n", run, path,
                s.promptTokens, s.cachedTokens, s.generated, s.ppTs, s.tgTs, s.ttftMs, s.wallS, s.cpuS, s.tgCpuS);
    std::fflush(stdout);
}

void writeSample(JsonWriter& w, const char* path, const Sample& s)
{
    w.begin_object();
    w.key("path").value(path);
    w.key("prompt_tokens").value(s.promptTokens).key("cached_tokens").value(s.cachedTokens);
    w.key("generated").value(s.generated);
    w.key("pp_ts").value(s.ppTs, "%.3f").key("tg_ts").value(s.tgTs, "%.3f");
    w.key("ttft_ms").value(s.ttftMs, "%.3f").key("wall_s").value(s.wallS, "%.4f").key("cpu_s").value(s.cpuS, "%.4f");
    w.key("tg_cpu_s").value(s.tgCpuS, "%.4f");
    w.end_object();
}

}   // namespace

int cmd_appbench(int argc, char** argv, const std::vector<std::string>& argList)
{
    auto plan = parsePlan(argList);
    if (!plan)
        return fail(plan.error().message);
    QCoreApplication qapp(argc, argv);
    const GenerationSettings sampling = plan->greedy ? greedySampler() : windowSampler();

    AppPath appPath;
    auto info = appPath.load(*plan);
    if (!info)
        return fail(info.error().message);
    BenchPath benchPath;
    if (auto st = benchPath.load(*plan, info->contextSize); !st)
        return fail(st.error().message);

    // Each run is a new conversation: its first words differ from the previous run's, so the
    // KV cache keeps only the template's opening, as when the user starts a new chat.
    auto turnText = [&](int run) { return QStringLiteral("Story %1. ").arg(QChar(u'A' + run % 26)) + plan->prompt; };
    auto turnSettings = [&](int run) {
        GenerationSettings s = sampling;
        s.maxTokens = plan->tokens;
        s.seed = quint64(run);   // the app's default seed is random: fixed here, for the same answers each time
        return s;
    };
    // One untimed turn first (bench warms up too): the app's pool started, its prompt cache filled.
    if (auto warm = appPath.turn(turnText(plan->runs), turnSettings(plan->runs)); !warm)
        return fail(warm.error().message);

    if (!plan->json) {
        std::printf("model: %s (%s), %s, %s KV cache, context %d\n", info->name.toUtf8().constData(),
                    info->quantization.toUtf8().constData(), info->device.toUtf8().constData(),
                    info->kvType.toUtf8().constData(), info->contextSize);
        std::printf("sampler (window): temperature %.2f, top-k %d, top-p %.2f, min-p %.2f, repeat penalty %.2f, "
                    "seed = run; at most %d tokens\n",
                    sampling.temperature, sampling.topK, sampling.topP, sampling.minP, sampling.repeatPenalty,
                    plan->tokens);
        std::printf("bench's generated tokens from position %s\n",
                    plan->windowPositions ? "the window's (after its whole prompt)" : "0 (as bench)");
        std::printf("CPU s: the whole process's, the window's turn from its request to its statistics; tg CPU s: "
                    "the generated tokens' (the window's from its first text)\n");
        std::printf("window: pp t/s = prefilled tokens (prompt - cached) / time to first token (the window shows "
                    "both), tg t/s = "
                    "the answer's tokens/s\nbench: the same token counts, random ids, from an empty cache\n\n");
        std::printf("| %6s | %-6s | %7s | %6s | %9s | %9s | %9s | %8s | %7s | %7s | %8s |\n", "run", "path", "prefill",
                    "cached", "generated", "pp t/s", "tg t/s", "ttft ms", "wall s", "CPU s", "tg CPU s");
        std::printf("| -----: | ------ | ------: | -----: | --------: | --------: | --------: | -------: | ------: | "
                    "------: | -------: |\n");
    }
    std::vector<Sample> app, bench;
    for (int run = 0; run < plan->runs; ++run) {
        auto a = appPath.turn(turnText(run), turnSettings(run));
        if (!a)
            return fail(a.error().message);
        const int from = plan->windowPositions ? a->cachedTokens + a->promptTokens : 0;
        auto b = benchPath.run(std::max(1, a->promptTokens), std::max(1, a->generated), from);
        if (!b)
            return fail(b.error().message);
        app.push_back(*a);
        bench.push_back(*b);
        if (!plan->json) {
            const std::string n = std::to_string(run + 1);
            printRow(n.c_str(), "window", *a);
            printRow(n.c_str(), "bench", *b);
        }
    }
    const Sample appMedian = medianOf(app), benchMedian = medianOf(bench);
    const double samplerUs = benchPath.samplerMicroseconds(
        sampling, appMedian.cachedTokens + appMedian.promptTokens + appMedian.generated, 1000);
    const double benchTokenUs = benchMedian.generated > 0 ? benchMedian.tgCpuS / benchMedian.generated * 1e6 : 0;
    const double tgCpuRatio = benchMedian.tgCpuS > 0 ? appMedian.tgCpuS / benchMedian.tgCpuS : 0;
    const double ppRatio = benchMedian.ppTs > 0 ? appMedian.ppTs / benchMedian.ppTs : 0;
    const double tgRatio = benchMedian.tgTs > 0 ? appMedian.tgTs / benchMedian.tgTs : 0;
    // The same work on both paths: on a busy machine the CPU time says more than the clock.
    const double cpuRatio = benchMedian.cpuS > 0 ? appMedian.cpuS / benchMedian.cpuS : 0;
    if (plan->json) {
        JsonWriter w;
        w.begin_object();
        w.key("model").value(info->name.toStdString()).key("type").value(info->quantization.toStdString());
        w.key("device").value(info->device.toStdString()).key("threads").value(plan->threads);
        w.key("positions").value(plan->windowPositions ? "window" : "bench");
        w.key("sampler").begin_object();
        w.key("temperature").value(sampling.temperature).key("top_k").value(sampling.topK);
        w.key("top_p").value(sampling.topP).key("min_p").value(sampling.minP);
        w.key("repeat_penalty").value(sampling.repeatPenalty).key("max_tokens").value(plan->tokens);
        w.end_object();
        w.key("runs").begin_array();
        for (size_t i = 0; i < app.size(); ++i) {
            writeSample(w, "window", app[i]);
            writeSample(w, "bench", bench[i]);
        }
        w.end_array();
        w.key("median").begin_array();
        writeSample(w, "window", appMedian);
        writeSample(w, "bench", benchMedian);
        w.end_array();
        w.key("window_over_bench").begin_object();
        w.key("pp").value(ppRatio, "%.4f").key("tg").value(tgRatio, "%.4f").key("cpu").value(cpuRatio, "%.4f");
        w.key("tg_cpu").value(tgCpuRatio, "%.4f");
        w.end_object();
        w.key("sampler_us_per_token")
            .value(samplerUs, "%.2f")
            .key("bench_cpu_us_per_token")
            .value(benchTokenUs, "%.2f");
        w.end_object();
        std::printf("%s\n", w.str().c_str());
        return 0;
    }
    printRow("median", "window", appMedian);
    printRow("median", "bench", benchMedian);
    std::printf("\nwindow / bench (medians): pp %.2fx, tg %.2fx, CPU time %.2fx, tg CPU time %.2fx\n", ppRatio, tgRatio,
                cpuRatio, tgCpuRatio);
    std::printf("the window's sampler: %.1f us of CPU a token; bench's CPU a generated token: %.0f us (%.2f %%)\n",
                samplerUs, benchTokenUs, benchTokenUs > 0 ? 100.0 * samplerUs / benchTokenUs : 0.0);
    return 0;
}

}   // namespace causerie::cli
