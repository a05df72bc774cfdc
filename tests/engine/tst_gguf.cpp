// GGUF container reader: a real llama.cpp file read back against gguf-dump / gguf-py values,
// then one test per validation rule with a file crafted (by GGUFWriter) to break that rule.
#include "engine/gguf.h"
#include "engine/gguf_writer.h"
#include "tests/common/error_needles.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <initializer_list>
#include <string>

using namespace causerie;
using kernels::TensorType;

namespace {

const std::string kTiny = std::string(CAUSERIE_TEST_DATA_DIR) + "/tiny-mistral-q8_0.gguf";

std::vector<uint8_t> f32_bytes(std::initializer_list<float> v)
{
    std::vector<uint8_t> out(v.size() * 4);
    std::memcpy(out.data(), v.begin(), out.size());
    return out;
}

// A small valid file: two KVs of note, an F32 [4, 2] tensor and one Q8_0 block (34 bytes).
GGUFWriter small_writer()
{
    GGUFWriter w;
    w.add_string("general.architecture", "llama");
    w.add_u32("test.u32", 7);
    w.add_string_array("test.strings", {"a", "bc"});
    w.add_tensor("a.weight", TensorType::F32, {4, 2}, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8}));
    w.add_tensor("b.weight", TensorType::Q8_0, {32}, std::vector<uint8_t>(34, 1));
    return w;
}

Result<GGUFFile> parse(const std::vector<uint8_t>& bytes) { return GGUFFile::from_memory(bytes.data(), bytes.size()); }

void put_u64_at(std::vector<uint8_t>& b, size_t pos, uint64_t v) { std::memcpy(b.data() + pos, &v, 8); }
void put_u32_at(std::vector<uint8_t>& b, size_t pos, uint32_t v) { std::memcpy(b.data() + pos, &v, 4); }

// Counts the bytes operator new hands out on this thread while alive (replaced below): an
// upper bound of what a parse keeps at its peak, measured without allocating anything big.
thread_local bool t_counting = false;
thread_local size_t t_allocated = 0;

class AllocationCounter {
public:
    AllocationCounter()
    {
        t_allocated = 0;
        t_counting = true;
    }
    ~AllocationCounter() { t_counting = false; }
    size_t bytes() const { return t_allocated; }
};

// Header, one key and its type; the caller appends the value.
std::vector<uint8_t> one_kv_file(std::string_view key, GGUFType type)
{
    std::vector<uint8_t> b;
    gguf_put_u32(b, 0x46554747);
    gguf_put_u32(b, 3);
    gguf_put_u64(b, 0);
    gguf_put_u64(b, 1);
    gguf_put_string(b, key);
    gguf_put_u32(b, uint32_t(type));
    return b;
}

std::vector<uint8_t> u64_le(uint64_t v)
{
    std::vector<uint8_t> b;
    gguf_put_u64(b, v);
    return b;
}

}   // namespace

// The file must be rejected and the message must contain every needle (the key/tensor and the problem).
// A change made to a writer before it builds the file.
using WriterEdit = std::function<void(GGUFWriter&)>;
Q_DECLARE_METATYPE(WriterEdit)

#define EXPECT_GGUF_ERROR(bytes, ...) CAUSERIE_EXPECT_REJECTED(parse(bytes), "a broken file was accepted", __VA_ARGS__)

class TestGguf : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // --- a real file -------------------------------------------------------------------------
    void readsTinyMistral()
    {
        auto r = GGUFFile::open(kTiny);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const GGUFFile& f = *r;
        // Counts and values as printed by gguf-dump 0.19.
        QCOMPARE(f.version(), 3u);
        QCOMPARE(f.file_size(), size_t(5176640));
        QCOMPARE(f.metadata().size(), size_t(23));
        QCOMPARE(f.tensors().size(), size_t(21));
        QCOMPARE(f.get_string("general.architecture").value(), std::string("llama"));
        QCOMPARE(f.get_string("general.name").value(), std::string("tiny-random-mistral-arch"));
        QCOMPARE(f.get_uint("llama.context_length").value(), uint64_t(2048));
        QCOMPARE(f.get_uint("llama.attention.head_count_kv").value(), uint64_t(2));
        QCOMPARE(f.find("llama.context_length")->type, GGUFType::U32);
        // Stored as F32 1e-5, which widens to 9.999999747378752e-06.
        QCOMPARE(f.get_float("llama.attention.layer_norm_rms_epsilon").value(), double(1e-5f));
        QCOMPARE(f.get_bool("tokenizer.ggml.add_bos_token").value(), true);
        QCOMPARE(f.get_bool("tokenizer.ggml.add_eos_token").value(), false);

        auto tokens = f.get_string_array("tokenizer.ggml.tokens");
        QVERIFY(tokens.ok());
        QCOMPARE(tokens->size(), size_t(32000));
        QCOMPARE((*tokens)[0], std::string_view("<unk>"));
        QCOMPARE((*tokens)[3], std::string_view("<0x00>"));
        QCOMPARE((*tokens)[22557], std::string_view("▁Hello"));
        QCOMPARE((*tokens)[28808], std::string_view("!"));
        auto scores = f.get_f32_array("tokenizer.ggml.scores");
        QVERIFY(scores.ok());
        QCOMPARE(scores->size(), size_t(32000));
        QCOMPARE((*scores)[261], -2.0f);
        QCOMPARE(scores->back(), -31740.0f);
        auto types = f.get_i32_array("tokenizer.ggml.token_type");
        QVERIFY(types.ok());
        QCOMPARE((*types)[0], 2);
        QCOMPARE((*types)[1], 3);
        QCOMPARE((*types)[3], 6);

        // Shapes, offsets and sizes from gguf-py's GGUFReader (data section at 718912).
        const GGUFTensor* emb = f.tensor("token_embd.weight");
        QVERIFY(emb);
        QCOMPARE(emb->type, TensorType::Q8_0);
        QCOMPARE(emb->n_dims, 2);
        QCOMPARE(emb->ne[0], int64_t(64));
        QCOMPARE(emb->ne[1], int64_t(32000));
        QCOMPARE(emb->offset, uint64_t(0));
        QCOMPARE(emb->nbytes, size_t(2176000));
        // First Q8_0 block: fp16 scale 0x21df, then quants 0xba 0x03 0x20 0x07 ...
        const uint8_t first[] = {0xdf, 0x21, 0xba, 0x03, 0x20, 0x07, 0x26, 0x7f};
        QVERIFY(std::memcmp(emb->data, first, sizeof first) == 0);

        const GGUFTensor* k = f.tensor("blk.0.attn_k.weight");
        QVERIFY(k);
        QCOMPARE(k->ne[0], int64_t(64));
        QCOMPARE(k->ne[1], int64_t(32));
        QCOMPARE(k->offset, uint64_t(2180608));
        QCOMPARE(k->nbytes, size_t(2176));
        QCOMPARE(k->data - emb->data, std::ptrdiff_t(2180608));

        const GGUFTensor* norm = f.tensor("blk.0.attn_norm.weight");
        QVERIFY(norm);
        QCOMPARE(norm->type, TensorType::F32);
        QCOMPARE(norm->n_dims, 1);
        QCOMPARE(norm->ne[0], int64_t(64));
        QCOMPARE(norm->offset, uint64_t(2176000));
        float g[3];
        std::memcpy(g, norm->data, sizeof g);
        QCOMPARE(g[0], 1.0883209f);
        QCOMPARE(g[1], 1.0943418f);
        QCOMPARE(g[2], 0.99893814f);

        const GGUFTensor* out = f.tensor("output.weight");
        QVERIFY(out);
        QCOMPARE(out->offset, uint64_t(2281728));
        QCOMPARE(out->data + out->nbytes, emb->data - 718912 + 5176640);   // ends exactly at EOF
        QVERIFY(f.tensor("no.such.tensor") == nullptr);
        QVERIFY(f.find("no.such.key") == nullptr);
    }

    void openErrors()
    {
        auto missing = GGUFFile::open("/nonexistent/dir/model.gguf");
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.find("/nonexistent/dir/model.gguf") != std::string::npos);
        QVERIFY(missing.error().message.find("No such file") != std::string::npos);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto is_dir = GGUFFile::open(dir.path().toStdString());
        QVERIFY(!is_dir.ok());
        QVERIFY(is_dir.error().message.find("not a regular file") != std::string::npos);

        const std::string empty = dir.filePath("empty.gguf").toStdString();
        QFile e(QString::fromStdString(empty));
        QVERIFY(e.open(QIODevice::WriteOnly));
        e.close();
        auto r = GGUFFile::open(empty);
        QVERIFY(!r.ok());
        QVERIFY(r.error().message.find("empty.gguf") != std::string::npos);
        QVERIFY(r.error().message.find("0 bytes") != std::string::npos);
    }

    void writerRoundTripThroughFile()
    {
        GGUFWriter w = small_writer();
        w.add_i8("t.i8", -5);
        w.add_u16("t.u16", 65535);
        w.add_i16("t.i16", -300);
        w.add_i32("t.i32", -70000);
        w.add_u64("t.u64", uint64_t(1) << 40);
        w.add_i64("t.i64", -(int64_t(1) << 40));
        w.add_f32("t.f32", 0.25f);
        w.add_f64("t.f64", -1.5);
        w.add_bool("t.bool", true);
        w.add_u8("t.u8", 200);
        const std::vector<float> fa = {1.5f, -2.0f};
        w.add_f32_array("t.fa", fa);
        const std::vector<int32_t> ia = {-1, 7, 9};
        w.add_i32_array("t.ia", ia);
        QTemporaryDir dir;
        const std::string path = dir.filePath("rt.gguf").toStdString();
        QVERIFY(w.write_file(path).ok());
        auto r = GGUFFile::open(path);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->path(), path);
        QCOMPARE(r->get_uint("test.u32").value(), uint64_t(7));
        QCOMPARE(r->find("t.i8")->i, int64_t(-5));
        QCOMPARE(r->get_uint("t.u16").value(), uint64_t(65535));
        QCOMPARE(r->find("t.i16")->i, int64_t(-300));
        QCOMPARE(r->find("t.i32")->i, int64_t(-70000));
        QCOMPARE(r->get_uint("t.u64").value(), uint64_t(1) << 40);
        QCOMPARE(r->find("t.i64")->i, -(int64_t(1) << 40));
        QCOMPARE(r->get_float("t.f32").value(), 0.25);
        QCOMPARE(r->get_float("t.f64").value(), -1.5);
        QCOMPARE(r->get_bool("t.bool").value(), true);
        QCOMPARE(r->get_uint("t.u8").value(), uint64_t(200));
        QCOMPARE(r->get_f32_array("t.fa").value(), fa);
        QCOMPARE(r->get_i32_array("t.ia").value(), ia);
        auto strs = r->get_string_array("test.strings").value();
        QCOMPARE(strs.size(), size_t(2));
        QCOMPARE(strs[1], std::string_view("bc"));
        const GGUFTensor* a = r->tensor("a.weight");
        QVERIFY(a);
        QCOMPARE(a->n_elements(), int64_t(8));
        float v[8];
        std::memcpy(v, a->data, sizeof v);
        QCOMPARE(v[7], 8.0f);
        const GGUFTensor* b = r->tensor("b.weight");
        QCOMPARE(b->offset, uint64_t(32));   // 32 bytes of a.weight, already aligned
        QCOMPARE(b->nbytes, size_t(34));
    }

    void typedGettersNameKeyAndProblem()
    {
        GGUFWriter w = small_writer();
        w.add_i32("t.neg", -3);
        w.add_u32("t.big", 70000);
        w.add_array_raw("t.u64arr", GGUFType::U64, 1, u64_le(uint64_t(1) << 40));
        const auto bytes = w.build();
        auto r = parse(bytes);
        QVERIFY(r.ok());
        auto m = r->get_uint("no.key");
        QVERIFY(!m.ok());
        QCOMPARE(m.error().message, std::string("missing metadata key 'no.key'"));
        auto t = r->get_string("test.u32");
        QVERIFY(!t.ok());
        QCOMPARE(t.error().message, std::string("metadata key 'test.u32' has type U32, expected a string"));
        auto neg = r->get_uint("t.neg");
        QVERIFY(!neg.ok());
        QVERIFY(neg.error().message.find("'t.neg' is -3") != std::string::npos);
        auto arr = r->get_f32_array("test.strings");
        QVERIFY(!arr.ok());
        QVERIFY(arr.error().message.find("array of STRING") != std::string::npos);
        auto big = r->get_i32_array("t.u64arr");
        QVERIFY(!big.ok());
        QVERIFY(big.error().message.find("outside the I32 range") != std::string::npos);
        QVERIFY(!r->get_bool("t.big").ok());
    }

    // --- header ------------------------------------------------------------------------------
    void badMagic()
    {
        GGUFWriter w = small_writer();
        w.magic = 0x4c4d4747;   // "GGML"
        EXPECT_GGUF_ERROR(w.build(), "not a GGUF file", "'GGML'");
    }
    void tooShortForMagic()
    {
        const std::vector<uint8_t> two(2, 'G');
        EXPECT_GGUF_ERROR(two, "only 2 bytes");
    }
    void truncatedHeader()
    {
        auto b = small_writer().build();
        b.resize(20);
        EXPECT_GGUF_ERROR(b, "header truncated", "20 bytes");
    }
    void versionTwoAccepted()
    {
        GGUFWriter w = small_writer();
        w.version = 2;
        const auto b = w.build();
        auto r = parse(b);
        QVERIFY(r.ok());
        QCOMPARE(r->version(), 2u);
    }
    void kvCountAboveCapRefusedBeforeReading()
    {
        // 1 M real keys (20 MB): refused from the header alone, with almost nothing allocated
        // (the same file cost 366 MB of index before the cap).
        constexpr uint64_t n = 1000000;
        std::vector<uint8_t> b;
        b.reserve(24 + n * 20);
        gguf_put_u32(b, 0x46554747);
        gguf_put_u32(b, 3);
        gguf_put_u64(b, 0);
        gguf_put_u64(b, n);
        char key[16];
        for (uint64_t i = 0; i < n; ++i) {
            std::snprintf(key, sizeof key, "k%06llu", static_cast<unsigned long long>(i));
            gguf_put_string(b, key);
            gguf_put_u32(b, uint32_t(GGUFType::U8));
            b.push_back(1);
        }
        AllocationCounter count;
        auto r = parse(b);
        const size_t allocated = count.bytes();
        QVERIFY(!r.ok());
        QCOMPARE(r.error().message, std::string("GGUF header: metadata count 1000000 is more than the limit of 4096 "
                                                "keys (real models have fewer than 100)"));
        qInfo("1 M keys: %zu bytes allocated by the parse", allocated);
        QVERIFY2(allocated < 4096, qPrintable(QString::number(allocated)));
    }
    void kvCountAtCapStaysSmall()
    {
        // 4096 keys of 200 bytes (~850 KB of file) parse with memory proportional to the file:
        // a key costs its copy twice (list and index) plus ~200 bytes of nodes.
        GGUFWriter w;
        for (int i = 0; i < 4096; ++i)
            w.add_u8(std::to_string(i) + std::string(200 - std::to_string(i).size(), 'k'), 1);
        const auto b = w.build();
        AllocationCounter count;
        auto r = parse(b);
        const size_t allocated = count.bytes();
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->metadata().size(), size_t(4096));
        qInfo("4096 keys, %zu-byte file: %zu bytes allocated by the parse", b.size(), allocated);
        QVERIFY2(allocated < 4096 * 1024, qPrintable(QString::number(allocated)));
        QVERIFY2(allocated < 3 * b.size(), qPrintable(QString::number(allocated)));
    }
    void tensorCountAboveCap()
    {
        GGUFWriter w = small_writer();
        w.tensor_count_override = 16385;
        auto b = w.build();
        b.resize(b.size() + 16385 * 33);   // room for that many minimal tensor infos
        EXPECT_GGUF_ERROR(b, "GGUF header: tensor count 16385 is more than the limit of 16384 tensors");
    }
    void arrayCountAboveCap()
    {
        // 2^24 + 1 U8 elements, all present in the file, but no vocabulary needs that many.
        const uint64_t n = (uint64_t(1) << 24) + 1;
        std::vector<uint8_t> b = one_kv_file("test.big", GGUFType::ARRAY);
        gguf_put_u32(b, uint32_t(GGUFType::U8));
        gguf_put_u64(b, n);
        b.resize(b.size() + n, 0);
        EXPECT_GGUF_ERROR(b, "metadata key 'test.big': array of 16777217 elements is more than the limit of 16777216");
    }
    void stringValueAboveCap()
    {
        const uint64_t n = (uint64_t(64) << 20) + 1;
        std::vector<uint8_t> b = one_kv_file("test.s", GGUFType::STRING);
        gguf_put_u64(b, n);
        b.resize(b.size() + n, 's');
        EXPECT_GGUF_ERROR(b, "metadata key 'test.s'", "string length 67108865", "limit of 67108864");
    }
    void kvCountOneTooMany()
    {
        // Plausible count, but the extra "key" is read from the tensor infos: must fail cleanly.
        GGUFWriter w = small_writer();
        w.kv_count_override = w.kv_count() + 1;
        QVERIFY(!parse(w.build()).ok());
    }

    // --- metadata ----------------------------------------------------------------------------
    void keyLengthBeyondFile()
    {
        GGUFLayout l;
        auto b = small_writer().build(&l);
        put_u64_at(b, l.kv_pos[1], uint64_t(1) << 50);
        EXPECT_GGUF_ERROR(b, "metadata key #1", "string length 1125899906842624", "bytes left");
    }
    void keyTooLong()
    {
        GGUFWriter w;
        w.add_u32(std::string(70000, 'k'), 1);
        EXPECT_GGUF_ERROR(w.build(), "metadata key #0", "string length 70000", "limit of 256");
    }
    void emptyKey()
    {
        GGUFWriter w;
        w.add_u32("", 1);
        EXPECT_GGUF_ERROR(w.build(), "metadata key #0 is empty");
    }
    // One change to small_writer()'s file that the parser must refuse: a header field, a
    // metadata value, or general.alignment. Each row is named after the test it was.
    void oneEditRefused_data()
    {
        QTest::addColumn<WriterEdit>("edit");
        QTest::addColumn<QStringList>("needles");
        const auto row = [](const char* name, WriterEdit edit, QStringList needles) {
            QTest::newRow(name) << edit << needles;
        };
        // The header.
        row("versionOneRefused", [](GGUFWriter& w) { w.version = 1; }, {"version 1 is not supported", "re-convert"});
        row("futureVersionRefused", [](GGUFWriter& w) { w.version = 4; }, {"unsupported GGUF version 4"});
        row("bigEndianRefused", [](GGUFWriter& w) { w.version = 0x03000000; }, {"big-endian"});
        row("kvCountBeyondFile", [](GGUFWriter& w) { w.kv_count_override = uint64_t(1) << 60; },
            {"metadata count 1152921504606846976", "cannot fit"});
        row("tensorCountBeyondFile", [](GGUFWriter& w) { w.tensor_count_override = uint64_t(1) << 40; },
            {"tensor count 1099511627776", "cannot fit"});
        // Metadata values.
        row("duplicateKey", [](GGUFWriter& w) { w.add_u32("test.u32", 8); }, {"'test.u32'", "appears twice"});
        row("unknownValueType",
            [](GGUFWriter& w) {
                w.add_raw_kv("test.odd", 13, {0, 0, 0, 0});
            },
            {"'test.odd'", "unknown value type 13"});
        row("stringValueBeyondFile",
            [](GGUFWriter& w) { w.add_raw_kv("test.str", uint32_t(GGUFType::STRING), u64_le(1000000)); },
            {"'test.str'", "string length 1000000", "bytes left"});
        row("boolNotZeroOrOne", [](GGUFWriter& w) { w.add_raw_kv("test.flag", uint32_t(GGUFType::BOOL), {2}); },
            {"'test.flag'", "boolean value is 2"});
        row("arrayCountBeyondFile",
            [](GGUFWriter& w) { w.add_array_raw("test.arr", GGUFType::U32, uint64_t(1) << 40, u64_le(0)); },
            {"'test.arr'", "array of 1099511627776 U32", "bytes left"});
        // count * 8 wraps around 2^64 to a small number: must still be refused.
        row("arrayCountOverflowsBytes",
            [](GGUFWriter& w) { w.add_array_raw("test.arr", GGUFType::U64, (uint64_t(1) << 61) + 1, u64_le(0)); },
            {"'test.arr'", "array of 2305843009213693953 U64"});
        row("stringArrayCountBeyondFile",
            [](GGUFWriter& w) { w.add_array_raw("test.strs", GGUFType::STRING, uint64_t(1) << 40, u64_le(0)); },
            {"'test.strs'", "array of 1099511627776 strings"});
        row("stringArrayElementBeyondFile",
            [](GGUFWriter& w) {
                std::vector<uint8_t> raw;
                gguf_put_string(raw, "ok");
                gguf_put_u64(raw, 999999);   // second element claims 999999 bytes
                w.add_array_raw("test.strs", GGUFType::STRING, 2, raw);
            },
            {"'test.strs' element 1", "string length 999999"});
        row("nestedArrayRefused",
            [](GGUFWriter& w) {
                std::vector<uint8_t> inner;
                gguf_put_u32(inner, uint32_t(GGUFType::U8));
                gguf_put_u64(inner, 0);
                w.add_array_raw("test.nested", GGUFType::ARRAY, 1, inner);
            },
            {"'test.nested'", "nested arrays"});
        row("unknownArrayElementType",
            [](GGUFWriter& w) { w.add_array_raw("test.arr", static_cast<GGUFType>(99), 0, {}); },
            {"'test.arr'", "unknown array element type 99"});
        // general.alignment.
        row("alignmentNotPowerOfTwo", [](GGUFWriter& w) { w.add_u32("general.alignment", 48); },
            {"'general.alignment' is 48", "power of two"});
        row("alignmentZero", [](GGUFWriter& w) { w.add_u32("general.alignment", 0); },
            {"'general.alignment' is 0", "power of two"});
        row("alignmentTooLarge", [](GGUFWriter& w) { w.add_u32("general.alignment", 1u << 24); },
            {"'general.alignment' is 16777216", "limit of 1048576"});
        row("alignmentWrongType", [](GGUFWriter& w) { w.add_string("general.alignment", "32"); },
            {"'general.alignment' has type STRING", "integer"});
    }
    void oneEditRefused()
    {
        QFETCH(WriterEdit, edit);
        QFETCH(QStringList, needles);
        GGUFWriter w = small_writer();
        edit(w);
        EXPECT_GGUF_ERROR(w.build(), needles);
    }
    void scalarTruncatedAtEnd()
    {
        GGUFWriter w;
        w.add_raw_kv("test.u64", uint32_t(GGUFType::U64), {1, 2, 3});
        GGUFLayout l;
        auto b = w.build(&l);
        b.resize(l.kv_value_pos[0] + 3);   // build() pads to the alignment; cut that padding
        EXPECT_GGUF_ERROR(b, "'test.u64'", "file ends inside its U64 value");
    }

    void customAlignmentPlacesData()
    {
        // With alignment 256 the data section starts at the next multiple of 256 after the
        // tensor infos, and tensor offsets are counted from there.
        GGUFWriter w = small_writer();
        w.alignment = 256;
        w.add_u32("general.alignment", 256);
        GGUFLayout l;
        const auto b = w.build(&l);
        QCOMPARE(l.data_start % 256, size_t(0));
        auto r = parse(b);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const GGUFTensor* a = r->tensor("a.weight");
        const GGUFTensor* q = r->tensor("b.weight");
        QCOMPARE(a->data, b.data() + l.data_start);
        QCOMPARE(q->offset, uint64_t(256));
        QCOMPARE(q->data, b.data() + l.data_start + 256);
    }
    void tensorOffsetMisaligned()
    {
        GGUFWriter w = small_writer();
        w.tensors()[1].offset = 40;   // default alignment 32
        EXPECT_GGUF_ERROR(w.build(), "tensor 'b.weight'", "offset 40", "alignment 32");
    }
    void dataSectionStartBeyondFile()
    {
        GGUFLayout l;
        auto b = small_writer().build(&l);
        const size_t info_end = l.tensor_offset_pos.back() + 8;
        QVERIFY(l.data_start > info_end);   // the small file has padding before its data
        b.resize(info_end);
        const std::string where = "data section would start at offset " + std::to_string(l.data_start);
        EXPECT_GGUF_ERROR(b, where.c_str(), "past the end");
    }

    // --- tensor infos ------------------------------------------------------------------------
    void tensorNameEmpty()
    {
        GGUFWriter w = small_writer();
        w.tensors()[0].name = "";
        EXPECT_GGUF_ERROR(w.build(), "tensor #0 has an empty name");
    }
    void tensorNameTooLong()
    {
        GGUFWriter w = small_writer();
        w.tensors()[1].name = std::string(300, 'n');
        EXPECT_GGUF_ERROR(w.build(), "tensor #1 name", "limit of 63");
    }
    void tensorNameOf64BytesRefused()
    {
        // ggml's GGML_MAX_NAME (64) counts the NUL: 63 bytes is the longest name the reference loads.
        GGUFWriter w = small_writer();
        w.tensors()[1].name = std::string(64, 'n');
        EXPECT_GGUF_ERROR(w.build(), "tensor #1 name: string length 64", "exceeds the limit of 63 bytes");
        w.tensors()[1].name = std::string(63, 'n');
        auto r = parse(w.build());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QVERIFY(r->tensor(std::string(63, 'n')) != nullptr);
    }
    void duplicateTensorName()
    {
        GGUFWriter w = small_writer();
        w.tensors()[1].name = "a.weight";
        EXPECT_GGUF_ERROR(w.build(), "tensor 'a.weight'", "duplicate tensor name");
    }
    void nDimsZero()
    {
        GGUFWriter w = small_writer();
        w.tensors()[0].n_dims = 0;
        w.tensors()[0].ne.clear();
        EXPECT_GGUF_ERROR(w.build(), "tensor 'a.weight'", "0 dimensions", "1 to 4");
    }
    void nDimsFive()
    {
        GGUFWriter w = small_writer();
        w.tensors()[0].n_dims = 5;
        w.tensors()[0].ne = {4, 2, 1, 1, 1};
        EXPECT_GGUF_ERROR(w.build(), "tensor 'a.weight'", "5 dimensions");
    }
    void dimensionZero()
    {
        GGUFWriter w = small_writer();
        w.tensors()[0].ne = {4, 0};
        EXPECT_GGUF_ERROR(w.build(), "tensor 'a.weight'", "dimension 1 is 0");
    }
    void dimensionAboveInt64()
    {
        GGUFWriter w = small_writer();
        w.tensors()[0].ne = {4, uint64_t(1) << 63};
        EXPECT_GGUF_ERROR(w.build(), "tensor 'a.weight'", "dimension 1 is 9223372036854775808", "too large");
    }
    void elementCountOverflow()
    {
        GGUFWriter w = small_writer();
        w.tensors()[0].ne = {uint64_t(1) << 32, uint64_t(1) << 32, 4};
        w.tensors()[0].n_dims = 3;
        EXPECT_GGUF_ERROR(w.build(), "tensor 'a.weight'", "element count overflows");
    }
    void byteSizeOverflow()
    {
        // 2^62 F32 elements fit an int64 count, but 2^64 bytes do not fit a size.
        GGUFWriter w = small_writer();
        w.tensors()[0].ne = {uint64_t(1) << 62};
        w.tensors()[0].n_dims = 1;
        EXPECT_GGUF_ERROR(w.build(), "tensor 'a.weight'", "byte size overflows");
    }
    void unknownTensorType()
    {
        GGUFWriter w = small_writer();
        w.tensors()[1].type = 99;
        EXPECT_GGUF_ERROR(w.build(), "tensor 'b.weight'", "unknown tensor type 99");
    }
    void unsupportedTensorType()
    {
        GGUFWriter w = small_writer();
        w.tensors()[1].type = uint32_t(TensorType::Q8_K);   // an activation format, never a weight
        w.tensors()[1].ne = {256};
        EXPECT_GGUF_ERROR(w.build(), "tensor 'b.weight'", "Q8_K is not supported");
    }
    void rowNotMultipleOfBlock()
    {
        GGUFWriter w = small_writer();
        w.tensors()[1].ne = {48};
        EXPECT_GGUF_ERROR(w.build(), "tensor 'b.weight'", "row length 48", "Q8_0 block size 32");
    }
    void tensorOffsetBeyondFile()
    {
        GGUFWriter w = small_writer();
        w.tensors()[1].offset = uint64_t(1) << 40;
        EXPECT_GGUF_ERROR(w.build(), "tensor 'b.weight'", "offset 1099511627776", "outside the file");
    }
    void tensorOffsetWrapsAround()
    {
        // data_start + offset overflows 64 bits: must not wrap to a small in-file address.
        GGUFWriter w = small_writer();
        w.tensors()[1].offset = ~uint64_t(0) - 31;   // a multiple of 32
        EXPECT_GGUF_ERROR(w.build(), "tensor 'b.weight'", "outside the file");
    }
    void tensorDataTruncated()
    {
        GGUFLayout l;
        auto b = small_writer().build(&l);
        b.resize(l.data_start + l.tensor_offsets[1] + 33);   // one byte short of b.weight
        EXPECT_GGUF_ERROR(b, "tensor 'b.weight'", "34 bytes", "outside the file");
    }
    void tensorsOverlap()
    {
        GGUFWriter w = small_writer();
        w.tensors()[1].offset = 0;   // on top of a.weight (32 bytes at offset 0)
        // c.weight takes the next free slot (32..160), so b.weight's 34 bytes lie inside the file.
        w.add_tensor("c.weight", TensorType::F32, {32}, std::vector<uint8_t>(128, 0));
        EXPECT_GGUF_ERROR(w.build(), "overlaps", "a.weight", "b.weight");
    }
    void tensorInfoTruncated()
    {
        GGUFLayout l;
        auto b = small_writer().build(&l);
        b.resize(l.tensor_type_pos[1] + 2);
        EXPECT_GGUF_ERROR(b, "tensor 'b.weight'", "file ends inside its type");
    }
    void typeFieldPatchedToQ4K()
    {
        // A patch after writing: b.weight (32 elements) relabelled Q4_K needs rows of 256.
        GGUFLayout l;
        auto b = small_writer().build(&l);
        put_u32_at(b, l.tensor_type_pos[1], uint32_t(TensorType::Q4_K));
        EXPECT_GGUF_ERROR(b, "tensor 'b.weight'", "row length 32", "Q4_K block size 256");
    }
};

// Replaceable allocation functions ([new.delete]): count, then defer to malloc/free.
void* operator new(size_t n)
{
    if (t_counting)
        t_allocated += n;
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
void* operator new[](size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

QTEST_GUILESS_MAIN(TestGguf)
#include "tst_gguf.moc"
