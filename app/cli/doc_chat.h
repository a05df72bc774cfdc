#pragma once
// `causerie-cli chat MODEL --doc FILE...`: the documents go to the model by the app's own path
// (documents/promptcontext.h: whole when they fit half the context, else each question's best
// passages, numbered for citation). Plain std types, so engine_commands.cpp stays Qt-free.
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace causerie::cli {

class DocChat {
public:
    struct Turn {
        std::string system;                 // whole documents: joined to the system message
        std::string question;               // the question, with the passages before it when retrieved
        std::vector<std::string> sources;   // "[1] file, page 3" per cited source
    };
    using Counter = std::function<long long(const std::string&)>;

    // Reads every file (a file that cannot be read is a warning on stderr; none readable is an
    // error). `budgetTokens`: half the context.
    static std::unique_ptr<DocChat> open(const std::vector<std::string>& files, long long budgetTokens,
                                         Counter countTokens, std::string* error);
    ~DocChat();
    Turn turn(const std::string& question);

private:
    DocChat();
    struct State;
    std::unique_ptr<State> m_state;
};

}   // namespace causerie::cli
