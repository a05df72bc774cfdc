// Model loader: hyper-parameters, vocabulary and weight views of the real tiny Mistral file,
// then one test per model-level rule on a small hand-built model (GGUFWriter) broken on purpose.
#include "engine/gguf_writer.h"
#include "engine/model.h"
#include "engine/test_model.h"
#include "tests/common/data_rows.h"
#include "tests/common/error_needles.h"
#include "tests/common/fixed_random.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

using namespace causerie;
using kernels::TensorType;

namespace {

const std::string kTiny = std::string(CAUSERIE_TEST_DATA_DIR) + "/tiny-mistral-q8_0.gguf";

// n_embd 16, 4 heads of 4, 2 KV heads, n_ff 32, 1 layer, 4 tokens; F32 weights of zeros.
constexpr uint64_t kEmbd = 16, kFF = 32, kKv = 8, kVocab = 4;

std::vector<uint8_t> zeros_f32(uint64_t n) { return std::vector<uint8_t>(n * 4, 0); }

// Mixture of experts in tiny_model("mixtral") and tiny_model("qwen3moe"): 4 experts, 2 per token;
// each expert's feed-forward is kFF ('llama') or kExpertFF (qwen3moe's expert_feed_forward_length).
constexpr uint64_t kExperts = 4, kExpertFF = 8;

// `arch` "qwen2" adds the Q/K/V biases, "qwen3" the per-head Q/K norms (head_dim 4); "mixtral" is a
// 'llama' file with experts, "qwen3moe" a qwen3 one.
GGUFWriter tiny_model(const std::string& requested = "llama")
{
    const bool mixtral = requested == "mixtral";
    const std::string arch = mixtral ? "llama" : requested;
    const std::string a = arch + ".";
    GGUFWriter w;
    w.add_string("general.architecture", arch);
    w.add_string("general.name", "tiny");
    w.add_u32(a + "context_length", 128);
    w.add_u32(a + "embedding_length", kEmbd);
    w.add_u32(a + "block_count", 1);
    w.add_u32(a + "feed_forward_length", kFF);
    w.add_u32(a + "attention.head_count", 4);
    w.add_u32(a + "attention.head_count_kv", 2);
    w.add_u32(a + "rope.dimension_count", 4);
    w.add_f32(a + "rope.freq_base", 1000000.0f);
    w.add_f32(a + "attention.layer_norm_rms_epsilon", 1e-6f);
    w.add_string("tokenizer.ggml.model", "llama");
    w.add_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "▁a"});
    const std::vector<float> scores = {0, 0, 0, -1};
    w.add_f32_array("tokenizer.ggml.scores", scores);
    const std::vector<int32_t> types = {2, 3, 3, 1};
    w.add_i32_array("tokenizer.ggml.token_type", types);
    w.add_u32("tokenizer.ggml.bos_token_id", 1);
    w.add_u32("tokenizer.ggml.eos_token_id", 2);
    w.add_string("tokenizer.chat_template", "{{ bos_token }}");

    auto mat = [&](const std::string& name, uint64_t cols, uint64_t rows) {
        w.add_tensor(name, TensorType::F32, {cols, rows}, zeros_f32(cols * rows));
    };
    auto norm = [&](const std::string& name) { w.add_tensor(name, TensorType::F32, {kEmbd}, zeros_f32(kEmbd)); };
    mat("token_embd.weight", kEmbd, kVocab);
    norm("blk.0.attn_norm.weight");
    mat("blk.0.attn_q.weight", kEmbd, kEmbd);
    mat("blk.0.attn_k.weight", kEmbd, kKv);
    mat("blk.0.attn_v.weight", kEmbd, kKv);
    mat("blk.0.attn_output.weight", kEmbd, kEmbd);
    norm("blk.0.ffn_norm.weight");
    mat("blk.0.ffn_gate.weight", kEmbd, kFF);
    mat("blk.0.ffn_up.weight", kEmbd, kFF);
    mat("blk.0.ffn_down.weight", kFF, kEmbd);
    norm("output_norm.weight");
    mat("output.weight", kEmbd, kVocab);
    if (arch == "qwen2") {
        w.add_tensor("blk.0.attn_q.bias", TensorType::F32, {kEmbd}, zeros_f32(kEmbd));
        w.add_tensor("blk.0.attn_k.bias", TensorType::F32, {kKv}, zeros_f32(kKv));
        w.add_tensor("blk.0.attn_v.bias", TensorType::F32, {kKv}, zeros_f32(kKv));
    }
    if (arch == "qwen3" || arch == "qwen3moe") {
        w.add_tensor("blk.0.attn_q_norm.weight", TensorType::F32, {4}, zeros_f32(4));
        w.add_tensor("blk.0.attn_k_norm.weight", TensorType::F32, {4}, zeros_f32(4));
    }
    if (mixtral || arch == "qwen3moe") {   // the router and 3-D expert tensors replace the FFN
        const uint64_t ff = mixtral ? kFF : kExpertFF;
        w.add_u32(a + "expert_count", kExperts);
        w.add_u32(a + "expert_used_count", 2);
        if (!mixtral)
            w.add_u32(a + "expert_feed_forward_length", kExpertFF);
        w.remove_tensor("blk.0.ffn_gate.weight");
        w.remove_tensor("blk.0.ffn_up.weight");
        w.remove_tensor("blk.0.ffn_down.weight");
        mat("blk.0.ffn_gate_inp.weight", kEmbd, kExperts);
        w.add_tensor("blk.0.ffn_gate_exps.weight", TensorType::F32, {kEmbd, ff, kExperts},
                     zeros_f32(kEmbd * ff * kExperts));
        w.add_tensor("blk.0.ffn_up_exps.weight", TensorType::F32, {kEmbd, ff, kExperts},
                     zeros_f32(kEmbd * ff * kExperts));
        w.add_tensor("blk.0.ffn_down_exps.weight", TensorType::F32, {ff, kEmbd, kExperts},
                     zeros_f32(kEmbd * ff * kExperts));
    }
    if (arch == "gemma2" || arch == "gemma3") {   // post-block norms; gemma3: Q/K norms too
        norm("blk.0.post_attention_norm.weight");
        norm("blk.0.post_ffw_norm.weight");
        w.add_u32(a + "attention.sliding_window", 8);
        w.add_f32(a + "attn_logit_softcapping", 50.0f);
        w.add_f32(a + "final_logit_softcapping", 30.0f);
        if (arch == "gemma3") {
            w.add_tensor("blk.0.attn_q_norm.weight", TensorType::F32, {4}, zeros_f32(4));
            w.add_tensor("blk.0.attn_k_norm.weight", TensorType::F32, {4}, zeros_f32(4));
            w.add_f32(a + "rope.freq_base_swa", 10000.0f);
            w.add_f32(a + "rope.scaling.factor", 8.0f);
        }
    }
    if (arch == "phi3") {   // fused Q/K/V and gate/up; LongRoPE factors of n_rot/2 = 2 entries
        w.remove_tensor("blk.0.attn_q.weight");
        w.remove_tensor("blk.0.attn_k.weight");
        w.remove_tensor("blk.0.attn_v.weight");
        w.remove_tensor("blk.0.ffn_gate.weight");
        w.remove_tensor("blk.0.ffn_up.weight");
        std::vector<uint8_t> qkv(kEmbd * (kEmbd + 2 * kKv) * 4);
        for (size_t i = 0; i < qkv.size() / 4; ++i) {   // row r holds the value r
            const float v = float(i / kEmbd);
            std::memcpy(&qkv[i * 4], &v, 4);
        }
        w.add_tensor("blk.0.attn_qkv.weight", TensorType::F32, {kEmbd, kEmbd + 2 * kKv}, qkv);
        mat("blk.0.ffn_up.weight", kEmbd, 2 * kFF);
        const float ones[2] = {1.0f, 1.0f};
        std::vector<uint8_t> f(8);
        std::memcpy(f.data(), ones, 8);
        w.add_tensor("rope_factors_long.weight", TensorType::F32, {2}, f);
        w.add_tensor("rope_factors_short.weight", TensorType::F32, {2}, f);
        w.add_u32(a + "rope.scaling.original_context_length", 64);
        w.add_f32(a + "rope.scaling.attn_factor", 1.19f);
    }
    return w;
}

// Loads from bytes kept alive in `keep` (the model's views point into them).
Result<Model> load(const GGUFWriter& w, std::vector<uint8_t>& keep)
{
    keep = w.build();
    auto f = GGUFFile::from_memory(keep.data(), keep.size());
    if (!f)
        return f.error();
    return load_model_from_gguf(std::move(*f));
}

void replace_u32(GGUFWriter& w, const std::string& key, uint32_t v)
{
    w.remove_kv(key);
    w.add_u32(key, v);
}

// Replaces the array `key` by `values`: a QStringList as strings, a QList<int> as I32, a
// QList<float> as F32.
void replace_array(GGUFWriter& w, const std::string& key, const QVariant& values)
{
    w.remove_kv(key);
    if (values.typeId() == QMetaType::QStringList) {
        std::vector<std::string> v;
        for (const QString& x : values.toStringList())
            v.push_back(x.toStdString());
        w.add_string_array(key, v);
    } else if (values.typeId() == QMetaType::fromType<QList<float>>().id()) {
        const QList<float> v = values.value<QList<float>>();
        w.add_f32_array(key, std::vector<float>(v.begin(), v.end()));
    } else {
        const QList<int> v = values.value<QList<int>>();
        w.add_i32_array(key, std::vector<int32_t>(v.begin(), v.end()));
    }
}

// Gives tensor `name` the shape `ne` (as many dimensions) and zero F32 data to match.
void reshape(GGUFWriter& w, const std::string& name, std::vector<uint64_t> ne)
{
    GGUFWriterTensor* t = w.find_tensor(name);
    uint64_t n = 1;
    for (uint64_t d : ne)
        n *= d;
    t->n_dims = uint32_t(ne.size());
    t->ne = std::move(ne);
    t->data = zeros_f32(n);
}

}   // namespace

// The model must be rejected, with every needle in the message.
#define EXPECT_LOAD_ERROR(writer, ...)                                                                                 \
    do {                                                                                                               \
        std::vector<uint8_t> keep_;                                                                                    \
        CAUSERIE_EXPECT_REJECTED(load(writer, keep_), "a broken model was accepted", __VA_ARGS__);                     \
    } while (0)

class TestModelLoader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void loadsTinyMistral()
    {
        auto r = load_model(kTiny);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const Model& m = *r;
        // Values from gguf-dump of tests/data/tiny-mistral-q8_0.gguf.
        QCOMPARE(m.hp.architecture, std::string("llama"));
        QCOMPARE(m.hp.name, std::string("tiny-random-mistral-arch"));
        QCOMPARE(m.hp.n_vocab, int64_t(32000));
        QCOMPARE(m.hp.n_ctx_train, int64_t(2048));
        QCOMPARE(m.hp.n_embd, int64_t(64));
        QCOMPARE(m.hp.n_layer, int64_t(2));
        QCOMPARE(m.hp.n_head, int64_t(4));
        QCOMPARE(m.hp.n_head_kv, int64_t(2));
        QCOMPARE(m.hp.head_dim, int64_t(16));
        QCOMPARE(m.hp.value_dim, int64_t(16));
        QCOMPARE(m.hp.n_ff, int64_t(192));
        QCOMPARE(m.hp.n_rot, int64_t(16));
        QCOMPARE(m.hp.rope_freq_base, 10000.0f);
        QCOMPARE(m.hp.rms_eps, 1e-5f);
        QCOMPARE(m.hp.file_type, 7u);   // LLAMA_FTYPE_MOSTLY_Q8_0

        QCOMPARE(m.vocab.model, std::string("llama"));
        QCOMPARE(m.vocab.tokens.size(), size_t(32000));
        QCOMPARE(m.vocab.tokens[22557], std::string("▁Hello"));
        QCOMPARE(m.vocab.scores.size(), size_t(32000));
        QCOMPARE(m.vocab.token_types.size(), size_t(32000));
        QCOMPARE(m.vocab.token_types[3], 6);
        QCOMPARE(m.vocab.bos_id, 1);
        QCOMPARE(m.vocab.eos_id, 2);
        QCOMPARE(m.vocab.unk_id, 0);
        QCOMPARE(m.vocab.pad_id, -1);
        QVERIFY(m.vocab.add_bos);
        QVERIFY(!m.vocab.add_eos);
        QVERIFY(m.vocab.merges.empty());
        QVERIFY(m.vocab.chat_template.empty());

        QCOMPARE(m.tok_embd.type, TensorType::Q8_0);
        QCOMPARE(m.tok_embd.rows, int64_t(32000));
        QCOMPARE(m.tok_embd.cols, int64_t(64));
        QCOMPARE(m.tok_embd.row_bytes, size_t(68));   // 2 Q8_0 blocks of 34 bytes
        QCOMPARE(std::string(m.tok_embd.name), std::string("token_embd.weight"));
        QVERIFY(!m.tied_output);
        QCOMPARE(std::string(m.output.name), std::string("output.weight"));
        QVERIFY(m.output.data != m.tok_embd.data);
        QCOMPARE(m.layers.size(), size_t(2));
        const LayerWeights& L = m.layers[1];
        QCOMPARE(L.wk.rows, int64_t(32));
        QCOMPARE(L.wk.cols, int64_t(64));
        QCOMPARE(L.w_down.rows, int64_t(64));
        QCOMPARE(L.w_down.cols, int64_t(192));
        QCOMPARE(L.w_down.row_bytes, size_t(204));
        QCOMPARE(std::string(L.w_down.name), std::string("blk.1.ffn_down.weight"));
        QCOMPARE(m.layers[0].attn_norm.type, TensorType::F32);
        QCOMPARE(m.layers[0].attn_norm.rows, int64_t(1));
        QCOMPARE(m.layers[0].attn_norm.row_bytes, size_t(256));
        float g;
        std::memcpy(&g, m.layers[0].attn_norm.data, 4);
        QCOMPARE(g, 1.0883209f);   // gguf-py: blk.0.attn_norm.weight[0]
    }

    void smallModelLoads()
    {
        std::vector<uint8_t> keep;
        auto r = load(tiny_model(), keep);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->hp.head_dim, int64_t(4));
        QCOMPARE(r->hp.n_rot, int64_t(4));
        QCOMPARE(r->hp.rope_freq_base, 1000000.0f);
        QCOMPARE(r->hp.rms_eps, 1e-6f);
        QCOMPARE(r->vocab.chat_template, std::string("{{ bos_token }}"));
        QCOMPARE(r->vocab.unk_id, 0);   // llama (sentencepiece) default when the key is absent
        QCOMPARE(r->layers[0].wv.rows, int64_t(kKv));
    }

    void defaultsForOptionalKeys()
    {
        GGUFWriter w = tiny_model();
        for (const char* k : {"llama.attention.head_count_kv", "llama.rope.dimension_count", "llama.rope.freq_base",
                              "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "general.name"})
            QVERIFY(w.remove_kv(k));
        // Without head_count_kv there are as many KV heads as query heads.
        for (const char* t : {"blk.0.attn_k.weight", "blk.0.attn_v.weight"})
            *w.find_tensor(t) = GGUFWriterTensor{t, 2, {kEmbd, kEmbd}, 0, std::nullopt, zeros_f32(kEmbd * kEmbd)};
        std::vector<uint8_t> keep;
        auto r = load(w, keep);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->hp.n_head_kv, int64_t(4));
        QCOMPARE(r->hp.n_rot, int64_t(4));
        QCOMPARE(r->hp.rope_freq_base, 10000.0f);
        QCOMPARE(r->vocab.bos_id, 1);
        QCOMPARE(r->vocab.eos_id, 2);
        QVERIFY(r->vocab.add_bos);
        QVERIFY(r->hp.name.empty());
    }

    void tiedOutputWhenOutputAbsent()
    {
        GGUFWriter w = tiny_model();
        QVERIFY(w.remove_tensor("output.weight"));
        std::vector<uint8_t> keep;
        auto r = load(w, keep);
        QVERIFY(r.ok());
        QVERIFY(r->tied_output);
        QCOMPARE(r->output.data, r->tok_embd.data);
        QCOMPARE(r->output.rows, int64_t(kVocab));
    }

    void missingArchitecture()
    {
        GGUFWriter w = tiny_model();
        w.remove_kv("general.architecture");
        EXPECT_LOAD_ERROR(w, "missing metadata key 'general.architecture'");
    }
    void unsupportedArchitecture()
    {
        GGUFWriter w = tiny_model();
        w.remove_kv("general.architecture");
        w.add_string("general.architecture", "gemma");
        EXPECT_LOAD_ERROR(w, "unsupported architecture 'gemma'");
    }

    // qwen2 and qwen3: NeoX RoPE; qwen2's Q/K/V biases, qwen3's per-head Q/K norms.
    void qwenArchitecturesLoad()
    {
        std::vector<uint8_t> keep, keep3, keep_llama;
        auto q2 = load(tiny_model("qwen2"), keep);
        QVERIFY2(q2.ok(), q2.ok() ? "" : q2.error().message.c_str());
        QCOMPARE(q2->hp.architecture, std::string("qwen2"));
        QVERIFY(q2->hp.rope_neox);
        QVERIFY(q2->layers[0].bq.data && q2->layers[0].bk.data && q2->layers[0].bv.data);
        QCOMPARE(q2->layers[0].bk.cols, int64_t(kKv));
        QVERIFY(!q2->layers[0].q_norm.data);
        auto q3 = load(tiny_model("qwen3"), keep3);
        QVERIFY2(q3.ok(), q3.ok() ? "" : q3.error().message.c_str());
        QVERIFY(q3->hp.rope_neox);
        QCOMPARE(q3->layers[0].q_norm.cols, int64_t(4));
        QCOMPARE(q3->layers[0].k_norm.cols, int64_t(4));
        QVERIFY(!q3->layers[0].bq.data);
        auto llama = load(tiny_model(), keep_llama);
        QVERIFY(llama.ok());
        QVERIFY(!llama->hp.rope_neox);
    }

    // phi3: Q/K/V and gate/up read as views of the fused tensors' rows; LongRoPE keys and factors.
    void phi3FusedWeightsLoad()
    {
        std::vector<uint8_t> keep;
        auto m = load(tiny_model("phi3"), keep);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        const LayerWeights& L = m->layers[0];
        QCOMPARE(L.wq.rows, int64_t(kEmbd));
        QCOMPARE(L.wk.rows, int64_t(kKv));
        QCOMPARE(L.wv.rows, int64_t(kKv));
        // Row r of the fused tensor holds r: Q starts at row 0, K at kEmbd, V at kEmbd + kKv.
        QCOMPARE(static_cast<const float*>(L.wq.data)[0], 0.0f);
        QCOMPARE(static_cast<const float*>(L.wk.data)[0], float(kEmbd));
        QCOMPARE(static_cast<const float*>(L.wv.data)[0], float(kEmbd + kKv));
        QCOMPARE(L.w_gate.rows, int64_t(kFF));
        QCOMPARE(L.w_up.rows, int64_t(kFF));
        QCOMPARE(static_cast<const char*>(L.w_up.data) - static_cast<const char*>(L.w_gate.data),
                 std::ptrdiff_t(kFF * kEmbd * 4));
        QVERIFY(m->hp.rope_neox);
        QCOMPARE(m->hp.n_ctx_orig, int64_t(64));
        QCOMPARE(m->hp.rope_attn_factor, 1.19f);
        QCOMPARE(m->hp.q_prescale, 0.5f);   // 1/sqrt(head_dim 4)
        QVERIFY(m->rope_factors_long && m->rope_factors_short);
        QVERIFY(m->rope_factors(64) == m->rope_factors_short);
        QVERIFY(m->rope_factors(65) == m->rope_factors_long);
    }
    void longRopeNeedsBothFactorSets()
    {
        GGUFWriter w = tiny_model("phi3");
        QVERIFY(w.remove_tensor("rope_factors_short.weight"));
        EXPECT_LOAD_ERROR(w, "'rope_factors_long.weight' is present without 'rope_factors_short.weight'");
    }
    void longRopeFactorNotPositive()
    {
        GGUFWriter w = tiny_model("phi3");
        w.find_tensor("rope_factors_long.weight")->data = zeros_f32(2);
        EXPECT_LOAD_ERROR(w, "tensor 'rope_factors_long.weight': entry 0 is", "expected a positive number");
    }

    // gemma2/gemma3: what the keys set, and llama.cpp's defaults when they are absent.
    void gemmaHyperParameters()
    {
        std::vector<uint8_t> keep2, keep3, keep_default;
        auto g2 = load(tiny_model("gemma2"), keep2);
        QVERIFY2(g2.ok(), g2.ok() ? "" : g2.error().message.c_str());
        QCOMPARE(g2->hp.n_swa, int64_t(8));
        QCOMPARE(g2->hp.layer_swa, std::vector<bool>{true});   // pattern 2: layer 0 slides
        QCOMPARE(g2->hp.attn_softcap, 50.0f);
        QCOMPARE(g2->hp.final_softcap, 30.0f);
        QCOMPARE(g2->hp.embd_scale, 4.0f);   // sqrt(16)
        QCOMPARE(g2->hp.q_prescale, 0.5f);   // 1/sqrt(head_dim 4)
        QVERIFY(g2->hp.ffn_gelu && g2->hp.rope_neox);
        QCOMPARE(g2->hp.rope_freq_base_swa, g2->hp.rope_freq_base);
        QVERIFY(g2->layers[0].attn_post_norm.data && g2->layers[0].ffn_post_norm.data);
        QVERIFY(!g2->layers[0].q_norm.data);
        auto g3 = load(tiny_model("gemma3"), keep3);
        QVERIFY2(g3.ok(), g3.ok() ? "" : g3.error().message.c_str());
        QCOMPARE(g3->hp.attn_softcap, 0.0f);   // gemma3 never caps attention
        QCOMPARE(g3->hp.final_softcap, 30.0f);
        QCOMPARE(g3->hp.rope_freq_base_swa, 10000.0f);
        QCOMPARE(g3->hp.rope_freq_scale, 0.125f);
        QVERIFY(g3->layers[0].q_norm.data);
        GGUFWriter w = tiny_model("gemma2");
        w.remove_kv("gemma2.attention.sliding_window");
        w.remove_kv("gemma2.attn_logit_softcapping");
        w.remove_kv("gemma2.final_logit_softcapping");
        auto d = load(w, keep_default);
        QVERIFY(d.ok());
        QCOMPARE(d->hp.n_swa, int64_t(4096));
        QCOMPARE(d->hp.attn_softcap, 50.0f);
        QCOMPARE(d->hp.final_softcap, 30.0f);
    }

    // Mixtral ('llama' with experts) and qwen3moe: the counts, and expert e's matrices as views
    // of slice e of the 3-D tensors; the dense FFN weights stay empty.
    void expertsLoaded_data()
    {
        testing::addColumnRows<QString>(
            "arch", {{"mixtral", QStringLiteral("mixtral")}, {"qwen3moe", QStringLiteral("qwen3moe")}});
    }
    void expertsLoaded()
    {
        QFETCH(QString, arch);
        std::vector<uint8_t> keep;
        auto m = load(tiny_model(arch.toStdString()), keep);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        const int64_t ff = arch == QLatin1String("mixtral") ? int64_t(kFF) : int64_t(kExpertFF);
        QCOMPARE(m->hp.n_expert, int64_t(kExperts));
        QCOMPARE(m->hp.n_expert_used, int64_t(2));
        QCOMPARE(m->hp.n_ff_exp, ff);
        QVERIFY(m->hp.expert_weights_norm);
        const LayerWeights& L = m->layers[0];
        QVERIFY(!L.w_gate.data && !L.w_up.data && !L.w_down.data);
        QCOMPARE(L.ffn_gate_inp.rows, int64_t(kExperts));
        QCOMPARE(L.gate_exps.size(), size_t(kExperts));
        QCOMPARE(L.down_exps.size(), size_t(kExperts));
        QCOMPARE(L.up_exps[3].rows, ff);
        QCOMPARE(L.down_exps[3].rows, int64_t(kEmbd));
        QCOMPARE(L.down_exps[3].cols, ff);
        const auto* base = static_cast<const uint8_t*>(L.up_exps[0].data);
        QCOMPARE(static_cast<const uint8_t*>(L.up_exps[3].data), base + 3 * size_t(ff) * kEmbd * 4);
        // A 'llama' file without experts stays dense.
        std::vector<uint8_t> keep_dense;
        auto dense = load(tiny_model(), keep_dense);
        QVERIFY(dense.ok());
        QCOMPARE(dense->hp.n_expert, int64_t(0));
        QVERIFY(dense->layers[0].gate_exps.empty() && dense->layers[0].w_gate.data);
    }
    void expertCountZero()
    {
        GGUFWriter w = tiny_model("qwen3moe");
        replace_u32(w, "qwen3moe.expert_count", 0);
        EXPECT_LOAD_ERROR(w, "metadata key 'qwen3moe.expert_count' is 0, expected 1 to 1024");
        // A 'llama' file saying 0 experts is dense, unless it carries experts.
        GGUFWriter mixtral = tiny_model("mixtral");
        replace_u32(mixtral, "llama.expert_count", 0);
        EXPECT_LOAD_ERROR(mixtral, "metadata key 'llama.expert_count' is 0 but the file has expert tensors");
        GGUFWriter absent = tiny_model("mixtral");
        absent.remove_kv("llama.expert_count");
        EXPECT_LOAD_ERROR(absent, "metadata key 'llama.expert_count' is absent but the file has expert tensors");
    }
    void expertCountAbsurd()
    {
        GGUFWriter w = tiny_model("mixtral");
        replace_u32(w, "llama.expert_count", 1u << 30);
        EXPECT_LOAD_ERROR(w, "metadata key 'llama.expert_count' is 1073741824, expected 0 to 1024");
        GGUFWriter q = tiny_model("qwen3moe");
        replace_u32(q, "qwen3moe.expert_count", 4096);
        EXPECT_LOAD_ERROR(q, "metadata key 'qwen3moe.expert_count' is 4096, expected 1 to 1024");
    }
    void expertUsedOutOfRange_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<uint>("used");
        for (const char* arch : {"mixtral", "qwen3moe"})
            for (uint used : {0u, uint(kExperts + 1)})
                QTest::addRow("%s, %u", arch, used) << QString::fromLatin1(arch) << used;
    }
    void expertUsedOutOfRange()
    {
        QFETCH(QString, arch);
        QFETCH(uint, used);
        GGUFWriter w = tiny_model(arch.toStdString());
        const std::string key =
            (arch == QLatin1String("mixtral") ? "llama" : "qwen3moe") + std::string(".expert_used_count");
        replace_u32(w, key, used);
        const std::string needle = "metadata key '" + key + "' is " + std::to_string(used) + ", expected 1 to 4";
        EXPECT_LOAD_ERROR(w, needle.c_str());
        w.remove_kv(key);
        EXPECT_LOAD_ERROR(w, key.c_str());   // absent: named too
    }
    void qwen3moeWithoutExpertFeedForwardLength()
    {
        GGUFWriter w = tiny_model("qwen3moe");
        w.remove_kv("qwen3moe.expert_feed_forward_length");
        EXPECT_LOAD_ERROR(w, "qwen3moe.expert_feed_forward_length");
        replace_u32(w, "qwen3moe.expert_feed_forward_length", 0);
        EXPECT_LOAD_ERROR(w, "metadata key 'qwen3moe.expert_feed_forward_length' is 0");
    }
    void routerWrongShape()
    {
        GGUFWriter w = tiny_model("mixtral");
        GGUFWriterTensor* t = w.find_tensor("blk.0.ffn_gate_inp.weight");
        t->ne = {kEmbd, kExperts + 1};
        t->data = zeros_f32(kEmbd * (kExperts + 1));
        EXPECT_LOAD_ERROR(w, "tensor 'blk.0.ffn_gate_inp.weight' has shape [16, 5], expected [16, 4]",
                          "n_embd x n_expert");
    }
    void expertTensorWrongThirdDimension()
    {
        GGUFWriter w = tiny_model("qwen3moe");
        GGUFWriterTensor* t = w.find_tensor("blk.0.ffn_down_exps.weight");
        t->ne = {kExpertFF, kEmbd, kExperts - 1};
        t->data = zeros_f32(kExpertFF * kEmbd * (kExperts - 1));
        EXPECT_LOAD_ERROR(w, "tensor 'blk.0.ffn_down_exps.weight' has shape [8, 16, 3], expected [8, 16, 4]",
                          "n_ff_exp x n_embd x n_expert");
        GGUFWriter flat = tiny_model("mixtral");   // one expert's matrix, 2-D
        GGUFWriterTensor* g = flat.find_tensor("blk.0.ffn_gate_exps.weight");
        g->ne = {kEmbd, kFF};
        g->n_dims = 2;
        g->data = zeros_f32(kEmbd * kFF);
        EXPECT_LOAD_ERROR(flat, "tensor 'blk.0.ffn_gate_exps.weight' has shape [16, 32], expected [16, 32, 4]");
    }
    void missingExpertTensor_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* n : {"blk.0.ffn_gate_inp.weight", "blk.0.ffn_gate_exps.weight", "blk.0.ffn_up_exps.weight",
                              "blk.0.ffn_down_exps.weight"})
            QTest::newRow(n) << QString::fromLatin1(n);
    }
    void missingExpertTensor()
    {
        QFETCH(QString, name);
        GGUFWriter w = tiny_model("qwen3moe");
        QVERIFY(w.remove_tensor(name.toStdString()));
        const std::string needle = "missing tensor '" + name.toStdString() + "'";
        EXPECT_LOAD_ERROR(w, needle.c_str());
    }

    // Mixtral files from before April 2024 keep one 2-D tensor per expert: named as such.
    void expertsInTheOlderLayout()
    {
        GGUFWriter w = tiny_model("mixtral");
        for (const char* name : {"gate", "up", "down"}) {
            const std::string exps = std::string("blk.0.ffn_") + name + "_exps.weight";
            QVERIFY(w.remove_tensor(exps));
            for (uint64_t e = 0; e < kExperts; ++e)
                w.add_tensor("blk.0.ffn_" + std::string(name) + "." + std::to_string(e) + ".weight", TensorType::F32,
                             std::string(name) == "down" ? std::vector<uint64_t>{kFF, kEmbd}
                                                         : std::vector<uint64_t>{kEmbd, kFF},
                             zeros_f32(kEmbd * kFF));
        }
        EXPECT_LOAD_ERROR(w, "missing tensor 'blk.0.ffn_gate_exps.weight'",
                          "one tensor per expert ('blk.0.ffn_gate.0.weight')", "convert the model again");
    }

    void missingRequiredKey_data()
    {
        QTest::addColumn<QString>("key");
        for (const char* k : {"llama.embedding_length", "llama.block_count", "llama.attention.head_count",
                              "llama.feed_forward_length", "llama.attention.layer_norm_rms_epsilon",
                              "llama.context_length", "tokenizer.ggml.model", "tokenizer.ggml.tokens"})
            QTest::newRow(k) << QString::fromLatin1(k);
    }
    void missingRequiredKey()
    {
        QFETCH(QString, key);
        GGUFWriter w = tiny_model();
        QVERIFY(w.remove_kv(key.toStdString()));
        const std::string needle = "missing metadata key '" + key.toStdString() + "'";
        EXPECT_LOAD_ERROR(w, needle.c_str());
    }

    // A metadata number out of its range (an unsigned count, or a float that must be positive):
    // the key, its value and what was expected.
    void metadataNumberRefused_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QVariant>("value");   // uint: written as U32; float: as F32
        QTest::addColumn<QStringList>("needles");
        const auto row = [](const char* name, const char* arch, const char* key, QVariant value, QStringList needles) {
            QTest::newRow(name) << QString::fromLatin1(arch) << QString::fromLatin1(key) << value << needles;
        };
        row("blockCountZero", "llama", "llama.block_count", 0u, {"'llama.block_count' is 0", "expected 1 to 1024"});
        row("hugeEmbeddingLength", "llama", "llama.embedding_length", 4000000000u,
            {"'llama.embedding_length' is 4000000000"});
        row("headCountKvAboveHeadCount", "llama", "llama.attention.head_count_kv", 8u,
            {"'llama.attention.head_count_kv' is 8", "expected 1 to 4"});
        row("headCountKvDoesNotDivide", "llama", "llama.attention.head_count_kv", 3u,
            {"'llama.attention.head_count_kv' is 3", "does not divide head_count 4"});
        row("ropeDimensionOdd", "llama", "llama.rope.dimension_count", 3u,
            {"'llama.rope.dimension_count' is 3", "even"});
        row("ropeDimensionAboveHeadDim", "llama", "llama.rope.dimension_count", 64u,
            {"'llama.rope.dimension_count' is 64", "expected 2 to 4"});
        row("missingSecondLayer", "llama", "llama.block_count", 2u, {"missing tensor 'blk.1.attn_norm.weight'"});
        row("longRopeOriginalContextZero", "phi3", "phi3.rope.scaling.original_context_length", 0u,
            {"metadata key 'phi3.rope.scaling.original_context_length' is 0"});
        row("slidingWindowZero", "gemma3", "gemma3.attention.sliding_window", 0u,
            {"metadata key 'gemma3.attention.sliding_window' is 0"});
        row("slidingWindowPatternZero", "gemma2", "gemma2.attention.sliding_window_pattern", 0u,
            {"metadata key 'gemma2.attention.sliding_window_pattern' is 0"});
        const float nan = std::numeric_limits<float>::quiet_NaN();
        row("rmsEpsilonNotPositive", "llama", "llama.attention.layer_norm_rms_epsilon", 0.0f,
            {"'llama.attention.layer_norm_rms_epsilon'", "positive"});
        row("ropeFreqBaseNaN", "llama", "llama.rope.freq_base", nan, {"'llama.rope.freq_base'", "positive"});
        row("longRopeAttnFactorNotPositive", "phi3", "phi3.rope.scaling.attn_factor", -1.0f,
            {"metadata key 'phi3.rope.scaling.attn_factor' is", "expected a positive number"});
        row("ropeScalingFactorNotPositive", "gemma3", "gemma3.rope.scaling.factor", -8.0f,
            {"metadata key 'gemma3.rope.scaling.factor' is", "expected a positive number"});
        row("softcap attention, negative", "gemma2", "gemma2.attn_logit_softcapping", -50.0f,
            {"metadata key 'gemma2.attn_logit_softcapping' is", "expected a positive number"});
        row("softcap final, zero", "gemma2", "gemma2.final_logit_softcapping", 0.0f,
            {"metadata key 'gemma2.final_logit_softcapping' is", "expected a positive number"});
        row("softcap final, NaN", "gemma2", "gemma2.final_logit_softcapping", nan,
            {"metadata key 'gemma2.final_logit_softcapping' is", "expected a positive number"});
    }
    void metadataNumberRefused()
    {
        QFETCH(QString, arch);
        QFETCH(QString, key);
        QFETCH(QVariant, value);
        QFETCH(QStringList, needles);
        GGUFWriter w = tiny_model(arch.toStdString());
        w.remove_kv(key.toStdString());
        if (value.typeId() == QMetaType::Float)
            w.add_f32(key.toStdString(), value.toFloat());
        else
            w.add_u32(key.toStdString(), value.toUInt());
        EXPECT_LOAD_ERROR(w, needles);
    }

    // A tensor the model needs is absent: named in the message.
    void missingTensor_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("name");
        for (const char* t :
             {"token_embd.weight", "output_norm.weight", "blk.0.attn_norm.weight", "blk.0.attn_q.weight",
              "blk.0.attn_k.weight", "blk.0.attn_v.weight", "blk.0.attn_output.weight", "blk.0.ffn_norm.weight",
              "blk.0.ffn_gate.weight", "blk.0.ffn_up.weight", "blk.0.ffn_down.weight"})
            QTest::newRow(t) << QStringLiteral("llama") << QString::fromLatin1(t);
        for (const char* t : {"blk.0.attn_q_norm.weight", "blk.0.attn_k_norm.weight"})   // qwen3's per-head norms
            QTest::addRow("qwen3 %s", t) << QStringLiteral("qwen3") << QString::fromLatin1(t);
        QTest::newRow("gemma2 post-FFN norm")
            << QStringLiteral("gemma2") << QStringLiteral("blk.0.post_ffw_norm.weight");
        QTest::newRow("gemma3 K norm") << QStringLiteral("gemma3") << QStringLiteral("blk.0.attn_k_norm.weight");
    }
    void missingTensor()
    {
        QFETCH(QString, arch);
        QFETCH(QString, name);
        GGUFWriter w = tiny_model(arch.toStdString());
        QVERIFY(w.remove_tensor(name.toStdString()));
        EXPECT_LOAD_ERROR(w, QStringList{"missing tensor '" + name + "'"});
    }

    // A tensor of the wrong shape: the shape it has, the one expected and, where it helps, which
    // hyper-parameters make it.
    void tensorShapeRefused_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QList<qulonglong>>("shape");
        QTest::addColumn<QStringList>("needles");
        const auto row = [](const char* name, const char* arch, const char* tensor, QList<qulonglong> shape,
                            QStringList needles) {
            QTest::newRow(name) << QString::fromLatin1(arch) << QString::fromLatin1(tensor) << shape << needles;
        };
        row("wrongShape", "llama", "blk.0.attn_k.weight", {kEmbd, kEmbd},
            {"tensor 'blk.0.attn_k.weight' has shape [16, 16], expected [16, 8]"});
        row("transposedFfnDown", "llama", "blk.0.ffn_down.weight", {kEmbd, kFF},
            {"tensor 'blk.0.ffn_down.weight' has shape [16, 32], expected [32, 16]", "n_ff x n_embd"});
        row("extraDimension", "llama", "blk.0.ffn_up.weight", {kEmbd, kFF / 2, 2},
            {"tensor 'blk.0.ffn_up.weight' has shape [16, 16, 2], expected [16, 32]"});
        row("normNotOneDimensional", "llama", "output_norm.weight", {kEmbd / 2, 2},
            {"tensor 'output_norm.weight' has shape [8, 2], expected [16]"});
        row("outputWrongShape", "llama", "output.weight", {kEmbd, kVocab - 1},
            {"tensor 'output.weight' has shape [16, 3], expected [16, 4]"});
        row("biasWrongLength", "qwen2", "blk.0.attn_k.bias", {kEmbd},
            {"tensor 'blk.0.attn_k.bias' has shape [16], expected [8]", "n_head_kv*head_dim"});
        row("biasTwoDimensional", "qwen2", "blk.0.attn_v.bias", {kKv / 2, 2},
            {"tensor 'blk.0.attn_v.bias' has shape [4, 2], expected [8]"});
        row("qkNormWrongLength", "qwen3", "blk.0.attn_q_norm.weight", {kEmbd},
            {"tensor 'blk.0.attn_q_norm.weight' has shape [16], expected [4]", "head_dim"});
        row("fusedQkvWrongRows", "phi3", "blk.0.attn_qkv.weight", {kEmbd, kEmbd + kKv},
            {"tensor 'blk.0.attn_qkv.weight' has shape [16, 24], expected [16, 32]",
             "(n_head + 2*n_head_kv)*head_dim"});
        row("fusedGateUpWrongRows", "phi3", "blk.0.ffn_up.weight", {kEmbd, kFF},
            {"tensor 'blk.0.ffn_up.weight' has shape [16, 32], expected [16, 64]", "2*n_ff"});
        row("longRopeFactorsWrongLength", "phi3", "rope_factors_short.weight", {3},
            {"tensor 'rope_factors_short.weight' has shape [3], expected [2]", "n_rot/2"});
        row("postNormWrongLength", "gemma3", "blk.0.post_attention_norm.weight", {8},
            {"tensor 'blk.0.post_attention_norm.weight' has shape [8], expected [16]"});
    }
    void tensorShapeRefused()
    {
        QFETCH(QString, arch);
        QFETCH(QString, name);
        QFETCH(QList<qulonglong>, shape);
        QFETCH(QStringList, needles);
        GGUFWriter w = tiny_model(arch.toStdString());
        reshape(w, name.toStdString(), std::vector<uint64_t>(shape.begin(), shape.end()));
        EXPECT_LOAD_ERROR(w, needles);
    }

    // Norms and biases are read as floats: any other type is refused.
    void tensorNotF32_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("name");
        QTest::newRow("biasNotF32") << QStringLiteral("qwen2") << QStringLiteral("blk.0.attn_q.bias");
        QTest::newRow("normNotF32") << QStringLiteral("llama") << QStringLiteral("blk.0.ffn_norm.weight");
    }
    void tensorNotF32()
    {
        QFETCH(QString, arch);
        QFETCH(QString, name);
        GGUFWriter w = tiny_model(arch.toStdString());
        GGUFWriterTensor* t = w.find_tensor(name.toStdString());
        QVERIFY(t);
        t->type = uint32_t(TensorType::F16);
        t->data.resize(kEmbd * 2);
        EXPECT_LOAD_ERROR(w, QStringList{"tensor '" + name + "' has type F16", "must be F32"});
    }

    void keyOfWrongType()
    {
        GGUFWriter w = tiny_model();
        w.remove_kv("llama.embedding_length");
        w.add_string("llama.embedding_length", "16");
        EXPECT_LOAD_ERROR(w, "'llama.embedding_length' has type STRING", "expected an integer");
    }
    void embeddingNotDivisibleByHeads()
    {
        GGUFWriter w = tiny_model();
        replace_u32(w, "llama.attention.head_count", 3);
        replace_u32(w, "llama.attention.head_count_kv", 1);
        EXPECT_LOAD_ERROR(w, "embedding_length 16 is not divisible by head_count 3", "key_length");
    }
    void keyLengthChangesExpectedShapes()
    {
        // key_length 8 with 4 heads: attn_q must be [16, 32], the file has [16, 16].
        GGUFWriter w = tiny_model();
        w.add_u32("llama.attention.key_length", 8);
        w.remove_kv("llama.rope.dimension_count");
        EXPECT_LOAD_ERROR(w, "tensor 'blk.0.attn_q.weight' has shape [16, 16], expected [16, 32]",
                          "n_embd x n_head*head_dim");
    }

    // rope_freqs.weight (Llama 3.1+): n_rot/2 positive F32 factors; n_rot is 4 in tiny_model().
    void ropeFreqsLoaded()
    {
        GGUFWriter w = tiny_model();
        const std::vector<float> f = {1.0f, 4.0f};
        std::vector<uint8_t> bytes(8);
        std::memcpy(bytes.data(), f.data(), 8);
        w.add_tensor("rope_freqs.weight", TensorType::F32, {2}, bytes);
        std::vector<uint8_t> keep;
        auto m = load(w, keep);
        QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
        QVERIFY(m->rope_freq_factors);
        QCOMPARE(m->rope_freq_factors[0], 1.0f);
        QCOMPARE(m->rope_freq_factors[1], 4.0f);
        std::vector<uint8_t> keep2;
        QVERIFY(load(tiny_model(), keep2)->rope_freq_factors == nullptr);   // absent: none
    }
    void ropeFreqsWrongLength()
    {
        GGUFWriter w = tiny_model();
        w.add_tensor("rope_freqs.weight", TensorType::F32, {3}, zeros_f32(3));
        EXPECT_LOAD_ERROR(w, "tensor 'rope_freqs.weight' has shape [3], expected [2]", "n_rot/2");
    }
    void ropeFreqsNotF32()
    {
        GGUFWriter w = tiny_model();
        w.add_tensor("rope_freqs.weight", TensorType::F16, {2}, std::vector<uint8_t>(4, 0));
        EXPECT_LOAD_ERROR(w, "tensor 'rope_freqs.weight' has type F16", "must be F32");
    }
    void ropeFreqsNotPositive_data()
    {
        QTest::addColumn<float>("value");
        QTest::newRow("zero") << 0.0f;
        QTest::newRow("negative") << -2.0f;
        QTest::newRow("NaN") << std::numeric_limits<float>::quiet_NaN();
        QTest::newRow("infinity") << std::numeric_limits<float>::infinity();
    }
    void ropeFreqsNotPositive()
    {
        QFETCH(float, value);
        GGUFWriter w = tiny_model();
        const std::vector<float> f = {1.0f, value};
        std::vector<uint8_t> bytes(8);
        std::memcpy(bytes.data(), f.data(), 8);
        w.add_tensor("rope_freqs.weight", TensorType::F32, {2}, bytes);
        EXPECT_LOAD_ERROR(w, "tensor 'rope_freqs.weight': entry 1 is", "expected a positive number");
    }

    void misalignedF32Weight()
    {
        // general.alignment 2 is a legal GGUF, but an F32 weight at an address that is 2 mod 4
        // cannot be read as floats. A small F16 tensor placed first shifts every weight after it.
        GGUFWriter w = tiny_model();
        w.alignment = 2;
        w.add_u16("general.alignment", 2);
        GGUFWriterTensor pad{"pad.weight", 1, {1}, uint32_t(TensorType::F16), std::nullopt, {0, 0}};
        w.tensors().insert(w.tensors().begin(), pad);
        GGUFLayout l;
        w.build(&l);   // data_start depends on the infos only, not on the pad's element count
        if ((l.data_start + 2) % 4 == 0) {
            w.tensors()[0].ne = {2};
            w.tensors()[0].data = {0, 0, 0, 0};
        }
        EXPECT_LOAD_ERROR(w, "tensor 'token_embd.weight'", "not 4-byte aligned", "general.alignment");
    }

    // ---- low-bit types (Q2_K, Q3_K, IQ4_NL, IQ4_XS)
    void lowbitWeightLoads()
    {
        // ffn_down has rows of n_ff = 32 elements: one IQ4_NL block (18 bytes) per row.
        GGUFWriter w = tiny_model();
        QVERIFY(w.remove_tensor("blk.0.ffn_down.weight"));
        w.add_tensor("blk.0.ffn_down.weight", TensorType::IQ4_NL, {kFF, kEmbd}, std::vector<uint8_t>(18 * kEmbd, 0));
        std::vector<uint8_t> keep;
        auto r = load(w, keep);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->layers[0].w_down.type, TensorType::IQ4_NL);
        QCOMPARE(r->layers[0].w_down.row_bytes, size_t(18));
    }
    void lowbitRowNotBlockMultiple_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("needle");
        QTest::newRow("Q2_K") << int(TensorType::Q2_K) << "row length 16 is not a multiple of the Q2_K block size 256";
        QTest::newRow("Q3_K") << int(TensorType::Q3_K) << "row length 16 is not a multiple of the Q3_K block size 256";
        QTest::newRow("IQ4_NL") << int(TensorType::IQ4_NL)
                                << "row length 16 is not a multiple of the IQ4_NL block size 32";
        QTest::newRow("IQ4_XS") << int(TensorType::IQ4_XS)
                                << "row length 16 is not a multiple of the IQ4_XS block size 256";
    }
    void lowbitRowNotBlockMultiple()
    {
        QFETCH(int, type);
        QFETCH(QString, needle);
        GGUFWriter w = tiny_model();
        QVERIFY(w.remove_tensor("blk.0.attn_q.weight"));
        w.add_tensor("blk.0.attn_q.weight", static_cast<TensorType>(type), {kEmbd, kEmbd},
                     std::vector<uint8_t>(256, 0));
        const std::string n = needle.toStdString();
        EXPECT_LOAD_ERROR(w, "tensor 'blk.0.attn_q.weight'", n.c_str());
    }
    void lowbitBytesShort_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("need");   // bytes of 2 rows
        QTest::newRow("Q2_K") << int(TensorType::Q2_K) << 256 << 2 * 84;
        QTest::newRow("Q3_K") << int(TensorType::Q3_K) << 256 << 2 * 110;
        QTest::newRow("IQ4_NL") << int(TensorType::IQ4_NL) << 64 << 2 * 36;
        QTest::newRow("IQ4_XS") << int(TensorType::IQ4_XS) << 512 << 2 * 272;
    }
    void lowbitBytesShort()
    {
        // The last tensor's bytes (as its type's block size gives them) run past the end of the
        // file: refused with the byte count, before any kernel reads it.
        QFETCH(int, type);
        QFETCH(int, cols);
        QFETCH(int, need);
        GGUFWriter w = tiny_model();
        w.add_tensor("zz.extra.weight", static_cast<TensorType>(type), {uint64_t(cols), 2},
                     std::vector<uint8_t>(size_t(need / 2), 0));
        const std::string n = "with " + std::to_string(need) + " bytes ends outside the file";
        EXPECT_LOAD_ERROR(w, "tensor 'zz.extra.weight'", n.c_str());
    }

    void vocabCountDiffersFromEmbeddingRows()
    {
        GGUFWriter w = tiny_model();
        w.remove_kv("tokenizer.ggml.tokens");
        w.add_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>"});
        w.remove_kv("tokenizer.ggml.scores");
        w.remove_kv("tokenizer.ggml.token_type");
        EXPECT_LOAD_ERROR(w, "tokenizer.ggml.tokens has 3 entries but tensor 'token_embd.weight' has 4 rows");
    }
    void vocabSizeKeyMismatch()
    {
        GGUFWriter w = tiny_model();
        w.add_u32("llama.vocab_size", 5);
        EXPECT_LOAD_ERROR(w, "'llama.vocab_size' is 5 but tokenizer.ggml.tokens has 4 entries");
    }
    // A vocabulary array of the wrong element type, length or values.
    void vocabularyArrayRefused_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QVariant>("values");
        QTest::addColumn<QStringList>("needles");
        const auto row = [](const char* name, const char* key, QVariant values, QStringList needles) {
            QTest::newRow(name) << QString::fromLatin1(key) << values << needles;
        };
        row("emptyTokenList", "tokenizer.ggml.tokens", QStringList{}, {"'tokenizer.ggml.tokens' is empty"});
        row("tokensNotStrings", "tokenizer.ggml.tokens", QVariant::fromValue(QList<int>{1, 2, 3, 4}),
            {"'tokenizer.ggml.tokens' has type array of I32", "array of strings"});
        row("scoresLengthMismatch", "tokenizer.ggml.scores", QVariant::fromValue(QList<float>{0, 0, 0}),
            {"'tokenizer.ggml.scores' has 3 entries but tokenizer.ggml.tokens has 4"});
        row("tokenTypeLengthMismatch", "tokenizer.ggml.token_type", QVariant::fromValue(QList<int>{1, 1, 1, 1, 1}),
            {"'tokenizer.ggml.token_type' has 5 entries but tokenizer.ggml.tokens has 4"});
        row("tokenTypeOutOfRange", "tokenizer.ggml.token_type", QVariant::fromValue(QList<int>{2, 3, 3, 9}),
            {"'tokenizer.ggml.token_type': entry 3 is 9, expected 0 to 6"});
    }
    void vocabularyArrayRefused()
    {
        QFETCH(QString, key);
        QFETCH(QVariant, values);
        QFETCH(QStringList, needles);
        GGUFWriter w = tiny_model();
        replace_array(w, key.toStdString(), values);
        EXPECT_LOAD_ERROR(w, needles);
    }
    void tokenIdOutOfRange_data()
    {
        QTest::addColumn<QString>("key");
        for (const char* k : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                              "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id"})
            QTest::newRow(k) << QString::fromLatin1(k);
    }
    void tokenIdOutOfRange()
    {
        QFETCH(QString, key);
        GGUFWriter w = tiny_model();
        replace_u32(w, key.toStdString(), 4);
        const std::string needle = "'" + key.toStdString() + "' is 4, outside the vocabulary of 4 tokens";
        EXPECT_LOAD_ERROR(w, needle.c_str());
    }
    void negativePaddingIdMeansNone()
    {
        GGUFWriter w = tiny_model();
        w.add_i32("tokenizer.ggml.padding_token_id", -1);
        w.add_bool("tokenizer.ggml.add_bos_token", false);
        w.add_bool("tokenizer.ggml.add_eos_token", true);
        std::vector<uint8_t> keep;
        auto r = load(w, keep);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->vocab.pad_id, -1);
        QVERIFY(!r->vocab.add_bos);
        QVERIFY(r->vocab.add_eos);
    }
    void addBosWrongType()
    {
        GGUFWriter w = tiny_model();
        w.add_u32("tokenizer.ggml.add_bos_token", 1);
        EXPECT_LOAD_ERROR(w, "'tokenizer.ggml.add_bos_token' has type U32", "boolean");
    }

    void tooManyTokensRefusedBeforeCopying()
    {
        // 2^22 + 1 one-byte tokens (38 MB): within the container's limits, above the loader's.
        GGUFWriter w = tiny_model();
        QVERIFY(w.remove_kv("tokenizer.ggml.tokens"));
        const uint64_t n = (uint64_t(1) << 22) + 1;
        std::vector<uint8_t> value;
        value.reserve(12 + n * 9);
        gguf_put_u32(value, uint32_t(GGUFType::STRING));
        gguf_put_u64(value, n);
        for (uint64_t i = 0; i < n; ++i)
            gguf_put_string(value, "a");
        w.add_raw_kv("tokenizer.ggml.tokens", uint32_t(GGUFType::ARRAY), std::move(value));
        EXPECT_LOAD_ERROR(w,
                          "metadata key 'tokenizer.ggml.tokens' has 4194305 entries, more than the limit of 4194304");
    }

    // --- strings shown to the user --------------------------------------------------------------
    void hostileNameMadeInert()
    {
        // Clear screen, carriage return, right-to-left override, NUL, invalid UTF-8: the name the
        // CLI prints and the app shows keeps none of them.
        GGUFWriter w = tiny_model();
        QVERIFY(w.remove_kv("general.name"));
        w.add_string("general.name", std::string("Good\x1b[2J\rEvil\u202Egguf.exe\0x\xff", 27));
        std::vector<uint8_t> keep;
        auto r = load(w, keep);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const std::string fffd = "\xEF\xBF\xBD";
        QCOMPARE(r->hp.name, "Good" + fffd + "[2J Evil" + fffd + "gguf.exe" + fffd + "x" + fffd);
    }
    void hugeNameBounded()
    {
        GGUFWriter w = tiny_model();
        QVERIFY(w.remove_kv("general.name"));
        w.add_string("general.name", std::string(100 * 1024, 'n'));
        std::vector<uint8_t> keep;
        auto r = load(w, keep);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->hp.name, std::string(199, 'n') + "\xE2\x80\xA6");   // 200 characters, the last "…"
    }
    void architectureInErrorMadeInert()
    {
        GGUFWriter w = tiny_model();
        QVERIFY(w.remove_kv("general.architecture"));
        w.add_string("general.architecture", "ll\x1b]0;owned\x07"
                                             "ama");
        EXPECT_LOAD_ERROR(w, "unsupported architecture 'll\xEF\xBF\xBD]0;owned\xEF\xBF\xBD"
                             "ama'");
        std::vector<uint8_t> keep;
        const std::string m = load(w, keep).error().message;
        QVERIFY(m.find('\x1b') == std::string::npos && m.find('\x07') == std::string::npos);
    }

    void loadModelNamesThePath()
    {
        GGUFWriter w = tiny_model();
        w.remove_kv("general.architecture");
        w.add_string("general.architecture", "falcon");
        QTemporaryDir dir;
        const std::string path = dir.filePath("falcon.gguf").toStdString();
        QVERIFY(w.write_file(path).ok());
        auto r = load_model(path);
        QVERIFY(!r.ok());
        QVERIFY(r.error().message.find("falcon.gguf") != std::string::npos);
        QVERIFY(r.error().message.find("unsupported architecture 'falcon'") != std::string::npos);
    }

    void randomByteChangesNeverCrash()
    {
        // Damage anywhere (header, metadata values, tensor infos) must end in an error or in a
        // model whose every weight lies inside the buffer; the sanitizer build checks the reads.
        const std::vector<uint8_t> original = tiny_model().build();
        testing::FixedRandom next(7);
        int refused = 0;
        for (int iter = 0; iter < 1500; ++iter) {
            auto buf = std::make_unique<uint8_t[]>(original.size());
            std::memcpy(buf.get(), original.data(), original.size());
            const size_t at = next() % original.size();
            buf[at] = static_cast<uint8_t>(buf[at] ^ (1u << (next() % 8)));
            auto f = GGUFFile::from_memory(buf.get(), original.size());
            if (!f) {
                ++refused;
                continue;
            }
            auto m = load_model_from_gguf(std::move(*f));
            if (!m) {
                ++refused;
                continue;
            }
            const uint8_t* end = buf.get() + original.size();
            auto inside = [&](const Weight& wt) {
                const auto* p = static_cast<const uint8_t*>(wt.data);
                return p >= buf.get() && p + wt.row_bytes * size_t(wt.rows) <= end;
            };
            QVERIFY(inside(m->tok_embd) && inside(m->output) && inside(m->output_norm));
            for (const LayerWeights& L : m->layers)
                for (const Weight* wt :
                     {&L.attn_norm, &L.wq, &L.wk, &L.wv, &L.wo, &L.ffn_norm, &L.w_gate, &L.w_up, &L.w_down})
                    QVERIFY(inside(*wt));
        }
        qInfo("1500 damaged models: %d refused", refused);
        QVERIFY(refused > 50);   // most changes outside the zero tensor data are caught
    }
};

QTEST_GUILESS_MAIN(TestModelLoader)
#include "tst_model_loader.moc"
