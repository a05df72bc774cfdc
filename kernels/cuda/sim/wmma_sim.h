#pragma once
// The subset of CUDA's warp matrix API (nvcuda::wmma, <mma.h>) the kernels use, for the sim:
// 16x16x16 tiles, F16 inputs, F32 accumulators. On a GPU a fragment is spread over the warp's
// registers in a layout CUDA does not specify, so kernels touch fragments only through these
// calls; that is what lets the sim choose its own layout: every lane holds the whole tile.
// Each call is warp-collective on a GPU (all 32 lanes, converged): here it is a __syncwarp,
// so a call made by part of a warp is reported like a divergent shuffle.
// Numerics: products of F16 values are exact in F32 and summed in k order here; a tensor core
// sums in its own order (F32 accumulate), so GPU results differ in the last bits.
#include "sim_runtime.h"

#include <cstdint>
#include <type_traits>

namespace nvcuda::wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
    static_assert(M == 16 && N == 16 && K == 16, "the sim models 16x16x16 tiles only");
    float x[16 * 16];   // row-major (row, col) of the tile; F16 inputs converted exactly
};

namespace detail {
inline void collective() { ::causerie::cuda_sim::sync_warp(0xffffffffu); }
inline float to_float(float v) { return v; }
inline float to_float(__half v) { return __half2float(v); }
}   // namespace detail

template <class Use, class T, class Layout>
void load_matrix_sync(fragment<Use, 16, 16, 16, T, Layout>& f, const T* p, unsigned ldm)
{
    static_assert(!std::is_same_v<Use, accumulator>, "accumulators are loaded with a layout argument");
    detail::collective();
    if (reinterpret_cast<uintptr_t>(p) % 32 != 0)
        ::causerie::cuda_sim::report_fault("wmma::load_matrix_sync: pointer not 256-bit aligned");
    for (int r = 0; r < 16; ++r)
        for (int c = 0; c < 16; ++c)
            f.x[r * 16 + c] = detail::to_float(std::is_same_v<Layout, row_major> ? p[r * ldm + unsigned(c)]
                                                                                 : p[unsigned(c) * ldm + unsigned(r)]);
}

template <class T>
void fill_fragment(fragment<accumulator, 16, 16, 16, T>& f, T v)
{
    detail::collective();
    for (float& e : f.x)
        e = v;
}

// d = a b + c (d may be c).
template <class LA, class LB>
void mma_sync(fragment<accumulator, 16, 16, 16, float>& d, const fragment<matrix_a, 16, 16, 16, __half, LA>& a,
              const fragment<matrix_b, 16, 16, 16, __half, LB>& b, const fragment<accumulator, 16, 16, 16, float>& c)
{
    detail::collective();
    float out[16 * 16];
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 16; ++j) {
            float s = c.x[i * 16 + j];
            for (int k = 0; k < 16; ++k)
                s += a.x[i * 16 + k] * b.x[k * 16 + j];
            out[i * 16 + j] = s;
        }
    for (int e = 0; e < 16 * 16; ++e)
        d.x[e] = out[e];
}

// Every lane writes the whole tile (the same values), which is harmless.
inline void store_matrix_sync(float* p, const fragment<accumulator, 16, 16, 16, float>& f, unsigned ldm,
                              layout_t layout)
{
    detail::collective();
    if (reinterpret_cast<uintptr_t>(p) % 32 != 0)
        ::causerie::cuda_sim::report_fault("wmma::store_matrix_sync: pointer not 256-bit aligned");
    for (int r = 0; r < 16; ++r)
        for (int c = 0; c < 16; ++c)
            p[layout == mem_row_major ? r * ldm + unsigned(c) : unsigned(c) * ldm + unsigned(r)] = f.x[r * 16 + c];
}

}   // namespace nvcuda::wmma
