#pragma once
// App.documents.libraries: folders the user adds once (Settings → Libraries), indexed in the
// background by LibraryIndexer (its own thread) into the data folder's documents.db, under
// "library:<name>". The list is kept in <data>/libraries.json. Every library is rescanned at
// start, on demand (Re-index) and when its files change (a file system watcher on its folders
// and files, up to kMaxWatched paths in all; a rescan every kRescanMinutes catches the rest):
// unchanged files cost a stat, so a quit mid-way resumes.
#include "embedder.h"

#include <QFileSystemWatcher>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace causerie::documents {
class LibraryIndexer;
}

class LibrariesController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("App.documents.libraries")
    // [{name, folder, state: "waiting"|"indexing"|"ready"|"error", done, total, file, failed, issues,
    //   message}]
    Q_PROPERTY(QVariantList items READ items NOTIFY changed)
    Q_PROPERTY(QStringList names READ names NOTIFY changed)
    // The embedding job: {state: "off"|"waiting"|"embedding"|"ready"|"error", done, total,
    // vectors, message}.
    Q_PROPERTY(QVariantMap embedding READ embedding NOTIFY embeddingChanged)
public:
    // `dataDir` holds libraries.json; `indexPath` the document index.
    LibrariesController(const QString& dataDir, const QString& indexPath, QObject* parent = nullptr);
    ~LibrariesController() override;

    QVariantList items() const;
    QStringList names() const;
    static QString indexName(const QString& library) { return QStringLiteral("library:") + library; }
    static constexpr int kMaxWatched = 4096;    // paths given to the watcher, all libraries together
    static constexpr int kSettleMs = 1500;      // a change waits this long for the next one
    static constexpr int kRescanMinutes = 15;   // every library, for what the watcher cannot see

    // "" when added (indexing starts), else why not.
    Q_INVOKABLE QString add(const QString& name, const QUrl& folder);
    // Takes the library off the list. Its index rows stay (adding the folder again is then quick)
    // unless `forgetIndex`: then they are removed in the background, and `forgotten` follows.
    Q_INVOKABLE void remove(const QString& name, bool forgetIndex = false);
    Q_INVOKABLE void reindex(const QString& name);
    Q_INVOKABLE void reindexAll();

    QVariantMap embedding() const;
    // The embedding model (an empty factory: none). Another id embeds every chunk again in the
    // background; the same id changes nothing unless `renew` (e.g. its API key arrived).
    void setEmbedder(const causerie::documents::EmbedderFactory& factory, const QString& modelId, bool renew = false);
    // For the question's vector at send time, on the thread that plans the turn.
    causerie::documents::EmbedderFactory embedderFactory() const { return m_embedderFactory; }
    QString embedderId() const { return m_embedderId; }

Q_SIGNALS:
    void changed();
    void embeddingChanged();
    void forgotten(const QString& name, bool ok);

private:
    struct Library {
        QString name;
        QString folder;
        QString state = QStringLiteral("waiting");
        int done = 0;
        int total = 0;
        QString file;
        int failed = 0;
        int issues = 0;    // reported by the last run: unreadable files, folders, link loops
        QString message;   // the last of them
    };
    Library* find(const QString& name);
    bool save();
    void load();
    // The library's folder, its sub-folders and files (not through links) given to the watcher,
    // within the app's budget of watched paths; what is past it waits for the periodic rescan.
    void watch(const Library& library);
    void unwatch(const QString& folder);
    void onPathChanged(const QString& path);

    QString m_listPath;
    QList<Library> m_libraries;
    QFileSystemWatcher m_watcher;
    QTimer m_changedTimer;              // changes settle for kSettleMs before a rescan
    QSet<QString> m_changedLibraries;   // their names
    QTimer m_rescanTimer;
    causerie::documents::EmbedderFactory m_embedderFactory;
    QString m_embedderId;
    QVariantMap m_embedding{{QStringLiteral("state"), QStringLiteral("off")}};
    std::unique_ptr<causerie::documents::LibraryIndexer> m_indexer;
};
