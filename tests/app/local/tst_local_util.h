#pragma once
// Shared by the local backend's tests (tst_localbackend, tst_kvcache, tst_appserverengine): the
// tiny model loaded, greedy settings, and what a ChatBackend streams for one request, collected.
#include "chatbackend.h"
#include "localbackend.h"

#include <QObject>
#include <QSignalSpy>
#include <QString>

const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");

// Loads `path` into the backend and waits for it (20 s at most): true when it loaded.
inline bool loadModel(LocalBackend& b, const QString& path = kTiny, int contextSize = 0)
{
    QSignalSpy loaded(&b, &LocalBackend::modelLoaded);
    LocalModelOptions o;
    o.path = path;
    o.contextSize = contextSize;
    b.loadModel(o);
    return loaded.wait(20000);
}

// Greedy sampling (temperature 0) of at most `maxTokens` tokens, for conversation
// `conversationId` (0: none, nothing cached).
inline GenerationSettings greedy(int maxTokens, qint64 conversationId = 0)
{
    GenerationSettings s;
    s.temperature = 0.0;
    s.maxTokens = maxTokens;
    s.conversationId = conversationId;
    return s;
}

struct Collected {
    QString text;
    int deltas = 0;
    bool done = false;   // finished or failed
    GenerationStats stats;
    BackendError error;
    bool failed = false;
};

// Collects request `id`'s deltas, statistics or error into `c` while `context` (the backend
// when null) lives.
inline void collect(ChatBackend& b, const QString& id, Collected& c, QObject* context = nullptr)
{
    QObject* ctx = context ? context : &b;
    QObject::connect(&b, &ChatBackend::delta, ctx, [&c, id](const QString& rid, const QString& t) {
        if (rid == id) {
            c.text += t;
            ++c.deltas;
        }
    });
    QObject::connect(&b, &ChatBackend::finished, ctx, [&c, id](const QString& rid, const GenerationStats& s) {
        if (rid == id) {
            c.stats = s;
            c.done = true;
        }
    });
    QObject::connect(&b, &ChatBackend::failed, ctx, [&c, id](const QString& rid, const BackendError& e) {
        if (rid == id) {
            c.error = e;
            c.failed = true;
            c.done = true;
        }
    });
}
