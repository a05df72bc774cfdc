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
#include "llama_golden_common.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int embed_main(int argc, char** argv)
{
    if (argc < 5) {
        std::fprintf(stderr, "use: %s --embed MODEL.gguf THREADS TEXT [TEXT...]\n", argv[0]);
        return 2;
    }
    llama_model* model = golden::load_cpu_model(argv[2]);
    if (!model)
        return 1;
    llama_context* ctx = golden::make_context(model, std::atoi(argv[3]), 512, /*embeddings*/ true);
    if (!ctx)
        return 1;
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
    llama_model* model = golden::load_cpu_model(argv[1]);
    if (!model)
        return 1;
    llama_context* ctx = golden::make_context(model, std::atoi(argv[2]), golden::context_from_env(), false);
    if (!ctx)
        return 1;
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    if (!golden::print_figures(ctx, n_vocab, ids, 16, ""))
        return 1;
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
