#pragma once
// Checking the real model files some engine tests read (fetched by a scripts/fetch-*.sh into the
// user's model folder, found by default_model.h's fetchedModelPath) byte for byte before use.
#include <QByteArray>
#include <QCryptographicHash>
#include <QFile>
#include <QString>

namespace causerie::testing {

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
