#include "vectorrank.h"

#include "kernels/cpu/cpu_features.h"

#include <QHash>

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <queue>

namespace causerie::documents {

namespace {

// Σ q[i] * b[i], the query already widened to int16: exact in int32 for n < 2^17.
int32_t dotRef(const int16_t* q, const int8_t* b, int n)
{
    int32_t sum = 0;
    for (int i = 0; i < n; ++i)
        sum += int32_t(q[i]) * int32_t(b[i]);
    return sum;
}

// The same, 32 pairs a step: the row's bytes widened to int16, multiplied and summed in pairs
// (vpmaddwd) into 8 int32 lanes. Same integers as dotRef.
__attribute__((target("avx2"))) int32_t dotAvx2(const int16_t* q, const int8_t* b, int n)
{
    __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
        const __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i + 16)));
        acc0 =
            _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + i)), b0));
        acc1 = _mm256_add_epi32(
            acc1, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + i + 16)), b1));
    }
    const __m256i acc = _mm256_add_epi32(acc0, acc1);
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s) + dotRef(q + i, b + i, n - i);
}

}   // namespace

QuantizedVector quantizeVector(const QVector<float>& v)
{
    QuantizedVector q;
    float top = 0.0f;
    for (float x : v)
        top = std::max(top, std::fabs(x));
    q.scale = top > 0.0f ? top / 127.0f : 0.0f;
    q.data.resize(v.size());
    for (qsizetype i = 0; i < v.size(); ++i)
        q.data[i] = char(q.scale > 0.0f ? std::clamp<long>(std::lround(v[i] / q.scale), -127, 127) : 0);
    return q;
}

void VectorTable::clear()
{
    ids.clear();
    documents.clear();
    scales.clear();
    data.clear();
}

void VectorTable::append(qint64 id, qint64 document, float scale, const char* bytes)
{
    ids.push_back(id);
    documents.push_back(document);
    scales.push_back(scale);
    data.insert(data.end(), reinterpret_cast<const int8_t*>(bytes), reinterpret_cast<const int8_t*>(bytes) + dim);
}

QList<QPair<qint64, double>> nearestChunks(const VectorTable& table, const QVector<float>& query, int n,
                                           const std::function<bool(qint64 document)>& keep)
{
    QList<QPair<qint64, double>> out;
    if (n <= 0 || table.dim <= 0 || query.size() != table.dim)
        return out;
    const QuantizedVector q = quantizeVector(query);
    std::vector<int16_t> qd(q.data.begin(), q.data.end());   // widened once for every row
    const auto dot = kernels::cpu_features().avx2 ? dotAvx2 : dotRef;
    // The n best so far, the worst on top: `better` orders the heap (lower similarity, then
    // higher id, is worse).
    using Entry = QPair<double, qint64>;
    const auto better = [](const Entry& a, const Entry& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    };
    std::priority_queue<Entry, std::vector<Entry>, decltype(better)> best(better);
    QHash<qint64, bool> kept;   // per document: keep()'s answer, asked once
    for (size_t r = 0; r < table.ids.size(); ++r) {
        if (keep) {
            auto it = kept.find(table.documents[r]);
            if (it == kept.end())
                it = kept.insert(table.documents[r], keep(table.documents[r]));
            if (!it.value())
                continue;
        }
        const double sim = double(dot(qd.data(), &table.data[r * size_t(table.dim)], table.dim)) * double(q.scale) *
                           double(table.scales[r]);
        const Entry e{sim, table.ids[r]};
        if (int(best.size()) < n) {
            best.push(e);
        } else if (better(e, best.top())) {
            best.pop();
            best.push(e);
        }
    }
    while (!best.empty()) {
        out.prepend({best.top().second, best.top().first});
        best.pop();
    }
    return out;
}

QList<QPair<qint64, double>> fuseRankings(const QList<QList<QPair<qint64, double>>>& rankings, int n)
{
    QHash<qint64, double> fused;
    for (const auto& ranking : rankings)
        for (qsizetype i = 0; i < ranking.size(); ++i)
            fused[ranking[i].first] += 1.0 / (kRrfK + double(i + 1));
    QList<QPair<qint64, double>> out;
    out.reserve(fused.size());
    for (auto it = fused.cbegin(); it != fused.cend(); ++it)
        out.append({it.key(), it.value()});
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (out.size() > n)
        out.resize(std::max(0, n));
    return out;
}

}   // namespace causerie::documents
