#!/usr/bin/env bash
# Causerie vs llama.cpp on random-weight models of real shapes (issue 14, "Speed"): Qwen3-8B,
# Gemma-3-12B and Mixtral-8x7B cut to a few layers, Qwen3-30B-A3B (qwen3moe), the two mixtures cut to 1 layer.
# For each shape: our test-model writer makes an F16 (or Q8_0) source, llama-quantize turns it
# into Q4_K_M and IQ4_XS (so both programs read llama.cpp's choice of type per tensor), the source
# is deleted, then each file is benchmarked ours, llama.cpp, ours, llama.cpp under /usr/bin/time
# (CPU time, wall clock, peak RSS), and the quantized files are deleted before the next shape
# (disk: at most ~6 GB at a time).
#
#   scripts/bench-shapes.sh [SHAPE...]        SHAPE: qwen3-8b gemma3-12b mixtral-8x7b qwen3-30b-a3b
#
# Environment: DIR (models and logs, default /tmp/hshapes), CLI (causerie-cli, default
# build/test/app/cli/causerie-cli), LLAMA (llama.cpp's bin folder, default /work/llama/native/bin),
# QUANTS (default "Q4_K_M IQ4_XS"), THREADS (2), REPS (2), PASSES (2), KEEP=1 keeps the models
# (an existing model is reused). Output: one block per run on stdout, and a summary table at the
# end (also in $DIR/summary.md).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
DIR=${DIR:-/tmp/hshapes}
CLI=${CLI:-$here/build/test/app/cli/causerie-cli}
LLAMA=${LLAMA:-/work/llama/native/bin}
QUANTS=${QUANTS:-Q4_K_M IQ4_XS}
THREADS=${THREADS:-2}
REPS=${REPS:-2}
PASSES=${PASSES:-2}
KEEP=${KEEP:-0}
TIME_FMT='%U user %S sys %e wall %M maxKB'

die() { echo "bench-shapes: $*" >&2; exit 1; }
[ -x "$CLI" ] || die "no causerie-cli at $CLI (build it: cmake --build build/test --target causerie-cli)"
[ -x "$LLAMA/llama-bench" ] && [ -x "$LLAMA/llama-quantize" ] || die "no llama-bench/llama-quantize in $LLAMA"
[ -x /usr/bin/time ] || die "needs /usr/bin/time (apt-get install time)"
mkdir -p "$DIR"

# The shapes: writer options and the source type (Q8_0 where an F16 source would pass ~5 GB).
shape_args() {
  case $1 in
    qwen3-8b) echo "F16 --arch qwen3 --layers 4 --embd 4096 --heads 32 --kv-heads 8 --head-dim 128 --ff 12288 \
--vocab 151936 --rope-base 1000000 --ctx 4096" ;;
    gemma3-12b) echo "F16 --arch gemma3 --layers 6 --embd 3840 --heads 16 --kv-heads 8 --head-dim 256 --ff 15360 \
--vocab 262144 --swa 1024 --swa-pattern 6 --gemma-rope 10000,8 --rope-base 1000000 --ctx 4096" ;;
    mixtral-8x7b) echo "Q8_0 --arch llama --layers 1 --embd 4096 --heads 32 --kv-heads 8 --ff 14336 --experts 8,2 \
--vocab 32000 --rope-base 1000000 --ctx 4096" ;;
    qwen3-30b-a3b) echo "F16 --arch qwen3moe --layers 1 --embd 2048 --heads 32 --kv-heads 4 --head-dim 128 \
--ff 6144 --experts 128,8 --expert-ff 768 --vocab 151936 --rope-base 1000000 --ctx 4096" ;;
    *) die "unknown shape '$1' (qwen3-8b gemma3-12b mixtral-8x7b qwen3-30b-a3b)" ;;
  esac
}

make_models() {
  local shape=$1 need=0
  for q in $QUANTS; do [ -s "$DIR/$shape-$q.gguf" ] || need=1; done
  [ $need = 1 ] || return 0
  read -r src_type opts <<<"$(shape_args "$shape")"
  local src="$DIR/$shape-$src_type.gguf"
  # shellcheck disable=SC2086
  "$CLI" make-test-model "$src" --type "$src_type" --seed 1 $opts >&2
  for q in $QUANTS; do
    [ -s "$DIR/$shape-$q.gguf" ] ||
      "$LLAMA/llama-quantize" --allow-requantize "$src" "$DIR/$shape-$q.gguf" "$q" >"$DIR/quantize-$shape-$q.log" 2>&1 ||
      die "llama-quantize failed, see $DIR/quantize-$shape-$q.log"
  done
  rm -f "$src"
}

# Prints "pp512 tg64" tokens/s of a run's output.
ours_rates() { awk '/ pp[0-9]+ /{for(i=1;i<=NF;i++) if($i ~ /^pp/) pp=$(i+1)} / tg[0-9]+ /{for(i=1;i<=NF;i++) if($i ~ /^tg/) tg=$(i+1)} END{print pp+0, tg+0}' "$1"; }
theirs_rates() { awk -F'|' '/ pp[0-9]+ /{split($(NF-1),a," "); pp=a[1]} / tg[0-9]+ /{split($(NF-1),a," "); tg=a[1]} END{print pp+0, tg+0}' "$1"; }
# Prints "user+sys wall maxKB" of /usr/bin/time's last line.
time_of() { tail -n 1 "$1" | awk '{print $1+$3, $5, $7}'; }

summary="$DIR/summary.md"
echo "| shape | quant | who | pass | pp512 t/s | tg64 t/s | CPU s | wall s | peak RSS MB | start (UTC), load |" >"$summary"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |" >>"$summary"

run_one() {   # shape quant who pass
  local m="$DIR/$1-$2.gguf" log="$DIR/run-$1-$2-$3-$4.log" stamp
  stamp="$(date -u +%H:%M) $(cut -d' ' -f1 /proc/loadavg)"
  if [ "$3" = ours ]; then
    /usr/bin/time -f "$TIME_FMT" "$CLI" bench "$m" -t "$THREADS" -p 512 -n 64 -r "$REPS" >"$log" 2>&1
  else
    /usr/bin/time -f "$TIME_FMT" "$LLAMA/llama-bench" -m "$m" -t "$THREADS" -p 512 -n 64 -r "$REPS" >"$log" 2>&1
  fi
  cat "$log"
  local rates times
  if [ "$3" = ours ]; then rates=$(ours_rates "$log"); else rates=$(theirs_rates "$log"); fi
  times=$(time_of "$log")
  read -r pp tg <<<"$rates"
  read -r cpu wall kb <<<"$times"
  echo "| $1 | $2 | $3 | $4 | $pp | $tg | $cpu | $wall | $((kb / 1024)) | $stamp |" >>"$summary"
}

shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(qwen3-8b gemma3-12b mixtral-8x7b qwen3-30b-a3b)
for shape in "${shapes[@]}"; do
  shape_args "$shape" >/dev/null
  make_models "$shape"
  for q in $QUANTS; do
    for pass in $(seq 1 "$PASSES"); do
      # ours first in odd passes, llama.cpp first in even ones
      if [ $((pass % 2)) = 1 ]; then order="ours theirs"; else order="theirs ours"; fi
      for who in $order; do
        echo "== $shape $q $who pass $pass"
        run_one "$shape" "$q" "$who" "$pass"
      done
    done
  done
  [ "$KEEP" = 1 ] || for q in $QUANTS; do rm -f "$DIR/$shape-$q.gguf"; done
done
cat "$summary"
