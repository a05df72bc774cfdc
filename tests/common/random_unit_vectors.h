#pragma once
// Random unit vectors for the vector-search tests (and benchmarks): `dim` normal components
// scaled to length 1. One generator and one distribution for the whole sequence, so the same
// seed gives the same vectors.
#include <QVector>

#include <cmath>
#include <random>

namespace causerie::testing {

class RandomUnitVectors {
public:
    RandomUnitVectors(unsigned seed, int dim)
        : m_rng(seed)
        , m_dim(dim)
    {
    }

    QVector<float> operator()()
    {
        QVector<float> v(m_dim);
        double n = 0;
        for (float& x : v) {
            x = m_normal(m_rng);
            n += double(x) * x;
        }
        for (float& x : v)
            x = float(x / std::sqrt(n));
        return v;
    }

private:
    std::mt19937 m_rng;
    std::normal_distribution<float> m_normal;
    int m_dim;
};

}   // namespace causerie::testing
