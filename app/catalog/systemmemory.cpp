#include "systemmemory.h"

#include <QCoreApplication>
#include <QFile>
#include <QList>

#include <unistd.h>

#if defined(CAUSERIE_HAVE_CUDA)
#include "engine/backend_cuda.h"
#endif

namespace {

struct Text {
    Q_DECLARE_TR_FUNCTIONS(ModelCatalog)
};

// The GPU the engine would pick for a model on "automatic" (list_devices_for + choose_cuda_device,
// the same calls create_backend makes), so the catalog's verdict speaks of that device.
void probeGpu(SystemMemory& m)
{
#if defined(CAUSERIE_HAVE_CUDA)
    const auto devices = causerie::list_devices_for("cuda");
    if (!devices) {
        m.gpuNote = QString::fromStdString(devices.error().message);
        return;
    }
    const auto chosen = causerie::choose_cuda_device(*devices, -1);
    if (!chosen) {
        m.gpuNote = QString::fromStdString(chosen.error().message);
        return;
    }
    for (const causerie::CudaDeviceCandidate& d : *devices) {
        if (d.index == *chosen) {
            m.freeVram = qint64(d.free_bytes);
            m.totalVram = qint64(d.total_bytes);
            m.gpuName = QString::fromStdString(d.name);
        }
    }
#else
    m.gpuNote = Text::tr("this build has no GPU support");
#endif
}

}   // namespace

bool parseMeminfo(const QByteArray& text, qint64* totalBytes, qint64* availableBytes)
{
    // Lines look like "MemTotal:       24684084 kB".
    qint64 total = -1, available = -1, free = 0, buffers = 0, cached = 0;
    for (const QByteArray& line : text.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray key = line.left(colon);
        const QList<QByteArray> parts = line.mid(colon + 1).simplified().split(' ');
        bool ok = false;
        qint64 value = parts.value(0).toLongLong(&ok);
        if (!ok)
            continue;
        if (parts.value(1) == "kB")
            value *= 1024;
        if (key == "MemTotal")
            total = value;
        else if (key == "MemAvailable")
            available = value;
        else if (key == "MemFree")
            free = value;
        else if (key == "Buffers")
            buffers = value;
        else if (key == "Cached")
            cached = value;
    }
    if (total <= 0)
        return false;
    *totalBytes = total;
    *availableBytes = available >= 0 ? available : free + buffers + cached;
    return true;
}

SystemMemory probeSystemMemory()
{
    SystemMemory m;
    QFile f(QStringLiteral("/proc/meminfo"));
    if (!(f.open(QIODevice::ReadOnly) && parseMeminfo(f.readAll(), &m.totalRam, &m.availableRam))) {
        const long pages = sysconf(_SC_PHYS_PAGES);
        const long pageSize = sysconf(_SC_PAGESIZE);
        if (pages > 0 && pageSize > 0)
            m.totalRam = qint64(pages) * pageSize;
#if defined(_SC_AVPHYS_PAGES)
        const long avail = sysconf(_SC_AVPHYS_PAGES);
        m.availableRam = avail > 0 && pageSize > 0 ? qint64(avail) * pageSize : m.totalRam;
#else
        m.availableRam = m.totalRam;
#endif
    }
    probeGpu(m);
    return m;
}

QString memoryText(qint64 bytes)
{
    const double gib = double(bytes) / double(1LL << 30);
    if (gib >= 1.0) {
        QString s = QString::number(gib, 'f', 1);
        if (s.endsWith(QLatin1String(".0")))
            s.chop(2);
        return Text::tr("%1 GiB").arg(s);
    }
    if (bytes >= (1 << 20))
        return Text::tr("%1 MiB").arg(qRound64(double(bytes) / double(1 << 20)));
    if (bytes >= 1024)
        return Text::tr("%1 KiB").arg(qRound64(double(bytes) / 1024.0));
    return Text::tr("%1 bytes").arg(bytes);
}

FitVerdict fitVerdict(qint64 neededBytes, const SystemMemory& m)
{
    if (m.freeVram > 0 && neededBytes <= m.freeVram)
        return {FitVerdict::FitsOnGpu, Text::tr("Fits on GPU")};
    if (m.totalRam > 0 && neededBytes <= m.totalRam)
        return {FitVerdict::FitsInRam, Text::tr("Fits in RAM")};
    return {FitVerdict::TooBig,
            Text::tr("Needs %1, this machine has %2").arg(memoryText(neededBytes), memoryText(m.totalRam))};
}
