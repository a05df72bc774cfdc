// Golden figures from llama.cpp for a GGUF model, through its C API (never its tokenizer):
// evaluates the given token ids as one batch, prints the five highest next-token logits, then 16
// greedy tokens decoded one at a time. For comparison tests only: llama.cpp is not a dependency.
//
// Build against a llama.cpp build tree (LLAMA = its source, BUILD = its build directory):
//   g++ -std=c++17 -O2 scripts/llama_golden.cpp -I$LLAMA/include -I$LLAMA/ggml/include \
//       -L$BUILD/bin -lllama -lggml -lggml-base -Wl,-rpath,$BUILD/bin -o /tmp/llama_golden
// Usage: llama_golden MODEL.gguf THREADS ID...
#include "llama.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

namespace {

void quiet(ggml_log_level level, const char* text, void*)
{
    if (level == GGML_LOG_LEVEL_ERROR)
        std::fputs(text, stderr);
}

}   // namespace

int main(int argc, char** argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s MODEL.gguf THREADS ID...\n", argv[0]);
        return 2;
    }
    const int threads = std::atoi(argv[2]);
    std::vector<llama_token> ids;
    for (int i = 3; i < argc; ++i)
        ids.push_back(llama_token(std::atoi(argv[i])));

    llama_log_set(quiet, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    if (std::getenv("LLAMA_GOLDEN_NO_REPACK"))   // ggml's repacked CPU layouts off (diagnosis only)
        mp.use_extra_bufts = false;
    llama_model* model = llama_model_load_from_file(argv[1], mp);
    if (!model) {
        std::fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 64;
    cp.n_batch = 64;
    cp.n_ubatch = 64;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    llama_context* ctx = llama_init_from_model(model, cp);
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

    // LLAMA_GOLDEN_ONE_BY_ONE: the prompt one token per llama_decode (its single-token path).
    const bool one_by_one = std::getenv("LLAMA_GOLDEN_ONE_BY_ONE") != nullptr;
    for (size_t at = 0; at < ids.size(); at = one_by_one ? at + 1 : ids.size()) {
        const int32_t count = one_by_one ? 1 : int32_t(ids.size());
        if (llama_decode(ctx, llama_batch_get_one(ids.data() + at, count)) != 0) {
            std::fprintf(stderr, "decode failed\n");
            return 1;
        }
    }
    const float* logits = llama_get_logits_ith(ctx, -1);
    std::vector<int> order(static_cast<size_t>(n_vocab));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                      [&](int a, int b) { return logits[a] > logits[b]; });
    std::printf("ids");
    for (llama_token t : ids)
        std::printf(" %d", t);
    std::printf("\ntop5");
    for (int i = 0; i < 5; ++i)
        std::printf(" %d:%.4f", order[size_t(i)], logits[order[size_t(i)]]);
    std::printf("\ngreedy");
    for (int step = 0; step < 16; ++step) {
        llama_token next = llama_token(std::max_element(logits, logits + n_vocab) - logits);
        std::printf(" %d", next);
        if (std::getenv("LLAMA_GOLDEN_MARGINS")) {   // how close the runner-up is, on stderr
            float second = -1e30f;
            for (int i = 0; i < n_vocab; ++i)
                if (i != next && logits[i] > second)
                    second = logits[i];
            std::fprintf(stderr, "step %d: %d %.4f, runner-up %.4f\n", step, next, logits[next], second);
        }
        if (llama_decode(ctx, llama_batch_get_one(&next, 1)) != 0) {
            std::fprintf(stderr, "decode failed\n");
            return 1;
        }
        logits = llama_get_logits_ith(ctx, -1);
    }
    std::printf("\n");
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
