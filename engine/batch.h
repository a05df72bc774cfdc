#pragma once
// Several requests decoded together: one step samples the next token of every generation
// (session.h) and evaluates all the chosen tokens in one ComputeBackend::eval_batch(), which on
// the CPU is one forward pass with a row per sequence (the weights read from memory once per
// step, not once per sequence). Sequences to batch come from one backend's make_sequence().
#include "backend.h"
#include "session.h"

#include <memory>
#include <span>

namespace causerie {

// One decode step: advance() on each of `generations` (distinct sessions whose backends are
// sequences of one backend), then the tokens of those still going on evaluated together, each
// accepted. Afterwards a generation that ended has done() true (the caller calls its finish()).
// An evaluation error is every generation's of this step (the caller ends them all), except a
// lost device (a GPU's sticky error, ComputeBackend::device_lost() of any of their backends):
// each generation then moves to its session's fallback (Session::set_fallback) with its tokens
// so far, the reason being the lost backend's, and the step succeeds; an error only when one of
// them has no fallback or its fallback fails.
Status decode_step(std::span<Generation* const> generations);

// Session::set_fallback for sessions decoded together (a server's slots): the first session to
// fall back gets `make`'s backend (the CPU), the later ones sequences of it (make_sequence; their
// own `make` backend when it refuses), so after a lost device they are still decoded together
// over one copy of the weights. The first session owns the backend the later ones are made
// from: the sessions must live as long as one another.
class SharedFallback {
public:
    explicit SharedFallback(Session::BackendMaker make);
    Session::BackendMaker maker() const;   // one for each session

private:
    struct State {
        Session::BackendMaker make;
        ComputeBackend* first = nullptr;   // owned by the session that fell back first
    };
    std::shared_ptr<State> m_state;
};

}   // namespace causerie
