#pragma once
// causerie-cli retrieve (--doc FILE)... --query TEXT [--top K] [--json]: the documents indexed in
// a temporary index, the best sources for the query (BM25, neighbours merged), deterministic.
#include <string>
#include <vector>

namespace causerie::cli {

int cmd_retrieve(int argc, char** argv, const std::vector<std::string>& args);

}   // namespace causerie::cli
