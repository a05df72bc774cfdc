#pragma once
// Several int columns of a QTest data table in one statement, in order:
//     addIntColumns({"type", "rows", "cols"});
// is QTest::addColumn<int>("type"); QTest::addColumn<int>("rows"); QTest::addColumn<int>("cols");
#include <QTest>

#include <initializer_list>

namespace causerie::testing {

inline void addIntColumns(std::initializer_list<const char*> columns)
{
    for (const char* column : columns)
        QTest::addColumn<int>(column);
}

}   // namespace causerie::testing
