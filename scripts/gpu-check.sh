#!/usr/bin/env bash
# One command for whoever has an NVIDIA GPU: build for the local GPU, run the `gpu`-labelled tests
# (the kernels against the CPU reference, and tst_cuda_gpu_eval: CPU against CUDA end to end
# through the GEMM prefill, the tiled prefill attention, CUDA graphs and device sampling),
# compute-sanitizer's memcheck and racecheck on them, and a benchmark of 7B-shaped Q4_0 and
# Q4_K_M models made by `causerie-cli make-test-model`. Everything lands in one summary file.
#
#   scripts/gpu-check.sh [OUT_DIR]        (default build/gpu-check; summary: OUT_DIR/summary.txt)
#
# Environment: GPU_CHECK_LAYERS (32: the benchmark models' depth), GPU_CHECK_JOBS (nproc),
# CUDA_ARCH (from nvidia-smi's compute_cap), GPU_CHECK_BUILD_TYPE (Release). On a machine without a GPU it says so, checks that
# nvcc compiles the kernels (for sm_86) and runs the sim's CUDA tests, and exits 0.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/gpu-check}
mkdir -p "$out"
out=$(cd "$out" && pwd)
summary=$out/summary.txt
build=$out/build
jobs=${GPU_CHECK_JOBS:-$(nproc)}
layers=${GPU_CHECK_LAYERS:-32}
failures=0
: >"$summary"

say() { echo "$*" | tee -a "$summary"; }
step() {   # name, log file, command...: runs it, records PASS/FAIL with the log's path
  local name=$1 log=$2
  shift 2
  if "$@" >"$log" 2>&1; then
    say "PASS  $name  ($log)"
  else
    say "FAIL  $name  ($log)"
    failures=$((failures + 1))
  fi
}

say "Causerie GPU check, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$root" rev-parse --short HEAD 2>/dev/null)"

# The GPU, as the driver sees it.
gpu=""
if command -v nvidia-smi >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=index,name,compute_cap,memory.total,driver_version --format=csv,noheader 2>/dev/null)
fi
if [ -n "$gpu" ]; then
  say "GPU(s):"
  while IFS= read -r line; do say "  $line"; done <<<"$gpu"
else
  say "NO GPU: nvidia-smi is missing or lists no device. Nothing can be measured on a device here;"
  say "        checking that nvcc compiles the kernels and running the CUDA sim's tests instead."
fi

nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
if [ -z "$nvcc" ]; then
  say "NO NVCC: install the CUDA toolkit (nvcc) to build the GPU backend."
  [ -n "$gpu" ] && exit 1
  exit 0
fi
say "nvcc: $nvcc ($("$nvcc" --version | tail -1))"

# The local GPU's architecture (the first one's): compute_cap 8.9 -> 89.
arch=${CUDA_ARCH:-}
if [ -z "$arch" ]; then
  if [ -n "$gpu" ]; then
    arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')
  else
    arch=86
  fi
fi
say "building for sm_$arch in $build"

launchers=()
if command -v ccache >/dev/null 2>&1; then
  launchers=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache
    -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
step "configure (CAUSERIE_CUDA=ON, sm_$arch)" "$out/configure.log" \
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${GPU_CHECK_BUILD_TYPE:-Release}" -DCAUSERIE_CUDA=ON \
  -DCMAKE_CUDA_COMPILER="$nvcc" -DCMAKE_CUDA_ARCHITECTURES="$arch" "${launchers[@]}"
if ! grep -q "causerie_cuda" "$build/build.ninja" 2>/dev/null; then
  say "FAIL  the configuration has no CUDA library (see $out/configure.log)"
  exit 1
fi

export QT_QPA_PLATFORM=offscreen
if [ -z "$gpu" ]; then
  step "nvcc compiles the kernels (causerie_cuda)" "$out/build-cuda.log" \
    cmake --build "$build" -j"$jobs" --target causerie_cuda
  sim_tests=$(cd "$build" && ctest -N -L cuda-sim 2>/dev/null | sed -nE 's/^ *Test +#[0-9]+: (tst_[a-z0-9_]+).*/\1/p' |
    sed -E 's/_host_(avx2|native)$//' | sort -u | tr '\n' ' ')
  # shellcheck disable=SC2086
  step "build the sim's CUDA tests" "$out/build-sim.log" cmake --build "$build" -j"$jobs" --target $sim_tests
  step "CUDA sim tests (ctest -L cuda-sim)" "$out/ctest-sim.log" \
    ctest --test-dir "$build" -L cuda-sim --output-on-failure -j"$jobs"
  # The gpu-labelled tests compile and link against the nvcc kernels, and skip saying why.
  gpu_tests=$(cd "$build" && ctest -N -L gpu 2>/dev/null | sed -nE 's/^ *Test +#[0-9]+: (tst_[a-z0-9_]+).*/\1/p' |
    sort -u | tr '\n' ' ')
  # shellcheck disable=SC2086
  step "build the gpu-labelled tests (nvcc kernels)" "$out/build-gpu-tests.log" \
    cmake --build "$build" -j"$jobs" --target $gpu_tests
  step "gpu-labelled tests skip without a device (ctest -L gpu)" "$out/ctest-gpu.log" \
    ctest --test-dir "$build" -L gpu -V
  grep -hE "SKIP|tests passed" "$out/ctest-gpu.log" | sort -u | head -3 | sed 's/^/      /' | tee -a "$summary"
  say "NO GPU: the gpu-labelled tests, compute-sanitizer and the benchmark need a device; not run."
  say "summary: $summary ($failures failed)"
  exit 0
fi

step "build" "$out/build.log" cmake --build "$build" -j"$jobs"
step "gpu-labelled tests (ctest -L gpu)" "$out/ctest-gpu.log" \
  ctest --test-dir "$build" -L gpu --output-on-failure
grep -E "tests passed|Skipped|\*\*\*Failed" "$out/ctest-gpu.log" | sed 's/^/      /' | tee -a "$summary"

# compute-sanitizer on the end-to-end test (every kernel, graphs, device sampling) and the
# kernel tests: out-of-bounds and misaligned accesses, then shared-memory races.
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -z "$sanitizer" ]; then
  say "SKIP  compute-sanitizer: not found (part of the CUDA toolkit)"
else
  for tool in memcheck racecheck; do
    for t in tst_cuda_gpu_eval tst_cuda_gpu_matvec tst_cuda_gpu_sample tst_cuda_gpu_prefill_attention; do
      exe=$(find "$build/tests" -type f -name "$t" | head -1)
      [ -z "$exe" ] && continue
      step "compute-sanitizer --tool $tool $t" "$out/sanitizer-$tool-$t.log" \
        "$sanitizer" --tool "$tool" --error-exitcode 1 "$exe"
    done
  done
fi

# 7B-shaped models (Mistral: n_embd 4096, 32 heads, 8 KV heads, n_ff 14336, vocabulary 32000),
# random weights: the speed depends on the shapes, not on the values.
cli=$build/app/cli/causerie-cli
for type in Q4_0 Q4_K_M; do
  model=$out/m7b-$layers-$type.gguf
  [ -f "$model" ] || step "make-test-model $type ($layers layers)" "$out/make-$type.log" \
    "$cli" make-test-model "$model" --type "$type" --layers "$layers" --embd 4096 --heads 32 --kv-heads 8 \
    --ff 14336 --vocab 32000 --ctx 4096 --seed 1
  step "bench $type (cuda, pp512, tg128)" "$out/bench-$type.log" \
    "$cli" bench "$model" --device cuda -p 512 -n 128 -r 3
  sed 's/^/      /' "$out/bench-$type.log" | tee -a "$summary"
done

say "summary: $summary ($failures failed)"
[ "$failures" -eq 0 ]
