#pragma once
// Several columns of one type in a QTest data table in one statement, in order:
//     addColumns<int>({"type", "rows", "cols"});
// is QTest::addColumn<int>("type"); QTest::addColumn<int>("rows"); QTest::addColumn<int>("cols");
#include <QTest>

#include <initializer_list>

namespace causerie::testing {

template <typename T>
void addColumns(std::initializer_list<const char*> columns)
{
    for (const char* column : columns)
        QTest::addColumn<T>(column);
}

}   // namespace causerie::testing
