#include "attention_prefill.cuh"

#include "attention_score.cuh"
#include "launch.h"

#include <cmath>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {
// Named so this file can also be compiled inside attention.cu's translation unit (see there).
namespace prefill {

constexpr int kThreads = 128;
constexpr int64_t kQ = kPrefillQueries;
constexpr int64_t kK = kPrefillKeys;
constexpr int64_t kMaxDim = 256;
// Output elements (query, value dim) per thread: kQ * value_dim spread over the block.
constexpr int kOutPerThread = int(kQ * kMaxDim / kThreads);
// Without an opt-in attribute a block gets 48 KiB of shared memory on every architecture.
constexpr size_t kMaxSmem = 48 * 1024;

__device__ __forceinline__ float round_f16(float x) { return half_bits_to_float(float_to_half_bits(x)); }

size_t smem_bytes(const AttentionShape& sh)
{
    return size_t(kQ * sh.head_dim + kQ * kK + 3 * kQ) * sizeof(float) +
           size_t(kK * (sh.head_dim + sh.value_dim)) * sizeof(uint16_t);
}

// The block's (head, 16 queries) tile: grid (n_head, ceil(n_tokens / kQ)), both kernels.
struct QueryTile {
    int64_t h, t0, nq, kvh, kv_dim, v_dim;
    int tid, nt;
};

__device__ __forceinline__ QueryTile query_tile(int64_t n_tokens, int64_t n_head, int64_t n_head_kv, int64_t hd,
                                                int64_t vd)
{
    QueryTile t;
    t.h = blockIdx.x;
    t.t0 = int64_t(blockIdx.y) * kQ;
    t.nq = n_tokens - t.t0 < kQ ? n_tokens - t.t0 : kQ;
    t.kvh = t.h / (n_head / n_head_kv);
    t.kv_dim = n_head_kv * hd;
    t.v_dim = n_head_kv * vd;
    t.tid = int(threadIdx.x);
    t.nt = int(blockDim.x);
    return t;
}

// Online-softmax state before the first K/V tile: running max -inf, sum 0, accumulators 0.
__device__ __forceinline__ void start_rows(int tid, float* row_m, float* row_l, float (&acc)[kOutPerThread])
{
    if (tid < kQ) {
        row_m[tid] = -INFINITY;
        row_l[tid] = 0.0f;
    }
    for (int k = 0; k < kOutPerThread; ++k)
        acc[k] = 0.0f;
}

// out rows of the tile's live queries: the accumulators over the softmax sums.
__device__ __forceinline__ void write_rows(const QueryTile& qt, const float (&acc)[kOutPerThread], const float* row_l,
                                           float* out, int64_t n_head, int64_t vd)
{
    for (int k = 0; k < kOutPerThread; ++k) {
        const int64_t e = qt.tid + int64_t(k) * qt.nt;
        if (e >= kQ * vd)
            break;
        const int64_t qi = e / vd, d = e % vd;
        if (qi < qt.nq)
            out[((qt.t0 + qi) * n_head + qt.h) * vd + d] = acc[k] / row_l[qi];
    }
}

// grid (n_head, ceil(n_tokens / kQ)), block kThreads; dynamic shared memory: smem_bytes().
// Per K/V tile: (1) the block stages the tile's F16 rows; (2) each thread scores some of the
// kQ x kK (query, position) pairs, -inf where the causal mask hides the position; (3) one thread
// per query row folds the tile into its running max m and sum l (float) and turns the scores
// into weights exp(s - m); (4) each thread rescales its output elements by exp(m_old - m) and
// adds the tile's weighted V rows. The output is divided by l at the end.
__global__ void __launch_bounds__(kThreads)
    attention_prefill_kernel(const float* q, const uint16_t* K, const uint16_t* V, float* out, int64_t n_tokens,
                             int64_t pos0, int64_t n_head, int64_t n_head_kv, int64_t hd, int64_t vd, float scale,
                             float softcap, int64_t window)
{
    CAUSERIE_DYNAMIC_SHARED(float, smem);
    float* qs = smem;                                     // (kQ, hd) queries rounded to F16, as the CPU backend's Q.K
    float* S = qs + kQ * hd;                              // (kQ, kK) scores, then softmax weights
    float* row_m = S + kQ * kK;                           // (kQ) running max
    float* row_l = row_m + kQ;                            // (kQ) running sum of exp(s - m)
    float* row_a = row_l + kQ;                            // (kQ) this tile's rescale of the accumulator
    auto* ks = reinterpret_cast<uint16_t*>(row_a + kQ);   // (kK, hd) F16 bits
    uint16_t* vs = ks + kK * hd;                          // (kK, vd) F16 bits

    const QueryTile qt = query_tile(n_tokens, n_head, n_head_kv, hd, vd);
    const int64_t h = qt.h, t0 = qt.t0, nq = qt.nq, kvh = qt.kvh, kv_dim = qt.kv_dim, v_dim = qt.v_dim;
    const int tid = qt.tid, nt = qt.nt;

    for (int64_t e = tid; e < kQ * hd; e += nt) {
        const int64_t qi = e / hd, i = e % hd;
        qs[e] = qi < nq ? round_f16(q[((t0 + qi) * n_head + h) * hd + i]) : 0.0f;
    }
    float acc[kOutPerThread];
    start_rows(tid, row_m, row_l, acc);

    const int64_t kv_end = pos0 + t0 + nq;   // the last query of the tile sees [.., kv_end)
    // The first query of the tile sees the earliest position; tiles stay aligned on position 0.
    for (int64_t j0 = first_visible(pos0 + t0, window) / kK * kK; j0 < kv_end; j0 += kK) {
        const int64_t jn = kv_end - j0 < kK ? kv_end - j0 : kK;
        __syncthreads();   // the previous tile's K/V/weights are consumed; q and rows initialised
        for (int64_t e = tid; e < jn * hd; e += nt)
            ks[e] = load_u16(K + (j0 + e / hd) * kv_dim + kvh * hd + e % hd);
        for (int64_t e = tid; e < jn * vd; e += nt)
            vs[e] = load_u16(V + (j0 + e / vd) * v_dim + kvh * vd + e % vd);
        __syncthreads();
        for (int64_t e = tid; e < kQ * kK; e += nt) {
            const int64_t qi = e / kK, j = e % kK;
            float s = -INFINITY;
            if (qi < nq && j < jn && j0 + j <= pos0 + t0 + qi && j0 + j >= first_visible(pos0 + t0 + qi, window)) {
                const float* qr = qs + qi * hd;
                const uint16_t* kr = ks + j * hd;
                float dot = 0.0f;
                for (int64_t i = 0; i < hd; ++i)
                    dot += qr[i] * half_bits_to_float(kr[i]);
                s = attention_score(dot, scale, softcap);
            }
            S[e] = s;
        }
        __syncthreads();
        if (tid < kQ) {
            float* sr = S + tid * kK;
            const float m_old = row_m[tid];
            float m_new = m_old;
            for (int64_t j = 0; j < kK; ++j)
                m_new = fmaxf(m_new, sr[j]);
            float alpha = 1.0f, sum = 0.0f;
            if (m_new == -INFINITY) {   // a padding row (qi >= nq): nothing visible yet
                for (int64_t j = 0; j < kK; ++j)
                    sr[j] = 0.0f;
            } else {
                alpha = expf(m_old - m_new);   // 0 on the first tile (m_old = -inf)
                for (int64_t j = 0; j < kK; ++j) {
                    const float p = sr[j] == -INFINITY ? 0.0f : expf(sr[j] - m_new);
                    sr[j] = p;
                    sum += p;
                }
            }
            row_l[tid] = row_l[tid] * alpha + sum;
            row_m[tid] = m_new;
            row_a[tid] = alpha;
        }
        __syncthreads();
        for (int k = 0; k < kOutPerThread; ++k) {
            const int64_t e = tid + int64_t(k) * nt;
            if (e >= kQ * vd)
                break;
            const int64_t qi = e / vd, d = e % vd;
            const float* w = S + qi * kK;
            float a = acc[k] * row_a[qi];
            for (int64_t j = 0; j < jn; ++j)
                a += w[j] * half_bits_to_float(vs[j * vd + d]);
            acc[k] = a;
        }
    }
    write_rows(qt, acc, row_l, out, n_head, vd);
}

// Shared-memory layout of the tensor-core kernel: sections rounded up to 128 bytes so every
// tile a wmma call loads or stores starts 32-byte aligned (the API requires 256 bits).
struct TcLayout {
    size_t qh, kh, vh, s, ph, pv, rows, total;
};

__host__ __device__ constexpr size_t up128(size_t bytes) { return (bytes + 127) / 128 * 128; }

__host__ __device__ inline TcLayout tc_layout(int64_t hd, int64_t vd)
{
    TcLayout l{};
    l.qh = 0;                                     // (kQ, hd) F16 queries
    l.kh = l.qh + up128(size_t(kQ * hd) * 2);     // (kK, hd) F16 keys
    l.vh = l.kh + up128(size_t(kK * hd) * 2);     // (kK, vd) F16 values
    l.s = l.vh + up128(size_t(kK * vd) * 2);      // (kQ, kK) F32 scores
    l.ph = l.s + up128(size_t(kQ * kK) * 4);      // (kQ, kK) F16 weights
    l.pv = l.ph + up128(size_t(kQ * kK) * 2);     // (kQ, vd) F32 this tile's P.V
    l.rows = l.pv + up128(size_t(kQ * vd) * 4);   // (3, kQ) F32 row max, sum, rescale
    l.total = l.rows + up128(size_t(3 * kQ) * 4);
    return l;
}

bool tc_ok(const AttentionShape& sh)
{
    return sh.head_dim % 16 == 0 && sh.value_dim % 16 == 0 && tc_layout(sh.head_dim, sh.value_dim).total <= kMaxSmem;
}

// c = A B for one 16x16 output tile over k_len (a multiple of 16): A's 16 rows row-major (lda)
// from a, B's 16 columns in LayoutB (ldb) from b, whose k-th row starts k * b_k_stride further.
template <typename LayoutB>
__device__ void tile_product(nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 16, float>& c, const uint16_t* a,
                             unsigned lda, const uint16_t* b, int64_t b_k_stride, unsigned ldb, int64_t k_len)
{
    namespace wmma = nvcuda::wmma;
    wmma::fill_fragment(c, 0.0f);
    for (int64_t k0 = 0; k0 < k_len; k0 += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, LayoutB> fb;
        wmma::load_matrix_sync(fa, reinterpret_cast<const __half*>(a + k0), lda);
        wmma::load_matrix_sync(fb, reinterpret_cast<const __half*>(b + k0 * b_k_stride), ldb);
        wmma::mma_sync(c, fa, fb, c);
    }
}

// The same algorithm as attention_prefill_kernel with the two products on tensor cores
// (16x16x16 F16 tiles, F32 accumulation): S = Q K^T by warps 0 and 1 (one 16-key half of the
// tile each), P V by all warps (16 value dims each in turn). Q and K are F16 already (Q is
// rounded like the CPU backend's); the softmax weights P are rounded to F16 for the product, and
// the row sums add those rounded weights so the normalisation matches what was accumulated.
// The float rescaling stays outside the fragments: their register layout is unspecified, so
// each tile's P V goes through shared memory and is added to per-thread float accumulators.
// head_dim and value_dim multiples of 16.
__global__ void __launch_bounds__(kThreads)
    attention_prefill_tc_kernel(const float* q, const uint16_t* K, const uint16_t* V, float* out, int64_t n_tokens,
                                int64_t pos0, int64_t n_head, int64_t n_head_kv, int64_t hd, int64_t vd, float scale,
                                float softcap, int64_t window)
{
    namespace wmma = nvcuda::wmma;
    CAUSERIE_DYNAMIC_SHARED(unsigned char, smem);
    const TcLayout lay = tc_layout(hd, vd);
    auto* qh = reinterpret_cast<uint16_t*>(smem + lay.qh);
    auto* kh = reinterpret_cast<uint16_t*>(smem + lay.kh);
    auto* vh = reinterpret_cast<uint16_t*>(smem + lay.vh);
    auto* S = reinterpret_cast<float*>(smem + lay.s);
    auto* ph = reinterpret_cast<uint16_t*>(smem + lay.ph);
    auto* pv = reinterpret_cast<float*>(smem + lay.pv);
    float* row_m = reinterpret_cast<float*>(smem + lay.rows);
    float* row_l = row_m + kQ;
    float* row_a = row_l + kQ;

    const QueryTile qt = query_tile(n_tokens, n_head, n_head_kv, hd, vd);
    const int64_t h = qt.h, t0 = qt.t0, nq = qt.nq, kvh = qt.kvh, kv_dim = qt.kv_dim, v_dim = qt.v_dim;
    const int tid = qt.tid, nt = qt.nt;
    const int warp = tid / kWarp, n_warps = nt / kWarp;

    for (int64_t e = tid; e < kQ * hd; e += nt) {
        const int64_t qi = e / hd, i = e % hd;
        qh[e] = qi < nq ? float_to_half_bits(q[((t0 + qi) * n_head + h) * hd + i]) : uint16_t(0);
    }
    float acc[kOutPerThread];
    start_rows(tid, row_m, row_l, acc);

    const int64_t kv_end = pos0 + t0 + nq;
    for (int64_t j0 = first_visible(pos0 + t0, window) / kK * kK; j0 < kv_end; j0 += kK) {
        const int64_t jn = kv_end - j0 < kK ? kv_end - j0 : kK;
        __syncthreads();
        // Rows past the context are zeros, not stale bits: a 0 weight times a NaN would be NaN.
        for (int64_t e = tid; e < kK * hd; e += nt)
            kh[e] = e / hd < jn ? load_u16(K + (j0 + e / hd) * kv_dim + kvh * hd + e % hd) : uint16_t(0);
        for (int64_t e = tid; e < kK * vd; e += nt)
            vh[e] = e / vd < jn ? load_u16(V + (j0 + e / vd) * v_dim + kvh * vd + e % vd) : uint16_t(0);
        __syncthreads();
        if (warp < int(kK / 16)) {
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
            tile_product<wmma::col_major>(c, qh, unsigned(hd), kh + warp * 16 * hd, 1, unsigned(hd), hd);
            wmma::store_matrix_sync(S + warp * 16, c, unsigned(kK), wmma::mem_row_major);
        }
        __syncthreads();
        if (tid < kQ) {
            float* sr = S + tid * kK;
            const bool live = tid < nq;
            const int64_t first = first_visible(pos0 + t0 + tid, window);
            auto visible = [&](int64_t j) { return live && j < jn && j0 + j <= pos0 + t0 + tid && j0 + j >= first; };
            const float m_old = row_m[tid];
            float m_new = m_old;
            for (int64_t j = 0; j < jn; ++j)
                if (visible(j)) {
                    sr[j] = attention_score(sr[j], scale, softcap);
                    m_new = fmaxf(m_new, sr[j]);
                }
            float alpha = 1.0f, sum = 0.0f;
            if (m_new != -INFINITY)
                alpha = expf(m_old - m_new);   // 0 on the first tile (m_old = -inf)
            for (int64_t j = 0; j < kK; ++j) {
                float p = 0.0f;
                if (m_new != -INFINITY && visible(j))
                    p = half_bits_to_float(float_to_half_bits(expf(sr[j] - m_new)));
                ph[tid * kK + j] = float_to_half_bits(p);
                sum += p;
            }
            row_l[tid] = row_l[tid] * alpha + sum;
            row_m[tid] = m_new;
            row_a[tid] = alpha;
        }
        __syncthreads();
        for (int64_t cb = warp; cb < vd / 16; cb += n_warps) {
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
            tile_product<wmma::row_major>(c, ph, unsigned(kK), vh + cb * 16, vd, unsigned(vd), kK);
            wmma::store_matrix_sync(pv + cb * 16, c, unsigned(vd), wmma::mem_row_major);
        }
        __syncthreads();
        for (int k = 0; k < kOutPerThread; ++k) {
            const int64_t e = tid + int64_t(k) * nt;
            if (e >= kQ * vd)
                break;
            const int64_t qi = e / vd;
            acc[k] = acc[k] * row_a[qi] + pv[e];
        }
    }
    write_rows(qt, acc, row_l, out, n_head, vd);
}

// ---- The GQA kernel: one block per (KV head, tile of kQ queries) serving up to kGqaHeads query
// heads of the group, so each K/V tile is staged in shared memory once for all of them (the
// per-head kernels above stage it once per query head). Tensor cores for both products.
constexpr int kGqaHeads = 4;       // query heads per block (one warp's 16 rows each); larger groups in slices
constexpr int64_t kGqaKeys = 16;   // KV positions per tile
constexpr int64_t kGqaMaxDim = 128;
constexpr int kGqaMaxTiles = int(kGqaMaxDim / 16);   // output tiles of 16x16 a warp owns, at most
// Padding of the shared rows (see gqa_layout).
constexpr int64_t kPadHalves = 8;
constexpr int64_t kScoreLd = kGqaKeys + 8;   // floats
constexpr int64_t kPvLd = 16 + 8;            // floats: a warp's P.V tile rows (see gqa_layout)

// The element of a warp's 16 x 16 P.V tile that lane `lane` reads in its step i (0..7): column
// lane % 16 of row 4 (i / 2) + i % 2 (lanes 0-15) or two rows below (lanes 16-31). Rows 2 apart
// start 48 floats apart, 16 banks modulo 32: the two half-warps' 16 floats fill 32 banks.
__device__ __forceinline__ int pv_row(int i, int lane) { return 4 * (i / 2) + i % 2 + 2 * (lane / 16); }

// Shared memory of the GQA kernel, in bytes from the start; rows padded so that the tensor-core
// operand loads and the score stores are free of bank conflicts:
// - F16 rows (Q, K, V, P) of n + 8 halves: consecutive rows start 16 bytes (4 banks) apart
//   modulo 128 bytes, so the 8 rows x 16 bytes a fragment load reads per phase (ldmatrix's
//   pattern) fall in 32 different banks; unpadded (256-byte rows) all 8 would hit the same 4.
// - scores (F32) rows of kGqaKeys + 8 = 24 floats: an accumulator store writes 2 floats a lane,
//   rows g and g + 8 ... half a warp (4 rows x 8 floats) per phase: rows 24 floats apart land
//   on banks 0-7, 24-31, 16-23, 8-15: distinct. The softmax then reads one row per instruction
//   (16 lanes on 16 consecutive floats).
// - each warp's P.V tile (F32) has rows of kPvLd = 24 floats, stored as the scores are
//   (conflict-free); its lanes read it two rows at a time, rows 2 apart (pv_row). With rows of
//   16 floats the store was 2-way (rows g and g + 2 in the same banks: 20,480 extra wavefronts
//   for a 7B layer's 64-token prefill, tst_cuda_prefill_attention::gqaSharedAccessesAreConflictFree).
// Every shared access goes through common.cuh's helpers or wmma: the sim counts its wavefronts.
struct GqaLayout {
    size_t qh, kh, vh, s, ph, pv, raw, rows, total;
    int64_t ldq, ldk, ldv, ldp;   // halves
};

__host__ __device__ inline GqaLayout gqa_layout(int64_t hd, int64_t vd, bool q8)
{
    constexpr int64_t M = kGqaHeads * kQ;
    GqaLayout l{};
    l.ldq = hd + kPadHalves;
    l.ldk = hd + kPadHalves;
    l.ldv = vd + kPadHalves;
    l.ldp = kGqaKeys + kPadHalves;
    l.qh = 0;                                                          // (M, ldq) F16 queries
    l.kh = l.qh + up128(size_t(M * l.ldq) * 2);                        // (kGqaKeys, ldk) F16 keys
    l.vh = l.kh + up128(size_t(kGqaKeys * l.ldk) * 2);                 // (kGqaKeys, ldv) F16 values
    l.s = l.vh + up128(size_t(kGqaKeys * l.ldv) * 2);                  // (M, kScoreLd) F32 scores
    l.ph = l.s + up128(size_t(M * kScoreLd) * 4);                      // (M, ldp) F16 weights
    l.pv = l.ph + up128(size_t(M * l.ldp) * 2);                        // (warps, 16, kPvLd) F32 P.V tiles
    l.raw = l.pv + up128(size_t(kThreads / kWarp * 16 * kPvLd) * 4);   // Q8_0: (kGqaKeys) staged rows
    const int64_t hb = (hd > vd ? hd : vd) / 32 * 34;
    l.rows = l.raw + (q8 ? up128(size_t(kGqaKeys * q8_stage_stride(hb))) : 0);   // (3, M) F32
    l.total = l.rows + up128(size_t(3 * M) * 4);
    return l;
}

bool gqa_ok(const AttentionShape& sh, bool q8)
{
    const int64_t align = q8 ? 32 : 16;
    return sh.head_dim % align == 0 && sh.value_dim % align == 0 && sh.head_dim <= kGqaMaxDim &&
           sh.value_dim <= kGqaMaxDim && gqa_layout(sh.head_dim, sh.value_dim, q8).total <= kMaxSmem;
}

// Stages kGqaKeys rows [j0, j0 + jn) of a head's K or V slice as F16 into dst (rows of ld
// halves), zeros past jn (a 0 weight times stale NaN bits would be NaN). F16 cache: 16-byte
// loads straight from the rows; Q8_0: the rows staged with 16-byte loads (stage_q8_rows), then
// dequantized to F16 (d * code rounded to F16: 2^-12 relative, within the kernel's tolerance).
template <class Elem>
__device__ void gqa_stage(uint16_t* dst, int64_t ld, const Elem* cache, int64_t head, int64_t dim, int64_t n_kv_heads,
                          int64_t j0, int64_t jn, unsigned char* raw, int tid, int nt)
{
    if constexpr (sizeof(Elem) == 1) {
        const int64_t row_bytes = n_kv_heads * dim / 32 * 34, hb = dim / 32 * 34;
        stage_q8_rows(raw, cache, row_bytes, head * hb, hb, j0, jn, tid, nt);
        __syncthreads();
        for (int64_t e = tid; e < kGqaKeys * (dim / 8); e += nt) {
            const int64_t j = e / (dim / 8), piece = e % (dim / 8);
            float f[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            if (j < jn)
                q8_piece(raw + j * q8_stage_stride(hb) + q8_stage_offset(cache, j0 + j, row_bytes, head * hb), piece,
                         f);
            uint16_t h[8];
            for (int i = 0; i < 8; ++i)
                h[i] = float_to_half_bits(f[i]);
            Words4 v;
            std::memcpy(&v, h, 16);
            store_shared(reinterpret_cast<Words4*>(dst + j * ld + piece * 8), v);   // one 16-byte store
        }
    } else {
        for (int64_t e = tid; e < kGqaKeys * (dim / 8); e += nt) {
            const int64_t j = e / (dim / 8), w = e % (dim / 8);
            Words4 v{0, 0, 0, 0};
            if (j < jn)
                v = load_i32x4_a16(cache + (j0 + j) * n_kv_heads * dim + head * dim + w * 8);
            store_shared(reinterpret_cast<Words4*>(dst + j * ld + w * 8), v);
        }
    }
}

// grid (n_head_kv * slices, ceil(n_tokens / kQ)), block kThreads; shared: gqa_layout(). Block
// (x, y) serves the query heads [h0, h0 + G) of KV head x / slices (G <= kGqaHeads) for the
// queries [y * kQ, ...): M = 16 G rows, row g * 16 + i = head h0 + g, query i. Per K/V tile:
// stage K and V once; warp g computes its head's scores S = Q K^T (16 x 16 on tensor cores),
// folds them into its rows' running max / sum (online softmax in float, weights rounded to F16
// for the product, the sums adding the rounded weights) and writes P; then the warps share the
// P V tiles (16 x 16 each) and add them, rescaled, into per-lane float accumulators (through a
// per-warp shared tile: a fragment's register layout is unspecified). Numerics: those of
// attention_prefill_tc_kernel (per row the same expressions, the row sums added in another order).
template <class Elem>
__global__ void __launch_bounds__(kThreads)
    attention_prefill_gqa_kernel(const float* q, const Elem* K, const Elem* V, float* out, int64_t n_tokens,
                                 int64_t pos0, int64_t n_head, int64_t n_head_kv, int64_t hd, int64_t vd, float scale,
                                 float softcap, int64_t window)
{
    namespace wmma = nvcuda::wmma;
    CAUSERIE_DYNAMIC_SHARED(unsigned char, smem);
    const GqaLayout lay = gqa_layout(hd, vd, sizeof(Elem) == 1);
    auto* qh = reinterpret_cast<uint16_t*>(smem + lay.qh);
    auto* kh = reinterpret_cast<uint16_t*>(smem + lay.kh);
    auto* vh = reinterpret_cast<uint16_t*>(smem + lay.vh);
    auto* S = reinterpret_cast<float*>(smem + lay.s);
    auto* ph = reinterpret_cast<uint16_t*>(smem + lay.ph);
    auto* raw = smem + lay.raw;
    float* row_m = reinterpret_cast<float*>(smem + lay.rows);
    float* row_l = row_m + kGqaHeads * kQ;
    float* row_a = row_l + kGqaHeads * kQ;

    const int64_t group = n_head / n_head_kv, slices = (group + kGqaHeads - 1) / kGqaHeads;
    const int64_t kvh = blockIdx.x / slices;
    const int64_t h0 = kvh * group + (blockIdx.x % slices) * kGqaHeads;
    const int64_t G = kvh * group + group - h0 < kGqaHeads ? kvh * group + group - h0 : kGqaHeads;
    const int64_t t0 = int64_t(blockIdx.y) * kQ;
    const int64_t nq = n_tokens - t0 < kQ ? n_tokens - t0 : kQ;
    const int tid = int(threadIdx.x), nt = int(blockDim.x);
    const int warp = tid / kWarp, lane = tid % kWarp, n_warps = nt / kWarp;
    auto* pv = reinterpret_cast<float*>(smem + lay.pv) + warp * 16 * kPvLd;

    // Q rows in F16 (rounded as the CPU backend's Q.K), 4 floats a lane with 16-byte loads.
    for (int64_t e = tid; e < G * kQ * (hd / 4); e += nt) {
        const int64_t r = e / (hd / 4), i4 = e % (hd / 4), g = r / kQ, qi = r % kQ;
        Words4 v{0, 0, 0, 0};
        if (qi < nq)
            v = load_i32x4_a16(q + ((t0 + qi) * n_head + h0 + g) * hd + i4 * 4);
        const int w[4] = {v.x, v.y, v.z, v.w};
        uint16_t h[4];
        for (int k = 0; k < 4; ++k)
            h[k] = float_to_half_bits(__int_as_float(w[k]));
        Words2 packed;
        std::memcpy(&packed, h, 8);
        store_shared(reinterpret_cast<Words2*>(qh + r * lay.ldq + i4 * 4), packed);   // one 8-byte store
    }
    if (tid < G * kQ) {
        store_shared(&row_m[tid], -INFINITY);
        store_shared(&row_l[tid], 0.0f);
    }
    // The P.V tiles a warp owns: tile k of this warp is tile warp + k * n_warps of the (G, vd / 16) grid.
    const int64_t col_tiles = vd / 16, n_tiles = G * col_tiles;
    float acc[kGqaMaxTiles * 8];
    for (float& a : acc)
        a = 0.0f;

    const int64_t kv_end = pos0 + t0 + nq;
    for (int64_t j0 = first_visible(pos0 + t0, window) / kGqaKeys * kGqaKeys; j0 < kv_end; j0 += kGqaKeys) {
        const int64_t jn = kv_end - j0 < kGqaKeys ? kv_end - j0 : kGqaKeys;
        __syncthreads();   // the previous tile's K/V/P are consumed; Q and the rows initialised
        gqa_stage(kh, lay.ldk, K, kvh, hd, n_head_kv, j0, jn, raw, tid, nt);
        __syncthreads();   // (Q8_0: the staged K rows are consumed before V's overwrite them)
        gqa_stage(vh, lay.ldv, V, kvh, vd, n_head_kv, j0, jn, raw, tid, nt);
        __syncthreads();
        if (warp < G) {   // warp g: its head's 16 rows
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
            tile_product<wmma::col_major>(c, qh + warp * kQ * lay.ldq, unsigned(lay.ldq), kh, 1, unsigned(lay.ldk), hd);
            wmma::store_matrix_sync(S + warp * kQ * kScoreLd, c, unsigned(kScoreLd), wmma::mem_row_major);
            __syncwarp();
            const int64_t j = lane % 16;
            for (int64_t qi = 0; qi < kQ; ++qi) {   // one row per instruction, 16 lanes (twice)
                const int64_t r = warp * kQ + qi, p_pos = pos0 + t0 + qi;
                const float s_raw = load_shared(&S[r * kScoreLd + j]);   // by every lane: one request per row
                const bool visible = qi < nq && j < jn && j0 + j <= p_pos && j0 + j >= first_visible(p_pos, window);
                const float sc = visible ? attention_score(s_raw, scale, softcap) : -INFINITY;
                float m = sc;
                for (int off = 8; off > 0; off >>= 1)
                    m = fmaxf(m, __shfl_xor_sync(kFullMask, m, off));
                const float m_old = load_shared(&row_m[r]);
                const float m_new = fmaxf(m_old, m);
                const float p =
                    m_new != -INFINITY && visible ? half_bits_to_float(float_to_half_bits(expf(sc - m_new))) : 0.0f;
                float sum = p;
                for (int off = 8; off > 0; off >>= 1)
                    sum += __shfl_xor_sync(kFullMask, sum, off);
                __syncwarp();   // every lane has read row_m[r]
                if (lane < 16)
                    store_shared(&ph[r * lay.ldp + j], float_to_half_bits(p));
                if (lane == 0) {
                    const float alpha = m_new != -INFINITY ? expf(m_old - m_new) : 1.0f;   // 0 on the first tile
                    store_shared(&row_l[r], load_shared(&row_l[r]) * alpha + sum);
                    store_shared(&row_m[r], m_new);
                    store_shared(&row_a[r], alpha);
                }
                __syncwarp();
            }
        }
        __syncthreads();
        for (int k = 0; k < kGqaMaxTiles; ++k) {
            const int64_t tile = warp + int64_t(k) * n_warps;
            if (tile >= n_tiles)
                break;
            const int64_t rb = tile / col_tiles, cb = tile % col_tiles;
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
            tile_product<wmma::row_major>(c, ph + rb * kQ * lay.ldp, unsigned(lay.ldp), vh + cb * 16, lay.ldv,
                                          unsigned(lay.ldv), kGqaKeys);
            wmma::store_matrix_sync(pv, c, unsigned(kPvLd), wmma::mem_row_major);
            __syncwarp();
            for (int i = 0; i < 8; ++i) {
                const int row = pv_row(i, lane);
                acc[k * 8 + i] =
                    acc[k * 8 + i] * load_shared(&row_a[rb * kQ + row]) + load_shared(&pv[row * kPvLd + lane % 16]);
            }
            __syncwarp();   // pv read before the next tile's store
        }
    }
    __syncthreads();   // row_l final
    for (int k = 0; k < kGqaMaxTiles; ++k) {
        const int64_t tile = warp + int64_t(k) * n_warps;
        if (tile >= n_tiles)
            break;
        const int64_t rb = tile / col_tiles, cb = tile % col_tiles;
        for (int i = 0; i < 8; ++i) {
            const int64_t qi = pv_row(i, lane), d = cb * 16 + lane % 16;
            const float l = load_shared(&row_l[rb * kQ + qi]);   // by every lane: one request per step
            if (qi < nq)
                out[((t0 + qi) * n_head + h0 + rb) * vd + d] = acc[k * 8 + i] / l;
        }
    }
}

}   // namespace prefill
}   // namespace

bool attention_prefill_supports(const AttentionShape& sh)
{
    return sh.n_head > 0 && sh.n_head_kv > 0 && sh.n_head % sh.n_head_kv == 0 && sh.head_dim > 0 &&
           sh.head_dim <= prefill::kMaxDim && sh.value_dim > 0 && sh.value_dim <= prefill::kMaxDim &&
           sh.n_head <= 65535 && prefill::smem_bytes(sh) <= prefill::kMaxSmem && score_params_ok(sh);
}

bool attention_prefill_uses_tensor_cores(const AttentionShape& sh)
{
    return prefill::gqa_ok(sh, false) || prefill::tc_ok(sh);
}

bool attention_prefill_shares_gqa_tiles(const AttentionShape& sh)
{
    return attention_prefill_supports(sh) && prefill::gqa_ok(sh, false);
}

bool attention_prefill_q8_0_supports(const AttentionShape& sh)
{
    return attention_prefill_supports(sh) && prefill::gqa_ok(sh, true);
}

namespace {
dim3 gqa_grid(const AttentionShape& sh, int64_t n_tokens)
{
    const int64_t slices = (sh.n_head / sh.n_head_kv + prefill::kGqaHeads - 1) / prefill::kGqaHeads;
    return dim3(unsigned(sh.n_head_kv * slices), div_up(n_tokens, kPrefillQueries));
}
}   // namespace

GpuStatus attention_prefill_q8_0(const float* q, const uint8_t* k_cache, const uint8_t* v_cache, float* out,
                                 int64_t n_tokens, int64_t pos0, const AttentionShape& sh, Stream s)
{
    if (!attention_prefill_q8_0_supports(sh) || n_tokens <= 0 || pos0 < 0 ||
        (n_tokens + kPrefillQueries - 1) / kPrefillQueries > 65535)
        return gpu_error("attention_prefill_q8_0: unsupported shape (" + attention_shape_text(sh) + ", " +
                         std::to_string(n_tokens) + " tokens at position " + std::to_string(pos0) +
                         "; head and value dims multiples of 32, at most 128)");
    return launch(prefill::attention_prefill_gqa_kernel<uint8_t>, gqa_grid(sh, n_tokens), dim3(prefill::kThreads),
                  prefill::gqa_layout(sh.head_dim, sh.value_dim, true).total, s, q, k_cache, v_cache, out, n_tokens,
                  pos0, sh.n_head, sh.n_head_kv, sh.head_dim, sh.value_dim, attention_scale(sh), sh.softcap, sh.window);
}

GpuStatus attention_prefill(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out,
                            int64_t n_tokens, int64_t pos0, const AttentionShape& sh, Stream s, PrefillMath math)
{
    constexpr int64_t kQ = kPrefillQueries;
    if (!attention_prefill_supports(sh) || n_tokens <= 0 || pos0 < 0 || (n_tokens + kQ - 1) / kQ > 65535)
        return gpu_error("attention_prefill: unsupported shape (" + attention_shape_text(sh) + ", " +
                         std::to_string(n_tokens) + " tokens at position " + std::to_string(pos0) +
                         "; head and value dims at most 256)");
    const float scale = attention_scale(sh);
    if (math == PrefillMath::Auto && prefill::gqa_ok(sh, false))
        return launch(prefill::attention_prefill_gqa_kernel<uint16_t>, gqa_grid(sh, n_tokens), dim3(prefill::kThreads),
                      prefill::gqa_layout(sh.head_dim, sh.value_dim, false).total, s, q, k_cache, v_cache, out,
                      n_tokens, pos0, sh.n_head, sh.n_head_kv, sh.head_dim, sh.value_dim, scale, sh.softcap, sh.window);
    if ((math == PrefillMath::Auto || math == PrefillMath::TensorCoresPerHead) && prefill::tc_ok(sh))
        return launch(prefill::attention_prefill_tc_kernel, dim3(unsigned(sh.n_head), div_up(n_tokens, kQ)),
                      dim3(prefill::kThreads), prefill::tc_layout(sh.head_dim, sh.value_dim).total, s, q, k_cache,
                      v_cache, out, n_tokens, pos0, sh.n_head, sh.n_head_kv, sh.head_dim, sh.value_dim, scale,
                      sh.softcap, sh.window);
    return launch(prefill::attention_prefill_kernel, dim3(unsigned(sh.n_head), div_up(n_tokens, kQ)),
                  dim3(prefill::kThreads), prefill::smem_bytes(sh), s, q, k_cache, v_cache, out, n_tokens, pos0,
                  sh.n_head, sh.n_head_kv, sh.head_dim, sh.value_dim, scale, sh.softcap, sh.window);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
