// causerie-cli: the engine (and the remote backend) from a terminal. Errors go to stderr as
// "error: ..." with exit status 1; scripts and checks rely on the commands and JSON fields.
#include "app_bench_command.h"
#include "bench_command.h"
#include "engine_commands.h"
#include "retrieve_command.h"

#ifdef CAUSERIE_HAVE_SERVER
#include "serve_command.h"
#endif

#ifdef CAUSERIE_HAVE_REMOTE
#include "remote_generate.h"
#endif

#include <QCoreApplication>
#include <QStringList>

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>
#include <vector>

namespace {

const char* kUsage =
    "usage: causerie-cli COMMAND ...\n"
    "  info MODEL [--json]                     model metadata\n"
    "  tokenize MODEL (--text T | --file F) [--json]\n"
    "  eval MODEL --prompt T [--top K] [--greedy N] [--threads N] [--device D[:N]] [--gpu-layers N] [--json]\n"
    "  generate MODEL (-p TEXT | -f FILE) [-n N] [--temp X --top-p X --top-k N --min-p X --seed N]\n"
    "           [--prompt-cache FILE] [--json]  FILE: the KV state, restored before and saved after\n"
    "  generate --remote BASE_URL --model NAME -p TEXT [--allow-insecure-http]   (key from CAUSERIE_API_KEY;\n"
    "                                           a key goes over plain http:// only to this computer unless allowed)\n"
    "  chat MODEL [--system TEXT] [--no-context-shift] [--kv-type f16|q8_0]  one user message per line of stdin\n"
    "  make-test-model OUT.gguf [--type T|Q4_K_M] ... a random-weight model for tests and benchmarks\n"
    "  serve MODEL [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--ctx N] [--threads N] [--parallel N]\n"
    "                                           OpenAI-compatible server (key also from CAUSERIE_SERVER_KEY)\n"
    "  bench MODEL [-t 1,2] [-p 64,512] [-n 64] [-r 3] [--device cpu|cuda[:N]|cuda-sim] [--gpu-layers N]\n"
    "        [--kv-type f16|q8_0] [--json]\n"
    "                                           speed, like llama-bench (GPU: also memory bandwidth reached)\n"
    "  appbench MODEL [-t N] [-n 128] [-r 3] [--prompt TEXT | --prompt-file FILE] [--sampler app|greedy]\n"
    "           [--positions bench|window] [--json]\n"
    "                                           the window's tokens/s (its engine thread) next to bench's\n"
    "  retrieve (--doc FILE)... --query TEXT [--top K] [--json] [--embed-model FILE [--threads N]]\n"
    "                                           best passages of the documents (BM25; with a GGUF embedding\n"
    "                                           model, BM25 and vectors fused)\n";

}   // namespace

int main(int argc, char** argv)
{
    using namespace causerie::cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    const std::string command = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    bool remote = false;
    for (const auto& a : args)
        remote = remote || a == "--remote";

    if (command == "generate" && remote) {
#ifdef CAUSERIE_HAVE_REMOTE
        QCoreApplication app(argc, argv);
        QStringList qargs;
        for (const auto& a : args)
            qargs << QString::fromStdString(a);
        return runRemoteGenerate(qargs);
#else
        return fail("this build has no remote backend");
#endif
    }
    // The commands that take only their arguments.
    const std::pair<const char*, int (*)(const std::vector<std::string>&)> commands[] = {
        {"info", cmd_info},         {"tokenize", cmd_tokenize}, {"eval", cmd_eval},
        {"generate", cmd_generate}, {"chat", cmd_chat},         {"make-test-model", cmd_make_test_model},
        {"bench", cmd_bench},
    };
    for (const auto& [name, run] : commands) {
        if (command == name)
            return run(args);
    }
#ifdef CAUSERIE_HAVE_SERVER
    if (command == "serve")
        return cmd_serve(argc, argv, args);
#endif
    if (command == "appbench")
        return cmd_appbench(argc, argv, args);
    if (command == "retrieve")
        return cmd_retrieve(argc, argv, args);
    std::fputs(kUsage, stderr);
    return fail("unknown command '" + command + "'");
}
