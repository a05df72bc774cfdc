#pragma once
// Where the tests find the default model (SmolLM2-135M-Instruct Q4_1), which the test command's
// set-up fetches into the user's model folder; CAUSERIE_DEFAULT_MODEL may point elsewhere.
// Shared by the engine's and the app's default-model tests, which must ask the same question
// with the same settings so their answers can be compared with the CLI's.
#include "tests/common/model_files.h"

#include <QByteArray>
#include <QProcess>
#include <QString>

namespace causerie::testing {

inline const char* kDefaultModelFetch = "scripts/fetch-default-model.sh";
inline const char* kDefaultModelQuestion = "What is the capital of France?";
// 64 tokens is plenty for a one-sentence answer (the model ends its turn well before).
inline constexpr int kDefaultModelMaxTokens = 64;
inline constexpr int kDefaultModelContext = 1024;

inline QString defaultModelPath()
{
    return userModelPath("CAUSERIE_DEFAULT_MODEL", QStringLiteral("SmolLM2-135M-Instruct.Q4_1.gguf"));
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
