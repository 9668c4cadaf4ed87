#!/usr/bin/env bash
# tools/screenshot-report.sh REPORT.html [OUT.png] — render an mfm report
# with headless Chromium (offline, throw-away profile) and save a PNG
# screenshot, to check that the page and its embedded plots display.
# Installs Debian's chromium if it is missing (needs root or sudo).
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 REPORT.html [OUT.png]" >&2
  exit 2
fi
html=$(realpath "$1")
out=${2:-${html%.html}.png}
[ -f "$html" ] || { echo "$0: no such file: $1" >&2; exit 1; }

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "screenshot-report: installing chromium" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  browser=$(command -v chromium)
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars \
  --screenshot="$(realpath -m "$out")" --window-size=1280,2000 \
  "file://$html" >/dev/null 2>&1
[ -s "$out" ] || { echo "$0: chromium wrote no screenshot" >&2; exit 1; }
echo "$out"
