#pragma once
// Moving keys already in a KV cache to other positions: RoPE rotations compose (a rotation by
// a then by b is a rotation by a + b), so a key stored at position q becomes the key of position
// q + delta by one more rotation of every pair by delta * theta_i, without recomputing it.
// Used by the context shift (rows dropped from the middle of the cache, later rows moved down).
#include <cstdint>

namespace causerie::kernels {

struct RopeShape {
    int64_t n_heads = 0;    // heads per row
    int64_t head_dim = 0;   // values per head
    int64_t n_rot = 0;      // rotated values per head (<= head_dim, even)
    float freq_base = 10000.0f;
    const float* freq_factors = nullptr;   // (n_rot/2) or null: pair i's angle divided by it
    // false: GGUF "normal" layout, pairs (x[2i], x[2i+1]) as rope_ref; true: NeoX layout,
    // pairs (x[i], x[i + n_rot/2]).
    bool neox = false;
};

// rows (n_rows, row_stride halves) F16, each row n_heads heads of head_dim: every head rotated
// by delta positions (delta < 0 moves keys back). The angle of pair i is delta * base^(-2i/n_rot)
// (divided by freq_factors[i]), built by the same float recurrence as rope_ref; values are
// widened to float, rotated and rounded back to F16 (to nearest even).
void rope_shift_f16_ref(uint16_t* rows, int64_t n_rows, int64_t row_stride, const RopeShape& shape, int64_t delta);

}   // namespace causerie::kernels
