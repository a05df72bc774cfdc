// What llama-golden and llama-chat-golden share: loading a model on the CPU, a context with the
// settings the goldens are made with, and the figures they print for a prompt (its ids, the
// next-token top-5 logits and greedy tokens decoded one at a time).
// For comparison only; llama.cpp itself is never part of Causerie.
#pragma once
#include "llama.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

namespace golden {

// Quiet llama.cpp, start its backend and load `path` on the CPU; nullptr (said on stderr) when it cannot.
inline llama_model* load_cpu_model(const char* path)
{
    llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model* model = llama_model_load_from_file(path, mp);
    if (!model)
        std::fprintf(stderr, "cannot load %s\n", path);
    return model;
}

// A context of n_ctx tokens (batches of 512) on `threads` threads with flash attention, whose CPU
// numerics the engine follows; `embeddings`: pooled with the file's own pooling. nullptr (said on
// stderr) when it cannot be made.
inline llama_context* make_context(llama_model* model, int threads, uint32_t n_ctx, bool embeddings)
{
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = n_ctx;
    cp.n_batch = 512;
    cp.n_ubatch = 512;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    if (embeddings) {
        cp.embeddings = true;
        cp.pooling_type = LLAMA_POOLING_TYPE_UNSPECIFIED;
    }
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    llama_context* ctx = llama_init_from_model(model, cp);
    if (!ctx)
        std::fprintf(stderr, "cannot create a context\n");
    return ctx;
}

// The context size: CTX from the environment, else 512.
inline uint32_t context_from_env()
{
    const char* ctx_env = std::getenv("CTX");
    return ctx_env ? uint32_t(std::atoi(ctx_env)) : 512;
}

// Evaluates `ids` as one batch and prints `header`, then "ids ...", "top5 id:logit ..." and
// "greedy ..." (n_greedy tokens, each decoded before the next is chosen); false (said on stderr)
// when a decode fails.
inline bool print_figures(llama_context* ctx, int n_vocab, std::vector<llama_token>& ids, int n_greedy,
                          const char* header)
{
    if (llama_decode(ctx, llama_batch_get_one(ids.data(), int32_t(ids.size()))) != 0) {
        std::fprintf(stderr, "decode failed\n");
        return false;
    }
    const float* logits = llama_get_logits_ith(ctx, -1);
    std::vector<int> order(static_cast<size_t>(n_vocab));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                      [&](int a, int b) { return logits[a] > logits[b]; });
    std::printf("%sids", header);
    for (llama_token id : ids)
        std::printf(" %d", id);
    std::printf("\ntop5");
    for (int i = 0; i < 5; ++i)
        std::printf(" %d:%.4f", order[size_t(i)], logits[order[size_t(i)]]);
    std::printf("\ngreedy");
    for (int step = 0; step < n_greedy; ++step) {
        const float* l = llama_get_logits_ith(ctx, -1);
        llama_token next = llama_token(std::max_element(l, l + n_vocab) - l);
        std::printf(" %d", next);
        if (llama_decode(ctx, llama_batch_get_one(&next, 1)) != 0) {
            std::fprintf(stderr, "decode failed\n");
            return false;
        }
    }
    std::printf("\n");
    return true;
}

}   // namespace golden
