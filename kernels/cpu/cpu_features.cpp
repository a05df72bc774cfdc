#include "cpu_features.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define CAUSERIE_X86 1
#endif

namespace causerie::kernels {
namespace {

#ifdef CAUSERIE_X86
// XCR0 says which register files the OS saves on a context switch; using YMM/ZMM without it
// would corrupt other threads' registers. xgetbv is only valid when OSXSAVE is set.
unsigned long long read_xcr0()
{
    unsigned int eax = 0, edx = 0;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<unsigned long long>(edx) << 32) | eax;
}
#endif

CpuFeatures detect()
{
    CpuFeatures f;
#ifdef CAUSERIE_X86
    unsigned int a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return f;
    const bool fma = c & (1u << 12);
    const bool osxsave = c & (1u << 27);
    const bool avx = c & (1u << 28);
    const bool f16c = c & (1u << 29);
    if (!osxsave || !avx)
        return f;
    const unsigned long long xcr0 = read_xcr0();
    const bool ymm_saved = (xcr0 & 0x6) == 0x6;     // SSE + AVX state
    const bool zmm_saved = (xcr0 & 0xE6) == 0xE6;   // + opmask, ZMM_Hi256, Hi16_ZMM
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return f;
    const bool avx2 = b & (1u << 5);
    f.avx2 = ymm_saved && avx2 && fma && f16c;
    const bool avx512f = b & (1u << 16);
    const bool avx512bw = b & (1u << 30);
    const bool avx512vl = b & (1u << 31);
    f.avx512 = f.avx2 && zmm_saved && avx512f && avx512bw && avx512vl;
    f.avx512_vnni = f.avx512 && (c & (1u << 11));
    f.avx512_vnni_256 = f.avx512_vnni;
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d))
        f.avx_vnni = f.avx2 && (a & (1u << 4));
#endif
    if (const char* cap = std::getenv("CAUSERIE_CPU")) {
        if (std::strcmp(cap, "scalar") == 0)
            f = CpuFeatures{};
        else if (std::strcmp(cap, "avx2") == 0)
            f.avx512 = f.avx512_vnni = f.avx512_vnni_256 = f.avx_vnni = false;
        else if (std::strcmp(cap, "avx2-vnni") == 0)
            f.avx512 = f.avx512_vnni = false;
    }
    return f;
}

}   // namespace

const CpuFeatures& cpu_features()
{
    static const CpuFeatures features = detect();
    return features;
}

std::string cpu_features_summary()
{
    const CpuFeatures& f = cpu_features();
    if (f.avx512_vnni)
        return "AVX2+FMA+F16C, AVX-512 VNNI";
    if (f.avx2 && (f.avx_vnni || f.avx512_vnni_256))
        return f.avx_vnni ? "AVX2+FMA+F16C, AVX-VNNI" : "AVX2+FMA+F16C, AVX-512 VNNI on 256 bits";
    if (f.avx2)
        return "AVX2+FMA+F16C";
    return "scalar";
}

}   // namespace causerie::kernels
