#include "thread_pool.h"

#include <algorithm>

namespace causerie {

ThreadPool::ThreadPool(int n_threads)
    : m_n_threads(std::max(1, n_threads))
{
    for (int i = 1; i < m_n_threads; ++i)
        m_workers.emplace_back([this, i] { worker(i); });
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

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain)
{
    if (n <= 0)
        return;
    grain = std::max<int64_t>(1, grain);
    const int64_t units = (n + grain - 1) / grain;
    const int parts = int(std::min<int64_t>(m_n_threads, units));
    if (parts <= 1) {
        fn(0, n);
        return;
    }
    std::vector<std::pair<int64_t, int64_t>> ranges(m_n_threads, {0, 0});
    for (int p = 0; p < parts; ++p) {
        const int64_t b = std::min(n, (units * p / parts) * grain);
        const int64_t e = std::min(n, (units * (p + 1) / parts) * grain);
        ranges[p] = {b, e};
    }
    {
        std::lock_guard lock(m_mutex);
        m_fn = &fn;
        m_ranges = ranges;
        m_pending = m_n_threads - 1;
        ++m_generation;
    }
    m_start.notify_all();
    if (ranges[0].first < ranges[0].second)
        fn(ranges[0].first, ranges[0].second);
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [this] { return m_pending == 0; });
    m_fn = nullptr;
}

void ThreadPool::worker(int index)
{
    uint64_t seen = 0;
    for (;;) {
        std::pair<int64_t, int64_t> range;
        const std::function<void(int64_t, int64_t)>* fn;
        {
            std::unique_lock lock(m_mutex);
            m_start.wait(lock, [&] { return m_quit || m_generation != seen; });
            if (m_quit)
                return;
            seen = m_generation;
            range = m_ranges[index];
            fn = m_fn;
        }
        if (range.first < range.second)
            (*fn)(range.first, range.second);
        {
            std::lock_guard lock(m_mutex);
            if (--m_pending == 0)
                m_done.notify_one();
        }
    }
}

} // namespace causerie
