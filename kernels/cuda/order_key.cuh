#pragma once
// Selections over floats (topk.cu, sample.cu): values as unsigned integers in the same order,
// and a bitonic sort of (key, id) pairs in shared memory, best first.
#include "common.cuh"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// Floats mapped to unsigned integers in the same order (so a k-th largest can be found by
// bisection on integers); NaN maps to 0, below every number including -inf (0x007fffff).
// -0.0 and 0.0 compare equal, so they share a key (and their tie goes to the lower index).
__device__ __forceinline__ uint32_t order_key(float v)
{
    if (v != v)
        return 0;
    if (v == 0.0f)
        return 0x80000000u;
    const uint32_t u = uint32_t(__float_as_int(v));
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// (key a, id ia) comes before (key b, id ib): larger value first, then lower index.
__device__ __forceinline__ bool key_before(uint32_t a, int32_t ia, uint32_t b, int32_t ib)
{
    return a > b || (a == b && ia < ib);
}

// Sorts n (a power of two) pairs in shared memory, best first (key_before). Every thread of
// the block calls it; the pairs are complete (synchronized) when it returns.
__device__ __forceinline__ void bitonic_sort_best_first(uint32_t* key, int32_t* id, int n)
{
    const int tid = int(threadIdx.x), nt = int(blockDim.x);
    for (int size = 2; size <= n; size <<= 1)
        for (int stride = size / 2; stride > 0; stride >>= 1) {
            __syncthreads();
            for (int i = tid; i < n; i += nt) {
                const int j = i ^ stride;
                if (j <= i)
                    continue;
                // Blocks of `size` alternate direction; the first (i & size == 0) puts the
                // better entry first, so the final merge (size = n) is best-first.
                const bool j_first = key_before(key[j], id[j], key[i], id[i]);
                if (((i & size) == 0) == j_first) {
                    const uint32_t tk = key[i];
                    const int32_t ti = id[i];
                    key[i] = key[j];
                    id[i] = id[j];
                    key[j] = tk;
                    id[j] = ti;
                }
            }
        }
    __syncthreads();
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
