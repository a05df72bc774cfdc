// Fuzz target: the built-in chat templates with fuzzed roles and message texts, over the real
// Mistral v0.1 sentencepiece vocabulary and a BPE vocabulary that has the control tokens of every
// family (SmolLM2's when present, see fuzz_common.h).
// Input: byte 0 picks the template (0-5: the first six kinds; 0xF0 and above: Qwen3, DeepSeek-R1,
// Gemma or Phi-3 by its low two bits, with Qwen3's thinking off when bit 2 is set; otherwise
// detection from a fuzzed tokenizer.chat_template text that comes first, up to a 0x00 byte),
// byte 1 the vocabulary;
// then turns separated by 0x00 bytes, each a role byte (system / user / assistant / the role
// as text up to a 0x01 byte) and the message text.
// Invariant: the control tokens in the prompt come from the template alone. Replacing every
// non-empty message text by "x" and every unknown role by "r" gives as many control tokens
// (a user typing "<|im_start|>" or "[INST]" gets text, never a role marker).
#include "fuzz_common.h"

#include "engine/chat_template.h"
#include "engine/tokenizer.h"

#include <memory>
#include <vector>

using namespace causerie;

namespace {

struct Vocab {
    VocabData data;
    std::unique_ptr<Tokenizer> tok;
};
Vocab g_vocabs[2];

size_t count_control(const Tokenizer& tok, const std::vector<int32_t>& ids)
{
    size_t n = 0;
    for (int32_t id : ids)
        n += tok.is_control(id) ? 1 : 0;
    return n;
}

}   // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    if (g_vocabs[0].tok)
        return 0;
    std::string which;
    g_vocabs[0].data = fuzz::sentencepiece_vocab();
    g_vocabs[1].data = fuzz::bpe_vocab(&which);
    std::fprintf(stderr, "fuzz_chat_template: BPE vocabulary %s\n", which.c_str());
    for (Vocab& v : g_vocabs) {
        auto tok = Tokenizer::from_vocab(v.data);
        if (!tok) {
            std::fprintf(stderr, "fuzz_chat_template: %s\n", tok.error().message.c_str());
            std::abort();
        }
        v.tok = std::make_unique<Tokenizer>(std::move(*tok));
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input in(data, size);
    const uint8_t kind = in.byte();
    Vocab& v = g_vocabs[in.byte() & 1];
    const Tokenizer& tok = *v.tok;

    ChatTemplate tmpl = ChatTemplate::of_kind(ChatTemplateKind::MistralV1);
    if (kind < 6) {
        tmpl = ChatTemplate::of_kind(ChatTemplateKind(kind));
    } else if (kind >= 0xF0) {
        tmpl = ChatTemplate::of_kind(ChatTemplateKind(6 + (kind & 3)));
        tmpl.set_thinking(!(kind & 4));
    } else {
        // Detection reads only the template text and the control tokens: the shared vocabulary
        // takes each input's text (a copy of SmolLM2's would cost more than the rest).
        v.data.chat_template = std::string(in.until(0));
        tmpl = ChatTemplate::detect(v.data, tok);
        (void)tmpl.default_system();
        (void)tmpl.knowledge_line();
    }
    tmpl.set_date_for_testing("26 Jul 2024");

    std::vector<ChatTurn> turns, plain;
    while (!in.empty() && turns.size() < 16) {
        ChatTurn t;
        const uint8_t r = in.byte() % 4;
        t.role = r == 0 ? "system" : r == 1 ? "user" : r == 2 ? "assistant" : std::string(in.until(1));
        t.content = std::string(in.until(0));
        ChatTurn p;
        p.role = r < 3 ? t.role : "r";
        p.content = t.content.empty() ? "" : "x";
        turns.push_back(std::move(t));
        plain.push_back(std::move(p));
    }

    auto ids = tmpl.apply(tok, turns);
    auto plain_ids = tmpl.apply(tok, plain);
    if (ids && plain_ids)
        FUZZ_CHECK(count_control(tok, *ids) == count_control(tok, *plain_ids));
    if (ids)
        for (int32_t id : *ids)
            FUZZ_CHECK(id >= 0 && id < tok.n_vocab());
    for (int32_t id : tmpl.end_of_turn_ids(tok))
        FUZZ_CHECK(id >= 0 && id < tok.n_vocab());
    return 0;
}
