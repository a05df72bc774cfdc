#include "modelcatalog.h"

#include "modelslog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

ModelCatalog::ModelCatalog(QObject* parent)
    : ModelCatalog(builtinCatalogPath(), defaultModelsDir(), probeSystemMemory(), parent)
{
}

ModelCatalog::ModelCatalog(const QString& catalogPath, const QString& modelsDir, const SystemMemory& memory,
                           QObject* parent)
    : QAbstractListModel(parent)
    , m_modelsDir(modelsDir)
    , m_memory(memory)
{
    load(catalogPath);
}

ModelCatalog::~ModelCatalog() = default;

QString ModelCatalog::defaultModelsDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/Causerie/models");
}

QString ModelCatalog::builtinCatalogPath() { return QStringLiteral(":/catalog/models.json"); }

QStringList ModelCatalog::catalogIdsForFile(const QString& fileName)
{
    QStringList ids;
    QFile catalog(builtinCatalogPath());
    if (!catalog.open(QIODevice::ReadOnly))
        return ids;
    for (const CatalogEntry& e : parseCatalog(catalog.readAll(), QStringLiteral("models.json")).entries)
        if (e.file == fileName)
            ids << e.id;
    return ids;
}

bool ModelCatalog::load(const QString& catalogPath)
{
    beginResetModel();
    for (Row& r : m_rows)
        delete r.downloader;
    m_rows.clear();
    m_loadError.clear();
    QFile f(catalogPath);
    if (!f.open(QIODevice::ReadOnly)) {
        m_loadError = tr("cannot read the model catalog %1: %2").arg(catalogPath, f.errorString());
    } else {
        const CatalogParseResult parsed = parseCatalog(f.readAll(), QFileInfo(catalogPath).fileName());
        m_loadError = parsed.error;
        for (const CatalogEntry& e : parsed.entries)
            m_rows.push_back(Row{e});
    }
    if (!m_loadError.isEmpty())
        qCWarning(lcModels).noquote() << m_loadError;
    rescanFiles();
    endResetModel();
    Q_EMIT catalogChanged();
    return m_loadError.isEmpty();
}

// A final file means downloaded (it was verified when it was renamed); a .part means paused.
void ModelCatalog::rescanFiles()
{
    const QDir dir(m_modelsDir);
    for (Row& r : m_rows) {
        // Running downloads, and failed ones whose message the user has still to read.
        if (r.downloader && (r.downloader->state() == ModelDownloader::State::Downloading ||
                             r.downloader->state() == ModelDownloader::State::Checking ||
                             r.downloader->state() == ModelDownloader::State::Failed))
            continue;
        const QFileInfo done(dir.filePath(r.entry.file));
        const QFileInfo part(dir.filePath(r.entry.file + QStringLiteral(".part")));
        r.total = r.entry.size;
        if (done.isFile()) {
            r.state = Downloaded;
            r.received = done.size();
        } else if (part.isFile() && part.size() > 0) {
            r.state = Paused;
            r.received = part.size();
        } else {
            r.state = NotDownloaded;
            r.received = 0;
        }
    }
}

void ModelCatalog::setModelsDir(const QString& dir)
{
    beginResetModel();
    for (Row& r : m_rows) {
        delete r.downloader;
        r.downloader = nullptr;
    }
    m_modelsDir = dir;
    rescanFiles();
    endResetModel();
    Q_EMIT catalogChanged();
}

void ModelCatalog::refresh()
{
    rescanFiles();
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0), index(rowCount() - 1));
}

void ModelCatalog::setSystemMemory(const SystemMemory& memory)
{
    m_memory = memory;
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {FitsRole, FitTextRole});
    Q_EMIT catalogChanged();
}

QString ModelCatalog::machineText() const
{
    const QString ram = tr("This machine: %1 of RAM (%2 free now)")
                            .arg(memoryText(m_memory.totalRam), memoryText(m_memory.availableRam));
    if (m_memory.totalVram > 0)
        return tr("%1; GPU %2 with %3 free").arg(ram, m_memory.gpuName, memoryText(m_memory.freeVram));
    return tr("%1; no GPU (%2)").arg(ram, m_memory.gpuNote);
}

const CatalogEntry* ModelCatalog::entry(int row) const
{
    return row >= 0 && row < rowCount() ? &m_rows[size_t(row)].entry : nullptr;
}

int ModelCatalog::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

QVariant ModelCatalog::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = m_rows[size_t(index.row())];
    const CatalogEntry& e = r.entry;
    switch (role) {
    case Qt::DisplayRole:
    case NameRole: return e.name;
    case IdRole: return e.id;
    case FamilyRole: return e.family;
    case ParametersRole: return e.parameters;
    case QuantizationRole: return e.quantization;
    case LicenseRole: return e.license;
    case ContextLengthRole: return e.contextLength;
    case SizeTextRole: return e.size > 0 ? memoryText(e.size) : tr("about %1").arg(memoryText(e.approxSize));
    case NeededMemoryTextRole: return memoryText(e.neededMemory);
    case FitsRole: return fitVerdict(e.neededMemory, m_memory).kind != FitVerdict::TooBig;
    case FitTextRole: return fitVerdict(e.neededMemory, m_memory).text;
    case StateRole: return int(r.state);
    case ProgressRole: {
        const qint64 total = r.total > 0 ? r.total : e.size;
        return total > 0 ? double(r.received) / double(total) : -1.0;
    }
    case ProgressTextRole: {
        const qint64 total = r.total > 0 ? r.total : e.displaySize();
        if (r.downloader && r.downloader->state() == ModelDownloader::State::Checking) {
            return r.received > 0 ? tr("checking the %1 already downloaded").arg(memoryText(r.received))
                                  : tr("asking the server about the file…");
        }
        QString text = tr("%1 of %2").arg(memoryText(r.received), memoryText(total));
        if (r.state == Downloading && r.speed > 0)
            text = tr("%1, %2/s").arg(text, memoryText(qint64(r.speed)));
        return text;
    }
    case ErrorRole: return r.error;
    case NoteRole:
        return r.note.isEmpty() && !e.verifiable()
                   ? tr("no checksum in the catalog: the download is checked against the SHA-256 the server "
                        "publishes, if it does")
                   : r.note;
    case VerifiableRole: return e.verifiable();
    case PathRole: return QDir(m_modelsDir).filePath(e.file);
    default: return {};
    }
}

QHash<int, QByteArray> ModelCatalog::roleNames() const
{
    return {
        {IdRole, "modelId"},
        {NameRole, "name"},
        {FamilyRole, "family"},
        {ParametersRole, "parameters"},
        {QuantizationRole, "quantization"},
        {LicenseRole, "license"},
        {ContextLengthRole, "contextLength"},
        {SizeTextRole, "sizeText"},
        {NeededMemoryTextRole, "neededMemoryText"},
        {FitsRole, "fits"},
        {FitTextRole, "fitText"},
        {StateRole, "downloadState"},
        {ProgressRole, "progress"},
        {ProgressTextRole, "progressText"},
        {ErrorRole, "errorText"},
        {NoteRole, "note"},
        {VerifiableRole, "verifiable"},
        {PathRole, "path"},
    };
}

void ModelCatalog::changed(int row)
{
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(i, i);
}

void ModelCatalog::download(int row)
{
    if (row < 0 || row >= rowCount())
        return;
    Row& r = m_rows[size_t(row)];
    if (!r.downloader) {
        r.downloader = new ModelDownloader(&m_nam, m_modelsDir, this);
        connect(r.downloader, &ModelDownloader::stateChanged, this, [this, row] { onDownloaderState(row); });
        connect(r.downloader, &ModelDownloader::progress, this,
                [this, row](qint64 received, qint64 total, double speed) {
                    Row& rr = m_rows[size_t(row)];
                    rr.received = received;
                    rr.total = total;
                    rr.speed = speed;
                    changed(row);
                });
    }
    r.error.clear();
    r.downloader->start({r.entry.url, r.entry.file, r.entry.size, r.entry.sha256});
}

void ModelCatalog::onDownloaderState(int row)
{
    Row& r = m_rows[size_t(row)];
    switch (r.downloader->state()) {
    case ModelDownloader::State::Idle:
        r.state = NotDownloaded;
        r.received = 0;
        break;
    case ModelDownloader::State::Checking:
    case ModelDownloader::State::Downloading: r.state = Downloading; break;
    case ModelDownloader::State::Paused: r.state = Paused; break;
    case ModelDownloader::State::Done:
        r.state = Downloaded;
        r.note = r.downloader->note();
        break;
    case ModelDownloader::State::Failed:
        r.state = Failed;
        r.error = r.downloader->errorText();
        r.received = r.downloader->received();
        break;
    }
    r.speed = r.downloader->bytesPerSecond();
    changed(row);
    if (r.state == Downloaded)
        Q_EMIT modelDownloaded(r.downloader->finalPath());
}

void ModelCatalog::pause(int row)
{
    if (row >= 0 && row < rowCount() && m_rows[size_t(row)].downloader)
        m_rows[size_t(row)].downloader->pause();
}

void ModelCatalog::cancel(int row)
{
    if (row < 0 || row >= rowCount())
        return;
    Row& r = m_rows[size_t(row)];
    if (r.downloader) {
        r.downloader->cancel();
    } else if (isSafeModelFileName(r.entry.file)) {
        // A .part left by an earlier run of the app.
        QFile::remove(QDir(m_modelsDir).filePath(r.entry.file + QStringLiteral(".part")));
        r.state = NotDownloaded;
        r.received = 0;
        changed(row);
    }
}

QString ModelCatalog::pathOf(int row) const
{
    if (row < 0 || row >= rowCount() || m_rows[size_t(row)].state != Downloaded)
        return {};
    return QDir(m_modelsDir).filePath(m_rows[size_t(row)].entry.file);
}

int ModelCatalog::rowOf(const QString& id) const
{
    for (size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].entry.id == id)
            return int(i);
    }
    return -1;
}
