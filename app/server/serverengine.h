#pragma once
// What the HTTP layer needs from whatever generates text: submit a request, receive its pieces
// and its end. The CLI implements it over one engine Session per KV slot (SessionEngine); the
// app can implement it over its own engine queue so that its chats and server requests share
// one model. Qt-free on purpose: the engine side is std, the HTTP side marshals to its thread.
#include "engine/chat_template.h"
#include "engine/session.h"

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace causerie::server {

struct GenerationRequest {
    bool chat = true;                 // true: `messages` through the chat template
    std::vector<ChatTurn> messages;   // chat: the conversation, last turn the user's
    std::string prompt;               // completion: raw text, tokenized as is (BOS as the model says)
    GenerateOptions options;          // sampling, max_tokens, stop strings
};

struct GenerationResult {
    int prompt_tokens = 0;
    int reused_tokens = 0;   // prompt tokens whose K/V a slot already held
    int completion_tokens = 0;
    std::string finish_reason;      // stop | length | cancelled | error
    std::string error;              // set when finish_reason is "error"
    bool invalid_request = false;   // the error is the request's (prompt too long): a 400
};

// Receives one request's output. Called on the engine's thread, in order: piece()* then
// finished() exactly once (also for a request cancelled before it started). Must not block.
class GenerationSink {
public:
    virtual ~GenerationSink() = default;
    virtual void piece(std::string_view text) = 0;
    virtual void finished(const GenerationResult& result) = 0;
};

enum class EngineState { Loading, Ready, Failed, NoModel };   // NoModel: the app has none open

class ServerEngine {
public:
    virtual ~ServerEngine() = default;

    virtual EngineState state() const = 0;
    virtual std::string failure() const = 0;    // why the model could not load (state Failed)
    virtual std::string model_id() const = 0;   // the file name without ".gguf"
    // Other ids the model answers to (its catalog id), beside ServerConfig::modelAliases.
    virtual std::vector<std::string> model_aliases() const { return {}; }

    // Queues the request (FIFO). False when the queue is full: nothing was queued, the sink is
    // never called (the HTTP layer answers 429). Setting *cancel makes the generation stop at
    // its next token, or skips it if it has not started.
    virtual bool submit(GenerationRequest request, std::shared_ptr<GenerationSink> sink,
                        std::shared_ptr<std::atomic<bool>> cancel) = 0;
};

}   // namespace causerie::server
