// Memory checks before a backend allocates: a KV cache or scratch buffers too large for the
// machine give an error that says what is needed, what is free and which context would fit,
// never an OOM kill. The machine's free RAM is pretended (BackendOptions::free_ram_bytes), so
// no test allocates more than a few MiB; the real probe is used only where nothing can be
// allocated whatever it answers.
#include "engine/backend.h"
#include "engine/memory.h"
#include "engine/test_model.h"
#include "kernels/cpu/matmul_cpu.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

using namespace causerie;

namespace {

constexpr size_t MiB = size_t(1) << 20;

// 16 layers of 8 KV heads of 128 (K and V): 64 KiB of F16 KV cache per token, from a ~2.3 MB
// file (n_embd 32, Q8_0 weights) whose metadata claims a context of 2^20 tokens.
TestModelSpec kv_heavy_spec()
{
    TestModelSpec s{.n_embd = 32, .n_layer = 16, .n_head = 8, .n_head_kv = 8, .n_ff = 32, .head_dim = 128};
    s.n_ctx = int64_t(1) << 20;
    s.type = kernels::TensorType::Q8_0;
    return s;
}

}   // namespace

class TestMemory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(QStringLiteral("kv-heavy.gguf")).toStdString();
        auto st = write_test_model(m_path, kv_heavy_spec());
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        auto m = load_model(m_path);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        m_model = std::make_unique<Model>(std::move(m).value());
    }

    void meminfoParsed()
    {
        const char* text = "MemTotal:       24576000 kB\nMemFree:         1000 kB\nMemAvailable:    2048 kB\n";
        QCOMPARE(parse_meminfo_available(text), std::optional<size_t>(2 * MiB));
        QCOMPARE(parse_meminfo_available("MemTotal: 5 kB\n"), std::nullopt);
        QCOMPARE(parse_meminfo_available("MemAvailable: lots\n"), std::nullopt);
        QCOMPARE(parse_meminfo_available("MemAvailable: 12\n"), std::nullopt);   // no unit
        QCOMPARE(parse_meminfo_available("XMemAvailable: 1 kB\nMemAvailable: 3 kB\n"), std::optional<size_t>(3072));
    }
    void systemValueRead()
    {
        if (!std::filesystem::exists("/proc/meminfo"))
            QSKIP("no /proc/meminfo on this system: the check is skipped there, nothing to read");
        const auto ram = system_available_ram();
        QVERIFY(ram.has_value());
        QVERIFY(*ram > 16 * MiB);
    }
    void usableRamKeepsHeadroom()
    {
        QCOMPARE(free_ram(512 * MiB), std::optional<size_t>(512 * MiB));
        QCOMPARE(usable_of_free(512 * MiB), 384 * MiB);
        QCOMPARE(usable_of_free(100 * MiB), size_t(0));
    }

    void largestContext()
    {
        QCOMPARE(largest_context_that_fits(10 * MiB, 64 * 1024, 128 * MiB), int64_t(1792));   // 1888 -> 1792
        QCOMPARE(largest_context_that_fits(10 * MiB, 1 * MiB, 128 * MiB), int64_t(118));      // below 256: as is
        QCOMPARE(largest_context_that_fits(200 * MiB, 1024, 128 * MiB), int64_t(0));
        QCOMPARE(largest_context_that_fits(0, 0, 128 * MiB), int64_t(0));
    }
    void messageSaysNeededFreeAndWhatFits()
    {
        // 256 MiB free, 128 MiB of it usable.
        auto st = check_context_fits(4096, 10 * MiB, 64 * 1024, 256 * MiB, "the KV cache and scratch buffers");
        QVERIFY(!st.ok());
        QCOMPARE(st.error().message,
                 std::string("not enough memory for a context of 4096 tokens: the KV cache and scratch buffers need "
                             "266 MiB, more than the 128 MiB of RAM that can be used (256 MiB free, less 128 MiB kept "
                             "for the rest of the program); a context of 1792 tokens would fit"));
        QVERIFY(check_context_fits(1792, 10 * MiB, 64 * 1024, 256 * MiB, "x").ok());
        // The exact limit (the suggestion is rounded down to a multiple of 256): 118 MiB / 64 KiB.
        QVERIFY(check_context_fits(1888, 10 * MiB, 64 * 1024, 256 * MiB, "x").ok());
        QVERIFY(!check_context_fits(1889, 10 * MiB, 64 * 1024, 256 * MiB, "x").ok());
    }
    void messageWhenNothingFits()
    {
        auto st = check_context_fits(512, 200 * MiB, 1024, 256 * MiB, "the KV cache and scratch buffers");
        QVERIFY(!st.ok());
        QCOMPARE(st.error().message,
                 std::string("not enough memory for a context of 512 tokens: the KV cache and scratch buffers need "
                             "200 MiB, more than the 128 MiB of RAM that can be used (256 MiB free, less 128 MiB "
                             "kept for the rest of the program); not even a context of 1 token fits (the buffers "
                             "alone need 200 MiB)"));
    }
    void sizesThatOverflowSaturate()
    {
        auto st = check_context_fits(int64_t(1) << 20, 0, SIZE_MAX / 2, 256 * MiB, "the KV cache");
        QVERIFY(!st.ok());
        QVERIFY2(st.error().message.find("need 17179869184.0 GiB") != std::string::npos, st.error().message.c_str());
        QVERIFY2(st.error().message.find("not even a context of 1 token fits") != std::string::npos,
                 st.error().message.c_str());
    }

    void cpuPlanCountsWhatIsAllocated()
    {
        const CpuMemoryPlan p = plan_cpu_memory(*m_model);
        // 16 layers x 8 heads x (128 K + 128 V) halves.
        QCOMPARE(p.kv_bytes_per_token, size_t(16 * 8 * 256 * 2));
        // 256 tokens of x, xb (32), q, k, v, att (1024 each), gate, up (32) floats; 256 rows of
        // activations converted for the widest weight row (attn_output: 1024 Q8_0 columns);
        // two rows of 512 logits.
        const size_t floats = 256 * (2 * 32 + 4 * 1024 + 2 * 32);
        const size_t conv = kernels::converted_row_bytes(kernels::TensorType::Q8_0, 1024);
        QVERIFY(conv >= 1024);
        QCOMPARE(p.scratch_bytes, floats * 4 + 256 * conv + 2 * 512 * 4);
    }
    void cpuBackendRefusesContextForSmallMachine()
    {
        // A machine with 512 MiB free: 384 MiB usable, the 4096-token cache needs 256 MiB plus
        // scratch... fits; 8192 tokens (512 MiB) does not.
        BackendOptions o;
        o.n_threads = 1;
        o.free_ram_bytes = 512 * MiB;
        o.n_ctx = 8192;
        auto b = create_cpu_backend(*m_model, o);
        QVERIFY(!b.ok());
        const CpuMemoryPlan p = plan_cpu_memory(*m_model);
        const int64_t fit = largest_context_that_fits(p.scratch_bytes, p.kv_bytes_per_token, 384 * MiB);
        QCOMPARE(fit, int64_t((384 * MiB - p.scratch_bytes) / (64 * 1024)) / 256 * 256);
        QCOMPARE(b.error().message,
                 "not enough memory for a context of 8192 tokens: the KV cache and scratch buffers need " +
                     format_bytes(8192 * p.kv_bytes_per_token + p.scratch_bytes) +
                     ", more than the 384 MiB of RAM that can be used (512 MiB free, less 128 MiB kept for the rest "
                     "of the program); a context of " +
                     std::to_string(fit) + " tokens would fit");
        // The context it suggests does fit on that machine.
        o.n_ctx = fit;
        auto ok = create_cpu_backend(*m_model, o);
        QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
        QCOMPARE((*ok)->n_ctx(), fit);
    }
    void smallFileAskingForManyGiBRefusedOnThisMachine()
    {
        // The real free RAM this time: whatever it is, the 2^20-token context the file claims
        // needs 64 GiB of cache, and the check refuses before allocating any of it.
        QVERIFY(std::filesystem::file_size(m_path) < 4 * MiB);
        const auto ram = free_ram(0);
        if (!ram)
            QSKIP("free RAM is unknown here (no /proc/meminfo): the check cannot run");
        if (*ram > (size_t(65) << 30))
            QSKIP("this machine has more than 65 GiB free: a 64 GiB cache would really fit");
        BackendOptions o;
        o.n_threads = 1;
        o.n_ctx = m_model->hp.n_ctx_train;
        QCOMPARE(o.n_ctx, int64_t(1) << 20);
        auto b = create_cpu_backend(*m_model, o);
        QVERIFY(!b.ok());
        const std::string& msg = b.error().message;
        QVERIFY2(msg.rfind("not enough memory for a context of 1048576 tokens: the KV cache and scratch buffers "
                           "need 64.0 GiB, more than the ",
                           0) == 0,
                 msg.c_str());
        QVERIFY2(msg.find("tokens would fit") != std::string::npos, msg.c_str());
    }
    void defaultContextChecked()
    {
        // Without a context size the backend takes min(trained, 4096): 256 MiB of cache, refused
        // on a machine with 256 MiB free (128 MiB usable).
        BackendOptions o;
        o.n_threads = 1;
        o.free_ram_bytes = 256 * MiB;
        auto b = create_cpu_backend(*m_model, o);
        QVERIFY(!b.ok());
        QVERIFY2(b.error().message.rfind("not enough memory for a context of 4096 tokens: ", 0) == 0,
                 b.error().message.c_str());
    }
    void scratchAloneTooLarge()
    {
        // A wide feed-forward (n_ff 8192) makes 16 MiB of gate/up activations for a 256-token
        // batch: on a machine with 140 MiB free (12 MiB usable) not even one token fits.
        const TestModelSpec s{
            .n_embd = 32, .n_layer = 1, .n_head = 1, .n_head_kv = 1, .n_ff = 8192, .type = kernels::TensorType::Q8_0};
        const std::string path = m_dir.filePath(QStringLiteral("wide-ffn.gguf")).toStdString();
        QVERIFY(write_test_model(path, s).ok());
        auto m = load_model(path);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        const CpuMemoryPlan p = plan_cpu_memory(*m);
        QVERIFY(p.scratch_bytes > 16 * MiB);
        BackendOptions o;
        o.n_threads = 1;
        o.n_ctx = 256;
        o.free_ram_bytes = 140 * MiB;
        auto b = create_cpu_backend(*m, o);
        QVERIFY(!b.ok());
        QCOMPARE(b.error().message,
                 "not enough memory for a context of 256 tokens: the KV cache and scratch buffers need " +
                     format_bytes(p.scratch_bytes + 256 * p.kv_bytes_per_token) +
                     ", more than the 12 MiB of RAM that can be used (140 MiB free, less 128 MiB kept for the rest "
                     "of the program); not even a context of 1 token fits (the buffers alone need " +
                     format_bytes(p.scratch_bytes) + ")");
    }
    void cudaSimDeviceMemoryIsHostMemory()
    {
#ifdef CAUSERIE_HAVE_CUDA_SIM
        // The sim pretends a 24 GiB GPU, but its device memory is this process's RAM: with 512 MiB
        // of RAM free, the 8192-token cache (512 MiB) must be refused, not "uploaded".
        BackendOptions o;
        o.device = "cuda-sim";
        o.n_threads = 1;
        o.free_ram_bytes = 512 * MiB;
        o.n_ctx = 8192;
        std::string why;
        auto b = create_backend(*m_model, o, &why);
        QVERIFY(!b.ok());
        QVERIFY2(b.error().message.rfind("not enough memory for a context of 8192 tokens: ", 0) == 0,
                 b.error().message.c_str());
        // One layer fitted in the sim's share of RAM; the 15 others did not fit beside it.
        QVERIFY2(why.rfind("not enough memory for a context of 8192 tokens: the KV cache and buffers of the 15 "
                           "layers that stay on the CPU need ",
                           0) == 0,
                 why.c_str());
        QVERIFY2(why.size() > 20 && why.substr(why.size() - 20) == ": running on the CPU", why.c_str());
#else
        QSKIP("this build has no CUDA sim (the sanitizer build turns it off)");
#endif
    }

private:
    QTemporaryDir m_dir;
    std::string m_path;
    std::unique_ptr<Model> m_model;
};

QTEST_GUILESS_MAIN(TestMemory)
#include "tst_memory.moc"
