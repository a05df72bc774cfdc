# Optimized CPU kernels against the reference kernels (the oracle), at odd shapes.
# Each test also runs with the dispatch capped (CAUSERIE_CPU=avx2-vnni / avx2 / scalar), so the
# 256-bit VNNI, AVX2-only and scalar paths are exercised on a machine that has AVX-512 VNNI.
causerie_add_test(tst_matmul_cpu SOURCES tst_matmul_cpu.cpp LIBS causerie_kernels LABELS sanitize)
causerie_add_test(tst_attention_cpu SOURCES tst_attention_cpu.cpp LIBS causerie_kernels LABELS sanitize)
foreach(test tst_matmul_cpu tst_attention_cpu)
  foreach(cap avx2-vnni avx2 scalar)
    add_test(NAME ${test}_${cap} COMMAND ${test})
    set_tests_properties(${test}_${cap} PROPERTIES TIMEOUT 300 LABELS sanitize
      ENVIRONMENT "QT_QPA_PLATFORM=offscreen;CAUSERIE_CPU=${cap}")
  endforeach()
endforeach()
# Q2_K, Q3_K, IQ4_NL, IQ4_XS kernels (matmul_lowbit_*.cpp) against the reference, on every path.
causerie_add_test(tst_matmul_lowbit SOURCES tst_matmul_lowbit.cpp LIBS causerie_kernels LABELS sanitize)
foreach(cap avx2 scalar)
  add_test(NAME tst_matmul_lowbit_${cap} COMMAND tst_matmul_lowbit)
  set_tests_properties(tst_matmul_lowbit_${cap} PROPERTIES TIMEOUT 300 LABELS sanitize
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;CAUSERIE_CPU=${cap}")
endforeach()
