#pragma once
// Tensor element types as numbered by GGUF/ggml, with block layouts.
// Kernels know nothing of files or models: only raw bytes, a type and element counts.
#include <cstddef>
#include <cstdint>

namespace causerie::kernels {

enum class TensorType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ4_NL = 20,
    IQ4_XS = 23,
    BF16 = 30,
};

struct TypeTraits {
    const char* name;     // "Q4_K"
    int64_t block_size;   // elements per block (1 for F32/F16/BF16)
    size_t block_bytes;   // bytes per block
    bool supported;       // weights of this type can be loaded and multiplied
};

// nullptr for a type number that ggml never defined or that we do not know.
const TypeTraits* type_traits(uint32_t type);
// Bytes of n elements; n must be a multiple of the block size (callers validate first).
size_t row_bytes(TensorType type, int64_t n);

}   // namespace causerie::kernels
