// The sampler: each filter on hand-made logits whose answer is known, and the draw's
// distribution and reproducibility.
#include "engine/backend.h"
#include "engine/sampler.h"

#include <QTest>

#include <cmath>
#include <random>
#include <map>

using namespace causerie;

namespace {

SamplingParams plain(float temperature)
{
    SamplingParams p;
    p.temperature = temperature;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.repeat_penalty = 1.0f;
    p.random_seed = false;
    p.seed = 42;
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

}   // namespace

class TestSampler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void greedyIsArgmax();
    void distributionFollowsSoftmax();
    void temperatureSharpens();
    void topKKeepsK();
    void topPKeepsSmallestNucleus();
    void minPDropsUnlikely();
    void repetitionPenalty();
    void seedReproducible();
    void bestLogitsOnlyChooseAsTheWholeRow();
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

void TestSampler::topKKeepsK()
{
    const std::vector<float> logits = {1.0f, 3.0f, 2.0f, 0.5f, 2.9f};
    auto p = plain(5.0f);   // flat enough that every token would appear without top-k
    p.top_k = 2;
    auto h = histogram(p, logits, 2000);
    QCOMPARE(int(h.size()), 2);
    QVERIFY(h.count(1) && h.count(4));
    p.top_k = 1;
    h = histogram(p, logits, 200);
    QCOMPARE(h[1], 200);
}

void TestSampler::topPKeepsSmallestNucleus()
{
    // Probabilities 0.5, 0.3, 0.2: top-p 0.7 keeps {0, 1}; top-p 0.5 keeps {0}.
    const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
    auto p = plain(1.0f);
    p.top_p = 0.7f;
    auto h = histogram(p, logits, 3000);
    QCOMPARE(int(h.size()), 2);
    QVERIFY(!h.count(2));
    p.top_p = 0.5f;
    h = histogram(p, logits, 300);
    QCOMPARE(h[0], 300);
}

void TestSampler::minPDropsUnlikely()
{
    // p = 0.6, 0.3, 0.1: min-p 0.2 drops token 2 (0.1 < 0.2 * 0.6), keeps token 1.
    const std::vector<float> logits = {std::log(0.6f), std::log(0.3f), std::log(0.1f)};
    auto p = plain(1.0f);
    p.min_p = 0.2f;
    auto h = histogram(p, logits, 3000);
    QCOMPARE(int(h.size()), 2);
    QVERIFY(!h.count(2));
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
                    SamplingParams p;
                    p.temperature = temp;
                    p.top_k = top_k;
                    p.top_p = temp > 1.0f ? 0.9f : 1.0f;
                    p.min_p = temp > 1.0f ? 0.0f : 0.05f;
                    p.repeat_penalty = penalty;
                    p.repeat_last_n = 16;
                    v.push_back(p);
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
