#pragma once
// The languages the app ships (English and French), as a test's data: one row each in a
// column `lang`, for the tests that must pass in every language.
#include <QString>
#include <QTest>

namespace causerie::testing {

inline void addLanguageRows()
{
    QTest::addColumn<QString>("lang");
    for (const char* lang : {"en", "fr"})
        QTest::newRow(lang) << QString::fromLatin1(lang);
}

}   // namespace causerie::testing
