#include "thread_pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace causerie {
namespace {

inline void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

// Polls `done` for up to ThreadPool::kSpin; true if it became true meanwhile. Yields the core
// between rounds of pauses: when the machine has more runnable threads than cores, the thread
// being waited for may be the one that needs it.
template <class Pred>
bool spin_until(Pred done)
{
    const auto deadline = std::chrono::steady_clock::now() + ThreadPool::kSpin;
    for (;;) {
        for (int i = 0; i < 64; ++i) {
            if (done())
                return true;
            cpu_relax();
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return done();
        std::this_thread::yield();
    }
}

}   // namespace

ThreadPool::ThreadPool(int n_threads)
    : m_n_threads(std::max(1, n_threads))
{
    for (int i = 1; i < m_n_threads; ++i)
        m_workers.emplace_back([this] { worker(); });
}

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_quit.store(true);
    }
    m_start.notify_all();
    for (auto& t : m_workers)
        t.join();
}

void ThreadPool::run_chunks()
{
    for (;;) {
        const int64_t c = m_next.fetch_add(1, std::memory_order_relaxed);
        if (c >= m_n_chunks)
            return;
        const int64_t b = c * m_chunk;
        (*m_fn)(b, std::min(m_n, b + m_chunk));
    }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain,
                              int64_t work_per_item)
{
    if (n <= 0)
        return;
    grain = std::max<int64_t>(1, grain);
    const int64_t units = (n + grain - 1) / grain;
    const bool small = work_per_item > 0 && n < (kMinParallelWork + work_per_item - 1) / work_per_item;
    if (m_n_threads == 1 || units == 1 || small) {
        fn(0, n);
        return;
    }
    const int64_t target = int64_t(m_n_threads) * 4;
    const int64_t units_per_chunk = std::max<int64_t>(1, (units + target - 1) / target);
    {
        std::lock_guard lock(m_mutex);
        m_fn = &fn;
        m_n = n;
        m_chunk = units_per_chunk * grain;
        m_n_chunks = (units + units_per_chunk - 1) / units_per_chunk;
        m_next.store(0, std::memory_order_relaxed);
        m_pending.store(m_n_threads - 1, std::memory_order_relaxed);
        // release: a worker that sees the new generation while spinning also sees the job
        m_generation.fetch_add(1, std::memory_order_release);
    }
    m_start.notify_all();
    run_chunks();
    const auto finished = [this] { return m_pending.load(std::memory_order_acquire) == 0; };
    if (!spin_until(finished)) {
        std::unique_lock lock(m_mutex);
        m_done.wait(lock, finished);
    }
    std::lock_guard lock(m_mutex);
    m_fn = nullptr;
}

void ThreadPool::worker()
{
    uint64_t seen = 0;
    for (;;) {
        const auto ready = [&] {
            return m_quit.load(std::memory_order_relaxed) || m_generation.load(std::memory_order_acquire) != seen;
        };
        if (!spin_until(ready)) {
            std::unique_lock lock(m_mutex);
            m_start.wait(lock, ready);
        }
        if (m_quit.load())
            return;
        seen = m_generation.load(std::memory_order_acquire);   // the job's fields were published before it
        run_chunks();
        if (m_pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            // under the mutex: the caller checks m_pending and starts waiting atomically with it
            std::lock_guard lock(m_mutex);
            m_done.notify_one();
        }
    }
}

}   // namespace causerie
