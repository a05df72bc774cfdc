#pragma once
// A QTest data table's columns in one call, types and names in order:
// `add_columns<int, int, bool>("rows", "cols", "reverse")` is three QTest::addColumn calls.
#include <QTest>

namespace causerie::testing {

template <typename... Types, typename... Names>
void add_columns(Names... names)
{
    static_assert(sizeof...(Types) == sizeof...(Names), "one name per column type");
    (QTest::addColumn<Types>(names), ...);
}

}   // namespace causerie::testing
