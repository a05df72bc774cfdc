// GGUF v2/v3 reader. Layout (all little-endian):
//   magic "GGUF" u32 | version u32 | tensor_count u64 | kv_count u64
//   kv_count x { key: string | type u32 | value }      string = u64 length + bytes (no NUL)
//   tensor_count x { name: string | n_dims u32 | ne[n_dims] u64 | type u32 | offset u64 }
//   padding to general.alignment (default 32) | data section (tensor offsets are relative to it)
// Every number read from the file is treated as hostile: counts and lengths are bounded by the
// bytes that remain before anything is allocated, sizes use checked arithmetic.
#include "gguf.h"

#include "display_text.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace causerie {

namespace {

constexpr uint32_t kMagic = 0x46554747;   // "GGUF" read as a little-endian u32
constexpr uint64_t kDefaultAlignment = 32;
constexpr uint64_t kMaxAlignment = uint64_t{1} << 20;   // 1 MiB: larger only wastes padding
// Absolute caps, on top of the natural bound (a count never exceeds what the bytes left could
// hold). Parsing copies each key and tensor name and indexes them (~300 bytes each), so these
// keep the parse of any file to a few MiB; strings and arrays stay views into the mapping.
// Keys: GGUF's own limit is 65535 bytes, but real keys are dotted names under 64 bytes.
constexpr uint64_t kMaxKeyLength = 256;
// ggml's GGML_MAX_NAME is 64 bytes including the NUL: the reference loader refuses longer names.
constexpr uint64_t kMaxTensorNameLength = 63;
// Real files carry 20-60 keys (tokenizer data lives in arrays, never in keys).
constexpr uint64_t kMaxKvCount = 4096;
// The model loader accepts 1024 layers of 9 tensors; the largest real models have ~1500 tensors.
constexpr uint64_t kMaxTensorCount = 16384;
// Getters turn an array into a vector (4-16 bytes per element): 4x the largest vocabulary the
// loader accepts (2^22 tokens), which leaves room for BPE merges (Llama 3: 280k for 128k tokens).
constexpr uint64_t kMaxArrayCount = uint64_t(1) << 24;
// A string value is a view until a getter copies it; the largest real ones are embedded
// tokenizer.json files of ~10 MiB.
constexpr uint64_t kMaxStringLength = uint64_t(64) << 20;
constexpr size_t kHeaderBytes = 4 + 4 + 8 + 8;
// Smallest possible encodings, used to bound counts by the bytes left in the file.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;                   // 1-byte key, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;   // 1-byte name, 1 dim

std::string str(uint64_t v) { return std::to_string(v); }

// Checked arithmetic: false on overflow.
bool mul_ok(uint64_t a, uint64_t b, uint64_t& out) { return !__builtin_mul_overflow(a, b, &out); }
bool add_ok(uint64_t a, uint64_t b, uint64_t& out) { return !__builtin_add_overflow(a, b, &out); }

size_t scalar_size(GGUFType t)
{
    switch (t) {
    case GGUFType::U8:
    case GGUFType::I8:
    case GGUFType::BOOL: return 1;
    case GGUFType::U16:
    case GGUFType::I16: return 2;
    case GGUFType::U32:
    case GGUFType::I32:
    case GGUFType::F32: return 4;
    case GGUFType::U64:
    case GGUFType::I64:
    case GGUFType::F64: return 8;
    case GGUFType::STRING:
    case GGUFType::ARRAY: return 0;
    }
    return 0;
}

bool type_known(uint32_t t) { return t <= static_cast<uint32_t>(GGUFType::F64); }

// A bounds-checked reader over [base, base+size).
class Cursor {
public:
    Cursor(const uint8_t* base, size_t size)
        : m_base(base)
        , m_size(size)
    {
    }
    size_t pos() const { return m_pos; }
    size_t remaining() const { return m_size - m_pos; }
    const uint8_t* here() const { return m_base + m_pos; }

    template <class T>
    bool read(T& out)
    {
        if (remaining() < sizeof(T))
            return false;
        std::memcpy(&out, m_base + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return true;
    }
    bool skip(uint64_t n)
    {
        if (n > remaining())
            return false;
        m_pos += static_cast<size_t>(n);
        return true;
    }

private:
    const uint8_t* m_base;
    size_t m_size;
    size_t m_pos = 0;
};

template <class T>
T load(const uint8_t* p)
{
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

// Keys and names go into messages shown on terminals and in the GUI: short and inert.
std::string printable(std::string_view s) { return sanitize_display_text(s, 80); }

}   // namespace

const char* gguf_type_name(GGUFType type)
{
    switch (type) {
    case GGUFType::U8: return "U8";
    case GGUFType::I8: return "I8";
    case GGUFType::U16: return "U16";
    case GGUFType::I16: return "I16";
    case GGUFType::U32: return "U32";
    case GGUFType::I32: return "I32";
    case GGUFType::F32: return "F32";
    case GGUFType::BOOL: return "BOOL";
    case GGUFType::STRING: return "STRING";
    case GGUFType::ARRAY: return "ARRAY";
    case GGUFType::U64: return "U64";
    case GGUFType::I64: return "I64";
    case GGUFType::F64: return "F64";
    }
    return "?";
}

struct GGUFFile::Impl {
    std::string path;
    void* map = nullptr;   // owned mmap, or nullptr for from_memory
    size_t map_size = 0;
    const uint8_t* data = nullptr;
    size_t size = 0;
    uint32_t version = 0;
    std::vector<std::pair<std::string, GGUFValue>> kv;
    std::map<std::string, size_t, std::less<>> kv_index;
    std::vector<GGUFTensor> tensors;
    std::map<std::string, size_t, std::less<>> tensor_index;

    ~Impl()
    {
        if (map)
            ::munmap(map, map_size);
    }

    Status parse();
    Status parse_value(Cursor& c, GGUFType type, GGUFValue& out, const std::string& key);
    Status parse_tensor_info(Cursor& c, uint64_t index, uint64_t alignment);
};

namespace {

// Reads a u64-length-prefixed string; `what()` names it in the error ("metadata key #3"), with
// " element N" appended for array elements (names are built only on error: a file holds
// thousands of keys and arrays hold 100k+ strings).
template <class What>
Result<std::string_view> read_string(Cursor& c, const What& what, uint64_t max_len, int64_t element = -1)
{
    auto name = [&] { return element < 0 ? what() : what() + " element " + std::to_string(element); };
    const size_t at = c.pos();
    uint64_t len = 0;
    if (!c.read(len))
        return make_error(name() + ": file ends inside the string length at offset " + str(at));
    if (len > c.remaining())
        return make_error(name() + ": string length " + str(len) + " at offset " + str(at) + " exceeds the " +
                          str(c.remaining()) + " bytes left in the file");
    if (len > max_len)
        return make_error(name() + ": string length " + str(len) + " at offset " + str(at) + " exceeds the limit of " +
                          str(max_len) + " bytes");
    std::string_view s(reinterpret_cast<const char*>(c.here()), static_cast<size_t>(len));
    c.skip(len);
    return s;
}

}   // namespace

Status GGUFFile::Impl::parse_value(Cursor& c, GGUFType type, GGUFValue& out, const std::string& key)
{
    auto what = [&] { return "metadata key '" + printable(key) + "'"; };
    out.type = type;
    if (type == GGUFType::STRING) {
        auto s = read_string(c, what, kMaxStringLength);
        if (!s)
            return s.error();
        out.str = *s;
        return Ok{};
    }
    if (type == GGUFType::ARRAY) {
        uint32_t elem = 0;
        uint64_t count = 0;
        const size_t at = c.pos();
        if (!c.read(elem) || !c.read(count))
            return make_error(what() + ": file ends inside the array header at offset " + str(at));
        if (!type_known(elem))
            return make_error(what() + ": unknown array element type " + str(elem) + " (known types are 0..12)");
        out.elem_type = static_cast<GGUFType>(elem);
        out.count = count;
        out.elems = c.here();
        if (out.elem_type == GGUFType::ARRAY)
            return make_error(what() + ": nested arrays are not supported");
        // After the natural bound (what the bytes left can hold), the absolute one.
        auto above_cap = [&] {
            return make_error(what() + ": array of " + str(count) + " elements is more than the limit of " +
                              str(kMaxArrayCount));
        };
        if (out.elem_type == GGUFType::STRING) {
            // Each string costs at least its 8-byte length, which bounds the count.
            if (count > c.remaining() / 8)
                return make_error(what() + ": array of " + str(count) + " strings cannot fit in the " +
                                  str(c.remaining()) + " bytes left in the file");
            if (count > kMaxArrayCount)
                return above_cap();
            for (uint64_t i = 0; i < count; ++i) {
                auto s = read_string(c, what, kMaxStringLength, static_cast<int64_t>(i));
                if (!s)
                    return s.error();
            }
            return Ok{};
        }
        const size_t esize = scalar_size(out.elem_type);
        if (count > c.remaining() / esize)
            return make_error(what() + ": array of " + str(count) + " " + gguf_type_name(out.elem_type) + " (" +
                              str(esize) + " bytes each) exceeds the " + str(c.remaining()) +
                              " bytes left in the file");
        if (count > kMaxArrayCount)
            return above_cap();
        c.skip(count * esize);
        return Ok{};
    }

    const size_t at = c.pos();
    const size_t n = scalar_size(type);
    if (c.remaining() < n)
        return make_error(what() + ": file ends inside its " + gguf_type_name(type) + " value at offset " + str(at));
    const uint8_t* p = c.here();
    c.skip(n);
    auto set_signed = [&](int64_t v) {
        out.i = v;
        out.u = v < 0 ? 0 : static_cast<uint64_t>(v);
        out.f = static_cast<double>(v);
    };
    auto set_unsigned = [&](uint64_t v) {
        out.u = v;
        out.i = v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                               : static_cast<int64_t>(v);
        out.f = static_cast<double>(v);
    };
    switch (type) {
    case GGUFType::U8: set_unsigned(load<uint8_t>(p)); break;
    case GGUFType::I8: set_signed(load<int8_t>(p)); break;
    case GGUFType::U16: set_unsigned(load<uint16_t>(p)); break;
    case GGUFType::I16: set_signed(load<int16_t>(p)); break;
    case GGUFType::U32: set_unsigned(load<uint32_t>(p)); break;
    case GGUFType::I32: set_signed(load<int32_t>(p)); break;
    case GGUFType::U64: set_unsigned(load<uint64_t>(p)); break;
    case GGUFType::I64: set_signed(load<int64_t>(p)); break;
    case GGUFType::F32: out.f = load<float>(p); break;
    case GGUFType::F64: out.f = load<double>(p); break;
    case GGUFType::BOOL: {
        const uint8_t b = load<uint8_t>(p);
        if (b > 1)
            return make_error(what() + ": boolean value is " + str(b) + ", expected 0 or 1");
        set_unsigned(b);
        break;
    }
    case GGUFType::STRING:
    case GGUFType::ARRAY: break;   // handled above
    }
    return Ok{};
}

Status GGUFFile::Impl::parse_tensor_info(Cursor& c, uint64_t index, uint64_t alignment)
{
    auto name_r = read_string(
        c, [&] { return "tensor #" + str(index) + " name"; }, kMaxTensorNameLength);
    if (!name_r)
        return name_r.error();
    if (name_r->empty())
        return make_error("tensor #" + str(index) + " has an empty name");
    GGUFTensor t;
    t.name = std::string(*name_r);
    auto what = [&] { return "tensor '" + printable(t.name) + "'"; };
    if (tensor_index.count(t.name))
        return make_error(what() + ": duplicate tensor name (also tensor #" + str(tensor_index.find(t.name)->second) +
                          ")");

    uint32_t n_dims = 0;
    if (!c.read(n_dims))
        return make_error(what() + ": file ends inside its dimension count");
    if (n_dims < 1 || n_dims > 4)
        return make_error(what() + ": has " + str(n_dims) + " dimensions, expected 1 to 4");
    t.n_dims = static_cast<int>(n_dims);
    for (uint32_t i = 0; i < n_dims; ++i) {
        uint64_t ne = 0;
        if (!c.read(ne))
            return make_error(what() + ": file ends inside its shape");
        if (ne == 0)
            return make_error(what() + ": dimension " + str(i) + " is 0, every dimension must be > 0");
        if (ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            return make_error(what() + ": dimension " + str(i) + " is " + str(ne) + ", too large");
        t.ne[i] = static_cast<int64_t>(ne);
    }
    uint32_t type = 0;
    if (!c.read(type))
        return make_error(what() + ": file ends inside its type");
    if (!c.read(t.offset))
        return make_error(what() + ": file ends inside its data offset");

    const kernels::TypeTraits* traits = kernels::type_traits(type);
    if (!traits)
        return make_error(what() + ": unknown tensor type " + str(type));
    if (!traits->supported)
        return make_error(what() + ": tensor type " + traits->name + " is not supported by Causerie");
    t.type = static_cast<kernels::TensorType>(type);

    uint64_t n_elements = 1;
    for (int i = 0; i < 4; ++i)
        if (!mul_ok(n_elements, static_cast<uint64_t>(t.ne[i]), n_elements) ||
            n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            return make_error(what() + ": element count overflows (shape " + str(t.ne[0]) + " x " + str(t.ne[1]) +
                              " x " + str(t.ne[2]) + " x " + str(t.ne[3]) + ")");
    if (t.ne[0] % traits->block_size != 0)
        return make_error(what() + ": row length " + str(t.ne[0]) + " is not a multiple of the " + traits->name +
                          " block size " + str(traits->block_size));
    const uint64_t n_rows = n_elements / static_cast<uint64_t>(t.ne[0]);
    const uint64_t blocks = static_cast<uint64_t>(t.ne[0] / traits->block_size);
    uint64_t row_bytes = 0, nbytes = 0;
    if (!mul_ok(blocks, traits->block_bytes, row_bytes) || !mul_ok(row_bytes, n_rows, nbytes) ||
        nbytes > std::numeric_limits<size_t>::max())
        return make_error(what() + ": byte size overflows");
    t.nbytes = static_cast<size_t>(nbytes);
    if (t.offset % alignment != 0)
        return make_error(what() + ": data offset " + str(t.offset) + " is not a multiple of the alignment " +
                          str(alignment));
    tensor_index.emplace(t.name, tensors.size());
    tensors.push_back(std::move(t));
    return Ok{};
}

Status GGUFFile::Impl::parse()
{
    Cursor c(data, size);
    if (size < 4)
        return make_error("not a GGUF file: it is only " + str(size) + " bytes long");
    uint32_t magic = 0;
    c.read(magic);
    if (magic != kMagic) {
        std::string m;
        for (int i = 0; i < 4; ++i) {
            const char ch = static_cast<char>(data[i]);
            m += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
        }
        return make_error("not a GGUF file: magic is '" + m + "', expected 'GGUF'");
    }
    if (size < kHeaderBytes)
        return make_error("GGUF header truncated: file is " + str(size) + " bytes, the header needs " +
                          str(kHeaderBytes));
    c.read(version);
    if (version == 1)
        return make_error("GGUF version 1 is not supported (pre-release format from 2023); "
                          "re-convert the model with a current llama.cpp");
    if (version != 2 && version != 3) {
        if (version == 0x02000000 || version == 0x03000000)
            return make_error("big-endian GGUF files are not supported");
        return make_error("unsupported GGUF version " + str(version) + " (supported: 2 and 3)");
    }
    uint64_t tensor_count = 0, kv_count = 0;
    c.read(tensor_count);
    c.read(kv_count);
    if (kv_count > c.remaining() / kMinKvBytes)
        return make_error("GGUF header: metadata count " + str(kv_count) + " cannot fit in a " + str(size) +
                          "-byte file");
    if (tensor_count > c.remaining() / kMinTensorInfoBytes)
        return make_error("GGUF header: tensor count " + str(tensor_count) + " cannot fit in a " + str(size) +
                          "-byte file");
    // Refused before any of them is read: the cost of parsing stays bounded whatever the file.
    if (kv_count > kMaxKvCount)
        return make_error("GGUF header: metadata count " + str(kv_count) + " is more than the limit of " +
                          str(kMaxKvCount) + " keys (real models have fewer than 100)");
    if (tensor_count > kMaxTensorCount)
        return make_error("GGUF header: tensor count " + str(tensor_count) + " is more than the limit of " +
                          str(kMaxTensorCount) + " tensors");
    kv.reserve(static_cast<size_t>(kv_count));
    tensors.reserve(static_cast<size_t>(tensor_count));

    for (uint64_t i = 0; i < kv_count; ++i) {
        auto key_r = read_string(
            c, [&] { return "metadata key #" + str(i); }, kMaxKeyLength);
        if (!key_r)
            return key_r.error();
        if (key_r->empty())
            return make_error("metadata key #" + str(i) + " is empty");
        std::string key(*key_r);
        if (kv_index.count(key))
            return make_error("metadata key '" + printable(key) + "' appears twice");
        uint32_t type = 0;
        if (!c.read(type))
            return make_error("metadata key '" + printable(key) + "': file ends inside its type");
        if (!type_known(type))
            return make_error("metadata key '" + printable(key) + "': unknown value type " + str(type) +
                              " (known types are 0..12)");
        GGUFValue v;
        if (auto st = parse_value(c, static_cast<GGUFType>(type), v, key); !st)
            return st.error();
        kv_index.emplace(key, kv.size());
        kv.emplace_back(std::move(key), v);
    }

    uint64_t alignment = kDefaultAlignment;
    if (auto it = kv_index.find(std::string_view("general.alignment")); it != kv_index.end()) {
        const GGUFValue& v = kv[it->second].second;
        const bool is_int = v.type == GGUFType::U8 || v.type == GGUFType::U16 || v.type == GGUFType::U32 ||
                            v.type == GGUFType::U64 || v.type == GGUFType::I8 || v.type == GGUFType::I16 ||
                            v.type == GGUFType::I32 || v.type == GGUFType::I64;
        if (!is_int)
            return make_error(std::string("metadata key 'general.alignment' has type ") + gguf_type_name(v.type) +
                              ", expected an integer");
        if (v.type == GGUFType::I8 || v.type == GGUFType::I16 || v.type == GGUFType::I32 || v.type == GGUFType::I64) {
            if (v.i <= 0)
                return make_error("metadata key 'general.alignment' is " + std::to_string(v.i) +
                                  ", expected a power of two");
        }
        alignment = v.u;
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
            return make_error("metadata key 'general.alignment' is " + str(alignment) + ", expected a power of two");
        if (alignment > kMaxAlignment)
            return make_error("metadata key 'general.alignment' is " + str(alignment) + ", larger than the limit of " +
                              str(kMaxAlignment));
    }

    for (uint64_t i = 0; i < tensor_count; ++i)
        if (auto st = parse_tensor_info(c, i, alignment); !st)
            return st.error();

    // The data section starts at the next multiple of the alignment after the tensor infos.
    const uint64_t info_end = c.pos();
    const uint64_t data_start = (info_end + alignment - 1) / alignment * alignment;
    if (!tensors.empty() && data_start > size)
        return make_error("GGUF data section would start at offset " + str(data_start) + ", past the end of the " +
                          str(size) + "-byte file");

    for (GGUFTensor& t : tensors) {
        uint64_t begin = 0, end = 0;
        if (!add_ok(data_start, t.offset, begin) || !add_ok(begin, t.nbytes, end) || end > size)
            return make_error("tensor '" + printable(t.name) + "': data at offset " + str(t.offset) + " with " +
                              str(t.nbytes) + " bytes ends outside the file (data section " + "starts at " +
                              str(data_start) + ", file size " + str(size) + ")");
        t.data = data + begin;
    }

    // Tensors must not share bytes: sort by offset and compare neighbours.
    std::vector<const GGUFTensor*> by_offset;
    by_offset.reserve(tensors.size());
    for (const GGUFTensor& t : tensors)
        by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const GGUFTensor* a, const GGUFTensor* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
        const GGUFTensor* prev = by_offset[i - 1];
        const GGUFTensor* cur = by_offset[i];
        if (cur->offset < prev->offset + prev->nbytes)
            return make_error("tensor '" + printable(cur->name) + "' (offset " + str(cur->offset) +
                              ") overlaps tensor '" + printable(prev->name) + "' (offset " + str(prev->offset) + ", " +
                              str(prev->nbytes) + " bytes)");
    }
    return Ok{};
}

GGUFFile::GGUFFile(std::unique_ptr<Impl> impl)
    : d(std::move(impl))
{
}
GGUFFile::GGUFFile(GGUFFile&&) noexcept = default;
GGUFFile& GGUFFile::operator=(GGUFFile&&) noexcept = default;
GGUFFile::~GGUFFile() = default;

Result<GGUFFile> GGUFFile::from_memory(const uint8_t* data, size_t size)
{
    auto impl = std::make_unique<Impl>();
    impl->data = data;
    impl->size = data ? size : 0;
    if (auto st = impl->parse(); !st)
        return st.error();
    return GGUFFile(std::move(impl));
}

Result<GGUFFile> GGUFFile::open(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return make_error("cannot open '" + path + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return make_error("cannot read '" + path + "': " + std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return make_error("'" + path + "' is not a regular file");
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    const size_t size = static_cast<size_t>(st.st_size);
    if (size > 0) {
        void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            const int e = errno;
            ::close(fd);
            return make_error("cannot map '" + path + "' into memory: " + std::strerror(e));
        }
        impl->map = m;
        impl->map_size = size;
        impl->data = static_cast<const uint8_t*>(m);
        impl->size = size;
    }
    ::close(fd);   // the mapping keeps the file alive
    if (auto r = impl->parse(); !r)
        return make_error("'" + path + "': " + r.error().message);
    return GGUFFile(std::move(impl));
}

uint32_t GGUFFile::version() const { return d->version; }
size_t GGUFFile::file_size() const { return d->size; }
const std::string& GGUFFile::path() const { return d->path; }

const GGUFValue* GGUFFile::find(std::string_view key) const
{
    auto it = d->kv_index.find(key);
    return it == d->kv_index.end() ? nullptr : &d->kv[it->second].second;
}

std::span<const std::pair<std::string, GGUFValue>> GGUFFile::metadata() const { return d->kv; }

const std::vector<GGUFTensor>& GGUFFile::tensors() const { return d->tensors; }

const GGUFTensor* GGUFFile::tensor(std::string_view name) const
{
    auto it = d->tensor_index.find(name);
    return it == d->tensor_index.end() ? nullptr : &d->tensors[it->second];
}

namespace {

Error missing(std::string_view key) { return make_error("missing metadata key '" + std::string(key) + "'"); }

Error wrong_type(std::string_view key, const GGUFValue& v, const char* expected)
{
    std::string got = gguf_type_name(v.type);
    if (v.type == GGUFType::ARRAY)
        got = std::string("array of ") + gguf_type_name(v.elem_type);
    return make_error("metadata key '" + std::string(key) + "' has type " + got + ", expected " + expected);
}

bool is_signed_int(GGUFType t)
{
    return t == GGUFType::I8 || t == GGUFType::I16 || t == GGUFType::I32 || t == GGUFType::I64;
}
bool is_unsigned_int(GGUFType t)
{
    return t == GGUFType::U8 || t == GGUFType::U16 || t == GGUFType::U32 || t == GGUFType::U64;
}

}   // namespace

Result<std::string> GGUFFile::get_string(std::string_view key) const
{
    const GGUFValue* v = find(key);
    if (!v)
        return missing(key);
    if (v->type != GGUFType::STRING)
        return wrong_type(key, *v, "a string");
    return std::string(v->str);
}

Result<uint64_t> GGUFFile::get_uint(std::string_view key) const
{
    const GGUFValue* v = find(key);
    if (!v)
        return missing(key);
    if (is_unsigned_int(v->type))
        return v->u;
    if (is_signed_int(v->type)) {
        if (v->i < 0)
            return make_error("metadata key '" + std::string(key) + "' is " + std::to_string(v->i) +
                              ", expected a non-negative integer");
        return static_cast<uint64_t>(v->i);
    }
    return wrong_type(key, *v, "an integer");
}

Result<double> GGUFFile::get_float(std::string_view key) const
{
    const GGUFValue* v = find(key);
    if (!v)
        return missing(key);
    if (v->type == GGUFType::F32 || v->type == GGUFType::F64 || is_unsigned_int(v->type) || is_signed_int(v->type))
        return v->f;
    return wrong_type(key, *v, "a number");
}

Result<bool> GGUFFile::get_bool(std::string_view key) const
{
    const GGUFValue* v = find(key);
    if (!v)
        return missing(key);
    if (v->type != GGUFType::BOOL)
        return wrong_type(key, *v, "a boolean");
    return v->u != 0;
}

Result<std::vector<std::string_view>> GGUFFile::get_string_array(std::string_view key) const
{
    const GGUFValue* v = find(key);
    if (!v)
        return missing(key);
    if (v->type != GGUFType::ARRAY || v->elem_type != GGUFType::STRING)
        return wrong_type(key, *v, "an array of strings");
    // Lengths were validated by parse(); walking again cannot leave the mapping.
    std::vector<std::string_view> out;
    out.reserve(static_cast<size_t>(v->count));
    const uint8_t* p = v->elems;
    for (uint64_t i = 0; i < v->count; ++i) {
        const uint64_t len = load<uint64_t>(p);
        out.emplace_back(reinterpret_cast<const char*>(p + 8), static_cast<size_t>(len));
        p += 8 + len;
    }
    return out;
}

Result<std::vector<float>> GGUFFile::get_f32_array(std::string_view key) const
{
    const GGUFValue* v = find(key);
    if (!v)
        return missing(key);
    if (v->type != GGUFType::ARRAY || (v->elem_type != GGUFType::F32 && v->elem_type != GGUFType::F64))
        return wrong_type(key, *v, "an array of F32");
    std::vector<float> out(static_cast<size_t>(v->count));
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = v->elem_type == GGUFType::F32 ? load<float>(v->elems + 4 * i)
                                               : static_cast<float>(load<double>(v->elems + 8 * i));
    return out;
}

Result<std::vector<int32_t>> GGUFFile::get_i32_array(std::string_view key) const
{
    const GGUFValue* v = find(key);
    if (!v)
        return missing(key);
    if (v->type != GGUFType::ARRAY || !(is_signed_int(v->elem_type) || is_unsigned_int(v->elem_type)))
        return wrong_type(key, *v, "an array of I32");
    std::vector<int32_t> out(static_cast<size_t>(v->count));
    const uint8_t* p = v->elems;
    for (size_t i = 0; i < out.size(); ++i) {
        int64_t x = 0;
        switch (v->elem_type) {
        case GGUFType::U8: x = load<uint8_t>(p + i); break;
        case GGUFType::I8: x = load<int8_t>(p + i); break;
        case GGUFType::U16: x = load<uint16_t>(p + 2 * i); break;
        case GGUFType::I16: x = load<int16_t>(p + 2 * i); break;
        case GGUFType::U32: x = load<uint32_t>(p + 4 * i); break;
        case GGUFType::I32: x = load<int32_t>(p + 4 * i); break;
        case GGUFType::I64: x = load<int64_t>(p + 8 * i); break;
        case GGUFType::U64: {
            const uint64_t u = load<uint64_t>(p + 8 * i);
            x = u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                               : static_cast<int64_t>(u);
            break;
        }
        default: break;
        }
        if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max())
            return make_error("metadata key '" + std::string(key) + "' element " + std::to_string(i) + " is " +
                              std::to_string(x) + ", outside the I32 range");
        out[i] = static_cast<int32_t>(x);
    }
    return out;
}

}   // namespace causerie
