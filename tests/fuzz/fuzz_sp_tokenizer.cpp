// Fuzz target: the sentencepiece-style tokenizer with the real Mistral v0.1 vocabulary (32000
// pieces, read from tests/data/tiny-mistral-q8_0.gguf the way the app reads a model's).
// Input: one flag byte, then the text. The text is encoded (invalid UTF-8 must be a clean
// error), the ids decoded; the input's bytes are also decoded as raw ids (outside the
// vocabulary too). Invariant, from tokenizer.h: StreamDecoder, one id at a time, gives exactly
// Tokenizer::decode's text.
#include "fuzz_common.h"

#include "engine/tokenizer.h"

#include <memory>
#include <vector>

using namespace causerie;

namespace {

std::unique_ptr<Tokenizer> g_tok;

void check_stream_decoder(const Tokenizer& tok, const std::vector<int32_t>& ids)
{
    const std::string whole = tok.decode(ids);
    StreamDecoder dec(tok);
    std::string streamed;
    for (int32_t id : ids)
        streamed += dec.push(id);
    streamed += dec.flush();
    FUZZ_CHECK(streamed == whole);
}

}   // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    if (g_tok)
        return 0;
    auto tok = Tokenizer::from_vocab(fuzz::sentencepiece_vocab());
    if (!tok) {
        std::fprintf(stderr, "fuzz_sp_tokenizer: %s\n", tok.error().message.c_str());
        std::abort();
    }
    g_tok = std::make_unique<Tokenizer>(std::move(*tok));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input in(data, size);
    const uint8_t flags = in.byte();
    const std::string_view text = in.rest();
    const Tokenizer& tok = *g_tok;

    if (auto ids = tok.encode(text, flags & 1)) {
        for (int32_t id : *ids)
            FUZZ_CHECK(id >= 0 && id < tok.n_vocab());
        check_stream_decoder(tok, *ids);
        for (int32_t id : *ids)
            (void)tok.id_to_piece(id);
    }
    (void)tok.piece_to_id(text);

    // Raw ids: 2 bytes each, some past the vocabulary's end, some negative.
    std::vector<int32_t> raw;
    for (size_t i = 0; i + 1 < text.size(); i += 2) {
        const int v = (uint8_t(text[i]) << 8) | uint8_t(text[i + 1]);
        raw.push_back((flags & 2) ? int32_t(v) - 1000 : int32_t(v % (tok.n_vocab() + 16)));
    }
    check_stream_decoder(tok, raw);
    return 0;
}
