#include "kv_rows.h"

#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/quantize_ref.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace causerie {

kernels::RopeShape kv_rope_shape(const Model& model, int64_t n_ctx)
{
    const HParams& hp = model.hp;
    kernels::RopeShape s;
    s.n_heads = hp.n_head_kv;
    s.head_dim = hp.head_dim;
    s.n_rot = hp.n_rot;
    s.freq_base = hp.rope_freq_base;
    s.freq_factors = model.rope_factors(n_ctx);
    s.neox = hp.rope_neox;
    return s;
}

Status kv_shift_supported(const Model& model)
{
    const HParams& hp = model.hp;
    const std::string why = "the context shift does not re-rotate " + hp.architecture + " keys: ";
    if (!hp.layer_swa.empty())
        return make_error(why + "its sliding-window layers use another RoPE base");
    if (hp.rope_freq_scale != 1.0f)
        return make_error(why + "its RoPE angles are scaled");
    if (hp.rope_attn_factor != 1.0f)
        return make_error(why + "its RoPE scales cos and sin (attention factor)");
    return Ok{};
}

Status check_eval(std::span<const int32_t> tokens, int64_t pos, int64_t n_ctx, int64_t n_vocab)
{
    if (tokens.empty())
        return make_error("nothing to evaluate");
    if (pos < 0 || pos + int64_t(tokens.size()) > n_ctx)
        return make_error("the conversation needs " + std::to_string(pos + int64_t(tokens.size())) +
                          " tokens but the context holds " + std::to_string(n_ctx));
    for (int32_t id : tokens)
        if (id < 0 || id >= n_vocab)
            return make_error("token id " + std::to_string(id) + " is outside the vocabulary (" +
                              std::to_string(n_vocab) + ")");
    return Ok{};
}

Status check_kv_rows(int64_t n, int64_t n_ctx)
{
    if (n < 0 || n > n_ctx)
        return make_error("KV rows [0, " + std::to_string(n) + ") are outside the context of " + std::to_string(n_ctx));
    return Ok{};
}

Status check_kv_shift(const Model& model, int64_t n_ctx, int64_t p, int64_t d, int64_t keep)
{
    if (p < 0 || d < 1 || keep < 0 || p + d + keep > n_ctx)
        return make_error("cannot shift KV rows: p " + std::to_string(p) + ", d " + std::to_string(d) + ", keep " +
                          std::to_string(keep) + " in a context of " + std::to_string(n_ctx));
    return kv_shift_supported(model);
}

void copy_kv_out(const CpuKvCache& cache, const HParams& hp, int64_t n, uint8_t* bytes)
{
    if (n == 0)
        return;   // `bytes` may be null then
    (void)hp;
    const size_t k_bytes = size_t(n) * cache.k_row;
    std::memcpy(bytes, cache.k.data(), k_bytes);
    std::memcpy(bytes + k_bytes, cache.v.data(), size_t(n) * cache.v_row);
}

void copy_kv_in(CpuKvCache& cache, const HParams& hp, int64_t n, const uint8_t* bytes)
{
    if (n == 0)
        return;
    (void)hp;
    const size_t k_bytes = size_t(n) * cache.k_row;
    std::memcpy(cache.k.data(), bytes, k_bytes);
    std::memcpy(cache.v.data(), bytes + k_bytes, size_t(n) * cache.v_row);
}

void shift_kv_rows(CpuKvCache& cache, const Model& model, int64_t n_ctx, int64_t p, int64_t d, int64_t keep)
{
    if (keep == 0)
        return;
    const int64_t kd = kv_k_dim(model.hp);
    std::memmove(cache.k.data() + size_t(p) * cache.k_row, cache.k.data() + size_t(p + d) * cache.k_row,
                 size_t(keep) * cache.k_row);
    std::memmove(cache.v.data() + size_t(p) * cache.v_row, cache.v.data() + size_t(p + d) * cache.v_row,
                 size_t(keep) * cache.v_row);
    uint8_t* k = cache.k.data() + size_t(p) * cache.k_row;
    const kernels::RopeShape rope = kv_rope_shape(model, n_ctx);
    if (cache.type == KvType::F16) {
        kernels::rope_shift_f16_ref(reinterpret_cast<uint16_t*>(k), keep, kd, rope, -d);
        return;
    }
    rope_shift_q8_0_rows(k, keep, kd, rope, -d);
}

void rope_shift_q8_0_rows(uint8_t* rows, int64_t n_rows, int64_t dim, const kernels::RopeShape& shape, int64_t delta)
{
    std::vector<float> f(static_cast<size_t>(dim));
    std::vector<uint16_t> h(static_cast<size_t>(dim));
    const size_t row_bytes = kv_row_bytes(KvType::Q8_0, dim);
    for (int64_t r = 0; r < n_rows; ++r) {
        uint8_t* row = rows + size_t(r) * row_bytes;
        kernels::dequantize_row_ref(kernels::TensorType::Q8_0, row, f.data(), dim);
        std::transform(f.begin(), f.end(), h.begin(), kernels::fp32_to_fp16);
        kernels::rope_shift_f16_ref(h.data(), 1, dim, shape, delta);
        std::transform(h.begin(), h.end(), f.begin(), kernels::fp16_to_fp32);
        kernels::quantize_row_ref(kernels::TensorType::Q8_0, f.data(), row, dim);
    }
}

}   // namespace causerie
