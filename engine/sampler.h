#pragma once
// Turns logits into the next token: repetition penalty, top-k, top-p, min-p, temperature, then
// a draw from a seeded generator (the same seed gives the same tokens on every machine).
// temperature <= 0 means greedy (argmax after the penalty).
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace causerie {

struct SamplingParams {
    float temperature = 0.7f;
    int top_k = 40;                // 0: off
    float top_p = 0.95f;           // 1: off
    float min_p = 0.05f;           // 0: off
    float repeat_penalty = 1.1f;   // 1: off
    int repeat_last_n = 64;        // tokens of history the penalty looks at
    uint64_t seed = 0;
    bool random_seed = true;   // false: use `seed`
};

// One draw as a device makes it (ComputeBackend::eval_sample, backend.h): the settings, the
// penalty window and the uniform number sample() would use, so both choose the same token.
struct SampleStep {
    float temperature = 0.0f;   // <= 0: greedy
    int top_k = 0;
    float top_p = 1.0f;
    float min_p = 0.0f;
    float repeat_penalty = 1.0f;
    std::vector<int32_t> window;   // distinct ids the penalty changes, ascending
    double draw = 0.0;             // uniform in [0, 1) (0 when greedy: nothing is drawn)
};

class Sampler {
public:
    explicit Sampler(const SamplingParams& params);

    // logits: n_vocab floats (not modified). history: tokens so far (prompt + generated).
    int32_t sample(std::span<const float> logits, std::span<const int32_t> history);

    // Sampling from the best logits only (a GPU selects them on the device and copies k values
    // instead of the whole row). top_needed() says how many best logits the next draw needs to
    // choose exactly as sample() would, and fills `window` with the distinct ids the repetition
    // penalty will change (their logits are needed too); 0: the whole row is needed (top-k off
    // with a temperature). The penalty can only lower a logit, so the top k after it are among
    // the top k + |window| before it plus the window itself.
    int top_needed(std::span<const int32_t> history, std::vector<int32_t>* window) const;
    // ids/logits: the best logits, descending (lower id first on ties); window_logits: the
    // logits of `window`, as filled by top_needed() for the same history.
    int32_t sample_top(std::span<const int32_t> ids, std::span<const float> logits, std::span<const int32_t> window,
                       std::span<const float> window_logits);

    // The next draw made elsewhere (a device): true when a device holding a window of max_window
    // ids chooses as sample() would -- greedy or top-k in 1..max_k from its best max_k
    // candidates, any other top-k (0 included) from the whole row (ComputeBackend::eval_sample,
    // which may leave that row to the host) -- then `step` holds what it needs and the generator
    // has advanced exactly as sample() would advance it. False (nothing consumed): a window too
    // long, sample() or sample_top() instead.
    bool device_step(std::span<const int32_t> history, int max_k, int max_window, SampleStep* step);
    // The device did not choose with `step` (it failed, or left the row to the host): its draw is
    // the next one again, so that sample() on the host draws it as if the device had never been asked.
    void return_draw(const SampleStep& step);

    static int32_t argmax(std::span<const float> logits);

private:
    struct Candidate {
        int32_t id;
        float logit;
        float p;
    };
    double uniform();   // [0, 1), the same sequence for the same seed everywhere
    std::vector<int32_t> penalty_window(std::span<const int32_t> history) const;   // distinct ids
    void penalty_window(std::span<const int32_t> history, std::vector<int32_t>& ids) const;
    float penalized(float logit) const;
    static bool better(const Candidate& a, const Candidate& b);   // higher logit, then lower id
    void apply_penalty(std::span<const int32_t> window, bool by_id);
    int32_t choose();        // from m_cand (penalty applied), in any order
    int32_t draw_sorted();   // top-p, min-p, temperature, draw: m_cand sorted by better(), non-empty

    SamplingParams m_p;
    std::mt19937_64 m_rng;
    // Kept between tokens so that sampling allocates nothing once warm.
    std::vector<Candidate> m_cand;
    std::vector<float> m_row;        // the row with the penalty applied
    std::vector<int32_t> m_window;   // the penalty's distinct ids
    bool m_have_returned = false;    // return_draw(): uniform() gives m_returned next
    double m_returned = 0.0;
};

}   // namespace causerie
