// The 256-bit repacked kernels (matmul_repack_avx2.cpp) with AVX-512 VNNI/VL used on YMM
// registers only (EVEX vpdpbusd, 32 vector registers): the 256-bit VNNI path on CPUs that have
// AVX-512 VNNI but not the VEX form (Zen 4, Ice Lake / Sapphire Rapids servers). Entered only when
// cpu_features().avx512_vnni_256 (which CAUSERIE_CPU=avx2-vnni keeps while capping the 512-bit
// kernels, so the VNNI form of these kernels is tested on such a CPU).
#define CAUSERIE_REPACK_NS avx2r_evex
#define CAUSERIE_REPACK_EVEX_VNNI 1
#include "matmul_repack_avx2.cpp"
