# The fuzzing configuration (-DCAUSERIE_FUZZ=ON, clang only; scripts/fuzz.sh drives it, see
# docs/fuzzing.md): every library is instrumented for libFuzzer's coverage and built with
# ASan + UBSan (abort on the first report), and tests/fuzz adds one libFuzzer executable per
# target. Only the engine and the Qt parts under test are built: no app, no ordinary tests.
# CUDA and the CUDA sim are off: ASan does not follow the sim's fiber stack switches.
option(CAUSERIE_FUZZ "Build the libFuzzer targets of tests/fuzz (needs clang, e.g. clang++-14)" OFF)
if(CAUSERIE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CAUSERIE_FUZZ needs clang (libFuzzer): configure with "
                        "-DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14")
  endif()
  if(CAUSERIE_SANITIZE)
    message(FATAL_ERROR "CAUSERIE_FUZZ brings its own sanitizers: leave CAUSERIE_SANITIZE off")
  endif()
  set(CAUSERIE_CUDA OFF CACHE BOOL "" FORCE)
  set(CAUSERIE_CUDA_SIM OFF CACHE BOOL "" FORCE)
  set(CAUSERIE_BUILD_TESTS OFF CACHE BOOL "" FORCE)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
