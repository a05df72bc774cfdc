#pragma once
// Device-side dequantization of one element of a weight row, with the same float expressions
// as kernels/cpu/dequant_ref.cpp so results are bit-identical to the reference (included by
// .cu files only: embed.cu, dequant_f16.cu).
#include "common.cuh"
#include "kernels/cpu/quant_types.h"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// Nibble j (< 16: low of qs[j], else high of qs[j-16]) of a legacy block's 16 code bytes.
__device__ __forceinline__ int legacy_nibble(const uint8_t* qs, int j)
{
    return j < 16 ? (qs[j] & 0x0F) : (qs[j - 16] >> 4);
}

__device__ __forceinline__ int qh_bit(const uint8_t* qh, int j) { return (qh[j / 8] >> (j % 8)) & 1; }

// Sub-block scale and min of a Q4_K/Q5_K super-block (12 packed bytes, see quant_blocks_ref.h).
__device__ __forceinline__ void k4_scale_min(const uint8_t* s, int sub, int* sc, int* m)
{
    if (sub < 4) {
        *sc = s[sub] & 63;
        *m = s[sub + 4] & 63;
    } else {
        *sc = (s[sub + 4] & 0x0F) | (s[sub - 4] >> 6) << 4;
        *m = (s[sub + 4] >> 4) | (s[sub] >> 6) << 4;
    }
}

// Q3_K's 6-bit scale i (0..15) minus 32, from its 12 packed bytes (see quant_blocks_ref.h).
__device__ __forceinline__ int q3_k_scale(const uint8_t* s, int i)
{
    const int lo = i < 8 ? (s[i] & 0x0F) : (s[i - 8] >> 4);
    const int hi = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
    return (lo | hi << 4) - 32;
}

// IQ4_NL / IQ4_XS grid value of a 4-bit code (blocks::k_iq4nl_values, kept here as a switch so
// device code needs no table in host memory).
__device__ __forceinline__ int iq4_value(int code)
{
    switch (code & 15) {
    case 0: return -127;
    case 1: return -104;
    case 2: return -83;
    case 3: return -65;
    case 4: return -49;
    case 5: return -35;
    case 6: return -22;
    case 7: return -10;
    case 8: return 1;
    case 9: return 13;
    case 10: return 25;
    case 11: return 38;
    case 12: return 53;
    case 13: return 69;
    case 14: return 89;
    default: return 113;
    }
}

// IQ4_XS sub-block ib's scale minus 32 (block bytes: d, scales_h at 2, scales_l at 4).
__device__ __forceinline__ int iq4_xs_scale(const uint8_t* b, int ib)
{
    const int lo = (b[4 + ib / 2] >> (4 * (ib % 2))) & 0x0F;
    const int hi = (load_u16(b + 2) >> (2 * ib)) & 3;
    return (lo | hi << 4) - 32;
}

template <TensorType T>
__device__ __forceinline__ float dequant_elem(const uint8_t* row, int64_t e)
{
    using namespace blocks;
    if constexpr (T == TensorType::F32) {
        return __int_as_float(int(uint32_t(load_u16(row + 4 * e)) | uint32_t(load_u16(row + 4 * e + 2)) << 16));
    } else if constexpr (T == TensorType::F16) {
        return half_bits_to_float(load_u16(row + 2 * e));
    } else if constexpr (T == TensorType::BF16) {
        return bf16_bits_to_float(load_u16(row + 2 * e));
    } else if constexpr (T == TensorType::Q4_0) {
        const uint8_t* b = row + (e / QK) * 18;
        return float(legacy_nibble(b + 2, int(e % QK)) - 8) * half_bits_to_float(load_u16(b));
    } else if constexpr (T == TensorType::Q4_1) {
        const uint8_t* b = row + (e / QK) * 20;
        return __fadd_rn(__fmul_rn(float(legacy_nibble(b + 4, int(e % QK))), half_bits_to_float(load_u16(b))),
                         half_bits_to_float(load_u16(b + 2)));
    } else if constexpr (T == TensorType::Q5_0) {
        const uint8_t* b = row + (e / QK) * 22;
        const int j = int(e % QK);
        const int q = legacy_nibble(b + 6, j) | qh_bit(b + 2, j) << 4;
        return float(q - 16) * half_bits_to_float(load_u16(b));
    } else if constexpr (T == TensorType::Q5_1) {
        const uint8_t* b = row + (e / QK) * 24;
        const int j = int(e % QK);
        const int q = legacy_nibble(b + 8, j) | qh_bit(b + 4, j) << 4;
        return __fadd_rn(__fmul_rn(float(q), half_bits_to_float(load_u16(b))), half_bits_to_float(load_u16(b + 2)));
    } else if constexpr (T == TensorType::Q8_0) {
        const uint8_t* b = row + (e / QK) * 34;
        return float(int8_t(b[2 + e % QK])) * half_bits_to_float(load_u16(b));
    } else if constexpr (T == TensorType::Q4_K || T == TensorType::Q5_K) {
        constexpr int kBytes = T == TensorType::Q4_K ? 144 : 176;
        const uint8_t* b = row + (e / QK_K) * kBytes;
        const int i = int(e % QK_K);
        const int sub = i / 32, p = i / 64, l = i % 32;
        const uint8_t* qs = b + (T == TensorType::Q4_K ? 16 : 48);
        int q = (sub & 1) ? (qs[32 * p + l] >> 4) : (qs[32 * p + l] & 0x0F);
        if constexpr (T == TensorType::Q5_K)
            q |= ((b[16 + l] >> sub) & 1) << 4;
        int sc, m;
        k4_scale_min(b + 4, sub, &sc, &m);
        const float ds = __fmul_rn(half_bits_to_float(load_u16(b)), float(sc));
        const float ms = __fmul_rn(half_bits_to_float(load_u16(b + 2)), float(m));
        return __fsub_rn(__fmul_rn(ds, float(q)), ms);
    } else if constexpr (T == TensorType::Q6_K) {
        const uint8_t* b = row + (e / QK_K) * 210;
        const int i = int(e % QK_K);
        const int c = i / 128, k = (i % 128) / 32, l = i % 32;
        const uint8_t lo_byte = b[64 * c + l + 32 * (k & 1)];
        const int lo = k < 2 ? (lo_byte & 0x0F) : (lo_byte >> 4);
        const int hi = (b[128 + 32 * c + l] >> (2 * k)) & 3;
        const int q = (lo | hi << 4) - 32;
        const float d = half_bits_to_float(load_u16(b + 208));
        return __fmul_rn(__fmul_rn(d, float(int8_t(b[192 + i / 16]))), float(q));
    } else if constexpr (T == TensorType::Q2_K) {
        const uint8_t* b = row + (e / QK_K) * 84;
        const int i = int(e % QK_K);
        const int q = (b[16 + 32 * (i / 128) + i % 32] >> (2 * ((i % 128) / 32))) & 3;
        const int sc = b[i / 16];
        const float dl = __fmul_rn(half_bits_to_float(load_u16(b + 80)), float(sc & 0x0F));
        const float ml = __fmul_rn(half_bits_to_float(load_u16(b + 82)), float(sc >> 4));
        return __fsub_rn(__fmul_rn(dl, float(q)), ml);
    } else if constexpr (T == TensorType::Q3_K) {
        const uint8_t* b = row + (e / QK_K) * 110;
        const int i = int(e % QK_K);
        const int n = i / 128, j = (i % 128) / 32, l = i % 32;
        const int low = (b[32 + 32 * n + l] >> (2 * j)) & 3;
        const int q = low - (((b[l] >> (4 * n + j)) & 1) ? 0 : 4);
        const float dl = __fmul_rn(half_bits_to_float(load_u16(b + 108)), float(q3_k_scale(b + 96, i / 16)));
        return __fmul_rn(dl, float(q));
    } else if constexpr (T == TensorType::IQ4_NL) {
        const uint8_t* b = row + (e / QK) * 18;
        return __fmul_rn(half_bits_to_float(load_u16(b)), float(iq4_value(legacy_nibble(b + 2, int(e % QK)))));
    } else if constexpr (T == TensorType::IQ4_XS) {
        const uint8_t* b = row + (e / QK_K) * 136;
        const int i = int(e % QK_K);
        const int ib = i / 32;
        const float dl = __fmul_rn(half_bits_to_float(load_u16(b)), float(iq4_xs_scale(b, ib)));
        return __fmul_rn(dl, float(iq4_value(legacy_nibble(b + 8 + 16 * ib, i % 32))));
    } else {
        static_assert(T == TensorType::F32, "no device dequantizer for this type");
        return 0.0f;
    }
}

// Returns f.template operator()<T>() (a GpuStatus) for a runtime type, or an error naming
// `op` and the type when no kernel exists for it.
template <class F>
GpuStatus dispatch_weight_type(TensorType t, const char* op, F&& f)
{
    switch (t) {
    case TensorType::F32: return f.template operator()<TensorType::F32>();
    case TensorType::F16: return f.template operator()<TensorType::F16>();
    case TensorType::BF16: return f.template operator()<TensorType::BF16>();
    case TensorType::Q4_0: return f.template operator()<TensorType::Q4_0>();
    case TensorType::Q4_1: return f.template operator()<TensorType::Q4_1>();
    case TensorType::Q5_0: return f.template operator()<TensorType::Q5_0>();
    case TensorType::Q5_1: return f.template operator()<TensorType::Q5_1>();
    case TensorType::Q8_0: return f.template operator()<TensorType::Q8_0>();
    case TensorType::Q4_K: return f.template operator()<TensorType::Q4_K>();
    case TensorType::Q5_K: return f.template operator()<TensorType::Q5_K>();
    case TensorType::Q6_K: return f.template operator()<TensorType::Q6_K>();
    case TensorType::Q2_K: return f.template operator()<TensorType::Q2_K>();
    case TensorType::Q3_K: return f.template operator()<TensorType::Q3_K>();
    case TensorType::IQ4_NL: return f.template operator()<TensorType::IQ4_NL>();
    case TensorType::IQ4_XS: return f.template operator()<TensorType::IQ4_XS>();
    default: break;
    }
    const TypeTraits* tt = type_traits(uint32_t(t));
    return gpu_error(std::string(op) + ": no GPU kernel for tensor type " +
                     (tt ? std::string(tt->name) : std::to_string(uint32_t(t))));
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
