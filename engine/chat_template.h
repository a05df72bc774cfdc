#pragma once
// Built-in chat templates, picked from GGUF metadata. Never executes template code from a file:
// the GGUF's tokenizer.chat_template is only read to recognise which family it is.
// Control tokens ([INST], <|im_start|>, ...) are inserted by id; message text is tokenized with
// control-token parsing off, so a user typing "[INST]" gets ordinary text tokens.
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

private:
    explicit ChatTemplate(ChatTemplateKind kind, std::string default_system = {})
        : m_kind(kind), m_default_system(std::move(default_system)) {}
    ChatTemplateKind m_kind;
    std::string m_default_system;
};

} // namespace causerie
