#pragma once
// Helpers every SIMD kernel translation unit shares (matmul_avx2.cpp, matmul_lowbit_avx2.cpp, the
// repacked kernels). Included INSIDE each unit's anonymous namespace, after <immintrin.h>, with
// <cstdlib> and <cstring>: every unit gets its own copy compiled with its own instruction set (an
// inline function with external linkage could be merged by the linker into an AVX-512 copy and
// called on an AVX2-only CPU).

inline int64_t min_i64(int64_t a, int64_t b) { return a < b ? a : b; }

inline int32_t load_i32(const uint8_t* p)
{
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

inline float half(const uint8_t* p)
{
    uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

// Per-thread scratch for the per-token block values of one call (grown, never shrunk; plain
// aligned_alloc, no std containers in these translation units). nullptr if out of memory.
struct Scratch {
    void* p = nullptr;
    size_t n = 0;
    ~Scratch() { std::free(p); }
    void* get(size_t bytes)
    {
        if (bytes > n) {
            std::free(p);
            n = (bytes + 4095) / 4096 * 4096;
            p = std::aligned_alloc(64, n);
            if (!p)
                n = 0;
        }
        return p;
    }
};
thread_local Scratch t_scratch;

// Groups of rows per panel: a panel's repacked weights (~384 KiB) stay in L2 while every tile of
// tokens of the call passes them, so the weights come from DRAM once per call. (Looping tokens
// outside, in runs of 32, streamed a 14336-row weight from DRAM once per run: for a 256-token
// batch 8 times, and that part did not get faster with a second thread.)
inline int64_t panel_groups(size_t group_bytes)
{
    const size_t target = size_t(384) << 10;
    return group_bytes >= target ? 1 : int64_t(target / group_bytes);
}

// Generation streams each record once: step `part` (of `parts`) of a record asks for the same
// part of the next record, so the requests are spread evenly (measured on Zen 4: one record
// ahead streamed Q4_K at 24 GB/s, two 23, four 22, eight 20, none 22; Q6_K needs it most).
inline void prefetch_record_part(const uint8_t* rec, size_t rec_bytes, int part, int64_t parts = 8)
{
    const size_t lines = (rec_bytes + 63) / 64;
    const size_t per = (lines + size_t(parts) - 1) / size_t(parts);
    for (size_t l = per * size_t(part); l < per * size_t(part + 1) && l < lines; ++l)
        _mm_prefetch(reinterpret_cast<const char*>(rec + 64 * l), _MM_HINT_T0);
}

// y[t * ldy + r] for rows [0, rows) of W (row r at wb + r * w_row_bytes) and tokens [0, n_tokens):
// 32 tokens at a time (~150 KB of Q8_K rows for 4096 columns, kept in L2), every weight row
// streamed past them while it sits in L1, tile(row, token rows, nt, out) on up to MaxTokens.
template <int MaxTokens, class Tile>
void rows_by_token_tiles(const uint8_t* wb, size_t w_row_bytes, int64_t rows, const uint8_t* xb, size_t x_row_bytes,
                         int64_t n_tokens, float* y, int64_t ldy, Tile tile)
{
    constexpr int64_t kSuperTokens = 32;
    for (int64_t s0 = 0; s0 < n_tokens; s0 += kSuperTokens) {
        const int64_t s1 = min_i64(n_tokens, s0 + kSuperTokens);
        for (int64_t r = 0; r < rows; ++r) {
            const uint8_t* wr = wb + size_t(r) * w_row_bytes;
            for (int64_t t0 = s0; t0 < s1; t0 += MaxTokens) {
                const int nt = int(min_i64(MaxTokens, s1 - t0));
                const uint8_t* xp[MaxTokens];
                for (int t = 0; t < nt; ++t)
                    xp[t] = xb + size_t(t0 + t) * x_row_bytes;
                float out[MaxTokens];
                tile(wr, xp, nt, out);
                for (int t = 0; t < nt; ++t)
                    y[(t0 + t) * ldy + r] = out[t];
            }
        }
    }
}
