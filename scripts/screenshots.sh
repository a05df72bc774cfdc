#!/usr/bin/env bash
# Writes pictures of the main window — English and French, light and dark — with a conversation
# that has Markdown and code, to a folder (default: screenshots/). Each picture uses a fresh,
# temporary data folder, so your own conversations are never touched.
#
#   scripts/screenshots.sh [OUT_DIR] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-screenshots}"
build="${2:-build/release}"
if [ ! -x "$build/app/gui/causerie" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAUSERIE_BUILD_TESTS=OFF
  cmake --build "$build" --target causerie
fi
mkdir -p "$out"
for lang in en fr; do
  for theme in light dark; do
    data=$(mktemp -d)
    QT_QPA_PLATFORM=offscreen "$build/app/gui/causerie" --data-dir "$data" --lang "$lang" --theme "$theme" \
      --import resources/samples/screenshot-conversation.json \
      --model tests/data/tiny-mistral-q8_0.gguf \
      --screenshot "$out/causerie-$lang-$theme.png"
    rm -rf "$data"
    echo "$out/causerie-$lang-$theme.png"
  done
done
