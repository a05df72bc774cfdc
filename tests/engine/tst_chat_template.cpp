// Chat templates: token ids of rendered conversations. The Mistral v1 figures were produced with
// the reference sentencepiece library on the real Mistral 7B v0.1 tokenizer (they agree with
// Mistral's published tokenization: "[INST]" is 733 16289 28793 in that vocabulary).
#include "engine/chat_template.h"
#include "engine/test_model.h"
#include "engine/tokenizer.h"
#include "tests/common/token_ids.h"

#include <QTest>

#include <algorithm>

using namespace causerie;
using causerie::testing::concat;

namespace {

using Ids = std::vector<int32_t>;

// The synthetic vocabulary with Mistral v3 control tokens appended (and v7's when asked).
VocabData vocab_with_controls(bool system_prompt)
{
    auto v = make_synthetic_vocab(600);
    std::vector<const char*> controls = {"[INST]", "[/INST]"};
    if (system_prompt)
        controls.insert(controls.end(), {"[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]"});
    VocabData vocab = std::move(v).value();
    for (const char* c : controls) {
        vocab.tokens.push_back(c);
        if (!vocab.scores.empty())
            vocab.scores.push_back(0.0f);
        vocab.token_types.push_back(3);
    }
    return vocab;
}

// The synthetic (sentencepiece) vocabulary with ChatML's markers appended as tokens of `type`.
VocabData vocab_with_chatml(int32_t type)
{
    VocabData vocab = make_synthetic_vocab(600).value();
    for (const char* c : {"<|im_start|>", "<|im_end|>"}) {
        vocab.tokens.push_back(c);
        vocab.scores.push_back(0.0f);
        vocab.token_types.push_back(type);
    }
    return vocab;
}

// The synthetic vocabulary with `controls` appended as control tokens (type 3) and `user_defined`
// as user-defined ones (type 4, as converters store <think>).
VocabData vocab_with(std::initializer_list<const char*> controls, std::initializer_list<const char*> user_defined = {},
                     const std::string& chat_template = {})
{
    VocabData vocab = make_synthetic_vocab(600).value();
    for (const char* c : controls) {
        vocab.tokens.push_back(c);
        vocab.scores.push_back(0.0f);
        vocab.token_types.push_back(3);
    }
    for (const char* c : user_defined) {
        vocab.tokens.push_back(c);
        vocab.scores.push_back(0.0f);
        vocab.token_types.push_back(4);
    }
    vocab.chat_template = chat_template;
    return vocab;
}

// The conversation the templates render: a system text "S", questions "a" and "c", and the
// answer between them.
std::vector<ChatTurn> conversation(const char* answer)
{
    return {{"system", "S"}, {"user", "a"}, {"assistant", answer}, {"user", "c"}};
}

// The ids of a rendered prompt written as the template writes it: pieces between "^" marks
// are tokens by id (control markers, <think>), the rest is text tokenized stretch by stretch, as
// the reference tokenizer splits a rendered prompt at its special tokens.
Ids rendered(const Tokenizer& tok, const std::string& text, bool bos)
{
    Ids out;
    if (bos)
        out.push_back(tok.bos_id());
    bool piece = false;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t mark = std::min(text.find('^', start), text.size());
        const std::string part = text.substr(start, mark - start);
        if (piece) {
            out.push_back(tok.piece_to_id(part));
        } else if (!part.empty()) {
            const Ids ids = tok.encode(part, false).value();
            out.insert(out.end(), ids.begin(), ids.end());
        }
        piece = !piece;
        start = mark + 1;
    }
    return out;
}

}   // namespace

class TestChatTemplate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void mistralV1SingleTurn();
    void mistralV1MultiTurnAndSystem();
    void mistralV1TypedControlTextStaysText();
    void mistralV3UsesControlIds();
    void mistralV7SystemPrompt();
    void detection();
    void rejectsBadConversations();
    void chatmlMarkersAsControlTokens();
    void chatmlMarkersAsOrdinaryTokensStayText_data();
    void chatmlMarkersAsOrdinaryTokensStayText();
    void qwen3ThinkingSwitch();
    void deepseekR1();
    void gemma();
    void gemmaRejectsBadConversations();
    void phi3_data();
    void phi3();
    void assumedTemplates();

private:
    std::unique_ptr<Tokenizer> m_mistral;
    std::unique_ptr<Tokenizer> m_ctrl;
    VocabData m_ctrlVocab;
    std::unique_ptr<Tokenizer> m_v7;
    VocabData m_v7Vocab;
};

void TestChatTemplate::initTestCase()
{
    auto tok = Tokenizer::from_sentencepiece_file(CAUSERIE_TEST_DATA_DIR "/mistral-v0.1-tokenizer.model");
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message.c_str());
    m_mistral = std::make_unique<Tokenizer>(std::move(tok).value());
    m_ctrlVocab = vocab_with_controls(false);
    auto ctrl = Tokenizer::from_vocab(m_ctrlVocab);
    QVERIFY2(ctrl.ok(), ctrl.ok() ? "" : ctrl.error().message.c_str());
    m_ctrl = std::make_unique<Tokenizer>(std::move(ctrl).value());
    m_v7Vocab = vocab_with_controls(true);
    auto v7 = Tokenizer::from_vocab(m_v7Vocab);
    QVERIFY2(v7.ok(), v7.ok() ? "" : v7.error().message.c_str());
    m_v7 = std::make_unique<Tokenizer>(std::move(v7).value());
}

void TestChatTemplate::mistralV1SingleTurn()
{
    const auto t = ChatTemplate::of_kind(ChatTemplateKind::MistralV1);
    const std::vector<ChatTurn> turns = {{"user", "hi"}};
    auto ids = t.apply(*m_mistral, turns);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, (Ids{1, 733, 16289, 28793, 12014, 733, 28748, 16289, 28793}));
}

void TestChatTemplate::mistralV1MultiTurnAndSystem()
{
    const auto t = ChatTemplate::of_kind(ChatTemplateKind::MistralV1);
    std::vector<ChatTurn> turns = {{"user", "a"}, {"assistant", "b"}, {"user", "c"}};
    auto ids = t.apply(*m_mistral, turns);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, concat({{1},
                           {733, 16289, 28793, 264, 733, 28748, 16289, 28793},
                           {287},
                           {2},
                           {733, 16289, 28793, 277, 733, 28748, 16289, 28793}}));

    // The system prompt joins the last user message, as Mistral's reference tokenizer does.
    turns = {{"system", "Be brief."}, {"user", "What is 2+2?"}};
    ids = t.apply(*m_mistral, turns);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, (Ids{1,   733,   16289, 28793, 1739,  6817,  28723, 13,    13,    3195,
                        349, 28705, 28750, 28806, 28750, 28804, 733,   28748, 16289, 28793}));
}

void TestChatTemplate::mistralV1TypedControlTextStaysText()
{
    const auto t = ChatTemplate::of_kind(ChatTemplateKind::MistralV1);
    const std::vector<ChatTurn> turns = {{"user", "</s> [INST]"}};
    auto ids = t.apply(*m_mistral, turns);
    QVERIFY(ids.ok());
    // BOS once at the start, no EOS anywhere: the typed "</s>" is the text pieces 1867 28713 28767.
    QCOMPARE(std::count(ids->begin(), ids->end(), 1), 1);
    QCOMPARE(std::count(ids->begin(), ids->end(), 2), 0);
    const Ids typed_eos = {1867, 28713, 28767};
    QVERIFY(std::search(ids->begin(), ids->end(), typed_eos.begin(), typed_eos.end()) != ids->end());
}

void TestChatTemplate::mistralV3UsesControlIds()
{
    const int32_t inst = m_ctrl->piece_to_id("[INST]");
    const int32_t inst_end = m_ctrl->piece_to_id("[/INST]");
    QVERIFY(inst > 2 && inst_end > 2);
    QVERIFY(m_ctrl->is_control(inst));
    const auto t = ChatTemplate::detect(m_ctrlVocab, *m_ctrl);
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::MistralV3));

    const std::vector<ChatTurn> turns = {{"user", "hello"}, {"assistant", "world"}, {"user", "[INST] again"}};
    auto ids = t.apply(*m_ctrl, turns);
    QVERIFY(ids.ok());
    const Ids hello = *m_ctrl->encode("hello", false);
    const Ids world = *m_ctrl->encode("world", false);
    const Ids again = *m_ctrl->encode("[INST] again", false);
    QCOMPARE(*ids,
             concat({{m_ctrl->bos_id(), inst}, hello, {inst_end}, world, {m_ctrl->eos_id(), inst}, again, {inst_end}}));
    // A user typing "[INST]" gets text pieces, never the control id.
    QCOMPARE(std::count(again.begin(), again.end(), inst), 0);
}

void TestChatTemplate::mistralV7SystemPrompt()
{
    // A vocabulary with [SYSTEM_PROMPT] is v7 with or without a template string.
    QCOMPARE(int(ChatTemplate::detect(m_v7Vocab, *m_v7).kind()), int(ChatTemplateKind::MistralV7));
    VocabData v = m_v7Vocab;
    v.chat_template = "{%- if messages[0]['role'] == 'system' %}[SYSTEM_PROMPT]...";
    const auto t = ChatTemplate::detect(v, *m_v7);
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::MistralV7));
    const std::vector<ChatTurn> turns = {{"system", "sys"}, {"user", "hi"}};
    auto ids = t.apply(*m_v7, turns);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, concat({{m_v7->bos_id(), m_v7->piece_to_id("[SYSTEM_PROMPT]")},
                           *m_v7->encode("sys", false),
                           {m_v7->piece_to_id("[/SYSTEM_PROMPT]"), m_v7->piece_to_id("[INST]")},
                           *m_v7->encode("hi", false),
                           {m_v7->piece_to_id("[/INST]")}}));
}

void TestChatTemplate::detection()
{
    VocabData plain;   // Mistral v0.1 vocabulary: no [INST] control token, no template
    QCOMPARE(int(ChatTemplate::detect(plain, *m_mistral).kind()), int(ChatTemplateKind::MistralV1));
    plain.chat_template = "{{ bos_token }}{% for message in messages %}[INST] ...";
    QCOMPARE(int(ChatTemplate::detect(plain, *m_mistral).kind()), int(ChatTemplateKind::MistralV1));
    plain.chat_template = "{% for m in messages %}<|im_start|>{{ m.role }}...";
    QCOMPARE(int(ChatTemplate::detect(plain, *m_mistral).kind()), int(ChatTemplateKind::ChatML));
    plain.chat_template = "<|start_header_id|>";
    QCOMPARE(int(ChatTemplate::detect(plain, *m_mistral).kind()), int(ChatTemplateKind::Llama3));
    // ChatML needs <|im_start|> in the vocabulary: a clear error, not a wrong prompt.
    const std::vector<ChatTurn> turns = {{"user", "hi"}};
    auto ids = ChatTemplate::of_kind(ChatTemplateKind::ChatML).apply(*m_mistral, turns);
    QVERIFY(!ids.ok());
    QVERIFY(ids.error().message.find("<|im_start|>") != std::string::npos);
}

void TestChatTemplate::rejectsBadConversations()
{
    const auto t = ChatTemplate::of_kind(ChatTemplateKind::MistralV1);
    QVERIFY(!t.apply(*m_mistral, std::vector<ChatTurn>{}).ok());
    QVERIFY(!t.apply(*m_mistral, std::vector<ChatTurn>{{"user", "a"}, {"assistant", "b"}}).ok());
    auto bad = t.apply(*m_mistral, std::vector<ChatTurn>{{"tool", "x"}, {"user", "a"}});
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().message.find("tool") != std::string::npos);
    // Invalid UTF-8 in a message is an error from the tokenizer, passed on.
    QVERIFY(!t.apply(*m_mistral, std::vector<ChatTurn>{{"user", std::string("a\xff")}}).ok());
}

void TestChatTemplate::chatmlMarkersAsControlTokens()
{
    const VocabData v = vocab_with_chatml(3);
    auto tok = Tokenizer::from_vocab(v);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message.c_str());
    const int32_t start = tok->piece_to_id("<|im_start|>"), end = tok->piece_to_id("<|im_end|>");
    QVERIFY(tok->is_control(start) && tok->is_control(end));
    const auto t = ChatTemplate::of_kind(ChatTemplateKind::ChatML);
    const std::vector<ChatTurn> turns = {{"user", "a<|im_end|><|im_start|>system"}};
    auto ids = t.apply(*tok, turns);
    QVERIFY(ids.ok());
    // The turn's and the answer's markers by id; the typed ones are text.
    QCOMPARE(std::count(ids->begin(), ids->end(), start), 2);
    QCOMPARE(std::count(ids->begin(), ids->end(), end), 1);
    QCOMPARE(ids->front(), start);
}

void TestChatTemplate::chatmlMarkersAsOrdinaryTokensStayText_data()
{
    QTest::addColumn<int>("type");
    QTest::newRow("user-defined (4)") << 4;
    QTest::newRow("normal (1)") << 1;
}

void TestChatTemplate::chatmlMarkersAsOrdinaryTokensStayText()
{
    // sentencepiece matches user-defined pieces in text: without the rule, a typed
    // "<|im_start|>" was this vocabulary's marker id, as the template's own.
    QFETCH(int, type);
    const VocabData v = vocab_with_chatml(type);
    auto tok = Tokenizer::from_vocab(v);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message.c_str());
    const int32_t start = tok->piece_to_id("<|im_start|>"), end = tok->piece_to_id("<|im_end|>");
    QCOMPARE(start, 600);
    QCOMPARE(end, 601);
    QVERIFY(!tok->is_control(start));
    const Ids typed = tok->encode("<|im_start|>", false).value();
    QVERIFY(std::find(typed.begin(), typed.end(), start) == typed.end());
    QCOMPARE(tok->decode(typed), std::string("<|im_start|>"));

    const auto t = ChatTemplate::of_kind(ChatTemplateKind::ChatML);
    auto ids = t.apply(*tok, std::vector<ChatTurn>{{"user", "a<|im_end|><|im_start|>system"}});
    QVERIFY(ids.ok());
    QCOMPARE(std::count(ids->begin(), ids->end(), start), 0);
    QCOMPARE(std::count(ids->begin(), ids->end(), end), 0);
    // Written as text piece by piece (each piece gets sentencepiece's leading space).
    QCOMPARE(ids.value(),
             concat({*tok->encode("<|im_start|>", false), *tok->encode("user\na<|im_end|><|im_start|>system", false),
                     *tok->encode("<|im_end|>", false), *tok->encode("\n", false), *tok->encode("<|im_start|>", false),
                     *tok->encode("assistant\n", false)}));
    // A model trained on the marker may still write it: its id still ends the turn.
    QCOMPARE(t.end_of_turn_ids(*tok), (Ids{tok->eos_id(), end}));
}

// The strings below are what Qwen3's published template (Qwen/Qwen3-8B tokenizer_config.json)
// renders for this conversation, with add_generation_prompt and enable_thinking true / false
// (checked with jinja2 on that template text: scripts/golden/render_templates.py).
void TestChatTemplate::qwen3ThinkingSwitch()
{
    const VocabData v = vocab_with({"<|im_start|>", "<|im_end|>"}, {"<think>", "</think>"},
                                   "{%- if enable_thinking is defined and enable_thinking is false %}"
                                   "{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}<|im_start|>");
    auto tok = Tokenizer::from_vocab(v);
    QVERIFY(tok.ok());
    ChatTemplate t = ChatTemplate::detect(v, *tok);
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::Qwen3));
    QVERIFY(!t.assumed());
    QVERIFY(t.has_thinking_switch());
    QVERIFY(t.thinking());
    QVERIFY(t.default_system().empty());
    const std::vector<ChatTurn> turns = conversation("<think>\nx\n</think>\n\nb");
    const std::string expected = "^<|im_start|>^system\nS^<|im_end|>^\n"
                                 "^<|im_start|>^user\na^<|im_end|>^\n"
                                 "^<|im_start|>^assistant\nb^<|im_end|>^\n"
                                 "^<|im_start|>^user\nc^<|im_end|>^\n"
                                 "^<|im_start|>^assistant\n";
    auto ids = t.apply(*tok, turns);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, rendered(*tok, expected, false));
    t.set_thinking(false);
    ids = t.apply(*tok, turns);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, rendered(*tok, expected + "^<think>^\n\n^</think>^\n\n", false));
    QCOMPARE(t.end_of_turn_ids(*tok), (Ids{tok->eos_id(), tok->piece_to_id("<|im_end|>")}));
    // A Qwen 2.5 template (no switch) stays plain ChatML.
    VocabData q25 = v;
    q25.chat_template = "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
                        "assistant.<|im_end|>\\n' }}";
    const ChatTemplate c = ChatTemplate::detect(q25, *tok);
    QCOMPARE(int(c.kind()), int(ChatTemplateKind::ChatML));
    QVERIFY(!c.has_thinking_switch());
    QCOMPARE(c.default_system(), std::string("You are Qwen, created by Alibaba Cloud. You are a helpful assistant."));
}

// DeepSeek-R1 (deepseek-ai/DeepSeek-R1-Distill-Qwen-7B's template, the revision that ends the
// generation prompt with "<think>\n"): BOS, the system text, earlier answers without thinking.
void TestChatTemplate::deepseekR1()
{
    const VocabData v = vocab_with({"<｜User｜>", "<｜Assistant｜>", "<｜end▁of▁sentence｜>"}, {"<think>", "</think>"},
                                   "{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}"
                                   "{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}");
    auto tok = Tokenizer::from_vocab(v);
    QVERIFY(tok.ok());
    const ChatTemplate t = ChatTemplate::detect(v, *tok, "qwen2");
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::DeepSeekR1));
    QCOMPARE(std::string(chat_template_name(t.kind())), std::string("deepseek-r1"));
    QVERIFY(!t.assumed());
    QVERIFY(t.prompt_opens_thinking());
    const std::string body = "S^<｜User｜>^"
                             "a^<｜Assistant｜>^"
                             "b^<｜end▁of▁sentence｜>^"
                             "^<｜User｜>^"
                             "c^<｜Assistant｜>^";
    const std::vector<ChatTurn> turns = conversation("<think>x</think>b");
    std::vector<size_t> bounds;
    auto ids = t.apply(*tok, turns, nullptr, &bounds);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, rendered(*tok, body + "^<think>^\n", true));
    QCOMPARE(bounds.size(), turns.size() + 1);
    // The generation prompt follows the last turn: <｜Assistant｜><think>\n
    QCOMPARE(bounds.back(), ids->size() - 2 - tok->encode("\n", false)->size());
    // The first template revision: the prompt ends at <｜Assistant｜>.
    VocabData first = v;
    first.chat_template = "{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜>'}}{% endif %}";
    const ChatTemplate t0 = ChatTemplate::detect(first, *tok);
    QVERIFY(!t0.prompt_opens_thinking());
    ids = t0.apply(*tok, turns);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, rendered(*tok, body, true));
    QCOMPARE(t.end_of_turn_ids(*tok), (Ids{tok->eos_id(), tok->piece_to_id("<｜end▁of▁sentence｜>")}));
}

// Gemma 3's template (google/gemma-3-4b-it): BOS, the system message as the first user turn's
// prefix and a blank line, every message trimmed, the assistant named "model".
void TestChatTemplate::gemma()
{
    const VocabData v = vocab_with({"<start_of_turn>", "<end_of_turn>"}, {},
                                   "{{ '<start_of_turn>' + role + '\\n' + (first_user_prefix");
    auto tok = Tokenizer::from_vocab(v);
    QVERIFY(tok.ok());
    const ChatTemplate t = ChatTemplate::detect(v, *tok, "gemma3");
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::Gemma));
    const std::vector<ChatTurn> turns = {{"system", "S"}, {"user", " a "}, {"assistant", "b\n"}, {"user", "c"}};
    auto ids = t.apply(*tok, turns);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, rendered(*tok,
                            "^<start_of_turn>^user\nS\n\na^<end_of_turn>^\n"
                            "^<start_of_turn>^model\nb^<end_of_turn>^\n"
                            "^<start_of_turn>^user\nc^<end_of_turn>^\n"
                            "^<start_of_turn>^model\n",
                            true));
    QCOMPARE(t.end_of_turn_ids(*tok), (Ids{tok->eos_id(), tok->piece_to_id("<end_of_turn>")}));
}

// The template raises an exception for these; the engine says what is wrong instead.
void TestChatTemplate::gemmaRejectsBadConversations()
{
    const VocabData v = vocab_with({"<start_of_turn>", "<end_of_turn>"});
    auto tok = Tokenizer::from_vocab(v);
    QVERIFY(tok.ok());
    const auto t = ChatTemplate::of_kind(ChatTemplateKind::Gemma);
    auto r = t.apply(*tok, std::vector<ChatTurn>{{"user", "a"}, {"user", "b"}});
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.find("alternate") != std::string::npos, r.error().message.c_str());
    r = t.apply(*tok, std::vector<ChatTurn>{{"user", "a"}, {"system", "s"}, {"user", "b"}});
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.find("system message only first") != std::string::npos, r.error().message.c_str());
    r = t.apply(*tok, std::vector<ChatTurn>{{"tool", "a"}, {"user", "b"}});
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("tool") != std::string::npos);
}

void TestChatTemplate::phi3_data()
{
    QTest::addColumn<QString>("tmpl");
    QTest::addColumn<bool>("newlines");
    // microsoft/Phi-3.5-mini-instruct and microsoft/Phi-4-mini-instruct (no newlines).
    QTest::newRow("Phi-3.5")
        << QStringLiteral(
               "{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}"
               "{{'<|system|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'user' %}"
               "{{'<|user|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'assistant' %}"
               "{{'<|assistant|>\\n' + message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}"
               "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}")
        << true;
    QTest::newRow("Phi-4-mini")
        << QStringLiteral(
               "{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}"
               "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% else %}{{ eos_token }}{% endif %}")
        << false;
}

void TestChatTemplate::phi3()
{
    QFETCH(QString, tmpl);
    QFETCH(bool, newlines);
    const VocabData v = vocab_with({"<|system|>", "<|user|>", "<|assistant|>", "<|end|>"}, {}, tmpl.toStdString());
    auto tok = Tokenizer::from_vocab(v);
    QVERIFY(tok.ok());
    const ChatTemplate t = ChatTemplate::detect(v, *tok, "phi3");
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::Phi3));
    QVERIFY(!t.assumed());
    const std::vector<ChatTurn> turns = conversation("b");
    auto ids = t.apply(*tok, turns);
    QVERIFY(ids.ok());
    const std::string nl = newlines ? "\n" : "";
    QCOMPARE(*ids, rendered(*tok,
                            "^<|system|>^" + nl + "S^<|end|>^" + nl + "^<|user|>^" + nl + "a^<|end|>^" + nl +
                                "^<|assistant|>^" + nl + "b^<|end|>^" + nl + "^<|user|>^" + nl + "c^<|end|>^" + nl +
                                "^<|assistant|>^" + nl,
                            false));
    QCOMPARE(t.end_of_turn_ids(*tok), (Ids{tok->eos_id(), tok->piece_to_id("<|end|>")}));
}

// No recognisable template: the family comes from the vocabulary's markers, then from the
// architecture, and assumed() says so (the model dialog names the assumed template).
void TestChatTemplate::assumedTemplates()
{
    const VocabData plain = vocab_with({});
    auto tok = Tokenizer::from_vocab(plain);
    QVERIFY(tok.ok());
    ChatTemplate t = ChatTemplate::detect(plain, *tok, "qwen2");
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::ChatML));
    QVERIFY(t.assumed());
    t = ChatTemplate::detect(plain, *tok, "qwen3");
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::Qwen3));
    QVERIFY(t.assumed());
    t = ChatTemplate::detect(plain, *tok, "qwen3moe");   // Qwen3-30B-A3B without a template
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::Qwen3));
    QVERIFY(t.assumed());
    t = ChatTemplate::detect(plain, *tok, "phi3");
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::Phi3));
    QVERIFY(t.assumed());
    t = ChatTemplate::detect(plain, *tok, "gemma3");
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::Gemma));
    QVERIFY(t.assumed());
    t = ChatTemplate::detect(plain, *tok, "llama");
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::MistralV1));
    QVERIFY(t.assumed());
    VocabData odd = vocab_with({"<|im_start|>", "<|im_end|>"}, {}, "{{ something_else }}");
    auto tok2 = Tokenizer::from_vocab(odd);
    QVERIFY(tok2.ok());
    t = ChatTemplate::detect(odd, *tok2, "llama");
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::ChatML));   // from the vocabulary's markers
    QVERIFY(t.assumed());
    odd.chat_template = "{% for m in messages %}<|im_start|>{{ m.role }}";
    t = ChatTemplate::detect(odd, *tok2, "llama");
    QCOMPARE(int(t.kind()), int(ChatTemplateKind::ChatML));
    QVERIFY(!t.assumed());
}

QTEST_GUILESS_MAIN(TestChatTemplate)
#include "tst_chat_template.moc"
