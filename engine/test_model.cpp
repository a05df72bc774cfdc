#include "test_model.h"

#include "gguf_writer.h"
#include "kernels/cpu/quantize_ref.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_set>

namespace causerie {

namespace {

using kernels::TensorType;

// splitmix64: tiny, well mixed, and identical on every platform (unlike std:: distributions).
class Rng {
public:
    explicit Rng(uint64_t seed)
        : m_state(seed)
    {
    }
    uint64_t next()
    {
        uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in (0, 1]: never 0, so log() below is finite.
    double uniform() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }
    // Standard normal by Box-Muller (one of the pair is enough here).
    double normal()
    {
        const double u1 = uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

private:
    uint64_t m_state;
};

// FNV-1a of the tensor name, so each tensor's values depend on (seed, name) only: adding a
// layer does not change the weights of the others.
uint64_t name_hash(const std::string& s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s)
        h = (h ^ c) * 0x100000001b3ull;
    return h;
}

// llama.cpp's LLAMA_FTYPE numbers for a file whose 2-D weights are all `type`
// (K-quants map to the "_S" variants, which are the uniform ones).
uint32_t file_type_of(TensorType type)
{
    switch (type) {
    case TensorType::F32: return 0;
    case TensorType::F16: return 1;
    case TensorType::Q4_0: return 2;
    case TensorType::Q4_1: return 3;
    case TensorType::Q8_0: return 7;
    case TensorType::Q5_0: return 8;
    case TensorType::Q5_1: return 9;
    case TensorType::Q4_K: return 14;
    case TensorType::Q5_K: return 16;
    case TensorType::Q6_K: return 18;
    case TensorType::BF16: return 32;
    default: return 0;
    }
}

// rows x cols values ~ N(mean, std), stored row by row in `type` (ggml shape [cols, rows]).
std::vector<uint8_t> random_tensor(TensorType type, int64_t rows, int64_t cols, double mean, double std, uint64_t seed)
{
    Rng rng(seed);
    const size_t rb = kernels::row_bytes(type, cols);
    std::vector<uint8_t> out(rb * static_cast<size_t>(rows));
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
        for (float& x : row)
            x = static_cast<float>(mean + std * rng.normal());
        // F32/F16/BF16 are plain conversions; the block types go through the reference quantizer.
        kernels::quantize_row_ref(type, row.data(), out.data() + rb * static_cast<size_t>(r), cols);
    }
    return out;
}

const char* const kWords[] = {
    "▁",      "▁the",  "▁of",    "▁and",   "▁to",    "▁in",   "▁is",   "▁you",  "▁that",  "▁it",  "▁he",   "▁was",
    "▁for",   "▁on",   "▁are",   "▁as",    "▁with",  "▁his",  "▁they", "▁I",    "▁at",    "▁be",  "▁this", "▁have",
    "▁from",  "▁or",   "▁one",   "▁had",   "▁by",    "▁word", "▁but",  "▁not",  "▁what",  "▁all", "▁were", "▁we",
    "▁when",  "▁your", "▁can",   "▁said",  "▁there", "▁use",  "▁an",   "▁each", "▁which", "▁she", "▁do",   "▁how",
    "▁their", "▁if",   "▁Hello", "▁world", "!",      ",",     ".",     "?",     "'",      "s",    "ing",   "ed",
};

}   // namespace

Result<VocabData> make_synthetic_vocab(int64_t n_vocab)
{
    if (n_vocab < 300 || n_vocab > 500000)
        return make_error("synthetic vocabulary size " + std::to_string(n_vocab) + " must be 300 to 500000");
    VocabData v;
    v.model = "llama";
    const size_t n = static_cast<size_t>(n_vocab);
    std::unordered_set<std::string> seen;
    auto add = [&](std::string piece, int32_t type) {
        if (v.tokens.size() >= n || !seen.insert(piece).second)
            return;
        v.tokens.push_back(std::move(piece));
        v.token_types.push_back(type);
        // Control and byte tokens score 0 like sentencepiece; normal pieces decrease so that
        // earlier (more common) pieces win merges.
        const size_t rank = v.tokens.size();
        v.scores.push_back(type == 1 ? -static_cast<float>(rank - 259) : 0.0f);
    };
    add("<unk>", 2);
    add("<s>", 3);
    add("</s>", 3);
    for (int b = 0; b < 256; ++b) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        add(buf, 6);
    }
    for (const char* w : kWords)
        add(w, 1);
    for (char c = 'a'; c <= 'z'; ++c)
        add(std::string("▁") + c, 1);
    for (char c = 'a'; c <= 'z'; ++c)
        add(std::string(1, c), 1);
    for (char c = 'A'; c <= 'Z'; ++c)
        add(std::string(1, c), 1);
    // Then two- and three-letter pieces, with and without the word-start mark, until full.
    for (int len = 2; v.tokens.size() < n && len <= 4; ++len) {
        int64_t combos = 1;
        for (int i = 0; i < len; ++i)
            combos *= 26;
        for (int64_t k = 0; k < combos && v.tokens.size() < n; ++k) {
            std::string s;
            for (int64_t x = k, i = 0; i < len; ++i, x /= 26)
                s.insert(s.begin(), static_cast<char>('a' + x % 26));
            add("▁" + s, 1);
            add(s, 1);
        }
    }
    v.bos_id = 1;
    v.eos_id = 2;
    v.unk_id = 0;
    v.add_bos = true;
    v.add_eos = false;
    return v;
}

TensorType test_model_tensor_type(const TestModelSpec& s, const std::string& name)
{
    if (name.ends_with(".ffn_gate_inp.weight"))   // the router: F32 in published files
        return TensorType::F32;
    if (s.mix == TestModelMix::Uniform)
        return s.type;
    // Q4_K_M: llama.cpp's use_more_bits(i, n) picks the layers whose attn_v and ffn_down get Q6_K.
    if (name == "output.weight")
        return TensorType::Q6_K;
    const bool v = name.ends_with(".attn_v.weight"),
               down = name.ends_with(".ffn_down.weight") || name.ends_with(".ffn_down_exps.weight");
    auto digit = [&](size_t k) { return k < name.size() && std::isdigit(static_cast<unsigned char>(name[k])); };
    if ((v || down) && name.starts_with("blk.") && digit(4)) {
        int64_t i = 0;
        for (size_t k = 4; digit(k) && i < 1000000; ++k)
            i = 10 * i + (name[k] - '0');
        const int64_t n = s.n_layer;
        if (i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2)
            return TensorType::Q6_K;
    }
    return TensorType::Q4_K;
}

Status write_test_model(const std::string& path, const TestModelSpec& s)
{
    const TensorType main_type = s.mix == TestModelMix::Q4_K_M ? TensorType::Q4_K : s.type;
    const kernels::TypeTraits* tr = kernels::type_traits(static_cast<uint32_t>(main_type));
    if (!tr || !tr->supported || !kernels::has_quantizer_ref(main_type))
        return make_error("test model: unsupported weight type");
    if (s.n_embd < 1 || s.n_layer < 1 || s.n_head < 1 || s.n_head_kv < 1 || s.n_ff < 1 || s.n_ctx < 1 || s.head_dim < 0)
        return make_error("test model: every size must be positive");
    if (s.n_head % s.n_head_kv != 0)
        return make_error("test model: n_head_kv " + std::to_string(s.n_head_kv) + " does not divide n_head " +
                          std::to_string(s.n_head));
    if (s.head_dim == 0 && s.n_embd % s.n_head != 0)
        return make_error("test model: n_embd is not divisible by n_head; give head_dim");
    const int64_t head_dim = s.head_dim ? s.head_dim : s.n_embd / s.n_head;
    const int64_t q_dim = s.n_head * head_dim, kv_dim = s.n_head_kv * head_dim;
    const int64_t n_ff_exp = s.n_ff_exp ? s.n_ff_exp : s.n_ff;
    if (s.n_expert < 0 || s.n_expert_used < 0 || s.n_ff_exp < 0)
        return make_error("test model: expert counts must not be negative");
    if (s.n_expert > 0 && (s.n_expert_used < 1 || s.n_expert_used > s.n_expert))
        return make_error("test model: experts used per token must be 1 to the expert count");
    if (s.n_expert > 0 && s.arch != "llama" && s.arch != "qwen3moe")
        return make_error("test model: experts are for 'llama' and 'qwen3moe' only");
    if (s.arch == "llama" && s.n_ff_exp != 0 && s.n_ff_exp != s.n_ff)
        return make_error("test model: a 'llama' file's experts have n_ff rows (only qwen3moe has its own expert "
                          "feed-forward length)");
    if (s.arch == "qwen3moe" && s.n_expert == 0)
        return make_error("test model: qwen3moe needs experts (n_expert > 0)");
    // Row lengths (ggml ne[0]) of the 2-D weights: n_embd, n_ff and q_dim (attn_output).
    for (int64_t cols : {s.n_embd, s.n_expert > 0 ? n_ff_exp : s.n_ff, q_dim})
        if (cols % tr->block_size != 0)
            return make_error(std::string("test model: ") + tr->name +
                              " needs n_embd, n_ff and n_head*head_dim to be "
                              "multiples of " +
                              std::to_string(tr->block_size) + ", got " + std::to_string(cols));

    VocabData synthetic;
    const VocabData* vocab = s.vocab;
    if (!vocab) {
        auto v = make_synthetic_vocab(s.n_vocab ? s.n_vocab : 512);
        if (!v)
            return v.error();
        synthetic = std::move(*v);
        vocab = &synthetic;
    }
    const int64_t n_vocab = static_cast<int64_t>(vocab->tokens.size());
    if (s.n_vocab != 0 && s.n_vocab != n_vocab)
        return make_error("test model: n_vocab " + std::to_string(s.n_vocab) + " differs from the vocabulary's " +
                          std::to_string(n_vocab) + " tokens");

    if (s.arch != "llama" && s.arch != "qwen2" && s.arch != "qwen3" && s.arch != "qwen3moe" && s.arch != "phi3" &&
        s.arch != "gemma2" && s.arch != "gemma3")
        return make_error("test model: unknown architecture '" + s.arch +
                          "' (llama, qwen2, qwen3, qwen3moe, phi3, gemma2, gemma3)");
    const bool gemma = s.arch == "gemma2" || s.arch == "gemma3";
    const int64_t n_rot = s.n_rot ? s.n_rot : head_dim;
    if (n_rot < 2 || n_rot > head_dim || n_rot % 2 != 0)
        return make_error("test model: n_rot must be even and at most head_dim");
    const std::string a = s.arch + ".";
    GGUFWriter w;
    w.add_string("general.architecture", s.arch);
    w.add_string("general.name", "causerie-test-model");
    w.add_u32("general.file_type", s.mix == TestModelMix::Q4_K_M ? 15u : file_type_of(s.type));
    w.add_u32(a + "context_length", static_cast<uint32_t>(s.n_ctx));
    w.add_u32(a + "embedding_length", static_cast<uint32_t>(s.n_embd));
    w.add_u32(a + "block_count", static_cast<uint32_t>(s.n_layer));
    w.add_u32(a + "feed_forward_length", static_cast<uint32_t>(s.n_ff));
    w.add_u32(a + "attention.head_count", static_cast<uint32_t>(s.n_head));
    w.add_u32(a + "attention.head_count_kv", static_cast<uint32_t>(s.n_head_kv));
    if (s.head_dim) {
        w.add_u32(a + "attention.key_length", static_cast<uint32_t>(head_dim));
        w.add_u32(a + "attention.value_length", static_cast<uint32_t>(head_dim));
    }
    w.add_u32(a + "rope.dimension_count", static_cast<uint32_t>(n_rot));
    w.add_f32(a + "rope.freq_base", s.rope_freq_base);
    if (s.n_ctx_orig > 0)
        w.add_u32(a + "rope.scaling.original_context_length", static_cast<uint32_t>(s.n_ctx_orig));
    if (s.rope_attn_factor > 0.0f)
        w.add_f32(a + "rope.scaling.attn_factor", s.rope_attn_factor);
    if (s.n_swa > 0)
        w.add_u32(a + "attention.sliding_window", static_cast<uint32_t>(s.n_swa));
    if (s.swa_pattern > 0)
        w.add_u32(a + "attention.sliding_window_pattern", static_cast<uint32_t>(s.swa_pattern));
    if (s.rope_freq_base_swa > 0.0f)
        w.add_f32(a + "rope.freq_base_swa", s.rope_freq_base_swa);
    if (s.rope_scaling_factor > 0.0f) {
        w.add_string(a + "rope.scaling.type", "linear");
        w.add_f32(a + "rope.scaling.factor", s.rope_scaling_factor);
    }
    if (s.attn_softcap > 0.0f)
        w.add_f32(a + "attn_logit_softcapping", s.attn_softcap);
    if (s.final_softcap > 0.0f)
        w.add_f32(a + "final_logit_softcapping", s.final_softcap);
    if (s.n_expert > 0) {
        w.add_u32(a + "expert_count", static_cast<uint32_t>(s.n_expert));
        w.add_u32(a + "expert_used_count", static_cast<uint32_t>(s.n_expert_used));
        if (s.arch == "qwen3moe")
            w.add_u32(a + "expert_feed_forward_length", static_cast<uint32_t>(n_ff_exp));
    }
    w.add_f32(a + "attention.layer_norm_rms_epsilon", s.rms_eps);
    w.add_u32(a + "vocab_size", static_cast<uint32_t>(n_vocab));
    if (s.pooling_type >= 0)
        w.add_u32(a + "pooling_type", static_cast<uint32_t>(s.pooling_type));

    w.add_string("tokenizer.ggml.model", vocab->model.empty() ? "llama" : vocab->model);
    w.add_string_array("tokenizer.ggml.tokens", vocab->tokens);
    if (!vocab->scores.empty())
        w.add_f32_array("tokenizer.ggml.scores", vocab->scores);
    if (!vocab->token_types.empty())
        w.add_i32_array("tokenizer.ggml.token_type", vocab->token_types);
    if (!vocab->merges.empty())
        w.add_string_array("tokenizer.ggml.merges", vocab->merges);
    if (vocab->bos_id >= 0)
        w.add_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(vocab->bos_id));
    if (vocab->eos_id >= 0)
        w.add_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(vocab->eos_id));
    if (vocab->unk_id >= 0)
        w.add_u32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(vocab->unk_id));
    if (vocab->pad_id >= 0)
        w.add_u32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(vocab->pad_id));
    w.add_bool("tokenizer.ggml.add_bos_token", vocab->add_bos);
    w.add_bool("tokenizer.ggml.add_eos_token", vocab->add_eos || s.add_eos);
    const std::string& tmpl = s.chat_template.empty() ? vocab->chat_template : s.chat_template;
    if (!tmpl.empty())
        w.add_string("tokenizer.chat_template", tmpl);

    // Matrices ~ N(0, 0.05): small enough that activations stay O(1) through a few layers at
    // n_embd 64..512, large enough that logits differ clearly between tokens. Norm gains ~ 1.
    constexpr double kMatStd = 0.05, kEmbdStd = 0.1, kNormStd = 0.05, kBiasStd = 0.5;
    auto matrix = [&](const std::string& name, int64_t rows, int64_t cols, double std) {
        const TensorType t = test_model_tensor_type(s, name);
        w.add_tensor(name, t, {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)},
                     random_tensor(t, rows, cols, 0.0, std, s.seed ^ name_hash(name)));
    };
    auto experts = [&](const std::string& name, int64_t rows, int64_t cols) {
        const TensorType t = test_model_tensor_type(s, name);
        w.add_tensor(name, t,
                     {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows), static_cast<uint64_t>(s.n_expert)},
                     random_tensor(t, s.n_expert * rows, cols, 0.0, kMatStd, s.seed ^ name_hash(name)));
    };
    auto vector = [&](const std::string& name, int64_t len, double mean, double std) {
        w.add_tensor(name, TensorType::F32, {static_cast<uint64_t>(len)},
                     random_tensor(TensorType::F32, 1, len, mean, std, s.seed ^ name_hash(name)));
    };
    auto norm = [&](const std::string& name) { vector(name, s.n_embd, 1.0, kNormStd); };
    // Gemma multiplies embeddings by sqrt(n_embd) and its head is the embedding table: smaller
    // values keep a token's own embedding from dominating the residual stream (every next token
    // would be the last one).
    matrix("token_embd.weight", n_vocab, s.n_embd, gemma ? 0.02 : kEmbdStd);
    for (int64_t il = 0; il < s.n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        norm(p + "attn_norm.weight");
        if (s.arch == "phi3") {
            matrix(p + "attn_qkv.weight", q_dim + 2 * kv_dim, s.n_embd, kMatStd);
        } else {
            matrix(p + "attn_q.weight", q_dim, s.n_embd, kMatStd);
            matrix(p + "attn_k.weight", kv_dim, s.n_embd, kMatStd);
            matrix(p + "attn_v.weight", kv_dim, s.n_embd, kMatStd);
        }
        if (s.arch == "qwen2") {   // biases large enough to move the logits clearly
            vector(p + "attn_q.bias", q_dim, 0.0, kBiasStd);
            vector(p + "attn_k.bias", kv_dim, 0.0, kBiasStd);
            vector(p + "attn_v.bias", kv_dim, 0.0, kBiasStd);
        }
        if (s.arch == "qwen3" || s.arch == "qwen3moe" || s.arch == "gemma3") {
            vector(p + "attn_q_norm.weight", head_dim, 1.0, kNormStd);
            vector(p + "attn_k_norm.weight", head_dim, 1.0, kNormStd);
        }
        matrix(p + "attn_output.weight", s.n_embd, q_dim, kMatStd);
        if (gemma)
            norm(p + "post_attention_norm.weight");
        norm(p + "ffn_norm.weight");
        if (s.n_expert > 0) {   // expert e's matrix is rows [e*rows, (e+1)*rows) of the 3-D tensor
            matrix(p + "ffn_gate_inp.weight", s.n_expert, s.n_embd, kMatStd);
            experts(p + "ffn_gate_exps.weight", n_ff_exp, s.n_embd);
            experts(p + "ffn_up_exps.weight", n_ff_exp, s.n_embd);
            experts(p + "ffn_down_exps.weight", s.n_embd, n_ff_exp);
        } else if (s.arch == "phi3") {
            matrix(p + "ffn_up.weight", 2 * s.n_ff, s.n_embd, kMatStd);
        } else {
            matrix(p + "ffn_gate.weight", s.n_ff, s.n_embd, kMatStd);
            matrix(p + "ffn_up.weight", s.n_ff, s.n_embd, kMatStd);
        }
        if (s.n_expert == 0)
            matrix(p + "ffn_down.weight", s.n_embd, s.n_ff, kMatStd);
        if (gemma)
            norm(p + "post_ffw_norm.weight");
    }
    norm("output_norm.weight");
    if (!s.tied_output && !gemma)   // Gemma files always reuse the embeddings as the head
        matrix("output.weight", n_vocab, s.n_embd, kMatStd);
    auto factors = [&](const char* name, const std::vector<float>& v) -> Status {
        if (v.empty())
            return Ok{};
        if (int64_t(v.size()) * 2 != n_rot)
            return make_error(std::string(name) + " has " + std::to_string(v.size()) +
                              " entries, expected n_rot/2 = " + std::to_string(n_rot / 2));
        std::vector<uint8_t> bytes(v.size() * sizeof(float));
        std::memcpy(bytes.data(), v.data(), bytes.size());
        w.add_tensor(name, TensorType::F32, {static_cast<uint64_t>(v.size())}, std::move(bytes));
        return Ok{};
    };
    if (auto st = factors("rope_factors_long.weight", s.rope_factors_long); !st)
        return st;
    if (auto st = factors("rope_factors_short.weight", s.rope_factors_short); !st)
        return st;
    if (!s.rope_freq_factors.empty()) {
        if (int64_t(s.rope_freq_factors.size()) * 2 != head_dim)
            return make_error("rope_freq_factors has " + std::to_string(s.rope_freq_factors.size()) +
                              " entries, expected head_dim/2 = " + std::to_string(head_dim / 2));
        std::vector<uint8_t> bytes(s.rope_freq_factors.size() * sizeof(float));
        std::memcpy(bytes.data(), s.rope_freq_factors.data(), bytes.size());
        w.add_tensor("rope_freqs.weight", TensorType::F32, {static_cast<uint64_t>(s.rope_freq_factors.size())},
                     std::move(bytes));
    }
    return w.write_file(path);
}

std::vector<float> longrope_test_factors(int64_t n_pairs, bool long_factors)
{
    std::vector<float> out;
    for (int64_t i = 0; i < n_pairs; ++i) {
        const double r = double(i) / double(n_pairs);
        out.push_back(float(long_factors ? 1.0 + 15.0 * r * r : 1.0 + 0.25 * r));
    }
    return out;
}

std::vector<float> llama3_rope_freq_factors(int64_t head_dim, float freq_base, float factor, float low_freq_factor,
                                            float high_freq_factor, float original_ctx)
{
    const double low_wavelen = double(original_ctx) / low_freq_factor;
    const double high_wavelen = double(original_ctx) / high_freq_factor;
    std::vector<float> out;
    for (int64_t i = 0; i < head_dim; i += 2) {
        const double freq = std::pow(double(freq_base), -double(i) / double(head_dim));
        const double wavelen = 2.0 * M_PI / freq;
        if (wavelen < high_wavelen) {
            out.push_back(1.0f);
        } else if (wavelen > low_wavelen) {
            out.push_back(factor);
        } else {
            const double smooth = (original_ctx / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
            out.push_back(float(1.0 / ((1.0 - smooth) / factor + smooth)));
        }
    }
    return out;
}

}   // namespace causerie
