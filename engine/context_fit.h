#pragma once
// A conversation longer than the model's context keeps going: its oldest exchanges (a question
// with the answers that followed it) are left out of the prompt, the system prompt and the new
// question always stay, and room is kept for the answer. One policy for the app's engine worker
// and `causerie-cli chat`.
//
// Cost: fit_context() is O(messages) once each message's token count is known; PromptCache keeps
// the tokens of every message text from one turn to the next, so a new turn tokenizes only the
// new message (not the whole history, once per exchange left out, as before).
#include "chat_template.h"
#include "result.h"
#include "tokenizer.h"

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace causerie {

// Tokens left free for the answer in a context of n_ctx tokens: a quarter, at most 512.
int answer_room(int n_ctx);

struct ContextFit {
    std::vector<size_t> kept;   // indices of the messages in the prompt, ascending
    int left_out = 0;           // messages left out (the oldest, whole exchanges)
    int prompt_tokens = 0;      // tokens of the prompt made of `kept`
    // false: even with everything older left out, the system prompt and the question take the
    // whole context (prompt_tokens >= n_ctx). The request is refused; nothing can be sent.
    bool fits = false;
};

// turns: the conversation (leading system messages, then user/assistant, ending with a user
// message); message_tokens[i]: tokens turns[i] adds to the prompt; fixed_tokens: the template's
// own (BOS, generation prompt). Messages are left out, oldest exchange first, while the prompt
// plus answer_room exceeds n_ctx. Errors: inconsistent input (sizes differ, no question last,
// negative counts, n_ctx <= 0).
Result<ContextFit> fit_context(std::span<const ChatTurn> turns, std::span<const int> message_tokens, int fixed_tokens,
                               int n_ctx, int answer_room);

// Text -> tokens, remembered across calls. Keyed by the text itself, so the same message sent
// again (every turn re-sends the history) is a lookup, and a changed text can never get stale
// tokens. sweep() forgets what was not used since the previous sweep (drafts typed over, a
// conversation switched away from), so the cache holds about one conversation.
class PromptCache final : public TextEncoder {
public:
    Result<std::vector<int32_t>> encode(const Tokenizer& tok, const std::string& text) override;
    void sweep();
    void clear();
    size_t size() const { return m_entries.size(); }
    // Texts the tokenizer was asked to tokenize (cache misses) since construction.
    int64_t tokenizer_calls() const { return m_calls; }

private:
    struct Entry {
        std::vector<int32_t> ids;
        bool used = true;
    };
    std::unordered_map<std::string, Entry> m_entries;
    const Tokenizer* m_tok = nullptr;   // the tokens are this tokenizer's
    int64_t m_calls = 0;
};

struct PreparedPrompt {
    std::vector<int32_t> ids;   // the prompt of the kept messages (when !fit.fits: too long to send)
    ContextFit fit;
    int full_tokens = 0;   // tokens of the whole conversation, before anything was left out
};

// Renders `turns` with `tmpl` (text through `cache`, may be null) and fits it into n_ctx with
// fit_context. Errors: the template's (unknown role, no question last, invalid UTF-8).
Result<PreparedPrompt> prepare_prompt(const ChatTemplate& tmpl, const Tokenizer& tok, std::span<const ChatTurn> turns,
                                      int n_ctx, int answer_room, PromptCache* cache);

}   // namespace causerie
