// The low-bit kernels again, compiled with AVX-512 VNNI/VL/BW enabled (see matmul_lowbit_avx2.cpp).
// Entered only when cpu_features().avx512_vnni.
#define CAUSERIE_LOWBIT_NS lowbit_avx512
#define CAUSERIE_LOWBIT_VNNI 1
#include "matmul_lowbit_avx2.cpp"
