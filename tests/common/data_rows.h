#pragma once
// A one-column QTest data table in one statement, its rows as a list of (tag, value):
//     addColumnRows<bool>("shift", {{"shift (the default)", true}, {"read the history again", false}});
// declares the column and adds one row per pair, in order.
#include <QTest>

#include <initializer_list>
#include <utility>

namespace causerie::testing {

template <typename T>
void addColumnRows(const char* column, std::initializer_list<std::pair<const char*, T>> rows)
{
    QTest::addColumn<T>(column);
    for (const auto& [tag, value] : rows)
        QTest::newRow(tag) << value;
}

}   // namespace causerie::testing
