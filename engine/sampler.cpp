#include "sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace causerie {
namespace {

constexpr size_t kBlock = 16;

// True if any of the kBlock values at x is above `floor` (NaN is not): a loop the compiler turns
// into a few vector compares, so that scans skip the (many) blocks with nothing to look at.
inline bool any_above(const float* x, float floor)
{
    bool any = false;
    for (size_t j = 0; j < kBlock; ++j)
        any |= x[j] > floor;
    return any;
}

}   // namespace

Sampler::Sampler(const SamplingParams& params)
    : m_p(params)
    , m_rng(params.random_seed ? std::random_device{}() : params.seed)
{
}

float Sampler::penalized(float logit) const
{
    return logit > 0.0f ? logit / m_p.repeat_penalty : logit * m_p.repeat_penalty;
}

bool Sampler::better(const Candidate& a, const Candidate& b)
{
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

int32_t Sampler::argmax(std::span<const float> logits)
{
    // First maximum wins, as in llama.cpp's greedy sampler. The best value stays in a register.
    if (logits.empty())
        return 0;
    const size_t n = logits.size();
    const float* x = logits.data();
    size_t best = 0;
    float best_logit = x[0];
    size_t i = 1;
    for (; i + kBlock <= n; i += kBlock) {
        if (!any_above(x + i, best_logit))
            continue;
        for (size_t j = i; j < i + kBlock; ++j)
            if (x[j] > best_logit) {
                best_logit = x[j];
                best = j;
            }
    }
    for (; i < n; ++i)
        if (x[i] > best_logit) {
            best_logit = x[i];
            best = i;
        }
    return int32_t(best);
}

double Sampler::uniform()
{
    if (m_have_returned) {
        m_have_returned = false;
        return m_returned;
    }
    // 53 random bits -> [0, 1); std::uniform_real_distribution differs between libraries.
    return double(m_rng() >> 11) * (1.0 / 9007199254740992.0);
}

std::vector<int32_t> Sampler::penalty_window(std::span<const int32_t> history) const
{
    std::vector<int32_t> ids;
    penalty_window(history, ids);
    return ids;
}

void Sampler::penalty_window(std::span<const int32_t> history, std::vector<int32_t>& ids) const
{
    ids.clear();
    if (m_p.repeat_penalty == 1.0f || m_p.repeat_last_n == 0 || history.empty())
        return;
    const size_t last = m_p.repeat_last_n < 0 ? history.size() : std::min(history.size(), size_t(m_p.repeat_last_n));
    ids.assign(history.end() - std::ptrdiff_t(last), history.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

// Repetition penalty over the last repeat_last_n tokens (each distinct token once): positive
// logits are divided, negative ones multiplied, so both become less likely.
// m_cand is either the whole row in id order (by_id) or a short list in any order.
void Sampler::apply_penalty(std::span<const int32_t> window, bool by_id)
{
    auto penalize = [this](Candidate& c) { c.logit = penalized(c.logit); };
    if (by_id) {
        for (int32_t id : window)
            if (id >= 0 && size_t(id) < m_cand.size())
                penalize(m_cand[size_t(id)]);
        return;
    }
    for (Candidate& c : m_cand)
        if (std::binary_search(window.begin(), window.end(), c.id))
            penalize(c);
}

// The whole row without a candidate per entry: the penalty changes a copy of the row at the
// window's ids only (no copy when the window is empty); greedy is an argmax over that row; with
// top-k only the k best become candidates (one pass keeping a heap of k, the same entries
// partial_sort would keep, as the order "higher logit, then lower id" is total). What follows
// (top-p, min-p, temperature, the draw) sees the same sorted candidates as before.
int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> history)
{
    const size_t n = logits.size();
    if (n == 0)
        return 0;
    penalty_window(history, m_window);
    std::span<const float> row = logits;
    if (!m_window.empty()) {
        m_row.assign(logits.begin(), logits.end());
        for (int32_t id : m_window)
            if (id >= 0 && size_t(id) < n)
                m_row[size_t(id)] = penalized(m_row[size_t(id)]);
        row = m_row;
    }
    if (m_p.temperature <= 0.0f)
        return argmax(row);

    // A lambda (not the function's address) so that the heap and sort calls inline it.
    const auto by_rank = [](const Candidate& a, const Candidate& b) { return better(a, b); };
    m_cand.clear();
    if (m_p.top_k > 0 && size_t(m_p.top_k) < n) {
        // A heap of the k best so far, the worst on top. Ids arrive in increasing order, so an
        // entry equal to the worst kept one loses the tie: only a strictly higher logit enters.
        const size_t k = size_t(m_p.top_k);
        for (size_t i = 0; i < k; ++i)
            m_cand.push_back({int32_t(i), row[i], 0.0f});
        std::make_heap(m_cand.begin(), m_cand.end(), by_rank);
        float worst = m_cand.front().logit;
        const auto offer = [&](size_t i) {
            if (!(row[i] > worst))
                return;
            std::pop_heap(m_cand.begin(), m_cand.end(), by_rank);
            m_cand.back() = {int32_t(i), row[i], 0.0f};
            std::push_heap(m_cand.begin(), m_cand.end(), by_rank);
            worst = m_cand.front().logit;
        };
        size_t i = k;
        for (; i + kBlock <= n; i += kBlock)
            if (any_above(row.data() + i, worst))
                for (size_t j = i; j < i + kBlock; ++j)
                    offer(j);
        for (; i < n; ++i)
            offer(i);
    } else {
        m_cand.resize(n);
        for (size_t i = 0; i < n; ++i)
            m_cand[i] = {int32_t(i), row[i], 0.0f};
    }
    std::sort(m_cand.begin(), m_cand.end(), by_rank);
    return draw_sorted();
}

int Sampler::top_needed(std::span<const int32_t> history, std::vector<int32_t>* window) const
{
    *window = penalty_window(history);
    if (m_p.temperature <= 0.0f)
        return 1 + int(window->size());
    if (m_p.top_k <= 0)
        return 0;
    return m_p.top_k + int(window->size());
}

bool Sampler::device_step(std::span<const int32_t> history, int max_k, int max_window, SampleStep* step)
{
    if (max_k < 1)
        return false;
    penalty_window(history, step->window);
    if (int(step->window.size()) > max_window)
        return false;
    step->temperature = m_p.temperature;
    step->top_k = std::max(m_p.top_k, 0);   // 0 or above max_k: the whole row
    step->top_p = m_p.top_p;
    step->min_p = m_p.min_p;
    step->repeat_penalty = m_p.repeat_penalty;
    step->draw = m_p.temperature <= 0.0f ? 0.0 : uniform();   // sample() draws once per token unless greedy
    return true;
}

void Sampler::return_draw(const SampleStep& step)
{
    if (step.temperature <= 0.0f)
        return;   // greedy drew nothing
    m_have_returned = true;
    m_returned = step.draw;
}

int32_t Sampler::sample_top(std::span<const int32_t> ids, std::span<const float> logits,
                            std::span<const int32_t> window, std::span<const float> window_logits)
{
    m_cand.clear();
    for (size_t i = 0; i < ids.size() && i < logits.size(); ++i)
        m_cand.push_back({ids[i], logits[i], 0.0f});
    for (size_t i = 0; i < window.size() && i < window_logits.size(); ++i) {
        const bool listed =
            std::any_of(m_cand.begin(), m_cand.begin() + std::ptrdiff_t(std::min(ids.size(), logits.size())),
                        [&](const Candidate& c) { return c.id == window[i]; });
        if (!listed)
            m_cand.push_back({window[i], window_logits[i], 0.0f});
    }
    if (m_cand.empty())
        return 0;
    apply_penalty(window, false);
    return choose();
}

int32_t Sampler::choose()
{
    const size_t n = m_cand.size();
    if (m_p.temperature <= 0.0f) {
        // The highest logit, the lower id on ties (m_cand may be in any order).
        size_t best = 0;
        for (size_t i = 1; i < n; ++i)
            if (m_cand[i].logit > m_cand[best].logit ||
                (m_cand[i].logit == m_cand[best].logit && m_cand[i].id < m_cand[best].id))
                best = i;
        return m_cand[best].id;
    }

    // Sorted by logit, highest first (lower id first for equal logits).
    const auto by_rank = [](const Candidate& a, const Candidate& b) { return better(a, b); };
    if (m_p.top_k > 0 && size_t(m_p.top_k) < n) {
        const size_t keep = size_t(m_p.top_k);
        std::partial_sort(m_cand.begin(), m_cand.begin() + std::ptrdiff_t(keep), m_cand.end(), by_rank);
        m_cand.resize(keep);
    } else {
        std::sort(m_cand.begin(), m_cand.end(), by_rank);
    }
    return draw_sorted();
}

int32_t Sampler::draw_sorted()
{
    auto softmax = [this] {
        const float max = m_cand.front().logit;
        double sum = 0.0;
        for (auto& c : m_cand) {
            c.p = std::exp(c.logit - max);
            sum += c.p;
        }
        for (auto& c : m_cand)
            c.p = float(c.p / sum);
    };

    // top-p: the smallest prefix whose probability reaches top_p.
    if (m_p.top_p < 1.0f) {
        softmax();
        double cum = 0.0;
        size_t cut = m_cand.size();
        for (size_t i = 0; i < m_cand.size(); ++i) {
            cum += m_cand[i].p;
            if (cum >= m_p.top_p) {
                cut = i + 1;
                break;
            }
        }
        m_cand.resize(cut);
    }
    // min-p: drop tokens less likely than min_p times the most likely one.
    if (m_p.min_p > 0.0f) {
        softmax();
        const float floor = m_cand.front().p * m_p.min_p;
        size_t cut = 1;
        while (cut < m_cand.size() && m_cand[cut].p >= floor)
            ++cut;
        m_cand.resize(cut);
    }

    for (auto& c : m_cand)
        c.logit /= m_p.temperature;
    softmax();
    const double r = uniform();
    double cum = 0.0;
    for (const auto& c : m_cand) {
        cum += c.p;
        if (r < cum)
            return c.id;
    }
    return m_cand.back().id;
}

}   // namespace causerie
