#pragma once
// Reader for tests/data/quant/quant_vectors.txt, produced by tests/data/quant/make_vectors.py
// from gguf-py (an implementation independent of ours). Shared by tst_dequant and tst_quantize.
#include "kernels/cpu/quant_types.h"

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QString>
#include <QTest>

#include <cstdint>
#include <cstring>
#include <vector>

namespace quant_test {

struct Vector {
    QByteArray kind;              // "dequant" or "quantize"
    QByteArray type_name;         // "Q4_K"
    int64_t n = 0;                // elements
    std::vector<uint8_t> bytes;   // encoded row
    std::vector<float> floats;    // decoded / source values, bit-exact
};

// Empty list and a message in *error if the file is missing or malformed.
inline QList<Vector> load_vectors(QString* error)
{
    QFile file(QStringLiteral(CAUSERIE_TEST_DATA_DIR "/quant/quant_vectors.txt"));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open %1: %2").arg(file.fileName(), file.errorString());
        return {};
    }
    QList<Vector> out;
    int line_no = 0;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        ++line_no;
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> parts = line.split(' ');
        if (parts[0] == "case" && parts.size() == 4) {
            Vector v;
            v.kind = parts[1];
            v.type_name = parts[2];
            v.n = parts[3].toLongLong();
            out.append(v);
        } else if (parts[0] == "bytes" && parts.size() == 2 && !out.isEmpty()) {
            const QByteArray raw = QByteArray::fromHex(parts[1]);
            out.last().bytes.assign(raw.begin(), raw.end());
        } else if (parts[0] == "floats" && !out.isEmpty()) {
            for (qsizetype i = 1; i < parts.size(); ++i) {
                bool ok = false;
                const uint32_t bits = parts[i].toUInt(&ok, 16);
                if (!ok) {
                    *error =
                        QStringLiteral("line %1: bad float bits '%2'").arg(line_no).arg(QString::fromLatin1(parts[i]));
                    return {};
                }
                float f;
                std::memcpy(&f, &bits, 4);
                out.last().floats.push_back(f);
            }
        } else {
            *error = QStringLiteral("line %1: unexpected '%2'").arg(line_no).arg(QString::fromLatin1(line.left(40)));
            return {};
        }
    }
    return out;
}

inline bool type_from_name(const QByteArray& name, causerie::kernels::TensorType* type)
{
    for (uint32_t t = 0; t < 64; ++t) {
        const auto* traits = causerie::kernels::type_traits(t);
        if (traits != nullptr && name == traits->name) {
            *type = static_cast<causerie::kernels::TensorType>(t);
            return true;
        }
    }
    return false;
}

inline uint32_t float_bits(float f)
{
    uint32_t b;
    std::memcpy(&b, &f, 4);
    return b;
}

// The data rows of a test over the vectors of one kind ("dequant", "quantize"): column "index",
// one row "TYPE #i" per vector. Returns how many rows, or -1 with a message in *error when the
// file gave no vectors.
inline int add_vector_rows(const QByteArray& kind, QString* error)
{
    QTest::addColumn<int>("index");
    const auto vectors = load_vectors(error);
    if (vectors.isEmpty())
        return -1;
    int count = 0;
    for (int i = 0; i < vectors.size(); ++i) {
        if (vectors[i].kind != kind)
            continue;
        QTest::newRow(qPrintable(QStringLiteral("%1 #%2").arg(QString::fromLatin1(vectors[i].type_name)).arg(i))) << i;
        ++count;
    }
    return count;
}

// The vector of the current row of add_vector_rows' table.
inline Vector current_vector()
{
    QFETCH(int, index);
    QString error;
    return load_vectors(&error).at(index);
}

}   // namespace quant_test
