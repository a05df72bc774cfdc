// Random test-model writer: a model in every supported weight type loads back with the right
// shapes and types, its values have the intended statistics once dequantized by the kernels'
// reference code, the bytes are a pure function of the spec, and bad specs are refused.
#include "engine/gguf.h"
#include "engine/model.h"
#include "engine/test_model.h"
#include "kernels/cpu/dequant_ref.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>
#include <set>

using namespace causerie;
using kernels::TensorType;

Q_DECLARE_METATYPE(causerie::kernels::TensorType)

namespace {

const std::string kTiny = std::string(CAUSERIE_TEST_DATA_DIR) + "/tiny-mistral-q8_0.gguf";

bool is_k_quant(TensorType t) { return t == TensorType::Q4_K || t == TensorType::Q5_K || t == TensorType::Q6_K; }

TestModelSpec spec_for(TensorType type)
{
    TestModelSpec s;
    s.type = type;
    if (is_k_quant(type)) {   // K-quant rows are 256 elements
        s.n_embd = 256;
        s.n_ff = 512;
    }
    return s;
}

QByteArray file_hash(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

// Mean and standard deviation of a whole weight after dequantization.
std::pair<double, double> stats(const Weight& w)
{
    std::vector<float> row(static_cast<size_t>(w.cols));
    double sum = 0, sum2 = 0;
    for (int64_t r = 0; r < w.rows; ++r) {
        kernels::dequantize_row_ref(w.type, static_cast<const uint8_t*>(w.data) + w.row_bytes * size_t(r), row.data(),
                                    w.cols);
        for (float x : row) {
            sum += x;
            sum2 += double(x) * x;
        }
    }
    const double n = double(w.rows * w.cols);
    const double mean = sum / n;
    return {mean, std::sqrt(sum2 / n - mean * mean)};
}

// `spec` written to `dir`, then `spec` after `change`, both loaded back (the first, the second);
// nothing when writing or loading fails.
template <class Change>
std::optional<std::pair<Model, Model>> write_before_and_after(const QTemporaryDir& dir, TestModelSpec spec,
                                                              Change change)
{
    const std::string before = dir.filePath("before.gguf").toStdString();
    const std::string after = dir.filePath("after.gguf").toStdString();
    if (!write_test_model(before, spec).ok())
        return std::nullopt;
    change(spec);
    if (!write_test_model(after, spec).ok())
        return std::nullopt;
    auto a = load_model(before);
    auto b = load_model(after);
    if (!a.ok() || !b.ok())
        return std::nullopt;
    return std::pair{std::move(a).value(), std::move(b).value()};
}

}   // namespace

class TestTestModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The Q4_K_M mixture: a 32-layer Mistral 7B quantized by llama.cpp as Q4_K_M reports
    // "q4_K: 193 tensors, q6_K: 33 tensors" (16 attn_v + 16 ffn_down + output).
    void q4KMRecipeCounts()
    {
        TestModelSpec s;
        s.mix = TestModelMix::Q4_K_M;
        s.n_layer = 32;
        int q4 = 0, q6 = 0;
        std::set<int64_t> q6_layers;
        auto count = [&](const std::string& name) {
            const TensorType t = test_model_tensor_type(s, name);
            QVERIFY2(t == TensorType::Q4_K || t == TensorType::Q6_K, name.c_str());
            (t == TensorType::Q4_K ? q4 : q6)++;
        };
        count("token_embd.weight");
        count("output.weight");
        for (int64_t i = 0; i < 32; ++i) {
            for (const char* n : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"})
                count("blk." + std::to_string(i) + "." + n + ".weight");
            if (test_model_tensor_type(s, "blk." + std::to_string(i) + ".ffn_down.weight") == TensorType::Q6_K)
                q6_layers.insert(i);
        }
        QCOMPARE(q4, 193);
        QCOMPARE(q6, 33);
        QCOMPARE(test_model_tensor_type(s, "output.weight"), TensorType::Q6_K);
        QCOMPARE(test_model_tensor_type(s, "token_embd.weight"), TensorType::Q4_K);
        // first and last eighth (0-3, 28-31) and every third layer from 6 to 27
        const std::set<int64_t> want = {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31};
        QVERIFY(q6_layers == want);
    }

    void q4KMFileLoads()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("m.gguf").toStdString();
        TestModelSpec s = spec_for(TensorType::Q4_K);
        s.mix = TestModelMix::Q4_K_M;
        s.n_layer = 4;   // n/8 = 0: layers 2 ((i - 0) % 3 == 2) and 3 (>= 7n/8) use more bits
        const Status st = write_test_model(path, s);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        auto r = load_model(path);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const Model& m = *r;
        QCOMPARE(m.hp.file_type, 15u);
        QCOMPARE(m.output.type, TensorType::Q6_K);
        QCOMPARE(m.tok_embd.type, TensorType::Q4_K);
        for (int i = 0; i < 4; ++i) {
            const TensorType more = i >= 2 ? TensorType::Q6_K : TensorType::Q4_K;
            QCOMPARE(m.layers[size_t(i)].wv.type, more);
            QCOMPARE(m.layers[size_t(i)].w_down.type, more);
            QCOMPARE(m.layers[size_t(i)].wq.type, TensorType::Q4_K);
            QCOMPARE(m.layers[size_t(i)].w_up.type, TensorType::Q4_K);
        }
        QCOMPARE(QString::fromStdString(model_quantization(m)), QStringLiteral("Q4_K_M"));   // general.file_type
    }

    void everyType_data()
    {
        QTest::addColumn<TensorType>("type");
        for (TensorType t :
             {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q8_0, TensorType::Q4_0, TensorType::Q4_1,
              TensorType::Q5_0, TensorType::Q5_1, TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K})
            QTest::newRow(kernels::type_traits(uint32_t(t))->name) << t;
    }
    void everyType()
    {
        QFETCH(TensorType, type);
        QTemporaryDir dir;
        const std::string path = dir.filePath("m.gguf").toStdString();
        const TestModelSpec s = spec_for(type);
        const Status st = write_test_model(path, s);
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        auto r = load_model(path);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const Model& m = *r;
        QCOMPARE(m.hp.n_vocab, int64_t(512));
        QCOMPARE(m.hp.n_embd, s.n_embd);
        QCOMPARE(m.hp.n_layer, int64_t(2));
        QCOMPARE(m.hp.n_head, int64_t(4));
        QCOMPARE(m.hp.n_head_kv, int64_t(2));
        QCOMPARE(m.hp.head_dim, s.n_embd / 4);
        QCOMPARE(m.hp.n_ff, s.n_ff);
        QCOMPARE(m.hp.n_ctx_train, int64_t(512));
        QCOMPARE(m.hp.rms_eps, 1e-5f);
        QVERIFY(!m.tied_output);
        const auto* traits = kernels::type_traits(uint32_t(type));
        for (const Weight* w : {&m.tok_embd, &m.output, &m.layers[1].wq, &m.layers[1].wk, &m.layers[1].w_down}) {
            QCOMPARE(w->type, type);
            QCOMPARE(w->row_bytes, size_t(w->cols / traits->block_size) * traits->block_bytes);
        }
        QCOMPARE(m.layers[1].wk.rows, 2 * s.n_embd / 4);
        QCOMPARE(m.layers[0].w_down.cols, s.n_ff);
        QCOMPARE(m.layers[0].attn_norm.type, TensorType::F32);
        QCOMPARE(m.output_norm.type, TensorType::F32);

        // Matrices are drawn from N(0, 0.05). With >= 4096 samples the estimate of the standard
        // deviation is within ~2% (1.1% sampling error); quantization adds at most ~0.005 in
        // quadrature for 4-bit types, so [0.045, 0.056] is wide enough without being vacuous.
        const auto [mean, sd] = stats(m.layers[0].wq);
        QVERIFY2(std::abs(mean) < 0.005, qPrintable(QString::number(mean)));
        QVERIFY2(sd > 0.045 && sd < 0.056, qPrintable(QString::number(sd)));
        // Norm gains are 1 + N(0, 0.05), stored exactly as F32.
        const auto [nmean, nsd] = stats(m.layers[0].ffn_norm);
        QVERIFY2(std::abs(nmean - 1.0) < 0.03, qPrintable(QString::number(nmean)));
        QVERIFY2(nsd > 0.02 && nsd < 0.09, qPrintable(QString::number(nsd)));
    }

    void quantizedWeightsApproximateF32_data()
    {
        // Relative RMS error bound per type (error RMS / weight std). Round-to-nearest on a
        // uniform grid gives step/sqrt(12); with 32-element blocks scaled to their absmax (~2.5
        // std) that is ~0.09 for 4 bits, ~0.045 for 5, ~0.02 for 6, ~0.005 for 8 bits (measured
        // with gguf-py's dequantizer: 0.086, 0.043, 0.020, 0.0054). Bounds leave ~40% headroom.
        QTest::addColumn<TensorType>("type");
        QTest::addColumn<double>("bound");
        QTest::newRow("F16") << TensorType::F16 << 0.001;     // 11-bit mantissa
        QTest::newRow("BF16") << TensorType::BF16 << 0.005;   // 8-bit mantissa
        QTest::newRow("Q8_0") << TensorType::Q8_0 << 0.01;
        QTest::newRow("Q4_0") << TensorType::Q4_0 << 0.12;
        QTest::newRow("Q4_1") << TensorType::Q4_1 << 0.12;
        QTest::newRow("Q5_0") << TensorType::Q5_0 << 0.06;
        QTest::newRow("Q5_1") << TensorType::Q5_1 << 0.06;
        QTest::newRow("Q4_K") << TensorType::Q4_K << 0.12;
        QTest::newRow("Q5_K") << TensorType::Q5_K << 0.06;
        QTest::newRow("Q6_K") << TensorType::Q6_K << 0.03;
    }
    void quantizedWeightsApproximateF32()
    {
        // Same spec and seed in F32 and in `type`: the writer must quantize the very same values.
        QFETCH(TensorType, type);
        QFETCH(double, bound);
        QTemporaryDir dir;
        TestModelSpec s = spec_for(TensorType::Q4_K);   // K-quant-compatible sizes for every type
        s.type = TensorType::F32;
        const auto models = write_before_and_after(dir, s, [&](TestModelSpec& q) { q.type = type; });
        QVERIFY(models);
        const Weight& a = models->first.layers[1].w_down;
        const Weight& b = models->second.layers[1].w_down;
        QCOMPARE(b.type, type);
        std::vector<float> ra(size_t(a.cols)), rb(size_t(b.cols));
        double err2 = 0, ref2 = 0;
        for (int64_t r = 0; r < a.rows; ++r) {
            kernels::dequantize_row_ref(a.type, static_cast<const uint8_t*>(a.data) + a.row_bytes * size_t(r),
                                        ra.data(), a.cols);
            kernels::dequantize_row_ref(b.type, static_cast<const uint8_t*>(b.data) + b.row_bytes * size_t(r),
                                        rb.data(), b.cols);
            for (size_t i = 0; i < ra.size(); ++i) {
                err2 += double(ra[i] - rb[i]) * (ra[i] - rb[i]);
                ref2 += double(ra[i]) * ra[i];
            }
        }
        const double rel = std::sqrt(err2 / ref2);
        QVERIFY2(rel < bound, qPrintable(QStringLiteral("relative RMS error %1").arg(rel)));
        QVERIFY2(rel > 0, "quantized weights are bit-identical to F32: not quantized?");
    }

    void sameSpecSameBytes()
    {
        QTemporaryDir dir;
        const std::string a = dir.filePath("a.gguf").toStdString(), b = dir.filePath("b.gguf").toStdString(),
                          c = dir.filePath("c.gguf").toStdString();
        TestModelSpec s = spec_for(TensorType::Q4_K);
        s.seed = 1234;
        QVERIFY(write_test_model(a, s).ok());
        QVERIFY(write_test_model(b, s).ok());
        s.seed = 1235;
        QVERIFY(write_test_model(c, s).ok());
        QVERIFY(!file_hash(a).isEmpty());
        QCOMPARE(file_hash(a), file_hash(b));
        QVERIFY(file_hash(a) != file_hash(c));
    }

    void layerWeightsDependOnNameNotLayerCount()
    {
        // Adding a layer must not change the weights of the existing ones (per-tensor seeding).
        QTemporaryDir dir;
        const auto models = write_before_and_after(dir, TestModelSpec{}, [](TestModelSpec& s) { s.n_layer = 3; });
        QVERIFY(models);
        const auto& [two, three] = *models;
        QCOMPARE(three.layers.size(), size_t(3));
        const Weight& a = two.layers[1].w_up;
        const Weight& b = three.layers[1].w_up;
        QCOMPARE(a.rows * a.row_bytes, b.rows * b.row_bytes);
        QVERIFY(std::memcmp(a.data, b.data, a.rows * a.row_bytes) == 0);
        QVERIFY(std::memcmp(two.layers[0].w_up.data, a.data, a.rows * a.row_bytes) != 0);
    }

    void tiedOutputAndHeadDim()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("t.gguf").toStdString();
        TestModelSpec s;
        s.tied_output = true;
        s.head_dim = 32;   // 4 heads of 32 on n_embd 64, as some Mistral variants do
        s.rope_freq_base = 1e6f;
        s.chat_template = "{{ messages }}";
        QVERIFY(write_test_model(path, s).ok());
        auto r = load_model(path);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QVERIFY(r->tied_output);
        QCOMPARE(r->output.data, r->tok_embd.data);
        QCOMPARE(r->hp.head_dim, int64_t(32));
        QCOMPARE(r->layers[0].wq.rows, int64_t(128));
        QCOMPARE(r->layers[0].wo.cols, int64_t(128));
        QCOMPARE(r->hp.rope_freq_base, 1e6f);
        QCOMPARE(r->vocab.chat_template, std::string("{{ messages }}"));
    }

    void syntheticVocabulary()
    {
        auto v = make_synthetic_vocab(300);
        QVERIFY(v.ok());
        QCOMPARE(v->tokens.size(), size_t(300));
        QCOMPARE(v->scores.size(), size_t(300));
        QCOMPARE(v->token_types.size(), size_t(300));
        QCOMPARE(v->tokens[0], std::string("<unk>"));
        QCOMPARE(v->tokens[1], std::string("<s>"));
        QCOMPARE(v->tokens[2], std::string("</s>"));
        QCOMPARE(v->tokens[3], std::string("<0x00>"));
        QCOMPARE(v->tokens[3 + 0x41], std::string("<0x41>"));
        QCOMPARE(v->tokens[258], std::string("<0xFF>"));
        QCOMPARE(v->token_types[0], 2);
        QCOMPARE(v->token_types[1], 3);
        QCOMPARE(v->token_types[100], 6);
        QCOMPARE(v->token_types[259], 1);
        QCOMPARE(v->tokens[259], std::string("▁"));
        for (size_t i = 260; i < 300; ++i)
            QVERIFY(v->scores[i] < v->scores[i - 1]);
        QCOMPARE(v->bos_id, 1);
        QCOMPARE(v->eos_id, 2);
        auto big = make_synthetic_vocab(20000);
        QVERIFY(big.ok());
        QCOMPARE(std::set<std::string>(big->tokens.begin(), big->tokens.end()).size(), size_t(20000));
        QVERIFY(!make_synthetic_vocab(299).ok());
    }

    void copiesMistralVocabulary()
    {
        auto f = GGUFFile::open(kTiny);
        QVERIFY(f.ok());
        auto vocab = read_vocab(*f);
        QVERIFY2(vocab.ok(), vocab.ok() ? "" : vocab.error().message.c_str());
        QCOMPARE(vocab->tokens.size(), size_t(32000));
        QTemporaryDir dir;
        const std::string path = dir.filePath("v.gguf").toStdString();
        TestModelSpec s;
        s.vocab = &*vocab;
        s.n_layer = 1;
        s.type = TensorType::Q8_0;
        QVERIFY(write_test_model(path, s).ok());
        auto r = load_model(path);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->hp.n_vocab, int64_t(32000));
        QCOMPARE(r->vocab.tokens, vocab->tokens);
        QCOMPARE(r->vocab.scores, vocab->scores);
        QCOMPARE(r->vocab.token_types, vocab->token_types);
        QCOMPARE(r->vocab.tokens[22557], std::string("▁Hello"));
        QCOMPARE(r->vocab.bos_id, 1);
        QCOMPARE(r->vocab.eos_id, 2);
        QCOMPARE(r->tok_embd.rows, int64_t(32000));
    }

    // Meta's Llama 3.1 recipe worked out by hand (Python, double precision) for head_dim 16,
    // base 10000, factor 8, low 1, high 4, original context 64: wavelengths 2*pi*10000^(i/8) are
    // 6.3 (< 16: factor 1), 19.9 and 62.8 (between: blended), then > 64 (factor 8).
    void llama3RopeFactors()
    {
        const std::vector<float> f = llama3_rope_freq_factors(16, 10000.0f, 8.0f, 1.0f, 4.0f, 64.0f);
        const std::vector<double> want = {1.0, 1.29397583, 7.66738513, 8, 8, 8, 8, 8};
        QCOMPARE(f.size(), want.size());
        for (size_t i = 0; i < f.size(); ++i)
            QVERIFY2(std::fabs(f[i] - want[i]) <= 1e-6 * want[i], qPrintable(QString::number(f[i], 'g', 9)));
        // Llama 3.1 itself (original context 8192, head_dim 128, base 500000): first pair 1, last 8.
        const std::vector<float> l31 = llama3_rope_freq_factors(128, 500000.0f, 8.0f, 1.0f, 4.0f, 8192.0f);
        QCOMPARE(l31.size(), size_t(64));
        QCOMPARE(l31.front(), 1.0f);
        QCOMPARE(l31.back(), 8.0f);
        QVERIFY(std::is_sorted(l31.begin(), l31.end()));
    }
    void ropeFactorsWrittenAndRead()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("r.gguf").toStdString();
        TestModelSpec s;
        s.rope_freq_factors = {1, 2, 3, 4, 5, 6, 7, 8};   // head_dim 16
        QVERIFY(write_test_model(path, s).ok());
        auto m = load_model(path);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        QVERIFY(m->rope_freq_factors);
        for (int i = 0; i < 8; ++i)
            QCOMPARE(m->rope_freq_factors[i], float(i + 1));
        s.rope_freq_factors.pop_back();
        auto st = write_test_model(path, s);
        QVERIFY(!st.ok());
        QVERIFY(st.error().message.find("expected head_dim/2 = 8") != std::string::npos);
    }
    // Every architecture the writer knows: same spec, same bytes, and the loader accepts the file
    // with that architecture's extra tensors.
    void architecturesReproducibleAndLoadable_data()
    {
        QTest::addColumn<QString>("arch");
        for (const char* a : {"qwen2", "qwen3", "phi3", "gemma2", "gemma3"})
            QTest::newRow(a) << QString::fromLatin1(a);
    }
    void architecturesReproducibleAndLoadable()
    {
        QFETCH(QString, arch);
        QTemporaryDir dir;
        const std::string a = dir.filePath("a.gguf").toStdString(), b = dir.filePath("b.gguf").toStdString();
        TestModelSpec s;
        s.arch = arch.toStdString();
        s.n_swa = arch.startsWith(QLatin1String("gemma")) ? 8 : 0;
        if (arch == QLatin1String("phi3")) {
            s.n_rot = 12;   // of head_dim 16
            s.rope_factors_short = longrope_test_factors(6, false);
            s.rope_factors_long = longrope_test_factors(6, true);
        }
        QVERIFY(write_test_model(a, s).ok());
        QVERIFY(write_test_model(b, s).ok());
        QCOMPARE(file_hash(a), file_hash(b));
        auto m = load_model(a);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        QCOMPARE(QString::fromStdString(m->hp.architecture), arch);
        const LayerWeights& L = m->layers[0];
        QCOMPARE(L.bq.data != nullptr, arch == QLatin1String("qwen2"));
        QCOMPARE(L.q_norm.data != nullptr, arch == QLatin1String("qwen3") || arch == QLatin1String("gemma3"));
        QCOMPARE(L.attn_post_norm.data != nullptr, arch.startsWith(QLatin1String("gemma")));
        QCOMPARE(m->rope_factors_long != nullptr, arch == QLatin1String("phi3"));
        QCOMPARE(m->hp.n_rot, arch == QLatin1String("phi3") ? int64_t(12) : int64_t(16));
    }

    void badArchitectureSpecsRefused()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("x.gguf").toStdString();
        TestModelSpec s;
        s.arch = "mamba";
        auto st = write_test_model(path, s);
        QVERIFY(!st.ok());
        QVERIFY(st.error().message.find("unknown architecture 'mamba'") != std::string::npos);
        for (int64_t rot : {3, 18}) {   // odd; above head_dim 16
            s = TestModelSpec{};
            s.n_rot = rot;
            st = write_test_model(path, s);
            QVERIFY(!st.ok());
            QVERIFY(st.error().message.find("n_rot") != std::string::npos);
        }
        s = TestModelSpec{};
        s.arch = "phi3";
        s.rope_factors_long = longrope_test_factors(5, true);   // head_dim 16 has 8 pairs
        st = write_test_model(path, s);
        QVERIFY(!st.ok());
        QVERIFY2(st.error().message.find("rope_factors_long.weight has 5 entries") != std::string::npos,
                 st.error().message.c_str());
    }

    void badSpecsRefused()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("x.gguf").toStdString();
        TestModelSpec s;
        s.type = TensorType::Q4_K;   // n_embd 64 is not a multiple of 256
        auto st = write_test_model(path, s);
        QVERIFY(!st.ok());
        QVERIFY(st.error().message.find("multiples of 256") != std::string::npos);

        s = TestModelSpec{};
        s.n_head_kv = 3;
        st = write_test_model(path, s);
        QVERIFY(!st.ok());
        QVERIFY(st.error().message.find("does not divide") != std::string::npos);

        s = TestModelSpec{};
        s.type = TensorType::Q2_K;
        QVERIFY(!write_test_model(path, s).ok());

        s = TestModelSpec{};
        auto v = make_synthetic_vocab(400);
        s.vocab = &*v;
        s.n_vocab = 500;
        st = write_test_model(path, s);
        QVERIFY(!st.ok());
        QVERIFY(st.error().message.find("n_vocab 500 differs") != std::string::npos);

        s = TestModelSpec{};
        st = write_test_model("/nonexistent/dir/x.gguf", s);
        QVERIFY(!st.ok());
        QVERIFY(st.error().message.find("/nonexistent/dir/x.gguf") != std::string::npos);
        QVERIFY(!QFile::exists(QString::fromStdString(path)));
    }
};

QTEST_GUILESS_MAIN(TestTestModel)
#include "tst_test_model.moc"
