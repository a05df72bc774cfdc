#pragma once
// `causerie-cli bench --device cuda-sim --json`: the work one test asks of a GPU, counted by the
// sim (engine/sim_counts.h) — launches, host syncs, global loads and the 32-byte sectors they
// touch — per token and per layer, and what a simple roofline model (docs/gpu-model.md) makes of
// those counts for the full-depth model on two real GPUs.
#include "engine/result.h"

#include <cstdint>
#include <string>

namespace causerie::cli {

struct SimTest {
    std::string model_path;
    int64_t n_prompt = 0;   // a prefill of n_prompt tokens (one eval), or
    int64_t n_gen = 0;      // n_gen decode steps from an empty cache
    int64_t n_ctx = 0;
    int n_threads = 1;
    bool app_sampler = false;   // decode through the app's sampling path (Session, eval_top_k)
    int64_t full_depth = 32;    // layers of the model the estimate is for
    int top_k = -1;             // app_sampler: the sampler's top-k (-1: the app's default)
};

// The "sim" object of a bench row (JSON text), or why it could not be counted.
Result<std::string> count_sim_test(const SimTest& test);

}   // namespace causerie::cli
