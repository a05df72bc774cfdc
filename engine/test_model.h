#pragma once
// Writes small random GGUF models (architectures 'llama', 'qwen2', 'qwen3', 'qwen3moe', 'phi3', 'gemma2', 'gemma3';
// mixtures of experts in 'llama' and 'qwen3moe') for tests and
// benchmarks. The bytes depend only on the spec (own PRNG + Box-Muller, own per-tensor seeding), so a given spec
// produces the same file on every machine and compiler.
#include "kernels/cpu/quant_types.h"
#include "model.h"
#include "result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace causerie {

// How the 2-D weights get their types.
enum class TestModelMix {
    Uniform,   // every 2-D weight has `type`
    // llama.cpp's Q4_K_M recipe for a Llama model (`type` is ignored): Q6_K for output.weight and
    // for attn_v / ffn_down in the layers that "use more bits" (the first and last eighth, and
    // every third layer in between), Q4_K elsewhere including token_embd; file type 15.
    Q4_K_M,
};

struct TestModelSpec {
    // "llama"; "qwen2" adds Q/K/V biases (attn_{q,k,v}.bias); "qwen3" adds the per-head Q/K norms
    // (attn_{q,k}_norm.weight); "phi3" fuses Q/K/V (attn_qkv) and gate/up (ffn_up, 2*n_ff rows);
    // "gemma2" adds post_attention_norm / post_ffw_norm, "gemma3" those and the Q/K norms.
    // All three use NeoX RoPE, which only the loader knows (by architecture). "qwen3moe" is
    // "qwen3" with a mixture of experts (n_expert must then be > 0).
    std::string arch = "llama";
    int64_t n_vocab = 0;   // 0: the vocabulary's size (synthetic vocabulary: 512 tokens)
    int64_t n_embd = 64;
    int64_t n_layer = 2;
    int64_t n_head = 4;
    int64_t n_head_kv = 2;
    int64_t n_ff = 192;
    int64_t n_ctx = 512;
    int64_t head_dim = 0;   // 0: n_embd / n_head; otherwise written as attention.key_length
    kernels::TensorType type = kernels::TensorType::F32;   // every 2-D weight; norms are always F32
    TestModelMix mix = TestModelMix::Uniform;
    uint64_t seed = 1;
    bool tied_output = false;   // true: no output.weight, the head reuses token_embd
    float rope_freq_base = 10000.0f;
    // Written as rope_freqs.weight (F32, head_dim/2 entries) when not empty: one factor per
    // rotated pair, as Llama 3.1+ files carry (see llama3_rope_freq_factors).
    std::vector<float> rope_freq_factors;
    float rms_eps = 1e-5f;
    int64_t n_rot = 0;   // rope.dimension_count; 0: head_dim (Phi-4-mini rotates 3/4 of each head)
    // phi3 LongRoPE: rope_factors_short/long.weight (n_rot/2 each) when not empty, with
    // rope.scaling.original_context_length (when > 0) and rope.scaling.attn_factor (when > 0).
    std::vector<float> rope_factors_short;
    std::vector<float> rope_factors_long;
    int64_t n_ctx_orig = 0;
    float rope_attn_factor = 0.0f;
    // gemma2/gemma3 (post-block norms, GELU; gemma3 also Q/K norms): written when > 0 --
    // attention.sliding_window, rope.freq_base_swa, rope.scaling.factor (type linear),
    // attn_logit_softcapping and final_logit_softcapping.
    int64_t n_swa = 0;
    int64_t swa_pattern = 0;   // attention.sliding_window_pattern: the last layer of every N is global
    float rope_freq_base_swa = 0.0f;
    float rope_scaling_factor = 0.0f;
    float attn_softcap = 0.0f;
    float final_softcap = 0.0f;
    // Mixture of experts ('llama' or 'qwen3moe') when n_expert > 0: expert_count,
    // expert_used_count, and in place of ffn_{gate,up,down}.weight the router ffn_gate_inp (F32,
    // as llama-quantize leaves it) and the 3-D ffn_{gate,up,down}_exps with n_expert matrices of
    // n_ff_exp rows (0: n_ff). qwen3moe files also get expert_feed_forward_length.
    int64_t n_expert = 0;
    int64_t n_expert_used = 0;
    int64_t n_ff_exp = 0;
    // nullptr: a synthetic sentencepiece-style vocabulary: <unk>, <s>, </s>, the 256 byte tokens
    // <0x00>..<0xFF> (type 6), then "▁"-prefixed words and single letters, scores decreasing.
    const VocabData* vocab = nullptr;
    std::string chat_template;   // written as tokenizer.chat_template when not empty
    // Embedding models (embedding.h): <arch>.pooling_type when >= 0, and add_eos_token forced on.
    int64_t pooling_type = -1;
    bool add_eos = false;
};

// The type write_test_model gives a 2-D tensor ("blk.3.ffn_down.weight", "output.weight", ...).
kernels::TensorType test_model_tensor_type(const TestModelSpec& spec, const std::string& name);

// K-quant types need n_embd, n_ff (with experts: n_ff_exp) and n_head*head_dim to be multiples of 256,
// the others of 32.
Status write_test_model(const std::string& path, const TestModelSpec& spec);

// The RoPE frequency factors of Llama 3.1's "llama3" rope scaling for `head_dim` rotated dims:
// pairs whose wavelength 2*pi/theta_i is below original_ctx/high_freq_factor keep factor 1, above
// original_ctx/low_freq_factor get `factor`, and in between a smooth blend (Meta's published
// recipe; llama.cpp's converter stores these values as rope_freqs.weight).
std::vector<float> llama3_rope_freq_factors(int64_t head_dim, float freq_base, float factor, float low_freq_factor,
                                            float high_freq_factor, float original_ctx);

// Made-up LongRoPE factors for `n_pairs` rotated pairs, shaped like Phi-3's (near 1 for high
// frequencies, growing towards the low ones): short 1 + 0.25 i/n, long 1 + 15 (i/n)^2.
std::vector<float> longrope_test_factors(int64_t n_pairs, bool long_factors);

// The synthetic vocabulary described above, with exactly n_vocab tokens (300 <= n_vocab <= 500000).
Result<VocabData> make_synthetic_vocab(int64_t n_vocab);

}   // namespace causerie
