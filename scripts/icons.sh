#!/usr/bin/env bash
# Copies the Breeze icons the window uses (Debian's breeze-icon-theme, LGPL-3.0-or-later) into
# resources/icons/ under the names the QML uses. Run after changing the list; the copies are
# committed, so a build needs neither this script nor the package.
set -euo pipefail
src=/usr/share/icons/breeze
dst="$(cd "$(dirname "$0")/.." && pwd)/resources/icons"
[ -d "$src/actions/16" ] || { echo "icons: $src missing (apt-get install breeze-icon-theme)" >&2; exit 1; }

# our name = Breeze file (16 px designs: crisp at 16 px, scaled by whole factors on HiDPI)
icons=(
  new-chat=actions/16/document-new
  search=actions/16/edit-find
  attach=actions/16/mail-attachment
  send=actions/16/document-send
  stop=actions/16/media-playback-stop
  copy=actions/16/edit-copy
  edit=actions/16/document-edit
  regenerate=actions/16/view-refresh
  settings=actions/16/configure
  options=actions/16/document-properties
  model=actions/16/box
  pin=actions/16/window-pin
  unpin=actions/16/window-unpin
  folder=places/16/folder
  folder-new=actions/16/folder-new
  more=actions/16/overflow-menu
  delete=actions/16/edit-delete
  rename=actions/16/edit-rename
  export=actions/16/document-export
  import=actions/16/document-import
  open-file=actions/16/document-open
  download=actions/16/download
  details=actions/16/documentinfo
  previous=actions/16/go-previous
  next=actions/16/go-next
  expand=actions/16/go-down
  jump-latest=actions/16/go-bottom
  close=actions/16/dialog-close
  add=actions/16/list-add
  check=actions/16/checkmark
  read-aloud=actions/16/speaker
  select=actions/16/edit-select-all
  remote=actions/16/globe
)
for entry in "${icons[@]}"; do
  name=${entry%%=*}
  file=$src/${entry#*=}.svg
  cp -L "$file" "$dst/$name.svg"
done
echo "icons: ${#icons[@]} copied into $dst"
