#include "remote_generate.h"

#include "endpointpolicy.h"
#include "remotebackend.h"
#include "remoteprotocol.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QLoggingCategory>

#include <cstdio>

namespace {
int fail(const QString& message)
{
    std::fprintf(stderr, "error: %s\n", qPrintable(message));
    return 1;
}
}   // namespace

int runRemoteGenerate(const QStringList& args)
{
    // stderr carries "error: ..." only; QT_LOGGING_RULES=causerie.*=true still shows the log
    // (the environment variable overrides rules set here).
    QLoggingCategory::setFilterRules(QStringLiteral("causerie.remote.info=false\ncauserie.remote.warning=false"));

    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption remote(QStringLiteral("remote"), QStringLiteral("Base URL of the endpoint."),
                                    QStringLiteral("url"));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model name."), QStringLiteral("name"));
    const QCommandLineOption prompt({QStringLiteral("p"), QStringLiteral("prompt")}, QStringLiteral("User message."),
                                    QStringLiteral("text"));
    const QCommandLineOption system(QStringLiteral("system"), QStringLiteral("System message."),
                                    QStringLiteral("text"));
    const QCommandLineOption maxTokens({QStringLiteral("n"), QStringLiteral("max-tokens")},
                                       QStringLiteral("Token limit (0 = none)."), QStringLiteral("n"));
    const QCommandLineOption temp(QStringLiteral("temp"), QStringLiteral("Temperature."), QStringLiteral("x"));
    const QCommandLineOption topP(QStringLiteral("top-p"), QStringLiteral("Nucleus sampling mass."),
                                  QStringLiteral("x"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Random seed."), QStringLiteral("n"));
    const QCommandLineOption allowInsecure(
        QStringLiteral("allow-insecure-http"),
        QStringLiteral("Send the API key over plain http:// to a host that is not this computer."));
    parser.addOptions({remote, model, prompt, system, maxTokens, temp, topP, seed, allowInsecure});
    if (!parser.parse(QStringList{QStringLiteral("causerie-cli generate")} + args))
        return fail(parser.errorText());
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument \"%1\"").arg(parser.positionalArguments().first()));
    if (!parser.isSet(remote))
        return fail(QStringLiteral("--remote BASE_URL is required"));
    if (!parser.isSet(model))
        return fail(QStringLiteral("--model NAME is required (e.g. mistral-small-latest)"));
    if (!parser.isSet(prompt))
        return fail(QStringLiteral("-p TEXT is required"));
    const QString baseUrl = parser.value(remote);
    if (const QString problem = baseUrlProblem(baseUrl); !problem.isEmpty())
        return fail(problem);
    const ApiKey key(qEnvironmentVariable("CAUSERIE_API_KEY"));
    // Checked here too (RemoteBackend refuses it anyway) to name the option that allows it.
    if (const QString insecure = insecureKeyProblem(remoteApiUrl(baseUrl, QStringLiteral("chat/completions")),
                                                    !key.isEmpty(), parser.isSet(allowInsecure), QString());
        !insecure.isEmpty())
        return fail(insecure + QStringLiteral(" Use an https:// address, or pass --allow-insecure-http to send "
                                              "the key anyway."));

    GenerationSettings settings;
    bool ok = true;
    if (parser.isSet(maxTokens) &&
        ((settings.maxTokens = parser.value(maxTokens).toInt(&ok)), !ok || settings.maxTokens < 0))
        return fail(QStringLiteral("-n wants a whole number >= 0, not \"%1\"").arg(parser.value(maxTokens)));
    if (parser.isSet(temp) &&
        ((settings.temperature = parser.value(temp).toDouble(&ok)), !ok || settings.temperature < 0))
        return fail(QStringLiteral("--temp wants a number >= 0, not \"%1\"").arg(parser.value(temp)));
    if (parser.isSet(topP) &&
        ((settings.topP = parser.value(topP).toDouble(&ok)), !ok || settings.topP <= 0 || settings.topP > 1))
        return fail(QStringLiteral("--top-p wants a number in (0, 1], not \"%1\"").arg(parser.value(topP)));
    if (parser.isSet(seed)) {
        settings.seed = parser.value(seed).toULongLong(&ok);
        if (!ok)
            return fail(QStringLiteral("--seed wants a whole number >= 0, not \"%1\"").arg(parser.value(seed)));
    }

    QList<ChatMessage> history;
    if (parser.isSet(system))
        history.append({QStringLiteral("system"), parser.value(system)});
    history.append({QStringLiteral("user"), parser.value(prompt)});

    RemoteBackend backend;
    backend.setEndpoint({QStringLiteral("cli"), QStringLiteral("command line"), baseUrl, parser.isSet(allowInsecure)});
    backend.setModel(parser.value(model));
    backend.setApiKey(key);

    QEventLoop loop;
    int exitCode = 0;
    QObject::connect(&backend, &ChatBackend::delta, &loop, [](const QString&, const QString& text) {
        const QByteArray utf8 = text.toUtf8();
        std::fwrite(utf8.constData(), 1, size_t(utf8.size()), stdout);
        std::fflush(stdout);
    });
    QObject::connect(&backend, &ChatBackend::finished, &loop, [&](const QString&, const GenerationStats&) {
        std::fputc('\n', stdout);
        std::fflush(stdout);
        loop.quit();
    });
    QObject::connect(&backend, &ChatBackend::failed, &loop, [&](const QString&, const BackendError& e) {
        std::fflush(stdout);
        exitCode =
            fail(e.detail.isEmpty() ? e.message : e.message + QStringLiteral(" (") + e.detail + QLatin1Char(')'));
        loop.quit();
    });
    backend.startChat(history, settings);
    loop.exec();
    return exitCode;
}
