#pragma once
// A small GGUF v3 writer for tests and the test-model writer (not for converting real models).
// It assembles the whole file in memory. Every field can be overridden so tests can craft broken
// files: header counts, magic, version, raw KV values, tensor shapes/types/offsets; build() also
// reports where each field landed so a test can patch bytes afterwards.
#include "gguf.h"
#include "result.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace causerie {

// Little-endian encoders, public so tests can build raw values.
void gguf_put_u32(std::vector<uint8_t>& out, uint32_t v);
void gguf_put_u64(std::vector<uint8_t>& out, uint64_t v);
void gguf_put_string(std::vector<uint8_t>& out, std::string_view s);   // u64 length + bytes

struct GGUFWriterTensor {
    std::string name;
    uint32_t n_dims = 0;              // written as-is; normally ne.size()
    std::vector<uint64_t> ne;         // ggml order, ne[0] contiguous
    uint32_t type = 0;                // kernels::TensorType value (any number, for tests)
    std::optional<uint64_t> offset;   // nullopt: next aligned slot after the previous tensor
    std::vector<uint8_t> data;        // bytes written into the data section
};

// Byte positions (from the start of the file) of the fields a test may want to patch.
struct GGUFLayout {
    size_t version_pos = 0;
    size_t tensor_count_pos = 0;
    size_t kv_count_pos = 0;
    std::vector<size_t> kv_pos;              // start of each KV (its key length)
    std::vector<size_t> kv_value_pos;        // start of each KV's value (after the type)
    std::vector<size_t> tensor_info_pos;     // start of each tensor info (its name length)
    std::vector<size_t> tensor_type_pos;     // each tensor's type field
    std::vector<size_t> tensor_offset_pos;   // each tensor's offset field
    size_t data_start = 0;
    std::vector<uint64_t> tensor_offsets;   // relative to data_start
};

class GGUFWriter {
public:
    // Header overrides (tests of bad headers).
    uint32_t magic = 0x46554747;   // "GGUF"
    uint32_t version = 3;
    std::optional<uint64_t> tensor_count_override;
    std::optional<uint64_t> kv_count_override;
    // Padding used for the data section and tensor slots. It is not written as a key:
    // add general.alignment yourself when it is not the default 32.
    uint64_t alignment = 32;

    void add_u8(std::string_view key, uint8_t v);
    void add_i8(std::string_view key, int8_t v);
    void add_u16(std::string_view key, uint16_t v);
    void add_i16(std::string_view key, int16_t v);
    void add_u32(std::string_view key, uint32_t v);
    void add_i32(std::string_view key, int32_t v);
    void add_u64(std::string_view key, uint64_t v);
    void add_i64(std::string_view key, int64_t v);
    void add_f32(std::string_view key, float v);
    void add_f64(std::string_view key, double v);
    void add_bool(std::string_view key, bool v);
    void add_string(std::string_view key, std::string_view v);
    void add_string_array(std::string_view key, const std::vector<std::string>& v);
    void add_f32_array(std::string_view key, std::span<const float> v);
    void add_i32_array(std::string_view key, std::span<const int32_t> v);
    // Any fixed-size element type: `bytes` is count * element size, already little-endian.
    void add_array_raw(std::string_view key, GGUFType elem_type, uint64_t count, std::span<const uint8_t> bytes);
    // A KV whose type and value bytes are written verbatim (unknown types, truncated values...).
    void add_raw_kv(std::string_view key, uint32_t type, std::vector<uint8_t> value_bytes);

    // A tensor whose shape is `ne` (ggml order) and whose bytes are `data`.
    GGUFWriterTensor& add_tensor(std::string_view name, kernels::TensorType type, std::vector<uint64_t> ne,
                                 std::vector<uint8_t> data);
    std::vector<GGUFWriterTensor>& tensors() { return m_tensors; }
    GGUFWriterTensor* find_tensor(std::string_view name);   // nullptr when absent
    bool remove_tensor(std::string_view name);              // false when absent
    bool remove_kv(std::string_view key);                   // false when absent
    size_t kv_count() const { return m_kv.size(); }

    std::vector<uint8_t> build(GGUFLayout* layout = nullptr) const;
    Status write_file(const std::string& path) const;

private:
    struct Kv {
        std::string key;
        uint32_t type;
        std::vector<uint8_t> value;
    };
    void add_scalar(std::string_view key, GGUFType type, const void* p, size_t n);
    std::vector<Kv> m_kv;
    std::vector<GGUFWriterTensor> m_tensors;
};

}   // namespace causerie
