#pragma once
// GGUF v2/v3 reader over a read-only mmap. open() validates the whole container before
// anything is used: every count, length, offset and size is checked against the file.
// Model-level rules (required keys, tensor shapes) live in model.cpp (load_model).
#include "kernels/cpu/quant_types.h"
#include "result.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace causerie {

enum class GGUFType : uint32_t {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    BOOL = 7,
    STRING = 8,
    ARRAY = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
};

// One metadata value. Strings and arrays point into the mapping (no copies).
struct GGUFValue {
    GGUFType type{};
    // Scalars (integers widened; bool as 0/1).
    int64_t i = 0;
    uint64_t u = 0;
    double f = 0.0;
    std::string_view str;             // STRING
    GGUFType elem_type{};             // ARRAY
    uint64_t count = 0;               // ARRAY element count
    const uint8_t* elems = nullptr;   // ARRAY data (fixed-size elements) or first string
};

struct GGUFTensor {
    std::string name;
    kernels::TensorType type{};
    int n_dims = 0;
    int64_t ne[4] = {1, 1, 1, 1};   // ggml order: ne[0] is the contiguous (row) dimension
    uint64_t offset = 0;            // relative to the data section
    size_t nbytes = 0;
    const uint8_t* data = nullptr;   // into the mapping
    int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
};

// "U32", "STRING", ... ("?" for a number outside the enum).
const char* gguf_type_name(GGUFType type);

class GGUFFile {
public:
    static Result<GGUFFile> open(const std::string& path);
    // Same checks over bytes already in memory (tests, fuzzing). The buffer must outlive the file.
    static Result<GGUFFile> from_memory(const uint8_t* data, size_t size);

    GGUFFile(GGUFFile&&) noexcept;
    GGUFFile& operator=(GGUFFile&&) noexcept;
    ~GGUFFile();

    uint32_t version() const;
    size_t file_size() const;
    const std::string& path() const;

    const GGUFValue* find(std::string_view key) const;
    std::span<const std::pair<std::string, GGUFValue>> metadata() const;

    // Typed getters: an error names the key and says what was expected.
    Result<std::string> get_string(std::string_view key) const;
    Result<uint64_t> get_uint(std::string_view key) const;   // any unsigned or non-negative int type
    Result<double> get_float(std::string_view key) const;    // F32/F64 (or integer)
    Result<bool> get_bool(std::string_view key) const;
    Result<std::vector<std::string_view>> get_string_array(std::string_view key) const;
    Result<std::vector<float>> get_f32_array(std::string_view key) const;
    Result<std::vector<int32_t>> get_i32_array(std::string_view key) const;

    const std::vector<GGUFTensor>& tensors() const;
    const GGUFTensor* tensor(std::string_view name) const;

private:
    struct Impl;
    explicit GGUFFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

}   // namespace causerie
