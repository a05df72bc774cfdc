#pragma once
// Finding items in a live QML scene, for the app's UI tests.
#include <QList>
#include <QQuickItem>
#include <QString>

namespace causerie::testing {

// The first item for which match(item) holds, searching `item` and then its children depth
// first; nullptr when none does.
template <typename Match>
QQuickItem* findItemWhere(QQuickItem* item, const Match& match)
{
    if (match(item))
        return item;
    const auto children = item->childItems();
    for (QQuickItem* c : children)
        if (QQuickItem* found = findItemWhere(c, match))
            return found;
    return nullptr;
}

// Every item for which match(item) holds, `item` first and then its children depth first.
template <typename Match>
QList<QQuickItem*> findItemsWhere(QQuickItem* item, const Match& match)
{
    QList<QQuickItem*> out;
    if (match(item))
        out.append(item);
    const auto children = item->childItems();
    for (QQuickItem* c : children)
        out += findItemsWhere(c, match);
    return out;
}

inline QQuickItem* findItem(QQuickItem* item, const QString& objectName)
{
    return findItemWhere(item, [&](QQuickItem* i) { return i->objectName() == objectName; });
}

}   // namespace causerie::testing
