// What every ComputeBackend shares (backend.h): the CPU selection of the best logits, which is
// also eval_top_k()'s default for backends that cannot select on their device.
#include "backend.h"

#include <algorithm>
#include <cmath>

namespace causerie {

void select_top_logits(const float* logits, int64_t n_vocab, int k, std::span<const int32_t> gather, TopLogits* out)
{
    std::vector<int32_t> idx;
    idx.reserve(size_t(n_vocab));
    for (int64_t i = 0; i < n_vocab; ++i)
        if (!std::isnan(logits[i]))
            idx.push_back(int32_t(i));
    const size_t keep = std::min(size_t(std::max(k, 0)), idx.size());
    std::partial_sort(idx.begin(), idx.begin() + std::ptrdiff_t(keep), idx.end(),
                      [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
    idx.resize(keep);
    out->ids = std::move(idx);
    out->logits.resize(keep);
    for (size_t i = 0; i < keep; ++i)
        out->logits[i] = logits[out->ids[i]];
    out->gathered.resize(gather.size());
    for (size_t i = 0; i < gather.size(); ++i)
        out->gathered[i] = logits[gather[i]];
}

Status ComputeBackend::eval_hidden(std::span<const int32_t>, int64_t, float*)
{
    return make_error("the " + device_name() + " device cannot compute embeddings (hidden states); use the CPU");
}

Status ComputeBackend::eval_top_k(std::span<const int32_t> tokens, int64_t pos, int k, std::span<const int32_t> gather,
                                  TopLogits* out)
{
    if (k < 1)
        return make_error("top-k needs k >= 1, not " + std::to_string(k));
    for (int32_t id : gather)
        if (id < 0 || id >= n_vocab())
            return make_error("token id " + std::to_string(id) + " is outside the vocabulary (" +
                              std::to_string(n_vocab()) + ")");
    std::vector<float> row(static_cast<size_t>(n_vocab()));
    if (auto st = eval(tokens, pos, row.data()); !st)
        return st;
    select_top_logits(row.data(), n_vocab(), k, gather, out);
    return Ok{};
}

Status ComputeBackend::eval_sample(int32_t, int64_t, const SampleStep&, int32_t*, float*)
{
    return make_error("the " + device_name() + " device cannot sample");
}

size_t ComputeBackend::kv_bytes(int64_t) const { return 0; }

Status ComputeBackend::read_kv(int64_t, uint8_t*)
{
    return make_error("the " + device_name() + " backend cannot copy its KV cache out");
}

Status ComputeBackend::write_kv(int64_t, const uint8_t*)
{
    return make_error("the " + device_name() + " backend cannot restore a KV cache");
}

Status ComputeBackend::shift_kv(int64_t, int64_t, int64_t)
{
    return make_error("the " + device_name() + " backend cannot shift its KV cache");
}

}   // namespace causerie
