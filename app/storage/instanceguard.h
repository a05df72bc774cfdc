#pragma once
// One running Causerie per data folder, so two writers never fight over the database.
// The first instance holds a lock file in the folder and listens on a local socket named
// after the folder; a second instance finds the lock taken and asks the first to raise
// its window instead of opening the database.
#include <QLockFile>
#include <QObject>
#include <QString>

#include <memory>

class QLocalServer;

namespace causerie::storage {

class InstanceGuard : public QObject {
    Q_OBJECT
public:
    enum class Role { Primary, Secondary, Failed };
    Q_ENUM(Role)

    explicit InstanceGuard(const QString& dataDir, QObject* parent = nullptr);
    ~InstanceGuard() override;

    // Primary: this process owns the folder. Secondary: another live process does (call
    // requestRaise() and quit). Failed: errorString() says why (e.g. the folder is not writable).
    Role acquire();
    // From a secondary: asks the primary to show its window. Returns false if it did not answer.
    bool requestRaise(int timeoutMs = 2000);
    QString errorString() const { return m_error; }
    QString serverName() const { return m_serverName; }   // final after acquire()

Q_SIGNALS:
    // In the primary: another instance was started on the same folder.
    void raiseRequested();

private:
    void onNewConnection();

    QString m_dataDir;
    QString m_serverName;
    QString m_error;
    std::unique_ptr<QLockFile> m_lock;
    QLocalServer* m_server = nullptr;
};

}   // namespace causerie::storage
