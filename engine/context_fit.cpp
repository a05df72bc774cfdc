#include "context_fit.h"

#include <algorithm>

namespace causerie {
namespace {

// Leading system messages: never left out.
size_t count_leading_system(std::span<const ChatTurn> turns)
{
    size_t n = 0;
    while (n < turns.size() && turns[n].role == "system")
        ++n;
    return n;
}

// The exchange starting at `first`: up to (not including) the next user message after it.
// Returns turns.size() when there is none (first is the question: nothing older to leave out).
size_t exchange_end(std::span<const ChatTurn> turns, size_t first)
{
    size_t end = first + 1;
    while (end < turns.size() && turns[end].role != "user")
        ++end;
    return end;
}

std::vector<ChatTurn> select(std::span<const ChatTurn> turns, const std::vector<size_t>& kept)
{
    std::vector<ChatTurn> out;
    out.reserve(kept.size());
    for (size_t i : kept)
        out.push_back(turns[i]);
    return out;
}

// The same policy by rendering the conversation again after each exchange left out, for a
// template whose turns are not independent of each other (Mistral v1/v3 write every system
// message into the last question, so leaving out a system message in the middle of the
// conversation changes the question's tokens). Neither the app nor the CLI sends such a
// conversation; prepare_prompt falls back here if one comes. Each render goes through the cache.
Result<PreparedPrompt> fit_by_rendering(const ChatTemplate& tmpl, const Tokenizer& tok, std::span<const ChatTurn> turns,
                                        int n_ctx, int room, PromptCache* cache, int full_tokens)
{
    PreparedPrompt out;
    out.full_tokens = full_tokens;
    std::vector<size_t> kept(turns.size());
    for (size_t i = 0; i < kept.size(); ++i)
        kept[i] = i;
    const size_t first = count_leading_system(turns);
    for (;;) {
        const std::vector<ChatTurn> sel = select(turns, kept);
        auto ids = tmpl.apply(tok, sel, cache, nullptr);
        if (!ids)
            return ids.error();
        out.ids = std::move(ids).value();
        if (int(out.ids.size()) + room <= n_ctx)
            break;
        const size_t end = exchange_end(sel, first);
        if (first >= sel.size() || end >= sel.size())
            break;
        kept.erase(kept.begin() + std::ptrdiff_t(first), kept.begin() + std::ptrdiff_t(end));
        out.fit.left_out += int(end - first);
    }
    out.fit.kept = std::move(kept);
    out.fit.prompt_tokens = int(out.ids.size());
    out.fit.fits = out.fit.prompt_tokens < n_ctx;
    return out;
}

}   // namespace

int answer_room(int n_ctx) { return std::max(0, std::min(n_ctx / 4, 512)); }

Result<ContextFit> fit_context(std::span<const ChatTurn> turns, std::span<const int> message_tokens, int fixed_tokens,
                               int n_ctx, int answer_room)
{
    if (turns.size() != message_tokens.size())
        return make_error("fit_context: " + std::to_string(turns.size()) + " messages but " +
                          std::to_string(message_tokens.size()) + " token counts");
    if (turns.empty() || turns.back().role != "user")
        return make_error("a conversation sent to the model must end with a user message");
    if (n_ctx <= 0)
        return make_error("fit_context: the context size must be positive, not " + std::to_string(n_ctx));
    if (fixed_tokens < 0 || answer_room < 0)
        return make_error("fit_context: token counts cannot be negative");
    int64_t total = fixed_tokens;   // int64: a few long messages must not wrap around
    for (int t : message_tokens) {
        if (t < 0)
            return make_error("fit_context: token counts cannot be negative");
        total += t;
    }

    // Left out: [system, first). Each step leaves out the exchange at `first`, as long as the
    // prompt and the answer's room exceed the context and something older than the question is left.
    const size_t system = count_leading_system(turns);
    size_t first = system;
    ContextFit fit;
    while (total + answer_room > n_ctx) {
        const size_t end = exchange_end(turns, first);
        if (end >= turns.size())
            break;
        for (size_t i = first; i < end; ++i)
            total -= message_tokens[i];
        fit.left_out += int(end - first);
        first = end;
    }
    fit.kept.reserve(system + turns.size() - first);
    for (size_t i = 0; i < system; ++i)
        fit.kept.push_back(i);
    for (size_t i = first; i < turns.size(); ++i)
        fit.kept.push_back(i);
    fit.prompt_tokens = int(std::min<int64_t>(total, INT32_MAX));
    fit.fits = total < n_ctx;
    return fit;
}

Result<std::vector<int32_t>> PromptCache::encode(const Tokenizer& tok, const std::string& text)
{
    if (m_tok != &tok) {
        m_entries.clear();
        m_tok = &tok;
    }
    if (auto it = m_entries.find(text); it != m_entries.end()) {
        it->second.used = true;
        return it->second.ids;
    }
    ++m_calls;
    auto ids = tok.encode(text, false);
    if (!ids)
        return ids.error();
    m_entries.emplace(text, Entry{*ids, true});
    return ids;
}

void PromptCache::sweep()
{
    std::erase_if(m_entries, [](const auto& kv) { return !kv.second.used; });
    for (auto& [text, entry] : m_entries)
        entry.used = false;
}

void PromptCache::clear()
{
    m_entries.clear();
    m_tok = nullptr;
}

Result<PreparedPrompt> prepare_prompt(const ChatTemplate& tmpl, const Tokenizer& tok, std::span<const ChatTurn> turns,
                                      int n_ctx, int answer_room, PromptCache* cache)
{
    std::vector<size_t> bounds;   // n + 1: where each message's tokens start, then where the last ends
    auto full = tmpl.apply(tok, turns, cache, &bounds);
    if (!full)
        return full.error();
    const int full_tokens = int(full->size());
    std::vector<int> counts(turns.size());
    for (size_t i = 0; i < turns.size(); ++i)
        counts[i] = int(bounds[i + 1] - bounds[i]);
    const int fixed = full_tokens - int(bounds.back() - bounds.front());
    auto fit = fit_context(turns, counts, fixed, n_ctx, answer_room);
    if (!fit)
        return fit.error();

    PreparedPrompt out;
    out.full_tokens = full_tokens;
    if (fit->left_out == 0) {
        out.ids = std::move(full).value();
    } else {
        // Every text is in the cache by now: this render tokenizes nothing.
        auto ids = tmpl.apply(tok, select(turns, fit->kept), cache, nullptr);
        if (!ids)
            return ids.error();
        if (int(ids->size()) != fit->prompt_tokens)
            return fit_by_rendering(tmpl, tok, turns, n_ctx, answer_room, cache, full_tokens);
        out.ids = std::move(ids).value();
    }
    out.fit = std::move(fit).value();
    return out;
}

}   // namespace causerie
