#pragma once
// Where the tests find the default model (SmolLM2-135M-Instruct Q4_1), which the test command's
// set-up fetches into the user's model folder; CAUSERIE_DEFAULT_MODEL may point elsewhere.
// Shared by the engine's and the app's default-model tests, which must ask the same question
// with the same settings so their answers can be compared with the CLI's.
#include <QByteArray>
#include <QDir>
#include <QProcess>
#include <QString>

namespace causerie::testing {

inline const char* kDefaultModelFetch = "scripts/fetch-default-model.sh";
inline const char* kDefaultModelQuestion = "What is the capital of France?";
// 64 tokens is plenty for a one-sentence answer (the model ends its turn well before).
inline constexpr int kDefaultModelMaxTokens = 64;
inline constexpr int kDefaultModelContext = 1024;

// A model the test command's set-up fetched into the user's model folder
// ($XDG_DATA_HOME/Causerie/models, by default ~/.local/share/…), or where the environment
// variable `envVar` points when it is set.
inline QString fetchedModelPath(const char* envVar, const QString& fileName)
{
    const QByteArray env = qgetenv(envVar);
    if (!env.isEmpty())
        return QString::fromLocal8Bit(env);
    QString data = QString::fromLocal8Bit(qgetenv("XDG_DATA_HOME"));
    if (data.isEmpty())
        data = QDir::homePath() + QStringLiteral("/.local/share");
    return data + QStringLiteral("/Causerie/models/") + fileName;
}

inline QString defaultModelPath()
{
    return fetchedModelPath("CAUSERIE_DEFAULT_MODEL", QStringLiteral("SmolLM2-135M-Instruct.Q4_1.gguf"));
}

// Starts `causerie-cli chat` (at cliPath) on the model with the same settings, greedy on the
// CPU, asks it the question and closes its input so that it answers once and exits. False when
// it could not be started (cli.errorString() says why).
inline bool askDefaultModelCli(QProcess& cli, const QString& cliPath, const QString& model)
{
    cli.start(cliPath, {QStringLiteral("chat"), model, QStringLiteral("--temp"), QStringLiteral("0"),
                        QStringLiteral("-n"), QString::number(kDefaultModelMaxTokens), QStringLiteral("--ctx"),
                        QString::number(kDefaultModelContext), QStringLiteral("--device"), QStringLiteral("cpu")});
    if (!cli.waitForStarted())
        return false;
    cli.write(QByteArray(kDefaultModelQuestion) + '\n');
    cli.closeWriteChannel();
    return true;
}

}   // namespace causerie::testing
