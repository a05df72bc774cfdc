#pragma once
// Token-id sequences for the engine tests: one sequence made of several parts, in order
// (`concat({{bos}, encoded, {eos}})`).
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace causerie::testing {

inline std::vector<int32_t> concat(std::initializer_list<std::vector<int32_t>> parts)
{
    std::vector<int32_t> out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

}   // namespace causerie::testing
