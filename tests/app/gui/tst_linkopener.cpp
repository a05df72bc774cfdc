// Links from content: only http, https and mailto are opened, the target shown is the one
// opened, and a refused link never reaches the desktop.
#include "linkopener.h"

#include <QTest>

class TestLinkOpener : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void schemes_data()
    {
        QTest::addColumn<QString>("link");
        QTest::addColumn<bool>("openable");
        QTest::addColumn<QString>("target");
        QTest::newRow("https") << "https://example.org/a?b=c" << true << "https://example.org/a?b=c";
        QTest::newRow("http") << "http://example.org" << true << "http://example.org";
        QTest::newRow("upper case scheme") << "HTTPS://example.org/" << true << "https://example.org/";
        QTest::newRow("mailto") << "mailto:someone@example.org?subject=hi" << true
                                << "mailto:someone@example.org?subject=hi";
        QTest::newRow("look-alike host shown as punycode")
            << "https://exаmple.org/" << true << "https://xn--exmple-4nf.org/";
        QTest::newRow("space encoded") << "https://example.org/a b" << true << "https://example.org/a%20b";
        QTest::newRow("file") << "file:///etc/passwd" << false << "file:///etc/passwd";
        QTest::newRow("javascript") << "javascript:alert(1)" << false << "javascript:alert(1)";
        QTest::newRow("data") << "data:text/html,<b>x</b>" << false << "data:text/html,%3Cb%3Ex%3C/b%3E";
        QTest::newRow("relative") << "docs/readme.md" << false << "docs/readme.md";
        QTest::newRow("no host") << "http:///path" << false << "http:///path";
        QTest::newRow("custom handler") << "steam://run/1" << false << "steam://run/1";
        QTest::newRow("empty mailto") << "mailto:" << false << "mailto:";
        QTest::newRow("empty") << "" << false << "";
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
