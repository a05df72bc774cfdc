// Device sampling (sample.cu) under the CUDA sim against the CPU sampler (engine/sampler.cpp):
// for the same seed both must choose the same token, row after row. The device gets the draw
// and the penalty window from Sampler::device_step, as the CUDA backend gives them.
#include "tst_cuda_util.h"

#include "engine/sampler.h"
#include "kernels/cuda/sample.cuh"
#if defined(CAUSERIE_CUDA_SIM)
#include "kernels/cuda/sim/sim_runtime.h"
#endif

#include <QTest>

#include <algorithm>
#include <limits>
#include <set>

using namespace cuda_test;
using causerie::Sampler;
using causerie::SampleStep;
using causerie::SamplingParams;

namespace {

enum class Fill { Random, Flat, FewLevels, AllEqual, NegInf, FirstNaN, Peaked };

// Logits of one row: `Flat` keeps them within a few units so that every setting has many
// candidates and the draw decides; the others are the edge cases of the brief.
std::vector<float> make_row(int64_t n, Fill fill, uint32_t seed)
{
    std::vector<float> v = random_floats(size_t(n), seed, fill == Fill::Flat ? 0.5f : 4.0f);
    std::mt19937 rng(seed);
    switch (fill) {
    case Fill::Random:
    case Fill::Flat: break;
    case Fill::FewLevels:
        for (auto& x : v)
            x = float(int(rng() % 4)) * 0.25f;
        break;
    case Fill::AllEqual: std::fill(v.begin(), v.end(), 0.75f); break;
    case Fill::NegInf:   // masked logits: only one in 50 is a number; -0.0 and 0.0 among them
        for (size_t i = 0; i < v.size(); ++i)
            if (i % 50 != 7)
                v[i] = -INFINITY;
        v[7] = -0.0f;
        v[57] = 0.0f;
        break;
    case Fill::FirstNaN:   // greedy's corner: nothing compares greater than a leading NaN
        v[0] = std::numeric_limits<float>::quiet_NaN();
        break;
    case Fill::Peaked: {   // a language model's shape: a few hundred likely ids over a low floor
        std::normal_distribution<float> low(0.0f, 1.0f), high(8.0f, 1.5f);
        for (auto& x : v)
            x = low(rng);
        for (int i = 0; i < 300; ++i)
            v[rng() % v.size()] = high(rng);
        break;
    }
    }
    return v;
}

// The device's answer for one row: params from `step`; `wide`: sample_logits_wide.
int32_t device_sample(const std::vector<float>& row, const SampleStep& step, bool* ok, bool wide = false)
{
    const gpu::SampleParams p{.draw = step.draw,
                              .temperature = step.temperature,
                              .top_p = step.top_p,
                              .min_p = step.min_p,
                              .repeat_penalty = step.repeat_penalty,
                              .top_k = step.top_k,
                              .n_window = int32_t(step.window.size())};
    std::vector<int32_t> window(size_t(gpu::kSampleMaxWindow), -1);
    std::copy(step.window.begin(), step.window.end(), window.begin());
    const int64_t n = int64_t(row.size());
    DeviceBuffer dx(row), dw(window), dp(sizeof p), dout(std::vector<int32_t>{-5}), dfeed(std::vector<int32_t>{-6});
    DeviceBuffer scratch(
        size_t(std::max<int64_t>(wide ? gpu::sample_wide_scratch_bytes(n) : gpu::sample_scratch_bytes(n), 4)));
    (void)gpu::copy_to_device(dp.ptr, &p, sizeof p, nullptr);
    const auto sample = wide ? gpu::sample_logits_wide : gpu::sample_logits;
    const auto st = sample(dx.as<float>(), n, dp.as<gpu::SampleParams>(), dw.as<int32_t>(), scratch.ptr,
                           dout.as<int32_t>(), dfeed.as<int32_t>(), nullptr);
    *ok = st.ok();
    if (!st.ok())
        qWarning("%s", st.error.c_str());
    const int32_t out = dout.read<int32_t>()[0];
    const int32_t fed = dfeed.read<int32_t>()[0];
    if (out == -1 ? fed != -6 : fed != out)
        *ok = false;   // the token fed to the next step is the one read (none when the host samples)
    return out;
}

// The sampler settings of the current data row (columns temperature, topK, topP, minP, penalty),
// with a fixed seed and a window of 64 tokens.
SamplingParams fetched_params()
{
    QFETCH(float, temperature);
    QFETCH(int, topK);
    QFETCH(float, topP);
    QFETCH(float, minP);
    QFETCH(float, penalty);
    SamplingParams sp;
    sp.temperature = temperature;
    sp.top_k = topK;
    sp.top_p = topP;
    sp.min_p = minP;
    sp.repeat_penalty = penalty;
    sp.repeat_last_n = 64;
    sp.random_seed = false;
    return sp;
}

}   // namespace

class TestCudaSample : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { CUDA_TEST_REQUIRE_DEVICE(); }
    void matchesCpuSampler_data();
    void matchesCpuSampler();
    void bothSchedules();
    void launchesPerLevel();
    void deviceStepRefusesWhatItCannotMatch();
    void wholeVocabularyMatchesCpu_data();
    void wholeVocabularyMatchesCpu();
    void wholeVocabularyRejectsBadInput();
    void wholeVocabularyLaunchesWithoutSync();
};

void TestCudaSample::matchesCpuSampler_data()
{
    addTypedColumns<int, int, float, int, float, float, float, int>("n", "fill", "temperature", "topK", "topP", "minP",
                                                                    "penalty", "rows");
    const int flat = int(Fill::Flat);
    QTest::newRow("app defaults, 32000") << 32000 << flat << 0.7f << 40 << 0.95f << 0.05f << 1.1f << 6;
    QTest::newRow("app defaults, 5003 (not a multiple of the chunk)")
        << 5003 << flat << 0.7f << 40 << 0.95f << 0.05f << 1.1f << 30;
    QTest::newRow("3 levels: 152064") << 152064 << flat << 1.0f << 128 << 0.9f << 0.0f << 1.3f << 2;
    QTest::newRow("top-k 1") << 5003 << flat << 0.8f << 1 << 0.95f << 0.05f << 1.1f << 10;
    QTest::newRow("top-k 128, top-p 1.0, min-p 0") << 4096 << flat << 1.5f << 128 << 1.0f << 0.0f << 1.0f << 30;
    QTest::newRow("top-p 1.0, min-p 0.2") << 4097 << flat << 1.0f << 64 << 1.0f << 0.2f << 1.0f << 30;
    QTest::newRow("top-p 0.5") << 3000 << flat << 1.0f << 100 << 0.5f << 0.0f << 1.1f << 30;
    QTest::newRow("temperature 0: greedy") << 5003 << int(Fill::Random) << 0.0f << 40 << 0.95f << 0.05f << 1.1f << 10;
    QTest::newRow("greedy, penalty 5 over repeats") << 2048 << flat << 0.0f << 0 << 1.0f << 0.0f << 5.0f << 10;
    QTest::newRow("greedy, ties") << 5003 << int(Fill::FewLevels) << 0.0f << 1 << 1.0f << 0.0f << 1.0f << 5;
    QTest::newRow("greedy, NaN first") << 3000 << int(Fill::FirstNaN) << 0.0f << 40 << 1.0f << 0.0f << 1.0f << 3;
    QTest::newRow("all equal") << 5003 << int(Fill::AllEqual) << 1.0f << 40 << 0.95f << 0.05f << 1.1f << 10;
    QTest::newRow("ties across the k-th") << 5003 << int(Fill::FewLevels) << 1.0f << 40 << 0.9f << 0.0f << 1.0f << 10;
    QTest::newRow("-inf logits, top-k 128") << 5003 << int(Fill::NegInf) << 1.0f << 128 << 0.95f << 0.05f << 1.1f << 10;
    QTest::newRow("tiny vocabulary below k") << 37 << flat << 1.0f << 128 << 1.0f << 0.0f << 1.2f << 30;
}

// Row after row from one seed: the CPU sampler and the device, each with its own generator of
// that seed, choose the same tokens; the history grows with the chosen tokens (many repeats, so
// the penalty window matters).
void TestCudaSample::matchesCpuSampler()
{
    QFETCH(int, n);
    QFETCH(int, fill);
    QFETCH(float, temperature);
    QFETCH(int, topK);
    QFETCH(int, rows);
    SamplingParams sp = fetched_params();
    sp.seed = uint64_t(n) * 7 + uint64_t(topK);
    Sampler cpu(sp), dev(sp);
    std::vector<int32_t> history;
    std::mt19937 rng{uint32_t(n)};
    for (int i = 0; i < 40; ++i)   // a prompt with repeated ids, some at the front of the vocabulary
        history.push_back(int32_t(rng() % uint32_t(std::min(n, 64))));
    std::set<int32_t> chosen;
    for (int r = 0; r < rows; ++r) {
        auto row = make_row(n, Fill(fill), uint32_t(1000 * r + n));
        // A few of the best ids repeated in the history: the penalty changes the ranking.
        const int32_t best = Sampler::argmax(row);
        if (!history.empty() && r % 2 == 0)
            history.push_back(best);
        const int32_t want = cpu.sample(row, history);
        SampleStep step;
        QVERIFY(dev.device_step(history, gpu::kSampleMaxK, gpu::kSampleMaxWindow, &step));
        bool ok = false;
        const int32_t got = device_sample(row, step, &ok);
        QVERIFY(ok);
        QVERIFY2(got == want, qPrintable(QStringLiteral("row %1: device %2, CPU %3").arg(r).arg(got).arg(want)));
        chosen.insert(want);
        history.push_back(want);
    }
    // With a temperature and flat logits the draw decides: not always the same token.
    if (temperature > 0 && topK > 1 && fill == int(Fill::Flat) && rows >= 10)
        QVERIFY2(chosen.size() > 1, "every row chose the same token: the draw was not exercised");
}

// The selection is a sort in shared memory: a missing barrier would show in one schedule.
void TestCudaSample::bothSchedules()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("the schedule is the sim's; a GPU has its own");
#else
    SamplingParams sp;
    sp.random_seed = false;
    sp.seed = 3;
    for (auto schedule : {causerie::cuda_sim::Schedule::Reverse, causerie::cuda_sim::Schedule::Forward}) {
        Sampler cpu(sp), dev(sp);
        const std::vector<int32_t> history{5, 9, 5, 77};
        causerie::cuda_sim::set_schedule(schedule);
        for (int r = 0; r < 4; ++r) {
            const auto row = make_row(9000, Fill::Flat, uint32_t(r));
            SampleStep step;
            QVERIFY(dev.device_step(history, gpu::kSampleMaxK, gpu::kSampleMaxWindow, &step));
            bool ok = false;
            const int32_t got = device_sample(row, step, &ok);
            QVERIFY(ok);
            const int32_t want = cpu.sample(row, history);
            QCOMPARE(got, want);
            // The whole-vocabulary path gathers its candidates in any order: the sort decides.
            SamplingParams whole = sp;
            whole.top_k = 0;
            const auto peaked = make_row(9000, Fill::Peaked, uint32_t(r));
            Sampler wcpu(whole);
            SampleStep wstep;
            QVERIFY(Sampler(sp).device_step(history, gpu::kSampleMaxK, gpu::kSampleMaxWindow, &wstep));
            wstep.top_k = 0;
            QCOMPARE(device_sample(peaked, wstep, &ok, true), wcpu.sample(peaked, history));
            QVERIFY(ok);
        }
        causerie::cuda_sim::set_schedule(causerie::cuda_sim::Schedule::Forward);
    }
#endif
}

// The tree's depth: one level up to kSampleChunk logits, two for 32000, three for 152064.
void TestCudaSample::launchesPerLevel()
{
    QCOMPARE(gpu::sample_launches(37), 1);
    QCOMPARE(gpu::sample_launches(gpu::kSampleChunk), 1);
    QCOMPARE(gpu::sample_launches(gpu::kSampleChunk + 1), 2);
    QCOMPARE(gpu::sample_launches(32000), 2);
    QCOMPARE(gpu::sample_launches(152064), 3);
    QCOMPARE(gpu::sample_scratch_bytes(1000), int64_t(0));
    QCOMPARE(gpu::sample_scratch_bytes(32000), int64_t(2 * 16 * gpu::kSampleMaxK * 8));
#if defined(CAUSERIE_CUDA_SIM)
    const uint64_t before = causerie::cuda_sim::launches();
    SampleStep step;
    step.temperature = 0.0f;
    bool ok = false;
    (void)device_sample(make_row(32000, Fill::Random, 1), step, &ok);
    QVERIFY(ok);
    QCOMPARE(causerie::cuda_sim::launches() - before, uint64_t(2));
#endif
    DeviceBuffer buf(4096);
    const auto st =
        gpu::sample_logits(buf.as<float>(), 0, nullptr, nullptr, nullptr, buf.as<int32_t>(), nullptr, nullptr);
    CUDA_VERIFY_REJECTED(st, "vocabulary size 0");
}

// What the device cannot choose exactly is left to the CPU path, and nothing is drawn for it.
// Top-k 0 (off) or above the tree's 128 is the whole-vocabulary path's: accepted, with its draw.
void TestCudaSample::deviceStepRefusesWhatItCannotMatch()
{
    SamplingParams sp;
    sp.random_seed = false;
    sp.seed = 11;
    const std::vector<int32_t> history{1, 2, 3};
    SampleStep step;
    for (int k : {0, -3, 129, 100000}) {
        sp.top_k = k;
        Sampler wide(sp), fresh(sp);
        SampleStep first, second, again;
        QVERIFY(wide.device_step(history, 128, 256, &first));
        QCOMPARE(first.top_k, std::max(k, 0));
        QVERIFY(first.draw > 0.0 && first.draw < 1.0);
        QVERIFY(wide.device_step(history, 128, 256, &second));   // the generator moved on
        QVERIFY(second.draw != first.draw);
        QVERIFY(fresh.device_step(history, 128, 256, &again));   // from the same first draw
        QCOMPARE(again.draw, first.draw);
    }
    QVERIFY(!Sampler(sp).device_step(history, 0, 256, &step));   // a device that does not sample
    sp.top_k = 40;
    sp.repeat_last_n = -1;   // a window longer than the device holds
    std::vector<int32_t> long_history(300);
    for (size_t i = 0; i < long_history.size(); ++i)
        long_history[i] = int32_t(i);
    QVERIFY(!Sampler(sp).device_step(long_history, 128, 256, &step));
    // Refusing consumed nothing: the next draw is the first of the seed.
    Sampler refused(sp), fresh(sp);
    QVERIFY(!refused.device_step(long_history, 128, 256, &step));
    SampleStep a, b;
    QVERIFY(refused.device_step(history, 128, 256, &a));
    QVERIFY(fresh.device_step(history, 128, 256, &b));
    QCOMPARE(a.draw, b.draw);
    QVERIFY(a.draw >= 0.0 && a.draw < 1.0);
    // Greedy takes no draw, whatever top-k says.
    sp.temperature = 0.0f;
    sp.top_k = 0;
    QVERIFY(Sampler(sp).device_step(history, 128, 256, &step));
    QCOMPARE(step.draw, 0.0);
}

void TestCudaSample::wholeVocabularyMatchesCpu_data()
{
    // device: 1 every row is chosen on the device, 0 every row is left to the host (-1), -1 either.
    addTypedColumns<int, int, float, int, float, float, float, int, int>("n", "fill", "temperature", "topK", "topP",
                                                                         "minP", "penalty", "rows", "device");
    const int peaked = int(Fill::Peaked), random = int(Fill::Random), flat = int(Fill::Flat);
    QTest::newRow("top-k 0, app defaults, 32000") << 32000 << peaked << 0.7f << 0 << 0.95f << 0.05f << 1.1f << 40 << 1;
    QTest::newRow("top-k 0, top-p 0.9 only, 32000") << 32000 << peaked << 1.0f << 0 << 0.9f << 0.0f << 1.1f << 40 << 1;
    QTest::newRow("top-k 0, min-p 0.1 only, 5003") << 5003 << peaked << 1.3f << 0 << 1.0f << 0.1f << 1.2f << 60 << 1;
    QTest::newRow("top-k 0, spikes, 152064") << 152064 << random << 1.0f << 0 << 0.95f << 0.05f << 1.1f << 4 << 1;
    QTest::newRow("top-k 0, nothing cut, 1500") << 1500 << flat << 1.0f << 0 << 1.0f << 0.0f << 1.1f << 40 << 1;
    // Flat rows (with a spike every 97 ids): mostly over the cap, sometimes a spike holds top-p.
    QTest::newRow("top-k 0, flat 32000: over the cap")
        << 32000 << flat << 1.0f << 0 << 0.95f << 0.0f << 1.1f << 6 << -1;
    QTest::newRow("top-k 0, nothing cut, 32000: over the cap")
        << 32000 << peaked << 1.0f << 0 << 1.0f << 0.0f << 1.1f << 3 << 0;
    QTest::newRow("top-k 1000, min-p 0.05") << 32000 << peaked << 0.8f << 1000 << 1.0f << 0.05f << 1.1f << 40 << 1;
    QTest::newRow("top-k 200, top-p 1, min-p 0") << 32000 << peaked << 1.0f << 200 << 1.0f << 0.0f << 1.1f << 40 << 1;
    QTest::newRow("top-k 200, top-p 0.95") << 32000 << peaked << 1.0f << 200 << 0.95f << 0.05f << 1.1f << 40 << -1;
    // Four levels of 1500 ids: the top one holds 35% of the mass, top-p 0.3 cuts inside it.
    QTest::newRow("top-k 0, ties") << 6000 << int(Fill::FewLevels) << 1.0f << 0 << 0.3f << 0.0f << 1.0f << 20 << 1;
    QTest::newRow("top-k 0, ties over the cap")
        << 5003 << int(Fill::FewLevels) << 1.0f << 0 << 0.5f << 0.0f << 1.0f << 5 << 0;
    QTest::newRow("top-k 0, -inf logits") << 5003 << int(Fill::NegInf) << 1.0f << 0 << 0.95f << 0.0f << 1.1f << 20 << 1;
    QTest::newRow("top-k 0, NaN: the host")
        << 3000 << int(Fill::FirstNaN) << 1.0f << 0 << 0.9f << 0.0f << 1.0f << 3 << 0;
}

// The whole-vocabulary path against the CPU sampler, row after row and seed after seed: every
// row the device chooses is the CPU's choice; a row it leaves to the host (-1) feeds nothing.
// The draw comes from a twin sampler's device_step (the session's), the row to choose from from
// the CPU sampler's.
void TestCudaSample::wholeVocabularyMatchesCpu()
{
    QFETCH(int, n);
    QFETCH(int, fill);
    QFETCH(int, topK);
    QFETCH(int, rows);
    QFETCH(int, device);
    SamplingParams sp = fetched_params();
    int on_device = 0, to_host = 0;
    std::set<int32_t> chosen;
    const int seeds = 8;
    for (int seed = 0; seed < seeds; ++seed) {
        sp.seed = uint64_t(n) * 13 + uint64_t(seed);
        Sampler cpu(sp), dev(sp);
        std::vector<int32_t> history;
        std::mt19937 rng{uint32_t(n + seed)};
        for (int i = 0; i < 40; ++i)
            history.push_back(int32_t(rng() % uint32_t(std::min(n, 64))));
        for (int r = 0; r < rows; ++r) {
            auto row = make_row(n, Fill(fill), uint32_t(1000 * r + n + 7 * seed));
            if (r % 2 == 0)
                history.push_back(Sampler::argmax(row));
            const int32_t want = cpu.sample(row, history);
            SampleStep step;
            QVERIFY(dev.device_step(history, gpu::kSampleMaxK, gpu::kSampleMaxWindow, &step));
            QCOMPARE(step.top_k, topK);
            bool ok = false;
            const int32_t got = device_sample(row, step, &ok, true);
            QVERIFY(ok);
            if (got == -1) {
                ++to_host;
            } else {
                ++on_device;
                QVERIFY2(got == want,
                         qPrintable(
                             QStringLiteral("seed %1 row %2: device %3, CPU %4").arg(seed).arg(r).arg(got).arg(want)));
            }
            chosen.insert(want);
            history.push_back(want);
        }
    }
    qInfo("%d rows chosen on the device, %d left to the host", on_device, to_host);
    if (device == 1)
        QCOMPARE(to_host, 0);
    if (device == 0)
        QCOMPARE(on_device, 0);
    if (device == -1)
        QVERIFY(on_device + to_host == seeds * rows);
    if (device == 1 && fill == int(Fill::Peaked))
        QVERIFY2(chosen.size() > 1, "every row chose the same token: the draw was not exercised");
}

void TestCudaSample::wholeVocabularyRejectsBadInput()
{
    DeviceBuffer buf(4096);
    CUDA_VERIFY_REJECTED(
        gpu::sample_logits_wide(buf.as<float>(), 0, nullptr, nullptr, buf.ptr, buf.as<int32_t>(), nullptr, nullptr),
        "vocabulary size 0");
    CUDA_VERIFY_REJECTED(
        gpu::sample_logits_wide(buf.as<float>(), 100, nullptr, nullptr, nullptr, buf.as<int32_t>(), nullptr, nullptr),
        "no scratch");
    // The penalized row, the bins, the candidates, per-block maxima, tail masses and NaN counts.
    QCOMPARE(gpu::sample_wide_scratch_bytes(32000), int64_t(32000 * 4 + 8192 * 4 + 2048 * 8 + 16 * 16 + 32));
    // What the backend allocates and the plan counts: the larger of the two paths' scratch (one
    // buffer: a step uses one path), then the parameters, the window and the chosen id.
    QCOMPARE(gpu::sample_device_bytes(32000), int64_t(177440 + 64 + 256 * 4 + 4));
    QCOMPARE(gpu::sample_device_bytes(1000), gpu::sample_wide_scratch_bytes(1000) + 64 + 256 * 4 + 4);
}

// The whole-vocabulary path is sample_wide_launches() launches and no wait of the host: the
// step's one sync stays the read of the chosen id.
void TestCudaSample::wholeVocabularyLaunchesWithoutSync()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("the counters are the sim's");
#else
    const int64_t n = 32000;
    gpu::SampleParams p;
    p.draw = 0.5;
    p.temperature = 0.8f;
    p.top_k = 0;
    p.top_p = 0.95f;
    p.min_p = 0.05f;
    DeviceBuffer dx(make_row(n, Fill::Peaked, 5)), dw(std::vector<int32_t>(size_t(gpu::kSampleMaxWindow), 0)),
        dp(sizeof p), dout(std::vector<int32_t>{-5});
    DeviceBuffer scratch(size_t(gpu::sample_wide_scratch_bytes(n)));
    QVERIFY(gpu::copy_to_device(dp.ptr, &p, sizeof p, nullptr).ok());
    causerie::cuda_sim::reset_counters();
    QVERIFY(gpu::sample_logits_wide(dx.as<float>(), n, dp.as<gpu::SampleParams>(), dw.as<int32_t>(), scratch.ptr,
                                    dout.as<int32_t>(), nullptr, nullptr)
                .ok());
    const auto c = causerie::cuda_sim::counters();
    QCOMPARE(c.launches, uint64_t(gpu::sample_wide_launches()));
    QCOMPARE(c.host_syncs, uint64_t(0));
    const int32_t id = dout.read<int32_t>()[0];
    QVERIFY(id >= 0 && id < n);
#endif
}

QTEST_GUILESS_MAIN(TestCudaSample)
#include "tst_cuda_sample.moc"
