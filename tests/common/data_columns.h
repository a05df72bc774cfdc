#pragma once
// A QTest data table's columns in one statement, in order. Several of one type:
//     addColumns<int>({"type", "rows", "cols"});
// is QTest::addColumn<int>("type"); QTest::addColumn<int>("rows"); QTest::addColumn<int>("cols").
// Of several types, types and names in order:
//     addTypedColumns<int, int, bool>("rows", "cols", "reverse");
#include <QTest>

#include <initializer_list>

namespace causerie::testing {

template <typename T>
void addColumns(std::initializer_list<const char*> columns)
{
    for (const char* column : columns)
        QTest::addColumn<T>(column);
}

template <typename... Types, typename... Names>
void addTypedColumns(Names... names)
{
    static_assert(sizeof...(Types) == sizeof...(Names), "one name per column type");
    (QTest::addColumn<Types>(names), ...);
}

}   // namespace causerie::testing
