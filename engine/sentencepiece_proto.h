#pragma once
// Writes a sentencepiece ModelProto (sentencepiece_model.proto, proto2) in protobuf wire format
// without libprotobuf: libsentencepiece carries its own copy of protobuf-lite, and linking a
// second one aborts at start-up. Only the fields the encoder and decoder read are written;
// libsentencepiece loads the bytes with SentencePieceProcessor::LoadFromSerializedProto.
#include "result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace causerie {

// Protobuf wire-format primitives (https://protobuf.dev/programming-guides/encoding/).
class ProtoWriter {
public:
    void varint_field(uint32_t field, uint64_t value);
    // int32 fields: negative values are sign-extended to 64 bits, i.e. 10 bytes on the wire.
    void int32_field(uint32_t field, int32_t value);
    void bool_field(uint32_t field, bool value);
    void float_field(uint32_t field, float value);              // fixed32, little-endian IEEE-754
    void bytes_field(uint32_t field, std::string_view bytes);   // strings and sub-messages

    const std::string& bytes() const { return m_out; }

private:
    void varint(uint64_t value);
    void tag(uint32_t field, uint32_t wire_type);
    std::string m_out;
};

// ModelProto.SentencePiece.Type; the same numbers as GGUF's tokenizer.ggml.token_type.
enum class SpPieceType : int32_t {
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
};

struct SpPiece {
    std::string piece;    // UTF-8, spaces written as U+2581
    float score = 0.0f;   // BPE: higher merges first
    SpPieceType type = SpPieceType::Normal;
};

// The subset of ModelProto a Llama/Mistral tokenizer needs. Defaults are those of the
// Mistral v0.1 / Llama 2 tokenizer.model (BPE, byte fallback, identity normalization,
// dummy prefix, whitespace kept as is and escaped to U+2581).
struct SpModelSpec {
    std::vector<SpPiece> pieces;
    int32_t model_type = 2;   // TrainerSpec.ModelType: UNIGRAM = 1, BPE = 2
    bool byte_fallback = true;
    int32_t unk_id = 0;
    int32_t bos_id = 1;
    int32_t eos_id = 2;
    int32_t pad_id = -1;
    std::string unk_surface = " \xE2\x81\x87 ";   // " ⁇ ": what decode() shows for <unk>
    std::string normalizer_name = "identity";
    bool add_dummy_prefix = true;
    bool remove_extra_whitespaces = false;
    bool escape_whitespaces = true;
};

// Checks what libsentencepiece would reject (empty, NUL-containing or duplicate pieces, not
// exactly one unknown piece, byte pieces not "<0xXX>" or not all 256 present) so the error
// names the token id, then serializes.
Result<std::string> serialize_sentencepiece_model(const SpModelSpec& spec);

}   // namespace causerie
