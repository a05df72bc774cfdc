#include "serve_command.h"

#include "args.h"
#include "catalogentry.h"
#include "engine_commands.h"
#include "modelcatalog.h"
#include "openaiserver.h"
#include "sessionengine.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace causerie::cli {
namespace {

int g_signal_fd[2] = {-1, -1};

void on_signal(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signal_fd[1], &c, 1);
}

// Idle keep-alive clients each hold a descriptor; the default soft limit (1024) is too low.
void raise_descriptor_limit()
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

}   // namespace

int cmd_serve(int argc, char** argv, const std::vector<std::string>& argList)
{
    Args a(argList, {});
    const std::set<std::string> known = {"host",   "port",       "api-key", "ctx",      "threads", "t",
                                         "device", "gpu-layers", "kv-type", "parallel", "queue",   "allow-origin"};
    if (!a.ok())
        return fail(a.error());
    if (const auto bad = a.unknown(known); !bad.empty())
        return fail("unknown option --" + bad.front());
    if (a.positional().size() != 1)
        return fail("usage: causerie-cli serve MODEL [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--ctx N] "
                    "[--threads N] [--device D] [--parallel N] [--queue N] [--allow-origin URL,...]");
    std::string err;
    server::SessionEngineOptions eo;
    eo.model_path = a.positional()[0];
    const long long port = a.get_int("port", &err).value_or(8080);
    eo.slots = int(a.get_int("parallel", &err).value_or(1));
    eo.max_queue = int(a.get_int("queue", &err).value_or(16));
    if (auto c = a.get_int("ctx", &err))
        eo.backend.n_ctx = *c;
    if (auto t = a.get_int("threads", &err))
        eo.backend.n_threads = int(*t);
    if (auto t = a.get_int("t", &err))
        eo.backend.n_threads = int(*t);
    const auto dev = parse_device_options(a, &err);
    if (!err.empty())
        return fail(err);
    eo.backend.device = dev->device;
    eo.backend.gpu_device = dev->gpu_device;
    eo.backend.n_gpu_layers = dev->n_gpu_layers;
    eo.backend.kv_type = dev->kv_type;
    if (port < 0 || port > 65535)
        return fail("--port must be between 0 and 65535");
    if (eo.slots < 1 || eo.slots > 64)
        return fail("--parallel must be between 1 and 64");
    if (eo.max_queue < 1)
        return fail("--queue must be at least 1");

    QCoreApplication app(argc, argv);
    server::ServerConfig config;
    const QString host = QString::fromStdString(a.get("host", "127.0.0.1"));
    config.address = host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
    if (config.address.isNull())
        return fail("--host must be an IP address (like 127.0.0.1 or 0.0.0.0), not '" + host.toStdString() + "'");
    config.port = quint16(port);
    config.apiKey = QString::fromStdString(a.get("api-key"));
    if (config.apiKey.isEmpty())
        config.apiKey = qEnvironmentVariable("CAUSERIE_SERVER_KEY");
    for (const QString& o : QString::fromStdString(a.get("allow-origin")).split(QLatin1Char(','), Qt::SkipEmptyParts))
        config.allowedOrigins << o.trimmed();

    // The catalog id ("smollm2-135m-instruct-q4_1") when the file is a catalog model.
    for (const QString& id :
         ModelCatalog::catalogIdsForFile(QFileInfo(QString::fromStdString(eo.model_path)).fileName()))
        if (id != QString::fromStdString(server::model_id_from_path(eo.model_path)))
            config.modelAliases << id;

    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signal_fd) != 0)
        return fail("cannot set up signal handling");
    QSocketNotifier notifier(g_signal_fd[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
        char c;
        [[maybe_unused]] const auto n = ::read(g_signal_fd[0], &c, 1);
        std::fprintf(stderr, "stopping\n");
        QCoreApplication::quit();
    });
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    raise_descriptor_limit();

    // The engine loads on its own thread while the server already answers (503 until ready).
    eo.on_loaded = [](server::EngineState state, const std::string& message) {
        if (state == server::EngineState::Ready) {
            if (!message.empty())
                std::fprintf(stderr, "note: %s\n", message.c_str());
            std::fprintf(stderr, "model loaded\n");
            return;
        }
        // Nothing to serve: say why and stop (exit status 1), as every CLI error does.
        std::fprintf(stderr, "error: %s\n", message.c_str());
        QMetaObject::invokeMethod(
            qApp, [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    };
    eo.on_note = [](const std::string& note) { std::fprintf(stderr, "note: %s\n", note.c_str()); };
    auto engine = std::make_unique<server::SessionEngine>(eo);
    int status = 0;
    {
        server::OpenAiServer http(*engine, config);
        QString why;
        if (!http.start(&why)) {
            engine.reset();
            return fail(why.toStdString());
        }
        std::printf("listening on %s (model %s)\n", http.baseUrl().toStdString().c_str(), engine->model_id().c_str());
        std::fflush(stdout);
        status = app.exec();
        engine.reset();   // before the server: its last calls post to it
    }
    return status;
}

}   // namespace causerie::cli
