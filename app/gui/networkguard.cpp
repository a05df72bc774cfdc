#include "networkguard.h"

#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

Q_LOGGING_CATEGORY(lcNetworkGuard, "causerie.network", QtInfoMsg)

namespace {

// A reply that has already failed: no socket, no DNS lookup, no file opened. Its signals come
// from the event loop, as a real reply's would, so callers connected after get() see them.
class RefusedReply : public QNetworkReply {
public:
    RefusedReply(QNetworkAccessManager::Operation op, const QNetworkRequest& request, QObject* parent)
        : QNetworkReply(parent)
    {
        setRequest(request);
        setUrl(request.url());
        setOperation(op);
        QNetworkReply::open(QIODevice::ReadOnly);
        setError(
            ContentAccessDenied,
            QStringLiteral("Refused: the window loads nothing from %1").arg(NetworkGuard::loggable(request.url())));
        setFinished(true);
        QMetaObject::invokeMethod(
            this,
            [this] {
                Q_EMIT errorOccurred(error());
                Q_EMIT finished();
            },
            Qt::QueuedConnection);
    }
    void abort() override {}
    qint64 bytesAvailable() const override { return 0; }

protected:
    qint64 readData(char*, qint64) override { return -1; }
};

class GuardedAccessManager : public QNetworkAccessManager {
public:
    GuardedAccessManager(NetworkGuard* guard, QObject* parent)
        : QNetworkAccessManager(parent)
        , m_guard(guard)
    {
    }

protected:
    QNetworkReply* createRequest(Operation op, const QNetworkRequest& request, QIODevice* data) override
    {
        const bool allowed = NetworkGuard::isAllowed(request.url());
        m_guard->attempted(request.url(), !allowed);
        if (allowed)
            return QNetworkAccessManager::createRequest(op, request, data);
        return new RefusedReply(op, request, this);
    }

private:
    NetworkGuard* m_guard;
};

}   // namespace

void NetworkRecorder::record(const QUrl& url)
{
    QMutexLocker lock(&m_mutex);
    m_urls.append(url);
}

int NetworkRecorder::attempts() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_urls.size());
}

QList<QUrl> NetworkRecorder::urls() const
{
    QMutexLocker lock(&m_mutex);
    return m_urls;
}

QNetworkAccessManager* NetworkGuard::create(QObject* parent) { return new GuardedAccessManager(this, parent); }

void NetworkGuard::setRecorder(NetworkRecorder* recorder)
{
    QMutexLocker lock(&m_mutex);
    m_recorder = recorder;
}

bool NetworkGuard::isAllowed(const QUrl& url)
{
    return url.scheme().compare(QLatin1String("qrc"), Qt::CaseInsensitive) == 0;
}

QString NetworkGuard::loggable(const QUrl& url)
{
    return url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment).toString(QUrl::FullyEncoded);
}

void NetworkGuard::attempted(const QUrl& url, bool refused)
{
    QMutexLocker lock(&m_mutex);
    if (m_recorder)
        m_recorder->record(url);
    if (!refused)
        return;
    // Bounded: a page of hostile content with a million different URLs costs no more.
    constexpr qsizetype kMaxLogged = 256;
    const QString shown = loggable(url);
    if (m_logged.contains(shown) || m_logged.size() > kMaxLogged)
        return;
    m_logged.insert(shown);
    if (m_logged.size() > kMaxLogged)
        qCWarning(lcNetworkGuard) << "refused more requests from the window; further ones are not logged";
    else
        qCWarning(lcNetworkGuard) << "refused a request from the window to" << shown;
}
