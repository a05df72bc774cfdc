// The 256-bit repacked kernels (matmul_repack_avx2.cpp) with AVX-VNNI: VEX-encoded vpdpbusd on
// YMM registers (Intel Alder Lake and later, AMD Zen 5). Entered only when cpu_features().avx_vnni.
#define CAUSERIE_REPACK_NS avx2r_vnni
#define CAUSERIE_REPACK_VEX_VNNI 1
#include "matmul_repack_avx2.cpp"
