#pragma once
// Failure messages that show the values: QCOMPARE prints nothing for std types otherwise.
// Shared by the tokenizer tests, which compare strings and id lists.
#include <QByteArray>
#include <QTest>

#include <cstdint>
#include <string>
#include <vector>

namespace QTest {
template <>
inline char* toString(const std::string& s)
{
    return toString(QByteArray::fromStdString(s));
}
template <>
inline char* toString(const std::vector<int32_t>& ids)
{
    QByteArray out("{");
    for (size_t i = 0; i < ids.size(); ++i)
        out += (i ? "," : "") + QByteArray::number(ids[i]);
    return qstrdup(out + "}");
}
}   // namespace QTest
