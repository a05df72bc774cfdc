// Golden figures for tests/data/*.golden.txt: evaluates a GGUF with llama.cpp through its C API
// (llama_decode of the given token ids, then llama_get_logits_ith), never through its tokenizer,
// and prints the next-token top-5 logits and 16 greedy tokens decoded one at a time.
// For comparison only; llama.cpp itself is never part of Causerie. Build (see build.sh):
//   g++ -O2 -std=c++17 llama_golden.cpp -I$LLAMA/include -I$LLAMA/ggml/include -L$LIB -lllama -o llama-golden
// Use: [CTX=N] llama-golden MODEL.gguf THREADS ID [ID...]   (context size N, default 512)
//      llama-golden --embed MODEL.gguf THREADS TEXT [TEXT...]
// The second form tokenizes each text with llama.cpp (add_special on: BOS / EOS as the file's
// add_bos_token / add_eos_token say), decodes it with embeddings on and the file's own pooling,
// and prints the ids and the pooled vector L2-normalised (as llama.cpp's embedding example does).
#include "llama.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

namespace {

int embed_main(int argc, char** argv)
{
    if (argc < 5) {
        std::fprintf(stderr, "use: %s --embed MODEL.gguf THREADS TEXT [TEXT...]\n", argv[0]);
        return 2;
    }
    const int threads = std::atoi(argv[3]);
    llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model* model = llama_model_load_from_file(argv[2], mp);
    if (!model) {
        std::fprintf(stderr, "cannot load %s\n", argv[2]);
        return 1;
    }
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 512;
    cp.n_batch = 512;
    cp.n_ubatch = 512;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.embeddings = true;
    cp.pooling_type = LLAMA_POOLING_TYPE_UNSPECIFIED;   // the file's own
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    llama_context* ctx = llama_init_from_model(model, cp);
    if (!ctx) {
        std::fprintf(stderr, "cannot create a context\n");
        return 1;
    }
    const llama_vocab* vocab = llama_model_get_vocab(model);
    const int n_embd = llama_model_n_embd(model);
    std::printf("pooling %d\n", int(llama_pooling_type(ctx)));
    for (int i = 4; i < argc; ++i) {
        const std::string text = argv[i];
        std::vector<llama_token> ids(text.size() + 8);
        const int n = llama_tokenize(vocab, text.c_str(), int32_t(text.size()), ids.data(), int32_t(ids.size()),
                                     /*add_special*/ true, /*parse_special*/ false);
        if (n < 0) {
            std::fprintf(stderr, "tokenize failed\n");
            return 1;
        }
        ids.resize(size_t(n));
        llama_memory_clear(llama_get_memory(ctx), true);
        if (llama_decode(ctx, llama_batch_get_one(ids.data(), int32_t(ids.size()))) != 0) {
            std::fprintf(stderr, "decode failed\n");
            return 1;
        }
        const float* e = llama_get_embeddings_seq(ctx, 0);
        if (!e) {
            std::fprintf(stderr, "no pooled embedding\n");
            return 1;
        }
        double norm = 0;
        for (int j = 0; j < n_embd; ++j)
            norm += double(e[j]) * double(e[j]);
        norm = std::sqrt(norm);
        std::printf("text %s\nids", text.c_str());
        for (llama_token id : ids)
            std::printf(" %d", id);
        std::printf("\nvector");
        for (int j = 0; j < n_embd; ++j)
            std::printf(" %.6f", norm > 0 ? double(e[j]) / norm : 0.0);
        std::printf("\n");
    }
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}

}   // namespace

int main(int argc, char** argv)
{
    if (argc >= 2 && std::strcmp(argv[1], "--embed") == 0)
        return embed_main(argc, argv);
    if (argc < 4) {
        std::fprintf(stderr, "use: %s MODEL.gguf THREADS ID [ID...]\n", argv[0]);
        return 2;
    }
    std::vector<llama_token> ids;
    for (int i = 3; i < argc; ++i)
        ids.push_back(llama_token(std::atoi(argv[i])));
    const int threads = std::atoi(argv[2]);

    llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model* model = llama_model_load_from_file(argv[1], mp);
    if (!model) {
        std::fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    llama_context_params cp = llama_context_default_params();
    const char* ctx_env = std::getenv("CTX");
    cp.n_ctx = ctx_env ? uint32_t(std::atoi(ctx_env)) : 512;
    cp.n_batch = 512;
    cp.n_ubatch = 512;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;   // the engine follows its CPU flash-attention numerics
    llama_context* ctx = llama_init_from_model(model, cp);
    if (!ctx) {
        std::fprintf(stderr, "cannot create a context\n");
        return 1;
    }
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    if (llama_decode(ctx, llama_batch_get_one(ids.data(), int32_t(ids.size()))) != 0) {
        std::fprintf(stderr, "decode failed\n");
        return 1;
    }
    const float* logits = llama_get_logits_ith(ctx, -1);
    std::vector<int> order(static_cast<size_t>(n_vocab));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                      [&](int a, int b) { return logits[a] > logits[b]; });
    std::printf("ids");
    for (llama_token id : ids)
        std::printf(" %d", id);
    std::printf("\ntop5");
    for (int i = 0; i < 5; ++i)
        std::printf(" %d:%.4f", order[size_t(i)], logits[order[size_t(i)]]);
    std::printf("\ngreedy");
    for (int step = 0; step < 16; ++step) {
        const float* l = llama_get_logits_ith(ctx, -1);
        llama_token next = llama_token(std::max_element(l, l + n_vocab) - l);
        std::printf(" %d", next);
        if (llama_decode(ctx, llama_batch_get_one(&next, 1)) != 0) {
            std::fprintf(stderr, "decode failed\n");
            return 1;
        }
    }
    std::printf("\n");
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
