#!/usr/bin/env bash
# Builds the fuzzing configuration (clang 14 + libFuzzer, ASan + UBSan; build/fuzz) and runs every
# fuzz target of tests/fuzz for SECONDS each (default 60), one after the other, starting from its
# seed corpus (tests/fuzz/corpus/<target>/) and dictionary (tests/fuzz/dicts/<target>.dict).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 300 gguf sse
#
# New inputs go to build/fuzz/work/<target>/ (kept between runs, never into the repository).
# A crash, sanitizer report, broken invariant, timeout or out-of-memory stops that target, and
# its input is saved in build/fuzz/crashes/<target>/ (the path is printed): copy it to
# tests/fuzz/regressions/<target>/ so tst_fuzz_regressions replays it from then on.
# Prints one line per target (runs, execs/s, coverage gained) and build/fuzz/results.tsv;
# exits non-zero when a target failed or the build did.
# Environment: FUZZ_JOBS (build jobs, default nproc), FUZZ_NICE (niceness of the runs, default 0).
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
case $seconds in '' | *[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
all_targets=(gguf sp_tokenizer bpe_tokenizer chat_template kv_snapshot sse markdown code_highlighter conversation_import
             html_extract office_extract chunker math)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

build=build/fuzz
results="$build/results.tsv"
mkdir -p "$build"
rm -f "$results"   # so nobody reads a previous run's results when this build fails
jobs=${FUZZ_JOBS:-$(nproc)}
for cc in clang-14 clang++-14; do
  command -v "$cc" >/dev/null || { echo "fuzz: $cc is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
if ! cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAUSERIE_FUZZ=ON \
       -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" >"$build.configure.log" 2>&1; then
  cat "$build.configure.log" >&2
  echo "fuzz: configuration failed" >&2
  exit 1
fi
rm -f "$build.configure.log"
if ! cmake --build "$build" -j"$jobs" --target "${targets[@]/#/fuzz_}"; then
  echo "fuzz: build failed" >&2
  exit 1
fi

export QT_QPA_PLATFORM=offscreen
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
: >"$results"
rows=()
failed=0
for t in "${targets[@]}"; do
  exe="$build/tests/fuzz/fuzz_$t"
  work="$build/work/$t"
  crashes="$build/crashes/$t"
  log="$build/logs/$t.log"
  mkdir -p "$work" "$crashes" "$(dirname "$log")"
  args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=30 -rss_limit_mb=2048
        -artifact_prefix="$crashes/")
  [ -f "tests/fuzz/dicts/$t.dict" ] && args+=(-dict="tests/fuzz/dicts/$t.dict")
  # Highlighting cost grows faster than linearly with a line's length (issue #20, section 3):
  # keep inputs at the size of a real code block so a run measures crashes, not that.
  [ "$t" = code_highlighter ] && args+=(-max_len=4096)
  echo "fuzz: $t for ${seconds}s (log: $log)"
  nice -n "${FUZZ_NICE:-0}" "$exe" "${args[@]}" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  speed=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
  cov0=$(sed -nE 's/^#[0-9]+[[:space:]]+INITED cov: ([0-9]+).*/\1/p' "$log" | head -1)
  cov1=$(sed -nE 's/^#[0-9]+[[:space:]]+[A-Z]+ +cov: ([0-9]+).*/\1/p' "$log" | tail -1)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    failed=$((failed + 1))
    if grep -q "ERROR: libFuzzer: timeout" "$log"; then result=timeout
    elif grep -q "ERROR: libFuzzer: out-of-memory" "$log"; then result=out-of-memory
    elif grep -q "fuzz invariant failed" "$log"; then result=invariant
    elif grep -q "ERROR: AddressSanitizer" "$log"; then result=asan
    elif grep -q "ERROR: LeakSanitizer" "$log"; then result=leak
    elif grep -q "runtime error:" "$log"; then result=ubsan
    else result="crash(rc=$rc)"
    fi
    artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -1)
    result="$result ${artifact:-(no input saved; see $log)}"
    grep -E "fuzz invariant failed|ERROR: |runtime error:|SUMMARY:" "$log" | head -5 | sed 's/^/    /'
  fi
  cov="${cov0:-?} -> ${cov1:-?} (+$(( ${cov1:-0} - ${cov0:-0} )))"
  rows+=("$(printf '%-20s %10s %8s  %-22s %s' "$t" "${runs:-?}" "${speed:-?}" "$cov" "$result")")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${runs:-}" "${speed:-}" "${cov0:-}" "${cov1:-}" "$result" >>"$results"
done

echo
printf '%-20s %10s %8s  %-22s %s\n' target runs execs/s "coverage (edges)" result
printf '%s\n' "${rows[@]}"
[ "$failed" -eq 0 ]
