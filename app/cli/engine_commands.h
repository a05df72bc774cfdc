#pragma once
// causerie-cli commands that run the local engine (no Qt needed).
#include <string>
#include <vector>

namespace causerie::cli {

int cmd_info(const std::vector<std::string>& args);
int cmd_tokenize(const std::vector<std::string>& args);
int cmd_eval(const std::vector<std::string>& args);
int cmd_generate(const std::vector<std::string>& args);
int cmd_chat(const std::vector<std::string>& args);
int cmd_make_test_model(const std::vector<std::string>& args);

// Prints "error: <message>" on stderr and returns the exit status 1.
int fail(const std::string& message);

}   // namespace causerie::cli
