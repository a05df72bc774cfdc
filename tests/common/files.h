#pragma once
// Writing the files a test feeds to the code under test.
#include <QByteArray>
#include <QFile>
#include <QString>

namespace causerie::testing {

// Writes `bytes` to `path`, replacing what was there; false when it cannot be written whole.
inline bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

}   // namespace causerie::testing
