#include "chat_template.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace causerie {
namespace {

bool has_control(const Tokenizer& tok, const char* piece)
{
    const int32_t id = tok.piece_to_id(piece);
    return id >= 0 && tok.is_control(id);
}

// The tokenizer as the templates below use it: text goes through the caller's encoder when
// there is one, and mark() records where each turn ends when the caller asked for it.
struct TemplateTokens {
    const Tokenizer& tok;
    TextEncoder* encoder = nullptr;
    std::vector<size_t>* bounds = nullptr;

    int32_t piece_to_id(std::string_view piece) const { return tok.piece_to_id(piece); }
    int32_t bos_id() const { return tok.bos_id(); }
    int32_t eos_id() const { return tok.eos_id(); }
    bool is_control(int32_t id) const { return tok.is_control(id); }
    Result<std::vector<int32_t>> encode(const std::string& text, bool add_bos) const
    {
        if (encoder && !add_bos)
            return encoder->encode(tok, text);
        return tok.encode(text, add_bos);
    }
    void mark(const std::vector<int32_t>& out) const
    {
        if (bounds)
            bounds->push_back(out.size());
    }
};

// Appends tokens of `text` (no BOS, control tokens not parsed).
Status append_text(std::vector<int32_t>& out, const TemplateTokens& tok, const std::string& text)
{
    if (text.empty())
        return Ok{};
    auto ids = tok.encode(text, false);
    if (!ids)
        return ids.error();
    out.insert(out.end(), ids->begin(), ids->end());
    return Ok{};
}

// A marker by id when the vocabulary marks it as a control token. One it lists as an ordinary
// token is written as text, exactly as a user typing it would get it (see is_role_marker): the
// template never gives a marker a meaning that typed text could also produce.
Status append_control(std::vector<int32_t>& out, const TemplateTokens& tok, const char* piece)
{
    const int32_t id = tok.piece_to_id(piece);
    if (id < 0)
        return make_error(std::string("the chat template needs the token ") + piece +
                          ", which this model's vocabulary does not have");
    if (!tok.is_control(id))
        return append_text(out, tok, piece);
    out.push_back(id);
    return Ok{};
}

#define TRY(expr)                                                                                                      \
    do {                                                                                                               \
        if (auto st_ = (expr); !st_)                                                                                   \
            return st_.error();                                                                                        \
    } while (0)

// One message of the templates that wrap it in markers: the control token `open`, the text, the
// control token `close`, then `after` as text (a newline, or nothing).
Status append_wrapped(std::vector<int32_t>& out, const TemplateTokens& tok, const std::string& open,
                      const std::string& text, const char* close, const std::string& after = {})
{
    TRY(append_control(out, tok, open.c_str()));
    TRY(append_text(out, tok, text));
    TRY(append_control(out, tok, close));
    return append_text(out, tok, after);
}

// Mistral v1/v3: the system prompt goes before the last user message, as mistral-common does.
Result<std::vector<int32_t>> apply_mistral(const TemplateTokens& tok, std::span<const ChatTurn> turns,
                                           ChatTemplateKind kind)
{
    std::string system;
    size_t last_user = turns.size();
    for (size_t i = 0; i < turns.size(); ++i) {
        if (turns[i].role == "system")
            system += (system.empty() ? "" : "\n\n") + turns[i].content;
        else if (turns[i].role == "user")
            last_user = i;
    }
    std::vector<int32_t> out;
    if (tok.bos_id() >= 0)
        out.push_back(tok.bos_id());
    tok.mark(out);
    const bool v7 = kind == ChatTemplateKind::MistralV7;
    for (size_t i = 0; i < turns.size(); ++i) {
        const ChatTurn& t = turns[i];
        if (t.role == "system") {
            if (v7) {
                TRY(append_wrapped(out, tok, "[SYSTEM_PROMPT]", t.content, "[/SYSTEM_PROMPT]"));
            }
        } else if (t.role == "user") {
            std::string content = t.content;
            if (!v7 && i == last_user && !system.empty())
                content = system + "\n\n" + content;
            if (kind == ChatTemplateKind::MistralV1) {
                TRY(append_text(out, tok, "[INST] " + content + " [/INST]"));
            } else {
                TRY(append_wrapped(out, tok, "[INST]", content, "[/INST]"));
            }
        } else if (t.role == "assistant") {
            TRY(append_text(out, tok, t.content));
            if (tok.eos_id() >= 0)
                out.push_back(tok.eos_id());
        } else {
            return make_error("unknown chat role '" + t.role + "'");
        }
        tok.mark(out);
    }
    return out;
}

Result<std::vector<int32_t>> apply_chatml(const TemplateTokens& tok, std::span<const ChatTurn> turns,
                                          const std::string& default_system)
{
    std::vector<int32_t> out;
    if (!default_system.empty() && turns.front().role != "system") {
        TRY(append_wrapped(out, tok, "<|im_start|>", "system\n" + default_system, "<|im_end|>", "\n"));
    }
    tok.mark(out);
    for (const ChatTurn& t : turns) {
        if (t.role != "system" && t.role != "user" && t.role != "assistant")
            return make_error("unknown chat role '" + t.role + "'");
        TRY(append_wrapped(out, tok, "<|im_start|>", t.role + "\n" + t.content, "<|im_end|>", "\n"));
        tok.mark(out);
    }
    TRY(append_control(out, tok, "<|im_start|>"));
    TRY(append_text(out, tok, "assistant\n"));
    return out;
}

// Jinja's `trim` as Llama 3's templates apply it to every message (ASCII whitespace; Python's
// str.strip would also take Unicode spaces, which chat messages practically never end with).
std::string trimmed(const std::string& s)
{
    const char* ws = " \t\n\r\f\v";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos)
        return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// The "\n\n" after <|end_header_id|> and the message are one stretch of text between control
// tokens, so they are tokenized together as the reference tokenizer does (a message starting
// with a newline would otherwise split differently).
// preamble: "Cutting Knowledge Date: ...\nToday Date: ...\n\n" (Llama 3.1+), written in a system
// turn that always comes first, followed by the conversation's system message if it has one.
Result<std::vector<int32_t>> apply_llama3(const TemplateTokens& tok, std::span<const ChatTurn> turns,
                                          const std::string& preamble)
{
    std::vector<int32_t> out;
    TRY(append_control(out, tok, "<|begin_of_text|>"));
    auto header = [&](const std::string& role) -> Status {
        TRY(append_control(out, tok, "<|start_header_id|>"));
        TRY(append_text(out, tok, role));
        return append_control(out, tok, "<|end_header_id|>");
    };
    if (!preamble.empty()) {
        // The conversation's own system message shares the preamble's turn: that turn is the
        // system message's when there is one, else it comes before the first turn.
        std::string system;
        const bool has_system = !turns.empty() && turns.front().role == "system";
        if (has_system) {
            system = trimmed(turns.front().content);
            turns = turns.subspan(1);
            tok.mark(out);
        }
        TRY(header("system"));
        TRY(append_text(out, tok, "\n\n" + preamble + system));
        TRY(append_control(out, tok, "<|eot_id|>"));
        tok.mark(out);
    } else {
        tok.mark(out);
    }
    for (const ChatTurn& t : turns) {
        if (t.role != "system" && t.role != "user" && t.role != "assistant")
            return make_error("unknown chat role '" + t.role + "'");
        TRY(header(t.role));
        TRY(append_text(out, tok, "\n\n" + trimmed(t.content)));
        TRY(append_control(out, tok, "<|eot_id|>"));
        tok.mark(out);
    }
    TRY(header("assistant"));
    TRY(append_text(out, tok, "\n\n"));
    return out;
}

// What an assistant turn keeps of its text when the template drops earlier thinking: the part
// after the last "</think>" (Qwen3 and DeepSeek-R1 templates, `content.split('</think>')[-1]`).
std::string after_thinking(const std::string& content)
{
    const size_t at = content.rfind("</think>");
    return at == std::string::npos ? content : content.substr(at + 8);
}

// A piece the template itself writes (<think>): by id when the vocabulary has it as one token of
// any type (it is structure here, not typed text), as text otherwise.
Status append_piece(std::vector<int32_t>& out, const TemplateTokens& tok, const char* piece)
{
    const int32_t id = tok.piece_to_id(piece);
    if (id < 0)
        return append_text(out, tok, piece);
    out.push_back(id);
    return Ok{};
}

// Qwen3: ChatML without a default system message; an earlier answer keeps only what follows its
// thinking (lstripped of newlines); thinking off writes an empty thought after the prompt.
Result<std::vector<int32_t>> apply_qwen3(const TemplateTokens& tok, std::span<const ChatTurn> turns, bool thinking)
{
    std::vector<int32_t> out;
    tok.mark(out);
    for (const ChatTurn& t : turns) {
        if (t.role != "system" && t.role != "user" && t.role != "assistant")
            return make_error("unknown chat role '" + t.role + "'");
        std::string content = t.content;
        if (t.role == "assistant" && content.find("</think>") != std::string::npos) {
            content = after_thinking(content);
            content.erase(0, content.find_first_not_of('\n') == std::string::npos ? content.size()
                                                                                  : content.find_first_not_of('\n'));
        }
        TRY(append_wrapped(out, tok, "<|im_start|>", t.role + "\n" + content, "<|im_end|>", "\n"));
        tok.mark(out);
    }
    TRY(append_control(out, tok, "<|im_start|>"));
    TRY(append_text(out, tok, "assistant\n"));
    if (!thinking) {
        TRY(append_piece(out, tok, "<think>"));
        TRY(append_text(out, tok, "\n\n"));
        TRY(append_piece(out, tok, "</think>"));
        TRY(append_text(out, tok, "\n\n"));
    }
    return out;
}

// DeepSeek-R1: BOS, the (last) system message as bare text, then <｜User｜>question and
// <｜Assistant｜>answer<｜end▁of▁sentence｜>, an answer without its thinking.
Result<std::vector<int32_t>> apply_deepseek_r1(const TemplateTokens& tok, std::span<const ChatTurn> turns,
                                               bool think_prompt)
{
    std::string system;
    for (const ChatTurn& t : turns)
        if (t.role == "system")
            system = t.content;   // the template keeps the last one
    std::vector<int32_t> out;
    if (tok.bos_id() >= 0)
        out.push_back(tok.bos_id());
    TRY(append_text(out, tok, system));
    tok.mark(out);
    for (const ChatTurn& t : turns) {
        if (t.role == "user") {
            TRY(append_control(out, tok, "<｜User｜>"));
            TRY(append_text(out, tok, t.content));
        } else if (t.role == "assistant") {
            TRY(append_wrapped(out, tok, "<｜Assistant｜>", after_thinking(t.content), "<｜end▁of▁sentence｜>"));
        } else if (t.role != "system") {
            return make_error("unknown chat role '" + t.role + "'");
        }
        tok.mark(out);
    }
    TRY(append_control(out, tok, "<｜Assistant｜>"));
    if (think_prompt) {
        TRY(append_piece(out, tok, "<think>"));
        TRY(append_text(out, tok, "\n"));
    }
    return out;
}

// Gemma 2/3: BOS, then alternating <start_of_turn>user / <start_of_turn>model turns, each
// message trimmed; a leading system message becomes the first user turn's prefix followed by a
// blank line (Gemma 3's template; Gemma 2's refuses system messages, so the same is used).
Result<std::vector<int32_t>> apply_gemma(const TemplateTokens& tok, std::span<const ChatTurn> turns)
{
    std::vector<int32_t> out;
    if (tok.bos_id() >= 0)
        out.push_back(tok.bos_id());
    std::string prefix;
    tok.mark(out);
    if (!turns.empty() && turns.front().role == "system") {
        prefix = turns.front().content + "\n\n";
        turns = turns.subspan(1);
        tok.mark(out);   // written into the first user turn
    }
    for (size_t i = 0; i < turns.size(); ++i) {
        const ChatTurn& t = turns[i];
        if (t.role != "user" && t.role != "assistant")
            return make_error(t.role == "system"
                                  ? std::string("Gemma's chat template takes a system message only first")
                                  : "unknown chat role '" + t.role + "'");
        if ((t.role == "user") != (i % 2 == 0))
            return make_error("Gemma's chat template needs user and assistant messages to alternate, starting "
                              "with the user");
        const std::string text =
            (t.role == "user" ? "user\n" : "model\n") + (i == 0 ? prefix : std::string()) + trimmed(t.content);
        TRY(append_wrapped(out, tok, "<start_of_turn>", text, "<end_of_turn>", "\n"));
        tok.mark(out);
    }
    TRY(append_control(out, tok, "<start_of_turn>"));
    TRY(append_text(out, tok, "model\n"));
    return out;
}

// Phi-3/3.5: <|system|>, <|user|>, <|assistant|> each followed by a newline, the message and
// <|end|> with a newline; Phi-4-mini writes neither newline.
Result<std::vector<int32_t>> apply_phi3(const TemplateTokens& tok, std::span<const ChatTurn> turns, bool newlines,
                                        bool bos)
{
    std::vector<int32_t> out;
    if (bos && tok.bos_id() >= 0)
        out.push_back(tok.bos_id());
    tok.mark(out);
    const std::string nl = newlines ? "\n" : "";
    for (const ChatTurn& t : turns) {
        if (t.role != "system" && t.role != "user" && t.role != "assistant")
            return make_error("unknown chat role '" + t.role + "'");
        TRY(append_wrapped(out, tok, "<|" + t.role + "|>", nl + t.content, "<|end|>", nl));
        tok.mark(out);
    }
    TRY(append_control(out, tok, "<|assistant|>"));
    TRY(append_text(out, tok, nl));
    return out;
}

#undef TRY

// The system message a ChatML template writes when the conversation starts without one: the
// text of a string literal '<|im_start|>system\n...<|im_end|>' (or with "..." quotes) whose
// body has no template syntax or quotes, so it is fixed text. Jinja writes the newline as a
// real newline or as the escape \n; both are accepted.
std::string chatml_default_system(const std::string& tmpl)
{
    for (const char* open : {"'<|im_start|>system", "\"<|im_start|>system"}) {
        const char quote = open[0];
        size_t pos = 0;
        while ((pos = tmpl.find(open, pos)) != std::string::npos) {
            pos += std::char_traits<char>::length(open);
            size_t body = std::string::npos;
            if (tmpl.compare(pos, 1, "\n") == 0)
                body = pos + 1;
            else if (tmpl.compare(pos, 2, "\\n") == 0)
                body = pos + 2;
            if (body == std::string::npos)
                continue;
            const size_t end = tmpl.find("<|im_end|>", body);
            if (end == std::string::npos || end == body)
                continue;
            const std::string text = tmpl.substr(body, end - body);
            if (text.find_first_of("{}'\"\\") != std::string::npos || text.find(quote) != std::string::npos)
                continue;
            return text;
        }
    }
    return {};
}

// The fixed text of a Llama 3.1+ template's `{{- "Cutting Knowledge Date: December 2023\n" }}`
// (the newline written as the escape \n or as a real one), without the newline. Empty when the
// template has none, or when the line is not plain text.
std::string llama31_knowledge_line(const std::string& tmpl)
{
    const size_t start = tmpl.find("Cutting Knowledge Date:");
    if (start == std::string::npos)
        return {};
    size_t end = tmpl.find_first_of("\\\n\"'{}", start);
    if (end == std::string::npos)
        return {};
    const bool newline = tmpl.compare(end, 2, "\\n") == 0 || tmpl[end] == '\n';
    return newline ? tmpl.substr(start, end - start) : std::string();
}

// `set date_string = "26 Jul 2024"`: the date a template writes when it has no clock.
std::string llama31_fixed_date(const std::string& tmpl)
{
    for (const char* open : {"date_string = \"", "date_string = '"}) {
        const size_t at = tmpl.find(open);
        if (at == std::string::npos)
            continue;
        const size_t body = at + std::char_traits<char>::length(open);
        const size_t end = tmpl.find(open[std::char_traits<char>::length(open) - 1], body);
        if (end != std::string::npos && end > body && end - body <= 32)
            return tmpl.substr(body, end - body);
    }
    return "26 Jul 2024";
}

}   // namespace

std::string template_date(int year, int month, int day)
{
    static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d %s %d", day, kMonths[(month - 1 + 12) % 12], year);
    return buf;
}

std::string ChatTemplate::today_date() const
{
    if (!m_date_override.empty())
        return m_date_override;
    if (!m_date_from_clock)
        return m_fixed_date;
    // Local time, as Python's datetime.now() in the reference implementation.
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    return template_date(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

const char* chat_template_name(ChatTemplateKind kind)
{
    switch (kind) {
    case ChatTemplateKind::MistralV1: return "mistral-v1";
    case ChatTemplateKind::MistralV3: return "mistral-v3";
    case ChatTemplateKind::MistralV3Tekken: return "mistral-v3-tekken";
    case ChatTemplateKind::MistralV7: return "mistral-v7";
    case ChatTemplateKind::ChatML: return "chatml";
    case ChatTemplateKind::Llama3: return "llama3";
    case ChatTemplateKind::Qwen3: return "qwen3";
    case ChatTemplateKind::DeepSeekR1: return "deepseek-r1";
    case ChatTemplateKind::Gemma: return "gemma";
    case ChatTemplateKind::Phi3: return "phi3";
    }
    return "?";
}

ChatTemplate ChatTemplate::detect(const VocabData& vocab, const Tokenizer& tok, const std::string& architecture)
{
    const std::string& t = vocab.chat_template;
    auto has = [&](const char* text) { return t.find(text) != std::string::npos; };
    const bool tekken = vocab.model == "gpt2" || vocab.model == "tekken";
    // Recognised from the template's text.
    if (has("<｜Assistant｜>")) {
        ChatTemplate c(ChatTemplateKind::DeepSeekR1);
        c.m_r1_think_prompt = has("<｜Assistant｜><think>\\n") || has("<｜Assistant｜><think>\n");
        return c;
    }
    if (has("<|im_start|>"))
        return has("enable_thinking") ? ChatTemplate(ChatTemplateKind::Qwen3)
                                      : ChatTemplate(ChatTemplateKind::ChatML, chatml_default_system(t));
    if (has("<|start_header_id|>")) {
        ChatTemplate c(ChatTemplateKind::Llama3);
        c.m_knowledge_line = llama31_knowledge_line(t);
        c.m_date_from_clock = t.find("strftime_now") != std::string::npos;
        c.m_fixed_date = llama31_fixed_date(t);
        return c;
    }
    if (has("<start_of_turn>"))
        return ChatTemplate(ChatTemplateKind::Gemma);
    if (has("<|end|>") && (has("<|user|>") || has("<|assistant|>") || has("'<|' + message['role'] + '|>'"))) {
        ChatTemplate c(ChatTemplateKind::Phi3);
        c.m_phi3_newlines = has("|>\\n") || has("|>\n");
        c.m_bos = has("bos_token");
        return c;
    }
    if (has("[SYSTEM_PROMPT]") && has_control(tok, "[SYSTEM_PROMPT]"))
        return ChatTemplate(ChatTemplateKind::MistralV7);
    if (has_control(tok, "[INST]")) {
        if (t.empty() && has_control(tok, "[SYSTEM_PROMPT]"))
            return ChatTemplate(ChatTemplateKind::MistralV7);
        ChatTemplate c(tekken ? ChatTemplateKind::MistralV3Tekken : ChatTemplateKind::MistralV3);
        c.m_assumed = !has("[INST]");
        return c;
    }
    // Assumed: from the vocabulary's markers, then the architecture.
    auto assumed = [](ChatTemplateKind kind) {
        ChatTemplate c(kind);
        c.m_assumed = true;
        return c;
    };
    if (has_control(tok, "<|im_start|>"))
        return assumed(architecture == "qwen3" || architecture == "qwen3moe" ? ChatTemplateKind::Qwen3
                                                                             : ChatTemplateKind::ChatML);
    if (has_control(tok, "<|start_header_id|>"))
        return assumed(ChatTemplateKind::Llama3);
    if (has_control(tok, "<｜Assistant｜>"))
        return assumed(ChatTemplateKind::DeepSeekR1);
    if (has_control(tok, "<start_of_turn>"))
        return assumed(ChatTemplateKind::Gemma);
    if (has_control(tok, "<|end|>") && has_control(tok, "<|user|>"))
        return assumed(ChatTemplateKind::Phi3);
    if (architecture == "qwen2")
        return assumed(ChatTemplateKind::ChatML);
    if (architecture == "qwen3" || architecture == "qwen3moe")
        return assumed(ChatTemplateKind::Qwen3);
    if (architecture == "phi3")
        return assumed(ChatTemplateKind::Phi3);
    if (architecture == "gemma2" || architecture == "gemma3")
        return assumed(ChatTemplateKind::Gemma);
    // A Llama-vocabulary model without [INST] control tokens: Mistral 7B v0.1's format (assumed
    // unless its template writes "[INST]" as text).
    ChatTemplate c(ChatTemplateKind::MistralV1);
    c.m_assumed = !has("[INST]");
    return c;
}

Result<std::vector<int32_t>> ChatTemplate::apply(const Tokenizer& tok, std::span<const ChatTurn> turns) const
{
    return apply(tok, turns, nullptr, nullptr);
}

Result<std::vector<int32_t>> ChatTemplate::apply(const Tokenizer& tokenizer, std::span<const ChatTurn> turns,
                                                 TextEncoder* encoder, std::vector<size_t>* bounds) const
{
    if (turns.empty() || turns.back().role != "user")
        return make_error("a conversation sent to the model must end with a user message");
    if (bounds)
        bounds->clear();
    const TemplateTokens tok{tokenizer, encoder, bounds};
    switch (m_kind) {
    case ChatTemplateKind::ChatML: return apply_chatml(tok, turns, m_default_system);
    case ChatTemplateKind::Llama3:
        return apply_llama3(tok, turns,
                            m_knowledge_line.empty() ? std::string()
                                                     : m_knowledge_line + "\nToday Date: " + today_date() + "\n\n");
    case ChatTemplateKind::Qwen3: return apply_qwen3(tok, turns, m_thinking);
    case ChatTemplateKind::DeepSeekR1: return apply_deepseek_r1(tok, turns, m_r1_think_prompt);
    case ChatTemplateKind::Gemma: return apply_gemma(tok, turns);
    case ChatTemplateKind::Phi3: return apply_phi3(tok, turns, m_phi3_newlines, m_bos);
    default: return apply_mistral(tok, turns, m_kind);
    }
}

std::vector<int32_t> ChatTemplate::end_of_turn_ids(const Tokenizer& tok) const
{
    std::vector<int32_t> ids;
    if (tok.eos_id() >= 0)
        ids.push_back(tok.eos_id());
    const char* extra = nullptr;
    switch (m_kind) {
    case ChatTemplateKind::ChatML:
    case ChatTemplateKind::Qwen3: extra = "<|im_end|>"; break;
    case ChatTemplateKind::Llama3: extra = "<|eot_id|>"; break;
    case ChatTemplateKind::DeepSeekR1: extra = "<｜end▁of▁sentence｜>"; break;
    case ChatTemplateKind::Gemma: extra = "<end_of_turn>"; break;
    case ChatTemplateKind::Phi3: extra = "<|end|>"; break;
    default: break;
    }
    if (extra) {
        const int32_t id = tok.piece_to_id(extra);
        if (id >= 0 && std::find(ids.begin(), ids.end(), id) == ids.end())
            ids.push_back(id);
    }
    return ids;
}

}   // namespace causerie
