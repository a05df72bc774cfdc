#pragma once
// The subset of CUDA's warp matrix API (nvcuda::wmma, <mma.h>) the kernels use, for the sim:
// 16x16x16 tiles, F16 inputs with F32 accumulators, and int8 (signed char) inputs with int32
// accumulators. On a GPU a fragment is spread over the warp's registers in a layout CUDA does not
// specify, so kernels touch fragments only through these calls; that is what lets the sim choose
// its own layout. F16/F32 fragments: every lane holds the whole tile. Int8 inputs: every lane
// holds the whole 16x16 tile; int32 accumulators: lane l holds elements l, l + 32, ... (row-major
// index), so a warp's mma does the 16 x 16 x 16 products once, not once per lane.
// Each call is warp-collective on a GPU (all 32 lanes, converged): here it is a __syncwarp,
// so a call made by part of a warp is reported like a divergent shuffle.
// Numerics: products of F16 values are exact in F32 and summed in k order here; a tensor core
// sums in its own order (F32 accumulate), so GPU results differ in the last bits. Int8 products
// summed in int32 are exact in any order: GPU and sim agree exactly.
// Counting (sim_runtime.h): each mma counts 2 x 16^3 operations once per warp, each tile load or
// store its bytes once per warp (shared-memory traffic when the tile is in shared memory), and
// each lane reports its part of the warp's shared-memory requests (record_shared), as a GPU
// issues them: a tile load is one ldmatrix (.x4 for F16, .x2 for int8): lane l gives the
// address of a 16-byte piece of one of the tile's 16 lines (rows, or columns in col_major):
// line l % 8 + 8 ((l / 8) % 2), piece l / 16, so each phase of 8 lanes reads one 16-byte column
// of 8 consecutive lines (conflict-free when those start in 8 distinct 16-byte bank groups). An
// accumulator store is the mma fragment's: lane (g = l / 4, t = l % 4) writes elements (g + 8 h,
// 8 j + 2 t) and (.., + 1), h, j in {0, 1}: four 8-byte stores (row_major), or eight 4-byte
// ones (col_major).
#include "sim_runtime.h"

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace nvcuda::wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

namespace detail {
// What one lane stores: the whole tile, except int32 accumulators (8 elements per lane).
template <class Use, class T>
struct storage {
    using type = float;
    static constexpr int n = 16 * 16;
};
template <class Use>
struct storage<Use, signed char> {
    using type = int8_t;
    static constexpr int n = 16 * 16;
};
template <>
struct storage<accumulator, int> {
    using type = int32_t;
    static constexpr int n = 16 * 16 / 32;
};
}   // namespace detail

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
    static_assert(M == 16 && N == 16 && K == 16, "the sim models 16x16x16 tiles only");
    typename detail::storage<Use, T>::type x[detail::storage<Use, T>::n];   // row-major (row, col)
};

namespace detail {
inline void collective() { ::causerie::cuda_sim::sync_warp(0xffffffffu); }
inline float to_float(float v) { return v; }
inline float to_float(__half v) { return __half2float(v); }
inline int8_t to_float(signed char v) { return v; }
inline int lane()
{
    const auto& c = ::causerie::cuda_sim::current();
    return int(c.thread_idx.x + c.thread_idx.y * c.block_dim.x + c.thread_idx.z * c.block_dim.x * c.block_dim.y) % 32;
}
// Counters once per warp (lane 0 makes the call for the warp).
inline void count_tile(size_t bytes)
{
    if (lane() == 0)
        ::causerie::cuda_sim::count_shared(bytes);
}
inline void check_aligned(const void* p, const char* what)
{
    if (reinterpret_cast<uintptr_t>(p) % 32 != 0)
        ::causerie::cuda_sim::report_fault(what);
}
// This lane's piece of an ldmatrix-style tile load (see the top of this file): T elements, lines
// `ldm` apart, 16-byte pieces.
template <class T>
inline void record_tile_load(const T* p, unsigned ldm)
{
    constexpr int pieces = int(16 * sizeof(T)) / 16;   // per line: 2 (F16), 1 (int8)
    const int l = lane();
    if (l >= 16 * pieces)
        return;
    const unsigned line = unsigned(l % 8 + 8 * ((l / 8) % 2)), piece = unsigned(l / 16);
    ::causerie::cuda_sim::record_shared(p + line * ldm + piece * (16 / sizeof(T)), 16);
}
// This lane's part of an accumulator tile store (4-byte elements).
template <class T>
inline void record_tile_store(const T* p, unsigned ldm, bool row_major)
{
    const unsigned g = unsigned(lane() / 4), t = unsigned(lane() % 4);
    for (unsigned h = 0; h < 2; ++h)
        for (unsigned j = 0; j < 2; ++j) {
            const unsigned r = g + 8 * h, c = 8 * j + 2 * t;
            if (row_major) {
                ::causerie::cuda_sim::record_shared(p + r * ldm + c, 8);
            } else {
                ::causerie::cuda_sim::record_shared(p + c * ldm + r, 4);
                ::causerie::cuda_sim::record_shared(p + (c + 1) * ldm + r, 4);
            }
        }
}
}   // namespace detail

template <class Use, class T, class Layout>
void load_matrix_sync(fragment<Use, 16, 16, 16, T, Layout>& f, const T* p, unsigned ldm)
{
    static_assert(!std::is_same_v<Use, accumulator>, "accumulators are loaded with a layout argument");
    detail::collective();
    detail::check_aligned(p, "wmma::load_matrix_sync: pointer not 256-bit aligned");
    if (std::is_same_v<T, signed char> && ldm % 16 != 0)
        ::causerie::cuda_sim::report_fault("wmma::load_matrix_sync: ldm of an 8-bit tile not a multiple of 16");
    detail::count_tile(16 * 16 * sizeof(T));
    detail::record_tile_load(p, ldm);
    for (int r = 0; r < 16; ++r)
        for (int c = 0; c < 16; ++c)
            f.x[r * 16 + c] = detail::to_float(std::is_same_v<Layout, row_major> ? p[r * ldm + unsigned(c)]
                                                                                 : p[unsigned(c) * ldm + unsigned(r)]);
}

template <class T>
void fill_fragment(fragment<accumulator, 16, 16, 16, T>& f, T v)
{
    detail::collective();
    for (auto& e : f.x)
        e = v;
}

// d = a b + c (d may be c).
template <class LA, class LB>
void mma_sync(fragment<accumulator, 16, 16, 16, float>& d, const fragment<matrix_a, 16, 16, 16, __half, LA>& a,
              const fragment<matrix_b, 16, 16, 16, __half, LB>& b, const fragment<accumulator, 16, 16, 16, float>& c)
{
    detail::collective();
    if (detail::lane() == 0)
        ::causerie::cuda_sim::count_mma(false, 16, 16, 16);
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

// d = a b + c in int32 (exact; wraps like the hardware on overflow, which 16 products of int8
// cannot reach from a sane accumulator). The lane computes its own 8 elements.
template <class LA, class LB>
void mma_sync(fragment<accumulator, 16, 16, 16, int>& d, const fragment<matrix_a, 16, 16, 16, signed char, LA>& a,
              const fragment<matrix_b, 16, 16, 16, signed char, LB>& b, const fragment<accumulator, 16, 16, 16, int>& c)
{
    detail::collective();
    const int lane = detail::lane();
    if (lane == 0)
        ::causerie::cuda_sim::count_mma(true, 16, 16, 16);
    for (int e = 0; e < 8; ++e) {
        const int idx = lane + 32 * e, i = idx / 16, j = idx % 16;
        int32_t s = c.x[e];
        for (int k = 0; k < 16; ++k)
            s += int32_t(a.x[i * 16 + k]) * int32_t(b.x[k * 16 + j]);
        d.x[e] = s;
    }
}

// F32: every lane writes the whole tile (the same values), which is harmless.
inline void store_matrix_sync(float* p, const fragment<accumulator, 16, 16, 16, float>& f, unsigned ldm,
                              layout_t layout)
{
    detail::collective();
    detail::check_aligned(p, "wmma::store_matrix_sync: pointer not 256-bit aligned");
    detail::count_tile(16 * 16 * 4);
    detail::record_tile_store(p, ldm, layout == mem_row_major);
    for (int r = 0; r < 16; ++r)
        for (int c = 0; c < 16; ++c)
            p[layout == mem_row_major ? r * ldm + unsigned(c) : unsigned(c) * ldm + unsigned(r)] = f.x[r * 16 + c];
}

// Int32: each lane writes its 8 elements; the warp together writes the tile, so a lane reading
// elements another lane wrote needs a __syncwarp() after the call (as on a GPU).
inline void store_matrix_sync(int* p, const fragment<accumulator, 16, 16, 16, int>& f, unsigned ldm, layout_t layout)
{
    detail::collective();
    detail::check_aligned(p, "wmma::store_matrix_sync: pointer not 256-bit aligned");
    if (ldm % 4 != 0)
        ::causerie::cuda_sim::report_fault("wmma::store_matrix_sync: ldm of an int32 tile not a multiple of 4");
    detail::count_tile(16 * 16 * 4);
    detail::record_tile_store(p, ldm, layout == mem_row_major);
    const int lane = detail::lane();
    for (int e = 0; e < 8; ++e) {
        const int idx = lane + 32 * e;
        const unsigned r = unsigned(idx / 16), c = unsigned(idx % 16);
        p[layout == mem_row_major ? r * ldm + c : c * ldm + r] = f.x[e];
    }
}

}   // namespace nvcuda::wmma

// ---- mma.sync with PTX's documented per-lane fragments (what mmq.cu uses) --------------------
// The sim of `mma.sync.aligned.m16n8k{16,32}.row.col.s32.s8.s8.s32`: each lane passes its own
// registers in PTX's layout (groupID g = lane / 4, t = lane % 4): A (16 x K, row-major) a[0]: row
// g, columns 4t .. 4t + 3; a[1]: row g + 8, the same columns; for K = 32, a[2] / a[3]: the same
// rows, columns 16 + 4t ..; B (K x 8, column-major) b[0]: rows 4t .. 4t + 3 of column g, b[1]
// (K = 32) rows 16 + 4t ..; C/D (16 x 8, int32) c[0], c[1]: row g, columns 2t, 2t + 1; c[2], c[3]:
// row g + 8. The lanes meet at a warp barrier, exchange registers through a per-warp buffer,
// each computes its four results (the warp does the 16 x 8 x K products once), and meet again.
namespace causerie::cuda_sim {
inline void mma_s8_m16n8(int k, int32_t d[4], const int32_t* a, const int32_t* b)
{
    const auto& ctx = current();
    const unsigned tid =
        ctx.thread_idx.x + ctx.thread_idx.y * ctx.block_dim.x + ctx.thread_idx.z * ctx.block_dim.x * ctx.block_dim.y;
    const unsigned warp = tid / 32, lane = tid % 32;
    static thread_local int32_t buf[kMaxThreadsPerBlock / 32][32][6];   // one block at a time per OS thread
    const int na = k / 8, nb = k / 16;
    for (int i = 0; i < na; ++i)
        buf[warp][lane][i] = a[i];
    for (int i = 0; i < nb; ++i)
        buf[warp][lane][4 + i] = b[i];
    sync_warp(0xffffffffu);
    if (lane == 0)
        count_mma(true, 16, 8, k);
    // The lane's two rows of A and two columns of B, gathered from their holders' registers.
    const unsigned g = lane / 4, t = lane % 4;
    int8_t rows[2][32], cols[2][32];
    for (int kk = 0; kk < k; kk += 4) {
        const unsigned q = unsigned(kk % 16) / 4;
        const int hi = kk >= 16 ? 1 : 0;
        for (unsigned r = 0; r < 2; ++r) {
            std::memcpy(&rows[r][kk], &buf[warp][g * 4 + q][int(r) + 2 * hi], 4);
            std::memcpy(&cols[r][kk], &buf[warp][(2 * t + r) * 4 + q][4 + hi], 4);
        }
    }
    for (int i = 0; i < 4; ++i) {
        const int8_t* ar = rows[i / 2];
        const int8_t* bc = cols[i % 2];
        int32_t s = d[i];
        for (int kk = 0; kk < k; ++kk)
            s += int32_t(ar[kk]) * int32_t(bc[kk]);
        d[i] = s;
    }
    sync_warp(0xffffffffu);   // the buffer is read by every lane before the next call overwrites it
}
}   // namespace causerie::cuda_sim
