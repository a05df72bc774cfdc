# The CUDA sim harness: the kernels in kernels/cuda/*.cu compiled with the host compiler against
# kernels/cuda/sim/ (Boost.Context fibers per GPU thread), so every kernel runs in the normal
# test command on machines without a GPU. It also adds the `cuda-sim` device to the engine.
# Off in the sanitizer build: ASan does not follow fiber stack switches without annotations
# and would report false stack errors.
set(_causerie_sim_default OFF)
if(CAUSERIE_BUILD_TESTS AND NOT CAUSERIE_SANITIZE)
  set(_causerie_sim_default ON)
endif()
option(CAUSERIE_CUDA_SIM "Build the CUDA kernels against the CPU sim harness (cuda-sim device, kernel tests)"
       ${_causerie_sim_default})
if(CAUSERIE_CUDA_SIM)
  find_package(Boost 1.66 CONFIG COMPONENTS context)
  if(NOT Boost_FOUND)
    message(WARNING "Causerie: Boost.Context not found (apt-get install libboost-context-dev): CUDA sim OFF")
    set(CAUSERIE_CUDA_SIM OFF CACHE BOOL "" FORCE)
  else()
    message(STATUS "Causerie: CUDA sim harness ON (Boost.Context ${Boost_VERSION})")
  endif()
endif()
