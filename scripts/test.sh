#!/usr/bin/env bash
# Runs every test: unit tests beside the code, the HTTP integration tests
# (real embedded SurrealDB, tantivy index in a temp dir, SMTP server on
# loopback), the CLI tests against the real binary, then the contract test
# (schemathesis against the real server, scripts/contract.sh) and the
# browser tests (headless Chromium with axe-core, scripts/browser.sh).
# Needs the Rust toolchain and Python 3; cargo, pip and apt-get fetch
# everything else (poppler-utils, Chromium). Arguments go to cargo test; with arguments the contract
# and browser tests are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cpdfolio-target}"
# The profile document tests read PDFs with poppler's pdftotext and pdfinfo.
if ! command -v pdftotext >/dev/null || ! command -v pdfinfo >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" install -y -q poppler-utils >/dev/null 2>&1 ||
    { "${apt_get[@]}" update -q >/dev/null && "${apt_get[@]}" install -y -q poppler-utils >/dev/null; }
fi
# The property tests (the Markdown sanitiser, the search query parser, the
# file-type sniffer) try 20,000 generated inputs each here, 256 by default.
PROPTEST_CASES="${PROPTEST_CASES:-20000}" cargo test --locked "$@"
if [ $# -eq 0 ]; then
  scripts/contract.sh "$CARGO_TARGET_DIR/debug/cpdfolio"
  scripts/browser.sh "$CARGO_TARGET_DIR/debug/cpdfolio"
fi
