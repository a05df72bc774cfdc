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
