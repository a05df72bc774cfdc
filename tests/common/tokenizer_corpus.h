#pragma once
// The round-trip corpus tests/data/tokenizer/roundtrip.txt (see its header for the format:
// entries separated by lines holding only %%), shared by tst_tokenizer and tst_stream_decoder.
#include <QFile>
#include <QString>

#include <string>
#include <vector>

namespace causerie::testing {

// Empty when the file is missing or has no %% line; the callers check the count.
inline std::vector<std::string> loadTokenizerCorpus(const QString& dataDir)
{
    QFile f(dataDir + QStringLiteral("/tokenizer/roundtrip.txt"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const std::string all = f.readAll().toStdString();
    std::vector<std::string> out;
    size_t pos = all.find("%%\n");
    if (pos == std::string::npos)
        return {};
    pos += 3;
    while (pos < all.size()) {
        const size_t end = all.find("\n%%\n", pos);
        if (end == std::string::npos)
            break;
        out.push_back(all.substr(pos, end - pos));
        pos = end + 4;
    }
    return out;
}

}   // namespace causerie::testing
