// Device top-k (topk.cu) under the CUDA sim against a CPU partial sort with the same order:
// value descending, equal values by lower index, NaN never selected. The result is a selection,
// not arithmetic, so it must match exactly.
#include "tst_cuda_util.h"

#include "kernels/cuda/topk.cuh"
#if defined(CAUSERIE_CUDA_SIM)
#include "kernels/cuda/sim/sim_runtime.h"
#endif

#include <QTest>

#include <algorithm>
#include <limits>
#include <numeric>

using namespace cuda_test;

namespace {

// The CPU oracle: ids of the k best (value desc, id asc) among non-NaN values, padded with -1.
std::vector<int32_t> cpu_topk(const float* x, int64_t n, int k)
{
    std::vector<int32_t> idx;
    for (int64_t i = 0; i < n; ++i)
        if (!std::isnan(x[i]))
            idx.push_back(int32_t(i));
    const size_t keep = std::min<size_t>(size_t(k), idx.size());
    std::partial_sort(idx.begin(), idx.begin() + std::ptrdiff_t(keep), idx.end(),
                      [&](int32_t a, int32_t b) { return x[a] > x[b] || (x[a] == x[b] && a < b); });
    idx.resize(keep);
    idx.resize(size_t(k), -1);
    return idx;
}

enum class Fill { Random, FewLevels, AllEqual, WithNaN, MostlyNaN, NegativeAndInf };

std::vector<float> make_row(int64_t n, Fill fill, uint32_t seed)
{
    std::vector<float> v = random_floats(size_t(n), seed, 3.0f);
    std::mt19937 rng(seed);
    switch (fill) {
    case Fill::Random: break;
    case Fill::FewLevels:   // many exact ties across the k-th value
        for (auto& x : v)
            x = float(int(rng() % 5)) * 0.5f;
        break;
    case Fill::AllEqual: std::fill(v.begin(), v.end(), 1.25f); break;
    case Fill::WithNaN:
        for (size_t i = 3; i < v.size(); i += 7)
            v[i] = std::numeric_limits<float>::quiet_NaN();
        v[v.size() / 2] = std::numeric_limits<float>::quiet_NaN();
        break;
    case Fill::MostlyNaN:   // fewer non-NaN values than k: padding
        for (size_t i = 0; i < v.size(); ++i)
            if (i % 1000 != 17)
                v[i] = std::numeric_limits<float>::quiet_NaN();
        break;
    case Fill::NegativeAndInf:   // masked logits (-inf), -0.0 and 0.0, all negative otherwise
        for (auto& x : v)
            x = -std::fabs(x);
        for (size_t i = 0; i < v.size(); i += 3)
            v[i] = -INFINITY;
        v[5] = -0.0f;
        v[6] = 0.0f;
        v[v.size() - 1] = INFINITY;
        break;
    }
    return v;
}

}   // namespace

class TestCudaTopK : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { CUDA_TEST_REQUIRE_DEVICE(); }
    void matchesPartialSort_data();
    void matchesPartialSort();
    void severalRows();
    void rejectsBadArguments();
};

void TestCudaTopK::matchesPartialSort_data()
{
    addTypedColumns<int, int, int>("n", "k", "fill");
    for (int n : {32000, 32768, 131072, 49152})
        for (int k : {1, 40, 128})
            QTest::addRow("vocab %d, k %d", n, k) << n << k << int(Fill::Random);
    QTest::newRow("odd 31999, k 40") << 31999 << 40 << int(Fill::Random);
    QTest::newRow("odd 257, k 128") << 257 << 128 << int(Fill::Random);
    QTest::newRow("n below k: 100, k 128") << 100 << 128 << int(Fill::Random);
    QTest::newRow("one element") << 1 << 1 << int(Fill::Random);
    QTest::newRow("5 levels (ties), k 40") << 32000 << 40 << int(Fill::FewLevels);
    QTest::newRow("5 levels (ties), k 128") << 49157 << 128 << int(Fill::FewLevels);
    QTest::newRow("all equal, k 128") << 32000 << 128 << int(Fill::AllEqual);
    QTest::newRow("NaN scattered, k 40") << 32000 << 40 << int(Fill::WithNaN);
    QTest::newRow("NaN scattered, k 1") << 32768 << 1 << int(Fill::WithNaN);
    QTest::newRow("mostly NaN: 33 numbers, k 40") << 32768 << 40 << int(Fill::MostlyNaN);
    QTest::newRow("negative, -inf, +-0, +inf, k 128") << 32000 << 128 << int(Fill::NegativeAndInf);
}

void TestCudaTopK::matchesPartialSort()
{
    QFETCH(int, n);
    QFETCH(int, k);
    QFETCH(int, fill);
    const auto row = make_row(n, Fill(fill), uint32_t(n + k));
    const auto want = cpu_topk(row.data(), n, k);
    DeviceBuffer dx(row), dids(std::vector<int32_t>(size_t(k), -7)), dvals(size_t(k) * 4);
    const auto st = gpu::topk_rows(dx.as<float>(), 1, n, k, dids.as<int32_t>(), dvals.as<float>(), nullptr);
    QVERIFY2(st.ok(), st.error.c_str());
    const auto ids = dids.read<int32_t>();
    const auto vals = dvals.read<float>();
    QCOMPARE(ids, want);
    for (int i = 0; i < k; ++i) {
        const float expect = want[size_t(i)] >= 0 ? row[size_t(want[size_t(i)])] : -INFINITY;
        QCOMPARE(vals[size_t(i)], expect);
    }
}

// Rows are independent: 3 rows with different contents in one launch; run in both sim
// schedules (a missing barrier between the compaction and the sort would show in one of them).
void TestCudaTopK::severalRows()
{
    const int64_t n = 5003;
    const int k = 40;
    std::vector<float> x;
    for (auto f : {Fill::Random, Fill::FewLevels, Fill::WithNaN}) {
        const auto r = make_row(n, f, 99);
        x.insert(x.end(), r.begin(), r.end());
    }
    DeviceBuffer dx(x), dids(size_t(3 * k) * 4), dvals(size_t(3 * k) * 4);
    for (bool reverse : {false, true}) {
#if defined(CAUSERIE_CUDA_SIM)
        causerie::cuda_sim::set_schedule(reverse ? causerie::cuda_sim::Schedule::Reverse
                                                 : causerie::cuda_sim::Schedule::Forward);
#else
        if (reverse)
            break;   // the schedule is the sim's; a GPU has its own
#endif
        const auto st = gpu::topk_rows(dx.as<float>(), 3, n, k, dids.as<int32_t>(), dvals.as<float>(), nullptr);
#if defined(CAUSERIE_CUDA_SIM)
        causerie::cuda_sim::set_schedule(causerie::cuda_sim::Schedule::Forward);
#endif
        QVERIFY2(st.ok(), st.error.c_str());
        const auto ids = dids.read<int32_t>();
        for (int r = 0; r < 3; ++r) {
            const auto want = cpu_topk(x.data() + r * n, n, k);
            QCOMPARE(std::vector<int32_t>(ids.begin() + r * k, ids.begin() + (r + 1) * k), want);
        }
    }
}

void TestCudaTopK::rejectsBadArguments()
{
    DeviceBuffer buf(4096);
    auto st = gpu::topk_rows(buf.as<float>(), 1, 100, 129, buf.as<int32_t>(), buf.as<float>(), nullptr);
    CUDA_VERIFY_REJECTED(st, "k = 129");
    st = gpu::topk_rows(buf.as<float>(), 1, 100, 0, buf.as<int32_t>(), buf.as<float>(), nullptr);
    QVERIFY(!st.ok());
    st = gpu::topk_rows(buf.as<float>(), 1, 0, 1, buf.as<int32_t>(), buf.as<float>(), nullptr);
    QVERIFY(!st.ok());
}

QTEST_GUILESS_MAIN(TestCudaTopK)
#include "tst_cuda_topk.moc"
