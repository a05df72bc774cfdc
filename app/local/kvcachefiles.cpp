#include "kvcachefiles.h"

#include "enginelog.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace {

constexpr auto kSuffix = QLatin1String(".kv");
// write_snapshot writes `<path>.tmp` first, then renames it: one left behind is a crashed write.
constexpr auto kTmpSuffix = QLatin1String(".kv.tmp");

// Private like the rest of the data folder (a state holds the conversation's tokens).
constexpr QFile::Permissions kFolderPermissions = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
constexpr QFile::Permissions kFilePermissions = QFile::ReadOwner | QFile::WriteOwner;

QFileInfoList cacheFiles(const QString& folder)
{
    return QDir(folder).entryInfoList({QStringLiteral("*") + kSuffix, QStringLiteral("*") + kTmpSuffix},
                                      QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
}

}   // namespace

KvCacheFiles::KvCacheFiles(const QString& folder)
    : m_folder(folder)
{
}

void KvCacheFiles::setFolder(const QString& folder) { m_folder = folder; }

void KvCacheFiles::setBudget(qint64 bytes)
{
    m_budget = std::max<qint64>(0, bytes);
    evictToBudget();
}

QString KvCacheFiles::pathFor(qint64 conversationId) const
{
    return QDir(m_folder).filePath(QString::number(conversationId) + kSuffix);
}

bool KvCacheFiles::write(qint64 conversationId, const causerie::KvSnapshot& snapshot)
{
    if (!enabled() || conversationId <= 0)
        return false;
    const QString path = pathFor(conversationId);
    if (qint64(snapshot.bytes()) > m_budget) {
        qCDebug(lcEngine) << "conversation" << conversationId << "state of" << snapshot.bytes()
                          << "bytes exceeds the cache budget of" << m_budget << "bytes: not saved";
        remove(conversationId);
        return false;
    }
    if (!QDir().mkpath(m_folder)) {
        qCWarning(lcEngine) << "could not create the cache folder" << m_folder << "; conversation states are not saved";
        return false;
    }
    (void)QFile::setPermissions(m_folder, kFolderPermissions);
    const auto written = causerie::write_snapshot(snapshot, QFile::encodeName(path).toStdString());
    if (!written) {
        qCWarning(lcEngine) << "could not save the state of conversation" << conversationId << "to" << path << ":"
                            << written.error().message.c_str();
        QFile::remove(path + QStringLiteral(".tmp"));
        return false;
    }
    (void)QFile::setPermissions(path, kFilePermissions);
    evictToBudget();
    return QFile::exists(path);
}

std::optional<causerie::KvSnapshot> KvCacheFiles::read(qint64 conversationId)
{
    if (!enabled() || conversationId <= 0)
        return std::nullopt;
    const QString path = pathFor(conversationId);
    if (!QFileInfo::exists(path))
        return std::nullopt;
    auto snapshot = causerie::read_snapshot(QFile::encodeName(path).toStdString());
    if (!snapshot) {
        remove(conversationId, QString::fromStdString(snapshot.error().message));
        return std::nullopt;
    }
    // Used now: the last to be evicted.
    QFile f(path);
    if (f.open(QIODevice::ReadOnly))
        (void)f.setFileTime(QDateTime::currentDateTimeUtc(), QFileDevice::FileModificationTime);
    return std::move(snapshot).value();
}

void KvCacheFiles::remove(qint64 conversationId, const QString& why)
{
    if (!enabled())
        return;
    const QString path = pathFor(conversationId);
    if (!QFileInfo::exists(path))
        return;
    if (!why.isEmpty())
        qCWarning(lcEngine) << "deleting the saved state of conversation" << conversationId << "(" << path
                            << "):" << why;
    if (!QFile::remove(path))
        qCWarning(lcEngine) << "could not delete" << path;
}

void KvCacheFiles::clear()
{
    if (!enabled())
        return;
    for (const QFileInfo& f : cacheFiles(m_folder))
        if (!QFile::remove(f.filePath()))
            qCWarning(lcEngine) << "could not delete" << f.filePath();
}

qint64 KvCacheFiles::size() const
{
    if (!enabled())
        return 0;
    qint64 total = 0;
    for (const QFileInfo& f : cacheFiles(m_folder))
        total += f.size();
    return total;
}

void KvCacheFiles::evictToBudget()
{
    if (!enabled())
        return;
    QFileInfoList files = cacheFiles(m_folder);
    qint64 total = 0;
    for (const QFileInfo& f : files)
        total += f.size();
    if (total <= m_budget)
        return;
    // Oldest use first; the name breaks ties so the order does not depend on the listing.
    std::sort(files.begin(), files.end(), [](const QFileInfo& a, const QFileInfo& b) {
        const qint64 ta = a.lastModified().toMSecsSinceEpoch();
        const qint64 tb = b.lastModified().toMSecsSinceEpoch();
        return ta != tb ? ta < tb : a.fileName() < b.fileName();
    });
    for (const QFileInfo& f : std::as_const(files)) {
        if (total <= m_budget)
            break;
        if (QFile::remove(f.filePath())) {
            total -= f.size();
            qCInfo(lcEngine) << "cache budget of" << m_budget << "bytes: removed" << f.fileName();
        } else {
            qCWarning(lcEngine) << "could not delete" << f.filePath();
        }
    }
}
