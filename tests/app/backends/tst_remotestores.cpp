// EndpointStore (QSettings, no secrets), KeyStore (QtKeychain, session-only fallback), and the
// endpoint policy: which addresses are accepted and where a key may go.
#include "apikey.h"
#include "credentialrows.h"
#include "endpointpolicy.h"
#include "endpointstore.h"
#include "keystore.h"
#include "remotelog.h"

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
}   // namespace

class TestRemoteStores : public QObject {
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
            QCOMPARE(store.endpoint(localId).name, QStringLiteral("127.0.0.1"));   // unnamed → host
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

    void credentialsInBaseUrlRefused_data()
    {
        addCredentialColumns();
        addCredentialRow("user:pass@", "https://bob:%1@api.example.com/v1", "hunter2-pw-77", "password");
        addCredentialRow("user@", "https://%1@api.example.com", "tok-93be1c0d", "password");
        addCredentialRow("?api-key=", "https://api.example.com/v1?api-key=%1", "qk-51a7e3", "query string");
        addCredentialRow("?key=", "https://api.example.com?key=%1", "qk-51a7e3", "query string");
        addCredentialRow("other query", "https://api.example.com/v1?%1", "region=eu", "query string");
        addCredentialRow("fragment", "https://api.example.com/v1#%1", "qk-51a7e3", "fragment");
    }
    // Refused at the point it is saved, with the reason, and the message never repeats the
    // credentials it refuses (it is shown in a dialog and may be logged).
    void credentialsInBaseUrlRefused()
    {
        QFETCH(QString, url);
        QFETCH(QString, secret);
        QFETCH(QString, reason);
        const QString problem = baseUrlProblem(url);
        QVERIFY2(problem.contains(reason), qPrintable(problem));
        QVERIFY2(problem.contains("api.example.com"), qPrintable(problem));   // names the endpoint
        QVERIFY2(!problem.contains(secret), qPrintable(problem));

        QSettings settings(m_dir.filePath("credentials.ini"), QSettings::IniFormat);
        EndpointStore store(&settings);
        QSignalSpy changed(&store, &EndpointStore::endpointsChanged);
        QVERIFY(store.save({{}, QStringLiteral("with credentials"), url}).isEmpty());
        QCOMPARE(store.errorString(), problem);
        QCOMPARE(changed.count(), 0);
        QCOMPARE(store.endpoints().size(), 1);   // only the default
        settings.sync();
        QVERIFY(filesContaining(m_dir.path(), secret).isEmpty());
    }

    void usableBaseUrls()
    {
        for (const char* url : {"https://api.mistral.ai", "https://api.mistral.ai/v1/", "http://127.0.0.1:8080",
                                "http://[::1]:8080/llm", "https://compute.example.eu:8443/v1"})
            QVERIFY2(baseUrlProblem(QString::fromLatin1(url)).isEmpty(), url);
        QVERIFY(baseUrlProblem(QStringLiteral("ftp://x")).contains("ftp://x"));
        QVERIFY(baseUrlProblem(QStringLiteral("not a url")).contains("http://"));
    }

    void redactedUrls_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("clean") << "https://api.mistral.ai/v1"
                               << "https://api.mistral.ai/v1";
        QTest::newRow("user:pass") << "https://bob:pw-secret@api.example.com:8443/v1"
                                   << "https://api.example.com:8443/v1";
        QTest::newRow("query") << "https://api.example.com/v1/chat?api-key=pw-secret&x=1"
                               << "https://api.example.com/v1/chat";
        QTest::newRow("fragment") << "http://127.0.0.1:8080/#pw-secret"
                                  << "http://127.0.0.1:8080/";
        // Not a URL Qt accepts: still cut by hand.
        QTest::newRow("broken") << "https://bob:pw-secret@exa mple.com/v1?key=pw-secret"
                                << "https://exa mple.com/v1";
        QTest::newRow("no scheme") << "bob:pw-secret@host name?key=pw-secret"
                                   << "host name";
    }
    void redactedUrls()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QCOMPARE(redactedUrlText(text), expected);
        QVERIFY(!redactedUrl(QUrl(text)).contains("pw-secret"));
    }

    // Qt's error strings name the URL they failed on.
    void urlsInErrorStrings()
    {
        QCOMPARE(withRedactedUrls(QStringLiteral("Error transferring https://h.example/v1/chat?sig=pw-secret - server "
                                                 "replied: Bad Gateway")),
                 QStringLiteral("Error transferring https://h.example/v1/chat - server replied: Bad Gateway"));
        QCOMPARE(withRedactedUrls(
                     QStringLiteral("from http://u:pw-secret@a.example/x#f to \"HTTPS://b.example?k=pw-secret\".")),
                 QStringLiteral("from http://a.example/x to \"https://b.example\"."));
        QCOMPARE(withRedactedUrls(QStringLiteral("Connection refused")), QStringLiteral("Connection refused"));
    }

    void loopbackHosts_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("loopback");
        QTest::newRow("127.0.0.1") << "127.0.0.1" << true;
        QTest::newRow("127.1.2.3") << "127.1.2.3" << true;
        QTest::newRow("::1") << "::1" << true;
        QTest::newRow("mapped") << "::ffff:127.0.0.1" << true;
        QTest::newRow("localhost") << "localhost" << true;
        QTest::newRow("LocalHost") << "LocalHost" << true;
        QTest::newRow("128.0.0.1") << "128.0.0.1" << false;
        QTest::newRow("10.0.0.2") << "10.0.0.2" << false;
        QTest::newRow("192.168.1.20") << "192.168.1.20" << false;
        QTest::newRow("0.0.0.0") << "0.0.0.0" << false;
        QTest::newRow("::") << "::" << false;
        QTest::newRow("localhost.example") << "localhost.example.com" << false;
        QTest::newRow("127.0.0.1.nip") << "127.0.0.1.example.com" << false;
        QTest::newRow("name") << "llm.lan" << false;
    }
    void loopbackHosts()
    {
        QFETCH(QString, host);
        QFETCH(bool, loopback);
        QCOMPARE(isLoopbackHost(host), loopback);
    }

    void insecureKeyPolicy()
    {
        const QUrl lan(QStringLiteral("http://192.168.1.20:8080/v1/chat/completions"));
        const QString refusal = insecureKeyProblem(lan, /*hasKey=*/true, /*allow=*/false, QStringLiteral("Home GPU"));
        QVERIFY2(refusal.contains("Home GPU") && refusal.contains("http://192.168.1.20:8080") &&
                     refusal.contains("unencrypted"),
                 qPrintable(refusal));
        QVERIFY(insecureKeyProblem(lan, true, /*allow=*/true, {}).isEmpty());
        QVERIFY(insecureKeyProblem(lan, /*hasKey=*/false, false, {}).isEmpty());   // local servers without a key
        QVERIFY(insecureKeyProblem(QUrl("https://192.168.1.20/v1/models"), true, false, {}).isEmpty());
        QVERIFY(insecureKeyProblem(QUrl("http://127.0.0.1:8080/v1/models"), true, false, {}).isEmpty());
        QVERIFY(insecureKeyProblem(QUrl("http://localhost:8080/v1/models"), true, false, {}).isEmpty());
        QVERIFY(insecureKeyProblem(QUrl("http://[::1]:8080/v1/models"), true, false, {}).isEmpty());
        QVERIFY(!insecureKeyProblem(QUrl("http://api.example.com/v1/models"), true, false, {}).isEmpty());
    }

    void origins()
    {
        QVERIFY(sameOrigin(QStringLiteral("https://api.mistral.ai"), QStringLiteral("https://api.mistral.ai/v1/")));
        QVERIFY(sameOrigin(QStringLiteral("https://api.mistral.ai"), QStringLiteral("https://API.mistral.ai:443")));
        QVERIFY(sameOrigin(QStringLiteral("http://h"), QStringLiteral("http://h:80/llm")));
        QVERIFY(!sameOrigin(QStringLiteral("https://api.mistral.ai"), QStringLiteral("http://api.mistral.ai")));
        QVERIFY(!sameOrigin(QStringLiteral("https://api.mistral.ai"), QStringLiteral("https://api.mistral.ai:8443")));
        QVERIFY(!sameOrigin(QStringLiteral("https://api.mistral.ai"),
                            QStringLiteral("https://api.mistral.ai.evil.example")));
    }

    void allowInsecureHttpIsStoredWithTheEndpoint()
    {
        const QString path = m_dir.filePath("insecure.ini");
        QString id;
        {
            QSettings settings(path, QSettings::IniFormat);
            EndpointStore store(&settings);
            id = store.save({{}, QStringLiteral("LAN"), QStringLiteral("http://192.168.1.20:8080"), true});
            QVERIFY(!id.isEmpty());
            QVERIFY(!store.endpoint(QStringLiteral("mistral")).allowInsecureHttp);   // off by default
        }
        QSettings settings(path, QSettings::IniFormat);
        EndpointStore reloaded(&settings);
        QVERIFY(reloaded.endpoint(id).allowInsecureHttp);
        QVERIFY(
            !reloaded.save({id, QStringLiteral("LAN"), QStringLiteral("http://192.168.1.20:8080"), false}).isEmpty());
        QVERIFY(!reloaded.endpoint(id).allowInsecureHttp);
    }

    // Moving an endpoint to another scheme, host or port forgets its key (in the real KeyStore,
    // here its memory mode); renaming it or changing the path keeps it.
    void movingAnEndpointForgetsItsKey()
    {
        QSettings settings(m_dir.filePath("moves.ini"), QSettings::IniFormat);
        EndpointStore store(&settings);
        KeyStore keys;
        keys.setKeychainEnabled(false);
        store.setKeyStore(&keys);
        QSignalSpy forgotten(&store, &EndpointStore::keyForgotten);
        QSignalSpy written(&keys, &KeyStore::keyWritten);
        QSignalSpy read(&keys, &KeyStore::keyRead);
        const auto storedKey = [&](const QString& id) {
            read.clear();
            keys.readKey(id);
            return read.wait(5000) ? read[0][1].value<ApiKey>().reveal() : QStringLiteral("(no answer)");
        };

        const QString id = store.save({{}, QStringLiteral("Compute"), QStringLiteral("https://compute.example.eu/v1")});
        keys.writeKey(id, ApiKey(kSecret));
        QVERIFY(written.wait(5000));
        QCOMPARE(storedKey(id), kSecret);

        const struct {
            const char* url;
            bool forgets;
        } steps[] = {
            {"https://compute.example.eu/v1", false},         // renamed only (below)
            {"https://compute.example.eu/other/v1", false},   // another path, same server
            {"https://compute.example.eu:443", false},        // the default port, written out
            {"https://compute.example.eu:8443", true},        // port
            {"http://compute.example.eu:8443", true},         // scheme
            {"http://evil.example:8443", true},               // host
        };
        for (const auto& step : steps) {
            if (storedKey(id).isEmpty()) {   // put the key back after a step that forgot it
                keys.writeKey(id, ApiKey(kSecret));
                QVERIFY(written.wait(5000));
            }
            forgotten.clear();
            QVERIFY(!store.save({id, QStringLiteral("Renamed"), QString::fromLatin1(step.url)}).isEmpty());
            QCOMPARE(forgotten.count(), step.forgets ? 1 : 0);
            QCOMPARE(storedKey(id), step.forgets ? QString() : kSecret);
        }
        QCOMPARE(store.endpoint(id).baseUrl, QStringLiteral("http://evil.example:8443"));
    }

    // A read that overlaps a removal must not answer with the removed key: the controller would
    // hand the old server's key to the moved endpoint.
    void readOverlappingARemovalIsNotStale()
    {
        KeyStore keys;
        keys.setKeychainEnabled(false);
        QSignalSpy written(&keys, &KeyStore::keyWritten);
        keys.writeKey(QStringLiteral("ep"), ApiKey(kSecret));
        QVERIFY(written.wait(5000));
        QSignalSpy read(&keys, &KeyStore::keyRead);
        keys.readKey(QStringLiteral("ep"));
        keys.removeKey(QStringLiteral("ep"));
        QVERIFY(read.wait(5000));
        QVERIFY(read[0][1].value<ApiKey>().isEmpty());
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
        QVERIFY(persistence.wait(10000));   // D-Bus failures are immediate; 10 s is only a ceiling
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

    // A read asked for right after a write, both before the keychain answered (the app saves a
    // key, then lists the endpoint's models): the write falls back to memory, the read must too.
    void readRightAfterAFailedWrite()
    {
        KeyStore store(QStringLiteral("Causerie-test-%1").arg(QCoreApplication::applicationPid()), nullptr);
        QSignalSpy read(&store, &KeyStore::keyRead);
        store.writeKey(QStringLiteral("ep3"), ApiKey(kSecret));
        store.readKey(QStringLiteral("ep3"));
        QVERIFY(read.wait(10000));
        QCOMPARE(store.persistence(), KeyStore::SessionOnly);
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
        QCOMPARE(written.count(), 0);   // asynchronous even in memory
        QVERIFY(written.wait(1000));
    }

    void keyInNoFileWeWrote()
    {
        // Everything above wrote to m_dir (settings) or the test-mode standard locations.
        QVERIFY2(filesContaining(m_dir.path(), kSecret).isEmpty(),
                 qPrintable(filesContaining(m_dir.path(), kSecret).join(", ")));
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
