// Settings → Remote in the real app's QML engine, offscreen, against fake servers on 127.0.0.1:
// endpoint names are shown as plain text, an address with credentials is refused with the
// reason, moving an endpoint to another server says its key is forgotten (and the key really
// stops going there), and "Allow insecure connection" is stored with the endpoint.
#include "appwindow.h"
#include "fakechatserver.h"
#include "tests/common/quick_items.h"

#include <QQmlComponent>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

namespace {
const QString kSecret = QStringLiteral("sk-ui-test-3e8a0c5d7b1f");
const QByteArray kModels = R"({"object":"list","data":[{"id":"m","object":"model"}]})";

using causerie::testing::findItem;

QVariantMap endpointNamed(AppController& c, const QString& name)
{
    for (const QVariant& v : c.remote()->endpoints())
        if (v.toMap().value(QStringLiteral("name")).toString() == name)
            return v.toMap();
    return {};
}
}   // namespace

class TestRemoteSettings : public QObject {
    Q_OBJECT

    QTemporaryDir m_data;
    std::unique_ptr<AppWindow> m_app;
    std::unique_ptr<QObject> m_page;

    QQuickItem* item(const QString& objectName) const
    {
        return findItem(qobject_cast<QQuickItem*>(m_page.get()), objectName);
    }
    void type(const QString& field, const QString& text) const { item(field)->setProperty("text", text); }
    bool save() const { return QMetaObject::invokeMethod(item(QStringLiteral("saveEndpointButton")), "clicked"); }

private Q_SLOTS:
    void initTestCase()
    {
        // No session bus: the keys stay in memory, never in this machine's keychain.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/causerie-test-bus");
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_data.isValid());
        m_app = std::make_unique<AppWindow>(m_data.filePath(QStringLiteral("data")), QStringLiteral("en"));
        QVERIFY(m_app->load());
        QQmlComponent component(&m_app->engine());
        component.loadUrl(QUrl(QStringLiteral("qrc:/qt/qml/Causerie/Ui/RemoteSettings.qml")));
        m_page.reset(component.createWithInitialProperties(
            {{QStringLiteral("parent"), QVariant::fromValue<QObject*>(m_app->window()->contentItem())}}));
        QVERIFY2(m_page, qPrintable(component.errorString()));
        for (const char* name : {"endpointList", "endpointNameField", "endpointUrlField", "endpointKeyField",
                                 "allowInsecureBox", "keyForgottenNote", "saveEndpointButton"})
            QVERIFY2(item(QString::fromLatin1(name)), name);
    }

    // Names come from the user or from imports: markup in them is shown, never interpreted.
    void endpointNamesArePlainText()
    {
        AppController& c = m_app->controller();
        const QString name = QStringLiteral("<b>Bold</b><img src=\"http://127.0.0.1:9/beacon\">");
        QVERIFY(!c.remote()->save({}, name, QStringLiteral("http://127.0.0.1:9"), {}).isEmpty());
        QQuickItem* list = item(QStringLiteral("endpointList"));
        QTRY_COMPARE(list->property("count").toInt(), 2);
        QTRY_VERIFY(findItem(list, QStringLiteral("endpointLabel")));   // delegates appear after a polish
        bool seen = false;
        const std::function<void(QQuickItem*)> check = [&](QQuickItem* i) {
            if (i->objectName() == QLatin1String("endpointLabel")) {
                QCOMPARE(i->property("textFormat").toInt(), int(Qt::PlainText));
                seen |= i->property("text").toString().startsWith(name);
            }
            for (QQuickItem* child : i->childItems())
                check(child);
        };
        check(list);
        QVERIFY(seen);
    }

    void credentialsInAddressRefusedWithTheReason()
    {
        AppController& c = m_app->controller();
        QSignalSpy errors(&c, &AppController::errorOccurred);
        const int before = c.remote()->endpoints().size();
        QVERIFY(QMetaObject::invokeMethod(m_page.get(), "edit", Q_ARG(QVariant, QString()), Q_ARG(QVariant, QString()),
                                          Q_ARG(QVariant, QString()), Q_ARG(QVariant, false)));
        type(QStringLiteral("endpointNameField"), QStringLiteral("Leaky"));
        type(QStringLiteral("endpointUrlField"),
             QStringLiteral("https://bob:pw-1234abcd@api.example.com/v1?api-key=qk-5678efgh"));
        QVERIFY(save());
        QCOMPARE(errors.count(), 1);
        const QString message = errors[0][0].toString();
        QVERIFY2(message.contains(QLatin1String("password")), qPrintable(message));
        QVERIFY2(!message.contains(QLatin1String("pw-1234abcd")) && !message.contains(QLatin1String("qk-5678efgh")),
                 qPrintable(message));
        QCOMPARE(c.remote()->endpoints().size(), before);
        QVERIFY(m_page->property("editingId").toString().isEmpty());
    }

    // Saved with a key against one fake server, then moved to another (another port is another
    // origin): the page says the key is forgotten, and the other server never receives it.
    void movingAnEndpointForgetsItsKey()
    {
        AppController& c = m_app->controller();
        FakeChatServer first;
        FakeChatServer second;
        QVERIFY(first.listen() && second.listen());
        for (int i = 0; i < 2; ++i)
            first.enqueue(FakeResponse::json(200, "OK", kModels));
        second.enqueue(FakeResponse::json(200, "OK", kModels));

        QVERIFY(QMetaObject::invokeMethod(m_page.get(), "edit", Q_ARG(QVariant, QString()), Q_ARG(QVariant, QString()),
                                          Q_ARG(QVariant, QString()), Q_ARG(QVariant, false)));
        type(QStringLiteral("endpointNameField"), QStringLiteral("Moving"));
        type(QStringLiteral("endpointUrlField"), first.baseUrl());
        type(QStringLiteral("endpointKeyField"), kSecret);
        QVERIFY(save());
        const QString id = endpointNamed(c, QStringLiteral("Moving")).value(QStringLiteral("id")).toString();
        QVERIFY(!id.isEmpty());
        QCOMPARE(m_page->property("editingId").toString(), id);

        // The key reaches the first server (the first listing may race the keychain read).
        QSignalSpy models(c.remote(), &RemoteController::modelsChanged);
        c.remote()->refreshModels(id);
        QVERIFY(models.wait(5000));
        c.remote()->refreshModels(id);
        QVERIFY(models.wait(5000));
        QCOMPARE(first.requests().size(), 2);
        QCOMPARE(first.requests()[1].headers.value("authorization"), "Bearer " + kSecret.toUtf8());

        QQuickItem* note = item(QStringLiteral("keyForgottenNote"));
        QQuickItem* keyField = item(QStringLiteral("endpointKeyField"));
        QVERIFY(!note->isVisible());
        type(QStringLiteral("endpointUrlField"), first.baseUrl() + QStringLiteral("/v1/"));   // same server
        QVERIFY(!note->isVisible());
        type(QStringLiteral("endpointUrlField"), second.baseUrl());
        QVERIFY(note->isVisible());
        QVERIFY2(note->property("text").toString().contains(QLatin1String("forgets the saved API key")),
                 qPrintable(note->property("text").toString()));
        QCOMPARE(keyField->property("placeholderText").toString(), QStringLiteral("Enter the key again"));

        QVERIFY(save());
        QCOMPARE(endpointNamed(c, QStringLiteral("Moving")).value(QStringLiteral("baseUrl")).toString(),
                 second.baseUrl());
        QVERIFY(note->isVisible());
        QVERIFY2(note->property("text").toString().contains(QLatin1String("was forgotten")),
                 qPrintable(note->property("text").toString()));
        QCOMPARE(keyField->property("placeholderText").toString(), QStringLiteral("Enter the key again"));

        c.remote()->refreshModels(id);
        QVERIFY(models.wait(5000));
        QCOMPARE(second.requests().size(), 1);
        QVERIFY(!second.requests()[0].headers.contains("authorization"));
        QVERIFY(!second.everythingReceived().contains(kSecret.toUtf8()));
    }

    void allowInsecureIsStoredWithTheEndpoint()
    {
        AppController& c = m_app->controller();
        QQuickItem* box = item(QStringLiteral("allowInsecureBox"));
        QVERIFY(QMetaObject::invokeMethod(m_page.get(), "edit", Q_ARG(QVariant, QString()), Q_ARG(QVariant, QString()),
                                          Q_ARG(QVariant, QString()), Q_ARG(QVariant, false)));
        type(QStringLiteral("endpointUrlField"), QStringLiteral("https://lan.example"));
        QVERIFY(!box->isVisible());   // only plain http:// needs it
        type(QStringLiteral("endpointNameField"), QStringLiteral("LAN"));
        type(QStringLiteral("endpointUrlField"), QStringLiteral("http://192.168.1.20:8080"));
        QVERIFY(box->isVisible());
        QCOMPARE(box->property("text").toString(), QStringLiteral("Allow insecure connection (key sent unencrypted)"));
        QVERIFY(!box->property("checked").toBool());
        box->setProperty("checked", true);
        QVERIFY(save());
        const QVariantMap saved = endpointNamed(c, QStringLiteral("LAN"));
        QCOMPARE(saved.value(QStringLiteral("allowInsecureHttp")).toBool(), true);

        // Selecting another endpoint shows its own choice.
        QVERIFY(QMetaObject::invokeMethod(m_page.get(), "edit", Q_ARG(QVariant, QStringLiteral("mistral")),
                                          Q_ARG(QVariant, QStringLiteral("Mistral AI")),
                                          Q_ARG(QVariant, QStringLiteral("https://api.mistral.ai")),
                                          Q_ARG(QVariant, false)));
        QVERIFY(!box->property("checked").toBool());
    }

    void cleanupTestCase()
    {
        m_page.reset();
        m_app.reset();
    }
};

QTEST_MAIN(TestRemoteSettings)
#include "tst_remotesettings.moc"
