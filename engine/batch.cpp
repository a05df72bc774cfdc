// Batched decoding (batch.h) and the ComputeBackend defaults for it (backend.h): a backend
// without a shared-weights sequence refuses make_sequence(), and runs eval_batch() item by item.
#include "batch.h"

#include <vector>

namespace causerie {

Result<std::unique_ptr<ComputeBackend>> ComputeBackend::make_sequence()
{
    return make_error("the " + device_name() + " backend cannot add a sequence over its weights");
}

Status ComputeBackend::eval_batch(std::span<const BatchItem> items)
{
    for (const BatchItem& item : items)
        if (auto st = item.backend->eval(item.tokens, item.pos, item.logits_last); !st)
            return st;
    return Ok{};
}

Status decode_step(std::span<Generation* const> generations)
{
    std::vector<Generation*> going;
    std::vector<BatchItem> items;
    for (Generation* g : generations)
        if (g->advance())
            going.push_back(g);
    if (going.size() == 1)   // alone: with the backend's own top-k selection, if it has one
        return going.front()->decode();
    if (going.empty())
        return Ok{};
    items.reserve(going.size());
    for (Generation* g : going)
        items.push_back(g->pending());
    if (auto st = items.front().backend->eval_batch(items); !st) {
        // One sequence's device lost is every sequence's on it (those not yet run have not
        // noticed): all move to the fallback, each re-evaluating its tokens so far there.
        std::string lost;
        for (const Generation* g : going)
            if (lost.empty())
                lost = g->device_lost();
        if (lost.empty())
            return st;
        for (Generation* g : going)
            if (auto moved = g->recover(st, lost); !moved)
                return moved;
        return Ok{};
    }
    for (Generation* g : going)
        g->accepted();
    return Ok{};
}

SharedFallback::SharedFallback(Session::BackendMaker make)
    : m_state(std::make_shared<State>(State{std::move(make), nullptr}))
{
}

Session::BackendMaker SharedFallback::maker() const
{
    return [state = m_state]() -> Result<std::unique_ptr<ComputeBackend>> {
        if (state->first)
            if (auto seq = state->first->make_sequence())
                return seq;
        auto made = state->make();
        if (made && !state->first)
            state->first = made->get();
        return made;
    };
}

}   // namespace causerie
