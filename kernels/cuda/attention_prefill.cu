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
            ks[e] = K[(j0 + e / hd) * kv_dim + kvh * hd + e % hd];
        for (int64_t e = tid; e < jn * vd; e += nt)
            vs[e] = V[(j0 + e / vd) * v_dim + kvh * vd + e % vd];
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
            kh[e] = e / hd < jn ? K[(j0 + e / hd) * kv_dim + kvh * hd + e % hd] : uint16_t(0);
        for (int64_t e = tid; e < kK * vd; e += nt)
            vh[e] = e / vd < jn ? V[(j0 + e / vd) * v_dim + kvh * vd + e % vd] : uint16_t(0);
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

}   // namespace prefill
}   // namespace

bool attention_prefill_supports(const AttentionShape& sh)
{
    return sh.n_head > 0 && sh.n_head_kv > 0 && sh.n_head % sh.n_head_kv == 0 && sh.head_dim > 0 &&
           sh.head_dim <= prefill::kMaxDim && sh.value_dim > 0 && sh.value_dim <= prefill::kMaxDim &&
           sh.n_head <= 65535 && prefill::smem_bytes(sh) <= prefill::kMaxSmem && score_params_ok(sh);
}

bool attention_prefill_uses_tensor_cores(const AttentionShape& sh) { return prefill::tc_ok(sh); }

GpuStatus attention_prefill(const float* q, const uint16_t* k_cache, const uint16_t* v_cache, float* out,
                            int64_t n_tokens, int64_t pos0, const AttentionShape& sh, Stream s, PrefillMath math)
{
    constexpr int64_t kQ = kPrefillQueries;
    if (!attention_prefill_supports(sh) || n_tokens <= 0 || pos0 < 0 || (n_tokens + kQ - 1) / kQ > 65535)
        return gpu_error("attention_prefill: unsupported shape (" + attention_shape_text(sh) + ", " +
                         std::to_string(n_tokens) + " tokens at position " + std::to_string(pos0) +
                         "; head and value dims at most 256)");
    const float scale = attention_scale(sh);
    if (math == PrefillMath::Auto && prefill::tc_ok(sh))
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
