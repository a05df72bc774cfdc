#include "engine/thread_pool.h"

#include <QTest>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

using namespace causerie;

class TestThreadPool : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void coversEveryIndexOnce_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<int>("n");
        for (int t : {1, 2, 3, 8})
            for (int n : {1, 2, 5, 7, 1000})
                QTest::addRow("%d threads, n=%d", t, n) << t << n;
    }
    void coversEveryIndexOnce()
    {
        QFETCH(int, threads);
        QFETCH(int, n);
        ThreadPool pool(threads);
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        pool.parallel_for(n, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i)
                hits[size_t(i)]++;
        });
        for (int i = 0; i < n; ++i)
            QCOMPARE(hits[size_t(i)].load(), 1);
    }
    void grainKeepsBlocksWhole()
    {
        ThreadPool pool(3);
        std::atomic<int> bad{0};
        pool.parallel_for(
            100,
            [&](int64_t b, int64_t e) {
                if (b % 32 != 0 || (e % 32 != 0 && e != 100))
                    bad++;
            },
            32);
        QCOMPARE(bad.load(), 0);
    }
    void manyRoundsReuseThreads()
    {
        ThreadPool pool(2);
        std::atomic<int64_t> sum{0};
        for (int round = 0; round < 2000; ++round)
            pool.parallel_for(10, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i)
                    sum += i;
            });
        QCOMPARE(sum.load(), int64_t(2000) * 45);
    }
    // Jobs further apart than the spin (ThreadPool::kSpin) find the workers asleep on the condition
    // variable: every index must still be covered once, and the call must return (a lost wake-up of
    // the caller or a worker hangs here until ctest's timeout).
    void wakesAfterSleeping()
    {
        ThreadPool pool(3);
        for (int round = 0; round < 5; ++round) {
            std::this_thread::sleep_for(ThreadPool::kSpin * 20);
            std::vector<std::atomic<int>> hits(64);
            pool.parallel_for(64, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i)
                    hits[size_t(i)]++;
            });
            for (auto& h : hits)
                QCOMPARE(h.load(), 1);
        }
    }
    // A job whose estimated work is below kMinParallelWork is one call fn(0, n) on the calling
    // thread; one unit more of work and it is split again.
    void smallWorkRunsOnTheCaller()
    {
        ThreadPool pool(3);
        const int64_t per_item = 64;
        const int64_t n = ThreadPool::kMinParallelWork / per_item - 1;
        std::mutex mutex;
        std::vector<std::pair<int64_t, int64_t>> ranges;
        std::vector<std::thread::id> threads;
        for (int round = 0; round < 200; ++round) {
            pool.parallel_for(
                n,
                [&](int64_t b, int64_t e) {
                    std::lock_guard lock(mutex);
                    ranges.push_back({b, e});
                    threads.push_back(std::this_thread::get_id());
                },
                1, per_item);
        }
        QCOMPARE(ranges.size(), size_t(200));
        for (size_t i = 0; i < ranges.size(); ++i) {
            QCOMPARE(ranges[i].first, int64_t(0));
            QCOMPARE(ranges[i].second, n);
            QVERIFY(threads[i] == std::this_thread::get_id());
        }
    }
    void largeWorkIsSplit()
    {
        ThreadPool pool(3);
        const int64_t per_item = 64;
        const int64_t n = ThreadPool::kMinParallelWork / per_item;   // exactly the threshold
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        std::atomic<int> calls{0};
        pool.parallel_for(
            n,
            [&](int64_t b, int64_t e) {
                calls++;
                for (int64_t i = b; i < e; ++i)
                    hits[size_t(i)]++;
            },
            1, per_item);
        QCOMPARE(calls.load(), 12);   // about 4 ranges per thread
        for (auto& h : hits)
            QCOMPARE(h.load(), 1);
    }
};

QTEST_GUILESS_MAIN(TestThreadPool)
#include "tst_thread_pool.moc"
