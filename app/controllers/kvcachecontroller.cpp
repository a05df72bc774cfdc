#include "kvcachecontroller.h"

#include "appsettings.h"
#include "localbackend.h"

#include <QDir>
#include <QLocale>

KvCacheController::KvCacheController(LocalBackend* backend, AppSettings* settings, const QString& dataDir,
                                     QObject* parent)
    : QObject(parent)
    , m_backend(backend)
    , m_settings(settings)
{
    auto applyBudget = [this] {
        const qint64 budget = m_settings->cacheBudgetBytes();
        if (budget == m_budget)
            return;
        m_budget = budget;
        m_backend->setCacheBudget(budget);
    };
    applyBudget();
    m_backend->setCacheFolder(folderFor(dataDir));
    connect(m_settings, &AppSettings::changed, this, applyBudget);
    connect(m_backend, &LocalBackend::cacheSizeChanged, this, [this](qint64 bytes) {
        if (bytes > 0)
            setStatus({});
        Q_EMIT sizeChanged();
    });
    connect(m_backend, &LocalBackend::cacheCleared, this, [this] { setStatus(tr("Cache cleared")); });
}

QString KvCacheController::folderFor(const QString& dataDir) { return QDir(dataDir).filePath(QStringLiteral("cache")); }

qint64 KvCacheController::size() const { return m_backend->cacheSize(); }

QString KvCacheController::sizeText() const { return QLocale().formattedDataSize(size()); }

void KvCacheController::clear() { m_backend->clearCache(); }

void KvCacheController::forgetConversation(qint64 conversationId) { m_backend->forgetConversation(conversationId); }

void KvCacheController::setStatus(const QString& status)
{
    if (status == m_status)
        return;
    m_status = status;
    Q_EMIT statusChanged();
}
