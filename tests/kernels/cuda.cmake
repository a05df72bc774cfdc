# CUDA kernels under the sim harness (CAUSERIE_CUDA_SIM): the sim's own semantics, then every
# kernel against its CPU reference. Kept small (fibers are slow): the whole set runs in seconds.
if(CAUSERIE_CUDA_SIM)
  causerie_add_test(tst_cuda_sim SOURCES tst_cuda_sim.cpp LIBS causerie_cuda_sim LABELS cuda-sim)
  causerie_add_test(tst_cuda_matvec SOURCES tst_cuda_matvec.cpp tst_cuda_util.h LIBS causerie_cuda_sim LABELS cuda-sim)
  causerie_add_test(tst_cuda_ops SOURCES tst_cuda_ops.cpp tst_cuda_util.h LIBS causerie_cuda_sim LABELS cuda-sim)
  causerie_add_test(tst_cuda_attention SOURCES tst_cuda_attention.cpp tst_cuda_util.h LIBS causerie_cuda_sim
                    LABELS cuda-sim)
  causerie_add_test(tst_cuda_prefill_attention SOURCES tst_cuda_prefill_attention.cpp tst_cuda_util.h
                    LIBS causerie_cuda_sim LABELS cuda-sim)
  causerie_add_test(tst_cuda_topk SOURCES tst_cuda_topk.cpp tst_cuda_util.h LIBS causerie_cuda_sim LABELS cuda-sim)
  causerie_add_test(tst_cuda_mmq SOURCES tst_cuda_mmq.cpp tst_cuda_util.h LIBS causerie_cuda_sim LABELS cuda-sim)
  causerie_add_test(tst_cuda_sample SOURCES tst_cuda_sample.cpp tst_cuda_util.h LIBS causerie_cuda_sim causerie_engine
                    LABELS cuda-sim)
endif()
# The same tests against the real kernels (nvcc): label `gpu`, skipped cleanly without a device.
if(CAUSERIE_HAVE_CUDA)
  foreach(t matvec ops attention prefill_attention topk mmq)
    causerie_add_test(tst_cuda_gpu_${t} SOURCES tst_cuda_${t}.cpp tst_cuda_util.h LIBS causerie_cuda LABELS gpu)
  endforeach()
  causerie_add_test(tst_cuda_gpu_sample SOURCES tst_cuda_sample.cpp tst_cuda_util.h LIBS causerie_cuda causerie_engine
                    LABELS gpu)
endif()
