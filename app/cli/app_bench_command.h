#pragma once
// causerie-cli appbench: the speed the window shows for a local model, next to `bench`'s for the
// same work. One process runs, in alternation, a chat turn through the window's own classes
// (LocalBackend → EngineWorker on its engine thread, the app's default sampler settings, the
// statistics the answer's details show) and bench's measurement (the backend's eval over random
// ids: a prompt of the same length, then as many tokens one at a time), and prints both with
// their CPU time and the medians. --sampler greedy takes the sampler's work out of the window's
// turn; --positions window puts bench's generated tokens after the window's prompt (each then
// reads as many cached rows as the window's did).
#include <string>
#include <vector>

namespace causerie::cli {

// appbench MODEL [-t N] [-n 128] [-r 3] [--prompt TEXT | --prompt-file FILE] [--sampler app|greedy]
//   [--positions bench|window] [--json]
int cmd_appbench(int argc, char** argv, const std::vector<std::string>& args);

}   // namespace causerie::cli
