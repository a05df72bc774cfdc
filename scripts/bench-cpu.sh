#!/bin/bash
# The CPU speed table of docs/benchmarks-cpu.md: causerie-cli bench against llama-bench on the same
# files, per model, path (AVX2 / AVX-512) and thread count (1, 2), pp512 and tg64, with each
# program's peak RSS. Writes a log; scripts/bench_cpu_table.py turns it into the table.
#
#   scripts/bench-cpu.sh MODEL_DIR LOG [MODEL.gguf ...]
#
# MODEL_DIR holds the models (docs/benchmarks-cpu.md says how they are made); without MODEL names,
# every .gguf in it. Environment: CLI (default build/test/app/cli/causerie-cli), LLAMA_NATIVE and
# LLAMA_AVX2 (llama-bench built natively and AVX2-only; each finds its own libraries through its
# RUNPATH, so do not set LD_LIBRARY_PATH), REPS (default 2), THREADS (default 1,2).
# On a machine others use, run it at the highest priority (e.g. `sudo nice -n -20`) with the
# scheduler's autogroups off (`echo 0 > /proc/sys/kernel/sched_autogroup_enabled`), so that nice
# levels count across sessions; the log records the load before each run.
set -euo pipefail
dir=${1:?model folder}
log=${2:?log file}
shift 2
cli=$(realpath "${CLI:-build/test/app/cli/causerie-cli}")
native=${LLAMA_NATIVE:-/work/llama/native/bin/llama-bench}
avx2=${LLAMA_AVX2:-/work/llama/avx2/bin/llama-bench}
reps=${REPS:-2}
threads=${THREADS:-1,2}
unset LD_LIBRARY_PATH
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
    mapfile -t models < <(cd "$dir" && ls ./*.gguf)
fi
: >"$log"
for m in "${models[@]}"; do
    for path in avx2 native; do
        for who in ours llama.cpp; do
            echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) model $(basename "$m") path $path who $who" >>"$log"
            if [ $who = ours ]; then
                cap=""
                [ $path = avx2 ] && cap=avx2
                CAUSERIE_CPU=$cap /usr/bin/time -f 'TIME %U user %S sys %e wall %M maxKB' \
                    "$cli" bench "$dir/$m" -t "$threads" -p 512 -n 64 -r "$reps" >>"$log" 2>&1
            else
                bench=$native
                [ $path = avx2 ] && bench=$avx2
                /usr/bin/time -f 'TIME %U user %S sys %e wall %M maxKB' \
                    "$bench" -m "$dir/$m" -t "$threads" -p 512 -n 64 -r "$reps" >>"$log" 2>&1
            fi
        done
    done
done
echo "wrote $log; table: python3 scripts/bench_cpu_table.py $log"
