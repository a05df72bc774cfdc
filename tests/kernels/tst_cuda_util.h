#pragma once
// Shared by the tst_cuda_* kernel tests: deterministic data and device buffers (sim memory).
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/quant_types.h"
#include "kernels/cpu/quantize_ref.h"
#include "kernels/cuda/device.h"
#include "tests/common/data_columns.h"

#if !defined(CAUSERIE_CUDA_SIM)
#include "kernels/cuda/device_probe.h"
#endif

#include <QtGlobal>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace cuda_test {

using namespace causerie::kernels;
using causerie::testing::addTypedColumns;

// These tests build twice: against the sim (label cuda-sim) and against the real kernels
// (label gpu), where they skip cleanly without a usable device.
#if defined(CAUSERIE_CUDA_SIM)
#define CUDA_TEST_REQUIRE_DEVICE()
#else
#define CUDA_TEST_REQUIRE_DEVICE()                                                                                     \
    do {                                                                                                               \
        const auto probe_ = causerie::kernels::cuda::probe_devices();                                                  \
        if (!probe_.usable)                                                                                            \
            QSKIP(qPrintable(QStringLiteral("no usable CUDA device: %1").arg(QString::fromStdString(probe_.reason)))); \
    } while (0)
#endif

// The GpuStatus `st` is an error whose message contains `needle` (the test fails showing the message).
#define CUDA_VERIFY_REJECTED(st, needle)                                                                               \
    QVERIFY2(!(st).ok() && (st).error.find(needle) != std::string::npos, (st).ok() ? "accepted" : (st).error.c_str())

// Float results a GPU computes with its own expf/cosf/sinf: equal under the sim (the host
// computes both sides), within 8 ulps (relative 1e-6) plus 1e-30 on a GPU, whose CUDA math
// functions are accurate to 2 ulps and errors pass through a few operations.
inline bool same_or_ulps(float got, float want)
{
#if defined(CAUSERIE_CUDA_SIM)
    return got == want || (std::isnan(got) && std::isnan(want));
#else
    return std::fabs(got - want) <= 1e-6f * std::fabs(want) + 1e-30f;
#endif
}

// Normal-ish values with a few outliers, as activations have.
inline std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v)
        x = dist(rng);
    for (size_t i = 7; i < n; i += 97)
        v[i] *= 8.0f;
    return v;
}

// rows x cols floats quantized row by row to `type` (valid blocks from the reference quantizer).
inline std::vector<uint8_t> random_blocks(TensorType type, int64_t rows, int64_t cols, uint32_t seed);

// Types we cannot quantize (Q2_K, Q3_K, IQ4_NL, IQ4_XS) get random blocks instead.
inline std::vector<uint8_t> quantized_matrix(TensorType type, int64_t rows, int64_t cols, uint32_t seed)
{
    if (!has_quantizer_ref(type))
        return random_blocks(type, rows, cols, seed);
    const auto f = random_floats(size_t(rows * cols), seed, 0.5f);
    const size_t rb = row_bytes(type, cols);
    std::vector<uint8_t> out(rb * size_t(rows));
    for (int64_t r = 0; r < rows; ++r)
        quantize_row_ref(type, f.data() + r * cols, out.data() + size_t(r) * rb, cols);
    return out;
}

// rows x cols of `type` with every code bit random (all bit patterns a file may hold, not only
// those our quantizer writes), and the block scales set to sane random halves.
inline std::vector<uint8_t> random_blocks(TensorType type, int64_t rows, int64_t cols, uint32_t seed)
{
    std::mt19937 rng(seed);
    const size_t rb = row_bytes(type, cols);
    std::vector<uint8_t> out(rb * size_t(rows));
    for (auto& b : out)
        b = uint8_t(rng());
    const TypeTraits* tt = type_traits(uint32_t(type));
    std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
    auto set_half = [&](uint8_t* p) {
        const uint16_t h = fp32_to_fp16(scale(rng));
        std::memcpy(p, &h, 2);
    };
    for (size_t off = 0; off < out.size(); off += tt->block_bytes) {
        uint8_t* b = out.data() + off;
        switch (type) {
        case TensorType::Q4_0:
        case TensorType::Q5_0:
        case TensorType::Q8_0: set_half(b); break;
        case TensorType::Q4_1:
        case TensorType::Q5_1:
        case TensorType::Q4_K:
        case TensorType::Q5_K: set_half(b), set_half(b + 2); break;
        case TensorType::Q6_K: set_half(b + 208); break;
        case TensorType::Q2_K: set_half(b + 80), set_half(b + 82); break;
        case TensorType::Q3_K: set_half(b + 108); break;
        case TensorType::IQ4_NL:
        case TensorType::IQ4_XS: set_half(b); break;
        default: return quantized_matrix(type, rows, cols, seed);   // float types: random bits are NaNs
        }
    }
    return out;
}

// A device allocation that frees itself.
struct DeviceBuffer {
    void* ptr = nullptr;
    size_t bytes = 0;
    explicit DeviceBuffer(size_t n)
        : bytes(n)
    {
        if (!gpu::device_malloc(&ptr, n).ok())
            ptr = nullptr;
    }
    template <class T>
    explicit DeviceBuffer(const std::vector<T>& host)
        : DeviceBuffer(host.size() * sizeof(T))
    {
        if (ptr)
            (void)gpu::copy_to_device(ptr, host.data(), bytes, nullptr);
    }
    ~DeviceBuffer() { gpu::device_free(ptr); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    template <class T>
    T* as() const
    {
        return static_cast<T*>(ptr);
    }
    template <class T>
    std::vector<T> read() const
    {
        std::vector<T> v(bytes / sizeof(T));
        (void)gpu::copy_to_host(v.data(), ptr, bytes, nullptr);
        return v;
    }
};

}   // namespace cuda_test
