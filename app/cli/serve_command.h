#pragma once
#include <string>
#include <vector>

namespace causerie::cli {

// causerie-cli serve MODEL [--host H] [--port N] [--api-key K] [--ctx N] [--threads N]
//   [--device D] [--parallel N] [--queue N] [--allow-origin URL,...]
// Serves the OpenAI-compatible API until SIGINT/SIGTERM, then returns 0.
int cmd_serve(int argc, char** argv, const std::vector<std::string>& args);

}   // namespace causerie::cli
