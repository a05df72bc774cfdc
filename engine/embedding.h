#pragma once
// Text embeddings from a GGUF embedding model (e.g. Qwen3-Embedding: architecture 'qwen3' with
// qwen3.pooling_type = 3, last-token pooling): the final hidden state of the model
// (ComputeBackend::eval_hidden: after output_norm, before the output head) pooled over the text's
// tokens, then L2-normalised. The text is encoded as the model's tokenizer asks: BOS when
// add_bos, then EOS appended when tokenizer.ggml.add_eos_token says so (Qwen3-Embedding reads the
// state of its <|endoftext|>), as llama.cpp's tokenizer does with add_special.
#include "backend.h"
#include "model.h"
#include "result.h"
#include "tokenizer.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace causerie {

// The values of `<arch>.pooling_type` (llama.cpp's numbering, which GGUF files carry).
enum class PoolingType : int { None = 0, Mean = 1, Cls = 2, Last = 3, Rank = 4 };

// "none", "mean", "cls", "last", "rank"; "unknown" for another value.
const char* pooling_name(PoolingType type);

// What the file says about pooling: the key's value, or none when the file has no such key (a
// chat model). An error only for a key of the wrong type.
struct PoolingInfo {
    bool present = false;
    int64_t value = 0;   // the raw value (may be outside the enum)
};
Result<PoolingInfo> read_pooling(const Model& model);

// The pooling an Embedder can run for this model, or an error a user can act on: no key (not an
// embedding model), none (per-token vectors, nothing to pool), cls/rank (BERT-style encoders and
// rerankers, which this engine does not run), an unknown value, or non-causal attention.
Result<PoolingType> embedding_pooling(const Model& model);

// Pools `hidden` (n, n_embd) rows into one vector (n_embd) and L2-normalises it (a zero vector
// stays zero). Mean: the average of the rows; Last: the last row. Other types are refused.
Result<std::vector<float>> pool_hidden(std::span<const float> hidden, int64_t n, int64_t n_embd, PoolingType type);

struct EmbedderOptions {
    int n_threads = 0;           // 0: all hardware threads
    int64_t n_ctx = 0;           // 0: min(training context, 1024); longer texts are cut (EOS kept)
    size_t free_ram_bytes = 0;   // BackendOptions::free_ram_bytes (tests)
};

// A loaded embedding model on the CPU. Used from one thread at a time.
class Embedder {
public:
    static Result<std::unique_ptr<Embedder>> open(const std::string& path, const EmbedderOptions& options = {});
    // Over a model already loaded (it must outlive the embedder).
    static Result<std::unique_ptr<Embedder>> create(const Model& model, const EmbedderOptions& options = {});
    ~Embedder();

    int64_t dimension() const;
    PoolingType pooling() const { return m_pooling; }
    int64_t n_ctx() const;
    const Model& model() const { return *m_model; }

    // The ids embed() evaluates for `text`: [BOS] text [EOS], cut to the context (EOS kept last).
    Result<std::vector<int32_t>> tokens(std::string_view text) const;
    // One L2-normalised vector (dimension() floats) for the text / for the given ids.
    Result<std::vector<float>> embed(std::string_view text);
    Result<std::vector<float>> embed_tokens(std::span<const int32_t> ids);

private:
    Embedder() = default;
    std::unique_ptr<Model> m_owned;   // when open() loaded it
    const Model* m_model = nullptr;
    std::unique_ptr<Tokenizer> m_tok;
    std::unique_ptr<ComputeBackend> m_backend;
    PoolingType m_pooling = PoolingType::Last;
    std::vector<float> m_hidden;   // (n, n_embd) the last text's hidden states
};

}   // namespace causerie
