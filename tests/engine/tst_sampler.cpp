// The sampler: each filter on hand-made logits whose answer is known, and the draw's
// distribution and reproducibility.
#include "engine/backend.h"
#include "engine/sampler.h"

#include <QTest>

#include <cmath>
#include <random>
#include <map>
#include <set>
#include <vector>

using namespace causerie;

namespace {

SamplingParams plain(float temperature)
{
    SamplingParams p{.temperature = temperature, .top_k = 0, .top_p = 1.0f, .min_p = 0.0f, .repeat_penalty = 1.0f};
    p.seed = 42;   // fixed: every histogram is reproducible
    p.random_seed = false;
    return p;
}

std::map<int32_t, int> histogram(SamplingParams p, const std::vector<float>& logits, int draws,
                                 const std::vector<int32_t>& history = {})
{
    Sampler s(p);
    std::map<int32_t, int> h;
    for (int i = 0; i < draws; ++i)
        ++h[s.sample(logits, history)];
    return h;
}

// The obvious algorithm over the whole vocabulary, written independently of the sampler: every
// id is a candidate, the penalty looks each one up in the window, the candidates are stably
// sorted (lower id first among equal logits), then cut by top-k, top-p and min-p, and drawn with
// the same generator and the same arithmetic as the sampler's documented behaviour.
class ReferenceSampler {
public:
    explicit ReferenceSampler(const SamplingParams& p)
        : m_p(p)
        , m_rng(p.seed)
    {
    }

    int32_t sample(const std::vector<float>& logits, const std::vector<int32_t>& history)
    {
        std::set<int32_t> window;
        if (m_p.repeat_penalty != 1.0f && m_p.repeat_last_n != 0) {
            const size_t last =
                m_p.repeat_last_n < 0 ? history.size() : std::min(history.size(), size_t(m_p.repeat_last_n));
            window.insert(history.end() - std::ptrdiff_t(last), history.end());
        }
        std::vector<std::pair<int32_t, float>> cand;
        for (size_t i = 0; i < logits.size(); ++i) {
            float l = logits[i];
            if (window.count(int32_t(i)))
                l = l > 0.0f ? l / m_p.repeat_penalty : l * m_p.repeat_penalty;
            cand.push_back({int32_t(i), l});
        }
        if (m_p.temperature <= 0.0f) {
            size_t best = 0;
            for (size_t i = 1; i < cand.size(); ++i)
                if (cand[i].second > cand[best].second)
                    best = i;
            return cand[best].first;
        }
        std::stable_sort(cand.begin(), cand.end(), [](auto& a, auto& b) { return a.second > b.second; });
        if (m_p.top_k > 0 && size_t(m_p.top_k) < cand.size())
            cand.resize(size_t(m_p.top_k));
        std::vector<float> p;
        auto softmax = [&] {
            p.assign(cand.size(), 0.0f);
            double sum = 0.0;
            for (size_t i = 0; i < cand.size(); ++i) {
                p[i] = std::exp(cand[i].second - cand[0].second);
                sum += p[i];
            }
            for (auto& x : p)
                x = float(x / sum);
        };
        if (m_p.top_p < 1.0f) {
            softmax();
            double cum = 0.0;
            for (size_t i = 0; i < cand.size(); ++i) {
                cum += p[i];
                if (cum >= m_p.top_p) {
                    cand.resize(i + 1);
                    break;
                }
            }
        }
        if (m_p.min_p > 0.0f) {
            softmax();
            size_t cut = 1;
            while (cut < cand.size() && p[cut] >= p[0] * m_p.min_p)
                ++cut;
            cand.resize(cut);
        }
        for (auto& c : cand)
            c.second /= m_p.temperature;
        softmax();
        const double r = double(m_rng() >> 11) * (1.0 / 9007199254740992.0);
        double cum = 0.0;
        for (size_t i = 0; i < cand.size(); ++i) {
            cum += p[i];
            if (r < cum)
                return cand[i].first;
        }
        return cand.back().first;
    }

private:
    SamplingParams m_p;
    std::mt19937_64 m_rng;
};

}   // namespace

class TestSampler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void greedyIsArgmax();
    void distributionFollowsSoftmax();
    void temperatureSharpens();
    void cutsKeepOnlyTheirTokens_data();
    void cutsKeepOnlyTheirTokens();
    void repetitionPenalty();
    void seedReproducible();
    void bestLogitsOnlyChooseAsTheWholeRow();
    void matchesReferenceImplementation();
    void keptBuffersFollowTheRowSize();
};

void TestSampler::greedyIsArgmax()
{
    const std::vector<float> logits = {0.1f, 2.5f, -1.0f, 2.5f, 1.0f};
    Sampler s(plain(0.0f));
    QCOMPARE(s.sample(logits, {}), 1);   // first of equal maxima
    QCOMPARE(Sampler::argmax(logits), 1);
}

void TestSampler::distributionFollowsSoftmax()
{
    // logits ln 3 and 0 at temperature 1: probabilities 0.75 / 0.25.
    const std::vector<float> logits = {std::log(3.0f), 0.0f};
    const int n = 20000;
    auto h = histogram(plain(1.0f), logits, n);
    const double p0 = double(h[0]) / n;
    // Binomial standard deviation sqrt(0.75*0.25/20000) = 0.0031: 0.015 is ~5 sigma.
    QVERIFY2(std::fabs(p0 - 0.75) < 0.015, qPrintable(QString::number(p0)));
}

void TestSampler::temperatureSharpens()
{
    // At temperature 0.5 the ratio 3:1 becomes 9:1 (p0 = 0.9).
    const std::vector<float> logits = {std::log(3.0f), 0.0f};
    const int n = 20000;
    auto h = histogram(plain(0.5f), logits, n);
    QVERIFY(std::fabs(double(h[0]) / n - 0.9) < 0.012);   // sigma 0.0021
}

// Top-k, top-p and min-p: the tokens drawn are exactly those the cut keeps.
void TestSampler::cutsKeepOnlyTheirTokens_data()
{
    QTest::addColumn<QList<float>>("logits");
    QTest::addColumn<float>("temperature");
    QTest::addColumn<int>("top_k");
    QTest::addColumn<float>("top_p");
    QTest::addColumn<float>("min_p");
    QTest::addColumn<int>("draws");
    QTest::addColumn<QList<int>>("kept");
    // Temperature 5 is flat enough that every token would appear without top-k.
    const QList<float> spread = {1.0f, 3.0f, 2.0f, 0.5f, 2.9f};
    QTest::newRow("top-k 2") << spread << 5.0f << 2 << 1.0f << 0.0f << 2000 << QList<int>{1, 4};
    QTest::newRow("top-k 1") << spread << 5.0f << 1 << 1.0f << 0.0f << 200 << QList<int>{1};
    // Probabilities 0.5, 0.3, 0.2: top-p 0.7 keeps {0, 1}; top-p 0.5 keeps {0}.
    const QList<float> nucleus = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
    QTest::newRow("top-p 0.7") << nucleus << 1.0f << 0 << 0.7f << 0.0f << 3000 << QList<int>{0, 1};
    QTest::newRow("top-p 0.5") << nucleus << 1.0f << 0 << 0.5f << 0.0f << 300 << QList<int>{0};
    // p = 0.6, 0.3, 0.1: min-p 0.2 drops token 2 (0.1 < 0.2 * 0.6), keeps token 1.
    const QList<float> unlikely = {std::log(0.6f), std::log(0.3f), std::log(0.1f)};
    QTest::newRow("min-p 0.2") << unlikely << 1.0f << 0 << 1.0f << 0.2f << 3000 << QList<int>{0, 1};
}

void TestSampler::cutsKeepOnlyTheirTokens()
{
    QFETCH(QList<float>, logits);
    QFETCH(float, temperature);
    QFETCH(int, top_k);
    QFETCH(float, top_p);
    QFETCH(float, min_p);
    QFETCH(int, draws);
    QFETCH(QList<int>, kept);
    SamplingParams p = plain(temperature);
    p.top_k = top_k;
    p.top_p = top_p;
    p.min_p = min_p;
    QList<int> drawn;
    for (const auto& [id, count] : histogram(p, std::vector<float>(logits.begin(), logits.end()), draws))
        drawn.push_back(id);
    QCOMPARE(drawn, kept);
}

void TestSampler::repetitionPenalty()
{
    // Token 0 leads by 0.5; dividing its positive logit by 1.5 (2.0 -> 1.33) hands the lead to 1.
    const std::vector<float> logits = {2.0f, 1.5f, -1.0f};
    auto p = plain(0.0f);
    p.repeat_penalty = 1.5f;
    Sampler s(p);
    QCOMPARE(s.sample(logits, {}), 0);
    QCOMPARE(s.sample(logits, std::vector<int32_t>{0}), 1);
    // Only the last repeat_last_n tokens count.
    p.repeat_last_n = 1;
    Sampler s2(p);
    QCOMPARE(s2.sample(logits, std::vector<int32_t>{0, 2}), 0);
    // A negative logit is multiplied, so it gets lower, not higher.
    const std::vector<float> neg = {-1.0f, -1.2f};
    p.repeat_last_n = 64;
    Sampler s3(p);
    QCOMPARE(s3.sample(neg, std::vector<int32_t>{0}), 1);
}

void TestSampler::seedReproducible()
{
    std::vector<float> logits(50);
    for (size_t i = 0; i < logits.size(); ++i)
        logits[i] = float(std::sin(double(i)));
    auto run = [&](uint64_t seed) {
        auto p = plain(1.0f);
        p.seed = seed;
        Sampler s(p);
        std::vector<int32_t> out;
        for (int i = 0; i < 64; ++i)
            out.push_back(s.sample(logits, {}));
        return out;
    };
    QCOMPARE(run(1), run(1));
    QVERIFY(run(1) != run(2));
}

// Random rows (some with many equal logits), histories with repeats and out-of-range ids, and
// every combination of the settings: the sampler draws exactly the reference's ids, token after
// token (the generators stay in step only if every draw matched).
void TestSampler::matchesReferenceImplementation()
{
    std::mt19937 gen(1234);
    int compared = 0;
    int distinct_ids = 0;
    for (int n : {1, 2, 7, 100, 3000}) {
        for (float temperature : {0.0f, 0.3f, 1.0f, 1.7f})
            for (int top_k : {0, 1, 5, 40, n + 3})
                for (float top_p : {1.0f, 0.9f, 0.4f})
                    for (float min_p : {0.0f, 0.05f, 0.3f})
                        for (auto [penalty, last_n] : {std::pair{1.0f, 64}, std::pair{1.3f, 8}, std::pair{1.1f, 64},
                                                       std::pair{0.8f, -1}, std::pair{1.5f, 0}}) {
                            const SamplingParams p{.temperature = temperature,
                                                   .top_k = top_k,
                                                   .top_p = top_p,
                                                   .min_p = min_p,
                                                   .repeat_penalty = penalty,
                                                   .repeat_last_n = last_n,
                                                   .seed = gen(),
                                                   .random_seed = false};
                            Sampler s(p);
                            ReferenceSampler ref(p);
                            std::vector<int32_t> history;
                            std::set<int32_t> seen;
                            for (int token = 0; token < 6; ++token) {
                                std::vector<float> logits(static_cast<size_t>(n));
                                const bool coarse = gen() % 3 == 0;   // few distinct values: ties
                                std::normal_distribution<float> normal(0.0f, 3.0f);
                                for (float& l : logits)
                                    l = coarse ? float(int(gen() % 5)) - 2.0f : normal(gen);
                                if (token == 0)
                                    history = {-1, n, n + 100};   // out of range: ignored
                                const int32_t want = ref.sample(logits, history);
                                const int32_t got = s.sample(logits, history);
                                if (got != want)
                                    QFAIL(qPrintable(QString("n=%1 t=%2 k=%3 p=%4 min_p=%5 pen=%6/%7 token %8: %9, "
                                                             "reference %10")
                                                         .arg(n)
                                                         .arg(temperature)
                                                         .arg(top_k)
                                                         .arg(top_p)
                                                         .arg(min_p)
                                                         .arg(penalty)
                                                         .arg(last_n)
                                                         .arg(token)
                                                         .arg(got)
                                                         .arg(want)));
                                ++compared;
                                seen.insert(got);
                                // Feed back the drawn id and some likely ones so the penalty bites.
                                history.push_back(got);
                                history.push_back(Sampler::argmax(logits));
                                history.push_back(int32_t(gen() % uint32_t(n)));
                            }
                            distinct_ids += int(seen.size());
                        }
    }
    QCOMPARE(compared, 5 * 4 * 5 * 3 * 3 * 5 * 6);
    QVERIFY(distinct_ids > 5 * 4 * 5 * 3 * 3 * 5);   // not always the same id
}

// The candidate buffer and the penalised row are kept between calls: rows of changing sizes
// (larger, then smaller, then larger) through one sampler still draw the reference's ids.
void TestSampler::keptBuffersFollowTheRowSize()
{
    for (float temperature : {0.0f, 0.8f}) {
        const SamplingParams p{.temperature = temperature,
                               .top_k = 20,
                               .top_p = 0.9f,
                               .min_p = 0.02f,
                               .repeat_penalty = 1.2f,
                               .repeat_last_n = 16,
                               .seed = 99,
                               .random_seed = false};
        Sampler s(p);
        ReferenceSampler ref(p);
        std::mt19937 gen(5);
        std::normal_distribution<float> normal(0.0f, 2.0f);
        std::vector<int32_t> history = {0, 1, 2, 3, 4, 2999, 17};
        for (int n : {3000, 5, 100, 1, 40, 3000, 2, 21, 20, 19}) {
            std::vector<float> logits(static_cast<size_t>(n));
            for (float& l : logits)
                l = normal(gen);
            const int32_t want = ref.sample(logits, history);
            QCOMPARE(s.sample(logits, history), want);
            QVERIFY(want >= 0 && want < n);
            history.push_back(want);
        }
    }
}

QTEST_GUILESS_MAIN(TestSampler)
// A GPU hands the sampler only the k best logits (+ those of the penalty window): for every
// setting, seed and row, the token must be the one the whole row gives, draws included. Rows
// with many ties and a window whose tokens sit both inside and outside the top k.
void TestSampler::bestLogitsOnlyChooseAsTheWholeRow()
{
    std::mt19937 gen(1234);
    std::normal_distribution<float> normal(0.0f, 2.0f);
    const std::vector<SamplingParams> settings = [] {
        std::vector<SamplingParams> v;
        for (float temp : {0.0f, 0.7f, 1.3f})
            for (int top_k : {1, 5, 40})
                for (float penalty : {1.0f, 1.3f, 3.0f}) {
                    v.push_back({.temperature = temp,
                                 .top_k = top_k,
                                 .top_p = temp > 1.0f ? 0.9f : 1.0f,
                                 .min_p = temp > 1.0f ? 0.0f : 0.05f,
                                 .repeat_penalty = penalty,
                                 .repeat_last_n = 16});
                }
        return v;
    }();
    int compared = 0, changed_by_penalty = 0;
    for (int row = 0; row < 40; ++row) {
        const int n_vocab = 500 + row * 37;
        std::vector<float> logits(static_cast<size_t>(n_vocab));
        for (float& l : logits)
            l = row % 3 == 0 ? std::round(normal(gen)) : normal(gen);   // every third row: many ties
        std::vector<int32_t> history;
        for (int i = 0; i < 24; ++i)   // recent tokens: some among the best logits, some not
            history.push_back(i % 2 ? int32_t(gen() % uint32_t(n_vocab)) : Sampler::argmax(logits) + int32_t(i % 5));
        for (const SamplingParams& base : settings) {
            SamplingParams p = base;
            p.random_seed = false;
            p.seed = uint64_t(row) * 7919u + 1;
            Sampler whole(p), best(p);
            std::vector<int32_t> window;
            const int k = best.top_needed(history, &window);
            QVERIFY(k > 0);
            TopLogits top;
            select_top_logits(logits.data(), n_vocab, k, window, &top);
            for (int draw = 0; draw < 3; ++draw) {   // the generators stay in step too
                const int32_t a = whole.sample(logits, history);
                const int32_t b = best.sample_top(top.ids, top.logits, window, top.gathered);
                QCOMPARE(b, a);
                ++compared;
            }
            if (p.temperature == 0.0f && p.repeat_penalty > 1.0f &&
                whole.sample(logits, history) != Sampler::argmax(logits))
                ++changed_by_penalty;
        }
    }
    QVERIFY(compared > 3000);
    QVERIFY2(changed_by_penalty > 0, "the penalty never changed a greedy choice: the window part was not exercised");
    // Top-k off with a temperature: the whole row is needed.
    SamplingParams off;
    off.top_k = 0;
    std::vector<int32_t> window;
    QCOMPARE(Sampler(off).top_needed(std::vector<int32_t>{1, 2, 2}, &window), 0);
    QCOMPARE(window, (std::vector<int32_t>{1, 2}));
}

#include "tst_sampler.moc"
