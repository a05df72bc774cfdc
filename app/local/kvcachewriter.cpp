#include "kvcachewriter.h"

#include "enginelog.h"
#include "localtypes.h"

#include <QThread>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

using causerie::KvSnapshot;

namespace {

// Below the engine thread (nice +4): the disk waits, the answer does not.
constexpr int kWriterNiceIncrement = 10;

std::mutex g_hookMutex;
std::function<void(qint64)> g_beforeWrite;

struct Item {
    qint64 id = 0;
    std::shared_ptr<const KvSnapshot> snapshot;
};

}   // namespace

struct KvCacheWriter::State {
    // Lock order: disk, then queue.
    std::mutex disk;   // every KvCacheFiles call; the writer holds it for a whole write
    KvCacheFiles files;

    std::mutex queueMutex;
    std::condition_variable changed;   // something queued, a write ended, stop
    std::deque<Item> queue;            // oldest first; one per conversation
    Item inFlight;                     // id 0: none
    bool stop = false;

    std::mutex callbackMutex;
    std::function<void()> onWritten;

    void run();
    bool idle() const { return queue.empty() && inFlight.id == 0; }
};

void KvCacheWriter::State::run()
{
    lowerThreadPriority(kWriterNiceIncrement);
    for (;;) {
        {
            std::unique_lock lock(queueMutex);
            changed.wait(lock, [this] { return stop || !queue.empty(); });
            if (queue.empty())
                return;   // stopping, nothing left
        }
        // The disk lock first: once remove()/clear() hold it, nothing of theirs is in flight.
        std::lock_guard diskLock(disk);
        {
            std::lock_guard lock(queueMutex);
            if (queue.empty())
                continue;   // dropped meanwhile
            inFlight = std::move(queue.front());
            queue.pop_front();
        }
        changed.notify_all();   // room in the queue
        std::function<void(qint64)> hook;
        {
            std::lock_guard lock(g_hookMutex);
            hook = g_beforeWrite;
        }
        if (hook)
            hook(inFlight.id);
        (void)files.write(inFlight.id, *inFlight.snapshot);
        {
            std::lock_guard lock(queueMutex);
            inFlight = {};
        }
        changed.notify_all();
        std::lock_guard lock(callbackMutex);
        if (onWritten)
            onWritten();
    }
}

KvCacheWriter::KvCacheWriter()
    : m_state(std::make_shared<State>())
{
    std::thread([state = m_state] { state->run(); }).detach();
}

KvCacheWriter::~KvCacheWriter()
{
    {
        std::lock_guard lock(m_state->callbackMutex);
        m_state->onWritten = nullptr;
    }
    if (!waitIdle(kQuitWaitMs)) {
        std::lock_guard lock(m_state->queueMutex);
        qCWarning(lcEngine) << "the disk is slow: the states of" << m_state->queue.size()
                            << "conversations were not saved within" << kQuitWaitMs << "ms";
        m_state->queue.clear();
    }
    {
        std::lock_guard lock(m_state->queueMutex);
        m_state->stop = true;
    }
    m_state->changed.notify_all();
    // The thread holds its own reference to the state: a write still in progress ends on its
    // own, or with the process.
}

void KvCacheWriter::setFolder(const QString& folder)
{
    std::lock_guard lock(m_state->disk);
    m_state->files.setFolder(folder);
}

void KvCacheWriter::setBudget(qint64 bytes)
{
    std::lock_guard lock(m_state->disk);
    m_state->files.setBudget(bytes);
}

// The folder is only changed on this thread: reading it here needs no lock.
bool KvCacheWriter::enabled() const { return m_state->files.enabled(); }

qint64 KvCacheWriter::size() const { return m_state->files.size(); }

void KvCacheWriter::evictToBudget()
{
    std::lock_guard lock(m_state->disk);
    m_state->files.evictToBudget();
}

void KvCacheWriter::enqueue(qint64 conversationId, std::shared_ptr<const KvSnapshot> snapshot)
{
    if (conversationId <= 0 || !snapshot)
        return;
    {
        std::unique_lock lock(m_state->queueMutex);
        auto same = std::find_if(m_state->queue.begin(), m_state->queue.end(),
                                 [conversationId](const Item& i) { return i.id == conversationId; });
        if (same != m_state->queue.end()) {
            same->snapshot = std::move(snapshot);   // superseded: the older one is never written
        } else {
            m_state->changed.wait(lock, [this] { return m_state->queue.size() < size_t(kMaxQueued); });
            m_state->queue.push_back({conversationId, std::move(snapshot)});
        }
    }
    m_state->changed.notify_all();
}

std::shared_ptr<const KvSnapshot> KvCacheWriter::read(qint64 conversationId)
{
    {
        std::lock_guard lock(m_state->queueMutex);
        // The queued one is newer than one being written.
        for (const Item& i : m_state->queue)
            if (i.id == conversationId)
                return i.snapshot;
        if (m_state->inFlight.id == conversationId && conversationId > 0)
            return m_state->inFlight.snapshot;
    }
    // Without the disk lock: a write in progress is another conversation's, and switching to
    // this one must not wait for it. An eviction racing with this read only makes it fail
    // (then the conversation is answered cold).
    auto saved = m_state->files.read(conversationId);
    return saved ? std::make_shared<const KvSnapshot>(std::move(*saved)) : nullptr;
}

void KvCacheWriter::remove(qint64 conversationId, const QString& why)
{
    bool writing = false;
    {
        std::lock_guard lock(m_state->queueMutex);
        std::erase_if(m_state->queue, [conversationId](const Item& i) { return i.id == conversationId; });
        writing = m_state->inFlight.id == conversationId;
    }
    m_state->changed.notify_all();
    if (!writing) {
        // Nothing of it is queued or being written, and only this thread queues: no lock, so
        // deleting a conversation does not wait for another one's write.
        m_state->files.remove(conversationId, why);
        return;
    }
    std::lock_guard lock(m_state->disk);   // its write in progress ends first
    m_state->files.remove(conversationId, why);
}

void KvCacheWriter::clear()
{
    {
        std::lock_guard lock(m_state->queueMutex);
        m_state->queue.clear();
    }
    m_state->changed.notify_all();
    std::lock_guard lock(m_state->disk);
    m_state->files.clear();
}

bool KvCacheWriter::waitIdle(int ms)
{
    std::unique_lock lock(m_state->queueMutex);
    return m_state->changed.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_state->idle(); });
}

void KvCacheWriter::setOnWritten(std::function<void()> callback)
{
    std::lock_guard lock(m_state->callbackMutex);
    m_state->onWritten = std::move(callback);
}

void KvCacheWriter::setBeforeWriteHookForTests(std::function<void(qint64)> hook)
{
    std::lock_guard lock(g_hookMutex);
    g_beforeWrite = std::move(hook);
}
