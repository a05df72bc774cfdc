#include "localbackend.h"

#include "engineworker.h"

#include <QMetaObject>
#include <QUuid>

#include <algorithm>

namespace {
// Linux nice levels above the GUI thread's (each level is ~1.25x less CPU weight under contention).
constexpr int kEngineNiceIncrement = 4;

// Queued behind the worker's other work; while a chat turn posted earlier has not started, it
// goes to the back of the queue again, behind that turn (at most once per waiting turn).
void postBehindChats(EngineWorker* worker, std::shared_ptr<std::atomic<int>> chatsWaiting,
                     std::function<void(EngineWorker&)> job)
{
    QMetaObject::invokeMethod(
        worker,
        [worker, chatsWaiting, job = std::move(job)]() mutable {
            if (chatsWaiting->load() > 0)
                postBehindChats(worker, std::move(chatsWaiting), std::move(job));
            else
                job(*worker);
        },
        Qt::QueuedConnection);
}
}   // namespace

LocalBackend::LocalBackend(QObject* parent)
    : ChatBackend(parent)
    , m_worker(new EngineWorker)
{
    registerLocalTypes();
    m_thread.setObjectName(QStringLiteral("causerie-engine"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    connect(m_worker, &EngineWorker::modelLoaded, this, [this](const LocalModelInfo& info) {
        m_info = info;
        m_lastError.clear();
        setState(ModelState::Ready);
        Q_EMIT modelLoaded(info);
    });
    connect(m_worker, &EngineWorker::modelLoadFailed, this, [this](const QString& path, const QString& message) {
        m_info = {};
        m_lastError = message;
        setState(ModelState::Failed);
        Q_EMIT modelLoadFailed(path, message);
    });
    connect(m_worker, &EngineWorker::modelUnloaded, this, [this] {
        m_info = {};
        setState(ModelState::None);
    });
    connect(m_worker, &EngineWorker::delta, this, &ChatBackend::delta);
    connect(m_worker, &EngineWorker::finished, this, [this](const QString& id, const GenerationStats& stats) {
        m_running.remove(id);
        Q_EMIT finished(id, stats);
    });
    connect(m_worker, &EngineWorker::failed, this, [this](const QString& id, const BackendError& error) {
        m_running.remove(id);
        Q_EMIT failed(id, error);
    });
    connect(m_worker, &EngineWorker::tokensCounted, this, &LocalBackend::tokensCounted);
    connect(m_worker, &EngineWorker::cacheSizeChanged, this, [this](qint64 bytes) {
        m_cacheSize = bytes;
        Q_EMIT cacheSizeChanged(bytes);
    });
    connect(m_worker, &EngineWorker::cacheCleared, this, &LocalBackend::cacheCleared);
    // `started` is emitted in the new thread: the engine thread lowers its own scheduling priority
    // before it creates its compute threads (which inherit it). On a 2-core machine the engine
    // keeps every core busy while it generates; a little less weight than the GUI thread lets the
    // window get its turn as soon as it has work, and costs the engine nothing on an idle machine.
    connect(
        &m_thread, &QThread::started, m_worker, [] { lowerThreadPriority(kEngineNiceIncrement); },
        Qt::DirectConnection);
    m_thread.start();
}

LocalBackend::~LocalBackend()
{
    for (const CancelFlag& flag : std::as_const(m_running))
        flag->store(true);
    // Waits for the answer in flight to stop (it was just cancelled), then for the states only
    // memory holds to be queued; the worker, deleted as the thread ends, waits for its writer to
    // write them (KvCacheWriter::kQuitWaitMs at most): the next start resumes them.
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker] { worker->saveCache(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void LocalBackend::setState(ModelState state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT modelStateChanged(state);
}

void LocalBackend::loadModel(const LocalModelOptions& options)
{
    // A generation in flight finishes (cancelled) before the worker gets to the load.
    for (const CancelFlag& flag : std::as_const(m_running))
        flag->store(true);
    setState(ModelState::Loading);
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, options] { w->loadModel(options); }, Qt::QueuedConnection);
}

void LocalBackend::unloadModel()
{
    for (const CancelFlag& flag : std::as_const(m_running))
        flag->store(true);
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker] { w->unloadModel(); }, Qt::QueuedConnection);
}

QString LocalBackend::startChat(const QList<ChatMessage>& history, const GenerationSettings& settings)
{
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    auto flag = std::make_shared<std::atomic<bool>>(false);
    m_running.insert(id, flag);
    m_chatsWaiting->fetch_add(1);
    QMetaObject::invokeMethod(
        m_worker,
        [w = m_worker, id, history, settings, flag, waiting = m_chatsWaiting] {
            waiting->fetch_sub(1);
            w->generate(id, history, settings, flag);
        },
        Qt::QueuedConnection);
    return id;
}

void LocalBackend::post(std::function<void(EngineWorker&)> job)
{
    postBehindChats(m_worker, m_chatsWaiting, std::move(job));
}

void LocalBackend::cancel(const QString& requestId)
{
    if (auto it = m_running.constFind(requestId); it != m_running.constEnd())
        (*it)->store(true);
}

void LocalBackend::setCacheFolder(const QString& folder)
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, folder] { worker->setCacheFolder(folder); }, Qt::QueuedConnection);
}

void LocalBackend::setCacheBudget(qint64 bytes)
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, bytes] { worker->setCacheBudget(bytes); }, Qt::QueuedConnection);
}

void LocalBackend::clearCache()
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker] { worker->clearCache(); }, Qt::QueuedConnection);
}

void LocalBackend::forgetConversation(qint64 conversationId)
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, conversationId] { worker->forgetConversation(conversationId); },
        Qt::QueuedConnection);
}

QString LocalBackend::displayName() const { return m_info.name.isEmpty() ? tr("Local model") : m_info.name; }

QString LocalBackend::countTokens(const QList<ChatMessage>& history)
{
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    // While the user types, counts pile up behind a generation or a slow count: only the latest
    // is worth computing, the worker skips the others.
    if (m_countSuperseded)
        m_countSuperseded->store(true);
    m_countSuperseded = std::make_shared<std::atomic<bool>>(false);
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, id, history, flag = m_countSuperseded] { worker->countTokens(id, history, flag); },
        Qt::QueuedConnection);
    return id;
}
