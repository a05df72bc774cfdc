#pragma once
// causerie-cli bench: prompt-processing and generation speed of the local CPU engine, printed as
// a table like llama-bench's (model, type, size, params, threads, test, tokens/s ± stddev).
#include <string>
#include <vector>

namespace causerie::cli {

// bench MODEL [-t 1,2] [-p 64,512] [-n 64] [-r 3] [--json]
int cmd_bench(const std::vector<std::string>& args);

} // namespace causerie::cli
