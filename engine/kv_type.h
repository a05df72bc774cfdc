#pragma once
// The KV cache's element type (BackendOptions::kv_type). F16: two bytes a value. Q8_0: blocks of
// 32 values, an F16 scale and 32 int8 codes (34 bytes, kernels/cpu/quant_blocks_ref.h), 8.5 bits a
// value: 53 % of F16's memory. A head's slice of a row is whole blocks, so Q8_0 needs head and
// value sizes that are multiples of 32. Snapshots (kv_state.h) carry the type's name and rows in
// its layout: one type's snapshot does not restore into a backend of the other.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace causerie {

enum class KvType { F16, Q8_0 };

inline const char* kv_type_name(KvType t) { return t == KvType::Q8_0 ? "Q8_0" : "F16"; }

// "f16" / "F16", "q8_0" / "Q8_0"; anything else: nullopt.
inline std::optional<KvType> parse_kv_type(std::string_view s)
{
    if (s == "f16" || s == "F16")
        return KvType::F16;
    if (s == "q8_0" || s == "Q8_0")
        return KvType::Q8_0;
    return std::nullopt;
}

// Bytes of `dim` values of one position (dim a multiple of 32 for Q8_0).
inline size_t kv_row_bytes(KvType t, int64_t dim)
{
    return t == KvType::Q8_0 ? size_t(dim / 32 * 34) : size_t(dim * 2);
}

// Whether heads of these sizes can be stored in the type.
inline bool kv_type_fits(KvType t, int64_t head_dim, int64_t value_dim)
{
    return t == KvType::F16 || (head_dim % 32 == 0 && value_dim % 32 == 0);
}

}   // namespace causerie
