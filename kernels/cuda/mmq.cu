#include "mmq.cuh"

#include "launch.h"
#include "matvec.cuh"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {

constexpr int kThreads = 128;   // 4 warps, each 16 rows x 64 tokens of the tile
constexpr int kRows = int(kMmqRows);
constexpr int kTokens = int(kMmqTokens);
constexpr int kBlocks = int(kMmqTileK / 32);   // 32-element blocks per step
constexpr int kPanels = int(kMmqTileK / 16);   // 16-element panels per step

// Shared memory of a block (19 KiB: two blocks or more per SM). Panels: element 16 p + i of row r
// (token t) at a[p][r][i] (b[p][t][i]); the 8 rows (tokens) of one mma fragment register are 128
// contiguous bytes, so a warp's fragment loads hit 32 distinct banks. Every access goes through
// common.cuh's shared helpers: the sim counts its bank wavefronts (tst_cuda_mmq checks them).
struct Smem {
    alignas(32) int8_t a[kPanels][kRows][16];
    alignas(32) int8_t b[kPanels][kTokens][16];
    alignas(16) int wmeta[kRows][kBlocks];   // Q4_0/Q8_0: F32 bits of d; Q4_K: sc | m << 8; Q6_K: sc0 | sc1 << 8 (int8)
    float wsb[kRows][2];                     // the step's super-block: Q4_K d and dmin (F16 to F32), Q6_K d
    float xd[kTokens][kBlocks];              // Q8_0 activations: d per block
    int xs[kTokens][kBlocks];                // Q8_K activations: sum of the codes per 32 elements
    float xsb[kTokens];                      // Q8_K activations: d of the step's super-block
};

// Shared-memory traffic for the sim's counters; nothing on a GPU.
__device__ __forceinline__ void count_smem(size_t bytes)
{
#if defined(CAUSERIE_CUDA_SIM)
    ::causerie::cuda_sim::count_shared(bytes);
#else
    (void)bytes;
#endif
}

// Row r of panel p, swizzled: stored at row r ^ f(p), f(p) = p ^ 2 (p & 1) (bits b2, b1 ^ b0, b0
// of p % 8). The 8 rows one fragment register spans stay 128 contiguous bytes (a permutation
// within an aligned group of 8: a 16-byte bank group each), and the 8 lanes of each phase of a
// 16-byte staging store land in 8 distinct bank groups for every type's thread layout: Q4_0/Q8_0
// 2 rows x panels {0, 2, 4, 6} (or {1, 3, 5, 7}), Q4_K 2 rows x {0, 1, 4, 5} (or {2, 3, 6, 7}),
// Q6_K 4 rows x {g, g + 4}, the activations one token x 8 panels. (With f(p) = p, Q4_K's were
// 2-way conflicts: tst_cuda_mmq::mmqSharedAccessesAreConflictFree.)
__device__ __forceinline__ int swizzle(int p, int r) { return r ^ ((p ^ ((p & 1) << 1)) % 8); }
template <int N>
__device__ __forceinline__ int8_t* row_of(int8_t (&panels)[kPanels][N][16], int p, int r)
{
    return panels[p][swizzle(p, r)];
}
template <int N>
__device__ __forceinline__ const int8_t* row_of(const int8_t (&panels)[kPanels][N][16], int p, int r)
{
    return panels[p][swizzle(p, r)];
}

__device__ __forceinline__ float mmq_half(const uint8_t* p) { return half_bits_to_float(load_u16(p)); }
__device__ __forceinline__ int nib_lo(int v) { return v & 0x0F0F0F0F; }
__device__ __forceinline__ int nib_hi(int v) { return (v >> 4) & 0x0F0F0F0F; }
// Bytes holding v + off in [0, 2 bits) as the signed int8 v (two's complement of `bits` bits,
// sign-extended per byte without carries between bytes): Q4_0's q - 8 (bits 4), Q6_K's q - 32 (6).
__device__ __forceinline__ int sign_extend_bytes(int v, int bits)
{
    const int top = 0x01010101 << (bits - 1);
    const int s = v ^ top;
    const int fill = int((0xFFu << bits) & 0xFFu);
    return s | ((s & top) >> (bits - 1)) * fill;
}
// One 16-byte store (STS.128): a phase of 8 lanes then writes 8 panel rows, which the swizzle puts
// in 8 distinct 16-byte bank groups. (As four 4-byte stores, the 32 lanes of one store would
// put 4 distinct words in each bank: 4 wavefronts each, 16 for the 16 bytes instead of 4.)
__device__ __forceinline__ void put16(int8_t* dst, const Words4& v)
{
    store_shared(reinterpret_cast<Words4*>(dst), v);
    count_smem(16);
}
__device__ __forceinline__ void put16(int8_t* dst, int x, int y, int z, int w) { put16(dst, Words4{x, y, z, w}); }
template <class T>
__device__ __forceinline__ void put(T& dst, T v)
{
    store_shared(&dst, v);
}

// Stages the weights of blocks k0 .. k0 + kBlocks (32 elements each, nb per row; fewer at the end
// of the row) of rows row0 .. row0 + kRows; rows past the matrix and blocks past the row are zero.
__device__ __forceinline__ void stage_weights(TensorType type, Smem& sm, const uint8_t* w, int64_t rows, int64_t nb,
                                              int64_t row0, int64_t k0, int tid)
{
    const int nblk = nb - k0 < kBlocks ? int(nb - k0) : kBlocks;
    if (type == TensorType::Q4_0 || type == TensorType::Q8_0) {
        const bool q8 = type == TensorType::Q8_0;
        const size_t code_bytes = q8 ? 32 : 16;
        const uint8_t* scales = w + size_t(rows) * size_t(nb) * code_bytes;
        for (int i = tid; i < kRows * kBlocks; i += kThreads) {
            const int r = i / kBlocks, j = i % kBlocks;
            const int64_t row = row0 + r, b = k0 + j;
            const bool ok = row < rows && j < nblk;
            const uint8_t* codes = w + size_t(row) * size_t(nb) * code_bytes;
            if (!ok) {
                put16(row_of(sm.a, 2 * j, r), 0, 0, 0, 0);
                put16(row_of(sm.a, 2 * j + 1, r), 0, 0, 0, 0);
            } else if (q8) {
                put16(row_of(sm.a, 2 * j, r), load_i32x4_a16(codes + packed_chunk_offset(b, 0, nb, 2)));
                put16(row_of(sm.a, 2 * j + 1, r), load_i32x4_a16(codes + packed_chunk_offset(b, 1, nb, 2)));
            } else {   // byte l: element l in the low nibble, element 16 + l in the high one
                const Words4 q = load_i32x4_a16(codes + 16 * b);
                put16(row_of(sm.a, 2 * j, r), sign_extend_bytes(nib_lo(q.x), 4), sign_extend_bytes(nib_lo(q.y), 4),
                      sign_extend_bytes(nib_lo(q.z), 4), sign_extend_bytes(nib_lo(q.w), 4));
                put16(row_of(sm.a, 2 * j + 1, r), sign_extend_bytes(nib_hi(q.x), 4), sign_extend_bytes(nib_hi(q.y), 4),
                      sign_extend_bytes(nib_hi(q.z), 4), sign_extend_bytes(nib_hi(q.w), 4));
            }
            put(sm.wmeta[r][j], ok ? __float_as_int(mmq_half(scales + 2 * (size_t(row) * size_t(nb) + size_t(b)))) : 0);
            count_smem(4);
        }
        return;
    }
    // K-quants: a unit is 64 elements (two blocks), a step two units of one super-block.
    const int64_t nsb = nb / 8, nu = 4 * nsb;
    const int64_t u0 = k0 / 2, sb = k0 / 8;
    if (type == TensorType::Q4_K) {
        const uint8_t* meta_plane = w + size_t(rows) * size_t(nsb) * 128;
        for (int i = tid; i < kRows * 4; i += kThreads) {   // (row, unit of the step, chunk)
            const int r = i / 4, ju = (i / 2) % 2, q = i % 2;
            const int64_t row = row0 + r;
            int8_t* lo = row_of(sm.a, 4 * ju + q, r);       // block 2 ju, elements 16 q ..
            int8_t* hi = row_of(sm.a, 4 * ju + 2 + q, r);   // block 2 ju + 1
            if (row >= rows) {
                put16(lo, 0, 0, 0, 0);
                put16(hi, 0, 0, 0, 0);
                continue;
            }
            const Words4 c =
                load_i32x4_a16(w + size_t(row) * size_t(nsb) * 128 + packed_chunk_offset(u0 + ju, q, nu, 2));
            put16(lo, nib_lo(c.x), nib_lo(c.y), nib_lo(c.z), nib_lo(c.w));
            put16(hi, nib_hi(c.x), nib_hi(c.y), nib_hi(c.z), nib_hi(c.w));
        }
        // Two threads per row read the four unit words of the super-block (8 bytes each): scales
        // and mins of the step's units, and d | dmin << 16 from their top bytes.
        {
            const int r = tid / 2, p = tid % 2;
            const int64_t row = row0 + r;
            Words2 wd{0, 0};
            if (row < rows)
                wd = load_i32x2_a8(meta_plane + size_t(row) * size_t(nsb) * 16 + 16 * size_t(sb) + 8 * size_t(p));
            const uint32_t mine = (uint32_t(wd.x) >> 24) | (uint32_t(wd.y) >> 24) << 8;
            const uint32_t other = uint32_t(__shfl_xor_sync(kFullMask, int(mine), 1));
            if (p == int((k0 / 4) % 2)) {   // this pair of words is the step's two units
                // The row's 4 scale words in one 16-byte store: a phase's 8 lanes fill 128
                // contiguous bytes (as 4-byte stores, rows 8 apart would share banks: 2-way).
                auto meta = [](int v, int shift) { return ((v >> shift) & 63) | ((v >> (shift + 12)) & 63) << 8; };
                store_shared(reinterpret_cast<Words4*>(sm.wmeta[r]),
                             Words4{meta(wd.x, 0), meta(wd.x, 6), meta(wd.y, 0), meta(wd.y, 6)});
                count_smem(16);
            }
            if (p == 0) {
                const uint32_t dm = mine | other << 16;
                put(sm.wsb[r][0], half_bits_to_float(uint16_t(dm & 0xFFFF)));
                put(sm.wsb[r][1], half_bits_to_float(uint16_t(dm >> 16)));
                count_smem(8);
            }
        }
        return;
    }
    // Q6_K: one thread per (row, unit): its three chunks make the unit's four 16-element panels.
    {
        const int r = tid / 2, ju = tid % 2;
        const int64_t row = row0 + r;
        int8_t* panel[4] = {row_of(sm.a, 4 * ju, r), row_of(sm.a, 4 * ju + 1, r), row_of(sm.a, 4 * ju + 2, r),
                            row_of(sm.a, 4 * ju + 3, r)};
        if (row >= rows) {
            for (int g = 0; g < 4; ++g)
                put16(panel[g], 0, 0, 0, 0);
            store_shared(reinterpret_cast<Words2*>(&sm.wmeta[r][2 * ju]), Words2{0, 0});
            if (ju == 0)
                put(sm.wsb[r][0], 0.0f);
            return;
        }
        const uint8_t* codes = w + size_t(row) * size_t(nsb) * 192;
        const Words4 a = load_i32x4_a16(codes + packed_chunk_offset(u0 + ju, 0, nu, 3));
        const Words4 b = load_i32x4_a16(codes + packed_chunk_offset(u0 + ju, 1, nu, 3));
        const Words4 c = load_i32x4_a16(codes + packed_chunk_offset(u0 + ju, 2, nu, 3));
        const int av[4] = {a.x, a.y, a.z, a.w}, bv[4] = {b.x, b.y, b.z, b.w}, cv[4] = {c.x, c.y, c.z, c.w};
        for (int g = 0; g < 4; ++g) {   // elements 16 g .. of the unit: low bits from a / b, high from c
            int out[4];
            for (int k = 0; k < 4; ++k) {
                const int lo =
                    g % 2 == 0 ? (g < 2 ? nib_lo(av[k]) : nib_hi(av[k])) : (g < 2 ? nib_lo(bv[k]) : nib_hi(bv[k]));
                out[k] = sign_extend_bytes(lo | ((cv[k] >> (2 * g)) & 0x03030303) << 4, 6);
            }
            put16(panel[g], out[0], out[1], out[2], out[3]);
        }
        const int sc =
            load_i32_a4(w + size_t(rows) * size_t(nsb) * 192 + size_t(row) * size_t(nsb) * 16 + 4 * size_t(u0 + ju));
        // One 8-byte store: 16 lanes on 128 contiguous bytes per phase (two 4-byte stores would
        // put rows 8 apart in the same banks).
        store_shared(reinterpret_cast<Words2*>(&sm.wmeta[r][2 * ju]), Words2{sc & 0xFFFF, (sc >> 16) & 0xFFFF});
        if (ju == 0)
            put(sm.wsb[r][0],
                mmq_half(w + size_t(rows) * size_t(nsb) * 208 + size_t(row) * size_t(nsb) * 2 + 2 * size_t(sb)));
        count_smem(12);
    }
}

// Stages the activations of the same blocks for tokens t0 .. t0 + kTokens (zero past n_tokens).
__device__ __forceinline__ void stage_activations(bool k_quant, Smem& sm, const uint8_t* xq, size_t x_row_bytes,
                                                  int64_t n_tokens, int64_t nb, int64_t t0, int64_t k0, int tid)
{
    const int nblk = nb - k0 < kBlocks ? int(nb - k0) : kBlocks;
    const int64_t n = nb * 32;
    for (int i = tid; i < kTokens * kPanels; i += kThreads) {   // (token, panel): consecutive chunks
        const int t = i / kPanels, p = i % kPanels;
        const int64_t tok = t0 + t;
        if (tok >= n_tokens || p / 2 >= nblk) {
            put16(row_of(sm.b, p, t), 0, 0, 0, 0);
            continue;
        }
        const uint8_t* xr = xq + size_t(tok) * x_row_bytes;
        const int64_t off = k_quant ? packed_chunk_offset(k0 / 2 + p / 4, p % 4, nb / 2, 4)
                                    : packed_chunk_offset(k0 + p / 2, p % 2, nb, 2);
        put16(row_of(sm.b, p, t), load_i32x4_a16(xr + off));
    }
    for (int i = tid; i < kTokens * kBlocks; i += kThreads) {
        const int t = i / kBlocks, j = i % kBlocks;
        const int64_t tok = t0 + t;
        const bool ok = tok < n_tokens && j < nblk;
        const uint8_t* xr = xq + size_t(ok ? tok : 0) * x_row_bytes;
        if (k_quant) {
            put(sm.xs[t][j], ok ? int(int16_t(load_u16(xr + size_t(n) + 2 * size_t(k0 + j)))) : 0);
            if (j == 0)
                put(sm.xsb[t],
                    ok ? __int_as_float(load_i32_a4(xr + size_t(n) + size_t(n) / 16 + 4 * size_t(k0 / 8))) : 0.0f);
        } else {
            put(sm.xd[t][j],
                ok ? half_bits_to_float(uint16_t(load_i32_a4(xr + size_t(n) + 4 * size_t(k0 + j)) & 0xFFFF)) : 0.0f);
        }
        count_smem(4);
    }
}

// D += A B on the tensor cores, int8 in, int32 accumulate, with PTX's per-lane fragments
// (sim/wmma_sim.h describes them): K = 32 (a[4], b[2]) or K = 16 (a[2], b[1]).
__device__ __forceinline__ void mma_k32(int (&d)[4], const int (&a)[4], const int (&b)[2])
{
#if defined(CAUSERIE_CUDA_SIM)
    ::causerie::cuda_sim::mma_s8_m16n8(32, d, a, b);
#else
    asm("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};"
        : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}
__device__ __forceinline__ void mma_k16(int (&d)[4], const int (&a)[2], const int (&b)[1])
{
#if defined(CAUSERIE_CUDA_SIM)
    ::causerie::cuda_sim::mma_s8_m16n8(16, d, a, b);
#else
    asm("mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5}, {%6}, {%0, %1, %2, %3};"
        : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(b[0]));
#endif
}

// A 32-bit word of a panel in shared memory (lanes of a warp read 128 contiguous bytes: no bank
// conflicts).
__device__ __forceinline__ int smem_word(const int8_t* p)
{
    count_smem(4);
    return load_shared(reinterpret_cast<const int*>(p));
}

constexpr int kTiles = kTokens / 8;   // 8-token column tiles of a warp's 16 x 64 outputs

// One warp, one 32-block j of the step: the int32 sums of its 16 rows x 64 tokens. Q6_K (pass
// 0 or 1): the 16 elements of one scale group, K = 16; the others: the whole block, K = 32.
// c[n][i]: row g + 8 (i / 2), token 8 n + 2 t + i % 2 (g = lane / 4, t = lane % 4).
__device__ __forceinline__ void warp_dots(const Smem& sm, int warp, int lane, int j, int pass, bool k16,
                                          int (&c)[kTiles][4])
{
    const int g = lane / 4, t4 = 4 * (lane % 4), r = 16 * warp + g;
    for (auto& tile : c)
        for (int& v : tile)
            v = 0;
    if (k16) {
        const int p = 2 * j + pass;
        const int a[2] = {smem_word(row_of(sm.a, p, r) + t4), smem_word(row_of(sm.a, p, r + 8) + t4)};
        for (int n = 0; n < kTiles; ++n) {
            const int b[1] = {smem_word(row_of(sm.b, p, 8 * n + g) + t4)};
            mma_k16(c[n], a, b);
        }
        return;
    }
    const int p = 2 * j;
    const int a[4] = {smem_word(row_of(sm.a, p, r) + t4), smem_word(row_of(sm.a, p, r + 8) + t4),
                      smem_word(row_of(sm.a, p + 1, r) + t4), smem_word(row_of(sm.a, p + 1, r + 8) + t4)};
    for (int n = 0; n < kTiles; ++n) {
        const int b[2] = {smem_word(row_of(sm.b, p, 8 * n + g) + t4), smem_word(row_of(sm.b, p + 1, 8 * n + g) + t4)};
        mma_k32(c[n], a, b);
    }
}

// grid (ceil(n_tokens / kTokens), ceil(rows / kRows)), block kThreads. Warp w computes rows
// 16 w .. 16 w + 15 of the tile for its 64 tokens; lane (g, t) keeps the 32 outputs of its mma
// fragments (rows g, g + 8; tokens 8 n + 2 t, + 1) in registers, and its float sums follow the
// reference's block order and expressions (matvec.cu's packed_dot_*).
__global__ void __launch_bounds__(kThreads)
    mmq_kernel(TensorType type, const uint8_t* w, int64_t rows, int64_t cols, const uint8_t* xq, size_t x_row_bytes,
               int64_t n_tokens, float* y, int64_t ldy, bool accumulate)
{
    __shared__ Smem sm;
    const int tid = int(threadIdx.x), warp = tid / 32, lane = tid % 32;
    const int g = lane / 4, t2 = 2 * (lane % 4);
    const int64_t t0 = int64_t(blockIdx.x) * kTokens, row0 = int64_t(blockIdx.y) * kRows;
    const int64_t nb = cols / 32;
    const bool k_quant = type == TensorType::Q4_K || type == TensorType::Q6_K;
    const bool q6 = type == TensorType::Q6_K;
    float acc[kTiles][4];
    int isum[kTiles][4], imin[kTiles][4];
    for (int n = 0; n < kTiles; ++n)
        for (int i = 0; i < 4; ++i) {
            acc[n][i] = 0.0f;
            isum[n][i] = imin[n][i] = 0;
        }
    int c[kTiles][4];
    for (int64_t k0 = 0; k0 < nb; k0 += kBlocks) {
        __syncthreads();   // the previous step's panels are no longer read
        stage_weights(type, sm, w, rows, nb, row0, k0, tid);
        stage_activations(k_quant, sm, xq, x_row_bytes, n_tokens, nb, t0, k0, tid);
        __syncthreads();
        const int nblk = nb - k0 < kBlocks ? int(nb - k0) : kBlocks;
        for (int j = 0; j < nblk; ++j) {
            for (int pass = 0; pass < (q6 ? 2 : 1); ++pass) {   // Q6_K: a scale per 16 elements
                warp_dots(sm, warp, lane, j, pass, q6, c);
                const int meta[2] = {load_shared(&sm.wmeta[16 * warp + g][j]),
                                     load_shared(&sm.wmeta[16 * warp + g + 8][j])};
                count_smem(8);
                for (int n = 0; n < kTiles; ++n) {
                    // The two tokens' activation scale (Q4_0, Q8_0) or code sum (Q4_K) serve both rows.
                    float xd[2] = {0.0f, 0.0f};
                    int xs[2] = {0, 0};
                    for (int u = 0; u < 2 && !q6; ++u) {
                        if (k_quant)
                            xs[u] = load_shared(&sm.xs[8 * n + t2 + u][j]);
                        else
                            xd[u] = load_shared(&sm.xd[8 * n + t2 + u][j]);
                    }
                    if (!q6)
                        count_smem(8);
                    for (int i = 0; i < 4; ++i) {
                        const int m = meta[i / 2], dot = c[n][i];
                        switch (type) {
                        case TensorType::Q4_0:
                            acc[n][i] += __fmul_rn(__fmul_rn(float(dot), __int_as_float(m)), xd[i % 2]);
                            break;
                        case TensorType::Q8_0:
                            acc[n][i] += __fmul_rn(float(dot), __fmul_rn(__int_as_float(m), xd[i % 2]));
                            break;
                        case TensorType::Q4_K:
                            isum[n][i] += (m & 0xFF) * dot;
                            imin[n][i] += (m >> 8) * xs[i % 2];
                            break;
                        default: isum[n][i] += int(int8_t(m >> (8 * pass))) * dot; break;
                        }
                    }
                }
            }
            if (k_quant && (k0 + j) % 8 == 7) {   // end of a super-block: its float term
                const float wd[2] = {load_shared(&sm.wsb[16 * warp + g][0]),
                                     load_shared(&sm.wsb[16 * warp + g + 8][0])};
                const float wm[2] = {load_shared(&sm.wsb[16 * warp + g][1]),
                                     load_shared(&sm.wsb[16 * warp + g + 8][1])};
                count_smem(16);
                for (int n = 0; n < kTiles; ++n) {
                    const float xsb[2] = {load_shared(&sm.xsb[8 * n + t2]), load_shared(&sm.xsb[8 * n + t2 + 1])};
                    for (int i = 0; i < 4; ++i) {
                        const float x_d = xsb[i % 2];
                        if (!q6) {
                            const float d = __fmul_rn(wd[i / 2], x_d), dmin = __fmul_rn(wm[i / 2], x_d);
                            acc[n][i] += __fsub_rn(__fmul_rn(d, float(isum[n][i])), __fmul_rn(dmin, float(imin[n][i])));
                        } else {
                            acc[n][i] += __fmul_rn(__fmul_rn(wd[i / 2], x_d), float(isum[n][i]));
                        }
                        isum[n][i] = imin[n][i] = 0;
                    }
                }
                count_smem(4 * kTiles * 2);
            }
        }
    }
    for (int n = 0; n < kTiles; ++n)
        for (int i = 0; i < 4; ++i) {
            const int64_t row = row0 + 16 * warp + g + 8 * (i / 2), tok = t0 + 8 * n + t2 + i % 2;
            if (row < rows && tok < n_tokens) {
                float* out = y + tok * ldy + row;
                *out = accumulate ? *out + acc[n][i] : acc[n][i];
            }
        }
}

}   // namespace

// The four packed layouts the tiles decode (every quantized type packs for the decode matvec; the
// others take dequantize + F16 GEMM for prefill).
bool mmq_supports(TensorType type)
{
    return type == TensorType::Q4_0 || type == TensorType::Q8_0 || type == TensorType::Q4_K || type == TensorType::Q6_K;
}

GpuStatus mmq_packed(TensorType type, const void* w, int64_t rows, int64_t cols, const void* xq, int64_t n_tokens,
                     float* y, int64_t ldy, Stream s, bool accumulate)
{
    if (!mmq_supports(type))
        return gpu_error("mmq_packed: no int8 tensor-core path for type " + std::to_string(uint32_t(type)));
    const int64_t block = type == TensorType::Q4_K || type == TensorType::Q6_K ? 256 : 32;
    if (cols <= 0 || cols % block)
        return gpu_error("mmq_packed: row length " + std::to_string(cols) + " does not fit the blocks of type " +
                         std::to_string(uint32_t(type)));
    if (rows <= 0 || n_tokens <= 0 || ldy < rows || (rows + kMmqRows - 1) / kMmqRows > 65535)
        return gpu_error("mmq_packed: bad shape (" + std::to_string(rows) + " rows, " + std::to_string(n_tokens) +
                         " tokens, ldy " + std::to_string(ldy) + ")");
    const size_t xrb = packed_activation_row_bytes(type, cols);
    return launch(mmq_kernel, dim3(div_up(n_tokens, kMmqTokens), div_up(rows, kMmqRows)), dim3(kThreads), 0, s, type,
                  static_cast<const uint8_t*>(w), rows, cols, static_cast<const uint8_t*>(xq), xrb, n_tokens, y, ldy,
                  accumulate);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
