// Links from content: only http, https and mailto are opened, the target shown is the one
// opened, and a refused link never reaches the desktop.
#include "linkopener.h"

#include <QTest>

class TestLinkOpener : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void schemes_data()
    {
        // Links whose target is shown exactly as written: opened, or refused.
        const auto opened = [](const char* tag, const char* link) { QTest::newRow(tag) << link << true << link; };
        const auto refused = [](const char* tag, const char* link) { QTest::newRow(tag) << link << false << link; };
        QTest::addColumn<QString>("link");
        QTest::addColumn<bool>("openable");
        QTest::addColumn<QString>("target");
        opened("https", "https://example.org/a?b=c");
        opened("http", "http://example.org");
        QTest::newRow("upper case scheme") << "HTTPS://example.org/" << true << "https://example.org/";
        opened("mailto", "mailto:someone@example.org?subject=hi");
        QTest::newRow("look-alike host shown as punycode")
            << "https://exаmple.org/" << true << "https://xn--exmple-4nf.org/";
        QTest::newRow("space encoded") << "https://example.org/a b" << true << "https://example.org/a%20b";
        refused("file", "file:///etc/passwd");
        refused("javascript", "javascript:alert(1)");
        QTest::newRow("data") << "data:text/html,<b>x</b>" << false << "data:text/html,%3Cb%3Ex%3C/b%3E";
        refused("relative", "docs/readme.md");
        refused("no host", "http:///path");
        refused("custom handler", "steam://run/1");
        refused("empty mailto", "mailto:");
        refused("empty", "");
    }
    void schemes()
    {
        QFETCH(QString, link);
        QFETCH(bool, openable);
        QFETCH(QString, target);
        LinkOpener links;
        QList<QUrl> opened;
        links.setOpener([&](const QUrl& u) {
            opened.append(u);
            return true;
        });
        const QVariantMap c = links.check(link);
        QCOMPARE(c.value(QStringLiteral("openable")).toBool(), openable);
        QCOMPARE(c.value(QStringLiteral("target")).toString(), target);
        if (!openable)
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("refused to open a link")));
        QCOMPARE(links.open(link), openable);
        QCOMPARE(opened.size(), openable ? 1 : 0);
        if (openable)   // what was shown is what is opened
            QCOMPARE(QString::fromLatin1(opened.first().toEncoded()), target);
    }
};

QTEST_MAIN(TestLinkOpener)
#include "tst_linkopener.moc"
