#!/usr/bin/env bash
# No colour or size written literally in the views: every colour, font size, radius, spacing,
# padding and margin of ui/*.qml comes from ui/theme/Theme.qml. Fails on any literal not listed
# in ui/literals-known.txt ("File.qml: the trimmed line", once per occurrence); prints them.
#   colours: "#rgb"/"#rrggbb"/"#aarrggbb", Qt.rgba/rgb/hsla/hsva/lighter/darker/tint, named
#            colours in quotes on a color property (transparent is allowed)
#   sizes:   font.pixelSize/pointSize, radius, spacing, padding, margins given as a number
#            other than 0
set -uo pipefail
cd "$(dirname "$0")/.."
known=ui/literals-known.txt
colour='"#[0-9a-fA-F]{3,8}"|Qt\.(rgba|rgb|hsla|hsva|lighter|darker|tint)\(|[cC]olor: *"(red|green|blue|black|white|gray|grey|orange|yellow|purple|pink|brown)"'
size='font\.(pixelSize|pointSize): *[0-9]|radius: *[1-9]|([sS]pacing|[pP]adding|[mM]argins?): *[1-9]'
found=$(grep -nE "$colour|$size" ui/*.qml | grep -v '^ui/theme/' |
        sed -E 's|^ui/([^:]+):[0-9]+: *|\1: |; s/ +$//' | sort)
new=$(comm -23 <(sort <<<"$found" | grep .) <(grep -v '^#' "$known" 2>/dev/null | grep . | sort))
total=$(grep -c . <<<"$found")
if [ -n "$new" ]; then
  echo "$new"
  echo "ui literals: $(grep -c . <<<"$new") colour or size literal(s) outside ui/theme/ (use Theme.*)"
  exit 1
fi
echo "ui literals: $total known ($known), none new"
