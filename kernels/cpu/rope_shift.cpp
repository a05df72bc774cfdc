#include "rope_shift.h"

#include "dequant_ref.h"

#include <cmath>
#include <vector>

namespace causerie::kernels {

void rope_shift_f16_ref(uint16_t* rows, int64_t n_rows, int64_t row_stride, const RopeShape& shape, int64_t delta)
{
    // Every row turns by the same angles: one cos/sin per pair, shared by all rows and heads.
    const int64_t pairs = shape.n_rot / 2;
    std::vector<float> cs(size_t(2 * pairs));
    const float theta_scale = std::pow(shape.freq_base, -2.0f / float(shape.n_rot));
    float theta = float(delta);
    for (int64_t i = 0; i < pairs; ++i) {
        const float angle = shape.freq_factors ? theta / shape.freq_factors[i] : theta;
        cs[size_t(2 * i)] = std::cos(angle);
        cs[size_t(2 * i + 1)] = std::sin(angle);
        theta *= theta_scale;
    }
    // NeoX pairs value i with value i + n_rot/2; the normal layout pairs 2i with 2i + 1.
    const int64_t step = shape.neox ? 1 : 2;
    const int64_t partner = shape.neox ? pairs : 1;
    for (int64_t r = 0; r < n_rows; ++r) {
        for (int64_t h = 0; h < shape.n_heads; ++h) {
            uint16_t* v = rows + r * row_stride + h * shape.head_dim;
            for (int64_t i = 0; i < pairs; ++i) {
                const float c = cs[size_t(2 * i)];
                const float s = cs[size_t(2 * i + 1)];
                uint16_t* pa = v + i * step;
                uint16_t* pb = pa + partner;
                const float a = fp16_to_fp32(*pa);
                const float b = fp16_to_fp32(*pb);
                *pa = fp32_to_fp16(a * c - b * s);
                *pb = fp32_to_fp16(a * s + b * c);
            }
        }
    }
}

}   // namespace causerie::kernels
