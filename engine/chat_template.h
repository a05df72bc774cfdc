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
    MistralV1,        // Mistral 7B Instruct v0.1: "[INST] ... [/INST]" as text
    MistralV3,        // [INST]/[/INST] control tokens (Mistral 7B v0.3, Mixtral, Codestral)
    MistralV3Tekken,  // v3 over a Tekken vocabulary (Mistral Nemo)
    MistralV7,        // v3 + [SYSTEM_PROMPT] (Mistral Small 3, Ministral)
    ChatML,
    Llama3,
};

struct ChatTurn {
    std::string role;     // system | user | assistant
    std::string content;
};

const char* chat_template_name(ChatTemplateKind kind);

class ChatTemplate {
public:
    // Picks the family from tokenizer.chat_template and the vocabulary's control tokens.
    static ChatTemplate detect(const VocabData& vocab, const Tokenizer& tok);
    static ChatTemplate of_kind(ChatTemplateKind kind) { return ChatTemplate(kind); }

    ChatTemplateKind kind() const { return m_kind; }
    // ChatML templates that write a fixed system message when the conversation has none
    // (SmolLM2: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"; Qwen 2.5
    // likewise). Read from the template's string literal, never by running it. Empty: none.
    const std::string& default_system() const { return m_default_system; }

    // Tokens for the whole conversation, with BOS as the model says. The last turn must be a
    // user turn when add_generation_prompt is true (the model answers next).
    Result<std::vector<int32_t>> apply(const Tokenizer& tok, std::span<const ChatTurn> turns) const;

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
        : m_kind(kind), m_default_system(std::move(default_system)) {}
    ChatTemplateKind m_kind;
    std::string m_default_system;
    std::string m_knowledge_line;   // "Cutting Knowledge Date: December 2023"
    bool m_date_from_clock = false;
    std::string m_fixed_date;
    std::string m_date_override;
};

// "%d %b %Y" with English month names whatever the locale ("05 Dec 2026"), as Python's
// strftime_now("%d %b %Y") writes it for Llama 3.2's template. month: 1..12.
std::string template_date(int year, int month, int day);

} // namespace causerie
