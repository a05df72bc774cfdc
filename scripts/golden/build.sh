#!/bin/sh
# Builds llama-golden (llama_golden.cpp) against a llama.cpp source tree and its built libllama.
# LLAMA: the source (default: the one this session compares with), LIB: the folder of libllama.so.
set -e
LLAMA=${LLAMA:-/work/llama/llama_cpp_python-0.3.36/vendor/llama.cpp}
LIB=${LIB:-/work/llama/native/bin}
OUT=${1:-build/llama-golden}
mkdir -p "$(dirname "$OUT")"
g++ -O2 -std=c++17 "$(dirname "$0")/llama_golden.cpp" -I"$LLAMA/include" -I"$LLAMA/ggml/include" \
    -L"$LIB" -lllama -Wl,-rpath,"$LIB" -o "$OUT"
# llama-chat-golden (llama_chat_golden.cpp: a real model's chat answers, llama.cpp's template and
# tokenizer) beside it.
g++ -O2 -std=c++17 "$(dirname "$0")/llama_chat_golden.cpp" -I"$LLAMA/include" -I"$LLAMA/ggml/include" \
    -L"$LIB" -lllama -Wl,-rpath,"$LIB" -o "$(dirname "$OUT")/llama-chat-golden"
