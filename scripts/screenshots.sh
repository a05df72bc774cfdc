#!/usr/bin/env bash
# The window's screenshots for EN and FR, light and dark: the empty state, a conversation with
# code, a table and math (scripts/screenshots/showcase.json, imported), the sidebar with folders
# (scripts/screenshots/folder-*.json, each naming its folder), the settings and the model menu; offscreen, at the default window size, with the tiny test model open.
#   scripts/screenshots.sh [OUT_DIR]      (default build/screenshots; QT_SCALE_FACTOR is honoured)
# Builds causerie-shots in BUILD_DIR (default build/test, configured beforehand).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/test}
out=${1:-build/screenshots}
cmake --build "$build" --target causerie-shots >/dev/null
shots="$build/tests/app/causerie-shots"
mkdir -p "$out"
imports=()
for f in scripts/screenshots/folder-*.json; do imports+=(--import "$f"); done
for lang in en fr; do
  for theme in light dark; do
    QT_QPA_PLATFORM=offscreen "$shots" --lang "$lang" --theme "$theme" --out "$out" \
      --model tests/data/tiny-mistral-q8_0.gguf "${imports[@]}" --import scripts/screenshots/showcase.json \
      --scenes empty,conversation,sidebar,settings,models 2> >(grep -v -e XDG_RUNTIME -e keychain >&2)
  done
done
echo "screenshots: $(ls "$out"/*.png | wc -l) files in $out"
