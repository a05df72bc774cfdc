// Robustness of the GGUF reader against damaged files: every truncation of a small valid file
// and thousands of seeded random byte changes must give either a clean error or a file whose
// every view stays inside the buffer. Buffers are heap copies of exactly the tested size so that
// the ASan build (label `sanitize`) catches any read past the end.
#include "engine/gguf.h"
#include "engine/gguf_writer.h"
#include "tests/common/fixed_random.h"

#include <QtTest>

#include <cstring>
#include <memory>

using namespace causerie;
using kernels::TensorType;

namespace {

const std::string kTiny = std::string(CAUSERIE_TEST_DATA_DIR) + "/tiny-mistral-q8_0.gguf";

std::vector<uint8_t> small_file(GGUFLayout* layout)
{
    GGUFWriter w;
    w.add_string("general.architecture", "llama");
    w.add_u32("general.alignment", 32);
    w.add_f32("test.f32", 0.5f);
    w.add_bool("test.bool", true);
    w.add_string_array("test.strings", {"x", "yz", ""});
    const std::vector<float> fa = {1.0f, 2.0f};
    w.add_f32_array("test.floats", fa);
    std::vector<uint8_t> f32(4 * 2 * 4, 0);
    w.add_tensor("a.weight", TensorType::F32, {4, 2}, f32);
    w.add_tensor("b.weight", TensorType::Q8_0, {32, 2}, std::vector<uint8_t>(68, 3));
    w.add_tensor("c.weight", TensorType::F16, {8}, std::vector<uint8_t>(16, 5));
    return w.build(layout);
}

// Touches everything a successfully opened file exposes; returns a checksum so the reads are
// not optimised away. Any view outside [base, base+size) is a test failure.
uint64_t walk(const GGUFFile& f, const uint8_t* base, size_t size, bool& in_bounds)
{
    uint64_t sum = 0;
    auto inside = [&](const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        return b >= base && n <= size && static_cast<size_t>(b - base) <= size - n;
    };
    for (const auto& [key, v] : f.metadata()) {
        sum += key.size();
        if (v.type == GGUFType::STRING) {
            in_bounds &= v.str.empty() || inside(v.str.data(), v.str.size());
            for (char c : v.str)
                sum += static_cast<unsigned char>(c);
        }
        if (v.type == GGUFType::ARRAY && v.elem_type == GGUFType::STRING) {
            auto a = f.get_string_array(key);
            if (a)
                for (std::string_view s : *a) {
                    in_bounds &= s.empty() || inside(s.data(), s.size());
                    sum += s.size();
                }
        }
        if (v.type == GGUFType::ARRAY && v.elem_type == GGUFType::F32) {
            auto a = f.get_f32_array(key);
            if (a)
                sum += a->size();
        }
    }
    for (const GGUFTensor& t : f.tensors()) {
        in_bounds &= inside(t.data, t.nbytes);
        if (!in_bounds)
            break;
        // First and last byte: enough for ASan to see a view that runs past the buffer.
        sum += t.data[0] + t.data[t.nbytes - 1];
    }
    return sum;
}

}   // namespace

class TestGgufFuzz : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyTruncationFailsCleanly()
    {
        GGUFLayout l;
        const auto full = small_file(&l);
        // The last tensor (c.weight, 16 bytes) ends here; only the trailing padding may be cut.
        const size_t needed = l.data_start + l.tensor_offsets.back() + 16;
        QVERIFY(needed <= full.size());
        QVERIFY(parse_ok(full));
        for (size_t n = 0; n <= full.size(); ++n) {
            auto buf = std::make_unique<uint8_t[]>(n ? n : 1);
            std::memcpy(buf.get(), full.data(), n);
            auto r = GGUFFile::from_memory(buf.get(), n);
            if (n < needed) {
                QVERIFY2(!r.ok(), qPrintable(QStringLiteral("prefix of %1 bytes accepted").arg(n)));
                QVERIFY(!r.error().message.empty());
            } else {
                QVERIFY2(r.ok(), qPrintable(QStringLiteral("prefix of %1 bytes refused").arg(n)));
            }
        }
    }

    void randomByteChangesNeverCrash()
    {
        GGUFLayout l;
        const auto original = small_file(&l);
        testing::FixedRandom next(0x5eed);   // fixed seed: a failure reproduces
        int refused = 0, accepted = 0;
        for (int iter = 0; iter < 4000; ++iter) {
            auto buf = std::make_unique<uint8_t[]>(original.size());
            std::memcpy(buf.get(), original.data(), original.size());
            // Change 1-4 bytes; half the time aim at the header and infos, where the damage matters.
            const int changes = 1 + static_cast<int>(next() % 4);
            const size_t span = (iter % 2) ? l.data_start : original.size();
            for (int c = 0; c < changes; ++c) {
                const size_t at = next() % span;
                buf[at] = (next() % 3 == 0) ? 0xff : static_cast<uint8_t>(buf[at] ^ (1u << (next() % 8)));
            }
            auto r = GGUFFile::from_memory(buf.get(), original.size());
            if (!r) {
                QVERIFY(!r.error().message.empty());
                ++refused;
                continue;
            }
            ++accepted;
            bool in_bounds = true;
            (void)walk(*r, buf.get(), original.size(), in_bounds);
            QVERIFY2(in_bounds, qPrintable(QStringLiteral("iteration %1: a view leaves the buffer").arg(iter)));
        }
        // Changes inside tensor data are harmless, changes to counts and lengths are not:
        // both outcomes must occur, or the mutations are not reaching the parser.
        qInfo("4000 damaged copies: %d refused, %d accepted", refused, accepted);
        QVERIFY(refused > 100);
        QVERIFY(accepted > 100);
    }

    void realFileHeaderChangesNeverCrash()
    {
        // The tiny Mistral file's metadata (32000 tokens) spans its first 718912 bytes; change
        // bytes there in place and restore them, which avoids copying 5 MB per iteration.
        QFile file(QString::fromStdString(kTiny));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        std::vector<uint8_t> buf(bytes.begin(), bytes.end());
        testing::FixedRandom next(42);
        int refused = 0;
        for (int iter = 0; iter < 300; ++iter) {
            // Bias towards the first 4 KiB (header, small keys) and the tensor infos at the end.
            const size_t region = iter % 3 == 0 ? 4096 : 718912;
            const size_t at = next() % region;
            const uint8_t saved = buf[at];
            buf[at] = static_cast<uint8_t>(saved ^ (1u << (next() % 8)));
            auto r = GGUFFile::from_memory(buf.data(), buf.size());
            if (!r)
                ++refused;
            else {
                bool in_bounds = true;
                (void)walk(*r, buf.data(), buf.size(), in_bounds);
                QVERIFY(in_bounds);
            }
            buf[at] = saved;
        }
        qInfo("300 damaged headers of the real file: %d refused", refused);
        QVERIFY(refused > 0);
        QVERIFY(GGUFFile::from_memory(buf.data(), buf.size()).ok());
    }

private:
    static bool parse_ok(const std::vector<uint8_t>& b) { return GGUFFile::from_memory(b.data(), b.size()).ok(); }
};

QTEST_GUILESS_MAIN(TestGgufFuzz)
#include "tst_gguf_fuzz.moc"
