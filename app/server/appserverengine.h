#pragma once
// ServerEngine over the window's own engine (LocalBackend), for the app's local server
// (Settings → Local server): requests use the model open in the window. They run on the engine
// thread through LocalBackend::post, one at a time, in the same queue as the window's chats,
// which go first when they wait. Each client's conversation keeps its K/V in a slot of its own
// (a state the engine keeps in memory under a negative id, like a conversation switched away
// from), chosen as SessionEngine does: the slot most of whose tokens begin the prompt, else a
// new one, else the least recently used. So a client's follow-up turn prefills only its new
// message, and the window's open conversation keeps its own state.
//
// Made and used on the GUI thread (submit from any thread); destroy it before the LocalBackend.
#include "serverengine.h"

#include <QObject>
#include <QPointer>

#include <memory>

class LocalBackend;

namespace causerie::server {

class AppServerEngine final : public ServerEngine {
public:
    static constexpr int kDefaultMaxQueue = 16;
    static constexpr int kMaxSlots = 4;   // clients whose K/V is kept (each up to n_ctx tokens)

    explicit AppServerEngine(LocalBackend* local, int maxQueue = kDefaultMaxQueue);
    ~AppServerEngine() override;   // what waits ends as cancelled; what runs is cancelled

    EngineState state() const override;
    std::string failure() const override;
    std::string model_id() const override;
    std::vector<std::string> model_aliases() const override;   // the open model's catalog ids
    bool submit(GenerationRequest request, std::shared_ptr<GenerationSink> sink,
                std::shared_ptr<std::atomic<bool>> cancel) override;

    int waiting() const;   // requests queued, not started

private:
    struct Shared;
    void onModelState();

    QPointer<LocalBackend> m_local;
    std::shared_ptr<Shared> m_shared;
    QObject m_context;   // the connections to m_local
};

}   // namespace causerie::server
