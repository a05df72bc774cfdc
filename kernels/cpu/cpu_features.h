#pragma once
// What the CPU we run on can do, found once at run time (cpuid + xgetbv), so one binary runs
// on any x86-64 and still uses AVX2/AVX-512 where the CPU and the OS support them.
#include <string>

namespace causerie::kernels {

struct CpuFeatures {
    bool avx2 = false;     // AVX2 + FMA + F16C, and the OS saves YMM registers
    bool avx512 = false;   // AVX-512 F/BW/VL, and the OS saves ZMM/opmask registers
    bool avx512_vnni = false;
    // 256-bit vpdpbusd: VEX-encoded AVX-VNNI (Alder Lake and later, Zen 5), or the EVEX form on
    // YMM registers (AVX-512 VNNI + VL). Both need avx2.
    bool avx_vnni = false;
    bool avx512_vnni_256 = false;
};

// Detected once (thread-safe static); CAUSERIE_CPU in the environment caps what is used, so the
// fallback paths can be exercised and benchmarked on a machine that has more: "scalar" (the
// reference kernels), "avx2" (AVX2+FMA+F16C only, no VNNI of any width), "avx2-vnni" (AVX2 plus
// 256-bit VNNI, no 512-bit kernels). Any other value changes nothing.
const CpuFeatures& cpu_features();

// "AVX2+FMA+F16C", "AVX2+FMA+F16C, AVX-VNNI", "AVX2+FMA+F16C, AVX-512 VNNI", "scalar": what the
// optimized kernels actually dispatch to.
std::string cpu_features_summary();

}   // namespace causerie::kernels
