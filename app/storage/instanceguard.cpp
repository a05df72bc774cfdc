#include "instanceguard.h"

#include "storagelog.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QLocalServer>
#include <QLocalSocket>

namespace causerie::storage {

namespace {
const QByteArray kRaiseCommand = "raise\n";
}

namespace {
// Socket names are short file names in /tmp on Unix: derive one from the folder path.
QString serverNameFor(const QString& dir)
{
    const QByteArray hash = QCryptographicHash::hash(QFile::encodeName(dir), QCryptographicHash::Sha256).toHex();
    return QStringLiteral("causerie-") + QString::fromLatin1(hash.left(24));
}
}   // namespace

InstanceGuard::InstanceGuard(const QString& dataDir, QObject* parent)
    : QObject(parent)
    , m_dataDir(QFileInfo(dataDir).absoluteFilePath())
    , m_serverName(serverNameFor(m_dataDir))
{
}

InstanceGuard::~InstanceGuard()
{
    if (m_server)
        m_server->close();
    if (m_lock)
        m_lock->unlock();
}

InstanceGuard::Role InstanceGuard::acquire()
{
    if (!QDir().mkpath(m_dataDir)) {
        m_error = tr("Cannot create the data folder %1; check its permissions.").arg(m_dataDir);
        return Role::Failed;
    }
    // The same folder reached through a symlink must give the same socket name.
    if (const QString canonical = QFileInfo(m_dataDir).canonicalFilePath(); !canonical.isEmpty()) {
        m_dataDir = canonical;
        m_serverName = serverNameFor(canonical);
    }
    m_lock = std::make_unique<QLockFile>(QDir(m_dataDir).filePath(QStringLiteral("causerie.lock")));
    // 0: never treat a lock as stale by age; a lock whose process died is still detected
    // (QLockFile checks the recorded PID) and taken over.
    m_lock->setStaleLockTime(0);
    if (!m_lock->tryLock(0)) {
        switch (m_lock->error()) {
        case QLockFile::LockFailedError:
            m_error = tr("Causerie is already running with the data folder %1.").arg(m_dataDir);
            return Role::Secondary;
        case QLockFile::PermissionError:
            m_error = tr("The data folder %1 is not writable; Causerie cannot keep its "
                         "conversations there.")
                          .arg(m_dataDir);
            return Role::Failed;
        default: m_error = tr("Cannot lock the data folder %1.").arg(m_dataDir); return Role::Failed;
        }
    }
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    // We hold the lock, so a leftover socket file can only come from a crashed instance.
    QLocalServer::removeServer(m_serverName);
    if (!m_server->listen(m_serverName)) {
        // Still the only writer; only "raise the window" will not work.
        qCWarning(lcStorage) << "instance guard cannot listen on" << m_serverName << ":" << m_server->errorString();
    }
    connect(m_server, &QLocalServer::newConnection, this, &InstanceGuard::onNewConnection);
    return Role::Primary;
}

void InstanceGuard::onNewConnection()
{
    while (QLocalSocket* socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
            if (!socket->canReadLine())
                return;
            if (socket->readLine(64) == kRaiseCommand)
                Q_EMIT raiseRequested();
            socket->disconnectFromServer();
        });
    }
}

bool InstanceGuard::requestRaise(int timeoutMs)
{
    QLocalSocket socket;
    socket.connectToServer(m_serverName);
    if (!socket.waitForConnected(timeoutMs)) {
        m_error = tr("The running Causerie did not answer: %1").arg(socket.errorString());
        return false;
    }
    socket.write(kRaiseCommand);
    if (!socket.waitForBytesWritten(timeoutMs)) {
        m_error = tr("The running Causerie did not answer: %1").arg(socket.errorString());
        return false;
    }
    socket.disconnectFromServer();
    return true;
}

}   // namespace causerie::storage
