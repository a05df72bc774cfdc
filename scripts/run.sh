#!/usr/bin/env bash
# Set up, build (release) and start Causerie. Extra arguments go to the app,
# e.g. scripts/run.sh --model ~/models/mistral-7b-instruct-v0.3.Q4_K_M.gguf --lang fr
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAUSERIE_BUILD_TESTS=OFF
cmake --build build/release --target causerie causerie-cli
exec build/release/app/gui/causerie "$@"
