#pragma once
// Built-in chat templates, picked from GGUF metadata. Never executes template code from a file:
// the GGUF's tokenizer.chat_template is only read to recognise which family it is.
// Control tokens ([INST], <|im_start|>, ...) are inserted by id; message text is tokenized with
// control-token parsing off, so a user typing "[INST]" gets ordinary text tokens. A marker the
// vocabulary lists but not as a control token (type 3) is written as text (is_role_marker).
#include "model.h"
#include "result.h"
#include "tokenizer.h"

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace causerie {

enum class ChatTemplateKind {
    MistralV1,         // Mistral 7B Instruct v0.1: "[INST] ... [/INST]" as text
    MistralV3,         // [INST]/[/INST] control tokens (Mistral 7B v0.3, Mixtral, Codestral)
    MistralV3Tekken,   // v3 over a Tekken vocabulary (Mistral Nemo)
    MistralV7,         // v3 + [SYSTEM_PROMPT] (Mistral Small 3, Ministral)
    ChatML,
    Llama3,
    Qwen3,        // ChatML with Qwen3's thinking switch; earlier answers lose their <think> part
    DeepSeekR1,   // <｜User｜> ... <｜Assistant｜> (DeepSeek-R1 and its Qwen/Llama distills)
    Gemma,        // <start_of_turn>user/model ... <end_of_turn> (Gemma 2 and 3)
    Phi3,         // <|user|> ... <|end|> (Phi-3, Phi-3.5; Phi-4-mini without the newlines)
};

struct ChatTurn {
    std::string role;   // system | user | assistant
    std::string content;
};

const char* chat_template_name(ChatTemplateKind kind);

// Where apply() gets the tokens of a stretch of text (no BOS, control tokens never parsed). The
// tokenizer itself by default; PromptCache (context_fit.h) remembers each text's tokens, so a
// long conversation is tokenized once rather than at every turn.
class TextEncoder {
public:
    virtual ~TextEncoder() = default;
    virtual Result<std::vector<int32_t>> encode(const Tokenizer& tok, const std::string& text) = 0;
};

class ChatTemplate {
public:
    // Picks the family from tokenizer.chat_template, else from the vocabulary's control tokens,
    // else from the architecture (general.architecture: qwen2 -> ChatML, qwen3 -> Qwen3, phi3 ->
    // Phi3, gemma2/gemma3 -> Gemma).
    static ChatTemplate detect(const VocabData& vocab, const Tokenizer& tok, const std::string& architecture = {});
    static ChatTemplate of_kind(ChatTemplateKind kind) { return ChatTemplate(kind); }

    ChatTemplateKind kind() const { return m_kind; }
    // True when the GGUF's tokenizer.chat_template was absent or not recognised and the family was
    // assumed from the vocabulary or the architecture: the model dialog says which one
    // (chat_template_name(kind())) was assumed.
    bool assumed() const { return m_assumed; }

    // Qwen3's enable_thinking: on by default (the model thinks in <think>...</think> first); off,
    // the generation prompt carries an empty thought ("<think>\n\n</think>\n\n") as the
    // template writes it for enable_thinking=false. Only templates that have the switch use it.
    bool has_thinking_switch() const { return m_kind == ChatTemplateKind::Qwen3; }
    void set_thinking(bool enabled) { m_thinking = enabled; }
    bool thinking() const { return m_thinking; }
    // True when the generation prompt ends inside an opened <think> (DeepSeek-R1 templates that
    // write "<｜Assistant｜><think>\n"): the answer starts with thinking text and no <think> tag.
    bool prompt_opens_thinking() const { return m_kind == ChatTemplateKind::DeepSeekR1 && m_r1_think_prompt; }
    // ChatML templates that write a fixed system message when the conversation has none
    // (SmolLM2: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"; Qwen 2.5
    // likewise). Read from the template's string literal, never by running it. Empty: none.
    const std::string& default_system() const { return m_default_system; }

    // Tokens for the whole conversation, with BOS as the model says. The last turn must be a
    // user turn when add_generation_prompt is true (the model answers next).
    Result<std::vector<int32_t>> apply(const Tokenizer& tok, std::span<const ChatTurn> turns) const;
    // The same, with text tokenized by `encoder` (nullptr: the tokenizer) and, when `bounds` is
    // given, where each turn's tokens lie: (*bounds)[0] tokens come before the first turn,
    // turns[i] fills [(*bounds)[i], (*bounds)[i + 1]) and the generation prompt follows
    // (n + 1 entries). A turn the template writes elsewhere (Mistral v1/v3 put the system
    // prompt in the last question) fills nothing of its own.
    Result<std::vector<int32_t>> apply(const Tokenizer& tok, std::span<const ChatTurn> turns, TextEncoder* encoder,
                                       std::vector<size_t>* bounds) const;

    // Tokens that end the assistant's turn besides EOS (<|im_end|>, <|eot_id|>).
    std::vector<int32_t> end_of_turn_ids(const Tokenizer& tok) const;

    // Llama 3.1+ templates open every conversation with a system header holding
    // "Cutting Knowledge Date: December 2023\nToday Date: <date>\n\n" before the system message
    // (an empty one when there is none). Empty when the template has no such line.
    const std::string& knowledge_line() const { return m_knowledge_line; }
    // The date written there: today's ("27 Nov 2026") when the template asks strftime_now for it
    // (Llama 3.2), else the template's fixed date_string ("26 Jul 2024", Llama 3.1).
    std::string today_date() const;
    // Tests pin the date so that prompts do not change from one day to the next.
    void set_date_for_testing(std::string date) { m_date_override = std::move(date); }

private:
    explicit ChatTemplate(ChatTemplateKind kind, std::string default_system = {})
        : m_kind(kind)
        , m_default_system(std::move(default_system))
    {
    }
    ChatTemplateKind m_kind;
    std::string m_default_system;
    std::string m_knowledge_line;   // "Cutting Knowledge Date: December 2023"
    bool m_date_from_clock = false;
    std::string m_fixed_date;
    std::string m_date_override;
    bool m_assumed = false;
    bool m_thinking = true;
    bool m_r1_think_prompt = false;   // DeepSeek-R1: "<think>\n" after the last <｜Assistant｜>
    bool m_phi3_newlines = true;      // Phi-3: "<|user|>\n"; Phi-4-mini: "<|user|>"
    bool m_bos = false;               // Phi-3: the template starts with bos_token
};

// "%d %b %Y" with English month names whatever the locale ("05 Dec 2026"), as Python's
// strftime_now("%d %b %Y") writes it for Llama 3.2's template. month: 1..12.
std::string template_date(int year, int month, int day);

}   // namespace causerie
