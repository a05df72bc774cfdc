// Reference dequantizers and fp16/bf16 conversions against hand-worked blocks and against
// gguf-py's decoders (tests/data/quant/quant_vectors.txt).
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/quant_types.h"
#include "quant_vectors.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <vector>

using namespace causerie::kernels;

namespace {

std::vector<float> decode(TensorType type, const std::vector<uint8_t>& bytes, int64_t n)
{
    std::vector<float> out(size_t(n), -12345.0f);
    dequantize_row_ref(type, bytes.data(), out.data(), n);
    return out;
}

void put_half(std::vector<uint8_t>& b, size_t offset, uint16_t h)
{
    b[offset] = uint8_t(h & 0xFF);
    b[offset + 1] = uint8_t(h >> 8);
}

void put_bytes(std::vector<uint8_t>& b, size_t offset, std::initializer_list<uint8_t> bytes)
{
    std::copy(bytes.begin(), bytes.end(), b.begin() + ptrdiff_t(offset));
}

}   // namespace

class TestDequant : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void typeTraits();
    void fp16ToFp32();
    void fp32ToFp16();
    void fp16RoundTripAllCodes();
    void bf16();
    void handQ4_0();
    void handQ4_1();
    void handQ5_0();
    void handQ8_0();
    void handQ4_K();
    void handQ6_K();
    void handQ2_K();
    void handQ3_K();
    void handIQ4_NL();
    void handIQ4_XS();
    void unalignedSource();
    void unsupportedTypeGivesNaN();
    void againstGgufPy_data();
    void againstGgufPy();
};

void TestDequant::typeTraits()
{
    // Block sizes and bytes from ggml's block structs (ggml-common.h), written out here.
    struct Expect {
        TensorType t;
        const char* name;
        int64_t bs;
        size_t bytes;
        bool supported;
    };
    const Expect table[] = {
        {TensorType::F32, "F32", 1, 4, true},           {TensorType::F16, "F16", 1, 2, true},
        {TensorType::BF16, "BF16", 1, 2, true},         {TensorType::Q4_0, "Q4_0", 32, 18, true},
        {TensorType::Q4_1, "Q4_1", 32, 20, true},       {TensorType::Q5_0, "Q5_0", 32, 22, true},
        {TensorType::Q5_1, "Q5_1", 32, 24, true},       {TensorType::Q8_0, "Q8_0", 32, 34, true},
        {TensorType::Q8_1, "Q8_1", 32, 36, false},      {TensorType::Q2_K, "Q2_K", 256, 84, true},
        {TensorType::Q3_K, "Q3_K", 256, 110, true},     {TensorType::Q4_K, "Q4_K", 256, 144, true},
        {TensorType::Q5_K, "Q5_K", 256, 176, true},     {TensorType::Q6_K, "Q6_K", 256, 210, true},
        {TensorType::Q8_K, "Q8_K", 256, 292, false},    {TensorType::IQ4_NL, "IQ4_NL", 32, 18, true},
        {TensorType::IQ4_XS, "IQ4_XS", 256, 136, true},
    };
    QCOMPARE(uint32_t(TensorType::IQ4_NL), 20u);   // ggml's type numbers
    QCOMPARE(uint32_t(TensorType::IQ4_XS), 23u);
    for (const Expect& e : table) {
        const TypeTraits* t = type_traits(uint32_t(e.t));
        QVERIFY2(t != nullptr, e.name);
        QCOMPARE(QByteArray(t->name), QByteArray(e.name));
        QCOMPARE(t->block_size, e.bs);
        QCOMPARE(t->block_bytes, e.bytes);
        QCOMPARE(t->supported, e.supported);
    }
    // 4 and 5 were Q4_2/Q4_3 (removed from ggml), 16.. are IQ formats we do not know (but 20, 23).
    for (uint32_t unknown : {4u, 5u, 16u, 19u, 21u, 22u, 29u, 31u, 1000u, 0xFFFFFFFFu})
        QVERIFY2(type_traits(unknown) == nullptr, qPrintable(QString::number(unknown)));

    QCOMPARE(row_bytes(TensorType::Q4_K, 4096), size_t(16 * 144));
    QCOMPARE(row_bytes(TensorType::IQ4_XS, 4096), size_t(16 * 136));
    QCOMPARE(row_bytes(TensorType::IQ4_NL, 64), size_t(36));
    QCOMPARE(row_bytes(TensorType::Q8_0, 64), size_t(68));
    QCOMPARE(row_bytes(TensorType::F16, 10), size_t(20));
    QCOMPARE(row_bytes(TensorType::F32, 3), size_t(12));
}

void TestDequant::fp16ToFp32()
{
    QCOMPARE(fp16_to_fp32(0x3C00), 1.0f);
    QCOMPARE(fp16_to_fp32(0xC000), -2.0f);
    QCOMPARE(fp16_to_fp32(0x3555), 0.333251953125f);         // 0x155/1024 * 2^-2 + 2^-2
    QCOMPARE(fp16_to_fp32(0x7BFF), 65504.0f);                // largest finite half
    QCOMPARE(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14));   // smallest normal
    QCOMPARE(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));   // smallest subnormal
    QCOMPARE(fp16_to_fp32(0x03FF), std::ldexp(1023.0f, -24));
    QCOMPARE(fp16_to_fp32(0x8001), -std::ldexp(1.0f, -24));
    QCOMPARE(quant_test::float_bits(fp16_to_fp32(0x0000)), 0x00000000u);
    QCOMPARE(quant_test::float_bits(fp16_to_fp32(0x8000)), 0x80000000u);   // -0 keeps its sign
    QVERIFY(std::isinf(fp16_to_fp32(0x7C00)) && fp16_to_fp32(0x7C00) > 0);
    QVERIFY(std::isinf(fp16_to_fp32(0xFC00)) && fp16_to_fp32(0xFC00) < 0);
    QVERIFY(std::isnan(fp16_to_fp32(0x7E00)));
    QVERIFY(std::isnan(fp16_to_fp32(0x7C01)));   // signalling-NaN pattern is still NaN, not inf
    QVERIFY(std::isnan(fp16_to_fp32(0xFE00)));
}

void TestDequant::fp32ToFp16()
{
    QCOMPARE(fp32_to_fp16(1.0f), uint16_t(0x3C00));
    QCOMPARE(fp32_to_fp16(-2.0f), uint16_t(0xC000));
    QCOMPARE(fp32_to_fp16(65504.0f), uint16_t(0x7BFF));
    QCOMPARE(fp32_to_fp16(65519.0f), uint16_t(0x7BFF));   // below the 65520 midpoint
    QCOMPARE(fp32_to_fp16(65520.0f), uint16_t(0x7C00));   // midpoint, ties to even = inf
    QCOMPARE(fp32_to_fp16(-1e9f), uint16_t(0xFC00));
    QCOMPARE(fp32_to_fp16(INFINITY), uint16_t(0x7C00));
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: even mantissa (1) wins.
    QCOMPARE(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), uint16_t(0x3C00));
    // 1 + 3*2^-11 is halfway between mantissas 1 and 2: even (2) wins.
    QCOMPARE(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), uint16_t(0x3C02));
    QCOMPARE(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), uint16_t(0x3C01));
    // Subnormal range: code = round_even(x / 2^-24).
    QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -24)), uint16_t(0x0001));
    QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -25)), uint16_t(0x0000));   // tie -> even 0
    QCOMPARE(fp32_to_fp16(std::ldexp(1.5f, -25)), uint16_t(0x0001));
    QCOMPARE(fp32_to_fp16(std::ldexp(2.5f, -24)), uint16_t(0x0002));   // tie -> even 2
    QCOMPARE(fp32_to_fp16(std::ldexp(3.5f, -24)), uint16_t(0x0004));   // tie -> even 4
    QCOMPARE(fp32_to_fp16(-std::ldexp(1023.0f, -24)), uint16_t(0x83FF));
    QCOMPARE(fp32_to_fp16(std::ldexp(1023.5f, -24)), uint16_t(0x0400));   // rounds up into normal
    QCOMPARE(fp32_to_fp16(1e-30f), uint16_t(0x0000));
    QCOMPARE(fp32_to_fp16(-0.0f), uint16_t(0x8000));
    const uint16_t nan = fp32_to_fp16(NAN);
    QVERIFY((nan & 0x7C00) == 0x7C00 && (nan & 0x03FF) != 0);
}

void TestDequant::fp16RoundTripAllCodes()
{
    // Every non-NaN half is exactly representable in float, so it must come back unchanged.
    for (uint32_t h = 0; h < 0x10000; ++h) {
        if ((h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0)
            continue;
        const uint16_t back = fp32_to_fp16(fp16_to_fp32(uint16_t(h)));
        if (back != h)
            QFAIL(qPrintable(QStringLiteral("half 0x%1 came back as 0x%2")
                                 .arg(h, 4, 16, QLatin1Char('0'))
                                 .arg(back, 4, 16, QLatin1Char('0'))));
    }
}

void TestDequant::bf16()
{
    QCOMPARE(bf16_to_fp32(0x3F80), 1.0f);
    QCOMPARE(bf16_to_fp32(0xC040), -3.0f);
    QCOMPARE(fp32_to_bf16(1.0f), uint16_t(0x3F80));
    auto from_bits = [](uint32_t b) {
        float f;
        std::memcpy(&f, &b, 4);
        return f;
    };
    QCOMPARE(fp32_to_bf16(from_bits(0x3F808000)), uint16_t(0x3F80));   // tie -> even
    QCOMPARE(fp32_to_bf16(from_bits(0x3F818000)), uint16_t(0x3F82));   // tie -> even
    QCOMPARE(fp32_to_bf16(from_bits(0x3F808001)), uint16_t(0x3F81));
    QCOMPARE(fp32_to_bf16(from_bits(0x7F7FFFFF)), uint16_t(0x7F80));   // max float rounds to inf
    QCOMPARE(fp32_to_bf16(INFINITY), uint16_t(0x7F80));
    QCOMPARE(fp32_to_bf16(from_bits(0x00000001)), uint16_t(0x0000));                // float subnormal -> 0
    QCOMPARE(fp32_to_bf16(from_bits(0x00008000 | 0x00010000)), uint16_t(0x0002));   // subnormal tie
    // A NaN whose payload sits only in the low 16 bits would become inf if simply rounded.
    const uint16_t nan = fp32_to_bf16(from_bits(0x7F800001));
    QVERIFY((nan & 0x7F80) == 0x7F80 && (nan & 0x007F) != 0);
    QVERIFY(std::isnan(bf16_to_fp32(nan)));
    QVERIFY(std::isnan(bf16_to_fp32(0xFFC0)));
}

void TestDequant::handQ4_0()
{
    // d = 0.5; qs[j] low nibble = element j, high nibble = element j + 16.
    std::vector<uint8_t> b(18);
    put_half(b, 0, 0x3800);   // 0.5
    for (int j = 0; j < 16; ++j)
        b[2 + j] = uint8_t(j | (15 - j) << 4);
    const auto y = decode(TensorType::Q4_0, b, 32);
    for (int j = 0; j < 16; ++j) {
        QCOMPARE(y[j], (j - 8) * 0.5f);
        QCOMPARE(y[j + 16], (15 - j - 8) * 0.5f);
    }
}

void TestDequant::handQ4_1()
{
    // d = 2, m = -1.5: x = 2q - 1.5.
    std::vector<uint8_t> b(20);
    put_half(b, 0, 0x4000);
    put_half(b, 2, 0xBE00);
    for (int j = 0; j < 16; ++j)
        b[4 + j] = uint8_t(j | 3 << 4);
    const auto y = decode(TensorType::Q4_1, b, 32);
    for (int j = 0; j < 16; ++j) {
        QCOMPARE(y[j], 2.0f * j - 1.5f);
        QCOMPARE(y[j + 16], 4.5f);
    }
}

void TestDequant::handQ5_0()
{
    // d = 0.25, all nibbles 0xF; qh = 0x80000001: element 0 and element 31 have the 5th bit.
    // Codes: 31 for elements 0 and 31, 15 for the others; x = (code - 16) * 0.25.
    std::vector<uint8_t> b(22);
    put_half(b, 0, 0x3400);
    put_bytes(b, 2, {0x01, 0x00, 0x00, 0x80});
    for (int j = 0; j < 16; ++j)
        b[6 + j] = 0xFF;
    const auto y = decode(TensorType::Q5_0, b, 32);
    for (int j = 0; j < 32; ++j)
        QCOMPARE(y[j], (j == 0 || j == 31) ? 3.75f : -0.25f);

    // Same block as Q5_1 (extra 2-byte min of 10): x = 0.25 * code + 10.
    std::vector<uint8_t> b1(24);
    put_half(b1, 0, 0x3400);
    put_half(b1, 2, 0x4900);
    std::memcpy(&b1[4], &b[2], 20);
    const auto y1 = decode(TensorType::Q5_1, b1, 32);
    for (int j = 0; j < 32; ++j)
        QCOMPARE(y1[j], (j == 0 || j == 31) ? 17.75f : 13.75f);
}

void TestDequant::handQ8_0()
{
    std::vector<uint8_t> b(2 * 34);
    put_half(b, 0, 0x3C00);    // block 0: d = 1
    put_half(b, 34, 0xB400);   // block 1: d = -0.25
    for (int j = 0; j < 32; ++j) {
        b[2 + j] = uint8_t(int8_t(j - 16));
        b[36 + j] = uint8_t(int8_t(j == 0 ? -128 : 127));
    }
    const auto y = decode(TensorType::Q8_0, b, 64);
    for (int j = 0; j < 32; ++j) {
        QCOMPARE(y[j], float(j - 16));
        QCOMPARE(y[32 + j], j == 0 ? 32.0f : -31.75f);
    }
}

void TestDequant::handQ4_K()
{
    // sc = {1, 2, 3, 4, 33, 34, 35, 36}, m = {5, 6, 7, 8, 17, 18, 19, 20}, packed by hand:
    //   bytes 0..3  = sc[0..3] | (sc[4..7] >> 4) << 6 = 0x81 0x82 0x83 0x84
    //   bytes 4..7  = m[0..3]  | (m[4..7]  >> 4) << 6 = 0x45 0x46 0x47 0x48
    //   bytes 8..11 = (sc[4..7] & 15) | (m[4..7] & 15) << 4 = 0x11 0x22 0x33 0x44
    // d = 1, dmin = 0.5, every qs byte 0x21: sub-blocks 0,2,4,6 read the low nibble (1),
    // 1,3,5,7 the high nibble (2). x = d*sc*q - dmin*m.
    std::vector<uint8_t> b(144);
    put_half(b, 0, 0x3C00);
    put_half(b, 2, 0x3800);
    const uint8_t scales[12] = {0x81, 0x82, 0x83, 0x84, 0x45, 0x46, 0x47, 0x48, 0x11, 0x22, 0x33, 0x44};
    std::memcpy(&b[4], scales, 12);
    std::memset(&b[16], 0x21, 128);
    const float expected[8] = {1 - 2.5f, 4 - 3.0f, 3 - 3.5f, 8 - 4.0f, 33 - 8.5f, 68 - 9.0f, 35 - 9.5f, 72 - 10.0f};
    const auto y = decode(TensorType::Q4_K, b, 256);
    for (int e = 0; e < 256; ++e)
        QCOMPARE(y[e], expected[e / 32]);

    // Q5_K with the same scales; qh[l] = 0x05 sets the 5th bit of sub-blocks 0 and 2
    // (bit 2p of qh is the low-nibble sub-block of pair p), adding 16 to their codes.
    std::vector<uint8_t> b5(176);
    std::memcpy(&b5[0], &b[0], 16);
    std::memset(&b5[16], 0x05, 32);
    std::memset(&b5[48], 0x21, 128);
    const auto y5 = decode(TensorType::Q5_K, b5, 256);
    for (int e = 0; e < 256; ++e) {
        const int s = e / 32;
        const float extra = (s == 0 || s == 2) ? 16.0f * float(s + 1) : 0.0f;   // d*sc*16
        QCOMPARE(y5[e], expected[s] + extra);
    }
}

void TestDequant::handQ6_K()
{
    // ql bytes 0x53 (low nibble 3, high 5), qh bytes 0x93 = bit pairs (from low) 3, 0, 1, 2.
    // Quarter k of each 128-element half: low bits from the low nibble (k < 2) or high (k >= 2),
    // high bits = pair k. Codes - 32: k=0: 3|3<<4 = 51 -> 19; k=1: 3 -> -29; k=2: 5|1<<4 = 21
    // -> -11; k=3: 5|2<<4 = 37 -> 5. scales[s] = s - 8, d = 0.25: x = 0.25 * (s-8) * code.
    std::vector<uint8_t> b(210);
    std::memset(&b[0], 0x53, 128);
    std::memset(&b[128], 0x93, 64);
    for (int s = 0; s < 16; ++s)
        b[192 + s] = uint8_t(int8_t(s - 8));
    put_half(b, 208, 0x3400);
    const int codes[4] = {19, -29, -11, 5};
    const auto y = decode(TensorType::Q6_K, b, 256);
    for (int e = 0; e < 256; ++e)
        QCOMPARE(y[e], 0.25f * float(e / 16 - 8) * float(codes[(e % 128) / 32]));
}

void TestDequant::handQ2_K()
{
    // scales[s] = (m = s % 4) << 4 | (sc = s % 8 + 1); d = 0.5, dmin = 0.25; qs bytes 0xE4 =
    // 2-bit fields (from low) 0, 1, 2, 3: element 128n + 32j + l has code j. Scale s = e / 16.
    std::vector<uint8_t> b(84);
    for (int s = 0; s < 16; ++s)
        b[s] = uint8_t((s % 4) << 4 | (s % 8 + 1));
    std::memset(&b[16], 0xE4, 64);
    put_half(b, 80, 0x3800);
    put_half(b, 82, 0x3400);
    const auto y = decode(TensorType::Q2_K, b, 256);
    for (int e = 0; e < 256; ++e) {
        const int s = e / 16, code = (e % 128) / 32;
        QCOMPARE(y[e], 0.5f * float(s % 8 + 1) * float(code) - 0.25f * float(s % 4));
    }
}

void TestDequant::handQ3_K()
{
    // 6-bit scales with -32: scale s has low nibble s (bytes 0..7: low nibble s, high s + 8)
    // and high bits 2 (bytes 8..11 = 0xAA): value s + 32 - 32 = s. qs 0xE4 gives low bits j as
    // in Q2_K; hmask[l] = 0x0F sets the third bit for n = 0 (bits 0..3) only: codes j for the
    // first 128 elements, j - 4 for the second. d = 2.
    std::vector<uint8_t> b(110);
    std::memset(&b[0], 0x0F, 32);
    std::memset(&b[32], 0xE4, 64);
    for (int i = 0; i < 8; ++i)
        b[96 + i] = uint8_t(i | (i + 8) << 4);
    std::memset(&b[104], 0xAA, 4);
    put_half(b, 108, 0x4000);
    const auto y = decode(TensorType::Q3_K, b, 256);
    for (int e = 0; e < 256; ++e) {
        const int code = (e % 128) / 32 - (e >= 128 ? 4 : 0);
        QCOMPARE(y[e], 2.0f * float(e / 16) * float(code));
    }
}

void TestDequant::handIQ4_NL()
{
    // The grid (GGUF's kvalues_iq4nl), written out: code c -> grid[c] * d. qs[j] = j | (15-j) << 4:
    // element j < 16 reads code j, element 16 + j code 15 - j.
    const float grid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    std::vector<uint8_t> b(18);
    put_half(b, 0, 0xB800);   // -0.5
    for (int j = 0; j < 16; ++j)
        b[2 + j] = uint8_t(j | (15 - j) << 4);
    const auto y = decode(TensorType::IQ4_NL, b, 32);
    for (int j = 0; j < 16; ++j) {
        QCOMPARE(y[j], -0.5f * grid[j]);
        QCOMPARE(y[16 + j], -0.5f * grid[15 - j]);
    }
}

void TestDequant::handIQ4_XS()
{
    // Sub-block scale ib: low 4 bits = nibble ib % 2 of scales_l[ib / 2], high 2 bits = bits
    // 2ib..2ib+1 of scales_h; minus 32. scales_l = {0x10, 0x32, 0x54, 0x76} (low nibbles ib),
    // scales_h = 0xAAAA (high bits 2 each): scale = ib + 32 - 32 = ib. d = 0.25; every code 8
    // (grid value 1) in the low nibble, 0 (-127) in the high: x = 0.25 * ib * (1 or -127).
    std::vector<uint8_t> b(136);
    put_half(b, 0, 0x3400);
    put_bytes(b, 2, {0xAA, 0xAA, 0x10, 0x32, 0x54, 0x76});
    std::memset(&b[8], 0x08, 128);
    const auto y = decode(TensorType::IQ4_XS, b, 256);
    for (int e = 0; e < 256; ++e)
        QCOMPARE(y[e], 0.25f * float(e / 32) * ((e % 32) < 16 ? 1.0f : -127.0f));
}

void TestDequant::unalignedSource()
{
    // Rows come from an mmapped file at arbitrary offsets: decode from an odd address.
    std::vector<uint8_t> buf(1 + 4 * 3);
    const float src[3] = {1.5f, -2.0f, 1e-3f};
    std::memcpy(&buf[1], src, sizeof src);
    float out[3];
    dequantize_row_ref(TensorType::F32, &buf[1], out, 3);
    QCOMPARE(out[0], 1.5f);
    QCOMPARE(out[2], 1e-3f);
    std::vector<uint8_t> q(1 + 144, 0);
    put_half(q, 1, 0x3C00);
    float y[256];
    dequantize_row_ref(TensorType::Q4_K, &q[1], y, 256);   // all-zero scales -> zeros
    QCOMPARE(y[0], 0.0f);
    QCOMPARE(y[255], 0.0f);
}

void TestDequant::unsupportedTypeGivesNaN()
{
    // A type number outside the enum (16 is ggml's IQ2_XXS, which we do not know) has no
    // decoder: the output must be unmistakably wrong, not plausible.
    std::vector<uint8_t> b(84, 0);
    const auto y = decode(static_cast<TensorType>(16), b, 256);
    for (float v : y)
        QVERIFY(std::isnan(v));
}

void TestDequant::againstGgufPy_data()
{
    QString error;
    const int count = quant_test::add_vector_rows("dequant", &error);
    QVERIFY2(count >= 0, qPrintable(error));
    QCOMPARE(count, 14);   // Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q4_K Q5_K Q6_K F16 BF16 Q2_K Q3_K IQ4_NL IQ4_XS
}

void TestDequant::againstGgufPy()
{
    const auto v = quant_test::current_vector();
    TensorType type{};
    QVERIFY(quant_test::type_from_name(v.type_name, &type));
    QCOMPARE(v.bytes.size(), row_bytes(type, v.n));
    QCOMPARE(int64_t(v.floats.size()), v.n);
    // Same float operations in the same order as gguf-py/ggml, so the match is bit-exact.
    const auto y = decode(type, v.bytes, v.n);
    for (int64_t i = 0; i < v.n; ++i) {
        if (quant_test::float_bits(y[i]) != quant_test::float_bits(v.floats[i]))
            QFAIL(qPrintable(QStringLiteral("element %1: got %2, gguf-py %3")
                                 .arg(i)
                                 .arg(double(y[i]), 0, 'g', 9)
                                 .arg(double(v.floats[i]), 0, 'g', 9)));
    }
}

QTEST_GUILESS_MAIN(TestDequant)
#include "tst_dequant.moc"
