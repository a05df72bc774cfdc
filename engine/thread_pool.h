#pragma once
// A persistent pool: threads are created once per engine, not per op. The calling thread takes
// part in every parallel_for, so a pool of N threads starts N-1 workers.
//
// Work is handed out in chunks from a shared counter rather than as one fixed range per thread:
// on a desktop (or a build machine) other processes take cores away at random moments, and a
// thread that got less CPU simply takes fewer chunks instead of holding everyone up.
//
// Between jobs the threads spin for a short while (kSpin) before sleeping on a condition
// variable: a forward pass runs several jobs per layer and token, a few microseconds apart, and
// waking a sleeping thread costs a system call on each side. The spin is short so that on a busy
// machine the pool gives the cores back soon. While spinning a thread yields its core every
// ~64 pauses, so on an overloaded machine the thread it waits for can run there.
//
// A job too small to be worth splitting (its estimated work below kMinParallelWork) runs on the
// calling thread alone: waking a worker costs more than the job.
#include <atomic>
#include <chrono>
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
    // work_per_item: an estimate of one element's work (say, multiply-adds); when n * work_per_item
    // is below kMinParallelWork the caller runs fn(0, n) alone. 0: unknown, always split.
    void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain = 1,
                      int64_t work_per_item = 0);

    // Below this much work (in work_per_item units; the same bar as the attention's kSerialWork) a job
    // is not split.
    static constexpr int64_t kMinParallelWork = int64_t(1) << 16;

    // How long a thread waiting for a job (or for the others to finish one) polls before sleeping.
    static constexpr std::chrono::microseconds kSpin{50};

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
    int64_t m_chunk = 0;   // elements per chunk, a multiple of the grain
    int64_t m_n_chunks = 0;
    std::atomic<int64_t> m_next{0};
    std::atomic<uint64_t> m_generation{0};   // written under m_mutex (release), polled while spinning
    std::atomic<int> m_pending{0};           // workers still running the current job
    std::atomic<bool> m_quit{false};
};

}   // namespace causerie
