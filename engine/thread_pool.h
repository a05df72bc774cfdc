#pragma once
// A persistent pool: threads are created once per engine, not per op. The calling thread takes
// part in every parallel_for, so a pool of N threads starts N-1 workers.
//
// Work is handed out in chunks from a shared counter rather than as one fixed range per thread:
// on a desktop (or a build machine) other processes take cores away at random moments, and a
// thread that got less CPU simply takes fewer chunks instead of holding everyone up.
#include <atomic>
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

    // Runs fn(begin, end) over contiguous ranges covering [0, n) exactly once; returns when all
    // are done. Range bounds are multiples of `grain` (except the end, n) so callers can keep
    // blocks whole. About 4 ranges per thread (fewer when n / grain is small).
    void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain = 1);

private:
    void worker();
    void run_chunks();

    int m_n_threads;
    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_start;
    std::condition_variable m_done;
    // The current job (valid while m_pending > 0): chunks [0, m_n_chunks) of m_chunk units.
    const std::function<void(int64_t, int64_t)>* m_fn = nullptr;
    int64_t m_n = 0;
    int64_t m_chunk = 0;          // elements per chunk, a multiple of the grain
    int64_t m_n_chunks = 0;
    std::atomic<int64_t> m_next{0};
    uint64_t m_generation = 0;
    int m_pending = 0;
    bool m_quit = false;
};

} // namespace causerie
