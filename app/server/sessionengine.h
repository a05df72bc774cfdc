#pragma once
// ServerEngine straight over the engine, for `causerie-cli serve`: one worker thread takes
// requests in FIFO order and runs them on N KV slots (a Session each, all sequences of one
// backend: one copy of the weights, one thread pool). Up to N requests run together
// (continuous batching): each decode step evaluates one token of every running request in one
// forward pass (engine/batch.h: every weight is read once per step, not once per request); a
// request that arrives joins at the next step, its prompt prefilled alone first. A request goes
// to the free slot holding its conversation (most of the slot's tokens are a prefix of the
// prompt), else to an unused or the least recently used free slot, so a client's follow-up turn
// finds its conversation's K/V and prefills only the new message. On a device whose backend
// cannot share its weights between sequences (CUDA), each slot is its own backend and a step
// evaluates the requests one after the other.
#include "serverengine.h"

#include "engine/backend.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace causerie::server {

struct SessionEngineOptions {
    std::string model_path;
    BackendOptions backend;
    int slots = 1;        // KV prefix slots (each holds n_ctx tokens of K/V); the first is
                          // required, the others are made while memory allows
    int max_queue = 16;   // requests waiting or running; more → submit() refuses (429)
    // Called once on the worker thread when loading ends: Ready with the backend's note (may be
    // empty), or Failed with the reason.
    std::function<void(EngineState, const std::string& message)> on_loaded;
    // Called once on the worker thread when the GPU is lost and the slots move to the CPU (the
    // new backend_note(): "the GPU stopped working (…): running on the CPU").
    std::function<void(const std::string& note)> on_note;
};

class SessionEngine final : public ServerEngine {
public:
    // Starts loading the model on the worker thread at once; state() is Loading until done.
    explicit SessionEngine(SessionEngineOptions options);
    ~SessionEngine() override;   // cancels what runs, finishes what waits as cancelled, joins

    EngineState state() const override;
    std::string failure() const override;
    std::string model_id() const override { return m_model_id; }
    bool submit(GenerationRequest request, std::shared_ptr<GenerationSink> sink,
                std::shared_ptr<std::atomic<bool>> cancel) override;

    // Blocks until the model is loaded or failed (the CLI prints the outcome).
    EngineState wait_loaded();
    std::string backend_note() const;   // e.g. "no CUDA driver: running on the CPU"
    int slots_asked() const { return m_options.slots; }

private:
    struct Job {
        GenerationRequest request;
        std::shared_ptr<GenerationSink> sink;
        std::shared_ptr<std::atomic<bool>> cancel;
    };
    struct Slot {
        std::unique_ptr<Session> session;
        uint64_t last_used = 0;
        bool busy = false;
    };
    // A request on its slot, between its prefill and its end.
    struct Running {
        Job job;
        Slot* slot = nullptr;
        std::unique_ptr<Generation> generation;
        GenerationResult result;
    };

    void run();
    bool load();
    // Prepares the job's prompt and prefills it on a free slot; nothing when it ended at once
    // (cancelled, bad prompt, error: its sink has been told).
    std::unique_ptr<Running> start(Job& job);
    void finish(Running& r);
    void note_fallback();   // the first slot moved to the CPU: m_note and on_note say why
    Slot& pick_slot(const std::vector<int32_t>& prompt);

    const SessionEngineOptions m_options;
    const std::string m_model_id;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;   // a job queued, loading done, or stopping
    std::deque<Job> m_queue;
    int m_running = 0;   // requests between their start and their end (at most the slots)
    int m_free_slots = 0;
    bool m_stopping = false;
    EngineState m_state = EngineState::Loading;
    std::string m_failure;
    std::string m_note;

    // Worker thread only.
    std::unique_ptr<Model> m_model;
    std::unique_ptr<Tokenizer> m_tok;
    std::optional<ChatTemplate> m_template;
    std::vector<Slot> m_slots;
    std::vector<std::unique_ptr<Running>> m_active;
    uint64_t m_clock = 0;
    bool m_fallback_noted = false;

    std::thread m_thread;   // last: starts after everything above exists
};

// "models/SmolLM2-135M-Instruct.Q4_1.gguf" → "SmolLM2-135M-Instruct.Q4_1"
std::string model_id_from_path(const std::string& path);

}   // namespace causerie::server
