#pragma once
// What this machine can hold: RAM from /proc/meminfo (sysconf elsewhere), VRAM of the GPU the
// engine would choose, when the app is built with CUDA. Plus the verdict the catalog page shows per model.
#include <QString>

struct SystemMemory {
    qint64 totalRam = 0;       // bytes
    qint64 availableRam = 0;   // bytes the kernel says can be used without swapping
    qint64 totalVram = 0;      // bytes, largest usable GPU; 0 = no GPU
    qint64 freeVram = 0;       // bytes free on that GPU now
    QString gpuName;           // empty without a usable GPU
    QString gpuNote;           // why no GPU is used ("built without CUDA", the probe's reason)
};

// Fills RAM from /proc/meminfo (MemTotal, MemAvailable) or sysconf, VRAM from the CUDA probe.
SystemMemory probeSystemMemory();

// Parses the text of /proc/meminfo. false when MemTotal is missing. MemAvailable falls back
// to MemFree + Buffers + Cached on kernels older than 3.14.
bool parseMeminfo(const QByteArray& text, qint64* totalBytes, qint64* availableBytes);

struct FitVerdict {
    enum Kind { FitsOnGpu, FitsInRam, TooBig };
    Kind kind = TooBig;
    QString text;   // "Fits on GPU", "Fits in RAM", "Needs 9.1 GiB, this machine has 8 GiB"
};

// The GPU is preferred when the whole model and its cache fit in free VRAM; else RAM is
// judged by the total (other programs can be closed), not by what is free at this moment.
FitVerdict fitVerdict(qint64 neededBytes, const SystemMemory& m);

// "8 GiB", "9.1 GiB", "696 MiB", "98 KiB": GiB with one decimal, dropped when it is 0; binary
// units, as `free -h`.
QString memoryText(qint64 bytes);
