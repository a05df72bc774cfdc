#include "quant_types.h"

namespace causerie::kernels {
namespace {

// Sizes from ggml's block layouts (see quant_blocks_ref.h). Q8_1 and Q8_K exist only as
// activation formats for dot products: ggml has no dot product with them as the weight side,
// so weights of those types cannot be multiplied. Of the IQ (non-linear) family only IQ4_NL and
// IQ4_XS are known.
constexpr TypeTraits k_f32{"F32", 1, 4, true};
constexpr TypeTraits k_f16{"F16", 1, 2, true};
constexpr TypeTraits k_bf16{"BF16", 1, 2, true};
constexpr TypeTraits k_q4_0{"Q4_0", 32, 18, true};
constexpr TypeTraits k_q4_1{"Q4_1", 32, 20, true};
constexpr TypeTraits k_q5_0{"Q5_0", 32, 22, true};
constexpr TypeTraits k_q5_1{"Q5_1", 32, 24, true};
constexpr TypeTraits k_q8_0{"Q8_0", 32, 34, true};
constexpr TypeTraits k_q8_1{"Q8_1", 32, 36, false};
constexpr TypeTraits k_q2_k{"Q2_K", 256, 84, true};
constexpr TypeTraits k_q3_k{"Q3_K", 256, 110, true};
constexpr TypeTraits k_q4_k{"Q4_K", 256, 144, true};
constexpr TypeTraits k_q5_k{"Q5_K", 256, 176, true};
constexpr TypeTraits k_q6_k{"Q6_K", 256, 210, true};
constexpr TypeTraits k_q8_k{"Q8_K", 256, 292, false};
constexpr TypeTraits k_iq4_nl{"IQ4_NL", 32, 18, true};
constexpr TypeTraits k_iq4_xs{"IQ4_XS", 256, 136, true};

}   // namespace

const TypeTraits* type_traits(uint32_t type)
{
    switch (static_cast<TensorType>(type)) {
    case TensorType::F32: return &k_f32;
    case TensorType::F16: return &k_f16;
    case TensorType::BF16: return &k_bf16;
    case TensorType::Q4_0: return &k_q4_0;
    case TensorType::Q4_1: return &k_q4_1;
    case TensorType::Q5_0: return &k_q5_0;
    case TensorType::Q5_1: return &k_q5_1;
    case TensorType::Q8_0: return &k_q8_0;
    case TensorType::Q8_1: return &k_q8_1;
    case TensorType::Q2_K: return &k_q2_k;
    case TensorType::Q3_K: return &k_q3_k;
    case TensorType::Q4_K: return &k_q4_k;
    case TensorType::Q5_K: return &k_q5_k;
    case TensorType::Q6_K: return &k_q6_k;
    case TensorType::Q8_K: return &k_q8_k;
    case TensorType::IQ4_NL: return &k_iq4_nl;
    case TensorType::IQ4_XS: return &k_iq4_xs;
    }
    return nullptr;
}

size_t row_bytes(TensorType type, int64_t n)
{
    const TypeTraits* t = type_traits(static_cast<uint32_t>(type));
    if (t == nullptr || n < 0)
        return 0;
    return size_t(n / t->block_size) * t->block_bytes;
}

}   // namespace causerie::kernels
