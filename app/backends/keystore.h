#pragma once
// API keys per endpoint id, kept in the OS keychain through QtKeychain (service "Causerie").
// When no keychain is reachable (no Secret Service / KWallet on D-Bus, user refused, ...)
// the key is kept in memory for this session only, and persistence() says so, so the UI
// can tell the user "key kept for this session only". Keys are never written anywhere
// else: QtKeychain's plain-text "insecure fallback" is never enabled.
#include "apikey.h"

#include <QHash>
#include <QObject>

namespace QKeychain {
class Job;
}

class KeyStore : public QObject {
    Q_OBJECT
    Q_PROPERTY(Persistence persistence READ persistence NOTIFY persistenceChanged)
public:
    enum Persistence {
        Unknown,       // nothing tried yet
        Keychain,      // keys survive restarts, in the OS keychain
        SessionOnly,   // no keychain: keys live in memory until the app quits
    };
    Q_ENUM(Persistence)

    explicit KeyStore(QObject* parent = nullptr);
    KeyStore(const QString& service, QObject* parent);

    Persistence persistence() const { return m_persistence; }

    // false: never touch the OS keychain (memory only, SessionOnly). For the CLI and tests.
    void setKeychainEnabled(bool enabled);

    // Asynchronous; each ends with the matching signal, also on fallback.
    void checkAvailability();                                      // → persistenceChanged() once, even if unchanged
    void writeKey(const QString& endpointId, const ApiKey& key);   // → keyWritten()
    void readKey(const QString& endpointId);                       // → keyRead(), never a stale value
    void removeKey(const QString& endpointId);                     // → keyRemoved()

Q_SIGNALS:
    void persistenceChanged(KeyStore::Persistence persistence);
    void keyWritten(const QString& endpointId, KeyStore::Persistence where);
    // key is empty when none is stored for the endpoint.
    void keyRead(const QString& endpointId, const ApiKey& key);
    void keyRemoved(const QString& endpointId);

private:
    void setPersistence(Persistence p);
    bool keychainUsable() const { return m_keychainEnabled && m_persistence != SessionOnly; }
    void fallBack(QKeychain::Job* job);

    QString m_service;
    bool m_keychainEnabled = true;
    Persistence m_persistence = Unknown;
    QHash<QString, ApiKey> m_memory;   // endpoint id → key, only when the keychain failed
    // endpoint id → writes and removals so far: a read that overlapped one is stale (it may
    // hold the key of the endpoint's previous address) and is read again.
    QHash<QString, quint64> m_changes;
};
