#include "bpe_tokenizer.h"

#include "display_text.h"
#include "tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <limits>
#include <queue>

namespace causerie {

namespace {

// Pre-tokenizer patterns. Each list is applied in order: the first splits the text, the next
// splits every piece of that (matches and the text between matches both stay pieces), as
// HF `tokenizers` runs a Sequence of pre-tokenizers. The patterns are the public ones of
// each model's tokenizer.json; `\s`, `\p{L}`, `\p{N}` get their Unicode meaning from PCRE2_UCP.

// GPT-2's split (also HF ByteLevel's default, with its final `\s+` catching lone whitespace
// before a non-space).
constexpr std::string_view kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
// StarCoder family (SmolLM): every digit alone first (HF Digits(individual_digits=true),
// which is Rust's char::is_numeric, i.e. general category N), then GPT-2's split.
constexpr std::string_view kDigit = R"(\p{N})";
// Llama 3: case-insensitive contractions, at most one leading non-letter glued to a word,
// numbers in groups of up to 3 digits, newlines kept together.
constexpr std::string_view kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen 2: Llama 3's split with single digits.
constexpr std::string_view kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Mistral Tekken: words split at case changes (camelCase -> camel, Case), single digits.
constexpr std::string_view kTekken =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct PreTokenizerSpec {
    std::vector<std::string_view> names;   // values of tokenizer.ggml.pre
    std::vector<std::string_view> patterns;
    // tiktoken-derived vocabularies: a piece that is itself a token is taken whole, without
    // running the merges (HF "ignore_merges"; the merges may not rebuild every such token).
    bool ignore_merges = false;
};

const std::vector<PreTokenizerSpec>& pre_tokenizer_specs()
{
    static const std::vector<PreTokenizerSpec> specs = {
        {{"gpt2", "gpt-2", "default"}, {kGpt2}, false},
        {{"smollm", "starcoder", "refact", "codeshell"}, {kDigit, kGpt2}, false},
        {{"llama-bpe", "llama3", "smaug-bpe", "dbrx"}, {kLlama3}, true},
        {{"qwen2"}, {kQwen2}, false},
        {{"tekken"}, {kTekken}, true},
    };
    return specs;
}

struct CodeDeleter {
    void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
using CodePtr = std::unique_ptr<pcre2_code, CodeDeleter>;

struct MatchDataDeleter {
    void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};
using MatchDataPtr = std::unique_ptr<pcre2_match_data, MatchDataDeleter>;

std::string pcre2_message(int code)
{
    std::array<PCRE2_UCHAR, 256> buf{};
    pcre2_get_error_message(code, buf.data(), buf.size());
    return reinterpret_cast<const char*>(buf.data());
}

void append_utf8(std::string& out, uint32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Code point of each byte in GPT-2's alphabet (all below U+0800, so 1-2 UTF-8 bytes).
const std::array<uint32_t, 256>& byte_code_points()
{
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        uint32_t next = 256;
        for (uint32_t b = 0; b < 256; ++b) {
            const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            t[b] = printable ? b : next++;
        }
        return t;
    }();
    return table;
}

// Length of the (already validated) UTF-8 character starting with byte b0.
size_t utf8_len(unsigned char b0) { return b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4; }

// Inverse of the byte mapping over a token's text; characters outside the alphabet (found in
// some converted vocabularies) are kept as their UTF-8.
std::string unmap_bytes(std::string_view text)
{
    static const std::unordered_map<uint32_t, uint8_t> inverse = [] {
        std::unordered_map<uint32_t, uint8_t> m;
        const auto& cps = byte_code_points();
        for (uint32_t b = 0; b < 256; ++b)
            m.emplace(cps[b], static_cast<uint8_t>(b));
        return m;
    }();
    // The alphabet is ASCII plus two-byte characters; anything else (longer characters, or
    // bytes that are not UTF-8 at all in a malformed vocabulary) is copied byte by byte.
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        uint32_t cp = 0xFFFFFFFF;
        size_t len = 1;
        if (b0 < 0x80) {
            cp = b0;
        } else if (b0 >= 0xC2 && b0 <= 0xDF && i + 1 < text.size() &&
                   (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
            cp = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
            len = 2;
        }
        const auto it = inverse.find(cp);
        if (it != inverse.end())
            out.push_back(static_cast<char>(it->second));
        else
            out.append(text.substr(i, len));
        i += len;
    }
    return out;
}

std::string quoted(std::string_view s)
{
    return "'" + sanitize_display_text(s, 80) + "'";   // tokens come from the file: inert in messages
}

}   // namespace

std::string bpe_byte_to_unicode(uint8_t byte)
{
    std::string out;
    append_utf8(out, byte_code_points()[byte]);
    return out;
}

std::vector<std::string> bpe_supported_pre_tokenizers()
{
    std::vector<std::string> out;
    for (const auto& spec : pre_tokenizer_specs())
        for (auto name : spec.names)
            out.emplace_back(name);
    return out;
}

struct BpeTokenizer::Impl {
    std::vector<std::string> bytes;                        // (n_vocab) what each id decodes to
    std::vector<int32_t> types;                            // (n_vocab) GGUF token type
    std::unordered_map<std::string, int32_t> text_to_id;   // vocabulary text -> first id
    // (left id << 32 | right id) -> rank and merged id; rank = index in tokenizer.ggml.merges.
    struct Merge {
        int32_t rank;
        int32_t id;
    };
    std::unordered_map<uint64_t, Merge> merges;
    std::array<int32_t, 256> byte_ids{};   // id of each byte's single-character token, or -1
    // User-defined tokens (type 4), matched in text before pre-tokenizing, longest first.
    std::vector<std::pair<std::string, int32_t>> user_defined;
    std::vector<CodePtr> regexes;
    std::string pre;
    bool ignore_merges = false;

    static uint64_t pair_key(int32_t a, int32_t b)
    {
        return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    }

    Status split(std::string_view text, std::vector<std::string_view>& pieces) const;
    void encode_word(std::string_view word, std::vector<int32_t>& out) const;
    Status encode_text(std::string_view text, std::vector<int32_t>& out) const;
};

// Splits text with every regex in turn. Pieces are views into text.
Status BpeTokenizer::Impl::split(std::string_view text, std::vector<std::string_view>& pieces) const
{
    std::vector<std::string_view> current{text};
    std::vector<std::string_view> next;
    for (const CodePtr& re : regexes) {
        MatchDataPtr md(pcre2_match_data_create_from_pattern(re.get(), nullptr));
        if (!md)
            return make_error("out of memory while tokenizing");
        next.clear();
        for (std::string_view frag : current) {
            const auto* subject = reinterpret_cast<PCRE2_SPTR>(frag.data());
            size_t off = 0, gap = 0;
            while (off < frag.size()) {
                // The text was checked to be UTF-8 once; checking it again at every match
                // would make splitting quadratic in the fragment length.
                int rc = pcre2_match(re.get(), subject, frag.size(), off, PCRE2_NO_UTF_CHECK, md.get(), nullptr);
                if (rc == PCRE2_ERROR_JIT_STACKLIMIT)   // very long runs: the interpreter uses the heap
                    rc = pcre2_match(re.get(), subject, frag.size(), off, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md.get(),
                                     nullptr);
                if (rc == PCRE2_ERROR_NOMATCH)
                    break;
                if (rc < 0)
                    return make_error("the pre-tokenizer regex failed on this text (" + pcre2_message(rc) + ")");
                const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
                const size_t s = ov[0], e = ov[1];
                if (e <= s) {   // an empty match: step over one character, it joins the gap
                    off = s + utf8_len(static_cast<unsigned char>(frag[s]));
                    continue;
                }
                if (s > gap)
                    next.push_back(frag.substr(gap, s - gap));
                next.push_back(frag.substr(s, e - s));
                off = gap = e;
            }
            if (gap < frag.size())
                next.push_back(frag.substr(gap));
        }
        current.swap(next);
    }
    pieces.insert(pieces.end(), current.begin(), current.end());
    return Ok{};
}

// One pre-tokenized piece to ids: start from one symbol per byte, merge the adjacent pair of
// lowest rank (leftmost on ties) until no pair has a merge. O(n log n) in the piece length.
void BpeTokenizer::Impl::encode_word(std::string_view word, std::vector<int32_t>& out) const
{
    if (ignore_merges) {
        std::string mapped;
        for (char c : word)
            append_utf8(mapped, byte_code_points()[static_cast<unsigned char>(c)]);
        if (const auto it = text_to_id.find(mapped); it != text_to_id.end()) {
            out.push_back(it->second);
            return;
        }
    }
    struct Symbol {
        int32_t id;
        int32_t prev;
        int32_t next;   // -1 at the ends
        // id -1: merged away, or a byte without a token (never part of a merge)
    };
    const auto n = static_cast<int32_t>(word.size());
    std::vector<Symbol> syms(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i)
        syms[static_cast<size_t>(i)] = {byte_ids[static_cast<unsigned char>(word[static_cast<size_t>(i)])], i - 1,
                                        i + 1 < n ? i + 1 : -1};

    struct Candidate {
        int32_t rank;
        int32_t left;
        int32_t left_id;
        int32_t right_id;
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    const auto consider = [&](int32_t left) {
        if (left < 0)
            return;
        const Symbol& l = syms[static_cast<size_t>(left)];
        if (l.next < 0)
            return;
        const Symbol& r = syms[static_cast<size_t>(l.next)];
        if (const auto it = merges.find(pair_key(l.id, r.id)); it != merges.end())
            queue.push({it->second.rank, left, l.id, r.id});
    };
    for (int32_t i = 0; i + 1 < n; ++i)
        consider(i);
    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        Symbol& l = syms[static_cast<size_t>(c.left)];
        // Stale entries: the left symbol or its neighbour changed since the pair was queued.
        if (l.id != c.left_id || l.next < 0 || syms[static_cast<size_t>(l.next)].id != c.right_id)
            continue;
        Symbol& r = syms[static_cast<size_t>(l.next)];
        l.id = merges.at(pair_key(c.left_id, c.right_id)).id;
        l.next = r.next;
        if (r.next >= 0)
            syms[static_cast<size_t>(r.next)].prev = c.left;
        r.id = -1;
        r.next = -1;
        consider(l.prev);
        consider(c.left);
    }
    for (int32_t i = 0; i >= 0 && n > 0; i = syms[static_cast<size_t>(i)].next)
        if (syms[static_cast<size_t>(i)].id >= 0)   // -1: a byte the vocabulary has no token for
            out.push_back(syms[static_cast<size_t>(i)].id);
}

Status BpeTokenizer::Impl::encode_text(std::string_view text, std::vector<int32_t>& out) const
{
    std::vector<std::string_view> pieces;
    if (Status st = split(text, pieces); !st)
        return st;
    for (std::string_view p : pieces)
        encode_word(p, out);
    return Ok{};
}

BpeTokenizer::BpeTokenizer(std::unique_ptr<Impl> impl)
    : d(std::move(impl))
{
}
BpeTokenizer::BpeTokenizer(BpeTokenizer&&) noexcept = default;
BpeTokenizer& BpeTokenizer::operator=(BpeTokenizer&&) noexcept = default;
BpeTokenizer::~BpeTokenizer() = default;

Result<BpeTokenizer> BpeTokenizer::create(const VocabData& vocab, std::string_view pre)
{
    if (Status st = check_vocab_lists(vocab, false); !st)
        return st.error();
    const size_t n = vocab.tokens.size();
    const PreTokenizerSpec* spec = nullptr;
    const std::string_view pre_name = pre.empty() ? std::string_view("gpt2") : pre;
    for (const auto& s : pre_tokenizer_specs())
        if (std::find(s.names.begin(), s.names.end(), pre_name) != s.names.end())
            spec = &s;
    if (!spec) {
        std::string list;
        for (const auto& name : bpe_supported_pre_tokenizers())
            list += (list.empty() ? "" : ", ") + name;
        return make_error("tokenizer.ggml.pre is '" + std::string(pre) +
                          "', a pre-tokenizer Causerie does not know (known: " + list + ")");
    }

    auto impl = std::make_unique<Impl>();
    impl->pre = std::string(pre_name);
    impl->ignore_merges = spec->ignore_merges;
    for (std::string_view pattern : spec->patterns) {
        int code = 0;
        PCRE2_SIZE offset = 0;
        pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                       PCRE2_UTF | PCRE2_UCP, &code, &offset, nullptr);
        if (!re)
            return make_error("internal error: pre-tokenizer '" + impl->pre + "' regex does not compile at offset " +
                              std::to_string(offset) + ": " + pcre2_message(code));
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);   // optional speed-up; the interpreter is the fallback
        impl->regexes.emplace_back(re);
    }

    impl->bytes.resize(n);
    impl->types.resize(n);
    impl->text_to_id.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const int32_t type = vocab.token_types.empty() ? 1 : vocab.token_types[i];
        if (type < 0 || type > 6)
            return make_error("tokenizer.ggml.token_type of token " + std::to_string(i) + " " +
                              quoted(vocab.tokens[i]) + " is " + std::to_string(type) + " (expected 0 to 6)");
        impl->types[i] = type;
        const std::string& text = vocab.tokens[i];
        impl->text_to_id.emplace(text, static_cast<int32_t>(i));
        if (type == 3)
            continue;   // control tokens decode to nothing
        if (type == 4) {
            impl->bytes[i] = text;
            // A user-defined role marker is not matched in text: typed, it stays text.
            if (!text.empty() && !is_role_marker(text))
                impl->user_defined.emplace_back(text, static_cast<int32_t>(i));
        } else {
            impl->bytes[i] = unmap_bytes(text);
        }
    }
    std::stable_sort(impl->user_defined.begin(), impl->user_defined.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });

    // Real vocabularies lack a few bytes (SmolLM2 has no token for 0x04, 0x06, 0x13, 0x14,
    // 0x16, 0x1D, 0xF1, 0xF2 nor the bytes UTF-8 never uses); such a byte has no id and is
    // dropped from the output, as HF `tokenizers` (without an unknown token) and llama.cpp do.
    for (uint32_t b = 0; b < 256; ++b) {
        const auto it = impl->text_to_id.find(bpe_byte_to_unicode(static_cast<uint8_t>(b)));
        const bool usable = it != impl->text_to_id.end() && impl->types[static_cast<size_t>(it->second)] != 3;
        impl->byte_ids[b] = usable ? it->second : -1;
    }

    // llama.cpp refuses a BPE vocabulary without merges too: it is a broken conversion, and
    // would silently tokenize every text byte by byte.
    if (vocab.merges.empty())
        return make_error(
            "tokenizer.ggml.merges is missing or empty; a byte-level BPE (gpt2) vocabulary needs its merges");
    const auto token_id = [&](std::string_view t) -> int32_t {
        const auto it = impl->text_to_id.find(std::string(t));
        return it == impl->text_to_id.end() ? -1 : it->second;
    };
    impl->merges.reserve(vocab.merges.size());
    for (size_t i = 0; i < vocab.merges.size(); ++i) {
        const std::string& m = vocab.merges[i];
        const auto where = "tokenizer.ggml.merges entry " + std::to_string(i) + " " + quoted(m);
        // "left right"; searching from 1 lets a left part be a token that is itself " ".
        const size_t space = m.size() > 1 ? m.find(' ', 1) : std::string::npos;
        if (space == std::string::npos || space + 1 >= m.size())
            return make_error(where + " is not two tokens separated by a space");
        const std::string_view left = std::string_view(m).substr(0, space);
        const std::string_view right = std::string_view(m).substr(space + 1);
        const int32_t l = token_id(left), r = token_id(right);
        const int32_t merged = token_id(std::string(left) + std::string(right));
        if (l < 0)
            return make_error(where + " names " + quoted(left) + ", which is not in tokenizer.ggml.tokens");
        if (r < 0)
            return make_error(where + " names " + quoted(right) + ", which is not in tokenizer.ggml.tokens");
        if (merged < 0)
            return make_error(where + " makes " + quoted(std::string(left) + std::string(right)) +
                              ", which is not in tokenizer.ggml.tokens");
        // A pair listed twice keeps its first (lowest) rank.
        impl->merges.emplace(Impl::pair_key(l, r), Impl::Merge{static_cast<int32_t>(i), merged});
    }
    return BpeTokenizer(std::move(impl));
}

Result<std::vector<int32_t>> BpeTokenizer::encode(std::string_view text) const
{
    std::vector<int32_t> out;
    if (d->user_defined.empty()) {
        if (Status st = d->encode_text(text, out); !st)
            return st.error();
        return out;
    }
    // User-defined tokens are whole strings in text (as llama.cpp and HF added tokens);
    // the text between them goes through the pre-tokenizer.
    size_t start = 0, i = 0;
    while (i < text.size()) {
        const auto hit = std::find_if(d->user_defined.begin(), d->user_defined.end(),
                                      [&](const auto& u) { return text.compare(i, u.first.size(), u.first) == 0; });
        if (hit == d->user_defined.end()) {
            ++i;
            continue;
        }
        if (Status st = d->encode_text(text.substr(start, i - start), out); !st)
            return st.error();
        out.push_back(hit->second);
        i += hit->first.size();
        start = i;
    }
    if (Status st = d->encode_text(text.substr(start), out); !st)
        return st.error();
    return out;
}

Result<std::vector<std::string>> BpeTokenizer::pre_tokenize(std::string_view text) const
{
    std::vector<std::string_view> pieces;
    if (Status st = d->split(text, pieces); !st)
        return st.error();
    return std::vector<std::string>(pieces.begin(), pieces.end());
}

std::string_view BpeTokenizer::token_bytes(int32_t id) const
{
    if (id < 0 || static_cast<size_t>(id) >= d->bytes.size())
        return {};
    return d->bytes[static_cast<size_t>(id)];
}

int32_t BpeTokenizer::n_vocab() const { return static_cast<int32_t>(d->bytes.size()); }

bool BpeTokenizer::is_control(int32_t id) const
{
    return id >= 0 && static_cast<size_t>(id) < d->types.size() && d->types[static_cast<size_t>(id)] == 3;
}

int32_t BpeTokenizer::piece_to_id(std::string_view piece) const
{
    if (piece.empty())
        return -1;
    const auto it = d->text_to_id.find(std::string(piece));
    return it == d->text_to_id.end() ? -1 : it->second;
}

const std::string& BpeTokenizer::pre_tokenizer() const { return d->pre; }

}   // namespace causerie
