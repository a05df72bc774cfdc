#pragma once
// Settings → Engine's view of the saved conversation states (the data folder's cache/): their
// size, the Clear cache button, and the size budget from AppSettings passed on to the engine.
// GUI thread; the files themselves are handled on the engine thread (LocalBackend).
#include <QObject>
#include <QtQml/qqmlregistration.h>
#include <QString>

class AppSettings;
class LocalBackend;

class KvCacheController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("App.kvCache")
    Q_PROPERTY(qint64 size READ size NOTIFY sizeChanged)            // bytes
    Q_PROPERTY(QString sizeText READ sizeText NOTIFY sizeChanged)   // "1.2 GB", by locale
    // "Cache cleared" once a clear() is done, until the cache grows again; else "".
    Q_PROPERTY(QString status READ status NOTIFY statusChanged)
public:
    // Points `backend` at `<dataDir>/cache` with the budget of `settings`, and follows it.
    KvCacheController(LocalBackend* backend, AppSettings* settings, const QString& dataDir, QObject* parent = nullptr);

    static QString folderFor(const QString& dataDir);

    qint64 size() const;
    QString sizeText() const;
    QString status() const { return m_status; }

    Q_INVOKABLE void clear();
    // A deleted conversation's saved state goes with it.
    void forgetConversation(qint64 conversationId);

Q_SIGNALS:
    void sizeChanged();
    void statusChanged();

private:
    void setStatus(const QString& status);

    LocalBackend* m_backend;
    AppSettings* m_settings;
    qint64 m_budget = -1;   // last passed on
    QString m_status;
};
