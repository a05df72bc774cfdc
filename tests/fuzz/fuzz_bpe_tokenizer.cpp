// Fuzz target: the byte-level BPE tokenizer, with the real SmolLM2 vocabulary when the default
// model is on this machine (scripts/fetch-default-model.sh), else a synthetic one (fuzz_common.h),
// under every pre-tokenizer Causerie knows. Input: one byte picks the pre-tokenizer, the rest is
// the text. Invariants, from bpe_tokenizer.h and tokenizer.h:
//  - the pre-tokenizer's pieces put together are the text;
//  - decode(encode(text)) is the text, byte for byte, once the bytes that have no token of their
//    own are taken out (encode drops them, as Hugging Face's tokenizer does: SmolLM2 has none for
//    the controls 0x04 0x06 0x13 0x14 0x16 0x1D, the UTF-8 lead bytes 0xF1 0xF2 of planes 4-11,
//    nor for 0xC0 0xC1 0xF5-0xFF that UTF-8 never uses) and what is left is decoded with U+FFFD
//    for each byte that is not part of a whole character;
//  - StreamDecoder, one id at a time, gives exactly Tokenizer::decode's text.
#include "fuzz_common.h"

#include "engine/bpe_tokenizer.h"
#include "engine/tokenizer.h"

#include <memory>
#include <vector>

using namespace causerie;

namespace {

struct Flavour {
    std::string pre;
    std::unique_ptr<Tokenizer> tok;
    std::unique_ptr<BpeTokenizer> bpe;
};
std::vector<Flavour> g_flavours;
bool g_byte_has_token[256];

// Length of the whole UTF-8 character at s[i], or 0 when none starts there.
size_t utf8_char_at(std::string_view s, size_t i)
{
    const auto c = uint8_t(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size())
        return 0;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
        const auto cc = uint8_t(s[i + k]);
        if ((cc & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

bool valid_utf8(std::string_view s)
{
    for (size_t i = 0, n = 0; i < s.size(); i += n)
        if ((n = utf8_char_at(s, i)) == 0)
            return false;
    return true;
}

// What decode(encode(text)) must give: text without the bytes that have no token, with U+FFFD
// for each byte left that does not belong to a whole character.
std::string expected_round_trip(std::string_view text)
{
    std::string kept;
    for (char c : text)
        if (g_byte_has_token[uint8_t(c)])
            kept += c;
    std::string out;
    for (size_t i = 0; i < kept.size();) {
        if (const size_t n = utf8_char_at(kept, i)) {
            out.append(kept, i, n);
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

}   // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    if (!g_flavours.empty())
        return 0;
    std::string which;
    const VocabData vocab = fuzz::bpe_vocab(&which);
    std::fprintf(stderr, "fuzz_bpe_tokenizer: vocabulary %s, %zu tokens\n", which.c_str(), vocab.tokens.size());
    std::vector<std::string> pres = bpe_supported_pre_tokenizers();
    pres.insert(pres.begin(), std::string());   // GPT-2's own split
    for (const std::string& pre : pres) {
        auto tok = Tokenizer::from_vocab(vocab, pre);
        auto bpe = BpeTokenizer::create(vocab, pre);
        if (!tok || !bpe) {
            std::fprintf(stderr, "fuzz_bpe_tokenizer: pre-tokenizer '%s': %s\n", pre.c_str(),
                         (!tok ? tok.error() : bpe.error()).message.c_str());
            std::abort();
        }
        if (g_flavours.empty())
            for (int b = 0; b < 256; ++b)
                g_byte_has_token[b] = tok->piece_to_id(bpe_byte_to_unicode(uint8_t(b))) >= 0;
        g_flavours.push_back(
            {pre, std::make_unique<Tokenizer>(std::move(*tok)), std::make_unique<BpeTokenizer>(std::move(*bpe))});
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input in(data, size);
    const Flavour& f = g_flavours[in.byte() % g_flavours.size()];
    const std::string_view text = in.rest();

    auto ids = f.tok->encode(text, false);
    FUZZ_CHECK(ids.ok() == valid_utf8(text));
    if (!ids)
        return 0;
    for (int32_t id : *ids)
        FUZZ_CHECK(id >= 0 && id < f.tok->n_vocab() && !f.tok->is_control(id));
    const std::string decoded = f.tok->decode(*ids);
    FUZZ_CHECK(decoded == expected_round_trip(text));

    StreamDecoder dec(*f.tok);
    std::string streamed;
    for (int32_t id : *ids)
        streamed += dec.push(id);
    streamed += dec.flush();
    FUZZ_CHECK(streamed == decoded);

    if (auto pieces = f.bpe->pre_tokenize(text)) {
        std::string joined;
        for (const std::string& p : *pieces)
            joined += p;
        FUZZ_CHECK(joined == text);
    }
    return 0;
}
