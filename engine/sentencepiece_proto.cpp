#include "sentencepiece_proto.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace causerie {

namespace {

// Wire types of the protobuf encoding.
constexpr uint32_t kWireVarint = 0;
constexpr uint32_t kWireLengthDelimited = 2;
constexpr uint32_t kWireFixed32 = 5;

// Field numbers, checked against sentencepiece_model.proto and the fields present in the
// Mistral v0.1 tokenizer.model (tests/data/mistral-v0.1-tokenizer.model).
namespace model_proto {
constexpr uint32_t pieces = 1;
constexpr uint32_t trainer_spec = 2;
constexpr uint32_t normalizer_spec = 3;
}   // namespace model_proto
namespace piece_field {
constexpr uint32_t piece = 1;
constexpr uint32_t score = 2;
constexpr uint32_t type = 3;
}   // namespace piece_field
namespace trainer_spec {
constexpr uint32_t model_type = 3;
constexpr uint32_t vocab_size = 4;
constexpr uint32_t treat_whitespace_as_suffix = 24;
constexpr uint32_t byte_fallback = 35;
constexpr uint32_t unk_id = 40;
constexpr uint32_t bos_id = 41;
constexpr uint32_t eos_id = 42;
constexpr uint32_t pad_id = 43;
constexpr uint32_t unk_surface = 44;
constexpr uint32_t unk_piece = 45;
constexpr uint32_t bos_piece = 46;
constexpr uint32_t eos_piece = 47;
}   // namespace trainer_spec
namespace normalizer_spec {
constexpr uint32_t name = 1;
constexpr uint32_t add_dummy_prefix = 3;
constexpr uint32_t remove_extra_whitespaces = 4;
constexpr uint32_t escape_whitespaces = 5;
}   // namespace normalizer_spec

// "<0x41>" -> 0x41; -1 for anything else. sentencepiece writes byte pieces with two
// upper-case hex digits and finds them by exact string, so nothing else is accepted.
int byte_piece_value(std::string_view piece)
{
    if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>')
        return -1;
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    const int hi = hex(piece[3]);
    const int lo = hex(piece[4]);
    return (hi < 0 || lo < 0) ? -1 : hi * 16 + lo;
}

Status validate(const SpModelSpec& spec)
{
    const size_t n = spec.pieces.size();
    if (n == 0)
        return make_error("the tokenizer vocabulary is empty");
    if (n > static_cast<size_t>(INT32_MAX))
        return make_error("the tokenizer vocabulary has " + std::to_string(n) +
                          " tokens, more than a token id can hold");

    std::unordered_map<std::string_view, size_t> seen;
    seen.reserve(n);
    bool byte_seen[256] = {};
    int unknown_id = -1;
    for (size_t i = 0; i < n; ++i) {
        const SpPiece& p = spec.pieces[i];
        const std::string id = "token " + std::to_string(i);
        if (p.piece.empty())
            return make_error(id + " is an empty string; every token needs text");
        if (p.piece.find('\0') != std::string::npos)
            return make_error(id + " contains a NUL character");
        // libsentencepiece refuses pieces of 8000 bytes or more.
        if (p.piece.size() >= 8000)
            return make_error(id + " is " + std::to_string(p.piece.size()) + " bytes long (the limit is 7999)");
        const auto [it, inserted] = seen.emplace(p.piece, i);
        if (!inserted)
            return make_error(id + " '" + p.piece + "' repeats token " + std::to_string(it->second));
        const int type = static_cast<int>(p.type);
        if (type < 1 || type > 6)
            return make_error(id + " '" + p.piece + "' has token type " + std::to_string(type) + " (expected 1 to 6)");
        if (p.type == SpPieceType::Unknown) {
            if (unknown_id >= 0)
                return make_error(id + " and token " + std::to_string(unknown_id) +
                                  " are both marked as the unknown token");
            unknown_id = static_cast<int>(i);
        }
        if (p.type == SpPieceType::Byte) {
            const int b = byte_piece_value(p.piece);
            if (b < 0)
                return make_error(id + " '" + p.piece + "' has the byte type but is not written <0xXX>");
            if (!spec.byte_fallback)
                return make_error(id + " '" + p.piece + "' is a byte token but byte fallback is off");
            byte_seen[b] = true;
        }
    }
    if (unknown_id < 0)
        return make_error("no token is marked as the unknown token (<unk>, type 2)");
    if (spec.byte_fallback) {
        for (int b = 0; b < 256; ++b) {
            if (!byte_seen[b]) {
                char piece[8];
                std::snprintf(piece, sizeof piece, "<0x%02X>", b);
                return make_error(std::string("byte fallback needs all 256 byte tokens but '") + piece +
                                  "' is missing");
            }
        }
    }
    return Ok{};
}

std::string piece_or_empty(const SpModelSpec& spec, int32_t id)
{
    if (id < 0 || static_cast<size_t>(id) >= spec.pieces.size())
        return {};
    return spec.pieces[static_cast<size_t>(id)].piece;
}

}   // namespace

void ProtoWriter::varint(uint64_t value)
{
    while (value >= 0x80) {
        m_out.push_back(static_cast<char>((value & 0x7F) | 0x80));
        value >>= 7;
    }
    m_out.push_back(static_cast<char>(value));
}

void ProtoWriter::tag(uint32_t field, uint32_t wire_type) { varint((static_cast<uint64_t>(field) << 3) | wire_type); }

void ProtoWriter::varint_field(uint32_t field, uint64_t value)
{
    tag(field, kWireVarint);
    varint(value);
}

void ProtoWriter::int32_field(uint32_t field, int32_t value)
{
    tag(field, kWireVarint);
    varint(static_cast<uint64_t>(static_cast<int64_t>(value)));
}

void ProtoWriter::bool_field(uint32_t field, bool value) { varint_field(field, value ? 1 : 0); }

void ProtoWriter::float_field(uint32_t field, float value)
{
    tag(field, kWireFixed32);
    uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    for (int i = 0; i < 4; ++i)
        m_out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

void ProtoWriter::bytes_field(uint32_t field, std::string_view bytes)
{
    tag(field, kWireLengthDelimited);
    varint(bytes.size());
    m_out.append(bytes);
}

Result<std::string> serialize_sentencepiece_model(const SpModelSpec& spec)
{
    if (Status st = validate(spec); !st)
        return st.error();

    ProtoWriter model;
    for (const SpPiece& p : spec.pieces) {
        ProtoWriter piece;
        piece.bytes_field(piece_field::piece, p.piece);
        piece.float_field(piece_field::score, p.score);
        piece.int32_field(piece_field::type, static_cast<int32_t>(p.type));
        model.bytes_field(model_proto::pieces, piece.bytes());
    }

    ProtoWriter trainer;
    trainer.int32_field(trainer_spec::model_type, spec.model_type);
    trainer.int32_field(trainer_spec::vocab_size, static_cast<int32_t>(spec.pieces.size()));
    trainer.bool_field(trainer_spec::treat_whitespace_as_suffix, false);
    trainer.bool_field(trainer_spec::byte_fallback, spec.byte_fallback);
    trainer.int32_field(trainer_spec::unk_id, spec.unk_id);
    trainer.int32_field(trainer_spec::bos_id, spec.bos_id);
    trainer.int32_field(trainer_spec::eos_id, spec.eos_id);
    trainer.int32_field(trainer_spec::pad_id, spec.pad_id);
    trainer.bytes_field(trainer_spec::unk_surface, spec.unk_surface);
    // sentencepiece finds <unk>/<s>/</s> by piece text, so name the pieces actually at the ids
    // (an empty string would make it fall back to "<unk>", "<s>", "</s>").
    if (std::string p = piece_or_empty(spec, spec.unk_id); !p.empty())
        trainer.bytes_field(trainer_spec::unk_piece, p);
    if (std::string p = piece_or_empty(spec, spec.bos_id); !p.empty())
        trainer.bytes_field(trainer_spec::bos_piece, p);
    if (std::string p = piece_or_empty(spec, spec.eos_id); !p.empty())
        trainer.bytes_field(trainer_spec::eos_piece, p);
    model.bytes_field(model_proto::trainer_spec, trainer.bytes());

    ProtoWriter normalizer;
    normalizer.bytes_field(normalizer_spec::name, spec.normalizer_name);
    normalizer.bool_field(normalizer_spec::add_dummy_prefix, spec.add_dummy_prefix);
    normalizer.bool_field(normalizer_spec::remove_extra_whitespaces, spec.remove_extra_whitespaces);
    normalizer.bool_field(normalizer_spec::escape_whitespaces, spec.escape_whitespaces);
    model.bytes_field(model_proto::normalizer_spec, normalizer.bytes());

    return model.bytes();
}

}   // namespace causerie
