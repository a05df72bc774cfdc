#include "embedding.h"

#include <algorithm>
#include <cmath>

namespace causerie {

const char* pooling_name(PoolingType type)
{
    switch (type) {
    case PoolingType::None: return "none";
    case PoolingType::Mean: return "mean";
    case PoolingType::Cls: return "cls";
    case PoolingType::Last: return "last";
    case PoolingType::Rank: return "rank";
    }
    return "unknown";
}

Result<PoolingInfo> read_pooling(const Model& model)
{
    const std::string key = model.hp.architecture + ".pooling_type";
    PoolingInfo info;
    if (!model.file.find(key))
        return info;
    auto v = model.file.get_uint(key);
    if (!v)
        return v.error();
    info.present = true;
    info.value = int64_t(std::min<uint64_t>(*v, uint64_t(INT64_MAX)));
    return info;
}

Result<PoolingType> embedding_pooling(const Model& model)
{
    const std::string key = model.hp.architecture + ".pooling_type";
    auto info = read_pooling(model);
    if (!info)
        return info.error();
    if (!info->present)
        return make_error("this model has no " + key +
                          ": it is not an embedding model (choose an embedding GGUF, "
                          "e.g. Qwen3-Embedding)");
    const std::string causal_key = model.hp.architecture + ".attention.causal";
    if (model.file.find(causal_key)) {
        auto causal = model.file.get_bool(causal_key);
        if (!causal)
            return causal.error();
        if (!*causal)
            return make_error("this embedding model uses bidirectional attention (" + causal_key +
                              " = false), which this engine does not run");
    }
    switch (info->value) {
    case int64_t(PoolingType::Mean): return PoolingType::Mean;
    case int64_t(PoolingType::Last): return PoolingType::Last;
    case int64_t(PoolingType::None):
        return make_error(key + " is 0 (none): the model gives one vector per token, not one per text");
    case int64_t(PoolingType::Cls):
        return make_error(key + " is 2 (cls): first-token pooling belongs to BERT-style encoders, which this engine "
                                "does not run; last and mean are supported");
    case int64_t(PoolingType::Rank):
        return make_error(key + " is 4 (rank): this is a reranker, not an embedding model; last and mean pooling "
                                "are supported");
    default:
        return make_error(key + " has the unknown value " + std::to_string(info->value) +
                          " (known: 0 none, 1 mean, 2 cls, 3 last, 4 rank; supported: mean and last)");
    }
}

Result<std::vector<float>> pool_hidden(std::span<const float> hidden, int64_t n, int64_t n_embd, PoolingType type)
{
    if (n <= 0 || n_embd <= 0 || hidden.size() < size_t(n * n_embd))
        return make_error("nothing to pool: " + std::to_string(n) + " rows of " + std::to_string(n_embd));
    std::vector<float> out(size_t(n_embd), 0.0f);
    if (type == PoolingType::Last) {
        std::copy_n(hidden.data() + (n - 1) * n_embd, n_embd, out.data());
    } else if (type == PoolingType::Mean) {
        std::vector<double> sum(size_t(n_embd), 0.0);
        for (int64_t t = 0; t < n; ++t)
            for (int64_t i = 0; i < n_embd; ++i)
                sum[size_t(i)] += hidden[size_t(t * n_embd + i)];
        for (int64_t i = 0; i < n_embd; ++i)
            out[size_t(i)] = float(sum[size_t(i)] / double(n));
    } else {
        return make_error(std::string("pooling '") + pooling_name(type) + "' is not supported (mean and last are)");
    }
    double norm = 0.0;
    for (float v : out)
        norm += double(v) * double(v);
    if (norm > 0.0) {
        const float inv = float(1.0 / std::sqrt(norm));
        for (float& v : out)
            v *= inv;
    }
    return out;
}

Result<std::unique_ptr<Embedder>> Embedder::open(const std::string& path, const EmbedderOptions& options)
{
    auto model = load_model(path);
    if (!model)
        return model.error();
    auto owned = std::make_unique<Model>(std::move(model).value());
    auto e = create(*owned, options);
    if (!e)
        return e.error();
    e.value()->m_owned = std::move(owned);
    return std::move(e).value();
}

Result<std::unique_ptr<Embedder>> Embedder::create(const Model& model, const EmbedderOptions& options)
{
    auto pooling = embedding_pooling(model);
    if (!pooling)
        return pooling.error();
    if (model.vocab.add_eos && model.vocab.eos_id < 0)
        return make_error("the model asks for an end-of-text token after each text but has no "
                          "tokenizer.ggml.eos_token_id");
    auto tok = Tokenizer::from_vocab(model.vocab);
    if (!tok)
        return tok.error();
    BackendOptions bo;
    bo.device = "cpu";   // one text at a time: the weights read once per text either way
    bo.n_threads = options.n_threads;
    bo.n_ctx = options.n_ctx > 0 ? options.n_ctx
                                 : std::min<int64_t>(model.hp.n_ctx_train > 0 ? model.hp.n_ctx_train : 1024, 1024);
    bo.free_ram_bytes = options.free_ram_bytes;
    auto backend = create_cpu_backend(model, bo);
    if (!backend)
        return backend.error();
    std::unique_ptr<Embedder> e(new Embedder);
    e->m_model = &model;
    e->m_tok = std::make_unique<Tokenizer>(std::move(tok).value());
    e->m_backend = std::move(backend).value();
    e->m_pooling = *pooling;
    return e;
}

Embedder::~Embedder() = default;

int64_t Embedder::dimension() const { return m_model->hp.n_embd; }
int64_t Embedder::n_ctx() const { return m_backend->n_ctx(); }

Result<std::vector<int32_t>> Embedder::tokens(std::string_view text) const
{
    auto ids = m_tok->encode(text, m_tok->add_bos());
    if (!ids)
        return ids.error();
    std::vector<int32_t> out = std::move(ids).value();
    const bool eos = m_model->vocab.add_eos;
    const size_t room = size_t(n_ctx()) - (eos ? 1 : 0);
    if (out.size() > room)
        out.resize(room);
    if (eos)
        out.push_back(m_model->vocab.eos_id);
    return out;
}

Result<std::vector<float>> Embedder::embed(std::string_view text)
{
    auto ids = tokens(text);
    if (!ids)
        return ids.error();
    return embed_tokens(*ids);
}

Result<std::vector<float>> Embedder::embed_tokens(std::span<const int32_t> ids)
{
    if (ids.empty())
        return make_error("nothing to embed: the text gives no token");
    const int64_t n = int64_t(ids.size()), d = dimension();
    m_hidden.resize(size_t(n * d));
    // Every text from position 0: the rows of the previous text are simply overwritten.
    if (auto st = m_backend->eval_hidden(ids, 0, m_hidden.data()); !st)
        return st.error();
    return pool_hidden(m_hidden, n, d, m_pooling);
}

}   // namespace causerie
