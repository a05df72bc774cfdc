#pragma once
// Tokenizer for GGUF `tokenizer.ggml.model = llama` (sentencepiece, via libsentencepiece with a
// ModelProto built from the GGUF vocabulary) or a plain `tokenizer.model` file, and for
// `tokenizer.ggml.model = gpt2` (byte-level BPE, BpeTokenizer in bpe_tokenizer.h).
// encode() never parses control tokens out of text: typing "[INST]" or "</s>" yields the
// ordinary pieces for those characters. Control tokens come from chat templates, by id.
// (USER_DEFINED pieces, type 4, are matched in text, as sentencepiece and llama.cpp do, except
// the role markers of is_role_marker().)
// decode() gives exactly what sentencepiece's decoder gives (checked against libsentencepiece in
// tst_tokenizer) but is table-driven, so StreamDecoder can do the same work one id at a time.
#include "model.h"
#include "result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace causerie {

class Tokenizer {
public:
    static Result<Tokenizer> from_vocab(const VocabData& vocab);
    // pre_tokenizer: `tokenizer.ggml.pre` for gpt2 vocabularies (ignored for sentencepiece);
    // empty means GPT-2's own split. The one-argument form takes it from VocabData.
    static Result<Tokenizer> from_vocab(const VocabData& vocab, std::string_view pre_tokenizer);
    static Result<Tokenizer> from_sentencepiece_file(const std::string& path);

    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    // Text to ids. add_bos: prepend BOS (callers pass the model's add_bos for raw prompts).
    // Invalid UTF-8 in text is an error, not a crash.
    Result<std::vector<int32_t>> encode(std::string_view text, bool add_bos) const;
    // Ids to text as sentencepiece decodes a whole sequence (leading space of the first
    // piece removed, byte pieces joined, broken UTF-8 as U+FFFD per byte). Control tokens
    // decode to nothing, <unk> to " ⁇ ", ids outside the vocabulary are skipped.
    // BPE: the tokens' bytes concatenated, broken UTF-8 as U+FFFD per byte.
    std::string decode(const std::vector<int32_t>& ids) const;

    int32_t n_vocab() const;
    int32_t bos_id() const;
    int32_t eos_id() const;
    bool add_bos() const;
    bool is_control(int32_t id) const;
    // Id of a piece written exactly as in the vocabulary (e.g. "[INST]"), or -1. A piece
    // written twice gives its first id; an empty piece gives -1.
    int32_t piece_to_id(std::string_view piece) const;
    std::string id_to_piece(int32_t id) const;

private:
    friend class StreamDecoder;   // decodes with the per-id table in Impl
    struct Impl;
    static Result<Tokenizer> from_bpe_vocab(const VocabData& vocab, std::string_view pre_tokenizer);
    explicit Tokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

// What both tokenizer kinds check of a vocabulary first: tokens there are, as many as a token id
// can count, and one entry per token in each per-token list given (scores when `with_scores`,
// token types). Errors name the GGUF key.
Status check_vocab_lists(const VocabData& vocab, bool with_scores);

// ChatML and Llama 3 role markers (<|im_start|>, <|im_end|>, <|begin_of_text|>,
// <|start_header_id|>, <|end_header_id|>, <|eot_id|>, <|end_of_text|>). They are structure only as
// control tokens (token type 3), which text never yields. A vocabulary that lists one as a
// normal or user-defined token gets it as plain text: encode() never matches it as one token
// (it would otherwise let typed text forge a turn), and chat templates write it as text.
bool is_role_marker(std::string_view piece);

// Turns generated ids into text one id at a time for streaming: emits only complete UTF-8,
// holds back byte-fallback pieces (BPE: token bytes) until their character is whole, and gives the same text
// as Tokenizer::decode over the whole sequence. O(1) per id: Tokenizer::decode is this
// decoder run over the whole sequence, so the two agree by construction.
// Ids outside the vocabulary are skipped (no text, no effect on the pieces around them).
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tok);
    std::string push(int32_t id);   // text that became final with this id (may be empty)
    std::string flush();            // whatever is left at the end (invalid bytes as U+FFFD)
private:
    friend class Tokenizer;
    void push_to(int32_t id, std::string& out);
    // Emits the complete characters of the pending byte run; at_end: the run is over, so a
    // cut-off character becomes U+FFFD per byte, as sentencepiece decodes it.
    void emit_bytes(bool at_end, std::string& out);

    const Tokenizer& m_tok;
    std::vector<int32_t> m_ids;    // byte-piece ids of the current run not yet emitted (<= 3)
    std::string m_pending;         // BPE: bytes of an unfinished UTF-8 character (<= 3)
    size_t m_emitted = 0;          // bytes of decode(all ids) already returned
    bool m_expect_bos_ws = true;   // the next text piece may still lose its leading space
    bool m_bos_ws_seen = false;    // the previous text piece lost its leading space
};

}   // namespace causerie
