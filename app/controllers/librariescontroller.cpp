#include "librariescontroller.h"

#include "documentslog.h"
#include "libraryindexer.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

using causerie::documents::LibraryIndexer;

LibrariesController::LibrariesController(const QString& dataDir, const QString& indexPath, QObject* parent)
    : QObject(parent)
    , m_listPath(QDir(dataDir).filePath(QStringLiteral("libraries.json")))
    , m_indexer(std::make_unique<LibraryIndexer>(indexPath))
{
    connect(m_indexer.get(), &LibraryIndexer::progress, this,
            [this](const QString& library, int done, int total, const QString& file) {
                for (Library& l : m_libraries) {
                    if (indexName(l.name) == library) {
                        l.state = QStringLiteral("indexing");
                        l.done = done;
                        l.total = total;
                        l.file = QFileInfo(file).fileName();
                        Q_EMIT changed();
                    }
                }
            });
    connect(m_indexer.get(), &LibraryIndexer::issue, this,
            [this](const QString& library, const QString&, const QString& message) {
                if (Library* l = find(library.mid(indexName({}).size()))) {
                    l->message = message;
                    ++l->issues;
                    Q_EMIT changed();
                }
            });
    connect(m_indexer.get(), &LibraryIndexer::finished, this,
            [this](const QString& library, int indexed, int unchanged, int, int failed, bool cancelled) {
                if (Library* l = find(library.mid(indexName({}).size()))) {
                    l->failed = failed;
                    l->file.clear();
                    l->done = l->total = indexed + unchanged + failed;
                    // A folder that could not be listed at all indexes nothing and says why.
                    l->state = cancelled                                             ? QStringLiteral("waiting")
                               : (indexed + unchanged == 0 && !l->message.isEmpty()) ? QStringLiteral("error")
                                                                                     : QStringLiteral("ready");
                    if (!cancelled)   // new sub-folders and files are watched from now on
                        watch(*l);
                    Q_EMIT changed();
                }
            });
    connect(m_indexer.get(), &LibraryIndexer::embeddingProgress, this, [this](qint64 done, qint64 total) {
        m_embedding.insert(QStringLiteral("state"), QStringLiteral("embedding"));
        m_embedding.insert(QStringLiteral("done"), done);
        m_embedding.insert(QStringLiteral("total"), total);
        Q_EMIT embeddingChanged();
    });
    connect(m_indexer.get(), &LibraryIndexer::embeddingFinished, this,
            [this](const QString& modelId, qint64, qint64 vectors, const QString& error) {
                if (modelId != m_embedderId || !m_embedderFactory)
                    return;   // a model since replaced
                m_embedding.insert(QStringLiteral("state"),
                                   error.isEmpty() ? QStringLiteral("ready") : QStringLiteral("error"));
                m_embedding.insert(QStringLiteral("vectors"), vectors);
                m_embedding.insert(QStringLiteral("message"), error);
                Q_EMIT embeddingChanged();
            });
    connect(m_indexer.get(), &LibraryIndexer::forgotten, this,
            [this](const QString& library, bool ok) { Q_EMIT forgotten(library.mid(indexName({}).size()), ok); });
    m_changedTimer.setSingleShot(true);
    m_changedTimer.setInterval(kSettleMs);
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, &LibrariesController::onPathChanged);
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, &LibrariesController::onPathChanged);
    connect(&m_changedTimer, &QTimer::timeout, this, [this] {
        const QSet<QString> names = std::exchange(m_changedLibraries, {});
        for (const QString& name : names)
            reindex(name);
    });
    m_rescanTimer.setInterval(kRescanMinutes * 60 * 1000);
    connect(&m_rescanTimer, &QTimer::timeout, this, &LibrariesController::reindexAll);
    m_rescanTimer.start();
    load();
    reindexAll();
}

void LibrariesController::watch(const Library& library)
{
    // Only the difference is added and removed: a path watched before stays watched, so an event
    // already on its way (a file deleted while the run that ends here was finishing) still arrives.
    // Dropping every watch and adding them again lost such events.
    const QString prefix = library.folder + QLatin1Char('/');
    QSet<QString> before;
    int others = 0;
    for (const QString& p : m_watcher.directories() + m_watcher.files()) {
        if (p == library.folder || p.startsWith(prefix))
            before.insert(p);
        else
            ++others;
    }
    QStringList wanted{library.folder};
    int budget = kMaxWatched - others - 1;
    QDirIterator it(library.folder, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden,
                    QDirIterator::Subdirectories);
    while (budget > 0 && it.hasNext()) {
        it.next();
        const QFileInfo info = it.fileInfo();
        if (info.isSymLink())
            continue;   // not followed, as the indexer does not follow them into loops
        wanted.append(info.filePath());
        --budget;
    }
    if (budget <= 0)
        qCInfo(lcDocuments) << "library" << library.name
                            << "has more files than are watched; the rest is rescanned every" << kRescanMinutes
                            << "minutes";
    QStringList added;
    for (const QString& p : std::as_const(wanted)) {
        if (!before.remove(p))
            added.append(p);
    }
    if (!before.isEmpty())
        m_watcher.removePaths(QStringList(before.cbegin(), before.cend()));
    if (!added.isEmpty())
        m_watcher.addPaths(added);
}

void LibrariesController::unwatch(const QString& folder)
{
    const QString prefix = folder + QLatin1Char('/');
    QStringList gone;
    const QStringList watched = m_watcher.directories() + m_watcher.files();
    for (const QString& p : watched) {
        if (p == folder || p.startsWith(prefix))
            gone.append(p);
    }
    if (!gone.isEmpty())
        m_watcher.removePaths(gone);
}

void LibrariesController::onPathChanged(const QString& path)
{
    for (const Library& l : std::as_const(m_libraries)) {
        if (path == l.folder || path.startsWith(l.folder + QLatin1Char('/')))
            m_changedLibraries.insert(l.name);
    }
    if (!m_changedLibraries.isEmpty())
        m_changedTimer.start();   // restarted by every change: a copy of many files is one rescan
}

QVariantMap LibrariesController::embedding() const { return m_embedding; }

void LibrariesController::setEmbedder(const causerie::documents::EmbedderFactory& factory, const QString& modelId,
                                      bool renew)
{
    if (!renew && modelId == m_embedderId && bool(factory) == bool(m_embedderFactory))
        return;
    m_embedderFactory = factory;
    m_embedderId = factory ? modelId : QString();
    m_embedding = {{QStringLiteral("state"), factory ? QStringLiteral("waiting") : QStringLiteral("off")}};
    m_indexer->setEmbedder(factory, m_embedderId);
    Q_EMIT embeddingChanged();
}

LibrariesController::~LibrariesController() = default;

LibrariesController::Library* LibrariesController::find(const QString& name)
{
    for (Library& l : m_libraries) {
        if (l.name == name)
            return &l;
    }
    return nullptr;
}

void LibrariesController::load()
{
    QFile f(m_listPath);
    if (!f.open(QIODevice::ReadOnly))
        return;
    // Read back bounded: only string names and folders are taken.
    for (const QJsonValue& v : QJsonDocument::fromJson(f.read(1024 * 1024)).array()) {
        const QJsonObject o = v.toObject();
        const QString name = o.value(QLatin1String("name")).toString().trimmed();
        const QString folder = o.value(QLatin1String("folder")).toString();
        if (!name.isEmpty() && !folder.isEmpty() && !find(name))
            m_libraries.append({name, folder});
    }
}

bool LibrariesController::save()
{
    QJsonArray list;
    for (const Library& l : std::as_const(m_libraries))
        list.append(QJsonObject{{QStringLiteral("name"), l.name}, {QStringLiteral("folder"), l.folder}});
    QSaveFile f(m_listPath);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write(QJsonDocument(list).toJson());
    return f.commit();
}

QVariantList LibrariesController::items() const
{
    QVariantList out;
    for (const Library& l : m_libraries) {
        out.append(QVariantMap{{QStringLiteral("name"), l.name},
                               {QStringLiteral("folder"), l.folder},
                               {QStringLiteral("state"), l.state},
                               {QStringLiteral("done"), l.done},
                               {QStringLiteral("total"), l.total},
                               {QStringLiteral("file"), l.file},
                               {QStringLiteral("failed"), l.failed},
                               {QStringLiteral("issues"), l.issues},
                               {QStringLiteral("message"), l.message}});
    }
    return out;
}

QStringList LibrariesController::names() const
{
    QStringList out;
    for (const Library& l : m_libraries)
        out << l.name;
    return out;
}

QString LibrariesController::add(const QString& name, const QUrl& folder)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        return tr("Give the library a name.");
    if (find(trimmed))
        return tr("A library named %1 already exists.").arg(trimmed);
    const QString path = folder.isLocalFile() ? folder.toLocalFile() : folder.toString();
    const QFileInfo info(path);
    if (!info.isDir())
        return tr("%1 is not a folder.").arg(path);
    if (!info.isReadable())
        return tr("The folder %1 cannot be read (permission denied).").arg(path);
    m_libraries.append({trimmed, info.absoluteFilePath()});
    if (!save()) {
        m_libraries.removeLast();
        return tr("The list of libraries could not be saved in %1.").arg(m_listPath);
    }
    Q_EMIT changed();
    reindex(trimmed);
    return {};
}

void LibrariesController::remove(const QString& name, bool forgetIndex)
{
    for (qsizetype i = 0; i < m_libraries.size(); ++i) {
        if (m_libraries[i].name == name) {
            const bool busy =
                m_libraries[i].state == QLatin1String("waiting") || m_libraries[i].state == QLatin1String("indexing");
            unwatch(m_libraries[i].folder);
            m_changedLibraries.remove(name);
            m_libraries.removeAt(i);
            (void)save();
            if (forgetIndex) {
                if (busy) {
                    // Its run would put files back: every run stops, the others start again
                    // (their unchanged files cost a stat).
                    m_indexer->cancel();
                    for (const Library& l : std::as_const(m_libraries)) {
                        if (l.state == QLatin1String("waiting") || l.state == QLatin1String("indexing"))
                            m_indexer->indexFolder(indexName(l.name), l.folder);
                    }
                }
                m_indexer->forget(indexName(name));
            }
            Q_EMIT changed();
            return;
        }
    }
}

void LibrariesController::reindex(const QString& name)
{
    if (Library* l = find(name)) {
        l->message.clear();
        l->issues = 0;
        l->state = QStringLiteral("waiting");
        m_indexer->indexFolder(indexName(l->name), l->folder);
        Q_EMIT changed();
    }
}

void LibrariesController::reindexAll()
{
    for (const Library& l : std::as_const(m_libraries))
        m_indexer->indexFolder(indexName(l.name), l.folder);
}
