#pragma once
// A fixed-seed random sequence for the tests that damage files at random: the same seed gives
// the same sequence everywhere, so a failure reproduces. Knuth's MMIX linear congruential step;
// each call returns the state's high 31 bits.
#include <cstdint>

namespace causerie::testing {

class FixedRandom {
public:
    explicit FixedRandom(uint64_t seed)
        : m_state(seed)
    {
    }
    uint64_t operator()()
    {
        m_state = m_state * 6364136223846793005ull + 1442695040888963407ull;
        return m_state >> 33;
    }

private:
    uint64_t m_state;
};

}   // namespace causerie::testing
