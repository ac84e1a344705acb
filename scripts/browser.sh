#!/usr/bin/env bash
# Drives the web interface in a real headless Chromium, as people use it:
# the journeys in tests/browser/, axe-core on every page they visit (no
# serious or critical WCAG 2.2 A/AA violation), one journey by keyboard
# only, and screenshots at 390x844 and 1280x800 written to
# $CPDFOLIO_SCREENSHOTS (default target/screenshots) to look at.
#
# Installs what a fresh machine lacks: Debian's chromium package (apt-get,
# no browser download) and, in a virtualenv under ~/.cache, Python
# playwright (its driver only; never `playwright install`),
# axe-playwright-python (axe-core bundled) and pytest, pinned.
#
# Usage: scripts/browser.sh [path-to-cpdfolio-binary] [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cpdfolio-target}"
BIN="${1:-$CARGO_TARGET_DIR/debug/cpdfolio}"
shift || true
PLAYWRIGHT_VERSION=1.65.0
AXE_VERSION=0.1.8
PYTEST_VERSION=8.3.5

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" install -y -q chromium >/dev/null 2>&1 ||
    { "${apt_get[@]}" update -q >/dev/null && "${apt_get[@]}" install -y -q chromium >/dev/null; }
fi
venv="$HOME/.cache/cpdfolio-browser-venv"
stamp="$venv/.pins-$PLAYWRIGHT_VERSION-$AXE_VERSION-$PYTEST_VERSION"
if [ ! -f "$stamp" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "playwright==$PLAYWRIGHT_VERSION" \
    "axe-playwright-python==$AXE_VERSION" "pytest==$PYTEST_VERSION"
  touch "$stamp"
fi
[ -x "$BIN" ] || cargo build --locked --bin cpdfolio

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
CPDFOLIO_DATA_DIR="$work/data" CPDFOLIO_DATABASE_URL=mem:// CPDFOLIO_LISTEN="127.0.0.1:$port" \
  CPDFOLIO_BASE_URL="$base" CPDFOLIO_ALERTS_ENABLED=false CPDFOLIO_LOG=warn \
  CPDFOLIO_SEARCH_COMMIT_MS=100 \
  "$BIN" serve --demo >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done

export CPDFOLIO_BASE="$base"
export CPDFOLIO_SCREENSHOTS="${CPDFOLIO_SCREENSHOTS:-$CARGO_TARGET_DIR/screenshots}"
mkdir -p "$CPDFOLIO_SCREENSHOTS"
"$venv/bin/python" -m pytest -q -p no:cacheprovider tests/browser "$@"
echo "screenshots: $CPDFOLIO_SCREENSHOTS"
