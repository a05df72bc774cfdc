#pragma once
// Byte-level BPE (GGUF `tokenizer.ggml.model = gpt2`: SmolLM2, Llama 3, Qwen 2, Mistral Tekken).
//
// encode: text -> user-defined tokens matched as whole strings -> pre-tokenizer regexes chosen
// by `tokenizer.ggml.pre` (PCRE2, UTF + Unicode properties) -> each piece's bytes mapped to
// GPT-2's printable byte alphabet -> merges applied lowest rank first (rank = position in
// `tokenizer.ggml.merges`, ties: leftmost first, as HF `tokenizers` does) -> ids.
// Control tokens (type 3) are never matched in text; they come from chat templates by id.
//
// decode: every id maps to the exact bytes it stands for (token_bytes), so concatenating them
// gives back the encoded text byte for byte. Whether those bytes are whole UTF-8 is the
// caller's concern (StreamDecoder).
//
// Used through causerie::Tokenizer; this class is public so tests can reach its pieces.
#include "model.h"
#include "result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace causerie {

// GPT-2's reversible byte <-> printable-character mapping: bytes that are printable Latin-1
// map to themselves, the other 68 (controls, space, 0x7F-0xA0, 0xAD) to U+0100.. in order,
// so ' ' is 'Ġ' (U+0120) and '\n' is 'Ċ' (U+010A). Returns the UTF-8 of the mapped character.
std::string bpe_byte_to_unicode(uint8_t byte);

// Names of `tokenizer.ggml.pre` this tokenizer knows, for error messages and tests.
std::vector<std::string> bpe_supported_pre_tokenizers();

class BpeTokenizer {
public:
    // Validates the vocabulary: every merge names two tokens whose concatenation is a token,
    // token types are known. Bytes without a token of their own are dropped by encode. pre: `tokenizer.ggml.pre`; empty
    // means the original GPT-2 split. Errors name the key, entry index and token.
    static Result<BpeTokenizer> create(const VocabData& vocab, std::string_view pre);

    BpeTokenizer(BpeTokenizer&&) noexcept;
    BpeTokenizer& operator=(BpeTokenizer&&) noexcept;
    ~BpeTokenizer();

    // text must already be valid UTF-8 (Tokenizer::encode checks and names the offset).
    // No BOS. Thread-safe (const, no shared scratch).
    Result<std::vector<int32_t>> encode(std::string_view text) const;

    // The pre-tokenizer's pieces of text (user-defined tokens not split out), for tests.
    Result<std::vector<std::string>> pre_tokenize(std::string_view text) const;

    // Bytes this id decodes to: the un-mapped bytes of a normal token, the text of a
    // user-defined one, nothing for control tokens or ids outside the vocabulary.
    std::string_view token_bytes(int32_t id) const;

    int32_t n_vocab() const;
    bool is_control(int32_t id) const;
    // Exact vocabulary text (e.g. "<|im_start|>", "Ġthe") to id; first id if written twice; -1.
    int32_t piece_to_id(std::string_view piece) const;
    const std::string& pre_tokenizer() const;

private:
    struct Impl;
    explicit BpeTokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

}   // namespace causerie
