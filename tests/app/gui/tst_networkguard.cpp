// The QML engine's network access: every way QML content can ask for a URL reaches the guard,
// which refuses all but qrc:, records each attempt and logs each refused URL once, without its
// user info or query. The URLs use the reserved .invalid domain: nothing could answer anyway.
#include "networkguard.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QSignalSpy>
#include <QTest>

namespace {

// Messages of the guard's logging category while alive.
class LogCapture {
public:
    LogCapture()
    {
        s_lines.clear();
        m_previous = qInstallMessageHandler(&LogCapture::handle);
    }
    ~LogCapture() { qInstallMessageHandler(m_previous); }
    static QStringList lines() { return s_lines; }

private:
    static void handle(QtMsgType, const QMessageLogContext& context, const QString& message)
    {
        if (QLatin1String(context.category) == QLatin1String("causerie.network"))
            s_lines.append(message);
    }
    static inline QStringList s_lines;
    QtMessageHandler m_previous;
};

}   // namespace

class TestNetworkGuard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void onlyQrcIsAllowed()
    {
        QVERIFY(NetworkGuard::isAllowed(QUrl(QStringLiteral("qrc:/qt/qml/Causerie/Ui/Main.qml"))));
        for (const char* url :
             {"http://beacon.invalid/x.png", "https://beacon.invalid/", "ftp://beacon.invalid/f", "file:///etc/passwd",
              "data:image/png;base64,AAAA", "image://provider/x", "beacon.invalid/relative.png", ""})
            QVERIFY2(!NetworkGuard::isAllowed(QUrl(QString::fromLatin1(url))), url);
    }

    void refusedReplyFailsWithoutNetworkAndIsLoggedOnce()
    {
        NetworkGuard guard;
        NetworkRecorder recorder;
        guard.setRecorder(&recorder);
        LogCapture log;
        std::unique_ptr<QNetworkAccessManager> nam(guard.create(nullptr));
        const QUrl secret(QStringLiteral("https://user:pw@beacon.invalid/leak?d=secret#frag"));
        for (int i = 0; i < 3; ++i) {
            QNetworkReply* reply = nam->get(QNetworkRequest(secret));
            QSignalSpy finished(reply, &QNetworkReply::finished);
            QVERIFY(finished.wait(2000));
            QCOMPARE(reply->error(), QNetworkReply::ContentAccessDenied);
            QCOMPARE(reply->readAll(), QByteArray());
            reply->deleteLater();
        }
        QCOMPARE(recorder.attempts(), 3);
        QCOMPARE(recorder.urls().first(), secret);
        QCOMPARE(log.lines().size(), 1);
        QVERIFY2(log.lines().first().contains(QLatin1String("https://beacon.invalid/leak")),
                 qPrintable(log.lines().first()));
        QVERIFY(!log.lines().first().contains(QLatin1String("secret")));
        QVERIFY(!log.lines().first().contains(QLatin1String("pw")));
        QVERIFY(!log.lines().first().contains(QLatin1String("user")));

        // A qrc: resource still loads through it.
        QNetworkReply* own = nam->get(QNetworkRequest(QUrl(QStringLiteral("qrc:/guard/tst_networkguard.cpp"))));
        QSignalSpy done(own, &QNetworkReply::finished);
        QVERIFY(done.wait(2000));
        QCOMPARE(own->error(), QNetworkReply::NoError);
        QVERIFY(own->readAll().contains("TestNetworkGuard"));
        delete own;
        QCOMPARE(recorder.attempts(), 4);
        QCOMPARE(log.lines().size(), 1);
    }

    // Each QML way of fetching, created in an engine with the guard: each is attempted once
    // (the recorder sees it) and fails (nothing came back).
    void everyQmlWayIsCaught_data()
    {
        QTest::addColumn<QString>("qml");
        QTest::addColumn<QString>("url");
        // Each row's QML fetches its URL, written in it as %1.
        const auto way = [](const char* name, const char* qml, const char* url) {
            QTest::newRow(name) << QString::fromUtf8(qml).arg(QLatin1String(url)) << QString::fromUtf8(url);
        };
        way("Image", "Image { source: '%1' }", "http://beacon.invalid/image.png");
        way("AnimatedImage", "AnimatedImage { source: '%1' }", "http://beacon.invalid/a.gif");
        way("BorderImage", "BorderImage { source: '%1' }", "https://beacon.invalid/b.png");
        way("Text StyledText img", "Text { textFormat: Text.StyledText; text: \"<img src='%1'>\" }",
            "http://beacon.invalid/s.png");
        way("Text AutoText img", "Text { text: \"<img src='%1'>\" }", "http://beacon.invalid/t.png");
        way("Text RichText img", "Text { textFormat: Text.RichText; text: \"<img src='%1'>\" }",
            "http://beacon.invalid/r.png");
        way("TextEdit Markdown image", "TextEdit { textFormat: TextEdit.MarkdownText; text: '![x](%1)' }",
            "http://beacon.invalid/m.png");
        way("TextEdit RichText img", "TextEdit { textFormat: TextEdit.RichText; text: \"<img src='%1'>\" }",
            "http://beacon.invalid/e.png");
        way("XMLHttpRequest",
            "Item { Component.onCompleted: { const x = new XMLHttpRequest(); x.open('GET', '%1'); x.send() } }",
            "http://beacon.invalid/xhr");
        way("Loader remote component", "Loader { source: '%1' }", "http://beacon.invalid/c.qml");
        way("FontLoader", "FontLoader { source: '%1' }", "http://beacon.invalid/f.ttf");
    }
    void everyQmlWayIsCaught()
    {
        QFETCH(QString, qml);
        QFETCH(QString, url);
        NetworkGuard guard;
        NetworkRecorder recorder;
        guard.setRecorder(&recorder);
        {
            QQmlEngine engine;
            engine.setNetworkAccessManagerFactory(&guard);
            QQmlComponent component(&engine);
            component.setData(("import QtQuick\nItem { width: 200; height: 100\n" + qml + "\n}").toUtf8(), QUrl());
            std::unique_ptr<QObject> root(component.create());
            QVERIFY2(root, qPrintable(component.errorString()));
            QTRY_COMPARE_WITH_TIMEOUT(recorder.attempts(), 1, 5000);
            QCOMPARE(recorder.urls().first(), QUrl(url));
        }
    }
};

QTEST_MAIN(TestNetworkGuard)
#include "tst_networkguard.moc"
