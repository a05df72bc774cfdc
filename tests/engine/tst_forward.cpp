// The CPU forward pass against llama.cpp's figures for the tiny Mistral-architecture model, for
// a Llama model with Llama 3.1 RoPE frequency factors, for the other architectures (mixtures of experts
// included), for Q2_K/Q3_K/IQ4 files, and the KV cache against full prefill for a random model in every
// supported type.
#include "engine/backend.h"
#include "engine/model.h"
#include "engine/test_model.h"
#include "engine/tokenizer.h"
#include "kernels/cpu/dequant_ref.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>

using namespace causerie;
using kernels::TensorType;

namespace {

const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");

// The lines of a golden file in tests/data; none when it cannot be read (the tests then find
// no reference values and fail).
QList<QByteArray> golden_lines(const char* name)
{
    QFile f(QStringLiteral(CAUSERIE_TEST_DATA_DIR "/") + QLatin1String(name));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll().split('\n');
}

struct Golden {
    std::vector<std::pair<int32_t, float>> top5;
    std::string greedy_text;   // prompt + continuation, as llama.cpp printed it
};

// Parses tiny-mistral-q8_0.golden.txt ("top5 next-token logits: id:logit ..." and
// "greedy continuation (text): ...").
Golden read_golden()
{
    Golden g;
    for (const QByteArray& raw : golden_lines("tiny-mistral-q8_0.golden.txt")) {
        const QString line = QString::fromUtf8(raw);
        if (line.startsWith(QLatin1String("top5 next-token logits:"))) {
            for (const QString& item : line.section(u':', 1).split(u' ', Qt::SkipEmptyParts))
                g.top5.push_back({item.section(u':', 0, 0).toInt(), item.section(u':', 1, 1).toFloat()});
        } else if (line.startsWith(QLatin1String("greedy continuation (text): "))) {
            g.greedy_text = line.mid(int(strlen("greedy continuation (text): "))).toStdString();
        }
    }
    return g;
}

std::vector<int32_t> top_ids(const std::vector<float>& logits, size_t k)
{
    std::vector<int32_t> ids(logits.size());
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(ids.begin(), ids.begin() + std::ptrdiff_t(k), ids.end(),
                      [&](int32_t a, int32_t b) { return logits[size_t(a)] > logits[size_t(b)]; });
    ids.resize(k);
    return ids;
}

// tiny-llama3-rope.golden.txt: "sha256 HEX", "ids N...", "top5 id:logit ...", "greedy N...".
struct RopeGolden {
    QByteArray sha256;
    std::vector<int32_t> ids;
    std::vector<std::pair<int32_t, float>> top5;
    std::vector<int32_t> greedy;
    int64_t ctx = 64;   // "ctx N": the context size the figures were made with
};

// That file, or another golden file of its form (the MoE and low-bit ones), by name.
RopeGolden read_ids_golden(const QString& name = QStringLiteral("tiny-llama3-rope.golden.txt"))
{
    RopeGolden g;
    for (const QByteArray& line : golden_lines(qPrintable(name))) {
        const QList<QByteArray> w = line.split(' ');
        if (w.value(0) == "sha256") {
            g.sha256 = w.value(1);
        } else if (w.value(0) == "ids" || w.value(0) == "greedy") {
            for (qsizetype i = 1; i < w.size(); ++i)
                (w[0] == "ids" ? g.ids : g.greedy).push_back(w[i].toInt());
        } else if (w.value(0) == "ctx") {
            g.ctx = w.value(1).toLongLong();
        } else if (w.value(0) == "top5") {
            for (qsizetype i = 1; i < w.size(); ++i)
                g.top5.push_back({w[i].split(':').value(0).toInt(), w[i].split(':').value(1).toFloat()});
        }
    }
    return g;
}

// The spec of the golden file's command line.
TestModelSpec llama3_rope_spec()
{
    TestModelSpec spec{
        .n_vocab = 512, .n_embd = 512, .n_layer = 2, .n_head = 4, .n_head_kv = 2, .n_ff = 512, .n_ctx = 512, .seed = 7};
    spec.rope_freq_factors = llama3_rope_freq_factors(128, spec.rope_freq_base, 8.0f, 1.0f, 4.0f, 64.0f);
    return spec;
}

// tiny-mixtral's 'llama' with 8 experts, 2 per token.
void make_mixtral(TestModelSpec& spec)
{
    spec.arch = "llama";
    spec.n_expert = 8;
    spec.n_expert_used = 2;
}

// Phi-3's partial rotation (48 of 64 dims) and LongRoPE: the long factors past `n_ctx_orig`
// positions, the short ones up to it, cos and sin scaled by 1.19.
void make_phi3_rope(TestModelSpec& spec, int64_t n_ctx_orig)
{
    spec.n_rot = 48;
    spec.n_ctx_orig = n_ctx_orig;
    spec.rope_attn_factor = 1.19f;
    spec.rope_factors_short = longrope_test_factors(24, false);
    spec.rope_factors_long = longrope_test_factors(24, true);
}

// Gemma's sliding window of `n_swa` positions, and gemma2's attention and final soft-caps.
void make_gemma_window(TestModelSpec& spec, int64_t n_swa)
{
    spec.n_swa = n_swa;
    if (spec.arch == "gemma2") {
        spec.attn_softcap = 1.0f;
        spec.final_softcap = 5.0f;
    }
}

// The specs of the tiny-<arch>.golden.txt files' command lines ("mixtral": tiny-mixtral's 'llama' MoE),
// each with the seed its file was made with.
TestModelSpec arch_spec(const QString& arch)
{
    static const std::map<QString, uint64_t> seeds = {{QStringLiteral("mixtral"), 51}, {QStringLiteral("qwen3moe"), 53},
                                                      {QStringLiteral("qwen2"), 23},   {QStringLiteral("gemma2"), 44},
                                                      {QStringLiteral("gemma3"), 41},  {QStringLiteral("phi3"), 31}};
    TestModelSpec spec{.n_vocab = 512, .n_embd = 256, .n_layer = 2, .n_head = 4, .n_head_kv = 2, .n_ff = 512};
    spec.arch = arch.toStdString();
    spec.seed = seeds.count(arch) ? seeds.at(arch) : 12;
    if (arch != QLatin1String("mixtral") && arch != QLatin1String("qwen2") && arch != QLatin1String("gemma2") &&
        arch != QLatin1String("phi3"))
        spec.head_dim = 128;
    if (arch == QLatin1String("mixtral"))
        make_mixtral(spec);
    if (arch == QLatin1String("qwen3moe")) {   // 16 experts of 256, 4 per token
        spec.n_ff = 1024;
        spec.n_ff_exp = 256;
        spec.n_expert = 16;
        spec.n_expert_used = 4;
    }
    if (arch.startsWith(QLatin1String("gemma")))
        make_gemma_window(spec, 16);
    if (arch == QLatin1String("gemma3")) {
        spec.n_layer = 3;
        spec.swa_pattern = 3;
        spec.rope_freq_base = 1000000.0f;
        spec.rope_freq_base_swa = 10000.0f;
        spec.rope_scaling_factor = 8.0f;
    }
    if (arch == QLatin1String("phi3"))
        make_phi3_rope(spec, 256);
    return spec;
}

// The index of the largest value (the first of equals): the greedy token.
int32_t argmax(const std::vector<float>& v) { return int32_t(std::max_element(v.begin(), v.end()) - v.begin()); }

// Empty when `logits`' five highest are `want`'s ids, in order, each within `tolerance` of its
// reference value; otherwise what differs.
QString top5_mismatch(const std::vector<float>& logits, const std::vector<std::pair<int32_t, float>>& want,
                      float tolerance)
{
    const auto top = top_ids(logits, 5);
    for (size_t i = 0; i < 5 && i < want.size(); ++i) {
        if (top[i] != want[i].first)
            return QStringLiteral("top %1 is token %2, reference %3").arg(i + 1).arg(top[i]).arg(want[i].first);
        const float got = logits[size_t(top[i])];
        if (std::fabs(got - want[i].second) > tolerance)
            return QStringLiteral("logit of %1: %2, reference %3").arg(top[i]).arg(got).arg(want[i].second);
    }
    return want.size() == 5 ? QString() : QStringLiteral("the reference has %1 entries, not 5").arg(want.size());
}

// The SHA-256 of the file at `path`, in hex; empty when it cannot be read.
QByteArray file_sha256(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex();
}

// The model of `spec` written to `path` and loaded back; an error when writing or loading fails or
// when the file's SHA-256 is not the golden file's `sha256` (then the figures are not for it).
Result<Model> write_golden_model(const QString& path, const TestModelSpec& spec, const QByteArray& sha256)
{
    if (Status st = write_test_model(path.toStdString(), spec); !st.ok())
        return st.error();
    if (const QByteArray got = file_sha256(path); got != sha256)
        return make_error("SHA-256 " + got.toStdString() + ", golden file " + sha256.toStdString());
    return load_model(path.toStdString());
}

// A CPU backend of `threads` threads and 64 positions that has evaluated `ids` from position 0,
// and the logits of the last one; no backend when creating it or evaluating failed.
struct Evaluated {
    std::unique_ptr<ComputeBackend> backend;
    std::vector<float> logits;
};

Evaluated eval_on_cpu(const Model& model, const std::vector<int32_t>& ids, int threads, int64_t n_ctx = 64)
{
    BackendOptions opts;
    opts.n_threads = threads;
    opts.n_ctx = n_ctx;
    auto backend = create_cpu_backend(model, opts);
    if (!backend.ok())
        return {};
    Evaluated e{std::move(backend).value(), std::vector<float>(size_t(model.hp.n_vocab))};
    if (!e.backend->eval(ids, 0, e.logits.data()).ok())
        return {};
    return e;
}

// Empty when the greedy continuation of `e` (which has evaluated `golden.ids`), each argmax
// evaluated at the next position, gives `golden.greedy`; otherwise the first step that differs.
QString greedy_mismatch(Evaluated& e, const RopeGolden& golden)
{
    int64_t pos = int64_t(golden.ids.size());
    for (size_t i = 0; i < golden.greedy.size(); ++i) {
        const int32_t next = argmax(e.logits);
        if (next != golden.greedy[i])
            return QStringLiteral("greedy step %1 is token %2, reference %3").arg(i).arg(next).arg(golden.greedy[i]);
        const int32_t one[1] = {next};
        if (!e.backend->eval(one, pos++, e.logits.data()).ok())
            return QStringLiteral("greedy step %1: eval failed").arg(i);
    }
    return {};
}

// Empty when `e` (which has evaluated `ref.ids`, or failed) gives `ref`'s top 5 within `tolerance`
// and then its greedy tokens; otherwise the first difference.
QString golden_mismatch(Evaluated& e, const RopeGolden& ref, float tolerance)
{
    if (!e.backend)
        return QStringLiteral("no backend, or its evaluation failed");
    const QString top5 = top5_mismatch(e.logits, ref.top5, tolerance);
    return top5.isEmpty() ? greedy_mismatch(e, ref) : top5;
}

// llama.cpp's figures hold for 1 and 2 threads alike; so must the engine's.
void addThreadRows()
{
    QTest::addColumn<int>("threads");
    QTest::newRow("1 thread") << 1;
    QTest::newRow("2 threads") << 2;
}

// The low-bit models in tests/data (made by llama-quantize from one of our F32 random models):
// file stem, and the type model_quantization() names (the one holding most weight bytes).
void addLowbitRows(bool with_threads)
{
    QTest::addColumn<QString>("stem");
    QTest::addColumn<QString>("quant");
    if (with_threads)
        QTest::addColumn<int>("threads");
    const char* rows[][2] = {{"q2_k", "Q2_K"}, {"q3_k_m", "Q3_K_M"}, {"iq4_nl", "IQ4_NL"}, {"iq4_xs", "IQ4_XS"}};
    for (const auto& r : rows) {
        if (!with_threads) {
            QTest::newRow(r[0]) << QString::fromLatin1(r[0]) << QString::fromLatin1(r[1]);
            continue;
        }
        for (int threads : {1, 2})
            QTest::addRow("%s %d thread(s)", r[0], threads)
                << QString::fromLatin1(r[0]) << QString::fromLatin1(r[1]) << threads;
    }
}

// 19 tokens evaluated one at a time give the logits of one 19-token prefill, within 1e-4.
void decodeMatchesPrefill(const Model& model)
{
    const int64_t n_vocab = model.hp.n_vocab;

    std::vector<int32_t> tokens;
    for (int i = 0; i < 19; ++i)
        tokens.push_back(int32_t((i * 37 + 5) % n_vocab));

    BackendOptions opts;
    opts.n_ctx = 32;
    opts.n_threads = 2;
    auto full = create_cpu_backend(model, opts);
    auto step = create_cpu_backend(model, opts);
    QVERIFY(full.ok() && step.ok());
    std::vector<float> all(tokens.size() * size_t(n_vocab));
    std::vector<float> last(static_cast<size_t>(n_vocab));
    QVERIFY((*full)->eval(tokens, 0, last.data(), all.data()).ok());

    float max_diff = 0.0f;
    float max_abs = 0.0f;
    for (size_t t = 0; t < tokens.size(); ++t) {
        std::vector<float> logits(static_cast<size_t>(n_vocab));
        QVERIFY((*step)->eval(std::span(&tokens[t], 1), int64_t(t), logits.data()).ok());
        for (int64_t i = 0; i < n_vocab; ++i) {
            max_diff = std::max(max_diff, std::fabs(logits[size_t(i)] - all[t * size_t(n_vocab) + size_t(i)]));
            max_abs = std::max(max_abs, std::fabs(logits[size_t(i)]));
            QVERIFY(std::isfinite(logits[size_t(i)]));
        }
    }
    QVERIFY2(max_diff <= 1e-4f, qPrintable(QStringLiteral("max |decode - prefill| = %1").arg(max_diff)));
    // The logits must not be trivially zero, or the comparison above proves nothing.
    QVERIFY2(max_abs > 1e-2f, qPrintable(QStringLiteral("max |logit| = %1").arg(max_abs)));
    // The last-token logits are the last row of the full set.
    QCOMPARE(std::vector<float>(all.end() - n_vocab, all.end()), last);

    // Asking only for the last row's logits runs the last layer's feed-forward on that row alone:
    // bit for bit the same logits (the products do not depend on the rows they run on).
    auto only_last = create_cpu_backend(model, opts);
    QVERIFY(only_last.ok());
    std::vector<float> alone(static_cast<size_t>(n_vocab), -1.0f);
    QVERIFY((*only_last)->eval(tokens, 0, alone.data()).ok());
    QVERIFY(alone == last);
    // A first part with no logits wanted skips that feed-forward entirely; its K/V rows are still
    // all written, so the second part's logits are those of the prefill (within the decode's 1e-4:
    // the second part's attention runs over cached rows).
    auto split = create_cpu_backend(model, opts);
    QVERIFY(split.ok());
    std::vector<float> after(static_cast<size_t>(n_vocab), -1.0f);
    QVERIFY((*split)->eval(std::span(tokens.data(), 11), 0, nullptr).ok());
    QVERIFY((*split)->eval(std::span(tokens.data() + 11, tokens.size() - 11), 11, after.data()).ok());
    float split_diff = 0.0f;
    for (int64_t i = 0; i < n_vocab; ++i)
        split_diff = std::max(split_diff, std::fabs(after[size_t(i)] - last[size_t(i)]));
    QVERIFY2(split_diff <= 1e-4f, qPrintable(QStringLiteral("max |split - prefill| = %1").arg(split_diff)));
}

}   // namespace

class TestForward : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tinyModelMatchesLlamaCpp_data();
    void tinyModelMatchesLlamaCpp();
    void tinyModelGreedyContinuation();
    void kvCacheMatchesFullPrefill_data();
    void kvCacheMatchesFullPrefill();
    void evalRejectsBadTokensAndOverflow();
    void llama3RopeFactorsMatchLlamaCpp_data();
    void llama3RopeFactorsMatchLlamaCpp();
    void architecturesMatchLlamaCpp_data();
    void architecturesMatchLlamaCpp();
    void quantizedExpertsMatchLlamaCpp_data();
    void quantizedExpertsMatchLlamaCpp();
    void expertsNeedingTwoConversions();
    void lowbitMatchesLlamaCpp_data();
    void lowbitMatchesLlamaCpp();
    void lowbitDecodeMatchesPrefill_data();
    void lowbitDecodeMatchesPrefill();
    void batchedDecodeMatchesAlone_data();
    void batchedDecodeMatchesAlone();
    void batchRejectsBadItems();
    void q8KvCacheStaysCloseToF16();
};

void TestForward::tinyModelMatchesLlamaCpp_data() { addThreadRows(); }

// Reproduced from llama.cpp's CPU path: activations quantized to Q8_0 blocks before every Q8_0
// product, the KV cache kept in F16, and its flash-attention numerics (Q rounded to F16, the
// P.V sum accumulated in F16). Without the last one the logits differ by up to 3.5e-2, which the
// issue's 1e-2 would not accept. Not reproduced: summation order inside SIMD dot products.
// With those reproduced the figures agree to their 4 printed decimals, so the test holds them
// to 1e-3 (tighter than the 1e-2, so a numerics regression is caught).
void TestForward::tinyModelMatchesLlamaCpp()
{
    QFETCH(int, threads);
    const Golden golden = read_golden();
    QCOMPARE(golden.top5.size(), size_t(5));

    auto model = load_model(kTiny.toStdString());
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    auto tok = Tokenizer::from_vocab(model->vocab);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message.c_str());
    auto ids = tok->encode("Hello world!", tok->add_bos());
    QVERIFY(ids.ok());
    QCOMPARE(*ids, (std::vector<int32_t>{1, 22557, 1526, 28808}));

    auto [backend, logits] = eval_on_cpu(*model, *ids, threads);
    QVERIFY(backend);

    const QString mismatch = top5_mismatch(logits, golden.top5, 1e-3f);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
}

void TestForward::tinyModelGreedyContinuation()
{
    const Golden golden = read_golden();
    QVERIFY(!golden.greedy_text.empty());
    auto model = load_model(kTiny.toStdString());
    QVERIFY(model.ok());
    auto tok = Tokenizer::from_vocab(model->vocab);
    QVERIFY(tok.ok());
    std::vector<int32_t> seq = *tok->encode("Hello world!", true);
    const size_t n_prompt = seq.size();
    BackendOptions opts;
    opts.n_ctx = 64;
    auto backend = create_cpu_backend(*model, opts);
    QVERIFY(backend.ok());
    std::vector<float> logits(size_t(model->hp.n_vocab));
    QVERIFY((*backend)->eval(seq, 0, logits.data()).ok());
    // Greedy until the text is as long as the reference (the reference has no EOS in it).
    while (tok->decode(seq).size() < golden.greedy_text.size() && seq.size() < n_prompt + 40) {
        const int32_t next = argmax(logits);
        seq.push_back(next);
        const int32_t one[1] = {next};
        QVERIFY((*backend)->eval(one, int64_t(seq.size() - 1), logits.data()).ok());
    }
    QCOMPARE(QString::fromStdString(tok->decode(seq)), QString::fromStdString(golden.greedy_text));
}

void TestForward::kvCacheMatchesFullPrefill_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<bool>("tied");
    QTest::addColumn<QString>("arch");
    const QString llama = QStringLiteral("llama");
    for (auto t :
         {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q8_0, TensorType::Q4_0, TensorType::Q4_1,
          TensorType::Q5_0, TensorType::Q5_1, TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K})
        QTest::newRow(kernels::type_traits(uint32_t(t))->name) << int(t) << false << llama;
    QTest::newRow("F32 tied output") << int(TensorType::F32) << true << llama;
    QTest::newRow("Q4_K tied output") << int(TensorType::Q4_K) << true << llama;   // the repacked head is the embedding
    QTest::newRow("Q4_K_M mixture") << -1 << false << llama;                       // Q4_K with Q6_K layers and head
    QTest::newRow("mixtral Q4_K_M mixture") << -1 << false << QStringLiteral("mixtral");   // experts repacked
    QTest::newRow("mixtral F32") << int(TensorType::F32) << false << QStringLiteral("mixtral");
    QTest::newRow("qwen3moe Q4_0") << int(TensorType::Q4_0) << false << QStringLiteral("qwen3moe");
    for (const char* arch : {"qwen2", "qwen3", "phi3", "gemma2", "gemma3", "mixtral", "qwen3moe"}) {
        QTest::newRow(qPrintable(QStringLiteral("%1 Q8_0").arg(QLatin1String(arch))))
            << int(TensorType::Q8_0) << false << QString::fromLatin1(arch);
        QTest::newRow(qPrintable(QStringLiteral("%1 Q4_K tied output").arg(QLatin1String(arch))))
            << int(TensorType::Q4_K) << true << QString::fromLatin1(arch);
    }
}

// mistral-inference's check: logits from token-by-token decoding equal one prefill of the same
// tokens. The reference path does the same arithmetic per token in both cases (no batch-size
// dependent reduction), so 1e-4 holds for every type; a faster batched path must state its own.
void TestForward::kvCacheMatchesFullPrefill()
{
    QFETCH(int, type);
    QFETCH(bool, tied);
    QFETCH(QString, arch);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    // 2 layers of 4 heads (2 KV heads), as the spec's defaults.
    TestModelSpec spec{.arch = arch.toStdString(), .n_embd = 256, .n_ff = 512, .seed = 7, .tied_output = tied};
    if (arch == QLatin1String("mixtral")) {   // 19 tokens over 8 experts, 2 each: every expert has tokens
        make_mixtral(spec);
    } else if (arch == QLatin1String("qwen3moe")) {
        spec.n_expert = 8;
        spec.n_expert_used = 3;
        spec.n_ff_exp = 256;
    }
    if (type < 0)
        spec.mix = TestModelMix::Q4_K_M;
    else
        spec.type = TensorType(type);
    if (arch == QLatin1String("phi3"))   // LongRoPE's long factors (32 > 16)
        make_phi3_rope(spec, 16);
    if (arch.startsWith(QLatin1String("gemma"))) {   // 19 tokens across a window of 8
        make_gemma_window(spec, 8);
        spec.swa_pattern = 2;
        spec.rope_freq_base_swa = 10000.0f;
        spec.rope_scaling_factor = 8.0f;
    }
    QVERIFY2(write_test_model(path, spec).ok(), "write_test_model");
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    decodeMatchesPrefill(*model);
}

void TestForward::evalRejectsBadTokensAndOverflow()
{
    auto model = load_model(kTiny.toStdString());
    QVERIFY(model.ok());
    BackendOptions opts;
    opts.n_ctx = 8;
    auto backend = create_cpu_backend(*model, opts);
    QVERIFY(backend.ok());
    std::vector<float> logits(size_t(model->hp.n_vocab));
    const std::vector<int32_t> bad = {1, 32000};
    auto st = (*backend)->eval(bad, 0, logits.data());
    QVERIFY(!st.ok());
    QVERIFY(st.error().message.find("32000") != std::string::npos);
    const std::vector<int32_t> negative = {-1};
    QVERIFY(!(*backend)->eval(negative, 0, logits.data()).ok());
    const std::vector<int32_t> nine(9, 1);
    st = (*backend)->eval(nine, 0, logits.data());
    QVERIFY(!st.ok());
    QVERIFY(st.error().message.find("context") != std::string::npos);
    QVERIFY(!(*backend)->eval(std::vector<int32_t>{1}, 8, logits.data()).ok());
}

void TestForward::llama3RopeFactorsMatchLlamaCpp_data() { addThreadRows(); }

// rope_freqs.weight divides each pair's angle (llama.cpp's convention): the same model without
// the factors, or with them multiplied, gives other top tokens (checked when the figures were
// made), so matching these figures checks both that the factors are read and how they apply.
void TestForward::llama3RopeFactorsMatchLlamaCpp()
{
    QFETCH(int, threads);
    const RopeGolden golden = read_ids_golden();
    QCOMPARE(golden.top5.size(), size_t(5));
    QCOMPARE(golden.greedy.size(), size_t(16));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("rope.gguf"));
    auto model = write_golden_model(path, llama3_rope_spec(), golden.sha256);
    QVERIFY2(model.ok(), model.errorString().c_str());
    QVERIFY(model->rope_freq_factors != nullptr);
    QCOMPARE(model->rope_freq_factors[0], 1.0f);    // short wavelengths untouched
    QCOMPARE(model->rope_freq_factors[63], 8.0f);   // long ones scaled by `factor`

    // 1e-2, the engine's agreement target with llama.cpp: F32 weights are multiplied in a
    // different summation order than ggml's SIMD dot products. Then greedy, one token at a time:
    // the factors also apply at every later position.
    Evaluated e = eval_on_cpu(*model, golden.ids, threads);
    const QString mismatch = golden_mismatch(e, golden, 1e-2f);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
}

void TestForward::architecturesMatchLlamaCpp_data()
{
    QTest::addColumn<QString>("arch");
    QTest::addColumn<QString>("golden");
    QTest::addColumn<int>("threads");
    for (const char* arch : {"qwen2", "qwen3", "phi3", "phi3-short", "gemma2", "gemma3", "mixtral", "qwen3moe"})
        for (int threads : {1, 2})
            QTest::newRow(qPrintable(QStringLiteral("%1, %2 thread(s)").arg(QLatin1String(arch)).arg(threads)))
                << QString::fromLatin1(arch).section(u'-', 0, 0)
                << QStringLiteral("tiny-%1.golden.txt").arg(QLatin1String(arch)) << threads;
}

// qwen2 (Q/K/V biases), qwen3 (per-head Q/K RMSNorm, key_length != n_embd/n_head) and phi3
// (fused Q/K/V and gate/up, partial NeoX rotation, LongRoPE: long factors for a context above
// the original 256, short ones up to it), all with NeoX RoPE, against llama.cpp's figures for the
// same generated files. The same model without the architecture's extra step (normal RoPE pairs;
// no biases; no Q/K norms; the other LongRoPE factors; no attn_factor) must give other figures,
// so matching them checks each step, not only that the model runs.
void TestForward::architecturesMatchLlamaCpp()
{
    QFETCH(QString, arch);
    QFETCH(QString, golden);
    QFETCH(int, threads);
    const RopeGolden ref = read_ids_golden(golden);
    QCOMPARE(ref.top5.size(), size_t(5));
    QCOMPARE(ref.greedy.size(), size_t(16));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("arch.gguf"));
    auto model = write_golden_model(path, arch_spec(arch), ref.sha256);
    QVERIFY2(model.ok(), model.errorString().c_str());
    const bool mixtral = arch == QLatin1String("mixtral");
    QCOMPARE(QString::fromStdString(model->hp.architecture), mixtral ? QStringLiteral("llama") : arch);
    QCOMPARE(model->hp.rope_neox, !mixtral);
    if (mixtral || arch == QLatin1String("qwen3moe")) {
        QCOMPARE(model->hp.n_expert, mixtral ? int64_t(8) : int64_t(16));
        QCOMPARE(model->hp.n_expert_used, mixtral ? int64_t(2) : int64_t(4));
        QCOMPARE(model->hp.n_ff_exp, mixtral ? int64_t(512) : int64_t(256));
    }
    // 24 ids then 16 greedy tokens: 40 positions, past the gemma models' window of 16.
    if (arch.startsWith(QLatin1String("gemma")))
        QCOMPARE(model->hp.n_swa, int64_t(16));

    Evaluated e = eval_on_cpu(*model, ref.ids, threads, ref.ctx);
    const QString mismatch = golden_mismatch(e, ref, 1e-2f);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));

    // Each step removed in turn: the figures no longer match. `differs_with` evaluates the model
    // with one field changed, then puts the field back.
    e.backend.reset();
    auto differs = [&] {
        const Evaluated other = eval_on_cpu(*model, ref.ids, threads, ref.ctx);
        return other.backend && !top5_mismatch(other.logits, ref.top5, 1e-2f).isEmpty();
    };
    auto differs_with = [&](auto& field, auto value) {
        const auto kept = field;
        field = value;
        const bool d = differs();
        field = kept;
        return d;
    };
    QVERIFY(differs_with(model->hp.rope_neox, !model->hp.rope_neox));
    if (model->hp.n_expert > 0) {
        // The chosen experts' weights not renormalized; then the most probable expert alone.
        QVERIFY(differs_with(model->hp.expert_weights_norm, false));
        QVERIFY(differs_with(model->hp.n_expert_used, int64_t(1)));
        if (mixtral)   // nothing else differs from a dense llama
            return;
    }
    if (arch == QLatin1String("phi3")) {
        // The other factor set, then no cos/sin scale: other figures each time.
        std::swap(model->rope_factors_long, model->rope_factors_short);
        QVERIFY(differs());
        std::swap(model->rope_factors_long, model->rope_factors_short);
        model->hp.rope_attn_factor = 1.0f;
    }
    if (arch.startsWith(QLatin1String("gemma"))) {
        // Attending to every position instead of the window; then no post-block norms.
        QVERIFY(differs_with(model->hp.n_swa, int64_t(0)));
        if (arch == QLatin1String("gemma2"))   // and without the attention soft-cap
            QVERIFY(differs_with(model->hp.attn_softcap, 0.0f));
        else   // and with the global layer's base for every layer
            QVERIFY(differs_with(model->hp.rope_freq_base_swa, model->hp.rope_freq_base));
        for (LayerWeights& L : model->layers)
            L.attn_post_norm.data = L.ffn_post_norm.data = nullptr;
    }
    for (LayerWeights& L : model->layers) {
        if (arch == QLatin1String("phi3") || arch.startsWith(QLatin1String("gemma")))
            break;
        if (arch == QLatin1String("qwen2")) {
            QVERIFY(L.bq.data && L.bk.data && L.bv.data);
            L.bq.data = L.bk.data = L.bv.data = nullptr;
        } else {
            QVERIFY(L.q_norm.data && L.k_norm.data);
            L.q_norm.data = L.k_norm.data = nullptr;
        }
    }
    QVERIFY(differs());
}

void TestForward::quantizedExpertsMatchLlamaCpp_data()
{
    QTest::addColumn<QString>("arch");
    QTest::addColumn<QString>("golden");
    QTest::addColumn<int>("threads");
    for (const char* golden : {"tiny-mixtral-q8_0", "tiny-qwen3moe-q4_k_m"})
        for (int threads : {1, 2})
            QTest::addRow("%s, %d thread(s)", golden, threads)
                << QString::fromLatin1(golden).section(u'-', 1, 1) << QStringLiteral("%1.golden.txt").arg(golden)
                << threads;
}

// The MoE models of architecturesMatchLlamaCpp with quantized experts (Q8_0; Q4_K/Q6_K), which the
// CPU runs on its repacked kernels: llama.cpp's 16 greedy tokens, and its top-5 within 2e-2 --
// 8-bit activations put our logits up to 0.015 from llama.cpp's for the dense model of the same
// shape too (the golden files say more), so not the 1e-2 the F32 models hold.
void TestForward::quantizedExpertsMatchLlamaCpp()
{
    QFETCH(QString, arch);
    QFETCH(QString, golden);
    QFETCH(int, threads);
    TestModelSpec spec = arch_spec(arch);
    if (arch == QLatin1String("mixtral"))
        spec.type = TensorType::Q8_0;
    else
        spec.mix = TestModelMix::Q4_K_M;
    const RopeGolden ref = read_ids_golden(golden);
    QCOMPARE(ref.top5.size(), size_t(5));
    QCOMPARE(ref.greedy.size(), size_t(16));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("moe.gguf"));
    auto model = write_golden_model(path, spec, ref.sha256);
    QVERIFY2(model.ok(), model.errorString().c_str());
    QVERIFY(model->hp.n_expert > 0);
    Evaluated e = eval_on_cpu(*model, ref.ids, threads);
    const QString mismatch = golden_mismatch(e, ref, 2e-2f);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
}

// The experts' gate and up products read each token's row converted once for both; when gate
// and up need different conversions (gate in F16 here, up in F32: no quantizer writes that), they
// read its floats instead. Such a model gives the F32 model's logits within F16's rounding of the
// gate weights (2^-11 relative: ~1e-3 on these logits; a token routed to another expert's rows
// would be off by whole units), and decodes as it prefills.
void TestForward::expertsNeedingTwoConversions()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
    TestModelSpec spec{.n_embd = 256, .n_ff = 512, .seed = 7};   // F32 weights
    make_mixtral(spec);
    QVERIFY2(write_test_model(path, spec).ok(), "write_test_model");
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    std::vector<int32_t> ids;
    for (int i = 0; i < 19; ++i)   // 19 tokens over 8 experts, 2 each: every expert has tokens
        ids.push_back(int32_t((i * 37 + 5) % model->hp.n_vocab));
    const Evaluated f32 = eval_on_cpu(*model, ids, 2);
    QVERIFY(f32.backend);

    std::vector<std::vector<uint16_t>> halves;   // the gates' F16 copies, alive as long as the model
    for (LayerWeights& L : model->layers)
        for (Weight& w : L.gate_exps) {
            std::vector<uint16_t>& h = halves.emplace_back(size_t(w.rows * w.cols));
            for (int64_t r = 0; r < w.rows; ++r)
                for (int64_t c = 0; c < w.cols; ++c)
                    h[size_t(r * w.cols + c)] = kernels::fp32_to_fp16(
                        reinterpret_cast<const float*>(static_cast<const char*>(w.data) + size_t(r) * w.row_bytes)[c]);
            w.type = TensorType::F16;
            w.data = h.data();
            w.row_bytes = size_t(w.cols) * 2;
        }
    for (int threads : {1, 2}) {
        const Evaluated mixed = eval_on_cpu(*model, ids, threads);
        QVERIFY(mixed.backend);
        float most = 0.0f;
        for (size_t i = 0; i < f32.logits.size(); ++i)
            most = std::max(most, std::abs(mixed.logits[i] - f32.logits[i]));
        QVERIFY2(most < 1e-2f, qPrintable(QStringLiteral("%1 threads: off by %2").arg(threads).arg(most)));
        QVERIFY(most > 0.0f);   // the F16 gates were used
    }
    decodeMatchesPrefill(*model);
}

void TestForward::lowbitMatchesLlamaCpp_data() { addLowbitRows(true); }

// Q2_K (llama.cpp's Q2_K mixture: Q2_K, Q3_K, Q6_K), Q3_K_M (Q3_K, Q4_K, Q5_K, Q6_K), IQ4_NL and
// IQ4_XS (each with a Q6_K output) files from llama-quantize, against llama.cpp's own evaluation
// of the same files: top-5 logits within the 1e-2, 16 greedy tokens equal.
void TestForward::lowbitMatchesLlamaCpp()
{
    QFETCH(QString, stem);
    QFETCH(QString, quant);
    QFETCH(int, threads);
    const RopeGolden golden = read_ids_golden(QStringLiteral("tiny-lowbit-%1.golden.txt").arg(stem));
    QCOMPARE(golden.top5.size(), size_t(5));
    QCOMPARE(golden.greedy.size(), size_t(16));
    const QString path = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-lowbit-%1.gguf").arg(stem);
    QCOMPARE(file_sha256(path), golden.sha256);
    auto model = load_model(path.toStdString());
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    QCOMPARE(QString::fromStdString(model_quantization(*model)), quant);

    Evaluated e = eval_on_cpu(*model, golden.ids, threads);
    QVERIFY(e.backend);
    const QString mismatch = top5_mismatch(e.logits, golden.top5, 1e-2f);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    const QString greedy = greedy_mismatch(e, golden);
    // Known: on the scalar path (CPUs without AVX2) the attention adds in another order and lands
    // 2.7e-3 from llama.cpp on this file; greedy step 7 is a near-tie (0.015 between ids 54 and
    // 174 in llama.cpp's logits) that flips. The AVX2 and AVX-512 paths give llama.cpp's tokens.
    // An expected failure, not a skip: should the scalar path ever agree, QtTest reports XPASS.
    if (stem == QLatin1String("iq4_xs") && qgetenv("CAUSERIE_CPU") == "scalar")
        QEXPECT_FAIL("", "scalar attention's summation order flips a near-tie at greedy step 7", Abort);
    QVERIFY2(greedy.isEmpty(), qPrintable(greedy));
}

void TestForward::lowbitDecodeMatchesPrefill_data() { addLowbitRows(false); }

// As kvCacheMatchesFullPrefill for the types our test-model writer cannot produce.
void TestForward::lowbitDecodeMatchesPrefill()
{
    QFETCH(QString, stem);
    auto model = load_model(QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-lowbit-%1.gguf").arg(stem).toStdString());
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    decodeMatchesPrefill(*model);
}

void TestForward::batchedDecodeMatchesAlone_data()
{
    QTest::addColumn<QString>("model");   // a file in tests/data, or an architecture of arch_spec()
    QTest::newRow("mistral q8_0 file") << kTiny;
    for (const char* arch : {"qwen2", "qwen3", "phi3", "gemma2", "gemma3", "mixtral", "qwen3moe"})
        QTest::newRow(arch) << QString::fromLatin1(arch);
    QTest::newRow("llama3 rope") << QStringLiteral("llama3-rope");
    QTest::newRow("q2_k file") << QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-lowbit-q2_k.gguf");
    QTest::newRow("iq4_xs file") << QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-lowbit-iq4_xs.gguf");
}

// Four sequences of different prompt lengths on one backend's sequences (make_sequence),
// prefilled together in one eval_batch (several multi-token segments in a micro-batch), then
// greedy steps with one token each, give the tokens and the logits of each sequence run alone
// on its own backend (the path checked against llama.cpp above). One stops early while the
// others go on; one reaches the end of its context (eval_batch then refuses it, naming the
// context, and the others continue). The products are bit-identical whatever the number of
// rows and attention is per row, so the logits are held equal (tolerance 0).
void TestForward::batchedDecodeMatchesAlone()
{
    QFETCH(QString, model);
    QTemporaryDir dir;
    std::string path = model.toStdString();
    if (!model.endsWith(QLatin1String(".gguf"))) {
        path = dir.filePath(QStringLiteral("m.gguf")).toStdString();
        QVERIFY(
            write_test_model(path, model == QLatin1String("llama3-rope") ? llama3_rope_spec() : arch_spec(model)).ok());
    }
    auto loaded = load_model(path);
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
    const Model& m = *loaded;
    const int64_t n_vocab = m.hp.n_vocab;
    constexpr int64_t kCtx = 48;   // past the gemma models' window of 16
    const std::vector<size_t> prompt_len = {5, 11, 24, 40};
    const std::vector<int> steps = {30, 6, 20, 30};   // the second stops early; the fourth hits the context
    std::vector<std::vector<int32_t>> prompts;
    for (size_t s = 0; s < prompt_len.size(); ++s) {
        prompts.emplace_back();
        for (size_t i = 0; i < prompt_len[s]; ++i)
            prompts.back().push_back(int32_t((i * 37 + s * 101 + 5) % size_t(n_vocab)));
    }
    BackendOptions opts;
    opts.n_ctx = kCtx;
    opts.n_threads = 2;

    // Alone: each sequence on its own backend; the logits of every step.
    std::vector<std::vector<int32_t>> want_tokens(prompts.size());
    std::vector<std::vector<std::vector<float>>> want_logits(prompts.size());
    for (size_t s = 0; s < prompts.size(); ++s) {
        auto b = create_cpu_backend(m, opts);
        QVERIFY(b.ok());
        std::vector<float> logits(static_cast<size_t>(n_vocab));
        QVERIFY((*b)->eval(prompts[s], 0, logits.data()).ok());
        want_logits[s].push_back(logits);
        int64_t pos = int64_t(prompts[s].size());
        for (int i = 0; i < steps[s] && pos < kCtx; ++i) {
            const int32_t one[1] = {argmax(logits)};
            want_tokens[s].push_back(one[0]);
            QVERIFY((*b)->eval(one, pos++, logits.data()).ok());
            want_logits[s].push_back(logits);
        }
    }
    QCOMPARE(want_tokens[3].size(), size_t(kCtx - 40));

    // Together.
    auto first = create_cpu_backend(m, opts);
    QVERIFY(first.ok());
    std::vector<std::unique_ptr<ComputeBackend>> seqs;
    seqs.push_back(std::move(first).value());
    for (size_t s = 1; s < prompts.size(); ++s) {
        auto more = seqs.front()->make_sequence();
        QVERIFY2(more.ok(), more.ok() ? "" : more.error().message.c_str());
        seqs.push_back(std::move(more).value());
    }
    std::vector<std::vector<float>> logits(prompts.size(), std::vector<float>(size_t(n_vocab)));
    std::vector<BatchItem> items;
    for (size_t s = 0; s < prompts.size(); ++s)
        items.push_back({seqs[s].get(), prompts[s], 0, logits[s].data()});
    QVERIFY(seqs.front()->eval_batch(items).ok());
    std::vector<std::vector<int32_t>> got_tokens(prompts.size());
    std::vector<int32_t> next(prompts.size());
    float max_diff = 0.0f;
    auto compare = [&](size_t s) {
        const std::vector<float>& want = want_logits[s][got_tokens[s].size()];
        for (int64_t i = 0; i < n_vocab; ++i)
            max_diff = std::max(max_diff, std::fabs(logits[s][size_t(i)] - want[size_t(i)]));
    };
    for (;;) {
        items.clear();
        for (size_t s = 0; s < prompts.size(); ++s) {
            compare(s);
            const int64_t pos = int64_t(prompts[s].size() + got_tokens[s].size());
            if (int(got_tokens[s].size()) >= steps[s] || pos >= kCtx)
                continue;
            next[s] = argmax(logits[s]);
            got_tokens[s].push_back(next[s]);
            items.push_back({seqs[s].get(), std::span(&next[s], 1), pos, logits[s].data()});
        }
        if (items.empty())
            break;
        QVERIFY(items.front().backend->eval_batch(items).ok());
    }
    for (size_t s = 0; s < prompts.size(); ++s)
        QCOMPARE(got_tokens[s], want_tokens[s]);
    QCOMPARE(max_diff, 0.0f);

    // The full one is refused past its context, with the reason, and the others still run.
    const int32_t more[1] = {1};
    std::vector<float> spare(static_cast<size_t>(n_vocab));
    const BatchItem over[2] = {{seqs[0].get(), more, int64_t(prompts[0].size() + got_tokens[0].size()), spare.data()},
                               {seqs[3].get(), more, kCtx, logits[3].data()}};
    const Status refused = seqs[0]->eval_batch(over);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.find("context holds 48") != std::string::npos, refused.error().message.c_str());
    QVERIFY(seqs[0]->eval_batch(std::span(over, 1)).ok());
}

// Bad batches: a sequence twice, a token outside the vocabulary, an empty item; each a clear
// error before anything runs. Items from separate backends (what the CUDA backend's sequences
// are) run one after the other with the same results.
void TestForward::batchRejectsBadItems()
{
    auto model = load_model(kTiny.toStdString());
    QVERIFY(model.ok());
    BackendOptions opts;
    opts.n_ctx = 16;
    opts.n_threads = 2;
    auto a = create_cpu_backend(*model, opts);
    auto separate = create_cpu_backend(*model, opts);
    QVERIFY(a.ok() && separate.ok());
    auto b = (*a)->make_sequence();
    QVERIFY(b.ok());
    const int64_t n_vocab = model->hp.n_vocab;
    std::vector<float> la(static_cast<size_t>(n_vocab)), lb(la), lc(la);
    const int32_t good[2] = {1, 22557};
    const int32_t bad[1] = {int32_t(n_vocab)};

    const BatchItem out_of_vocab[2] = {{a->get(), good, 0, la.data()}, {b->get(), bad, 0, lb.data()}};
    const Status st1 = (*a)->eval_batch(out_of_vocab);
    QVERIFY(!st1.ok());
    QVERIFY2(st1.error().message.find("outside the vocabulary") != std::string::npos, st1.error().message.c_str());
    const BatchItem empty[1] = {{b->get(), {}, 0, lb.data()}};
    const Status st2 = (*a)->eval_batch(empty);
    QVERIFY(!st2.ok());
    QCOMPARE(QString::fromStdString(st2.error().message), QStringLiteral("nothing to evaluate"));

    // A sequence twice is not batched together (it would write the same rows twice): it runs
    // in turn, as eval() twice would.
    const BatchItem twice[2] = {{a->get(), good, 0, la.data()}, {a->get(), std::span(good + 1, 1), 1, lb.data()}};
    QVERIFY((*a)->eval_batch(twice).ok());
    std::vector<float> alone(static_cast<size_t>(n_vocab));
    QVERIFY((*separate)->eval(good, 0, alone.data()).ok());
    QCOMPARE(lb, alone);

    // Another backend's sequence: one after the other, same logits.
    const BatchItem mixed[2] = {{b->get(), good, 0, lb.data()}, {separate->get(), good, 0, lc.data()}};
    QVERIFY((*a)->eval_batch(mixed).ok());
    QCOMPARE(lb, alone);
    QCOMPARE(lc, alone);
}

// The same tokens through an F16 and a Q8_0 KV cache (a Q8_0 model with heads of 32, 40 prompt
// tokens, then 24 decode steps fed the F16 run's greedy tokens). Q8_0 rounds every K and V value
// to 1/254 of its block's largest, so attention (and the logits) move a little: held to 5 % of
// the largest |logit| (measured 2.5 %; the 24 greedy tokens all agreed). The greedy token can only differ where the F16
// run's two best logits are closer than twice the largest difference; everywhere else it must agree.
void TestForward::q8KvCacheStaysCloseToF16()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("q8kv.gguf")).toStdString();
    // 4 heads of 32
    QVERIFY(write_test_model(path, {.n_embd = 128, .n_ff = 256, .type = TensorType::Q8_0, .seed = 3}).ok());
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    BackendOptions opts;
    opts.n_ctx = 96;
    opts.n_threads = 2;
    auto f16 = create_cpu_backend(*model, opts);
    opts.kv_type = KvType::Q8_0;
    auto q8 = create_cpu_backend(*model, opts);
    QVERIFY(f16.ok() && q8.ok());
    QCOMPARE((*q8)->kv_bytes(96) * 64, (*f16)->kv_bytes(96) * 34);   // 17/32 of the memory
    const size_t nv = size_t(model->hp.n_vocab);
    std::vector<int32_t> tokens;
    for (int i = 0; i < 40; ++i)
        tokens.push_back(int32_t((i * 29 + 5) % int(nv)));
    std::vector<float> a(nv), b(nv);
    QVERIFY((*f16)->eval(tokens, 0, a.data()).ok());
    QVERIFY((*q8)->eval(tokens, 0, b.data()).ok());
    double worst = 0;
    int agree = 0, decided = 0;
    for (int step = 0; step < 24; ++step) {
        double diff = 0, top = 0;
        for (size_t i = 0; i < nv; ++i) {
            diff = std::max(diff, double(std::fabs(a[i] - b[i])));
            top = std::max(top, double(std::fabs(a[i])));
        }
        worst = std::max(worst, diff / top);
        std::vector<float> sorted(a);
        std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
        const int32_t best_a = argmax(a);
        const int32_t best_b = argmax(b);
        if (sorted[0] - sorted[1] > 2 * diff) {
            ++decided;
            QCOMPARE(best_b, best_a);
        }
        agree += best_a == best_b;
        const int64_t pos = int64_t(tokens.size());
        tokens.push_back(best_a);
        QVERIFY((*f16)->eval(std::span(&tokens.back(), 1), pos, a.data()).ok());
        QVERIFY((*q8)->eval(std::span(&tokens.back(), 1), pos, b.data()).ok());
    }
    qInfo("Q8_0 vs F16 KV: largest logit difference %.3g of the largest |logit|; greedy tokens agree %d/24 "
          "(%d steps decided beyond the difference)",
          worst, agree, decided);
    QVERIFY2(worst <= 5e-2, qPrintable(QString::number(worst)));
    QVERIFY(worst > 0);   // the caches do differ: the comparison is not of one path with itself
}

QTEST_GUILESS_MAIN(TestForward)
#include "tst_forward.moc"
