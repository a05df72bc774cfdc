#pragma once
// Writes small random Llama-architecture GGUF models for tests and benchmarks. The bytes depend
// only on the spec (own PRNG + Box-Muller, own per-tensor seeding), so a given spec produces the
// same file on every machine and compiler.
#include "kernels/cpu/quant_types.h"
#include "model.h"
#include "result.h"

#include <cstdint>
#include <string>

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
    int64_t n_vocab = 0;        // 0: the vocabulary's size (synthetic vocabulary: 512 tokens)
    int64_t n_embd = 64;
    int64_t n_layer = 2;
    int64_t n_head = 4;
    int64_t n_head_kv = 2;
    int64_t n_ff = 192;
    int64_t n_ctx = 512;
    int64_t head_dim = 0;       // 0: n_embd / n_head; otherwise written as attention.key_length
    kernels::TensorType type = kernels::TensorType::F32;  // every 2-D weight; norms are always F32
    TestModelMix mix = TestModelMix::Uniform;
    uint64_t seed = 1;
    bool tied_output = false;   // true: no output.weight, the head reuses token_embd
    float rope_freq_base = 10000.0f;
    float rms_eps = 1e-5f;
    // nullptr: a synthetic sentencepiece-style vocabulary: <unk>, <s>, </s>, the 256 byte tokens
    // <0x00>..<0xFF> (type 6), then "▁"-prefixed words and single letters, scores decreasing.
    const VocabData* vocab = nullptr;
    std::string chat_template;  // written as tokenizer.chat_template when not empty
};

// The type write_test_model gives a 2-D tensor ("blk.3.ffn_down.weight", "output.weight", ...).
kernels::TensorType test_model_tensor_type(const TestModelSpec& spec, const std::string& name);

// K-quant types need n_embd, n_ff and n_head*head_dim to be multiples of 256, the others of 32.
Status write_test_model(const std::string& path, const TestModelSpec& spec);

// The synthetic vocabulary described above, with exactly n_vocab tokens (300 <= n_vocab <= 500000).
Result<VocabData> make_synthetic_vocab(int64_t n_vocab);

} // namespace causerie
