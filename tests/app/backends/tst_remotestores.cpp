// EndpointStore (QSettings, no secrets) and KeyStore (QtKeychain, session-only fallback).
#include "apikey.h"
#include "endpointstore.h"
#include "keystore.h"

#include <QDirIterator>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {
const QString kSecret = QStringLiteral("sk-test-9f8e7d6c5b4a39281706");

// Every file under dir whose bytes contain needle (UTF-8 or UTF-16, as Qt may write either).
QStringList filesContaining(const QString& dir, const QString& needle)
{
    QStringList hits;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QByteArray bytes = f.readAll();
        const QByteArray utf16(reinterpret_cast<const char*>(needle.utf16()), needle.size() * 2);
        if (bytes.contains(needle.toUtf8()) || bytes.contains(utf16))
            hits << f.fileName();
    }
    return hits;
}
} // namespace

class TestRemoteStores : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        // No session bus: whatever keychain this machine has, KeyStore must take its
        // fallback path here (the machine this suite targets has no Secret Service anyway).
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/causerie-test-bus");
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void defaultEndpointWhenNothingSaved()
    {
        QSettings settings(m_dir.filePath("empty.ini"), QSettings::IniFormat);
        EndpointStore store(&settings);
        const QList<RemoteEndpoint> list = store.endpoints();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list[0].id, QStringLiteral("mistral"));
        QCOMPARE(list[0].baseUrl, QStringLiteral("https://api.mistral.ai"));
    }

    void saveUpdateRemoveAndReload()
    {
        const QString path = m_dir.filePath("endpoints.ini");
        QString computeId;
        {
            QSettings settings(path, QSettings::IniFormat);
            EndpointStore store(&settings);
            QSignalSpy changed(&store, &EndpointStore::endpointsChanged);
            computeId = store.save({{}, QStringLiteral("Compute EU"), QStringLiteral("https://compute.example.eu/v1")});
            QVERIFY(!computeId.isEmpty());
            const QString localId = store.save({{}, {}, QStringLiteral("http://127.0.0.1:8080")});
            QCOMPARE(store.endpoint(localId).name, QStringLiteral("127.0.0.1")); // unnamed → host
            // The default Mistral endpoint is kept beside the user's own (removable like any other).
            QCOMPARE(store.endpoints().size(), 3);
            QCOMPARE(store.endpoints().first().id, QStringLiteral("mistral"));
            QVERIFY(store.remove(localId));
            QVERIFY(!store.remove(localId));
            QCOMPARE(changed.count(), 3);

            QVERIFY(store.save({{}, QStringLiteral("bad"), QStringLiteral("ftp://x")}).isEmpty());
            QVERIFY(store.errorString().contains("ftp://x"));
            QVERIFY(store.save({{}, QStringLiteral("bad"), QStringLiteral("not a url")}).isEmpty());
        }
        QSettings settings(path, QSettings::IniFormat);
        EndpointStore reloaded(&settings);
        QCOMPARE(reloaded.endpoints().size(), 2);
        QVERIFY(reloaded.remove(QStringLiteral("mistral")));
        QCOMPARE(reloaded.endpoints().size(), 1);
        const RemoteEndpoint e = reloaded.endpoint(computeId);
        QCOMPARE(e.name, QStringLiteral("Compute EU"));
        QCOMPARE(e.baseUrl, QStringLiteral("https://compute.example.eu/v1"));
        QVERIFY(reloaded.endpoint(QStringLiteral("nope")).id.isEmpty());

        QVERIFY(!reloaded.save({computeId, QStringLiteral("Renamed"), e.baseUrl}).isEmpty());
        QCOMPARE(reloaded.endpoints().size(), 1);
        QCOMPARE(reloaded.endpoint(computeId).name, QStringLiteral("Renamed"));
    }

    void apiKeyNeverPrinted()
    {
        QString printed;
        QDebug(&printed) << ApiKey(kSecret) << QVariant::fromValue(ApiKey(kSecret));
        QVERIFY2(!printed.contains(kSecret), qPrintable(printed));
        QVERIFY(printed.contains("redacted"));
        QCOMPARE(ApiKey(kSecret).reveal(), kSecret);
        QVERIFY(ApiKey().isEmpty());
    }

    // The real QtKeychain path with no keychain reachable: the key must still work for
    // this session, and the store must say it is session-only.
    void keychainUnavailableFallsBackToMemory()
    {
        KeyStore store(QStringLiteral("Causerie-test-%1").arg(QCoreApplication::applicationPid()), nullptr);
        QCOMPARE(store.persistence(), KeyStore::Unknown);
        QSignalSpy persistence(&store, &KeyStore::persistenceChanged);
        store.checkAvailability();
        QVERIFY(persistence.wait(10000)); // D-Bus failures are immediate; 10 s is only a ceiling
        QCOMPARE(store.persistence(), KeyStore::SessionOnly);
        QTest::qWait(20);
        QCOMPARE(persistence.count(), 1);

        QSignalSpy written(&store, &KeyStore::keyWritten);
        store.writeKey(QStringLiteral("ep1"), ApiKey(kSecret));
        QVERIFY(written.wait(10000));
        QCOMPARE(written[0][0].toString(), QStringLiteral("ep1"));
        QCOMPARE(written[0][1].value<KeyStore::Persistence>(), KeyStore::SessionOnly);

        QSignalSpy read(&store, &KeyStore::keyRead);
        store.readKey(QStringLiteral("ep1"));
        QVERIFY(read.wait(10000));
        QCOMPARE(read[0][1].value<ApiKey>().reveal(), kSecret);

        store.readKey(QStringLiteral("other"));
        QVERIFY(read.wait(10000));
        QVERIFY(read[1][1].value<ApiKey>().isEmpty());

        QSignalSpy removed(&store, &KeyStore::keyRemoved);
        store.removeKey(QStringLiteral("ep1"));
        QVERIFY(removed.wait(10000));
        store.readKey(QStringLiteral("ep1"));
        QVERIFY(read.wait(10000));
        QVERIFY(read[2][1].value<ApiKey>().isEmpty());
    }

    // First write goes to QtKeychain without a probe: the fallback must kick in there too.
    void fallbackOnFirstWrite()
    {
        KeyStore store(QStringLiteral("Causerie-test-%1").arg(QCoreApplication::applicationPid()), nullptr);
        QSignalSpy written(&store, &KeyStore::keyWritten);
        store.writeKey(QStringLiteral("ep2"), ApiKey(kSecret));
        QVERIFY(written.wait(10000));
        QCOMPARE(store.persistence(), KeyStore::SessionOnly);
        QSignalSpy read(&store, &KeyStore::keyRead);
        store.readKey(QStringLiteral("ep2"));
        QVERIFY(read.wait(10000));
        QCOMPARE(read[0][1].value<ApiKey>().reveal(), kSecret);
    }

    void keychainDisabledIsSessionOnly()
    {
        KeyStore store;
        QSignalSpy persistence(&store, &KeyStore::persistenceChanged);
        store.setKeychainEnabled(false);
        QCOMPARE(store.persistence(), KeyStore::SessionOnly);
        QCOMPARE(persistence.count(), 1);
        QSignalSpy written(&store, &KeyStore::keyWritten);
        store.writeKey(QStringLiteral("x"), ApiKey(kSecret));
        QCOMPARE(written.count(), 0); // asynchronous even in memory
        QVERIFY(written.wait(1000));
    }

    void keyInNoFileWeWrote()
    {
        // Everything above wrote to m_dir (settings) or the test-mode standard locations.
        QVERIFY2(filesContaining(m_dir.path(), kSecret).isEmpty(), qPrintable(filesContaining(m_dir.path(), kSecret).join(", ")));
        for (auto loc : {QStandardPaths::AppConfigLocation, QStandardPaths::AppDataLocation,
                         QStandardPaths::GenericConfigLocation, QStandardPaths::CacheLocation}) {
            const QString dir = QStandardPaths::writableLocation(loc);
            if (QDir(dir).exists())
                QVERIFY2(filesContaining(dir, kSecret).isEmpty(), qPrintable(dir));
        }
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestRemoteStores)
#include "tst_remotestores.moc"
