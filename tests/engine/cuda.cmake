# The CUDA backend end to end under the CUDA sim (the `cuda-sim` device) against the CPU backend.
# ~20 s on an idle machine (every GPU thread is a fiber; the tiny model's 32000-row output head
# is a million of them per token); the timeout leaves room for a loaded CI machine.
if(CAUSERIE_CUDA_SIM)
  causerie_add_test(tst_cuda_backend SOURCES tst_cuda_backend.cpp LIBS causerie_engine causerie_cuda_sim
                    LABELS cuda-sim TIMEOUT 900)
endif()
