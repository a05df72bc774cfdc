// KV snapshots (kv_state.h) and the context shift (Session, ComputeBackend::shift_kv): a restored
// session answers exactly as a cold one, on the CPU and the cuda-sim backends; every bad file or
// mismatched snapshot is refused with its reason and the session then answers cold; a shift
// evaluates only the new tokens and moves keys as if they had been computed at their new place.
#include "counting_backend.h"
#include "engine/chat_template.h"
#include "engine/context_fit.h"
#include "engine/kv_rows.h"
#include "engine/kv_state.h"
#include "engine/session.h"
#include "engine/test_model.h"

#if defined(CAUSERIE_HAVE_CUDA_SIM)
#include "engine/backend_cuda.h"
#endif

#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/ops_ref.h"
#include "kernels/cpu/rope_shift.h"
#include "tests/common/data_rows.h"
#include "tests/common/error_needles.h"
#include "tests/common/token_ids.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <span>
#include <fstream>
#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace causerie;
using causerie::testing::concat;

namespace {

std::vector<int32_t> range_ids(int32_t first, int n)
{
    std::vector<int32_t> ids(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        ids[size_t(i)] = first + i;
    return ids;
}

// The conversation of the context-shift tests, in four parts: the system part S, the oldest
// exchange X (what the shift leaves out), the newer exchanges T (kept) and a new message N.
struct ShiftParts {
    std::vector<int32_t> S = concat({{1}, range_ids(300, 19)});
    std::vector<int32_t> X = range_ids(330, 30);
    std::vector<int32_t> T = range_ids(370, 40);
    std::vector<int32_t> N = range_ids(420, 7);
};

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b)
{
    float m = a.size() == b.size() ? 0.0f : INFINITY;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

void spit(const std::string& path, const std::string& bytes)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}   // namespace

class TestKvState : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fingerprintIsStableAndTellsModelsApart();
    void restoreGivesColdLogits_data();
    void restoreGivesColdLogits();
    void greedyAnswersSameWithCache_data();
    void greedyAnswersSameWithCache();
    void prefixOfSnapshotRestores();
    void emptySessionRoundTrips();
    void snapshotCacheEvictsLeastRecentlyUsed();
    void restoreRefusesMismatch();
    void badFilesAreRefused();
    void parseSnapshotAgreesWithFile();
    void forgedHeadersAreRefusedBeforeAllocating();
    void writeFailsCleanly();
    void contextShiftEvaluatesOnlyNewTokens_data();
    void contextShiftEvaluatesOnlyNewTokens();
    void contextShiftOffReprefills();
    void contextShiftFollowsPreparePrompt();
    void shiftedKeysEqualKeysAtNewPositions_data();
    void shiftedKeysEqualKeysAtNewPositions();
    void shiftOnOneLayerModelGivesColdLogits_data();
    void shiftOnOneLayerModelGivesColdLogits();
    void shiftRefusedWhereRopeCannotBeRedone();
    void ropeShiftMatchesRopeAtNewPosition_data();
    void ropeShiftMatchesRopeAtNewPosition();
    void q8CacheSnapshotsKeepTheirType();
    void q8CacheRefusedForSmallHeads();

private:
    std::unique_ptr<ComputeBackend> backend(const Model& model, const QString& device, int64_t n_ctx,
                                            KvType kv_type = KvType::F16);
    std::unique_ptr<Session> session(const QString& device, int64_t n_ctx, const Model* model = nullptr);
    std::vector<int32_t> greedy(Session& s, const std::vector<int32_t>& prompt, int n, GenerateStats* stats = nullptr,
                                bool context_shift = true);
    // After a refused restore or file: the session is empty and answers as a cold one.
    void checkAnswersCold(Session& s);
    // A CPU session that evaluated m_prompt and its snapshot; with a file name, the snapshot
    // written to m_dir/file too, with the file's bytes. Empty when a step failed.
    struct PromptSnapshot {
        std::unique_ptr<Session> session;
        std::optional<KvSnapshot> snap;
        std::string path, bytes;
    };
    std::optional<PromptSnapshot> promptSnapshot(const QString& file = {});

    QTemporaryDir m_dir;
    std::unique_ptr<Model> m_model, m_other, m_one_layer, m_qwen2_one_layer, m_gemma3;
    std::unique_ptr<Model> m_heads32;   // heads of 32: a Q8_0 cache holds whole blocks
    std::unique_ptr<Tokenizer> m_tok;
    std::vector<int32_t> m_prompt = concat({{1}, range_ids(300, 40)});
};

void TestKvState::initTestCase()
{
    auto load = [&](const char* name, TestModelSpec spec) -> std::unique_ptr<Model> {
        const std::string path = m_dir.filePath(QString::fromLatin1(name)).toStdString();
        if (!write_test_model(path, spec).ok())
            return nullptr;
        auto model = load_model(path);
        return model ? std::make_unique<Model>(std::move(model).value()) : nullptr;
    };
    TestModelSpec spec;
    spec.seed = 11;
    // Llama 3.1-style frequency factors, so the shift's rotation is checked with them.
    spec.rope_freq_factors = llama3_rope_freq_factors(16, spec.rope_freq_base, 8.0f, 1.0f, 4.0f, 64.0f);
    m_model = load("a.gguf", spec);
    TestModelSpec other = spec;
    other.seed = 12;   // same shape, other weights
    m_other = load("b.gguf", other);
    TestModelSpec one = spec;
    one.n_layer = 1;
    m_one_layer = load("one.gguf", one);
    TestModelSpec qwen = one;   // NeoX pairs and Q/K/V biases, no frequency factors
    qwen.arch = "qwen2";
    qwen.rope_freq_factors.clear();
    m_qwen2_one_layer = load("qwen2-one.gguf", qwen);
    // Sliding-window layers (2 of 3, window 16) with their own RoPE base.
    const TestModelSpec gemma{.arch = "gemma3",
                              .n_layer = 3,
                              .seed = 13,
                              .rope_freq_base = 1000000.0f,
                              .n_swa = 16,
                              .swa_pattern = 3,
                              .rope_freq_base_swa = 10000.0f};
    m_gemma3 = load("gemma3.gguf", gemma);
    TestModelSpec wide = spec;
    wide.n_embd = 128;   // 4 heads of 32
    wide.rope_freq_factors.clear();
    m_heads32 = load("heads32.gguf", wide);
    QVERIFY(m_model && m_other && m_one_layer && m_qwen2_one_layer && m_gemma3 && m_heads32);
    auto tok = Tokenizer::from_vocab(m_model->vocab);
    QVERIFY(tok.ok());
    m_tok = std::make_unique<Tokenizer>(std::move(tok).value());
}

std::unique_ptr<ComputeBackend> TestKvState::backend(const Model& model, const QString& device, int64_t n_ctx,
                                                     KvType kv_type)
{
    BackendOptions o;
    o.n_ctx = n_ctx;
    o.n_threads = 2;
    o.kv_type = kv_type;
#if defined(CAUSERIE_HAVE_CUDA_SIM)
    if (device == QLatin1String("cuda-sim")) {
        // One layer on the device and one on the host: both copy paths are used.
        CudaBackendOptions co;
        co.max_layers = 1;
        auto b = create_cuda_sim_backend(model, o, co);
        return b ? std::move(b).value() : nullptr;
    }
#endif
    Q_UNUSED(device);
    auto b = create_cpu_backend(model, o);
    return b ? std::move(b).value() : nullptr;
}

std::unique_ptr<Session> TestKvState::session(const QString& device, int64_t n_ctx, const Model* model)
{
    auto b = backend(model ? *model : *m_model, device, n_ctx);
    if (!b)
        return nullptr;
    return std::make_unique<Session>(*m_tok, std::move(b));
}

std::vector<int32_t> TestKvState::greedy(Session& s, const std::vector<int32_t>& prompt, int n, GenerateStats* stats,
                                         bool context_shift)
{
    GenerateOptions o;
    o.sampling.temperature = 0.0f;
    o.max_tokens = n;
    o.context_shift = context_shift;
    auto st = s.generate(prompt, o, [](std::string_view) { return true; });
    if (!st)
        return {};
    if (stats)
        *stats = *st;
    return s.last_generated();
}

std::optional<TestKvState::PromptSnapshot> TestKvState::promptSnapshot(const QString& file)
{
    PromptSnapshot p;
    p.session = session(QStringLiteral("cpu"), 128);
    if (!p.session || !p.session->evaluate(m_prompt).ok())
        return std::nullopt;
    auto snap = take_snapshot(*p.session, *m_model);
    if (!snap)
        return std::nullopt;
    p.snap = std::move(snap).value();
    if (!file.isEmpty()) {
        p.path = m_dir.filePath(file).toStdString();
        if (!write_snapshot(*p.snap, p.path).ok())
            return std::nullopt;
        p.bytes = slurp(p.path);
    }
    return p;
}

void TestKvState::checkAnswersCold(Session& s)
{
    QVERIFY(s.cached_tokens().empty());
    GenerateStats stats;
    const auto answer = greedy(s, m_prompt, 6, &stats);
    QCOMPARE(stats.reused_tokens, 0);
    auto cold = session(QStringLiteral("cpu"), s.backend().n_ctx());
    QVERIFY(cold);
    QCOMPARE(answer, greedy(*cold, m_prompt, 6));
}

void TestKvState::fingerprintIsStableAndTellsModelsApart()
{
    const std::string a = model_fingerprint(*m_model);
    QVERIFY(!a.empty());
    QCOMPARE(model_fingerprint(*m_model), a);
    auto again = load_model(m_model->file.path());   // the same file loaded again
    QVERIFY(again.ok());
    QCOMPARE(model_fingerprint(*again), a);
    // Same shape and metadata, other weights: only the sampled data tells them apart.
    QVERIFY(model_fingerprint(*m_other) != a);
    QVERIFY(model_fingerprint(*m_one_layer) != a);
}

void TestKvState::restoreGivesColdLogits_data()
{
    QTest::addColumn<QString>("device");
    QTest::newRow("cpu") << QStringLiteral("cpu");
#if defined(CAUSERIE_HAVE_CUDA_SIM)
    QTest::newRow("cuda-sim") << QStringLiteral("cuda-sim");
#endif
}

// Snapshot -> file -> new session (a restart): the logits after the next tokens equal a cold
// prefill's. Tolerance 1e-4 as tst_forward's decode-vs-prefill (on the CPU the rows are the same
// bytes, so the logits are in fact identical; the sim's prefill and decode paths differ).
void TestKvState::restoreGivesColdLogits()
{
    QFETCH(QString, device);
    auto warm = session(device, 128);
    QVERIFY(warm);
    QVERIFY(warm->evaluate(m_prompt).ok());
    auto snap = take_snapshot(*warm, *m_model);
    QVERIFY2(snap.ok(), snap.ok() ? "" : snap.error().message.c_str());
    QCOMPARE(snap->tokens, m_prompt);
    QCOMPARE(snap->rows.size(), warm->backend().kv_bytes(int64_t(m_prompt.size())));
    const std::string path = m_dir.filePath(QStringLiteral("restart-%1.kv").arg(device)).toStdString();
    QVERIFY(write_snapshot(*snap, path).ok());
    QVERIFY(!std::filesystem::exists(path + ".tmp"));
    auto read = read_snapshot(path);
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    QCOMPARE(read->tokens, snap->tokens);
    QVERIFY(read->rows == snap->rows);

    auto restarted = session(device, 128);
    QVERIFY(restarted);
    auto st = restore_snapshot(*restarted, *m_model, *read);
    QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
    QCOMPARE(restarted->cached_tokens(), m_prompt);
    const auto next = concat({m_prompt, {350, 351, 352}});
    GenerateStats stats;
    auto logits = restarted->evaluate(next, false, &stats);
    QVERIFY(logits.ok());
    QCOMPARE(stats.reused_tokens, int(m_prompt.size()));
    auto cold = session(device, 128)->evaluate(next);
    QVERIFY(cold.ok());
    const float diff = max_abs_diff(*logits, *cold);
    QVERIFY2(diff <= 1e-4f, qPrintable(QString::number(diff)));

    // The rows read back equal the rows written in: a second snapshot of the restored session
    // (before the new tokens) is the same bytes.
    auto again = session(device, 128);
    QVERIFY(restore_snapshot(*again, *m_model, *snap).ok());
    auto copy = take_snapshot(*again, *m_model);
    QVERIFY(copy.ok());
    QVERIFY(copy->rows == snap->rows);
}

void TestKvState::greedyAnswersSameWithCache_data() { restoreGivesColdLogits_data(); }

// Temperature 0: restore -> generate gives the tokens of a cold generate, after a restart (file)
// and after a switch (in-memory snapshot, the session meanwhile used for another prompt).
void TestKvState::greedyAnswersSameWithCache()
{
    QFETCH(QString, device);
    auto cold = session(device, 128);
    QVERIFY(cold);
    const auto history = concat({m_prompt, range_ids(360, 10)});
    const auto want = greedy(*cold, history, 12);
    QCOMPARE(int(want.size()), 12);

    auto s = session(device, 128);
    greedy(*s, m_prompt, 4);
    auto snap = take_snapshot(*s, *m_model);
    QVERIFY(snap.ok());
    greedy(*s, range_ids(420, 30), 4);   // another conversation takes the session
    QVERIFY(restore_snapshot(*s, *m_model, *snap).ok());
    GenerateStats stats;
    QCOMPARE(greedy(*s, history, 12, &stats), want);
    QCOMPARE(stats.reused_tokens, int(m_prompt.size()));   // the snapshot's answer tokens diverge

    const std::string path = m_dir.filePath(QStringLiteral("greedy-%1.kv").arg(device)).toStdString();
    QVERIFY(write_snapshot(*snap, path).ok());
    auto fresh = session(device, 128);
    auto read = read_snapshot(path);
    QVERIFY(read.ok());
    QVERIFY(restore_snapshot(*fresh, *m_model, *read).ok());
    QCOMPARE(greedy(*fresh, history, 12, &stats), want);
    QCOMPARE(stats.reused_tokens, int(m_prompt.size()));
}

// snapshot_prefix keeps the first n tokens and, layer by layer, their K and V rows: the bytes a
// session that saw only those tokens holds, and a restore of it continues like a cold prefill.
void TestKvState::prefixOfSnapshotRestores()
{
    auto s = session(QStringLiteral("cpu"), 128);
    QVERIFY(s->evaluate(m_prompt).ok());
    auto full = take_snapshot(*s, *m_model);
    QVERIFY(full.ok());
    const std::vector<int32_t> head(m_prompt.begin(), m_prompt.begin() + 17);
    const KvSnapshot cut = snapshot_prefix(*full, head.size());
    QCOMPARE(cut.tokens, head);
    auto only = session(QStringLiteral("cpu"), 128);
    QVERIFY(only->evaluate(head).ok());
    auto direct = take_snapshot(*only, *m_model);
    QVERIFY(direct.ok());
    QVERIFY(cut.rows == direct->rows);
    QCOMPARE(snapshot_prefix(*full, 1000).tokens, full->tokens);   // n beyond the end: all of it

    auto restored = session(QStringLiteral("cpu"), 128);
    QVERIFY(restore_snapshot(*restored, *m_model, cut).ok());
    GenerateStats stats;
    auto logits = restored->evaluate(m_prompt, false, &stats);
    QVERIFY(logits.ok());
    QCOMPARE(stats.reused_tokens, int(head.size()));
    auto cold = session(QStringLiteral("cpu"), 128)->evaluate(m_prompt);
    QVERIFY(cold.ok());
    QVERIFY(max_abs_diff(*logits, *cold) <= 1e-4f);
}

// A session that has seen nothing: a snapshot of 0 tokens writes, reads and restores.
void TestKvState::emptySessionRoundTrips()
{
    auto s = session(QStringLiteral("cpu"), 128);
    auto snap = take_snapshot(*s, *m_model);
    QVERIFY(snap.ok());
    QVERIFY(snap->tokens.empty() && snap->rows.empty());
    const std::string path = m_dir.filePath(QStringLiteral("empty.kv")).toStdString();
    QVERIFY(write_snapshot(*snap, path).ok());
    auto read = read_snapshot(path);
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    QVERIFY(read->tokens.empty());
    auto target = session(QStringLiteral("cpu"), 128);
    QVERIFY(target->evaluate(m_prompt).ok());
    QVERIFY(restore_snapshot(*target, *m_model, *read).ok());
    checkAnswersCold(*target);
}

// The in-memory LRU: a count and a byte budget, the least recently used (put or get) goes first.
void TestKvState::snapshotCacheEvictsLeastRecentlyUsed()
{
    auto snap = [](size_t tokens, int32_t first) {
        KvSnapshot k;
        k.tokens = range_ids(first, int(tokens));
        k.rows.resize(tokens * 96);   // bytes() = tokens * 100
        return k;
    };
    KvSnapshotCache cache(2500, 3);   // 2 snapshots of 1000 bytes fit, not 3
    cache.put("a", snap(10, 1));
    cache.put("b", snap(10, 2));
    QCOMPARE(cache.bytes(), size_t(2000));
    cache.put("c", snap(10, 3));   // over the budget: "a", the least recent, goes
    QCOMPARE(cache.size(), size_t(2));
    QCOMPARE(cache.bytes(), size_t(2000));
    QVERIFY(!cache.get("a"));
    QVERIFY(cache.get("b"));       // "b" is now the most recent
    cache.put("d", snap(10, 4));   // so "c" goes
    QVERIFY(!cache.get("c"));
    QCOMPARE(cache.get("b")->tokens, range_ids(2, 10));
    QCOMPARE(cache.get("d")->tokens, range_ids(4, 10));

    cache.put("b", snap(5, 7));   // replaced: its bytes are counted once
    QCOMPARE(cache.bytes(), size_t(1500));
    QCOMPARE(cache.get("b")->tokens, range_ids(7, 5));

    cache.put("e", snap(200, 9));   // alone larger than the budget: not kept, nothing evicted
    QVERIFY(!cache.get("e"));
    QCOMPARE(cache.size(), size_t(2));
    cache.put("d", snap(200, 9));   // the same for a key already there: the old one is dropped
    QVERIFY(!cache.get("d"));
    QCOMPARE(cache.bytes(), size_t(500));

    cache.put("f", snap(10, 5));
    cache.set_limits(100000, 1);   // a count of 1: the most recent stays
    QCOMPARE(cache.size(), size_t(1));
    QVERIFY(cache.get("f"));
    cache.erase("f");
    QCOMPARE(cache.size(), size_t(0));
    QCOMPARE(cache.bytes(), size_t(0));

    // What it is for: a switch back restores the conversation from memory.
    auto s = session(QStringLiteral("cpu"), 128);
    QVERIFY(s->evaluate(m_prompt).ok());
    auto taken = take_snapshot(*s, *m_model);
    QVERIFY(taken.ok());
    cache.put("conversation-1", std::move(taken).value());
    QVERIFY(s->evaluate(range_ids(430, 20)).ok());
    QVERIFY(restore_snapshot(*s, *m_model, *cache.get("conversation-1")).ok());
    QCOMPARE(s->cached_tokens(), m_prompt);
}

// A snapshot for another model, context or layout is refused with the field that differs; the
// session is left empty and answers cold.
void TestKvState::restoreRefusesMismatch()
{
    auto taken = promptSnapshot();
    QVERIFY(taken);
    auto& s = taken->session;
    auto& snap = taken->snap;

    struct Case {
        const char* name;
        std::function<void(KvSnapshot&)> edit;
        int64_t n_ctx;
        const Model* model;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {"other model", [](KvSnapshot&) {}, 128, m_other.get(), "made for another model"},
        {"other context", [](KvSnapshot&) {}, 256, nullptr, "context 128, this session 256"},
        {"architecture", [](KvSnapshot& k) { k.fingerprint.architecture = "qwen2"; }, 128, nullptr,
         "made for architecture qwen2, this model is llama"},
        {"layers", [](KvSnapshot& k) { k.fingerprint.n_layer = 3; }, 128, nullptr, "layer count 3, this model 2"},
        {"kv type", [](KvSnapshot& k) { k.fingerprint.kv_type = "Q8_0"; }, 128, nullptr, "KV type Q8_0"},
        {"rows", [](KvSnapshot& k) { k.rows.pop_back(); }, 128, nullptr, "bytes of rows"},
        {"token id", [](KvSnapshot& k) { k.tokens[3] = 99999; }, 128, nullptr, "token id 99999"},
    };
    for (const Case& c : cases) {
        KvSnapshot bad = *snap;
        c.edit(bad);
        auto target = session(QStringLiteral("cpu"), c.n_ctx, c.model);
        QVERIFY(target->evaluate(range_ids(430, 5)).ok());   // something cached: must be cleared
        auto st = restore_snapshot(*target, c.model ? *c.model : *m_model, bad);
        QVERIFY2(!st.ok(), c.name);
        QVERIFY2(contains(st.error().message, c.reason), (std::string(c.name) + ": " + st.error().message).c_str());
        QVERIFY(target->cached_tokens().empty());
        if (!c.model)
            checkAnswersCold(*target);
    }
}

// Every damaged file is an error naming its reason, and the session then answers cold.
void TestKvState::badFilesAreRefused()
{
    auto taken = promptSnapshot(QStringLiteral("good.kv"));
    QVERIFY(taken);
    auto& [s, snap, good_path, good] = *taken;
    // Header: magic (8), version (4), reserved (4), then the fingerprint strings.
    QCOMPARE(good.substr(0, 8), std::string("CAUSKVST"));

    auto with_version = [&](uint32_t v) {
        std::string b = good;
        std::memcpy(b.data() + 8, &v, 4);
        return b;
    };
    std::string flipped = good;
    flipped[good.size() / 2] = char(flipped[good.size() / 2] ^ 0x10);   // inside the K/V rows
    std::string flipped_token = good;
    flipped_token[good.size() - snap->rows.size() - 8 - 4] ^= 0x01;   // the last token id
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "the file is empty (0 bytes)"},
        {good.substr(0, 5), "truncated: the file ends inside its header"},
        {good.substr(0, 40), "truncated: the file ends inside its header"},
        {good.substr(0, good.size() - 100), "truncated: the file has " + std::to_string(good.size() - 100) +
                                                " bytes, its header announces " + std::to_string(good.size())},
        {good + "x", "corrupt: the file has"},
        {flipped, "checksum mismatch"},
        {flipped_token, "checksum mismatch"},
        {with_version(0), "format version 0, expected 1"},   // older than this build's
        {with_version(2), "format version 2, expected 1"},   // written by a newer build
        {"GGUF" + good.substr(4), "not a Causerie KV cache file"},
    };
    int i = 0;
    for (const auto& [bytes, reason] : cases) {
        const std::string path = m_dir.filePath(QStringLiteral("bad%1.kv").arg(i++)).toStdString();
        spit(path, bytes);
        auto read = read_snapshot(path);
        QVERIFY2(!read.ok(), reason.c_str());
        QVERIFY2(contains(read.error().message, reason) && contains(read.error().message, path),
                 read.error().message.c_str());
        // What a caller does with the error: start cold.
        auto fresh = session(QStringLiteral("cpu"), 128);
        checkAnswersCold(*fresh);
    }
    CAUSERIE_EXPECT_REJECTED(read_snapshot(m_dir.filePath(QStringLiteral("none.kv")).toStdString()),
                             "a missing file was read", "cannot read it");
}

// The same bytes from memory (parse_snapshot) and from a file (read_snapshot) give the same
// snapshot, and snapshot_checksum recomputes the checksum the file ends with.
void TestKvState::parseSnapshotAgreesWithFile()
{
    auto taken = promptSnapshot(QStringLiteral("parse.kv"));
    QVERIFY(taken);
    auto& [s, snap, path, good] = *taken;
    const auto bytes = std::span(reinterpret_cast<const uint8_t*>(good.data()), good.size());
    auto parsed = parse_snapshot(bytes);
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
    QCOMPARE(parsed->tokens, m_prompt);
    QVERIFY(parsed->rows == snap->rows);
    QCOMPARE(parsed->fingerprint.model, snap->fingerprint.model);
    uint64_t stored = 0;
    std::memcpy(&stored, good.data() + good.size() - 8, 8);
    QCOMPARE(snapshot_checksum(bytes.first(good.size() - 8)), std::optional<uint64_t>(stored));
    QCOMPARE(snapshot_checksum(bytes.first(30)), std::optional<uint64_t>());   // inside the header
    CAUSERIE_EXPECT_REJECTED(parse_snapshot(bytes.first(good.size() - 1)), "a truncated snapshot was parsed",
                             "KV cache: truncated: the file has");
}

// Headers whose checksum is right (forged with snapshot_checksum) but whose counts are absurd: a
// token count of 2^40, or 2^20 tokens in a 2^20 context with the matching row size (about
// 2^38 bytes of rows) in a small file. Each is refused from the header alone, before the reader
// allocates anything (the file-size check comes before the allocation).
void TestKvState::forgedHeadersAreRefusedBeforeAllocating()
{
    auto taken = promptSnapshot(QStringLiteral("forge.kv"));
    QVERIFY(taken);
    auto& [s, snap, path, good] = *taken;
    // The header ends with i64 n_ctx, n_layer, n_head_kv, head_dim, value_dim, i64 n, u64 row bytes.
    const size_t header_end = good.size() - 8 - snap->rows.size() - snap->tokens.size() * 4;
    const size_t at_n = header_end - 16, at_rows = header_end - 8, at_ctx = header_end - 56;
    auto forge = [&](int64_t n_ctx, int64_t n, uint64_t row_bytes) {
        std::string b = good;
        std::memcpy(b.data() + at_ctx, &n_ctx, 8);
        std::memcpy(b.data() + at_n, &n, 8);
        std::memcpy(b.data() + at_rows, &row_bytes, 8);
        const auto sum = snapshot_checksum(std::span(reinterpret_cast<const uint8_t*>(b.data()), b.size() - 8));
        if (sum)
            std::memcpy(b.data() + b.size() - 8, &*sum, 8);
        return b;
    };
    const int64_t big = int64_t(1) << 20;
    const uint64_t big_rows = uint64_t(big) * uint64_t(snap->fingerprint.n_layer) *
                              uint64_t(snap->fingerprint.n_head_kv) *
                              uint64_t(snap->fingerprint.head_dim + snap->fingerprint.value_dim) * 2;
    std::vector<std::pair<std::string, std::string>> cases = {
        {forge(128, int64_t(1) << 40, snap->rows.size()), "corrupt header: 1099511627776 tokens in a context of 128"},
        {forge(128, -1, 0), "corrupt header: -1 tokens"},
        {forge(big, big, big_rows), "truncated: the file has " + std::to_string(good.size()) +
                                        " bytes, its header announces " +
                                        std::to_string(header_end + uint64_t(big) * 4 + big_rows + 8)},
        {forge(128, 41, ~uint64_t(0)), "corrupt header: 18446744073709551615 bytes of rows for 41 tokens"},
    };
    // Found by fuzz_kv_snapshot: a non-zero reserved field was accepted (and written back as 0).
    std::string reserved = good;
    reserved[15] = char(0x80);
    const auto sum = snapshot_checksum(std::span(reinterpret_cast<const uint8_t*>(reserved.data()), good.size() - 8));
    QVERIFY(sum);
    std::memcpy(reserved.data() + good.size() - 8, &*sum, 8);
    cases.push_back({reserved, "corrupt header: reserved field 2147483648, expected 0"});
    for (const auto& [bytes, reason] : cases) {
        auto parsed = parse_snapshot(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
        QVERIFY2(!parsed.ok(), reason.c_str());
        QVERIFY2(contains(parsed.error().message, reason), parsed.error().message.c_str());
        spit(path, bytes);
        auto read = read_snapshot(path);
        QVERIFY2(!read.ok(), reason.c_str());
        QVERIFY2(contains(read.error().message, reason), read.error().message.c_str());
    }
}

// A missing folder, a full disk, a read-only folder: write_snapshot fails with the path and the
// system's reason, leaves no temporary file, and an older file in place stays valid.
void TestKvState::writeFailsCleanly()
{
    auto s = session(QStringLiteral("cpu"), 128);
    QVERIFY(s->evaluate(m_prompt).ok());
    auto snap = take_snapshot(*s, *m_model);
    QVERIFY(snap.ok());
    KvSnapshot smaller = *snap;
    smaller.tokens.resize(10);
    smaller.rows.resize(s->backend().kv_bytes(10));

    const std::string missing = m_dir.filePath(QStringLiteral("no/such/folder/x.kv")).toStdString();
    auto st = write_snapshot(*snap, missing);
    CAUSERIE_EXPECT_REJECTED(st, "written into a missing folder", (missing + ".tmp").c_str(), "No such file");

    // A full disk: writes past RLIMIT_FSIZE fail (EFBIG) as they would with no space left.
    const std::string kept = m_dir.filePath(QStringLiteral("kept.kv")).toStdString();
    QVERIFY(write_snapshot(smaller, kept).ok());
    rlimit old{};
    QVERIFY(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto* previous = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = 4096;
    QVERIFY(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    st = write_snapshot(*snap, kept);
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, previous);
    CAUSERIE_EXPECT_REJECTED(st, "written past the file size limit", (kept + ".tmp").c_str(), "too large");
    QVERIFY(!std::filesystem::exists(kept + ".tmp"));
    auto read = read_snapshot(kept);   // the old file is untouched
    QVERIFY(read.ok());
    QCOMPARE(read->tokens, smaller.tokens);

    // A read-only folder. Root writes through permissions: sysfs, where nothing can be created,
    // stands in for it then.
    std::string ro;
    if (::geteuid() != 0) {
        const QString dir = m_dir.filePath(QStringLiteral("readonly"));
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(::chmod(dir.toLocal8Bit().constData(), 0555) == 0);
        ro = dir.toStdString() + "/x.kv";
    } else if (::access("/sys", F_OK) == 0) {
        ro = "/sys/causerie-test.kv";
    } else {
        QSKIP("running as root without /sys: no folder here refuses a file");
    }
    st = write_snapshot(*snap, ro);
    CAUSERIE_EXPECT_REJECTED(st, "written into a read-only folder", (ro + ".tmp").c_str(), "Permission denied");
    QVERIFY(!std::filesystem::exists(ro + ".tmp"));
}

void TestKvState::contextShiftEvaluatesOnlyNewTokens_data() { restoreGivesColdLogits_data(); }

// The conversation outgrew the context: the prompt keeps the system part S, leaves out the
// oldest exchange X, keeps the newer ones T and adds a new message N (what prepare_prompt does).
// Only N is evaluated; the kept rows count as reused.
void TestKvState::contextShiftEvaluatesOnlyNewTokens()
{
    QFETCH(QString, device);
    const auto [S, X, T, N] = ShiftParts();
    auto counting = std::make_unique<CountingBackend>(backend(*m_model, device, 128));
    CountingBackend* b = counting.get();
    Session s(*m_tok, std::move(counting));
    QVERIFY(s.evaluate(concat({S, X, T})).ok());
    b->evaluated = 0;

    GenerateStats stats;
    const auto answer = greedy(s, concat({S, T, N}), 3, &stats);
    QCOMPARE(int(answer.size()), 3);
    QCOMPARE(b->shifts, 1);
    QCOMPARE(stats.shifted_tokens, int(X.size()));
    QCOMPARE(stats.reused_tokens, int(S.size() + T.size()));
    QCOMPARE(stats.prompt_tokens - stats.reused_tokens, int(N.size()));
    // N, then the generated tokens fed back (all but the last, never evaluated).
    QCOMPARE(b->evaluated, int64_t(N.size() + answer.size() - 1));
    const auto cached = concat({S, T, N, {answer[0], answer[1]}});
    QCOMPARE(s.cached_tokens(), cached);
}

void TestKvState::contextShiftOffReprefills()
{
    const auto [S, X, T, N] = ShiftParts();
    auto counting = std::make_unique<CountingBackend>(backend(*m_model, QStringLiteral("cpu"), 128));
    CountingBackend* b = counting.get();
    Session s(*m_tok, std::move(counting));
    QVERIFY(s.evaluate(concat({S, X, T})).ok());
    b->evaluated = 0;
    GenerateStats stats;
    const auto answer = greedy(s, concat({S, T, N}), 3, &stats, false);
    QCOMPARE(b->shifts, 0);
    QCOMPARE(stats.shifted_tokens, 0);
    QCOMPARE(stats.reused_tokens, int(S.size()));
    QCOMPARE(b->evaluated, int64_t(T.size() + N.size() + answer.size() - 1));
    // And exactly the cold answer, since nothing of X remains.
    auto cold = session(QStringLiteral("cpu"), 128);
    QCOMPARE(answer, greedy(*cold, concat({S, T, N}), 3));

    // A kept run shorter than Session::kMinShiftKeep is recomputed rather than shifted.
    QVERIFY(s.evaluate(concat({S, X, range_ids(370, 10)})).ok());
    b->shifts = 0;
    greedy(s, concat({S, range_ids(370, 10), N}), 1, &stats);
    QCOMPARE(b->shifts, 0);
    QCOMPARE(stats.reused_tokens, int(S.size()));
}

// A chat as the app and `causerie-cli chat` run it (prepare_prompt, then generate), on a real
// tokenizer and template: once the oldest exchanges are left out, a turn shifts the cache and
// reuses the kept history instead of evaluating it again.
void TestKvState::contextShiftFollowsPreparePrompt()
{
    auto model = load_model(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");
    QVERIFY(model.ok());
    auto tok = Tokenizer::from_vocab(model->vocab);
    QVERIFY(tok.ok());
    const ChatTemplate tmpl = ChatTemplate::detect(model->vocab, *tok);
    BackendOptions o;
    o.n_ctx = 192;
    o.n_threads = 2;
    auto backend = create_cpu_backend(*model, o);
    QVERIFY(backend.ok());
    Session s(*tok, std::move(backend).value());
    GenerateOptions g;
    g.sampling.temperature = 0.0f;
    g.max_tokens = 6;
    g.stop_ids = tmpl.end_of_turn_ids(*tok);
    std::vector<ChatTurn> turns = {{"system", "You answer briefly."}};
    PromptCache cache;
    int shifted_turns = 0;
    for (int i = 1; i <= 10; ++i) {
        const std::string question = "Question number " + std::to_string(i) + " about the weather in Paris?";
        turns.push_back({"user", question});
        auto prompt = prepare_prompt(tmpl, *tok, turns, int(o.n_ctx), answer_room(int(o.n_ctx)), &cache);
        QVERIFY(prompt.ok() && prompt->fit.fits);
        std::string answer;
        const auto before = s.cached_tokens();
        size_t common = 0;   // what a plain prefix match would reuse
        while (common < before.size() && common < prompt->ids.size() && before[common] == prompt->ids[common])
            ++common;
        auto st = s.generate(prompt->ids, g, [&](std::string_view t) {
            answer += t;
            return true;
        });
        QVERIFY(st.ok());
        turns.push_back({"assistant", answer});
        if (st->shifted_tokens == 0)
            continue;
        ++shifted_turns;
        // Kept history beyond the common prefix is reused, and most of the prompt is not
        // evaluated again. (Not only the question is evaluated: this Mistral template puts the
        // system prompt in the last user turn, so the previous exchange changes every turn, and
        // a cut-off answer re-tokenizes differently from the ids generated.)
        const int evaluated = st->prompt_tokens - st->reused_tokens;
        QVERIFY2(size_t(st->reused_tokens) >= common + Session::kMinShiftKeep && evaluated * 2 < st->prompt_tokens,
                 qPrintable(QStringLiteral("turn %1: %2 of %3 evaluated, %4 reused, common prefix %5")
                                .arg(i)
                                .arg(evaluated)
                                .arg(st->prompt_tokens)
                                .arg(st->reused_tokens)
                                .arg(common)));
    }
    QVERIFY2(shifted_turns >= 3, qPrintable(QString::number(shifted_turns)));
}

void TestKvState::shiftedKeysEqualKeysAtNewPositions_data() { restoreGivesColdLogits_data(); }

// Layer 0's keys depend only on the token and its position (no attention before them), so after
// a shift they must equal the keys a cold prefill computes at the new positions. Tolerance: the
// shifted key was rounded to F16 twice (stored at q, rotated to q - d) and the cold one once;
// 2 F16 ulps at the value's magnitude (2^-10 relative) plus 1e-3 for the angle recurrence in
// float at positions < 128. Values move unchanged: equal bytes. Rows before the span: untouched.
void TestKvState::shiftedKeysEqualKeysAtNewPositions()
{
    QFETCH(QString, device);
    const auto [S, X, T, N] = ShiftParts();
    auto s = session(device, 128);
    QVERIFY(s->evaluate(concat({S, X, T})).ok());
    auto before = take_snapshot(*s, *m_model);
    QVERIFY(before.ok());
    GenerateStats stats;
    QVERIFY(s->evaluate(concat({S, T, N}), true, &stats).ok());
    QCOMPARE(stats.shifted_tokens, int(X.size()));
    auto cold = session(device, 128);
    QVERIFY(cold->evaluate(concat({S, T, N})).ok());

    const HParams& hp = m_model->hp;
    const int64_t n = int64_t(S.size() + T.size() + N.size());
    std::vector<uint8_t> shifted(s->backend().kv_bytes(n)), direct(cold->backend().kv_bytes(n));
    QVERIFY(s->backend().read_kv(n, shifted.data()).ok());
    QVERIFY(cold->backend().read_kv(n, direct.data()).ok());
    const int64_t kd = kv_k_dim(hp), vd = kv_v_dim(hp);
    auto half = [](const std::vector<uint8_t>& b, size_t i) {
        uint16_t h;
        std::memcpy(&h, b.data() + 2 * i, 2);
        return kernels::fp16_to_fp32(h);
    };
    // Layer 0: K rows of T at their new positions.
    float worst = 0.0f;
    for (int64_t r = int64_t(S.size()); r < int64_t(S.size() + T.size()); ++r)
        for (int64_t i = 0; i < kd; ++i) {
            const float a = half(shifted, size_t(r * kd + i)), b = half(direct, size_t(r * kd + i));
            const float tol = 2.0f * std::ldexp(1.0f, -10) * std::max(std::fabs(b), 1.0f) + 1e-3f;
            QVERIFY2(
                std::fabs(a - b) <= tol,
                qPrintable(QStringLiteral("row %1 value %2: %3 vs %4").arg(r).arg(i).arg(double(a)).arg(double(b))));
            worst = std::max(worst, std::fabs(a - b));
        }
    qInfo("layer 0, largest |shifted - direct| key difference: %g", double(worst));
    // Layer 0: V rows of S and T moved as they are.
    const size_t v0 = size_t(n * kd) * 2;
    QVERIFY(std::memcmp(shifted.data() + v0, direct.data() + v0, (S.size() + T.size()) * size_t(vd) * 2) == 0);
    // Every layer: the rows of S are the bytes they were before the shift.
    const int64_t n_before = int64_t(before->tokens.size());
    for (int64_t l = 0; l < hp.n_layer; ++l) {
        const uint8_t* was = before->rows.data() + size_t(l) * kv_layer_bytes(hp, n_before);
        const uint8_t* now = shifted.data() + size_t(l) * kv_layer_bytes(hp, n);
        QVERIFY(std::memcmp(was, now, S.size() * size_t(kd) * 2) == 0);
        QVERIFY(std::memcmp(was + size_t(n_before * kd) * 2, now + size_t(n * kd) * 2, S.size() * size_t(vd) * 2) == 0);
    }
}

// With a single layer every K/V row depends only on its token and position, so a shifted cache
// is a cold cache up to the keys' F16 rounding: the logits agree within 1e-3 (measured ~1e-5;
// the bound leaves room for the rounding of 40 keys' worth of attention scores).
void TestKvState::shiftOnOneLayerModelGivesColdLogits_data()
{
    testing::addColumnRows<bool>("neox", {{"llama, frequency factors", false}, {"qwen2, NeoX pairs", true}});
}

void TestKvState::shiftOnOneLayerModelGivesColdLogits()
{
    QFETCH(bool, neox);
    const Model* model = neox ? m_qwen2_one_layer.get() : m_one_layer.get();
    QCOMPARE(model->hp.rope_neox, neox);
    const auto [S, X, T, N] = ShiftParts();
    auto s = session(QStringLiteral("cpu"), 128, model);
    QVERIFY(s->evaluate(concat({S, X, T})).ok());
    GenerateStats stats;
    auto shifted = s->evaluate(concat({S, T, N}), true, &stats);
    QVERIFY(shifted.ok());
    QCOMPARE(stats.shifted_tokens, int(X.size()));
    auto cold = session(QStringLiteral("cpu"), 128, model)->evaluate(concat({S, T, N}));
    QVERIFY(cold.ok());
    const float diff = max_abs_diff(*shifted, *cold);
    QVERIFY2(diff <= 1e-3f, qPrintable(QString::number(diff)));
}

// Gemma 3's sliding-window layers rotate with another base than its global layers: one rotation
// cannot move their keys, so the session prefills the rest instead, as a cold run would.
void TestKvState::shiftRefusedWhereRopeCannotBeRedone()
{
    QVERIFY(!kv_shift_supported(*m_gemma3).ok());
    QVERIFY(kv_shift_supported(*m_qwen2_one_layer).ok());
    const auto [S, X, T, N] = ShiftParts();
    auto s = session(QStringLiteral("cpu"), 128, m_gemma3.get());
    QVERIFY(s->evaluate(concat({S, X, T})).ok());
    GenerateStats stats;
    auto refilled = s->evaluate(concat({S, T, N}), true, &stats);
    QVERIFY(refilled.ok());
    QCOMPARE(stats.shifted_tokens, 0);
    auto cold = session(QStringLiteral("cpu"), 128, m_gemma3.get())->evaluate(concat({S, T, N}));
    QVERIFY(cold.ok());
    // The cached S and a prefill of T and N against a prefill of all: within decode-vs-prefill's 1e-4.
    const float diff = max_abs_diff(*refilled, *cold);
    QVERIFY2(diff <= 1e-4f, qPrintable(QString::number(diff)));
}

void TestKvState::ropeShiftMatchesRopeAtNewPosition_data()
{
    QTest::addColumn<bool>("neox");
    QTest::addColumn<int>("n_rot");
    QTest::addColumn<bool>("factors");
    QTest::newRow("normal") << false << 16 << false;
    QTest::newRow("normal, partial n_rot") << false << 8 << false;
    QTest::newRow("normal, freq factors") << false << 16 << true;
    QTest::newRow("neox") << true << 16 << false;
    QTest::newRow("neox, partial n_rot, freq factors") << true << 8 << true;
}

// rope_shift_f16_ref by -d of keys rotated at q equals keys rotated at q - d directly. The
// reference for the normal layout is rope_ref; for NeoX (pairs i, i + n_rot/2) it is written out
// below with the same angles. Tolerance: two F16 roundings against one (2 ulps of 2^-10 relative)
// plus the float angle recurrence at q = 1000 (1e-3). Dimensions past n_rot are not touched.
void TestKvState::ropeShiftMatchesRopeAtNewPosition()
{
    QFETCH(bool, neox);
    QFETCH(int, n_rot);
    QFETCH(bool, factors);
    const int64_t heads = 3, hd = 16, q = 1000, d = 337;
    const std::vector<float> ff = llama3_rope_freq_factors(n_rot, 10000.0f, 8.0f, 1.0f, 4.0f, 64.0f);
    const float* f = factors ? ff.data() : nullptr;
    auto rope = [&](std::vector<float> x, int64_t pos) {
        if (!neox) {
            kernels::rope_ref(x.data(), heads, hd, n_rot, pos, 10000.0f, f);
            return x;
        }
        const float scale = std::pow(10000.0f, -2.0f / float(n_rot));
        for (int64_t h = 0; h < heads; ++h) {
            float theta = float(pos);
            for (int64_t i = 0; i < n_rot / 2; ++i) {
                const float angle = f ? theta / f[i] : theta;
                float& a = x[size_t(h * hd + i)];
                float& b = x[size_t(h * hd + i + n_rot / 2)];
                const float a0 = a, b0 = b;
                a = a0 * std::cos(angle) - b0 * std::sin(angle);
                b = a0 * std::sin(angle) + b0 * std::cos(angle);
                theta *= scale;
            }
        }
        return x;
    };
    auto to_f16 = [](const std::vector<float>& x) {
        std::vector<uint16_t> h(x.size());
        for (size_t i = 0; i < x.size(); ++i)
            h[i] = kernels::fp32_to_fp16(x[i]);
        return h;
    };
    std::vector<float> x(size_t(heads * hd));
    for (size_t i = 0; i < x.size(); ++i)
        x[i] = std::sin(float(i) * 1.7f) * 2.0f;
    std::vector<uint16_t> shifted = to_f16(rope(x, q));
    const std::vector<uint16_t> before = shifted;
    kernels::RopeShape shape;
    shape.n_heads = heads;
    shape.head_dim = hd;
    shape.n_rot = n_rot;
    shape.freq_factors = f;
    shape.neox = neox;
    kernels::rope_shift_f16_ref(shifted.data(), 1, heads * hd, shape, -d);
    const std::vector<uint16_t> direct = to_f16(rope(x, q - d));
    for (int64_t h = 0; h < heads; ++h)
        for (int64_t i = 0; i < hd; ++i) {
            const size_t at = size_t(h * hd + i);
            if (i >= n_rot) {
                QCOMPARE(shifted[at], before[at]);
                continue;
            }
            const float a = kernels::fp16_to_fp32(shifted[at]), b = kernels::fp16_to_fp32(direct[at]);
            const float tol = 2.0f * std::ldexp(1.0f, -10) * std::max(std::fabs(b), 1.0f) + 1e-3f;
            QVERIFY2(std::fabs(a - b) <= tol,
                     qPrintable(QStringLiteral("head %1 value %2: %3 vs %4").arg(h).arg(i).arg(a).arg(b)));
        }
}

// A Q8_0 cache's snapshot says so, holds 34 bytes per 32 values (17/32 of F16's rows: the
// memory the option saves), survives its file, restores into a Q8_0 session whose answers are
// then those of a cold Q8_0 session, and is refused by an F16 session with the reason (and the
// other way round), which then answers as a cold one.
void TestKvState::q8CacheSnapshotsKeepTheirType()
{
    const Model& model = *m_heads32;
    auto make = [&](KvType type) {
        auto b = backend(model, QStringLiteral("cpu"), 128, type);
        return b ? std::make_unique<Session>(*m_tok, std::move(b)) : nullptr;
    };
    auto q8 = make(KvType::Q8_0), f16 = make(KvType::F16);
    QVERIFY(q8 && f16);
    QCOMPARE(q8->backend().kv_type(), KvType::Q8_0);
    const HParams& hp = model.hp;
    const size_t f16_bytes = size_t(hp.n_layer * hp.n_head_kv * (hp.head_dim + hp.value_dim)) * 2;
    QCOMPARE(f16->backend().kv_bytes(1), f16_bytes);
    QCOMPARE(q8->backend().kv_bytes(1), f16_bytes / 64 * 34);
    QVERIFY(q8->evaluate(m_prompt).ok() && f16->evaluate(m_prompt).ok());
    auto snap = take_snapshot(*q8, model);
    auto f16_snap = take_snapshot(*f16, model);
    QVERIFY(snap.ok() && f16_snap.ok());
    QCOMPARE(snap->fingerprint.kv_type, std::string("Q8_0"));
    QCOMPARE(f16_snap->fingerprint.kv_type, std::string("F16"));
    QCOMPARE(snap->rows.size(), m_prompt.size() * f16_bytes / 64 * 34);
    const std::string path = m_dir.filePath(QStringLiteral("q8.kv")).toStdString();
    QVERIFY(write_snapshot(*snap, path).ok());
    auto read = read_snapshot(path);
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    QCOMPARE(read->rows, snap->rows);

    // Restored into a fresh Q8_0 session: the next answer reuses the prefix and is the cold one's.
    auto restored = make(KvType::Q8_0), cold = make(KvType::Q8_0);
    QVERIFY(restored && cold);
    QVERIFY(restore_snapshot(*restored, model, *read).ok());
    const auto prompt = concat({m_prompt, range_ids(50, 5)});
    GenerateStats stats;
    const auto answer = greedy(*restored, prompt, 6, &stats);
    QCOMPARE(stats.reused_tokens, int(m_prompt.size()));
    QCOMPARE(answer, greedy(*cold, prompt, 6));

    // Each type refuses the other's snapshot, saying which.
    auto other = make(KvType::F16);
    QVERIFY(other);
    auto st = restore_snapshot(*other, model, *read);
    QVERIFY(!st);
    QVERIFY2(st.error().message.find("KV type Q8_0, this backend stores F16") != std::string::npos,
             st.error().message.c_str());
    QVERIFY(other->cached_tokens().empty());
    auto other_q8 = make(KvType::Q8_0);
    QVERIFY(other_q8);
    st = restore_snapshot(*other_q8, model, *f16_snap);
    QVERIFY(!st);
    QVERIFY2(st.error().message.find("KV type F16, this backend stores Q8_0") != std::string::npos,
             st.error().message.c_str());
    QVERIFY(other_q8->cached_tokens().empty());
    QCOMPARE(greedy(*other_q8, prompt, 6), greedy(*make(KvType::Q8_0), prompt, 6));
}

// Heads of 16 values are not whole Q8_0 blocks: the backend refuses with the reason.
void TestKvState::q8CacheRefusedForSmallHeads()
{
    BackendOptions o;
    o.n_ctx = 64;
    o.kv_type = KvType::Q8_0;
    auto b = create_cpu_backend(*m_model, o);
    QVERIFY(!b);
    QVERIFY2(b.error().message.find("multiples of 32") != std::string::npos, b.error().message.c_str());
}

QTEST_GUILESS_MAIN(TestKvState)
#include "tst_kv_state.moc"
