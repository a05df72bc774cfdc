# The forward pass, session, sampler and chat templates.
causerie_add_test(tst_forward SOURCES tst_forward.cpp LIBS causerie_engine)
causerie_add_test(tst_session SOURCES tst_session.cpp LIBS causerie_engine)
# Text embeddings against llama.cpp's (tests/data/tiny-qwen3-embed-*.golden.txt), refused poolings.
causerie_add_test(tst_embedding SOURCES tst_embedding.cpp LIBS causerie_engine LABELS sanitize)
causerie_add_test(tst_sampler SOURCES tst_sampler.cpp LIBS causerie_engine)
causerie_add_test(tst_chat_template SOURCES tst_chat_template.cpp LIBS causerie_engine LABELS sanitize)
causerie_add_test(tst_context_fit SOURCES tst_context_fit.cpp LIBS causerie_engine LABELS sanitize)
causerie_add_test(tst_thread_pool SOURCES tst_thread_pool.cpp LIBS causerie_engine)
# CpuMatmul's load: the repack on the pool, a tied embedding read from the head's copy.
causerie_add_test(tst_layer_cpu SOURCES tst_layer_cpu.cpp LIBS causerie_engine)
# Memory checks before the KV cache and scratch are allocated (crafted models asking for GiB).
causerie_add_test(tst_memory SOURCES tst_memory.cpp LIBS causerie_engine LABELS sanitize)
# The forward pass again with the CPU dispatch capped, so the AVX2-only and scalar kernels (and
# the original, not repacked, weight layout) produce the llama.cpp logits too on this AVX-512 machine.
foreach(test tst_forward tst_session tst_embedding tst_layer_cpu)
  foreach(cap avx2 scalar)
    add_test(NAME ${test}_${cap} COMMAND ${test})
    set_tests_properties(${test}_${cap} PROPERTIES TIMEOUT 600
      ENVIRONMENT "QT_QPA_PLATFORM=offscreen;CAUSERIE_CPU=${cap}")
  endforeach()
endforeach()
# KV snapshots (files, restore) and the context shift; the cuda-sim rows when the sim is built.
if(CAUSERIE_CUDA_SIM)
  causerie_add_test(tst_kv_state SOURCES tst_kv_state.cpp LIBS causerie_engine causerie_cuda_sim LABELS sanitize
                    TIMEOUT 600)
else()
  causerie_add_test(tst_kv_state SOURCES tst_kv_state.cpp LIBS causerie_engine LABELS sanitize)
endif()
