// Golden figures for a real model's chat answers (tests/data/real-*.golden.txt): llama.cpp renders
// each user message with the model's own chat template (llama_model_chat_template +
// llama_chat_apply_template, the assistant turn opened), tokenizes the text itself (llama_tokenize,
// special tokens parsed, BOS as the vocabulary says), evaluates the prompt and prints the prompt's
// ids, the next-token top-5 logits and N greedy tokens decoded one at a time (past an end-of-turn
// token too: the figures compare the model, not a stopping rule). So the golden checks the
// template, the tokenizer and the forward pass at once. A GGUF without tokenizer.chat_template
// needs TEMPLATE=<one of llama.cpp's built-in names> (e.g. gemma): llama.cpp alone would fall back
// on ChatML written as text, where Causerie assumes the family from the vocabulary.
// For comparison only; llama.cpp itself is never part of Causerie. Build with build.sh.
// Use: [CTX=N] [TEMPLATE=NAME] llama-chat-golden MODEL.gguf THREADS N MESSAGE [MESSAGE...]   (context N, default 512)
#include "llama_golden_common.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// The message on one line: backslash, newline and tab escaped.
std::string escaped(const std::string& s)
{
    std::string out;
    for (char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else
            out += c;
    }
    return out;
}

bool answer(llama_model* model, int threads, int n_greedy, const char* message)
{
    const llama_vocab* vocab = llama_model_get_vocab(model);
    const char* tmpl = llama_model_chat_template(model, nullptr);
    if (!tmpl)
        tmpl = std::getenv("TEMPLATE");
    if (!tmpl) {
        std::fprintf(stderr, "the model has no chat template: give TEMPLATE=<llama.cpp's name for it>\n");
        return false;
    }
    const llama_chat_message msg = {"user", message};
    std::vector<char> text(4096);
    int n = llama_chat_apply_template(tmpl, &msg, 1, true, text.data(), int32_t(text.size()));
    if (n < 0 || n > int(text.size())) {
        std::fprintf(stderr, "the model's template is not one llama.cpp knows, or the prompt is too long\n");
        return false;
    }
    const std::string prompt(text.data(), size_t(n));
    std::vector<llama_token> ids(prompt.size() + 8);
    n = llama_tokenize(vocab, prompt.data(), int32_t(prompt.size()), ids.data(), int32_t(ids.size()), true, true);
    if (n < 0) {
        std::fprintf(stderr, "tokenize failed\n");
        return false;
    }
    ids.resize(size_t(n));

    llama_context* ctx = golden::make_context(model, threads, golden::context_from_env(), false);
    if (!ctx)
        return false;
    const std::string header = "message " + escaped(message) + "\n";
    const bool ok = golden::print_figures(ctx, llama_vocab_n_tokens(vocab), ids, n_greedy, header.c_str());
    llama_free(ctx);
    return ok;
}

}   // namespace

int main(int argc, char** argv)
{
    if (argc < 5) {
        std::fprintf(stderr, "use: %s MODEL.gguf THREADS N MESSAGE [MESSAGE...]\n", argv[0]);
        return 2;
    }
    const int threads = std::atoi(argv[2]);
    const int n_greedy = std::atoi(argv[3]);
    llama_model* model = golden::load_cpu_model(argv[1]);
    if (!model)
        return 1;
    for (int i = 4; i < argc; ++i)
        if (!answer(model, threads, n_greedy, argv[i]))
            return 1;
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
