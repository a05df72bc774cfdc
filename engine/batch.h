#pragma once
// Several requests decoded together: one step samples the next token of every generation
// (session.h) and evaluates all the chosen tokens in one ComputeBackend::eval_batch(), which on
// the CPU is one forward pass with a row per sequence (the weights read from memory once per
// step, not once per sequence). Sequences to batch come from one backend's make_sequence().
#include "backend.h"
#include "session.h"

#include <span>

namespace causerie {

// One decode step: advance() on each of `generations` (distinct sessions whose backends are
// sequences of one backend), then the tokens of those still going on evaluated together, each
// accepted. Afterwards a generation that ended has done() true (the caller calls its finish()).
// An evaluation error is every generation's of this step (the caller ends them all).
Status decode_step(std::span<Generation* const> generations);

}   // namespace causerie
