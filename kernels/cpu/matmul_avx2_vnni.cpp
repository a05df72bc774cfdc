// The AVX2 kernels again, compiled with AVX-512 VNNI/VL/BW enabled (see matmul_avx2.cpp): the
// integer dot products use vpdpbusd, and the compiler has 32 vector registers for the tiles.
// Entered only when cpu_features().avx512_vnni.
#define CAUSERIE_MATMUL_NS avx2_vnni
#define CAUSERIE_MATMUL_VNNI 1
#include "matmul_avx2.cpp"
