#pragma once
// The data table of the low-bit kernels' saturation tests: columns type, fill (the byte every
// weight byte is set to) and x (every activation), one row per type of `types`, fill and sign.
// Byte 0x00: Q3_K codes -4 (no high bits) with scales -32, IQ4 grid value -127 (IQ4_XS scale
// -32); 0xFF: Q2_K codes 3 with scale and min 15, Q3_K codes 3 with scale 31, IQ4 value 113
// (scale 31). Constant activations quantize to codes of +-127: the largest products the kernels
// can see.
#include "kernels/cpu/quant_types.h"

#include <QTest>

#include <cstddef>

namespace causerie::testing {

template <size_t N>
void addExtremeCodeRows(const kernels::TensorType (&types)[N])
{
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("fill");
    QTest::addColumn<float>("x");
    for (kernels::TensorType t : types)
        for (int fill : {0x00, 0xFF})
            for (float x : {1.0f, -1.0f})
                QTest::addRow("%s 0x%02x x=%g", kernels::type_traits(uint32_t(t))->name, fill, double(x))
                    << int(t) << fill << x;
}

}   // namespace causerie::testing
