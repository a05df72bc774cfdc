#pragma once
// The real model files some engine tests read: not in the repository, fetched by a
// scripts/fetch-*.sh into the user's model folder, and checked byte for byte before use.
#include <QByteArray>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QString>

namespace causerie::testing {

// The path in the environment variable `envVar` when it is set, else `fileName` in the user's
// model folder (<XDG_DATA_HOME or ~/.local/share>/Causerie/models), where the app looks too.
inline QString userModelPath(const char* envVar, const QString& fileName)
{
    const QByteArray env = qgetenv(envVar);
    if (!env.isEmpty())
        return QString::fromLocal8Bit(env);
    QString data = QString::fromLocal8Bit(qgetenv("XDG_DATA_HOME"));
    if (data.isEmpty())
        data = QDir::homePath() + QStringLiteral("/.local/share");
    return data + QStringLiteral("/Causerie/models/") + fileName;
}

// The file's SHA-256 in lowercase hex; empty when it cannot be read.
inline QByteArray fileSha256Hex(const QString& path)
{
    QFile f(path);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!f.open(QIODevice::ReadOnly) || !hash.addData(&f))
        return {};
    return hash.result().toHex();
}

}   // namespace causerie::testing
