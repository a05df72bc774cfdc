#!/usr/bin/env bash
# qmllint over the QML module Causerie.Ui, checked against the C++ types of Causerie.App
# (target all_qmllint of the build in BUILD_DIR, default build/test, configured beforehand).
# Fails on any warning not listed in ui/qmllint-known.txt ("File.qml: message", no line
# numbers, once per occurrence: one more of a known message in a file is a new warning); the
# last line is the summary. Exceptions that have a reason are written in the
# QML itself, next to the line (`// qmllint disable <category>` with the reason above).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/test}
known=ui/qmllint-known.txt
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cmake --build "$build" --target all_qmllint >"$log" 2>&1
# "Warning: /abs/ui/Main.qml:15:21: message" -> "Main.qml: message"
found=$(grep -E '^Warning: ' "$log" | sed -E 's|^Warning: .*/([^/]+\.qml)(:[0-9]+:[0-9]+)?: |\1: |' | sort)
total=$(grep -c . <<<"$found")
[ -z "$found" ] && total=0
new=$(comm -23 <(sort <<<"$found") <(grep -v '^#' "$known" 2>/dev/null | sort))
if [ -n "$new" ]; then
  grep -E '^Warning: ' "$log" | grep -F -f <(sed -E 's/^[^:]+: //' <<<"$new") -A2
  echo "qmllint: $total warning(s), $(grep -c . <<<"$new") not in $known"
  exit 1
fi
if ! grep -q "/qmllint " "$log"; then
  cat "$log"
  echo "qmllint: the target all_qmllint did not run"
  exit 1
fi
echo "qmllint: $total warning(s), all known ($known)"
