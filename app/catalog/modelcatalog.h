#pragma once
// The recommended models (resources/catalog/models.json, compiled in as :/catalog/models.json)
// as a list model for the catalog page: what each needs, whether it fits this machine, and its
// download (not downloaded / downloading with progress / paused / downloaded / failed).
#include "catalogentry.h"
#include "modeldownloader.h"
#include "systemmemory.h"

#include <QAbstractListModel>
#include <QNetworkAccessManager>

#include <vector>

class ModelCatalog : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(QString loadError READ loadError NOTIFY catalogChanged)
    Q_PROPERTY(QString modelsDir READ modelsDir NOTIFY catalogChanged)
    Q_PROPERTY(QString machineText READ machineText NOTIFY catalogChanged)
public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        NameRole,
        FamilyRole,
        ParametersRole,
        QuantizationRole,
        LicenseRole,
        ContextLengthRole,
        SizeTextRole,           // "4.1 GiB" (with "about" when only the rounded size is known)
        NeededMemoryTextRole,   // "5.1 GiB"
        FitsRole,               // bool
        FitTextRole,            // "Fits in RAM" / "Fits on GPU" / "Needs 9.1 GiB, this machine has 8 GiB"
        StateRole,              // State
        ProgressRole,           // 0..1, or -1 while the total is unknown
        ProgressTextRole,       // "1.2 GiB of 4.1 GiB, 11 MiB/s"
        ErrorRole,              // why the last attempt failed
        NoteRole,               // e.g. the file cannot be verified
        VerifiableRole,         // bool: the catalog has a SHA-256
        PathRole,               // final path in the models folder
    };
    enum State { NotDownloaded, Downloading, Paused, Downloaded, Failed };
    Q_ENUM(State)

    // The compiled-in catalog, the user's model folder, this machine's memory.
    explicit ModelCatalog(QObject* parent = nullptr);
    // Tests: a catalog file, a models folder and given memory numbers.
    ModelCatalog(const QString& catalogPath, const QString& modelsDir, const SystemMemory& memory,
                 QObject* parent = nullptr);
    ~ModelCatalog() override;

    static QString defaultModelsDir();     // <GenericDataLocation>/Causerie/models, as main.cpp
    static QString builtinCatalogPath();   // ":/catalog/models.json"
    // The ids of the built-in catalog's models stored under this file name ("smollm2-135m-instruct-q4_1"):
    // the other names a local server answers to for that file.
    static QStringList catalogIdsForFile(const QString& fileName);

    bool load(const QString& catalogPath);   // false: loadError() says why; the list is then empty
    void setModelsDir(const QString& dir);
    void setSystemMemory(const SystemMemory& memory);
    QString loadError() const { return m_loadError; }
    QString modelsDir() const { return m_modelsDir; }
    QString machineText() const;
    const CatalogEntry* entry(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    Q_INVOKABLE void refresh();           // files added or removed outside the app
    Q_INVOKABLE void download(int row);   // also resumes a paused or failed download
    Q_INVOKABLE void pause(int row);
    Q_INVOKABLE void cancel(int row);
    Q_INVOKABLE QString pathOf(int row) const;   // empty unless downloaded
    Q_INVOKABLE int rowOf(const QString& id) const;

Q_SIGNALS:
    void catalogChanged();
    void modelDownloaded(const QString& path);

private:
    struct Row {
        CatalogEntry entry;
        ModelDownloader* downloader = nullptr;   // created on first download, owned by this
        State state = NotDownloaded;
        qint64 received = 0;
        qint64 total = 0;
        double speed = 0.0;
        QString error;
        QString note;
    };
    void rescanFiles();
    void onDownloaderState(int row);
    void changed(int row);

    QNetworkAccessManager m_nam;
    std::vector<Row> m_rows;
    QString m_modelsDir;
    QString m_loadError;
    SystemMemory m_memory;
};
