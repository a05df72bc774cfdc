#include "keystore.h"

#include "remotelog.h"

#include <qt6keychain/keychain.h>

#include <QTimer>

namespace {
// A key name no endpoint uses: reading it tells whether the keychain answers at all.
const QString kProbeKey = QStringLiteral("causerie-availability-probe");
}   // namespace

KeyStore::KeyStore(QObject* parent)
    : KeyStore(QStringLiteral("Causerie"), parent)
{
}

KeyStore::KeyStore(const QString& service, QObject* parent)
    : QObject(parent)
    , m_service(service)
{
    qRegisterMetaType<ApiKey>();
}

void KeyStore::setKeychainEnabled(bool enabled)
{
    m_keychainEnabled = enabled;
    if (!enabled)
        setPersistence(SessionOnly);
}

void KeyStore::setPersistence(Persistence p)
{
    if (m_persistence == p)
        return;
    m_persistence = p;
    Q_EMIT persistenceChanged(p);
}

void KeyStore::fallBack(QKeychain::Job* job)
{
    // errorString() comes from the keychain backend (D-Bus messages); it names no secret.
    qCWarning(lcRemote).noquote() << QStringLiteral("OS keychain unavailable (error %1: %2); API keys are kept for "
                                                    "this session only")
                                         .arg(int(job->error()))
                                         .arg(job->errorString());
    setPersistence(SessionOnly);
}

void KeyStore::checkAvailability()
{
    if (!keychainUsable()) {
        // Queued so callers see the same asynchronous behaviour either way.
        QTimer::singleShot(0, this, [this] { Q_EMIT persistenceChanged(m_persistence); });
        return;
    }
    auto* job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(kProbeKey);
    connect(job, &QKeychain::Job::finished, this, [this](QKeychain::Job* j) {
        const Persistence before = m_persistence;
        if (j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound)
            setPersistence(Keychain);
        else
            fallBack(j);
        if (m_persistence == before)   // the answer is due even when nothing changed
            Q_EMIT persistenceChanged(m_persistence);
    });
    job->start();
}

void KeyStore::writeKey(const QString& endpointId, const ApiKey& key)
{
    ++m_changes[endpointId];
    if (!keychainUsable()) {
        m_memory.insert(endpointId, key);
        QTimer::singleShot(0, this, [this, endpointId] { Q_EMIT keyWritten(endpointId, m_persistence); });
        return;
    }
    auto* job = new QKeychain::WritePasswordJob(m_service, this);
    job->setKey(endpointId);
    job->setTextData(key.reveal());
    connect(job, &QKeychain::Job::finished, this, [this, endpointId, key](QKeychain::Job* j) {
        if (j->error() == QKeychain::NoError) {
            m_memory.remove(endpointId);
            setPersistence(Keychain);
        } else {
            fallBack(j);
            m_memory.insert(endpointId, key);
        }
        qCInfo(lcRemote) << "API key saved for endpoint" << endpointId << "in"
                         << (m_persistence == Keychain ? "the OS keychain" : "memory (this session only)");
        Q_EMIT keyWritten(endpointId, m_persistence);
    });
    job->start();
}

void KeyStore::readKey(const QString& endpointId)
{
    if (!keychainUsable() || m_memory.contains(endpointId)) {
        // Looked up when emitted, so a removal in between is seen.
        QTimer::singleShot(0, this, [this, endpointId] { Q_EMIT keyRead(endpointId, m_memory.value(endpointId)); });
        return;
    }
    auto* job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(endpointId);
    const quint64 changesBefore = m_changes.value(endpointId);
    connect(job, &QKeychain::Job::finished, this, [this, endpointId, changesBefore](QKeychain::Job* j) {
        if (m_changes.value(endpointId) != changesBefore) {
            readKey(endpointId);   // jobs run in order: this one comes after the change
            return;
        }
        ApiKey key;
        if (j->error() == QKeychain::NoError) {
            setPersistence(Keychain);
            key = ApiKey(static_cast<QKeychain::ReadPasswordJob*>(j)->textData());
        } else if (j->error() == QKeychain::EntryNotFound) {
            setPersistence(Keychain);
        } else {
            fallBack(j);
            key = m_memory.value(endpointId);   // a write that failed just before kept it there
        }
        Q_EMIT keyRead(endpointId, key);
    });
    job->start();
}

void KeyStore::removeKey(const QString& endpointId)
{
    ++m_changes[endpointId];
    m_memory.remove(endpointId);
    if (!keychainUsable()) {
        QTimer::singleShot(0, this, [this, endpointId] { Q_EMIT keyRemoved(endpointId); });
        return;
    }
    auto* job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setKey(endpointId);
    connect(job, &QKeychain::Job::finished, this, [this, endpointId](QKeychain::Job* j) {
        if (j->error() != QKeychain::NoError && j->error() != QKeychain::EntryNotFound)
            fallBack(j);
        Q_EMIT keyRemoved(endpointId);
    });
    job->start();
}
