#!/usr/bin/env bash
# Installs everything Causerie needs to build and test on Debian 12 (Qt 6.4 from Debian).
# Run as root or with sudo available. The CUDA toolkit is optional and not installed here:
# when /usr/local/cuda exists, the build finds it.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git python3-pip
  qt6-base-dev qt6-declarative-dev qt6-tools-dev qt6-l10n-tools qt6-httpserver-dev
  # Qt6HttpServer's CMake package needs the WebSockets one (the local OpenAI-compatible server).
  qt6-websockets-dev
  # tests/app/server: the official openai SDK is installed into a virtual environment.
  python3-venv
  libqt6sql6-sqlite libsource-highlight-dev qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-templates qml6-module-qtquick-window qml6-module-qtqml-workerscript qml6-module-qtqml qml6-module-qtqml-models
  qml6-module-qttest qml6-module-qtquick-dialogs libsqlite3-dev libsentencepiece-dev libpcre2-dev
  # Qt Quick's own file dialog, used where the desktop offers no native one, is built on it.
  qml6-module-qt-labs-folderlistmodel
  qtkeychain-qt6-dev libgl-dev xvfb xauth
  libboost-context-dev
  # app/math: the KaTeX fonts (OFL-1.1) formulas are laid out and drawn with, read at run time.
  fonts-katex
  # app/documents: PDF text through Qt PDF, DOCX/ODT parts read from the zip by libzip.
  qt6-pdf-dev libzip-dev
  # The window's icons: SVG drawn by Qt SVG; scripts/icons.sh copies them from the Breeze theme.
  qt6-svg-dev breeze-icon-theme
  # Read aloud: Qt TextToSpeech and its speech-dispatcher plugin (without a running
  # speech-dispatcher the action says it is unavailable).
  qt6-speech-dev qml6-module-qttexttospeech qt6-speech-speechd-plugin
  # tst_offline counts the app's connect() calls under strace (in a network namespace: unshare, util-linux).
  strace
  # The fuzzing configuration (scripts/fuzz.sh): clang 14 with libFuzzer and the ASan/UBSan runtimes.
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
  # scripts/check-format.sh (run by the test command): the tree's one formatting dialect.
  clang-format-14
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages already installed"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
