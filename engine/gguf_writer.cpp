#include "gguf_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace causerie {

namespace {

void put_bytes(std::vector<uint8_t>& out, const void* p, size_t n)
{
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
}

uint64_t align_up(uint64_t x, uint64_t a) { return a == 0 ? x : (x + a - 1) / a * a; }

}   // namespace

void gguf_put_u32(std::vector<uint8_t>& out, uint32_t v) { put_bytes(out, &v, 4); }
void gguf_put_u64(std::vector<uint8_t>& out, uint64_t v) { put_bytes(out, &v, 8); }
void gguf_put_string(std::vector<uint8_t>& out, std::string_view s)
{
    gguf_put_u64(out, s.size());
    put_bytes(out, s.data(), s.size());
}

void GGUFWriter::add_scalar(std::string_view key, GGUFType type, const void* p, size_t n)
{
    std::vector<uint8_t> v(n);
    std::memcpy(v.data(), p, n);
    m_kv.push_back({std::string(key), static_cast<uint32_t>(type), std::move(v)});
}

void GGUFWriter::add_u8(std::string_view k, uint8_t v) { add_scalar(k, GGUFType::U8, &v, 1); }
void GGUFWriter::add_i8(std::string_view k, int8_t v) { add_scalar(k, GGUFType::I8, &v, 1); }
void GGUFWriter::add_u16(std::string_view k, uint16_t v) { add_scalar(k, GGUFType::U16, &v, 2); }
void GGUFWriter::add_i16(std::string_view k, int16_t v) { add_scalar(k, GGUFType::I16, &v, 2); }
void GGUFWriter::add_u32(std::string_view k, uint32_t v) { add_scalar(k, GGUFType::U32, &v, 4); }
void GGUFWriter::add_i32(std::string_view k, int32_t v) { add_scalar(k, GGUFType::I32, &v, 4); }
void GGUFWriter::add_u64(std::string_view k, uint64_t v) { add_scalar(k, GGUFType::U64, &v, 8); }
void GGUFWriter::add_i64(std::string_view k, int64_t v) { add_scalar(k, GGUFType::I64, &v, 8); }
void GGUFWriter::add_f32(std::string_view k, float v) { add_scalar(k, GGUFType::F32, &v, 4); }
void GGUFWriter::add_f64(std::string_view k, double v) { add_scalar(k, GGUFType::F64, &v, 8); }
void GGUFWriter::add_bool(std::string_view k, bool v)
{
    const uint8_t b = v ? 1 : 0;
    add_scalar(k, GGUFType::BOOL, &b, 1);
}

void GGUFWriter::add_string(std::string_view key, std::string_view v)
{
    std::vector<uint8_t> bytes;
    gguf_put_string(bytes, v);
    m_kv.push_back({std::string(key), static_cast<uint32_t>(GGUFType::STRING), std::move(bytes)});
}

void GGUFWriter::add_string_array(std::string_view key, const std::vector<std::string>& v)
{
    std::vector<uint8_t> bytes;
    gguf_put_u32(bytes, static_cast<uint32_t>(GGUFType::STRING));
    gguf_put_u64(bytes, v.size());
    for (const std::string& s : v)
        gguf_put_string(bytes, s);
    m_kv.push_back({std::string(key), static_cast<uint32_t>(GGUFType::ARRAY), std::move(bytes)});
}

void GGUFWriter::add_array_raw(std::string_view key, GGUFType elem_type, uint64_t count, std::span<const uint8_t> raw)
{
    std::vector<uint8_t> bytes;
    gguf_put_u32(bytes, static_cast<uint32_t>(elem_type));
    gguf_put_u64(bytes, count);
    put_bytes(bytes, raw.data(), raw.size());
    m_kv.push_back({std::string(key), static_cast<uint32_t>(GGUFType::ARRAY), std::move(bytes)});
}

void GGUFWriter::add_f32_array(std::string_view key, std::span<const float> v)
{
    add_array_raw(key, GGUFType::F32, v.size(), {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(float)});
}

void GGUFWriter::add_i32_array(std::string_view key, std::span<const int32_t> v)
{
    add_array_raw(key, GGUFType::I32, v.size(),
                  {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(int32_t)});
}

void GGUFWriter::add_raw_kv(std::string_view key, uint32_t type, std::vector<uint8_t> value_bytes)
{
    m_kv.push_back({std::string(key), type, std::move(value_bytes)});
}

GGUFWriterTensor& GGUFWriter::add_tensor(std::string_view name, kernels::TensorType type, std::vector<uint64_t> ne,
                                         std::vector<uint8_t> data)
{
    GGUFWriterTensor t;
    t.name = std::string(name);
    t.n_dims = static_cast<uint32_t>(ne.size());
    t.ne = std::move(ne);
    t.type = static_cast<uint32_t>(type);
    t.data = std::move(data);
    m_tensors.push_back(std::move(t));
    return m_tensors.back();
}

GGUFWriterTensor* GGUFWriter::find_tensor(std::string_view name)
{
    for (GGUFWriterTensor& t : m_tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

bool GGUFWriter::remove_tensor(std::string_view name)
{
    return std::erase_if(m_tensors, [&](const GGUFWriterTensor& t) { return t.name == name; }) > 0;
}

bool GGUFWriter::remove_kv(std::string_view key)
{
    return std::erase_if(m_kv, [&](const Kv& kv) { return kv.key == key; }) > 0;
}

std::vector<uint8_t> GGUFWriter::build(GGUFLayout* layout) const
{
    GGUFLayout l;
    std::vector<uint8_t> out;
    gguf_put_u32(out, magic);
    l.version_pos = out.size();
    gguf_put_u32(out, version);
    l.tensor_count_pos = out.size();
    gguf_put_u64(out, tensor_count_override.value_or(m_tensors.size()));
    l.kv_count_pos = out.size();
    gguf_put_u64(out, kv_count_override.value_or(m_kv.size()));

    for (const Kv& kv : m_kv) {
        l.kv_pos.push_back(out.size());
        gguf_put_string(out, kv.key);
        gguf_put_u32(out, kv.type);
        l.kv_value_pos.push_back(out.size());
        put_bytes(out, kv.value.data(), kv.value.size());
    }

    // Default offsets: each tensor in the next aligned slot, in order.
    uint64_t next = 0;
    for (const GGUFWriterTensor& t : m_tensors) {
        const uint64_t off = t.offset.value_or(next);
        l.tensor_offsets.push_back(off);
        if (!t.offset)
            next = align_up(off + t.data.size(), alignment);
    }
    for (size_t i = 0; i < m_tensors.size(); ++i) {
        const GGUFWriterTensor& t = m_tensors[i];
        l.tensor_info_pos.push_back(out.size());
        gguf_put_string(out, t.name);
        gguf_put_u32(out, t.n_dims);
        for (uint64_t n : t.ne)
            gguf_put_u64(out, n);
        l.tensor_type_pos.push_back(out.size());
        gguf_put_u32(out, t.type);
        l.tensor_offset_pos.push_back(out.size());
        gguf_put_u64(out, l.tensor_offsets[i]);
    }

    l.data_start = static_cast<size_t>(align_up(out.size(), alignment));
    out.resize(l.data_start, 0);
    for (size_t i = 0; i < m_tensors.size(); ++i) {
        const GGUFWriterTensor& t = m_tensors[i];
        if (t.offset)
            continue;   // an overridden offset may point anywhere; data is not placed
        const size_t at = l.data_start + static_cast<size_t>(l.tensor_offsets[i]);
        if (out.size() < at)
            out.resize(at, 0);
        out.insert(out.end(), t.data.begin(), t.data.end());
    }
    // Pad the end like llama.cpp does, so the last tensor is followed by a full slot.
    if (!m_tensors.empty())
        out.resize(static_cast<size_t>(align_up(out.size(), alignment)), 0);
    if (layout)
        *layout = std::move(l);
    return out;
}

Status GGUFWriter::write_file(const std::string& path) const
{
    const std::vector<uint8_t> bytes = build();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f)
        return make_error("cannot create '" + path + "': " + std::strerror(errno));
    const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), f);
    const int err = errno;
    if (std::fclose(f) != 0 || written != bytes.size())
        return make_error("cannot write '" + path + "': " + std::strerror(err));
    return Ok{};
}

}   // namespace causerie
