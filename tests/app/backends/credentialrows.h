#pragma once
// The rows of the tests that refuse credentials written into an endpoint's address: each
// address holds its secret where it says %1, so the secret is written once.
#include <QString>
#include <QTest>

// Columns url, secret and reason (a fragment of the refusal's message), all QString.
inline void addCredentialColumns()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("secret");
    QTest::addColumn<QString>("reason");
}

inline void addCredentialRow(const char* tag, const char* url, const char* secret, const char* reason)
{
    QTest::newRow(tag) << QString::fromUtf8(url).arg(QString::fromUtf8(secret)) << QString::fromUtf8(secret)
                       << QString::fromUtf8(reason);
}
