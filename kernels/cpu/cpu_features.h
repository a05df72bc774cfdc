#pragma once
// What the CPU we run on can do, found once at run time (cpuid + xgetbv), so one binary runs
// on any x86-64 and still uses AVX2/AVX-512 where the CPU and the OS support them.
#include <string>

namespace causerie::kernels {

struct CpuFeatures {
    bool avx2 = false;     // AVX2 + FMA + F16C, and the OS saves YMM registers
    bool avx512 = false;   // AVX-512 F/BW/VL, and the OS saves ZMM/opmask registers
    bool avx512_vnni = false;
};

// Detected once (thread-safe static); CAUSERIE_CPU=scalar|avx2 in the environment caps what is
// used, so the fallback paths can be exercised and benchmarked on a machine that has more.
const CpuFeatures& cpu_features();

// "AVX2+FMA+F16C", "AVX-512 VNNI", "scalar": what the optimized kernels actually dispatch to.
std::string cpu_features_summary();

}   // namespace causerie::kernels
