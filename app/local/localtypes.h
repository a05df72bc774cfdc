#pragma once
// Values exchanged with the engine thread (all registered metatypes, copied across threads).
#include <QMetaType>
#include <QString>

#include <atomic>
#include <memory>

struct LocalModelOptions {
    QString path;
    int contextSize = 0;                       // 0: the model's training context, at most 4096
    int threads = 0;                           // 0: automatic (all hardware threads but one, for the window)
    QString device = QStringLiteral("auto");   // auto | cpu | cuda
    int gpuLayers = -1;                        // layers on the GPU: -1 as many as fit, 0 none
    QString kvType = QStringLiteral("f16");    // f16 | q8_0: the KV cache's element type (engine/kv_type.h)
    // A file holding `path` while the model loads, removed once the load ends (loaded or
    // failed): left behind only when the process died loading it. Empty: none.
    QString openingMarker;
};

struct LocalModelInfo {
    QString path;
    QString name;   // general.name, else the file name
    QString architecture;
    QString quantization;   // the type holding most of the weight bytes
    QString chatTemplate;
    bool chatTemplateAssumed = false;   // the file's template was absent or not recognised
    bool thinkingSwitch = false;        // the template can turn thinking off (Qwen3)
    bool promptOpensThinking = false;   // the prompt ends with "<think>" (DeepSeek-R1's newer template)
    QString device;                     // "CPU (2 threads)", ...
    QString deviceNote;                 // why the device differs from the one asked (GPU fallback), or empty
    QString kvType;                     // "F16" or "Q8_0": the KV cache's type (F16 when Q8_0 does not fit the heads)
    QString deviceAsked;                // the device option the model was opened with (auto | cpu | cuda)
    qint64 parameters = 0;
    qint64 fileSize = 0;
    int contextSize = 0;   // tokens the KV cache holds
    int trainedContext = 0;
    int layers = 0;
};

// Set from the GUI thread, read by the engine between tokens.
using CancelFlag = std::shared_ptr<std::atomic<bool>>;

Q_DECLARE_METATYPE(LocalModelOptions)
Q_DECLARE_METATYPE(LocalModelInfo)
Q_DECLARE_METATYPE(CancelFlag)

void registerLocalTypes();

// Lowers the calling thread's scheduling priority by `niceIncrement` Linux nice levels (19 at
// most; elsewhere it does nothing). Threads it starts afterwards inherit it.
void lowerThreadPriority(int niceIncrement);
