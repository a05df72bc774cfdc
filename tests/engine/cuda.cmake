# The CUDA backend end to end under the CUDA sim (the `cuda-sim` device) against the CPU backend.
# ~20 s on an idle machine (every GPU thread is a fiber; the tiny model's 32000-row output head
# is a million of them per token); the timeout leaves room for a loaded CI machine.
if(CAUSERIE_CUDA_SIM)
  causerie_add_test(tst_cuda_backend SOURCES tst_cuda_backend.cpp LIBS causerie_engine causerie_cuda_sim
                    LABELS cuda-sim TIMEOUT 900)
  # The CUDA backend's host layers against the CPU backend on the AVX2 and the full (AVX-512)
  # dispatch too ("native": any value but scalar/avx2 caps nothing); the rest of the test holds on
  # the scalar kernels only, so these entries run that one function.
  foreach(cap avx2 native)
    add_test(NAME tst_cuda_backend_host_${cap} COMMAND tst_cuda_backend hostLayersMatchCpu)
    set_tests_properties(tst_cuda_backend_host_${cap} PROPERTIES TIMEOUT 300 LABELS cuda-sim
      ENVIRONMENT "QT_QPA_PLATFORM=offscreen;CAUSERIE_CPU=${cap}")
  endforeach()
endif()
# The same backend on a real GPU, end to end against the CPU (label `gpu`: scripts/gpu-check.sh);
# it skips with the probe's reason without a device.
if(CAUSERIE_HAVE_CUDA)
  causerie_add_test(tst_cuda_gpu_eval SOURCES tst_cuda_gpu_eval.cpp LIBS causerie_engine LABELS gpu TIMEOUT 900)
endif()
