// Model-level validation of a GGUF already checked as a container by GGUFFile: architecture,
// hyper-parameters, vocabulary and the presence, type and shape of every weight.
#include "model.h"

#include "display_text.h"

#include <map>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <variant>

namespace causerie {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

// Upper bounds far above any real model, low enough that products of them cannot overflow
// (n_embd * n_vocab < 2^63) and that a corrupt value is caught here rather than in an allocation.
constexpr int64_t kMaxEmbd = 1 << 16;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxHeads = 1024;
constexpr int64_t kMaxHeadDim = 1024;
constexpr int64_t kMaxFF = 1 << 20;
constexpr int64_t kMaxCtx = 1 << 24;
constexpr int64_t kMaxVocab = 1 << 22;
// Experts per layer: Mixtral has 8, Qwen3-30B-A3B 128, the largest published MoE models 384.
constexpr int64_t kMaxExperts = 1024;

// A value read into `out`, or the error that reading it gave (then `out` is untouched).
template <class T, class U>
Status assign(Result<T> r, U& out)
{
    if (!r)
        return r.error();
    out = *r;
    return Ok{};
}

Result<int64_t> required_int(const GGUFFile& f, const std::string& key, int64_t lo, int64_t hi)
{
    auto v = f.get_uint(key);
    if (!v)
        return v.error();
    if (*v < static_cast<uint64_t>(lo) || *v > static_cast<uint64_t>(hi))
        return make_error("metadata key '" + key + "' is " + std::to_string(*v) + ", expected " + str(lo) + " to " +
                          str(hi));
    return static_cast<int64_t>(*v);
}

Result<int64_t> optional_int(const GGUFFile& f, const std::string& key, int64_t lo, int64_t hi, int64_t fallback)
{
    if (!f.find(key))
        return fallback;
    return required_int(f, key, lo, hi);
}

Result<float> positive_float(const GGUFFile& f, const std::string& key, double hi)
{
    auto v = f.get_float(key);
    if (!v)
        return v.error();
    if (!std::isfinite(*v) || *v <= 0.0 || *v > hi)
        return make_error("metadata key '" + key + "' is " + std::to_string(*v) +
                          ", expected a positive number up to " + std::to_string(hi));
    return static_cast<float>(*v);
}

// An optional key read into `out`, which keeps its value when the file lacks the key; a key of
// another type is an error.
template <typename T>
Status read_optional(const GGUFFile& f, const std::string& key, T& out)
{
    if (!f.find(key))
        return Ok{};
    Result<T> v = [&] {
        if constexpr (std::is_same_v<T, bool>)
            return f.get_bool(key);
        else
            return f.get_string(key);
    }();
    if (!v)
        return v.error();
    out = std::move(*v);
    return Ok{};
}

// A token id key: absent (or negative, which some converters write for "none") gives -1.
Result<int32_t> token_id(const GGUFFile& f, const std::string& key, int32_t fallback, size_t n_tokens)
{
    const GGUFValue* v = f.find(key);
    if (!v)
        return fallback;
    const bool is_signed =
        v->type == GGUFType::I8 || v->type == GGUFType::I16 || v->type == GGUFType::I32 || v->type == GGUFType::I64;
    if (is_signed && v->i < 0)
        return -1;
    auto u = f.get_uint(key);
    if (!u)
        return u.error();
    if (*u >= n_tokens)
        return make_error("metadata key '" + key + "' is " + std::to_string(*u) + ", outside the vocabulary of " +
                          std::to_string(n_tokens) + " tokens");
    return static_cast<int32_t>(*u);
}

std::string shape_str(const int64_t* ne, int n)
{
    std::string s = "[";
    for (int i = 0; i < n; ++i)
        s += (i ? ", " : "") + str(ne[i]);
    return s + "]";
}

// Finds `name` and checks it is cols x rows (ggml ne[0] = cols) or 1-D of `cols` when rows == 0.
// `dims` says in words where the expected shape comes from.
Result<Weight> get_weight(const GGUFFile& f, const std::string& name, int64_t rows, int64_t cols,
                          const std::string& dims)
{
    const GGUFTensor* t = f.tensor(name);
    if (!t)
        return make_error("missing tensor '" + name + "'");
    const bool is_norm = rows == 0;
    const int64_t want[4] = {cols, is_norm ? 1 : rows, 1, 1};
    if (t->ne[0] != want[0] || t->ne[1] != want[1] || t->ne[2] != 1 || t->ne[3] != 1)
        return make_error("tensor '" + name + "' has shape " + shape_str(t->ne, t->n_dims) + ", expected " +
                          (is_norm ? shape_str(want, 1) : shape_str(want, 2)) + " (" + dims + ")");
    if (is_norm && t->type != kernels::TensorType::F32) {
        const kernels::TypeTraits* tr = kernels::type_traits(static_cast<uint32_t>(t->type));
        return make_error("tensor '" + name + "' has type " + (tr ? tr->name : "?") +
                          ", 1-D weights (norms, RoPE factors) must be F32");
    }
    // Kernels read F32 rows as float* and block scales as uint16_t: a tiny general.alignment
    // (1 or 2) could otherwise hand them misaligned pointers.
    const size_t need = t->type == kernels::TensorType::F32 ? 4 : 2;
    if (reinterpret_cast<uintptr_t>(t->data) % need != 0)
        return make_error("tensor '" + name + "' data at offset " + std::to_string(t->offset) + " is not " +
                          std::to_string(need) + "-byte aligned (general.alignment is too small)");
    Weight w;
    w.type = t->type;
    w.data = t->data;
    w.rows = is_norm ? 1 : rows;
    w.cols = cols;
    w.row_bytes = kernels::row_bytes(t->type, cols);
    w.name = t->name.c_str();
    return w;
}

// The 3-D weight `name` of a mixture of experts: n_expert matrices of rows x cols, one after the
// other (ggml ne = [cols, rows, n_expert]), as one view per expert.
Result<std::vector<Weight>> get_expert_weights(const GGUFFile& f, const std::string& name, int64_t n_expert,
                                               int64_t rows, int64_t cols, const std::string& dims)
{
    const GGUFTensor* t = f.tensor(name);
    if (!t) {
        // Files converted before April 2024 hold one tensor per expert (blk.N.ffn_gate.E.weight),
        // which llama.cpp no longer reads either.
        const std::string legacy = name.substr(0, name.find("_exps")) + ".0.weight";
        if (f.tensor(legacy))
            return make_error("missing tensor '" + name + "': the file keeps one tensor per expert ('" + legacy +
                              "'), an older layout; convert the model again with a current llama.cpp");
        return make_error("missing tensor '" + name + "'");
    }
    const int64_t want[3] = {cols, rows, n_expert};
    if (t->ne[0] != want[0] || t->ne[1] != want[1] || t->ne[2] != want[2] || t->ne[3] != 1)
        return make_error("tensor '" + name + "' has shape " + shape_str(t->ne, t->n_dims) + ", expected " +
                          shape_str(want, 3) + " (" + dims + ")");
    if (reinterpret_cast<uintptr_t>(t->data) % (t->type == kernels::TensorType::F32 ? 4 : 2) != 0)
        return make_error("tensor '" + name + "' data at offset " + std::to_string(t->offset) +
                          " is not aligned (general.alignment is too small)");
    const size_t row_bytes = kernels::row_bytes(t->type, cols);
    // Each expert's slice must start aligned too: F32 rows are 4-byte multiples, block rows even.
    std::vector<Weight> out(static_cast<size_t>(n_expert));
    for (int64_t e = 0; e < n_expert; ++e) {
        Weight& w = out[size_t(e)];
        w.type = t->type;
        w.data = t->data + size_t(e) * size_t(rows) * row_bytes;
        w.rows = rows;
        w.cols = cols;
        w.row_bytes = row_bytes;
        w.name = t->name.c_str();
    }
    return out;
}

// A soft-capping value: absent gives `fallback`; present, a positive number.
Result<float> softcap(const GGUFFile& f, const std::string& key, float fallback)
{
    if (!f.find(key))
        return fallback;
    return positive_float(f, key, 1e6);
}

// Gemma 2/3 (after the common keys): embedding scale, GELU, soft-capping, the sliding window and
// which layers use it, local/global RoPE, the query scale. llama.cpp's defaults where a key is
// absent: gemma2 slides every other layer (window 4096) and caps attention at 50 and logits at
// 30; gemma3 slides 5 layers of 6 when the file gives a window and caps nothing.
Status read_gemma_hparams(const GGUFFile& f, HParams& hp)
{
    const std::string a = hp.architecture + ".";
    const bool g2 = hp.architecture == "gemma2";
    hp.rope_neox = true;
    hp.ffn_gelu = true;
    hp.embd_scale = std::sqrt(float(hp.n_embd));
    auto attn_cap = softcap(f, a + "attn_logit_softcapping", g2 ? 50.0f : 0.0f);
    if (!attn_cap)
        return attn_cap.error();
    hp.attn_softcap = g2 ? *attn_cap : 0.0f;   // llama.cpp's gemma3 never caps attention
    if (auto st = assign(softcap(f, a + "final_logit_softcapping", g2 ? 30.0f : 0.0f), hp.final_softcap); !st)
        return st;

    const std::string window_key = a + "attention.sliding_window";
    if (f.find(window_key)) {
        if (auto st = assign(required_int(f, window_key, 1, kMaxCtx), hp.n_swa); !st)
            return st;
    } else {
        hp.n_swa = g2 ? 4096 : 0;
    }
    if (hp.n_swa > 0) {
        auto pattern = optional_int(f, a + "attention.sliding_window_pattern", 1, kMaxLayers, g2 ? 2 : 6);
        if (!pattern)
            return pattern.error();
        hp.layer_swa.resize(size_t(hp.n_layer));
        for (int64_t l = 0; l < hp.n_layer; ++l)   // the last layer of every pattern attends to all
            hp.layer_swa[size_t(l)] = l % *pattern < *pattern - 1;
    }
    hp.rope_freq_base_swa = g2 ? hp.rope_freq_base : 10000.0f;
    if (f.find(a + "rope.freq_base_swa")) {
        if (auto st = assign(positive_float(f, a + "rope.freq_base_swa", 1e12), hp.rope_freq_base_swa); !st)
            return st;
    }
    for (const char* key : {"rope.scaling.factor", "rope.scale_linear"}) {
        if (!f.find(a + key))
            continue;
        auto factor = positive_float(f, a + key, 1e6);
        if (!factor)
            return factor.error();
        hp.rope_freq_scale = 1.0f / *factor;
        break;
    }
    // query_pre_attn_scalar: head_dim, except the 27B models (n_embd / n_head), which llama.cpp
    // recognises by their layer count as the GGUF has no key for it.
    const bool is_27b = hp.n_layer == (g2 ? 46 : 62);
    hp.q_prescale = 1.0f / std::sqrt(float(is_27b ? hp.n_embd / hp.n_head : hp.head_dim));
    return Ok{};
}

// Mixture of experts: 'qwen3moe' always, 'llama' when expert_count is present and not 0
// (Mixtral). A 'llama' file saying 0 experts is dense, unless it carries a router.
Status read_expert_hparams(const GGUFFile& f, HParams& hp)
{
    const std::string a = hp.architecture + ".";
    const bool qwen3moe = hp.architecture == "qwen3moe";
    if (hp.architecture != "llama" && !qwen3moe)
        return Ok{};
    const std::string count_key = a + "expert_count";
    if (!qwen3moe) {
        auto n = optional_int(f, count_key, 0, kMaxExperts, 0);
        if (!n)
            return n.error();
        if (*n == 0) {
            if (f.tensor("blk.0.ffn_gate_inp.weight"))
                return make_error("metadata key '" + count_key + "' is " + (f.find(count_key) ? "0" : "absent") +
                                  " but the file has expert tensors (blk.0.ffn_gate_inp.weight)");
            return Ok{};
        }
    }
    if (auto st = assign(required_int(f, count_key, 1, kMaxExperts), hp.n_expert); !st)
        return st;
    if (auto st = assign(required_int(f, a + "expert_used_count", 1, hp.n_expert), hp.n_expert_used); !st)
        return st;
    if (!qwen3moe) {
        hp.n_ff_exp = hp.n_ff;
        return Ok{};
    }
    // llama.cpp would guess n_ff / n_expert_used; every published file has the key.
    return assign(required_int(f, a + "expert_feed_forward_length", 1, kMaxFF), hp.n_ff_exp);
}

Status read_hparams(const GGUFFile& f, HParams& hp)
{
    auto arch = f.get_string("general.architecture");
    if (!arch)
        return arch.error();
    if (*arch != "llama" && *arch != "qwen2" && *arch != "qwen3" && *arch != "qwen3moe" && *arch != "phi3" &&
        *arch != "gemma2" && *arch != "gemma3")
        return make_error("unsupported architecture '" + sanitize_display_text(*arch, 80) +
                          "' (Causerie runs 'llama' (Mistral 7B, Mixtral, Mistral Nemo, Llama 2 and 3.x, SmolLM2), "
                          "'qwen2' (Qwen 2.5, DeepSeek-R1-Distill-Qwen), 'qwen3' and 'qwen3moe' (Qwen3), 'phi3' "
                          "(Phi-3, Phi-3.5, Phi-4-mini), 'gemma2' and 'gemma3' models)");
    hp.architecture = *arch;
    hp.rope_neox = *arch != "llama";
    if (f.find("general.name")) {
        auto name = f.get_string("general.name");
        if (!name)
            return name.error();
        hp.name = sanitize_display_text(*name, kMaxDisplayNameChars);   // shown as is by the CLI and the app
    }
    const std::string a = hp.architecture + ".";
    auto need = [&](const std::string& key, int64_t lo, int64_t hi, int64_t& out) {
        return assign(required_int(f, a + key, lo, hi), out);
    };
    for (auto st :
         {need("embedding_length", 1, kMaxEmbd, hp.n_embd), need("block_count", 1, kMaxLayers, hp.n_layer),
          need("attention.head_count", 1, kMaxHeads, hp.n_head), need("feed_forward_length", 1, kMaxFF, hp.n_ff),
          need("context_length", 1, kMaxCtx, hp.n_ctx_train)})
        if (!st)
            return st.error();

    if (auto st = assign(positive_float(f, a + "attention.layer_norm_rms_epsilon", 1.0), hp.rms_eps); !st)
        return st;

    if (auto st = assign(optional_int(f, a + "attention.head_count_kv", 1, hp.n_head, hp.n_head), hp.n_head_kv); !st)
        return st;
    if (hp.n_head % hp.n_head_kv != 0)
        return make_error("metadata key '" + a + "attention.head_count_kv' is " + str(hp.n_head_kv) +
                          ", which does not divide head_count " + str(hp.n_head));

    if (f.find(a + "attention.key_length")) {
        if (auto st = assign(required_int(f, a + "attention.key_length", 1, kMaxHeadDim), hp.head_dim); !st)
            return st;
    } else {
        if (hp.n_embd % hp.n_head != 0)
            return make_error("embedding_length " + str(hp.n_embd) + " is not divisible by head_count " +
                              str(hp.n_head) + " and '" + a + "attention.key_length' is absent");
        hp.head_dim = hp.n_embd / hp.n_head;
    }
    if (auto st = assign(optional_int(f, a + "attention.value_length", 1, kMaxHeadDim, hp.head_dim), hp.value_dim); !st)
        return st;

    if (auto st = assign(optional_int(f, a + "rope.dimension_count", 2, hp.head_dim, hp.head_dim), hp.n_rot); !st)
        return st;
    if (hp.n_rot % 2 != 0)
        return make_error("metadata key '" + a + "rope.dimension_count' is " + str(hp.n_rot) +
                          ", expected an even number");

    if (f.find(a + "rope.freq_base")) {
        if (auto st = assign(positive_float(f, a + "rope.freq_base", 1e12), hp.rope_freq_base); !st)
            return st;
    }
    if (hp.architecture == "phi3") {
        // LongRoPE: which factors serve which context, and the cos/sin scale. Attention scales the
        // queries before the product, as llama.cpp's phi3 graph does.
        if (auto st = assign(optional_int(f, a + "rope.scaling.original_context_length", 1, kMaxCtx, 0), hp.n_ctx_orig);
            !st)
            return st;
        if (f.find(a + "rope.scaling.attn_factor")) {
            if (auto st = assign(positive_float(f, a + "rope.scaling.attn_factor", 100.0), hp.rope_attn_factor); !st)
                return st;
        }
        hp.q_prescale = 1.0f / std::sqrt(float(hp.head_dim));
    }
    if (hp.architecture == "gemma2" || hp.architecture == "gemma3") {
        if (auto st = read_gemma_hparams(f, hp); !st)
            return st;
    }
    if (auto st = read_expert_hparams(f, hp); !st)
        return st;
    if (f.find("general.file_type")) {
        auto ft = f.get_uint("general.file_type");
        if (!ft)
            return ft.error();
        hp.file_type = static_cast<uint32_t>(std::min<uint64_t>(*ft, std::numeric_limits<uint32_t>::max()));
    }
    return Ok{};
}

Status read_weights(const GGUFFile& f, Model& m)
{
    const HParams& hp = m.hp;
    const int64_t q_dim = hp.n_head * hp.head_dim;
    const int64_t k_dim = hp.n_head_kv * hp.head_dim;
    const int64_t v_dim = hp.n_head_kv * hp.value_dim;
    const int64_t o_dim = hp.n_head * hp.value_dim;

    if (auto st = assign(get_weight(f, "token_embd.weight", hp.n_vocab, hp.n_embd, "n_embd x n_vocab"), m.tok_embd);
        !st)
        return st;
    if (auto st = assign(get_weight(f, "output_norm.weight", 0, hp.n_embd, "n_embd"), m.output_norm); !st)
        return st;
    if (f.tensor("output.weight")) {
        if (auto st = assign(get_weight(f, "output.weight", hp.n_vocab, hp.n_embd, "n_embd x n_vocab"), m.output); !st)
            return st;
        m.tied_output = false;
    } else {
        m.output = m.tok_embd;
        m.tied_output = true;
    }

    // RoPE frequency factors: n_rot/2 positive F32 values.
    auto rope_factors = [&](const std::string& name, const float** out) -> Status {
        Weight freqs;
        if (auto st = assign(get_weight(f, name, 0, hp.n_rot / 2, "n_rot/2"), freqs); !st)
            return st;
        const float* factors = static_cast<const float*>(freqs.data);
        for (int64_t i = 0; i < hp.n_rot / 2; ++i)
            if (!std::isfinite(factors[i]) || factors[i] <= 0.0f)
                return make_error("tensor '" + name + "': entry " + str(i) + " is " + std::to_string(factors[i]) +
                                  ", expected a positive number (a RoPE frequency factor)");
        *out = factors;
        return Ok{};
    };
    if (f.tensor("rope_freqs.weight"))
        if (auto st = rope_factors("rope_freqs.weight", &m.rope_freq_factors); !st)
            return st;
    const bool has_long = f.tensor("rope_factors_long.weight"), has_short = f.tensor("rope_factors_short.weight");
    if (has_long != has_short)
        return make_error(
            std::string("tensor '") + (has_long ? "rope_factors_long.weight" : "rope_factors_short.weight") +
            "' is present without '" + (has_long ? "rope_factors_short.weight" : "rope_factors_long.weight") +
            "' (LongRoPE needs both)");
    if (has_long) {
        if (auto st = rope_factors("rope_factors_long.weight", &m.rope_factors_long); !st)
            return st;
        if (auto st = rope_factors("rope_factors_short.weight", &m.rope_factors_short); !st)
            return st;
    }

    m.layers.resize(static_cast<size_t>(hp.n_layer));
    for (int64_t il = 0; il < hp.n_layer; ++il) {
        LayerWeights& L = m.layers[static_cast<size_t>(il)];
        const std::string p = "blk." + str(il) + ".";
        auto plain = [&](const char* name, int64_t rows, int64_t cols, const char* dims, Weight& out) {
            return assign(get_weight(f, p + name, rows, cols, dims), out);
        };
        // Rows [row0, row0 + rows) of a fused weight.
        auto view = [](const Weight& fused, int64_t row0, int64_t rows) {
            Weight w = fused;
            w.data = static_cast<const char*>(fused.data) + size_t(row0) * fused.row_bytes;
            w.rows = rows;
            return w;
        };
        if (auto st = plain("attn_norm.weight", 0, hp.n_embd, "n_embd", L.attn_norm); !st)
            return st;
        if (f.tensor(p + "attn_qkv.weight")) {   // phi3: Q, K, V rows one after the other
            Weight qkv;
            if (auto st = assign(get_weight(f, p + "attn_qkv.weight", q_dim + k_dim + v_dim, hp.n_embd,
                                            "n_embd x (n_head + 2*n_head_kv)*head_dim"),
                                 qkv);
                !st)
                return st;
            L.wq = view(qkv, 0, q_dim);
            L.wk = view(qkv, q_dim, k_dim);
            L.wv = view(qkv, q_dim + k_dim, v_dim);
        } else {
            if (auto st = plain("attn_q.weight", q_dim, hp.n_embd, "n_embd x n_head*head_dim", L.wq); !st)
                return st;
            if (auto st = plain("attn_k.weight", k_dim, hp.n_embd, "n_embd x n_head_kv*head_dim", L.wk); !st)
                return st;
            if (auto st = plain("attn_v.weight", v_dim, hp.n_embd, "n_embd x n_head_kv*value_dim", L.wv); !st)
                return st;
        }
        if (auto st = plain("attn_output.weight", hp.n_embd, o_dim, "n_head*value_dim x n_embd", L.wo); !st)
            return st;
        if (auto st = plain("ffn_norm.weight", 0, hp.n_embd, "n_embd", L.ffn_norm); !st)
            return st;
        if (hp.n_expert > 0) {   // the router and the experts' 3-D tensors
            if (auto st = plain("ffn_gate_inp.weight", hp.n_expert, hp.n_embd, "n_embd x n_expert", L.ffn_gate_inp);
                !st)
                return st;
            const struct {
                const char* name;
                int64_t rows, cols;
                const char* dims;
                std::vector<Weight>* out;
            } experts[] = {
                {"ffn_gate_exps.weight", hp.n_ff_exp, hp.n_embd, "n_embd x n_ff_exp x n_expert", &L.gate_exps},
                {"ffn_up_exps.weight", hp.n_ff_exp, hp.n_embd, "n_embd x n_ff_exp x n_expert", &L.up_exps},
                {"ffn_down_exps.weight", hp.n_embd, hp.n_ff_exp, "n_ff_exp x n_embd x n_expert", &L.down_exps},
            };
            for (const auto& e : experts) {
                auto w = get_expert_weights(f, p + e.name, hp.n_expert, e.rows, e.cols, e.dims);
                if (!w)
                    return w.error();
                *e.out = std::move(*w);
            }
        } else if (hp.architecture == "phi3") {   // ffn_up holds the gate rows, then the up rows
            Weight up;
            if (auto st = assign(get_weight(f, p + "ffn_up.weight", 2 * hp.n_ff, hp.n_embd, "n_embd x 2*n_ff"), up);
                !st)
                return st;
            L.w_gate = view(up, 0, hp.n_ff);
            L.w_up = view(up, hp.n_ff, hp.n_ff);
        } else {
            if (auto st = assign(get_weight(f, p + "ffn_gate.weight", hp.n_ff, hp.n_embd, "n_embd x n_ff"), L.w_gate);
                !st)
                return st;
            if (auto st = assign(get_weight(f, p + "ffn_up.weight", hp.n_ff, hp.n_embd, "n_embd x n_ff"), L.w_up); !st)
                return st;
        }
        if (hp.n_expert == 0)
            if (auto st = plain("ffn_down.weight", hp.n_embd, hp.n_ff, "n_ff x n_embd", L.w_down); !st)
                return st;
        // Q/K/V biases: qwen2 files carry them; like llama.cpp, any architecture may (and none must).
        const struct {
            const char* name;
            int64_t len;
            const char* dims;
            Weight* out;
        } biases[] = {
            {"attn_q.bias", q_dim, "n_head*head_dim", &L.bq},
            {"attn_k.bias", k_dim, "n_head_kv*head_dim", &L.bk},
            {"attn_v.bias", v_dim, "n_head_kv*value_dim", &L.bv},
        };
        for (const auto& b : biases)
            if (f.tensor(p + b.name))
                if (auto st = assign(get_weight(f, p + b.name, 0, b.len, b.dims), *b.out); !st)
                    return st;
        if (hp.architecture == "gemma2" || hp.architecture == "gemma3") {
            if (auto st = plain("post_attention_norm.weight", 0, hp.n_embd, "n_embd", L.attn_post_norm); !st)
                return st;
            if (auto st = plain("post_ffw_norm.weight", 0, hp.n_embd, "n_embd", L.ffn_post_norm); !st)
                return st;
        }
        if (hp.architecture == "qwen3" || hp.architecture == "qwen3moe" || hp.architecture == "gemma3") {
            if (auto st = assign(get_weight(f, p + "attn_q_norm.weight", 0, hp.head_dim, "head_dim"), L.q_norm); !st)
                return st;
            if (auto st = assign(get_weight(f, p + "attn_k_norm.weight", 0, hp.head_dim, "head_dim"), L.k_norm); !st)
                return st;
        }
    }
    return Ok{};
}

}   // namespace

// The names of GGUF's `general.file_type` values (the quantization recipe a tool applied, e.g.
// Q4_K_M = Q4_K with some Q6_K tensors). 0 means "all F32" but is also what a file without the
// key reads as, so it is not named here.
static const char* file_type_name(uint32_t file_type)
{
    switch (file_type) {
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 7: return "Q8_0";
    case 8: return "Q5_0";
    case 9: return "Q5_1";
    case 10: return "Q2_K";
    case 11: return "Q3_K_S";
    case 12: return "Q3_K_M";
    case 13: return "Q3_K_L";
    case 14: return "Q4_K_S";
    case 15: return "Q4_K_M";
    case 16: return "Q5_K_S";
    case 17: return "Q5_K_M";
    case 18: return "Q6_K";
    case 21: return "Q2_K_S";
    case 25: return "IQ4_NL";
    case 30: return "IQ4_XS";
    case 32: return "BF16";
    default: return nullptr;
    }
}

std::string model_quantization(const Model& model)
{
    // The file's own recipe name when it has one: the type holding the most bytes can be the
    // embedding's (Gemma 3 270M's Q4_K_M file is mostly its Q8_0 embedding table).
    if (const char* name = file_type_name(model.hp.file_type))
        return name;
    std::map<std::string, uint64_t> bytes;
    for (const auto& t : model.file.tensors())
        if (t.n_dims >= 2)
            bytes[kernels::type_traits(uint32_t(t.type))->name] += t.nbytes;
    std::string best = "?";
    uint64_t most = 0;
    for (const auto& [name, b] : bytes)
        if (b > most) {
            most = b;
            best = name;
        }
    return best;
}

Result<VocabData> read_vocab(const GGUFFile& f)
{
    VocabData v;
    if (auto st = assign(f.get_string("tokenizer.ggml.model"), v.model); !st)
        return st.error();

    // Counted before the list is built: every token costs a copy (~40 bytes) from here on.
    if (const GGUFValue* t = f.find("tokenizer.ggml.tokens");
        t && t->type == GGUFType::ARRAY && t->count > static_cast<uint64_t>(kMaxVocab))
        return make_error("metadata key 'tokenizer.ggml.tokens' has " + std::to_string(t->count) +
                          " entries, more than the limit of " + str(kMaxVocab));
    auto tokens = f.get_string_array("tokenizer.ggml.tokens");
    if (!tokens)
        return tokens.error();
    if (tokens->empty())
        return make_error("metadata key 'tokenizer.ggml.tokens' is empty");
    const size_t n = tokens->size();
    v.tokens.reserve(n);
    for (std::string_view t : *tokens)
        v.tokens.emplace_back(t);

    // scores and token_type are optional; present, they have one entry per token.
    // (`read`: the GGUFFile reader of the array's type.)
    auto per_token = [&](const char* key, auto read, auto& out) -> Status {
        if (!f.find(key))
            return Ok{};
        auto values = (f.*read)(key);
        if (!values)
            return values.error();
        if (values->size() != n)
            return make_error(std::string("metadata key '") + key + "' has " + std::to_string(values->size()) +
                              " entries but tokenizer.ggml.tokens has " + std::to_string(n));
        out = std::move(*values);
        return Ok{};
    };
    if (auto st = per_token("tokenizer.ggml.scores", &GGUFFile::get_f32_array, v.scores); !st)
        return st.error();
    if (auto st = per_token("tokenizer.ggml.token_type", &GGUFFile::get_i32_array, v.token_types); !st)
        return st.error();
    // 0 undefined, 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    for (size_t i = 0; i < v.token_types.size(); ++i)
        if (v.token_types[i] < 0 || v.token_types[i] > 6)
            return make_error("metadata key 'tokenizer.ggml.token_type': entry " + std::to_string(i) + " is " +
                              std::to_string(v.token_types[i]) + ", expected 0 to 6");
    if (f.find("tokenizer.ggml.merges")) {   // at most 2^24 entries (gguf.cpp kMaxArrayCount)
        auto m = f.get_string_array("tokenizer.ggml.merges");
        if (!m)
            return m.error();
        v.merges.reserve(m->size());
        for (std::string_view s : *m)
            v.merges.emplace_back(s);
    }

    // Sentencepiece vocabularies put <unk>, <s>, </s> first; llama.cpp assumes the same defaults.
    const bool spm = v.model == "llama";
    const struct {
        const char* key;
        int32_t fallback;
        int32_t* out;
    } ids[] = {
        {"tokenizer.ggml.bos_token_id", spm && n > 1 ? 1 : -1, &v.bos_id},
        {"tokenizer.ggml.eos_token_id", spm && n > 2 ? 2 : -1, &v.eos_id},
        {"tokenizer.ggml.unknown_token_id", spm ? 0 : -1, &v.unk_id},
        {"tokenizer.ggml.padding_token_id", -1, &v.pad_id},
    };
    for (const auto& id : ids) {
        if (auto st = assign(token_id(f, id.key, id.fallback, n), *id.out); !st)
            return st.error();
    }
    v.add_bos = spm;
    const std::pair<const char*, std::variant<bool*, std::string*>> optional_keys[] = {
        {"tokenizer.ggml.add_bos_token", &v.add_bos},
        {"tokenizer.ggml.add_eos_token", &v.add_eos},
        {"tokenizer.ggml.pre", &v.pre},
        {"tokenizer.ggml.add_space_prefix", &v.add_space_prefix},
        {"tokenizer.chat_template", &v.chat_template},
    };
    for (const auto& entry : optional_keys) {
        const char* key = entry.first;   // (a structured binding cannot be captured before C++20 in clang 14)
        if (auto st = std::visit([&](auto* out) { return read_optional(f, key, *out); }, entry.second); !st)
            return st.error();
    }
    return v;
}

Result<Model> load_model_from_gguf(GGUFFile file)
{
    // llama.cpp's ggml-vocab-*.gguf and --vocab-only conversions: the tokenizer, no tensors.
    if (file.tensors().empty())
        return make_error(kVocabOnlyMessage);
    Model m{std::move(file)};
    const GGUFFile& f = m.file;
    if (auto st = read_hparams(f, m.hp); !st)
        return st.error();

    auto vocab = read_vocab(f);
    if (!vocab)
        return vocab.error();
    m.vocab = std::move(*vocab);
    const int64_t n_tokens = static_cast<int64_t>(m.vocab.tokens.size());
    const std::string vocab_key = m.hp.architecture + ".vocab_size";
    if (f.find(vocab_key)) {
        auto n = required_int(f, vocab_key, 1, kMaxVocab);
        if (!n)
            return n.error();
        if (*n != n_tokens)
            return make_error("metadata key '" + vocab_key + "' is " + str(*n) + " but tokenizer.ggml.tokens has " +
                              str(n_tokens) + " entries");
    }
    if (const GGUFTensor* emb = f.tensor("token_embd.weight"); emb && emb->ne[1] != n_tokens)
        return make_error("tokenizer.ggml.tokens has " + str(n_tokens) +
                          " entries but tensor 'token_embd.weight' has " + str(emb->ne[1]) + " rows");
    m.hp.n_vocab = n_tokens;

    if (auto st = read_weights(f, m); !st)
        return st.error();
    return m;
}

Result<Model> load_model(const std::string& path)
{
    auto f = GGUFFile::open(path);
    if (!f)
        return f.error();
    auto m = load_model_from_gguf(std::move(*f));
    if (!m)
        return make_error("'" + path + "': " + m.error().message);
    return m;
}

}   // namespace causerie
