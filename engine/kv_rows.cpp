#include "kv_rows.h"

#include <cstring>

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

void copy_kv_out(const CpuKvCache& cache, const HParams& hp, int64_t n, uint8_t* bytes)
{
    if (n == 0)
        return;   // `bytes` may be null then
    const size_t k_bytes = size_t(n * kv_k_dim(hp)) * 2;
    std::memcpy(bytes, cache.k.data(), k_bytes);
    std::memcpy(bytes + k_bytes, cache.v.data(), size_t(n * kv_v_dim(hp)) * 2);
}

void copy_kv_in(CpuKvCache& cache, const HParams& hp, int64_t n, const uint8_t* bytes)
{
    if (n == 0)
        return;
    const size_t k_bytes = size_t(n * kv_k_dim(hp)) * 2;
    std::memcpy(cache.k.data(), bytes, k_bytes);
    std::memcpy(cache.v.data(), bytes + k_bytes, size_t(n * kv_v_dim(hp)) * 2);
}

void shift_kv_rows(CpuKvCache& cache, const Model& model, int64_t n_ctx, int64_t p, int64_t d, int64_t keep)
{
    if (keep == 0)
        return;
    const int64_t kd = kv_k_dim(model.hp);
    const int64_t vd = kv_v_dim(model.hp);
    std::memmove(cache.k.data() + p * kd, cache.k.data() + (p + d) * kd, size_t(keep * kd) * 2);
    std::memmove(cache.v.data() + p * vd, cache.v.data() + (p + d) * vd, size_t(keep * vd) * 2);
    kernels::rope_shift_f16_ref(cache.k.data() + p * kd, keep, kd, kv_rope_shape(model, n_ctx), -d);
}

}   // namespace causerie
