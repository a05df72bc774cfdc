// Fuzz target: the GGUF reader and the model loader, as a model file reaches them (bytes in
// memory). Every accepted file is then used the way the app uses it: every metadata value read
// through its typed getter, every tensor's bytes touched (ASan sees any view outside the file),
// the vocabulary read and turned into a tokenizer with its chat template, the model loaded.
// Invariant: every weight the loader hands out lies inside the file. A model the loader accepts
// then runs two tokens on the CPU backend (8-token context, one thread): every shape is bounded by
// the file's size, since every weight lies inside it.
#include "fuzz_common.h"

#include "engine/backend.h"
#include "engine/chat_template.h"
#include "engine/tokenizer.h"

#include <vector>

using namespace causerie;

namespace {

volatile uint8_t g_sink;

void touch(const void* p, size_t n)
{
    if (!p || n == 0)
        return;
    const auto* b = static_cast<const uint8_t*>(p);
    g_sink = b[0];
    g_sink = b[n - 1];
}

void check_inside(const Weight& w, const uint8_t* data, size_t size)
{
    if (!w.data)
        return;
    const auto* p = static_cast<const uint8_t*>(w.data);
    FUZZ_CHECK(w.rows >= 0 && w.cols >= 0);
    FUZZ_CHECK(p >= data && p <= data + size);
    FUZZ_CHECK(uint64_t(w.rows) * w.row_bytes <= uint64_t(data + size - p));
    touch(p, size_t(w.rows) * w.row_bytes);
}

}   // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto file = GGUFFile::from_memory(data, size);
    if (!file)
        return 0;
    for (const auto& [key, value] : file->metadata()) {
        switch (value.type) {
        case GGUFType::STRING:
            FUZZ_CHECK(file->get_string(key).ok());
            touch(value.str.data(), value.str.size());
            break;
        case GGUFType::ARRAY:
            (void)file->get_string_array(key);
            (void)file->get_f32_array(key);
            (void)file->get_i32_array(key);
            break;
        case GGUFType::BOOL: FUZZ_CHECK(file->get_bool(key).ok()); break;
        default:
            (void)file->get_uint(key);
            (void)file->get_float(key);
            break;
        }
    }
    for (const GGUFTensor& t : file->tensors()) {
        FUZZ_CHECK(t.data >= data && t.data <= data + size && t.nbytes <= size_t(data + size - t.data));
        touch(t.data, t.nbytes);
        FUZZ_CHECK(file->tensor(t.name) != nullptr);
    }

    if (auto vocab = read_vocab(*file); vocab && vocab->tokens.size() <= 4096) {
        if (auto tok = Tokenizer::from_vocab(*vocab)) {
            if (auto ids = tok->encode("Hello world [INST] </s> 123 \xc3\xa9t\xc3\xa9", tok->add_bos()))
                (void)tok->decode(*ids);
            const ChatTemplate tmpl = ChatTemplate::detect(*vocab, *tok);
            const ChatTurn turns[] = {{"system", "Be brief."}, {"user", "Hi"}};
            (void)tmpl.apply(*tok, turns);
            (void)tmpl.end_of_turn_ids(*tok);
        }
    }

    auto model = load_model_from_gguf(std::move(*file));
    if (!model)
        return 0;
    (void)model_quantization(*model);
    FUZZ_CHECK(model->hp.n_layer == int64_t(model->layers.size()));
    check_inside(model->tok_embd, data, size);
    check_inside(model->output_norm, data, size);
    check_inside(model->output, data, size);
    for (const LayerWeights& l : model->layers)
        for (const Weight* w : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.w_gate, &l.w_up, &l.w_down})
            check_inside(*w, data, size);

    BackendOptions options;
    options.n_ctx = 8;
    options.n_threads = 1;
    options.device = "cpu";
    auto backend = create_cpu_backend(*model, options);
    if (!backend)
        return 0;
    FUZZ_CHECK((*backend)->n_vocab() == model->hp.n_vocab);
    std::vector<float> logits(size_t(model->hp.n_vocab));
    const int32_t tokens[] = {0, int32_t(model->hp.n_vocab - 1)};
    (void)(*backend)->eval(tokens, 0, logits.data());
    return 0;
}
