#include "tokenizer.h"

#include "display_text.h"

#include "bpe_tokenizer.h"
#include "sentencepiece_proto.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <unordered_set>

namespace causerie {

namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";   // U+2581, how pieces write ' '
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";   // U+FFFD

// Well-formed UTF-8 (the Unicode standard's table 3-7): for each range of lead bytes, the
// character's length and the allowed range of its second byte; later bytes are 80..BF.
struct Utf8Lead {
    unsigned char first, last;
    int length;
    unsigned char lo, hi;
};
constexpr Utf8Lead kUtf8Leads[] = {
    {0xC2, 0xDF, 2, 0x80, 0xBF}, {0xE0, 0xE0, 3, 0xA0, 0xBF},   // E0: no overlongs
    {0xE1, 0xEC, 3, 0x80, 0xBF}, {0xED, 0xED, 3, 0x80, 0x9F},   // ED: no surrogates
    {0xEE, 0xEF, 3, 0x80, 0xBF}, {0xF0, 0xF0, 4, 0x90, 0xBF},   // F0: no overlongs
    {0xF1, 0xF3, 4, 0x80, 0xBF}, {0xF4, 0xF4, 4, 0x80, 0x8F},   // F4: up to U+10FFFF
};

// The UTF-8 character at the start of s: its length when valid and complete, 0 when it can
// never become valid (sentencepiece then consumes 1 byte as U+FFFD), -1 when it is a valid
// prefix cut short by the end of s. Strict: no overlongs, surrogates or code points above
// U+10FFFF, the same rules as sentencepiece's decoder.
int utf8_char(std::string_view s)
{
    const auto b0 = static_cast<unsigned char>(s[0]);
    if (b0 < 0x80)
        return 1;
    const Utf8Lead* lead = nullptr;
    for (const Utf8Lead& l : kUtf8Leads)
        if (b0 >= l.first && b0 <= l.last)
            lead = &l;
    if (!lead)
        return 0;
    for (int k = 1; k < lead->length; ++k) {
        if (static_cast<size_t>(k) >= s.size())
            return -1;
        const auto b = static_cast<unsigned char>(s[static_cast<size_t>(k)]);
        const unsigned char min = k == 1 ? lead->lo : 0x80;
        const unsigned char max = k == 1 ? lead->hi : 0xBF;
        if (b < min || b > max)
            return 0;
    }
    return lead->length;
}

// A special token id (BOS, EOS, ...) from the metadata: -1 (none) or an id of the vocabulary of n.
Status check_special_id(int32_t id, const char* key, size_t n)
{
    if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= n))
        return make_error(std::string(key) + " is " + std::to_string(id) + ", outside the vocabulary of " +
                          std::to_string(n) + " tokens");
    return Ok{};
}

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return 0;
}

std::string hex_byte(unsigned char b)
{
    static const char digits[] = "0123456789ABCDEF";
    return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

// Error for the first invalid UTF-8 sequence in text, naming its byte offset.
Status check_utf8(std::string_view text)
{
    size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b < 0x80) {
            ++i;
            continue;
        }
        const int len = utf8_char(text.substr(i));
        if (len > 0) {
            i += static_cast<size_t>(len);
            continue;
        }
        return make_error("the text is not valid UTF-8: byte " + hex_byte(b) + " at byte offset " + std::to_string(i) +
                          (len < 0 ? " starts a character that is cut off by the end of the text"
                                   : " does not start a valid character"));
    }
    return Ok{};
}

enum class Kind : uint8_t { Text, Control, Unknown, Byte };

// What decoding one id produces, precomputed for every id so decoding is a table lookup.
struct PieceInfo {
    Kind kind = Kind::Text;
    uint8_t byte = 0;          // Kind::Byte: the byte value of "<0xXX>"
    bool leading_ws = false;   // the piece starts with U+2581
    std::string text;          // Kind::Text: the piece with U+2581 replaced by ' '
};

std::string replace_space_symbol(std::string_view piece)
{
    std::string out;
    out.reserve(piece.size());
    size_t i = 0;
    while (i < piece.size()) {
        if (piece.substr(i, kSpaceSymbol.size()) == kSpaceSymbol) {
            out.push_back(' ');
            i += kSpaceSymbol.size();
        } else {
            out.push_back(piece[i++]);
        }
    }
    return out;
}

// Pieces are bytes in a GGUF; decode promises UTF-8, so invalid bytes become U+FFFD.
std::string to_valid_utf8(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const int len = utf8_char(s.substr(i));
        if (len > 0) {
            out.append(s.substr(i, static_cast<size_t>(len)));
            i += static_cast<size_t>(len);
        } else {
            out.append(kReplacement);
            ++i;
        }
    }
    return out;
}

Kind kind_of(SpPieceType type)
{
    switch (type) {
    case SpPieceType::Control: return Kind::Control;
    case SpPieceType::Unknown: return Kind::Unknown;
    case SpPieceType::Byte: return Kind::Byte;
    default: return Kind::Text;
    }
}

std::string status_text(const sentencepiece::util::Status& st) { return st.ToString(); }

}   // namespace

struct Tokenizer::Impl {
    // Byte-level BPE vocabularies (gpt2) are handled by bpe; then sp is unused and info only
    // marks control tokens (everything else is Kind::Text, decoded through bpe->token_bytes).
    std::unique_ptr<BpeTokenizer> bpe;
    sentencepiece::SentencePieceProcessor sp;
    std::vector<std::string> pieces;              // (n_vocab) the vocabulary's own text of each id
    std::vector<PieceInfo> info;                  // (n_vocab)
    std::string unk_surface = " \xE2\x81\x87 ";   // what <unk> decodes to: " ⁇ "
    bool strip_bos_ws = true;                     // the dummy prefix is added, so decode removes it
    int32_t bos = -1;
    int32_t eos = -1;
    bool add_bos = false;
    // User-defined pieces holding a space (Gemma's runs of 2 to 31 spaces), longest first:
    // sentencepiece escapes spaces to U+2581 before it matches user-defined pieces, so it never
    // sees them; encode() cuts them out of the text first, as llama.cpp does.
    std::vector<std::pair<std::string, int32_t>> spaced_user_pieces;

    void add_piece(std::string piece, Kind kind)
    {
        PieceInfo pi;
        pi.kind = kind;
        if (kind == Kind::Byte) {
            // Byte pieces are always written exactly "<0xXX>" (libsentencepiece checks).
            pi.byte = static_cast<uint8_t>(hex_digit(piece[3]) * 16 + hex_digit(piece[4]));
        } else if (kind == Kind::Text) {
            pi.leading_ws = piece.compare(0, kSpaceSymbol.size(), kSpaceSymbol) == 0;
            pi.text = to_valid_utf8(replace_space_symbol(piece));
        }
        pieces.push_back(std::move(piece));
        info.push_back(std::move(pi));
    }

    // Tables of a tokenizer.model loaded as is. Its ModelProto is not reachable through the
    // public API, so ask the processor: decoding <unk> alone gives TrainerSpec.unk_surface,
    // and whether "a" encodes to a piece starting with U+2581 tells whether the dummy prefix
    // is on.
    Status init_from_processor()
    {
        const int n = sp.GetPieceSize();
        if (n <= 0)
            return make_error("the tokenizer has no tokens");
        int unk = -1;
        for (int id = 0; id < n; ++id) {
            Kind kind = Kind::Text;
            if (sp.IsControl(id)) {
                kind = Kind::Control;
            } else if (sp.IsUnknown(id)) {
                kind = Kind::Unknown;
                unk = id;
            } else if (sp.IsByte(id)) {
                kind = Kind::Byte;
            }
            add_piece(sp.IdToPiece(id), kind);
        }
        if (unk >= 0) {
            std::string s;
            if (sp.Decode(std::vector<int>{unk}, &s).ok())
                unk_surface = s;
        }
        std::vector<int> probe;
        strip_bos_ws = sp.Encode("a", &probe).ok() && !probe.empty() && valid(probe[0]) &&
                       info[static_cast<size_t>(probe[0])].leading_ws;
        return Ok{};
    }

    bool valid(int32_t id) const { return id >= 0 && static_cast<size_t>(id) < info.size(); }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl)
    : d(std::move(impl))
{
}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Status check_vocab_lists(const VocabData& vocab, bool with_scores)
{
    const size_t n = vocab.tokens.size();
    if (n == 0)
        return make_error("tokenizer.ggml.tokens is empty");
    if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        return make_error("tokenizer.ggml.tokens has " + std::to_string(n) + " entries, more than a token id can hold");
    if (with_scores && !vocab.scores.empty() && vocab.scores.size() != n)
        return make_error("tokenizer.ggml.scores has " + std::to_string(vocab.scores.size()) +
                          " entries but tokenizer.ggml.tokens has " + std::to_string(n));
    if (!vocab.token_types.empty() && vocab.token_types.size() != n)
        return make_error("tokenizer.ggml.token_type has " + std::to_string(vocab.token_types.size()) +
                          " entries but tokenizer.ggml.tokens has " + std::to_string(n));
    return Ok{};
}

namespace {

// The ModelProto contents for a GGUF `llama` vocabulary; errors name the GGUF key.
Result<SpModelSpec> spec_from_vocab(const VocabData& vocab)
{
    if (vocab.model.empty())
        return make_error("the model has no tokenizer (tokenizer.ggml.model is missing)");
    if (vocab.model != "llama")
        return make_error("tokenizer model '" + sanitize_display_text(vocab.model, 80) +
                          "' is not supported yet (supported: 'llama', sentencepiece; 'gpt2', byte-level BPE)");

    if (Status st = check_vocab_lists(vocab, true); !st)
        return st.error();
    const size_t n = vocab.tokens.size();
    for (auto [id, key] : {std::pair{vocab.bos_id, "tokenizer.ggml.bos_token_id"},
                           std::pair{vocab.eos_id, "tokenizer.ggml.eos_token_id"},
                           std::pair{vocab.unk_id, "tokenizer.ggml.unknown_token_id"},
                           std::pair{vocab.pad_id, "tokenizer.ggml.padding_token_id"}}) {
        if (Status st = check_special_id(id, key, n); !st)
            return st.error();
    }

    SpModelSpec spec;
    spec.pieces.resize(n);
    bool has_unknown = false;
    bool has_bytes = false;
    // Pieces libsentencepiece cannot hold (empty, with a NUL, 8000 bytes or more, or a repeat
    // of an earlier piece) occur in converted vocabularies and llama.cpp accepts them. In the
    // proto they get a placeholder name that starts with byte 0xFF, which valid UTF-8 text
    // can never form, and become UNUSED so encode never yields them; decode and id_to_piece
    // still use the vocabulary's text. Byte pieces are left to the checks (they must be unique).
    std::unordered_set<std::string_view> seen;
    seen.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        SpPiece& p = spec.pieces[i];
        const std::string& text = vocab.tokens[i];
        p.piece = text;
        p.score = vocab.scores.empty() ? 0.0f : vocab.scores[i];
        const int32_t type = vocab.token_types.empty() ? 1 : vocab.token_types[i];
        if (type < 0 || type > 6)
            return make_error("tokenizer.ggml.token_type of token " + std::to_string(i) + " '" +
                              sanitize_display_text(p.piece, 80) + "' is " + std::to_string(type) +
                              " (expected 0 to 6)");
        // 0 is llama.cpp's "undefined"; sentencepiece has no such type, treat it as normal.
        p.type = type == 0 ? SpPieceType::Normal : static_cast<SpPieceType>(type);
        // A role marker that is not a control token: UNUSED, so sentencepiece never yields it from
        // text (typed markers stay text); decode still writes it from the vocabulary's text.
        if ((p.type == SpPieceType::Normal || p.type == SpPieceType::UserDefined) && is_role_marker(text))
            p.type = SpPieceType::Unused;
        const bool unusable =
            text.empty() || text.find('\0') != std::string::npos || text.size() >= 8000 || !seen.insert(text).second;
        if (unusable && p.type != SpPieceType::Byte) {
            p.piece = "\xFF"
                      "unusable token " +
                      std::to_string(i);
            if (p.type == SpPieceType::Normal || p.type == SpPieceType::UserDefined)
                p.type = SpPieceType::Unused;
        }
        has_unknown = has_unknown || p.type == SpPieceType::Unknown;
        has_bytes = has_bytes || p.type == SpPieceType::Byte;
    }
    // sentencepiece needs exactly one unknown piece; older converters only set the id.
    if (!has_unknown && vocab.unk_id >= 0)
        spec.pieces[static_cast<size_t>(vocab.unk_id)].type = SpPieceType::Unknown;
    spec.byte_fallback = has_bytes;
    spec.unk_id = vocab.unk_id;
    for (size_t i = 0; i < n; ++i) {
        if (spec.pieces[i].type == SpPieceType::Unknown) {
            spec.unk_id = static_cast<int32_t>(i);
            break;
        }
    }
    spec.bos_id = vocab.bos_id;
    spec.eos_id = vocab.eos_id;
    spec.pad_id = vocab.pad_id;
    spec.add_dummy_prefix = vocab.add_space_prefix;   // tokenizer.ggml.add_space_prefix

    return spec;
}

}   // namespace

namespace {

// A stretch of text to encode, or (id >= 0) a piece cut out of it.
struct Fragment {
    std::string_view text;
    int32_t id = -1;
};

// llama.cpp's order: each piece, longest first, is cut out of every stretch still left as text,
// at each occurrence from the left; what remains between is text.
std::vector<Fragment> cut_spaced_user_pieces(std::string_view text,
                                             const std::vector<std::pair<std::string, int32_t>>& pieces)
{
    std::vector<Fragment> parts = {{text, -1}};
    if (text.find(' ') == std::string_view::npos)
        return parts;
    for (const auto& [piece, id] : pieces) {
        std::vector<Fragment> next;
        for (const Fragment& f : parts) {
            if (f.id >= 0) {
                next.push_back(f);
                continue;
            }
            std::string_view rest = f.text;
            for (size_t at = rest.find(piece); at != std::string_view::npos; at = rest.find(piece)) {
                if (at > 0)
                    next.push_back({rest.substr(0, at), -1});
                next.push_back({{}, id});
                rest.remove_prefix(at + piece.size());
            }
            if (!rest.empty())
                next.push_back({rest, -1});
        }
        parts = std::move(next);
    }
    return parts;
}

}   // namespace

bool is_role_marker(std::string_view piece)
{
    for (std::string_view m : {"<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|start_header_id|>",
                               "<|end_header_id|>", "<|eot_id|>", "<|end_of_text|>"})
        if (piece == m)
            return true;
    return false;
}

Result<Tokenizer> Tokenizer::from_vocab(const VocabData& vocab) { return from_vocab(vocab, vocab.pre); }

Result<Tokenizer> Tokenizer::from_vocab(const VocabData& vocab, std::string_view pre_tokenizer)
{
    if (vocab.model == "gpt2")
        return from_bpe_vocab(vocab, pre_tokenizer);
    Result<SpModelSpec> spec_or = spec_from_vocab(vocab);
    if (!spec_or)
        return spec_or.error();
    const SpModelSpec& spec = spec_or.value();
    const size_t n = spec.pieces.size();
    Result<std::string> proto = serialize_sentencepiece_model(spec);
    if (!proto)
        return make_error("tokenizer vocabulary: " + proto.error().message);

    auto impl = std::make_unique<Impl>();
    if (auto st = impl->sp.LoadFromSerializedProto(proto.value()); !st.ok())
        return make_error("sentencepiece rejected the tokenizer vocabulary: " + status_text(st));
    impl->pieces.reserve(n);
    impl->info.reserve(n);
    for (size_t i = 0; i < n; ++i)
        impl->add_piece(vocab.tokens[i], kind_of(spec.pieces[i].type));
    for (size_t i = 0; i < n; ++i) {
        if (spec.pieces[i].type == SpPieceType::UserDefined && spec.pieces[i].piece.find(' ') != std::string::npos)
            impl->spaced_user_pieces.emplace_back(spec.pieces[i].piece, static_cast<int32_t>(i));
    }
    std::stable_sort(impl->spaced_user_pieces.begin(), impl->spaced_user_pieces.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    impl->unk_surface = spec.unk_surface;
    impl->strip_bos_ws = spec.add_dummy_prefix;
    impl->bos = vocab.bos_id;
    impl->eos = vocab.eos_id;
    impl->add_bos = vocab.add_bos && vocab.bos_id >= 0;
    return Tokenizer(std::move(impl));
}

Result<Tokenizer> Tokenizer::from_bpe_vocab(const VocabData& vocab, std::string_view pre_tokenizer)
{
    Result<BpeTokenizer> bpe = BpeTokenizer::create(vocab, pre_tokenizer);
    if (!bpe)
        return bpe.error();
    const size_t n = vocab.tokens.size();
    for (auto [id, key] : {std::pair{vocab.bos_id, "tokenizer.ggml.bos_token_id"},
                           std::pair{vocab.eos_id, "tokenizer.ggml.eos_token_id"}}) {
        if (Status st = check_special_id(id, key, n); !st)
            return st.error();
    }
    auto impl = std::make_unique<Impl>();
    impl->bpe = std::make_unique<BpeTokenizer>(std::move(bpe.value()));
    impl->pieces = vocab.tokens;
    impl->info.resize(n);
    for (size_t i = 0; i < n; ++i)
        impl->info[i].kind = impl->bpe->is_control(static_cast<int32_t>(i)) ? Kind::Control : Kind::Text;
    impl->bos = vocab.bos_id;
    impl->eos = vocab.eos_id;
    impl->add_bos = vocab.add_bos && vocab.bos_id >= 0;
    return Tokenizer(std::move(impl));
}

Result<Tokenizer> Tokenizer::from_sentencepiece_file(const std::string& path)
{
    // Read it ourselves so a missing or unreadable file gets a plain message. Real
    // tokenizer.model files are 0.5-5 MB; a much larger file is the wrong file, not worth
    // reading into memory.
    constexpr uintmax_t kMaxModelBytes = uintmax_t{64} << 20;
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec)
        return make_error("cannot open tokenizer file '" + path + "': " + ec.message());
    if (size > kMaxModelBytes)
        return make_error("tokenizer file '" + path + "' is " + std::to_string(size >> 20) +
                          " MiB; a sentencepiece tokenizer.model is at most a few MiB");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return make_error("cannot open tokenizer file '" + path + "'");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        return make_error("cannot read tokenizer file '" + path + "'");
    if (bytes.empty())
        return make_error("tokenizer file '" + path + "' is empty");

    auto impl = std::make_unique<Impl>();
    if (auto st = impl->sp.LoadFromSerializedProto(bytes); !st.ok())
        return make_error("'" + path + "' is not a valid sentencepiece tokenizer.model: " + status_text(st));
    if (Status st = impl->init_from_processor(); !st)
        return make_error("'" + path + "': " + st.error().message);
    impl->bos = impl->sp.bos_id();
    impl->eos = impl->sp.eos_id();
    impl->add_bos = impl->bos >= 0;
    return Tokenizer(std::move(impl));
}

Result<std::vector<int32_t>> Tokenizer::encode(std::string_view text, bool add_bos) const
{
    if (Status st = check_utf8(text); !st)
        return st.error();
    std::vector<int32_t> out;
    if (add_bos && d->bos >= 0)
        out.push_back(d->bos);
    if (text.empty())
        return out;
    if (d->bpe) {
        auto ids = d->bpe->encode(text);
        if (!ids)
            return ids.error();
        out.insert(out.end(), ids->begin(), ids->end());
        return out;
    }
    // sentencepiece matches only user-defined pieces in text, never control pieces, so
    // "[INST]" or "</s>" typed by the user stays ordinary text.
    for (const Fragment& f : cut_spaced_user_pieces(text, d->spaced_user_pieces)) {
        if (f.id >= 0) {
            out.push_back(f.id);
            continue;
        }
        std::vector<int> ids;
        if (auto st = d->sp.Encode(f.text, &ids); !st.ok())
            return make_error("could not tokenize the text: " + status_text(st));
        out.insert(out.end(), ids.begin(), ids.end());
    }
    return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const
{
    StreamDecoder dec(*this);
    std::string out;
    for (int32_t id : ids)
        dec.push_to(id, out);
    dec.emit_bytes(true, out);
    return out;
}

int32_t Tokenizer::n_vocab() const { return static_cast<int32_t>(d->info.size()); }
int32_t Tokenizer::bos_id() const { return d->bos; }
int32_t Tokenizer::eos_id() const { return d->eos; }
bool Tokenizer::add_bos() const { return d->add_bos; }

bool Tokenizer::is_control(int32_t id) const
{
    return d->valid(id) && d->info[static_cast<size_t>(id)].kind == Kind::Control;
}

int32_t Tokenizer::piece_to_id(std::string_view piece) const
{
    if (d->bpe)
        return d->bpe->piece_to_id(piece);
    // PieceToId answers unk_id for unknown text, so confirm the piece really is there.
    const int id = d->sp.PieceToId(piece);
    if (!d->valid(id) || d->pieces[static_cast<size_t>(id)] != piece)
        return -1;
    return id;
}

std::string Tokenizer::id_to_piece(int32_t id) const
{
    return d->valid(id) ? d->pieces[static_cast<size_t>(id)] : std::string();
}

StreamDecoder::StreamDecoder(const Tokenizer& tok)
    : m_tok(tok)
{
}

std::string StreamDecoder::push(int32_t id)
{
    std::string out;
    push_to(id, out);
    return out;
}

std::string StreamDecoder::flush()
{
    std::string out;
    emit_bytes(true, out);
    return out;
}

void StreamDecoder::emit_bytes(bool at_end, std::string& out)
{
    const bool bpe = m_tok.d->bpe != nullptr;
    if (bpe ? m_pending.empty() : m_ids.empty())
        return;
    const auto& info = m_tok.d->info;
    // Sentencepiece: at most 4 byte pieces are ever pending (3 of a cut-off character plus the
    // new one). BPE: the bytes of the last token plus at most 3 left over from before.
    std::string bytes;
    if (bpe) {
        bytes.swap(m_pending);
    } else {
        for (int32_t id : m_ids)
            bytes.push_back(static_cast<char>(info[static_cast<size_t>(id)].byte));
    }
    size_t pos = 0;
    const size_t before = out.size();
    while (pos < bytes.size()) {
        const int len = utf8_char(std::string_view(bytes).substr(pos));
        if (len > 0) {
            out.append(bytes, pos, static_cast<size_t>(len));
            pos += static_cast<size_t>(len);
        } else if (len == 0 || at_end) {
            out.append(kReplacement);
            ++pos;
        } else {
            break;   // a character still being completed by the next pieces
        }
    }
    if (bpe)
        m_pending.assign(bytes, pos, std::string::npos);
    else
        m_ids.erase(m_ids.begin(), m_ids.begin() + static_cast<std::ptrdiff_t>(pos));
    m_emitted += out.size() - before;
}

void StreamDecoder::push_to(int32_t id, std::string& out)
{
    const Tokenizer::Impl& t = *m_tok.d;
    if (!t.valid(id))
        return;
    if (t.bpe) {
        // Byte-level BPE has no leading-space rule: text is the concatenation of the bytes.
        m_pending.append(t.bpe->token_bytes(id));
        emit_bytes(false, out);
        return;
    }
    const PieceInfo& pi = t.info[static_cast<size_t>(id)];
    if (pi.kind == Kind::Byte) {
        m_ids.push_back(id);
        emit_bytes(false, out);
        return;
    }
    // A non-byte piece ends the byte run. Then the rule of sentencepiece's decoder: only the
    // first text piece of the output loses its leading space (the dummy prefix added by
    // encode), and none after a piece that already did or after any emitted text.
    emit_bytes(true, out);
    if (m_bos_ws_seen || m_emitted > 0)
        m_expect_bos_ws = false;
    const size_t before = out.size();
    m_bos_ws_seen = false;
    switch (pi.kind) {
    case Kind::Control: break;
    case Kind::Unknown: out.append(t.unk_surface); break;
    case Kind::Text:
        if (m_expect_bos_ws && t.strip_bos_ws && pi.leading_ws) {
            out.append(pi.text, 1, std::string::npos);
            m_bos_ws_seen = true;
        } else {
            out.append(pi.text);
        }
        break;
    case Kind::Byte: break;
    }
    m_emitted += out.size() - before;
}

}   // namespace causerie
