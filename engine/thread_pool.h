#pragma once
// A persistent pool: threads are created once per engine, not per op. The calling thread takes
// part in every parallel_for, so a pool of N threads starts N-1 workers.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace causerie {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return m_n_threads; }

    // Splits [0, n) into size() contiguous ranges and runs fn(begin, end) on each; returns when
    // all are done. Ranges are multiples of `grain` (except the last) so callers can keep blocks whole.
    void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain = 1);

private:
    void worker(int index);

    int m_n_threads;
    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_start;
    std::condition_variable m_done;
    const std::function<void(int64_t, int64_t)>* m_fn = nullptr;
    std::vector<std::pair<int64_t, int64_t>> m_ranges;
    uint64_t m_generation = 0;
    int m_pending = 0;
    bool m_quit = false;
};

} // namespace causerie
