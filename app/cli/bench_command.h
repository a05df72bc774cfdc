#pragma once
// causerie-cli bench: prompt-processing and generation speed of the local engine (the CPU unless
// --device names another), printed as a table like llama-bench's (model, type, size, params,
// threads, test, tokens/s ± stddev), plus for generation the memory bandwidth it reaches
// (bytes read per token x tokens/s) and its fraction of the GPU's peak.
#include <string>
#include <vector>

namespace causerie::cli {

// bench MODEL [-t 1,2] [-p 64,512] [-n 64] [-r 3] [--device cpu|cuda[:N]|cuda-sim] [--gpu-layers N] [--json]
int cmd_bench(const std::vector<std::string>& args);

}   // namespace causerie::cli
