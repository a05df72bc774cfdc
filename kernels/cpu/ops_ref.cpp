#include "ops_ref.h"

#include "cpu_features.h"
#include "dequant_ref.h"

#include <array>
#include <cmath>
#include <memory>

namespace causerie::kernels {

float rmsnorm_scale(const float* x, int64_t n, float eps)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i)
        sum += double(x[i]) * double(x[i]);
    const float mean = float(sum / double(n));
    return 1.0f / std::sqrt(mean + eps);
}

void rmsnorm_ref(const float* x, const float* w, float* y, int64_t n, float eps)
{
    const float scale = rmsnorm_scale(x, n, eps);
    for (int64_t i = 0; i < n; ++i)
        y[i] = (x[i] * scale) * w[i];
}

void rope_ref(float* x, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos, float freq_base,
              const float* freq_factors, float mscale, float freq_scale)
{
    // theta_i = pos * base^(-2i/n_rot), built by repeated multiplication in float as ggml does,
    // so rounding matches the reference implementation; a frequency factor divides the angle
    // where it is used, as in ggml (the recurrence itself is not scaled).
    const float theta_scale = std::pow(freq_base, -2.0f / float(n_rot));
    for (int64_t h = 0; h < n_heads; ++h) {
        float* v = x + h * head_dim;
        float theta = float(pos);
        for (int64_t i = 0; i < n_rot; i += 2) {
            const float angle = freq_scale * (freq_factors ? theta / freq_factors[i / 2] : theta);
            const float c = std::cos(angle) * mscale;
            const float s = std::sin(angle) * mscale;
            const float a = v[i];
            const float b = v[i + 1];
            v[i] = a * c - b * s;
            v[i + 1] = a * s + b * c;
            theta *= theta_scale;
        }
    }
}

void rope_neox_ref(float* x, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos, float freq_base,
                   const float* freq_factors, float mscale, float freq_scale)
{
    // The angles as in rope_ref (same recurrence); only which two values form a pair differs.
    const float theta_scale = std::pow(freq_base, -2.0f / float(n_rot));
    const int64_t half = n_rot / 2;
    for (int64_t h = 0; h < n_heads; ++h) {
        float* v = x + h * head_dim;
        float theta = float(pos);
        for (int64_t i = 0; i < half; ++i) {
            const float angle = freq_scale * (freq_factors ? theta / freq_factors[i] : theta);
            const float c = std::cos(angle) * mscale;
            const float s = std::sin(angle) * mscale;
            const float a = v[i];
            const float b = v[i + half];
            v[i] = a * c - b * s;
            v[i + half] = a * s + b * c;
            theta *= theta_scale;
        }
    }
}

void softmax_ref(float* x, int64_t n)
{
    float max = -INFINITY;
    for (int64_t i = 0; i < n; ++i)
        max = std::fmax(max, x[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const float e = (x[i] == -INFINITY) ? 0.0f : std::exp(x[i] - max);
        x[i] = e;
        sum += e;
    }
    const float inv = float(1.0 / sum);
    for (int64_t i = 0; i < n; ++i)
        x[i] *= inv;
}

void swiglu_ref(const float* gate, const float* up, float* out, int64_t n)
{
    for (int64_t i = 0; i < n; ++i) {
        const float g = gate[i];
        out[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
}

float gelu_tanh_f16(uint16_t h)
{
    constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f, kA = 0.044715f;
    const float x = fp16_to_fp32(h);
    return fp16_to_fp32(fp32_to_fp16(0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kA * x * x)))));
}

const float* gelu_tanh_f16_table()
{
    // gelu_tanh_f16 of every half, made once (65536 tanh, ~1 ms): a tanh per element was ~10% of
    // a token of Gemma 3 270M.
    static const std::unique_ptr<const std::array<float, 65536>> table = [] {
        auto t = std::make_unique<std::array<float, 65536>>();
        for (uint32_t h = 0; h < 65536; ++h)
            (*t)[h] = gelu_tanh_f16(uint16_t(h));
        return t;
    }();
    return table->data();
}

void geglu_ref(const float* gate, const float* up, float* out, int64_t n)
{
    const float* table = gelu_tanh_f16_table();
    for (int64_t i = 0; i < n; ++i) {
        const float g = gate[i];
        float act;
        if (g <= -10.0f)
            act = 0.0f;
        else if (g >= 10.0f)
            act = g;
        else
            act = table[fp32_to_fp16(g)];
        out[i] = act * up[i];
    }
}

void rmsnorm_cpu(const float* x, const float* w, float* y, int64_t n, float eps)
{
    if (cpu_features().avx2)
        avx2::rmsnorm(x, w, y, n, eps);
    else
        rmsnorm_ref(x, w, y, n, eps);
}

void geglu_cpu(const float* gate, const float* up, float* out, int64_t n)
{
    if (cpu_features().avx2)
        avx2::geglu(gate, up, out, n);
    else
        geglu_ref(gate, up, out, n);
}

void softcap_ref(float* x, int64_t n, float cap)
{
    for (int64_t i = 0; i < n; ++i)
        x[i] = std::tanh(x[i] * (1.0f / cap)) * cap;
}

void add_ref(float* y, const float* x, int64_t n)
{
    for (int64_t i = 0; i < n; ++i)
        y[i] += x[i];
}

}   // namespace causerie::kernels
