#include "thread_pool.h"

#include <algorithm>

namespace causerie {

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
        m_quit = true;
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

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain)
{
    if (n <= 0)
        return;
    grain = std::max<int64_t>(1, grain);
    const int64_t units = (n + grain - 1) / grain;
    if (m_n_threads == 1 || units == 1) {
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
        m_pending = m_n_threads - 1;
        ++m_generation;
    }
    m_start.notify_all();
    run_chunks();
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [this] { return m_pending == 0; });
    m_fn = nullptr;
}

void ThreadPool::worker()
{
    uint64_t seen = 0;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_start.wait(lock, [&] { return m_quit || m_generation != seen; });
            if (m_quit)
                return;
            seen = m_generation;
        }
        run_chunks();   // the job's fields were published under the mutex taken above
        {
            std::lock_guard lock(m_mutex);
            if (--m_pending == 0)
                m_done.notify_one();
        }
    }
}

} // namespace causerie
