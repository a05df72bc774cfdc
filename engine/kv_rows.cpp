#include "kv_rows.h"

#include <cstring>

namespace causerie {

kernels::RopeShape kv_rope_shape(const Model& model)
{
    const HParams& hp = model.hp;
    kernels::RopeShape s;
    s.n_heads = hp.n_head_kv;
    s.head_dim = hp.head_dim;
    s.n_rot = hp.n_rot;
    s.freq_base = hp.rope_freq_base;
    s.freq_factors = model.rope_freq_factors;
    // Every architecture model.cpp loads today uses the normal layout (layer_cpu.cpp's rope_ref);
    // one with NeoX rotation (Qwen2, Phi-3...) must set s.neox here from its hyper-parameters.
    s.neox = false;
    return s;
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

void shift_kv_rows(CpuKvCache& cache, const Model& model, int64_t p, int64_t d, int64_t keep)
{
    if (keep == 0)
        return;
    const int64_t kd = kv_k_dim(model.hp);
    const int64_t vd = kv_v_dim(model.hp);
    std::memmove(cache.k.data() + p * kd, cache.k.data() + (p + d) * kd, size_t(keep * kd) * 2);
    std::memmove(cache.v.data() + p * vd, cache.v.data() + (p + d) * vd, size_t(keep * vd) * 2);
    kernels::rope_shift_f16_ref(cache.k.data() + p * kd, keep, kd, kv_rope_shape(model), -d);
}

}   // namespace causerie
