#pragma once
// Shared by the fuzz targets: a small reader that cuts the fuzzer's bytes into the values a
// target needs (no dependency on libFuzzer's headers, so the targets also build with gcc into
// tst_fuzz_regressions), the vocabularies the tokenizer targets use, and the check that turns
// a broken invariant into a crash libFuzzer saves.
#include "engine/gguf.h"
#include "engine/model.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// LLVMFuzzerInitialize for a target that needs only a QCoreApplication (include it). The
// application is never destroyed: at exit Qt's own globals are gone before a static's
// destructor would run.
#define CAUSERIE_FUZZ_INIT_CORE_APPLICATION()                                                                          \
    extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)                                                       \
    {                                                                                                                  \
        if (!QCoreApplication::instance())                                                                             \
            new QCoreApplication(*argc, *argv);                                                                        \
        return 0;                                                                                                      \
    }

namespace causerie::fuzz {

// A broken invariant is a finding like a crash: abort, so libFuzzer saves the input and the
// regression replay fails.
#define FUZZ_CHECK(cond)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);                     \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (0)

// Reads the input front to back; past the end every value is 0 / empty.
class Input {
public:
    Input(const uint8_t* data, size_t size)
        : m_data(data)
        , m_size(size)
    {
    }

    bool empty() const { return m_pos >= m_size; }
    size_t remaining() const { return m_size - m_pos; }

    uint8_t byte() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    uint32_t u32()
    {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v = (v << 8) | byte();
        return v;
    }
    // Up to the next `sep` byte (consumed, not returned) or the end.
    std::string_view until(uint8_t sep)
    {
        const size_t start = m_pos;
        while (m_pos < m_size && m_data[m_pos] != sep)
            ++m_pos;
        std::string_view out(reinterpret_cast<const char*>(m_data + start), m_pos - start);
        if (m_pos < m_size)
            ++m_pos;
        return out;
    }
    std::string_view rest()
    {
        std::string_view out(reinterpret_cast<const char*>(m_data + m_pos), m_size - m_pos);
        m_pos = m_size;
        return out;
    }

private:
    const uint8_t* m_data;
    size_t m_size;
    size_t m_pos = 0;
};

inline std::string data_path(const char* name) { return std::string(CAUSERIE_TEST_DATA_DIR) + "/" + name; }

// The vocabulary of a GGUF file (tokenizer.ggml.*), or nothing when the file is absent or broken.
inline std::optional<VocabData> vocab_of(const std::string& path)
{
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        return std::nullopt;
    std::fclose(f);
    auto file = GGUFFile::open(path);
    if (!file)
        return std::nullopt;
    auto vocab = read_vocab(*file);
    if (!vocab)
        return std::nullopt;
    return std::move(*vocab);
}

// The real sentencepiece vocabulary of the repository (Mistral v0.1, 32000 pieces, from the tiny
// test model), as the app reads it.
inline VocabData sentencepiece_vocab()
{
    auto v = vocab_of(data_path("tiny-mistral-q8_0.gguf"));
    if (!v) {
        std::fprintf(stderr, "fuzz: cannot read the vocabulary of %s\n", data_path("tiny-mistral-q8_0.gguf").c_str());
        std::abort();
    }
    return std::move(*v);
}

// GPT-2's byte alphabet: printable Latin-1 bytes stand for themselves, the other 68 take U+0100..
inline std::string gpt2_byte_char(int b)
{
    auto printable = [](int c) { return (c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE; };
    int cp = b;
    if (!printable(b)) {
        cp = 0x100;
        for (int c = 0; c < b; ++c)
            cp += printable(c) ? 0 : 1;
    }
    std::string out;
    if (cp < 0x80) {
        out += char(cp);
    } else {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    }
    return out;
}

// A byte-level BPE vocabulary written here: the 256 byte tokens, some merges (with spaces,
// digits, letters and a few multi-byte characters), a user-defined token and the control tokens
// of every chat template family, so each template can be applied with it.
inline VocabData synthetic_bpe_vocab()
{
    VocabData v;
    v.model = "gpt2";
    for (int b = 0; b < 256; ++b)
        v.tokens.push_back(gpt2_byte_char(b));
    v.token_types.assign(v.tokens.size(), 1);
    auto add = [&](const std::string& t, int type) {
        v.tokens.push_back(t);
        v.token_types.push_back(type);
    };
    for (const char* c :
         {"<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
          "<|end_header_id|>", "<|eot_id|>", "<s>", "</s>", "[INST]", "[/INST]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]"})
        add(c, 3);
    add("<tool>", 4);
    const char* merges[] = {"Ġ t", "h e",  "Ġt he", "i n",   "e r",   "Ġ a",     "o n", "r e",   "Ġ s",
                            "a t", "Ġ w",  "o r",   "Ġw or", "l d",   "Ġwor ld", "l l", "he ll", "hell o",
                            "1 2", "12 3", "Ċ Ċ",   "Ġ Ġ",   "ĠĠ ĠĠ", "Ã ©",     "â Ģ", "âĢ Ļ"};
    for (const char* m : merges) {
        const std::string s(m);
        const size_t sp = s.find(' ');
        add(s.substr(0, sp) + s.substr(sp + 1), 1);
        v.merges.push_back(s);
    }
    v.bos_id = 256 + 2;   // <|begin_of_text|>
    v.eos_id = 256 + 3;
    v.add_bos = false;
    v.add_space_prefix = false;
    return v;
}

// The real SmolLM2 vocabulary when the default model is on this machine (scripts/test.sh fetches
// it; CAUSERIE_DEFAULT_MODEL may point at it), else the synthetic one. `which` says which.
inline VocabData bpe_vocab(std::string* which)
{
    std::string path;
    if (const char* env = std::getenv("CAUSERIE_DEFAULT_MODEL"); env && *env) {
        path = env;
    } else {
        const char* xdg = std::getenv("XDG_DATA_HOME");
        const char* home = std::getenv("HOME");
        std::string data = xdg && *xdg ? xdg : std::string(home ? home : "") + "/.local/share";
        path = data + "/Causerie/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    }
    if (auto v = vocab_of(path); v && v->model == "gpt2") {
        *which = "SmolLM2 (" + path + ")";
        return std::move(*v);
    }
    *which = "synthetic (no SmolLM2 GGUF at " + path + ")";
    return synthetic_bpe_vocab();
}

}   // namespace causerie::fuzz
