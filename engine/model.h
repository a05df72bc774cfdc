#pragma once
// A loaded model of one of the architectures the engine runs -- 'llama' (Mistral 7B v0.1-v0.3,
// Mistral Nemo, Llama 2 and 3.x, SmolLM2), 'qwen2' (Qwen 2.5, QwQ, DeepSeek-R1-Distill-Qwen) and
// 'qwen3' (dense Qwen3), 'qwen3moe' (Qwen3-30B-A3B), 'phi3' (Phi-3, Phi-3.5, Phi-4-mini), 'gemma2' and
// 'gemma3' (text), and mixtures of experts in 'llama' (Mixtral): hyper-parameters from GGUF metadata and
// weight views into the mmap.
#include "gguf.h"
#include "kernels/cpu/quant_types.h"
#include "result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace causerie {

// A 2-D weight: `rows` rows of `cols` elements, each row `row_bytes` long (GGUF ne[1] x ne[0]).
// 1-D weights (norms) have rows == 1.
struct Weight {
    kernels::TensorType type{};
    const void* data = nullptr;
    int64_t rows = 0;
    int64_t cols = 0;
    size_t row_bytes = 0;
    const char* name = "";
};

// phi3 files fuse Q/K/V (attn_qkv) and gate/up (ffn_up, gate rows first): wq/wk/wv and
// w_gate/w_up are then views of consecutive rows of the fused tensor.
struct LayerWeights {
    Weight attn_norm;   // (n_embd)            F32
    Weight wq;          // (n_head*head_dim, n_embd)
    Weight wk;          // (n_head_kv*head_dim, n_embd)
    Weight wv;          // (n_head_kv*value_dim, n_embd)
    Weight wo;          // (n_embd, n_head*value_dim)
    Weight ffn_norm;    // (n_embd)            F32
    Weight w_gate;      // (n_ff, n_embd)
    Weight w_up;        // (n_ff, n_embd)
    Weight w_down;      // (n_embd, n_ff)
    // Optional extras; data == nullptr when the file has none.
    Weight bq;               // (n_head*head_dim)     F32 bias added after wq (qwen2; allowed for every architecture)
    Weight bk;               // (n_head_kv*head_dim)  F32
    Weight bv;               // (n_head_kv*value_dim) F32
    Weight q_norm;           // (head_dim) F32: RMSNorm gain of every query head before RoPE (qwen3, required)
    Weight k_norm;           // (head_dim) F32: the same for every key head
    Weight attn_post_norm;   // (n_embd) F32: RMSNorm of the attention output before the residual add (gemma2/3)
    Weight ffn_post_norm;    // (n_embd) F32: the same for the feed-forward output
    // Mixture of experts (hp.n_expert > 0) in place of w_gate/w_up/w_down (then empty): the
    // router, and expert e's matrices as views of slice e of the 3-D ffn_{gate,up,down}_exps.
    Weight ffn_gate_inp;             // (n_expert, n_embd)
    std::vector<Weight> gate_exps;   // (n_expert) of (n_ff_exp, n_embd)
    std::vector<Weight> up_exps;     // (n_expert) of (n_ff_exp, n_embd)
    std::vector<Weight> down_exps;   // (n_expert) of (n_embd, n_ff_exp)
};

struct HParams {
    std::string architecture;   // "llama", "qwen2", "qwen3", "qwen3moe", "phi3", "gemma2" or "gemma3"
    std::string name;           // general.name through sanitize_display_text (safe to show), may be empty
    int64_t n_vocab = 0;
    int64_t n_ctx_train = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim = 0;    // attention.key_length, else n_embd / n_head
    int64_t value_dim = 0;   // attention.value_length, else head_dim
    int64_t n_ff = 0;
    int64_t n_rot = 0;   // rope.dimension_count, else head_dim
    float rope_freq_base = 10000.0f;
    // RoPE pairs: false, ggml's "normal" layout (x[2i], x[2i+1]) ('llama'); true, the NeoX layout
    // (x[i], x[i + n_rot/2]) that 'qwen2' and 'qwen3' files keep from Hugging Face.
    bool rope_neox = false;
    // LongRoPE (phi3): rope.scaling.original_context_length (the short factors serve contexts up
    // to it, the long ones beyond) and rope.scaling.attn_factor (multiplies cos and sin).
    int64_t n_ctx_orig = 0;   // 0: n_ctx_train
    float rope_attn_factor = 1.0f;
    // Queries are multiplied by this after RoPE and attention then scales by 1 (phi3: 1/sqrt(head_dim)
    // applied that way, as llama.cpp does); 0: attention scales by 1/sqrt(head_dim) itself.
    float q_prescale = 0.0f;
    // Gemma 2/3. Embeddings multiplied by embd_scale (0: not; sqrt(n_embd)); GELU-tanh in place of
    // SiLU in the gated feed-forward; soft-capping (cap * tanh(x / cap), 0: none) of the attention
    // scores (gemma2) and of the final logits.
    float embd_scale = 0.0f;
    bool ffn_gelu = false;
    float attn_softcap = 0.0f;
    float final_softcap = 0.0f;
    // Sliding-window attention: a layer with layer_swa[l] attends to the n_swa latest positions
    // (its own included) and uses rope_freq_base_swa; the others attend to all and use
    // rope_freq_base with rope_freq_scale (1 / rope.scaling.factor, linear scaling).
    int64_t n_swa = 0;
    std::vector<bool> layer_swa;   // (n_layer), empty when no layer slides
    float rope_freq_base_swa = 10000.0f;
    float rope_freq_scale = 1.0f;
    // Mixture of experts (Mixtral's 'llama' files, 'qwen3moe'); n_expert 0: a dense feed-forward.
    // Each token's router logits go through a softmax, the n_expert_used most probable experts
    // run (a SwiGLU of n_ff_exp each) and their outputs are summed weighted by those
    // probabilities, renormalized to sum 1 when expert_weights_norm (both architectures).
    int64_t n_expert = 0;
    int64_t n_expert_used = 0;
    int64_t n_ff_exp = 0;   // 'llama': feed_forward_length; 'qwen3moe': expert_feed_forward_length
    bool expert_weights_norm = true;
    float rms_eps = 1e-5f;
    uint32_t file_type = 0;   // general.file_type when present
};

// Vocabulary as stored in the GGUF (tokenizer.ggml.*), handed to the tokenizer.
struct VocabData {
    std::string model;   // "llama" (sentencepiece) or "gpt2" (byte-level BPE)
    std::vector<std::string> tokens;
    std::vector<float> scores;          // empty when absent
    std::vector<int32_t> token_types;   // 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
    std::vector<std::string> merges;    // gpt2 only
    std::string pre;                    // tokenizer.ggml.pre: the pre-tokenizer split (gpt2 only)
    int32_t bos_id = -1;
    int32_t eos_id = -1;
    int32_t unk_id = -1;
    int32_t pad_id = -1;
    bool add_bos = true;
    bool add_eos = false;
    bool add_space_prefix = true;   // sentencepiece's dummy "▁" before the text
    std::string chat_template;      // tokenizer.chat_template, used only to pick a built-in
};

struct Model {
    GGUFFile file;
    HParams hp;
    VocabData vocab;
    Weight tok_embd;      // (n_vocab, n_embd)
    Weight output_norm;   // (n_embd) F32
    Weight output;        // (n_vocab, n_embd); equals tok_embd when the output is tied
    bool tied_output = false;
    // rope_freqs.weight (Llama 3.1+): one factor per rotated pair (n_rot/2 floats, F32), each
    // pair's angle divided by its factor; nullptr when the file has none (all factors 1).
    const float* rope_freq_factors = nullptr;
    // rope_factors_short.weight / rope_factors_long.weight (phi3 LongRoPE, n_rot/2 F32 each, both
    // or neither): used in place of rope_freq_factors, chosen by the context size (rope_factors()).
    const float* rope_factors_short = nullptr;
    const float* rope_factors_long = nullptr;
    // The frequency factors for a context of n_ctx positions (llama.cpp's choice: long beyond
    // n_ctx_orig); nullptr: none.
    const float* rope_factors(int64_t n_ctx) const
    {
        if (rope_factors_short && rope_factors_long)
            return n_ctx > (hp.n_ctx_orig ? hp.n_ctx_orig : hp.n_ctx_train) ? rope_factors_long : rope_factors_short;
        return rope_freq_factors;
    }
    std::vector<LayerWeights> layers;
};

// Validates metadata and every tensor's presence, type and shape; errors name the key/tensor.
// A file without tensors fails with kVocabOnlyMessage (read_vocab still reads its tokenizer).
Result<Model> load_model_from_gguf(GGUFFile file);
inline constexpr const char* kVocabOnlyMessage =
    "this file has a vocabulary only, no weights: it can be tokenized and inspected (causerie-cli tokenize, "
    "info), not run";
Result<Model> load_model(const std::string& path);

// The weight type holding most of the 2-D weight bytes ("Q4_K"): the model's quantization as
// users name it.
std::string model_quantization(const Model& model);

// Reads and validates tokenizer.ggml.* alone (also lets a test model copy a real vocabulary).
Result<VocabData> read_vocab(const GGUFFile& file);

}   // namespace causerie
